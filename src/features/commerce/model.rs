//! What the commerce pages show, shared by the server functions and the browser.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::features::catalogue::model::ImageRef;

/// The most of one product a cart holds.
pub const MAX_QUANTITY: i32 = 999;

/// Parses a quantity typed or sent by the page: a whole number from 1 to 999.
pub fn parse_quantity(raw: i32) -> Result<i32, &'static str> {
    match raw {
        q if q < 1 => Err("Choose a quantity of at least 1. To take an item out, press Remove."),
        q if q > MAX_QUANTITY => Err("At most 999 of one item fit in a cart."),
        q => Ok(q),
    }
}

/// Why a cart line cannot be paid for as it stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LineProblem {
    /// The listing was removed, paused or deleted by its seller.
    Unavailable,
    /// None left to buy (sold, or held in other buyers' checkouts).
    SoldOut,
    /// Fewer left than the cart asks for; checkout buys this many.
    OnlyLeft(i32),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartLine {
    pub product_id: Uuid,
    pub slug: String,
    pub title: String,
    pub image: Option<ImageRef>,
    pub quantity: i32,
    /// The price now.
    pub unit_price_cents: i64,
    pub currency: String,
    /// The price when it was added, when different from now.
    pub price_was_cents: Option<i64>,
    pub problem: Option<LineProblem>,
}

impl CartLine {
    /// How many checkout would buy: none of an unavailable or sold-out line.
    pub fn payable_quantity(&self) -> i32 {
        match self.problem {
            Some(LineProblem::Unavailable | LineProblem::SoldOut) => 0,
            Some(LineProblem::OnlyLeft(n)) => n.min(self.quantity),
            None => self.quantity,
        }
    }

    pub fn line_total_cents(&self) -> i64 {
        self.unit_price_cents.saturating_mul(i64::from(self.payable_quantity()))
    }
}

/// One seller's items in one currency.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SellerGroup {
    pub seller_id: Uuid,
    pub seller_name: String,
    pub seller_handle: String,
    pub currency: String,
    pub lines: Vec<CartLine>,
    pub subtotal_cents: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrencyTotal {
    pub currency: String,
    pub total_cents: i64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cart {
    pub groups: Vec<SellerGroup>,
    /// One total per currency (Stripe takes one currency per payment).
    pub totals: Vec<CurrencyTotal>,
    /// Items in the cart (the header badge).
    pub count: i32,
    /// Something changed since the items were added (a price, the stock, a listing).
    pub has_changes: bool,
}

impl Cart {
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// Whether anything in it can be paid for now.
    pub fn payable(&self) -> bool {
        self.totals.iter().any(|t| t.total_cents > 0)
    }

    /// Builds the groups and totals from lines in display order (each with its seller).
    pub fn from_lines(lines: Vec<(SellerRef, CartLine)>) -> Cart {
        let mut cart = Cart::default();
        for (seller, line) in lines {
            cart.count += line.quantity;
            cart.has_changes |= line.problem.is_some() || line.price_was_cents.is_some();
            let group =
                match cart.groups.iter_mut().position(|g| g.seller_id == seller.id && g.currency == line.currency) {
                    Some(i) => &mut cart.groups[i],
                    None => {
                        cart.groups.push(SellerGroup {
                            seller_id: seller.id,
                            seller_name: seller.name,
                            seller_handle: seller.handle,
                            currency: line.currency.clone(),
                            lines: Vec::new(),
                            subtotal_cents: 0,
                        });
                        let last = cart.groups.len() - 1;
                        &mut cart.groups[last]
                    }
                };
            group.subtotal_cents += line.line_total_cents();
            group.lines.push(line);
        }
        for g in &cart.groups {
            match cart.totals.iter_mut().find(|t| t.currency == g.currency) {
                Some(t) => t.total_cents += g.subtotal_cents,
                None => cart.totals.push(CurrencyTotal { currency: g.currency.clone(), total_cents: g.subtotal_cents }),
            }
        }
        cart
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SellerRef {
    pub id: Uuid,
    pub name: String,
    pub handle: String,
}

/// What `/checkout` shows: the cart, where it can go, and whether paying is possible.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CheckoutView {
    pub cart: Cart,
    pub addresses: Vec<crate::features::accounts::Address>,
    /// The member's email is confirmed (paying needs it).
    pub verified: bool,
    /// Stripe is configured.
    pub payments_on: bool,
}

/// Where a purchase stands after Stripe's page (the success page asks until it is settled).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PurchaseProgress {
    Waiting,
    Paid {
        orders: Vec<String>,
    },
    /// Closed without a sale, or refunded because the stock was gone: why.
    Closed {
        reason: String,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum OrderStatus {
    Pending,
    Paid,
    Shipped,
    Delivered,
    Cancelled,
    Refunded,
    PartiallyRefunded,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 7] = [
        OrderStatus::Pending,
        OrderStatus::Paid,
        OrderStatus::Shipped,
        OrderStatus::Delivered,
        OrderStatus::Cancelled,
        OrderStatus::Refunded,
        OrderStatus::PartiallyRefunded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Pending => "pending",
            OrderStatus::Paid => "paid",
            OrderStatus::Shipped => "shipped",
            OrderStatus::Delivered => "delivered",
            OrderStatus::Cancelled => "cancelled",
            OrderStatus::Refunded => "refunded",
            OrderStatus::PartiallyRefunded => "partially_refunded",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            OrderStatus::Pending => "Awaiting payment",
            OrderStatus::Paid => "Paid, to be shipped",
            OrderStatus::Shipped => "Shipped",
            OrderStatus::Delivered => "Delivered",
            OrderStatus::Cancelled => "Cancelled",
            OrderStatus::Refunded => "Refunded",
            OrderStatus::PartiallyRefunded => "Partly refunded",
        }
    }
}

/// The filters of the order lists.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum OrderFilter {
    #[default]
    All,
    /// Paid and not shipped yet (the seller's to-do list).
    ToShip,
    Shipped,
    Delivered,
    Refunded,
    Cancelled,
}

