//! The catalogue's shared types: what the seller's forms send, what the public pages show.
//! Forms arrive as text and are parsed here into types that cannot hold a bad value.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The highest price a listing may have: 1,000,000.00 in minor units.
pub const MAX_PRICE_CENTS: i64 = 100_000_000;
pub const MAX_TITLE_CHARS: usize = 140;
pub const MAX_DESCRIPTION_CHARS: usize = 5_000;
pub const MAX_IMAGES: usize = 8;
pub const MAX_STOCK: i64 = 1_000_000;

/// The currencies a listing may be priced in (all with two decimal places).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Currency {
    #[default]
    USD,
    EUR,
    GBP,
    CAD,
    AUD,
    CHF,
    SEK,
    NZD,
}

impl Currency {
    pub const ALL: [Currency; 8] = [
        Currency::USD,
        Currency::EUR,
        Currency::GBP,
        Currency::CAD,
        Currency::AUD,
        Currency::CHF,
        Currency::SEK,
        Currency::NZD,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::USD => "USD",
            Self::EUR => "EUR",
            Self::GBP => "GBP",
            Self::CAD => "CAD",
            Self::AUD => "AUD",
            Self::CHF => "CHF",
            Self::SEK => "SEK",
            Self::NZD => "NZD",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code().eq_ignore_ascii_case(code.trim()))
    }
}

/// A listing's condition (one type for forms, pages and search).
pub use super::search::query::Condition;

/// `draft → active → hidden`; `removed` is set by admins only.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProductStatus {
    Draft,
    Active,
    Hidden,
    Removed,
}

impl ProductStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Active => "active",
            Self::Hidden => "hidden",
            Self::Removed => "removed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "draft" => Self::Draft,
            "active" => Self::Active,
            "hidden" => Self::Hidden,
            "removed" => Self::Removed,
            _ => return None,
        })
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Draft => "Draft",
            Self::Active => "On sale",
            Self::Hidden => "Paused",
            Self::Removed => "Removed by Threadr",
        }
    }
}

/// What a seller may do to a listing's status from `/sell`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatusChange {
    /// Draft or paused → on sale (needs charges enabled on the seller's Stripe account).
    Publish,
    /// On sale → paused.
    Pause,
}

/// A price typed by a person ("12", "12.5", "1,250.00") in minor units: more than zero, at most
/// 1,000,000.00, at most two decimals.
pub fn parse_price(raw: &str) -> Result<i64, &'static str> {
    let text: String = raw.trim().chars().filter(|c| *c != ',' && *c != '_' && !c.is_whitespace()).collect();
    let text = text.trim_start_matches(['$', '€', '£']);
    if text.is_empty() {
        return Err("Enter a price.");
    }
    if text.starts_with('-') {
        return Err("The price must be more than zero.");
    }
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty() && fraction.is_empty() {
        return Err("Enter a price such as 12.50.");
    }
    if !whole.chars().all(|c| c.is_ascii_digit()) || !fraction.chars().all(|c| c.is_ascii_digit()) {
        return Err("Enter the price as a number, such as 12.50.");
    }
    if fraction.len() > 2 {
        return Err("Prices have at most two decimal places (cents).");
    }
    let whole: i64 =
        if whole.is_empty() { 0 } else { whole.parse().map_err(|_| "The price is over the 1,000,000.00 limit.")? };
    let cents: i64 = match fraction.len() {
        0 => 0,
        1 => fraction.parse::<i64>().unwrap_or(0) * 10,
        _ => fraction.parse::<i64>().unwrap_or(0),
    };
    let total =
        whole.checked_mul(100).and_then(|w| w.checked_add(cents)).ok_or("The price is over the 1,000,000.00 limit.")?;
    if total == 0 {
        return Err("The price must be more than zero.");
    }
    if total > MAX_PRICE_CENTS {
        return Err("The price is over the 1,000,000.00 limit.");
    }
    Ok(total)
}

/// "12.50" for a form field holding `cents`.
pub fn price_input(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

/// The listing form as it is typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductForm {
    pub title: String,
    pub description: String,
    pub price: String,
    pub currency: String,
    pub stock: String,
    pub category: String,
    pub condition: String,
}

/// A listing's fields, each checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProductDraft {
    pub title: String,
    pub description: String,
    pub price_cents: i64,
    pub currency: Currency,
    pub stock: i32,
    /// A category slug; that it exists is checked against the database.
    pub category: String,
    pub condition: Condition,
}

