//! The default [`SearchIndex`]: an embedded tantivy index in a local directory, one per app
//! instance.
//!
//! Text is split on anything not a letter or digit, lower-cased and folded to ASCII, with no
//! stemming (typos and prefixes are matched against the words people actually write).
//!
//! A search is a match, then a ranking. Match: every query word must be somewhere (title,
//! category, seller, description: the `all` field) exactly, within its typo allowance, or,
//! for the last word while it is typed, as a prefix; plus the filters. That set is walked
//! once, unscored, for the count and the facet counts (and, for the sorted orders, the page).
//! Ranking (relevance order only): a second pass scores just the matched products that match
//! in a title, category or seller name — BM25 with the title weighing most, a typo or prefix
//! in the title a small constant, the words side by side in the title a bonus — reusing the
//! first pass's set instead of evaluating the typo automata again. Products that match only
//! in their description follow, most viewed first. For a common word this scores a fraction
//! of the matches, which is what keeps a million products within the latency budget.
//! The index returns ids only: pages load cards from PostgreSQL.

use std::collections::HashMap;
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use futures::StreamExt;
use tantivy::BitSet;
use tantivy::collector::{Collector, Count, SegmentCollector, TopDocs};
use tantivy::columnar::{Column, ColumnValues};
use tantivy::directory::MmapDirectory;
use tantivy::index::SegmentId;
use tantivy::merge_policy::{LogMergePolicy, NoMergePolicy};
use tantivy::query::{
    AllQuery, BitSetDocSet, BooleanQuery, BoostQuery, ConstScoreQuery, ConstScorer, EnableScoring, Explanation,
    FuzzyTermQuery, Occur, PhraseQuery, Query, RangeQuery, Scorer, TermQuery, Weight,
};
use tantivy::schema::{FAST, Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value};
use tantivy::tokenizer::{AsciiFoldingFilter, LowerCaser, RemoveLongFilter, SimpleTokenizer, TextAnalyzer};
use tantivy::{
    DocAddress, DocId, Index, IndexReader, IndexWriter, ReloadPolicy, Score, SegmentOrdinal, SegmentReader,
    TantivyDocument, Term,
};
use tokio::sync::Mutex;
use uuid::Uuid;

use super::query::{self, Word};
use super::{
    CategoryCount, Condition, DocStream, Engine, ProductDoc, SearchError, SearchIndex, SearchPage, SearchQuery, Sort,
    Suggestion,
};

/// Bumped whenever the schema or the text analysis changes: an index written with another
/// version is wiped at start and rebuilt from PostgreSQL.
pub const SCHEMA_VERSION: u32 = 3;
/// The indexing memory budget, shared by the writer's threads (each needs at least 15 MB).
const WRITER_MEMORY: usize = 96_000_000;
const WRITER_THREADS: usize = 2;
/// Documents handed to the writer per blocking task during a rebuild.
const REBUILD_CHUNK: usize = 2_000;
const ANALYZER: &str = "folded";
/// Words longer than this are not indexed (hashes, pasted junk).
const MAX_TOKEN_LEN: usize = 40;

/// Field weights: a word in the title matters most, then category and seller. A typo or
/// prefix match in the title scores a constant, below any exact match.
const TITLE_BOOST: Score = 3.0;
const CATEGORY_BOOST: Score = 1.5;
const SELLER_BOOST: Score = 1.5;
const PHRASE_BOOST: Score = 2.0;
const LOOSE_TITLE_SCORE: Score = 0.8;

/// The schema's fields.
#[derive(Clone, Copy)]
struct Fields {
    /// The product id as text: the term an update or deletion replaces.
    id: Field,
    /// The same id as two fast numbers, read back for the results (no stored document).
    id_hi: Field,
    id_lo: Field,
    title: Field,
    category: Field,
    seller: Field,
    description: Field,
    /// Title, category, seller and description together: where typos and prefixes are looked
    /// up (one automaton walk over one term dictionary instead of four).
    all: Field,
    /// The 2- and 3-letter starts of every longer word of `all`: a prefix that short, typed
    /// in the box, is one posting list instead of an automaton over hundreds of words.
    prefixes: Field,
    /// The product's category slug and its parent's: the category filter.
    cat_slugs: Field,
    slug: Field,
    /// Category, parent category, condition and "in stock" packed in one number (see
    /// [`pack_facets`]): facet counts and the condition and stock filters read one column.
    facets: Field,
    price: Field,
    published: Field,
    rating: Field,
    popularity: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = |record: IndexRecordOption| {
        TextOptions::default()
            .set_indexing_options(TextFieldIndexing::default().set_tokenizer(ANALYZER).set_index_option(record))
    };
    let fields = Fields {
        id: b.add_text_field("id", STRING),
        id_hi: b.add_u64_field("id_hi", FAST),
        id_lo: b.add_u64_field("id_lo", FAST),
        // Positions only for the title (the phrase boost); stored for suggestions.
        title: b.add_text_field("title", text(IndexRecordOption::WithFreqsAndPositions) | STORED),
        category: b.add_text_field("category", text(IndexRecordOption::WithFreqs)),
        seller: b.add_text_field("seller", text(IndexRecordOption::WithFreqs)),
        description: b.add_text_field("description", text(IndexRecordOption::WithFreqs)),
        all: b.add_text_field("all", text(IndexRecordOption::Basic)),
        prefixes: b.add_text_field("prefixes", text(IndexRecordOption::Basic)),
        cat_slugs: b.add_text_field("cat_slugs", STRING),
        slug: b.add_text_field("slug", STORED),
        facets: b.add_u64_field("facets", FAST),
        price: b.add_u64_field("price", FAST),
        // Microseconds since 1970 (u64: every sort column is read the same way).
        published: b.add_u64_field("published", FAST),
        rating: b.add_u64_field("rating", FAST),
        popularity: b.add_u64_field("popularity", FAST),
    };
    (b.build(), fields)
}

fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_LEN))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// The commit payload: the schema version and the last outbox id the commit includes.
fn payload(through: i64) -> String {
    format!("v{SCHEMA_VERSION}:{through}")
}

fn parse_payload(payload: Option<&str>) -> Option<i64> {
    let rest = payload?.strip_prefix(&format!("v{SCHEMA_VERSION}:"))?;
    rest.parse().ok()
}

/// A product as one index holds it (see [`TantivyIndex::indexed`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexedDoc {
    pub title: String,
    pub price_cents: i64,
    pub in_stock: bool,
    pub condition: Option<Condition>,
    pub category_id: i32,
    pub rating_milli: Option<u64>,
}

/// Cheap to clone: clones share one index, writer and reader.
#[derive(Clone)]
pub struct TantivyIndex(Arc<Inner>);

pub struct Inner {
    index: Index,
    fields: Fields,
    /// The one writer of this directory (tantivy locks it); `None` only while
    /// [`TantivyIndex::wait_merges`] swaps it.
    writer: Arc<Mutex<Option<IndexWriter>>>,
    reader: IndexReader,
    /// The committed payload's outbox id; -1 when the index was never built.
    through: AtomicI64,
    dir: PathBuf,
}

impl std::ops::Deref for TantivyIndex {
    type Target = Inner;

    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl TantivyIndex {
    /// Opens the index in `dir`, creating it when absent. An index of another schema version
    /// is wiped: it then reports `applied_through() == None` and must be rebuilt.
    pub fn open(dir: &Path) -> Result<Self, SearchError> {
        let io = |e: std::io::Error| SearchError::Io { path: dir.display().to_string(), source: e };
        std::fs::create_dir_all(dir).map_err(io)?;
        let (schema, fields) = schema();
        let index = match Self::open_existing(dir, &schema)? {
            Some(index) => index,
            None => {
                // Nothing usable: start empty (old files of another version go first).
                for entry in std::fs::read_dir(dir).map_err(io)? {
                    let path = entry.map_err(io)?.path();
                    if path.is_dir() {
                        std::fs::remove_dir_all(&path).map_err(io)?;
                    } else {
                        std::fs::remove_file(&path).map_err(io)?;
                    }
                }
                let directory = MmapDirectory::open(dir).map_err(|e| SearchError::Index(e.to_string()))?;
                Index::create(directory, schema, tantivy::IndexSettings::default())?
            }
        };
        index.tokenizers().register(ANALYZER, analyzer());
        let through = parse_payload(index.load_metas()?.payload.as_deref()).unwrap_or(-1);
        let writer: IndexWriter = index.writer_with_num_threads(WRITER_THREADS, WRITER_MEMORY)?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        Ok(Self(Arc::new(Inner {
            index,
            fields,
            writer: Arc::new(Mutex::new(Some(writer))),
            reader,
            through: AtomicI64::new(through),
            dir: dir.to_path_buf(),
        })))
    }

    /// The existing index when it has this version's schema and payload.
    fn open_existing(dir: &Path, schema: &Schema) -> Result<Option<Index>, SearchError> {
        let directory = MmapDirectory::open(dir).map_err(|e| SearchError::Index(e.to_string()))?;
        if !Index::exists(&directory).map_err(|e| SearchError::Index(e.to_string()))? {
            return Ok(None);
        }
        let index = match Index::open(directory) {
            Ok(index) => index,
            Err(e) => {
                tracing::warn!(error = %e, dir = %dir.display(), "search index unreadable, starting anew");
                return Ok(None);
            }
        };
        let metas = index.load_metas()?;
        let same_version = metas.payload.is_none() || parse_payload(metas.payload.as_deref()).is_some();
        if &index.schema() != schema || !same_version {
            tracing::info!(dir = %dir.display(), "search index has another format, starting anew");
            return Ok(None);
        }
        Ok(Some(index))
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Documents in the searchable (committed) index.
    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Segments in the searchable index (many small ones slow queries; merges reduce them).
    pub fn num_segments(&self) -> usize {
        self.reader.searcher().segment_readers().len()
    }

    /// What this index holds for a product, `None` when it has no document for it (what the
    /// consistency checks compare with PostgreSQL). An id indexed twice is an error.
    pub fn indexed(&self, id: Uuid) -> Result<Option<IndexedDoc>, SearchError> {
        let searcher = self.reader.searcher();
        let query = TermQuery::new(self.id_term(&id), IndexRecordOption::Basic);
        let top = searcher.search(&query, &TopDocs::with_limit(2).order_by_score())?;
        if top.len() > 1 {
            return Err(SearchError::Index(format!("product {id} is indexed twice")));
        }
        let Some((_, address)) = top.first() else { return Ok(None) };
        let doc: TantivyDocument = searcher.doc(*address)?;
        let fast = searcher.segment_reader(address.segment_ord).fast_fields();
        let num = |name: &str| -> Result<u64, SearchError> { Ok(fast.u64(name)?.first(address.doc_id).unwrap_or(0)) };
        Ok(Some(IndexedDoc {
            title: doc.get_first(self.fields.title).and_then(|v| v.as_str()).unwrap_or_default().to_owned(),
            price_cents: i64::try_from(num("price")?).unwrap_or(i64::MAX),
            in_stock: unpack_facets(num("facets")?).3,
            condition: Condition::from_code(unpack_facets(num("facets")?).2),
            category_id: i32::try_from(unpack_facets(num("facets")?).0).unwrap_or(0),
            rating_milli: Some(num("rating")?).filter(|r| *r > 0),
        }))
    }

    /// Waits for background merges to finish (after a rebuild, so the first searches do not
    /// compete with them), then goes on with a new writer.
    pub async fn wait_merges(&self) -> Result<(), SearchError> {
        let mut guard = self.writer.clone().lock_owned().await;
        let writer = guard.take();
        let index = self.index.clone();
        let writer = tokio::task::spawn_blocking(move || -> Result<IndexWriter, SearchError> {
            if let Some(writer) = writer {
                writer.wait_merging_threads()?;
            }
            Ok(index.writer_with_num_threads(WRITER_THREADS, WRITER_MEMORY)?)
        })
        .await??;
        *guard = Some(writer);
        drop(guard);
        self.reader.reload()?;
        Ok(())
    }
}

impl Inner {
    fn to_document(&self, d: &ProductDoc) -> TantivyDocument {
        let f = &self.fields;
        let mut doc = TantivyDocument::new();
        let (hi, lo) = d.id.as_u64_pair();
        doc.add_text(f.id, d.id.to_string());
        doc.add_u64(f.id_hi, hi);
        doc.add_u64(f.id_lo, lo);
        doc.add_text(f.title, &d.title);
        let category = d.category_text();
        doc.add_text(f.category, &category);
        doc.add_text(f.seller, &d.seller_name);
        doc.add_text(f.description, &d.description);
        let texts = [d.title.as_str(), category.as_str(), d.seller_name.as_str(), d.description.as_str()];
        for text in texts {
            doc.add_text(f.all, text);
        }
        doc.add_text(f.prefixes, short_prefixes(&texts));
        for slug in d.category_slugs() {
            doc.add_text(f.cat_slugs, slug);
        }
        doc.add_text(f.slug, &d.slug);
        let parent = d.parent.as_ref().map_or(0, |p| p.id);
        doc.add_u64(f.facets, pack_facets(d.category_id, parent, d.condition, d.in_stock));
        doc.add_u64(f.price, u64::try_from(d.price_cents).unwrap_or(0));
        doc.add_u64(f.published, u64::try_from(d.published_at.timestamp_micros()).unwrap_or(0));
        doc.add_u64(f.rating, d.rating_milli().unwrap_or(0));
        doc.add_u64(f.popularity, u64::try_from(d.view_count).unwrap_or(0));
        doc
    }

    fn id_term(&self, id: &Uuid) -> Term {
        Term::from_field_text(self.fields.id, &id.to_string())
    }

    /// Query words as the index analysed its text: the query's own folding, then this
    /// analyzer (which may split a word further; the last piece keeps the prefix flag).
    fn analyse(&self, words: &[Word]) -> Vec<Word> {
        let mut analyzer = analyzer();
        let mut out = Vec::with_capacity(words.len());
        for w in words {
            let mut tokens = Vec::new();
            let mut stream = analyzer.token_stream(&w.text);
            while let Some(token) = stream.next() {
                tokens.push(token.text.clone());
            }
            let n = tokens.len();
            for (i, text) in tokens.into_iter().enumerate() {
                let distance = query::typo_distance(text.chars().count());
                out.push(Word { text, original: w.original.clone(), prefix: w.prefix && i + 1 == n, distance });
            }
        }
        out
    }

    /// Which documents one word matches: any word of any field within its typo allowance
    /// (the automaton includes the word itself), and words it starts while being typed.
    fn word_match(&self, w: &Word) -> Box<dyn Query> {
        let term = Term::from_field_text(self.fields.all, &w.text);
        let mut any: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        if w.distance > 0 {
            any.push((Occur::Should, Box::new(FuzzyTermQuery::new(term.clone(), w.distance, true))));
        } else {
            any.push((Occur::Should, Box::new(TermQuery::new(term.clone(), IndexRecordOption::Basic))));
        }
        if w.prefix {
            if SHORT_PREFIX.contains(&w.text.chars().count()) {
                let short = Term::from_field_text(self.fields.prefixes, &w.text);
                any.push((Occur::Should, Box::new(TermQuery::new(short, IndexRecordOption::Basic))));
            } else {
                any.push((Occur::Should, Box::new(FuzzyTermQuery::new_prefix(term, 0, true))));
            }
        }
        if any.len() == 1 { any.remove(0).1 } else { Box::new(BooleanQuery::new(any)) }
    }

    /// The filters, as unscored clauses.
    fn filters(&self, q: &SearchQuery) -> Vec<(Occur, Box<dyn Query>)> {
        let f = &self.fields;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut must = |q: Box<dyn Query>| clauses.push((Occur::Must, Box::new(ConstScoreQuery::new(q, 0.0))));
        if let Some(slug) = &q.category {
            let t = Term::from_field_text(f.cat_slugs, slug);
            must(Box::new(TermQuery::new(t, IndexRecordOption::Basic)));
        }
        if q.min_price_cents.is_some() || q.max_price_cents.is_some() {
            let bound = |p: Option<i64>| match p {
                Some(p) => Bound::Included(Term::from_field_u64(f.price, u64::try_from(p).unwrap_or(0))),
                None => Bound::Unbounded,
            };
            must(Box::new(RangeQuery::new(bound(q.min_price_cents), bound(q.max_price_cents))));
        }
        // Condition and stock: see `PackedFilter`.
        if let Some(tenths) = q.min_rating_tenths {
            let lo = Term::from_field_u64(f.rating, u64::from(tenths) * 100);
            must(Box::new(RangeQuery::new(Bound::Included(lo), Bound::Unbounded)));
        }
        clauses
    }

    /// Every product the search finds: each word somewhere (AND), and the filters. Evaluated
    /// without scores, for the count, the facets and the sorted orders.
    fn match_query(&self, q: &SearchQuery, words: &[Word]) -> Box<dyn Query> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = words
            .iter()
            .map(|w| (Occur::Must, Box::new(ConstScoreQuery::new(self.word_match(w), 0.0)) as Box<dyn Query>))
            .collect();
        clauses.extend(self.filters(q));
        if clauses.is_empty() {
            return Box::new(AllQuery);
        }
        Box::new(BooleanQuery::new(clauses))
    }

    /// The relevance score, over the short fields: a word in the title (BM25, boosted most),
    /// the category or the seller's name; a typo or prefix match in the title scores a small
    /// constant; the words side by side in the title score a bonus. Products that match only
    /// in their description do not match this query: they rank after those that do.
    fn rank_query(&self, words: &[Word]) -> Box<dyn Query> {
        let f = &self.fields;
        let mut should: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for w in words {
            should.extend(self.title_clauses(w));
            for (field, boost) in [(f.category, CATEGORY_BOOST), (f.seller, SELLER_BOOST)] {
                let q = TermQuery::new(Term::from_field_text(field, &w.text), IndexRecordOption::WithFreqs);
                should.push((Occur::Should, Box::new(BoostQuery::new(Box::new(q), boost))));
            }
        }
        if words.len() >= 2 {
            let terms = words.iter().map(|w| Term::from_field_text(f.title, &w.text)).collect();
            should.push((Occur::Should, Box::new(BoostQuery::new(Box::new(PhraseQuery::new(terms)), PHRASE_BOOST))));
        }
        Box::new(BooleanQuery::new(should))
    }

    /// One word against the title: exactly (BM25), or within its typos or as a prefix (a
    /// constant below any exact match).
    fn title_clauses(&self, w: &Word) -> Vec<(Occur, Box<dyn Query>)> {
        let term = Term::from_field_text(self.fields.title, &w.text);
        let exact = TermQuery::new(term.clone(), IndexRecordOption::WithFreqs);
        let mut out: Vec<(Occur, Box<dyn Query>)> =
            vec![(Occur::Should, Box::new(BoostQuery::new(Box::new(exact), TITLE_BOOST)))];
        if w.distance > 0 {
            let fuzzy = FuzzyTermQuery::new(term.clone(), w.distance, true);
            out.push((Occur::Should, Box::new(ConstScoreQuery::new(Box::new(fuzzy), LOOSE_TITLE_SCORE))));
        }
        if w.prefix {
            let prefix = FuzzyTermQuery::new_prefix(term, 0, true);
            out.push((Occur::Should, Box::new(ConstScoreQuery::new(Box::new(prefix), LOOSE_TITLE_SCORE))));
        }
        out
    }

    /// Suggestions: every word in the title.
    fn title_query(&self, words: &[Word]) -> Box<dyn Query> {
        let clauses = words
            .iter()
            .map(|w| (Occur::Must, Box::new(BooleanQuery::new(self.title_clauses(w))) as Box<dyn Query>))
            .collect();
        Box::new(BooleanQuery::new(clauses))
    }

    /// One page. Sorted orders: one unscored pass collects the page, the count and the
    /// facets. Relevance: that pass gives the count and facets; a second pass scores only the
    /// matches found in a title, category or seller name (far fewer than all matches for a
    /// common word); description-only matches follow, most viewed first.
    fn search_blocking(&self, q: &SearchQuery) -> Result<SearchPage, SearchError> {
        let words = self.analyse(&q.words());
        let matched = self.match_query(q, &words);
        let searcher = self.reader.searcher();
        let (offset, limit) = (q.offset(), q.limit());
        let top = TopDocs::with_limit(limit).and_offset(offset);
        let sort = if words.is_empty() && q.sort == Sort::Relevance { Sort::Newest } else { q.sort };
        let filter = PackedFilter::of(q);
        let (addresses, facets): (Vec<DocAddress>, FacetCounts) = match sort {
            Sort::Relevance => {
                let first = searcher.search(&*matched, &PageAndFacets { filter, sort: None, keep: 0, record: true })?;
                let facets = first.counts;
                let matched: Box<dyn Query> = Box::new(Matched(Arc::new(first.matched)));
                let ranked = BooleanQuery::new(vec![
                    (Occur::Must, Box::new(ConstScoreQuery::new(matched.box_clone(), 0.0)) as Box<dyn Query>),
                    (Occur::Must, self.rank_query(&words)),
                ]);
                let (top, ranked_total) = searcher.search(&ranked, &(top.order_by_score(), Count))?;
                let mut addresses: Vec<DocAddress> = top.into_iter().map(|(_, a)| a).collect();
                let ranked_total = ranked_total as u64;
                if addresses.len() < limit && facets.total > ranked_total {
                    let rest =
                        BooleanQuery::new(vec![(Occur::Must, matched), (Occur::MustNot, self.rank_query(&words))]);
                    let skip = offset.saturating_sub(usize::try_from(ranked_total).unwrap_or(usize::MAX));
                    let more = PageAndFacets {
                        filter: PackedFilter::default(),
                        sort: Some(SortColumn { name: "popularity", descending: true }),
                        keep: skip + limit - addresses.len(),
                        record: false,
                    };
                    let more = searcher.search(&rest, &more)?.top;
                    addresses.extend(more.into_iter().skip(skip).map(|(_, s, d)| DocAddress::new(s, d)));
                }
                (addresses, facets)
            }
            Sort::Newest | Sort::PriceAsc | Sort::PriceDesc => {
                let column = match sort {
                    Sort::Newest => SortColumn { name: "published", descending: true },
                    Sort::PriceDesc => SortColumn { name: "price", descending: true },
                    _ => SortColumn { name: "price", descending: false },
                };
                let harvest = searcher.search(
                    &*matched,
                    &PageAndFacets { filter, sort: Some(column), keep: offset + limit, record: false },
                )?;
                let addresses = harvest.top.into_iter().skip(offset).map(|(_, s, d)| DocAddress::new(s, d)).collect();
                (addresses, harvest.counts)
            }
        };
        let ids = self.ids(&searcher, &addresses)?;
        Ok(facets.into_page(ids, q.page))
    }

    /// Product ids of the hits, from the two fast id columns.
    fn ids(&self, searcher: &tantivy::Searcher, addresses: &[DocAddress]) -> Result<Vec<Uuid>, SearchError> {
        let mut ids = Vec::with_capacity(addresses.len());
        let mut columns: Vec<Option<(Column<u64>, Column<u64>)>> = vec![None; searcher.segment_readers().len()];
        for a in addresses {
            let slot =
                columns.get_mut(a.segment_ord as usize).ok_or_else(|| SearchError::Index("no such segment".into()))?;
            if slot.is_none() {
                let fast = searcher.segment_reader(a.segment_ord).fast_fields();
                *slot = Some((fast.u64("id_hi")?, fast.u64("id_lo")?));
            }
            let Some((hi, lo)) = slot.as_ref() else { continue };
            match (hi.first(a.doc_id), lo.first(a.doc_id)) {
                (Some(hi), Some(lo)) => ids.push(Uuid::from_u64_pair(hi, lo)),
                _ => return Err(SearchError::Index(format!("document {a:?} has no id"))),
            }
        }
        Ok(ids)
    }

    fn suggest_blocking(&self, text: &str, limit: usize) -> Result<Vec<Suggestion>, SearchError> {
        let words = self.analyse(&query::words(text));
        if words.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let query = self.title_query(&words);
        let searcher = self.reader.searcher();
        let top = searcher.search(&*query, &TopDocs::with_limit(limit).order_by_score())?;
        let addresses: Vec<DocAddress> = top.iter().map(|(_, a)| *a).collect();
        let ids = self.ids(&searcher, &addresses)?;
        let mut out = Vec::with_capacity(ids.len());
        for (address, product_id) in addresses.into_iter().zip(ids) {
            let doc: TantivyDocument = searcher.doc(address)?;
            let text_of = |field: Field| doc.get_first(field).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
            out.push(Suggestion { product_id, slug: text_of(self.fields.slug), title: text_of(self.fields.title) });
        }
        Ok(out)
    }

    /// Commits what the writer holds with `through` as payload, then shows it to searches.
    fn commit(&self, writer: &mut IndexWriter, through: i64) -> Result<(), SearchError> {
        let mut prepared = writer.prepare_commit()?;
        prepared.set_payload(&payload(through));
        prepared.commit()?;
        self.through.store(through, Ordering::SeqCst);
        self.reader.reload()?;
        Ok(())
    }
}

#[async_trait::async_trait]
impl SearchIndex for TantivyIndex {
    async fn search(&self, query: &SearchQuery) -> Result<SearchPage, SearchError> {
        let this = self.clone();
        let query = query.clone();
        tokio::task::spawn_blocking(move || this.search_blocking(&query)).await?
    }

