// The payer's workspace (/payer/) in a real browser against `maksa demo`: an
// asynchronous IVIS Submit registers a request for 010101-10006 (over HTTPS
// with the demo client certificate), the payer signs in at the simulated
// portal, finds it, pays it at the demo bank, sees it paid with a receipt,
// signs out; another payer does not see it. The payer's e-mail is an .eml
// file in the demo's data directory. Every page is axe-checked (Latvian,
// English, yellow-on-black).
//
// Needs MAKSA_HTTPS (the demo's TLS listener, https://localhost:port) besides
// MAKSA_HTTP and MAKSA_DATA_DIR; crates/cli/tests/browser.rs sets all three.

import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import crypto from 'node:crypto';
import {
  REPO_ROOT,
  scenario,
  hub,
  payAtDemoBank,
  waitForStatus,
  checkAxe,
  assert,
  sleep,
} from './helpers.mjs';

const JANIS = '010101-10006';
const ANNA = '111111-11111';

function env(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: run these tests through \`cargo test -p maksa --test browser\``);
  }
  return value;
}

/** The demo's TLS listener (client certificates), without a trailing slash. */
function tlsHub() {
  return env('MAKSA_HTTPS').replace(/\/+$/, '');
}

function dataDir() {
  return env('MAKSA_DATA_DIR');
}

/**
 * The asynchronous Submit of crates/server/tests/ivis_examples/submit.xml,
 * made new: fresh message ids, no transaction or correlation, the payer
 * `code` with `email`, the hub's own addresses, the demo bank only.
 */
function submitEnvelope(code, email) {
  let xml = fs.readFileSync(path.join(REPO_ROOT, 'crates/server/tests/ivis_examples/submit.xml'), 'utf8');
  const replace = (pattern, value) => {
    const next = xml.replace(pattern, value);
    assert.notEqual(next, xml, `the example envelope has ${pattern}`);
    xml = next;
  };
  replace(/<TransactionID>[^<]*<\/TransactionID>\s*/, '');
  replace(/<CorrelationID>[^<]*<\/CorrelationID>\s*/, '');
  replace(/<a:MessageID>[^<]*<\/a:MessageID>/, `<a:MessageID>urn:uuid:${crypto.randomUUID()}</a:MessageID>`);
  replace(/<MessageID>[^<]*<\/MessageID>/, `<MessageID>${crypto.randomUUID()}</MessageID>`);
  replace(/<a:To([^>]*)>[^<]*<\/a:To>/, `<a:To$1>${tlsHub()}/IVIS/RequestWebService.svc</a:To>`);
  replace(/<ResponseEndPoint>[^<]*<\/ResponseEndPoint>/, `<ResponseEndPoint>${hub()}/health</ResponseEndPoint>`);
  replace(/<ResponseURL>[^<]*<\/ResponseURL>/, `<ResponseURL>${hub()}/health?id=</ResponseURL>`);
  replace(/<ServerResponseURL>[^<]*<\/ServerResponseURL>/, `<ServerResponseURL>${hub()}/health?id=</ServerResponseURL>`);
  replace(/<AllowedBanks>[\s\S]*?<\/AllowedBanks>/, '<AllowedBanks><SwiftCode>DEMO0000</SwiftCode></AllowedBanks>');
  replace(/<ExpiryDate>[^<]*<\/ExpiryDate>/, '<ExpiryDate>2030-09-30</ExpiryDate>');
  xml = xml.replaceAll(JANIS, code).replaceAll('janis.berzins@example.lv', email);
  return xml;
}

