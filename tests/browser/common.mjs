// What both browser scripts share: the server and API token from the command line (loopback
// only), the API client, counting checks, axe-core on a page, the elements that stick out of a
// phone's width, and the closing report with its `browser:` summary line.

import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
export const { chromium } = require('playwright-core');
const AXE_PATH = require.resolve('axe-core');

export const STEP_TIMEOUT = 15_000; // every single wait and action
const BLOCKING = new Set(['serious', 'critical']);

/** The base URL and API token given to `script`; exits when they are missing or not loopback. */
export function target(script) {
  const [base, token] = process.argv.slice(2);
  if (!base || !token) {
    console.error(`usage: node ${script} <base-url> <api-token>`);
    process.exit(2);
  }
  const url = new URL(base);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) {
    console.error(`refusing to test a non-loopback address: ${base}`);
    process.exit(2);
  }
  return { base, token };
}

/** Checks counted for the summary line, with the axe findings of every page looked at. */
export class Checks {
  constructor(base, token) {
    this.base = base;
    this.token = token;
    this.passes = 0;
    this.failures = 0;
    this.summary = [];
  }

  check(ok, what) {
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
    if (ok) this.passes += 1;
    else this.failures += 1;
    return ok;
  }

  fail(what) {
    console.log(`FAIL ${what}`);
    this.failures += 1;
  }

  async api(method, path, body) {
    const res = await fetch(new URL(path, this.base), {
      method,
      headers: { Authorization: `Bearer ${this.token}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(STEP_TIMEOUT),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} -> ${res.status}: ${text}`);
    return JSON.parse(text);
  }

  /** axe-core (WCAG 2 A/AA) on the page: any serious or critical violation fails. */
  async axe(page, label) {
    await page.addScriptTag({ path: AXE_PATH });
    const result = await page.evaluate(() =>
      // eslint-disable-next-line no-undef
      axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa'] }, resultTypes: ['violations'] }),
    );
    const byImpact = {};
    for (const v of result.violations) byImpact[v.impact] = (byImpact[v.impact] || 0) + 1;
    this.summary.push({ page: label, violations: result.violations.length, byImpact });
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
    this.check(blocking.length === 0, `${label}: no serious or critical axe violation (${blocking.map((v) => v.id).join(', ') || 'none'})`);
  }

  /** Runs `run` within `seconds`, prints the axe table and the summary line, and exits. */
  async finish(run, seconds, name) {
    const deadline = setTimeout(() => {
      console.error(`browser test: gave up after ${seconds} s`);
      process.exit(1);
    }, seconds * 1000);
    try {
      await run();
    } catch (e) {
      this.fail(e && e.stack ? e.stack : e);
    }
    clearTimeout(deadline);
    console.log(`\naxe-core (wcag2a, wcag2aa) violations per page:`);
    for (const s of this.summary) {
      const parts = ['critical', 'serious', 'moderate', 'minor'].map((k) => `${k} ${s.byImpact[k] || 0}`).join(', ');
      console.log(`  ${s.page.padEnd(24)} ${s.violations} (${parts})`);
    }
    return `\nbrowser: ${name ? name + ' ' : ''}${this.passes} passed, ${this.failures} failed`;
  }
}

/**
 * The elements that stick out past `limit` pixels, outside the boxes meant to scroll
 * (`.table-scroll`) or clip, named so that a failure says where to look; run in the page.
 */
export function stickingOut(page, limit) {
  return page.evaluate((limit) => {
    const out = [];
    for (const e of document.querySelectorAll('body *')) {
      const r = e.getBoundingClientRect();
      if (r.width === 0 || r.right <= limit + 0.5 || e.closest('.table-scroll')) continue;
      let clipped = false;
      for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
        if (getComputedStyle(a).overflowX !== 'visible' && a.getBoundingClientRect().right <= limit + 0.5) {
          clipped = true;
          break;
        }
      }
      if (!clipped) {
        const classes = String(e.className.baseVal ?? e.className).trim();
        out.push(`${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}${classes ? '.' + classes.split(/\s+/).join('.') : ''} right=${Math.round(r.right)}`);
      }
    }
    return { width: document.documentElement.scrollWidth, out };
  }, limit);
}
