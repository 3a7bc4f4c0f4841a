//! SubRip (`.srt`) subtitles from a transcript's segments, built in the browser for download.

use super::model::Transcript;

/// `HH:MM:SS,mmm`.
pub fn timestamp(ms: u64) -> String {
    let (h, rest) = (ms / 3_600_000, ms % 3_600_000);
    let (m, rest) = (rest / 60_000, rest % 60_000);
    let (s, ms) = (rest / 1000, rest % 1000);
    format!("{h:02}:{m:02}:{s:02},{ms:03}")
}

/// The cues, numbered from 1, separated by blank lines. Without segments the whole text is
/// one cue when the duration is known; `None` when there is nothing to time.
pub fn to_srt(t: &Transcript) -> Option<String> {
    let cues: Vec<(u64, u64, &str)> = if t.segments.is_empty() {
        let end = t.duration_ms.filter(|d| *d > 0)?;
        vec![(0, end, t.text.trim())]
    } else {
        t.segments.iter().map(|s| (s.start_ms, s.end_ms.max(s.start_ms), s.text.trim())).collect()
    };
    let cues: Vec<_> = cues.into_iter().filter(|(_, _, text)| !text.is_empty()).collect();
    if cues.is_empty() {
        return None;
    }
    let mut out = String::new();
    for (i, (start, end, text)) in cues.into_iter().enumerate() {
        // A blank line ends a cue, so one inside the text would cut it short.
        let text: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
        out.push_str(&format!("{}\n{} --> {}\n{}\n\n", i + 1, timestamp(start), timestamp(end), text.join("\n")));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::tools::model::Segment;

    fn transcript(segments: Vec<Segment>, duration_ms: Option<u64>) -> Transcript {
        Transcript {
            id: None,
            title: "a.wav".into(),
            text: "Hello there.\n\nGeneral Kenobi.".into(),
            segments,
            duration_ms,
        }
    }

    #[test]
    fn timestamps_have_hours_minutes_seconds_and_milliseconds() {
        assert_eq!(timestamp(0), "00:00:00,000");
        assert_eq!(timestamp(1_234), "00:00:01,234");
        assert_eq!(timestamp(61_005), "00:01:01,005");
        assert_eq!(timestamp(3_600_000 * 12 + 59_999), "12:00:59,999");
    }

    #[test]
    fn segments_become_numbered_cues() {
        let t = transcript(
            vec![
                Segment { start_ms: 0, end_ms: 1500, text: " Hello there. ".into() },
                Segment { start_ms: 1500, end_ms: 3200, text: "General Kenobi.".into() },
                Segment { start_ms: 3200, end_ms: 3300, text: "  ".into() },
            ],
            Some(3300),
        );
        assert_eq!(
            to_srt(&t).unwrap(),
            "1\n00:00:00,000 --> 00:00:01,500\nHello there.\n\n2\n00:00:01,500 --> 00:00:03,200\nGeneral Kenobi.\n\n"
        );
    }

    #[test]
    fn without_segments_one_cue_or_none() {
        let one = to_srt(&transcript(vec![], Some(4000))).unwrap();
        assert_eq!(one, "1\n00:00:00,000 --> 00:00:04,000\nHello there.\nGeneral Kenobi.\n\n");
        assert_eq!(to_srt(&transcript(vec![], None)), None);
    }
}
