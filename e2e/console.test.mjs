// The console's browser test: a newcomer opens the console, creates a phone,
// sends "hi" as the customer, sees the business's reply arrive with ticks
// turning blue, taps a quick-reply button, inspects the signed webhook and
// redelivers it. Screenshots of every view are saved under e2e/artifacts/.
//
// Run by .ci/run: WABI_BIN=artifacts/wabi node console.test.mjs
import assert from 'node:assert/strict';
import { api, artifacts, launch, startReceiver, startWabi, step, waitFor } from './harness.mjs';
import { kindStories } from './kinds.mjs';
import { standingStories } from './standing.mjs';
import { assertShell, assertShown, assertTablesFit, overlap, sizes } from './layout.mjs';

const bin = process.env.WABI_BIN || 'artifacts/wabi';
const customer = '15550009001';
const reader = '15550009002';
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
    // The phone list follows: the chat's line is the reply now.
    await page.locator(`${tid('phone-item')}[data-wa-id="${customer}"] ${tid('phone-last')}`)
      .filter({ hasText: 'Hi Nina! Shall we ship today?' }).waitFor();
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

  await step('more to scroll: a long chat, and a phone that does not read', async () => {
    for (let i = 1; i <= 24; i++) {
      await api(wabi.base, 'POST', `/api/phones/${customer}/messages`, { to: number, type: 'text', text: { body: `question ${i}` } });
    }
    await api(wabi.base, 'POST', `/api/phones/${customer}/messages`, {
      to: number, type: 'text', text: { body: 'A long question without spaces: ' + 'x'.repeat(300) },
    });
    await api(wabi.base, 'POST', '/api/phones', { wa_id: reader, profile_name: 'Rita Reader', behaviour: { auto_read: false } });
    await api(wabi.base, 'POST', `/api/phones/${reader}/messages`, { to: number, type: 'text', text: { body: 'where is my parcel?' } });
  });

  for (const size of sizes) {
    const p = await browser.newPage({ viewport: { width: size.width, height: size.height } });
    p.setDefaultTimeout(timeout);
    p.on('pageerror', (e) => pageErrors.push(e.message));
    const snap = (name) => p.screenshot({ path: `${artifacts}${size.name}-${name}.png` });
    const at = `${size.name} ${size.width}x${size.height}`;
    const open = async (view, ready) => {
      await p.goto(`${wabi.base}/#/${view}`);
      await p.waitForSelector(tid(view + '-view'));
      await p.waitForSelector(ready);
    };

    await step(`${at}: the phone list shows each chat's last message, time and unread count`, async () => {
      await open('phones', `${tid('phone-item')}[data-wa-id="${customer}"]`);
      const item = p.locator(`${tid('phone-item')}[data-wa-id="${customer}"]`);
      await item.locator(tid('phone-last')).filter({ hasText: 'A long question without spaces' }).waitFor();
      assert.match(await item.locator(tid('phone-time')).innerText(), /^\d\d:\d\d$/);
      // The business answers the phone that does not read: the list says so, live.
      const rita = p.locator(`${tid('phone-item')}[data-wa-id="${reader}"]`);
      assert.equal(await rita.locator(tid('phone-unread')).count(), 0, 'nothing is unread before the answer');
      await api(wabi.base, 'POST', `/v23.0/${number}/messages`, {
        messaging_product: 'whatsapp', to: reader, type: 'text', text: { body: `Your parcel arrives today (${size.name})` },
      }, info.token.token);
      await rita.locator(tid('phone-last')).filter({ hasText: `Your parcel arrives today (${size.name})` }).waitFor();
      await rita.locator(tid('phone-unread')).filter({ hasText: /^1$/ }).waitFor();
    });

    await step(`${at}: the number selector shows its whole choice`, async () => {
      const fit = await p.evaluate(() => {
        const sel = document.querySelector('[data-testid="number-select"]');
        const cs = getComputedStyle(sel);
        const ctx = document.createElement('canvas').getContext('2d');
        ctx.font = cs.font;
        const text = sel.options[sel.selectedIndex].text;
        // Room for the text: the box less its padding, borders and the arrow.
        const room = sel.getBoundingClientRect().width - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight) -
          parseFloat(cs.borderLeftWidth) - parseFloat(cs.borderRightWidth) - 24;
        return { text, need: ctx.measureText(text).width, room };
      });
      assert.ok(fit.need <= fit.room, `"${fit.text}" needs ${Math.round(fit.need)}px, the selector has ${Math.round(fit.room)}px`);
      await snap('phones');
      await assertShell(p, 'phones');
    });

    await step(`${at}: an opened chat is on screen, and a toast never covers Send`, async () => {
      await p.goto(`${wabi.base}/#/phones/${reader}/${number}`);
      await p.waitForSelector(`${tid('chat')}[data-wa-id="${reader}"]`);
      await assertShown(p, tid('chat'), 'the chat');
      await assertShown(p, tid('composer-send'), 'the Send button', true);
      await p.click(tid('chat-read'));
      const toastBox = await p.locator(tid('toast')).filter({ hasText: 'marked read' }).boundingBox();
      const send = await p.locator(tid('composer-send')).boundingBox();
      assert.ok(toastBox && send, 'the toast and the Send button are shown');
      assert.ok(!overlap(toastBox, send), `the toast ${JSON.stringify(toastBox)} covers Send ${JSON.stringify(send)}`);
      assert.ok(toastBox.x >= 0 && toastBox.x + toastBox.width <= size.width, 'the toast fits the window');
      await snap('chat');
      if (size.width > 900) {
        // The list beside the chat forgets the count once the phone has read.
        await p.waitForSelector(`${tid('phone-item')}[data-wa-id="${reader}"][data-unread="0"]`);
      }
      await assertShell(p, 'the chat');
      if (size.width <= 900) {
        await p.click(tid('chat-back'));
        await p.waitForSelector(`${tid('phone-item')}[data-wa-id="${reader}"][data-unread="0"]`);
      }
    });

    await step(`${at}: messages, and an opened message is on screen`, async () => {
      await open('messages', tid('message-row'));
      await assertTablesFit(p, 'messages');
      await assertShell(p, 'messages');
      const row = p.locator(tid('message-row')).nth(12);
      const id = await row.getAttribute('data-id');
      await row.click();
      await p.waitForSelector(`${tid('message-detail')} pre`);
      await assertShown(p, tid('message-detail'), 'the message');
      await snap('message');
      await assertTablesFit(p, 'the message');
      await assertShell(p, 'the message');
      if (size.width <= 900) {
        await p.click(tid('message-detail-back'));
        await p.waitForSelector(tid('message-detail'), { state: 'hidden' });
        await assertShown(p, `${tid('message-row')}[data-id="${id}"]`, 'the list, back where it was', true);
      }
    });

    await step(`${at}: webhooks, and an opened delivery is on screen`, async () => {
      await open('webhooks', tid('delivery-row'));
      await p.click(`${tid('app-webhooks')} summary`);
      const fields = await p.evaluate(() => [...document.querySelectorAll('[data-testid="app-webhook-form"]')].flatMap((form) => {
        const card = form.getBoundingClientRect();
        return [...form.querySelectorAll('.check')].map((c) => c.getBoundingClientRect())
          .filter((r) => r.left < card.left || r.right > card.right).map((r) => `${Math.round(r.left)}..${Math.round(r.right)} of ${Math.round(card.left)}..${Math.round(card.right)}`);
      }));
      assert.deepEqual(fields, [], 'the field checkboxes stay inside their card');
      await snap('webhooks');
      await assertTablesFit(p, 'webhooks');
      await assertShell(p, 'webhooks');
      await p.locator(tid('delivery-row')).last().click();
      await p.waitForSelector(`${tid('delivery-detail')} ${tid('delivery-attempt')}`);
      await assertShown(p, tid('delivery-detail'), 'the delivery');
      await snap('delivery');
      await assertTablesFit(p, 'the delivery');
      await assertShell(p, 'the delivery');
    });

    await step(`${at}: templates, and an opened preview is on screen beside or instead of the list`, async () => {
      await open('templates', `${tid('template-row')}[data-name="hello_world"]`);
      await assertTablesFit(p, 'templates');
      await assertShell(p, 'templates');
      await p.click(`${tid('template-row')}[data-name="hello_world"] a`);
      await p.waitForSelector(tid('template-preview'));
      await assertShown(p, tid('template-detail'), 'the template');
      const list = await p.locator('.split .table-wrap').boundingBox();
      if (size.width > 900) assert.ok(list && list.width >= 300, `the list beside the preview is ${list && list.width}px wide`);
      else assert.equal(list, null, 'on a phone the preview takes the place of the list');
      await snap('template');
      await assertTablesFit(p, 'the template');
      await assertShell(p, 'the template');
    });

    await step(`${at}: setup, scrolled to the bottom, keeps the shell`, async () => {
      await open('setup', `${tid('snippet')}[data-snippet="cloud"]`);
      await assertShell(p, 'setup');
      await snap('setup-bottom');
      assert.ok(await p.locator('.topbar').isVisible(), 'the top bar is shown');
    });
    await p.close();
  }

  await kindStories({ browser, base: wabi.base, info, hooks, pageErrors, timeout });
  await standingStories({ browser, base: wabi.base, info, hooks, pageErrors, timeout });

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
