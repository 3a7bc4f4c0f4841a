//! The search relevance table: query → expected results, run against the tantivy index and,
//! for the cases it supports (no typos, accents only as typed), the PostgreSQL fallback.
//! Every failing case is listed before the test fails.

use std::collections::{BTreeMap, HashMap, HashSet};

use sqlx::PgPool;
use threadr::features::catalogue::search::{
    PostgresSearch, SearchIndex, SearchPage, SearchQuery, TantivyIndex, query::PAGE_SIZE, reindex,
};
use threadr::server::db::MIGRATOR;
use uuid::Uuid;

use crate::search_corpus::{self as corpus, P};

#[derive(Clone, Copy, PartialEq)]
enum Engines {
    Both,
    /// Typos, accent folding of stored text: the fallback cannot.
    TantivyOnly,
}

#[derive(Clone, Copy)]
enum Key {
    PriceAsc,
    PriceDesc,
    Newest,
}

enum Check {
    /// The whole result is exactly these products (any order).
    Exactly(&'static [&'static str]),
    /// The first results are these (any order among them).
    Top(&'static [&'static str]),
    /// These are on the first page.
    Contains(&'static [&'static str]),
    /// These are nowhere in the first page.
    Absent(&'static [&'static str]),
    /// The result is exactly the active products passing this test; the total and the
    /// category and condition counts must agree with it too.
    Where(fn(&P) -> bool),
    /// Like `Where`, and this page is in this order (compared by the sort key, so ties may
    /// come in either order).
    Sorted(fn(&P) -> bool, Key),
    /// Category counts by slug.
    Facet(&'static str, u64),
    Total(u64),
}

struct Case {
    params: &'static str,
    engines: Engines,
    checks: Vec<Check>,
}

fn both(params: &'static str) -> Case {
    Case { params, engines: Engines::Both, checks: Vec::new() }
}

fn tantivy(params: &'static str) -> Case {
    Case { params, engines: Engines::TantivyOnly, checks: Vec::new() }
}

impl Case {
    fn exactly(mut self, s: &'static [&'static str]) -> Self {
        self.checks.push(Check::Exactly(s));
        self
    }
    fn top(mut self, s: &'static [&'static str]) -> Self {
        self.checks.push(Check::Top(s));
        self
    }
    fn contains(mut self, s: &'static [&'static str]) -> Self {
        self.checks.push(Check::Contains(s));
        self
    }
    fn absent(mut self, s: &'static [&'static str]) -> Self {
        self.checks.push(Check::Absent(s));
        self
    }
    fn r#where(mut self, f: fn(&P) -> bool) -> Self {
        self.checks.push(Check::Where(f));
        self
    }
    fn sorted(mut self, f: fn(&P) -> bool, key: Key) -> Self {
        self.checks.push(Check::Sorted(f, key));
        self
    }
    fn facet(mut self, slug: &'static str, n: u64) -> Self {
        self.checks.push(Check::Facet(slug, n));
        self
    }
    fn total(mut self, n: u64) -> Self {
        self.checks.push(Check::Total(n));
        self
    }
    fn empty(self) -> Self {
        self.exactly(&[]).total(0)
    }
}

fn in_tree(p: &P, slug: &str) -> bool {
    p.category == slug || p.parent.as_deref() == Some(slug)
}

fn rating_at_least(p: &P, tenths: i32) -> bool {
    p.rating.is_some_and(|(total, count)| total * 10 >= tenths * count)
}

