// The chat composer: what the virtual phone types, attaches, shares and
// replies. It builds message bodies for POST /api/phones/{wa_id}/messages and
// hands them to send(); the chat does the calls.
import { h, clear, field, fail } from '../dom.js';
import { snippet } from './bubbles.js';
import { kinds, kindForm } from './kinds.js';
import { icon } from '../icons.js';

// kindOf picks the message type for a file, as WhatsApp does: WebP images are
// stickers, other images pictures, anything unknown a document.
export function kindOf(mime) {
  if (mime === 'image/webp') return 'sticker';
  if (/^image\/(jpeg|png)$/.test(mime)) return 'image';
  if (mime.startsWith('video/')) return 'video';
  if (mime.startsWith('audio/')) return 'audio';
  return 'document';
}

// makeComposer returns the composer. actions: send(body) sends a message body
// (without "to") and resolves when it was accepted; upload(file) resolves to
// the stored media. phone is the virtual phone and number the business number
// of the chat: an On-Premises number cannot get some kinds of message.
export function makeComposer(actions, phone, number) {
  const ui = { replyTo: null, locationFor: null };
  const input = h('textarea', { id: 'composer-input', rows: '1', placeholder: 'Type a message', 'data-testid': 'composer-input', autocomplete: 'off' });
  const file = h('input', { type: 'file', id: 'composer-file', class: 'visually-hidden', 'data-testid': 'composer-file', tabindex: '-1' });
  const replyText = h('span', { class: 'reply-text' });
  const replyBar = h('div', { class: 'reply-bar', hidden: true, 'data-testid': 'reply-bar' },
    h('div', {}, h('strong', { text: 'Replying to' }), replyText),
    h('button', { type: 'button', class: 'icon-btn', 'aria-label': 'Cancel reply', 'data-testid': 'reply-cancel', onclick: () => setReply(null) }, icon('close')));

  function setReply(m) {
    ui.replyTo = m;
    replyBar.hidden = !m;
    replyText.textContent = m ? snippet(m) : '';
    if (m) input.focus();
  }

  // withContext adds the quoted message, if any, and clears it.
  function withContext(body) {
    if (ui.replyTo) body.context = { message_id: ui.replyTo.id };
    return body;
  }

  function sendText() {
    const text = input.value;
    if (!text.trim()) return;
    const body = withContext({ type: 'text', text: { body: text } });
    input.value = '';
    autosize();
    actions.send(body).then(() => setReply(null), (err) => {
      input.value = text; // give the text back so it is not lost
      fail(err);
    });
  }

  async function sendFile(f) {
    const kind = kindOf(f.type || 'application/octet-stream');
    const caption = input.value.trim();
    try {
      const md = await actions.upload(f);
      const obj = { id: md.id };
      if (caption && kind !== 'audio' && kind !== 'sticker') obj.caption = caption;
      if (kind === 'document') obj.filename = f.name;
      await actions.send(withContext({ type: kind, [kind]: obj }));
      if (obj.caption) input.value = '';
      setReply(null);
    } catch (err) {
      fail(err);
    }
  }

  // The location form: a small panel above the composer.
  const lat = h('input', { type: 'number', step: 'any', min: '-90', max: '90', required: true, value: '52.5200', 'data-testid': 'location-lat' });
  const lng = h('input', { type: 'number', step: 'any', min: '-180', max: '180', required: true, value: '13.4050', 'data-testid': 'location-lng' });
  const name = h('input', { type: 'text', value: 'Brandenburg Gate', 'data-testid': 'location-name' });
  const address = h('input', { type: 'text', value: 'Pariser Platz, Berlin', 'data-testid': 'location-address' });
  const locForm = h('form', { class: 'location-form', hidden: true, 'data-testid': 'location-form', 'aria-label': 'Send a location', onsubmit: (e) => {
    e.preventDefault();
    const body = { type: 'location', location: { latitude: Number(lat.value), longitude: Number(lng.value) } };
    if (name.value.trim()) body.location.name = name.value.trim();
    if (address.value.trim()) body.location.address = address.value.trim();
    if (ui.locationFor && !ui.replyTo) body.context = { message_id: ui.locationFor.id };
    actions.send(withContext(body)).then(() => {
      locForm.hidden = true;
      locButton.setAttribute('aria-expanded', 'false');
      ui.locationFor = null;
      setReply(null);
      input.focus();
    }, fail);
  } },
  h('div', { class: 'grid2' }, field('Latitude', lat), field('Longitude', lng), field('Name', name), field('Address', address)),
  h('div', { class: 'row end' },
    h('button', { type: 'button', class: 'btn', onclick: () => { toggleLocation(null); input.focus(); } }, 'Cancel'),
    h('button', { type: 'submit', class: 'btn primary', 'data-testid': 'location-send' }, 'Send location')));

  function toggleLocation(forMessage) {
    ui.locationFor = forMessage || null;
    locForm.hidden = forMessage ? false : !locForm.hidden;
    if (!locForm.hidden) {
      closeMore();
      lat.focus();
    }
    locButton.setAttribute('aria-expanded', String(!locForm.hidden));
  }

  // The "more" menu: the kinds of message beyond chat (kinds.js), each with
  // its form in the kind box above the composer.
  const onprem = number && number.platform_type === 'ON_PREMISE';
  const kindBox = h('div', { class: 'kind-box', hidden: true });
  const menu = h('div', { class: 'more-menu', role: 'menu', hidden: true, 'aria-label': 'Send something else', 'data-testid': 'more-menu',
    onkeydown: (e) => {
      const items = [...menu.querySelectorAll('button:not(:disabled)')];
      const i = items.indexOf(document.activeElement);
      if (e.key === 'Escape') {
        closeMore();
        moreButton.focus();
      } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        items[(i + (e.key === 'ArrowDown' ? 1 : items.length - 1)) % items.length].focus();
      }
    } },
  kinds.map((k) => {
    const off = onprem && !k.onprem;
    return h('button', { type: 'button', role: 'menuitem', class: 'more-item', 'data-testid': 'more-kind', 'data-kind': k.id, disabled: off,
      title: off ? 'The On-Premises API has no webhook for this: use a Cloud API number.' : k.hint,
      onclick: () => openKind(k.id) },
    h('strong', { text: k.label }), h('small', { text: off ? 'not on On-Premises' : k.hint }));
  }));

  function closeMore() {
    menu.hidden = true;
    kindBox.hidden = true;
    clear(kindBox);
    moreButton.setAttribute('aria-expanded', 'false');
  }

  function openKind(kind) {
    menu.hidden = true;
    const f = kindForm(kind, {
      send: (body) => actions.send(body).then(() => setReply(null)),
      close: () => {
        closeMore();
        input.focus();
      },
      phone,
      replyTo: () => ui.replyTo,
    });
    clear(kindBox, f.el);
    kindBox.hidden = false;
    f.focus();
  }

  function toggleMore() {
    const open = menu.hidden && kindBox.hidden;
    closeMore();
    if (!open) return;
    locForm.hidden = true;
    locButton.setAttribute('aria-expanded', 'false');
    menu.hidden = false;
    moreButton.setAttribute('aria-expanded', 'true');
    menu.querySelector('button:not(:disabled)').focus();
  }

  const locButton = h('button', { type: 'button', class: 'icon-btn', 'aria-label': 'Send a location', title: 'Send a location', 'data-testid': 'composer-location', 'aria-expanded': 'false',
    onclick: () => toggleLocation(null) }, icon('pin', 22));
  const moreButton = h('button', { type: 'button', class: 'icon-btn', 'aria-label': 'More: order, ad referral, flow response, system notice…', title: 'More kinds of message',
    'data-testid': 'composer-more', 'aria-haspopup': 'menu', 'aria-expanded': 'false', onclick: toggleMore }, icon('plus', 22));

  function autosize() {
    input.style.height = 'auto';
    input.style.height = Math.min(input.scrollHeight, 140) + 'px';
  }

  input.addEventListener('input', autosize);
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      sendText();
    }
    if (e.key === 'Escape' && ui.replyTo) setReply(null);
  });
  file.addEventListener('change', () => {
    const f = file.files[0];
    file.value = '';
    if (f) sendFile(f);
  });

  const el = h('div', { class: 'composer-wrap' },
    replyBar,
    locForm,
    menu,
    kindBox,
    h('form', { class: 'composer', 'aria-label': 'Send as the phone', onsubmit: (e) => { e.preventDefault(); sendText(); } },
      h('button', { type: 'button', class: 'icon-btn', 'aria-label': 'Attach a file (the text becomes its caption)', title: 'Attach a file (the text becomes its caption)', 'data-testid': 'composer-attach', onclick: () => file.click() }, icon('attach', 22)),
      h('label', { for: 'composer-file', class: 'visually-hidden', text: 'File to send' }),
      file,
      locButton,
      moreButton,
      h('label', { for: 'composer-input', class: 'visually-hidden', text: 'Message' }),
      input,
      h('button', { type: 'submit', class: 'send-btn', 'aria-label': 'Send', title: 'Send (Enter)', 'data-testid': 'composer-send' }, icon('send', 22))));

  return {
    el,
    reply: setReply,
    shareLocation: (m) => toggleLocation(m),
    focus: () => input.focus(),
  };
}
