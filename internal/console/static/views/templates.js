// The Templates view: every template with its status, category and quality;
// Meta's review decisions (approve, reject with a reason, pause, disable) and a
// preview of how the template looks on a phone. Routes: #/templates and
// #/templates/{id}, with ?waba_id=.
import { get, post, q, enc } from '../api.js';
import { h, clear, field, select, fail, toast, dateTime, badge, empty, showSplit, backButton } from '../dom.js';
import { icon } from '../icons.js';

const reasons = ['NONE', 'ABUSIVE_CONTENT', 'INCORRECT_CATEGORY', 'INVALID_FORMAT', 'PROMOTIONAL', 'SCAM', 'TAG_CONTENT_MISMATCH'];
const categories = ['MARKETING', 'UTILITY', 'AUTHENTICATION'];
const qualities = ['GREEN', 'YELLOW', 'RED', 'UNKNOWN'];
// colClass hides columns where the table is narrow: beside an open detail
// (hide-split) and on a phone (hide-phone), where the name, the status and the
// review buttons stay; the detail shows the rest.
const colClass = [null, 'hide-phone', 'hide-phone', null, 'hide-phone', 'hide-split hide-phone', null];

// withVars shows text with its {{variables}} marked.
function withVars(text) {
  const out = [];
  let last = 0;
  for (const m of String(text || '').matchAll(/\{\{\s*[\w.]+\s*\}\}/g)) {
    out.push(text.slice(last, m.index), h('span', { class: 'var', text: m[0] }));
    last = m.index + m[0].length;
  }
  out.push(String(text || '').slice(last));
  return out;
}

// preview draws a template as a chat bubble.
export function preview(t) {
  const parts = [];
  let buttons = [];
  for (const c of t.components || []) {
    const type = String(c.type).toUpperCase();
    if (type === 'HEADER') {
      const fmt = String(c.format || 'TEXT').toUpperCase();
      parts.push(fmt === 'TEXT' ? h('div', { class: 'bubble-header' }, withVars(c.text))
        : h('span', { class: 'media-wait', text: fmt.toLowerCase() + ' header' }));
    } else if (type === 'BODY') {
      parts.push(h('span', { class: 'text' }, withVars(c.text || (t.category === 'AUTHENTICATION' ? '{{1}} is your verification code.' : ''))));
      if (c.add_security_recommendation) parts.push(h('span', { class: 'text', text: 'For your security, do not share this code.' }));
    } else if (type === 'FOOTER') {
      parts.push(h('div', { class: 'bubble-footer', text: c.text || (c.code_expiration_minutes ? 'This code expires in ' + c.code_expiration_minutes + ' minutes.' : '') }));
    } else if (type === 'BUTTONS') {
      buttons = c.buttons || [];
    } else if (type === 'CAROUSEL') {
      parts.push(h('div', { class: 'muted', text: 'Carousel of ' + (c.cards || []).length + ' cards' }));
    }
  }
  if (buttons.length) {
    parts.push(h('div', { class: 'bubble-buttons' }, buttons.map((b) => {
      const type = String(b.type).toUpperCase();
      const glyph = type === 'URL' ? 'external' : type === 'PHONE_NUMBER' ? 'call' : type === 'COPY_CODE' || type === 'OTP' ? 'copy' : 'reply';
      return h('span', { class: 'bubble-btn', title: type }, icon(glyph, 16), ' ' + (b.text || type.toLowerCase().replace(/_/g, ' ')));
    })));
  }
  return h('div', { class: 'tpl-preview', 'data-testid': 'template-preview' },
    h('div', { class: 'bubble theirs' }, parts, h('div', { class: 'meta' }, h('span', { text: t.language }))));
}

