// Debian's Chromium driven by playwright-core (no browser download). A missing Chromium fails the
// tests with what to install, never skips them.
import { existsSync } from 'node:fs';
import {
  chromium,
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  type Page,
} from 'playwright-core';

export const CHROMIUM = process.env.QDP_CHROMIUM ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}: install Debian's package (apt-get install chromium) or set QDP_CHROMIUM`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    // Root in CI containers: Chromium's sandbox needs user namespaces it may not have.
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
}

/**
 * A new browser context logged in through the Italian log-in form, on the page the log-in lands
 * on (the list). `consoleErrors` collects what the page reports as errors (a CSP refusal is one).
 */
export async function logInWithForm(
  browser: Browser,
  url: string,
  username: string,
  password: string,
  options: BrowserContextOptions = {},
): Promise<{ context: BrowserContext; page: Page; consoleErrors: string[] }> {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  await page.goto(`${url}/login`);
  await page.getByLabel('Nome utente').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Accedi' }).click();
  await page.waitForURL(/\/quarantene/);
  return { context, page, consoleErrors };
}
