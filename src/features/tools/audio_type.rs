//! Which audio a file holds, from its first bytes (magic numbers) — never from its name or the
//! type the browser declared, which anyone can set.

/// An audio format the transcription API accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AudioType {
    Mp3,
    M4a,
    Wav,
    Webm,
    Ogg,
}

impl AudioType {
    /// The file name extension sent to the provider (OpenAI reads the format from it).
    pub fn extension(self) -> &'static str {
        match self {
            Self::Mp3 => "mp3",
            Self::M4a => "m4a",
            Self::Wav => "wav",
            Self::Webm => "webm",
            Self::Ogg => "ogg",
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            Self::Mp3 => "audio/mpeg",
            Self::M4a => "audio/mp4",
            Self::Wav => "audio/wav",
            Self::Webm => "audio/webm",
            Self::Ogg => "audio/ogg",
        }
    }
}

/// Enough of the start of a file to recognise every accepted format.
pub const SNIFF_BYTES: usize = 512;

/// The audio type of a file starting with `head`; the error names what it looks like instead.
pub fn sniff(head: &[u8]) -> Result<AudioType, String> {
    let found = infer::get(head);
    match found.map(|t| t.mime_type()) {
        Some("audio/mpeg") => Ok(AudioType::Mp3),
        Some("audio/m4a" | "audio/x-m4a") => Ok(AudioType::M4a),
        Some("audio/x-wav" | "audio/wav") => Ok(AudioType::Wav),
        // WebM is Matroska with the "webm" doctype; recordings made in browsers are audio-only.
        Some("video/webm") => Ok(AudioType::Webm),
        Some("audio/ogg" | "audio/opus") => Ok(AudioType::Ogg),
        Some(other) => Err(format!(
            "This file is not audio we can transcribe: its content is {other}, whatever its name says. Upload mp3, m4a, wav, webm or ogg audio."
        )),
        None => Err(
            "This file is not audio we can transcribe: its content is not mp3, m4a, wav, webm or ogg, whatever its name says."
                .to_string(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_recognised_by_content() {
        let mut wav = b"RIFF\x24\x00\x00\x00WAVEfmt ".to_vec();
        wav.extend([0u8; 32]);
        assert_eq!(sniff(&wav), Ok(AudioType::Wav));
        assert_eq!(sniff(b"ID3\x04\x00\x00\x00\x00\x00\x00rest"), Ok(AudioType::Mp3));
        assert_eq!(sniff(b"OggS\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00"), Ok(AudioType::Ogg));
        let m4a = b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00M4A mp42isom";
        assert_eq!(sniff(m4a), Ok(AudioType::M4a));
    }

    #[test]
    fn html_named_mp3_is_refused_with_a_clear_message() {
        let e = sniff(b"<!DOCTYPE html><html><body>not audio</body></html>").unwrap_err();
        assert!(e.contains("not audio we can transcribe"), "{e}");
        assert!(sniff(b"hello").is_err());
        assert!(sniff(b"").is_err());
    }
}
