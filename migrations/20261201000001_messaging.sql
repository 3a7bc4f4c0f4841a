-- Buyer–seller messaging: conversations about a product or an order, messages with their
-- earlier versions (kept for moderation), read state per participant, blocks, reports, and
-- an event log that live pages resume from.

CREATE TABLE conversations (
    id                  uuid PRIMARY KEY,
    buyer_id            uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    seller_id           uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- What it is about (the card at the top): a product, or an order of the two.
    product_id          uuid REFERENCES products (id) ON DELETE SET NULL,
    order_id            uuid REFERENCES orders (id) ON DELETE SET NULL,
    -- The card's words as they were when it started (a deleted product keeps its card).
    subject             text NOT NULL CHECK (char_length(subject) BETWEEN 1 AND 200),
    -- The highest message id each side has read.
    buyer_read_through  bigint NOT NULL DEFAULT 0,
    seller_read_through bigint NOT NULL DEFAULT 0,
    created_at          timestamptz NOT NULL,
    last_message_at     timestamptz,
    CHECK (buyer_id <> seller_id)
);
-- Starting again from the same product or order opens the same conversation.
CREATE UNIQUE INDEX conversations_about_product ON conversations (buyer_id, seller_id, product_id)
    WHERE order_id IS NULL AND product_id IS NOT NULL;
CREATE UNIQUE INDEX conversations_about_order ON conversations (order_id) WHERE order_id IS NOT NULL;
CREATE INDEX conversations_buyer ON conversations (buyer_id, last_message_at DESC NULLS LAST);
CREATE INDEX conversations_seller ON conversations (seller_id, last_message_at DESC NULLS LAST);

CREATE TABLE messages (
    id              bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY,
    conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    sender_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- Empty once deleted ("message deleted"); its versions keep what it said.
    body            text NOT NULL CHECK (char_length(body) <= 4000),
    created_at      timestamptz NOT NULL,
    edited_at       timestamptz,
    deleted_at      timestamptz
);
CREATE INDEX messages_conversation ON messages (conversation_id, id);
CREATE INDEX messages_sender_recent ON messages (sender_id, created_at);

-- What a message said before each edit or its deletion (for moderation, never shown to members).
CREATE TABLE message_versions (
    message_id  bigint NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    body        text NOT NULL,
    replaced_at timestamptz NOT NULL
);
CREATE INDEX message_versions_message ON message_versions (message_id, replaced_at);

-- Everything a live page must see, in order: sent, edited, deleted, read. A page that
-- reconnects asks for the events after the last id it saw.
CREATE TABLE message_events (
    id              bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY,
    conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    kind            text NOT NULL CHECK (kind IN ('sent', 'edited', 'deleted', 'read')),
    message_id      bigint,
    actor_id        uuid NOT NULL,
    created_at      timestamptz NOT NULL
);
CREATE INDEX message_events_conversation ON message_events (conversation_id, id);
CREATE INDEX message_events_created ON message_events (created_at);

-- Every instance hears of each event (ids only; pages read the rest from the tables).
CREATE FUNCTION message_events_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('messages', json_build_object(
        'id', NEW.id, 'c', NEW.conversation_id,
        'u', (SELECT json_build_array(buyer_id, seller_id) FROM conversations WHERE id = NEW.conversation_id)
    )::text);
    RETURN NULL;
END $$;
CREATE TRIGGER message_events_notify AFTER INSERT ON message_events
    FOR EACH ROW EXECUTE FUNCTION message_events_notify();

-- A member blocks another: no new messages either way.
CREATE TABLE member_blocks (
    blocker_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    blocked_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (blocker_id, blocked_id),
    CHECK (blocker_id <> blocked_id)
);
CREATE INDEX member_blocks_blocked ON member_blocks (blocked_id);

-- Reported messages, for the admin area's moderation screen.
CREATE TABLE message_reports (
    message_id  bigint NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    reporter_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    reason      text NOT NULL CHECK (char_length(reason) BETWEEN 1 AND 500),
    created_at  timestamptz NOT NULL,
    resolved_at timestamptz,
    PRIMARY KEY (message_id, reporter_id)
);
CREATE INDEX message_reports_open ON message_reports (created_at) WHERE resolved_at IS NULL;

-- Email notices of unread messages: a member may turn them off; at most one per conversation
-- per hour for each of its two members.
ALTER TABLE users ADD COLUMN message_emails boolean NOT NULL DEFAULT true;
CREATE TABLE message_notices (
    conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The newest message the last notice was about.
    through_id      bigint NOT NULL,
    sent_at         timestamptz NOT NULL,
    PRIMARY KEY (conversation_id, user_id)
);
