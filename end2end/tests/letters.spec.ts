// Letters: a member writes a demand letter, generates it (streamed), edits a sentence and
// submits it; a reviewer (the admin, in a second browser context) returns it with a comment;
// the member fixes it and resubmits; the reviewer approves and sends it by email; the member
// downloads the sent PDF.
// Axe scans /letters, the letter page and /admin/letters (the phone project runs at 390 px).
import { test, expect, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { ADMIN_STATE, alert, hydrated, noSeriousViolations, signUpAndConfirm, uniqueEmail } from './support';

/** A client address of its own for each journey (198.18.0.0/15 is reserved for tests). */
async function ownAddress(page: Page) {
  const byte = () => Math.floor(Math.random() * 256);
  await page.setExtraHTTPHeaders({ 'X-Forwarded-For': `198.${18 + (byte() % 2)}.${byte()}.${byte()}` });
}

function notice(page: Page) {
  return page.getByRole('status').filter({ hasText: /\S/ });
}

test('a demand letter is written, reviewed, returned, fixed, approved, sent and downloaded', async ({ page, browser }, testInfo) => {
  test.setTimeout(120_000);
  await ownAddress(page);
  await signUpAndConfirm(page, uniqueEmail('letters', testInfo.project.name), 'Ada Lovelace');
  const recipient = `Acme Widgets ${testInfo.project.name} ${Date.now()}`;

  await page.goto('/letters');
  await hydrated(page);
  await expect(page.getByRole('heading', { level: 1, name: 'Your letters' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'No letters yet' })).toBeVisible();
  await noSeriousViolations(page);

  await page.getByRole('link', { name: 'New letter' }).first().click();
  await expect(page.getByRole('heading', { level: 1, name: 'New letter' })).toBeVisible();
  await hydrated(page);
  await page.getByLabel('Letter type').selectOption('demand_for_payment');
  await page.getByLabel('Your name').fill('Ada Lovelace');
  await page.getByLabel('Your postal address').fill('1 Analytical Way\nLondon');
  await page.getByLabel("Recipient's name").fill(recipient);
  await page.getByLabel("Recipient's postal address").fill('2 Main Street\nSpringfield');
  await page.getByLabel("Recipient's email").fill('billing@acme.example');
  await page.getByLabel('What happened').fill('I delivered 40 widgets on 1 September 2026 under invoice 42. Acme has not paid.');
  await page.getByLabel('What you want').fill('Pay invoice 42 in full');
  await page.getByLabel('Deadline').fill('2099-12-31');
  // A third decimal is refused next to its field, with a message.
  await page.getByLabel('Amount').fill('1234.505');
  await page.getByRole('button', { name: 'Save draft' }).click();
  await expect(page.getByLabel('Amount')).toHaveAttribute('aria-invalid', 'true');
  await expect(alert(page).filter({ hasText: 'Use at most two decimals' })).toBeVisible();
  await page.getByLabel('Amount').fill('1234.50');
  await page.getByRole('button', { name: 'Save draft' }).click();
  await expect(page).toHaveURL(/\/letters\/[0-9a-f-]{36}$/);
  const letterUrl = new URL(page.url()).pathname;
  await hydrated(page);
  await expect(page.getByText('Status: Draft')).toBeVisible();

  // Generation streams into the page, then the letter is ready to edit.
  await page.getByRole('button', { name: 'Generate letter' }).click();
  await expect(page.getByRole('button', { name: 'Cancel' })).toBeVisible();
  await expect(page.getByLabel('Letter text')).toBeVisible({ timeout: 30_000 });
  await expect(page.getByText('Status: Ready')).toBeVisible();
  const written = await page.getByLabel('Letter text').inputValue();
  expect(written).toContain(`Dear ${recipient},`);
  expect(written).toContain('$1,234.50');
  await noSeriousViolations(page);

  // The member edits one sentence and submits.
  expect(written).toContain('I therefore ask for the following');
  await page.getByLabel('Letter text').fill(written.replace('I therefore ask for the following', 'I therefore require the following'));
  await page.getByRole('button', { name: 'Submit for review' }).click();
  await expect(notice(page)).toHaveText(/Submitted for review/);
  await expect(page.getByText('Status: In review')).toBeVisible();

  // The reviewer returns it with a comment.
  const admin = await browser.newContext({ storageState: ADMIN_STATE });
  const review = await admin.newPage();
  await review.goto('/admin/letters');
  await hydrated(review);
  await expect(review.getByRole('heading', { level: 1, name: 'Letters to review' })).toBeVisible();
  await noSeriousViolations(review);
  await review.getByRole('link', { name: `Demand for payment to ${recipient}` }).click();
  await expect(review.getByRole('heading', { name: 'The member\'s facts' })).toBeVisible();
  await expect(review.getByLabel('Letter text')).toHaveValue(/I therefore require the following/);
  const comment = 'Please mention the invoice date in the first paragraph.';
  await review.getByLabel('Comment').fill(comment);
  await review.getByRole('button', { name: 'Return to member' }).click();
  await expect(review.getByRole('status').filter({ hasText: 'Returned to the member.' })).toBeVisible();
  await noSeriousViolations(review);

  // The member sees the comment, fixes the letter and resubmits.
  await page.goto(letterUrl);
  await hydrated(page);
  await expect(page.getByRole('region', { name: 'The reviewer asks for changes' })).toContainText(comment);
  const returned = await page.getByLabel('Letter text').inputValue();
  await page.getByLabel('Letter text').fill(returned.replace('I am writing', 'Further to my invoice of 1 September 2026, I am writing'));
  await page.getByRole('button', { name: 'Submit for review' }).click();
  await expect(page.getByText('Status: In review')).toBeVisible();
  await expect(page.getByRole('region', { name: 'Timeline' })).toContainText('Returned → In review');

  // The reviewer approves.
  await review.reload();
  await hydrated(review);
  await expect(review.getByLabel('Letter text')).toHaveValue(/Further to my invoice of 1 September 2026/);
  await review.getByRole('button', { name: 'Approve' }).click();
  await expect(review.getByRole('status').filter({ hasText: 'Approved.' })).toBeVisible();
  await page.reload();
  await hydrated(page);
  await expect(page.getByText('Status: Approved')).toBeVisible();

  // The reviewer sends it to the recipient by email, with the PDF attached.
  await review.getByRole('button', { name: 'Send by email' }).click();
  await expect(review.getByRole('status').filter({ hasText: 'Sent by email.' })).toBeVisible();
  await admin.close();

  await page.reload();
  await hydrated(page);
  await expect(page.getByText('Status: Sent')).toBeVisible();
  await expect(page.getByRole('region', { name: 'Timeline' })).toContainText('Approved → Sent');
  await expect(page.getByText(/Further to my invoice of 1 September 2026/)).toBeVisible();

  // The print view shows the same letter, with print styles.
  await page.getByRole('link', { name: 'Print' }).click();
  await expect(page.getByRole('article', { name: 'Letter' })).toContainText(`Re: Demand for payment — $1,234.50`);

  await page.goto(letterUrl);
  await hydrated(page);
  const download = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Download PDF' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/\.pdf$/);
  expect(readFileSync(await file.path()).subarray(0, 5).toString()).toBe('%PDF-');
});
