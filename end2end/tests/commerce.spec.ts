// Commerce: a visitor fills a cart from two sellers, signs in (the cart comes along), chooses an
// address and pays once on (fake) Stripe's page; Stripe's signed webhook confirms it; both
// sellers see their order, one ships it with tracking, the buyer confirms delivery and reviews
// it; a member who did not buy cannot see the order; favourites toggle with and without
// JavaScript. Stripe is the integration tests' fake (tests/it/fake_stripe/), started by
// scripts/test; the app's background worker makes the sellers' transfers.
import { createHmac } from 'node:crypto';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { PASSWORD, hydrated, noSeriousViolations, signIn, signUpAndConfirm, uniqueEmail } from './support';

const FAKE_STRIPE = process.env.FAKE_STRIPE_URL ?? '';
const STRIPE_KEY = process.env.E2E_STRIPE_SECRET_KEY ?? '';
const WEBHOOK_SECRET = process.env.E2E_STRIPE_WEBHOOK_SECRET ?? '';

/** A server function called with the page's cookies, as the page's own forms call it. */
async function api(page: Page, endpoint: string, form: Record<string, string>) {
  const res = await page.request.post(`/api/${endpoint}`, { form });
  expect(res.status(), `${endpoint}: ${await res.text()}`).toBe(200);
  return res.json();
}

/** A confirmed member who opens a shop through Stripe's hosted onboarding and lists items. */
async function openShop(browser: Browser, project: string, name: string, listings: { title: string; price: string; stock: string }[]) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const handle = `${name.toLowerCase()}-${project}-${Date.now() % 1000000}`;
  await signUpAndConfirm(page, uniqueEmail(name.toLowerCase(), project), name);
  const link: string = await api(page, 'sell/start', { handle });
  await page.goto(link);
  await page.getByRole('link', { name: 'Finish onboarding' }).click();
  await expect(page).toHaveURL(/\/sell/);
  for (const l of listings) {
    const id: string = await api(page, 'sell/create', {
      'form[title]': l.title,
      'form[description]': 'Solid, cared for, from a smoke-free home.',
      'form[price]': l.price,
      'form[currency]': 'USD',
      'form[stock]': l.stock,
      'form[category]': 'furniture',
      'form[condition]': 'good',
    });
    await api(page, 'sell/status', { id, change: 'publish' });
  }
  return { context, page, handle };
}

/** Posts a Stripe event to the app, signed as Stripe signs it. */
async function sendWebhook(page: Page, id: string, type: string, object: unknown) {
  const t = Math.floor(Date.now() / 1000);
  const payload = JSON.stringify({ id, object: 'event', api_version: '2026-09-30.endive', created: t, type, livemode: false, pending_webhooks: 1, request: { id: null, idempotency_key: null }, data: { object } });
  const v1 = createHmac('sha256', WEBHOOK_SECRET).update(`${t}.${payload}`).digest('hex');
  const res = await page.request.post('/webhooks/stripe', { headers: { 'content-type': 'application/json', 'stripe-signature': `t=${t},v1=${v1}` }, data: payload });
  expect(res.status(), await res.text()).toBe(200);
}

