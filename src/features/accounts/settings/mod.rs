//! The account pages: profile, email change, password change, signed-in devices, referral
//! link and account deletion.

mod api;
mod model;
mod pages;

#[cfg(feature = "ssr")]
mod db;

pub use api::{EMAIL_CHANGE_SENT, WRONG_PASSWORD};
pub use model::{DeviceSession, Profile, parse_bio};
pub use pages::{AccountNav, AccountPage, ConfirmEmailChangePage, DeleteAccountPage, SessionsPage};
