// The Setup view: copy-paste snippets filled in with this wabi's real ids and
// token, and the tenancy: businesses, WABAs, numbers (with their platform),
// apps and tokens, which can be created, copied and revoked here.
import { state } from '../state.js';
import { get, post, del, enc, loadInfo, loadNumbers } from '../api.js';
import { h, clear, field, select, fail, toast, plus, dateTime, badge, empty, copy, copyButton } from '../dom.js';
import { platformName } from './chat.js';

const scopes = ['whatsapp_business_messaging', 'whatsapp_business_management'];

// snippets builds the examples from GET /api/info and the numbers.
function snippets(info, numbers) {
  const origin = location.origin;
  const version = ((info.links && info.links.cloud_api) || '').match(/\/(v\d+\.\d+)\/?$/);
  const ver = version ? version[1] : 'v23.0';
  const pn = info.phone_number ? info.phone_number.id : '<phone-number-id>';
  const token = info.token ? info.token.token : '<access-token>';
  const to = info.virtual_phone ? info.virtual_phone.wa_id : '15550002000';
  const onprem = info.onprem_phone_number || numbers.find((n) => n.platform_type === 'ON_PREMISE');
  const ns = info.waba ? info.waba.message_template_namespace : '<namespace>';
  const secret = info.app ? info.app.secret : '<app-secret>';
  const out = [];
  out.push({ id: 'cloud', title: 'Send with the Cloud API (curl)', text:
`curl -s ${origin}/${ver}/${pn}/messages \\
  -H 'Authorization: Bearer ${token}' \\
  -H 'Content-Type: application/json' \\
  -d '{"messaging_product":"whatsapp","to":"${to}","type":"template",
       "template":{"name":"hello_world","language":{"code":"en_US"}}}'` });
  if (onprem) {
    const base = `${origin}/onprem/${onprem.id}/v1`;
    out.push({ id: 'onprem', title: 'Log in and send with the On-Premises API (curl, jq)', text:
`# The first login must replace the default password admin/secret;
# later logins: curl -s -u 'admin:N3w-Passw0rd!' -X POST ${base}/users/login
TOKEN=$(curl -s -u admin:secret -X POST ${base}/users/login \\
  -H 'Content-Type: application/json' -d '{"new_password":"N3w-Passw0rd!"}' | jq -r '.users[0].token')

curl -s -X POST ${base}/messages -H "Authorization: Bearer $TOKEN" \\
  -H 'Content-Type: application/json' \\
  -d '{"to":"${to}","type":"template","template":{"namespace":"${ns}","name":"hello_world",
       "language":{"policy":"deterministic","code":"en_US"}}}'` });
  }
  out.push({ id: 'node', title: 'Send from Node.js 18+ (fetch)', text:
`// send.mjs — run with: node send.mjs
const res = await fetch('${origin}/${ver}/${pn}/messages', {
  method: 'POST',
  headers: {
    Authorization: 'Bearer ${token}',
    'Content-Type': 'application/json',
  },
  body: JSON.stringify({
    messaging_product: 'whatsapp',
    to: '${to}',
    type: 'template',
    template: { name: 'hello_world', language: { code: 'en_US' } },
  }),
});
console.log(res.status, await res.json());` });
  out.push({ id: 'receiver', title: 'Receive webhooks in Node.js (handshake and signature)', text:
`// hook.mjs — node hook.mjs, then set http://127.0.0.1:3000/webhook with
// verify token "my-verify-token" on the Webhooks page.
import http from 'node:http';
import crypto from 'node:crypto';
const secret = '${secret}';
http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (req.method === 'GET') { // the hub.challenge handshake
    const ok = url.searchParams.get('hub.verify_token') === 'my-verify-token';
    res.writeHead(ok ? 200 : 403).end(ok ? url.searchParams.get('hub.challenge') : '');
    return;
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c)).on('end', () => {
    const body = Buffer.concat(chunks);
    const want = 'sha256=' + crypto.createHmac('sha256', secret).update(body).digest('hex');
    const ok = req.headers['x-hub-signature-256'] === want;
    console.log(ok ? 'signed' : 'BAD SIGNATURE', body.toString());
    res.writeHead(ok ? 200 : 401).end();
  });
}).listen(3000);` });
  return out;
}