    async fn suggest(&self, text: &str, limit: usize) -> Result<Vec<Suggestion>, SearchError> {
        let this = self.clone();
        let text = text.to_owned();
        tokio::task::spawn_blocking(move || this.suggest_blocking(&text, limit)).await?
    }

    async fn apply(&self, docs: Vec<ProductDoc>, delete: Vec<Uuid>, through: i64) -> Result<(), SearchError> {
        let mut guard = self.writer.clone().lock_owned().await;
        let this = self.clone();
        tokio::task::spawn_blocking(move || -> Result<(), SearchError> {
            let writer = guard.as_mut().ok_or_else(|| SearchError::Index("the index writer is gone".into()))?;
            for id in &delete {
                writer.delete_term(this.id_term(id));
            }
            for d in &docs {
                writer.delete_term(this.id_term(&d.id));
                writer.add_document(this.to_document(d))?;
            }
            this.commit(writer, through)
        })
        .await?
    }

    async fn applied_through(&self) -> Result<Option<i64>, SearchError> {
        let through = self.through.load(Ordering::SeqCst);
        Ok((through >= 0).then_some(through))
    }

    async fn rebuild(&self, mut docs: DocStream<'_>, through: i64) -> Result<u64, SearchError> {
        let mut guard = self.writer.clone().lock_owned().await;
        {
            let writer = guard.as_mut().ok_or_else(|| SearchError::Index("the index writer is gone".into()))?;
            writer.delete_all_documents()?;
            // No background merges while the rebuild writes: it ends with one merge of all.
            writer.set_merge_policy(Box::new(NoMergePolicy));
        }
        let mut count = 0u64;
        let mut failure = None;
        loop {
            let mut chunk = Vec::with_capacity(REBUILD_CHUNK);
            while chunk.len() < REBUILD_CHUNK {
                match docs.next().await {
                    Some(Ok(d)) => chunk.push(d),
                    Some(Err(e)) => {
                        failure = Some(e);
                        break;
                    }
                    None => break,
                }
            }
            if chunk.is_empty() {
                break;
            }
            count += chunk.len() as u64;
            let this = self.clone();
            let more = failure.is_none() && chunk.len() == REBUILD_CHUNK;
            let (g, result) = tokio::task::spawn_blocking(move || {
                let result = match guard.as_ref() {
                    Some(writer) => chunk.iter().try_for_each(|d| writer.add_document(this.to_document(d)).map(|_| ())),
                    None => Ok(()),
                };
                (guard, result)
            })
            .await?;
            guard = g;
            if let Err(e) = result {
                failure = Some(e.into());
            }
            if !more || failure.is_some() {
                break;
            }
        }
        let this = self.clone();
        tokio::task::spawn_blocking(move || -> Result<u64, SearchError> {
            let writer = guard.as_mut().ok_or_else(|| SearchError::Index("the index writer is gone".into()))?;
            let result = match failure {
                // Searches keep the old contents; the caller retries.
                Some(e) => writer.rollback().map_err(SearchError::from).and(Err(e)),
                None => this.commit(writer, through),
            };
            if result.is_ok() {
                // One segment: every fuzzy or prefix lookup walks each segment's term
                // dictionary, so an index of many segments answers typo queries slower.
                let segments = this.index.searchable_segment_ids()?;
                if segments.len() > 1 {
                    match writer.merge(&segments).wait() {
                        Ok(_) => this.reader.reload()?,
                        Err(e) => tracing::warn!(error = %e, "search index: merging the rebuilt segments failed"),
                    }
                }
            }
            writer.set_merge_policy(Box::new(LogMergePolicy::default()));
            result.map(|()| count)
        })
        .await?
    }
}

/// The documents a first pass matched, per segment, as a query: the later passes of a
/// relevance search reuse them instead of walking the typo automata and intersecting again.
#[derive(Clone)]
struct Matched(Arc<HashMap<SegmentId, BitSet>>);

impl std::fmt::Debug for Matched {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Matched({} segments)", self.0.len())
    }
}

