// Headless-browser test of what a respondent sees on a phone: the open link of a published
// survey, the page re-rendered with an error when a required answer is missing (typed answers
// kept), and the thank-you page. axe-core checks each page for WCAG 2 A/AA violations; any of
// impact serious or critical fails the test.
//
// Usage: node respond.mjs <base-url> <api-token>
// Run it through run.sh, which starts the server with a throwaway data directory.
// Uses Debian's /usr/bin/chromium (override with CHROMIUM); never downloads a browser.
// HEARKEN_BROWSER_SCREENSHOTS=<folder> also saves a full-page PNG of each page.

import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');
const AXE_PATH = require.resolve('axe-core');

const [base, token] = process.argv.slice(2);
if (!base || !token) {
  console.error('usage: node respond.mjs <base-url> <api-token>');
  process.exit(2);
}
const url = new URL(base);
if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) {
  console.error(`refusing to test a non-loopback address: ${base}`);
  process.exit(2);
}

const STEP_TIMEOUT = 15_000; // every single wait and action
const THANK_YOU = 'Thank you for helping us!';
const REQUIRED_ERROR = 'Please answer this question.';
const VIEWPORT = { width: 390, height: 844 };
const BLOCKING = new Set(['serious', 'critical']);

let failures = 0;
let passes = 0;
const summary = [];
function check(ok, what) {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (ok) passes += 1;
  else failures += 1;
}