export function render(main, route) {
  const view = { wabas: [], list: [], wabaID: '', selected: '', rejecting: '', loaded: false };
  const wabaSel = h('select', { 'data-testid': 'template-waba-filter', id: 'template-waba' });
  const body = h('tbody');
  const detail = h('section', { class: 'card detail', hidden: true, 'aria-label': 'Template', 'data-testid': 'template-detail' });
  const split = h('div', { class: 'split closed narrow-detail' },
    h('div', { class: 'table-wrap' }, h('table', { class: 'data' },
      h('caption', { class: 'visually-hidden', text: 'Templates' }),
      h('thead', {}, h('tr', {}, ['Name', 'Language', 'Category', 'Status', 'Quality', 'Updated', 'Review'].map((t, i) => h('th', { scope: 'col', class: colClass[i], text: t })))),
      body)),
    detail);
  clear(main, h('div', { class: 'page', 'data-testid': 'templates-view' },
    h('div', { class: 'page-head' }, h('h1', { text: 'Templates' }),
      h('p', { text: 'Play Meta\'s review: each decision sends the webhook Meta sends.' })),
    h('div', { class: 'card filters' }, field('WABA', wabaSel)),
    split));

  wabaSel.addEventListener('change', () => { location.hash = '#/templates' + q({ waba_id: wabaSel.value }); });

  // setStatus plays one review decision.
  function setStatus(t, status, extra) {
    post('/api/templates/' + enc(t.id) + '/status', Object.assign({ status }, extra || {})).then((saved) => {
      toast(saved.name + ' is ' + saved.status + '.');
      view.rejecting = '';
      replace(saved);
    }, fail);
  }

  function replace(t) {
    view.list = view.list.map((x) => (x.id === t.id ? t : x));
    renderRows();
    if (t.id === view.selected) renderDetail();
  }

  function actions(t) {
    const b = (label, status, testid, cls) => h('button', { type: 'button', class: 'btn small ' + (cls || ''), 'data-testid': testid,
      disabled: t.status === status, onclick: (e) => {
        e.stopPropagation();
        if (status === 'REJECTED') {
          view.rejecting = view.rejecting === t.id ? '' : t.id;
          renderRows();
          const sel = body.querySelector('[data-testid="template-reject-reason"]');
          if (sel) sel.focus();
        } else {
          setStatus(t, status);
        }
      } }, label);
    return h('div', { class: 'actions' },
      b('Approve', 'APPROVED', 'template-approve', 'primary'),
      b('Reject', 'REJECTED', 'template-reject', 'danger'),
      b('Pause', 'PAUSED', 'template-pause'),
      b('Disable', 'DISABLED', 'template-disable'));
  }

  function rejectForm(t) {
    const reason = select({ 'data-testid': 'template-reject-reason' }, reasons.map((r) => [r, r]), 'INVALID_FORMAT');
    const title = h('input', { type: 'text', placeholder: 'The body starts with a variable.', 'data-testid': 'template-reject-title' });
    const desc = h('input', { type: 'text', placeholder: 'Begin with a greeting.', 'data-testid': 'template-reject-description' });
    return h('tr', { class: 'reject-row' }, h('td', { colspan: '7' },
      h('form', { class: 'filters', 'data-testid': 'template-reject-form', 'aria-label': 'Reject ' + t.name, onsubmit: (e) => {
        e.preventDefault();
        const extra = { reason: reason.value };
        if (title.value.trim()) extra.title = title.value.trim();
        if (desc.value.trim()) extra.description = desc.value.trim();
        setStatus(t, 'REJECTED', extra);
      } },
      field('Reason', reason), field('What is wrong (optional)', title), field('What to do (optional)', desc),
      h('div', { class: 'row' },
        h('button', { type: 'submit', class: 'btn danger', 'data-testid': 'template-reject-confirm' }, 'Reject'),
        h('button', { type: 'button', class: 'btn', onclick: () => { view.rejecting = ''; renderRows(); } }, 'Cancel')))));
  }

  function renderRows() {
    if (!view.list.length) {
      clear(body, h('tr', {}, h('td', { colspan: '7' }, empty('No templates. Create them with the Cloud API (POST /{waba-id}/message_templates) or POST /api/templates.'))));
      return;
    }
    clear(body, view.list.map((t) => [
      h('tr', { class: 'clickable', 'data-testid': 'template-row', 'data-id': t.id, 'data-name': t.name, 'data-status': t.status,
        'aria-selected': t.id === view.selected ? 'true' : 'false', onclick: () => { location.hash = '#/templates/' + enc(t.id) + q({ waba_id: view.wabaID }); } },
      h('td', {}, h('a', { href: '#/templates/' + enc(t.id) + q({ waba_id: view.wabaID }), onclick: (e) => e.stopPropagation(), text: t.name })),
      h('td', { class: colClass[1], text: t.language }),
      h('td', { class: colClass[2], text: t.category }),
      h('td', {}, badge(t.status, 'template-status'), t.rejected_reason && t.rejected_reason !== 'NONE' ? h('small', { class: 'muted', text: ' ' + t.rejected_reason }) : null),
      h('td', { class: colClass[4] }, badge(t.quality_score || 'UNKNOWN')),
      h('td', { class: 'mono ' + colClass[5], text: dateTime(t.updated_at || t.created_at) }),
      h('td', {}, actions(t))),
      view.rejecting === t.id ? rejectForm(t) : null,
    ]));
  }

  function renderDetail() {
    const t = view.list.find((x) => x.id === view.selected);
    showSplit(split, detail, !!t);
    if (!t) return;
    const cat = select({ 'data-testid': 'template-category', id: 'tpl-cat' }, categories.map((c) => [c, c]), t.category);
    const qual = select({ 'data-testid': 'template-quality', id: 'tpl-qual' }, qualities.map((c) => [c, c]), t.quality_score || 'UNKNOWN');
    cat.addEventListener('change', () => post('/api/templates/' + enc(t.id) + '/category', { category: cat.value }).then((s) => { toast(s.name + ' is now ' + s.category + '.'); replace(s); }, fail));
    qual.addEventListener('change', () => post('/api/templates/' + enc(t.id) + '/quality', { quality_score: qual.value }).then((s) => { toast(s.name + ' is rated ' + s.quality_score + '.'); replace(s); }, fail));
    clear(detail,
      h('div', { class: 'detail-head' },
        backButton('template-detail-back', () => { location.hash = '#/templates' + q({ waba_id: view.wabaID }); }),
        h('h2', { text: t.name + ' · ' + t.language }),
        h('a', { class: 'btn small hide-narrow', href: '#/templates' + q({ waba_id: view.wabaID }), 'data-testid': 'template-detail-close' }, 'Close')),
      preview(t),
      h('div', { class: 'grid2' }, field('Category', cat, t.previous_category ? 'was ' + t.previous_category : ''), field('Quality', qual)),
      h('dl', { class: 'kv' },
        h('dt', { text: 'id' }), h('dd', { class: 'mono', text: t.id }),
        h('dt', { text: 'status' }), h('dd', {}, badge(t.status), t.rejected_reason ? ' ' + t.rejected_reason : ''),
        h('dt', { text: 'parameters' }), h('dd', { text: t.parameter_format || 'POSITIONAL' }),
        h('dt', { text: 'created' }), h('dd', { text: dateTime(t.created_at) })),
      h('details', {}, h('summary', { text: 'JSON' }), h('pre', { class: 'json', tabindex: '0', text: JSON.stringify(t, null, 2) })));
  }

  async function load() {
    view.list = (await get('/api/templates' + q({ waba_id: view.wabaID }))).data;
    renderRows();
    renderDetail();
  }

  function apply(r) {
    const waba = r.query.get('waba_id') || '';
    const changed = waba !== view.wabaID || !view.loaded;
    view.wabaID = waba;
    view.selected = r.parts[0] || '';
    view.loaded = true;
    wabaSel.value = waba;
    if (changed) load().catch(fail);
    else {
      renderRows();
      renderDetail();
    }
  }

  // The review decides pending templates after a few seconds, and templates
  // have no live event: look again while any is pending.
  const ticker = setInterval(() => {
    if (view.list.some((t) => t.status === 'PENDING') && !view.rejecting) load().catch(() => {});
  }, 3000);

  get('/api/wabas').then((w) => {
    view.wabas = w.data;
    clear(wabaSel, [['', 'All WABAs'], ...view.wabas.map((x) => [x.id, x.name + ' (' + x.id + ')'])].map(([v, l]) => h('option', { value: v, text: l })));
    apply(route);
  }, fail);

  return { update: apply, cleanup: () => clearInterval(ticker) };
}
