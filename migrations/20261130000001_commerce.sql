-- Marketplace commerce: members' carts, purchases (one Stripe Checkout payment for a whole
-- cart), orders (one per seller inside a purchase) with their timelines, transfers to sellers,
-- refunds, reviews and favourites. Money in integer minor units (cents).

-- A signed-in member's cart. A visitor's cart lives in their session and is merged into this
-- one at sign-in. The price seen when adding is kept, so a change is shown before paying.
CREATE TABLE cart_items (
    user_id          uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    product_id       uuid NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    quantity         integer NOT NULL CHECK (quantity BETWEEN 1 AND 999),
    price_cents_seen bigint NOT NULL CHECK (price_cents_seen > 0),
    currency_seen    text NOT NULL,
    added_at         timestamptz NOT NULL,
    PRIMARY KEY (user_id, product_id)
);

-- One Stripe Checkout payment. While `open` and before `hold_expires_at`, its items hold
-- stock: a product's available stock is its stock minus the quantities of open, unexpired
-- purchases. The stock itself goes down only when the payment succeeds.
CREATE TYPE purchase_status AS ENUM ('open', 'paid', 'expired', 'cancelled', 'failed', 'refunded');
CREATE TABLE purchases (
    id                uuid PRIMARY KEY,
    buyer_id          uuid NOT NULL REFERENCES users (id),
    status            purchase_status NOT NULL DEFAULT 'open',
    currency          text NOT NULL,
    total_cents       bigint NOT NULL CHECK (total_cents > 0),
    -- PLATFORM_FEE_BPS when the checkout started (a later change does not touch it).
    fee_bps           integer NOT NULL CHECK (fee_bps BETWEEN 0 AND 10000),
    -- The shipping address as chosen (later edits of the member's addresses leave it alone).
    shipping          jsonb NOT NULL,
    stripe_session_id text UNIQUE,
    checkout_url      text,
    payment_intent_id text UNIQUE,
    charge_id         text,
    hold_expires_at   timestamptz NOT NULL,
    -- Why a purchase closed without a sale (expired, cancelled, payment failed, sold out).
    closed_reason     text,
    -- A payment that arrived after its stock was sold is refunded in full at once.
    refund_status     text CHECK (refund_status IN ('pending', 'done', 'failed')),
    refund_id         text UNIQUE,
    refund_attempts   integer NOT NULL DEFAULT 0,
    refund_error      text,
    created_at        timestamptz NOT NULL,
    paid_at           timestamptz,
    closed_at         timestamptz
);
CREATE INDEX purchases_buyer ON purchases (buyer_id, created_at DESC);
CREATE INDEX purchases_open ON purchases (hold_expires_at) WHERE status = 'open';
CREATE INDEX purchases_refund_due ON purchases (closed_at) WHERE refund_status = 'pending';

CREATE TABLE purchase_items (
    purchase_id      uuid NOT NULL REFERENCES purchases (id) ON DELETE CASCADE,
    product_id       uuid NOT NULL REFERENCES products (id),
    seller_id        uuid NOT NULL REFERENCES sellers (user_id),
    title            text NOT NULL,
    unit_price_cents bigint NOT NULL CHECK (unit_price_cents > 0),
    quantity         integer NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (purchase_id, product_id)
);
-- Holds of a product: the open purchases naming it.
CREATE INDEX purchase_items_product ON purchase_items (product_id);

-- One seller's part of a purchase.
CREATE TYPE order_status AS ENUM (
    'pending', 'paid', 'shipped', 'delivered', 'cancelled', 'refunded', 'partially_refunded'
);
CREATE SEQUENCE order_number_seq START 100001;
CREATE TABLE orders (
    id                 uuid PRIMARY KEY,
    -- What people see and links use: TH-100001.
    number             text NOT NULL UNIQUE DEFAULT ('TH-' || nextval('order_number_seq')),
    purchase_id        uuid NOT NULL REFERENCES purchases (id),
    seller_id          uuid NOT NULL REFERENCES sellers (user_id),
    buyer_id           uuid NOT NULL REFERENCES users (id),
    status             order_status NOT NULL DEFAULT 'pending',
    currency           text NOT NULL,
    subtotal_cents     bigint NOT NULL CHECK (subtotal_cents > 0),
    -- The platform's fee: the subtotal minus the seller's share rounded down (the platform
    -- keeps the remainder cent).
    fee_cents          bigint NOT NULL CHECK (fee_cents BETWEEN 0 AND subtotal_cents),
    refunded_cents     bigint NOT NULL DEFAULT 0 CHECK (refunded_cents BETWEEN 0 AND subtotal_cents),
    fee_refunded_cents bigint NOT NULL DEFAULT 0 CHECK (fee_refunded_cents BETWEEN 0 AND fee_cents),
    reversed_cents     bigint NOT NULL DEFAULT 0 CHECK (reversed_cents >= 0),
    -- The transfer of the seller's share (subtotal − fee), made after the payment succeeds.
    transfer_id        text UNIQUE,
    transfer_attempts  integer NOT NULL DEFAULT 0,
    transfer_error     text,
    transferred_at     timestamptz,
    carrier            text CHECK (char_length(carrier) <= 60),
    tracking_number    text CHECK (char_length(tracking_number) <= 60),
    shipped_at         timestamptz,
    delivered_at       timestamptz,
    created_at         timestamptz NOT NULL,
    paid_at            timestamptz,
    UNIQUE (purchase_id, seller_id),
    CHECK (refunded_cents = fee_refunded_cents + reversed_cents OR transfer_id IS NULL)
);
CREATE INDEX orders_buyer ON orders (buyer_id, created_at DESC);
CREATE INDEX orders_seller ON orders (seller_id, created_at DESC);
CREATE INDEX orders_transfer_due ON orders (paid_at)
    WHERE transfer_id IS NULL AND status IN ('paid', 'shipped', 'delivered', 'partially_refunded');
CREATE INDEX orders_shipped ON orders (shipped_at) WHERE status = 'shipped';

CREATE TABLE order_items (
    id               uuid PRIMARY KEY,
    order_id         uuid NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    -- Kept when the listing is deleted later: the title and price are copied.
    product_id       uuid REFERENCES products (id) ON DELETE SET NULL,
    title            text NOT NULL,
    unit_price_cents bigint NOT NULL CHECK (unit_price_cents > 0),
    quantity         integer NOT NULL CHECK (quantity > 0),
    restocked        integer NOT NULL DEFAULT 0 CHECK (restocked BETWEEN 0 AND quantity)
);
CREATE INDEX order_items_order ON order_items (order_id);

-- Every change of an order: shown to buyer and seller.
CREATE TABLE order_events (
    id       bigserial PRIMARY KEY,
    order_id uuid NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    at       timestamptz NOT NULL,
    actor    text NOT NULL CHECK (actor IN ('buyer', 'seller', 'admin', 'system', 'stripe')),
    actor_id uuid REFERENCES users (id) ON DELETE SET NULL,
    status   order_status NOT NULL,
    note     text NOT NULL DEFAULT ''
);
CREATE INDEX order_events_order ON order_events (order_id, id);

-- A refund of part or all of an order: the buyer gets `amount_cents` back from the payment;
-- the seller's transfer is reversed by `reversal_cents` and the platform gives up
-- `fee_refund_cents` of its fee (amount = fee refund + reversal). Stripe calls are made after
-- the row commits, with keys derived from its id, and retried until done.
CREATE TABLE refunds (
    id               uuid PRIMARY KEY,
    order_id         uuid NOT NULL REFERENCES orders (id),
    amount_cents     bigint NOT NULL CHECK (amount_cents > 0),
    fee_refund_cents bigint NOT NULL CHECK (fee_refund_cents >= 0),
    reversal_cents   bigint NOT NULL CHECK (reversal_cents >= 0),
    reason           text NOT NULL DEFAULT '' CHECK (char_length(reason) <= 500),
    actor            text NOT NULL CHECK (actor IN ('seller', 'admin', 'system')),
    actor_id         uuid REFERENCES users (id) ON DELETE SET NULL,
    status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')),
    stripe_refund_id text UNIQUE,
    stripe_reversal_id text UNIQUE,
    attempts         integer NOT NULL DEFAULT 0,
    error            text,
    created_at       timestamptz NOT NULL,
    done_at          timestamptz,
    CHECK (amount_cents = fee_refund_cents + reversal_cents)
);
CREATE INDEX refunds_order ON refunds (order_id, created_at);
CREATE INDEX refunds_pending ON refunds (created_at) WHERE status = 'pending';

-- Reviews: one per delivered order item, by its buyer.
ALTER TABLE products
    ADD COLUMN rating_total    integer NOT NULL DEFAULT 0 CHECK (rating_total >= 0),
    ADD COLUMN rating_count    integer NOT NULL DEFAULT 0 CHECK (rating_count >= 0),
    ADD COLUMN favourite_count integer NOT NULL DEFAULT 0 CHECK (favourite_count >= 0);

CREATE TABLE reviews (
    id            uuid PRIMARY KEY,
    order_item_id uuid NOT NULL UNIQUE REFERENCES order_items (id) ON DELETE CASCADE,
    product_id    uuid REFERENCES products (id) ON DELETE SET NULL,
    seller_id     uuid NOT NULL REFERENCES sellers (user_id) ON DELETE CASCADE,
    buyer_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    rating        smallint NOT NULL CHECK (rating BETWEEN 1 AND 5),
    body          text NOT NULL DEFAULT '' CHECK (char_length(body) <= 2000),
    reply         text CHECK (char_length(reply) BETWEEN 1 AND 2000),
    replied_at    timestamptz,
    hidden_at     timestamptz,
    hidden_reason text,
    created_at    timestamptz NOT NULL
);
CREATE INDEX reviews_product ON reviews (product_id, created_at DESC) WHERE hidden_at IS NULL;
CREATE INDEX reviews_seller ON reviews (seller_id, created_at DESC) WHERE hidden_at IS NULL;

CREATE TABLE review_reports (
    review_id   uuid NOT NULL REFERENCES reviews (id) ON DELETE CASCADE,
    reporter_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    reason      text NOT NULL CHECK (char_length(reason) BETWEEN 1 AND 500),
    created_at  timestamptz NOT NULL,
    resolved_at timestamptz,
    PRIMARY KEY (review_id, reporter_id)
);

-- Ratings follow the visible reviews: a hidden review stops counting.
CREATE FUNCTION reviews_keep_ratings() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_counts boolean := TG_OP <> 'INSERT' AND OLD.hidden_at IS NULL;
    new_counts boolean := TG_OP <> 'DELETE' AND NEW.hidden_at IS NULL;
BEGIN
    IF old_counts THEN
        UPDATE products SET rating_total = rating_total - OLD.rating, rating_count = rating_count - 1
         WHERE id = OLD.product_id;
        UPDATE sellers SET rating_total = rating_total - OLD.rating, rating_count = rating_count - 1
         WHERE user_id = OLD.seller_id;
    END IF;
    IF new_counts THEN
        UPDATE products SET rating_total = rating_total + NEW.rating, rating_count = rating_count + 1
         WHERE id = NEW.product_id;
        UPDATE sellers SET rating_total = rating_total + NEW.rating, rating_count = rating_count + 1
         WHERE user_id = NEW.seller_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER reviews_ratings AFTER INSERT OR DELETE OR UPDATE OF rating, hidden_at ON reviews
    FOR EACH ROW EXECUTE FUNCTION reviews_keep_ratings();

CREATE TABLE favourites (
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    product_id uuid NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, product_id)
);
CREATE INDEX favourites_product ON favourites (product_id);

CREATE FUNCTION favourites_keep_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE products SET favourite_count = favourite_count + 1 WHERE id = NEW.product_id;
    ELSE
        UPDATE products SET favourite_count = favourite_count - 1 WHERE id = OLD.product_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER favourites_count AFTER INSERT OR DELETE ON favourites
    FOR EACH ROW EXECUTE FUNCTION favourites_keep_count();