impl Query for Matched {
    fn weight(&self, _: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(self.clone()))
    }
}

impl Weight for Matched {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let set = match self.0.get(&reader.segment_id()) {
            Some(set) => set.clone(),
            None => BitSet::with_max_value(reader.max_doc()),
        };
        Ok(Box::new(ConstScorer::new(BitSetDocSet::from(set), boost)))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let found = self.0.get(&reader.segment_id()).is_some_and(|s| s.contains(doc));
        Ok(Explanation::new(if found { "matched" } else { "not matched" }, 0.0))
    }
}

/// Prefix lengths indexed in the `prefixes` field.
const SHORT_PREFIX: std::ops::RangeInclusive<usize> = 2..=3;

/// The distinct 2- and 3-letter starts of the words of `texts` longer than that, as analysed
/// for the index, space-separated (the word itself is in `all`).
fn short_prefixes(texts: &[&str]) -> String {
    let mut analyzer = analyzer();
    let mut starts = std::collections::BTreeSet::new();
    for text in texts {
        let mut stream = analyzer.token_stream(text);
        while let Some(token) = stream.next() {
            let mut ends = token.text.char_indices().map(|(i, _)| i).skip(*SHORT_PREFIX.start());
            for _ in SHORT_PREFIX {
                // The byte offset after n characters, when the word has more than n.
                if let Some(end) = ends.next() {
                    starts.insert(token.text[..end].to_owned());
                }
            }
        }
    }
    starts.into_iter().collect::<Vec<_>>().join(" ")
}

