//! Server functions of the marketplace's buying side: the cart (visitors too), checkout and
//! the buyer's orders (members), and the seller's orders (members; every order query names the
//! member, so someone else's order is 404).

use leptos::prelude::*;
use uuid::Uuid;

use super::model::{
    Cart, CheckoutView, OrderDetail, OrderList, Payouts, ProductPanel, PurchaseProgress, RatingSummary,
};
use crate::error::AppError;
use crate::features::catalogue::model::ProductCard;

/// The caller's cart (a visitor's from the session; a member's, with any visitor cart merged).
#[server(prefix = "/api", endpoint = "commerce/cart")]
pub async fn get_cart() -> Result<Cart, AppError> {
    let state = crate::server::state::app_state()?;
    let owner = super::cart::Owner::current(&state).await?;
    super::cart::view(&state, &owner).await
}

/// How many items the cart holds (the header's badge).
#[server(prefix = "/api", endpoint = "commerce/cart-count")]
pub async fn get_cart_count() -> Result<i32, AppError> {
    let state = crate::server::state::app_state()?;
    let owner = super::cart::Owner::current(&state).await?;
    super::cart::count(&state, &owner).await
}

#[server(prefix = "/api", endpoint = "commerce/cart-add")]
pub async fn add_to_cart(product: Uuid, quantity: i32) -> Result<Cart, AppError> {
    let state = crate::server::state::app_state()?;
    let owner = super::cart::Owner::current(&state).await?;
    super::cart::add(&state, &owner, product, quantity).await
}

#[server(prefix = "/api", endpoint = "commerce/cart-quantity")]
pub async fn set_cart_quantity(product: Uuid, quantity: i32) -> Result<Cart, AppError> {
    let state = crate::server::state::app_state()?;
    let owner = super::cart::Owner::current(&state).await?;
    super::cart::set_quantity(&state, &owner, product, quantity).await
}

#[server(prefix = "/api", endpoint = "commerce/cart-remove")]
pub async fn remove_from_cart(product: Uuid) -> Result<Cart, AppError> {
    let state = crate::server::state::app_state()?;
    let owner = super::cart::Owner::current(&state).await?;
    owner.remove(&state.db, &[product]).await?;
    super::cart::view(&state, &owner).await
}

/// `/checkout`: the cart, the member's addresses, and whether they can pay.
#[server(prefix = "/api", endpoint = "commerce/checkout")]
pub async fn get_checkout() -> Result<CheckoutView, AppError> {
    let member = crate::features::accounts::session::require_user().await?;
    let state = crate::server::state::app_state()?;
    let owner = super::cart::Owner::current(&state).await?;
    Ok(CheckoutView {
        cart: super::cart::view(&state, &owner).await?,
        addresses: crate::features::accounts::member_addresses(&state.db, &member).await?,
        verified: member.user().verified,
        payments_on: state.stripe.is_some(),
    })
}

/// Holds the items and opens Stripe's payment page for the cart's items in `currency`.
/// `total_cents` is the total the page showed. Returns the page's address.
#[server(prefix = "/api", endpoint = "commerce/pay")]
pub async fn start_purchase(address: Uuid, currency: String, total_cents: i64) -> Result<String, AppError> {
    let member = crate::features::accounts::session::require_user().await?;
    let state = crate::server::state::app_state()?;
    super::checkout::start(&state, &member, address, &currency, total_cents).await
}

#[server(prefix = "/api", endpoint = "commerce/purchase-progress")]
pub async fn get_purchase_progress(purchase: Uuid) -> Result<PurchaseProgress, AppError> {
    let member = crate::features::accounts::session::require_user().await?;
    let state = crate::server::state::app_state()?;
    super::queries::progress(&state, member.user().id, purchase).await
}

/// The member's orders as a buyer (`seller` false) or as a seller.
#[server(prefix = "/api", endpoint = "commerce/orders")]
pub async fn get_orders(seller: bool, filter: String, page: u32) -> Result<OrderList, AppError> {
    let member = crate::features::accounts::session::require_user().await?;
    let state = crate::server::state::app_state()?;
    use super::model::OrderFilter;
    let filter = if filter.is_empty() {
        OrderFilter::All
    } else {
        OrderFilter::parse(&filter).ok_or_else(|| AppError::invalid(format!("“{filter}” is not an order filter.")))?
    };
    super::queries::list(&state, member.user().id, seller, filter, page).await
}

