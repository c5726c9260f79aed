// Headless-browser test of the staff pages, at a laptop's (1280×800) and a phone's (390×844)
// width, signed in through the login page as a designer and then as an analyst.
//
// Designer: home → Surveys → a survey from a built-in template → Build tab → edit a question's
// prompt (and name the template's stand-in competitors, as a designer would before publishing)
// → Preview → publish → Contacts (import one) → Distribute → invite that address.
// Analyst: (answers sent through the API) home → Surveys → Results with figures → Responses →
// Results → the CSV and XLSX exports downloaded and read.
//
// On every page: axe-core (WCAG 2 A/AA) must find nothing serious or critical, and at 390 px the
// page must not scroll sideways (wide tables scroll inside their own .table-scroll box). A PNG
// of the viewport is saved at every step into HEARKEN_BROWSER_SCREENSHOTS (default:
// tests/browser/screenshots), named <viewport>-<step>.png.
//
// Usage: node staff.mjs <base-url> <api-token>
// Run it through run.sh, which starts the server and makes the users this signs in as
// (HEARKEN_DESIGNER_EMAIL, HEARKEN_ANALYST_EMAIL, HEARKEN_BROWSER_PASSWORD to use others).
// Uses Debian's /usr/bin/chromium (override with CHROMIUM); never downloads a browser.

import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { Checks, STEP_TIMEOUT, chromium, stickingOut, target } from './common.mjs';

const { base, token } = target('staff.mjs');
const url = new URL(base);
const DESIGNER = process.env.HEARKEN_DESIGNER_EMAIL || 'd@example.com';
const ANALYST = process.env.HEARKEN_ANALYST_EMAIL || 'a@example.com';
const PASSWORD = process.env.HEARKEN_BROWSER_PASSWORD || 'browser-test-password-1';
const SHOTS = resolve(process.env.HEARKEN_BROWSER_SCREENSHOTS || join(dirname(fileURLToPath(import.meta.url)), 'screenshots'));
const VIEWPORTS = [
  { name: 'laptop', width: 1280, height: 800, mobile: false },
  { name: 'phone', width: 390, height: 844, mobile: true },
];
// Named competitors instead of the template's "[Competitor 1]" stand-ins.
const BRANDS = ['Us', 'Northwind Traders', 'Contoso'];

const checks = new Checks(base, token);
const check = checks.check.bind(checks);
const api = checks.api.bind(checks);
const axeCheck = checks.axe.bind(checks);
// A check the rest of a journey depends on: stop the journey with what broke.
function must(ok, what) {
  if (!check(ok, what)) throw new Error(`cannot go on: ${what}`);
}

// Every page visited: axe, no sideways scrolling on the phone, and a screenshot of the viewport
// (what a person sees first, and small enough to keep).
async function look(page, vp, step) {
  const label = `${vp.name} ${step}`;
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(SHOTS, `${vp.name}-${step}.png`) });
  await axeCheck(page, label);
  if (vp.mobile) {
    // The phone's own width, not window.innerWidth: a mobile layout viewport widens to fit
    // content that sticks out, which would hide the very overflow looked for.
    const wide = await stickingOut(page, vp.width);
    check(
      wide.width <= vp.width && wide.out.length === 0,
      `${label}: no horizontal scroll (scrollWidth ${wide.width} <= ${vp.width}; sticking out: ${wide.out.slice(0, 5).join(', ') || 'nothing'})`,
    );
  }
}

async function go(page, action) {
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), action]);
}

function pathOf(page) {
  return new URL(page.url()).pathname;
}

async function currentTab(page, nav) {
  const current = page.locator(`nav.${nav} a[aria-current="page"]`);
  return (await current.count()) ? (await current.first().innerText()).trim() : '(none)';
}

async function signIn(page, vp, email, shot) {
  await page.context().clearCookies();
  const res = await page.goto(new URL('/login', base).toString(), { waitUntil: 'load' });
  must(res && res.status() === 200, `${vp.name}: GET /login -> ${res && res.status()}`);
  if (shot) await look(page, vp, 'login');
  await page.locator('#email').fill(email);
  await page.locator('#password').fill(PASSWORD);
  await go(page, page.getByRole('button', { name: 'Sign in' }).click());
  must(pathOf(page) === '/', `${vp.name}: ${email} signed in through the login page and is home (at ${pathOf(page)})`);
}

// The main menu; on a phone it may sit behind a toggle.
async function menu(page, name) {
  const link = page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true });
  if (!(await link.isVisible())) {
    const toggle = page.locator('header button[aria-expanded], header summary').first();
    if (await toggle.count()) await toggle.click();
  }
  await go(page, link.click());
}

