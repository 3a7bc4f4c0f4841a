-- Accounts: users, single-use tokens, the audit log and sign-in attempt limits.
-- (tower-sessions keeps its sessions in tower_sessions.session, created by its store.)

CREATE TYPE user_role AS ENUM ('member', 'admin');

CREATE TABLE users (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email              citext NOT NULL UNIQUE,
    -- NULL for accounts that only sign in with Google or magic links.
    password_hash      text,
    display_name       text NOT NULL CHECK (char_length(display_name) BETWEEN 1 AND 80),
    bio                text NOT NULL DEFAULT '' CHECK (char_length(bio) <= 500),
    role               user_role NOT NULL DEFAULT 'member',
    email_verified_at  timestamptz,
    referral_code      text NOT NULL UNIQUE,
    referred_by        uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);

CREATE TRIGGER users_updated_at BEFORE UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TYPE auth_token_kind AS ENUM ('verify_email', 'password_reset', 'magic_link');

-- Only a SHA-256 of each token is stored: a database leak does not hand out sign-ins.
CREATE TABLE auth_tokens (
    token_hash  bytea PRIMARY KEY,
    kind        auth_token_kind NOT NULL,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX auth_tokens_user ON auth_tokens (user_id, kind);

-- Security events. Never a password or a token.
CREATE TABLE audit_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    event       text NOT NULL,
    user_id     uuid REFERENCES users (id) ON DELETE SET NULL,
    email       citext,
    ip          inet,
    user_agent  text,
    detail      jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_at ON audit_log (at DESC);
CREATE INDEX audit_log_user ON audit_log (user_id, at DESC);

-- Attempts counted against a limit (sign-in, magic link, reset) per account and per IP,
-- shared by every instance.
CREATE TABLE auth_attempts (
    id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    scope   text NOT NULL,
    key     text NOT NULL,
    at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX auth_attempts_lookup ON auth_attempts (scope, key, at DESC);

-- Sessions of tower-sessions' PostgresStore (the same table its `migrate()` would create),
-- owned by our migrations so every database gets it the same way.
CREATE SCHEMA IF NOT EXISTS tower_sessions;
CREATE TABLE IF NOT EXISTS tower_sessions.session (
    id           text PRIMARY KEY NOT NULL,
    data         bytea NOT NULL,
    expiry_date  timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS session_expiry ON tower_sessions.session (expiry_date);
