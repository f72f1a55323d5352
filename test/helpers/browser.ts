import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';
import { requireBinary } from './binaries.js';

/**
 * Debian's Chromium driven by playwright-core (the full playwright package would try to download
 * a browser, which cannot work offline). Missing chromium: a loud skip, or a failure under CI=true.
 */
export const CHROMIUM_PATH = '/usr/bin/chromium';

// A quiet, deterministic browser: no network beyond the page's own, no first-run or update chatter.
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export interface HeadlessBrowser {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/** The chromium binary, or null after a loud skip warning (throws under CI=true). */
export function requireChromium(): string | null {
  return requireBinary(CHROMIUM_PATH, 'chromium');
}

/** Launches Chromium with a fresh user-data dir (removed on close). */
export async function launchChromium(executablePath: string): Promise<HeadlessBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'vpp-chromium-'));
  // Playwright refuses --user-data-dir in args: a persistent context is how it takes one.
  const context = await chromium.launchPersistentContext(profile, { executablePath, headless: true, args: ARGS, viewport: { width: 1360, height: 900 } });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Every console error and uncaught page error, as text, for a test to assert is empty. */
export function collectErrors(page: Page, allowed: (msg: ConsoleMessage) => boolean = () => false): string[] {
  const errors: string[] = [];
  page.on('console', (msg) => {
    if ((msg.type() === 'error' || msg.type() === 'warning') && !allowed(msg)) errors.push(`console.${msg.type()}: ${msg.text()} (${msg.location().url})`);
  });
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('requestfailed', (req) => {
    // The stream is cut when the page or the server goes away: that is no error of the page.
    if (!req.url().includes('/api/v1/stream')) errors.push(`request failed: ${req.url()} ${req.failure()?.errorText ?? ''}`);
  });
  return errors;
}
