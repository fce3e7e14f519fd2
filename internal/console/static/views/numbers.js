// The Numbers view: the business phone numbers with their network (simulated
// or relay) and standing (quality, messaging limit, throughput), and a
// number's detail with its network and relay, its quality and Meta's
// decisions, the limits of the number and of its WABA, and the faults
// injected on it. Routes: #/numbers and #/numbers/{id}.
import { state } from '../state.js';
import { get, post, enc, loadNumbers } from '../api.js';
import { h, clear, field, fail, toast, plus, badge, empty, showSplit, backButton } from '../dom.js';
import { platformName } from './chat.js';
import { qualityPanel } from './quality.js';
import { limitsPanel } from './limits.js';
import { faultsPanel } from './faults.js';
import { relayPanel, networkCell } from './relay.js';

// colClass hides columns where the table is narrow: beside an open detail
// (hide-split) and on a phone (hide-phone).
const colClass = [null, 'hide-split hide-phone', 'hide-split hide-phone', null, null, 'hide-split', 'hide-split hide-phone'];

// channels reads each number's network and relay (GET /api/channels) by id;
// an empty map when this wabi does not list channels.
async function channels() {
  try {
    return new Map(((await get('/api/channels')).data || []).map((c) => [c.id, c]));
  } catch {
    return new Map();
  }
}

// errorsPanel sends the number's receivers an errors webhook: a problem of the
// number that no one message carries (POST /api/phone_numbers/{id}/errors).
function errorsPanel(n) {
  const code = h('input', { type: 'text', value: '130429', required: true, list: 'errors-codes', 'data-testid': 'number-errors-code' });
  const details = h('input', { type: 'text', value: 'Too many messages received in a short period of time.', required: true, 'data-testid': 'number-errors-details' });
  const codes = h('datalist', { id: 'errors-codes' }, [['130429', 'rate limit hit'], ['131000', 'something went wrong'], ['131016', 'service unavailable'], ['131052', 'media download error']]
    .map(([v, l]) => h('option', { value: v, label: v + ' ' + l })));
  const el = h('form', { class: 'card panel', 'data-testid': 'number-errors-form', 'aria-label': 'Errors webhook', onsubmit: (e) => {
    e.preventDefault();
    const c = code.value.trim();
    post('/api/phone_numbers/' + enc(n.id) + '/errors', { errors: [{ code: /^\d+$/.test(c) ? Number(c) : c, details: details.value.trim() }] })
      .then((r) => toast('Sent ' + r.errors + ' error(s) to the receivers of ' + plus(n.display_phone_number) + '.'), fail);
  } },
  h('h3', { text: 'Errors webhook' }),
  h('p', { class: 'muted', text: 'A problem of the number that no one message carries, as Meta reports a rate limit hit while receiving: the receivers get a webhook with errors.' }),
  h('div', { class: 'grid2' }, field('Code', code, 'Cloud API number or wabi code'), field('Details', details)),
  codes,
  h('div', { class: 'row end' }, h('button', { type: 'submit', class: 'btn primary', 'data-testid': 'number-errors-send' }, 'Send errors webhook')));
  return { el };
}

