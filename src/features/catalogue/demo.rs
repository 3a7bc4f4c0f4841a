//! A demo catalogue (`threadr seed-demo`): six sellers whose Stripe onboarding is done, and
//! listings across every sub-category, the first ones with generated photos. `--products N`
//! adds N more quickly (COPY, no photos) for the search benchmark.

use rand::{Rng, SeedableRng, rngs::StdRng};
use sqlx::PgPool;
use uuid::Uuid;

use super::demo_words::{ADJECTIVES, COLOURS, MATERIALS, SELLERS, SENTENCES, THINGS};
use super::images::{MediaStore, Processed, process};
use super::listing_images::StoredSizes;
use super::model::{Condition, slugify};

/// One generated listing.
pub struct DemoProduct {
    pub id: Uuid,
    pub seller: usize,
    pub slug: String,
    pub title: String,
    pub description: String,
    pub price_cents: i64,
    pub stock: i32,
    pub category: &'static str,
    pub condition: Condition,
    pub colour: usize,
    pub days_ago: i64,
}

/// The `n`th demo listing of a run seeded with `seed`: the same inputs give the same listing.
pub fn product(rng: &mut StdRng) -> DemoProduct {
    let (category, things, (low, high)) = THINGS[rng.random_range(0..THINGS.len())];
    let thing = things[rng.random_range(0..things.len())];
    let adjective = ADJECTIVES[rng.random_range(0..ADJECTIVES.len())];
    let material = MATERIALS[rng.random_range(0..MATERIALS.len())];
    let colour = rng.random_range(0..COLOURS.len());
    let title = match rng.random_range(0..3) {
        0 => format!("{} {material} {thing}", capitalised(adjective)),
        1 => format!("{} {thing} in {}", capitalised(adjective), COLOURS[colour]),
        _ => format!("{} {thing}, {adjective}", capitalised(COLOURS[colour])),
    };
    let sentences = rng.random_range(2..5);
    let description = (0..sentences)
        .map(|_| {
            SENTENCES[rng.random_range(0..SENTENCES.len())]
                .replace("{thing}", thing)
                .replace("{material}", material)
                .replace("{colour}", COLOURS[colour])
        })
        .collect::<Vec<_>>()
        .join(" ");
    let id = Uuid::from_u128(rng.random());
    let tail = &id.simple().to_string()[..8];
    DemoProduct {
        id,
        seller: seller_for(category),
        slug: format!("{}-{tail}", slugify(&title, 80)),
        title,
        description,
        price_cents: rng.random_range(low * 100..=high * 100) / 50 * 50 + 49,
        stock: if rng.random_range(0..10) == 0 { 0 } else { rng.random_range(1..12) },
        category,
        condition: Condition::ALL[rng.random_range(0..Condition::ALL.len())],
        colour,
        days_ago: rng.random_range(0..120),
    }
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// Which demo seller sells in a sub-category (each has a specialty).
fn seller_for(category: &str) -> usize {
    match category {
        "furniture" | "kitchen" | "decor" | "bedding" | "garden" | "antiques" => 0,
        "fiction" | "non-fiction" | "childrens-books" | "comics" | "textbooks" | "prints" | "puzzles" => 1,
        "phones" | "computers" | "audio" | "cameras" | "gaming" | "music-gear" | "vinyl" | "instruments" => 2,
        "womens-clothing" | "mens-clothing" | "kids-clothing" | "shoes" | "bags-accessories" | "necklaces"
        | "rings" | "earrings" | "watches" => 3,
        "paintings" | "photography" | "sculpture" | "crafts" | "coins-stamps" | "trading-cards" => 4,
        _ => 5,
    }
}

/// The demo sellers (made once): their user ids in `SELLERS` order.
pub async fn sellers(pool: &PgPool) -> Result<Vec<Uuid>, sqlx::Error> {
    let mut ids = Vec::with_capacity(SELLERS.len());
    for (n, (handle, name, bio)) in SELLERS.iter().enumerate() {
        let email = format!("{handle}@demo.threadr.test");
        let id: Uuid = sqlx::query_scalar(
            "INSERT INTO users (email, display_name, bio, email_verified_at, referral_code, created_at)
             VALUES ($1, $2, $3, now(), $4, now() - make_interval(days => $5))
             ON CONFLICT (email) DO UPDATE SET email = EXCLUDED.email RETURNING id",
        )
        .bind(&email)
        .bind(name)
        .bind(bio)
        .bind(format!("DEMO{}", handle.to_ascii_uppercase()))
        .bind(400 + 97 * i32::try_from(n).unwrap_or(0))
        .fetch_one(pool)
        .await?;
        sqlx::query(
            "INSERT INTO sellers (user_id, handle, stripe_account_id, charges_enabled, payouts_enabled, details_submitted,
                                  rating_total, rating_count)
             VALUES ($1, $2, $3, true, true, true, $4, $5) ON CONFLICT (user_id) DO NOTHING",
        )
        .bind(id)
        .bind(handle)
        .bind(format!("acct_demo_{handle}"))
        .bind(i32::try_from(n).unwrap_or(0) * 7 % 40 + 120)
        .bind(30)
        .execute(pool)
        .await?;
        ids.push(id);
    }
    Ok(ids)
}

