-- The assistant: members' conversations with the AI and their messages. A deleted
-- conversation keeps its rows (deleted_at) so the AI request log still points somewhere.

CREATE TABLE assistant_conversations (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title       text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 100),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    deleted_at  timestamptz
);
-- The sidebar: a member's live conversations, most recently used first.
CREATE INDEX assistant_conversations_user
    ON assistant_conversations (user_id, updated_at DESC) WHERE deleted_at IS NULL;

CREATE TABLE assistant_messages (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    -- Insertion order: a question and its reply can share a timestamp.
    seq              bigint GENERATED ALWAYS AS IDENTITY,
    conversation_id  uuid NOT NULL REFERENCES assistant_conversations (id) ON DELETE CASCADE,
    role             text NOT NULL CHECK (role IN ('user', 'assistant')),
    content          text NOT NULL,
    -- A user message is always complete; a reply is stopped (by the person) or failed (by
    -- the provider) part-way, with what had arrived kept.
    status           text NOT NULL DEFAULT 'complete' CHECK (status IN ('complete', 'stopped', 'failed')),
    ai_request_id    uuid REFERENCES ai_requests (id) ON DELETE SET NULL,
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX assistant_messages_conversation ON assistant_messages (conversation_id, seq);