/// The table. Trailing `+` in `q` is a typed space: the last word is then whole, not a prefix.
fn cases() -> Vec<Case> {
    vec![
        // Single words.
        // "racket" is one typo from "jacket": exact matches first.
        both("q=jacket+").top(&["leather-jacket-brown", "leather-jacket-black-womens", "denim-jacket"]),
        both("q=guitar+").exactly(&["yamaha-acoustic", "fender-stratocaster"]),
        both("q=vinyl+").exactly(&["abbey-road-vinyl", "kind-of-blue-vinyl"]),
        both("q=oak+").exactly(&["oak-dining-table"]),
        both("q=camera+").exactly(&["canon-film-camera", "fujifilm-mirrorless", "aluminium-tripod"]),
        // A title match outranks a description match.
        both("q=leather+")
            .top(&[
                "leather-jacket-brown",
                "leather-jacket-black-womens",
                "leather-boots",
                "leather-handbag",
                "leather-football",
            ])
            .contains(&["seiko-automatic"]),
        // Category names and seller names are searched too.
        both("q=furniture+").r#where(|p| p.category == "furniture"),
        both("q=electronics+").r#where(|p| in_tree(p, "electronics") || p.seller == "dmitri-tech"),
        both("q=dmitri+laptop+").exactly(&["macbook-air", "thinkpad"]),
        both("q=Nordic+Threads+").r#where(|p| p.seller == "nordic-threads"),
        // Several words: all must match; adjacent title words rank first.
        both("q=leather+jacket").exactly(&["leather-jacket-brown", "leather-jacket-black-womens"]),
        both("q=black+leather+jacket").exactly(&["leather-jacket-black-womens"]),
        both("q=wool+sweater").exactly(&["wool-sweater-cream"]),
        both("q=silver+necklace+").top(&["silver-necklace"]).contains(&["pearl-necklace"]),
        both("q=board+game").top(&["catan"]).contains(&["wooden-chess-set"]),
        both("q=abbey+road").exactly(&["abbey-road-vinyl"]),
        both("q=kind+of+blue").exactly(&["kind-of-blue-vinyl"]),
        both("q=road+bike+").top(&["carbon-road-bike"]),
        // One typo (from 4 letters), transpositions counting as one.
        tantivy("q=lether+jacket").exactly(&["leather-jacket-brown", "leather-jacket-black-womens"]),
        tantivy("q=guitr+").exactly(&["yamaha-acoustic", "fender-stratocaster"]),
        tantivy("q=jakcet+").exactly(&["leather-jacket-brown", "leather-jacket-black-womens", "denim-jacket"]),
        tantivy("q=ukulel+").exactly(&["soprano-ukulele"]),
        tantivy("q=telescope+tripd").empty(),
        tantivy("q=vintge+den").exactly(&["denim-jacket"]),
        tantivy("q=dimitri+").r#where(|p| p.seller == "dmitri-tech"),
        tantivy("q=skilet+").exactly(&["cast-iron-skillet"]),
        // Two typos (from 8 letters).
        tantivy("q=headphnoes+").exactly(&["sony-headphones"]),
        tantivy("q=fotography+").exactly(&["paris-street-print"]),
        tantivy("q=mechancial+keybaord").exactly(&["mechanical-keyboard"]),
        tantivy("q=turntbale+").exactly(&["belt-turntable"]),
        tantivy("q=expresso+machne").exactly(&["espresso-machine"]),
        // No typo in words under 4 letters, and not two in a word under 8.
        both("q=cst+iron+").empty(),
        both("q=gitr+").empty(),
        both("q=lethr+").empty(),
        tantivy("q=chss+").exactly(&["wooden-chess-set"]),
        // The last word as a prefix while typing.
        both("q=hea").top(&["sony-headphones"]).contains(&["iphone-12", "brass-candlesticks"]),
        both("q=espr").exactly(&["espresso-machine"]),
        both("q=leather+jack").exactly(&["leather-jacket-brown", "leather-jacket-black-womens"]),
        both("q=nintendo+sw").exactly(&["nintendo-switch"]),
        both("q=uku").exactly(&["soprano-ukulele"]),
        both("q=pi").contains(&["digital-piano", "pine-bookshelf", "pixel-phone", "italian-cookbook", "jigsaw-puzzle"]),
        both("q=uku+").empty(),
        tantivy("q=mechanical+keyb").exactly(&["mechanical-keyboard"]),
        // Accents: folded in the index; the fallback only finds them as typed.
        tantivy("q=cafe+").top(&["bistro-cafe-table"]),
        both("q=caf%C3%A9+").top(&["bistro-cafe-table"]),
        tantivy("q=bistro+cafe").exactly(&["bistro-cafe-table"]),
        tantivy("q=macrame+").exactly(&["macrame-wall-hanging"]),
        tantivy("q=pokemon").exactly(&["pokemon-cards"]),
        both("q=CR%C3%88ME+BR%C3%9BL%C3%89E").exactly(&["creme-brulee-torch"]),
        tantivy("q=celine+").r#where(|p| p.seller == "celine-crafts"),
        tantivy("q=giclee+").exactly(&["paris-street-print"]),
        // Category filters: a top-level category includes its children.
        both("category=clothing").r#where(|p| in_tree(p, "clothing")),
        both("category=shoes").r#where(|p| p.category == "shoes"),
        both("category=home").r#where(|p| in_tree(p, "home")).contains(&["mystery-kitchen-box"]),
        both("q=boots+&category=shoes").exactly(&["leather-boots"]),
        // "boots" is one typo from "books": exact matches first.
        both("q=boots+").top(&["leather-boots", "hiking-boots"]),
        both("q=wooden+")
            .exactly(&["wooden-chess-set", "wooden-blocks"])
            .facet("toys", 2)
            .facet("board-games", 1)
            .facet("building-toys", 1),
        both("q=leather+&category=clothing").r#where(|p| in_tree(p, "clothing") && p.title.contains("Leather")),
        // Price ranges (major units, inclusive).
        both("q=guitar+&min_price=100&max_price=300").exactly(&["yamaha-acoustic"]),
        both("max_price=10").r#where(|p| p.price <= 1000),
        both("min_price=1000").r#where(|p| p.price >= 100_000),
        both("min_price=12.50&max_price=15").r#where(|p| (1250..=1500).contains(&p.price)),
        // Condition, stock, seller rating.
        both("condition=fair").r#where(|p| p.condition == "fair"),
        both("condition=new,like_new&category=kitchen")
            .r#where(|p| p.category == "kitchen" && ["new", "like_new"].contains(&p.condition)),
        both("q=espresso+&in_stock=1").empty(),
        both("in_stock=1&category=computers").r#where(|p| p.category == "computers" && p.stock > 0),
        both("min_rating=4.5").r#where(|p| rating_at_least(p, 45)),
        both("min_rating=4.9").empty(),
        both("q=ring+&min_rating=4").exactly(&["diamond-engagement-ring"]),
        both("q=watch+&min_rating=4&condition=good").exactly(&["seiko-automatic"]),
        // Sorts.
        both("category=audio&sort=price_asc").sorted(|p| p.category == "audio", Key::PriceAsc),
        both("category=audio&sort=price_desc").sorted(|p| p.category == "audio", Key::PriceDesc),
        both("category=fiction&sort=newest").sorted(|p| p.category == "fiction", Key::Newest),
        both("q=guitar+&sort=price_desc").sorted(|p| p.title.contains("Guitar"), Key::PriceDesc),
        both("").sorted(|_| true, Key::Newest),
        both("min_rating=3&sort=price_asc").sorted(|p| rating_at_least(p, 30), Key::PriceAsc),
        // Pages.
        both("sort=price_asc&page=2").sorted(|_| true, Key::PriceAsc),
        both("sort=price_desc&page=4").sorted(|_| true, Key::PriceDesc),
        both("q=guitar+&page=2").exactly(&[]).total(2),
        // Nothing to find: unknown words, hidden, draft and removed products.
        both("q=xylophone+").empty(),
        both("q=suede+").empty(),
        both("q=brass+lamp").empty(),
        both("q=replica+").empty(),
        both("q=jacket+").absent(&["suede-jacket"]),
    ]
}

