//! Live and detailed system status: the first server functions, used on the home page
//! and on `/status`.

mod api;
#[cfg(feature = "ssr")]
mod db;
mod model;
mod pages;

pub use api::{GetLiveStatus, GetSystemStatus, get_live_status, get_system_status};
pub use model::{DatabaseHealth, LiveStatus, SystemStatus};
pub use pages::{LiveStatusCard, StatusPage};
