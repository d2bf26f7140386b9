// How the payer sees it: English, larger text and high-contrast colours kept
// through the whole flow, and the countdown back to the e-service.

import {
  scenario,
  createRequest,
  openPayerPage,
  payAtDemoBank,
  expectReturnLink,
  waitForStatus,
  hub,
  assert,
} from './helpers.mjs';

function params(url) {
  return Object.fromEntries(new URL(url).searchParams.entries());
}

scenario('language=ENG: English pages through the flow', async (s, page) => {
  const { id, url, request } = await createRequest();
  await openPayerPage(s, page, url, { language: 'ENG' });
  assert.equal(await page.getAttribute('html', 'lang'), 'en', '<html lang> of the ENG page');

  const landed = await payAtDemoBank(s, page);
  assert.equal(landed, 'paid');
  assert.equal(params(page.url()).language, 'ENG', `language kept in the URL after the bank: ${page.url()}`);
  assert.equal(await page.getAttribute('html', 'lang'), 'en', '<html lang> after the bank');
  await expectReturnLink(s, page, request.ResponseUrl, id, 'ENG');
  await waitForStatus(id, 'E');
});

scenario('fs=font-size-150 and bm=yellow-on-black kept through the flow, both colour modes accessible', async (s, page) => {
  const look = { fs: 'font-size-150', bm: 'yellow-on-black' };
  const { id, url } = await createRequest();
  await openPayerPage(s, page, url, look);
  const expectBody = async (where, wanted) => {
    const classes = ((await page.getAttribute('body', 'class')) ?? '').split(/\s+/);
    for (const c of Object.values(wanted)) {
      assert.ok(classes.includes(c), `<body> has class ${c} ${where} (it has "${classes.join(' ')}")`);
    }
  };
  await expectBody('on the choose-provider page', look);

  const landed = await payAtDemoBank(s, page);
  assert.equal(landed, 'paid');
  const after = params(page.url());
  assert.equal(after.fs, look.fs, `fs kept in the URL after the bank: ${page.url()}`);
  assert.equal(after.bm, look.bm, `bm kept in the URL after the bank: ${page.url()}`);
  await expectBody('after the bank', look);
  await waitForStatus(id, 'E');

  // The other colour mode, on the paid page and on a payable one.
  const other = { fs: 'font-size-125', bm: 'black-on-yellow' };
  await openPayerPage(s, page, url, other, 'paid');
  await expectBody('in black-on-yellow (paid)', other);
  const second = await createRequest();
  await openPayerPage(s, page, second.url, other);
  await expectBody('in black-on-yellow (choose-provider)', other);
});

scenario('countdown: the paid page goes to ReturnRedirectUrl after about 2 s', async (s, page) => {
  const returnRedirectUrl = `${hub()}/health`;
  const responseUrl = `${hub()}/health?id=`;
  const { id, url } = await createRequest({ returnRedirectUrl, responseUrl });
  await openPayerPage(s, page, url);

  // The paid page redirects on its own: read it at once (axe comes on a second visit).
  let returnedAt;
  const landed = await payAtDemoBank(s, page, {
    beforeBrowserReturn: async () => {
      returnedAt = Date.now();
    },
    landingChecks: false,
  });
  assert.equal(landed, 'paid');
  const countdown = await s.expectElement(page, '[data-countdown]', 'countdown');
  assert.equal(
    await countdown.getAttribute('data-countdown'),
    '2',
    'the countdown seconds (MAKSA_RETURN_REDIRECT_SECONDS=2)',
  );
  await expectReturnLink(s, page, responseUrl, id, 'LAT');
  await page.waitForURL(returnRedirectUrl, { timeout: 10_000 });
  const elapsed = Date.now() - returnedAt;
  s.t.diagnostic(`at ReturnRedirectUrl ${elapsed} ms after the browser return was let go`);
  assert.ok(elapsed >= 1_900, `redirected too early (${elapsed} ms after the browser return)`);
  await waitForStatus(id, 'E');

  // Again by its URL: the paid page with the countdown, axe-checked before it leaves.
  await s.goto(page, url);
  await s.expectState(page, 'paid', { label: 'paid-countdown' });
  await page.waitForURL(returnRedirectUrl, { timeout: 10_000 });
});
