-- The marketplace catalogue: categories (a two-level tree), sellers (a member with a Stripe
-- Connect Express account), products with their images, and the search outbox every app
-- instance applies to its own search index. PostgreSQL stays the source of truth: the
-- outbox rows are written by triggers in the same transaction as the change they describe,
-- so no code path can change a product and forget the index.

CREATE TABLE categories (
    id         integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY,
    parent_id  integer REFERENCES categories (id) ON DELETE RESTRICT,
    slug       text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND char_length(slug) <= 60),
    name       text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 60),
    position   smallint NOT NULL,
    UNIQUE (parent_id, name)
);

-- Two levels only: a child's parent must be a top-level category.
CREATE FUNCTION categories_two_levels() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.parent_id IS NOT NULL AND EXISTS (SELECT 1 FROM categories WHERE id = NEW.parent_id AND parent_id IS NOT NULL) THEN
        RAISE EXCEPTION 'categories are two levels deep: % cannot sit under a sub-category', NEW.slug;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER categories_two_levels BEFORE INSERT OR UPDATE ON categories
    FOR EACH ROW EXECUTE FUNCTION categories_two_levels();

WITH top (slug, name, position, children) AS (VALUES
    ('clothing', 'Clothing', 1, ARRAY[['womens-clothing','Women'],['mens-clothing','Men'],['kids-clothing','Kids'],['shoes','Shoes'],['bags-accessories','Bags & accessories']]),
    ('home', 'Home', 2, ARRAY[['furniture','Furniture'],['kitchen','Kitchen & dining'],['decor','Decor'],['bedding','Bedding & bath'],['garden','Garden']]),
    ('electronics', 'Electronics', 3, ARRAY[['phones','Phones'],['computers','Computers & tablets'],['audio','Audio'],['cameras','Cameras'],['gaming','Gaming']]),
    ('books', 'Books', 4, ARRAY[['fiction','Fiction'],['non-fiction','Non-fiction'],['childrens-books','Children''s books'],['comics','Comics & graphic novels'],['textbooks','Textbooks']]),
    ('art', 'Art', 5, ARRAY[['paintings','Paintings'],['prints','Prints & posters'],['photography','Photography'],['sculpture','Sculpture'],['crafts','Handmade crafts']]),
    ('jewellery', 'Jewellery', 6, ARRAY[['necklaces','Necklaces'],['rings','Rings'],['earrings','Earrings'],['watches','Watches']]),
    ('sports', 'Sports & outdoors', 7, ARRAY[['cycling','Cycling'],['fitness','Fitness'],['camping','Camping & hiking'],['team-sports','Team sports']]),
    ('toys', 'Toys & games', 8, ARRAY[['board-games','Board games'],['puzzles','Puzzles'],['building-toys','Building toys'],['dolls-figures','Dolls & figures']]),
    ('music', 'Music', 9, ARRAY[['instruments','Instruments'],['vinyl','Vinyl records'],['music-gear','Studio & DJ gear']]),
    ('collectibles', 'Vintage & collectibles', 10, ARRAY[['coins-stamps','Coins & stamps'],['antiques','Antiques'],['trading-cards','Trading cards']])
), parents AS (
    INSERT INTO categories (slug, name, position) SELECT slug, name, position FROM top RETURNING id, slug
)
INSERT INTO categories (parent_id, slug, name, position)
SELECT p.id, t.children[i][1], t.children[i][2], i
  FROM top t JOIN parents p USING (slug), generate_subscripts(t.children, 1) AS i;

