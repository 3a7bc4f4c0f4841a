//! STUB until the counter branch merges. Replaced wholesale at merge.
use serde::{Deserialize, Serialize};
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Numbering {
    #[default]
    Fraction,
    Dot,
    None,
}
impl Numbering {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Fraction => "1/7",
            Self::Dot => "1.",
            Self::None => "none",
        }
    }
}
impl std::str::FromStr for Numbering {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            "1/7" => Ok(Self::Fraction),
            "1." => Ok(Self::Dot),
            "none" => Ok(Self::None),
            _ => Err(()),
        }
    }
}
pub fn numbered(post: &str, index: usize, total: usize, numbering: Numbering) -> String {
    match numbering {
        Numbering::Fraction => format!("{}/{} {post}", index + 1, total),
        Numbering::Dot => format!("{}. {post}", index + 1),
        Numbering::None => post.to_string(),
    }
}
pub fn pack(text: &str, _numbering: Numbering) -> Vec<String> {
    vec![text.to_string()]
}