struct Ctx {
    products: Vec<P>,
    by_id: HashMap<Uuid, usize>,
    category_ids: HashMap<String, i32>,
    parent_ids: HashMap<i32, i32>,
}

impl Ctx {
    fn slug(&self, id: &Uuid) -> &'static str {
        self.by_id.get(id).map_or("<unknown>", |&i| self.products[i].slug)
    }

    fn active(&self) -> impl Iterator<Item = &P> {
        self.products.iter().filter(|p| p.status == "active")
    }

    /// Category and condition counts the oracle expects for a set of products.
    fn facets(&self, matched: &[&P]) -> (BTreeMap<i32, u64>, BTreeMap<String, u64>) {
        let mut categories = BTreeMap::new();
        let mut conditions = BTreeMap::new();
        for p in matched {
            *categories.entry(p.category_id).or_insert(0) += 1;
            if let Some(parent) = self.parent_ids.get(&p.category_id) {
                *categories.entry(*parent).or_insert(0) += 1;
            }
            *conditions.entry(p.condition.to_owned()).or_insert(0) += 1;
        }
        (categories, conditions)
    }
}

fn sort_key(p: &P, key: Key) -> i64 {
    match key {
        Key::PriceAsc => p.price,
        Key::PriceDesc => -p.price,
        Key::Newest => p.age as i64,
    }
}