async function designer(page, vp) {
  await signIn(page, vp, DESIGNER, true);
  await look(page, vp, 'home');

  await menu(page, 'Surveys');
  must(pathOf(page) === '/surveys', `${vp.name}: the Surveys menu item opens the survey list (${pathOf(page)})`);
  await look(page, vp, 'surveys');

  const use = page.locator('ul.templates button').first();
  must((await use.count()) === 1, `${vp.name}: the survey list offers a template to start from`);
  const templateLabel = (await use.innerText()).trim();
  await go(page, use.click());
  const built = pathOf(page).match(/^\/surveys\/([^/]+)$/);
  must(!!built, `${vp.name}: ${templateLabel} makes a survey and opens it (at ${pathOf(page)})`);
  const id = built[1];
  must((await currentTab(page, 'tabs')) === 'Build', `${vp.name}: the new survey opens on its Build tab (${await currentTab(page, 'tabs')})`);
  const cards = await page.locator('ol.survey-questions > li.card').count();
  check(cards >= 5, `${vp.name}: the Build tab lists the template's questions (${cards})`);
  await look(page, vp, 'build');

  // Edit the first question's prompt.
  const prompt = 'What is the one thing we should improve first?';
  const first = page.locator('ol.survey-questions > li.card').first();
  await first.locator('details.card-body > summary').click();
  await first.locator('input[name="prompt"]').fill(prompt);
  await look(page, vp, 'edit');
  await go(page, first.getByRole('button', { name: 'Save question' }).click());
  const shown = (await page.locator('ol.survey-questions > li.card').first().locator('h3.prompt').innerText()).replace(/\s+/g, ' ').trim();
  check(shown.endsWith(prompt), `${vp.name}: the edited prompt is shown on its card ("${shown}")`);

  // Preview: the respondent's page, with the new prompt.
  await go(page, page.locator('nav.tabs').getByRole('link', { name: 'Preview' }).click());
  must(pathOf(page) === `/surveys/${id}/preview`, `${vp.name}: the Preview tab opens (${pathOf(page)})`);
  const preview = await page.locator('main').innerText();
  check(preview.includes(prompt), `${vp.name}: the preview shows the respondent page with the edited prompt`);
  check((await page.locator('fieldset.question, .question').count()) >= cards, `${vp.name}: the preview shows every question`);
  await look(page, vp, 'preview');
  await go(page, page.locator('nav.tabs').getByRole('link', { name: 'Build' }).click());
  must(pathOf(page) === `/surveys/${id}`, `${vp.name}: back on the Build tab (${pathOf(page)})`);

  // The template's stand-in competitor names are flagged; a designer names the real ones.
  const competitor = page.locator('ol.survey-questions > li.card', { hasText: '[Competitor 1]' });
  const hinted = await page.locator('ol.survey-questions > li.card', { has: page.locator('.hint') }).filter({ hasText: 'How would you rate each company' }).count();
  check(hinted === 1, `${vp.name}: the competitor question carries a hint about its stand-in names`);
  if (await competitor.count()) {
    const card = competitor.first();
    await card.locator('details.card-body > summary').click();
    await card.locator('textarea[name="options"]').fill(BRANDS.join('\n'));
    await go(page, card.getByRole('button', { name: 'Save question' }).click());
    const text = await page.locator('ol.survey-questions').innerText();
    check(!text.includes('[Competitor 1]'), `${vp.name}: the stand-in competitor names are replaced`);
  }

  // Publish.
  await page.locator('#publish-confirm').check();
  await go(page, page.getByRole('button', { name: 'Publish', exact: true }).click());
  const conflict = page.locator('#conflict');
  if (await conflict.count()) console.log(`  publishing was refused: ${(await conflict.innerText()).replace(/\s+/g, ' ')}`);
  const status = (await page.locator('.workspace-head .status').innerText()).trim();
  must((await conflict.count()) === 0 && /open/i.test(status), `${vp.name}: the survey is published (status "${status}")`);
  await look(page, vp, 'published');

  // A contact to invite, imported on the contacts page.
  const email = `pat.${vp.name}@example.org`;
  await menu(page, 'Contacts');
  must(pathOf(page) === '/contacts', `${vp.name}: the Contacts menu item opens the contacts (${pathOf(page)})`);
  await page.locator('#csv').fill(`email,name\n${email},Pat ${vp.name === 'laptop' ? 'Lindqvist' : 'Okafor'}\n`);
  await go(page, page.getByRole('button', { name: 'Import' }).click());
  const imported = page.locator('#import-done');
  must((await imported.count()) === 1 && /1 new contact/.test(await imported.innerText()), `${vp.name}: the import confirms one new contact`);
  await look(page, vp, 'contacts');

  // Distribute → Invitations: invite the address by pasting it.
  await page.goto(new URL(`/surveys/${id}`, base).toString(), { waitUntil: 'load' });
  await go(page, page.locator('nav.tabs').getByRole('link', { name: 'Distribute' }).click());
  must(pathOf(page) === `/surveys/${id}/invitations`, `${vp.name}: the Distribute tab opens the invitations (${pathOf(page)})`);
  check((await currentTab(page, 'subtabs')) === 'Invitations', `${vp.name}: its Invitations sub-tab is the current one`);
  await page.locator('#emails').fill(email);
  await go(page, page.getByRole('button', { name: 'Invite', exact: true }).click());
  const notice = page.locator('p.notice[role=status]');
  const said = (await notice.count()) ? (await notice.innerText()).trim() : '(no notice)';
  check(/invit/i.test(said) && /\b1\b|one/i.test(said), `${vp.name}: the page confirms the invitation ("${said}")`);
  const listed = await page.locator('table', { has: page.locator('caption', { hasText: 'Invitations' }) }).innerText();
  check(listed.includes(email), `${vp.name}: ${email} is listed among the people invited`);
  await look(page, vp, 'invited');
  return id;
}

