// The harness of the real-browser tests of the payer's pages: Debian's chromium
// driven by playwright-core, axe-core for accessibility, and the hub's legacy
// JSON API (MM_Cert in the body) to create requests and read their status.
//
// The hub under test comes from the environment: MAKSA_HTTP (its plain HTTP
// base URL) and MAKSA_DATA_DIR (where `maksa demo` wrote
// demo-client.mm_cert.b64). `cargo test -p maksa --test browser` starts a demo
// and sets both; see crates/cli/tests/browser.rs.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const SCREENSHOT_DIR = path.join(REPO_ROOT, 'target', 'browser-screenshots');
const AXE_PATH = require.resolve('axe-core/axe.min.js');
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/** The states of the contract whose pages submit themselves on load. */
const AUTO_SUBMIT_STATES = new Set(['handoff', 'bank-return', 'direct-to-bank']);
/** The states of the hub's own payer page (the contract's, and the refusals docs/payer-pages.md adds). */
export const HUB_STATES = [
  'choose-provider',
  'in-progress',
  'paid',
  'expired',
  'cancelled',
  'not-found',
  'other',
  'stale-form',
  'return-refused',
  'unavailable',
];

export const RETURN_TEXT = {
  LAT: 'Atgriezties pie pakalpojuma sniedzēja',
  ENG: 'Return to the service provider',
};

// ── The hub under test ────────────────────────────────────────────────────

function env(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(
      `${name} is not set: run these tests through \`cargo test -p maksa --test browser\`, ` +
        'or set MAKSA_HTTP and MAKSA_DATA_DIR to a running `maksa demo`',
    );
  }
  return value;
}

/** The hub's plain HTTP base URL, without a trailing slash. */
export function hub() {
  return env('MAKSA_HTTP').replace(/\/+$/, '');
}

let mmCertValue;
/** The demo client's certificate as the MM_Cert value of JSON bodies. */
export function mmCert() {
  mmCertValue ??= fs.readFileSync(path.join(env('MAKSA_DATA_DIR'), 'demo-client.mm_cert.b64'), 'utf8').trim();
  return mmCertValue;
}

/** An ISO 8601 time `seconds` from now, in UTC written as +00:00. */
export function isoIn(seconds) {
  return new Date(Date.now() + seconds * 1000).toISOString().replace(/\.\d+Z$/, '+00:00');
}

const FAR_EXPIRY = '2030-09-30T14:00:00+03:00';

/**
 * Creates a payment request through the legacy JSON API and answers
 * `{ id, url }` (PaymentRequestId, paymentRequestUrl).
 *
 * The body is demo/savepaymentrequest.json (one payment: step 03G10, position
 * 2346 × 12) with MM_Cert at the top level, as crates/cli/tests/demo.rs sends
 * it. Its ReturnRedirectUrl is dropped unless `returnRedirectUrl` is given (a
 * paid page would otherwise send the browser away after the countdown).
 */
export async function createRequest({
  twoPayees = false,
  expiryDate = FAR_EXPIRY,
  responseUrl,
  returnRedirectUrl,
  swiftCode,
  allowedBanks,
} = {}) {
  const body = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'demo', 'savepaymentrequest.json'), 'utf8'));
  const request = body.PaymentsDataStructure.PaymentRequest;
  request.ExpiryDate = expiryDate;
  // The demo client's contract sends a request naming a bank straight to it
  // (direct_to_bank); the scenarios start on the choice page unless they ask.
  delete request.SwiftCode;
  if (swiftCode !== undefined) request.SwiftCode = swiftCode;
  if (allowedBanks !== undefined) request.AllowedBanks = allowedBanks.map((code) => ({ SwiftCode: code }));
  delete request.ReturnRedirectUrl;
  if (returnRedirectUrl !== undefined) request.ReturnRedirectUrl = returnRedirectUrl;
  if (responseUrl !== undefined) request.ResponseUrl = responseUrl;
  if (twoPayees) {
    request.ServiceStep = '02Y70';
    request.PriceList = [
      { Position: '53', ItemElementName: 'Quantity', Item: 1 },
      { Position: '54', ItemElementName: 'Amount', Item: '5.00' },
    ];
  }
  body.MM_Cert = mmCert();
  const response = await fetch(`${hub()}/api/v1/payments/savepaymentrequest`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  assert.equal(
    response.status,
    200,
    `savepaymentrequest answered ${response.status} ` +
      `(MM-Error: ${response.headers.get('mm-error')}; ${response.headers.get('mm-errormessage')}): ${text}`,
  );
  const created = JSON.parse(text);
  assert.ok(created.PaymentRequestId, `no PaymentRequestId in ${text}`);
  assert.ok(created.paymentRequestUrl, `no paymentRequestUrl in ${text}`);
  return { id: created.PaymentRequestId, url: created.paymentRequestUrl, request };
}

