// The faults panel of a business number or a virtual phone: the failures
// injected on purpose there (GET /api/faults), each with how often it fired
// and where, a form to add one that fits its kind (POST /api/faults), and
// delete (DELETE /api/faults/{id}). The list follows sends live.
import { get, post, del, q, enc } from '../api.js';
import { h, clear, field, select, fail, toast, plus, dateTime, badge, empty } from '../dom.js';
import { subscribe } from '../live.js';

// kinds are the faults, with what each asks for and says.
export const faultKinds = [
  { id: 'delivery_failed', label: 'Delivery fails', fields: ['code'], hint: 'the message fails with the code; a failed status webhook follows' },
  { id: 'status_delayed', label: 'Status delayed', fields: ['status', 'delay'], hint: 'a status comes late' },
  { id: 'status_duplicated', label: 'Status duplicated', fields: ['status'], hint: 'a status webhook is sent twice' },
  { id: 'status_dropped', label: 'Status dropped', fields: ['status'], hint: 'a status is recorded but its webhook never sent' },
  { id: 'webhook_duplicated', label: 'Webhook duplicated', fields: [], hint: 'a delivered webhook is POSTed again' },
  { id: 'webhook_reordered', label: 'Webhook reordered', fields: [], hint: 'a webhook goes after the next one of its chat' },
  { id: 'webhook_delayed', label: 'Webhook delayed', fields: ['delay'], hint: 'a webhook waits before its first POST' },
  { id: 'media_url_expired', label: 'Media URL expires early', fields: ['ttl'], hint: 'download URLs stop working after the TTL' },
  { id: 'api_error', label: 'API error', fields: ['http_status'], hint: 'the Graph API answers 500 or 503' },
  { id: 'api_timeout', label: 'API timeout', fields: ['delay'], hint: 'the API holds the request, then drops it unanswered' },
];

// codes are the delivery failures people test most.
const codes = [
  [131026, 'Message undeliverable'], [131049, 'Healthy ecosystem (marketing)'], [131000, 'Something went wrong'],
  [131047, 'Re-engagement (window closed)'], [131050, 'User stopped marketing'], [131053, 'Media upload error'],
  [131042, 'Payment issue'], [130472, 'Number in an experiment'], [131016, 'Service unavailable'],
];

const statuses = [['', 'every status'], ['sent', 'sent'], ['delivered', 'delivered'], ['read', 'read'], ['failed', 'failed']];

// summary says in words what a fault does.
export function summary(f) {
  const st = f.status ? f.status + ' ' : '';
  switch (f.kind) {
    case 'delivery_failed': return 'messages fail with ' + f.code;
    case 'status_delayed': return st + 'statuses come ' + (f.delay || '') + ' late';
    case 'status_duplicated': return st + 'status webhooks are sent twice';
    case 'status_dropped': return st + 'status webhooks are dropped';
    case 'webhook_duplicated': return 'webhooks are POSTed twice';
    case 'webhook_reordered': return 'webhooks go after the next of their chat';
    case 'webhook_delayed': return 'webhooks wait ' + (f.delay || '');
    case 'media_url_expired': return 'media URLs expire after ' + (f.ttl || '');
    case 'api_error': return 'the API answers ' + f.http_status;
    case 'api_timeout': return 'the API hangs ' + (f.delay || '') + ', then drops the request';
  }
  return f.kind;
}

// odds says how often a fault fires.
function odds(f) {
  const p = f.probability === undefined || f.probability === null ? 'always' : Math.round(f.probability * 1000) / 10 + '% of the time';
  if (f.count === undefined || f.count === null) return p;
  return p + ', among the next ' + f.count + ' (' + (f.remaining ?? 0) + ' left)';
}

// whereLink links what a hit names, by the fault's kind: a message (its
// wamid), a webhook delivery (its id), a request path or a media id.
function whereLink(where, kind) {
  const w = String(where || '');
  if (w.startsWith('wamid.')) return h('a', { class: 'mono', href: '#/messages?id=' + enc(w), text: w });
  if (kind.startsWith('webhook_') && w) return h('a', { class: 'mono', href: '#/webhooks/' + enc(w), text: 'delivery ' + w });
  if (kind === 'media_url_expired' && w) return h('span', { class: 'mono', text: 'media ' + w });
  return h('span', { class: 'mono', text: w });
}