/// Which field a message is about, so the form shows it beside that field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl ProductDraft {
    /// Every problem at once, so the seller fixes the form in one go.
    pub fn parse(form: &ProductForm) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut fail = |field: &str, message: &str| {
            errors.push(FieldError { field: field.into(), message: message.into() });
        };
        let title = form.title.trim().to_string();
        let title_chars = title.chars().count();
        if title.is_empty() {
            fail("title", "Give the listing a title.");
        } else if title_chars > MAX_TITLE_CHARS {
            fail("title", &format!("The title is {title_chars} characters; the limit is {MAX_TITLE_CHARS}."));
        }
        let description = form.description.trim().replace("\r\n", "\n");
        let description_chars = description.chars().count();
        if description_chars > MAX_DESCRIPTION_CHARS {
            fail(
                "description",
                &format!("The description is {description_chars} characters; the limit is {MAX_DESCRIPTION_CHARS}."),
            );
        }
        let price = parse_price(&form.price).map_err(|m| fail("price", m)).ok();
        let currency = if form.currency.trim().is_empty() {
            Some(Currency::USD)
        } else {
            let parsed = Currency::parse(&form.currency);
            if parsed.is_none() {
                fail("currency", "Choose one of the listed currencies.");
            }
            parsed
        };
        let stock = match form.stock.trim().parse::<i64>() {
            Ok(n) if n < 0 => {
                fail("stock", "Stock cannot be negative.");
                None
            }
            Ok(n) if n > MAX_STOCK => {
                fail("stock", "Stock is at most 1,000,000.");
                None
            }
            Ok(n) => i32::try_from(n).ok(),
            Err(_) if form.stock.trim().is_empty() => {
                fail("stock", "Enter how many you have (0 or more).");
                None
            }
            Err(_) => {
                fail("stock", "Stock is a whole number, 0 or more.");
                None
            }
        };
        let category = form.category.trim().to_string();
        if category.is_empty() {
            fail("category", "Choose a category.");
        }
        let condition = Condition::parse(form.condition.trim());
        if condition.is_none() {
            fail("condition", "Choose the item's condition.");
        }
        match (price, currency, stock, condition) {
            (Some(price_cents), Some(currency), Some(stock), Some(condition)) if errors.is_empty() => {
                Ok(Self { title, description, price_cents, currency, stock, category, condition })
            }
            _ => Err(errors),
        }
    }
}

/// One category with its children (the tree is two levels deep).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    pub id: i32,
    pub slug: String,
    pub name: String,
    pub children: Vec<Category>,
}

/// The tree, top level in order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryTree(pub Vec<Category>);

impl CategoryTree {
    /// A category and its parent (when it is a child).
    pub fn find(&self, slug: &str) -> Option<(&Category, Option<&Category>)> {
        for top in &self.0 {
            if top.slug == slug {
                return Some((top, None));
            }
            if let Some(child) = top.children.iter().find(|c| c.slug == slug) {
                return Some((child, Some(top)));
            }
        }
        None
    }
}

/// An image's variants as pages use them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageRef {
    pub id: Uuid,
    /// "jpg" or "png".
    pub ext: String,
    pub alt: String,
    pub thumb: (u32, u32),
    pub card: (u32, u32),
    pub full: (u32, u32),
}

impl ImageRef {
    pub fn url(&self, variant: &str) -> String {
        format!("/media/products/{}/{variant}.{}", self.id, self.ext)
    }

    /// Every variant with its width, for `srcset`.
    pub fn srcset(&self) -> String {
        let mut seen = Vec::new();
        let mut parts = Vec::new();
        for (name, (w, _)) in [("thumb", self.thumb), ("card", self.card), ("full", self.full)] {
            if !seen.contains(&w) {
                seen.push(w);
                parts.push(format!("{} {w}w", self.url(name)));
            }
        }
        parts.join(", ")
    }
}

/// A product in a grid (home, category, search, seller pages).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductCard {
    pub id: Uuid,
    pub slug: String,
    pub title: String,
    pub price_cents: i64,
    pub currency: String,
    pub in_stock: bool,
    pub condition: Condition,
    pub seller_handle: String,
    pub seller_name: String,
    pub image: Option<ImageRef>,
}