/** The request's status letter from checkpaymentrequeststatus (plain text or JSON `Status`). */
export async function requestStatus(id) {
  const response = await fetch(`${hub()}/api/v1/payments/checkpaymentrequeststatus`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ PaymentRequestId: id, MM_Cert: mmCert() }),
  });
  const text = (await response.text()).trim();
  assert.equal(response.status, 200, `checkpaymentrequeststatus answered ${response.status}: ${text}`);
  try {
    const json = JSON.parse(text);
    if (json && typeof json === 'object') return String(json.Status ?? json.status ?? text);
    return String(json);
  } catch {
    return text;
  }
}

/** Polls the status until it is `expected` (default within 10 s); answers the last letter. */
export async function waitForStatus(id, expected, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  let status;
  for (;;) {
    status = await requestStatus(id);
    if (status === expected || Date.now() > deadline) break;
    await sleep(250);
  }
  assert.equal(status, expected, `checkpaymentrequeststatus of ${id}`);
  return status;
}

/** The payer URL with the presentation parameters (language, fs, bm) added. */
export function withParams(url, params = {}) {
  const u = new URL(url);
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null) u.searchParams.set(key, value);
  }
  return u.toString();
}

export function randomId() {
  return crypto.randomUUID();
}

// ── The browser ───────────────────────────────────────────────────────────

let browserPromise;
function browser() {
  browserPromise ??= chromium.launch({
    executablePath: process.env.MAKSA_CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox'],
  });
  return browserPromise;
}

after(async () => {
  if (browserPromise) await (await browserPromise).close();
});

function slug(text) {
  return text
    .normalize('NFKD')
    .replace(/[^\w\s-]/g, '')
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, '-')
    .slice(0, 120);
}

