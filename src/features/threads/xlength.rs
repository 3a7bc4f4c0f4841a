//! STUB until the counter branch merges: counts chars. Replaced wholesale at merge.
use serde::{Deserialize, Serialize};
pub const MAX_WEIGHTED_LENGTH: usize = 280;
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct XLength {
    pub weighted_length: usize,
    pub valid: bool,
}
pub fn x_length(text: &str) -> XLength {
    let n = text.chars().count();
    XLength { weighted_length: n, valid: n > 0 && n <= MAX_WEIGHTED_LENGTH }
}