/// Inserts one demo listing on sale (the search outbox sees it like any other).
pub async fn insert(pool: &PgPool, sellers: &[Uuid], p: &DemoProduct) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO products (id, seller_id, slug, title, description, price_cents, currency, stock, category_id,
                               condition, status, published_at, created_at)
         SELECT $1, $2, $3, $4, $5, $6, 'USD', $7, c.id, $9::product_condition, 'active',
                now() - make_interval(days => $10), now() - make_interval(days => $10)
           FROM categories c WHERE c.slug = $8",
    )
    .bind(p.id)
    .bind(sellers[p.seller % sellers.len()])
    .bind(&p.slug)
    .bind(&p.title)
    .bind(&p.description)
    .bind(p.price_cents)
    .bind(p.stock)
    .bind(p.category)
    .bind(p.condition.as_str())
    .bind(i32::try_from(p.days_ago).unwrap_or(0))
    .execute(pool)
    .await?;
    Ok(())
}

/// Adds `count` listings with COPY (about a minute for a million here). The outbox trigger is
/// off meanwhile, and the search indexes are told to rebuild afterwards (cheaper than a
/// million outbox rows).
pub async fn bulk(pool: &PgPool, count: usize, seed: u64) -> Result<usize, sqlx::Error> {
    let sellers = sellers(pool).await?;
    let categories: Vec<(String, i32)> = sqlx::query_as("SELECT slug, id FROM categories").fetch_all(pool).await?;
    let category_id = |slug: &str| categories.iter().find(|(s, _)| s == slug).map(|(_, id)| *id).unwrap_or(1);
    let mut rng = StdRng::seed_from_u64(seed);
    let mut conn = pool.acquire().await?;
    sqlx::query("ALTER TABLE products DISABLE TRIGGER products_search_outbox").execute(&mut *conn).await?;
    let copied = copy_products(&mut conn, count, &sellers, &category_id, &mut rng).await;
    sqlx::query("ALTER TABLE products ENABLE TRIGGER products_search_outbox").execute(&mut *conn).await?;
    let copied = copied?;
    // Any index whose last applied outbox row is older than now rebuilds from the table.
    sqlx::query(
        "WITH marker AS (INSERT INTO search_outbox (product_id) VALUES ('00000000-0000-0000-0000-000000000000') RETURNING id)
         UPDATE search_outbox_pruned SET through_id = (SELECT id FROM marker)",
    )
    .execute(&mut *conn)
    .await?;
    Ok(copied)
}

async fn copy_products(
    conn: &mut sqlx::PgConnection,
    count: usize,
    sellers: &[Uuid],
    category_id: &dyn Fn(&str) -> i32,
    rng: &mut StdRng,
) -> Result<usize, sqlx::Error> {
    const BATCH: usize = 20_000;
    let mut done = 0;
    while done < count {
        let mut copy = conn
            .copy_in_raw(
                "COPY products (id, seller_id, slug, title, description, price_cents, currency, stock, category_id,
                                condition, status, published_at, created_at) FROM STDIN",
            )
            .await?;
        let mut text = String::with_capacity(BATCH * 300);
        let now = chrono::Utc::now();
        for _ in 0..BATCH.min(count - done) {
            let p = product(rng);
            let at =
                (now - chrono::Duration::days(p.days_ago) - chrono::Duration::seconds(rng.random_range(0..86_400)))
                    .to_rfc3339();
            text.push_str(&format!(
                "{}\t{}\t{}\t{}\t{}\t{}\tUSD\t{}\t{}\t{}\tactive\t{at}\t{at}\n",
                p.id,
                sellers[p.seller % sellers.len()],
                p.slug,
                copy_text(&p.title),
                copy_text(&p.description),
                p.price_cents,
                p.stock,
                category_id(p.category),
                p.condition.as_str(),
            ));
            done += 1;
        }
        copy.send(text.as_bytes()).await?;
        copy.finish().await?;
    }
    Ok(done)
}

/// A value in COPY's text format (backslash, tab and newline escaped).
fn copy_text(s: &str) -> String {
    s.replace('\\', "\\\\").replace('\t', "\\t").replace('\n', "\\n")
}

