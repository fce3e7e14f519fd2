// The inbound kinds beyond chat that a virtual phone can send from the
// composer's "more" menu: an order from a catalog, a text that a
// click-to-WhatsApp ad started (referral), a system notice, an unsupported
// message, the chat opener (request_welcome) and a flow response (nfm_reply).
// Each has a small form with sensible values filled in; the bodies are those of
// POST /api/phones/{wa_id}/messages.
import { h, field, select, fail } from '../dom.js';
import { icon } from '../icons.js';

// kinds lists the menu: its id (the form's data-kind), its label, what it
// does, and whether an On-Premises number can get it (its API never had a
// webhook for orders, chat openers, flow answers or ad referrals).
export const kinds = [
  { id: 'order', label: 'Order', hint: 'a cart from a catalog', onprem: false },
  { id: 'referral', label: 'Text from an ad', hint: 'click-to-WhatsApp referral', onprem: false },
  { id: 'nfm_reply', label: 'Flow response', hint: 'interactive nfm_reply', onprem: false },
  { id: 'request_welcome', label: 'Open the chat', hint: 'request_welcome', onprem: false },
  { id: 'system', label: 'System notice', hint: 'changed number or security code', onprem: true },
  { id: 'unsupported', label: 'Unsupported message', hint: 'a poll, a view-once photo…', onprem: true },
];

const text = (value, testid, attrs) => h('input', Object.assign({ type: 'text', value, 'data-testid': testid, autocomplete: 'off' }, attrs || {}));
const trim = (el) => el.value.trim();

// orderForm: a catalog, a note and 1 to 99 product lines.
function orderForm() {
  const catalog = text('194836987003835', 'order-catalog', { required: true });
  const note = text('Gift wrap, please', 'order-text');
  const items = h('div', { class: 'order-items', role: 'group', 'aria-label': 'Products' });
  const total = h('p', { class: 'muted order-total', 'data-testid': 'order-total', 'aria-live': 'polite' });
  const rows = [];

  function sum() {
    const by = new Map();
    for (const r of rows) {
      const c = trim(r.currency).toUpperCase() || '?';
      by.set(c, (by.get(c) || 0) + Number(r.qty.value || 0) * Number(r.price.value || 0));
    }
    total.textContent = 'Total ' + [...by].map(([c, v]) => v.toFixed(2) + ' ' + c).join(' + ');
  }

  function addRow(id, qty, price, currency) {
    const n = rows.length + 1;
    const r = {
      id: text(id, 'order-item-id', { required: true, 'aria-label': 'Product ' + n + ': retailer id' }),
      qty: h('input', { type: 'number', min: '1', step: '1', value: String(qty), required: true, 'data-testid': 'order-item-qty', 'aria-label': 'Product ' + n + ': quantity' }),
      price: h('input', { type: 'number', min: '0', step: 'any', value: String(price), required: true, 'data-testid': 'order-item-price', 'aria-label': 'Product ' + n + ': price' }),
      currency: text(currency, 'order-item-currency', { required: true, maxlength: '3', pattern: '[A-Za-z]{3}', 'aria-label': 'Product ' + n + ': currency' }),
    };
    r.el = h('div', { class: 'order-item', 'data-testid': 'order-item' }, r.id, r.qty, r.price, r.currency,
      h('button', { type: 'button', class: 'icon-btn', 'aria-label': 'Remove product ' + n, title: 'Remove', 'data-testid': 'order-item-remove', onclick: () => {
        if (rows.length === 1) return;
        rows.splice(rows.indexOf(r), 1);
        r.el.remove();
        sum();
      } }, icon('close', 16)));
    rows.push(r);
    items.append(r.el);
    sum();
    return r;
  }

  items.addEventListener('input', sum);
  addRow('di9ozbzfi4', 2, 30, 'USD');
  addRow('b7t2kq0x1m', 1, 12.5, 'USD');

  return {
    fields: [
      h('div', { class: 'grid2' }, field('Catalog id', catalog), field('Note (optional)', note)),
      h('div', { class: 'order-item order-head', 'aria-hidden': 'true' },
        h('span', { text: 'Product' }), h('span', { text: 'Qty' }), h('span', { text: 'Price' }), h('span', { text: 'Cur.' }), h('span')),
      items,
      h('div', { class: 'row' },
        h('button', { type: 'button', class: 'btn small', 'data-testid': 'order-item-add', onclick: () => {
          if (rows.length < 99) addRow('', 1, 0, rows.length ? trim(rows[rows.length - 1].currency) : 'USD').id.focus();
        } }, '+ Product'),
        total),
    ],
    first: catalog,
    body() {
      const order = { catalog_id: trim(catalog), product_items: rows.map((r) => ({
        product_retailer_id: trim(r.id), quantity: Number(r.qty.value), item_price: Number(r.price.value), currency: trim(r.currency).toUpperCase(),
      })) };
      if (trim(note)) order.text = trim(note);
      return { type: 'order', order };
    },
  };
}

