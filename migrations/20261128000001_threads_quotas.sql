-- Threads, the AI request log with its price table, quotas and entitlements.

-- Paid access. Billing fills it from Stripe later; until then admins grant it with
-- `threadr grant-premium`. `entitlement(user)` in the quotas feature reads it.
CREATE TABLE entitlements (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    plan        text NOT NULL CHECK (plan IN ('pass', 'starter', 'pro', 'business')),
    source      text NOT NULL CHECK (source IN ('grant', 'subscription', 'pass')),
    starts_at   timestamptz NOT NULL DEFAULT now(),
    -- NULL: open-ended (a subscription that billing ends by setting it).
    ends_at     timestamptz,
    revoked_at  timestamptz,
    note        text,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX entitlements_user ON entitlements (user_id);

-- Usage counters per subject (a user, or a salted hash of an anonymous IP), metric and fixed
-- UTC window (hour, day, month). A check-and-reserve is one conditional upsert per counter in
-- one transaction: exact under any concurrency and across app instances.
CREATE TABLE quota_usage (
    subject       text NOT NULL,
    metric        text NOT NULL CHECK (metric IN ('ai_requests_hour', 'generations_day', 'generations_month')),
    window_start  timestamptz NOT NULL,
    used          integer NOT NULL CHECK (used >= 0),
    PRIMARY KEY (subject, metric, window_start)
);
CREATE INDEX quota_usage_window ON quota_usage (window_start);

-- Prices in micro-dollars per million tokens (so $0.15 / 1M tokens is 150000).
CREATE TABLE ai_model_prices (
    provider                  text NOT NULL,
    model                     text NOT NULL,
    input_microusd_per_mtok   bigint NOT NULL CHECK (input_microusd_per_mtok >= 0),
    output_microusd_per_mtok  bigint NOT NULL CHECK (output_microusd_per_mtok >= 0),
    updated_at                timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (provider, model)
);
INSERT INTO ai_model_prices (provider, model, input_microusd_per_mtok, output_microusd_per_mtok) VALUES
    ('openai', 'gpt-4o-mini', 150000, 600000),
    ('openai', 'gpt-4o', 2500000, 10000000),
    ('openai', 'gpt-4.1-mini', 400000, 1600000),
    ('openai', 'gpt-4.1', 2000000, 8000000),
    ('anthropic', 'claude-3-5-haiku-latest', 800000, 4000000),
    ('anthropic', 'claude-haiku-4-5', 1000000, 5000000),
    ('anthropic', 'claude-sonnet-4-5', 3000000, 15000000),
    ('offline', 'offline', 0, 0);

-- One row per AI request. Prompts and outputs are never stored here.
CREATE TABLE ai_requests (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id            uuid REFERENCES users (id) ON DELETE SET NULL,
    -- Salted SHA-256 of an anonymous caller's IP (hex); NULL for members.
    anon_ip_hash       text,
    kind               text NOT NULL CHECK (kind IN ('thread', 'description', 'letter', 'assistant', 'transcription')),
    provider           text NOT NULL,
    model              text NOT NULL,
    input_tokens       bigint NOT NULL DEFAULT 0,
    output_tokens      bigint NOT NULL DEFAULT 0,
    tokens_estimated   boolean NOT NULL DEFAULT false,
    cost_microusd      bigint NOT NULL DEFAULT 0,
    latency_ms         integer NOT NULL,
    ttft_ms            integer,
    outcome            text NOT NULL CHECK (outcome IN ('ok', 'failed', 'cancelled')),
    error_class        text,
    slow               boolean NOT NULL DEFAULT false,
    flagged            boolean NOT NULL DEFAULT false,
    created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ai_requests_created ON ai_requests (created_at);
CREATE INDEX ai_requests_user ON ai_requests (user_id, created_at);
CREATE INDEX ai_requests_flagged ON ai_requests (created_at) WHERE flagged;

-- Server-side secrets that need no configuration: the salt of anonymous IP hashes.
CREATE TABLE app_secrets (
    name   text PRIMARY KEY,
    value  text NOT NULL
);
INSERT INTO app_secrets (name, value)
VALUES ('ip_hash_salt', encode(sha256((gen_random_uuid()::text || clock_timestamp()::text || random()::text)::bytea), 'hex'));

-- Saved threads. Posts are stored without numbering; numbering is applied when shown,
-- copied or exported. `deleted_at` gives the 10-second undo.
CREATE TABLE threads (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title         text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 120),
    -- Whether the member chose the title (otherwise it follows the first post).
    title_custom  boolean NOT NULL DEFAULT false,
    posts         jsonb NOT NULL CHECK (jsonb_typeof(posts) = 'array'),
    numbering     text NOT NULL DEFAULT '1/7' CHECK (numbering IN ('1/7', '1.', 'none')),
    source_url    text,
    version       integer NOT NULL DEFAULT 1,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    deleted_at    timestamptz
);
CREATE INDEX threads_user_updated ON threads (user_id, updated_at DESC) WHERE deleted_at IS NULL;