function excerpt(text, max) {
  const t = (text ?? '').replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max)}…` : t;
}

/**
 * Runs axe (WCAG 2.0/2.1 A and AA) on the page and asserts there is no
 * violation; the message lists each one readably.
 */
export async function checkAxe(page, name) {
  const present = await page.evaluate(() => typeof window.axe !== 'undefined');
  if (!present) await page.addScriptTag({ path: AXE_PATH });
  const violations = await page.evaluate(async (tags) => {
    const result = await window.axe.run(document, {
      runOnly: { type: 'tag', values: tags },
      resultTypes: ['violations'],
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({ target: n.target.join(' '), html: n.html, summary: n.failureSummary })),
    }));
  }, AXE_TAGS);
  if (violations.length === 0) return;
  const lines = [`axe: ${violations.length} violation(s) on ${name} (${page.url()}):`];
  for (const v of violations) {
    lines.push(`  - ${v.id} [${v.impact}] ${v.help} (${v.helpUrl})`);
    for (const n of v.nodes.slice(0, 5)) {
      lines.push(`      at ${n.target}: ${excerpt(n.html, 200)}`);
      for (const s of (n.summary ?? '').split('\n')) if (s.trim()) lines.push(`        ${s.trim()}`);
    }
    if (v.nodes.length > 5) lines.push(`      … and ${v.nodes.length - 5} more element(s)`);
  }
  const text = lines.join('\n');
  console.log(text);
  assert.fail(text);
}

/** What the page shows now: its state, URL, last HTTP status and excerpts. */
async function describe(session, page) {
  let shown = { state: null, lang: null, bodyClass: null, text: '', html: '' };
  try {
    shown = await page.evaluate(() => {
      const main = document.querySelector('main');
      const stateEl = document.querySelector('main[data-state]') ?? document.querySelector('[data-state]');
      return {
        state: stateEl?.getAttribute('data-state') ?? null,
        lang: document.documentElement.getAttribute('lang'),
        bodyClass: document.body?.className ?? null,
        text: (main ?? document.body)?.innerText ?? '',
        html: (main ?? document.body ?? document.documentElement)?.outerHTML ?? '',
      };
    });
  } catch (error) {
    shown.text = `(could not read the page: ${error.message})`;
  }
  return (
    `url ${page.url()} · HTTP ${session.status.get(page) ?? '?'} · data-state ${JSON.stringify(shown.state)}` +
    ` · lang ${JSON.stringify(shown.lang)} · body class ${JSON.stringify(shown.bodyClass)}\n` +
    `  text: ${excerpt(shown.text, 700)}\n  html: ${excerpt(shown.html, 1800)}`
  );
}

/**
 * One test's browser context, its pages, screenshots and collected findings.
 */
export class Session {
  constructor(context, name, t) {
    this.context = context;
    this.name = name;
    this.t = t;
    this.step = 0;
    this.status = new Map(); // page → HTTP status of its last main-frame navigation
    this.holds = new Map(); // page → [{ state, url, method }] of swallowed auto-submits
    this.waiters = new Map(); // page → [resolve]
    this.documents = new Map(); // page → { state, url, left } of the document it shows
    this.testNavigating = new Set(); // pages the test itself is sending elsewhere (goto)
    this.axeChecked = new Set();
    this.axeFailures = [];
    this.problems = [];
    this.consoleErrors = [];
    this.axeEnabled = true;
    this.page = null;
  }

  async init() {
    // Nothing leaves this machine. Every main-frame document passes through
    // here so that its data-state is known before it runs; the navigation an
    // auto-submitting page (handoff, bank-return) starts by itself is
    // recorded and swallowed, so the test can screenshot and axe-check that
    // page and then go on with the page's own button.
    await this.context.route('**/*', async (route) => {
      const request = route.request();
      let host;
      try {
        host = new URL(request.url()).hostname;
      } catch {
        host = '';
      }
      if (!['127.0.0.1', 'localhost', '[::1]', '::1'].includes(host) && /^https?:/.test(request.url())) {
        this.problems.push(`blocked a request off this machine: ${request.method()} ${request.url()}`);
        return route.abort('blockedbyclient');
      }
      let page;
      try {
        page = request.frame().page();
      } catch {
        page = null;
      }
      if (page && request.isNavigationRequest() && request.frame() === page.mainFrame()) {
        // The document this navigation leaves: an auto-submitting one that
        // has not submitted yet?
        const leaving = this.documents.get(page);
        // Only the first navigation after a goto is the test's own: a page
        // the test opened may submit itself while goto still waits for it
        // to load (the direct-to-bank page does).
        const own = this.testNavigating.delete(page);
        if (leaving && AUTO_SUBMIT_STATES.has(leaving.state) && !leaving.left && !own) {
          // The page submitted itself. Answer that navigation with 204 No
          // Content, so the browser stays on the page (nothing reaches the
          // server) while the test screenshots and axe-checks it; the test
          // then goes on with the page's own no-JS button, which submits the
          // same form.
          leaving.left = true;
          const list = this.holds.get(page) ?? [];
          list.push({ state: leaving.state, url: request.url(), method: request.method() });
          this.holds.set(page, list);
          for (const wake of this.waiters.get(page) ?? []) wake();
          this.waiters.set(page, []);
          return route.fulfill({ status: 204, body: '' }).catch(() => {});
        }
        if (leaving) leaving.left = true;
        // Fetch the next document here to learn its state before the page
        // runs it (a page busy navigating cannot be asked). Redirects go back
        // to the browser, which routes the next request here again.
        let response;
        try {
          response = await route.fetch({ maxRedirects: 0 });
        } catch (error) {
          this.problems.push(`fetching ${request.method()} ${request.url()} failed: ${error.message}`);
          return route.abort('failed').catch(() => {});
        }
        const body = await response.body();
        const match = /<main\b[^>]*?\sdata-state\s*=\s*["']?([\w-]+)/i.exec(body.toString('utf8'));
        if (response.status() < 300 || response.status() >= 400) {
          this.documents.set(page, { state: match ? match[1] : null, url: request.url(), left: false });
        }
        return route.fulfill({ response, body }).catch(() => {});
      }
      return route.continue().catch(() => {});
    });
  }

  async newPage() {
    const page = await this.context.newPage();
    page.on('response', (response) => {
      try {
        if (response.request().isNavigationRequest() && response.frame() === page.mainFrame()) {
          this.status.set(page, response.status());
        }
      } catch {
        /* a detached frame */
      }
    });
    page.on('pageerror', (error) => this.problems.push(`page error at ${page.url()}: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() !== 'error') return;
      // A page answered with an error status (404 for an unknown id) says so in the console.
      if (message.text().startsWith('Failed to load resource') && message.location()?.url === page.url()) return;
      this.problems.push(`console error at ${page.url()}: ${message.text()}`);
      this.consoleErrors.push(message.text());
    });
    this.page ??= page;
    return page;
  }

  async screenshot(page, label) {
    this.step += 1;
    const file = path.join(SCREENSHOT_DIR, `${this.name}-${String(this.step).padStart(2, '0')}-${slug(label)}.png`);
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
    try {
      await page.screenshot({ path: file, fullPage: true });
    } catch (error) {
      this.problems.push(`screenshot ${file} failed: ${error.message}`);
    }
    return file;
  }

  /** Axe-checks the page once per distinct (state, language, body classes); collects failures. */
  async axe(page, state) {
    let key = state;
    try {
      key += await page.evaluate(() => `|${document.documentElement.lang}|${document.body?.className ?? ''}`);
    } catch {
      /* checked below anyway */
    }
    if (!this.axeEnabled || this.axeChecked.has(key)) return;
    this.axeChecked.add(key);
    try {
      await checkAxe(page, `${state} page`);
    } catch (error) {
      this.axeFailures.push(error.message);
    }
  }

  /**
   * Waits until the page shows a *new* document (not one an earlier
   * expectState already saw) whose `main[data-state]` is `expected` (a state
   * or a list of them); then screenshots and axe-checks it, marks it seen and
   * answers the state. Fails with what the page shows instead.
   */
  async expectState(page, expected, { timeout = 10_000, label, axe = true } = {}) {
    const wanted = Array.isArray(expected) ? expected : [expected];
    const deadline = Date.now() + timeout;
    let state = null;
    for (;;) {
      try {
        state = await page.evaluate(() => {
          if (window.__maksaSeen) return '(the previous page)';
          if (document.readyState === 'loading') return '(loading)';
          return document.querySelector('main[data-state]')?.getAttribute('data-state') ?? null;
        });
      } catch {
        state = '(navigating)';
      }
      if (wanted.includes(state)) break;
      if (Date.now() > deadline) {
        const what = await describe(this, page);
        await this.screenshot(page, `unexpected-${state ?? 'none'}`);
        assert.fail(`expected a page with data-state ${wanted.join(' or ')}, but it shows ${state}:\n  ${what}`);
      }
      await sleep(100);
    }
    await page.evaluate(() => {
      window.__maksaSeen = true;
    });
    await this.screenshot(page, label ?? state);
    if (axe) await this.axe(page, state);
    return state;
  }

  /**
   * Asserts that the auto-submitting page (`state`: handoff or bank-return)
   * submitted itself within `timeout` (that navigation was swallowed, see
   * init), then goes on by clicking its no-JS button `button`, which must
   * submit to the same address.
   */
  async continueAutoSubmit(page, state, button, timeout = 5_000) {
    const deadline = Date.now() + timeout;
    let hold;
    for (;;) {
      const list = this.holds.get(page) ?? [];
      const index = list.findIndex((h) => h.state === state);
      if (index >= 0) {
        [hold] = list.splice(index, 1);
        break;
      }
      if (Date.now() > deadline) {
        const what = await describe(this, page);
        assert.fail(`the ${state} page did not submit itself within ${timeout / 1000} s:\n  ${what}`);
      }
      await new Promise((resolve) => {
        const waiting = this.waiters.get(page) ?? [];
        waiting.push(resolve);
        this.waiters.set(page, waiting);
        setTimeout(resolve, 200).unref();
      });
    }
    const target = await page.evaluate((selector) => {
      const el = document.querySelector(selector);
      const form = el?.form ?? el?.closest('form');
      if (!form) return null;
      return {
        action: el.hasAttribute('formaction') ? el.formAction : form.action,
        method: (el.hasAttribute('formmethod') ? el.formMethod : form.method).toUpperCase(),
      };
    }, button);
    if (!target) {
      assert.fail(`the ${state} page has no ${button} in a form:\n  ${await describe(this, page)}`);
    }
    const strip = (u) => u.split('?')[0];
    if (strip(target.action) !== strip(hold.url) || target.method !== hold.method) {
      this.problems.push(
        `the ${state} page submitted itself to ${hold.method} ${hold.url}, but its button ${button} goes to ${target.method} ${target.action}`,
      );
    }
    await page.locator(button).first().click();
    return hold;
  }

  /** The page's current `<main data-state>` (null if none). */
  async state(page) {
    return page.evaluate(() => document.querySelector('main[data-state]')?.getAttribute('data-state') ?? null);
  }

  async describe(page) {
    return describe(this, page);
  }

  /** Asserts that the page has an element matching `selector`, with the page's excerpt otherwise. */
  async expectElement(page, selector, what = selector) {
    if ((await page.locator(selector).count()) === 0) {
      assert.fail(`no ${what} (${selector}) on the page:\n  ${await describe(this, page)}`);
    }
    return page.locator(selector).first();
  }

  /** Opens `url` in `page` (never swallowed, whatever the page showed); answers the response. */
  /** `waitUntil: 'commit'` for a page that submits itself while loading. */
  async goto(page, url, { waitUntil = 'load' } = {}) {
    this.testNavigating.add(page);
    try {
      return await page.goto(url, { waitUntil });
    } finally {
      this.testNavigating.delete(page);
    }
  }
}

