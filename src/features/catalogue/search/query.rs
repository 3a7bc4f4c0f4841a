//! What a person asked for on `/search?q=…`: parsed from the URL's parameters into a typed
//! [`SearchQuery`] (a bad value is a [`QueryError`] with a message fit for the page), written
//! back with [`SearchQuery::to_query_string`] so the page, its links and the header box all
//! round-trip through the URL. Also the word rules every implementation shares (how the text
//! is split, which word is a prefix, how many typos a word may have).
//!
//! Plain Rust with no server dependencies: the browser build parses the same URL.

use serde::{Deserialize, Serialize};
use std::fmt::{self, Write as _};
use unicode_normalization::UnicodeNormalization;

/// Results per page.
pub const PAGE_SIZE: u32 = 24;
/// Deeper pages are refused: nobody reads result 2,400, and deep offsets cost every engine.
pub const MAX_PAGE: u32 = 100;
/// Longest query text, in characters.
pub const MAX_QUERY_CHARS: usize = 200;
/// Most words a query may have (each word is a fuzzy lookup in the index).
pub const MAX_WORDS: usize = 12;
/// Highest price a filter may name: the catalogue's own ceiling (1,000,000.00).
pub const MAX_PRICE_CENTS: i64 = 100_000_000;
/// A typo is only allowed in a word this long (and two typos from [`TWO_TYPOS_FROM`]).
pub const ONE_TYPO_FROM: usize = 4;
pub const TWO_TYPOS_FROM: usize = 8;

/// A product's condition, as the `product_condition` enum spells it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    #[default]
    New,
    LikeNew,
    Good,
    Fair,
}

impl Condition {
    pub const ALL: [Condition; 4] = [Condition::New, Condition::LikeNew, Condition::Good, Condition::Fair];

    pub fn as_str(self) -> &'static str {
        match self {
            Condition::New => "new",
            Condition::LikeNew => "like_new",
            Condition::Good => "good",
            Condition::Fair => "fair",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// A small stable number (the index stores conditions as numbers).
    pub fn code(self) -> u64 {
        self as u64
    }

    pub fn from_code(code: u64) -> Option<Self> {
        Self::ALL.get(usize::try_from(code).ok()?).copied()
    }

    pub fn label(self) -> &'static str {
        match self {
            Condition::New => "New",
            Condition::LikeNew => "Like new",
            Condition::Good => "Good",
            Condition::Fair => "Fair",
        }
    }

    /// schema.org's item condition for the product page's JSON-LD.
    pub fn schema_org(self) -> &'static str {
        match self {
            Condition::New => "https://schema.org/NewCondition",
            _ => "https://schema.org/UsedCondition",
        }
    }
}

/// The order of results.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    /// Best match first; with no query text, newest first (there is nothing to rank by).
    #[default]
    Relevance,
    Newest,
    PriceAsc,
    PriceDesc,
}

impl Sort {
    pub const ALL: [Sort; 4] = [Sort::Relevance, Sort::Newest, Sort::PriceAsc, Sort::PriceDesc];

