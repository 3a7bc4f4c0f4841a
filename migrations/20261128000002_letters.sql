-- Letters: the guided form, the generated/edited text, the review workflow and its timeline.
-- Status changes are conditional updates (WHERE status = expected) that write exactly one
-- letter_events row in the same transaction.

CREATE TABLE letters (
    id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id                uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status                 text NOT NULL DEFAULT 'draft'
                           CHECK (status IN ('draft', 'generating', 'ready', 'in_review', 'returned', 'approved', 'sent')),
    letter_type            text NOT NULL CHECK (letter_type IN ('demand_for_payment', 'cease_and_desist', 'complaint',
                           'refund_request', 'security_deposit_return', 'debt_validation', 'general')),
    sender_name            text NOT NULL CHECK (char_length(sender_name) BETWEEN 1 AND 200),
    sender_address         text NOT NULL DEFAULT '' CHECK (char_length(sender_address) <= 500),
    sender_email           text NOT NULL DEFAULT '' CHECK (char_length(sender_email) <= 254),
    recipient_name         text NOT NULL CHECK (char_length(recipient_name) BETWEEN 1 AND 200),
    recipient_address      text NOT NULL DEFAULT '' CHECK (char_length(recipient_address) <= 500),
    recipient_email        text NOT NULL DEFAULT '' CHECK (char_length(recipient_email) <= 254),
    facts                  text NOT NULL CHECK (char_length(facts) BETWEEN 1 AND 20000),
    relevant_dates         text NOT NULL DEFAULT '' CHECK (char_length(relevant_dates) <= 2000),
    -- Integer minor units (cents); NULL when the letter names no amount.
    amount_minor           bigint CHECK (amount_minor > 0),
    currency               text NOT NULL DEFAULT 'USD' CHECK (currency ~ '^[A-Z]{3}$'),
    desired_outcome        text NOT NULL DEFAULT '' CHECK (char_length(desired_outcome) <= 2000),
    deadline               date,
    -- The generated, then edited, letter text.
    body                   text NOT NULL DEFAULT '' CHECK (char_length(body) <= 40000),
    -- The title in the shared history ("Demand for payment to Acme Ltd").
    title                  text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now(),
    deleted_at             timestamptz,
    -- Set when generation starts; a letter generating for over 10 minutes is reset to draft.
    generating_started_at  timestamptz,
    sent_at                timestamptz,
    sent_by                text CHECK (sent_by IN ('email', 'post')),
    -- The PDF as sent: stored once at sending, never changed afterwards (trigger below).
    sent_pdf               bytea,
    CHECK ((status = 'generating') = (generating_started_at IS NOT NULL)),
    CHECK ((status = 'sent') = (sent_at IS NOT NULL AND sent_by IS NOT NULL))
);
CREATE INDEX letters_user_updated ON letters (user_id, updated_at DESC) WHERE deleted_at IS NULL;
CREATE INDEX letters_status_updated ON letters (status, updated_at) WHERE deleted_at IS NULL;
CREATE INDEX letters_generating ON letters (generating_started_at) WHERE status = 'generating';

-- A sent letter is a record of what went out: its PDF, once stored, and its text and parties
-- never change (it may still be hidden from the member's history with deleted_at).
CREATE FUNCTION letters_sent_is_final() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.sent_pdf IS NOT NULL AND NEW.sent_pdf IS DISTINCT FROM OLD.sent_pdf THEN
        RAISE EXCEPTION 'the sent PDF of letter % never changes', OLD.id USING ERRCODE = 'check_violation';
    END IF;
    IF OLD.status = 'sent' AND (
        NEW.status IS DISTINCT FROM OLD.status OR NEW.body IS DISTINCT FROM OLD.body
        OR NEW.recipient_name IS DISTINCT FROM OLD.recipient_name
        OR NEW.recipient_address IS DISTINCT FROM OLD.recipient_address
        OR NEW.recipient_email IS DISTINCT FROM OLD.recipient_email
        OR NEW.sent_at IS DISTINCT FROM OLD.sent_at OR NEW.sent_by IS DISTINCT FROM OLD.sent_by
        OR (OLD.sent_pdf IS NOT NULL AND NEW.sent_pdf IS DISTINCT FROM OLD.sent_pdf)) THEN
        RAISE EXCEPTION 'letter % was sent and never changes', OLD.id USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER letters_sent_is_final BEFORE UPDATE ON letters
    FOR EACH ROW EXECUTE FUNCTION letters_sent_is_final();

-- The timeline: one row per status change (kind 'status'), and reviewers' comments and edits.
CREATE TABLE letter_events (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    letter_id    uuid NOT NULL REFERENCES letters (id) ON DELETE CASCADE,
    -- NULL: the system (generation results, stuck-job recovery).
    actor_id     uuid REFERENCES users (id) ON DELETE SET NULL,
    at           timestamptz NOT NULL DEFAULT now(),
    kind         text NOT NULL DEFAULT 'status' CHECK (kind IN ('status', 'comment', 'edit')),
    -- NULL only for the creation of the letter.
    from_status  text,
    to_status    text NOT NULL,
    comment      text NOT NULL DEFAULT '' CHECK (char_length(comment) <= 5000)
);
CREATE INDEX letter_events_letter ON letter_events (letter_id, id);
