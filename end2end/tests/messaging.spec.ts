// Messaging: a buyer messages a seller from a product page; the seller's page (another browser
// context) shows it without a reload and the header badge counts it; the seller replies and
// edits the reply; the buyer sees "edited", and "Seen" once the seller read hers; the seller's
// connection is cut (offline) and restored: "Reconnecting…", then the message sent meanwhile.
import { expect, test, type Browser, type Page } from '@playwright/test';
import { hydrated, noSeriousViolations, signUpAndConfirm, uniqueEmail } from './support';

/** The header's Messages link (inside the closed menu on a phone, so found hidden too). */
function badge(page: Page, name: string) {
  return page.getByRole('link', { name, exact: true, includeHidden: true });
}

async function api(page: Page, endpoint: string, form: Record<string, string>) {
  const res = await page.request.post(`/api/${endpoint}`, { form });
  expect(res.status(), `${endpoint}: ${await res.text()}`).toBe(200);
  return res.json();
}

/** A seller (Stripe onboarding through the fake) with one listing on sale. */
async function seller(browser: Browser, project: string, title: string) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signUpAndConfirm(page, uniqueEmail('sam', project), 'Sam');
  const link: string = await api(page, 'sell/start', { handle: `sam-${project}-${Date.now() % 1000000}` });
  await page.goto(link);
  await page.getByRole('link', { name: 'Finish onboarding' }).click();
  await expect(page).toHaveURL(/\/sell/);
  const id: string = await api(page, 'sell/create', {
    'form[title]': title, 'form[description]': 'Hand-thrown, glazed.', 'form[price]': '35.00',
    'form[currency]': 'USD', 'form[stock]': '2', 'form[category]': 'furniture', 'form[condition]': 'new',
  });
  await api(page, 'sell/status', { id, change: 'publish' });
  const product = await api(page, 'sell/listing', { id });
  return { context, page, slug: product.slug as string };
}

test('a buyer and a seller talk live: badge, edit, seen, and a reconnect that misses nothing', async ({ page, browser }, info) => {
  test.setTimeout(180_000);
  const project = info.project.name;
  const title = `Stoneware vase ${project} ${Date.now() % 100000}`;
  const sam = await seller(browser, project, title);

  // The buyer opens the listing and messages the seller.
  await signUpAndConfirm(page, uniqueEmail('bo', project), 'Bo');
  await page.goto(`/products/${sam.slug}`);
  await hydrated(page);
  await page.getByRole('button', { name: 'Message the seller' }).click();
  await expect(page.getByRole('heading', { name: 'Conversation with Sam' })).toBeVisible();
  await hydrated(page);
  await expect(page.getByRole('region', { name: 'About' })).toContainText(title);
  await expect(page.getByText('No messages yet.')).toBeVisible();
  await noSeriousViolations(page);

  // The seller waits on /messages (connected) before the first message arrives.
  await sam.page.goto('/messages');
  await hydrated(sam.page);
  await expect(badge(sam.page, 'Messages')).toBeAttached();
  await noSeriousViolations(sam.page);

  await page.getByLabel('Message', { exact: true }).fill('Hello! Does it hold water? See https://example.com/vase');
  await page.getByRole('button', { name: 'Send' }).click();
  const log = page.getByRole('log', { name: 'Messages' });
  await expect(log).toContainText('Does it hold water?');
  await expect(log.getByRole('link', { name: 'https://example.com/vase' })).toHaveAttribute('rel', 'nofollow noopener noreferrer');

  // Without a reload, the seller's badge counts it and the list shows it.
  await expect(badge(sam.page, 'Messages, 1 unread')).toBeAttached({ timeout: 5_000 });
  await expect(sam.page.getByRole('list', { name: 'Conversations' })).toContainText('Does it hold water?');
  await sam.page.getByRole('link', { name: new RegExp(`^Bo about ${title}, 1 unread`) }).click();
  await hydrated(sam.page);
  await expect(sam.page.getByRole('log', { name: 'Messages' })).toContainText('Does it hold water?');
  await expect(badge(sam.page, 'Messages')).toBeAttached({ timeout: 5_000 });

  // The buyer sees "Seen" once the seller has read it.
  await expect(log.getByText('Seen')).toBeVisible({ timeout: 5_000 });

  // The seller replies, then edits the reply; the buyer sees both live, marked edited.
  await sam.page.getByLabel('Message', { exact: true }).fill('Yes, it is glazed insid.');
  await sam.page.getByRole('button', { name: 'Send' }).click();
  await expect(log).toContainText('Yes, it is glazed insid.');
  const samLog = sam.page.getByRole('log', { name: 'Messages' });
  await samLog.getByRole('listitem').filter({ hasText: 'glazed insid.' }).getByRole('button', { name: 'Edit' }).click();
  await sam.page.getByRole('textbox', { name: 'Edit message' }).fill('Yes, it is glazed inside.');
  await sam.page.getByRole('button', { name: 'Save' }).click();
  await expect(log).toContainText('Yes, it is glazed inside.');
  await expect(log.getByRole('listitem').filter({ hasText: 'glazed inside.' })).toContainText('edited');

  // The seller's connection drops: "Reconnecting…"; a message sent meanwhile arrives after.
  await sam.context.setOffline(true);
  await expect(sam.page.getByText(/^Reconnecting…/)).toBeVisible({ timeout: 15_000 });
  await page.getByLabel('Message', { exact: true }).fill('Great, I will buy it tonight.');
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(log).toContainText('I will buy it tonight.');
  await sam.context.setOffline(false);
  await expect(samLog).toContainText('I will buy it tonight.', { timeout: 15_000 });
  await expect(sam.page.getByText(/^Reconnecting…/)).toBeHidden();
  await expect(samLog.getByText('I will buy it tonight.')).toHaveCount(1);
  await noSeriousViolations(sam.page);
  await noSeriousViolations(page);
  await sam.context.close();
});
