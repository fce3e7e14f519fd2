// Quality and messaging limits, as Meta plays them: a business number's
// quality rating (GREEN, YELLOW, RED) driven by the customers who block and
// report it, its business's messaging tier (unique customers a day), its
// throughput level, flags and restrictions. The panel shows them and plays
// Meta's decisions; a virtual phone blocks, unblocks and reports the number
// it chats with from its chat.
import { get, post, put, del, enc } from '../api.js';
import { h, clear, field, select, fail, toast, badge, dateTime, relative, empty } from '../dom.js';

const ratings = ['GREEN', 'YELLOW', 'RED'];
const tiers = [['TIER_250', '250'], ['TIER_2K', '2,000'], ['TIER_10K', '10,000'], ['TIER_100K', '100,000'], ['TIER_UNLIMITED', 'unlimited']];

// tierName says what a tier allows.
function tierName(t) {
  const hit = tiers.find(([v]) => v === t);
  return hit ? t + ' · ' + hit[1] + ' customers a day' : t || '–';
}

// when shows a time with how far it is from now.
const when = (ts) => (dateTime(ts) ? dateTime(ts) + ' (' + relative(ts) + ')' : '');

// facts lists what GET /api/phone_numbers/{id}/quality says, as kv rows.
function facts(q, compact) {
  const row = (label, testid, value, attrs) => [h('dt', { text: label }), h('dd', Object.assign({ 'data-testid': testid }, attrs || {}), value)];
  const out = [
    row('quality', 'quality-rating', badge(q.quality_rating || 'UNKNOWN'), { 'data-rating': q.quality_rating || 'UNKNOWN' }),
    row('messaging limit', 'quality-tier', tierName(q.messaging_limit), { 'data-tier': q.messaging_limit || '' }),
    row('blocks, 7 days', 'quality-blocks', String(q.blocks_7d ?? 0), { 'data-count': String(q.blocks_7d ?? 0) }),
    row('reports, 7 days', 'quality-reports', String(q.reports_7d ?? 0), { 'data-count': String(q.reports_7d ?? 0) }),
  ];
  if (q.flagged_at) out.push(row('flagged', 'quality-flagged', when(q.flagged_at)));
  if (q.restricted_until) out.push(row('restricted until', 'quality-restricted', when(q.restricted_until)));
  if (compact) return out;
  out.push(
    row('throughput', 'quality-throughput', q.throughput || 'STANDARD', { 'data-level': q.throughput || '' }),
    row('customers reached', 'quality-reached', (q.reached_24h ?? 0) + ' in 24 hours · ' + (q.reached_7d ?? 0) + ' in 7 days'));
  if (q.throughput_upgrade_until) out.push(row('throughput upgrade', 'quality-throughput-upgrade', 'until ' + when(q.throughput_upgrade_until) + ': sends fail with 131057 meanwhile'));
  if (q.upgrade_at) out.push(row('next tier', 'quality-upgrade', when(q.upgrade_at)));
  return out;
}

