import { test, expect } from '@playwright/test';
import {
  ADMIN,
  PASSWORD,
  alert,
  hydrated,
  noSeriousViolations,
  openMenu,
  menu,
  signIn,
  signUpAndConfirm,
  uniqueEmail,
} from './support';

test('entering the admin area asks for the portal key once', async ({ page }) => {
  await signIn(page, ADMIN.email, ADMIN.password);
  await expect(page.getByRole('heading', { level: 1, name: 'Your account' })).toBeVisible();
  await page.goto('/admin/mail');
  await expect(page.getByRole('heading', { level: 1, name: 'Admin portal key required' })).toBeVisible();
  await page.getByRole('link', { name: 'Enter the admin portal key' }).click();
  await hydrated(page);
  await expect(page.getByRole('heading', { level: 1, name: 'Admin portal key' })).toBeVisible();
  await noSeriousViolations(page);
  await page.getByLabel('Admin portal key').fill('not the key at all');
  await page.getByRole('button', { name: 'Open the admin area' }).click();
  await expect(alert(page)).toHaveText('That is not the admin portal key.');
  await page.getByLabel('Admin portal key').fill(ADMIN.portalKey);
  await page.getByRole('button', { name: 'Open the admin area' }).click();
  await page.getByRole('link', { name: 'Dev mailbox' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Dev mailbox' })).toBeVisible();
  await page.goto('/admin');
  await expect(page.getByRole('link', { name: 'Dev mailbox' })).toBeVisible();
});

test('members are kept out of the admin area', async ({ page }, testInfo) => {
  await signUpAndConfirm(page, uniqueEmail('nosy', testInfo.project.name));
  const response = await page.goto('/admin');
  expect(response?.status()).toBe(403);
  await expect(page.getByRole('heading', { level: 1, name: 'No access' })).toBeVisible();
});

test('a member edits their profile, adds an address and sees their devices', async ({ page }, testInfo) => {
  await signUpAndConfirm(page, uniqueEmail('grace', testInfo.project.name));
  await page.goto('/account');
  await hydrated(page);
  await page.getByLabel('Display name').fill('Grace <b>Hopper</b>');
  await page.getByLabel('Bio').fill('Compilers & COBOL.');
  await page.getByRole('button', { name: 'Save profile' }).click();
  await expect(page.getByRole('status').filter({ hasText: /\S/ })).toHaveText('Your profile is saved.');
  await openMenu(page);
  await expect(menu(page).getByRole('link', { name: 'Grace <b>Hopper</b>' })).toBeVisible();
  await noSeriousViolations(page);

  await page.getByRole('navigation', { name: 'Account' }).getByRole('link', { name: 'Addresses' }).click();
  await expect(page.getByText('No addresses yet.')).toBeVisible();
  await hydrated(page);
  await page.getByLabel('Full name').fill('Grace Hopper');
  await page.getByLabel('Address line 1').fill('1 Navy Yard');
  await page.getByLabel('City').fill('Arlington');
  await page.getByLabel('Postal code').fill('<22202>');
  await page.getByLabel('Country').selectOption({ label: 'United States' });
  await page.getByRole('button', { name: 'Add address' }).click();
  await expect(alert(page)).toHaveText('The postal code may contain only letters, digits, spaces and hyphens.');
  await expect(page.getByLabel('City')).toHaveValue('Arlington');
  await page.getByLabel('Postal code').fill('22202');
  await page.getByRole('button', { name: 'Add address' }).click();
  const card = page.getByRole('listitem').filter({ hasText: '1 Navy Yard' });
  await expect(card.getByText('Default address')).toBeVisible();
  await expect(card.getByText('United States')).toBeVisible();
  await noSeriousViolations(page);

  await card.getByRole('button', { name: 'Edit Grace Hopper, 1 Navy Yard' }).click();
  await page.getByLabel('City').first().fill('Washington');
  await page.getByRole('button', { name: 'Save address' }).click();
  await expect(page.getByRole('listitem').filter({ hasText: 'Washington' })).toBeVisible();
  await page.getByRole('button', { name: 'Delete Grace Hopper, 1 Navy Yard' }).click();
  await expect(page.getByText('No addresses yet.')).toBeVisible();

  await page.getByRole('navigation', { name: 'Account' }).getByRole('link', { name: 'Devices' }).click();
  await expect(page.getByText('This device')).toBeVisible();
  await noSeriousViolations(page);
});

test('deleting an account needs the email typed again, then signs in nobody', async ({ page }, testInfo) => {
  const email = uniqueEmail('leaving', testInfo.project.name);
  await signUpAndConfirm(page, email);
  await page.goto('/account/delete');
  await hydrated(page);
  await noSeriousViolations(page);
  await page.getByLabel('Type your email address to confirm').fill('someone-else@example.com');
  await page.getByLabel('Current password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Delete my account' }).click();
  await expect(alert(page)).toHaveText('Type your email address exactly as shown to confirm.');
  await page.getByLabel('Type your email address to confirm').fill(email);
  await page.getByRole('button', { name: 'Delete my account' }).click();
  await expect(page).toHaveURL(/\/\?deleted=1$/);
  await signIn(page, email, PASSWORD);
  await expect(alert(page)).toHaveText('That email and password do not match an account.');
});
