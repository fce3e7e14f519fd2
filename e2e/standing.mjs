// Browser stories of Meta's limits, quality and injected faults in the
// console: a limit override set on a number and on its WABA and seen applied
// to sends; a fault added on a number and on a phone and seen firing; a phone
// that blocks and reports the business moving its quality; Meta's decisions
// (rating, tier) played from a number's view. Then the Numbers view, a
// number's detail and the chat's drawers at laptop and phone size. Run by
// console.test.mjs.
import assert from 'node:assert/strict';
import { api, artifacts, step, waitFor } from './harness.mjs';
import { assertShell, assertShown, assertTablesFit, sizes } from './layout.mjs';

const tid = (id) => `[data-testid="${id}"]`;
const paired = '15550009004';
const faulty = '15550009005';
const blocker = '15550009006';

// send posts a text from the business with the Cloud API and returns the
// status and the decoded answer, failing or not.
async function send(t, to, body) {
  const res = await fetch(`${t.base}/v23.0/${t.info.phone_number.id}/messages`, {
    method: 'POST',
    headers: { Authorization: 'Bearer ' + t.info.token.token, 'Content-Type': 'application/json' },
    body: JSON.stringify({ messaging_product: 'whatsapp', to, type: 'text', text: { body } }),
  });
  return { status: res.status, body: await res.json() };
}

