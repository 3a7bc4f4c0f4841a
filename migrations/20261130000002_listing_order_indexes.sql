-- The listing grids order by `published_at DESC NULLS LAST` (and "popular" by views first):
-- indexes in exactly that order let PostgreSQL read the first rows instead of sorting every
-- active listing (about 350 ms each over a million listings; the home page took 2 s).
DROP INDEX products_active_new;
CREATE INDEX products_active_new ON products (published_at DESC NULLS LAST) WHERE status = 'active';
DROP INDEX products_active_popular;
CREATE INDEX products_active_popular ON products (view_count DESC, published_at DESC NULLS LAST) WHERE status = 'active';
DROP INDEX products_active_category;
CREATE INDEX products_active_category ON products (category_id, published_at DESC NULLS LAST, id) WHERE status = 'active';