async function api(method, path, body) {
  const res = await fetch(new URL(path, base), {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(STEP_TIMEOUT),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} -> ${res.status}: ${text}`);
  return JSON.parse(text);
}

async function createSurvey() {
  const survey = await api('POST', '/api/v1/surveys', {
    title: 'How did we do?',
    intro: 'Your answers tell us what to fix first. It takes about three minutes.',
    thank_you: THANK_YOU,
    language: 'en',
    questions: [
      { id: 'improve', kind: 'long_text', prompt: 'What should we improve first?', required: true },
      { id: 'name', kind: 'text', prompt: 'Your first name', required: false },
      {
        id: 'contact', kind: 'single_choice', prompt: 'How did you contact us?', required: false,
        options: ['Phone', 'Email', 'In the shop'], other: true,
      },
      {
        id: 'speed', kind: 'rating', prompt: 'How quickly was your question solved?', required: false,
        scale: { min: 1, max: 5, min_label: 'Very slowly', max_label: 'Very quickly' },
      },
      { id: 'recommend', kind: 'nps', prompt: 'How likely are you to recommend us to a friend?', required: false },
      {
        id: 'priorities', kind: 'ranking', prompt: 'Put these in order of importance to you', required: false,
        options: ['Price', 'Quality', 'Service'],
      },
      {
        id: 'compare', kind: 'competitor', prompt: 'How do we compare with the alternatives?', required: false,
        brands: ['Us', 'Other shop'], attributes: ['Price', 'Friendliness'],
      },
    ],
  });
  const published = await api('POST', `/api/v1/surveys/${survey.id}/publish`);
  check(published.status === 'open', `survey ${survey.id} published (status ${published.status})`);
  return survey.id;
}

async function axeCheck(page, label) {
  await page.addScriptTag({ path: AXE_PATH });
  const result = await page.evaluate(() =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa'] }, resultTypes: ['violations'] }),
  );
  const byImpact = {};
  for (const v of result.violations) byImpact[v.impact] = (byImpact[v.impact] || 0) + 1;
  summary.push({ page: label, violations: result.violations.length, byImpact });
  for (const v of result.violations) {
    const blocking = BLOCKING.has(v.impact);
    console.log(`  axe ${blocking ? 'BLOCKING' : 'note'} [${v.impact}] ${v.id}: ${v.help} (${v.helpUrl})`);
    for (const node of v.nodes.slice(0, 10)) {
      console.log(`      ${node.target.join(' ')}  ${node.html.slice(0, 160)}`);
      if (node.failureSummary) console.log(`        ${node.failureSummary.replace(/\n/g, '\n        ')}`);
    }
    if (v.nodes.length > 10) console.log(`      ... and ${v.nodes.length - 10} more`);
  }
  const blocking = result.violations.filter((v) => BLOCKING.has(v.impact));
  check(blocking.length === 0, `${label}: no serious or critical axe violation (${blocking.map((v) => v.id).join(', ') || 'none'})`);
}

const SHOTS = process.env.HEARKEN_BROWSER_SCREENSHOTS; // a folder, to look at the pages afterwards

async function noHorizontalScroll(page, label) {
  if (SHOTS) await page.screenshot({ path: join(SHOTS, `${label.replace(/\W+/g, '-')}.png`), fullPage: true });
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  check(width <= VIEWPORT.width, `${label}: no horizontal scroll (scrollWidth ${width} <= ${VIEWPORT.width})`);
}

async function run() {
  const id = await createSurvey();
  const link = new URL(`/s/${id}`, base).toString();

  const profile = mkdtempSync(join(tmpdir(), 'hearken-chromium-'));
  let context;
  try {
    // A persistent context on a fresh, empty profile directory (Playwright's way of passing
    // --user-data-dir), with a phone-sized viewport.
    context = await chromium.launchPersistentContext(profile, {
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      timeout: 60_000,
      args: [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
      ],
      viewport: VIEWPORT,
      isMobile: true,
      hasTouch: true,
      deviceScaleFactor: 3,
      // The app's Content-Security-Policy (script-src 'self') would block the injected axe-core.
      bypassCSP: true,
    });
    context.setDefaultTimeout(STEP_TIMEOUT);
    context.setDefaultNavigationTimeout(STEP_TIMEOUT);
    // Nothing may leave the machine: anything not on the server under test is refused.
    await context.route('**/*', (route) => {
      const target = new URL(route.request().url());
      if (target.origin === url.origin || target.protocol === 'data:') return route.continue();
      console.log(`  blocked off-machine request: ${target.href}`);
      return route.abort();
    });
    const browser = context.browser();
    if (browser) console.log(`chromium ${browser.version()}`);
    const page = context.pages()[0] || (await context.newPage());

    // 1. The survey page.
    const res = await page.goto(link, { waitUntil: 'load' });
    check(res && res.status() === 200, `GET ${link} -> ${res && res.status()}`);
    check((await page.getAttribute('html', 'lang')) === 'en', 'the page carries lang="en"');
    await axeCheck(page, 'survey page');
    await noHorizontalScroll(page, 'survey page');

    // 2. Submit with the required answer missing: the error shows, typed answers are kept.
    await page.getByLabel('Your first name').fill('Anna');
    const [errorRes] = await Promise.all([
      page.waitForNavigation({ waitUntil: 'load' }),
      page.getByRole('button', { name: 'Send my answers' }).click(),
    ]);
    const errorStatus = errorRes && errorRes.status();
    check(errorStatus === 422, `the incomplete form is answered 422 with the page again (got ${errorStatus})`);
    if (errorStatus !== 422) {
      const shown = (await page.locator('body').innerText()).replace(/\s+/g, ' ').slice(0, 300);
      throw new Error(`the form POST was not re-rendered; the browser shows: ${shown}`);
    }
    const improve = page.locator('#q-improve');
    await improve.waitFor();
    const improveText = await improve.innerText();
    check(improveText.includes(REQUIRED_ERROR), `the error "${REQUIRED_ERROR}" is shown in #q-improve`);
    check((await page.locator('#q-name-input').inputValue()) === 'Anna', 'the name field still holds "Anna"');
    check(!page.url().includes('/thanks/'), 'the incomplete answers did not reach the thank-you page');
    await axeCheck(page, 'error page');
    await noHorizontalScroll(page, 'error page');

    // 3. Complete and submit: the thank-you page.
    await page.locator('#q-improve-input').fill('Answer the phone faster, please.');
    // A choice whose label has spaces: the browser sends them as '+', which must come back as spaces.
    await page.getByLabel('In the shop', { exact: true }).check();
    await Promise.all([
      page.waitForURL(/\/thanks\//, { waitUntil: 'load' }),
      page.getByRole('button', { name: 'Send my answers' }).click(),
    ]);
    check(page.url().includes('/thanks/'), `the URL is a thank-you page (${new URL(page.url()).pathname})`);
    const body = await page.locator('main').innerText();
    check(body.includes(THANK_YOU), `the thank-you page says "${THANK_YOU}"`);
    await axeCheck(page, 'thank-you page');
    await noHorizontalScroll(page, 'thank-you page');

    // 4. What the browser sent is what was stored.
    const stored = await api('GET', `/api/v1/surveys/${id}/responses`);
    const answers = (stored.items && stored.items[0] && stored.items[0].answers) || {};
    check(stored.items && stored.items.length === 1, `one response stored (got ${stored.items && stored.items.length})`);
    check(answers.improve === 'Answer the phone faster, please.', `the typed answer is stored as typed (${JSON.stringify(answers.improve)})`);
    check(answers.contact === 'In the shop', `the chosen option is stored (${JSON.stringify(answers.contact)})`);
    check(answers.name === 'Anna', `the answer kept through the error is stored (${JSON.stringify(answers.name)})`);

  } finally {
    if (context) await context.close().catch(() => {});
    rmSync(profile, { recursive: true, force: true });
  }
}

const deadline = setTimeout(() => {
  console.error('browser test: gave up after 180 s');
  process.exit(1);
}, 180_000);

try {
  await run();
} catch (e) {
  console.log(`FAIL ${e && e.stack ? e.stack : e}`);
  failures += 1;
}
clearTimeout(deadline);

console.log('\naxe-core (wcag2a, wcag2aa) violations per page:');
for (const s of summary) {
  const parts = ['critical', 'serious', 'moderate', 'minor']
    .map((k) => `${k} ${s.byImpact[k] || 0}`)
    .join(', ');
  console.log(`  ${s.page.padEnd(15)} ${s.violations} (${parts})`);
}
console.log(`\nbrowser: ${passes} passed, ${failures} failed`);
process.exit(failures === 0 ? 0 : 1);
