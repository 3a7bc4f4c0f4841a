//! Files sent with an email. An [`Attachment`] can only be made with a bare, printable file
//! name, a `type/subtype` content type and 1 byte to 10 MB of content; a message's
//! attachments together stay under [`MAX_TOTAL_BYTES`].

/// What one message may carry in total (providers refuse more: Resend takes 40 MB after
/// base64, many SMTP servers 10–25 MB).
pub const MAX_TOTAL_BYTES: usize = 10 * 1024 * 1024;
pub const MAX_ATTACHMENTS: usize = 20;
const MAX_FILENAME_CHARS: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AttachmentError {
    #[error("An attachment needs a file name.")]
    EmptyName,
    #[error(
        "The attachment name {0:?} must be a bare file name: no folders, no control characters, at most 200 characters."
    )]
    BadName(String),
    #[error("The content type {0:?} is not a type/subtype like application/pdf.")]
    BadContentType(String),
    #[error("The attachment {0:?} is empty.")]
    Empty(String),
    #[error("Attachments may total at most 10 MB.")]
    TooLarge,
    #[error("A message may have at most {MAX_ATTACHMENTS} attachments.")]
    TooMany,
}

#[derive(Clone, PartialEq, Eq)]
pub struct Attachment {
    filename: String,
    content_type: String,
    bytes: Vec<u8>,
}

impl std::fmt::Debug for Attachment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Attachment")
            .field("filename", &self.filename)
            .field("content_type", &self.content_type)
            .field("len", &self.bytes.len())
            .finish()
    }
}

impl Attachment {
    /// `filename` is what the recipient sees ("letter.pdf"); `content_type` a MIME type
    /// without parameters ("application/pdf").
    pub fn new(filename: &str, content_type: &str, bytes: Vec<u8>) -> Result<Self, AttachmentError> {
        let filename = filename.trim();
        if filename.is_empty() {
            return Err(AttachmentError::EmptyName);
        }
        let bad_char = |c: char| {
            c == '/' || c == '\\' || c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
        };
        if filename.chars().any(bad_char)
            || filename.chars().count() > MAX_FILENAME_CHARS
            || filename.chars().all(|c| c == '.')
        {
            return Err(AttachmentError::BadName(filename.to_string()));
        }
        let content_type = content_type.trim().to_ascii_lowercase();
        let token =
            |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '-'));
        match content_type.split_once('/') {
            Some((kind, sub)) if token(kind) && token(sub) => {}
            _ => return Err(AttachmentError::BadContentType(content_type)),
        }
        if bytes.is_empty() {
            return Err(AttachmentError::Empty(filename.to_string()));
        }
        if bytes.len() > MAX_TOTAL_BYTES {
            return Err(AttachmentError::TooLarge);
        }
        Ok(Self { filename: filename.to_string(), content_type, bytes })
    }

    pub fn filename(&self) -> &str {
        &self.filename
    }

    pub fn content_type(&self) -> &str {
        &self.content_type
    }

    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}

/// Checks what one message carries together.
pub fn check_total(attachments: &[Attachment]) -> Result<(), AttachmentError> {
    if attachments.len() > MAX_ATTACHMENTS {
        return Err(AttachmentError::TooMany);
    }
    if attachments.iter().map(|a| a.bytes.len()).sum::<usize>() > MAX_TOTAL_BYTES {
        return Err(AttachmentError::TooLarge);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_with_paths_or_control_characters_are_refused() {
        for bad in [
            "",
            "   ",
            "../etc/passwd",
            "a/b.pdf",
            "C:\\x.pdf",
            "a\nb.pdf",
            "a\u{0}.pdf",
            "..",
            ".",
            "x\u{202E}fdp.exe",
        ] {
            assert!(Attachment::new(bad, "application/pdf", vec![1]).is_err(), "{bad:?}");
        }
        assert!(Attachment::new(&"a".repeat(201), "application/pdf", vec![1]).is_err());
        let ok = Attachment::new(" Letter to Zoë Ñúñez.pdf ", "Application/PDF", vec![1]).unwrap();
        assert_eq!((ok.filename(), ok.content_type()), ("Letter to Zoë Ñúñez.pdf", "application/pdf"));
    }

    #[test]
    fn content_types_must_be_type_slash_subtype() {
        for bad in ["", "pdf", "application/", "/pdf", "text/html; charset=utf-8", "a b/c"] {
            assert_eq!(
                Attachment::new("x.pdf", bad, vec![1]).unwrap_err(),
                AttachmentError::BadContentType(bad.trim().to_ascii_lowercase()),
                "{bad:?}"
            );
        }
        assert!(Attachment::new("x.svg", "image/svg+xml", vec![1]).is_ok());
    }

    #[test]
    fn sizes_are_bounded_one_by_one_and_together() {
        assert_eq!(
            Attachment::new("x.pdf", "application/pdf", vec![]).unwrap_err(),
            AttachmentError::Empty("x.pdf".into())
        );
        assert_eq!(
            Attachment::new("x.pdf", "application/pdf", vec![0; MAX_TOTAL_BYTES + 1]).unwrap_err(),
            AttachmentError::TooLarge
        );
        let half = Attachment::new("x.pdf", "application/pdf", vec![0; MAX_TOTAL_BYTES / 2]).unwrap();
        assert_eq!(check_total(&[half.clone(), half.clone()]), Ok(()));
        let one = Attachment::new("y.pdf", "application/pdf", vec![0]).unwrap();
        assert_eq!(check_total(&[half.clone(), half, one.clone()]), Err(AttachmentError::TooLarge));
        assert_eq!(check_total(&vec![one; MAX_ATTACHMENTS + 1]), Err(AttachmentError::TooMany));
    }
}