// qualityPanel returns the panel of number (a business phone number) in its
// waba (for the business and the restriction). compact shows only the rating,
// the tier, blocks, reports, flags and restrictions, with no controls: the
// chat's view of it. onChange is told after each decision played here.
export function qualityPanel(number, waba, compact, onChange) {
  const base = '/api/phone_numbers/' + enc(number.id) + '/quality';
  const box = h('section', { class: 'card panel' + (compact ? ' compact' : ''), 'data-testid': 'quality-panel', 'aria-label': 'Quality and messaging limit' },
    h('h3', { text: 'Quality and messaging limit' }), h('p', { class: 'muted', text: 'Loading…' }));

  // act runs one of Meta's decisions and shows the result.
  const act = (p, said) => p.then(() => {
    toast(said);
    refresh();
    if (onChange) onChange();
  }, fail);

  function controls(q) {
    const rating = select({ 'data-testid': 'quality-rating-select' }, ratings.map((r) => [r, r]), q.quality_rating);
    const tier = select({ 'data-testid': 'tier-select' }, tiers.map(([v, l]) => [v, v + ' (' + l + ')']), q.messaging_limit);
    const duration = h('input', { type: 'text', value: '24h', 'data-testid': 'restrict-duration', pattern: '[0-9.]+(ms|s|m|h)' });
    const level = select({ 'data-testid': 'throughput-select' }, [['STANDARD', 'STANDARD (80/s)'], ['HIGH', 'HIGH (1,000/s)']], q.throughput === 'HIGH' ? 'STANDARD' : 'HIGH');
    const biz = waba && waba.business_id;
    return h('div', { class: 'panel-actions' },
      h('div', { class: 'inline-form' }, field('Rate the number', rating),
        h('button', { type: 'button', class: 'btn small', 'data-testid': 'quality-set',
          onclick: () => act(post(base, { rating: rating.value }), 'The number is rated ' + rating.value + '.') }, 'Set rating')),
      biz ? h('div', { class: 'inline-form' }, field('The business\'s messaging limit', tier),
        h('button', { type: 'button', class: 'btn small', 'data-testid': 'tier-set',
          onclick: () => act(put('/api/businesses/' + enc(biz) + '/messaging_limit', { tier: tier.value }), 'The business is at ' + tier.value + '.') }, 'Set tier')) : null,
      h('div', { class: 'inline-form' }, field('Throughput', level),
        h('button', { type: 'button', class: 'btn small', 'data-testid': 'throughput-set',
          onclick: () => act(post('/api/phone_numbers/' + enc(number.id) + '/throughput', { level: level.value }), 'The number moves to ' + level.value + ' throughput.') }, 'Request')),
      waba ? h('div', { class: 'inline-form' }, field('Restrict the WABA for', duration),
        h('button', { type: 'button', class: 'btn small danger', 'data-testid': 'restrict',
          onclick: () => act(post('/api/wabas/' + enc(waba.id) + '/restriction', { duration: duration.value.trim() }), 'The WABA is restricted for ' + duration.value.trim() + '.') }, 'Restrict'),
        h('button', { type: 'button', class: 'btn small', 'data-testid': 'restrict-lift',
          onclick: () => act(del('/api/wabas/' + enc(waba.id) + '/restriction'), 'The WABA\'s restriction is lifted.') }, 'Lift')) : null,
      biz ? h('div', { class: 'row' }, h('button', { type: 'button', class: 'btn small', 'data-testid': 'business-verify',
        onclick: () => act(post('/api/businesses/' + enc(biz) + '/verify'), 'The business is verified.') }, 'Verify the business'),
      h('small', { class: 'hint', text: 'a verified business may rise to the next tier' })) : null);
  }

  function draw(q, lim) {
    clear(box,
      h('div', { class: 'detail-head' }, h('h3', { text: 'Quality and messaging limit' }),
        compact ? h('a', { class: 'btn small', href: '#/numbers/' + enc(number.id), 'data-testid': 'quality-open-number' }, 'Open the number') : null,
        h('button', { type: 'button', class: 'btn small ghost', 'data-testid': 'quality-refresh', onclick: refresh }, 'Refresh')),
      h('dl', { class: 'kv', 'data-testid': 'quality-facts' }, facts(q, compact),
        lim ? [h('dt', { text: 'business' }), h('dd', { 'data-testid': 'business-verified', 'data-verified': String(!!lim.verified) },
          lim.verified ? 'verified' : 'not verified', lim.upgrade_to ? ' · rises to ' + lim.upgrade_to + (lim.upgrade_at ? ' ' + relative(lim.upgrade_at) : '') : '')] : null),
      compact ? null : controls(q));
  }

  function refresh() {
    const biz = !compact && waba && waba.business_id;
    const lim = biz ? get('/api/businesses/' + enc(biz) + '/messaging_limit').catch(() => null) : null;
    return Promise.all([get(base), lim]).then(([q, l]) => draw(q, l), (err) => {
      clear(box, h('h3', { text: 'Quality and messaging limit' }), empty(err.status === 404 ? 'This wabi does not rate numbers yet.' : err.message));
    });
  }
  refresh();
  return { el: box, refresh };
}

// safetyBox is what a virtual phone does about the business it chats with:
// block it, unblock it or report it (POST /api/phones/{wa_id}/block|unblock|report),
// each moving the number's quality, shown under the buttons.
export function safetyBox(phone, number, waba) {
  const quality = qualityPanel(number, waba, true);
  const stateLine = h('p', { class: 'safety-state', 'data-testid': 'safety-state', role: 'status' });
  const block = h('button', { type: 'button', class: 'btn small danger', 'data-testid': 'phone-block', onclick: () => act('block', 'The phone blocked the business.') }, 'Block');
  const unblock = h('button', { type: 'button', class: 'btn small', 'data-testid': 'phone-unblock', onclick: () => act('unblock', 'The phone unblocked the business.') }, 'Unblock');

  // show says whether the phone blocks the number; null when unknown.
  function show(blocked) {
    stateLine.dataset.blocked = blocked === null ? '' : String(blocked);
    stateLine.textContent = blocked === null ? '' : blocked
      ? 'This phone blocks the business: its messages to the phone fail as undeliverable (131026).'
      : 'This phone does not block the business.';
    block.disabled = blocked === true;
    unblock.disabled = blocked === false;
  }

  // look asks who blocks the number (GET /api/phone_numbers/{id}/blocks).
  function look() {
    get('/api/phone_numbers/' + enc(number.id) + '/blocks').then((r) => show((r.data || []).includes(phone.wa_id)), () => show(null));
  }

  function act(what, said) {
    post('/api/phones/' + enc(phone.wa_id) + '/' + what, { phone_number_id: number.id }).then((r) => {
      toast(said);
      if (r && typeof r.blocked === 'boolean') show(r.blocked);
      quality.refresh();
    }, fail);
  }

  show(null);
  look();
  const el = h('div', { class: 'safety', 'data-testid': 'safety' },
    h('p', { class: 'muted', text: 'Customers who block or report a business lower its quality rating; enough of them make it RED, and a number RED for long costs its business a messaging tier, as on WhatsApp.' }),
    h('div', { class: 'row' }, block, unblock,
      h('button', { type: 'button', class: 'btn small danger', 'data-testid': 'phone-report', onclick: () => act('report', 'The phone reported the business.') }, 'Report')),
    stateLine,
    quality.el);
  return {
    el,
    refresh() {
      look();
      quality.refresh();
    },
  };
}
