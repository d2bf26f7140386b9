// Paying at the demo bank: approve, reject, cancel, and a request of two payments.

import {
  scenario,
  createRequest,
  openPayerPage,
  payAtDemoBank,
  expectReturnLink,
  expectOutcome,
  requestStatus,
  waitForStatus,
  assert,
} from './helpers.mjs';

scenario('approve: the request becomes paid and its status E', async (s, page) => {
  const { id, url, request } = await createRequest();
  await openPayerPage(s, page, url);
  assert.equal(await page.getAttribute('html', 'lang'), 'lv', '<html lang> of the LAT page');
  const total = await s.expectElement(page, '[data-field="total"]', 'total');
  assert.match((await total.innerText()).replace(/\s+/g, ' '), /12[.,]00 ?EUR/, 'the total');
  assert.equal(await requestStatus(id), 'P', 'the status before paying');

  const landed = await payAtDemoBank(s, page, { decision: 'approve' });
  assert.equal(landed, 'paid', 'the hub page after approving');
  await expectReturnLink(s, page, request.ResponseUrl, id, 'LAT');
  assert.equal(
    await page.locator('[data-countdown]').count(),
    0,
    'a request without ReturnRedirectUrl shows no countdown',
  );
  await waitForStatus(id, 'E');

  // Opened again later by its URL, it still says paid.
  await openPayerPage(s, page, url, {}, 'paid');
});

for (const decision of ['reject', 'cancel']) {
  scenario(`${decision}: back to choosing a provider, then paying again makes it paid`, async (s, page) => {
    const { id, url } = await createRequest();
    await openPayerPage(s, page, url);

    const landed = await payAtDemoBank(s, page, { decision });
    assert.equal(landed, 'choose-provider', `the hub page after the bank's ${decision}`);
    await expectOutcome(s, page, 'rejected');
    assert.equal(await requestStatus(id), 'P', `the status after ${decision}`);

    const again = await payAtDemoBank(s, page, { decision: 'approve' });
    assert.equal(again, 'paid', 'the hub page after approving the second attempt');
    await waitForStatus(id, 'E');
  });
}

scenario('two payments: paid one after the other with progress 1/2 then 2/2', async (s, page) => {
  const { id, url } = await createRequest({ twoPayees: true });
  await openPayerPage(s, page, url);
  const total = await s.expectElement(page, '[data-field="total"]', 'total');
  assert.match((await total.innerText()).replace(/\s+/g, ' '), /20[.,]00 ?EUR/, 'the total of both payments');
  const progress1 = await s.expectElement(page, '[data-progress]', 'progress');
  assert.equal(await progress1.getAttribute('data-progress'), '1/2', 'progress before the first payment');

  const first = await payAtDemoBank(s, page, { decision: 'approve' });
  assert.equal(first, 'choose-provider', 'after the first payment the second one is to be paid');
  const progress2 = await s.expectElement(page, '[data-progress]', 'progress');
  assert.equal(await progress2.getAttribute('data-progress'), '2/2', 'progress before the second payment');
  assert.equal(await requestStatus(id), 'P', 'the status with one of two payments paid');

  const second = await payAtDemoBank(s, page, { decision: 'approve' });
  assert.equal(second, 'paid', 'after the second payment');
  await waitForStatus(id, 'E');
});

// The other scenarios bypass the pages' CSP to inject axe; this one runs the
// same flow under the CSP the hub sends, so a page whose own script or form
// the CSP blocks (the auto-submits, form-action) shows up here.
scenario(
  "approve under the pages' own Content-Security-Policy (no axe)",
  async (s, page) => {
    const { id, url } = await createRequest();
    await openPayerPage(s, page, url);
    const landed = await payAtDemoBank(s, page, { decision: 'approve' });
    assert.equal(landed, 'paid', 'the hub page after approving');
    await waitForStatus(id, 'E');
    const blocked = s.consoleErrors.filter((text) => /Content Security Policy/i.test(text));
    assert.deepEqual(blocked, [], 'what the CSP blocked on the way');
  },
  { axe: false },
);

// Issue 11 §2.4: a payer holding a link in the original module's form
// (004 §2.1.1.1 answers /MM/WebUI2/Payments/?id=) gets the same page, and its
// forms, assets and CSRF cookie work from there.
for (const door of ['/MM/WebUI2/Payments/', '/MM_WebUI/WebUI2/Payments/']) {
  scenario(`the original address ${door} shows the page and takes the payment`, async (s, page) => {
    const { id, url } = await createRequest();
    const original = url.replace('/Payments/', door);
    assert.notEqual(original, url, 'PaymentRequestUrl has the /Payments/ path');
    await openPayerPage(s, page, original);
    const action = await page.getAttribute('form[data-action="pay"]', 'action');
    assert.equal(action, `${door}pay`, 'the form posts within the original address');
    const landed = await payAtDemoBank(s, page, { decision: 'approve' });
    assert.equal(landed, 'paid', 'the hub page after approving');
    await waitForStatus(id, 'E');
  });
}
