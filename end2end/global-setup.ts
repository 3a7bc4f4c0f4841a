// Signs the admin in once and enters the portal key, so journeys that read the dev mailbox
// reuse that browser state (sign-ins and portal-key entries are each limited to 5 per account
// per 15 minutes). A second run against the same server (scripts/test runs the maintenance
// journey alone afterwards) sets E2E_REUSE_ADMIN_STATE and keeps the first run's session.
import { chromium, expect, type FullConfig } from '@playwright/test';
import { existsSync, mkdirSync } from 'node:fs';
import { ADMIN, ADMIN_STATE, hydrated } from './tests/support';

export default async function globalSetup(config: FullConfig) {
  if (process.env.E2E_REUSE_ADMIN_STATE && existsSync(ADMIN_STATE)) return;
  const { baseURL, launchOptions } = config.projects[0].use;
  const browser = await chromium.launch(launchOptions);
  const page = await browser.newPage({ baseURL });
  await page.goto('/sign-in');
  await hydrated(page);
  await page.getByLabel('Email', { exact: true }).fill(ADMIN.email);
  await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Your account' })).toBeVisible();
  await page.goto('/admin');
  await hydrated(page);
  await page.getByLabel('Admin portal key').fill(ADMIN.portalKey);
  await page.getByRole('button', { name: 'Open the admin area' }).click();
  await expect(page.getByRole('link', { name: 'Dev mailbox' })).toBeVisible();
  mkdirSync('end2end/.auth', { recursive: true });
  await page.context().storageState({ path: ADMIN_STATE });
  await browser.close();
}
