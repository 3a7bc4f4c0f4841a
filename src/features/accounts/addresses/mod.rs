//! Shipping addresses: a member keeps up to 20, one of them the default (checkout uses it).

mod api;
mod countries;
mod model;
mod page;

#[cfg(feature = "ssr")]
mod db;

pub use api::SaveAddress;
pub use countries::country_name;
pub use model::{ADDRESSES_MAX, Address, AddressInput};
pub use page::{AddressForm, AddressesPage};

/// The member's addresses, the default first (checkout chooses from them).
#[cfg(feature = "ssr")]
pub async fn member_addresses(
    pool: &sqlx::PgPool,
    me: &crate::features::accounts::session::Member,
) -> Result<Vec<Address>, sqlx::Error> {
    db::list(pool, me).await
}