// standingStories runs the stories. t: { browser, base, info, hooks, pageErrors, timeout }.
export async function standingStories(t) {
  const number = t.info.phone_number.id;
  for (const [wa, name] of [[paired, 'Pia Paired'], [faulty, 'Fred Fault'], [blocker, 'Bea Blocker']]) {
    await api(t.base, 'POST', '/api/phones', { wa_id: wa, profile_name: name, behaviour: { auto_read: true } });
    // The customer writes first: the business may answer in the window.
    await api(t.base, 'POST', `/api/phones/${wa}/messages`, { to: number, type: 'text', text: { body: 'hello' } });
  }

  const page = await t.browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.setDefaultTimeout(t.timeout);
  page.on('pageerror', (e) => t.pageErrors.push(e.message));
  const numberPanel = (testid, scope) => `${tid('number-detail')} ${tid(testid)}${scope ? `[data-scope="${scope}"]` : ''}`;

  await step('a number\'s view shows its effective limits, and an override is applied to sends', async () => {
    await page.goto(`${t.base}/#/numbers/${number}`);
    const panel = numberPanel('limits-panel', 'number');
    await page.waitForSelector(`${panel} ${tid('limit-effective')}[data-key="pair_burst"]`);
    const burst = await page.getAttribute(`${panel} ${tid('limit-effective')}[data-key="pair_burst"]`, 'data-value');
    assert.equal(burst, '45', 'Meta\'s pair burst is in force');
    await page.fill(`${panel} ${tid('limits-pair-burst')}`, '1');
    await page.fill(`${panel} ${tid('limits-pair-interval')}`, '1h');
    await page.click(`${panel} ${tid('limits-save')}`);
    await page.waitForSelector(`${panel} ${tid('limit-effective')}[data-key="pair_burst"][data-value="1"]`);
    // One message to the customer goes; the next within the hour is refused as Meta does.
    assert.equal((await send(t, paired, 'first')).status, 200);
    const second = await send(t, paired, 'second');
    assert.equal(second.body.error && second.body.error.code, 131056, 'the second message is refused: ' + JSON.stringify(second.body));
    await page.click(`${panel} ${tid('limits-clear')}`);
    await page.waitForSelector(`${panel} ${tid('limit-effective')}[data-key="pair_burst"][data-value="45"]`);
  });

  await step('a WABA\'s override is inherited by its number', async () => {
    const waba = numberPanel('limits-panel', 'waba');
    await page.fill(`${waba} ${tid('limits-calls-per-hour')}`, '1234');
    await page.click(`${waba} ${tid('limits-save')}`);
    await page.waitForSelector(`${waba} ${tid('limit-effective')}[data-key="calls_per_hour"][data-value="1234"]`);
    await page.reload();
    await page.waitForSelector(`${numberPanel('limits-panel', 'number')} ${tid('limit-effective')}[data-key="calls_per_hour"][data-value="1234"]`);
    await page.click(`${waba} ${tid('limits-clear')}`);
    await page.waitForSelector(`${waba} ${tid('limits-clear')}[disabled]`);
  });

  await step('a fault added on a number fires on the next send, and shows where', async () => {
    const panel = numberPanel('faults-panel');
    await page.selectOption(`${panel} ${tid('fault-kind')}`, 'delivery_failed');
    await page.fill(`${panel} ${tid('fault-code')}`, '131049');
    await page.fill(`${panel} ${tid('fault-count')}`, '1');
    await page.fill(`${panel} ${tid('fault-note')}`, 'e2e: one marketing cap');
    await page.click(`${panel} ${tid('fault-add')}`);
    const row = `${panel} ${tid('fault-row')}[data-kind="delivery_failed"]`;
    await page.waitForSelector(`${row}[data-hits="0"]`);
    const sent = await send(t, faulty, 'your coupon');
    assert.equal(sent.status, 200);
    const wamid = sent.body.messages[0].id;
    await page.waitForSelector(`${row}[data-hits="1"]`);
    await page.locator(`${row} ${tid('fault-hit')}`).filter({ hasText: wamid }).waitFor();
    // The failed message, in the phone's chat, names the injected fault.
    await page.goto(`${t.base}/#/phones/${faulty}/${number}`);
    const failed = page.locator(`${tid('bubble')}[data-id="${wamid}"][data-status="failed"] ${tid('bubble-error')}`);
    await failed.locator(`${tid('bubble-fault')}[data-fault-kind="delivery_failed"]`).waitFor();
    const faultID = await failed.locator(tid('bubble-fault')).getAttribute('data-fault-id');
    // And in Messages, the row and its detail.
    await page.goto(`${t.base}/#/messages?id=${encodeURIComponent(wamid)}`);
    await page.waitForSelector(`${tid('message-row')}[data-id="${wamid}"] ${tid('message-fault')}[data-fault-id="${faultID}"]`);
    await page.waitForSelector(`${tid('message-detail')} ${tid('message-fault')}[data-fault-id="${faultID}"]`);
    await page.goto(`${t.base}/#/numbers/${number}`);
    assert.equal(await page.getAttribute(row, 'data-id'), faultID, 'the message names the fault that failed it');
    await page.click(`${row} ${tid('fault-delete')}`);
    await page.waitForSelector(row, { state: 'detached' });
  });

  await step('a fault added on a phone, in its chat, fires on its webhooks', async () => {
    await page.goto(`${t.base}/#/phones/${faulty}/${number}`);
    await page.click(tid('faults-toggle'));
    const panel = `${tid('faults-box')} ${tid('faults-panel')}`;
    await page.selectOption(`${panel} ${tid('fault-kind')}`, 'webhook_duplicated');
    await page.click(`${panel} ${tid('fault-add')}`);
    const row = `${panel} ${tid('fault-row')}[data-kind="webhook_duplicated"]`;
    await page.waitForSelector(`${row}[data-hits="0"]`);
    const before = t.hooks.posts.filter((p) => p.body.includes('"body":"twice please"')).length;
    await page.fill(tid('composer-input'), 'twice please');
    await page.click(tid('composer-send'));
    await waitFor(() => t.hooks.posts.filter((p) => p.body.includes('"body":"twice please"')).length >= before + 2, t.timeout);
    await page.waitForSelector(`${row}:not([data-hits="0"])`);
    // Its hit links the delivery it duplicated.
    const hit = await page.getAttribute(`${row} ${tid('fault-hit')} a`, 'href');
    assert.match(hit, /^#\/webhooks\/\d+$/);
    await page.click(`${row} ${tid('fault-delete')}`);
    await page.waitForSelector(row, { state: 'detached' });
    // That delivery shows the second POST as the fault's doing.
    await page.goto(`${t.base}/${hit}`);
    await page.locator(`${tid('delivery-detail')} ${tid('attempt-fault')}`).filter({ hasText: 'POSTed again' }).waitFor();
    await page.locator(tid('delivery-detail')).filter({ hasText: 'twice please' }).waitFor();
  });

  await step('a phone blocks and reports the business, and the number\'s quality follows', async () => {
    await page.goto(`${t.base}/#/phones/${blocker}/${number}`);
    await page.click(tid('safety-toggle'));
    const box = tid('safety-box');
    await page.waitForSelector(`${box} ${tid('quality-blocks')}[data-count="0"]`);
    await page.click(`${box} ${tid('phone-block')}`);
    await page.waitForSelector(`${box} ${tid('quality-blocks')}[data-count="1"]`);
    await page.click(`${box} ${tid('phone-report')}`);
    await page.waitForSelector(`${box} ${tid('quality-reports')}[data-count="1"]`);
    await page.click(`${box} ${tid('phone-unblock')}`);
    await page.goto(`${t.base}/#/numbers/${number}`);
    await page.waitForSelector(`${numberPanel('quality-panel')} ${tid('quality-blocks')}[data-count="1"]`);
  });

  await step('Meta\'s decisions are played from a number\'s view', async () => {
    const panel = numberPanel('quality-panel');
    await page.selectOption(`${panel} ${tid('quality-rating-select')}`, 'RED');
    await page.click(`${panel} ${tid('quality-set')}`);
    await page.waitForSelector(`${panel} ${tid('quality-rating')}[data-rating="RED"]`);
    await page.locator(`${tid('numbers-row')}[data-id="${number}"]`).filter({ hasText: 'RED' }).waitFor();
    await waitFor(() => t.hooks.posts.find((p) => p.body.includes('"phone_number_quality_update"') && p.body.includes('FLAGGED')), t.timeout);
    await page.selectOption(`${panel} ${tid('tier-select')}`, 'TIER_10K');
    await page.click(`${panel} ${tid('tier-set')}`);
    await page.waitForSelector(`${panel} ${tid('quality-tier')}[data-tier="TIER_10K"]`);
    await page.selectOption(`${panel} ${tid('quality-rating-select')}`, 'GREEN');
    await page.click(`${panel} ${tid('quality-set')}`);
    await page.waitForSelector(`${panel} ${tid('quality-rating')}[data-rating="GREEN"]`);
  });
  await page.close();

  for (const size of sizes) {
    const at = `${size.name} ${size.width}x${size.height}`;
    const p = await t.browser.newPage({ viewport: { width: size.width, height: size.height } });
    p.setDefaultTimeout(t.timeout);
    p.on('pageerror', (e) => t.pageErrors.push(e.message));
    const snap = (name) => p.screenshot({ path: `${artifacts}${size.name}-${name}.png` });

    await step(`${at}: numbers, and an opened number with its panels`, async () => {
      await p.goto(`${t.base}/#/numbers`);
      await p.waitForSelector(`${tid('numbers-row')}[data-id="${number}"]`);
      await assertTablesFit(p, 'numbers');
      await assertShell(p, 'numbers');
      await snap('numbers');
      await p.click(`${tid('numbers-row')}[data-id="${number}"] a`);
      await p.waitForSelector(`${tid('number-detail')} ${tid('limit-effective')}`);
      await p.waitForSelector(`${tid('number-detail')} ${tid('quality-rating')}`);
      await assertShown(p, tid('number-detail'), 'the number');
      if (size.width <= 900) assert.equal(await p.locator('.split .table-wrap').boundingBox(), null, 'on a phone the number takes the place of the list');
      await snap('number');
      await assertTablesFit(p, 'the number');
      await assertShell(p, 'the number');
      for (const button of ['limits-save', 'fault-add', 'quality-set', 'number-errors-send']) {
        await p.locator(`${tid('number-detail')} ${tid(button)}`).first().scrollIntoViewIfNeeded();
        await assertShown(p, `${tid('number-detail')} ${tid(button)}`, button, true);
      }
      if (size.width <= 900) {
        await p.click(tid('number-detail-back'));
        await p.waitForSelector(tid('number-detail'), { state: 'hidden' });
      }
    });

    await step(`${at}: a chat's safety and faults drawers fit, with their controls reachable`, async () => {
      await p.goto(`${t.base}/#/phones/${faulty}/${number}`);
      await p.waitForSelector(`${tid('chat')}[data-wa-id="${faulty}"]`);
      for (const [drawer, ready, control] of [['safety', 'quality-rating', 'phone-report'], ['faults', 'fault-list', 'fault-add']]) {
        await p.click(tid(drawer + '-toggle'));
        await p.waitForSelector(`${tid(drawer + '-box')} ${tid(ready)}`);
        await assertShown(p, tid(drawer + '-box'), drawer, true);
        await p.locator(tid(control)).scrollIntoViewIfNeeded();
        await assertShown(p, tid(control), control, true);
        await assertShown(p, tid('composer-send'), 'the Send button beside the ' + drawer, true);
        await snap('chat-' + drawer);
        await assertShell(p, 'the chat with its ' + drawer);
      }
    });
    await p.close();
  }
}
