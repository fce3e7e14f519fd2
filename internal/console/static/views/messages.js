// The Messages view: every message of every chat in a table, with filters in
// the URL (#/messages?direction=inbound&type=text), paging, live updates and
// the full JSON of a message in a side pane.
import { state } from '../state.js';
import { get, q, loadNumbers } from '../api.js';
import { h, clear, field, select, fail, plus, dateTime, json, badge, empty, showSplit, backButton, faultOf, faultMark } from '../dom.js';
import { subscribe } from '../live.js';
import { snippet } from './bubbles.js';
import { platformName } from './chat.js';

const types = ['text', 'image', 'audio', 'video', 'document', 'sticker', 'location', 'contacts', 'interactive', 'template', 'reaction', 'button', 'order', 'system', 'unsupported', 'request_welcome'];
const statuses = ['accepted', 'sent', 'delivered', 'read', 'failed', 'received'];
const filterKeys = ['phone_number_id', 'wa_id', 'direction', 'type', 'status', 'since', 'until'];
const pageSize = 50;
// colClass hides columns where the table is narrow: beside an open detail
// (hide-split), on a small window (hide-narrow) and on a phone (hide-phone),
// where the content's preview tells the type.
const colClass = [null, null, 'hide-narrow hide-split', 'hide-split hide-phone', 'hide-phone', null, null];

// toLocalInput turns an RFC 3339 time into a datetime-local value, and back.
function toLocalInput(ts) {
  const d = new Date(ts);
  if (!ts || isNaN(d)) return '';
  return new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
}
function fromLocalInput(v) {
  return v ? new Date(v).toISOString() : '';
}

// matches applies the filters to one message, for live updates and for a
// server that does not know every filter yet.
function matches(m, f) {
  if (f.phone_number_id && m.phone_number_id !== f.phone_number_id) return false;
  if (f.wa_id && m.wa_id !== f.wa_id) return false;
  if (f.direction && m.direction !== f.direction) return false;
  if (f.type && m.type !== f.type) return false;
  if (f.status && m.status !== f.status) return false;
  const at = new Date(m.timestamp);
  if (f.since && at < new Date(f.since)) return false;
  if (f.until && at > new Date(f.until)) return false;
  return true;
}