/// Everything `/products/{slug}` shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductDetail {
    pub id: Uuid,
    pub slug: String,
    pub title: String,
    pub description: String,
    pub price_cents: i64,
    pub currency: String,
    pub stock: i32,
    pub condition: Condition,
    pub status: ProductStatus,
    pub category: Category,
    pub parent_category: Option<Category>,
    pub seller: SellerSummary,
    pub images: Vec<ImageRef>,
    pub published_at: Option<DateTime<Utc>>,
    /// The viewer is the seller (a paused or draft listing is shown to them only).
    pub mine: bool,
    /// The site's public address without a trailing slash (Open Graph and JSON-LD need
    /// absolute URLs).
    pub base_url: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SellerSummary {
    pub handle: String,
    pub name: String,
    /// Average of reviews, with their count (none yet: `None`).
    pub rating: Option<Rating>,
    pub member_since: DateTime<Utc>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rating {
    /// Tenths of a star: 45 is 4.5.
    pub tenths: u32,
    pub count: u32,
}

impl Rating {
    pub fn from_totals(total: i32, count: i32) -> Option<Self> {
        let (total, count) = (u32::try_from(total).ok()?, u32::try_from(count).ok()?);
        (count > 0).then(|| Self { tenths: (total * 10 + count / 2) / count, count })
    }

    pub fn label(self) -> String {
        let reviews = if self.count == 1 { "review" } else { "reviews" };
        format!("{}.{} out of 5 ({} {reviews})", self.tenths / 10, self.tenths % 10, self.count)
    }
}

/// `/sellers/{handle}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SellerPage {
    pub seller: SellerSummary,
    pub bio: String,
    pub products: Vec<ProductCard>,
}

/// Where the member stands as a seller (the top of `/sell`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SellerState {
    /// Not a seller yet: the handle we suggest, and why they cannot start (unconfirmed email,
    /// payments not set up), if so.
    NotSelling {
        suggested_handle: String,
        blocked: Option<String>,
    },
    /// Onboarding unfinished: what Stripe still asks for, in words.
    Onboarding {
        handle: String,
        requirements: Vec<String>,
        disabled_reason: Option<String>,
    },
    Selling {
        handle: String,
    },
}

impl SellerState {
    pub fn can_publish(&self) -> bool {
        matches!(self, Self::Selling { .. })
    }
}

/// One of the seller's own listings in `/sell`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnListing {
    pub id: Uuid,
    pub slug: String,
    pub title: String,
    pub price_cents: i64,
    pub currency: String,
    pub stock: i32,
    pub status: ProductStatus,
    pub removed_reason: Option<String>,
    pub image: Option<ImageRef>,
    pub updated_at: DateTime<Utc>,
}

/// `/sell`: the seller's state and listings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SellDashboard {
    pub state: SellerState,
    pub listings: Vec<OwnListing>,
}

/// A listing being edited: its form values, status and images.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditListing {
    pub id: Uuid,
    pub slug: String,
    pub form: ProductForm,
    pub status: ProductStatus,
    pub removed_reason: Option<String>,
    pub images: Vec<ImageRef>,
    pub can_publish: bool,
}

/// The home page's catalogue sections.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HomeCatalogue {
    pub newest: Vec<ProductCard>,
    pub popular: Vec<ProductCard>,
}

/// `/c/{category}`: the category, its place in the tree, a page of its products.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryListing {
    pub category: Category,
    pub parent: Option<Category>,
    pub products: Vec<ProductCard>,
    pub total: u64,
    pub page: u32,
    pub pages: u32,
}

/// One category among the results, with how many matched (links narrow the search to it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FacetLink {
    pub slug: String,
    pub name: String,
    pub count: u64,
    /// A sub-category of the category the search is narrowed to.
    pub child: bool,
}

/// `/search`: the query as understood, a page of cards, the counts, and the tree for the
/// filter form.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SearchResults {
    pub query: super::search::SearchQuery,
    pub cards: Vec<ProductCard>,
    pub total: u64,
    pub page: u32,
    pub pages: u32,
    pub categories: Vec<FacetLink>,
    pub conditions: Vec<(Condition, u64)>,
    /// PostgreSQL answered while the index catches up: exact words and prefixes only.
    pub fallback: bool,
    pub tree: CategoryTree,
}