// referralForm: a text message with the ad the customer tapped.
function referralForm() {
  const body = text('Is this still available?', 'referral-text', { required: true });
  const url = h('input', { type: 'url', value: 'https://fb.me/3cr4Wqqkv', required: true, 'data-testid': 'referral-source-url' });
  const id = text('120226305854810726', 'referral-source-id', { required: true });
  const type = select({ 'data-testid': 'referral-source-type' }, [['ad', 'ad'], ['post', 'post']], 'ad');
  const headline = text('Chat with us', 'referral-headline');
  const adBody = text('Summer sale: 20% off every bag', 'referral-body');
  const media = select({ 'data-testid': 'referral-media-type' }, [['', 'none'], ['image', 'image'], ['video', 'video']], 'image');
  const image = h('input', { type: 'url', value: 'https://example.com/ad.jpg', 'data-testid': 'referral-image-url' });
  const video = h('input', { type: 'url', value: 'https://example.com/ad.mp4', 'data-testid': 'referral-video-url' });
  const thumb = h('input', { type: 'url', value: 'https://example.com/ad-thumb.jpg', 'data-testid': 'referral-thumbnail-url' });
  const clid = text('ARAkLkA8rmlFeiCktEJQ', 'referral-ctwa-clid');
  const imageField = field('Image URL', image);
  const videoFields = h('div', { class: 'grid2' }, field('Video URL', video), field('Thumbnail URL', thumb));
  const showMedia = () => {
    imageField.hidden = media.value !== 'image';
    videoFields.hidden = media.value !== 'video';
  };
  media.addEventListener('change', showMedia);
  showMedia();
  return {
    fields: [
      field('Message', body),
      h('div', { class: 'grid2' }, field('Ad URL (source_url)', url), field('Ad id (source_id)', id),
        field('Source', type), field('Media', media)),
      imageField, videoFields,
      h('div', { class: 'grid2' }, field('Headline', headline), field('Ad text', adBody)),
      field('Click id (ctwa_clid)', clid),
    ],
    first: body,
    body() {
      const ref = { source_url: trim(url), source_id: trim(id), source_type: type.value };
      if (trim(headline)) ref.headline = trim(headline);
      if (trim(adBody)) ref.body = trim(adBody);
      if (media.value) ref.media_type = media.value;
      if (media.value === 'image') ref.image_url = trim(image);
      if (media.value === 'video') {
        ref.video_url = trim(video);
        ref.thumbnail_url = trim(thumb);
      }
      if (trim(clid)) ref.ctwa_clid = trim(clid);
      return { type: 'text', text: { body: body.value }, referral: ref };
    },
  };
}

// systemForm: the customer changed their number or their security code.
function systemForm(phone) {
  const type = select({ 'data-testid': 'system-type' },
    [['user_changed_number', 'Changed number'], ['customer_identity_changed', 'Security code changed']], 'user_changed_number');
  // A new number near the phone's own, so that it looks like one.
  const next = String(phone.wa_id || '15550000000').replace(/\d{4}$/, (d) => String((Number(d) + 1111) % 10000).padStart(4, '0'));
  const waID = text(next, 'system-wa-id', { inputmode: 'numeric', pattern: '[0-9]{1,15}' });
  const identity = text('acf1b5f4c3b4a6c7', 'system-identity');
  const body = text('', 'system-body', { placeholder: 'written by wabi, as WhatsApp does' });
  const waField = field('New number (wa_id)', waID);
  const idField = field('New identity hash (optional)', identity);
  const show = () => {
    const changed = type.value === 'user_changed_number';
    waField.hidden = !changed;
    idField.hidden = changed;
    waID.required = changed;
  };
  type.addEventListener('change', show);
  show();
  return {
    fields: [h('div', { class: 'grid2' }, field('Notice', type), waField, idField), field('Text (optional)', body)],
    first: type,
    body() {
      const sys = { type: type.value };
      if (type.value === 'user_changed_number') sys.wa_id = trim(waID).replace(/^\+/, '');
      else if (trim(identity)) sys.identity = trim(identity);
      if (trim(body)) sys.body = trim(body);
      return { type: 'system', system: sys };
    },
  };
}