export function render(main, route) {
  const view = { filters: {}, rows: [], before: '', next: '', stack: [], selected: '' };
  const body = h('tbody');
  const detail = h('section', { class: 'card detail', hidden: true, 'data-testid': 'message-detail', 'aria-label': 'Message' });
  const split = h('div', { class: 'split closed' },
    h('div', {},
      h('div', { class: 'table-wrap' }, h('table', { class: 'data' },
        h('caption', { class: 'visually-hidden', text: 'Messages, newest first' }),
        h('thead', {}, h('tr', {},
          ['Time', 'Direction', 'Business number', 'Contact', 'Type', 'Status', 'Content'].map((t, i) => h('th', { scope: 'col', class: colClass[i], text: t })))),
        body)),
      h('div', { class: 'pager' },
        h('button', { type: 'button', class: 'btn small', 'data-testid': 'page-newer', onclick: newer }, '← Newer'),
        h('span', { class: 'muted', 'aria-live': 'polite', id: 'msg-count' }),
        h('button', { type: 'button', class: 'btn small', 'data-testid': 'page-older', onclick: older }, 'Older →'))),
    detail);
  const form = h('form', { class: 'card filters', 'aria-label': 'Filters', 'data-testid': 'msg-filters' });

  clear(main, h('div', { class: 'page', 'data-testid': 'messages-view' },
    h('div', { class: 'page-head' }, h('h1', { text: 'Messages' }), h('p', { text: 'Every message of every chat, newest first. Click a row for its JSON.' })),
    form, split));

  function readRoute(r) {
    view.filters = {};
    for (const k of filterKeys) if (r.query.get(k)) view.filters[k] = r.query.get(k);
    view.selected = r.query.get('id') || '';
  }

  function renderForm() {
    const f = view.filters;
    const numbers = [['', 'All numbers'], ...state.numbers.map((n) => [n.id, plus(n.display_phone_number) + ' (' + platformName(n.platform_type) + ')'])];
    const contact = h('input', { type: 'text', inputmode: 'numeric', name: 'wa_id', value: f.wa_id || '', placeholder: 'any', 'data-testid': 'msg-filter-contact' });
    const since = h('input', { type: 'datetime-local', name: 'since', value: toLocalInput(f.since), 'data-testid': 'msg-filter-since' });
    const until = h('input', { type: 'datetime-local', name: 'until', value: toLocalInput(f.until), 'data-testid': 'msg-filter-until' });
    clear(form,
      field('Business number', select({ name: 'phone_number_id', 'data-testid': 'msg-filter-number' }, numbers, f.phone_number_id || '')),
      field('Contact (wa_id)', contact),
      field('Direction', select({ name: 'direction', 'data-testid': 'msg-filter-direction' }, [['', 'Both'], ['inbound', 'Inbound'], ['outbound', 'Outbound']], f.direction || '')),
      field('Type', select({ name: 'type', 'data-testid': 'msg-filter-type' }, [['', 'Any'], ...types.map((t) => [t, t])], f.type || '')),
      field('Status', select({ name: 'status', 'data-testid': 'msg-filter-status' }, [['', 'Any'], ...statuses.map((t) => [t, t])], f.status || '')),
      field('Since', since),
      field('Until', until),
      h('div', { class: 'row' },
        h('button', { type: 'submit', class: 'btn primary', 'data-testid': 'msg-filter-apply' }, 'Apply'),
        h('button', { type: 'button', class: 'btn', 'data-testid': 'msg-filter-reset', onclick: () => { location.hash = '#/messages'; } }, 'Reset')));
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const data = new FormData(form);
    const f = {};
    for (const k of filterKeys) {
      let v = String(data.get(k) || '').trim();
      if (k === 'since' || k === 'until') v = fromLocalInput(v);
      if (k === 'wa_id') v = v.replace(/^\+/, '');
      if (v) f[k] = v;
    }
    location.hash = '#/messages' + q(f);
  });

  function renderRows() {
    if (!view.rows.length) {
      clear(body, h('tr', {}, h('td', { colspan: '7' }, empty('No messages match.'))));
    } else {
      clear(body, view.rows.map((m) => {
        const n = state.numbers.find((x) => x.id === m.phone_number_id);
        const open = () => select1(m.id);
        return h('tr', { class: 'clickable', 'data-testid': 'message-row', 'data-id': m.id, 'aria-selected': m.id === view.selected ? 'true' : 'false', onclick: open },
          h('td', { class: 'mono nowrap', title: dateTime(m.timestamp) },
            h('span', { class: 'hide-phone', text: dateTime(m.timestamp).slice(5, 11) }), dateTime(m.timestamp).slice(11)),
          h('td', {}, badge(m.direction)),
          h('td', { class: colClass[2], text: n ? plus(n.display_phone_number) : m.phone_number_id }),
          h('td', { class: colClass[3], text: plus(m.wa_id) }),
          h('td', { class: colClass[4], text: m.type }),
          h('td', {}, badge(m.status), m.error ? h('small', { class: 'muted', text: ' ' + m.error.code }) : null,
            m.error && faultOf(m.error.message) ? [' ', faultMark(faultOf(m.error.message), 'message-fault')] : null),
          h('td', { class: 'ellipsis' }, h('button', { type: 'button', class: 'linkish', 'aria-label': 'Show message ' + m.id,
            onclick: (e) => { e.stopPropagation(); open(); } }, snippet(m) || m.id)));
      }));
    }
    document.getElementById('msg-count').textContent = view.rows.length + ' shown' + (view.stack.length ? ', page ' + (view.stack.length + 1) : '');
    main.querySelector('[data-testid="page-newer"]').disabled = view.stack.length === 0;
    main.querySelector('[data-testid="page-older"]').disabled = !view.next;
  }

  function select1(id) {
    const f = Object.assign({}, view.filters, { id });
    history.replaceState(null, '', '#/messages' + q(f));
    view.selected = id;
    renderRows();
    showDetail();
  }

  function showDetail() {
    showSplit(split, detail, !!view.selected);
    if (!view.selected) return;
    const close = h('button', { type: 'button', class: 'btn small hide-narrow', 'data-testid': 'message-detail-close', onclick: () => select1('') }, 'Close');
    const head = () => h('div', { class: 'detail-head' }, backButton('message-detail-back', () => select1('')), h('h2', { text: 'Message' }), close);
    clear(detail, head(), h('p', { class: 'muted', text: 'Loading…' }));
    get('/api/messages/' + encodeURIComponent(view.selected)).then((m) => {
      const chatLink = '#/phones/' + encodeURIComponent(m.wa_id) + '/' + encodeURIComponent(m.phone_number_id);
      clear(detail, head(),
        h('dl', { class: 'kv' },
          h('dt', { text: 'id' }), h('dd', { class: 'mono', text: m.id }),
          h('dt', { text: 'status' }), h('dd', {}, badge(m.status), ' ', dateTime(m.status_at)),
          m.error ? [h('dt', { text: 'error' }), h('dd', { 'data-testid': 'message-error' }, m.error.code + ': ' + m.error.message,
            faultOf(m.error.message) ? [' ', faultMark(faultOf(m.error.message), 'message-fault'), ' ',
              h('a', { href: '#/numbers/' + encodeURIComponent(m.phone_number_id), text: 'the number\'s faults' })] : null)] : null,
          h('dt', { text: 'chat' }), h('dd', {}, h('a', { href: chatLink, text: 'Open the chat of ' + plus(m.wa_id) })),
          h('dt', { text: 'webhooks' }), h('dd', {}, h('a', { href: '#/webhooks?message_id=' + encodeURIComponent(m.id), text: 'Deliveries about this message' }))),
        h('pre', { class: 'json', tabindex: '0', 'aria-label': 'Message JSON', text: json(m) }));
    }, (err) => {
      clear(detail, head(), h('p', { class: 'result err', text: err.message }));
    });
  }

  async function load() {
    const page = await get('/api/messages' + q(Object.assign({ limit: pageSize, before: view.before }, view.filters)));
    view.rows = page.data.filter((m) => matches(m, view.filters));
    view.next = page.next_before || '';
    renderRows();
  }

  function older() {
    view.stack.push(view.before);
    view.before = view.next;
    load().catch(fail);
  }

  function newer() {
    view.before = view.stack.pop() || '';
    load().catch(fail);
  }

  function apply(r) {
    const prev = JSON.stringify(view.filters);
    readRoute(r);
    if (JSON.stringify(view.filters) !== prev || !view.loaded) {
      view.loaded = true;
      view.before = '';
      view.stack = [];
      renderForm();
      load().catch(fail);
    }
    showDetail();
  }

  const unsubscribe = subscribe({
    message(m) {
      if (view.before) return; // only the newest page moves
      const i = view.rows.findIndex((x) => x.id === m.id);
      if (i >= 0) view.rows[i] = m;
      else if (matches(m, view.filters)) view.rows.unshift(m);
      else return;
      if (view.rows.length > pageSize) view.rows.length = pageSize;
      renderRows();
    },
    poll() {
      if (!view.before) load().catch(() => {});
    },
  });

  loadNumbers().then(() => apply(route), fail);
  return { update: apply, cleanup: unsubscribe };
}