/// Category id (16 bits), parent category id (16 bits, 0 for none), condition code (4 bits)
/// and in stock (1 bit) in one fast value. Ids that do not fit are stored as 0 and not
/// counted (the catalogue has a few dozen categories).
fn pack_facets(category: i32, parent: i32, condition: Condition, in_stock: bool) -> u64 {
    let id = |v: i32| u64::try_from(v).ok().filter(|v| *v <= 0xFFFF).unwrap_or(0);
    id(category) | id(parent) << 16 | condition.code() << 32 | u64::from(in_stock) << 36
}

/// (category, parent, condition code, in stock).
fn unpack_facets(v: u64) -> (u64, u64, u64, bool) {
    (v & 0xFFFF, (v >> 16) & 0xFFFF, (v >> 32) & 0xF, (v >> 36) & 1 == 1)
}

/// The condition and stock filters, applied by the collector to the packed value instead of
/// intersecting posting lists ("in stock" holds most products: intersecting it cost more
/// than the rest of a category browse).
#[derive(Clone, Copy, Default)]
struct PackedFilter {
    in_stock: bool,
    /// One bit per condition code; 0 is any condition.
    conditions: u8,
}

impl PackedFilter {
    fn of(q: &SearchQuery) -> Self {
        let conditions = q.conditions.iter().fold(0u8, |mask, c| mask | 1 << c.code());
        Self { in_stock: q.in_stock, conditions }
    }

