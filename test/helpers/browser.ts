// Headless Chromium (Debian's chromium package; nothing downloaded) driven by puppeteer-core,
// for the dashboard's tests and bench. Every browser started here is closed when the process
// exits.

import { existsSync } from 'node:fs';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

/** The binary itself, not Debian's /usr/bin/chromium wrapper script. */
const CANDIDATES = ['/usr/lib/chromium/chromium', '/usr/bin/chromium', '/usr/bin/chromium-browser'];

export class NoChromiumError extends Error {
  override name = 'NoChromiumError';
}

export function chromiumPath(): string {
  const p = process.env.DROVER_CHROMIUM ?? CANDIDATES.find((c) => existsSync(c));
  if (!p) throw new NoChromiumError('no chromium: apt-get install -y chromium (scripts/install-deps.sh)');
  return p;
}

const open = new Set<Browser>();
process.on('exit', () => {
  for (const b of open) b.process()?.kill('SIGKILL');
});

export async function launchBrowser(): Promise<Browser> {
  const b = await puppeteer.launch({
    executablePath: chromiumPath(),
    headless: true,
    // Root in a container: Chromium's sandbox needs user namespaces it may not get.
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
    // The hub's API may serve its own CA's certificate.
    acceptInsecureCerts: true,
  });
  open.add(b);
  b.once('disconnected', () => open.delete(b));
  return b;
}

export interface DashboardPage {
  page: Page;
  /** Page errors and failed console messages seen so far. */
  errors: string[];
  /** Every API request the page made (path and its Authorization header). */
  apiCalls: { path: string; authorization?: string }[];
}

/**
 * Chromium aborts a navigation, or a script or API request of the page while it loads, with
 * ERR_NETWORK_CHANGED when the machine's addresses change under it (another test's agent putting a
 * Service's ClusterIP on lo); the page then never shows its form. Only that failure is retried.
 */
const NETWORK_CHANGED = 'net::ERR_NETWORK_CHANGED';
const SIGN_IN_TRIES = 3;

/** Waits of the sign-in form, ms: Chromium and a hub on a loaded 2-core machine. */
const SIGN_IN_WAIT_MS = 20_000;

/** A page on the hub's dashboard, signed in with token through the form. */
export async function openDashboard(browser: Browser, apiUrl: string, token: string): Promise<DashboardPage> {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 760 });
  const errors: string[] = [];
  const apiCalls: DashboardPage['apiCalls'] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (u.pathname.startsWith('/api') || u.pathname.startsWith('/apis'))
      apiCalls.push({ path: u.pathname + u.search, authorization: r.headers().authorization });
  });
  let networkChanged = false;
  let abort = new AbortController();
  page.on('requestfailed', (r) => {
    if (r.failure()?.errorText !== NETWORK_CHANGED) return;
    networkChanged = true;
    abort.abort(new Error(`a request failed: ${NETWORK_CHANGED}`));
  });
  // Plain type/click, not Locators: under heavy load a Locator's wait for a stable box (animation
  // frames) overran its 30 s default on a fresh browser's first page.
  for (let attempt = 1; ; attempt++) {
    networkChanged = false;
    abort = new AbortController();
    const signal = abort.signal;
    try {
      await page.goto(`${apiUrl}/ui/`);
      await page.waitForSelector('[data-testid=token]', { timeout: SIGN_IN_WAIT_MS, signal });
      await page.type('[data-testid=token]', token);
      await page.click('[data-testid=login]');
      await page.waitForSelector('nav', { timeout: SIGN_IN_WAIT_MS, signal });
      return { page, errors, apiCalls };
    } catch (e) {
      const retry = attempt < SIGN_IN_TRIES && (networkChanged || String(e).includes(NETWORK_CHANGED));
      if (!retry) {
        await page.close();
        throw new Error(`sign-in to the dashboard failed (attempt ${attempt}): ${String(e)}`);
      }
    }
  }
}
