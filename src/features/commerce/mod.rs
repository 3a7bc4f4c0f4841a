//! Marketplace commerce: the cart (a visitor's in the session, a member's in the database),
//! one Stripe Checkout payment for a whole cart whatever the number of sellers (separate
//! charges and transfers, the platform keeping `PLATFORM_FEE_BPS`), stock held while a checkout
//! is open so the last unit is sold once, orders per seller with their timelines, shipping,
//! delivery, refunds with transfer reversals, and the Stripe events that drive them.

mod api;
pub mod model;
pub mod money;

#[cfg(feature = "ssr")]
pub mod cart;
#[cfg(feature = "ssr")]
pub mod checkout;
#[cfg(feature = "ssr")]
pub mod events;
#[cfg(feature = "ssr")]
pub mod favourites;
#[cfg(feature = "ssr")]
pub mod fulfilment;
#[cfg(feature = "ssr")]
mod notices;
#[cfg(feature = "ssr")]
pub mod orders;
#[cfg(feature = "ssr")]
mod panel_cache;
#[cfg(feature = "ssr")]
pub mod payouts;
#[cfg(feature = "ssr")]
mod queries;
#[cfg(feature = "ssr")]
pub mod reviews;
#[cfg(feature = "ssr")]
pub mod settle;
#[cfg(feature = "ssr")]
pub mod stock;

mod pages;

pub use api::{
    AddToCart, AdminRefundOrder, ConfirmDelivery, GetCart, GetCartCount, GetCheckout, GetFavouriteIds, GetFavourites,
    GetOrder, GetOrders, GetPayouts, GetProductPanel, GetPurchaseProgress, GetSellerReviews, RefundOrder,
    RemoveFromCart, ReplyToReview, ReportReview, ReviewItem, SetCartQuantity, SetReviewHidden, ShipOrder,
    StartPurchase, ToggleFavourite,
};
pub use money::FeeBps;
pub use pages::{
    CartBadge, CartPage, CheckoutPage, FavouriteHeart, FavouritesPage, OrderPage, OrdersPage, PayoutsPage,
    ProductCommerce, PurchaseSuccessPage, SellerOrderPage, SellerOrdersPage, SellerRatings, provide_commerce_context,
};
#[cfg(feature = "ssr")]
pub use panel_cache::PanelCache;

/// The marketplace's background work, each minute and whenever a payment lands: transfers and
/// refunds at Stripe, expired holds released, shipped orders delivered after 14 days.
#[cfg(feature = "ssr")]
pub fn spawn_background(state: crate::server::state::AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut listener = match sqlx::postgres::PgListener::connect_with(&state.db).await {
            Ok(mut listener) => match listener.listen(settle::CHANNEL).await {
                Ok(()) => Some(listener),
                Err(e) => {
                    tracing::warn!(error = %e, "commerce: no LISTEN; settling each minute only");
                    None
                }
            },
            Err(e) => {
                tracing::warn!(error = %e, "commerce: no LISTEN connection; settling each minute only");
                None
            }
        };
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            let minute = match listener.as_mut() {
                Some(l) => tokio::select! {
                    _ = tick.tick() => true,
                    n = l.recv() => {
                        if n.is_err() {
                            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                        }
                        false
                    }
                },
                None => {
                    tick.tick().await;
                    true
                }
            };
            run_once(&state, minute).await;
        }
    })
}

/// One round of the background work (`minute`: the timed chores too). Tests call it directly.
#[cfg(feature = "ssr")]
pub async fn run_once(state: &crate::server::state::AppState, minute: bool) {
    if minute {
        if let Err(e) = checkout::expire_holds(state).await {
            tracing::warn!(error = %e, "commerce: expired holds not released this minute");
        }
        if let Err(e) = fulfilment::deliver_overdue_orders(state).await {
            tracing::warn!(error = %e, "commerce: overdue deliveries not confirmed this minute");
        }
    }
    match settle::settle_once(state).await {
        Ok(done) if done.failures > 0 => {
            tracing::warn!(?done, "commerce: some Stripe calls failed; retried next minute")
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "commerce: settling failed; retried next minute"),
    }
}

/// Commerce's axum routes: the payouts CSV.
#[cfg(feature = "ssr")]
pub fn routes() -> axum::Router<crate::server::state::AppState> {
    axum::Router::new().route("/sell/payouts.csv", axum::routing::get(payouts_csv))
}

#[cfg(feature = "ssr")]
#[derive(serde::Deserialize)]
struct CsvQuery {
    #[serde(default)]
    currency: String,
}

/// `GET /sell/payouts.csv`: the signed-in seller's per-order figures.
#[cfg(feature = "ssr")]
async fn payouts_csv(
    axum::extract::State(state): axum::extract::State<crate::server::state::AppState>,
    member: Option<crate::features::accounts::session::Member>,
    axum::extract::Query(query): axum::extract::Query<CsvQuery>,
) -> axum::response::Response {
    use axum::http::{StatusCode, header};
    use axum::response::IntoResponse;
    let Some(member) = member else {
        return axum::response::Redirect::to("/sign-in?next=/sell/payouts").into_response();
    };
    match payouts::payouts(&state, member.user().id, &query.currency).await {
        Ok(p) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (header::CONTENT_DISPOSITION, format!("attachment; filename=\"threadr-payouts-{}.csv\"", p.currency)),
                (header::CACHE_CONTROL, "private, no-store".to_string()),
            ],
            payouts::csv(&p),
        )
            .into_response(),
        Err(e) => (StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), e.to_string())
            .into_response(),
    }
}