    fn is_any(self) -> bool {
        !self.in_stock && self.conditions == 0
    }

    fn passes(self, packed: u64) -> bool {
        let (_, _, condition, in_stock) = unpack_facets(packed);
        (!self.in_stock || in_stock) && (self.conditions == 0 || self.conditions & (1 << condition) != 0)
    }
}

/// One pass over the matched set: the count, the counts per category (its own and its
/// parent) and per condition, and, for the sorted orders, the best `keep` documents by a
/// fast column. Columns are read a block of documents at a time (tantivy hands unscored
/// matches over in blocks), which is what keeps a pass over a million matches in budget.
struct PageAndFacets {
    filter: PackedFilter,
    sort: Option<SortColumn>,
    /// Offset plus page size.
    keep: usize,
    /// Keep the matched documents (see [`Matched`]).
    record: bool,
}

#[derive(Clone, Copy)]
struct SortColumn {
    name: &'static str,
    descending: bool,
}

#[derive(Default)]
struct Harvest {
    counts: FacetCounts,
    /// (key, segment, doc): smaller keys first (a descending order stores `!value`).
    top: Vec<(u64, u32, DocId)>,
    matched: HashMap<SegmentId, BitSet>,
}

#[derive(Default)]
struct FacetCounts {
    total: u64,
    /// Matches per category id, the category's own products only (parents are added when
    /// the page is made, from `parents`).
    categories: Vec<u64>,
    /// The parent of each category id seen (0: none).
    parents: Vec<u16>,
    conditions: [u64; 4],
}

