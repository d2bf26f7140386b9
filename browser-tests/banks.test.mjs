// Paying through each bank protocol's simulator (docs/providers/): the real
// messages on the wire, the simulators' own pages checked by axe like the
// hub's, and a request naming a bank going straight to it (002, step 2a).

import {
  scenario,
  createRequest,
  openPayerPage,
  payAtDemoBank,
  goToTheBank,
  requestStatus,
  waitForStatus,
  assert,
} from './helpers.mjs';

// Each protocol under the code the demo offers it as (crates/providers/src/sandboxes.rs).
const BANKS = [
  { code: 'HABALV22', name: 'Swedbank (Payment Initiation API V3)' },
  { code: 'SWEDLINK', name: 'Swedbank (legacy bank link)' },
  { code: 'UNLALV2X', name: 'SEB (e-Link)' },
  { code: 'PARXLV22', name: 'Citadele (Digi::Link)' },
  { code: 'RIKOLV2X', name: 'Luminor (iPizza)' },
];

for (const bank of BANKS) {
  scenario(`${bank.name}: approved at its simulator, the request becomes paid`, async (s, page) => {
    const { id, url } = await createRequest({ allowedBanks: [bank.code] });
    await openPayerPage(s, page, url, { language: 'ENG' });
    const landed = await payAtDemoBank(s, page, { provider: bank.code, decision: 'approve' });
    assert.equal(landed, 'paid', `the hub page after approving at ${bank.code}`);
    await waitForStatus(id, 'E');
  });

  scenario(`${bank.name}: cancelled at its simulator, the payment can be made again`, async (s, page) => {
    const { id, url } = await createRequest({ allowedBanks: [bank.code] });
    await openPayerPage(s, page, url);
    const landed = await payAtDemoBank(s, page, { provider: bank.code, decision: 'cancel' });
    assert.equal(landed, 'choose-provider', `the hub page after cancelling at ${bank.code}`);
    assert.equal(await requestStatus(id), 'P');
  });
}

scenario('a request naming a bank goes straight to it, and comes back to the hub', async (s, page) => {
  const { id, url } = await createRequest({ swiftCode: 'UNLALV2X', allowedBanks: ['UNLALV2X', 'RIKOLV2X'] });
  await s.goto(page, url, { waitUntil: 'commit' });
  await s.expectState(page, 'direct-to-bank');
  await s.expectElement(page, '[data-action="continue-to-provider"]', 'no-JS continue button');
  await s.expectElement(page, '[data-action="choose-another"]', 'a way to the choice instead');
  await s.continueAutoSubmit(page, 'direct-to-bank', '[data-action="continue-to-provider"]');
  await goToTheBank(s, page);
  const bankName = await page.locator('.bank').innerText();
  assert.match(bankName, /SEB/, 'the bank the request named');
  const button = await s.expectElement(page, '[data-action="approve"]', 'approve button');
  await button.click();
  await s.expectState(page, 'bank-return');
  await s.continueAutoSubmit(page, 'bank-return', '[data-action="return-to-merchant"]');
  await s.expectState(page, ['paid', 'in-progress']);
  await waitForStatus(id, 'E');
});
