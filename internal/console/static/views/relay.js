// The relay of a business number: whether it is on wabi's simulated network or
// carried by an upstream Graph-compatible Cloud API (Meta's, or another wabi),
// the form that puts it on the relay or changes it, the webhook URL to give
// the upstream app, and the exchanges with the upstream. GET|PUT|DELETE
// /api/phone_numbers/{id}/relay and GET /api/phone_numbers/{id}/relay/exchanges.
import { get, put, del, q, enc, loadInfo } from '../api.js';
import { h, clear, field, fail, toast, plus, badge, dateTime, empty, copyButton } from '../dom.js';

// graph is the default upstream: Meta's Graph API.
const graph = 'https://graph.facebook.com';

// exchangesShown is how many exchanges the list asks for.
const exchangesShown = 50;

// host names an upstream by its host, the base URL itself when it has none.
function hostOf(baseURL) {
  try {
    return new URL(baseURL).host || baseURL;
  } catch {
    return baseURL || '';
  }
}

// networkOf reads the network of a channel (GET /api/channels): 'relay' or
// 'sim', '' when unknown.
function networkOf(channel) {
  if (!channel) return '';
  return channel.network || (channel.relay ? 'relay' : '');
}

// networkCell is what the Numbers list shows of a number's network: the
// network, and for a relayed number its upstream number id and base URL.
export function networkCell(channel) {
  const net = networkOf(channel);
  if (!net) return h('span', { class: 'muted', 'data-testid': 'number-network', 'data-network': '', text: '–' });
  const relay = channel.relay;
  return h('span', { class: 'network', 'data-testid': 'number-network', 'data-network': net },
    badge(net === 'relay' ? 'relay' : 'simulated'),
    net === 'relay' && relay ? h('small', { class: 'network-upstream hide-phone', 'data-testid': 'number-network-upstream',
      text: relay.upstream_phone_number_id + ' at ' + relay.base_url }) : null);
}

// serverVersion is the Graph version wabi's own Cloud API serves by default,
// read from the link GET /api/info gives it ("…/v23.0/").
async function serverVersion() {
  try {
    const info = await loadInfo();
    const m = ((info.links && info.links.cloud_api) || '').match(/\/(v\d+\.\d+)\/?$/);
    return m ? m[1] : '';
  } catch {
    return '';
  }
}

// duration shows a latency: the control API gives a Go duration in
// nanoseconds, or a string such as "120ms".
function duration(v) {
  if (typeof v === 'string') return v;
  if (typeof v !== 'number' || !isFinite(v)) return '';
  const ms = v / 1e6;
  if (ms < 1) return '<1 ms';
  if (ms < 1000) return Math.round(ms) + ' ms';
  return (ms / 1000).toFixed(ms < 10000 ? 2 : 1) + ' s';
}

// pretty shows a body: indented when it is JSON, as it is otherwise.
function pretty(body) {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}

