// Tools: a visitor writes a product description (the offline provider, paced, so the parts
// visibly fill in), copies its parts and tries another tone; the transcription page offers the
// upgrade to a free member and says plainly that transcription is not configured to a paid one
// (the e2e server has no transcription provider).
import { test, expect, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { hydrated, noSeriousViolations, signUpAndConfirm, uniqueEmail } from './support';

/** A client address of its own for each journey (198.18.0.0/15 is reserved for tests). */
async function ownAddress(page: Page) {
  const byte = () => Math.floor(Math.random() * 256);
  await page.setExtraHTTPHeaders({ 'X-Forwarded-For': `198.${18 + (byte() % 2)}.${byte()}.${byte()}` });
}

function progress(page: Page) {
  return page.getByRole('status').filter({ hasText: /^(Writing|Done)/ });
}

async function clipboard(page: Page) {
  return page.evaluate(() => navigator.clipboard.readText());
}

/** Paid access the way an operator grants it: `threadr grant-premium` on the e2e database. */
function grantPremium(email: string) {
  const binary = `${process.env.CARGO_TARGET_DIR ?? 'target'}/debug/threadr`;
  execFileSync(binary, ['grant-premium', '--email', email, '--days', '30'], {
    env: { ...process.env, DATABASE_URL: process.env.E2E_DATABASE_URL ?? process.env.DATABASE_URL },
    stdio: 'pipe',
  });
}

test('a visitor writes a product description, watches it fill in, copies it and tries another tone', async ({ page, context }) => {
  await ownAddress(page);
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.goto('/tools/description');
  await expect(page.getByRole('heading', { level: 1, name: 'Product descriptions' })).toBeVisible();
  await hydrated(page);
  await noSeriousViolations(page);

  // Nothing filled in: the server says what is missing.
  await page.getByRole('button', { name: 'Write description' }).click();
  await expect(page.getByRole('alert').filter({ hasText: /\S/ })).toHaveText("Enter the product's name.");

  await page.getByLabel('Product name').fill('Blue Mug');
  await page.getByLabel('Category').fill('Mugs');
  await page.getByLabel('Key facts').fill('Holds 350 ml\nDishwasher safe\nHand-glazed stoneware\nMade in Portugal');
  await page.getByLabel('Audience').fill('coffee lovers');
  await page.getByLabel('Tone', { exact: true }).selectOption('friendly');
  // Records whether the title was shown while the rest was still being written.
  await page.evaluate(() => {
    const seen: boolean[] = [];
    (window as unknown as { seen: boolean[] }).seen = seen;
    new MutationObserver(() => {
      const title = document.body.textContent?.includes('Blue Mug – Mugs') ?? false;
      const done = [...document.querySelectorAll('[role=status]')].some((s) => s.textContent?.startsWith('Done'));
      seen.push(title && !done);
    }).observe(document.body, { childList: true, subtree: true, characterData: true });
  });
  await page.getByRole('button', { name: 'Write description' }).click();
  await expect(progress(page)).toHaveText('Done. Sign up to keep your descriptions in a history.');
  expect(await page.evaluate(() => (window as unknown as { seen: boolean[] }).seen.some(Boolean))).toBe(true);

  const result = page.getByRole('region', { name: 'Your description' });
  await expect(result.getByText('Blue Mug – Mugs')).toBeVisible();
  await expect(result.getByRole('listitem')).toHaveText(['Holds 350 ml', 'Dishwasher safe', 'Hand-glazed stoneware', 'Made in Portugal']);
  await expect(result).toContainText('Meet Blue Mug');

  await result.getByRole('button', { name: 'Copy title' }).click();
  await expect.poll(() => clipboard(page)).toBe('Blue Mug – Mugs');
  await result.getByRole('button', { name: 'Copy bullet points' }).click();
  await expect.poll(() => clipboard(page)).toBe('- Holds 350 ml\n- Dishwasher safe\n- Hand-glazed stoneware\n- Made in Portugal');
  await noSeriousViolations(page);

  await result.getByLabel('Another tone').selectOption('luxurious');
  await result.getByRole('button', { name: 'Regenerate with a different tone' }).click();
  await expect(progress(page)).toHaveText(/^Done/);
  await expect(result).toContainText('Discover Blue Mug');
  await expect(page.getByLabel('Tone', { exact: true })).toHaveValue('luxurious');
  await result.getByRole('button', { name: 'Copy description' }).click();
  await expect.poll(() => clipboard(page)).toMatch(/^Discover Blue Mug/);
});

test('transcription: a free member sees the upgrade offer, a paid one that it is not configured', async ({ page }, testInfo) => {
  await ownAddress(page);
  const email = uniqueEmail('transcribe', testInfo.project.name);
  await signUpAndConfirm(page, email);

  await page.goto('/tools/transcribe');
  await expect(page.getByRole('heading', { level: 1, name: 'Transcribe audio' })).toBeVisible();
  await hydrated(page);
  await expect(page.getByRole('heading', { name: 'Upgrade to transcribe audio' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'See plans and upgrade' })).toHaveAttribute('href', '/pricing');
  await expect(page.getByLabel('Audio file')).toHaveCount(0);
  await noSeriousViolations(page);

  grantPremium(email);
  await page.reload();
  await hydrated(page);
  await expect(page.getByRole('heading', { name: 'Transcription is not configured' })).toBeVisible();
  await expect(page.getByText('nothing can be uploaded and nothing is charged')).toBeVisible();
  await expect(page.getByLabel('Audio file')).toHaveCount(0);
  await noSeriousViolations(page);
});