impl OrderFilter {
    pub const ALL: [OrderFilter; 6] = [
        OrderFilter::All,
        OrderFilter::ToShip,
        OrderFilter::Shipped,
        OrderFilter::Delivered,
        OrderFilter::Refunded,
        OrderFilter::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderFilter::All => "all",
            OrderFilter::ToShip => "to-ship",
            OrderFilter::Shipped => "shipped",
            OrderFilter::Delivered => "delivered",
            OrderFilter::Refunded => "refunded",
            OrderFilter::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            OrderFilter::All => "All",
            OrderFilter::ToShip => "To ship",
            OrderFilter::Shipped => "Shipped",
            OrderFilter::Delivered => "Delivered",
            OrderFilter::Refunded => "Refunded",
            OrderFilter::Cancelled => "Cancelled",
        }
    }

    /// The statuses it shows.
    pub fn statuses(self) -> &'static [&'static str] {
        match self {
            OrderFilter::All => &["paid", "shipped", "delivered", "refunded", "partially_refunded", "pending"],
            OrderFilter::ToShip => &["paid", "partially_refunded"],
            OrderFilter::Shipped => &["shipped"],
            OrderFilter::Delivered => &["delivered"],
            OrderFilter::Refunded => &["refunded", "partially_refunded"],
            OrderFilter::Cancelled => &["cancelled"],
        }
    }
}

/// One row of `/orders` or `/sell/orders`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderSummary {
    pub number: String,
    pub status: OrderStatus,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// The seller (for the buyer's list) or the buyer (for the seller's).
    pub other_party: String,
    pub currency: String,
    pub subtotal_cents: i64,
    /// How many different items (lines) the order has.
    pub items: i64,
    pub first_title: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderList {
    pub filter: OrderFilter,
    pub orders: Vec<OrderSummary>,
    pub page: u32,
    pub pages: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineRow {
    pub at: chrono::DateTime<chrono::Utc>,
    /// "You", "The seller", "Threadr", "Stripe"…
    pub who: String,
    pub status: OrderStatus,
    pub note: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderItemView {
    pub id: Uuid,
    pub title: String,
    pub slug: Option<String>,
    pub quantity: i32,
    pub unit_price_cents: i64,
    /// The buyer may review it now (delivered, not reviewed yet).
    pub can_review: bool,
    pub review: Option<ReviewView>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewView {
    pub id: Uuid,
    pub rating: u8,
    pub body: String,
    pub author: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub reply: Option<String>,
    pub product_title: Option<String>,
}

/// One order as its buyer or seller sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderDetail {
    pub number: String,
    pub status: OrderStatus,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub currency: String,
    pub subtotal_cents: i64,
    pub refunded_cents: i64,
    /// The seller's view only: the platform's fee and what reaches them.
    pub fee_cents: Option<i64>,
    pub buyer_name: String,
    pub seller_name: String,
    pub seller_handle: String,
    pub ship_to: Vec<String>,
    pub carrier: Option<String>,
    pub tracking_number: Option<String>,
    pub items: Vec<OrderItemView>,
    pub timeline: Vec<TimelineRow>,
    pub as_seller: bool,
}

impl OrderDetail {
    pub fn left_to_refund_cents(&self) -> i64 {
        self.subtotal_cents - self.refunded_cents
    }

    pub fn can_ship(&self) -> bool {
        self.as_seller && matches!(self.status, OrderStatus::Paid | OrderStatus::PartiallyRefunded)
    }

    pub fn can_confirm_delivery(&self) -> bool {
        !self.as_seller && self.status == OrderStatus::Shipped
    }

    pub fn can_refund(&self) -> bool {
        self.as_seller
            && matches!(
                self.status,
                OrderStatus::Paid | OrderStatus::Shipped | OrderStatus::Delivered | OrderStatus::PartiallyRefunded
            )
            && self.left_to_refund_cents() > 0
    }
}

/// Ratings of a product or a seller: how many of each star, and the newest reviews.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RatingSummary {
    /// Reviews with 1, 2, 3, 4 and 5 stars.
    pub histogram: [u32; 5],
    pub reviews: Vec<ReviewView>,
}

impl RatingSummary {
    pub fn count(&self) -> u32 {
        self.histogram.iter().sum()
    }

    /// The average in tenths of a star (45 = 4.5), or none without reviews.
    pub fn average_tenths(&self) -> Option<u32> {
        let count = self.count();
        let total: u32 = self.histogram.iter().enumerate().map(|(i, n)| (i as u32 + 1) * n).sum();
        (count > 0).then(|| (total * 10 + count / 2) / count)
    }
}

/// Seller money over a period: per day and per order, in one currency.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payouts {
    /// The last day of the period (the server's today).
    pub today: chrono::NaiveDate,
    pub currency: String,
    pub days: Vec<PayoutDay>,
    pub orders: Vec<PayoutOrder>,
    pub totals: PayoutFigures,
    /// Other currencies the seller sold in (each has its own page).
    pub other_currencies: Vec<String>,
}