// relayPanel returns the relay panels of number n: its network and relay
// settings, and, while it is relayed, the exchanges with its upstream.
// onChange is told after the number moves to or from the relay.
export function relayPanel(n, onChange) {
  const path = '/api/phone_numbers/' + enc(n.id) + '/relay';
  const box = h('section', { class: 'card panel', 'data-testid': 'relay-panel', 'aria-label': 'Network and relay' },
    h('h3', { text: 'Network' }), h('p', { class: 'muted', text: 'Loading…' }));
  const exchanges = exchangesPanel(path + '/exchanges');
  exchanges.el.hidden = true;
  const el = h('div', { class: 'relay' }, box, exchanges.el);

  // facts lists the relay's view: never a whole secret.
  function facts(r) {
    const row = (label, testid, value, cls) => [h('dt', { text: label }), h('dd', { 'data-testid': testid, class: cls }, value)];
    return h('dl', { class: 'kv', 'data-testid': 'relay-facts' },
      row('upstream number', 'relay-upstream', r.upstream_phone_number_id, 'mono'),
      row('base URL', 'relay-base-url', r.base_url, 'mono'),
      row('API version', 'relay-api-version', r.api_version, 'mono'),
      row('upstream WABA', 'relay-upstream-waba', r.upstream_waba_id || 'none: templates stay in wabi', r.upstream_waba_id ? 'mono' : ''),
      row('access token', 'relay-token', r.access_token || '', 'mono'),
      row('app secret', 'relay-app-secret', r.app_secret_set ? 'set' : 'not set'),
      row('verify token', 'relay-verify-token', r.verify_token_set ? 'set' : 'not set'),
      row('since', 'relay-updated', dateTime(r.updated_at || r.created_at)));
  }

  // webhook is the URL the upstream app posts its webhooks to, to paste into
  // its dashboard with the verify token.
  function webhook(r) {
    return h('div', { class: 'relay-webhook' },
      h('h4', { text: 'Webhook URL' }),
      h('p', { class: 'muted', text: 'Paste it into the upstream app\'s webhook settings (Meta: App Dashboard, WhatsApp, Configuration) with the verify token, and subscribe the messages field.' }),
      h('div', { class: 'copy-line' },
        h('code', { class: 'secret', 'data-testid': 'relay-webhook-url', text: r.webhook_url || '' }),
        r.webhook_url ? copyButton(r.webhook_url, 'The webhook URL', 'relay-webhook-copy') : null));
  }

  // form puts the number on the relay, or changes its relay. A new relay
  // needs every secret; a change keeps a stored secret left empty (the PUT
  // leaves out what is empty, and the server keeps what it is not given).
  function form(r, version) {
    const input = (testid, attrs) => h('input', Object.assign({ type: 'text', autocomplete: 'off', spellcheck: 'false', 'data-testid': testid }, attrs));
    // A placeholder keeps an empty secret from looking wrong before Save.
    const secret = (testid) => input(testid, { type: 'password', autocomplete: 'new-password', required: !r,
      placeholder: r ? 'stored; leave empty to keep' : 'required' });
    const inputs = {
      base_url: input('relay-base-url-input', { type: 'url', required: true, value: r ? r.base_url : graph, placeholder: graph }),
      api_version: input('relay-api-version-input', { required: true, value: r ? r.api_version : version, placeholder: version || 'v23.0', pattern: 'v[0-9]+\\.[0-9]+' }),
      phone_number_id: input('relay-upstream-input', { required: true, inputmode: 'numeric', value: r ? r.upstream_phone_number_id : '' }),
      waba_id: input('relay-waba-input', { inputmode: 'numeric', value: r ? r.upstream_waba_id || '' : '' }),
      access_token: secret('relay-token-input'),
      app_secret: secret('relay-app-secret-input'),
      verify_token: secret('relay-verify-token-input'),
    };
    const result = h('p', { class: 'result err', 'data-testid': 'relay-error', role: 'alert', hidden: true });
    const save = h('button', { type: 'submit', class: 'btn primary', 'data-testid': 'relay-save' }, r ? 'Save the relay' : 'Put on the relay');
    const el = h('form', { class: 'relay-form', 'data-testid': 'relay-form', 'aria-label': 'Relay settings', onsubmit: (e) => {
      e.preventDefault();
      const body = {};
      for (const [k, el] of Object.entries(inputs)) {
        const v = el.value.trim();
        if (v) body[k] = v;
      }
      result.hidden = true;
      save.disabled = true;
      put(path, body).then((view) => {
        toast(plus(n.display_phone_number) + ' is relayed to ' + view.upstream_phone_number_id + ' at ' + hostOf(view.base_url) + '.');
        draw(view);
        if (onChange) onChange();
      }, (err) => {
        // The control API's own message says what it refused.
        result.textContent = err.message;
        result.hidden = false;
        save.disabled = false;
      });
    } },
    r ? null : h('h4', { text: 'Put on the relay' }),
    h('p', { class: 'muted', 'data-testid': 'relay-form-hint', text: r
      ? 'Stored secrets are never shown: leave a secret empty to keep it, or enter a new one to replace it.'
      : 'Sends then go to the upstream Cloud API as its number, and its webhooks come back to wabi, which hands them to the apps subscribed here.' }),
    h('div', { class: 'grid2' },
      field('Base URL', inputs.base_url, 'the upstream\'s Graph root'),
      field('API version', inputs.api_version, 'of the calls to the upstream'),
      field('Upstream phone number id', inputs.phone_number_id, 'the number\'s id at the upstream'),
      field('Upstream WABA id (optional)', inputs.waba_id, 'for its templates; empty keeps them in wabi'),
      field('Access token', inputs.access_token, 'a system user\'s token'),
      field('App secret', inputs.app_secret, 'signs the upstream\'s webhooks'),
      field('Verify token', inputs.verify_token, 'of the upstream\'s webhook handshake')),
    result,
    h('div', { class: 'row end' }, save));
    // A relayed number's settings are shown above; changing them is folded.
    return r ? h('details', { class: 'relay-change', 'data-testid': 'relay-change' }, h('summary', { text: 'Change the relay' }), el) : el;
  }

  // back returns the number to the simulated network.
  function back() {
    const button = h('button', { type: 'button', class: 'btn danger', 'data-testid': 'relay-delete', onclick: () => {
      button.disabled = true;
      del(path).then(() => {
        toast(plus(n.display_phone_number) + ' is back on the simulated network.');
        draw(null);
        if (onChange) onChange();
      }, (err) => {
        button.disabled = false;
        fail(err);
      });
    } }, 'Back to the simulated network');
    return button;
  }

  async function draw(r) {
    const version = r ? '' : await serverVersion();
    box.dataset.network = r ? 'relay' : 'sim';
    clear(box,
      h('div', { class: 'detail-head' }, h('h3', { text: 'Network' }),
        h('span', { 'data-testid': 'relay-network', 'data-network': r ? 'relay' : 'sim' }, badge(r ? 'relay' : 'simulated'))),
      r ? h('p', { class: 'muted', text: 'Carried by an upstream Cloud API: sends go to it as its number ' + r.upstream_phone_number_id +
        ', and its webhooks come back here.' })
        : h('p', { class: 'muted', text: 'On wabi\'s simulated network: messages go to virtual phones.' }),
      r ? facts(r) : null,
      r ? webhook(r) : null,
      r ? h('div', { class: 'row' }, back()) : null,
      form(r, version));
    exchanges.el.hidden = !r;
    if (r) exchanges.refresh();
  }

  function refresh() {
    return get(path).then(draw, (err) => {
      if (err.status === 404) return draw(null);
      clear(box, h('h3', { text: 'Network' }), empty(err.message));
      return null;
    });
  }
  refresh();
  return { el, refresh };
}

