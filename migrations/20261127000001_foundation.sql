-- Shared helpers every later table uses.

-- Keeps `updated_at` honest without every UPDATE having to remember it:
--   CREATE TRIGGER t_updated_at BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE OR REPLACE FUNCTION set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END;
$$;

-- Case-insensitive text (emails) and trigram search (marketplace) are trusted extensions.
CREATE EXTENSION IF NOT EXISTS citext;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
