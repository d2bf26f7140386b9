// Requests that cannot be paid (any more): expired, already paid, unknown.

import {
  scenario,
  createRequest,
  openPayerPage,
  payAtDemoBank,
  chooseAndSubmit,
  HUB_STATES,
  requestStatus,
  waitForStatus,
  withParams,
  randomId,
  hub,
  isoIn,
  assert,
  sleep,
} from './helpers.mjs';

scenario('a created request opens on the payer page (harness check)', async (s, page) => {
  const { url } = await createRequest();
  assert.ok(url.startsWith(`${hub()}/Payments/?id=`), `PaymentRequestUrl ${url} is on the hub`);
  const response = await s.goto(page, url);
  assert.equal(response.status(), 200, 'HTTP status of the payer page');
  assert.equal(await page.getAttribute('html', 'lang'), 'lv');
  await s.expectState(page, ['choose-provider', 'in-progress', 'paid'], { label: 'opened' });
});

scenario('expired: a request past its ExpiryDate shows expired', async (s, page) => {
  const createdAt = Date.now();
  const { id, url } = await createRequest({ expiryDate: isoIn(3) });
  await s.goto(page, url);
  const before = await s.expectState(page, ['choose-provider', 'expired'], { label: 'before-expiry' });
  s.t.diagnostic(`right after creating it (${Date.now() - createdAt} ms) the page shows ${before}`);
  await sleep(Math.max(0, createdAt + 4_000 - Date.now()));
  await s.goto(page, url);
  await s.expectState(page, 'expired');
  assert.equal(await page.locator('form[data-action="pay"]').count(), 0, 'an expired page has no pay form');
  // The hub's expiry worker moves it to R within seconds.
  await waitForStatus(id, 'R', 10_000);
});

scenario('paying a paid request: its page says paid and an old pay form does not reach the bank', async (s, page) => {
  const { id, url } = await createRequest();
  // A second tab opened before paying.
  const stale = await s.newPage();
  await openPayerPage(s, stale, url);
  await openPayerPage(s, page, url);

  const landed = await payAtDemoBank(s, page);
  assert.equal(landed, 'paid');
  await waitForStatus(id, 'E');

  // The first tab, submitted now.
  await chooseAndSubmit(s, stale);
  const state = await s.expectState(stale, [...HUB_STATES, 'handoff', 'bank-approve'], {
    label: 'stale-form-submitted',
  });
  assert.ok(
    ['paid', 'in-progress'].includes(state),
    `the stale pay form reached ${state}:\n  ${await s.describe(stale)}`,
  );
  assert.equal(await requestStatus(id), 'E', 'the status after the stale form');

  // And opened again by its URL.
  await openPayerPage(s, page, url, {}, 'paid');
  assert.equal(await page.locator('form[data-action="pay"]').count(), 0, 'a paid page has no pay form');
});

scenario('unknown id: 404 and not-found', async (s, page) => {
  const response = await s.goto(page, withParams(`${hub()}/Payments/`, { id: randomId() }));
  assert.equal(response.status(), 404, 'HTTP status for an unknown id');
  await s.expectState(page, 'not-found');
  assert.equal(await page.getAttribute('html', 'lang'), 'lv');
});