// exchangesPanel lists the newest exchanges with a relayed number's upstream,
// each opening to its request and response bodies (redacted by wabi).
function exchangesPanel(path) {
  const list = h('div', { class: 'exchange-list', 'data-testid': 'relay-exchange-list' });
  const box = h('section', { class: 'card panel', 'data-testid': 'relay-exchanges', 'aria-label': 'Exchanges with the upstream' },
    h('div', { class: 'detail-head' }, h('h3', { text: 'Exchanges' }),
      h('button', { type: 'button', class: 'btn small ghost', 'data-testid': 'relay-exchanges-refresh', onclick: () => load() }, 'Refresh')),
    h('p', { class: 'muted', text: 'The calls wabi made to the upstream and the webhooks it posted, newest first, with tokens and secrets redacted.' }),
    list);

  function row(x) {
    const body = (label, testid, text) => (text ? [h('h4', { text: label }), h('pre', { class: 'json small', tabindex: '0', 'data-testid': testid, 'aria-label': label, text: pretty(text) })] : null);
    const status = x.status ? String(x.status) : x.error ? 'failed' : '–';
    return h('details', { class: 'exchange', 'data-testid': 'relay-exchange', 'data-id': x.id, 'data-direction': x.direction, 'data-status': String(x.status || '') },
      h('summary', {},
        h('span', { class: 'exchange-line' },
          h('span', { class: 'mono exchange-time', text: dateTime(x.at) }),
          badge(x.direction === 'in' ? 'in' : 'out'),
          h('strong', { class: 'mono', text: x.method }),
          h('span', { class: 'exchange-status', 'data-ok': String(x.status >= 200 && x.status < 300), text: status }),
          h('span', { class: 'muted', text: duration(x.latency) })),
        h('span', { class: 'mono exchange-url', text: x.url })),
      h('div', { class: 'exchange-bodies' },
        x.error ? h('p', { class: 'result err', 'data-testid': 'relay-exchange-error', text: x.error }) : null,
        body('Request', 'relay-exchange-request', x.request),
        body('Response', 'relay-exchange-response', x.response),
        !x.request && !x.response && !x.error ? h('p', { class: 'muted', text: 'No bodies.' }) : null));
  }

  async function load() {
    try {
      const data = (await get(path + q({ limit: exchangesShown }))).data || [];
      clear(list, data.length ? data.map(row)
        : h('p', { class: 'empty', 'data-testid': 'relay-exchanges-empty', text: 'No exchanges yet: they appear as the number sends and the upstream posts webhooks.' }));
    } catch (err) {
      clear(list, empty(err.message));
    }
  }

  return { el: box, refresh: () => load().catch(fail) };
}
