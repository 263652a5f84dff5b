import pg from 'pg';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessibilityProblems, launch, screenshot, watchConsole } from './browser';
import { type Stack, startStack } from './stack';

/**
 * A person's journey through the web app in a real Chromium, against the whole stack as
 * `pnpm start` runs it. The steps build on each other (one user, one browser), so they run in
 * order. Every wait is for a condition on the page, never for a length of time.
 */
let stack: Stack;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let consoleErrors: string[];
const email = `journey-${Date.now()}@example.com`;
const password = 'correct horse battery staple';

beforeAll(async () => {
  // A token check on every request (no per-process cache), so an expired token is refused at once.
  [stack, browser] = await Promise.all([startStack({ AUTH_SESSION_CACHE_SECONDS: '0' }), launch()]);
  context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
  context.setDefaultTimeout(30_000);
  consoleErrors = watchConsole(context);
  page = await context.newPage();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

/** Visits nothing: checks the page as it is for accessibility and saves its picture. */
async function inspect(name: string) {
  await screenshot(page, name);
  expect(await accessibilityProblems(page), `accessibility of ${name}`).toEqual([]);
}

const heading = (name: string | RegExp) => page.getByRole('heading', { level: 1, name });
const nav = (name: string) =>
  page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true });

describe('the web app in a browser', () => {
  it('signs up (the api’s validation shown beside the field) and lands on an empty accounts page', async () => {
    await page.goto(stack.webUrl);
    await heading('Sign in').waitFor();
    await inspect('sign-in');
    await page.getByRole('link', { name: 'Create an account' }).click();
    await heading('Create your account').waitFor();
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('short');
    await page.getByRole('button', { name: 'Create your account' }).click();
    await page.locator('#password-error').waitFor();
    expect(await page.locator('#password-error').textContent()).toMatch(/10/);
    await inspect('sign-up');
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Create your account' }).click();
    await heading('Accounts').waitFor();
    await page.getByText('No accounts yet.').waitFor();
    await inspect('accounts-empty');
  });

  it('connects a form bank: a wrong password is refused beside its field, then the OTP step', async () => {
    await nav('Connect a bank').click();
    await heading('Connect a bank').waitFor();
    await page.getByRole('heading', { name: 'Banca Transilvania' }).waitFor();
    await inspect('connect');
    await page.getByRole('button', { name: 'Connect Banca Transilvania — accounts' }).click();
    await page.getByRole('heading', { name: 'Sign in to BT24' }).waitFor();
    await page.getByLabel('Username').fill('demo');
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Continue' }).click();
    const passwordError = page.locator('#field-password-error');
    await passwordError.waitFor();
    expect(await page.getByLabel('Password').getAttribute('aria-invalid')).toBe('true');
    await inspect('connect-form-error');
    await page.getByLabel('Password').fill('sandbox');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Enter the code sent to your phone' }).waitFor();
    await page.getByLabel('One-time code').fill('123456');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByText('Your bank is connected.').waitFor();
    await inspect('connected');
  });

  it('connects a redirect bank through the bank’s page and back', async () => {
    await nav('Connect a bank').click();
    await page.getByRole('button', { name: 'Connect Raiffeisen Bank Romania — accounts' }).click();
    const toBank = page.getByRole('link', { name: 'Continue to Raiffeisen Bank Romania' });
    await toBank.waitFor();
    await inspect('connect-redirect');
    expect(new URL((await toBank.getAttribute('href')) ?? '').origin).toBe(stack.sandboxUrl);
    await toBank.click();
    // Bank page → api callback → PUBLIC_APP_URL (/connected) → this session's page.
    await page.getByText('Your bank is connected.').waitFor();
    expect(new URL(page.url()).origin).toBe(stack.webUrl);
    expect(new URL(page.url()).pathname).toMatch(/^\/connect\/[0-9a-f-]{36}$/);
  });

  it('connects a bank whose approval is implicit', async () => {
    await nav('Connect a bank').click();
    await page.getByRole('button', { name: 'Connect ING Bank Romania — accounts' }).click();
    await page.getByRole('heading', { name: 'Connect ING (sandbox)' }).waitFor();
    await page.getByRole('button', { name: 'Approve access' }).click();
    await page.getByText('Your bank is connected.').waitFor();
  });

  it('says so when access is denied at the bank, and connects nothing', async () => {
    await nav('Connect a bank').click();
    await page.getByRole('button', { name: 'Connect Erste Bank Croatia — accounts' }).click();
    await page.getByLabel('Netbanking username').fill('demo');
    await page.getByRole('button', { name: 'Continue' }).click();
    const toBank = page.getByRole('link', { name: 'Continue to Erste Bank Croatia' });
    await toBank.waitFor();
    // The sandbox's bank page denies when asked to (`&deny=1`), as a person pressing "Deny" would.
    await page.goto(`${await toBank.getAttribute('href')}&deny=1`);
    await page.getByText('You declined access at your bank, so nothing was connected.').waitFor();
    await inspect('connect-denied');
  });

  it('shows the three banks syncing to completion, live, with expiry', async () => {
    await nav('Banks').click();
    await heading('Your banks').waitFor();
    const cards = page.locator('li.consent');
    await page.waitForFunction(() => document.querySelectorAll('li.consent').length === 3);
    // The worker's progress arrives over the live subscription: no reload needed.
    for (const bank of ['Banca Transilvania', 'Raiffeisen Bank Romania', 'ING Bank Romania']) {
      await cards
        .filter({ hasText: bank })
        .getByTestId('sync-status')
        .getByText(/^Succeeded/)
        .waitFor({ timeout: 60_000 });
    }
    await cards
      .first()
      .getByText(/expires in/)
      .waitFor();
    await inspect('consents');
  });

  it('shows accounts with balances and a balance-history chart', async () => {
    await nav('Accounts').click();
    await heading('Accounts').waitFor();
    await page.locator('.account .balance').first().waitFor();
    await page
      .locator('.chart .recharts-line-curve, .chart .recharts-line-dot')
      .first()
      .waitFor({ state: 'attached' });
    await inspect('accounts');
  });

  it('lists transactions: a second page on scroll, then filters and search', async () => {
    await nav('Transactions').click();
    await heading('Transactions').waitFor();
    const rows = page.getByTestId('transaction');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(50);
    await inspect('transactions');
    await page.locator('.list-end').scrollIntoViewIfNeeded();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="transaction"]').length > 50);

    await page.getByLabel('Status').selectOption('pending');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/status=pending/);
    await page.waitForFunction(() => {
      const badges = [...document.querySelectorAll('[data-testid="transaction"] .badge')].map(
        (b) => b.textContent,
      );
      return badges.length > 0 && badges.every((text) => text === 'Pending');
    });

    await page.getByRole('button', { name: 'Clear' }).click();
    await page.waitForURL((url) => url.search === '');
    const counterparty = ((await rows.first().locator('.counterparty').textContent()) ?? '').trim();
    expect(counterparty.length).toBeGreaterThan(0);
    await page.getByLabel('Search').fill(counterparty.toLowerCase());
    await page.getByLabel('Search').press('Enter');
    await page.waitForURL(/q=/);
    await page.waitForFunction((needle) => {
      const cells = [...document.querySelectorAll('[data-testid="transaction"] td:nth-child(2)')];
      return (
        cells.length > 0 && cells.every((cell) => (cell.textContent ?? '').toLowerCase().includes(needle))
      );
    }, counterparty.toLowerCase());

    await page.getByLabel('Min amount').fill('12,5');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.locator('#filter-min-error').waitFor();
  });

  it('shows cash flow and top counterparties as charts', async () => {
    await nav('Insights').click();
    await heading('Insights').waitFor();
    await page
      .locator('#cashflow-title ~ .chart .recharts-bar-rectangle')
      .first()
      .waitFor({ state: 'attached' });
    await page.locator('#top-title ~ .chart .recharts-bar-rectangle').first().waitFor({ state: 'attached' });
    await inspect('insights');
    const months = () => page.locator('#cashflow-title ~ details tbody tr').count();
    expect(await months()).toBeGreaterThan(3);
    await page.getByLabel('Period', { exact: true }).selectOption('3');
    await page.waitForURL(/months=3/);
    await page.waitForFunction(
      () => document.querySelectorAll('#cashflow-title ~ details tbody tr').length <= 3,
    );
    await page
      .locator('#cashflow-title ~ .chart .recharts-bar-rectangle')
      .first()
      .waitFor({ state: 'attached' });
  });

  it('shows new transactions without a reload when the bank has new ones and the user refreshes', async () => {
    await nav('Transactions').click();
    const rows = page.getByTestId('transaction');
    await rows.first().waitFor();
    const newestBefore = await rows.first().textContent();
    await page.evaluate(() => {
      (window as unknown as { notReloaded: boolean }).notReloaded = true;
    });

    const clock = await fetch(`${stack.sandboxUrl}/_sandbox/clock`, {
      method: 'POST',
      body: JSON.stringify({ advanceDays: 2 }),
    });
    expect(clock.status).toBe(200);

    // The refresh from a second tab: the first learns of the sync only through the live subscription.
    const other = await context.newPage();
    await other.goto(`${stack.webUrl}/consents`);
    const bt = other.locator('li.consent').filter({ hasText: 'Banca Transilvania' });
    await bt.getByRole('button', { name: 'Refresh' }).click();
    await bt
      .getByTestId('sync-status')
      .getByText(/new transactions/)
      .waitFor({ timeout: 60_000 });
    // A second refresh at once meets the cooldown, and says when it can be done.
    await bt.getByRole('button', { name: 'Refresh' }).click();
    await bt.getByText(/You can refresh again in/).waitFor();
    await other.close();

    await page.waitForFunction((before) => {
      const first = document.querySelector('[data-testid="transaction"]');
      return first !== null && first.textContent !== before;
    }, newestBefore);
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(
      true,
    );
  });

  it('asks to approve a bank again when its consent ended at the bank, and reconnects it', async () => {
    const truth = (await (await fetch(`${stack.sandboxUrl}/_sandbox/truth?summary=1`)).json()) as {
      consents: { credentialsId: string; skill: string }[];
    };
    const ing = truth.consents.find((c) => c.skill === 'ing_ro_aisp_sbx_#2.0');
    const expired = await fetch(`${stack.sandboxUrl}/_sandbox/consents/expire`, {
      method: 'POST',
      body: JSON.stringify({ credentialsId: ing?.credentialsId }),
    });
    expect(expired.status).toBe(200);

    await nav('Banks').click();
    const card = page.locator('li.consent').filter({ hasText: 'ING Bank Romania' });
    await card.getByRole('button', { name: 'Refresh' }).click();
    // The sync finds the consent gone: the card changes live.
    await card.locator('.badge', { hasText: 'Needs your approval again' }).waitFor({ timeout: 60_000 });
    await inspect('consents-reauth');
    await card.getByRole('button', { name: 'Approve again' }).click();
    await page.getByRole('button', { name: 'Approve access' }).click();
    await page.getByText('Your bank is connected.').waitFor();
    await nav('Banks').click();
    // The new consent's first sync, seen live, before anything else on this page.
    await page
      .locator('li.consent')
      .filter({ hasText: 'ING Bank Romania' })
      .filter({ has: page.getByText('Active', { exact: true }) })
      .getByTestId('sync-status')
      .getByText(/^Succeeded/)
      .waitFor({ timeout: 60_000 });
  });

  it('pays through a bank: a wrong IBAN refused beside its field, then approved at the bank and followed', async () => {
    await nav('Connect a bank').click();
    await page.getByRole('link', { name: 'Pay with Raiffeisen Bank Romania — payments' }).click();
    await heading('Pay from Raiffeisen Bank Romania').waitFor();
    await page.getByLabel('Pay from (your IBAN)').fill('RO03 RZBR 0000 0699 9999 9999');
    await page.getByLabel('Payee', { exact: true }).fill('Ion Popescu');
    await page.getByLabel('Payee IBAN').fill('RO11RZBR0000069999999970');
    await page.getByLabel('Amount').fill('42.50');
    await page.getByRole('button', { name: 'Continue to the bank' }).click();
    await page.getByText(/is not a valid IBAN/).waitFor();
    await inspect('pay-form-error');
    await page.getByLabel('Payee IBAN').fill('RO10RZBR0000069999999970');
    await page.getByRole('button', { name: 'Continue to the bank' }).click();
    // The bank's page approves → the api's callback → /connected?payment=… → the payment's page.
    await heading(/42\.50 to Ion Popescu/).waitFor();
    await page.getByText('Approved at the bank').first().waitFor();
    expect(new URL(page.url()).pathname).toMatch(/^\/payments\/[0-9a-f-]{36}$/);
    await inspect('payment');
    await nav('Payments').click();
    await page.getByRole('link', { name: /42\.50 to Ion Popescu/ }).waitFor();
  });

  it('revokes a bank after confirmation', async () => {
    await nav('Banks').click();
    const rzb = page.locator('li.consent').filter({ hasText: 'Raiffeisen Bank Romania' });
    await rzb.getByRole('button', { name: 'Revoke' }).click();
    const dialog = page.getByRole('dialog', { name: 'Revoke access to Raiffeisen Bank Romania?' });
    await dialog.waitFor();
    await inspect('revoke');
    await dialog.getByRole('button', { name: 'Revoke access' }).click();
    await rzb.getByText('Revoked', { exact: true }).first().waitFor();
    expect(await rzb.getByRole('button', { name: 'Refresh' }).count()).toBe(0);
  });

  it('keeps the session across a reload, and sends an expired one back to sign-in with a message', async () => {
    await page.reload();
    await heading('Your banks').waitFor();

    const db = new pg.Client({ connectionString: stack.db.url });
    await db.connect();
    try {
      await db.query(
        `update auth_tokens set expires_at = now() - interval '1 second'
          where user_id = (select id from users where email = $1)`,
        [email],
      );
    } finally {
      await db.end();
    }
    await page.reload();
    await heading('Sign in').waitFor();
    await page.getByText('Your session has expired. Please sign in again.').waitFor();
    await inspect('session-expired');

    // By keyboard alone: Tab into the form, Enter submits.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('email');
    await page.keyboard.type(email);
    await page.keyboard.press('Tab');
    await page.keyboard.type(password);
    await page.keyboard.press('Enter');
    await heading('Your banks').waitFor();
  });

  it('logged no console errors on any page', () => {
    expect(consoleErrors).toEqual([]);
  });
});
