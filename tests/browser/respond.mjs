// Headless-browser test of what a respondent sees on a phone: the open link of a published
// survey, the page re-rendered with an error when a required answer is missing (typed answers
// kept), and the thank-you page. Then a personal link from an invitation: it redirects to a
// token-free address (the token only ever in the first request), saves and resumes, and
// answers. axe-core checks each page for WCAG 2 A/AA violations; any of impact serious or
// critical fails the test. Last, staff's results page of a survey with answers: axe-core at
// 1280 and 390 px, and nothing wider than a 390 px phone. On the survey page, the NPS scale is
// one row and a grid's "Don't know" shares the row of its numbers.
//
// Usage: node respond.mjs <base-url> <api-token>
// Run it through run.sh, which starts the server with a throwaway data directory. The personal
// link's token is derived as the mail worker does, from the secret key in HEARKEN_DATA_DIR.
// Uses Debian's /usr/bin/chromium (override with CHROMIUM); never downloads a browser.
// HEARKEN_BROWSER_SCREENSHOTS=<folder> also saves a full-page PNG of each page.
// The results page is read signed in as the designer run.sh makes (HEARKEN_BROWSER_EMAIL and
// HEARKEN_BROWSER_PASSWORD to use another).

import { createHash, createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Checks, STEP_TIMEOUT, chromium, stickingOut, target } from './common.mjs';

const { base, token } = target('respond.mjs');
const url = new URL(base);
const THANK_YOU = 'Thank you for helping us!';
const REQUIRED_ERROR = 'Please answer this question.';
const VIEWPORT = { width: 390, height: 844 };

const checks = new Checks(base, token);
const check = checks.check.bind(checks);
const api = checks.api.bind(checks);
const axeCheck = checks.axe.bind(checks);

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

// The personal-link token of an invitation, made as src/invite/links.rs and src/config.rs make it:
// HMAC-SHA256 of "invitation\n<id>" under SHA-256("hearken links 1\n<secret key>"), base64url.
function personalToken(invitationId) {
  const dataDir = process.env.HEARKEN_DATA_DIR;
  if (!dataDir) throw new Error('HEARKEN_DATA_DIR is not set (run this through run.sh)');
  const secret = readFileSync(join(dataDir, 'secret_key'), 'utf8').trim();
  const key = createHash('sha256').update(`hearken links 1\n${secret}`).digest();
  return createHmac('sha256', key).update(`invitation\n${invitationId}`).digest('base64url');
}

// A contact invited to the survey, and the token of their link.
async function invite(surveyId) {
  const email = `respondent-${Date.now()}@example.org`;
  await api('POST', '/api/v1/contacts', [{ email, name: 'Rita Respondent' }]);
  const found = await api('GET', `/api/v1/contacts?q=${encodeURIComponent(email)}`);
  const contactId = found.items && found.items[0] && found.items[0].id;
  if (!contactId) throw new Error(`the imported contact was not found: ${JSON.stringify(found)}`);
  const outcome = await api('POST', `/api/v1/surveys/${surveyId}/invitations`, { contact_ids: [contactId] });
  check(outcome.queued === 1, `one invitation queued (${JSON.stringify(outcome)})`);
  const list = await api('GET', `/api/v1/surveys/${surveyId}/invitations`);
  const invitation = list.items && list.items[0];
  if (!invitation) throw new Error(`no invitation listed: ${JSON.stringify(list)}`);
  return { id: invitation.id, token: personalToken(invitation.id) };
}

const SHOTS = process.env.HEARKEN_BROWSER_SCREENSHOTS; // a folder, to look at the pages afterwards

async function noHorizontalScroll(page, label) {
  if (SHOTS) await page.screenshot({ path: join(SHOTS, `${label.replace(/\W+/g, '-')}.png`), fullPage: true });
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  check(width <= VIEWPORT.width, `${label}: no horizontal scroll (scrollWidth ${width} <= ${VIEWPORT.width})`);
}

