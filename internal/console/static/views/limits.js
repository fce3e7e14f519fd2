// The limits panel of a business number or a WABA: the limits in force
// (throughput, pair rate, management calls), what they have used, and the
// override that replaces the defaults (WABI_LIMITS) for it, which can be
// edited and cleared. GET|PUT|DELETE /api/phone_numbers/{id}/limits and
// /api/wabas/{id}/limits; GET /api/limits for the mode and the defaults.
import { get, put, del, enc } from '../api.js';
import { h, clear, field, select, fail, toast, empty } from '../dom.js';

// keys are the limits, in the order shown, with how to read and write them.
const keys = [
  { key: 'throughput', testid: 'limits-throughput', label: 'Throughput', unit: 'messages/s', kind: 'int', hint: 'per business number' },
  { key: 'pair_burst', testid: 'limits-pair-burst', label: 'Pair burst', unit: 'messages', kind: 'int', hint: 'to one customer at once' },
  { key: 'pair_interval', testid: 'limits-pair-interval', label: 'Pair interval', unit: '', kind: 'duration', hint: 'one more to that customer every' },
  { key: 'calls_per_hour', testid: 'limits-calls-per-hour', label: 'Management calls', unit: '/hour', kind: 'int', hint: 'per app and WABA' },
];

// show writes a limit's value for people.
function show(k, v) {
  if (v === undefined || v === null || v === '') return '–';
  return k.unit ? v + ' ' + k.unit : String(v);
}

// usageRows flattens the usage object, whatever its depth, into label/value
// pairs: { throughput: { available: 3 } } is "throughput available: 3"; a
// list's items are named by their app or customer, else their place.
function usageRows(u, prefix) {
  const out = [];
  for (const [k, v] of Object.entries(u || {})) {
    if (prefix && /_id$/.test(k)) continue; // the item's name says it
    const label = (prefix ? prefix + ' ' : '') + k.replace(/_/g, ' ');
    if (Array.isArray(v)) {
      v.forEach((item, i) => {
        const name = item && typeof item === 'object' ? (item.app_id ? 'app ' + item.app_id : item.wa_id ? '+' + item.wa_id : '#' + (i + 1)) : '#' + (i + 1);
        if (item && typeof item === 'object') out.push(...usageRows(item, label + ' · ' + name));
        else out.push([label + ' ' + name, String(item)]);
      });
    } else if (v && typeof v === 'object') {
      out.push(...usageRows(v, label));
    } else {
      out.push([label, String(v)]);
    }
  }
  return out;
}

// limitsPanel returns the panel. scope is 'number' or 'waba'; id the object's
// id; title the panel's heading. The panel loads itself; refresh() loads it
// again.
export function limitsPanel(scope, id, title) {
  const path = (scope === 'waba' ? '/api/wabas/' : '/api/phone_numbers/') + enc(id) + '/limits';
  const box = h('section', { class: 'card panel', 'data-testid': 'limits-panel', 'data-scope': scope, 'aria-label': title },
    h('h3', { text: title }), h('p', { class: 'muted', text: 'Loading…' }));

  function form(data) {
    const o = data.override || {};
    const eff = data.effective || {};
    const enabled = select({ 'data-testid': 'limits-enabled' },
      [['', 'inherit (' + (eff.enabled === false ? 'off' : 'on') + ' now)'], ['true', 'on'], ['false', 'off']],
      o.enabled === true ? 'true' : o.enabled === false ? 'false' : '');
    const inputs = keys.map((k) => {
      const v = o[k.key];
      const attrs = { 'data-testid': k.testid, placeholder: 'inherit: ' + show(k, eff[k.key]), autocomplete: 'off',
        value: v === undefined || v === null ? '' : String(v) };
      const el = k.kind === 'int' ? h('input', Object.assign({ type: 'number', min: '1', step: '1' }, attrs)) : h('input', Object.assign({ type: 'text', pattern: '[0-9.]+(ms|s|m|h)' }, attrs));
      return { k, el };
    });
    const hasOverride = Object.values(o).some((v) => v !== undefined && v !== null);
    return h('form', { class: 'limits-form', 'data-testid': 'limits-form', 'aria-label': 'Override of ' + title, onsubmit: (e) => {
      e.preventDefault();
      const body = {};
      if (enabled.value) body.enabled = enabled.value === 'true';
      for (const { k, el } of inputs) {
        const v = el.value.trim();
        if (v) body[k.key] = k.kind === 'int' ? Number(v) : v;
      }
      put(path, body).then(() => {
        toast('Saved the limits of ' + title.replace(/^Limits of /, '') + '.');
        return load();
      }).catch(fail);
    } },
    h('h4', { text: 'Override' }),
    h('p', { class: 'muted', text: 'Empty fields inherit ' + (scope === 'number' ? 'from the WABA, then the defaults' : 'the defaults') + '.' }),
    h('div', { class: 'grid2' }, field('Enforced', enabled), inputs.map(({ k, el }) => field(k.label + (k.unit ? ' (' + k.unit.replace(/^\//, 'per ') + ')' : ''), el, k.hint))),
    h('div', { class: 'row end' },
      h('button', { type: 'button', class: 'btn', 'data-testid': 'limits-clear', disabled: !hasOverride, onclick: () => {
        del(path).then(() => {
          toast('Cleared the override: ' + title.replace(/^Limits of /, '') + ' inherits again.');
          return load();
        }).catch(fail);
      } }, 'Clear override'),
      h('button', { type: 'submit', class: 'btn primary', 'data-testid': 'limits-save' }, 'Save override')));
  }

  function draw(data, mode) {
    const eff = data.effective || {};
    const usage = usageRows(data.usage);
    clear(box,
      h('h3', { text: title }),
      mode ? h('p', { class: 'muted', 'data-testid': 'limits-mode', 'data-mode': mode.mode },
        mode.mode === 'off' ? 'wabi runs with WABI_LIMITS=off: nothing is limited unless an override turns it on.' : 'wabi runs with Meta\'s limits (WABI_LIMITS=meta).') : null,
      h('dl', { class: 'kv', 'data-testid': 'limits-effective', 'data-enabled': String(eff.enabled !== false) },
        h('dt', { text: 'enforced' }), h('dd', { 'data-testid': 'limit-effective', 'data-key': 'enabled', text: eff.enabled === false ? 'no' : 'yes' }),
        keys.map((k) => [h('dt', { text: k.label.toLowerCase() }),
          h('dd', { 'data-testid': 'limit-effective', 'data-key': k.key, 'data-value': String(eff[k.key] ?? '') }, show(k, eff[k.key]),
            h('small', { class: 'hint', text: ' ' + k.hint }))])),
      usage.length ? h('details', { class: 'usage', 'data-testid': 'limits-usage' },
        h('summary', { text: 'Usage now' }),
        h('dl', { class: 'kv' }, usage.map(([l, v]) => [h('dt', { text: l }), h('dd', { text: v })]))) : null,
      form(data));
  }

  async function load() {
    const [mode, data] = await Promise.all([get('/api/limits').catch(() => null), get(path)]);
    draw(data, mode);
  }

  function refresh() {
    load().catch((err) => {
      clear(box, h('h3', { text: title }), empty(err.status === 404 ? 'This wabi has no limits API.' : err.message));
    });
  }
  refresh();
  return { el: box, refresh };
}
