import { test, expect, type Page } from '@playwright/test';
import {
  PASSWORD,
  followEmailedLink,
  hydrated,
  menu,
  noSeriousViolations,
  openMenu,
  signIn,
  signUpAndConfirm,
} from './support';

async function openConfirmationLink(page: Page, email: string) {
  await followEmailedLink(page, email, 'Confirm your email address', /verify-email\?token=/);
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

  await signIn(page, email, 'not my password');
  await expect(page.getByRole('alert').filter({ hasText: /\S/ })).toHaveText('That email and password do not match an account.');

  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
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

test('a forgotten password is reset by the emailed link; the old one stops working', async ({ browser, page }, testInfo) => {
  const email = `grace-${testInfo.project.name}-${Date.now()}@example.com`;
  await signUpAndConfirm(page, email);
  await page.context().clearCookies();

  await page.goto('/forgot-password');
  await hydrated(page);
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Send reset link' }).click();
  await expect(page.getByRole('status').filter({ hasText: /\S/ })).toHaveText(
    'If an account uses that address, we sent it a link to choose a new password.',
  );
  await followEmailedLink(page, email, 'Reset your Threadr password', /reset-password\?token=/);
  await page.getByLabel('New password').fill('short');
  await page.getByRole('button', { name: 'Save new password' }).click();
  await expect(page.getByRole('alert').filter({ hasText: /\S/ })).toHaveText('Use at least 10 characters for your password.');
  await page.getByLabel('New password').fill('an entirely new secret');
  await page.getByRole('button', { name: 'Save new password' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Your account' })).toBeVisible();

  const other = await browser.newContext();
  const fresh = await other.newPage();
  await signIn(fresh, email, PASSWORD);
  await expect(fresh.getByRole('alert').filter({ hasText: /\S/ })).toHaveText('That email and password do not match an account.');
  await signIn(fresh, email, 'an entirely new secret');
  await expect(fresh.getByRole('heading', { level: 1, name: 'Your account' })).toBeVisible();
  await other.close();
});

test('a magic link signs in once and not twice', async ({ page }, testInfo) => {
  const email = `magic-${testInfo.project.name}-${Date.now()}@example.com`;
  await signUpAndConfirm(page, email);
  await page.context().clearCookies();

  await page.goto('/sign-in');
  await hydrated(page);
  await page.getByLabel('Email for a sign-in link').fill(email);
  await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
  await expect(page.getByText('If an account uses that address, we sent it a sign-in link.')).toBeVisible();
  await followEmailedLink(page, email, 'Your Threadr sign-in link', /sign-in\/link\?token=/);
  const link = page.url();
  await page.getByRole('button', { name: 'Sign in to Threadr' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Your account' })).toBeVisible();

  await page.goto(link);
  await hydrated(page);
  await page.getByRole('button', { name: 'Sign in to Threadr' }).click();
  await expect(page.getByRole('alert').filter({ hasText: /\S/ })).toHaveText(
    'This link is invalid, was already used or has expired. Request a new one.',
  );
});