/// The most documents tantivy hands a collector at once.
const BLOCK: usize = 64;

impl FacetCounts {
    fn merge(&mut self, other: FacetCounts) {
        self.total += other.total;
        if self.categories.len() < other.categories.len() {
            self.categories.resize(other.categories.len(), 0);
            self.parents.resize(other.parents.len(), 0);
        }
        for (i, (n, parent)) in other.categories.into_iter().zip(other.parents).enumerate() {
            self.categories[i] += n;
            if parent != 0 {
                self.parents[i] = parent;
            }
        }
        for (a, b) in self.conditions.iter_mut().zip(other.conditions) {
            *a += b;
        }
    }

    fn count(&mut self, packed: u64) {
        let (category, parent, condition, _) = unpack_facets(packed);
        let i = category as usize;
        if i >= self.categories.len() {
            self.categories.resize(i + 1, 0);
            self.parents.resize(i + 1, 0);
        }
        self.categories[i] += 1;
        self.parents[i] = parent as u16;
        if let Some(c) = self.conditions.get_mut(condition as usize) {
            *c += 1;
        }
    }

    fn into_page(self, ids: Vec<Uuid>, page: u32) -> SearchPage {
        let mut with_parents = self.categories.clone();
        for (i, &n) in self.categories.iter().enumerate() {
            let parent = usize::from(self.parents[i]);
            if n > 0 && parent != 0 {
                if parent >= with_parents.len() {
                    with_parents.resize(parent + 1, 0);
                }
                with_parents[parent] += n;
            }
        }
        let categories = with_parents
            .iter()
            .enumerate()
            .filter(|(id, n)| *id > 0 && **n > 0)
            .filter_map(|(id, &count)| Some(CategoryCount { category_id: i32::try_from(id).ok()?, count }))
            .collect();
        let conditions = Condition::ALL.into_iter().zip(self.conditions).filter(|(_, n)| *n > 0).collect();
        SearchPage { ids, total: self.total, page, categories, conditions, engine: Engine::Index }
    }
}