async function addFromShop(page: Page, handle: string, title: string, quantity: string) {
  await page.goto(`/sellers/${handle}`);
  await hydrated(page);
  await page.getByRole('link', { name: title, exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();
  await hydrated(page);
  await page.getByLabel('Quantity', { exact: true }).fill(quantity);
  await page.getByRole('button', { name: 'Add to cart' }).click();
  await expect(page.getByText('Added to your cart.')).toBeVisible();
}

test('a two-seller cart is paid once, shipped, delivered and reviewed; favourites work with and without JavaScript', async ({ page, browser }, info) => {
  test.setTimeout(240_000);
  expect(FAKE_STRIPE, 'scripts/test starts the fake Stripe').not.toBe('');
  const project = info.project.name;
  const stamp = Date.now() % 100000;
  const desk = `Walnut desk ${project} ${stamp}`;
  const lamp = `Brass lamp ${project} ${stamp}`;
  const chair = `Oak chair ${project} ${stamp}`;
  const sally = await openShop(browser, project, 'Sally', [
    { title: desk, price: '120.00', stock: '1' },
    { title: lamp, price: '19.99', stock: '5' },
  ]);
  const tom = await openShop(browser, project, 'Tom', [{ title: chair, price: '45.50', stock: '2' }]);

  // The buyer's account exists already (made in another browser, with no address yet).
  const buyerEmail = uniqueEmail('bea', project);
  const setup = await browser.newContext();
  const setupPage = await setup.newPage();
  await signUpAndConfirm(setupPage, buyerEmail, 'Bea');
  await setup.close();

  // As a visitor: items from two sellers; the header counts them.
  await addFromShop(page, sally.handle, desk, '1');
  await addFromShop(page, sally.handle, lamp, '2');
  await addFromShop(page, tom.handle, chair, '1');
  await expect(page.getByRole('link', { name: 'Cart, 4 items' })).toBeVisible();
  await page.getByRole('link', { name: 'Cart, 4 items' }).click();
  await hydrated(page);
  await expect(page.getByRole('heading', { name: 'Your cart' })).toBeVisible();
  await expect(page.getByRole('region', { name: /^From Sally/ })).toContainText('Subtotal from Sally: $159.98');
  await expect(page.getByRole('region', { name: /^From Tom/ })).toContainText('Subtotal from Tom: $45.50');
  await expect(page.getByRole('region', { name: 'Total' })).toContainText('$205.48');
  await noSeriousViolations(page);
  // Too many of the one desk is refused with the reason; the cart stays as it was.
  await page.getByLabel(`Quantity of ${desk}`).fill('3');
  await page.getByRole('region', { name: /^From Sally/ }).getByRole('listitem').filter({ hasText: desk }).getByRole('button', { name: 'Update' }).click();
  await expect(page.getByRole('alert').filter({ hasText: `Only 1 of “${desk}” is left.` })).toBeVisible();

  // Signing in keeps the cart.
  await signIn(page, buyerEmail, PASSWORD);
  await expect(page).not.toHaveURL(/\/sign-in/);
  await expect(page.getByRole('link', { name: 'Cart, 4 items' })).toBeVisible({ timeout: 15_000 });
  await page.goto('/checkout');
  await hydrated(page);
  await expect(page.getByRole('heading', { name: 'Checkout' })).toBeVisible();
  // No address yet: paying waits for one, added right here.
  await expect(page.getByRole('alert').filter({ hasText: 'Add an address to ship to first.' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Pay with Stripe' })).toBeDisabled();
  await page.getByLabel('Full name').fill('Bea Buyer');
  await page.getByLabel('Address line 1').fill('1 High Street');
  await page.getByLabel('City').fill('London');
  await page.getByLabel('Postal code').fill('N1 9GU');
  await page.getByLabel('Country').selectOption('GB');
  await page.getByRole('button', { name: 'Add address' }).click();
  await expect(page.getByRole('radio', { name: /Bea Buyer, 1 High Street/ })).toBeChecked();
  await expect(page.getByRole('complementary', { name: 'Pay' })).toContainText('$205.48');
  await noSeriousViolations(page);
  const payPage = page.waitForRequest(/\/pay\/cs_/);
  await page.getByRole('button', { name: 'Pay with Stripe' }).click();

  // The fake Stripe page takes the payment and sends the browser back.
  const sessionId = new URL((await payPage).url()).pathname.split('/').pop()!;
  await page.waitForURL(/\/checkout\/success\?purchase=/);
  await hydrated(page);
  await expect(page.getByText('Waiting for Stripe to confirm your payment…')).toBeVisible();
  const session = await (await page.request.get(`${FAKE_STRIPE}v1/checkout/sessions/${sessionId}`, { headers: { authorization: `Bearer ${STRIPE_KEY}` } })).json();
  expect(session.payment_status).toBe('paid');
  expect(session.metadata.purchase_id).toBe(new URL(page.url()).searchParams.get('purchase'));
  await sendWebhook(page, `evt_cs_${session.id}`, 'checkout.session.completed', session);
  await expect(page.getByText(/Your payment is confirmed: 2 orders, one per seller/)).toBeVisible({ timeout: 15_000 });
  await expect(page.getByRole('link', { name: 'Cart, empty' })).toBeVisible();

  await page.getByRole('link', { name: 'See your orders' }).click();
  await hydrated(page);
  await expect(page.getByRole('list', { name: 'Orders' }).getByRole('listitem')).toHaveCount(2);
  await noSeriousViolations(page);

  // Sally sees her order (not Tom's), ships it with tracking; her payouts show the sale.
  await sally.page.goto('/sell/orders');
  await hydrated(sally.page);
  const sallyOrders = sally.page.getByRole('list', { name: 'Orders' }).getByRole('listitem');
  await expect(sallyOrders).toHaveCount(1);
  await expect(sallyOrders).toContainText('Buyer: Bea');
  await expect(sallyOrders).toContainText('$159.98');
  await noSeriousViolations(sally.page);
  await sallyOrders.getByRole('link', { name: /^Order TH-/ }).click();
  await hydrated(sally.page);
  await expect(sally.page.getByRole('region', { name: 'Shipping' })).toContainText('1 High Street');
  await expect(sally.page.getByRole('region', { name: 'Items' })).toContainText('Platform fee$8.00');
  await expect(sally.page.getByRole('region', { name: 'Items' })).toContainText('You receive$151.98');
  await sally.page.getByLabel('Carrier').fill('Royal Mail');
  await sally.page.getByLabel('Tracking number').fill('RM123456789GB');
  await sally.page.getByRole('button', { name: 'Mark shipped' }).click();
  await expect(sally.page.getByRole('status').filter({ hasText: /^Shipped$/ })).toBeVisible();
  await expect(sally.page.getByText('Shipped with Royal Mail, tracking number RM123456789GB.')).toBeVisible();
  const sallyNumber = (await sally.page.getByRole('heading', { level: 1 }).textContent())!.replace('Order ', '');
  await sally.page.goto('/sell/payouts');
  await hydrated(sally.page);
  await expect(sally.page.getByRole('img', { name: /Sales per day over 30 days: \$159\.98 in total/ })).toBeVisible();
  await noSeriousViolations(sally.page);

  await tom.page.goto('/sell/orders');
  await hydrated(tom.page);
  await expect(tom.page.getByRole('list', { name: 'Orders' }).getByRole('listitem')).toContainText(chair);

  // The buyer sees the tracking, confirms delivery and reviews the desk.
  await page.goto(`/orders/${sallyNumber}`);
  await hydrated(page);
  await expect(page.getByText('Royal Mail: tracking number RM123456789GB')).toBeVisible();
  await page.getByRole('button', { name: 'It arrived' }).click();
  await expect(page.getByRole('status').filter({ hasText: /^Delivered$/ })).toBeVisible();
  await page.getByText(`Review ${desk}`).click();
  await page.getByRole('group', { name: `Your rating of ${desk}` }).getByRole('radio', { name: '5 stars' }).check();
  await page.getByLabel(`Your review of ${desk} (optional)`).fill('Exactly as described, packed with care.');
  await page.getByRole('button', { name: 'Publish review' }).click();
  await expect(page.getByText('Your review is published.')).toBeVisible();
  await noSeriousViolations(page);

  // Another member did not buy: the order is not theirs to see (or review).
  const other = await browser.newContext();
  const otherPage = await other.newPage();
  await signUpAndConfirm(otherPage, uniqueEmail('cat', project), 'Cat');
  const peek = await otherPage.goto(`/orders/${sallyNumber}`);
  expect(peek?.status()).toBe(404);
  // The product page shows the review to everyone.
  await otherPage.goto(`/sellers/${sally.handle}`);
  await otherPage.getByRole('link', { name: desk, exact: true }).click();
  await expect(otherPage.getByText('5.0 out of 5 from 1 review')).toBeVisible();
  await expect(otherPage.getByText('Exactly as described, packed with care.')).toBeVisible();

  // Favourites with JavaScript: the heart toggles in place and /favourites lists it.
  await hydrated(otherPage);
  await otherPage.getByRole('button', { name: `Save ${desk} to favourites` }).click();
  await expect(otherPage.getByRole('button', { name: `Remove ${desk} from favourites` })).toHaveAttribute('aria-pressed', 'true');
  await otherPage.goto('/favourites');
  await hydrated(otherPage);
  await expect(otherPage.getByRole('list', { name: 'Your favourites' }).getByRole('link', { name: desk, exact: true })).toBeVisible();
  await noSeriousViolations(otherPage);

  // Without JavaScript the heart is a form: the browser comes back with it pressed.
  const plain = await browser.newContext({ javaScriptEnabled: false, storageState: await other.storageState() });
  const plainPage = await plain.newPage();
  await plainPage.goto(`/sellers/${sally.handle}`);
  await plainPage.getByRole('link', { name: lamp, exact: true }).click();
  await plainPage.getByRole('button', { name: `Save ${lamp} to favourites` }).click();
  await expect(plainPage.getByRole('heading', { level: 1, name: lamp })).toBeVisible();
  await expect(plainPage.getByRole('button', { name: `Remove ${lamp} from favourites` })).toBeVisible();

  await plain.close();
  await other.close();
  await sally.context.close();
  await tom.context.close();
});
