//! `/admin/products` and `/admin/reviews`: find listings and reviews by a filter and hide,
//! remove or restore many at once, with a reason that is recorded and sent to the seller.

mod api;
mod model;
mod pages;

#[cfg(feature = "ssr")]
mod db;

pub use api::{AdminModerateProducts, AdminModerateReviews, AdminProducts, AdminReviews};
pub use model::{
    BULK_MAX, ModProduct, ModProducts, ModReview, ModReviews, ModerationAction, ProductFilter, ReviewFilter,
    parse_reason,
};
pub use pages::{AdminProductsPage, AdminReviewsPage};
