import { test, expect, type Page } from '@playwright/test';
import { hydrated, noSeriousViolations } from './support';

/** Fails the test on any CSP violation or script error: hydration must run under our CSP. */
function watchConsole(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(msg.text());
  });
  page.on('pageerror', (err) => problems.push(err.message));
  return problems;
}

test('home page is rendered by the server, JavaScript off', async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  const response = await page.goto('/');
  expect(response?.status()).toBe(200);
  await expect(page.getByRole('heading', { level: 1, name: 'Write less. Publish more.' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'What you can do' })).toBeVisible();
  // The live status comes from a server function and is part of the HTML itself.
  const status = page.getByRole('region', { name: 'Live status' });
  await expect(status.getByText(/^Reachable \(/)).toBeVisible();
  await context.close();
});

test('the page hydrates and a control works only after hydration', async ({ page }, testInfo) => {
  const problems = watchConsole(page);
  await page.goto('/');
  await hydrated(page);
  if (testInfo.project.name === 'phone') {
    const menu = page.getByRole('button', { name: 'Menu' });
    await expect(menu).toHaveAttribute('aria-expanded', 'false');
    await expect(page.getByRole('navigation', { name: 'Primary' })).toBeHidden();
    await menu.click();
    await expect(menu).toHaveAttribute('aria-expanded', 'true');
    await page.getByRole('navigation', { name: 'Primary' }).getByRole('link', { name: 'Status' }).click();
    await expect(page).toHaveURL(/\/status$/);
    await expect(menu).toHaveAttribute('aria-expanded', 'false');
  } else {
    await page.getByRole('navigation', { name: 'Primary' }).getByRole('link', { name: 'Status' }).click();
    await expect(page).toHaveURL(/\/status$/);
  }
  // Client-side navigation rendered the page through the server function.
  await expect(page.getByRole('heading', { level: 1, name: 'System status' })).toBeVisible();
  await expect(page.getByText('Migrations applied')).toBeVisible();
  expect(problems).toEqual([]);
});

test('refreshing the live status calls the server function and shows the result', async ({ page }) => {
  const problems = watchConsole(page);
  await page.goto('/');
  await hydrated(page);
  const status = page.getByRole('region', { name: 'Live status' });
  const checkedAt = status.locator('time');
  const before = await checkedAt.textContent();
  const call = page.waitForResponse((r) => r.url().includes('/api/status/live') && r.status() === 200);
  await status.getByRole('button', { name: 'Refresh status' }).click();
  await call;
  await expect(page.getByRole('region', { name: 'Notifications' }).getByText('Status refreshed')).toBeVisible();
  await expect(checkedAt).not.toHaveText(before ?? '');
  await expect(status.getByText(/^Reachable \(/)).toBeVisible();
  // The toast can be dismissed by its button.
  await page.getByRole('button', { name: 'Dismiss notification' }).click();
  await expect(page.getByText('Status refreshed')).toBeHidden();
  expect(problems).toEqual([]);
});

test('an unknown path shows the 404 page with status 404', async ({ page }) => {
  const response = await page.goto('/no/such/page');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { level: 1, name: 'Page not found' })).toBeVisible();
  await page.getByRole('link', { name: 'Back to the home page' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Write less. Publish more.' })).toBeVisible();
});

test('keyboard users can skip to the content', async ({ page }) => {
  await page.goto('/');
  await hydrated(page);
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: 'Skip to content' });
  await expect(skip).toBeFocused();
  await expect(skip).toBeVisible();
});

test('touch targets are at least 44 by 44 pixels', async ({ page }) => {
  await page.goto('/');
  await hydrated(page);
  const targets = page.locator('header a:visible, header button:visible, main button:visible, footer a:visible');
  const count = await targets.count();
  expect(count).toBeGreaterThan(2);
  for (let i = 0; i < count; i++) {
    const box = await targets.nth(i).boundingBox();
    const name = await targets.nth(i).textContent();
    expect(box, `${name} has a box`).not.toBeNull();
    expect(box!.height, `${name} height`).toBeGreaterThanOrEqual(44);
    expect(box!.width, `${name} width`).toBeGreaterThanOrEqual(44);
  }
});

for (const scheme of ['light', 'dark'] as const) {
  for (const path of ['/', '/status', '/no/such/page']) {
    test(`no serious accessibility violations on ${path} (${scheme})`, async ({ page }) => {
      await page.emulateMedia({ colorScheme: scheme });
      await page.goto(path);
      await hydrated(page);
      await noSeriousViolations(page);
    });
  }
}
