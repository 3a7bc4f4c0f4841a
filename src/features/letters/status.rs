//! A letter's status and the only moves between them. Every status change in the app goes
//! through [`LetterStatus::apply`], so an illegal move cannot be written down.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LetterStatus {
    Draft,
    Generating,
    Ready,
    InReview,
    Returned,
    Approved,
    Sent,
}

/// Something that happens to a letter. Each one is allowed from a few statuses only.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Transition {
    /// The member asks the AI to write the letter (again).
    StartGeneration,
    /// The AI finished.
    Generated,
    /// The AI failed, was cancelled, or the generation was left stuck: back to draft.
    GenerationFailed,
    /// The member sends the letter for review (the first time or after it was returned).
    Submit,
    /// A reviewer sends it back with a comment.
    Return,
    /// A reviewer (never the letter's author) approves it.
    Approve,
    /// The approved letter went out by email or post.
    Send,
}

/// Who may cause a transition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The letter's owner.
    Owner,
    /// A reviewer (an admin).
    Reviewer,
    /// The server itself (generation results, stuck-job recovery).
    System,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("A letter that is {} cannot be {}.", .from.label().to_lowercase(), .transition.past_tense())]
pub struct IllegalTransition {
    pub from: LetterStatus,
    pub transition: Transition,
}

impl LetterStatus {
    pub const ALL: [LetterStatus; 7] =
        [Self::Draft, Self::Generating, Self::Ready, Self::InReview, Self::Returned, Self::Approved, Self::Sent];

    /// The state machine: where `transition` leads from here, or why it may not happen.
    pub fn apply(self, transition: Transition) -> Result<LetterStatus, IllegalTransition> {
        use LetterStatus::*;
        use Transition::*;
        let to = match (self, transition) {
            (Draft | Ready | Returned, StartGeneration) => Generating,
            (Generating, Generated) => Ready,
            (Generating, GenerationFailed) => Draft,
            (Ready | Returned, Submit) => InReview,
            (InReview, Return) => Returned,
            (InReview, Approve) => Approved,
            (Approved, Send) => Sent,
            (from, transition) => return Err(IllegalTransition { from, transition }),
        };
        Ok(to)
    }

    /// The statuses `transition` may start from.
    pub fn sources(transition: Transition) -> Vec<LetterStatus> {
        Self::ALL.into_iter().filter(|s| s.apply(transition).is_ok()).collect()
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Generating => "generating",
            Self::Ready => "ready",
            Self::InReview => "in_review",
            Self::Returned => "returned",
            Self::Approved => "approved",
            Self::Sent => "sent",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Draft => "Draft",
            Self::Generating => "Generating",
            Self::Ready => "Ready",
            Self::InReview => "In review",
            Self::Returned => "Returned",
            Self::Approved => "Approved",
            Self::Sent => "Sent",
        }
    }

    /// The member may change the form fields (not while the AI writes or a reviewer has it).
    pub fn member_can_edit_form(self) -> bool {
        matches!(self, Self::Draft | Self::Ready | Self::Returned)
    }

    /// The member may edit the letter's text.
    pub fn member_can_edit_body(self) -> bool {
        matches!(self, Self::Ready | Self::Returned)
    }

    /// A reviewer may edit the letter's text.
    pub fn reviewer_can_edit_body(self) -> bool {
        matches!(self, Self::InReview)
    }

    /// The member may delete the letter (not while a reviewer works on it or it is on its way).
    pub fn member_can_delete(self) -> bool {
        matches!(self, Self::Draft | Self::Ready | Self::Returned | Self::Sent)
    }
}

impl std::str::FromStr for LetterStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL.into_iter().find(|v| v.as_str() == s).ok_or_else(|| format!("unknown letter status {s:?}"))
    }
}

impl Transition {
    pub const ALL: [Transition; 7] = [
        Self::StartGeneration,
        Self::Generated,
        Self::GenerationFailed,
        Self::Submit,
        Self::Return,
        Self::Approve,
        Self::Send,
    ];

    /// Who may cause it. Approving is a reviewer's alone (and never on their own letter).
    pub fn role(self) -> Role {
        match self {
            Self::StartGeneration | Self::Submit => Role::Owner,
            Self::Return | Self::Approve | Self::Send => Role::Reviewer,
            Self::Generated | Self::GenerationFailed => Role::System,
        }
    }

    fn past_tense(self) -> &'static str {
        match self {
            Self::StartGeneration => "generated now",
            Self::Generated => "marked ready",
            Self::GenerationFailed => "put back to draft",
            Self::Submit => "submitted for review",
            Self::Return => "returned",
            Self::Approve => "approved",
            Self::Send => "sent",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::LetterStatus::*;
    use super::Transition::*;
    use super::*;

    #[test]
    fn the_whole_path_with_one_return_is_legal() {
        let path = [StartGeneration, Generated, Submit, Return, Submit, Approve, Send];
        let mut status = Draft;
        let mut seen = vec![status];
        for t in path {
            status = status.apply(t).unwrap_or_else(|e| panic!("{e}"));
            seen.push(status);
        }
        assert_eq!(seen, [Draft, Generating, Ready, InReview, Returned, InReview, Approved, Sent]);
    }

    #[test]
    fn exactly_the_listed_moves_are_allowed() {
        let allowed = [
            (Draft, StartGeneration, Generating),
            (Ready, StartGeneration, Generating),
            (Returned, StartGeneration, Generating),
            (Generating, Generated, Ready),
            (Generating, GenerationFailed, Draft),
            (Ready, Submit, InReview),
            (Returned, Submit, InReview),
            (InReview, Return, Returned),
            (InReview, Approve, Approved),
            (Approved, Send, Sent),
        ];
        for from in LetterStatus::ALL {
            for t in Transition::ALL {
                let expected = allowed.iter().find(|(f, tr, _)| *f == from && *tr == t).map(|(_, _, to)| *to);
                match (from.apply(t), expected) {
                    (Ok(to), Some(want)) => assert_eq!(to, want, "{from:?} --{t:?}"),
                    (Err(e), None) => assert_eq!(e, IllegalTransition { from, transition: t }),
                    (got, want) => panic!("{from:?} --{t:?}: got {got:?}, expected {want:?}"),
                }
            }
        }
    }

    #[test]
    fn illegal_moves_are_refused_with_a_clear_message() {
        assert_eq!(Draft.apply(Approve).unwrap_err().to_string(), "A letter that is draft cannot be approved.");
        assert!(Ready.apply(Approve).is_err(), "review comes before approval");
        assert!(Draft.apply(Submit).is_err(), "nothing to review before a letter is written");
        assert!(Sent.apply(StartGeneration).is_err(), "a sent letter never changes");
        assert!(Approved.apply(Return).is_err());
        assert!(Generating.apply(Submit).is_err());
        assert_eq!(InReview.apply(Send).unwrap_err().to_string(), "A letter that is in review cannot be sent.");
    }

    #[test]
    fn nothing_leaves_sent_and_only_reviewers_approve() {
        assert!(Transition::ALL.iter().all(|t| Sent.apply(*t).is_err()));
        assert_eq!(Approve.role(), Role::Reviewer);
        assert_eq!(Submit.role(), Role::Owner);
        assert_eq!(LetterStatus::sources(Submit), [Ready, Returned]);
    }

    #[test]
    fn statuses_round_trip_through_their_names() {
        for s in LetterStatus::ALL {
            assert_eq!(s.as_str().parse::<LetterStatus>(), Ok(s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        assert!("lost".parse::<LetterStatus>().is_err());
    }
}
