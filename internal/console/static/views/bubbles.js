// Chat bubbles: one element per message, for every message type, as the
// virtual phone shows it. The chat (chat.js) supplies what a bubble needs from
// outside through ctx: the other messages (quotes, reactions), media
// downloads, taps, replies and reactions.
import { h, plus, time, faultOf, faultMark } from '../dom.js';
import { icon } from '../icons.js';

const urlRe = /\bhttps?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/g;
const formatRe = /```([^`]+)```|\*([^*\n]+)\*|_([^_\n]+)_|~([^~\n]+)~/g;

// formatted applies WhatsApp's *bold*, _italic_, ~strike~ and ```mono```.
function formatted(text) {
  const out = [];
  let last = 0;
  for (const m of text.matchAll(formatRe)) {
    out.push(text.slice(last, m.index));
    if (m[1] !== undefined) out.push(h('code', { text: m[1] }));
    else if (m[2] !== undefined) out.push(h('strong', { text: m[2] }));
    else if (m[3] !== undefined) out.push(h('em', { text: m[3] }));
    else out.push(h('s', { text: m[4] }));
    last = m.index + m[0].length;
  }
  out.push(text.slice(last));
  return out;
}

// richText renders message text: links become clickable, formatting applies.
export function richText(text) {
  const out = [];
  let last = 0;
  for (const m of String(text || '').matchAll(urlRe)) {
    out.push(...formatted(text.slice(last, m.index)));
    out.push(h('a', { href: m[0], target: '_blank', rel: 'noopener noreferrer', text: m[0] }));
    last = m.index + m[0].length;
  }
  out.push(...formatted(String(text || '').slice(last)));
  return h('span', { class: 'text' }, out);
}

// firstURL returns the first link of a text, or ''.
export function firstURL(text) {
  const m = String(text || '').match(urlRe);
  return m ? m[0] : '';
}

function preview(url) {
  let host = url;
  try {
    host = new URL(url).host;
  } catch {
    // keep the URL
  }
  return h('a', { class: 'link-preview', href: url, target: '_blank', rel: 'noopener noreferrer', 'data-testid': 'link-preview' },
    h('strong', { text: host }), h('span', { text: url }));
}

const mediaNames = { image: 'Photo', video: 'Video', audio: 'Audio', document: 'Document', sticker: 'Sticker' };

// snippet is a one-line summary of a message, for quotes, lists and the
// screen reader.
export function snippet(m) {
  if (!m) return '';
  const t = m.type;
  const c = m[t] || {};
  switch (t) {
    case 'text': return c.body || '';
    case 'image': case 'video': case 'document': case 'sticker':
      return mediaNames[t] + (c.caption || c.filename ? ': ' + (c.caption || c.filename) : '');
    case 'audio': return c.voice ? 'Voice message' : 'Audio';
    case 'location': return 'Location: ' + (c.name || c.address || c.latitude + ', ' + c.longitude);
    case 'contacts': return 'Contact: ' + (m.contacts || []).map((x) => x.name && x.name.formatted_name).filter(Boolean).join(', ');
    case 'reaction': return (c.emoji ? 'Reacted ' + c.emoji : 'Removed a reaction');
    case 'button': return c.text || c.payload || '';
    case 'template': return m.rendered ? m.rendered.body || m.rendered.header || '' : 'Template ' + c.name;
    case 'order': {
      const n = (c.product_items || []).reduce((a, it) => a + (it.quantity || 0), 0);
      return 'Order: ' + n + ' item' + (n === 1 ? '' : 's') + (c.text ? ' · ' + c.text : '');
    }
    case 'system': return c.body || 'System notice: ' + (c.type || '');
    case 'unsupported': return 'Unsupported message' + (c.type ? ': ' + c.type : '');
    case 'request_welcome': return 'Opened the chat';
    case 'interactive': {
      if (c.button_reply) return c.button_reply.title;
      if (c.list_reply) return c.list_reply.title;
      if (c.nfm_reply) return c.nfm_reply.body || 'Flow response';
      return (c.body && c.body.text) || (c.header && c.header.text) || 'Interactive ' + c.type;
    }
  }
  return t;
}

// tick is the status mark of a message. Business messages go sent ✓,
// delivered ✓✓, read ✓✓ (blue); the phone's own are ✓✓ once the business has
// them and blue once it marked them read.
export function tick(m) {
  const marks = {
    accepted: ['🕓', 'Pending'], sent: ['✓', 'Sent'], delivered: ['✓✓', 'Delivered'],
    read: ['✓✓', 'Read'], failed: ['!', 'Failed'], received: ['✓✓', 'Delivered to the business'],
  };
  const [mark, label] = marks[m.status] || ['', m.status];
  return h('span', { class: 'tick t-' + m.status, 'data-testid': 'tick', 'data-status': m.status,
    role: 'img', 'aria-label': label, title: label + (m.status_at ? ' ' + new Date(m.status_at).toLocaleString() : '') }, mark);
}

// media shows the file of a message (or its header), downloaded with the key.
function media(m, kind, obj, ctx) {
  const box = h('div', { class: 'media m-' + kind, 'data-testid': 'media', 'data-kind': kind },
    h('span', { class: 'media-wait', text: 'Loading ' + (mediaNames[kind] || kind).toLowerCase() + '…' }));
  ctx.mediaURL(m).then((url) => {
    let el;
    const name = (obj && obj.filename) || kind;
    if (kind === 'image' || kind === 'sticker') el = h('img', { src: url, alt: (obj && obj.caption) || kind, loading: 'lazy' });
    else if (kind === 'video') el = h('video', { src: url, controls: true, preload: 'metadata' });
    else if (kind === 'audio') el = h('audio', { src: url, controls: true, preload: 'metadata' });
    else {
      el = h('a', { class: 'doc', href: url, download: name },
        h('span', { class: 'doc-icon' }, icon('doc', 28)),
        h('span', { class: 'doc-name' }, h('strong', { text: name }), h('small', { text: (obj && obj.mime_type) || 'document' })),
        h('span', { class: 'doc-dl' }, icon('download')));
    }
    box.replaceChildren(el);
  }, (err) => {
    box.replaceChildren(h('span', { class: 'media-wait', text: (mediaNames[kind] || kind) + ' unavailable: ' + err.message }));
  });
  return box;
}

function location(c) {
  const lat = Number(c.latitude);
  const lng = Number(c.longitude);
  const map = 'https://www.openstreetmap.org/?mlat=' + lat + '&mlon=' + lng + '#map=16/' + lat + '/' + lng;
  return h('div', { class: 'location' },
    h('div', { class: 'map' }, icon('pin', 36)),
    c.name ? h('strong', { text: c.name }) : null,
    c.address ? h('div', { text: c.address }) : null,
    h('a', { href: c.url || map, target: '_blank', rel: 'noopener noreferrer', text: lat.toFixed(5) + ', ' + lng.toFixed(5) }));
}

function contacts(cards) {
  return h('div', { class: 'contacts' }, (cards || []).map((c) => h('div', { class: 'contact' },
    h('span', { class: 'avatar small', 'aria-hidden': 'true', text: initials(c.name && c.name.formatted_name) }),
    h('div', {},
      h('strong', { text: (c.name && c.name.formatted_name) || 'Contact' }),
      c.org && c.org.company ? h('div', { class: 'muted', text: [c.org.company, c.org.title].filter(Boolean).join(' · ') }) : null,
      (c.phones || []).map((p) => h('div', { class: 'with-icon' }, icon('call', 14), (p.phone || plus(p.wa_id)) + (p.type ? ' (' + p.type + ')' : ''))),
      (c.emails || []).map((e) => h('div', { class: 'with-icon' }, icon('chat', 14), e.email))))));
}

// initials of a name, for avatars.
export function initials(name) {
  const parts = String(name || '?').trim().split(/\s+/);
  return (parts[0][0] + (parts.length > 1 ? parts[parts.length - 1][0] : '')).toUpperCase();
}

// actionButton is a tappable button inside a bubble.
function actionButton(label, attrs, onclick) {
  return h('button', Object.assign({ type: 'button', class: 'bubble-btn', onclick }, attrs), label);
}

// templateButtons shows a template's buttons. Quick replies can be tapped;
// URL, phone and copy-code buttons only open something on a real phone.
function templateButtons(m, ctx) {
  const labels = (m.rendered && m.rendered.buttons) || [];
  if (!labels.length) return null;
  const def = ctx.templateOf(m);
  const types = [];
  for (const c of (def && def.components) || []) {
    if (String(c.type).toUpperCase() === 'BUTTONS') for (const b of c.buttons || []) types.push(b);
  }
  return h('div', { class: 'bubble-buttons' }, labels.map((label, i) => {
    const b = types[i] || { type: 'QUICK_REPLY' };
    const type = String(b.type).toUpperCase();
    if (type === 'URL') {
      return h('a', { class: 'bubble-btn', href: b.url || '#', target: '_blank', rel: 'noopener noreferrer', 'data-testid': 'bubble-link', 'data-index': i }, icon('external', 16), ' ' + label);
    }
    const glyph = type === 'PHONE_NUMBER' ? 'call' : type === 'COPY_CODE' ? 'copy' : 'reply';
    return actionButton([icon(glyph, 16), ' ' + label], { 'data-testid': 'bubble-button', 'data-index': i, 'data-button-type': type },
      () => ctx.tap(m, { button: i }));
  }));
}

function interactive(m, ctx) {
  const c = m.interactive;
  // The phone's replies to interactive messages.
  if (c.button_reply) return [richText(c.button_reply.title)];
  if (c.list_reply) {
    return [richText(c.list_reply.title), c.list_reply.description ? h('div', { class: 'muted', text: c.list_reply.description }) : null];
  }
  if (c.nfm_reply) {
    return [h('div', { class: 'muted', text: 'Flow response' + (c.nfm_reply.name ? ' · ' + c.nfm_reply.name : '') }),
      richText(c.nfm_reply.body || ''), c.nfm_reply.response_json ? h('pre', { class: 'json small', text: c.nfm_reply.response_json }) : null];
  }
  const out = [];
  const hd = c.header;
  if (hd) {
    if (hd.type === 'text') out.push(h('div', { class: 'bubble-header', text: hd.text }));
    else if (hd[hd.type]) out.push(media(m, hd.type, hd[hd.type], ctx));
  }
  if (c.body) out.push(richText(c.body.text));
  if (c.footer) out.push(h('div', { class: 'bubble-footer', text: c.footer.text }));
  const a = c.action || {};
  let params = a.parameters || {};
  if (typeof params === 'string') {
    try {
      params = JSON.parse(params);
    } catch {
      params = {};
    }
  }
  if (c.type === 'button') {
    out.push(h('div', { class: 'bubble-buttons' }, (a.buttons || []).map((b, i) =>
      actionButton([icon('reply', 16), ' ' + (b.reply ? b.reply.title : b.type)], { 'data-testid': 'bubble-button', 'data-index': i }, () => ctx.tap(m, { button: i })))));
  } else if (c.type === 'list') {
    const rows = h('div', { class: 'list-rows', hidden: true, role: 'group', 'aria-label': a.button || 'Options' },
      (a.sections || []).map((s) => [
        s.title ? h('div', { class: 'list-section', text: s.title }) : null,
        (s.rows || []).map((r) => actionButton([h('strong', { text: r.title }), r.description ? h('small', { text: r.description }) : null],
          { class: 'bubble-btn list-row', 'data-testid': 'list-row', 'data-row-id': r.id }, () => ctx.tap(m, { row_id: r.id }))),
      ]));
    const open = actionButton([icon('list', 16), ' ' + (a.button || 'Options')], { 'data-testid': 'list-open', 'aria-expanded': 'false' }, () => {
      rows.hidden = !rows.hidden;
      open.setAttribute('aria-expanded', String(!rows.hidden));
    });
    out.push(h('div', { class: 'bubble-buttons' }, open), rows);
  } else if (c.type === 'cta_url') {
    out.push(h('div', { class: 'bubble-buttons' },
      h('a', { class: 'bubble-btn', href: params.url || '#', target: '_blank', rel: 'noopener noreferrer', 'data-testid': 'bubble-link' }, icon('external', 16), ' ' + (params.display_text || 'Open'))));
  } else if (c.type === 'location_request_message') {
    out.push(h('div', { class: 'bubble-buttons' },
      actionButton([icon('pin', 16), ' Send location'], { 'data-testid': 'bubble-button', 'data-index': 0 }, () => ctx.shareLocation(m))));
  } else if (c.type === 'flow') {
    out.push(h('div', { class: 'bubble-buttons' }, h('span', { class: 'bubble-btn disabled', title: 'Flows are not simulated' }, params.flow_cta || 'Open flow')));
  } else if (c.type === 'product' || c.type === 'product_list' || c.type === 'catalog_message') {
    const items = [];
    if (a.product_retailer_id) items.push(a.product_retailer_id);
    for (const s of a.sections || []) for (const p of s.product_items || []) items.push(p.product_retailer_id);
    out.push(h('div', { class: 'muted', text: 'Products: ' + (items.length ? items.join(', ') : 'Catalog') + (a.catalog_id ? ' · catalog ' + a.catalog_id : '') }));
    out.push(h('div', { class: 'bubble-buttons' }, h('span', { class: 'bubble-btn disabled', text: c.type === 'product' ? 'View' : 'View items' })));
  }
  return out;
}

function template(m, ctx) {
  const r = m.rendered;
  const t = m.template || {};
  if (!r) return [h('div', { class: 'muted', text: 'Template ' + t.name + ' (' + ((t.language && t.language.code) || '') + ')' })];
  const out = [];
  const mediaHeader = /^\[(image|video|document)\]$/.exec(r.header || '');
  if (mediaHeader) out.push(media(m, mediaHeader[1], null, ctx));
  else if (r.header) out.push(h('div', { class: 'bubble-header', text: r.header }));
  if (r.body) out.push(richText(r.body));
  if (r.footer) out.push(h('div', { class: 'bubble-footer', text: r.footer }));
  out.push(templateButtons(m, ctx));
  return out;
}

// money shows an amount with its currency.
const money = (v, cur) => Number(v || 0).toFixed(2) + ' ' + (cur || '');

// order shows a cart: its lines, their total per currency and the note.
function order(c) {
  const totals = new Map();
  for (const it of c.product_items || []) totals.set(it.currency, (totals.get(it.currency) || 0) + it.quantity * it.item_price);
  return [
    h('div', { class: 'with-icon bubble-header' }, icon('cart', 18), 'Order'),
    h('ul', { class: 'order-lines', 'data-testid': 'order-lines' }, (c.product_items || []).map((it) => h('li', { 'data-testid': 'order-line' },
      h('span', { text: it.quantity + ' × ' + it.product_retailer_id }), h('span', { class: 'muted', text: money(it.item_price, it.currency) })))),
    h('div', { class: 'order-sum' }, h('strong', { text: 'Total' }), h('span', { text: [...totals].map(([cur, v]) => money(v, cur)).join(' + ') })),
    c.text ? richText(c.text) : null,
    h('small', { class: 'muted', text: 'Catalog ' + c.catalog_id }),
  ];
}

// referral shows the click-to-WhatsApp ad or post that started the message.
function referral(r) {
  return h('a', { class: 'referral', href: r.source_url, target: '_blank', rel: 'noopener noreferrer', 'data-testid': 'referral' },
    h('small', { class: 'muted', text: 'From ' + (r.source_type === 'post' ? 'a post' : 'an ad') + (r.media_type ? ' with ' + (r.media_type === 'video' ? 'a video' : 'an image') : '') }),
    r.headline ? h('strong', { text: r.headline }) : null,
    r.body ? h('span', { text: r.body }) : null,
    h('span', { class: 'muted mono', text: r.source_id }));
}

// content renders what a message says.
function content(m, ctx) {
  const c = m[m.type];
  switch (m.type) {
    case 'text': {
      const url = firstURL(c.body);
      return [richText(c.body), url ? preview(url) : null];
    }
    case 'image': case 'video': case 'sticker': case 'document': case 'audio':
      return [
        m.type === 'audio' && c.voice ? h('div', { class: 'muted with-icon' }, icon('mic', 14), 'Voice message') : null,
        media(m, m.type, c, ctx),
        c.caption ? richText(c.caption) : null,
      ];
    case 'location': return [location(c)];
    case 'contacts': return [contacts(m.contacts)];
    case 'interactive': return interactive(m, ctx);
    case 'template': return template(m, ctx);
    case 'button': return [richText(c.text), h('small', { class: 'muted', text: 'Quick reply · ' + c.payload })];
    case 'order': return order(c);
    case 'system': return [h('div', { class: 'muted with-icon' }, icon('hash', 14), c.type === 'customer_identity_changed' ? 'Security code changed' : 'Number changed'), h('span', { class: 'text', text: c.body || (c.wa_id ? 'New number ' + plus(c.wa_id) : '') })];
    case 'unsupported': return [h('div', { class: 'muted', text: 'Unsupported message' + (c && c.type ? ' (' + c.type + ')' : '') }),
      h('small', { class: 'muted', text: 'The business gets it as type unsupported with error 131051.' })];
    case 'request_welcome': return [h('div', { class: 'muted', text: 'Opened the chat for the first time (request_welcome)' })];
    case 'reaction': {
      const target = ctx.byID.get(c.message_id);
      return [h('div', { class: 'muted', text: (c.emoji ? 'Reacted ' + c.emoji : 'Removed a reaction') + ' to: ' + (target ? snippet(target) : c.message_id) })];
    }
  }
  return [h('pre', { class: 'json small', text: JSON.stringify(c || m, null, 2) })];
}

function quoted(m, ctx) {
  const id = m.context && m.context.message_id;
  if (!id) return null;
  const q = ctx.byID.get(id);
  const who = q ? (q.direction === 'inbound' ? 'You' : ctx.businessName) : '';
  return h('a', { class: 'quoted', href: '#', 'data-testid': 'quoted', 'data-quoted-id': id, onclick: (e) => {
    e.preventDefault();
    ctx.jump(id);
  } }, h('strong', { text: who || 'Quoted message' }), h('span', { text: q ? snippet(q) : id }));
}

// bubble renders one message. Outbound messages (the business's) arrive on
// the left, the phone's own go on the right, as on the phone.
export function bubble(m, ctx) {
  const mine = m.direction === 'inbound';
  const sticker = m.type === 'sticker';
  const b = h('div', {
    class: 'bubble ' + (mine ? 'mine' : 'theirs') + (sticker ? ' bare' : '') + (m.status === 'failed' ? ' failed' : ''),
    'data-testid': 'bubble', 'data-id': m.id, 'data-direction': m.direction, 'data-status': m.status, 'data-type': m.type,
    tabindex: '-1',
  },
  m.context && m.context.forwarded ? h('div', { class: 'muted', text: '↪ Forwarded' }) : null,
  quoted(m, ctx),
  m.referral ? referral(m.referral) : null,
  content(m, ctx),
  m.error ? h('div', { class: 'bubble-error', 'data-testid': 'bubble-error', 'data-code': m.error.code },
    '⚠ ' + m.error.code + ': ' + m.error.message,
    faultOf(m.error.message) ? [' ', faultMark(faultOf(m.error.message), 'bubble-fault')] : null) : null,
  h('div', { class: 'meta' },
    m.category && !mine ? h('span', { class: 'cat', text: m.category }) : null,
    h('time', { datetime: m.timestamp, text: time(m.timestamp) }),
    tick(m)));
  const reactions = ctx.reactions.get(m.id);
  if (reactions && reactions.length) {
    b.append(h('div', { class: 'reactions', 'data-testid': 'reaction', 'aria-label': 'Reactions' },
      reactions.map((r) => h('span', { title: r.direction === 'inbound' ? 'You' : ctx.businessName, text: r.emoji }))));
  }
  const canAct = m.type !== 'reaction';
  const row = h('div', { class: 'row-msg ' + (mine ? 'mine' : 'theirs'), 'data-row-id': m.id },
    b,
    canAct ? h('div', { class: 'bubble-actions' },
      h('button', { type: 'button', class: 'icon-btn', 'aria-label': 'Reply', title: 'Reply', 'data-testid': 'bubble-reply', onclick: () => ctx.reply(m) }, icon('reply', 18)),
      h('button', { type: 'button', class: 'icon-btn', 'aria-label': 'React', title: 'React', 'data-testid': 'bubble-react', 'aria-haspopup': 'true', onclick: (e) => ctx.pickReaction(m, e.currentTarget) }, icon('smile', 18))) : null);
  return row;
}
