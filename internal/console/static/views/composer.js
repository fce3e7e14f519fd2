// The chat composer: what the virtual phone types, attaches, shares and
// replies. It builds message bodies for POST /api/phones/{wa_id}/messages and
// hands them to send(); the chat does the calls.
import { h, field, fail } from '../dom.js';
import { snippet } from './bubbles.js';
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
// the stored media.
export function makeComposer(actions) {
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
      ui.locationFor = null;
      setReply(null);
      input.focus();
    }, fail);
  } },
  h('div', { class: 'grid2' }, field('Latitude', lat), field('Longitude', lng), field('Name', name), field('Address', address)),
  h('div', { class: 'row end' },
    h('button', { type: 'button', class: 'btn', onclick: () => { locForm.hidden = true; input.focus(); } }, 'Cancel'),
    h('button', { type: 'submit', class: 'btn primary', 'data-testid': 'location-send' }, 'Send location')));

  function toggleLocation(forMessage) {
    ui.locationFor = forMessage || null;
    locForm.hidden = forMessage ? false : !locForm.hidden;
    if (!locForm.hidden) lat.focus();
  }

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
    h('form', { class: 'composer', 'aria-label': 'Send as the phone', onsubmit: (e) => { e.preventDefault(); sendText(); } },
      h('button', { type: 'button', class: 'icon-btn', 'aria-label': 'Attach a file (the text becomes its caption)', title: 'Attach a file (the text becomes its caption)', 'data-testid': 'composer-attach', onclick: () => file.click() }, icon('attach', 22)),
      h('label', { for: 'composer-file', class: 'visually-hidden', text: 'File to send' }),
      file,
      h('button', { type: 'button', class: 'icon-btn', 'aria-label': 'Send a location', title: 'Send a location', 'data-testid': 'composer-location', 'aria-expanded': 'false', onclick: (e) => {
        toggleLocation(null);
        e.currentTarget.setAttribute('aria-expanded', String(!locForm.hidden));
      } }, icon('pin', 22)),
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
