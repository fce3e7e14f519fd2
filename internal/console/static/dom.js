// DOM helpers. Text always goes in as text nodes (never innerHTML), so data
// from the API cannot inject markup.
import { icon } from './icons.js';

// h makes an element. attrs: class, text, on<event> handlers, data-* and aria-*
// attributes, boolean attributes (true sets, false/null leaves out), and any
// other attribute as a string. Children are nodes, strings or arrays of them;
// null, undefined and false are skipped.
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'value') el.value = v;
    else if (k === 'checked' || k === 'selected') el[k] = !!v;
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

// append adds children (nodes, strings, nested arrays) to el.
export function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

// clear empties el and fills it with children.
export function clear(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

// field is a label with its control: every input of the console has one.
export function field(label, control, hint) {
  if (!control.id) control.id = 'f-' + Math.random().toString(36).slice(2, 9);
  return h('div', { class: 'field' },
    h('label', { for: control.id, text: label }),
    control,
    hint ? h('small', { class: 'hint', text: hint }) : null);
}

// select makes a <select> from [value, label] pairs.
export function select(attrs, options, current) {
  return h('select', attrs, options.map(([v, l]) => h('option', { value: v, selected: v === current, text: l })));
}

// toast shows a message for a few seconds; kind 'error' keeps it longer.
export function toast(message, kind) {
  const box = document.getElementById('toasts');
  const t = h('div', { class: 'toast ' + (kind || 'info'), 'data-testid': 'toast', 'data-kind': kind || 'info' },
    h('span', { text: message }),
    h('button', { type: 'button', class: 'icon-btn', 'aria-label': 'Dismiss', text: '×', onclick: () => t.remove() }));
  placeToasts(box);
  box.append(t);
  // Three at a time: a burst of actions should not cover the page.
  while (box.children.length > 3) box.firstElementChild.remove();
  setTimeout(() => t.remove(), kind === 'error' ? 9000 : 3500);
}

// placeToasts lifts the toasts above the chat's composer when one is on
// screen, so that a toast never covers the Send button or the text being typed;
// elsewhere they sit at the bottom. The app calls it again on every route.
export function placeToasts(box = document.getElementById('toasts')) {
  const composer = document.querySelector('.composer-wrap');
  const top = composer && composer.getClientRects().length ? composer.getBoundingClientRect().top : 0;
  if (top > 0 && top < window.innerHeight) box.style.setProperty('--toast-bottom', (window.innerHeight - top + 12) + 'px');
  else box.style.removeProperty('--toast-bottom');
}

// narrow tells whether the console has its phone layout (style.css), where an
// open detail takes the place of its list.
export const narrow = () => window.matchMedia('(max-width: 900px)').matches;

// showSplit opens or closes the detail pane of a list/detail split. In the
// phone layout the detail replaces the list: opening it shows it from its top,
// and closing it goes back to where the list was.
export function showSplit(split, detail, open) {
  const main = document.getElementById('main');
  const wasOpen = !split.classList.contains('closed');
  if (open && !wasOpen) split.dataset.listTop = String(main.scrollTop);
  split.classList.toggle('closed', !open);
  detail.hidden = !open;
  if (narrow() && open !== wasOpen) main.scrollTop = open ? 0 : Number(split.dataset.listTop || 0);
}

// backButton is the detail's way back to its list in the phone layout; wider
// windows show the list beside it and a Close button instead.
export function backButton(testid, onclick) {
  return h('button', { type: 'button', class: 'icon-btn back', 'aria-label': 'Back to the list', title: 'Back to the list', 'data-testid': testid, onclick },
    icon('back'));
}

// fail shows an API error as a toast; views end their promise chains with it.
export function fail(err) {
  console.error(err);
  toast(err && err.message ? err.message : String(err), 'error');
}

// announce tells screen readers something (the polite live region).
export function announce(message) {
  const a = document.getElementById('announcer');
  a.textContent = '';
  // A new text node after a tick makes every reader speak it again.
  setTimeout(() => { a.textContent = message; }, 30);
}

// copy puts text on the clipboard and says so.
export async function copy(text, what) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    const ta = h('textarea', { class: 'visually-hidden', 'aria-hidden': 'true' });
    ta.value = text;
    document.body.append(ta);
    ta.select();
    document.execCommand('copy');
    ta.remove();
  }
  toast((what || 'Text') + ' copied to the clipboard.');
}

