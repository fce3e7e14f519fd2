// The behaviour editor of a virtual phone: how it acts on the simulated
// network (PATCH /api/phones/{wa_id}).
import { patch, enc } from '../api.js';
import { h, field, fail, toast } from '../dom.js';

// duration reads a delay as the API takes it: a Go duration ("1.5s"), or a
// bare number of milliseconds.
function duration(v) {
  const t = v.trim();
  if (!t) return '0s';
  return /^\d+(\.\d+)?$/.test(t) ? Number(t) : t;
}

// behaviourForm returns the form for phone; onSaved gets the saved phone.
export function behaviourForm(phone, onSaved) {
  const b = phone.behaviour || {};
  const name = h('input', { type: 'text', value: phone.profile_name || '', 'data-testid': 'behaviour-profile-name' });
  const delivery = h('input', { type: 'text', value: b.delivery_delay || '0s', 'data-testid': 'behaviour-delivery-delay' });
  const read = h('input', { type: 'text', value: b.read_delay || '0s', 'data-testid': 'behaviour-read-delay' });
  const check = (label, key, testid, hint) => {
    const box = h('input', { type: 'checkbox', checked: !!b[key], 'data-testid': testid, id: 'bh-' + key });
    return { box, el: h('div', { class: 'check' }, box, h('label', { for: box.id }, label, hint ? h('small', { class: 'hint', text: hint }) : null)) };
  };
  const autoRead = check('Auto read', 'auto_read', 'behaviour-auto-read', 'opens every message it gets');
  const offline = check('Offline', 'offline', 'behaviour-offline', 'messages wait at "sent"');
  const notOnWA = check('Not on WhatsApp', 'not_on_whatsapp', 'behaviour-not-on-whatsapp', 'messages fail with 131026');

  const form = h('form', { class: 'behaviour', 'data-testid': 'behaviour-form', 'aria-label': 'Behaviour of ' + phone.wa_id, onsubmit: (e) => {
    e.preventDefault();
    const body = {
      profile_name: name.value,
      behaviour: {
        delivery_delay: duration(delivery.value),
        read_delay: duration(read.value),
        auto_read: autoRead.box.checked,
        offline: offline.box.checked,
        not_on_whatsapp: notOnWA.box.checked,
      },
    };
    patch('/api/phones/' + enc(phone.wa_id), body).then((saved) => {
      toast('Saved the behaviour of +' + saved.wa_id + '.');
      onSaved(saved);
    }, fail);
  } },
  h('div', { class: 'grid3' },
    field('Profile name', name),
    field('Delivery delay', delivery, 'after "sent", e.g. 2s or 1500ms'),
    field('Read delay', read, 'after delivery, with auto read')),
  h('div', { class: 'checks' }, autoRead.el, offline.el, notOnWA.el),
  h('div', { class: 'row end' }, h('button', { type: 'submit', class: 'btn primary', 'data-testid': 'behaviour-save' }, 'Save behaviour')));
  return form;
}