// How many lines the points of a scale take on the phone: the NPS scale's 0–10 must be one row
// (no number stranded on a second line), and each grid cell's "Don't know" must share the row of
// its numbers. Rows are told apart by where each radio button's top edge sits.
async function scaleRows(page) {
  const found = await page.evaluate(() => {
    const rows = (scope) =>
      new Set([...scope.querySelectorAll('.point input')].map((i) => Math.round(i.getBoundingClientRect().top))).size;
    const questions = [...document.querySelectorAll('fieldset.question')];
    const nps = questions.find((q) => q.querySelector('legend').textContent.includes('recommend us'));
    const cells = [...document.querySelectorAll('fieldset.cell')];
    return {
      nps: nps ? rows(nps) : 0,
      npsPoints: nps ? nps.querySelectorAll('.point').length : 0,
      cells: cells.map((cell) => ({
        rows: rows(cell),
        last: cell.querySelector('.point:last-child label').textContent.trim(),
      })),
    };
  });
  check(found.npsPoints === 11 && found.nps === 1, `NPS 0–10 on one row at 390 px (${found.npsPoints} points on ${found.nps} rows)`);
  check(
    found.cells.length > 0 && found.cells.every((c) => c.rows === 1 && c.last === "Don't know"),
    `each grid cell's "Don't know" on the row of its numbers (${JSON.stringify(found.cells)})`,
  );
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
    await scaleRows(page);

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

    await personalLink(context);
    await rewards(context);
    await resultsPage(context);
  } finally {
    if (context) await context.close().catch(() => {});
    rmSync(profile, { recursive: true, force: true });
  }
}

