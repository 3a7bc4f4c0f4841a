//! `/admin/users`: find accounts, open one with everything about it, and act on it (suspend,
//! restore, role, paid access, rate limits).

mod api;
mod model;
mod pages;

#[cfg(feature = "ssr")]
mod db;

pub use api::{
    AdminBanUser, AdminGrantPremium, AdminResetLimits, AdminRevokePremium, AdminSetRole, AdminUnbanUser, AdminUser,
    AdminUsers,
};
#[cfg(feature = "ssr")]
pub use db::like_pattern;
pub use model::{UserDetail, UserFilter, UserList, UserRow};
pub use pages::{AdminUserPage, AdminUsersPage};
