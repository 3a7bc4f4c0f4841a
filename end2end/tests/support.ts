// Helpers every browser journey shares: hydration, axe, the admin's dev mailbox, sign-up.
import { expect, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';

/** The test build's wasm (about 4 MB, unoptimised server compressing it) takes 1–2 s to
 *  hydrate on an idle 2-core machine and several seconds while two workers hash passwords. */
export const HYDRATION_MS = 20_000;

export const PASSWORD = 'correct horse battery';

/** The admin scripts/test created with `threadr create-admin`, and the portal key it set. */
export const ADMIN = {
  email: process.env.E2E_ADMIN_EMAIL ?? 'root@threadr.test',
  password: process.env.E2E_ADMIN_PASSWORD ?? 'correct admin battery staple',
  portalKey: process.env.E2E_ADMIN_PORTAL_KEY ?? 'the e2e admin portal key',
};

/** The admin's signed-in, stepped-up browser state (written by global-setup.ts). */
export const ADMIN_STATE = 'end2end/.auth/admin.json';

export async function hydrated(page: Page) {
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true', { timeout: HYDRATION_MS });
}

export async function seriousViolations(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

export async function noSeriousViolations(page: Page) {
  expect(await seriousViolations(page)).toEqual([]);
}

/** The admin opens the newest email with `subject` to `email` in the dev mailbox (in their
 *  own browser); the member then follows its link whose address matches `link`. */
export async function followEmailedLink(page: Page, email: string, subject: string, link: RegExp) {
  const browser = page.context().browser()!;
  const admin = await browser.newContext({ storageState: ADMIN_STATE });
  const mailbox = await admin.newPage();
  await expect(async () => {
    await mailbox.goto('/admin/mail');
    await mailbox.getByRole('listitem').filter({ hasText: email }).getByRole('link', { name: subject }).first().click({ timeout: 1000 });
  }).toPass({ timeout: 15_000 });
  const anchor = mailbox.getByRole('region', { name: 'Links in this message' }).getByRole('link', { name: link });
  const href = (await anchor.getAttribute('href'))!;
  await admin.close();
  await page.goto(href);
  await hydrated(page);
}

export async function signUp(page: Page, email: string, name = 'Grace') {
  await page.goto('/sign-up');
  await hydrated(page);
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('status')).toBeVisible();
}

export async function signUpAndConfirm(page: Page, email: string, name = 'Grace') {
  await signUp(page, email, name);
  await followEmailedLink(page, email, 'Confirm your email address', /verify-email\?token=/);
  await page.getByRole('button', { name: 'Confirm my email' }).click();
  await expect(page.getByText('Your email is confirmed and you are signed in.')).toBeVisible();
}

export async function signIn(page: Page, email: string, password: string) {
  await page.goto('/sign-in');
  await hydrated(page);
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/** A non-empty alert (forms keep an empty live region ready). */
export function alert(page: Page) {
  return page.getByRole('alert').filter({ hasText: /\S/ });
}

export function menu(page: Page) {
  return page.getByRole('navigation', { name: 'Primary' });
}

export async function openMenu(page: Page) {
  const button = page.getByRole('button', { name: 'Menu' });
  if (await button.isVisible()) await button.click();
}

export function uniqueEmail(prefix: string, project: string) {
  return `${prefix}-${project}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;
}
