//! Transactional email: a PostgreSQL outbox written in the caller's transaction, a worker
//! that delivers it through SMTP, an HTTP API or the dev mailbox (with fallback, retries
//! and dead-lettering), the email templates, and the dev mailbox page at `/admin/mail`.
//!
//! Other features send mail with [`Mailer::enqueue`] inside their own transaction, and files
//! (a letter's PDF) with [`Mailer::enqueue_with_attachments`].

mod api;
mod model;
mod pages;

#[cfg(feature = "ssr")]
pub mod attachments;
#[cfg(feature = "ssr")]
pub mod outbox;
#[cfg(feature = "ssr")]
pub mod preference;
#[cfg(feature = "ssr")]
pub mod providers;
#[cfg(feature = "ssr")]
pub mod templates;
#[cfg(feature = "ssr")]
mod wiring;
#[cfg(feature = "ssr")]
pub mod worker;

pub use api::{GetMail, ListMail, MailList, RetryMail, SendTestEmail};
#[cfg(feature = "ssr")]
pub use attachments::{Attachment, AttachmentError};
pub use model::{AttachmentInfo, EmailStatus, MailDetail, MailSummary, OutboxStats};
#[cfg(feature = "ssr")]
pub use outbox::{retry as retry_one, retry_all};
pub use pages::{MailPage, MailboxPage};
#[cfg(feature = "ssr")]
pub use wiring::{
    Mailer, attachment_route, html_body_route, provider_names, providers_from_config, worker_from_config,
};

/// The absolute http(s) links in a text body, in order, without repeats.
pub fn links_in(text: &str) -> Vec<String> {
    let mut links: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        let word = word.trim_start_matches(['(', '<']).trim_end_matches(['.', ',', ')', ';', '>']);
        if (word.starts_with("https://") || word.starts_with("http://")) && !links.iter().any(|l| l == word) {
            links.push(word.to_string());
        }
    }
    links
}

#[cfg(test)]
mod tests {
    use super::links_in;

    #[test]
    fn finds_links_once_without_trailing_punctuation() {
        let text = "Open https://a.example/x. Or https://a.example/x, then (http://b.example/y) and ftp://no";
        assert_eq!(links_in(text), ["https://a.example/x", "http://b.example/y"]);
    }
}
