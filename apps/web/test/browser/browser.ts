import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

/** Debian's Chromium (`apt-get install -y chromium`); TENANT_CHROMIUM names another binary. */
const CHROMIUM = process.env.TENANT_CHROMIUM ?? '/usr/bin/chromium';
/** Written by every run, git-ignored; README's images are copies (`pnpm --filter @tenant/web screenshots`). */
export const SCREENSHOTS = fileURLToPath(new URL('../../test-results/screenshots', import.meta.url));
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

export async function launch(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `No Chromium at ${CHROMIUM}: install Debian's (apt-get install -y chromium) or set TENANT_CHROMIUM`,
    );
  }
  mkdirSync(SCREENSHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/**
 * Everything a page says on its console that is an error, and every uncaught exception. The one
 * kind left out: Chromium's own "Failed to load resource" line for an api answer of 4xx, which
 * the browser prints for every refused request the app then handles (a wrong password, a
 * cooldown, an expired token); the test still asserts what the app shows for each.
 */
export function watchConsole(context: BrowserContext): string[] {
  const errors: string[] = [];
  const watch = (page: Page) => {
    page.on('console', (message) => {
      if (message.type() !== 'error') return;
      if (/^Failed to load resource: the server responded with a status of 4\d\d/.test(message.text()))
        return;
      errors.push(`${page.url()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => errors.push(`${page.url()}: uncaught ${error.message}`));
  };
  context.on('page', watch);
  for (const page of context.pages()) watch(page);
  return errors;
}

type AxeResult = {
  violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }[];
};

/** axe-core's scan of the page as it is now: the serious and critical violations, described. */
export async function accessibilityProblems(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE });
  const result = (await page.evaluate(() =>
    (window as unknown as { axe: { run(o: object): Promise<unknown> } }).axe.run({
      resultTypes: ['violations'],
    }),
  )) as AxeResult;
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: false });
}
