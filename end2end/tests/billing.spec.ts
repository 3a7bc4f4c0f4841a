// Billing: a member buys a plan through (fake) Stripe Checkout, Stripe's signed webhooks grant
// it, the thread page's limits follow; the billing page opens Stripe's portal; a visitor who
// presses a plan signs up first and comes back to the plans. Stripe is the integration tests'
// fake (tests/it/fake_stripe.rs), started by scripts/test.
import { createHmac } from 'node:crypto';
import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { followEmailedLink, hydrated, noSeriousViolations, PASSWORD, signUpAndConfirm, uniqueEmail } from './support';

const FAKE_STRIPE = process.env.FAKE_STRIPE_URL ?? '';
const STRIPE_KEY = process.env.E2E_STRIPE_SECRET_KEY ?? '';
const WEBHOOK_SECRET = process.env.E2E_STRIPE_WEBHOOK_SECRET ?? '';

function plan(page: Page, name: string) {
  return page.getByRole('list', { name: 'Plans' }).getByRole('listitem').filter({ has: page.getByRole('heading', { name, exact: true }) });
}

/** Posts a Stripe event to the app, signed as Stripe signs it. */
async function sendWebhook(request: APIRequestContext, id: string, type: string, object: unknown) {
  const t = Math.floor(Date.now() / 1000);
  const payload = JSON.stringify({ id, object: 'event', api_version: '2026-09-30.endive', created: t, type, livemode: false, pending_webhooks: 1, request: { id: null, idempotency_key: null }, data: { object } });
  const v1 = createHmac('sha256', WEBHOOK_SECRET).update(`${t}.${payload}`).digest('hex');
  const res = await request.post('/webhooks/stripe', { headers: { 'content-type': 'application/json', 'stripe-signature': `t=${t},v1=${v1}` }, data: payload });
  expect(res.status(), await res.text()).toBe(200);
}

test('a member buys Pro through Checkout, the webhook grants it and billing opens the portal', async ({ page, request }, info) => {
  expect(FAKE_STRIPE, 'scripts/test starts the fake Stripe').not.toBe('');
  const email = uniqueEmail('buyer', info.project.name);
  await signUpAndConfirm(page, email, 'Buyer');

  await page.goto('/pricing');
  await hydrated(page);
  await expect(page.getByRole('heading', { name: 'Plans and pricing' })).toBeVisible();
  await expect(plan(page, 'Free')).toContainText('Your plan');
  await expect(plan(page, 'Pro')).toContainText('$19.99 a month');
  await expect(page.getByRole('heading', { name: 'About the 30-day pass' })).toBeVisible();
  await noSeriousViolations(page);

  await plan(page, 'Pro').getByRole('button', { name: 'Choose Pro' }).click();
  // Stripe's hosted page (the fake) sends the browser straight back to the success page.
  await page.waitForURL(/\/billing\/success\?session_id=cs_/);
  await hydrated(page);
  await expect(page.getByRole('status').filter({ hasText: 'Waiting for Stripe to confirm your payment' })).toBeVisible();

  const sessionId = new URL(page.url()).searchParams.get('session_id')!;
  const session = await (await request.get(`${FAKE_STRIPE}v1/checkout/sessions/${sessionId}`, { headers: { authorization: `Bearer ${STRIPE_KEY}` } })).json();
  const now = Math.floor(Date.now() / 1000);
  const subscription = `sub_e2e_${sessionId.slice(-10)}`;
  await sendWebhook(request, `evt_c_${sessionId}`, 'checkout.session.completed', { ...session, status: 'complete', payment_status: 'paid', subscription });
  await sendWebhook(request, `evt_s_${sessionId}`, 'customer.subscription.created', {
    id: subscription, object: 'subscription', customer: session.customer, status: 'active', cancel_at_period_end: false, created: now,
    items: { object: 'list', data: [{ id: `si_${sessionId.slice(-10)}`, object: 'subscription_item', price: { id: 'price_pro_test', object: 'price' }, current_period_start: now, current_period_end: now + 30 * 86400 }] },
  });
  await expect(page.getByText('You are on the Pro plan now.')).toBeVisible({ timeout: 15_000 });

  await page.getByRole('link', { name: 'Write a thread' }).click();
  await hydrated(page);
  await expect(page.getByRole('region', { name: 'What you have left' })).toContainText('Unlimited generations on the Pro plan');
  await expect(page.getByRole('region', { name: 'What you have left' })).toContainText('of 100 AI requests left this hour');

  await page.goto('/account/billing');
  await hydrated(page);
  await expect(page.getByRole('heading', { name: 'Your plan: Pro' })).toBeVisible();
  await expect(page.getByText(/^Active\. Renews on /)).toBeVisible();
  await expect(page.getByText('Next invoice: $19.99 on')).toBeVisible();
  await noSeriousViolations(page);
  await page.getByRole('button', { name: 'Manage billing in Stripe' }).click();
  await expect(page.getByRole('heading', { name: 'Stripe customer portal (test)' })).toBeVisible();
  await page.getByRole('link', { name: 'Return to Threadr' }).click();
  await expect(page).toHaveURL(/\/account\/billing$/);
});

test('a visitor who presses a plan signs up first and comes back to the plans', async ({ page }, info) => {
  const email = uniqueEmail('visitor-plan', info.project.name);
  await page.goto('/pricing');
  await hydrated(page);
  await noSeriousViolations(page);
  await plan(page, 'Starter').getByRole('link', { name: 'Choose Starter' }).click();
  await expect(page).toHaveURL(/\/sign-up\?next=\/pricing$/);
  await hydrated(page);
  await page.getByLabel('Name').fill('Visitor');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('status')).toBeVisible();
  await followEmailedLink(page, email, 'Confirm your email address', /verify-email\?token=.*next=%2Fpricing/);
  await page.getByRole('button', { name: 'Confirm my email' }).click();
  await expect(page).toHaveURL(/\/pricing$/);
  await expect(plan(page, 'Free')).toContainText('Your plan');
  await expect(plan(page, 'Starter').getByRole('button', { name: 'Choose Starter' })).toBeEnabled();
});