    pub fn as_str(self) -> &'static str {
        match self {
            Sort::Relevance => "relevance",
            Sort::Newest => "newest",
            Sort::PriceAsc => "price_asc",
            Sort::PriceDesc => "price_desc",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// A search as the URL describes it. `Default` is the empty search (everything, newest first).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchQuery {
    /// The text as typed, trimmed at the start (a trailing space matters: see [`words`]).
    pub q: String,
    /// A category slug; a top-level category includes its children.
    pub category: Option<String>,
    pub min_price_cents: Option<i64>,
    pub max_price_cents: Option<i64>,
    /// Any of these; empty means any condition.
    pub conditions: Vec<Condition>,
    pub in_stock: bool,
    /// The seller's average rating at least this, in tenths of a star (45 = 4.5). Sellers with
    /// no reviews yet do not pass a rating filter.
    pub min_rating_tenths: Option<u8>,
    pub sort: Sort,
    /// 1-based.
    pub page: u32,
}

/// Why a URL's parameters are not a search. The message is written for the person.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("The search text is too long: at most {MAX_QUERY_CHARS} characters.")]
    TooLong,
    #[error("The search has too many words: at most {MAX_WORDS}.")]
    TooManyWords,
    #[error("“{value}” is not a price for {field}: write an amount such as 12 or 12.50.")]
    Price { field: &'static str, value: String },
    #[error("The lowest price is above the highest price.")]
    PriceRange,
    #[error("“{0}” is not a condition: use new, like_new, good or fair.")]
    Condition(String),
    #[error("“{0}” is not a yes-or-no value for in stock: use 1 or 0.")]
    InStock(String),
    #[error("“{0}” is not a seller rating: use a number from 1 to 5, such as 4 or 4.5.")]
    Rating(String),
    #[error("“{0}” is not an order: use relevance, newest, price_asc or price_desc.")]
    Sort(String),
    #[error("“{0}” is not a page number: use a whole number from 1 to {MAX_PAGE}.")]
    Page(String),
    #[error("“{0}” is not a category.")]
    Category(String),
}

impl SearchQuery {
    /// Parses decoded `(name, value)` pairs (axum's `Query<Vec<(String, String)>>`, leptos'
    /// query map). Unknown names are ignored (tracking parameters); an empty value is the same
    /// as no value, as an HTML form sends every field. `condition` may repeat or hold a
    /// comma-separated list.
    pub fn from_pairs<K, V>(pairs: impl IntoIterator<Item = (K, V)>) -> Result<Self, QueryError>
    where
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut query = SearchQuery { page: 1, ..SearchQuery::default() };
        for (name, value) in pairs {
            let raw = value.as_ref();
            let value = raw.trim();
            if value.is_empty() {
                continue;
            }
            match name.as_ref() {
                "q" => {
                    // Only the start is trimmed: a trailing space says the last word is whole.
                    let q = raw.trim_start();
                    if q.chars().count() > MAX_QUERY_CHARS {
                        return Err(QueryError::TooLong);
                    }
                    query.q = q.to_owned();
                }
                "category" => {
                    if !is_slug(value) {
                        return Err(QueryError::Category(value.to_owned()));
                    }
                    query.category = Some(value.to_owned());
                }
                "min_price" => query.min_price_cents = Some(parse_price("the lowest price", value)?),
                "max_price" => query.max_price_cents = Some(parse_price("the highest price", value)?),
                "condition" => {
                    for part in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                        let c = Condition::parse(part).ok_or_else(|| QueryError::Condition(part.to_owned()))?;
                        if !query.conditions.contains(&c) {
                            query.conditions.push(c);
                        }
                    }
                }
                "in_stock" => {
                    query.in_stock = match value {
                        "1" | "true" | "on" | "yes" => true,
                        "0" | "false" | "off" | "no" => false,
                        other => return Err(QueryError::InStock(other.to_owned())),
                    }
                }
                "min_rating" => query.min_rating_tenths = Some(parse_rating(value)?),
                "sort" => query.sort = Sort::parse(value).ok_or_else(|| QueryError::Sort(value.to_owned()))?,
                "page" => {
                    query.page = value
                        .parse::<u32>()
                        .ok()
                        .filter(|p| (1..=MAX_PAGE).contains(p))
                        .ok_or_else(|| QueryError::Page(value.to_owned()))?
                }
                _ => {}
            }
        }
        if let (Some(lo), Some(hi)) = (query.min_price_cents, query.max_price_cents)
            && lo > hi
        {
            return Err(QueryError::PriceRange);
        }
        if words(&query.q).len() > MAX_WORDS {
            return Err(QueryError::TooManyWords);
        }
        query.conditions.sort();
        Ok(query)
    }

    /// Parses a raw query string (`q=red+shoes&sort=newest`, with or without the `?`).
    pub fn parse_query_string(s: &str) -> Result<Self, QueryError> {
        let s = s.strip_prefix('?').unwrap_or(s);
        Self::from_pairs(s.split('&').filter(|p| !p.is_empty()).map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        }))
    }

    /// The query string for this search, without the `?`; defaults are left out, so the empty
    /// search is "". Parsing it gives this search back.
    pub fn to_query_string(&self) -> String {
        let mut out = String::new();
        let mut put = |k: &str, v: &str| {
            if !out.is_empty() {
                out.push('&');
            }
            out.push_str(k);
            out.push('=');
            percent_encode_into(v, &mut out);
        };
        if !self.q.trim().is_empty() {
            put("q", &self.q);
        }
        if let Some(c) = &self.category {
            put("category", c);
        }
        if let Some(p) = self.min_price_cents {
            put("min_price", &format_price(p));
        }
        if let Some(p) = self.max_price_cents {
            put("max_price", &format_price(p));
        }
        if !self.conditions.is_empty() {
            let list: Vec<&str> = self.conditions.iter().map(|c| c.as_str()).collect();
            put("condition", &list.join(","));
        }
        if self.in_stock {
            put("in_stock", "1");
        }
        if let Some(r) = self.min_rating_tenths {
            put("min_rating", &format_rating(r));
        }
        if self.sort != Sort::Relevance {
            put("sort", self.sort.as_str());
        }
        if self.page > 1 {
            put("page", &self.page.to_string());
        }
        out
    }

    /// The same search on another page (for the pager's links).
    pub fn with_page(&self, page: u32) -> Self {
        Self { page: page.clamp(1, MAX_PAGE), ..self.clone() }
    }

    /// The query's words (see [`words`]).
    pub fn words(&self) -> Vec<Word> {
        words(&self.q)
    }

    /// How many results come before this page.
    pub fn offset(&self) -> usize {
        (self.page.clamp(1, MAX_PAGE) as usize - 1) * PAGE_SIZE as usize
    }

    pub fn limit(&self) -> usize {
        PAGE_SIZE as usize
    }

    /// The order actually used: relevance needs words to rank by.
    pub fn effective_sort(&self) -> Sort {
        if self.sort == Sort::Relevance && self.words().is_empty() { Sort::Newest } else { self.sort }
    }
}

