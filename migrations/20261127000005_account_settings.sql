-- Account settings: the list of signed-in devices, shipping addresses, email change and
-- account deletion.

-- One row per signed-in session (tower-sessions' own table is opaque MessagePack): the
-- account page lists them and can end one. A session whose row is gone signs nobody in.
CREATE TABLE user_sessions (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz NOT NULL DEFAULT now(),
    ip            inet,
    user_agent    text CHECK (char_length(user_agent) <= 300),
    -- Set once the admin portal key was entered in this session.
    stepped_up_at timestamptz
);
CREATE INDEX user_sessions_user ON user_sessions (user_id, last_seen_at DESC);
CREATE INDEX user_sessions_last_seen ON user_sessions (last_seen_at);

CREATE TABLE addresses (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    full_name    text NOT NULL CHECK (char_length(full_name) BETWEEN 1 AND 80),
    line1        text NOT NULL CHECK (char_length(line1) BETWEEN 1 AND 100),
    line2        text NOT NULL DEFAULT '' CHECK (char_length(line2) <= 100),
    city         text NOT NULL CHECK (char_length(city) BETWEEN 1 AND 60),
    region       text NOT NULL DEFAULT '' CHECK (char_length(region) <= 60),
    postal_code  text NOT NULL CHECK (char_length(postal_code) BETWEEN 1 AND 12),
    country      char(2) NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
    phone        text NOT NULL DEFAULT '' CHECK (char_length(phone) <= 20),
    is_default   boolean NOT NULL DEFAULT false,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX addresses_user ON addresses (user_id, created_at);
-- At most one default address per member.
CREATE UNIQUE INDEX addresses_one_default ON addresses (user_id) WHERE is_default;
CREATE TRIGGER addresses_updated_at BEFORE UPDATE ON addresses
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- An email change is confirmed from the new address: the token carries that address.
ALTER TYPE auth_token_kind ADD VALUE 'change_email';
ALTER TABLE auth_tokens ADD COLUMN new_email citext;

-- Deleted accounts are anonymised, not removed, so orders keep their buyer and seller.
ALTER TABLE users ADD COLUMN deleted_at timestamptz;
