//! Letters: the PDF of a letter (the rest of the feature is built beside it).

#[cfg(feature = "ssr")]
pub mod pdf;