// faultsPanel returns the panel for scope: { phone_number_id } for a number,
// { wa_id } for a phone, with numbers (the business numbers, for a phone's
// "only with" choice) and title.
export function faultsPanel(scope, opts) {
  const o = opts || {};
  const list = h('div', { class: 'fault-list', 'data-testid': 'fault-list' });
  const box = h('section', { class: 'card panel', 'data-testid': 'faults-panel', 'aria-label': o.title || 'Faults' });
  const onNumber = !!scope.phone_number_id;

  function row(f) {
    const who = [f.phone_number_id ? 'number ' + (numberName(f.phone_number_id)) : null, f.wa_id ? 'phone ' + plus(f.wa_id) : null].filter(Boolean).join(', ');
    return h('div', { class: 'fault', 'data-testid': 'fault-row', 'data-id': f.id, 'data-kind': f.kind, 'data-hits': String(f.hits || 0) },
      h('div', { class: 'row' },
        badge(f.kind.replace(/_/g, ' ')),
        h('strong', { class: 'fault-what', text: summary(f) }),
        h('span', { class: 'spacer' }),
        h('span', { class: 'fault-hits', 'data-testid': 'fault-hits', title: 'Times it fired', text: (f.hits || 0) + ' hit' + (f.hits === 1 ? '' : 's') }),
        h('button', { type: 'button', class: 'btn small danger', 'data-testid': 'fault-delete', 'aria-label': 'Delete the fault ' + summary(f),
          onclick: () => del('/api/faults/' + enc(f.id)).then(() => { toast('Deleted the fault: ' + summary(f) + '.'); load(); }, fail) }, 'Delete')),
      h('div', { class: 'muted' }, odds(f), who ? ' · ' + who : '', f.note ? ' · ' + f.note : '', ' · since ' + dateTime(f.created_at)),
      (f.recent || []).length ? h('ul', { class: 'fault-recent', 'aria-label': 'Recent hits' }, f.recent.map((r) =>
        h('li', { 'data-testid': 'fault-hit' }, h('span', { class: 'mono', text: dateTime(r.at).slice(11) }), ' ', whereLink(r.where, f.kind), ' ', h('span', { text: r.what })))) : null);
  }

  function numberName(id) {
    const n = (o.numbers || []).find((x) => x.id === id);
    return n ? plus(n.display_phone_number) : id;
  }

  function addForm() {
    const kind = select({ 'data-testid': 'fault-kind' }, faultKinds.map((k) => [k.id, k.label]), 'delivery_failed');
    const hint = h('small', { class: 'hint', 'data-testid': 'fault-kind-hint' });
    const codeList = h('datalist', { id: 'fault-codes-' + Math.random().toString(36).slice(2, 8) }, codes.map(([c, l]) => h('option', { value: String(c), label: c + ' ' + l })));
    const inputs = {
      code: h('input', { type: 'number', min: '1', step: '1', value: '131026', list: codeList.id, 'data-testid': 'fault-code' }),
      status: select({ 'data-testid': 'fault-status' }, statuses, ''),
      delay: h('input', { type: 'text', value: '10s', pattern: '[0-9.]+(ms|s|m|h)', 'data-testid': 'fault-delay' }),
      ttl: h('input', { type: 'text', value: '1s', pattern: '[0-9.]+(ms|s|m|h)', 'data-testid': 'fault-ttl' }),
      http_status: select({ 'data-testid': 'fault-http-status' }, [['503', '503 Service Unavailable'], ['500', '500 Internal Server Error']], '503'),
    };
    const labels = { code: 'Error code', status: 'Status', delay: 'Delay', ttl: 'URLs work for', http_status: 'HTTP status' };
    const fields = Object.fromEntries(Object.entries(inputs).map(([k, el]) => [k, field(labels[k], el)]));
    const probability = h('input', { type: 'number', min: '0', max: '100', step: 'any', placeholder: '100', 'data-testid': 'fault-probability' });
    const count = h('input', { type: 'number', min: '1', step: '1', placeholder: 'every one', 'data-testid': 'fault-count' });
    const note = h('input', { type: 'text', placeholder: 'why, for whoever looks later', 'data-testid': 'fault-note' });
    // The narrowing: a number's fault may hit one phone only, a phone's one number only.
    const narrow = onNumber
      ? h('input', { type: 'text', inputmode: 'numeric', placeholder: 'every phone', pattern: '\\+?[0-9]{1,15}', 'data-testid': 'fault-wa-id' })
      : select({ 'data-testid': 'fault-phone-number' }, [['', 'every business number'], ...(o.numbers || []).map((n) => [n.id, plus(n.display_phone_number)])], '');
    const show = () => {
      const k = faultKinds.find((x) => x.id === kind.value);
      for (const [name, f] of Object.entries(fields)) f.hidden = !k.fields.includes(name);
      hint.textContent = k.hint;
    };
    kind.addEventListener('change', show);
    show();
    const form = h('form', { class: 'fault-form', 'data-testid': 'fault-form', 'aria-label': 'New fault', onsubmit: (e) => {
      e.preventDefault();
      const k = faultKinds.find((x) => x.id === kind.value);
      const body = Object.assign({ kind: k.id }, scope);
      if (k.fields.includes('code')) body.code = Number(inputs.code.value);
      if (k.fields.includes('status') && inputs.status.value) body.status = inputs.status.value;
      if (k.fields.includes('delay')) body.delay = inputs.delay.value.trim();
      if (k.fields.includes('ttl')) body.ttl = inputs.ttl.value.trim();
      if (k.fields.includes('http_status')) body.http_status = Number(inputs.http_status.value);
      if (probability.value.trim() !== '') body.probability = Number(probability.value) / 100;
      if (count.value.trim() !== '') body.count = Number(count.value);
      if (note.value.trim()) body.note = note.value.trim();
      const n = narrow.value.trim().replace(/^\+/, '');
      if (n) body[onNumber ? 'wa_id' : 'phone_number_id'] = n;
      post('/api/faults', body).then((f) => {
        toast('Added the fault: ' + summary(f) + '.');
        note.value = '';
        load();
      }, fail);
    } },
    h('h4', { text: 'Add a fault' }),
    h('div', { class: 'grid2' },
      field('Kind', kind), h('div', { class: 'field' }, hint),
      fields.code, fields.status, fields.delay, fields.ttl, fields.http_status,
      field('Chance (%)', probability, 'empty: every time'),
      field('Only the next', count, 'empty: no end'),
      field(onNumber ? 'Only for the phone' : 'Only with the number', narrow),
      field('Note', note)),
    codeList,
    h('div', { class: 'row end' }, h('button', { type: 'submit', class: 'btn primary', 'data-testid': 'fault-add' }, 'Add fault')));
    return form;
  }

  // mine keeps the faults of the panel's own scope: a number's, or a phone's.
  const mine = (f) => (onNumber ? f.phone_number_id === scope.phone_number_id : f.wa_id === scope.wa_id);

  async function load() {
    try {
      const all = (await get('/api/faults' + q(scope))).data || [];
      const faults = all.filter(mine);
      clear(list, faults.length ? faults.map(row) : empty('No faults here: everything works as it should.'));
    } catch (err) {
      clear(list, empty(err.status === 404 ? 'This wabi cannot inject faults.' : err.message));
    }
  }

  clear(box,
    h('div', { class: 'detail-head' }, h('h3', { text: o.title || 'Faults' }),
      h('button', { type: 'button', class: 'btn small ghost', 'data-testid': 'faults-refresh', onclick: load }, 'Refresh')),
    h('p', { class: 'muted', text: 'Failures injected on purpose: each fires on the events of its kind here, and shows where it hit.' }),
    list,
    addForm());

  // Sends and webhooks are what faults fire on: look again after a burst.
  let timer = 0;
  const later = () => {
    clearTimeout(timer);
    timer = setTimeout(load, 400);
  };
  const unsubscribe = subscribe({ message: later, delivery: later, poll: later });
  load();
  return {
    el: box,
    refresh: load,
    cleanup() {
      unsubscribe();
      clearTimeout(timer);
    },
  };
}
