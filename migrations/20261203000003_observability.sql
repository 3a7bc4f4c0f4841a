-- Request latency and database failures per app instance per minute (server::observe). Each
-- instance upserts its minutes additively every ~15 s; the alert evaluator sums them across
-- instances. `latency_buckets[i]` counts requests at or under LATENCY_BUCKETS_MS[i] ms (and
-- over the bound before it); the last slot counts those above the last bound. Rows older than
-- two days are pruned by the instances themselves.
CREATE TABLE instance_minutes (
    instance_id      text NOT NULL,
    minute           timestamptz NOT NULL,
    requests         bigint NOT NULL DEFAULT 0,
    latency_buckets  bigint[] NOT NULL,
    db_failures      integer NOT NULL DEFAULT 0,
    PRIMARY KEY (instance_id, minute)
);

CREATE INDEX instance_minutes_minute ON instance_minutes (minute);

-- /metrics counts dead emails at every scrape (the outbox keeps every sent row).
CREATE INDEX email_outbox_dead ON email_outbox (updated_at) WHERE status = 'dead';
