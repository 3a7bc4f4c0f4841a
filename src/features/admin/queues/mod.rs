//! The queues an operator watches: Stripe's webhook log with replay, and the email outbox with
//! retry, resend and the provider switch. (Stuck letter generations are reset from
//! `/admin/letters`.)

mod api;
mod model;
mod pages;

pub use api::{AdminEmails, AdminReplayWebhooks, AdminRetryEmails, AdminSetEmailProvider, AdminWebhook, AdminWebhooks};
pub use model::{EmailQueue, ReplayReport};
pub use pages::{AdminEmailsPage, AdminWebhookPage, AdminWebhooksPage};
