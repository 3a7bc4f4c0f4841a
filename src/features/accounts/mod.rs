//! Accounts: sign-up with email confirmation, sign-in and sign-out, sessions in PostgreSQL
//! (tower-sessions), the user/admin guards, attempt limits shared by all instances, and the
//! security audit log.

mod addresses;
mod api;
mod model;
mod pages;
mod settings;
mod sign_in_methods;
mod step_up;

#[cfg(feature = "ssr")]
pub mod admin_actions;
#[cfg(feature = "ssr")]
mod admin_cli;
#[cfg(feature = "ssr")]
pub mod audit;
#[cfg(feature = "ssr")]
pub mod cleanup;
#[cfg(feature = "ssr")]
mod db;
#[cfg(feature = "ssr")]
pub mod demo;
#[cfg(feature = "ssr")]
pub mod google;
#[cfg(feature = "ssr")]
pub mod limits;
#[cfg(feature = "ssr")]
pub mod password;
#[cfg(feature = "ssr")]
pub mod referral;
#[cfg(feature = "ssr")]
pub mod session;
#[cfg(feature = "ssr")]
pub mod tokens;

#[cfg(feature = "ssr")]
pub use addresses::member_addresses;
pub use addresses::{ADDRESSES_MAX, Address, AddressForm, AddressInput, AddressesPage, SaveAddress, country_name};
#[cfg(feature = "ssr")]
pub use admin_cli::{CreateAdminError, create_admin};
pub use api::{
    ConfirmEmail, ForgotPassword, LINK_INVALID, MAGIC_LINK_SENT, RESET_SENT, RequestMagicLink, ResetPassword,
    SIGN_IN_FAILED, SIGN_UP_DONE, SignIn, SignOut, SignOutEverywhere, SignUp, UseMagicLink, WhoAmI,
};
#[cfg(feature = "ssr")]
pub use db::user_by_email;
pub use model::{
    CurrentUser, EMAIL_MAX, EmailAddress, NAME_MAX, PASSWORD_MAX, PASSWORD_MIN, Role, parse_display_name, safe_next,
};
pub use pages::{
    AccountMenu, ForgotPasswordPage, MagicLinkPage, ResetPasswordPage, SignInPage, SignUpPage, VerifyEmailPage,
    current_user, provide_current_user,
};
pub use settings::{
    AccountNav, AccountPage, ConfirmEmailChangePage, DeleteAccountPage, DeviceSession, EMAIL_CHANGE_SENT, Profile,
    SessionsPage, WRONG_PASSWORD, parse_bio,
};
pub use sign_in_methods::{GetSignInMethods, SignInMethods, google_error, google_error_message};
pub use step_up::{AdminGate, AdminStepUp, WRONG_PORTAL_KEY, admin_gate};
