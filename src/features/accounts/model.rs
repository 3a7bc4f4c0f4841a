//! Account types and input rules shared by the browser (hints) and the server (enforcement).

use serde::{Deserialize, Serialize};

pub const PASSWORD_MIN: usize = 10;
pub const PASSWORD_MAX: usize = 128;
pub const NAME_MAX: usize = 80;
pub const EMAIL_MAX: usize = 254;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "user_role", rename_all = "lowercase"))]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Member,
    Admin,
}

/// Who is signed in, as the pages need it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct CurrentUser {
    pub id: uuid::Uuid,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub verified: bool,
}

/// An email address as we store it: trimmed, domain in lower case, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err("Enter your email address.");
        }
        if trimmed.chars().count() > EMAIL_MAX {
            return Err("That email address is too long (254 characters at most).");
        }
        let (local, domain) = trimmed.rsplit_once('@').ok_or("Enter a valid email address, like name@example.com.")?;
        let valid_local = !local.is_empty()
            && local.len() <= 64
            && !local.contains('@')
            && local.chars().all(|c| c.is_ascii_graphic() || !c.is_ascii());
        let valid_domain = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '.');
        if !valid_local || !valid_domain {
            return Err("Enter a valid email address, like name@example.com.");
        }
        Ok(Self(format!("{local}@{}", domain.to_lowercase())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A display name: trimmed, 1 to 80 characters, no control characters.
pub fn parse_display_name(raw: &str) -> Result<String, &'static str> {
    let name = raw.trim();
    if name.is_empty() {
        return Err("Enter your name.");
    }
    if name.chars().count() > NAME_MAX {
        return Err("Your name is too long (80 characters at most).");
    }
    if name.chars().any(char::is_control) {
        return Err("Your name contains characters we cannot show.");
    }
    Ok(name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_and_their_domain_lower_cased() {
        assert_eq!(EmailAddress::parse("  Ada.Lovelace@Example.COM ").unwrap().as_str(), "Ada.Lovelace@example.com");
    }

    #[test]
    fn malformed_emails_are_refused() {
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "ada@@example.com",
            "a b@example.com",
            "ada@exa mple.com",
            "ada@.example.com",
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad:?}");
        }
        assert!(EmailAddress::parse(&format!("{}@example.com", "a".repeat(250))).is_err());
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(parse_display_name("  Ada  ").unwrap(), "Ada");
        assert_eq!(
            parse_display_name("O'Brien <b>&</b>").unwrap(),
            "O'Brien <b>&</b>",
            "stored as typed, escaped when shown"
        );
        assert!(parse_display_name("   ").is_err());
        assert!(parse_display_name(&"x".repeat(81)).is_err());
        assert!(parse_display_name("a\u{0007}b").is_err());
    }
}

/// A path on this site to return to after signing up or in ("/pricing"), or `None` for
/// anything that could leave the site (`//evil.example`, `https://…`, `/\\evil`).
pub fn safe_next(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let ok = raw.starts_with('/')
        && !raw.starts_with("//")
        && raw.len() <= 200
        && raw.bytes().all(|b| b.is_ascii_graphic() && b != b'\\');
    ok.then(|| raw.to_string())
}

#[cfg(test)]
mod next_tests {
    use super::safe_next;

    #[test]
    fn only_paths_on_this_site_are_followed() {
        assert_eq!(safe_next("/pricing").as_deref(), Some("/pricing"));
        assert_eq!(safe_next("/account/billing/portal").as_deref(), Some("/account/billing/portal"));
        for bad in
            ["", "pricing", "//evil.example", "https://evil.example", "/\\evil.example", "/a b", "javascript:alert(1)"]
        {
            assert_eq!(safe_next(bad), None, "{bad}");
        }
    }
}
