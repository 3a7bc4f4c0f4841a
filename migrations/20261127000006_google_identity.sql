-- Google sign-in: the OpenID Connect subject (`sub`) of the Google account linked to a user.
-- Google's `sub` never changes, unlike the email, so returning users are found by it.
-- (Version ...0005 is taken by another change on main.)
ALTER TABLE users ADD COLUMN google_sub text UNIQUE;