impl Payouts {
    /// Gross sales of each of the `days` days up to `today`, gaps as zero, oldest first.
    pub fn chart(&self, today: chrono::NaiveDate, days: i64) -> Vec<(chrono::NaiveDate, i64)> {
        (0..days)
            .rev()
            .map(|back| {
                let day = today - chrono::Duration::days(back);
                let gross = self.days.iter().find(|d| d.day == day).map_or(0, |d| d.figures.gross_cents);
                (day, gross)
            })
            .collect()
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayoutFigures {
    pub gross_cents: i64,
    /// The platform's fees kept (after the share refunds gave back).
    pub fees_cents: i64,
    pub refunds_cents: i64,
    /// What reached the seller's Stripe account and stays there (transfers minus reversals).
    pub net_cents: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayoutDay {
    pub day: chrono::NaiveDate,
    pub figures: PayoutFigures,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayoutOrder {
    pub number: String,
    pub paid_at: chrono::DateTime<chrono::Utc>,
    pub status: OrderStatus,
    pub figures: PayoutFigures,
    /// The transfer reached Stripe.
    pub transferred: bool,
}

/// What a product page shows beside the listing: buying, saving, ratings.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductPanel {
    /// Stock minus what other buyers' checkouts hold.
    pub available: i32,
    pub own: bool,
    pub signed_in: bool,
    pub favourite: bool,
    pub favourite_count: i32,
    pub ratings: RatingSummary,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(price: i64, quantity: i32, currency: &str, problem: Option<LineProblem>) -> CartLine {
        CartLine {
            product_id: Uuid::new_v4(),
            slug: "x".into(),
            title: "x".into(),
            image: None,
            quantity,
            unit_price_cents: price,
            currency: currency.into(),
            price_was_cents: None,
            problem,
        }
    }

    #[test]
    fn groups_by_seller_and_currency_and_leaves_out_what_cannot_be_bought() {
        let a = SellerRef { id: Uuid::new_v4(), name: "A".into(), handle: "a".into() };
        let b = SellerRef { id: Uuid::new_v4(), name: "B".into(), handle: "b".into() };
        let cart = Cart::from_lines(vec![
            (a.clone(), line(1000, 2, "USD", None)),
            (b.clone(), line(250, 1, "USD", Some(LineProblem::SoldOut))),
            (a.clone(), line(500, 3, "USD", Some(LineProblem::OnlyLeft(1)))),
            (b.clone(), line(700, 1, "EUR", None)),
            (b, line(999, 1, "USD", Some(LineProblem::Unavailable))),
        ]);
        assert_eq!(cart.count, 8);
        assert!(cart.has_changes);
        assert_eq!(cart.groups.len(), 3);
        assert_eq!(cart.groups[0].subtotal_cents, 2500);
        assert_eq!(cart.groups[1].subtotal_cents, 0);
        assert_eq!(
            cart.totals,
            [
                CurrencyTotal { currency: "USD".into(), total_cents: 2500 },
                CurrencyTotal { currency: "EUR".into(), total_cents: 700 }
            ]
        );
        assert!(cart.payable());
    }

    #[test]
    fn quantities_are_whole_numbers_from_one_to_999() {
        assert!(parse_quantity(0).is_err());
        assert!(parse_quantity(-3).is_err());
        assert!(parse_quantity(1000).is_err());
        assert_eq!(parse_quantity(999), Ok(999));
    }
}
