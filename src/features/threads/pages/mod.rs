//! The thread pages: `/threads/new` (form, streaming, editor, usage), `/threads/:id` (a saved
//! thread, autosaved).

mod autosave;
pub mod browser;
mod draft;
mod editor;
mod new_thread;
mod post_editor;
mod stream;
mod thread_form;
mod thread_page;
mod usage;

pub use new_thread::NewThreadPage;
pub use thread_page::ThreadPage;
