//! The letter pages: `/letters` (the member's list), `/letters/new` (the guided form),
//! `/letters/:id` (edit, generate, submit, timeline), `/letters/:id/print` (print view) and
//! `/admin/letters` (the review queue).

mod admin;
mod common;
mod generation;
mod letter_form;
mod letter_page;
mod list;
mod new_letter;
mod print;

pub use admin::AdminLettersPage;
pub use letter_page::LetterPage;
pub use list::LettersPage;
pub use new_letter::NewLetterPage;
pub use print::LetterPrintPage;