/// A seller handle: 3–30 of a–z, 0–9 and inner hyphens.
pub fn parse_handle(raw: &str) -> Result<String, &'static str> {
    let handle = raw.trim().to_ascii_lowercase();
    let ok_chars = handle.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if handle.len() < 3 || handle.len() > 30 {
        return Err("A shop name is 3 to 30 characters.");
    }
    if !ok_chars || handle.starts_with('-') || handle.ends_with('-') {
        return Err("Use lowercase letters, digits and hyphens (not at the start or end).");
    }
    Ok(handle)
}

/// A URL slug from any text: lowercase ASCII words joined by hyphens, at most `max` bytes.
pub fn slugify(text: &str, max: usize) -> String {
    use unicode_normalization::UnicodeNormalization;
    let mut slug = String::new();
    let mut gap = false;
    for c in text.nfkd().filter(|c| c.is_ascii()) {
        if c.is_ascii_alphanumeric() {
            if gap && !slug.is_empty() {
                slug.push('-');
            }
            gap = false;
            slug.push(c.to_ascii_lowercase());
        } else {
            gap = true;
        }
        if slug.len() >= max {
            break;
        }
    }
    slug.truncate(max);
    slug.trim_end_matches('-').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_parse_to_cents_or_say_what_is_wrong() {
        assert_eq!(parse_price("12"), Ok(1200));
        assert_eq!(parse_price("12.5"), Ok(1250));
        assert_eq!(parse_price(" $1,250.00 "), Ok(125_000));
        assert_eq!(parse_price("0.01"), Ok(1));
        assert_eq!(parse_price("1000000.00"), Ok(MAX_PRICE_CENTS));
        assert_eq!(parse_price("1000000.01"), Err("The price is over the 1,000,000.00 limit."));
        assert_eq!(parse_price("99999999999999999999"), Err("The price is over the 1,000,000.00 limit."));
        assert_eq!(parse_price("0"), Err("The price must be more than zero."));
        assert_eq!(parse_price("-5"), Err("The price must be more than zero."));
        assert_eq!(parse_price("1.999"), Err("Prices have at most two decimal places (cents)."));
        assert_eq!(parse_price("abc"), Err("Enter the price as a number, such as 12.50."));
        assert_eq!(parse_price(""), Err("Enter a price."));
        assert_eq!(parse_price("."), Err("Enter a price such as 12.50."));
    }

    #[test]
    fn a_form_reports_every_bad_field() {
        let form = ProductForm {
            title: "x".repeat(141),
            description: "d".repeat(5001),
            price: "0".into(),
            currency: "XYZ".into(),
            stock: "-1".into(),
            category: "".into(),
            condition: "mint".into(),
        };
        let errors = ProductDraft::parse(&form).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["title", "description", "price", "currency", "stock", "category", "condition"]);
    }

    #[test]
    fn a_good_form_parses() {
        let form = ProductForm {
            title: "  Walnut desk  ".into(),
            description: "Solid.\r\nHeavy.".into(),
            price: "120".into(),
            currency: "".into(),
            stock: "2".into(),
            category: "furniture".into(),
            condition: "good".into(),
        };
        let draft = ProductDraft::parse(&form).unwrap();
        assert_eq!(draft.title, "Walnut desk");
        assert_eq!(draft.description, "Solid.\nHeavy.");
        assert_eq!((draft.price_cents, draft.currency, draft.stock), (12_000, Currency::USD, 2));
    }

    #[test]
    fn slugs_and_handles() {
        assert_eq!(slugify("Crème brûlée — Set of 4!", 100), "creme-brulee-set-of-4");
        assert_eq!(slugify("<script>", 100), "script");
        assert_eq!(slugify("a".repeat(200).as_str(), 80).len(), 80);
        assert_eq!(parse_handle("Ada-Shop"), Ok("ada-shop".into()));
        assert!(parse_handle("ab").is_err());
        assert!(parse_handle("-ada").is_err());
        assert!(parse_handle("ada shop").is_err());
    }

    #[test]
    fn ratings_round_to_tenths() {
        assert_eq!(Rating::from_totals(0, 0), None);
        assert_eq!(Rating::from_totals(9, 2).map(|r| r.tenths), Some(45));
        assert_eq!(Rating::from_totals(14, 3).map(|r| r.label()), Some("4.7 out of 5 (3 reviews)".into()));
    }
}