/**
 * A test with its own browser context (bypassCSP only so that axe can be
 * injected into pages whose CSP forbids it). Axe violations are collected
 * while the flow goes on and fail the test at its end; page errors and
 * blocked requests are printed as diagnostics.
 *
 * `axe: false` runs the pages under their own CSP (no bypass), without axe.
 */
export function scenario(name, fn, { timeout = 120_000, axe = true, contextOptions = {} } = {}) {
  test(name, { timeout }, async (t) => {
    const context = await (await browser()).newContext({
      bypassCSP: axe,
      locale: 'lv-LV',
      viewport: { width: 1280, height: 900 },
      ...contextOptions,
    });
    const session = new Session(context, slug(name), t);
    session.axeEnabled = axe;
    await session.init();
    try {
      await session.newPage();
      await fn(session, session.page, t);
    } finally {
      for (const problem of session.problems) t.diagnostic(problem);
      await context.close().catch(() => {});
    }
    if (session.axeFailures.length > 0) {
      assert.fail(session.axeFailures.join('\n'));
    }
  });
}

// ── Flows on the pages ────────────────────────────────────────────────────

/** Opens the payer page of `url` with the presentation parameters and expects `state`. */
export async function openPayerPage(s, page, url, params, state = 'choose-provider') {
  await s.goto(page, withParams(url, params));
  return s.expectState(page, state);
}

