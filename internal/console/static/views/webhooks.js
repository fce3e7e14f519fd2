// The Webhooks view: the apps' webhook settings, and every webhook delivery
// with its request, signature, body and attempts, live; deliveries can be sent
// again one by one or all failed ones at once. Routes: #/webhooks,
// #/webhooks/{delivery id}, with ?state=, ?app_id=, ?message_id= filters.
import { state } from '../state.js';
import { get, post, put, q, enc, loadNumbers } from '../api.js';
import { h, clear, field, select, fail, toast, plus, dateTime, relative, json, badge, empty, copyButton, showSplit, backButton, faultOf, faultMark } from '../dom.js';
import { subscribe } from '../live.js';

const fields = ['messages', 'message_template_status_update', 'template_category_update', 'message_template_quality_update',
  'phone_number_quality_update', 'business_capability_update', 'account_update'];
const pageSize = 50;
// colClass hides columns of the deliveries where the table is narrow: beside
// an open detail (hide-split) and on a phone (hide-phone).
const colClass = [null, null, 'hide-split hide-phone', null, null, 'hide-phone', 'hide-split hide-phone'];

export function render(main, route) {
  const view = { apps: [], rows: [], filters: {}, selected: '', next: '', loaded: false };
  const appsBox = h('div', { class: 'apps' });
  const appsCard = h('details', { class: 'card', 'data-testid': 'app-webhooks' },
    h('summary', {}, h('strong', { text: 'Webhook settings of the apps' }),
      h('span', { class: 'muted', text: ' · where wabi POSTs messages and statuses' })),
    h('p', { class: 'muted', text: 'A new callback URL must pass Meta\'s handshake: wabi GETs it with hub.mode=subscribe, hub.challenge and hub.verify_token, and the receiver answers the challenge.' }),
    appsBox);
  const stateSel = select({ 'data-testid': 'delivery-filter-state', id: 'delivery-state' },
    [['', 'All states'], ['pending', 'Pending'], ['delivered', 'Delivered'], ['failed', 'Failed']], '');
  const appSel = h('select', { 'data-testid': 'delivery-filter-app', id: 'delivery-app' });
  const body = h('tbody');
  const more = h('button', { type: 'button', class: 'btn small', hidden: true, 'data-testid': 'deliveries-older', onclick: loadMore }, 'Load older');
  const detail = h('section', { class: 'card detail', hidden: true, 'data-testid': 'delivery-detail', 'aria-label': 'Delivery' });
  const split = h('div', { class: 'split closed' },
    h('div', {},
      h('div', { class: 'table-wrap' }, h('table', { class: 'data' },
        h('caption', { class: 'visually-hidden', text: 'Webhook deliveries, newest first' }),
        h('thead', {}, h('tr', {}, ['State', 'Event', 'Target', 'Attempts', 'Last status', 'Next retry', 'Created'].map((t, i) => h('th', { scope: 'col', class: colClass[i], text: t })))),
        body)),
      h('div', { class: 'pager' }, h('span'), more)),
    detail);

  clear(main, h('div', { class: 'page', 'data-testid': 'webhooks-view' },
    h('div', { class: 'page-head' }, h('h1', { text: 'Webhooks' }),
      h('p', { text: 'Every POST wabi owes a receiver, with each attempt.' })),
    appsCard,
    h('div', { class: 'card filters' },
      field('State', stateSel),
      field('App or deployment', appSel),
      h('div', { class: 'row' },
        h('button', { type: 'button', class: 'btn danger', 'data-testid': 'redeliver-failed', onclick: redeliverFailed }, 'Redeliver all failed'))),
    split));

  stateSel.addEventListener('change', () => go({ state: stateSel.value }));
  appSel.addEventListener('change', () => go({ app_id: appSel.value }));

  // go changes the filters through the URL, so that they can be linked.
  function go(change) {
    const f = Object.assign({}, view.filters, change);
    location.hash = '#/webhooks' + (view.selected ? '/' + enc(view.selected) : '') + q(f);
  }

  function targetName(d) {
    if (d.dialect === 'cloud') {
      const app = view.apps.find((a) => a.id === d.target_id);
      return app ? app.name : 'app ' + d.target_id;
    }
    const n = state.numbers.find((x) => x.id === d.target_id);
    return 'On-Prem ' + (n ? plus(n.display_phone_number) : d.target_id);
  }

  function renderApps() {
    const opts = [['', 'All'], ...view.apps.map((a) => [a.id, a.name + ' (app)']),
      ...state.numbers.filter((n) => n.platform_type === 'ON_PREMISE').map((n) => [n.id, 'On-Prem ' + plus(n.display_phone_number)])];
    clear(appSel, opts.map(([v, l]) => h('option', { value: v, selected: v === (view.filters.app_id || ''), text: l })));
    if (!view.apps.some((a) => a.callback_url)) appsCard.open = true;
    clear(appsBox, view.apps.length ? view.apps.map(appForm) : empty('No apps.'));
  }

  function appForm(app) {
    const url = h('input', { type: 'url', value: app.callback_url, placeholder: 'http://127.0.0.1:3000/webhook', 'data-testid': 'app-callback-url' });
    const token = h('input', { type: 'text', value: app.verify_token, autocomplete: 'off', 'data-testid': 'app-verify-token' });
    const version = h('input', { type: 'text', value: app.api_version, 'data-testid': 'app-api-version' });
    const checks = fields.map((f) => {
      const box = h('input', { type: 'checkbox', checked: (app.fields || []).includes(f), id: 'f-' + app.id + '-' + f, 'data-testid': 'app-field', 'data-field': f });
      // A line may break after an underscore, not inside a word.
      const words = f.split('_').map((w, i, all) => (i < all.length - 1 ? [w + '_', h('wbr')] : w));
      return { f, box, el: h('div', { class: 'check' }, box, h('label', { for: box.id }, words)) };
    });
    const result = h('div', { class: 'result', role: 'status', 'data-testid': 'app-webhook-result' });
    return h('form', { class: 'card', 'data-testid': 'app-webhook-form', 'data-app-id': app.id, 'aria-label': 'Webhook of ' + app.name, onsubmit: (e) => {
      e.preventDefault();
      result.className = 'result';
      result.textContent = url.value ? 'Running the handshake…' : 'Saving…';
      put('/api/apps/' + enc(app.id) + '/webhook', {
        callback_url: url.value.trim(), verify_token: token.value, api_version: version.value.trim(),
        fields: checks.filter((c) => c.box.checked).map((c) => c.f),
      }).then((saved) => {
        Object.assign(app, saved);
        result.className = 'result ok';
        result.textContent = saved.callback_url ? '✓ The handshake passed; webhooks go to ' + saved.callback_url + '.' : '✓ Saved: the app gets no webhooks.';
      }, (err) => {
        result.className = 'result err';
        result.textContent = '✗ ' + err.message;
      });
    } },
    h('h3', {}, app.name, ' ', h('small', { class: 'muted mono', text: app.id })),
    field('Callback URL', url),
    h('div', { class: 'grid2' }, field('Verify token', token), field('API version', version)),
    h('fieldset', { class: 'checks plain' }, h('legend', { class: 'hint', text: 'Fields' }), checks.map((c) => c.el)),
    h('div', { class: 'row' }, h('span', { class: 'muted', text: 'Secret: ' }), h('code', { class: 'secret', text: app.secret }), copyButton(app.secret, 'App secret')),
    h('div', { class: 'row end' }, h('button', { type: 'submit', class: 'btn primary', 'data-testid': 'app-webhook-save' }, 'Save webhook')),
    result);
  }

  function row(d) {
    const retry = d.state === 'pending' && d.next_attempt_at ? relative(d.next_attempt_at) : '';
    return h('tr', { class: 'clickable', 'data-testid': 'delivery-row', 'data-id': d.id, 'data-state': d.state, 'data-event': d.event,
      'aria-selected': d.id === view.selected ? 'true' : 'false', onclick: () => open(d.id) },
    h('td', {}, badge(d.state)),
    h('td', {}, h('button', { type: 'button', class: 'linkish', 'aria-label': 'Show delivery ' + d.id + ' (' + d.event + ')',
      onclick: (e) => { e.stopPropagation(); open(d.id); } }, d.event)),
    h('td', { class: colClass[2], text: targetName(d) + (d.wa_id ? ' → ' + plus(d.wa_id) : '') }),
    h('td', { text: String(d.attempts) }),
    h('td', { title: d.last_error || '' }, d.last_status ? String(d.last_status) : faultOf(d.last_error) ? faultMark(faultOf(d.last_error), 'delivery-fault') : d.last_error ? 'error' : '–'),
    h('td', { class: colClass[5], 'data-next': retry ? d.next_attempt_at : null, text: retry }),
    h('td', { class: 'mono ' + colClass[6], text: dateTime(d.created_at) }));
  }

  function renderRows() {
    clear(body, view.rows.length ? view.rows.map(row) : h('tr', {}, h('td', { colspan: '7' }, empty('No deliveries yet. Set a callback URL above, then send or receive a message.'))));
    more.hidden = !view.next;
  }

  function open(id) {
    location.hash = '#/webhooks/' + enc(id) + q(view.filters);
  }

  function close() {
    location.hash = '#/webhooks' + q(view.filters);
  }

  function redeliver(id) {
    post('/api/deliveries/' + enc(id) + '/redeliver').then((d) => {
      toast('Delivery ' + id + ' is queued again.');
      upsert(d);
      showDetail(d);
    }, fail);
  }

  async function redeliverFailed() {
    const body = { state: 'failed' };
    if (view.filters.app_id && view.apps.some((a) => a.id === view.filters.app_id)) body.app_id = view.filters.app_id;
    try {
      const r = await post('/api/deliveries/redeliver', body);
      toast(r.redelivered + ' failed deliveries are queued again' + (r.more ? '; more are left, press again.' : '.'));
    } catch (err) {
      if (err.status !== 404 && err.status !== 405) throw err;
      // An older wabi without the bulk endpoint: one by one.
      const failed = (await get('/api/deliveries' + q({ state: 'failed', limit: 1000, app_id: body.app_id }))).data;
      for (const d of failed.reverse()) await post('/api/deliveries/' + enc(d.id) + '/redeliver');
      toast(failed.length + ' failed deliveries are queued again.');
    }
    await load();
  }

  function attempt(a) {
    const ms = a.latency_ns ? (a.latency_ns / 1e6).toFixed(1) + ' ms' : '';
    return h('div', { class: 'attempt', 'data-testid': 'delivery-attempt', 'data-n': a.n },
      h('div', { class: 'row' }, h('strong', { text: '#' + a.n }),
        a.status_code ? badge(String(a.status_code), 'attempt-status') : badge('no answer'),
        h('span', { class: 'muted', text: dateTime(a.at) + (ms ? ' · ' + ms : '') })),
      a.url ? h('div', { class: 'muted mono', text: a.url }) : null,
      // An attempt a fault made (held back, reordered, POSTed twice) says so.
      a.error && faultOf(a.error) ? h('div', { class: 'result fault', 'data-testid': 'attempt-fault' }, faultMark(faultOf(a.error)), ' ', a.error)
        : a.error ? h('div', { class: 'result err', text: a.error }) : null,
      a.response ? h('pre', { class: 'json small', text: a.response }) : null);
  }

  function showDetail(d) {
    showSplit(split, detail, !!view.selected);
    if (!view.selected || !d) return;
    // Answers and live events can cross: a redeliver's answer (pending) may come
    // after the event of the attempt it led to. Never show an older state.
    if (view.shown && view.shown.id === d.id && isOlder(d, view.shown)) return;
    view.shown = d;
    const req = d.request || {};
    const headers = req.headers || {};
    const sig = headers['X-Hub-Signature-256'];
    clear(detail,
      h('div', { class: 'detail-head' },
        backButton('delivery-detail-back', close),
        h('h2', {}, 'Delivery ', h('span', { class: 'mono', text: d.id })),
        h('div', { class: 'row' },
          h('button', { type: 'button', class: 'btn primary small', 'data-testid': 'redeliver', onclick: () => redeliver(d.id) }, 'Redeliver'),
          h('button', { type: 'button', class: 'btn small hide-narrow', 'data-testid': 'delivery-detail-close', onclick: close }, 'Close'))),
      h('dl', { class: 'kv' },
        h('dt', { text: 'state' }), h('dd', {}, badge(d.state), d.state === 'pending' && d.next_attempt_at ? ' next attempt ' + relative(d.next_attempt_at) : ''),
        h('dt', { text: 'event' }), h('dd', { text: d.event }),
        h('dt', { text: 'target' }), h('dd', { text: targetName(d) + ' (' + d.dialect + ')' }),
        d.message_id ? [h('dt', { text: 'message' }), h('dd', {}, h('a', { class: 'mono', href: '#/messages?id=' + enc(d.message_id), text: d.message_id }))] : null,
        d.last_error ? [h('dt', { text: 'last error' }), h('dd', { class: 'result err', text: d.last_error })] : null),
      h('h3', { text: 'Request' }),
      h('div', { class: 'mono', 'data-testid': 'delivery-url' }, (req.method || 'POST') + ' ' + (req.url || '(no callback URL yet)')),
      h('table', { class: 'data headers' }, h('tbody', {}, Object.entries(headers).map(([k, v]) =>
        h('tr', {}, h('th', { scope: 'row', text: k }), h('td', { class: 'mono', text: v }))))),
      sig ? h('p', { class: 'muted', text: 'X-Hub-Signature-256 is sha256= the HMAC-SHA256 of the body under the app secret; check it over the exact bytes you received.' }) : null,
      h('h3', {}, 'Body ', copyButton(JSON.stringify(d.body), 'Body')),
      h('pre', { class: 'json', tabindex: '0', 'aria-label': 'Webhook body', text: json(d.body) }),
      h('h3', { text: 'Attempts (' + (d.attempts || []).length + ')' }),
      (d.attempts || []).length ? d.attempts.map(attempt) : h('p', { class: 'muted', text: 'Not attempted yet.' }));
  }

  function loadDetail() {
    showSplit(split, detail, !!view.selected);
    if (!view.selected) return;
    get('/api/deliveries/' + enc(view.selected)).then(showDetail, fail);
  }

  function attemptCount(d) {
    return Array.isArray(d.attempts) ? d.attempts.length : (d.attempts || 0);
  }

  // isOlder reports whether a is an earlier state of the delivery than b.
  function isOlder(a, b) {
    const na = attemptCount(a), nb = attemptCount(b);
    if (na !== nb) return na < nb;
    return Date.parse(a.updated_at || 0) < Date.parse(b.updated_at || 0);
  }

  function upsert(d) {
    const list = { id: d.id, dialect: d.dialect, target_id: d.target_id, phone_number_id: d.phone_number_id, wa_id: d.wa_id,
      message_id: d.message_id, event: d.event, state: d.state, attempts: Array.isArray(d.attempts) ? d.attempts.length : d.attempts,
      next_attempt_at: d.next_attempt_at, created_at: d.created_at, updated_at: d.updated_at, last_status: d.last_status, last_error: d.last_error };
    const i = view.rows.findIndex((x) => x.id === d.id);
    const f = view.filters;
    const match = (!f.state || d.state === f.state) && (!f.app_id || d.target_id === f.app_id) && (!f.message_id || d.message_id === f.message_id);
    if (i >= 0) view.rows[i] = list;
    else if (match) view.rows.unshift(list);
    else return;
    renderRows();
  }

  async function load() {
    const page = await get('/api/deliveries' + q(Object.assign({ limit: pageSize }, view.filters)));
    view.rows = page.data;
    view.next = page.next_before || '';
    renderRows();
  }

  async function loadMore() {
    try {
      const page = await get('/api/deliveries' + q(Object.assign({ limit: pageSize, before: view.next }, view.filters)));
      view.rows.push(...page.data);
      view.next = page.next_before || '';
      renderRows();
    } catch (err) {
      fail(err);
    }
  }

  function apply(r) {
    const f = {};
    for (const k of ['state', 'app_id', 'message_id']) if (r.query.get(k)) f[k] = r.query.get(k);
    const changed = JSON.stringify(f) !== JSON.stringify(view.filters) || !view.loaded;
    view.filters = f;
    view.loaded = true;
    stateSel.value = f.state || '';
    appSel.value = f.app_id || '';
    view.selected = r.parts[0] || '';
    if (changed) load().catch(fail);
    else renderRows();
    loadDetail();
  }

  const unsubscribe = subscribe({
    delivery(d) {
      upsert(d);
      if (d.id === view.selected) showDetail(d);
    },
    poll() {
      load().catch(() => {});
      if (view.selected) get('/api/deliveries/' + enc(view.selected)).then(showDetail, () => {});
    },
  });
  // Relative retry times go stale; refresh them now and then.
  const ticker = setInterval(() => {
    for (const td of body.querySelectorAll('td[data-next]')) td.textContent = relative(td.dataset.next);
  }, 5000);

  Promise.all([get('/api/apps'), loadNumbers()]).then(([apps]) => {
    view.apps = apps.data;
    renderApps();
    apply(route);
  }, fail);

  return {
    update: apply,
    cleanup() {
      unsubscribe();
      clearInterval(ticker);
    },
  };
}
