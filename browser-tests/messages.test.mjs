// The two ways the hub learns the outcome — the bank's server message and the
// payer's browser coming back — in every order, and each one missing.

import {
  scenario,
  createRequest,
  openPayerPage,
  payAtDemoBank,
  convergeTo,
  requestStatus,
  waitForStatus,
  assert,
} from './helpers.mjs';

scenario('server message first, then the browser return', async (s, page) => {
  const { id, url } = await createRequest();
  await openPayerPage(s, page, url);
  let statusBeforeReturn;
  const landed = await payAtDemoBank(s, page, {
    controls: { serverMessage: 'send', browserReturn: 'send', outcomeMode: 'direct' },
    // The browser is still at the bank: the server message alone has made it E.
    beforeBrowserReturn: async () => {
      statusBeforeReturn = await waitForStatus(id, 'E', 5_000);
    },
  });
  assert.equal(statusBeforeReturn, 'E');
  assert.equal(landed, 'paid', 'the hub page after the browser return');
  await waitForStatus(id, 'E');
});

for (const outcomeMode of ['processing', 'direct']) {
  scenario(`server message after the browser return (delay 2 s, outcome-mode ${outcomeMode})`, async (s, page) => {
    const { id, url } = await createRequest();
    await openPayerPage(s, page, url);
    const landed = await payAtDemoBank(s, page, {
      controls: { serverMessage: 'delay', delaySeconds: 2, browserReturn: 'send', outcomeMode },
    });
    s.t.diagnostic(`landed on ${landed} (status ${await requestStatus(id)})`);
    assert.ok(['in-progress', 'paid'].includes(landed), `landed on ${landed}, expected in-progress or paid`);
    const seen = await convergeTo(s, page, url, 'paid', 12_000);
    s.t.diagnostic(`states: ${seen.join(' → ')}`);
    await waitForStatus(id, 'E');
  });
}

scenario('server message never (drop): the browser return alone makes it paid', async (s, page) => {
  const { id, url } = await createRequest();
  await openPayerPage(s, page, url);
  const landed = await payAtDemoBank(s, page, {
    controls: { serverMessage: 'drop', browserReturn: 'send', outcomeMode: 'direct' },
  });
  s.t.diagnostic(`landed on ${landed}`);
  const seen = await convergeTo(s, page, url, 'paid', 10_000);
  s.t.diagnostic(`states: ${seen.join(' → ')}`);
  await waitForStatus(id, 'E');
});

scenario('browser return never (drop): bank-done, and the server message alone makes it paid', async (s, page) => {
  const { id, url } = await createRequest();
  await openPayerPage(s, page, url);
  const landed = await payAtDemoBank(s, page, {
    controls: { serverMessage: 'send', browserReturn: 'drop' },
  });
  assert.equal(landed, 'bank-done');
  await s.goto(page, url);
  const state = await s.expectState(page, ['paid', 'in-progress', 'choose-provider']);
  s.t.diagnostic(`the hub page opened by its URL shows ${state}`);
  const seen = await convergeTo(s, page, url, 'paid', 10_000);
  s.t.diagnostic(`states: ${seen.join(' → ')}`);
  await waitForStatus(id, 'E');
});