// unsupportedForm: something WhatsApp cannot show the business.
function unsupportedForm() {
  const list = h('datalist', { id: 'unsupported-kinds' }, ['poll', 'view_once', 'event', 'unknown'].map((v) => h('option', { value: v })));
  const type = text('poll', 'unsupported-type', { list: 'unsupported-kinds' });
  return {
    fields: [field('What the customer sent (optional)', type, 'the business gets an unsupported message with error 131051'), list],
    first: type,
    body() {
      return trim(type) ? { type: 'unsupported', unsupported: { type: trim(type) } } : { type: 'unsupported' };
    },
  };
}

// welcomeForm: the customer opens the chat for the first time.
function welcomeForm() {
  return {
    fields: [h('p', { class: 'muted', text: 'The customer opens the chat with the business for the first time: the business gets a request_welcome message, with no content, and may greet them.' })],
    first: null,
    body: () => ({ type: 'request_welcome' }),
  };
}

// flowForm: the answer of a completed flow.
function flowForm() {
  const name = text('flow', 'flow-name');
  const body = text('Sent', 'flow-body');
  const json = h('textarea', { rows: '3', 'data-testid': 'flow-json', spellcheck: 'false', class: 'mono' });
  json.value = '{"flow_token":"FLOW_TOKEN","screen_0_size":"M","screen_0_colour":"teal"}';
  json.addEventListener('input', () => {
    try {
      JSON.parse(json.value);
      json.setCustomValidity('');
    } catch {
      json.setCustomValidity('This must be JSON: the answers of the flow\'s screens.');
    }
  });
  return {
    fields: [h('div', { class: 'grid2' }, field('Flow name', name), field('Text', body)), field('Answers (response_json)', json)],
    first: json,
    body(reply) {
      const nfm = { response_json: json.value.trim() };
      if (trim(name)) nfm.name = trim(name);
      if (trim(body)) nfm.body = trim(body);
      const out = { type: 'interactive', interactive: { type: 'nfm_reply', nfm_reply: nfm } };
      // A flow answers the message that opened it.
      if (reply) out.context = { message_id: reply.id };
      return out;
    },
  };
}

const builders = { order: orderForm, referral: referralForm, system: systemForm, unsupported: unsupportedForm, request_welcome: welcomeForm, nfm_reply: flowForm };

// kindForm builds the form of one kind. send(body) sends and resolves when
// the message was accepted; close() hides the form; phone is the virtual
// phone; replyTo() is the message being replied to, if any.
export function kindForm(kind, { send, close, phone, replyTo }) {
  const k = kinds.find((x) => x.id === kind);
  const parts = builders[kind](phone);
  const button = h('button', { type: 'submit', class: 'btn primary', 'data-testid': 'kind-send' }, 'Send ' + k.label.toLowerCase());
  const form = h('form', { class: 'kind-form', 'data-testid': 'kind-form', 'data-kind': kind, 'aria-label': k.label, onsubmit: (e) => {
    e.preventDefault();
    button.disabled = true;
    send(parts.body(replyTo())).then(close, fail).finally(() => { button.disabled = false; });
  }, onkeydown: (e) => { if (e.key === 'Escape') close(); } },
  h('div', { class: 'kind-head' }, h('strong', { text: k.label }), h('small', { class: 'muted', text: ' · ' + k.hint })),
  parts.fields,
  h('div', { class: 'row end' },
    h('button', { type: 'button', class: 'btn', 'data-testid': 'kind-cancel', onclick: close }, 'Cancel'),
    button));
  return { el: form, focus: () => (parts.first || button).focus() };
}
