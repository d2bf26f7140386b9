// The Treasury files an operator handles by hand (docs/operator.md,
// "Statements" and "Batches") in a real browser: the statements page offers
// both uploads, a pain.002 that answers no batch of ours is refused with its
// reason, and the batches page lists what is there; each page checked by axe.

import { test, after } from 'node:test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { checkAxe, signInToConsole, assert, requireEnv, expectState, screenshot } from './helpers.mjs';

let browser;
after(async () => {
  await browser?.close();
});

test('an operator sees both Treasury uploads and the batches page', { timeout: 120_000 }, async () => {
  const dataDir = requireEnv('MAKSA_DATA_DIR');
  const credentials = JSON.parse(fs.readFileSync(path.join(dataDir, 'demo-operator.json'), 'utf8'));
  browser = await chromium.launch({
    executablePath: process.env.MAKSA_CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox'],
  });
  // bypassCSP only so that axe can be injected.
  const context = await browser.newContext({ ignoreHTTPSErrors: true, bypassCSP: true, locale: 'en-GB' });
  const problems = [];
  const page = await context.newPage();
  page.on('pageerror', (error) => problems.push(error.message));
  await signInToConsole(page, credentials);

  await page.goto(new URL('statements', credentials.url).href);
  await expectState(page, 'statements');
  assert.equal(await page.locator('[data-action="import-statement"]').count(), 1, 'the statement upload');
  assert.equal(await page.locator('[data-action="apply-status-report"]').count(), 1, 'the status report upload');
  await checkAxe(page, 'statements with both uploads');

  // A status report answering a batch the hub never sent: refused, said why.
  const stranger = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'maksa-pain002-')), 'pain002.xml');
  fs.writeFileSync(
    stranger,
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
      '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"><CstmrPmtStsRpt>' +
      '<GrpHdr><MsgId>ST-BROWSER-1</MsgId><CreDtTm>2026-11-30T12:00:00</CreDtTm></GrpHdr>' +
      '<OrgnlGrpInfAndSts><OrgnlMsgId>NOT-OURS-1</OrgnlMsgId><OrgnlMsgNmId>pain.001.001.03</OrgnlMsgNmId>' +
      '<GrpSts>ACSC</GrpSts></OrgnlGrpInfAndSts></CstmrPmtStsRpt></Document>\n',
  );
  await page.setInputFiles('#status_report', stranger);
  await Promise.all([
    page.waitForSelector('[data-notice="refused"]'),
    page.click('[data-action="apply-status-report"]'),
  ]);
  assert.match(await page.locator('[data-notice="refused"]').innerText(), /did not send|not/i);
  await checkAxe(page, 'status report refused');
  await screenshot(page, 'batches', '01-status-refused');

  // The batches page: in the navigation for an operator, checked by axe.
  await page.click('nav a[href="/admin/batches"]');
  await expectState(page, 'batches');
  const rows = await page.locator('tr[data-batch]').count();
  const none = await page.locator('[data-notice="none"]').count();
  assert.ok(rows > 0 || none === 1, 'batches listed, or said there are none');
  await checkAxe(page, 'batches');
  await screenshot(page, 'batches', '02-batches');

  await context.close();
  assert.deepEqual(problems, [], 'no script errors');
});