#[server(prefix = "/api", endpoint = "commerce/order")]
pub async fn get_order(number: String, seller: bool) -> Result<OrderDetail, AppError> {
    let member = crate::features::accounts::session::require_user().await?;
    let state = crate::server::state::app_state()?;
    super::queries::detail(&state, member.user().id, &number, seller).await
}

/// The seller marks one of their orders shipped.
#[server(prefix = "/api", endpoint = "commerce/ship")]
pub async fn ship_order(number: String, carrier: String, tracking_number: String) -> Result<(), AppError> {
    let member = crate::features::accounts::session::require_user().await?;
    let state = crate::server::state::app_state()?;
    let shipment = super::fulfilment::Shipment::parse(&carrier, &tracking_number)?;
    super::fulfilment::ship(&state, member.user().id, &number, shipment).await
}

/// The buyer confirms their order arrived.
#[server(prefix = "/api", endpoint = "commerce/delivered")]
pub async fn confirm_delivery(number: String) -> Result<(), AppError> {
    let member = crate::features::accounts::session::require_user().await?;
    let state = crate::server::state::app_state()?;
    super::fulfilment::confirm_delivery(&state, member.user().id, &number).await
}

/// The seller refunds `amount` (as typed, "12.50") of one of their orders. Returns whether
/// Stripe has made it already (otherwise it is retried shortly).
#[server(prefix = "/api", endpoint = "commerce/refund")]
pub async fn refund_order(
    number: String,
    amount: String,
    #[server(default)] restock: bool,
    #[server(default)] reason: String,
) -> Result<bool, AppError> {
    let member = crate::features::accounts::session::require_user().await?;
    let state = crate::server::state::app_state()?;
    let amount_cents = crate::features::catalogue::model::parse_price(&amount).map_err(AppError::invalid)?;
    let done = super::fulfilment::refund(
        &state,
        super::orders::Actor::Seller(member.user().id),
        &number,
        super::fulfilment::RefundRequest { amount_cents, restock, reason },
    )
    .await?;
    Ok(done.settled)
}

/// An admin refunds any order (the admin area's orders screen calls it).
#[server(prefix = "/api", endpoint = "admin/commerce/refund")]
pub async fn admin_refund_order(
    number: String,
    amount: String,
    #[server(default)] restock: bool,
    #[server(default)] reason: String,
) -> Result<bool, AppError> {
    let admin = crate::features::accounts::session::require_admin().await?;
    let state = crate::server::state::app_state()?;
    let amount_cents = crate::features::catalogue::model::parse_price(&amount).map_err(AppError::invalid)?;
    let done = super::fulfilment::refund(
        &state,
        super::orders::Actor::Admin(admin.user().id),
        &number,
        super::fulfilment::RefundRequest { amount_cents, restock, reason: reason.clone() },
    )
    .await?;
    let origin = crate::features::accounts::session::origin().await;
    crate::features::accounts::audit::admin_action(
        &state.db,
        "order_refunded",
        Some(admin.user()),
        &format!("order:{number}"),
        &origin,
        serde_json::json!({ "order": number, "amount_cents": amount_cents, "restock": restock, "reason": reason }),
    )
    .await?;
    Ok(done.settled)
}

/// A product page's buying and saving panel and its ratings (visitors too).
#[server(prefix = "/api", endpoint = "commerce/product-panel")]
pub async fn get_product_panel(product: Uuid) -> Result<ProductPanel, AppError> {
    let state = crate::server::state::app_state()?;
    let member = crate::features::accounts::session::current_member().await?;
    match member.as_ref().map(|m| m.user().id) {
        // A visitor's ratings and favourite count may come from memory; what can be bought is
        // read now (holds and sales change it without telling this instance).
        None => {
            let kept = state.panels.get(product, super::queries::product_panel(&state, product, None)).await?;
            let available = super::queries::available(&state, product).await?;
            Ok(ProductPanel { available, ..kept.as_ref().clone() })
        }
        Some(user) => super::queries::product_panel(&state, product, Some(user)).await,
    }
}