/// A column's values by document: straight from the values when every document has exactly
/// one (no per-document index lookup), through the index otherwise.
fn by_doc(column: tantivy::columnar::Column<u64>) -> Arc<dyn ColumnValues<u64>> {
    match column.index {
        tantivy::columnar::ColumnIndex::Full => column.values,
        _ => column.first_or_default_col(0),
    }
}

struct SegmentPage {
    filter: PackedFilter,
    segment: u32,
    facets: Arc<dyn ColumnValues<u64>>,
    sort: Option<(Arc<dyn ColumnValues<u64>>, bool)>,
    keep: usize,
    /// Candidates; pruned to `keep` whenever it holds twice that.
    top: Vec<(u64, u32, DocId)>,
    /// Once `keep` candidates are held, keys at or above this cannot make the page.
    threshold: Option<u64>,
    counts: FacetCounts,
    /// Column values of the current block (kept: zeroing them per block showed in profiles).
    packed: Box<[u64; BLOCK]>,
    keys: Box<[u64; BLOCK]>,
    record: Option<(SegmentId, BitSet)>,
}

impl Collector for PageAndFacets {
    type Fruit = Harvest;
    type Child = SegmentPage;

    fn for_segment(&self, segment: SegmentOrdinal, reader: &SegmentReader) -> tantivy::Result<SegmentPage> {
        let fast = reader.fast_fields();
        let sort = match self.sort {
            Some(s) => Some((by_doc(fast.u64(s.name)?), s.descending)),
            None => None,
        };
        Ok(SegmentPage {
            filter: self.filter,
            segment,
            facets: by_doc(fast.u64("facets")?),
            sort,
            keep: self.keep,
            top: Vec::new(),
            threshold: None,
            counts: FacetCounts { categories: vec![0; 128], parents: vec![0; 128], ..FacetCounts::default() },
            packed: Box::new([0; BLOCK]),
            keys: Box::new([0; BLOCK]),
            record: self.record.then(|| (reader.segment_id(), BitSet::with_max_value(reader.max_doc()))),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Harvest>) -> tantivy::Result<Harvest> {
        let mut all = Harvest::default();
        for f in fruits {
            all.counts.merge(f.counts);
            all.top.extend(f.top);
            all.matched.extend(f.matched);
        }
        all.top.sort_unstable();
        all.top.truncate(self.keep);
        Ok(all)
    }
}

/// Keeps the best `keep` candidates and returns the key a new one must beat.
fn prune(top: &mut Vec<(u64, u32, DocId)>, keep: usize) -> Option<u64> {
    if top.len() > keep {
        top.select_nth_unstable(keep);
        top.truncate(keep);
    }
    if top.len() == keep { top.iter().map(|t| t.0).max() } else { None }
}

impl SegmentCollector for SegmentPage {
    type Fruit = Harvest;

    fn collect(&mut self, doc: DocId, _: Score) {
        self.collect_block(&[doc]);
    }

    fn collect_block(&mut self, docs: &[DocId]) {
        let mut passing = [0 as DocId; BLOCK];
        for chunk in docs.chunks(BLOCK) {
            let n = chunk.len();
            self.facets.get_vals(chunk, &mut self.packed[..n]);
            let (chunk, n) = if self.filter.is_any() {
                (chunk, n)
            } else {
                // Keep the documents that pass, packed values alongside.
                let mut kept = 0;
                for (i, &doc) in chunk.iter().enumerate() {
                    let packed = self.packed[i];
                    if self.filter.passes(packed) {
                        passing[kept] = doc;
                        self.packed[kept] = packed;
                        kept += 1;
                    }
                }
                (&passing[..kept], kept)
            };
            self.counts.total += n as u64;
            if let Some((_, set)) = &mut self.record {
                for &doc in chunk {
                    set.insert(doc);
                }
            }
            for &packed in &self.packed[..n] {
                self.counts.count(packed);
            }
            if self.keep == 0 {
                continue;
            }
            let SegmentPage { sort, keys, top, threshold, keep, segment, .. } = self;
            if let Some((column, descending)) = sort {
                column.get_vals(chunk, &mut keys[..n]);
                for (&doc, &value) in chunk.iter().zip(&keys[..n]) {
                    let key = if *descending { !value } else { value };
                    // Ties keep the earlier document: strictly better keys only once full.
                    if threshold.is_none_or(|t| key < t) {
                        top.push((key, *segment, doc));
                        if top.len() >= 2 * *keep {
                            *threshold = prune(top, *keep);
                        }
                    }
                }
            }
        }
    }

    fn harvest(mut self) -> Harvest {
        prune(&mut self.top, self.keep);
        Harvest { counts: self.counts, top: self.top, matched: self.record.into_iter().collect() }
    }
}

impl From<tantivy::TantivyError> for SearchError {
    fn from(e: tantivy::TantivyError) -> Self {
        SearchError::Index(e.to_string())
    }
}
