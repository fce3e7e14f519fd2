// The chat of one virtual phone with one business number, as the phone sees
// it: the bubbles, live updates, and the composer that sends as the phone.
import { state } from '../state.js';
import { get, post, call, q, enc, blobURL, templatesOf } from '../api.js';
import { h, clear, fail, toast, announce, plus, day } from '../dom.js';
import { subscribe } from '../live.js';
import { bubble, snippet, initials } from './bubbles.js';
import { makeComposer } from './composer.js';
import { behaviourForm } from './behaviour.js';
import { safetyBox } from './quality.js';
import { faultsPanel } from './faults.js';
import { icon } from '../icons.js';

const pageSize = 100;
const emojis = ['👍', '❤️', '😂', '😮', '😢', '🙏'];

// mountChat fills el with the chat of phone (a virtual phone object) with
// number (a business number). onPhone is told when the phone's behaviour was
// saved. It returns { cleanup, setPhone }.
export function mountChat(el, phone, number, onPhone) {
  const wa = phone.wa_id;
  const pn = number.id;
  const base = '/api/phones/' + enc(wa);
  const chat = {
    msgs: new Map(), // id → message
    rows: new Map(), // id → { sig, el }
    days: new Map(), // day label → separator element
    nextBefore: '',
    stick: true,
    templates: [],
    phone,
  };

  const typing = h('span', { class: 'typing', hidden: true, 'data-testid': 'typing', text: 'typing…' });
  const log = h('div', { class: 'chat-log', role: 'log', 'aria-live': 'off', 'aria-label': 'Messages', 'data-testid': 'chat-log' });
  const older = h('button', { type: 'button', class: 'btn small older', hidden: true, 'data-testid': 'load-older', onclick: loadOlder }, 'Load older messages');
  const emptyNote = h('p', { class: 'empty', text: 'No messages yet. Say hello, or send a template from your app.' });
  const banner = h('div', { class: 'chat-banner', hidden: true, 'data-testid': 'chat-banner' });
  // Drawers under the header, one open at a time: the phone's behaviour,
  // what it does about the business (block, report) with the number's
  // quality, and the faults injected on the phone. The last two are made when
  // first opened.
  const drawers = [];
  function drawer(testids, glyph, label, make, first) {
    const d = { box: h('div', { class: 'behaviour-box', hidden: true, 'data-testid': testids[1] }), made: null };
    d.button = h('button', { type: 'button', class: 'btn small ghost', 'aria-expanded': 'false', 'aria-label': label, title: label, 'data-testid': testids[0],
      onclick: () => {
        const open = d.box.hidden;
        for (const x of drawers) {
          x.box.hidden = true;
          x.button.setAttribute('aria-expanded', 'false');
        }
        if (!open) return;
        if (make && !d.made) {
          d.made = make();
          d.box.append(d.made.el);
        } else if (d.made && d.made.refresh) {
          d.made.refresh();
        }
        d.box.hidden = false;
        d.button.setAttribute('aria-expanded', 'true');
        const f = d.box.querySelector(first || 'input, select, button');
        if (f) f.focus();
      } }, icon(glyph, 16), h('span', { class: make ? 'label optional' : 'label', text: ' ' + label }));
    drawers.push(d);
    return d;
  }
  const behaviour = drawer(['behaviour-toggle', 'behaviour-box'], 'sliders', 'Behaviour', null, 'input');
  const behaviourBox = behaviour.box;
  const safety = drawer(['safety-toggle', 'safety-box'], 'block', 'Block or report', () => safetyBox(chat.phone, number), 'button');
  const faults = drawer(['faults-toggle', 'faults-box'], 'bolt', 'Faults', () => faultsPanel({ wa_id: wa }, { title: 'Faults of ' + plus(wa), numbers: state.numbers }), 'select');
  const title = h('div', { class: 'chat-title' });
  const composer = makeComposer({ send, upload }, phone, number);
  const ctx = {
    byID: chat.msgs,
    reactions: new Map(),
    businessName: number.verified_name || plus(number.display_phone_number),
    mediaURL,
    templateOf: (m) => chat.templates.find((t) => m.template && t.name === m.template.name &&
      (!m.template.language || t.language === m.template.language.code)) || null,
    tap,
    reply: (m) => composer.reply(m),
    shareLocation: (m) => composer.shareLocation(m),
    pickReaction,
    jump,
  };

  function renderHeader() {
    const p = chat.phone;
    clear(title,
      h('span', { class: 'avatar', 'aria-hidden': 'true', text: initials(p.profile_name || p.wa_id) }),
      h('div', { class: 'chat-who' },
        h('strong', { text: p.profile_name || plus(p.wa_id) }),
        h('small', { title: 'Chatting with ' + (number.verified_name || '') + ' ' + plus(number.display_phone_number) },
          plus(p.wa_id), ' · with ', number.verified_name || plus(number.display_phone_number), ' ',
          h('span', { class: 'badge b-' + String(number.platform_type).toLowerCase(), text: platformName(number.platform_type) })),
        typing));
    const b = p.behaviour || {};
    const notes = [];
    if (b.not_on_whatsapp) notes.push('This phone is not on WhatsApp: business messages to it fail (not_on_whatsapp, 131026) and it cannot send.');
    if (b.offline) notes.push('This phone is offline: business messages stay at "sent" until it comes online' + (p.held ? ' (' + p.held + ' held)' : '') + ', and it cannot send.');
    if (!b.auto_read && !b.offline && !b.not_on_whatsapp) notes.push('Auto-read is off: messages stay "delivered" until you mark them read.');
    banner.hidden = notes.length === 0;
    banner.textContent = notes.join(' ');
    clear(behaviourBox, behaviourForm(p, (saved) => {
      chat.phone = saved;
      renderHeader();
      onPhone(saved);
    }));
  }

  function mediaURL(m) {
    if (!state.media.has(m.id)) {
      const p = blobURL(base + '/messages/' + enc(m.id) + '/media');
      p.catch(() => state.media.delete(m.id));
      state.media.set(m.id, p);
    }
    return state.media.get(m.id);
  }

  // send posts a message as the phone and shows it at once.
  async function send(body) {
    body.to = pn;
    const m = await post(base + '/messages', body);
    upsert([m]);
    chat.stick = true;
    scroll();
    return m;
  }

  function upload(file) {
    const fd = new FormData();
    fd.append('file', file, file.name);
    if (file.type) fd.append('type', file.type);
    return call('POST', base + '/media' + q({ phone_number_id: pn }), fd);
  }

  function tap(m, choice) {
    post(base + '/tap', Object.assign({ message_id: m.id }, choice)).then((reply) => {
      upsert([reply]);
      chat.stick = true;
      scroll();
    }, fail);
  }

  // pickReaction opens a row of emojis under the bubble's React button.
  function pickReaction(m, anchor) {
    const old = log.querySelector('.emoji-picker');
    if (old) old.remove();
    const close = () => { picker.remove(); anchor.focus(); };
    const picker = h('div', { class: 'emoji-picker', role: 'menu', 'aria-label': 'React with',
      onkeydown: (e) => { if (e.key === 'Escape') close(); } },
    emojis.map((e) => h('button', { type: 'button', role: 'menuitem', class: 'icon-btn', 'data-testid': 'react-emoji', 'data-emoji': e, 'aria-label': 'React ' + e,
      onclick: () => { close(); send({ type: 'reaction', reaction: { message_id: m.id, emoji: e } }).catch(fail); } }, e)),
    h('button', { type: 'button', role: 'menuitem', class: 'icon-btn', 'data-testid': 'react-emoji', 'data-emoji': '', 'aria-label': 'Remove reaction', title: 'Remove reaction',
      onclick: () => { close(); send({ type: 'reaction', reaction: { message_id: m.id, emoji: '' } }).catch(fail); } }, icon('close', 16)));
    anchor.parentElement.append(picker);
    picker.querySelector('button').focus();
  }

  function jump(id) {
    const row = chat.rows.get(id);
    if (!row) {
      toast('The quoted message is not loaded; load older messages to see it.');
      return;
    }
    const b = row.el.querySelector('.bubble');
    b.scrollIntoView({ block: 'center', behavior: 'smooth' });
    b.classList.add('flash');
    b.focus({ preventScroll: true });
    setTimeout(() => b.classList.remove('flash'), 1200);
  }

  // upsert merges messages into the chat and re-renders what changed.
  function upsert(list) {
    for (const m of list) chat.msgs.set(m.id, m);
    render();
  }

  function sorted() {
    return [...chat.msgs.values()].sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : a.id < b.id ? -1 : 1));
  }

  // render brings the log in line with the messages, touching only the
  // bubbles that changed (a playing video keeps playing).
  function render() {
    const all = sorted();
    const reactions = new Map();
    const shown = [];
    for (const m of all) {
      if (m.type === 'reaction' && m.reaction && chat.msgs.has(m.reaction.message_id)) {
        // The latest reaction of each side replaces its earlier one; "" removes it.
        const list = (reactions.get(m.reaction.message_id) || []).filter((r) => r.direction !== m.direction);
        if (m.reaction.emoji) list.push({ emoji: m.reaction.emoji, direction: m.direction });
        reactions.set(m.reaction.message_id, list);
      } else {
        shown.push(m);
      }
    }
    ctx.reactions = reactions;
    const want = [older];
    let lastDay = '';
    for (const m of shown) {
      const d = day(m.timestamp);
      if (d !== lastDay) {
        if (!chat.days.has(d)) chat.days.set(d, h('div', { class: 'day-sep' }, h('span', { text: d })));
        want.push(chat.days.get(d));
        lastDay = d;
      }
      const quotedID = m.context && m.context.message_id;
      const sig = JSON.stringify([m, reactions.get(m.id), quotedID && chat.msgs.has(quotedID), chat.templates.length]);
      let row = chat.rows.get(m.id);
      if (!row || row.sig !== sig) {
        row = { sig, el: bubble(m, ctx) };
        chat.rows.set(m.id, row);
      }
      want.push(row.el);
    }
    if (!shown.length) want.push(emptyNote);
    // Remove what went, then insert what is new in place: nodes that stay are
    // never moved, so their media keep playing.
    const keep = new Set(want);
    for (const node of [...log.children]) if (!keep.has(node)) node.remove();
    let cursor = log.firstElementChild;
    for (const node of want) {
      if (node === cursor) cursor = cursor.nextElementSibling;
      else log.insertBefore(node, cursor);
    }
    older.hidden = !chat.nextBefore;
    scroll();
  }

  function scroll() {
    if (chat.stick) log.scrollTop = log.scrollHeight;
  }

  async function load() {
    const page = await get(base + '/messages' + q({ phone_number_id: pn, limit: pageSize }));
    if (chat.msgs.size === 0) chat.nextBefore = page.next_before || '';
    typing.hidden = !page.typing;
    upsert(page.data);
  }

  async function loadOlder() {
    try {
      const page = await get(base + '/messages' + q({ phone_number_id: pn, limit: pageSize, before: chat.nextBefore }));
      chat.nextBefore = page.next_before || '';
      const before = log.scrollHeight;
      chat.stick = false;
      upsert(page.data);
      log.scrollTop += log.scrollHeight - before;
    } catch (err) {
      fail(err);
    }
  }

  function markRead() {
    post(base + '/read', { phone_number_id: pn }).then((r) => toast(r.read + ' message(s) marked read.'), fail);
  }

  log.addEventListener('scroll', () => {
    chat.stick = log.scrollHeight - log.scrollTop - log.clientHeight < 60;
  });
  // Pictures load after their bubble; stay at the bottom if we were there.
  log.addEventListener('load', scroll, true);

  let typingTimer = 0;
  const unsubscribe = subscribe({
    message(m) {
      if (m.wa_id !== wa || m.phone_number_id !== pn) return;
      const isNew = !chat.msgs.has(m.id);
      upsert([m]);
      if (isNew && m.direction === 'outbound') announce('New message from ' + ctx.businessName + ': ' + snippet(m));
      // The typing indicator has no event of its own: look again shortly.
      clearTimeout(typingTimer);
      typingTimer = setTimeout(() => get(base + '/messages' + q({ phone_number_id: pn, limit: 1 })).then((p) => { typing.hidden = !p.typing; }, () => {}), 300);
    },
    poll() {
      load().catch(() => {});
      get(base).then((p) => {
        if (JSON.stringify(p) !== JSON.stringify(chat.phone)) {
          chat.phone = p;
          renderHeader();
        }
      }, () => {});
    },
  });

  clear(el,
    h('section', { class: 'chat', 'data-testid': 'chat', 'data-wa-id': wa, 'data-phone-number-id': pn, 'aria-label': 'Chat' },
      h('header', { class: 'chat-head' },
        h('a', { class: 'icon-btn back', href: '#/phones', 'aria-label': 'Back to the phones', 'data-testid': 'chat-back' }, icon('back')),
        title,
        h('div', { class: 'chat-tools' },
          h('button', { type: 'button', class: 'btn small ghost', 'data-testid': 'chat-read', title: 'The phone opens every delivered message', 'aria-label': 'Mark all read', onclick: markRead }, '✓✓', h('span', { class: 'label', text: ' Mark read' })),
          drawers.map((d) => d.button))),
      drawers.map((d) => d.box),
      banner,
      log,
      composer.el));
  renderHeader();
  render();
  load().catch(fail);
  templatesOf(number.waba_id).then((ts) => {
    chat.templates = ts;
    render();
  }, () => {});

  return {
    cleanup() {
      unsubscribe();
      clearTimeout(typingTimer);
      for (const d of drawers) if (d.made && d.made.cleanup) d.made.cleanup();
    },
    setPhone(p) {
      chat.phone = p;
      renderHeader();
    },
    focus: () => composer.focus(),
  };
}

// platformName shows a platform_type as people say it.
export function platformName(p) {
  return p === 'ON_PREMISE' ? 'On-Premises' : p === 'CLOUD_API' ? 'Cloud API' : p || '';
}
