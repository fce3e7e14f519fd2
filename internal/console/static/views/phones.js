// The Phones view (the default): the virtual phones of the simulated network
// as a chat list (each with its last message, its time and how many messages
// wait unread), a form for a new one, and the chat of the selected phone with
// a business number. Routes: #/phones, #/phones/{wa_id},
// #/phones/{wa_id}/{phone_number_id}.
import { state } from '../state.js';
import { get, post, q, loadNumbers, loadInfo } from '../api.js';
import { h, clear, field, fail, toast, plus, empty, when, dateTime } from '../dom.js';
import { subscribe } from '../live.js';
import { initials, snippet, tick } from './bubbles.js';
import { mountChat, platformName } from './chat.js';

// refreshAfter is how long the list waits after a message event before it
// asks for the phones again: a burst of messages costs one request.
const refreshAfter = 500;

// lastOf is the time of a phone's last message, for sorting ('' if none).
const lastOf = (p) => (p.last_message && p.last_message.timestamp) || '';

// phoneLine is what a chat list shows of a phone's last message: the ticks of
// what the business sent, and the text or the kind of message.
function phoneLine(p) {
  const m = p.last_message;
  if (!m) return h('small', { class: 'phone-last', text: plus(p.wa_id) });
  const from = m.direction === 'outbound' ? [tick(m), ' '] : [h('span', { class: 'visually-hidden', text: 'You: ' })];
  return h('small', { class: 'phone-last', 'data-testid': 'phone-last', title: snippet(m) || m.type }, from, snippet(m) || m.type);
}

// render mounts the view; update follows route changes inside it.
export function render(main, route) {
  const view = { phones: [], waID: '', pnID: '', chat: null, chatKey: '', route, loaded: false };
  const list = h('ul', { class: 'phone-list', 'data-testid': 'phone-list', 'aria-label': 'Virtual phones' });
  const numberSelect = h('select', { 'data-testid': 'number-select', id: 'number-select' });
  const numberName = h('small', { class: 'hint', 'data-testid': 'number-name' });
  const chatPane = h('div', { class: 'chat-pane' });
  const root = h('div', { class: 'phones-view', 'data-testid': 'phones-view' },
    h('aside', { class: 'phones-side', 'aria-label': 'Phones' },
      h('div', { class: 'side-head' }, h('h1', { text: 'Phones' })),
      h('div', { class: 'field' }, h('label', { for: 'number-select', text: 'Business number' }), numberSelect, numberName),
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
      if (b.delivery_delay && b.delivery_delay !== '0s') tags.push(h('span', { class: 'badge', text: 'delivers in ' + b.delivery_delay }));
      const current = p.wa_id === view.waID;
      const unread = p.unread || 0;
      const at = lastOf(p);
      return h('li', {}, h('a', { class: 'phone-item' + (unread ? ' has-unread' : ''), href: href(p.wa_id), 'data-testid': 'phone-item', 'data-wa-id': p.wa_id,
        'data-unread': String(unread), 'aria-current': current ? 'true' : null },
        h('span', { class: 'avatar', 'aria-hidden': 'true', text: initials(p.profile_name || p.wa_id) }),
        h('span', { class: 'phone-text' },
          h('span', { class: 'phone-line' },
            h('strong', { text: p.profile_name || plus(p.wa_id), title: plus(p.wa_id) }),
            at ? h('time', { class: 'phone-time', 'data-testid': 'phone-time', datetime: at, title: dateTime(at), text: when(at) }) : null),
          h('span', { class: 'phone-line' },
            phoneLine(p),
            unread ? h('span', { class: 'unread', 'data-testid': 'phone-unread', title: unread + ' unread', 'aria-label': unread + ' unread', text: unread > 99 ? '99+' : String(unread) }) : null),
          tags.length ? h('span', { class: 'tags' }, tags) : null)));
    }));
    if (focused) list.querySelector('[data-wa-id="' + CSS.escape(focused) + '"]')?.focus();
  }

  // renderNumbers fills the number selector. An option says only the number
  // and its platform, so that it fits the side bar; the business name shows
  // under it.
  function renderNumbers() {
    const opts = state.numbers.map((n) => [n.id, plus(n.display_phone_number) + ' · ' + platformName(n.platform_type) + (n.registered ? '' : ' (not registered)'),
      (n.verified_name || '') + ' · ' + plus(n.display_phone_number) + ' · ' + platformName(n.platform_type)]);
    clear(numberSelect, opts.map(([v, l, full]) => h('option', { value: v, selected: v === view.pnID, title: full, text: l })));
    const n = state.numbers.find((x) => x.id === view.pnID);
    numberName.textContent = n ? n.verified_name || '' : '';
  }

  // loadPhones lists the phones with their chat with the chosen number, most
  // recent chat first, as a chat list does.
  async function loadPhones() {
    const pn = view.pnID;
    const phones = (await get('/api/phones' + q({ phone_number_id: pn }))).data;
    if (pn !== view.pnID) return; // another number was chosen meanwhile
    view.phones = phones.map((p, i) => Object.assign(p, { order: i }))
      .sort((a, b) => (lastOf(a) === lastOf(b) ? a.order - b.order : lastOf(a) < lastOf(b) ? 1 : -1));
    renderList();
  }

  // A message of the chosen number moves its chat up and changes its line.
  // The first event of a burst schedules one request; the rest ride on it, so
  // a steady stream of events still refreshes the list twice a second.
  let refreshTimer = 0;
  const refresh = () => {
    if (refreshTimer) return;
    refreshTimer = setTimeout(() => {
      refreshTimer = 0;
      loadPhones().catch(() => {});
    }, refreshAfter);
  };
  const unsubscribe = subscribe({
    message(m) {
      if (view.loaded && m.phone_number_id === view.pnID) refresh();
    },
    poll() {
      if (view.loaded) refresh();
    },
  });

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
      view.phones = view.phones.map((p) => (p.wa_id === saved.wa_id ? Object.assign({}, p, saved) : p)); // keeps its chat line
      renderList();
    });
  }

  function apply(r) {
    const pn = view.pnID;
    view.waID = r.parts[0] || '';
    view.pnID = pick(r.parts[1]);
    state.chatNumber = view.pnID;
    renderNumbers();
    renderList();
    showChat();
    if (view.pnID !== pn) loadPhones().catch(fail); // the chats with the other number
  }

  numberSelect.addEventListener('change', () => {
    state.chatNumber = numberSelect.value;
    if (view.waID) {
      location.hash = '#/phones/' + encodeURIComponent(view.waID) + '/' + encodeURIComponent(numberSelect.value);
      return;
    }
    view.pnID = numberSelect.value;
    renderNumbers();
    loadPhones().catch(fail);
  });

  Promise.all([loadInfo().catch(() => null), loadNumbers()])
    .then(async () => {
      view.pnID = pick(view.route.parts[1]);
      await loadPhones();
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
      unsubscribe();
      clearTimeout(refreshTimer);
    },
  };
}