function snippetCard(s) {
  return h('section', { class: 'card snippet' },
    h('div', { class: 'detail-head' },
      h('h2', { text: s.title }),
      h('button', { type: 'button', class: 'btn small', 'data-testid': 'snippet-copy', 'data-snippet': s.id, 'aria-label': 'Copy: ' + s.title,
        onclick: () => copy(s.text, 'Snippet') }, 'Copy')),
    h('pre', { class: 'json', tabindex: '0', 'data-testid': 'snippet', 'data-snippet': s.id, 'aria-label': s.title, text: s.text }));
}

function table(caption, heads, rows, emptyText) {
  return h('div', { class: 'table-wrap' }, h('table', { class: 'data' },
    h('caption', { class: 'visually-hidden', text: caption }),
    h('thead', {}, h('tr', {}, heads.map((t) => h('th', { scope: 'col', text: t })))),
    h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', { colspan: String(heads.length) }, empty(emptyText))))));
}

// short shows the start of a secret.
const short = (s) => (s && s.length > 18 ? s.slice(0, 10) + '…' + s.slice(-4) : s);

export function render(main) {
  const view = { businesses: [], wabas: [], apps: [], tokens: [], fresh: '' };
  const page = h('div', { class: 'page', 'data-testid': 'setup-view' }, h('p', { class: 'muted', text: 'Loading…' }));
  clear(main, page);

  async function load() {
    const [info, , b, w, a, t] = await Promise.all([loadInfo(true), loadNumbers(true), get('/api/businesses'), get('/api/wabas'), get('/api/apps'), get('/api/tokens')]);
    view.info = info;
    view.businesses = b.data;
    view.wabas = w.data;
    view.apps = a.data;
    view.tokens = t.data;
    draw();
  }

  const nameOf = (list, id) => (list.find((x) => x.id === id) || {}).name || id;

  function tokenForm() {
    const biz = select({ 'data-testid': 'token-create-business' }, view.businesses.map((b) => [b.id, b.name]), view.businesses[0] && view.businesses[0].id);
    const app = h('select', { 'data-testid': 'token-create-app' });
    const fillApps = () => clear(app, [['', 'No app'], ...view.apps.filter((a) => a.business_id === biz.value).map((a) => [a.id, a.name])]
      .map(([v, l], i) => h('option', { value: v, selected: i === 1, text: l })));
    biz.addEventListener('change', fillApps);
    fillApps();
    const name = h('input', { type: 'text', value: 'console', 'data-testid': 'token-create-name' });
    const boxes = scopes.map((s) => {
      const box = h('input', { type: 'checkbox', checked: true, id: 'scope-' + s, 'data-testid': 'token-create-scope', 'data-scope': s });
      return { s, box, el: h('div', { class: 'check' }, box, h('label', { for: box.id, text: s })) };
    });
    return h('form', { class: 'card', 'data-testid': 'token-create-form', 'aria-label': 'New token', onsubmit: (e) => {
      e.preventDefault();
      post('/api/tokens', { business_id: biz.value, app_id: app.value, name: name.value.trim(), scopes: boxes.filter((x) => x.box.checked).map((x) => x.s) })
        .then((tok) => {
          view.fresh = tok.token;
          toast('Created the token ' + (tok.name || '') + '.');
          return load();
        }).catch(fail);
    } },
    h('h3', { text: 'New access token' }),
    h('div', { class: 'grid3' }, field('Business', biz), field('App', app), field('Name', name)),
    h('fieldset', { class: 'checks plain' }, h('legend', { class: 'hint', text: 'Scopes' }), boxes.map((x) => x.el)),
    h('div', { class: 'row end' }, h('button', { type: 'submit', class: 'btn primary', 'data-testid': 'token-create-submit' }, 'Create token')),
    view.fresh ? h('div', { class: 'row', 'data-testid': 'token-new' },
      h('strong', { text: 'New token:' }), h('code', { class: 'secret', 'data-testid': 'token-new-value', text: view.fresh }), copyButton(view.fresh, 'Token', 'token-new-copy')) : null);
  }

  // revokeButton asks once more before it revokes: a revoked token is gone.
  function revokeButton(tok) {
    const b = h('button', { type: 'button', class: 'btn small danger', 'data-testid': 'token-revoke', 'data-token-name': tok.name }, 'Revoke');
    b.addEventListener('click', () => {
      if (b.dataset.armed !== 'true') {
        b.dataset.armed = 'true';
        b.textContent = 'Really revoke?';
        setTimeout(() => { b.dataset.armed = ''; b.textContent = 'Revoke'; }, 5000);
        return;
      }
      del('/api/tokens/' + enc(tok.token)).then(() => {
        toast('Revoked the token ' + (tok.name || short(tok.token)) + '.');
        if (view.fresh === tok.token) view.fresh = '';
        return load();
      }).catch(fail);
    });
    return b;
  }

  function draw() {
    const numbers = state.numbers;
    clear(page,
      h('div', { class: 'page-head' }, h('h1', { text: 'Setup' }),
        h('p', {}, 'Point your SDK at this wabi. Everything here comes from ', h('a', { href: '/api/info', target: '_blank', text: '/api/info' }), ' and the control API.')),
      h('div', { class: 'section-grid' }, snippets(view.info, numbers).map(snippetCard)),
      h('h2', { text: 'Phone numbers' }),
      table('Phone numbers', ['Number', 'Name', 'Platform', 'Registered', 'Quality', 'Id', 'WABA'], numbers.map((n) =>
        h('tr', { 'data-testid': 'number-row', 'data-id': n.id, 'data-platform': n.platform_type },
          h('td', { text: plus(n.display_phone_number) }),
          h('td', { text: n.verified_name }),
          h('td', {}, h('span', { class: 'badge b-' + String(n.platform_type).toLowerCase(), title: n.platform_type, text: platformName(n.platform_type) })),
          h('td', {}, n.registered ? 'yes' : 'no', n.pending_code ? h('small', { class: 'muted', text: ' · SIM code ' + n.pending_code }) : null),
          h('td', {}, badge(n.quality_rating)),
          h('td', {}, h('code', { text: n.id }), ' ', copyButton(n.id, 'Phone number id')),
          h('td', { class: 'mono', text: nameOf(view.wabas, n.waba_id) }))), 'No numbers.'),
      h('h2', { text: 'Apps' }),
      table('Apps', ['Name', 'Id', 'Secret', 'Callback URL', 'API version'], view.apps.map((a) =>
        h('tr', { 'data-testid': 'app-row', 'data-id': a.id },
          h('td', { text: a.name }),
          h('td', {}, h('code', { text: a.id }), ' ', copyButton(a.id, 'App id')),
          h('td', {}, h('code', { class: 'secret', text: short(a.secret) }), ' ', copyButton(a.secret, 'App secret')),
          h('td', {}, a.callback_url ? h('code', { text: a.callback_url }) : h('a', { href: '#/webhooks', text: 'set one' })),
          h('td', { text: a.api_version }))), 'No apps.'),
      h('h2', { text: 'Access tokens' }),
      tokenForm(),
      table('Access tokens', ['Name', 'Business', 'App', 'Scopes', 'Token', 'Created', ''], view.tokens.map((t) =>
        h('tr', { 'data-testid': 'token-row', 'data-token-name': t.name },
          h('td', { text: t.name }),
          h('td', { text: nameOf(view.businesses, t.business_id) }),
          h('td', { text: t.app_id ? nameOf(view.apps, t.app_id) : '–' }),
          h('td', {}, (t.scopes || []).map((s) => h('div', { class: 'muted', text: s }))),
          h('td', {}, h('code', { class: 'secret', text: short(t.token) }), ' ', copyButton(t.token, 'Token', 'token-copy')),
          h('td', { class: 'mono', text: dateTime(t.created_at) }),
          h('td', {}, revokeButton(t)))), 'No tokens.'),
      h('h2', { text: 'Businesses and WABAs' }),
      table('Businesses', ['Business', 'Id', 'Created'], view.businesses.map((b) =>
        h('tr', { 'data-testid': 'business-row', 'data-id': b.id },
          h('td', { text: b.name }),
          h('td', {}, h('code', { text: b.id }), ' ', copyButton(b.id, 'Business id')),
          h('td', { class: 'mono', text: dateTime(b.created_at) }))), 'No businesses.'),
      table('WABAs', ['Business', 'WABA', 'WABA id', 'Template namespace', 'Currency'], view.wabas.map((w) =>
        h('tr', { 'data-testid': 'waba-row', 'data-id': w.id },
          h('td', { text: nameOf(view.businesses, w.business_id) }),
          h('td', { text: w.name }),
          h('td', {}, h('code', { text: w.id }), ' ', copyButton(w.id, 'WABA id')),
          h('td', {}, h('code', { text: w.message_template_namespace })),
          h('td', { text: w.currency }))), 'No WABAs.'));
  }

  load().catch(fail);
  return {};
}