/// Everything wrong with one engine's answer to one case.
fn check(ctx: &Ctx, case: &Case, query: &SearchQuery, page: &SearchPage) -> Vec<String> {
    let mut problems = Vec::new();
    let got: Vec<&str> = page.ids.iter().map(|id| ctx.slug(id)).collect();
    let got_set: HashSet<&str> = got.iter().copied().collect();
    for c in &case.checks {
        match c {
            Check::Exactly(want) => {
                let want_set: HashSet<&str> = want.iter().copied().collect();
                if got_set != want_set || (query.page == 1 && page.total != want.len() as u64) {
                    problems.push(format!("want exactly {want:?}, got {got:?} (total {})", page.total));
                }
            }
            Check::Top(want) => {
                let top: HashSet<&str> = got.iter().take(want.len()).copied().collect();
                if top != want.iter().copied().collect() {
                    problems.push(format!("want first {want:?}, got {got:?}"));
                }
            }
            Check::Contains(want) => {
                for w in *want {
                    if !got_set.contains(w) {
                        problems.push(format!("want {w} on the page, got {got:?}"));
                    }
                }
            }
            Check::Absent(unwanted) => {
                for w in *unwanted {
                    if got_set.contains(w) {
                        problems.push(format!("{w} must not be found, got {got:?}"));
                    }
                }
            }
            Check::Where(f) | Check::Sorted(f, _) => {
                let matched: Vec<&P> = ctx.active().filter(|p| f(p)).collect();
                if page.total != matched.len() as u64 {
                    problems.push(format!("want total {}, got {}", matched.len(), page.total));
                }
                if let Check::Sorted(_, key) = c {
                    let mut keys: Vec<i64> = matched.iter().map(|p| sort_key(p, *key)).collect();
                    keys.sort();
                    let want: Vec<i64> = keys.into_iter().skip(query.offset()).take(PAGE_SIZE as usize).collect();
                    let got_keys: Vec<i64> = page
                        .ids
                        .iter()
                        .filter_map(|id| ctx.by_id.get(id).map(|&i| sort_key(&ctx.products[i], *key)))
                        .collect();
                    if want != got_keys {
                        problems.push(format!("want sort keys {want:?}, got {got_keys:?} ({got:?})"));
                    }
                    for id in &page.ids {
                        if !ctx.by_id.get(id).is_some_and(|&i| f(&ctx.products[i])) {
                            problems.push(format!("{} does not pass the filter", ctx.slug(id)));
                        }
                    }
                } else {
                    let want: HashSet<&str> = matched.iter().map(|p| p.slug).collect();
                    let want_page = want.len().min(PAGE_SIZE as usize);
                    if got.len() != want_page || !got_set.is_subset(&want) {
                        let missing: Vec<_> = want.difference(&got_set).collect();
                        let extra: Vec<_> = got_set.difference(&want).collect();
                        problems.push(format!("missing {missing:?}, unexpected {extra:?}"));
                    }
                }
                let (categories, conditions) = ctx.facets(&matched);
                let got_categories: BTreeMap<i32, u64> =
                    page.categories.iter().map(|c| (c.category_id, c.count)).collect();
                if got_categories != categories {
                    problems.push(format!("category counts: want {categories:?}, got {got_categories:?}"));
                }
                let got_conditions: BTreeMap<String, u64> =
                    page.conditions.iter().map(|(c, n)| (c.as_str().to_owned(), *n)).collect();
                if got_conditions != conditions {
                    problems.push(format!("condition counts: want {conditions:?}, got {got_conditions:?}"));
                }
            }
            Check::Facet(slug, n) => {
                let id = ctx.category_ids[*slug];
                let got_n = page.categories.iter().find(|c| c.category_id == id).map_or(0, |c| c.count);
                if got_n != *n {
                    problems.push(format!("{slug}: want count {n}, got {got_n}"));
                }
            }
            Check::Total(n) => {
                if page.total != *n {
                    problems.push(format!("want total {n}, got {}", page.total));
                }
            }
        }
    }
    problems
}