// Answers to the customer-needs template, as a few respondents might give them.
function answersFor(i) {
  const grid = (a, b, c) => ({
    [BRANDS[0]]: { Price: a, Quality: b, 'Speed of service': c, Friendliness: 5 },
    [BRANDS[1]]: { Price: b, Quality: a, 'Speed of service': 3, Friendliness: 4 },
    [BRANDS[2]]: { Price: c, Quality: 3, 'Speed of service': a, Friendliness: 3 },
  });
  const all = [
    { improve_first: 'Answer the phone sooner; I waited twenty minutes.', contact_channel: 'Phone', resolution_time: 'Within 2–3 days', competitor_comparison: grid(4, 5, 2), recommend: 8, recommend_why: 'Good products, slow service.' },
    { improve_first: 'The delivery was late twice this month.', contact_channel: 'Email', resolution_time: 'Within a week', competitor_comparison: grid(3, 4, 3), recommend: 6, recommend_why: 'Late deliveries.' },
    { improve_first: 'Clearer invoices, please.', contact_channel: 'Website chat', resolution_time: 'The same day', competitor_comparison: grid(5, 4, 4), recommend: 10, recommend_why: 'Friendly staff who know their products.' },
    { improve_first: 'Late delivery again, and nobody called back.', contact_channel: 'Phone', resolution_time: 'Not solved yet', competitor_comparison: grid(2, 3, 1), recommend: 3, recommend_why: 'Nobody called back.' },
    { improve_first: 'Longer opening hours on Saturdays.', contact_channel: 'In person', resolution_time: 'The same day', competitor_comparison: grid(4, 4, 5), recommend: 9 },
  ];
  return all[i % all.length];
}

// A minimal CSV reader (RFC 4180 quoting), enough to count records whose fields hold commas,
// quotes or line breaks.
function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i += 1; }
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(field); field = ''; }
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i += 1;
      row.push(field); rows.push(row); row = []; field = '';
    } else field += c;
  }
  if (field !== '' || row.length) { row.push(field); rows.push(row); }
  return rows;
}

async function download(page, vp, linkName) {
  const link = page.locator('p.exports a.export', { hasText: linkName });
  must((await link.count()) === 1, `${vp.name}: the results page offers a "${linkName}" export`);
  const [file] = await Promise.all([page.waitForEvent('download'), link.click()]);
  const failure = await file.failure();
  must(!failure, `${vp.name}: the ${linkName} download finished (${failure || 'ok'})`);
  return { name: file.suggestedFilename(), bytes: readFileSync(await file.path()) };
}