/**
 * On a choose-provider page: chooses `provider`, submits, goes through the
 * handoff page to the demo bank, sets its tester controls, decides, and
 * follows the bank's return. Answers the state it landed on: a hub state, or
 * 'bank-done' when browser-return is drop.
 *
 * `controls`: { serverMessage, delaySeconds, browserReturn, outcomeMode }.
 * `beforeBrowserReturn`: called while the browser is still on the bank-return
 * page (its own submit swallowed), before it comes back to the hub. `landingChecks: false`
 * skips axe on the page it lands on (one that leaves by itself).
 */
export async function payAtDemoBank(
  s,
  page,
  {
    decision = 'approve',
    provider = 'DEMO0000',
    controls = {},
    beforeBrowserReturn,
    landing = HUB_STATES,
    landingChecks = true,
  } = {},
) {
  await chooseAndSubmit(s, page, provider);
  await goToTheBank(s, page);
  await setBankControls(s, page, controls);
  const button = await s.expectElement(page, `[data-action="${decision}"]`, `${decision} button`);
  await button.click();
  if (controls.browserReturn === 'drop') {
    await s.expectState(page, 'bank-done');
    return 'bank-done';
  }
  await s.expectState(page, 'bank-return');
  await s.expectElement(page, '[data-action="return-to-merchant"]', 'no-JS return button');
  if (beforeBrowserReturn) await beforeBrowserReturn();
  await s.continueAutoSubmit(page, 'bank-return', '[data-action="return-to-merchant"]');
  return s.expectState(page, landing, { axe: landingChecks });
}