-- A member who sells. Selling turns on when Stripe says the Connect account can take charges
-- and has its details submitted (`account.updated`, or the onboarding return).
CREATE TABLE sellers (
    user_id             uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    handle              citext NOT NULL UNIQUE CHECK (handle ~ '^[a-z0-9]([a-z0-9-]{1,28}[a-z0-9])$'),
    stripe_account_id   text UNIQUE,
    charges_enabled     boolean NOT NULL DEFAULT false,
    payouts_enabled     boolean NOT NULL DEFAULT false,
    details_submitted   boolean NOT NULL DEFAULT false,
    -- What Stripe still asks for (`requirements.currently_due`, then `eventually_due`).
    requirements        text[] NOT NULL DEFAULT '{}',
    disabled_reason     text,
    -- The `created` time of the Stripe event (or retrieval) the account state came from: an
    -- older event delivered late never overwrites a newer state.
    account_state_as_of timestamptz,
    -- Reviews (marketplace commerce) keep these current; the rating is total / count.
    rating_total        integer NOT NULL DEFAULT 0 CHECK (rating_total >= 0),
    rating_count        integer NOT NULL DEFAULT 0 CHECK (rating_count >= 0),
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER sellers_updated_at BEFORE UPDATE ON sellers FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TYPE product_status AS ENUM ('draft', 'active', 'hidden', 'removed');
CREATE TYPE product_condition AS ENUM ('new', 'like_new', 'good', 'fair');

CREATE TABLE products (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    seller_id       uuid NOT NULL REFERENCES sellers (user_id) ON DELETE CASCADE,
    slug            text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND char_length(slug) <= 100),
    title           text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 140),
    description     text NOT NULL DEFAULT '' CHECK (char_length(description) <= 5000),
    -- Minor units (cents); at most 1,000,000.00.
    price_cents     bigint NOT NULL CHECK (price_cents > 0 AND price_cents <= 100000000),
    currency        text NOT NULL DEFAULT 'USD' CHECK (currency IN ('USD', 'EUR', 'GBP', 'CAD', 'AUD', 'CHF', 'SEK', 'NZD')),
    stock           integer NOT NULL CHECK (stock >= 0),
    category_id     integer NOT NULL REFERENCES categories (id),
    condition       product_condition NOT NULL,
    status          product_status NOT NULL DEFAULT 'draft',
    -- Why an admin removed it (shown to the seller).
    removed_reason  text,
    view_count      bigint NOT NULL DEFAULT 0,
    -- Category names and the seller's name, kept by the trigger below, so PostgreSQL's full
    -- text (the fallback while an instance's index catches up) searches what the index does.
    search_vector   tsvector NOT NULL DEFAULT ''::tsvector,
    published_at    timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER products_updated_at BEFORE UPDATE ON products FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE INDEX products_seller ON products (seller_id, created_at DESC);
CREATE INDEX products_active_new ON products (published_at DESC) WHERE status = 'active';
CREATE INDEX products_active_popular ON products (view_count DESC) WHERE status = 'active';
CREATE INDEX products_active_category ON products (category_id, published_at DESC) WHERE status = 'active';
CREATE INDEX products_search ON products USING gin (search_vector) WHERE status = 'active';

CREATE FUNCTION products_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    category_names text;
    seller_name text;
BEGIN
    SELECT concat_ws(' ', c.name, p.name) INTO category_names
      FROM categories c LEFT JOIN categories p ON p.id = c.parent_id WHERE c.id = NEW.category_id;
    SELECT u.display_name INTO seller_name FROM users u WHERE u.id = NEW.seller_id;
    NEW.search_vector :=
        setweight(to_tsvector('simple', NEW.title), 'A') ||
        setweight(to_tsvector('simple', coalesce(category_names, '') || ' ' || coalesce(seller_name, '')), 'B') ||
        setweight(to_tsvector('simple', NEW.description), 'C');
    RETURN NEW;
END $$;
CREATE TRIGGER products_search_vector BEFORE INSERT OR UPDATE OF title, description, category_id, seller_id ON products
    FOR EACH ROW EXECUTE FUNCTION products_search_vector();

-- Up to 8 images a product, in the seller's order. Each image's variants live in object
-- storage under `products/{id}/{variant}.{ext}`; the id changes with every upload, so a
-- variant's URL never changes what it serves (cached for a year).
CREATE TABLE product_images (
    id           uuid PRIMARY KEY,
    product_id   uuid NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    position     smallint NOT NULL CHECK (position BETWEEN 0 AND 7),
    format       text NOT NULL CHECK (format IN ('jpeg', 'png')),
    alt          text NOT NULL DEFAULT '' CHECK (char_length(alt) <= 200),
    thumb_width  integer NOT NULL, thumb_height integer NOT NULL,
    card_width   integer NOT NULL, card_height  integer NOT NULL,
    full_width   integer NOT NULL, full_height  integer NOT NULL,
    bytes        bigint NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (product_id, position) DEFERRABLE INITIALLY DEFERRED
);

-- Objects whose rows are gone (a deleted image or product): removed from storage by a
-- background sweep after the transaction that deleted the row committed.
CREATE TABLE orphaned_images (
    image_id    uuid PRIMARY KEY,
    format      text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE FUNCTION product_images_orphan() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO orphaned_images (image_id, format) VALUES (OLD.id, OLD.format) ON CONFLICT DO NOTHING;
    RETURN OLD;
END $$;
CREATE TRIGGER product_images_orphan AFTER DELETE ON product_images FOR EACH ROW EXECUTE FUNCTION product_images_orphan();

-- Every change the search index must see: one row per product touched, in commit order of
-- ids (an instance applies rows above the last id its index committed). A statement-level
-- NOTIFY wakes every instance; it is delivered at commit, never for a rolled-back change.
CREATE TABLE search_outbox (
    id          bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY,
    product_id  uuid NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
-- The highest outbox id ever pruned: an index whose last applied id is below it missed rows
-- and rebuilds from the products table.
CREATE TABLE search_outbox_pruned (
    singleton   boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    through_id  bigint NOT NULL
);
INSERT INTO search_outbox_pruned (through_id) VALUES (0);

CREATE FUNCTION search_outbox_product() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO search_outbox (product_id) VALUES (OLD.id);
    ELSE
        INSERT INTO search_outbox (product_id) VALUES (NEW.id);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER products_search_outbox
    AFTER INSERT OR DELETE OR UPDATE OF title, description, price_cents, currency, stock, category_id, condition, status, slug, published_at, search_vector
    ON products FOR EACH ROW EXECUTE FUNCTION search_outbox_product();

CREATE FUNCTION search_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('search_outbox', '');
    RETURN NULL;
END $$;
CREATE TRIGGER search_outbox_notify AFTER INSERT ON search_outbox
    FOR EACH STATEMENT EXECUTE FUNCTION search_outbox_notify();

-- A seller's rating or name is part of each of their products' index documents.
CREATE FUNCTION sellers_search_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO search_outbox (product_id) SELECT id FROM products WHERE seller_id = NEW.user_id;
    RETURN NULL;
END $$;
CREATE TRIGGER sellers_search_outbox AFTER UPDATE OF rating_total, rating_count, handle ON sellers
    FOR EACH ROW WHEN (OLD.rating_total IS DISTINCT FROM NEW.rating_total
                    OR OLD.rating_count IS DISTINCT FROM NEW.rating_count
                    OR OLD.handle IS DISTINCT FROM NEW.handle)
    EXECUTE FUNCTION sellers_search_outbox();

-- A seller's new display name: recompute their products' search vectors (which queues them).
CREATE FUNCTION users_seller_name_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE products SET search_vector = ''::tsvector, title = title WHERE seller_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER users_seller_name_changed AFTER UPDATE OF display_name ON users
    FOR EACH ROW WHEN (OLD.display_name IS DISTINCT FROM NEW.display_name)
    EXECUTE FUNCTION users_seller_name_changed();
