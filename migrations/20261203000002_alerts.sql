-- Alert episodes: a rule's episode opens the first minute its measurement crosses the
-- threshold and resolves the first minute it no longer does. At most one open episode per
-- rule (the partial unique index), so two instances evaluating at once cannot open two — nor
-- mail twice, since the emails' idempotency keys name the episode.
CREATE TABLE alert_episodes (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    rule          text NOT NULL,
    threshold     double precision NOT NULL,
    started_at    timestamptz NOT NULL,
    resolved_at   timestamptz,
    -- The measurement that opened the episode, the worst one while it was open, and the last.
    opened_value  double precision NOT NULL,
    worst_value   double precision NOT NULL,
    last_value    double precision NOT NULL,
    detail        text NOT NULL,
    last_seen_at  timestamptz NOT NULL,
    CHECK (resolved_at IS NULL OR resolved_at >= started_at)
);
CREATE UNIQUE INDEX alert_episodes_open ON alert_episodes (rule) WHERE resolved_at IS NULL;
CREATE INDEX alert_episodes_started ON alert_episodes (started_at DESC);

-- The measurements read windows of these by time.
CREATE INDEX stripe_events_failed_attempt ON stripe_events (last_attempt_at) WHERE status = 'failed';
CREATE INDEX invoices_failed_at ON invoices (first_failed_at) WHERE status = 'failed';
CREATE INDEX invoices_paid_at ON invoices (paid_at) WHERE status = 'paid';
CREATE INDEX purchases_paid_at ON purchases (paid_at) WHERE paid_at IS NOT NULL;
CREATE INDEX purchases_failed_at ON purchases (closed_at) WHERE status = 'failed';
CREATE INDEX email_outbox_failing ON email_outbox (updated_at) WHERE status IN ('failed', 'dead');
CREATE INDEX ai_requests_costly ON ai_requests (created_at, cost_microusd);