/// One word of the query, folded as the index folds its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word {
    /// Lower-case, accents folded to ASCII where they have an ASCII form.
    pub text: String,
    /// The word as typed but lower-cased (accents kept): PostgreSQL's `simple` text search
    /// keeps accents, so the fallback looks for both forms.
    pub original: String,
    /// The last word while the person is still typing it: matches any word starting with it.
    pub prefix: bool,
    /// Typos allowed (edits, a transposition counting as one).
    pub distance: u8,
}

/// Splits text into words: runs of letters and digits (any script), lower-cased and folded;
/// everything else separates. The last word is a prefix unless the text ends with a
/// separator (the person typed a space after it). Typos: none under 4 letters, one from 4,
/// two from 8.
pub fn words(text: &str) -> Vec<Word> {
    let ends_with_separator = text.chars().last().is_some_and(|c| !c.is_alphanumeric());
    let mut out: Vec<Word> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let original = w.to_lowercase();
            let text = fold(&original);
            let distance = typo_distance(text.chars().count());
            Word { text, original, prefix: false, distance }
        })
        .filter(|w| !w.text.is_empty())
        .collect();
    if !ends_with_separator && let Some(last) = out.last_mut() {
        last.prefix = true;
    }
    out
}

/// Typos a word of `len` characters may have.
pub fn typo_distance(len: usize) -> u8 {
    if len >= TWO_TYPOS_FROM {
        2
    } else if len >= ONE_TYPO_FROM {
        1
    } else {
        0
    }
}

/// Lower-cases and folds accents to ASCII (é → e, ß → ss, ø → o), as tantivy's ASCII folding
/// does for the index; letters without an ASCII form (Greek, CJK) are kept.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.nfkd() {
        if unicode_normalization::char::is_combining_mark(c) {
            continue;
        }
        match c {
            'ß' => out.push_str("ss"),
            'æ' | 'Æ' => out.push_str("ae"),
            'œ' | 'Œ' => out.push_str("oe"),
            'ø' | 'Ø' => out.push('o'),
            'ł' | 'Ł' => out.push('l'),
            'đ' | 'Đ' | 'ð' | 'Ð' => out.push('d'),
            'þ' | 'Þ' => out.push_str("th"),
            'ı' => out.push('i'),
            c => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// A category slug as the catalogue allows them.
fn is_slug(s: &str) -> bool {
    s.len() <= 60
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// "12", "12.5", "12.50" (major units) → cents. No sign, at most two decimals, not above the
/// catalogue's ceiling.
fn parse_price(field: &'static str, value: &str) -> Result<i64, QueryError> {
    let bad = || QueryError::Price { field, value: value.to_owned() };
    let (whole, frac) = value.split_once('.').unwrap_or((value, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() && frac.is_empty() || !digits(whole) || !digits(frac) || frac.len() > 2 || whole.len() > 9 {
        return Err(bad());
    }
    let whole: i64 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| bad())? };
    let frac: i64 = match frac.len() {
        0 => 0,
        1 => frac.parse::<i64>().map_err(|_| bad())? * 10,
        _ => frac.parse().map_err(|_| bad())?,
    };
    let cents = whole * 100 + frac;
    if cents > MAX_PRICE_CENTS {
        return Err(bad());
    }
    Ok(cents)
}

/// Cents as major units, the shortest exact form ("12", "12.50").
pub fn format_price(cents: i64) -> String {
    if cents % 100 == 0 { format!("{}", cents / 100) } else { format!("{}.{:02}", cents / 100, cents % 100) }
}

/// "4", "4.5" → tenths of a star, 1.0 to 5.0.
fn parse_rating(value: &str) -> Result<u8, QueryError> {
    let bad = || QueryError::Rating(value.to_owned());
    let (whole, frac) = value.split_once('.').unwrap_or((value, "0"));
    if whole.len() != 1 || frac.len() != 1 {
        return Err(bad());
    }
    let whole: u8 = whole.parse().map_err(|_| bad())?;
    let frac: u8 = frac.parse().map_err(|_| bad())?;
    let tenths = whole * 10 + frac;
    if (10..=50).contains(&tenths) { Ok(tenths) } else { Err(bad()) }
}

fn format_rating(tenths: u8) -> String {
    if tenths.is_multiple_of(10) { format!("{}", tenths / 10) } else { format!("{}.{}", tenths / 10, tenths % 10) }
}

/// Percent-encodes a query-string value (spaces as `+`; commas kept, they read better).
fn percent_encode_into(s: &str, out: &mut String) {
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b',' => out.push(b as char),
            b' ' => out.push('+'),
            _ => {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
}

/// Decodes `+` and `%XX`; a malformed escape is kept as typed, invalid UTF-8 replaced.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

impl fmt::Display for SearchQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_query_string())
    }
}