/**
 * From the hub's hand-off to the bank's approve page: through the handoff
 * page (a form the bank's protocol posts through the browser), or straight
 * there (a bank that created the payment server to server redirects).
 */
export async function goToTheBank(s, page) {
  const state = await s.expectState(page, ['handoff', 'bank-approve']);
  if (state === 'handoff') {
    await s.expectElement(page, '[data-action="continue-to-provider"]', 'no-JS continue button');
    await s.continueAutoSubmit(page, 'handoff', '[data-action="continue-to-provider"]');
    await s.expectState(page, 'bank-approve');
  }
}

export async function chooseAndSubmit(s, page, provider = 'DEMO0000') {
  await s.expectElement(page, 'form[data-action="pay"]', 'pay form');
  const radio = await s.expectElement(
    page,
    `form[data-action="pay"] input[type="radio"][name="provider"][data-provider="${provider}"]`,
    `provider ${provider}`,
  );
  await radio.check();
  const submit = await s.expectElement(page, '[data-action="pay-submit"]', 'pay-submit button');
  await submit.click();
}

async function setBankControls(s, page, { serverMessage, delaySeconds, browserReturn, outcomeMode } = {}) {
  if (serverMessage !== undefined) {
    await (await s.expectElement(page, 'select[data-control="server-message"]')).selectOption(serverMessage);
  }
  if (delaySeconds !== undefined) {
    await (await s.expectElement(page, 'input[data-control="delay-seconds"]')).fill(String(delaySeconds));
  }
  if (browserReturn !== undefined) {
    await (await s.expectElement(page, 'select[data-control="browser-return"]')).selectOption(browserReturn);
  }
  if (outcomeMode !== undefined) {
    await (await s.expectElement(page, 'select[data-control="outcome-mode"]')).selectOption(outcomeMode);
  }
}

/**
 * Until the hub page shows `expected` (within `timeoutMs`): clicks
 * refresh-status when the page offers it, else opens `url` again.
 */
export async function convergeTo(s, page, url, expected, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  let state = await s.state(page).catch(() => null);
  const seen = [state];
  while (state !== expected) {
    if (Date.now() > deadline) {
      assert.fail(
        `the page did not become ${expected} within ${timeoutMs / 1000} s (states seen: ${seen.join(' → ')}):\n  ` +
          (await s.describe(page)),
      );
    }
    await sleep(1000);
    const refresh = page.locator('[data-action="refresh-status"]');
    if (state === 'in-progress' && (await refresh.count()) > 0) {
      await refresh.first().click();
    } else {
      await s.goto(page, url);
    }
    state = await s.expectState(page, HUB_STATES, { label: `poll-${seen.length}` });
    seen.push(state);
  }
  return seen;
}

