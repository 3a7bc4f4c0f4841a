-- Files sent with an outbox message (a letter's PDF), written in the same transaction as the
-- message, so a message and its attachments exist together or not at all.

CREATE TABLE email_attachments (
    email_id      uuid NOT NULL REFERENCES email_outbox (id) ON DELETE CASCADE,
    -- The order the files are attached in, from 0.
    position      integer NOT NULL CHECK (position >= 0 AND position < 20),
    -- A bare file name: no path, no control characters (the application checks the rest).
    filename      text NOT NULL CHECK (length(filename) BETWEEN 1 AND 200 AND filename !~ '[/\\[:cntrl:]]'),
    content_type  text NOT NULL CHECK (content_type ~ '^[a-z0-9.+-]+/[a-z0-9.+-]+$'),
    bytes         bytea NOT NULL CHECK (octet_length(bytes) BETWEEN 1 AND 10485760),
    PRIMARY KEY (email_id, position)
);

-- Copies of what the dev mailbox provider received, like dev_mailbox keeps the bodies.
CREATE TABLE dev_mailbox_attachments (
    outbox_id     uuid NOT NULL REFERENCES dev_mailbox (outbox_id) ON DELETE CASCADE,
    position      integer NOT NULL,
    filename      text NOT NULL,
    content_type  text NOT NULL,
    bytes         bytea NOT NULL,
    PRIMARY KEY (outbox_id, position)
);
