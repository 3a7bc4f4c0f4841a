-- Signing out everywhere (and a password reset) bumps the epoch; sessions that carry an
-- older epoch no longer sign anyone in.
ALTER TABLE users ADD COLUMN session_epoch integer NOT NULL DEFAULT 0;