/** POSTs `body` to the IVIS door with the demo client's certificate; answers { status, text }. */
function postIvis(body) {
  const read = (name) => fs.readFileSync(path.join(dataDir(), name));
  const url = new URL(`${tlsHub()}/IVIS/RequestWebService.svc`);
  return new Promise((resolve, reject) => {
    const request = https.request(
      {
        hostname: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        cert: read('demo-client.crt.pem'),
        key: read('demo-client.key.pem'),
        ca: read('demo-ca.crt.pem'),
        headers: {
          'Content-Type':
            'application/soap+xml; charset=utf-8; action="http://ivis.eps.gov.lv/ISS/RequestServiss/v1-0/Submit"',
          'Content-Length': Buffer.byteLength(body),
        },
      },
      (response) => {
        const chunks = [];
        response.on('data', (chunk) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode, text: Buffer.concat(chunks).toString('utf8') }),
        );
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

/** Registers a request for `code` through the IVIS door; answers its id. */
async function registerForPayer(code, email) {
  const { status, text } = await postIvis(submitEnvelope(code, email));
  assert.equal(status, 200, `the IVIS Submit answered ${status}: ${text}`);
  assert.match(text, /<(\w+:)?Result>success<\/(\w+:)?Result>/i, `the Submit's result: ${text}`);
  const id = /<(?:\w+:)?PaymentRequestID>([^<]+)<\/(?:\w+:)?PaymentRequestID>/.exec(text)?.[1];
  assert.ok(id, `no PaymentRequestID in the answer: ${text}`);
  return id;
}

/** The payer's .eml file about `id` in the demo's mail directory (waits up to 15 s). */
async function emlAbout(id) {
  const dir = path.join(dataDir(), 'mail');
  const deadline = Date.now() + 15_000;
  for (;;) {
    const found = (fs.existsSync(dir) ? fs.readdirSync(dir) : [])
      .filter((name) => name.endsWith('.eml'))
      .map((name) => ({ name, text: fs.readFileSync(path.join(dir, name), 'utf8') }))
      .filter(({ text }) => text.includes(id));
    if (found.length > 0 || Date.now() > deadline) return found;
    await sleep(250);
  }
}

/** From the signed-out page: through the simulated portal as `code`, to the workspace. */
async function signIn(s, page, code) {
  await (await s.expectElement(page, '[data-action="sign-in-portal"]', 'sign-in link')).click();
  await s.expectState(page, 'idp-sign-in');
  await (await s.expectElement(page, '[data-field="personal-code"]', 'personal code field')).fill(code);
  await (await s.expectElement(page, '[data-action="sign-in"]', 'sign-in button')).click();
  // The portal's hand-off page posts the token back by itself.
  await s.expectState(page, 'workspace', { label: `workspace-${code}` });
}

async function signOut(s, page) {
  await (await s.expectElement(page, '[data-action="sign-out"]', 'sign-out button')).click();
  await s.expectState(page, 'signed-out', { label: 'signed-out-again' });
}

scenario('the workspace: sign in at the portal, pay a registered request, see it paid, sign out', async (s, page) => {
  const id = await registerForPayer(JANIS, 'janis.berzins@example.lv');
  const mine = `li[data-request="${id}"]`;

  await s.goto(page, `${hub()}/payer/`);
  await s.expectState(page, 'signed-out');
  assert.equal(await page.getAttribute('html', 'lang'), 'lv', '<html lang> of the signed-out page');
  await signIn(s, page, JANIS);
  assert.match(await page.innerText('[data-field="payer"]'), /Jānis Bērziņš/, 'the signed-in payer');
  await s.expectElement(page, `${mine}[data-status="P"]`, 'the registered request, open');

  await (await s.expectElement(page, `${mine} a[data-action="pay"]`, 'its pay link')).click();
  await s.expectState(page, 'choose-provider');
  const landed = await payAtDemoBank(s, page, { decision: 'approve' });
  assert.equal(landed, 'paid', 'the hub page after approving');
  await waitForStatus(id, 'E');

  await s.goto(page, `${hub()}/payer/`);
  await s.expectState(page, 'workspace', { label: 'workspace-after-paying' });
  await s.expectElement(page, `${mine}[data-status="E"]`, 'the request, paid');
  const receipt = await s.expectElement(page, `${mine} a[data-action="receipt"]`, 'its receipt link');
  const href = await receipt.getAttribute('href');
  assert.equal(href, `/payer/documents/${id}`, 'the receipt link');
  const pdf = await page.request.get(`${hub()}${href}`);
  assert.equal(pdf.status(), 200, 'the receipt answers');
  assert.equal(pdf.headers()['content-type'], 'application/pdf');
  assert.equal((await pdf.body()).subarray(0, 4).toString('latin1'), '%PDF', 'the receipt is a PDF');

  await signOut(s, page);
  // Signed out, the receipt is not shown.
  const anonymous = await page.request.get(`${hub()}${href}`, { maxRedirects: 0 });
  assert.equal(anonymous.status(), 303, 'the receipt without a session');

  await signIn(s, page, ANNA);
  assert.match(await page.innerText('[data-field="payer"]'), /Anna Kalniņa/, 'the other payer');
  assert.equal(await page.locator(mine).count(), 0, "another payer's request is not listed");
  const theirs = await page.request.get(`${hub()}${href}`);
  assert.equal(theirs.status(), 404, "another payer's receipt is not found");
  await signOut(s, page);

  // The payer's e-mail about the registered request.
  const mails = await emlAbout(id);
  assert.equal(mails.length, 1, `one .eml about ${id} in ${path.join(dataDir(), 'mail')}`);
  const mail = mails[0].text;
  assert.match(mail, /^To: janis\.berzins@example\.lv\r?$/m, `the recipient:\n${mail}`);
  const [head, body] = mail.split(/\r?\n\r?\n/, 2);
  assert.match(head, /^Content-Transfer-Encoding: base64\r?$/m, `the encoding:\n${head}`);
  const text = Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  assert.match(text, /Labdien, Jānis Bērziņš!/, `the Latvian greeting in:\n${text}`);
  assert.ok(text.includes(`${hub()}/payer/`), `the workspace link in:\n${text}`);
  assert.ok(text.includes(`${hub()}/Payments/?id=${id}`), `the payment link in:\n${text}`);
});

scenario('the workspace in English and in yellow-on-black, accessible', async (s, page) => {
  const id = await registerForPayer(JANIS, 'janis.berzins@example.lv');

  await s.goto(page, `${hub()}/payer/?language=ENG`);
  await s.expectState(page, 'signed-out', { label: 'signed-out-eng' });
  assert.equal(await page.getAttribute('html', 'lang'), 'en', '<html lang> of the English page');
  // The portal's page in English (opened as the hub sends the browser there).
  const portal = await page.getAttribute('[data-action="sign-in-portal"]', 'href');
  assert.equal(portal, '/payer/sign-in?language=ENG', 'the sign-in link keeps the language');
  const answer = await page.request.get(`${hub()}${portal}`, { maxRedirects: 0 });
  assert.equal(answer.status(), 303, 'the sign-in start sends the browser to the portal');
  const portalUrl = new URL(answer.headers().location, hub());
  portalUrl.searchParams.set('language', 'ENG');
  const portalPage = await s.newPage();
  await s.goto(portalPage, portalUrl.toString());
  await s.expectState(portalPage, 'idp-sign-in', { label: 'idp-sign-in-eng' });
  assert.equal(await portalPage.getAttribute('html', 'lang'), 'en', '<html lang> of the English portal page');
  await portalPage.close();

  await signIn(s, page, JANIS);
  assert.match(page.url(), /language=ENG/, `the language kept through the sign-in: ${page.url()}`);
  assert.equal(await page.getAttribute('html', 'lang'), 'en', '<html lang> of the English workspace');
  await s.expectElement(page, `li[data-request="${id}"][data-status="P"]`, 'the registered request');
  assert.match(await page.innerText('main h1'), /My payments/, 'the English heading');

  await s.goto(page, `${hub()}/payer/?bm=yellow-on-black`);
  await s.expectState(page, 'workspace', { label: 'workspace-yellow-on-black' });
  assert.match(await page.getAttribute('body', 'class'), /yellow-on-black/, 'the colour mode');
  // Checked explicitly too (the session checks each distinct look once).
  await checkAxe(page, 'the workspace in yellow-on-black');
  await signOut(s, page);
});
