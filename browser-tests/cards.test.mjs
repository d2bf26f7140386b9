// Paying by card through the First Data ECOMM simulator and at a bank through
// the PSD2 simulator (docs/providers/firstdata.md, docs/providers/psd2.md):
// the card-entry page, 3-D Secure, a declined card followed by a bank payment
// on the same request, the ASPSP's consent page, and the operator reversing a
// card payment for a cancelled request — every page checked by axe.

import fs from 'node:fs';
import path from 'node:path';
import {
  scenario,
  createRequest,
  openPayerPage,
  payAtDemoBank,
  chooseAndSubmit,
  goToTheBank,
  requestStatus,
  waitForStatus,
  hub,
  mmCert,
  checkAxe,
  assert,
  demoOperators,
  consoleSignIn,
} from './helpers.mjs';

const DECLINED = '4000000000000002';
const THREE_D_SECURE = '4000000000003220';

async function cancelRequest(id) {
  const response = await fetch(`${hub()}/api/v1/payments/cancelpaymentrequest`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ PaymentRequestId: id, MM_Cert: mmCert() }),
  });
  assert.equal(response.status, 200, `cancelpaymentrequest answered ${response.status}`);
}

/** On the card page (already seen): enter `card` and pay; answers the acquirer's next state. */
async function payWithCard(s, page, card) {
  if (card !== undefined) await page.fill('#card_number', card);
  await (await s.expectElement(page, '[data-action="approve"]', 'pay button')).click();
  return s.expectState(page, ['bank-return', 'bank-3ds']);
}

async function backToTheHub(s, page) {
  await s.expectElement(page, '[data-action="return-to-merchant"]', 'no-JS return button');
  await s.continueAutoSubmit(page, 'bank-return', '[data-action="return-to-merchant"]');
}

scenario('card: the approved test card pays the request', async (s, page) => {
  const { id, url } = await createRequest({ allowedBanks: ['FIRSTDATA'] });
  await openPayerPage(s, page, url, { language: 'ENG' });
  const landed = await payAtDemoBank(s, page, { provider: 'FIRSTDATA', decision: 'approve' });
  assert.equal(landed, 'paid', 'the hub page after paying by card');
  await waitForStatus(id, 'E');
});

scenario('card: 3-D Secure confirmed at the issuer pays the request', async (s, page) => {
  const { id, url } = await createRequest({ allowedBanks: ['FIRSTDATA'] });
  await openPayerPage(s, page, url);
  await chooseAndSubmit(s, page, 'FIRSTDATA');
  await goToTheBank(s, page);
  assert.equal(await payWithCard(s, page, THREE_D_SECURE), 'bank-3ds');
  await (await s.expectElement(page, '[data-action="approve"]', 'confirm at the issuer')).click();
  await s.expectState(page, 'bank-return');
  await backToTheHub(s, page);
  await s.expectState(page, 'paid');
  await waitForStatus(id, 'E');
});

scenario('a declined card, then the same request paid at a bank through PSD2', async (s, page) => {
  const { id, url } = await createRequest({ allowedBanks: ['FIRSTDATA', 'PSD2DEMO'] });
  await openPayerPage(s, page, url, { language: 'ENG' });
  await chooseAndSubmit(s, page, 'FIRSTDATA');
  await goToTheBank(s, page);
  assert.equal(await payWithCard(s, page, DECLINED), 'bank-return');
  await backToTheHub(s, page);
  await s.expectState(page, 'choose-provider');
  assert.equal(await requestStatus(id), 'P', 'a declined card takes nothing');
  const landed = await payAtDemoBank(s, page, { provider: 'PSD2DEMO', decision: 'approve' });
  assert.equal(landed, 'paid', 'the hub page after the PSD2 bank');
  await waitForStatus(id, 'E');
});

scenario('PSD2: cancelled at the bank, the payment can be made again', async (s, page) => {
  const { id, url } = await createRequest({ allowedBanks: ['PSD2DEMO'] });
  await openPayerPage(s, page, url);
  const landed = await payAtDemoBank(s, page, { provider: 'PSD2DEMO', decision: 'cancel' });
  assert.equal(landed, 'choose-provider');
  assert.equal(await requestStatus(id), 'P');
});

scenario('the operator reverses a card payment for a cancelled request', async (s, page) => {
  const { id, url } = await createRequest({ allowedBanks: ['FIRSTDATA'] });
  await openPayerPage(s, page, url, { language: 'ENG' });
  await chooseAndSubmit(s, page, 'FIRSTDATA');
  await goToTheBank(s, page);
  // The e-service cancels while the payer is typing the card number.
  await cancelRequest(id);
  assert.equal(await payWithCard(s, page), 'bank-return');
  await backToTheHub(s, page);
  assert.equal(await requestStatus(id), 'C', 'a cancelled request stays cancelled');

  const credentials = demoOperators();
  const operator = await s.context.browser().newContext({ ignoreHTTPSErrors: true, bypassCSP: true, locale: 'en-GB' });
  const approver = await s.context.browser().newContext({ ignoreHTTPSErrors: true, bypassCSP: true, locale: 'en-GB' });
  try {
    // Four eyes: `operator` proposes the reversal, `second` approves it.
    const console = await operator.newPage();
    await consoleSignIn(console, credentials, 'operator');
    await console.goto(new URL('cards', credentials.url).href);
    const state = await console.locator('main[data-state]').getAttribute('data-state');
    assert.equal(state, 'cards');
    await checkAxe(console, 'operator card payments');
    const rows = console.locator('table[data-table="card-refunds"] tr[data-attempt]');
    assert.ok((await rows.count()) >= 1, 'the card payment to give back is listed');
    const attempt = await rows.first().getAttribute('data-attempt');
    await rows.first().locator('[data-action="propose-reversal"]').click();
    await console.waitForURL(/\/admin\/cards\?notice=proposed$/);
    const proposed = console.locator(`tr[data-attempt="${attempt}"]`);
    assert.equal(await proposed.getAttribute('data-proposed-by'), 'operator');
    assert.equal(await proposed.locator('[data-action="approve-reversal"]').count(), 0, 'the proposer cannot approve');
    await checkAxe(console, 'operator card payments, a reversal proposed');

    const second = await approver.newPage();
    await consoleSignIn(second, credentials, 'second');
    await second.goto(new URL('cards', credentials.url).href);
    await second.locator(`tr[data-attempt="${attempt}"] [data-action="approve-reversal"]`).click();
    await second.waitForURL(/\/admin\/cards\?notice=(reversed|already)$/);
    assert.match(
      await second.locator('[data-notice]').innerText(),
      /reversed/,
      'the operator is told the money goes back',
    );
    await checkAxe(second, 'operator card payments, a reversal approved');
    await console.click('[data-action="close-day"][data-provider="FIRSTDATA"]');
    await console.waitForURL(/\/admin\/cards\?notice=(closed|mismatch)$/);
    assert.ok((await console.locator('table[data-table="card-days"] tr[data-matches]').count()) >= 1, 'the closed day is listed');
    await checkAxe(console, 'operator card payments after the close');
  } finally {
    await operator.close();
    await approver.close();
  }
});
