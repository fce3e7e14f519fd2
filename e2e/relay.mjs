// The relay in the console's browser test: at laptop and phone size (each
// with a business number of its own), a number on the simulated network says so; a relay the control API
// refuses shows the API's message and keeps the form; the number is put on
// the relay, pointing at an upstream that is not reachable (the settings save
// all the same), and shows as relayed in the list and its detail, with its
// upstream, its token's last four characters only, the webhook URL to copy
// and an empty list of exchanges; the test, as the upstream, posts a signed
// webhook to that URL, and the exchange shows with its bodies; then the number
// goes back to the simulated network.
// The Numbers view keeps the layout rules at both sizes.
//
// Run by .ci/run: WABI_BIN=artifacts/wabi node relay.mjs
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { api, artifacts, launch, startWabi, step } from './harness.mjs';
import { assertShell, assertShown, assertTablesFit, sizes } from './layout.mjs';

const bin = process.env.WABI_BIN || 'artifacts/wabi';
const timeout = 15000;
const tid = (id) => `[data-testid="${id}"]`;
// unreachable is an upstream no one listens on: port 1 of the loopback.
const unreachable = 'http://127.0.0.1:1';

const wabi = await startWabi(bin);
const browser = await launch();
const pageErrors = [];
let failed = false;
try {
  const info = await api(wabi.base, 'GET', '/api/info');
  const version = info.links.cloud_api.match(/\/(v\d+\.\d+)\/?$/)[1];
  const panel = `${tid('number-detail')} ${tid('relay-panel')}`;
  // Each size relays a number of its own, the Cloud API one and then the
  // On-Premises one, so that each starts with no exchanges.
  const numbers = [info.phone_number, info.onprem_phone_number];

  for (const [i, size] of sizes.entries()) {
    const number = numbers[i].id;
    const relayPath = `/api/phone_numbers/${number}/relay`;
    const row = `${tid('numbers-row')}[data-id="${number}"]`;
    const at = `${size.name} ${size.width}x${size.height}`;
    const context = await browser.newContext({ viewport: { width: size.width, height: size.height } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: wabi.base });
    const p = await context.newPage();
    p.setDefaultTimeout(timeout);
    p.on('pageerror', (e) => pageErrors.push(e.message));
    const snap = (name) => p.screenshot({ path: `${artifacts}${size.name}-${name}.png` });
    const phone = size.width <= 900;
    const upstream = '10900000000000' + i;
    const token = `EAAG-e2e-token-${size.name}-Z9x${i}`;
    const secrets = [token, `e2e-app-secret-${size.name}`, `e2e-verify-${size.name}`];
    const fill = async (values) => {
      for (const [input, value] of Object.entries(values)) await p.fill(`${panel} ${tid(input)}`, value);
    };
    // back leaves an open number for the list in the phone layout, where the
    // detail takes the list's place; wider, the list is beside it.
    const back = async () => {
      if (!phone) return;
      await p.click(tid('number-detail-back'));
      await p.waitForSelector(tid('number-detail'), { state: 'hidden' });
    };

    await step(`${at}: a number on the simulated network says so, with the relay's form`, async () => {
      await p.goto(`${wabi.base}/#/numbers`);
      await p.waitForSelector(`${row} ${tid('number-network')}[data-network="sim"]`);
      await assertTablesFit(p, 'numbers');
      await assertShell(p, 'numbers');
      await p.click(`${row} a`);
      await p.waitForSelector(`${panel}[data-network="sim"] ${tid('relay-form')}`);
      await assertShown(p, tid('number-detail'), 'the number');
      if (phone) assert.equal(await p.locator('.split .table-wrap').boundingBox(), null, 'on a phone the number takes the place of the list');
      assert.equal(await p.inputValue(`${panel} ${tid('relay-base-url-input')}`), 'https://graph.facebook.com', 'Meta\'s Graph API is the default upstream');
      assert.equal(await p.inputValue(`${panel} ${tid('relay-api-version-input')}`), version, 'the server\'s API version is the default');
      assert.equal(await p.locator(`${panel} ${tid('relay-exchanges')}`).isVisible(), false, 'a number on the simulated network has no exchanges');
    });

    await step(`${at}: a relay the control API refuses shows its message and keeps the form`, async () => {
      await fill({
        'relay-base-url-input': 'https://graph.facebook.com/?debug=all', 'relay-upstream-input': upstream,
        'relay-token-input': token, 'relay-app-secret-input': secrets[1], 'relay-verify-token-input': secrets[2],
      });
      await p.click(`${panel} ${tid('relay-save')}`);
      const error = p.locator(`${panel} ${tid('relay-error')}`);
      await error.waitFor();
      assert.match(await error.innerText(), /base_url/, 'the API\'s own message is shown');
      assert.equal(await p.getAttribute(panel, 'data-network'), 'sim');
      assert.equal(await p.inputValue(`${panel} ${tid('relay-upstream-input')}`), upstream, 'the form keeps what was typed');
      await assertShell(p, 'the refused relay');
    });

    await step(`${at}: the number is put on the relay, and never shows its secrets`, async () => {
      await fill({ 'relay-base-url-input': unreachable, 'relay-waba-input': '20900000000000' + i });
      await p.click(`${panel} ${tid('relay-save')}`);
      await p.waitForSelector(`${panel}[data-network="relay"] ${tid('relay-facts')}`);
      const view = await api(wabi.base, 'GET', relayPath);
      assert.equal(view.upstream_phone_number_id, upstream);
      assert.equal(await p.innerText(`${panel} ${tid('relay-upstream')}`), upstream);
      assert.equal(await p.innerText(`${panel} ${tid('relay-base-url')}`), unreachable);
      assert.equal(await p.innerText(`${panel} ${tid('relay-token')}`), view.access_token);
      assert.ok(view.access_token.endsWith(token.slice(-4)), `the token is shown by its last four characters: ${view.access_token}`);
      const shown = await p.evaluate(() => document.body.innerText + [...document.querySelectorAll('input')].map((el) => el.value).join(' '));
      for (const s of secrets) assert.ok(!shown.includes(s), `the page shows a secret: ${s}`);
      // Changing the relay asks for the secrets again.
      await p.click(`${panel} ${tid('relay-change')} summary`);
      assert.match(await p.innerText(`${panel} ${tid('relay-form-hint')}`), /leave a secret empty to keep it/, 'the form says empty secrets are kept');
      assert.equal(await p.inputValue(`${panel} ${tid('relay-token-input')}`), '', 'no secret is filled in');
      assert.equal(await p.inputValue(`${panel} ${tid('relay-upstream-input')}`), upstream, 'the rest is');
      assert.equal(await p.locator(`${panel} ${tid('relay-network')}[data-network="relay"]`).count(), 1);
    });

    await step(`${at}: the webhook URL is shown and copied`, async () => {
      const url = (await p.innerText(`${panel} ${tid('relay-webhook-url')}`)).trim();
      assert.match(url, /^https?:\/\/.+\/relay\/webhook$/);
      assert.equal(url, (await api(wabi.base, 'GET', relayPath)).webhook_url);
      await p.click(`${panel} ${tid('relay-webhook-copy')}`);
      await p.locator(tid('toast')).filter({ hasText: 'copied' }).waitFor();
      assert.equal(await p.evaluate(() => navigator.clipboard.readText()), url);
    });

    await step(`${at}: the exchanges list is empty, and refreshes`, async () => {
      const exchanges = `${tid('number-detail')} ${tid('relay-exchanges')}`;
      await p.waitForSelector(`${exchanges} ${tid('relay-exchanges-empty')}`);
      assert.equal(await p.locator(`${exchanges} ${tid('relay-exchange')}`).count(), 0);
      await p.click(`${exchanges} ${tid('relay-exchanges-refresh')}`);
      await p.waitForSelector(`${exchanges} ${tid('relay-exchanges-empty')}`);
    });

    await step(`${at}: a webhook the upstream posts shows in the exchanges, opening to its bodies`, async () => {
      const exchanges = `${tid('number-detail')} ${tid('relay-exchanges')}`;
      const url = (await p.innerText(`${panel} ${tid('relay-webhook-url')}`)).trim();
      const text = `hello from the upstream (${size.name})`;
      const body = JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: '20900000000000' + i, changes: [{ field: 'messages', value: {
        messaging_product: 'whatsapp', metadata: { display_phone_number: numbers[i].display_phone_number, phone_number_id: upstream },
        contacts: [{ profile: { name: 'Ursula Upstream' }, wa_id: '1555000780' + i }],
        messages: [{ from: '1555000780' + i, id: `wamid.e2e-relay-${size.name}`, timestamp: String(Math.floor(Date.now() / 1000)), type: 'text', text: { body: text } }],
      } }] }] });
      const res = await fetch(url, { method: 'POST', body, headers: { 'Content-Type': 'application/json',
        'X-Hub-Signature-256': 'sha256=' + createHmac('sha256', secrets[1]).update(body).digest('hex') } });
      assert.equal(res.status, 200, 'the webhook is taken');
      await p.click(`${exchanges} ${tid('relay-exchanges-refresh')}`);
      const x = p.locator(`${exchanges} ${tid('relay-exchange')}[data-direction="in"]`);
      await x.waitFor();
      assert.equal(await x.count(), 1);
      assert.equal(await x.getAttribute('data-status'), '200');
      const line = await x.locator('summary').innerText();
      assert.ok(line.includes('POST') && line.includes('/relay/webhook'), `the row names the call: ${line}`);
      assert.equal(await x.locator(tid('relay-exchange-request')).isVisible(), false, 'the bodies wait for the row to open');
      await x.locator('summary').click();
      await x.locator(tid('relay-exchange-request')).filter({ hasText: text }).waitFor();
      assert.match(await x.locator(tid('relay-exchange-response')).innerText(), /success/);
      await x.scrollIntoViewIfNeeded();
      await snap('relay-exchange');
      await assertShell(p, 'an opened exchange');
    });

    await step(`${at}: the relayed number fits the window, its controls reachable`, async () => {
      await p.locator(panel).scrollIntoViewIfNeeded();
      await snap('relay');
      await assertTablesFit(p, 'the relayed number');
      await assertShell(p, 'the relayed number');
      for (const button of ['relay-webhook-copy', 'relay-delete', 'relay-save', 'relay-exchanges-refresh']) {
        await p.locator(`${tid('number-detail')} ${tid(button)}`).scrollIntoViewIfNeeded();
        await assertShown(p, `${tid('number-detail')} ${tid(button)}`, button, true);
      }
    });

    await step(`${at}: the list shows the number as relayed, with its upstream`, async () => {
      await back();
      await p.waitForSelector(`${row} ${tid('number-network')}[data-network="relay"]`);
      if (!phone) {
        const line = await p.innerText(`${row} ${tid('number-network-upstream')}`);
        assert.ok(line.includes(upstream) && line.includes(unreachable), `the row names the upstream: ${line}`);
      }
      await assertTablesFit(p, 'numbers with a relay');
      await assertShell(p, 'numbers with a relay');
      await snap('numbers-relay');
      // A new page reads the relay from the server.
      await p.reload();
      await p.waitForSelector(`${row} ${tid('number-network')}[data-network="relay"]`);
      await p.click(`${row} a`);
      await p.waitForSelector(`${panel}[data-network="relay"] ${tid('relay-upstream')}`);
    });

    await step(`${at}: the number goes back to the simulated network`, async () => {
      await p.click(`${panel} ${tid('relay-delete')}`);
      await p.waitForSelector(`${panel}[data-network="sim"] ${tid('relay-form')}`);
      assert.equal(await p.locator(`${panel} ${tid('relay-facts')}`).count(), 0);
      assert.equal(await p.locator(`${tid('number-detail')} ${tid('relay-exchanges')}`).isVisible(), false);
      const res = await fetch(wabi.base + relayPath);
      assert.equal(res.status, 404, 'the server forgot the relay');
      await back();
      await p.waitForSelector(`${row} ${tid('number-network')}[data-network="sim"]`);
    });
    await context.close();
  }
  assert.deepEqual(pageErrors, [], 'the page threw');
} catch (e) {
  failed = true;
  console.error(e);
} finally {
  await browser.close();
  wabi.stop();
}
if (failed) process.exit(1);
console.log('relay browser tests passed; screenshots in', artifacts);
