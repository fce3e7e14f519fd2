// wabi console: the app shell. It routes hash URLs to views, keeps the nav,
// asks for the admin key when the control API answers 401, and shows how live
// updates arrive.
//
// Stable data-testid attributes, for browser tests:
//
// Shell     nav-toggle, nav-phones, nav-messages, nav-webhooks, nav-templates, nav-numbers, nav-setup,
//           live-state (data-mode: sse | poll | connecting), admin-key-open,
//           admin-key-dialog, admin-key-input, admin-key-save, admin-key-forget,
//           toast (data-kind: info | error), announcer (the aria-live region)
// Phones    phones-view, new-phone-form, new-phone-wa-id, new-phone-name, new-phone-submit,
//           number-select, number-name, phone-list, phone-item (data-wa-id, data-unread),
//           phone-last, phone-time, phone-unread,
//           chat (data-wa-id, data-phone-number-id), chat-back, chat-read, typing,
//           behaviour-toggle, behaviour-box, behaviour-form, behaviour-delivery-delay, behaviour-read-delay,
//           behaviour-auto-read, behaviour-offline, behaviour-not-on-whatsapp, behaviour-save,
//           chat-log, load-older,
//           bubble (data-id, data-direction: inbound | outbound, data-status, data-type),
//           tick (data-status), bubble-error, bubble-fault (data-fault-id, data-fault-kind), bubble-button (data-index), list-open,
//           list-row (data-row-id), reaction, quoted, link-preview, media,
//           bubble-reply, bubble-react, react-emoji,
//           composer-input, composer-send, composer-attach, composer-file,
//           composer-location, location-form, location-lat, location-lng, location-name,
//           location-address, location-send, reply-bar, reply-cancel,
//           composer-more, more-menu, more-kind (data-kind), kind-form (data-kind), kind-send,
//           kind-cancel, order-catalog, order-text, order-item, order-item-id, order-item-qty,
//           order-item-price, order-item-currency, order-item-remove, order-item-add, order-total,
//           referral-text, referral-source-url, referral-source-id, referral-source-type,
//           referral-headline, referral-body, referral-media-type, referral-image-url,
//           referral-video-url, referral-thumbnail-url, referral-ctwa-clid, system-type,
//           system-wa-id, system-identity, system-body, unsupported-type, flow-name, flow-body,
//           flow-json, order-lines, order-line, referral,
//           safety-toggle, safety-box, safety, safety-state (data-blocked), phone-block, phone-unblock, phone-report,
//           faults-toggle, faults-box (holding a faults-panel)
// Messages  messages-view, msg-filter-number, msg-filter-contact, msg-filter-direction,
//           msg-filter-type, msg-filter-status, msg-filter-since, msg-filter-until,
//           msg-filter-apply, msg-filter-reset, message-row (data-id), message-detail,
//           message-detail-close, message-detail-back, message-error, message-fault, page-newer, page-older
// Webhooks  webhooks-view, app-webhook-form (data-app-id), app-callback-url, app-verify-token,
//           app-field (data-field), app-api-version, app-webhook-save, app-webhook-result,
//           delivery-filter-state, delivery-row (data-id, data-state), delivery-detail,
//           delivery-detail-close, delivery-detail-back, delivery-attempt, attempt-fault, delivery-fault, redeliver,
//           redeliver-failed, deliveries-older
// Templates templates-view, template-waba-filter, template-row (data-id, data-name, data-status),
//           template-approve, template-reject, template-pause, template-disable,
//           template-reject-form, template-reject-reason, template-reject-confirm,
//           template-detail, template-detail-close, template-detail-back,
//           template-preview, template-category, template-quality
// Numbers   numbers-view, numbers-row (data-id), number-detail, number-detail-back,
//           number-detail-close, number-chats,
//           quality-panel, quality-facts, quality-rating (data-rating), quality-tier (data-tier),
//           quality-blocks (data-count), quality-reports (data-count), quality-flagged,
//           quality-restricted, quality-throughput (data-level), quality-reached, quality-upgrade,
//           quality-throughput-upgrade, business-verified (data-verified), quality-refresh, quality-open-number, quality-rating-select, quality-set, tier-select,
//           tier-set, throughput-select, throughput-set, restrict-duration, restrict,
//           restrict-lift, business-verify,
//           limits-panel (data-scope: number | waba), limits-mode (data-mode), limits-effective,
//           limit-effective (data-key, data-value), limits-usage, limits-form, limits-enabled,
//           limits-throughput, limits-pair-burst, limits-pair-interval, limits-calls-per-hour,
//           limits-save, limits-clear,
//           faults-panel, faults-refresh, fault-list, fault-row (data-id, data-kind, data-hits),
//           fault-hits, fault-hit, fault-delete, fault-form, fault-kind, fault-kind-hint,
//           fault-code, fault-status, fault-delay, fault-ttl, fault-http-status,
//           fault-probability, fault-count, fault-wa-id, fault-phone-number, fault-note, fault-add,
//           number-errors-form, number-errors-code, number-errors-details, number-errors-send
//           number-network (data-network: sim | relay), number-network-upstream,
//           relay-panel (data-network), relay-network (data-network), relay-facts, relay-upstream,
//           relay-base-url, relay-api-version, relay-upstream-waba, relay-token, relay-app-secret,
//           relay-verify-token, relay-updated, relay-webhook-url, relay-webhook-copy, relay-delete,
//           relay-change, relay-form, relay-form-hint, relay-base-url-input, relay-api-version-input,
//           relay-upstream-input, relay-waba-input, relay-token-input, relay-app-secret-input,
//           relay-verify-token-input, relay-error, relay-save,
//           relay-exchanges, relay-exchanges-refresh, relay-exchange-list, relay-exchanges-empty,
//           relay-exchange (data-id, data-direction: out | in, data-status), relay-exchange-error,
//           relay-exchange-request, relay-exchange-response
// Setup     setup-view, snippet (data-snippet: cloud | onprem | node), snippet-copy (data-snippet),
//           business-row, waba-row, number-row (data-platform), app-row,
//           token-create-form, token-create-business, token-create-app, token-create-name,
//           token-create-submit, token-new, token-row, token-copy, token-revoke
import { state, setKey } from './state.js';
import { clear, fail, placeToasts } from './dom.js';
import * as live from './live.js';
import { icon } from './icons.js';
import * as phones from './views/phones.js';
import * as messages from './views/messages.js';
import * as webhooks from './views/webhooks.js';
import * as templates from './views/templates.js';
import * as setup from './views/setup.js';
import * as numbers from './views/numbers.js';

