-- Tools: product descriptions and transcripts, saved for members so they appear in the
-- shared history. `deleted_at` follows the threads' soft delete.
CREATE TABLE descriptions (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title       text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    -- The description paragraphs, a blank line, then one "- " line per bullet point.
    body        text NOT NULL,
    -- What the member asked for (name, category, facts, audience, tone, length).
    input       jsonb NOT NULL CHECK (jsonb_typeof(input) = 'object'),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    deleted_at  timestamptz
);
CREATE INDEX descriptions_user_updated ON descriptions (user_id, updated_at DESC) WHERE deleted_at IS NULL;

CREATE TABLE transcripts (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The uploaded file's name (as the member's browser named it).
    title        text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    text         text NOT NULL,
    -- [{"start_ms": 0, "end_ms": 1200, "text": "..."}], empty when the provider gave none.
    segments     jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(segments) = 'array'),
    duration_ms  bigint CHECK (duration_ms >= 0),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    deleted_at   timestamptz
);
CREATE INDEX transcripts_user_updated ON transcripts (user_id, updated_at DESC) WHERE deleted_at IS NULL;

-- Transcription is billed per minute of audio, not per token: `ai_requests` rows of kind
-- 'transcription' carry 0 tokens and the cost from this table (micro-dollars per minute,
-- so $0.006 a minute is 6000). The zero token prices keep the request log from warning.
CREATE TABLE ai_transcription_prices (
    provider           text NOT NULL,
    model              text NOT NULL,
    microusd_per_minute bigint NOT NULL CHECK (microusd_per_minute >= 0),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (provider, model)
);
INSERT INTO ai_transcription_prices (provider, model, microusd_per_minute) VALUES
    ('openai', 'whisper-1', 6000),
    ('openai', 'gpt-4o-transcribe', 6000),
    ('openai', 'gpt-4o-mini-transcribe', 3000);
INSERT INTO ai_model_prices (provider, model, input_microusd_per_mtok, output_microusd_per_mtok) VALUES
    ('openai', 'whisper-1', 0, 0),
    ('openai', 'gpt-4o-transcribe', 0, 0),
    ('openai', 'gpt-4o-mini-transcribe', 0, 0)
ON CONFLICT DO NOTHING;