/** Asserts the paid page's return link (href ResponseUrl + id, text in `language`). */
export async function expectReturnLink(s, page, responseUrl, id, language = 'LAT') {
  const link = await s.expectElement(page, 'a[data-action="return-to-service"]', 'return-to-service link');
  const href = await link.getAttribute('href');
  assert.equal(href, `${responseUrl}${id}`, 'the return link goes to ResponseUrl + id');
  const text = (await link.innerText()).replace(/\s+/g, ' ').trim();
  assert.equal(text, RETURN_TEXT[language], 'the return link text');
}

/** Asserts an outcome notice `[data-outcome=value]` is on the page. */
export async function expectOutcome(s, page, value) {
  await s.expectElement(page, `[data-outcome="${value}"]`, `outcome notice ${value}`);
}

export { assert, sleep };

/** RFC 4648 base32 (no padding) → bytes. */
function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out = [];
  for (const c of text.replace(/[\s=]/g, '').toUpperCase()) {
    const index = alphabet.indexOf(c);
    if (index < 0) throw new Error(`not base32: ${c}`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((value >>> bits) & 0xff);
    }
  }
  return Buffer.from(out);
}

/** The RFC 6238 code (HMAC-SHA1, 30-second steps, six digits) of a base32 secret at time step `step`. */
export function totpCode(secret, step = Math.floor(Date.now() / 30_000)) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = crypto.createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const word = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(word % 1_000_000).padStart(6, '0');
}

/**
 * A code the hub has not taken from `name` yet: the hub accepts each time
 * step once, so the steps used are kept beside the demo's data (test files
 * run one after another against the same hub) and, when the steps within
 * the hub's window are used up, this waits for the next one.
 */
export async function freshTotpCode(name, secret) {
  const dataDir = process.env.MAKSA_DATA_DIR;
  const file = dataDir ? path.join(dataDir, 'browser-tests-totp-steps.json') : null;
  const used = file && fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {};
  const last = used[name] ?? -Infinity;
  for (;;) {
    const now = Math.floor(Date.now() / 30_000);
    const step = [now - 1, now, now + 1].find((s) => s > last);
    if (step !== undefined) {
      used[name] = step;
      if (file) fs.writeFileSync(file, JSON.stringify(used));
      return totpCode(secret, step);
    }
    await sleep(1_000);
  }
}

/** The demo's console operators (demo-operator.json): `url` and `operators` by name. */
export function demoOperators() {
  const dataDir = process.env.MAKSA_DATA_DIR;
  assert.ok(dataDir, 'MAKSA_DATA_DIR: run through `cargo test -p maksa --test browser`');
  const credentials = JSON.parse(fs.readFileSync(path.join(dataDir, 'demo-operator.json'), 'utf8'));
  const byName = Object.fromEntries((credentials.operators ?? []).map((o) => [o.name, o]));
  return { ...credentials, byName };
}

/** Signs `name` in to the console on `page` with password and a fresh TOTP code; waits for the dashboard. */
export async function consoleSignIn(page, credentials, name = credentials.name) {
  const account = credentials.byName?.[name] ?? credentials;
  await page.goto(credentials.url);
  await page.waitForURL(/\/admin\/sign-in$/);
  await page.fill('#name', account.name);
  await page.fill('#password', account.password);
  await page.fill('#code', await freshTotpCode(account.name, account.totp_secret));
  await page.click('[data-action="sign-in"]');
  await page.waitForURL(/\/admin\/$/);
}

/** Signs the demo's first operator (`credentials` from demo-operator.json) in to the console. */
export async function signInToConsole(page, credentials) {
  await consoleSignIn(page, credentials);
}

/** An environment variable the browser suite's runner sets, or a clear error. */
export function requireEnv(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run through \`cargo test -p maksa --test browser\``);
  return value;
}

/** Asserts the page's `main[data-state]`. */
export async function expectState(page, state) {
  const shown = await page.evaluate(() => document.querySelector('main[data-state]')?.getAttribute('data-state') ?? null);
  assert.equal(shown, state, `the page ${page.url()} shows data-state ${shown}`);
}

/** A full-page screenshot under SCREENSHOT_DIR named `<prefix>-<label>.png`. */
export async function screenshot(page, prefix, label) {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${prefix}-${label}.png`), fullPage: true });
}
