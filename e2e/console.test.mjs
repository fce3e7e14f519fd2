// The console's browser test: a newcomer opens the console, creates a phone,
// sends "hi" as the customer, sees the business's reply arrive with ticks
// turning blue, taps a quick-reply button, inspects the signed webhook and
// redelivers it. Screenshots of every view are saved under e2e/artifacts/.
//
// Run by .ci/run: WABI_BIN=artifacts/wabi node console.test.mjs
import assert from 'node:assert/strict';
import { api, artifacts, launch, startReceiver, startWabi, step } from './harness.mjs';

const bin = process.env.WABI_BIN || 'artifacts/wabi';
const customer = '15550009001';
const timeout = 15000;

const wabi = await startWabi(bin);
const hooks = await startReceiver();
const browser = await launch();
let failed = false;
try {
  const info = await api(wabi.base, 'GET', '/api/info');
  const number = info.phone_number.id;
  await api(wabi.base, 'PUT', `/api/apps/${info.app.id}/webhook`, { callback_url: hooks.url, verify_token: 'e2e' });

  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.setDefaultTimeout(timeout);
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  const shot = (name) => page.screenshot({ path: artifacts + name + '.png', fullPage: false });
  const tid = (id) => `[data-testid="${id}"]`;

  await step('the console opens on the phones view', async () => {
    await page.goto(wabi.base + '/');
    await page.waitForSelector(tid('phones-view'));
    await page.waitForSelector(`${tid('live-state')}[data-mode="sse"]`);
  });

  await step('a new phone is created', async () => {
    await page.click(`${tid('new-phone-form')} summary`);
    await page.fill(tid('new-phone-wa-id'), customer);
    await page.fill(tid('new-phone-name'), 'Nina Newcomer');
    await page.click(tid('new-phone-submit'));
    await page.click(`${tid('phone-item')}[data-wa-id="${customer}"]`);
    await page.selectOption(tid('number-select'), number);
    await page.waitForSelector(`${tid('chat')}[data-wa-id="${customer}"][data-phone-number-id="${number}"]`);
  });

  await step('the phone reads what it gets', async () => {
    await page.click(tid('behaviour-toggle'));
    await page.check(tid('behaviour-auto-read'));
    await page.click(tid('behaviour-save'));
    await page.waitForFunction(async (wa) => {
      const res = await fetch('/api/phones/' + wa);
      return res.ok && (await res.json()).behaviour.auto_read === true;
    }, customer);
  });

  await step('"hi" is sent as the customer', async () => {
    await page.fill(tid('composer-input'), 'hi');
    await page.click(tid('composer-send'));
    await page.waitForSelector(`${tid('bubble')}[data-direction="inbound"]:has-text("hi")`);
    const hook = await waitFor(() => hooks.posts.find((p) => p.body.includes('"body":"hi"')));
    assert.match(hook.headers['x-hub-signature-256'], /^sha256=[0-9a-f]{64}$/);
  });

  await step("the business's reply arrives and its ticks turn blue", async () => {
    await api(wabi.base, 'POST', `/v23.0/${number}/messages`, {
      messaging_product: 'whatsapp', to: customer, type: 'interactive',
      interactive: {
        type: 'button', body: { text: 'Hi Nina! Shall we ship today?' },
        action: { buttons: [{ type: 'reply', reply: { id: 'ship-yes', title: 'Yes please' } },
          { type: 'reply', reply: { id: 'ship-no', title: 'Not yet' } }] },
      },
    }, info.token.token);
    const reply = `${tid('bubble')}[data-direction="outbound"][data-type="interactive"]`;
    await page.waitForSelector(reply);
    await page.waitForSelector(`${reply} ${tid('tick')}[data-status="read"]`);
    await shot('phones');
  });

  await step('a quick-reply button is tapped', async () => {
    await page.click(`${tid('bubble')}[data-direction="outbound"][data-type="interactive"] ${tid('bubble-button')}[data-index="0"]`);
    await page.waitForSelector(`${tid('bubble')}[data-direction="inbound"][data-type="interactive"]:has-text("Yes please")`);
    await waitFor(() => hooks.posts.find((p) => p.body.includes('"button_reply"') && p.body.includes('ship-yes')));
  });

  await step('the signed webhook is inspected and redelivered', async () => {
    await page.click(tid('nav-webhooks'));
    await page.waitForSelector(tid('webhooks-view'));
    const row = page.locator(tid('delivery-row')).filter({ hasText: 'message' }).first();
    await row.click();
    const detail = page.locator(tid('delivery-detail'));
    await detail.getByRole('rowheader', { name: 'X-Hub-Signature-256' }).waitFor();
    const signature = await detail.locator('tr', { hasText: 'X-Hub-Signature-256' }).locator('td').first().innerText();
    assert.match(signature.trim(), /^sha256=[0-9a-f]{64}$/);
    const before = await detail.locator(tid('delivery-attempt')).count();
    assert.ok(before >= 1, 'the delivery shows its attempt');
    await shot('webhooks');
    await detail.locator(tid('redeliver')).click();
    await page.waitForFunction(([sel, n]) => document.querySelectorAll(sel).length > n,
      [`${tid('delivery-detail')} ${tid('delivery-attempt')}`, before]);
  });

  await step('the other views render', async () => {
    for (const view of ['messages', 'templates', 'setup']) {
      await page.click(tid('nav-' + view));
      await page.waitForSelector(tid(view + '-view'));
      if (view === 'messages') await page.waitForSelector(tid('message-row'));
      if (view === 'templates') await page.waitForSelector(`${tid('template-row')}[data-name="hello_world"]`);
      if (view === 'setup') await page.waitForSelector(`${tid('snippet')}[data-snippet="cloud"]`);
      await shot(view);
    }
  });

  await step('the chat fits a phone-sized window', async () => {
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
    phone.setDefaultTimeout(timeout);
    await phone.goto(`${wabi.base}/#/phones`);
    await phone.waitForSelector(tid('phones-view'));
    const width = await phone.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `the page is ${width}px wide in a 390px window`);
    await phone.screenshot({ path: artifacts + 'phones-mobile.png' });
    await phone.close();
  });

  assert.deepEqual(pageErrors, [], 'the page threw');
} catch (e) {
  failed = true;
  console.error(e);
} finally {
  await browser.close();
  hooks.close();
  wabi.stop();
}
if (failed) process.exit(1);
console.log('console browser tests passed; screenshots in', artifacts);

// waitFor polls fn until it returns something truthy.
async function waitFor(fn) {
  const end = Date.now() + timeout;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out waiting for ' + fn);
    await new Promise((r) => setTimeout(r, 50));
  }
}