/// A seller's ratings and newest reviews (their shop page).
#[server(prefix = "/api", endpoint = "commerce/seller-reviews")]
pub async fn get_seller_reviews(handle: String) -> Result<RatingSummary, AppError> {
    let state = crate::server::state::app_state()?;
    super::reviews::shop_summary(&state, handle.trim()).await
}

/// The buyer reviews an item of a delivered order, once.
#[server(prefix = "/api", endpoint = "commerce/review")]
pub async fn review_item(item: Uuid, rating: i32, #[server(default)] body: String) -> Result<(), AppError> {
    let member = crate::features::accounts::session::require_user().await?;
    let state = crate::server::state::app_state()?;
    let review = super::reviews::NewReview::parse(rating, &body)?;
    super::reviews::create(&state, member.user().id, item, review).await.map(|_| ())
}

/// The seller answers a review of theirs, once.
#[server(prefix = "/api", endpoint = "commerce/review-reply")]
pub async fn reply_to_review(review: Uuid, reply: String) -> Result<(), AppError> {
    let member = crate::features::accounts::session::require_user().await?;
    let state = crate::server::state::app_state()?;
    super::reviews::reply(&state, member.user().id, review, &reply).await
}

#[server(prefix = "/api", endpoint = "commerce/review-report")]
pub async fn report_review(review: Uuid, reason: String) -> Result<(), AppError> {
    let member = crate::features::accounts::session::require_user().await?;
    let state = crate::server::state::app_state()?;
    super::reviews::report(&state, member.user().id, review, &reason).await
}

/// An admin hides a review (or shows it again); the ratings follow.
#[server(prefix = "/api", endpoint = "admin/commerce/review-hidden")]
pub async fn set_review_hidden(review: Uuid, hidden: bool, #[server(default)] reason: String) -> Result<(), AppError> {
    let admin = crate::features::accounts::session::require_admin().await?;
    let state = crate::server::state::app_state()?;
    super::reviews::set_hidden(&state, review, hidden, &reason).await?;
    let origin = crate::features::accounts::session::origin().await;
    let action = if hidden { "review_hidden" } else { "review_shown" };
    crate::features::accounts::audit::admin_action(
        &state.db,
        action,
        Some(admin.user()),
        &format!("review:{review}"),
        &origin,
        serde_json::json!({ "review": review, "reason": reason }),
    )
    .await?;
    Ok(())
}

/// Saves or unsaves a product; returns whether it is saved now. Without JavaScript the heart
/// is a plain form posting here, and the browser comes back to the page.
#[server(prefix = "/api", endpoint = "commerce/favourite")]
pub async fn toggle_favourite(product: Uuid) -> Result<bool, AppError> {
    let member = crate::features::accounts::session::require_user().await?;
    let state = crate::server::state::app_state()?;
    Ok(super::favourites::toggle(&state, member.user().id, product).await?.0)
}

/// The signed-in member's favourite product ids (`None` for visitors): the hearts on a page.
#[server(prefix = "/api", endpoint = "commerce/favourite-ids")]
pub async fn get_favourite_ids() -> Result<Option<Vec<Uuid>>, AppError> {
    let state = crate::server::state::app_state()?;
    match crate::features::accounts::session::current_member().await? {
        Some(member) => Ok(Some(super::favourites::ids(&state, member.user().id).await?)),
        None => Ok(None),
    }
}

#[server(prefix = "/api", endpoint = "commerce/favourites")]
pub async fn get_favourites() -> Result<Vec<ProductCard>, AppError> {
    let member = crate::features::accounts::session::require_user().await?;
    let state = crate::server::state::app_state()?;
    super::favourites::cards(&state, member.user().id).await
}

/// The seller's money in `currency` (their main one when empty), the last 90 days.
#[server(prefix = "/api", endpoint = "commerce/payouts")]
pub async fn get_payouts(#[server(default)] currency: String) -> Result<Payouts, AppError> {
    let member = crate::features::accounts::session::require_user().await?;
    let state = crate::server::state::app_state()?;
    super::payouts::payouts(&state, member.user().id, &currency).await
}