// 5. A personal link: the token is in the first request only, then a token-free address
// carried by a scoped, HttpOnly cookie; save and resume; answer.
async function personalLink(context) {
  const surveyId = await createSurvey();
  const { id, token } = await invite(surveyId);
  const home = `/r/i/${id}`;
  const page = await context.newPage();
  const requests = [];
  page.on('request', (req) => requests.push({ url: req.url(), headers: req.headers() }));

  const link = new URL(`/r/${token}`, base).toString();
  const res = await page.goto(link, { waitUntil: 'load' });
  check(res && res.status() === 200, `GET the personal link -> ${res && res.status()} after the redirect`);
  const landed = new URL(page.url());
  check(landed.pathname === home, `the browser is at the token-free address (${landed.pathname})`);
  check(!page.url().includes(token), 'the address bar holds no token');
  const html = await page.content();
  check(!html.includes(token), 'the survey page holds no token');
  const action = await page.getAttribute('form.survey', 'action');
  check(action === home, `the form posts to the token-free address (${action})`);
  const cookie = (await context.cookies(new URL(home, base).toString())).find((c) => c.name === 'hearken_link');
  check(!!cookie, 'a hearken_link cookie is set');
  if (cookie) {
    check(cookie.httpOnly, 'the link cookie is HttpOnly');
    check(cookie.sameSite === 'Lax', `the link cookie is SameSite=Lax (${cookie.sameSite})`);
    check(cookie.path === home, `the link cookie is scoped to ${home} (${cookie.path})`);
    check(cookie.expires === -1, 'the link cookie ends with the browser session');
    check(!cookie.value.includes(token), 'the link cookie value is encrypted');
  }
  await axeCheck(page, 'personal page');
  await noHorizontalScroll(page, 'personal page');

  // Save for later, come back, find the answer kept.
  await page.getByLabel('Your first name').fill('Rita');
  await Promise.all([
    page.waitForURL(/saved=true/, { waitUntil: 'load' }),
    page.getByRole('button', { name: 'Save and continue later' }).click(),
  ]);
  const saved = new URL(page.url());
  check(saved.pathname === home && saved.search === '?saved=true', `saving returns to ${home}?saved=true (${saved.pathname}${saved.search})`);
  check((await page.locator('main').innerText()).includes('Your answers are saved'), 'the saved notice is shown');
  await page.goto(new URL(home, base).toString(), { waitUntil: 'load' });
  check((await page.locator('#q-name-input').inputValue()) === 'Rita', 'the saved answer is there on return');

  // Answer.
  await page.locator('#q-improve-input').fill('Personal links are fine.');
  await Promise.all([
    page.waitForURL(/\/thanks\//, { waitUntil: 'load' }),
    page.getByRole('button', { name: 'Send my answers' }).click(),
  ]);
  check((await page.locator('main').innerText()).includes(THANK_YOU), 'the personal link reaches the thank-you page');
  await page.goto(new URL(home, base).toString(), { waitUntil: 'load' });
  check((await page.locator('main').innerText()).includes('already answered'), 'the link now says it was already answered');

  const withToken = requests.filter((r) => r.url.includes(token) || Object.values(r.headers).some((v) => String(v).includes(token)));
  check(withToken.length === 1 && withToken[0].url === link, `the token was sent in one request only (${withToken.length})`);
  const referers = requests.filter((r) => r.headers.referer).map((r) => r.headers.referer);
  check(referers.length === 0, `no Referer was sent (${referers.join(', ') || 'none'})`);
  const stored = await api('GET', `/api/v1/surveys/${surveyId}/responses`);
  const answers = (stored.items && stored.items[0] && stored.items[0].answers) || {};
  check(stored.items && stored.items.length === 1 && answers.name === 'Rita', `the personal answer is stored with the saved name (${JSON.stringify(answers.name)})`);
  await page.close();

  // Without the cookie (another browser, cookies cleared), the address asks for the link again.
  await context.clearCookies();
  const stranger = await context.newPage();
  const refused = await stranger.goto(new URL(home, base).toString(), { waitUntil: 'load' });
  check(refused && refused.status() === 404, `without the cookie ${home} -> ${refused && refused.status()}`);
  check((await stranger.locator('main').innerText()).includes('open your link again'), 'and politely asks to open the link again');
  await stranger.close();
}

// 6. Rewards: the form states the coupon, the thank-you page shows its code (again on reload),
// and the public page of a prize draw explains how to check it.
async function rewards(context) {
  const survey = await api('POST', '/api/v1/surveys', {
    title: 'Coupon check',
    intro: 'Your answers tell us what to fix first.',
    language: 'en',
    incentive: { kind: 'coupon', coupon: { mode: 'generate', prefix: 'BRW-', value: '10 % off your next visit' } },
    questions: [{ id: 'improve', kind: 'long_text', prompt: 'What should we improve first?', required: false }],
  });
  await api('POST', `/api/v1/surveys/${survey.id}/publish`);
  const page = await context.newPage();
  await page.goto(new URL(`/s/${survey.id}`, base).toString(), { waitUntil: 'load' });
  check((await page.locator('main').innerText()).includes('10 % off your next visit'), 'the form states the reward');
  await page.locator('#q-improve-input').fill('Longer opening hours.');
  await Promise.all([
    page.waitForURL(/\/thanks\//, { waitUntil: 'load' }),
    page.getByRole('button', { name: 'Send my answers' }).click(),
  ]);
  const code = (await page.locator('.reward-code').innerText()).trim();
  check(/^BRW-[0-9A-HJKMNP-TV-Z]{12}$/.test(code), `the thank-you page shows a coupon code (${code})`);
  await axeCheck(page, 'coupon thanks');
  await noHorizontalScroll(page, 'coupon thanks');
  await page.reload({ waitUntil: 'load' });
  check((await page.locator('.reward-code').innerText()).trim() === code, 'a reload shows the same code');
  const listed = await api('GET', `/api/v1/surveys/${survey.id}/coupons`);
  check(listed.items && listed.items.length === 1 && listed.items[0].code === code, 'the code shown is the one stored');

  const draw = await api('POST', '/api/v1/surveys', {
    title: 'Draw check',
    intro: 'Your answers tell us what to fix first.',
    language: 'en',
    incentive: { kind: 'lottery', lottery: { prize: 'A bike', winners: 1, draw_at: '2099-01-01T00:00:00Z', rules: 'One entry each.' } },
    questions: [{ id: 'improve', kind: 'long_text', prompt: 'What should we improve first?', required: false }],
  });
  await api('POST', `/api/v1/surveys/${draw.id}/publish`);
  const state = await api('GET', `/api/v1/surveys/${draw.id}/draw`);
  const res = await page.goto(new URL(`/draws/${draw.id}`, base).toString(), { waitUntil: 'load' });
  check(res && res.status() === 200, `the public draw page answers (${res && res.status()})`);
  check((await page.locator('main').innerText()).includes(state.commitment), 'it shows the commitment');
  await axeCheck(page, 'draw page');
  await noHorizontalScroll(page, 'draw page');
  await page.close();
}

// 7. Staff's results page: a survey with answers, charts drawn on the server, checked with
// axe-core at a laptop's and a phone's width; at the phone's, no element may stick out.
const STAFF_EMAIL = process.env.HEARKEN_BROWSER_EMAIL || 'd@example.com';
const STAFF_PASSWORD = process.env.HEARKEN_BROWSER_PASSWORD || 'browser-test-password-1';

async function resultsPage(context) {
  const surveyId = await createSurvey();
  const answers = [
    { improve: 'Answer the phone sooner, please.', name: 'Ann', contact: 'Phone', speed: 5, recommend: 10,
      priorities: ['Service', 'Price', 'Quality'], compare: { Us: { Price: 4, Friendliness: 5 }, 'Other shop': { Price: 3, Friendliness: 5 } } },
    { improve: 'The delivery was late.', contact: 'Email', speed: 2, recommend: 6,
      priorities: ['Price', 'Service', 'Quality'], compare: { Us: { Price: 2, Friendliness: 4 }, 'Other shop': { Price: 4, Friendliness: 3 } } },
    { improve: 'Late delivery again, and nobody answered the phone.', contact: 'A letter with a very long description of how I wrote it', speed: 3, recommend: 8 },
    { improve: 'Friendly staff in the shop.', contact: 'In the shop', speed: 4, recommend: 9 },
  ];
  for (const a of answers) await api('POST', `/api/v1/surveys/${surveyId}/responses`, { answers: a });

  const page = await context.newPage();
  await page.goto(new URL('/login', base).toString(), { waitUntil: 'load' });
  await page.locator('#email').fill(STAFF_EMAIL);
  await page.locator('#password').fill(STAFF_PASSWORD);
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.getByRole('button', { name: 'Sign in' }).click()]);
  check(!new URL(page.url()).pathname.startsWith('/login'), `staff signed in as ${STAFF_EMAIL} (at ${new URL(page.url()).pathname})`);

  const path = `/surveys/${surveyId}/results`;
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: width === 390 ? VIEWPORT.height : 900 });
    const res = await page.goto(new URL(path, base).toString(), { waitUntil: 'load' });
    check(res && res.status() === 200, `GET ${path} at ${width} px -> ${res && res.status()}`);
    const charts = await page.locator('svg[role=img]').count();
    check(charts >= 5, `the results page draws its charts (${charts} svg images)`);
    const figure = (await page.locator('.kpi-figure').first().innerText()).trim();
    check(figure === String(answers.length), `the page counts ${answers.length} responses (${figure})`);
    await axeCheck(page, `results ${width}px`);
  }
  // At 390 px: the page does not scroll sideways, and no element sticks out of the viewport
  // (wide tables may scroll inside their own focusable box; that is not sticking out).
  await noHorizontalScroll(page, 'results 390px');
  const { out: outside } = await stickingOut(page, VIEWPORT.width);
  check(outside.length === 0, `results 390px: no element overflows the viewport (${outside.slice(0, 5).join(', ') || 'none'})`);
  await page.close();
}

const line = await checks.finish(run, 180);
console.log(line);
process.exit(checks.failures === 0 ? 0 : 1);
