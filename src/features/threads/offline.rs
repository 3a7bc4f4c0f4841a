//! STUB until the counter branch merges. Replaced wholesale at merge.
use super::packer::Numbering;
use serde::{Deserialize, Serialize};
pub const MAX_POSTS: usize = 25;
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Tone {
    #[default]
    Neutral,
    Casual,
    Professional,
    Enthusiastic,
    Witty,
}
impl Tone {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Neutral => "neutral",
            Self::Casual => "casual",
            Self::Professional => "professional",
            Self::Enthusiastic => "enthusiastic",
            Self::Witty => "witty",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Neutral => "Neutral",
            Self::Casual => "Casual",
            Self::Professional => "Professional",
            Self::Enthusiastic => "Enthusiastic",
            Self::Witty => "Witty",
        }
    }
}
impl std::str::FromStr for Tone {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Ok(match s {
            "neutral" => Self::Neutral,
            "casual" => Self::Casual,
            "professional" => Self::Professional,
            "enthusiastic" => Self::Enthusiastic,
            "witty" => Self::Witty,
            _ => return Err(()),
        })
    }
}
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct ThreadOptions {
    pub tone: Tone,
    pub posts: Option<u8>,
    pub numbering: Numbering,
}
pub fn write_thread(source: &str, options: &ThreadOptions) -> Vec<String> {
    super::packer::pack(source, options.numbering)
}
