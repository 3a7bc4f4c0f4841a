-- Transactional email outbox: a row is written in the same transaction as the change that
-- causes the email, so the email exists if and only if that change committed.

CREATE TYPE email_status AS ENUM ('pending', 'sending', 'sent', 'failed', 'dead');

CREATE TABLE email_outbox (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    -- Enqueuing the same logical email twice keeps one row.
    idempotency_key  text NOT NULL UNIQUE,
    recipient        text NOT NULL,
    template         text NOT NULL,
    template_data    jsonb NOT NULL,
    -- Rendered at enqueue (bad data fails there, not in the worker).
    subject          text NOT NULL,
    html_body        text NOT NULL,
    text_body        text NOT NULL,
    status           email_status NOT NULL DEFAULT 'pending',
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    -- While `sending`: the claim expires here (a crashed worker's rows become due again).
    locked_until     timestamptz,
    -- Identifies the claim, so a worker whose lease expired cannot overwrite a newer claim.
    claim_token      uuid,
    last_error       text,
    provider         text,
    sent_at          timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CHECK (attempts >= 0)
);

CREATE TRIGGER email_outbox_updated_at BEFORE UPDATE ON email_outbox
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- What the worker looks for: due rows, and expired claims.
CREATE INDEX email_outbox_due ON email_outbox (next_attempt_at) WHERE status IN ('pending', 'failed');
CREATE INDEX email_outbox_expired_claims ON email_outbox (locked_until) WHERE status = 'sending';
CREATE INDEX email_outbox_created ON email_outbox (created_at DESC);

-- Mail "delivered" by the dev mailbox provider (no real provider configured).
CREATE TABLE dev_mailbox (
    outbox_id    uuid PRIMARY KEY REFERENCES email_outbox (id) ON DELETE CASCADE,
    recipient    text NOT NULL,
    subject      text NOT NULL,
    html_body    text NOT NULL,
    text_body    text NOT NULL,
    delivered_at timestamptz NOT NULL DEFAULT now()
);