/// The first-start catalogue: when there are no listings yet, the demo sellers and `count`
/// listings, each with a generated photo (stored like an upload). Returns how many were made.
pub async fn seed_catalogue(pool: &PgPool, media: &MediaStore, count: usize) -> Result<usize, DemoError> {
    let existing: i64 = sqlx::query_scalar("SELECT count(*) FROM products").fetch_one(pool).await?;
    if existing > 0 {
        return Ok(0);
    }
    let sellers = sellers(pool).await?;
    let mut rng = rng(2026);
    // One picture per colour and shape, each stored again per listing under its own id (as an
    // upload would be): thirty decodes instead of hundreds.
    let mut pictures: std::collections::HashMap<(usize, u8), std::sync::Arc<Processed>> = Default::default();
    for _ in 0..count {
        let p = product(&mut rng);
        insert(pool, &sellers, &p).await?;
        let key = (p.colour, rng.random_range(0..3u8));
        let processed = match pictures.get(&key) {
            Some(done) => done.clone(),
            None => {
                let made = tokio::task::spawn_blocking(move || demo_photo(key.0, key.1))
                    .await
                    .map_err(|e| DemoError::Photo(e.to_string()))??;
                pictures.entry(key).or_insert(std::sync::Arc::new(made)).clone()
            }
        };
        let id = Uuid::new_v4();
        let bytes = media.put_image(id, &processed).await.map_err(|e| DemoError::Photo(e.to_string()))?;
        let size = |i: usize| (processed.variants[i].width, processed.variants[i].height);
        let sizes = StoredSizes { thumb: size(0), card: size(1), full: size(2), bytes };
        let seller = sellers[p.seller % sellers.len()];
        super::listing_images::add(pool, seller, p.id, id, processed.format.as_str(), sizes)
            .await
            .map_err(|e| DemoError::Photo(e.to_string()))?;
    }
    Ok(count)
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("demo photo: {0}")]
    Photo(String),
}

/// A product-shot-like picture: a soft backdrop in the listing's colour with a darker shape on
/// it, put through the same processing as an upload.
fn demo_photo(colour: usize, shape: u8) -> Result<Processed, DemoError> {
    use image::{ImageEncoder, Rgb, RgbImage, codecs::jpeg::JpegEncoder};
    const PALETTE: [(u8, u8, u8); 10] = [
        (40, 40, 48),
        (236, 236, 232),
        (38, 52, 96),
        (96, 110, 60),
        (214, 170, 50),
        (196, 98, 64),
        (150, 176, 146),
        (128, 128, 134),
        (190, 48, 48),
        (58, 104, 178),
    ];
    let (r, g, b) = PALETTE[colour % PALETTE.len()];
    let side = 800u32;
    let light = |c: u8, y: u32| (u32::from(c) + (255 - u32::from(c)) * (side - y) / side / 2) as u8;
    let dark = |c: u8| c / 2;
    let picture = RgbImage::from_fn(side, side, |x, y| {
        let (cx, cy) = (x as i64 - 400, y as i64 - 420);
        let inside = match shape {
            0 => cx * cx + cy * cy < 220 * 220,
            1 => cx.abs() < 230 && cy.abs() < 170,
            _ => cy > -200 && cy < 200 && cx.abs() < (200 - cy) * 3 / 4,
        };
        if inside { Rgb([dark(r), dark(g), dark(b)]) } else { Rgb([light(r, y), light(g, y), light(b, y)]) }
    });
    let mut jpeg = Vec::new();
    JpegEncoder::new_with_quality(&mut jpeg, 88)
        .write_image(picture.as_raw(), side, side, image::ExtendedColorType::Rgb8)
        .map_err(|e| DemoError::Photo(e.to_string()))?;
    let mut file = tempfile::NamedTempFile::new().map_err(|e| DemoError::Photo(e.to_string()))?;
    std::io::Write::write_all(&mut file, &jpeg).map_err(|e| DemoError::Photo(e.to_string()))?;
    process(file.path()).map_err(|e| DemoError::Photo(e.to_string()))
}

/// A fresh generator for demo data.
pub fn rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_makes_the_same_listings() {
        let (mut a, mut b) = (rng(7), rng(7));
        for _ in 0..50 {
            let (x, y) = (product(&mut a), product(&mut b));
            assert_eq!((x.id, &x.title, x.price_cents), (y.id, &y.title, y.price_cents));
            assert!(x.price_cents > 0 && x.price_cents <= 100_000_000);
            assert!(x.title.chars().count() <= 140 && !x.slug.is_empty());
        }
    }

    #[test]
    fn every_demo_category_is_a_seeded_sub_category() {
        let migration = include_str!("../../../migrations/20261129000002_catalogue.sql");
        for (slug, _, _) in THINGS {
            assert!(migration.contains(&format!("['{slug}',")), "{slug} is not in the migration");
        }
    }
}
