-- Daily rollups behind /admin/analytics. PostgreSQL's own tables stay the truth: a background
-- job recomputes each finished day (UTC) from them and keeps recomputing it until two days
-- after it ended, so late webhooks and retried emails land in the right day. A day without a
-- settled rollup (today, or a day the job has not reached) is computed live from the tables.

CREATE TABLE analytics_days (
    day        date PRIMARY KEY,
    rolled_at  timestamptz NOT NULL
);

-- Subscriptions as they stood at the end of the day, per plan.
CREATE TABLE rollup_subscriptions (
    day        date NOT NULL,
    plan       text NOT NULL,
    active     integer NOT NULL,
    mrr_cents  bigint NOT NULL,
    started    integer NOT NULL,
    ended      integer NOT NULL,
    PRIMARY KEY (day, plan)
);

CREATE TABLE rollup_members (
    day         date PRIMARY KEY,
    sign_ups    integer NOT NULL,
    -- Members whose first paid entitlement (a subscription or a pass) began that day.
    new_paying  integer NOT NULL
);

CREATE TABLE rollup_orders (
    day         date NOT NULL,
    currency    text NOT NULL,
    orders      integer NOT NULL,
    gmv_cents   bigint NOT NULL,
    fee_cents   bigint NOT NULL,
    PRIMARY KEY (day, currency)
);

CREATE TABLE rollup_ai (
    day            date NOT NULL,
    provider       text NOT NULL,
    kind           text NOT NULL,
    requests       integer NOT NULL,
    failed         integer NOT NULL,
    cost_microusd  bigint NOT NULL,
    tokens         bigint NOT NULL,
    PRIMARY KEY (day, provider, kind)
);

CREATE TABLE rollup_email (
    day     date PRIMARY KEY,
    sent    integer NOT NULL,
    -- Given up after every attempt (status dead), by the day of the last attempt.
    failed  integer NOT NULL
);

-- The live and rollup queries read by day ranges.
CREATE INDEX orders_paid_at ON orders (paid_at) WHERE paid_at IS NOT NULL;
CREATE INDEX users_created_at ON users (created_at);
CREATE INDEX email_outbox_sent_at ON email_outbox (sent_at) WHERE status = 'sent';
CREATE INDEX entitlements_paid_start ON entitlements (user_id, starts_at) WHERE source IN ('subscription', 'pass');
