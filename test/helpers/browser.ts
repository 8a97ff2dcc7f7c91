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
 * Chromium aborts a navigation with ERR_NETWORK_CHANGED when the machine's addresses change
 * under it (another test's agent putting a Service's ClusterIP on lo); nothing reached the hub,
 * so navigating again is safe. A few tries, then the error.
 */
async function gotoRetryingNetworkChange(page: Page, url: string, tries = 3): Promise<void> {
  for (let i = 1; ; i++) {
    try {
      await page.goto(url);
      return;
    } catch (e) {
      if (i >= tries || !String(e).includes('net::ERR_NETWORK_CHANGED')) throw e;
    }
  }
}

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
  // Plain type/click, not Locators: under heavy load a Locator's wait for a stable box (animation
  // frames) overran its 30 s default on a fresh browser's first page.
  try {
    await gotoRetryingNetworkChange(page, `${apiUrl}/ui/`);
    await page.waitForSelector('[data-testid=token]', { timeout: SIGN_IN_WAIT_MS });
    await page.type('[data-testid=token]', token);
    await page.click('[data-testid=login]');
    await page.waitForSelector('nav', { timeout: SIGN_IN_WAIT_MS });
    return { page, errors, apiCalls };
  } catch (e) {
    await page.close();
    throw e;
  }
}
