-- Billing on Stripe: the plans with their prices and limits, each member's Stripe customer,
-- checkout attempts, subscriptions as Stripe last described them, invoices, passes (as
-- entitlements), the webhook event log and referral earnings.

-- Prices live here (integer cents); the Stripe price id of each paid plan comes from
-- configuration (`STRIPE_PRICE_*`). The limits are the ones quotas enforce (a test checks
-- that both agree).
CREATE TABLE plans (
    code                   text PRIMARY KEY CHECK (code IN ('free', 'pass', 'starter', 'pro', 'business')),
    name                   text NOT NULL,
    billing                text NOT NULL CHECK (billing IN ('free', 'one_off', 'monthly')),
    amount_cents           integer NOT NULL CHECK (amount_cents >= 0),
    currency               text NOT NULL DEFAULT 'usd',
    -- Days a one-off purchase lasts.
    pass_days              integer CHECK ((billing = 'one_off') = (pass_days IS NOT NULL)),
    ai_requests_per_hour   integer NOT NULL CHECK (ai_requests_per_hour > 0),
    -- NULL: unlimited.
    generations_per_day    integer,
    generations_per_month  integer,
    position               smallint NOT NULL UNIQUE,
    summary                text NOT NULL,
    features               text[] NOT NULL
);

INSERT INTO plans (code, name, billing, amount_cents, pass_days, ai_requests_per_hour, generations_per_day, generations_per_month, position, summary, features) VALUES
('free', 'Free', 'free', 0, NULL, 10, 5, 20, 1,
 'Try every tool.',
 ARRAY['5 generations a day, 20 a month', '10 AI requests an hour', 'History, export and the live editor']),
('pass', '30-day pass', 'one_off', 499, 30, 100, NULL, NULL, 2,
 'Everything in Pro for 30 days, paid once. It does not renew.',
 ARRAY['Unlimited generations for 30 days', '100 AI requests an hour', 'Another pass adds 30 days to the current one']),
('starter', 'Starter', 'monthly', 999, NULL, 100, NULL, NULL, 3,
 'For a steady posting habit.',
 ARRAY['Unlimited generations', '100 AI requests an hour', 'Letters, descriptions, assistant and transcription']),
('pro', 'Pro', 'monthly', 1999, NULL, 100, NULL, NULL, 4,
 'For creators who publish every day.',
 ARRAY['Unlimited generations', '100 AI requests an hour', 'Everything in Starter', 'Priority letter review']),
('business', 'Business', 'monthly', 4999, NULL, 1000, NULL, NULL, 5,
 'For teams and agencies.',
 ARRAY['Unlimited generations', '1,000 AI requests an hour', 'Everything in Pro']);

-- One Stripe customer per member, created once (idempotency key from the member's id).
CREATE TABLE billing_customers (
    user_id             uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    stripe_customer_id  text NOT NULL UNIQUE,
    created_at          timestamptz NOT NULL DEFAULT now()
);

-- Each press of a plan button that reached Stripe Checkout. A second press while one is open
-- reuses it; its id is the checkout session's idempotency key.
CREATE TABLE checkout_attempts (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id             uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    plan                text NOT NULL REFERENCES plans (code),
    status              text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'completed', 'cancelled', 'failed')),
    stripe_session_id   text UNIQUE,
    url                 text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    completed_at        timestamptz
);
CREATE INDEX checkout_attempts_user ON checkout_attempts (user_id, plan, created_at DESC);

-- A subscription as the newest Stripe object we have seen says it is. `state_as_of` is the
-- Stripe time (seconds) of that snapshot: an older event never overwrites it.
CREATE TABLE subscriptions (
    stripe_subscription_id  text PRIMARY KEY,
    user_id                 uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    stripe_customer_id      text NOT NULL,
    plan                    text NOT NULL CHECK (plan IN ('starter', 'pro', 'business')),
    status                  text NOT NULL CHECK (status IN ('incomplete', 'incomplete_expired', 'trialing', 'active', 'past_due', 'canceled', 'unpaid', 'paused')),
    current_period_end      timestamptz,
    cancel_at_period_end    boolean NOT NULL DEFAULT false,
    ended_at                timestamptz,
    state_as_of             bigint NOT NULL,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX subscriptions_user ON subscriptions (user_id);
CREATE TRIGGER subscriptions_updated_at BEFORE UPDATE ON subscriptions
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Invoices we heard about. Paid is final: a late "failed" never undoes it. The earliest
-- failure of an unpaid invoice starts the 3-day grace of a past_due subscription (see
-- quotas::entitlement).
CREATE TABLE invoices (
    stripe_invoice_id       text PRIMARY KEY,
    user_id                 uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    stripe_subscription_id  text,
    status                  text NOT NULL CHECK (status IN ('paid', 'failed')),
    amount_cents            bigint NOT NULL CHECK (amount_cents >= 0),
    currency                text NOT NULL,
    period_start            timestamptz,
    period_end              timestamptz,
    hosted_invoice_url      text,
    first_failed_at         timestamptz,
    paid_at                 timestamptz,
    created_at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX invoices_subscription ON invoices (stripe_subscription_id) WHERE status = 'failed';
CREATE INDEX invoices_user ON invoices (user_id, created_at DESC);

-- A pass is an entitlement row per purchase; their windows are recomputed in purchase order
-- whenever one arrives, so a late webhook cannot shorten or double a pass.
ALTER TABLE entitlements
    ADD COLUMN stripe_checkout_session_id text UNIQUE,
    ADD COLUMN purchased_at timestamptz,
    ADD CONSTRAINT entitlements_pass_has_purchase
        CHECK ((source = 'pass') = (stripe_checkout_session_id IS NOT NULL AND purchased_at IS NOT NULL));

-- Every webhook event, stored once by its id before it is processed.
CREATE TABLE stripe_events (
    id             text PRIMARY KEY,
    type           text NOT NULL,
    created_at     timestamptz NOT NULL,
    payload        jsonb NOT NULL,
    status         text NOT NULL DEFAULT 'received' CHECK (status IN ('received', 'processed', 'ignored', 'failed')),
    -- What processing did, or why it did nothing.
    outcome        text,
    error          text,
    attempts       integer NOT NULL DEFAULT 0,
    received_at    timestamptz NOT NULL DEFAULT now(),
    last_attempt_at timestamptz,
    processed_at   timestamptz
);
CREATE INDEX stripe_events_received ON stripe_events (received_at DESC);
CREATE INDEX stripe_events_type ON stripe_events (type, received_at DESC);
CREATE INDEX stripe_events_failed ON stripe_events (received_at DESC) WHERE status = 'failed';

-- A referred member's first payment earns their referrer a commission, once.
CREATE TABLE referral_earnings (
    referred_user_id  uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    referrer_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The invoice or checkout session that paid.
    payment_ref       text NOT NULL UNIQUE,
    amount_cents      bigint NOT NULL CHECK (amount_cents > 0),
    commission_bps    integer NOT NULL CHECK (commission_bps BETWEEN 0 AND 10000),
    commission_cents  bigint NOT NULL CHECK (commission_cents >= 0 AND commission_cents <= amount_cents),
    currency          text NOT NULL,
    paid_at           timestamptz NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX referral_earnings_referrer ON referral_earnings (referrer_id, paid_at DESC);
