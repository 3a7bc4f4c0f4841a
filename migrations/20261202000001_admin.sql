-- The admin area: suspended accounts, audit targets, and settings every instance follows.

-- A suspended (banned) member cannot sign in; their sessions end when it is set.
ALTER TABLE users
    ADD COLUMN banned_at     timestamptz,
    ADD COLUMN banned_reason text CHECK (char_length(banned_reason) <= 500);
CREATE INDEX users_banned ON users (banned_at) WHERE banned_at IS NOT NULL;
-- The admin user search: a substring of the email or the name.
CREATE INDEX users_email_trgm ON users USING gin ((email::text) gin_trgm_ops);
CREATE INDEX users_name_trgm ON users USING gin (display_name gin_trgm_ops);

-- What an admin action acted on ("user:<id>", "product:<id>", "stripe_event:<id>", …).
-- For admin actions `user_id`/`email` are the admin who acted.
ALTER TABLE audit_log ADD COLUMN target text;
CREATE INDEX audit_log_event ON audit_log (event, at DESC);
CREATE INDEX audit_log_target ON audit_log (target, at DESC) WHERE target IS NOT NULL;

-- Settings switched at run time from /admin and followed by every instance within seconds
-- (each reads them every few seconds): maintenance mode, the preferred email provider.
CREATE TABLE app_settings (
    key         text PRIMARY KEY,
    value       jsonb NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    updated_by  uuid REFERENCES users (id) ON DELETE SET NULL
);
