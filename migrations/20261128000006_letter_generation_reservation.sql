-- The quota a letter's generation holds (quotas::Reservation as JSON) while it is generating.
-- Whoever moves the letter out of `generating` without a result — the generation itself when it
-- fails or is cancelled, or the stuck-job recovery after a crash — gives it back in the same
-- transaction; a finished letter keeps it counted. Only a generating letter holds one.
ALTER TABLE letters ADD COLUMN generation_reservation jsonb,
    ADD CONSTRAINT letters_reservation_only_while_generating
        CHECK (generation_reservation IS NULL OR status = 'generating');
