//! The catalogue's pages: the public ones (home sections, product, category, seller shop,
//! search) read without JavaScript; the seller's `/sell` pages need it (uploads, AI writing).

mod browse;
pub mod card;
mod listing_form;
mod photos;
mod product;
mod search;
mod sell;

pub use browse::{CategoryPage, HomeCatalogueSections, SellerShopPage};
pub use card::{Grid, Photo};
pub use product::{ProductPage, json_ld};
pub use search::{HeaderSearch, SearchPage};
pub use sell::{EditListingPage, NewListingPage, SellPage};