const views = { phones, messages, webhooks, templates, numbers, setup };

const current = state.mounted;

// parse reads '#/name/a/b?x=1' as { name, parts, query }.
function parse() {
  const raw = location.hash.replace(/^#\/?/, '');
  const [path, search] = raw.split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const name = views[parts[0]] ? parts.shift() : 'phones';
  return { name, parts, query: new URLSearchParams(search || '') };
}

function route() {
  const r = parse();
  const main = document.getElementById('main');
  for (const a of document.querySelectorAll('#nav a')) {
    if (a.getAttribute('href') === '#/' + r.name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  closeNav();
  if (current.name === r.name && current.view && current.view.update) {
    current.view.update(r);
    return;
  }
  if (current.view && current.view.cleanup) current.view.cleanup();
  clear(main);
  document.title = r.name[0].toUpperCase() + r.name.slice(1) + ' · wabi console';
  current.name = r.name;
  current.view = views[r.name].render(main, r) || null;
  main.focus({ preventScroll: true });
  placeToasts();
}

// remount renders the current view anew, after the admin key changed.
function remount() {
  current.name = '';
  route();
}

function closeNav() {
  document.body.classList.remove('nav-open');
  document.getElementById('nav-toggle').setAttribute('aria-expanded', 'false');
}

function setupNav() {
  const toggle = document.getElementById('nav-toggle');
  toggle.addEventListener('click', () => {
    const open = document.body.classList.toggle('nav-open');
    toggle.setAttribute('aria-expanded', String(open));
    if (open) document.querySelector('#nav a').focus();
  });
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && document.body.classList.contains('nav-open')) {
      closeNav();
      toggle.focus();
    }
  });
}

function setupKeyDialog() {
  const dlg = document.getElementById('key-dialog');
  const input = document.getElementById('key-input');
  const open = () => {
    if (dlg.open) return;
    input.value = state.key;
    dlg.showModal();
    input.focus();
  };
  document.getElementById('key-button').addEventListener('click', open);
  document.getElementById('key-forget').addEventListener('click', () => {
    setKey('');
    dlg.close();
    live.start();
    remount();
  });
  document.getElementById('key-form').addEventListener('submit', (e) => {
    e.preventDefault();
    setKey(input.value.trim());
    dlg.close();
    live.start();
    remount();
  });
  state.onUnauthorized = open;
}

function setupLive() {
  const el = document.getElementById('live-state');
  const words = { sse: 'live', poll: 'polling every 2 s', connecting: 'connecting…' };
  live.onMode((mode) => {
    el.dataset.mode = mode;
    el.textContent = words[mode] || mode;
    el.title = mode === 'sse' ? 'Live updates from /api/events' : 'The event stream is not available; the console polls.';
  });
  live.start();
}

function boot() {
  for (const el of document.querySelectorAll('[data-icon]')) el.prepend(icon(el.dataset.icon));
  setupNav();
  setupKeyDialog();
  setupLive();
  window.addEventListener('hashchange', route);
  window.addEventListener('unhandledrejection', (e) => fail(e.reason));
  route();
}

boot();
