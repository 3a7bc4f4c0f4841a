//! The commerce pages: cart, checkout, orders (buyer and seller), payouts, favourites, and the
//! pieces other pages show (the header's cart badge, the product page's panel, hearts).

mod cart;
mod checkout;
mod favourites;
mod orders;
mod payouts;
mod reviews;

pub use cart::{CartBadge, CartPage};
pub use checkout::{CheckoutPage, PurchaseSuccessPage};
pub use favourites::{FavouriteHeart, FavouritesPage};
pub use orders::{OrderPage, OrdersPage, SellerOrderPage, SellerOrdersPage};
pub use payouts::PayoutsPage;
pub use reviews::{ProductCommerce, SellerRatings};

/// Called once by the app shell: the cart badge's version and the member's favourites, shared
/// by every component on the page.
pub fn provide_commerce_context() {
    cart::provide_cart_version();
    favourites::provide_favourites();
}
