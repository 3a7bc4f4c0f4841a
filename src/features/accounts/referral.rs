//! Referral capture: a visitor who arrives with `?ref=CODE` carries the code in a cookie for
//! 30 days; signing up within that time attributes the new member to the referrer.

use axum::{extract::Request, middleware::Next, response::Response};
use chrono::{DateTime, Duration, Utc};
use http::{HeaderValue, Method, header};
use sqlx::PgPool;
use uuid::Uuid;

pub const COOKIE: &str = "threadr_ref";
pub const WINDOW: Duration = Duration::days(30);

/// A referral code as we hand them out: 8 characters from an alphabet without look-alikes.
pub fn parse_code(raw: &str) -> Option<String> {
    let code = raw.trim().to_ascii_uppercase();
    (code.len() == 8 && code.bytes().all(|b| b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ".contains(&b))).then_some(code)
}

/// The code and arrival time in a `threadr_ref` cookie value (`CODE.unix-seconds`).
pub fn parse_cookie(value: &str) -> Option<(String, DateTime<Utc>)> {
    let (code, at) = value.split_once('.')?;
    Some((parse_code(code)?, DateTime::from_timestamp(at.parse().ok()?, 0)?))
}

fn cookie_value(headers: &http::HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| pair.trim().strip_prefix(COOKIE).and_then(|rest| rest.strip_prefix('=')).map(str::to_string))
}

/// The referral a request carries, if it arrived within the last 30 days.
pub fn from_headers(headers: &http::HeaderMap, now: DateTime<Utc>) -> Option<String> {
    let (code, at) = parse_cookie(&cookie_value(headers)?)?;
    (now - at <= WINDOW && at <= now + Duration::minutes(5)).then_some(code)
}

/// Middleware: remembers `?ref=CODE` on page visits (the first referral wins while it lasts).
pub async fn capture(secure: bool, req: Request, next: Next) -> Response {
    let code = (req.method() == Method::GET)
        .then(|| req.uri().query())
        .flatten()
        .and_then(|q| url::form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "ref").map(|(_, v)| v.into_owned()))
        .and_then(|v| parse_code(&v));
    // Only a visit with a code looks at the cookie: most requests have none.
    let code = code.filter(|_| from_headers(req.headers(), Utc::now()).is_none());
    let mut res = next.run(req).await;
    if let Some(code) = code {
        let cookie = format!(
            "{COOKIE}={code}.{}; Path=/; Max-Age={}; HttpOnly; SameSite=Lax{}",
            Utc::now().timestamp(),
            WINDOW.num_seconds(),
            if secure { "; Secure" } else { "" }
        );
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            res.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    res
}

/// The member who owns `code` (deleted accounts refer nobody).
pub async fn referrer(pool: &PgPool, code: &str) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM users WHERE referral_code = $1 AND deleted_at IS NULL")
        .bind(code)
        .fetch_optional(pool)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(cookie: &str) -> http::HeaderMap {
        let mut h = http::HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_str(cookie).unwrap());
        h
    }

    #[test]
    fn codes_are_normalised_and_checked() {
        assert_eq!(parse_code(" abcd2345 ").as_deref(), Some("ABCD2345"));
        assert_eq!(parse_code("ABCD1234"), None, "1 is not in the alphabet");
        assert_eq!(parse_code("ABC"), None);
        assert_eq!(parse_code("'; DROP TABLE users;--"), None);
    }

    #[test]
    fn a_referral_counts_for_30_days() {
        let now = Utc::now();
        let at = |d: Duration| headers(&format!("a=b; {COOKIE}=ABCD2345.{}", (now - d).timestamp()));
        assert_eq!(from_headers(&at(Duration::days(29)), now).as_deref(), Some("ABCD2345"));
        assert_eq!(from_headers(&at(Duration::days(31)), now), None);
        assert_eq!(from_headers(&headers("threadr_ref=garbage"), now), None);
    }
}