async function analyst(page, vp, id, count) {
  for (let i = 0; i < count; i += 1) await api('POST', `/api/v1/surveys/${id}/responses`, { answers: answersFor(i) });

  await signIn(page, vp, ANALYST, false);
  await look(page, vp, 'analyst-home');
  await menu(page, 'Surveys');
  must(pathOf(page) === '/surveys', `${vp.name}: the analyst's Surveys menu item opens the survey list (${pathOf(page)})`);
  check((await page.locator('ul.templates').count()) === 0, `${vp.name}: the analyst is not offered templates`);
  await look(page, vp, 'analyst-surveys');

  const results = page.locator(`a[href="/surveys/${id}/results"]`).first();
  must((await results.count()) === 1, `${vp.name}: the survey list links the survey's results`);
  await go(page, results.click());
  must(pathOf(page) === `/surveys/${id}/results`, `${vp.name}: the Results tab opens (${pathOf(page)})`);
  check((await currentTab(page, 'tabs')) === 'Results', `${vp.name}: Results is the current tab (${await currentTab(page, 'tabs')})`);
  check((await page.locator('nav.tabs').getByRole('link', { name: 'Distribute' }).count()) === 0, `${vp.name}: an analyst has no Distribute tab`);
  const figure = (await page.locator('.kpi-figure').first().innerText()).trim();
  check(figure === String(count), `${vp.name}: the results count ${count} responses (${figure})`);
  const charts = await page.locator('svg[role=img]').count();
  check(charts >= 3, `${vp.name}: the results page draws its charts (${charts} svg images)`);
  await look(page, vp, 'results');

  await go(page, page.locator('nav.subtabs').getByRole('link', { name: 'Responses' }).click());
  must(pathOf(page) === `/surveys/${id}/responses`, `${vp.name}: the Responses sub-tab opens (${pathOf(page)})`);
  const shown = await page.locator('article.response').count();
  check(shown === count, `${vp.name}: the responses browser shows ${count} responses (${shown})`);
  check((await page.locator('main').innerText()).includes(answersFor(0).improve_first), `${vp.name}: a typed answer is shown as typed`);
  await look(page, vp, 'responses');

  await go(page, page.locator('nav.subtabs').getByRole('link', { name: 'Results' }).click());
  must(pathOf(page) === `/surveys/${id}/results`, `${vp.name}: back on the results (${pathOf(page)})`);

  const csv = await download(page, vp, 'CSV');
  check(/\.csv$/.test(csv.name), `${vp.name}: the CSV download is named *.csv (${csv.name})`);
  const rows = parseCsv(csv.bytes.toString('utf8').replace(/^\uFEFF/, '')).filter((r) => r.some((f) => f !== ''));
  const header = rows[0] || [];
  check(
    header[0] === 'response_id' && header.includes('submitted_at') && header.some((h) => /improve first/.test(h)),
    `${vp.name}: the CSV header names the columns (${header.slice(0, 4).join(' | ')} …)`,
  );
  check(rows.length - 1 === count, `${vp.name}: the CSV holds ${count} data rows (${rows.length - 1})`);
  const improveCol = header.findIndex((h) => /improve first/.test(h));
  const typed = rows.slice(1).map((r) => r[improveCol]);
  check(typed.includes(answersFor(1).improve_first), `${vp.name}: the CSV holds the typed answers`);

  const xlsx = await download(page, vp, 'XLSX');
  check(/\.xlsx$/.test(xlsx.name), `${vp.name}: the XLSX download is named *.xlsx (${xlsx.name})`);
  // An XLSX is a zip: local file headers start "PK\x03\x04", and the sheet is a member of it.
  check(
    xlsx.bytes.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04])) && xlsx.bytes.includes('xl/worksheets/'),
    `${vp.name}: the XLSX is a workbook (${xlsx.bytes.length} bytes)`,
  );
}

async function run() {
  mkdirSync(SHOTS, { recursive: true });
  console.log(`screenshots: ${SHOTS}`);
  for (const vp of VIEWPORTS) {
    const profile = mkdtempSync(join(tmpdir(), 'hearken-chromium-'));
    let context;
    try {
      // A persistent context on a fresh, empty profile directory (Playwright's way of passing
      // --user-data-dir), one per viewport so that touch and mobile layout are the phone's own.
      context = await chromium.launchPersistentContext(profile, {
        executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
        timeout: 60_000,
        args: [
          '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
          '--disable-background-networking', '--disable-component-update', '--disable-sync',
        ],
        viewport: { width: vp.width, height: vp.height },
        isMobile: vp.mobile,
        hasTouch: vp.mobile,
        deviceScaleFactor: 1,
        acceptDownloads: true,
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
      const page = context.pages()[0] || (await context.newPage());
      console.log(`-- ${vp.name} ${vp.width}×${vp.height}`);
      let id;
      try {
        id = await designer(page, vp);
      } catch (e) {
        checks.fail(`${vp.name} designer journey: ${e && e.message}`);
      }
      if (id) {
        try {
          await analyst(page, vp, id, vp.mobile ? 3 : 5);
        } catch (e) {
          checks.fail(`${vp.name} analyst journey: ${e && e.message}`);
        }
      }
    } finally {
      if (context) await context.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    }
  }
}

const line = await checks.finish(run, 150, 'staff');
console.log(`screenshots in ${SHOTS}`);
console.log(line);
process.exit(checks.failures === 0 ? 0 : 1);
