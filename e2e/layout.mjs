// Layout checks of the console's browser test: what a person sees at laptop
// and phone size. Each check runs in the page and returns what is wrong, so
// that a failure names the elements at fault.
import assert from 'node:assert/strict';

// sizes are the windows every view is checked at.
export const sizes = [
  { name: 'laptop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
];

// scrollAllTheWay scrolls every pane that scrolls, and the window, to its end:
// down and to the right, as far as a person could.
export async function scrollAllTheWay(page) {
  await page.evaluate(async () => {
    for (const el of document.querySelectorAll('*')) {
      if (el.scrollHeight > el.clientHeight + 1 || el.scrollWidth > el.clientWidth + 1) {
        el.scrollTop = el.scrollHeight;
        el.scrollLeft = el.scrollWidth;
      }
    }
    window.scrollTo(1e6, 1e6);
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  });
}

// shellProblems lists what is wrong with the app shell and the width of the
// page: the top bar must sit at the top of the window and the nav (or, on a
// phone, its menu button) beside or under it; the window itself must not have
// scrolled nor be able to; nothing may stick out sideways. An element inside
// a pane that scrolls sideways (a wide table, a code block) is judged by what
// that pane shows of it, and the pane by the window.
export async function shellProblems(page) {
  return page.evaluate(() => {
    const problems = [];
    const W = window.innerWidth;
    const H = window.innerHeight;
    const main = document.getElementById('main');
    const name = (el) => el.tagName.toLowerCase() + (el.dataset.testid ? '[' + el.dataset.testid + ']' : '') +
      (typeof el.className === 'string' && el.className ? '.' + el.className.trim().split(/\s+/).join('.') : '') +
      ' "' + (el.textContent || '').trim().slice(0, 30) + '"';
    const visible = (el) => el.checkVisibility({ visibilityProperty: true }) && el.getClientRects().length > 0;

    if (window.scrollX !== 0 || window.scrollY !== 0) problems.push(`the window scrolled to ${window.scrollX},${window.scrollY}`);
    const doc = document.documentElement;
    if (doc.scrollHeight > H) problems.push(`the page is ${doc.scrollHeight}px tall in a ${H}px window`);
    if (doc.scrollWidth > W) problems.push(`the page is ${doc.scrollWidth}px wide in a ${W}px window`);
    if (main.scrollWidth > main.clientWidth + 1) problems.push(`the content scrolls sideways: ${main.scrollWidth}px in ${main.clientWidth}px`);

    const bar = document.querySelector('.topbar').getBoundingClientRect();
    if (bar.top !== 0 || bar.bottom > H || bar.height < 40) problems.push(`the top bar is at ${bar.top}..${bar.bottom}`);
    const nav = document.getElementById('nav');
    const toggle = document.querySelector('[data-testid="nav-toggle"]');
    if (W > 900) {
      const r = nav.getBoundingClientRect();
      if (!visible(nav) || r.left !== 0 || Math.abs(r.top - bar.bottom) > 1 || Math.abs(r.bottom - H) > 1) problems.push(`the nav is at ${r.left},${r.top}..${r.bottom}`);
    } else {
      const r = toggle.getBoundingClientRect();
      if (!visible(toggle) || r.top < 0 || r.bottom > bar.bottom || r.left < 0) problems.push('the menu button is not in the top bar');
    }

    // What is clipped by a pane (other than <main>) counts as far as it shows.
    const shown = (el) => {
      const r = el.getBoundingClientRect();
      let left = r.left;
      let right = r.right;
      for (let a = el.parentElement; a && a !== main && a !== document.body; a = a.parentElement) {
        if (getComputedStyle(a).overflowX === 'visible') continue;
        const ar = a.getBoundingClientRect();
        left = Math.max(left, ar.left);
        right = Math.min(right, ar.right);
      }
      return { left, right };
    };
    for (const el of document.body.querySelectorAll('*')) {
      // A visually hidden label is 1px and clipped; the skip link waits off
      // screen for the keyboard.
      if (el.closest('.visually-hidden, .skip, dialog:not([open])') || !visible(el)) continue;
      const { left, right } = shown(el);
      if (right - left <= 0) continue;
      if (left < -0.5 || right > W + 0.5) problems.push(`${name(el)} sticks out: ${Math.round(left)}..${Math.round(right)} of ${W}`);
    }
    return problems.slice(0, 10);
  });
}

// assertShell scrolls everything to the end and asserts the shell stayed and
// nothing sticks out.
export async function assertShell(page, what) {
  await scrollAllTheWay(page);
  const problems = await shellProblems(page);
  assert.deepEqual(problems, [], `${what}: ${problems.join('; ')}`);
}

// assertShown asserts that the element is on screen: below the top bar,
// within the window's width, and its top in the upper half of the window (a
// detail taller than the window goes on below); with whole, all of it.
export async function assertShown(page, selector, what, whole) {
  const r = await page.evaluate((sel) => {
    const el = document.querySelector(sel);
    if (!el) return null;
    const b = el.getBoundingClientRect();
    return { top: b.top, bottom: b.bottom, left: b.left, right: b.right, width: b.width, height: b.height,
      bar: document.querySelector('.topbar').getBoundingClientRect().bottom, W: innerWidth, H: innerHeight,
      visible: el.checkVisibility({ visibilityProperty: true }) };
  }, selector);
  assert.ok(r, `${what}: ${selector} is not on the page`);
  assert.ok(r.visible && r.width > 0 && r.height > 0, `${what}: ${selector} is not visible`);
  assert.ok(r.top >= r.bar - 1 && r.top < (whole ? r.H : r.H / 2), `${what}: its top is at ${Math.round(r.top)}px in a ${r.H}px window (below the fold or under the top bar)`);
  if (whole) assert.ok(r.bottom <= r.H + 0.5, `${what}: its bottom is at ${Math.round(r.bottom)}px in a ${r.H}px window`);
  assert.ok(r.left >= 0 && r.right <= r.W + 0.5, `${what}: it spans ${Math.round(r.left)}..${Math.round(r.right)} of ${r.W}px`);
  return r;
}

// overlap reports whether two boxes share any area.
export function overlap(a, b) {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

// assertTablesFit asserts that the tables of a list view show all their
// columns without scrolling sideways.
export async function assertTablesFit(page, what) {
  const wide = await page.evaluate(() => [...document.querySelectorAll('main .table-wrap')]
    .filter((w) => w.getClientRects().length && w.scrollWidth > w.clientWidth + 1)
    .map((w) => `${w.scrollWidth}px in ${w.clientWidth}px`));
  assert.deepEqual(wide, [], `${what}: a table scrolls sideways`);
}