export function render(main, route) {
  const view = { wabas: [], channels: new Map(), selected: '', panels: [] };
  const body = h('tbody');
  const detail = h('section', { class: 'card detail', hidden: true, 'data-testid': 'number-detail', 'aria-label': 'Business number' });
  const split = h('div', { class: 'split closed wide-detail' },
    h('div', { class: 'table-wrap' }, h('table', { class: 'data' },
      h('caption', { class: 'visually-hidden', text: 'Business numbers' }),
      h('thead', {}, h('tr', {}, ['Number', 'Name', 'Platform', 'Network', 'Quality', 'Messaging limit', 'Throughput'].map((t, i) => h('th', { scope: 'col', class: colClass[i], text: t })))),
      body)),
    detail);
  clear(main, h('div', { class: 'page', 'data-testid': 'numbers-view' },
    h('div', { class: 'page-head' }, h('h1', { text: 'Numbers' }),
      h('p', { text: 'Each business number\'s network (simulated, or relayed to an upstream Cloud API), Meta\'s limits on it, its quality and messaging tier, and the faults injected on it.' })),
    split));

  const open = (id) => { location.hash = '#/numbers/' + enc(id); };

  function renderRows() {
    const numbers = state.numbers;
    clear(body, numbers.length ? numbers.map((n) => h('tr', { class: 'clickable', 'data-testid': 'numbers-row', 'data-id': n.id,
      'aria-selected': n.id === view.selected ? 'true' : 'false', onclick: () => open(n.id) },
    h('td', {}, h('a', { href: '#/numbers/' + enc(n.id), onclick: (e) => e.stopPropagation(), text: plus(n.display_phone_number) })),
    h('td', { class: colClass[1], text: n.verified_name }),
    h('td', { class: colClass[2] }, h('span', { class: 'badge b-' + String(n.platform_type).toLowerCase(), text: platformName(n.platform_type) })),
    h('td', { class: colClass[3] }, networkCell(view.channels.get(n.id) || n)),
    h('td', {}, badge(n.quality_rating || 'UNKNOWN')),
    h('td', { class: colClass[5], text: n.messaging_limit || '' }),
    h('td', { class: colClass[6], text: n.throughput || '' }))) : h('tr', {}, h('td', { colspan: '7' }, empty('No business numbers.'))));
  }

  function closePanels() {
    for (const p of view.panels) if (p.cleanup) p.cleanup();
    view.panels = [];
  }

  function renderDetail() {
    const n = state.numbers.find((x) => x.id === view.selected);
    showSplit(split, detail, !!n);
    if (view.shown === (n && n.id)) return;
    closePanels();
    view.shown = n && n.id;
    if (!n) return;
    const waba = view.wabas.find((w) => w.id === n.waba_id);
    const close = () => { location.hash = '#/numbers'; };
    // Moving to or from the relay changes the number's row.
    const moved = () => channels().then((c) => {
      view.channels = c;
      renderRows();
    });
    const panels = [
      relayPanel(n, moved),
      qualityPanel(n, waba, false, () => loadNumbers(true).then(renderRows, () => {})),
      limitsPanel('number', n.id, 'Limits of ' + plus(n.display_phone_number)),
      waba ? limitsPanel('waba', waba.id, 'Limits of the WABA ' + waba.name) : null,
      faultsPanel({ phone_number_id: n.id }, { title: 'Faults of ' + plus(n.display_phone_number), numbers: state.numbers }),
      errorsPanel(n),
    ].filter(Boolean);
    view.panels = panels;
    clear(detail,
      h('div', { class: 'detail-head' },
        backButton('number-detail-back', close),
        h('h2', {}, plus(n.display_phone_number), ' ', h('small', { class: 'muted', text: n.verified_name })),
        h('button', { type: 'button', class: 'btn small', 'data-testid': 'number-chats', title: 'Chat with this number as a virtual phone',
          onclick: () => { state.chatNumber = n.id; location.hash = '#/phones'; } }, 'Chats'),
        h('button', { type: 'button', class: 'btn small hide-narrow', 'data-testid': 'number-detail-close', onclick: close }, 'Close')),
      h('dl', { class: 'kv' },
        h('dt', { text: 'id' }), h('dd', { class: 'mono', text: n.id }),
        h('dt', { text: 'platform' }), h('dd', { text: platformName(n.platform_type) + (n.registered ? '' : ' · not registered') }),
        h('dt', { text: 'WABA' }), h('dd', { text: waba ? waba.name + ' (' + waba.id + ')' : n.waba_id })),
      panels.map((p) => p.el));
  }

  function apply(r) {
    view.selected = r.parts[0] || '';
    renderRows();
    renderDetail();
  }

  Promise.all([loadNumbers(true), get('/api/wabas'), channels()]).then(([, w, c]) => {
    view.wabas = w.data;
    view.channels = c;
    apply(route);
  }, fail);

  return { update: apply, cleanup: closePanels };
}
