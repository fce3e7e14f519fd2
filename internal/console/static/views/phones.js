// The Phones view (the default): the virtual phones of the simulated network,
// a form for a new one, and the chat of the selected phone with a business
// number. Routes: #/phones, #/phones/{wa_id}, #/phones/{wa_id}/{phone_number_id}.
import { state } from '../state.js';
import { get, post, loadNumbers, loadInfo } from '../api.js';
import { h, clear, field, fail, toast, plus, empty } from '../dom.js';
import { initials } from './bubbles.js';
import { mountChat, platformName } from './chat.js';

// render mounts the view; update follows route changes inside it.
export function render(main, route) {
  const view = { phones: [], waID: '', pnID: '', chat: null, chatKey: '', route, loaded: false };
  const list = h('ul', { class: 'phone-list', 'data-testid': 'phone-list', 'aria-label': 'Virtual phones' });
  const numberSelect = h('select', { 'data-testid': 'number-select', id: 'number-select' });
  const chatPane = h('div', { class: 'chat-pane' });
  const root = h('div', { class: 'phones-view', 'data-testid': 'phones-view' },
    h('aside', { class: 'phones-side', 'aria-label': 'Phones' },
      h('div', { class: 'side-head' }, h('h1', { text: 'Phones' })),
      field('Business number', numberSelect),
      newPhoneForm(),
      list),
    chatPane);
  clear(main, root);

  function newPhoneForm() {
    const wa = h('input', { type: 'text', inputmode: 'numeric', required: true, pattern: '\\+?[0-9]{8,15}', placeholder: '447700900123', autocomplete: 'off', 'data-testid': 'new-phone-wa-id' });
    const name = h('input', { type: 'text', placeholder: 'Sam', autocomplete: 'off', 'data-testid': 'new-phone-name' });
    const details = h('details', { class: 'new-phone', 'data-testid': 'new-phone-form' },
      h('summary', { text: '+ New phone' }),
      h('form', { onsubmit: (e) => {
        e.preventDefault();
        const body = { wa_id: wa.value.replace(/^\+/, '').trim(), profile_name: name.value.trim(), behaviour: { auto_read: true } };
        post('/api/phones', body).then(async (p) => {
          toast('Created the phone +' + p.wa_id + '.');
          wa.value = '';
          name.value = '';
          details.open = false;
          await loadPhones();
          location.hash = href(p.wa_id);
        }).catch(fail);
      } },
      field('WhatsApp number (wa_id)', wa, '8 to 15 digits with the country code'),
      field('Profile name', name),
      h('button', { type: 'submit', class: 'btn primary', 'data-testid': 'new-phone-submit' }, 'Create phone')));
    return details;
  }

  function href(waID) {
    return '#/phones/' + encodeURIComponent(waID) + (view.pnID ? '/' + encodeURIComponent(view.pnID) : '');
  }

  function renderList() {
    if (!view.phones.length) {
      clear(list, h('li', {}, empty('No virtual phones yet. Create one above.')));
      return;
    }
    // Keep the keyboard where it was: the list is drawn anew.
    const focused = document.activeElement && list.contains(document.activeElement) ? document.activeElement.dataset.waId : '';
    clear(list, view.phones.map((p) => {
      const b = p.behaviour || {};
      const tags = [];
      if (b.offline) tags.push(h('span', { class: 'badge b-offline', text: 'offline' + (p.held ? ' · ' + p.held + ' held' : '') }));
      if (b.not_on_whatsapp) tags.push(h('span', { class: 'badge b-failed', text: 'not on WhatsApp' }));
      if (!b.auto_read) tags.push(h('span', { class: 'badge', text: 'manual read' }));
      const current = p.wa_id === view.waID;
      return h('li', {}, h('a', { class: 'phone-item', href: href(p.wa_id), 'data-testid': 'phone-item', 'data-wa-id': p.wa_id, 'aria-current': current ? 'true' : null },
        h('span', { class: 'avatar', 'aria-hidden': 'true', text: initials(p.profile_name || p.wa_id) }),
        h('span', { class: 'phone-text' },
          h('strong', { text: p.profile_name || plus(p.wa_id) }),
          h('small', { text: plus(p.wa_id) + (b.delivery_delay && b.delivery_delay !== '0s' ? ' · delivers in ' + b.delivery_delay : '') })),
        tags.length ? h('span', { class: 'tags' }, tags) : null));
    }));
    if (focused) list.querySelector('[data-wa-id="' + CSS.escape(focused) + '"]')?.focus();
  }

  function renderNumbers() {
    const opts = state.numbers.map((n) => [n.id, plus(n.display_phone_number) + ' · ' + (n.verified_name || '') + ' (' + platformName(n.platform_type) + (n.registered ? '' : ', not registered') + ')']);
    clear(numberSelect, opts.map(([v, l]) => h('option', { value: v, selected: v === view.pnID, text: l })));
  }

  async function loadPhones() {
    view.phones = (await get('/api/phones')).data;
    renderList();
  }

  // pick chooses the business number: the route's, the last one used, the
  // demo's, or the first.
  function pick(routePN) {
    const ids = state.numbers.map((n) => n.id);
    const demo = state.info && state.info.phone_number && state.info.phone_number.id;
    return [routePN, state.chatNumber, demo, ids[0]].find((id) => id && ids.includes(id)) || '';
  }

  function showChat() {
    root.classList.toggle('has-chat', !!view.waID);
    const key = view.waID + '|' + view.pnID;
    if (key === view.chatKey) return;
    if (view.chat) view.chat.cleanup();
    view.chat = null;
    view.chatKey = key;
    const phone = view.phones.find((p) => p.wa_id === view.waID);
    const number = state.numbers.find((n) => n.id === view.pnID);
    if (!view.waID) {
      clear(chatPane, h('div', { class: 'chat-empty' },
        h('img', { src: 'favicon.svg', alt: '', width: '72', height: '72' }),
        h('h2', { text: 'Pick a phone to chat as' }),
        h('p', { text: 'Each virtual phone is a WhatsApp user on wabi\'s simulated network. Choose one on the left, then send messages to your business number as that customer, tap buttons, and watch the ticks of what your app sends.' })));
      return;
    }
    if (!phone || !number) {
      clear(chatPane, empty(!phone ? 'There is no virtual phone ' + plus(view.waID) + '.' : 'There is no business number to chat with.'));
      view.chatKey = '';
      return;
    }
    view.chat = mountChat(chatPane, phone, number, (saved) => {
      view.phones = view.phones.map((p) => (p.wa_id === saved.wa_id ? saved : p));
      renderList();
    });
  }

  function apply(r) {
    view.waID = r.parts[0] || '';
    view.pnID = pick(r.parts[1]);
    state.chatNumber = view.pnID;
    renderNumbers();
    renderList();
    showChat();
  }

  numberSelect.addEventListener('change', () => {
    state.chatNumber = numberSelect.value;
    view.pnID = numberSelect.value;
    if (view.waID) location.hash = href(view.waID);
    else renderList();
  });

  Promise.all([loadInfo().catch(() => null), loadNumbers(), loadPhones()])
    .then(() => {
      view.loaded = true;
      apply(view.route);
    })
    .catch(fail);

  return {
    update(r) {
      view.route = r;
      if (view.loaded) apply(r); // else the first load applies the latest route

    },
    cleanup() {
      if (view.chat) view.chat.cleanup();
    },
  };
}