async fn context(db: &PgPool) -> Ctx {
    let products = corpus::load(db).await;
    let by_id = products.iter().enumerate().map(|(i, p)| (p.id, i)).collect();
    let rows: Vec<(i32, String, Option<i32>)> =
        sqlx::query_as("SELECT id, slug, parent_id FROM categories").fetch_all(db).await.unwrap();
    let category_ids = rows.iter().map(|(id, slug, _)| (slug.clone(), *id)).collect();
    let parent_ids = rows.iter().filter_map(|(id, _, parent)| parent.map(|p| (*id, p))).collect();
    Ctx { products, by_id, category_ids, parent_ids }
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn relevance_table(db: PgPool) {
    let ctx = context(&db).await;
    let dir = tempfile::tempdir().unwrap();
    let index = TantivyIndex::open(dir.path()).unwrap();
    let built = reindex(&db, &index).await.unwrap();
    assert_eq!(built, ctx.active().count() as u64);
    let fallback = PostgresSearch::new(db.clone());

    let cases = cases();
    assert!(cases.len() >= 55, "the table has {} cases", cases.len());
    let mut failures = Vec::new();
    let mut runs = 0;
    for case in &cases {
        let query = SearchQuery::parse_query_string(case.params).unwrap_or_else(|e| panic!("{}: {e}", case.params));
        let mut engines: Vec<(&str, &dyn SearchIndex)> = vec![("tantivy", &index)];
        if case.engines == Engines::Both {
            engines.push(("postgres", &fallback));
        }
        for (name, engine) in engines {
            runs += 1;
            let page = match engine.search(&query).await {
                Ok(page) => page,
                Err(e) => {
                    failures.push(format!("[{name}] {}: error {e}", case.params));
                    continue;
                }
            };
            for problem in check(&ctx, case, &query, &page) {
                failures.push(format!("[{name}] {}: {problem}", case.params));
            }
        }
    }
    println!("{} cases, {runs} runs", cases.len());
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn suggestions_match_titles_as_typed(db: PgPool) {
    let ctx = context(&db).await;
    let dir = tempfile::tempdir().unwrap();
    let index = TantivyIndex::open(dir.path()).unwrap();
    reindex(&db, &index).await.unwrap();
    let fallback = PostgresSearch::new(db.clone());
    for engine in [&index as &dyn SearchIndex, &fallback] {
        let titles = |s: Vec<threadr::features::catalogue::search::Suggestion>| {
            s.into_iter().map(|s| s.slug).collect::<Vec<_>>()
        };
        assert_eq!(titles(engine.suggest("espr", 5).await.unwrap()), ["espresso-machine"]);
        let leather = titles(engine.suggest("leather j", 5).await.unwrap());
        assert_eq!(leather.len(), 2, "{leather:?}");
        // Only titles: "Dmitri" is a seller name, not in any title.
        assert!(engine.suggest("dmitr", 5).await.unwrap().is_empty());
        assert_eq!(engine.suggest("wool", 1).await.unwrap().len(), 1);
    }
    // Typos in suggestions: the index only.
    assert_eq!(
        index.suggest("ukulel", 5).await.unwrap().into_iter().map(|s| s.title).collect::<Vec<_>>(),
        ["Soprano Ukulele"]
    );
    assert!(ctx.active().count() > 90);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn the_pages_of_a_relevance_search_hold_every_match_once(db: PgPool) {
    let ctx = context(&db).await;
    let dir = tempfile::tempdir().unwrap();
    let index = TantivyIndex::open(dir.path()).unwrap();
    reindex(&db, &index).await.unwrap();
    let fallback = PostgresSearch::new(db.clone());
    // "s…" matches in titles (ranked first) and only in descriptions (after them), over
    // more than one page.
    for engine in [&index as &dyn SearchIndex, &fallback] {
        let first = engine.search(&SearchQuery::parse_query_string("q=s").unwrap()).await.unwrap();
        assert!(first.total > u64::from(PAGE_SIZE), "{} matches", first.total);
        let mut seen: Vec<Uuid> = Vec::new();
        for page in 1..=first.page_count() {
            let q = SearchQuery::parse_query_string(&format!("q=s&page={page}")).unwrap();
            let result = engine.search(&q).await.unwrap();
            assert_eq!(result.total, first.total);
            seen.extend(result.ids);
        }
        let unique: HashSet<Uuid> = seen.iter().copied().collect();
        assert_eq!(unique.len(), seen.len(), "a product on two pages");
        assert_eq!(seen.len() as u64, first.total);
        assert!(seen.iter().all(|id| ctx.by_id.contains_key(id)));
    }
}
