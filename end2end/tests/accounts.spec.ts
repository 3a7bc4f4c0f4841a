import { test, expect, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';

const PASSWORD = 'correct horse battery';

async function hydrated(page: Page) {
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
}

async function noSeriousViolations(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
}

/** Follows the confirmation link of the newest email to `email` in the dev mailbox. */
async function openConfirmationLink(page: Page, email: string) {
  await expect(async () => {
    await page.goto('/admin/mail');
    await page.getByRole('listitem').filter({ hasText: email }).getByRole('link', { name: 'Confirm your email address' }).click({ timeout: 1000 });
  }).toPass({ timeout: 15_000 });
  const link = page.getByRole('region', { name: 'Links in this message' }).getByRole('link', { name: /verify-email\?token=/ });
  await page.goto((await link.getAttribute('href'))!);
}

function menu(page: Page) {
  return page.getByRole('navigation', { name: 'Primary' });
}

async function openMenu(page: Page) {
  const button = page.getByRole('button', { name: 'Menu' });
  if (await button.isVisible()) await button.click();
}

test('sign up, confirm from the mailbox, sign out, sign in', async ({ page }, testInfo) => {
  const email = `ada-${testInfo.project.name}-${Date.now()}@example.com`;
  await page.goto('/sign-up');
  await hydrated(page);
  await noSeriousViolations(page);
  await page.getByLabel('Name').fill('Ada Lovelace');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('status')).toHaveText('Check your inbox: we sent a link to confirm your email address.');

  await openConfirmationLink(page, email);
  await hydrated(page);
  await page.getByRole('button', { name: 'Confirm my email' }).click();
  await expect(page.getByText('Your email is confirmed and you are signed in.')).toBeVisible();
  await page.getByRole('link', { name: 'Go to your account' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Your account' })).toBeVisible();
  await expect(page.getByText('Please confirm your email address')).toHaveCount(0);
  await expect(page.getByText(email)).toBeVisible();
  await noSeriousViolations(page);

  await openMenu(page);
  await menu(page).getByRole('button', { name: 'Sign out' }).click();
  await openMenu(page);
  await expect(menu(page).getByRole('link', { name: 'Sign in' })).toBeVisible();

  await page.goto('/sign-in');
  await hydrated(page);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('not my password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert').filter({ hasText: /\S/ })).toHaveText('That email and password do not match an account.');

  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Your account' })).toBeVisible();
});

test('a confirmation link works once', async ({ page }, testInfo) => {
  const email = `once-${testInfo.project.name}-${Date.now()}@example.com`;
  await page.goto('/sign-up');
  await hydrated(page);
  await page.getByLabel('Name').fill('Once');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('status')).toBeVisible();
  await openConfirmationLink(page, email);
  const url = page.url();
  await hydrated(page);
  await page.getByRole('button', { name: 'Confirm my email' }).click();
  await expect(page.getByText('Your email is confirmed and you are signed in.')).toBeVisible();

  await page.goto(url);
  await hydrated(page);
  await page.getByRole('button', { name: 'Confirm my email' }).click();
  await expect(page.getByRole('alert').filter({ hasText: /\S/ })).toHaveText(
    'This link is invalid, was already used or has expired. Request a new one.',
  );
});

test('bad sign-up input is explained and nothing is created', async ({ page }) => {
  await page.goto('/sign-up');
  await hydrated(page);
  await page.getByLabel('Name').fill('Ada');
  await page.getByLabel('Email').fill('not-an-email');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('alert').filter({ hasText: /\S/ })).toHaveText('Enter a valid email address, like name@example.com.');
  await page.getByLabel('Email').fill('ada@example.com');
  await page.getByLabel('Password').fill('short');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('alert').filter({ hasText: /\S/ })).toHaveText('Use at least 10 characters for your password.');
});

test('the account page asks visitors to sign in, with status 401', async ({ page }) => {
  const response = await page.goto('/account');
  expect(response?.status()).toBe(401);
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in required' })).toBeVisible();
});

for (const path of ['/sign-in', '/sign-up']) {
  test(`no serious accessibility violations on ${path} (dark)`, async ({ page }) => {
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.goto(path);
    await hydrated(page);
    await noSeriousViolations(page);
  });
}