// copyButton is a small button that copies text.
export function copyButton(text, what, testid) {
  return h('button', { type: 'button', class: 'btn small', 'data-testid': testid || 'copy',
    'aria-label': 'Copy ' + (what || ''), onclick: () => copy(text, what) }, 'Copy');
}

// phone formats digits as +digits.
export const plus = (digits) => (digits ? '+' + String(digits).replace(/^\+/, '') : '');

const pad = (n) => String(n).padStart(2, '0');

// when is the time of a chat in a chat list: HH:MM today, "Yesterday", or the
// date.
export function when(ts) {
  const d = new Date(ts);
  if (!ts || isNaN(d)) return '';
  const label = day(ts);
  if (label === 'Today') return time(ts);
  if (label === 'Yesterday') return label;
  return d.toLocaleDateString(undefined, { year: '2-digit', month: 'numeric', day: 'numeric' });
}

// time shows HH:MM of an RFC 3339 time.
export function time(ts) {
  const d = new Date(ts);
  return isNaN(d) ? '' : pad(d.getHours()) + ':' + pad(d.getMinutes());
}

// dateTime shows a time in full, local, to the second.
export function dateTime(ts) {
  const d = new Date(ts);
  if (!ts || isNaN(d) || d.getFullYear() < 1971) return '';
  return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' +
    pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds());
}

// day names the day of a time as a chat separator does.
export function day(ts) {
  const d = new Date(ts);
  const today = new Date();
  const yesterday = new Date(today.getTime() - 864e5);
  if (d.toDateString() === today.toDateString()) return 'Today';
  if (d.toDateString() === yesterday.toDateString()) return 'Yesterday';
  return d.toLocaleDateString(undefined, { year: 'numeric', month: 'long', day: 'numeric' });
}

// relative says how far a time is from now ("in 30s", "5m ago").
export function relative(ts) {
  const d = new Date(ts);
  if (!ts || isNaN(d) || d.getFullYear() < 1971) return '';
  const s = Math.round((d.getTime() - Date.now()) / 1000);
  const abs = Math.abs(s);
  const amount = abs < 60 ? abs + 's' : abs < 3600 ? Math.round(abs / 60) + 'm' : abs < 86400 ? Math.round(abs / 3600) + 'h' : Math.round(abs / 86400) + 'd';
  if (abs < 2) return 'now';
  return s > 0 ? 'in ' + amount : amount + ' ago';
}

// json pretty-prints a value.
export const json = (v) => JSON.stringify(v, null, 2);

// badge is a small coloured label; its class follows the value.
export function badge(value, testid) {
  const v = String(value || '').toLowerCase();
  return h('span', { class: 'badge b-' + v.replace(/[^a-z0-9_]/g, ''), 'data-testid': testid, text: value });
}

// empty is the placeholder of an empty list.
export const empty = (text) => h('p', { class: 'empty', text });

// faultOf reads what an injected fault wrote into an error ("... injected by
// wabi fault 1537… (delivery_failed 131049)", "wabi fault 1537…
// (webhook_duplicated): ..."): { id, kind }, or null when no fault made it.
export function faultOf(text) {
  const m = /wabi fault (\d+) \(([a-z_]+)/.exec(String(text || ''));
  return m ? { id: m[1], kind: m[2] } : null;
}

// faultMark is the small "injected" label of what a fault made, naming the
// fault in its title.
export function faultMark(f, testid) {
  return h('span', { class: 'injected', 'data-testid': testid, 'data-fault-id': f.id, 'data-fault-kind': f.kind,
    title: 'Injected on purpose by wabi fault ' + f.id + ' (' + f.kind + ')', text: 'injected ' + f.kind.replace(/_/g, ' ') });
}
