// Browser stories of every inbound kind a virtual phone sends from the chat's
// "more" menu: an order, a text from an ad, a flow response, the chat opener,
// a system notice and an unsupported message, each seen in the chat and in
// the webhook the app gets; a reaction removed; and an On-Premises number
// offering only what its API can receive. Run by console.test.mjs.
import assert from 'node:assert/strict';
import { api, artifacts, step, waitFor } from './harness.mjs';
import { assertShell, assertShown, sizes } from './layout.mjs';

const tid = (id) => `[data-testid="${id}"]`;
const shopper = '15550009003';

// kindStories runs the stories. t: { browser, base, info, hooks, pageErrors, timeout }.
export async function kindStories(t) {
  const number = t.info.phone_number.id;
  const onprem = t.info.onprem_phone_number && t.info.onprem_phone_number.id;
  await api(t.base, 'POST', '/api/phones', { wa_id: shopper, profile_name: 'Omar Order', behaviour: { auto_read: true } });

  const page = await t.browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.setDefaultTimeout(t.timeout);
  page.on('pageerror', (e) => t.pageErrors.push(e.message));
  const hook = (...parts) => waitFor(() => t.hooks.posts.find((p) => parts.every((s) => p.body.includes(s))), t.timeout);
  const bubble = (type) => `${tid('bubble')}[data-direction="inbound"][data-type="${type}"]`;

  // send opens a kind's form from the menu, lets fill change it, and sends.
  async function send(kind, fill) {
    await page.click(tid('composer-more'));
    await page.click(`${tid('more-kind')}[data-kind="${kind}"]`);
    await page.waitForSelector(`${tid('kind-form')}[data-kind="${kind}"]`);
    if (fill) await fill();
    await page.click(tid('kind-send'));
    await page.waitForSelector(tid('kind-form'), { state: 'detached' });
  }

  await step('a phone sends an order from the "more" menu, and the app gets it', async () => {
    await page.goto(`${t.base}/#/phones/${shopper}/${number}`);
    await page.waitForSelector(`${tid('chat')}[data-wa-id="${shopper}"]`);
    await send('order', async () => {
      // A third product, and the total follows.
      await page.click(tid('order-item-add'));
      const last = page.locator(tid('order-item')).last();
      await last.locator(tid('order-item-id')).fill('gift-box');
      await last.locator(tid('order-item-price')).fill('4.5');
      await page.locator(tid('order-total')).filter({ hasText: 'Total 77.00 USD' }).waitFor();
    });
    const b = page.locator(bubble('order'));
    await b.locator(tid('order-line')).nth(2).filter({ hasText: '1 × gift-box' }).waitFor();
    assert.match(await b.innerText(), /77\.00 USD/);
    await hook('"type":"order"', '"product_retailer_id":"di9ozbzfi4"', '"product_retailer_id":"gift-box"');
    // The chat list names it.
    await page.locator(`${tid('phone-item')}[data-wa-id="${shopper}"] ${tid('phone-last')}`).filter({ hasText: 'Order: 4 items' }).waitFor();
  });

  await step('a text from a click-to-WhatsApp ad carries its referral', async () => {
    await send('referral', () => page.fill(tid('referral-headline'), 'Bags on sale'));
    await page.locator(`${bubble('text')} ${tid('referral')}`).filter({ hasText: 'Bags on sale' }).waitFor();
    await hook('"referral"', '"headline":"Bags on sale"', '"source_type":"ad"', '"ctwa_clid"');
  });

  await step('a flow response, the chat opener, a system notice and an unsupported message', async () => {
    await send('nfm_reply');
    await page.locator(bubble('interactive')).filter({ hasText: 'Flow response' }).waitFor();
    await hook('"nfm_reply"', 'FLOW_TOKEN');
    await send('request_welcome');
    await page.waitForSelector(bubble('request_welcome'));
    await hook('"type":"request_welcome"');
    await send('system', () => page.fill(tid('system-wa-id'), '12195551234'));
    await page.locator(bubble('system')).filter({ hasText: '12195551234' }).waitFor();
    await hook('"type":"system"', '"type":"user_changed_number"', '"wa_id":"12195551234"');
    await send('unsupported', () => page.fill(tid('unsupported-type'), 'poll'));
    await page.locator(bubble('unsupported')).filter({ hasText: 'poll' }).waitFor();
    await hook('"type":"unsupported"', '131051');
  });

  await step('a value the API refuses shows its message, and the form stays', async () => {
    await page.click(tid('composer-more'));
    await page.click(`${tid('more-kind')}[data-kind="referral"]`);
    await page.fill(tid('referral-source-url'), 'ftp://fb.me/3cr4Wqqkv');
    await page.click(tid('kind-send'));
    await page.locator(`${tid('toast')}[data-kind="error"]`).filter({ hasText: 'source_url' }).waitFor();
    assert.equal(await page.locator(`${tid('kind-form')}[data-kind="referral"]`).count(), 1, 'the form stays for a correction');
    await page.click(tid('kind-cancel'));
    await page.waitForSelector(tid('kind-form'), { state: 'detached' });
  });

  await step('a reaction is added and removed', async () => {
    const order = page.locator(bubble('order')).first();
    const id = await order.getAttribute('data-id');
    const row = page.locator(`.row-msg[data-row-id="${id}"]`);
    await row.hover();
    await row.locator(tid('bubble-react')).click();
    await page.click(`${tid('react-emoji')}[data-emoji="👍"]`);
    await row.locator(tid('reaction')).filter({ hasText: '👍' }).waitFor();
    await row.hover();
    await row.locator(tid('bubble-react')).click();
    await page.click(`${tid('react-emoji')}[data-emoji=""]`);
    await row.locator(tid('reaction')).waitFor({ state: 'detached' });
    await waitFor(() => t.hooks.posts.filter((p) => p.body.includes('"reaction"') && p.body.includes(id)).length >= 2, t.timeout);
  });

  if (onprem) {
    await step('an On-Premises number is offered only what its API receives', async () => {
      await page.goto(`${t.base}/#/phones/${shopper}/${onprem}`);
      await page.waitForSelector(`${tid('chat')}[data-phone-number-id="${onprem}"]`);
      await page.click(tid('composer-more'));
      for (const kind of ['order', 'referral', 'nfm_reply', 'request_welcome']) {
        assert.ok(await page.locator(`${tid('more-kind')}[data-kind="${kind}"]`).isDisabled(), `${kind} is offered to an On-Premises number`);
      }
      await page.keyboard.press('Escape');
      await page.waitForSelector(tid('more-menu'), { state: 'hidden' });
      await send('system');
      await page.waitForSelector(bubble('system'));
    });
  }
  await page.close();

  for (const size of sizes) {
    const at = `${size.name} ${size.width}x${size.height}`;
    const p = await t.browser.newPage({ viewport: { width: size.width, height: size.height } });
    p.setDefaultTimeout(t.timeout);
    p.on('pageerror', (e) => t.pageErrors.push(e.message));
    await step(`${at}: the "more" menu and an order form fit, with Send reachable`, async () => {
      await p.goto(`${t.base}/#/phones/${shopper}/${number}`);
      await p.waitForSelector(bubble('order'));
      await p.click(tid('composer-more'));
      await assertShown(p, tid('more-menu'), 'the menu', true);
      await assertShell(p, 'the menu');
      await p.click(`${tid('more-kind')}[data-kind="order"]`);
      await assertShown(p, tid('kind-send'), 'the order\'s Send', true);
      await assertShown(p, tid('composer-send'), 'the composer\'s Send', true);
      await p.screenshot({ path: `${artifacts}${size.name}-order-form.png` });
      await assertShell(p, 'the order form');
      await p.click(tid('kind-cancel'));
      await p.click(tid('composer-more'));
      await p.click(`${tid('more-kind')}[data-kind="referral"]`);
      await assertShown(p, tid('kind-send'), 'the referral\'s Send', true);
      await assertShell(p, 'the referral form');
      await p.click(tid('kind-cancel'));
      await p.screenshot({ path: `${artifacts}${size.name}-kinds.png` });
      await assertShell(p, 'the chat with every kind');
    });
    await p.close();
  }
}
