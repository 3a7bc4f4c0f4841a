//! `Stripe-Signature`: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "{t}.{body}">` (several `v1`
//! while Stripe rolls a secret). Checked before anything in the body is read, against every
//! configured secret, in constant time, within 300 s of now either way.

use hmac::{Hmac, Mac};
use sha2::Sha256;

pub const TOLERANCE_SECS: i64 = 300;

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("no Stripe-Signature header")]
    Missing,
    #[error("the Stripe-Signature header has no timestamp or no v1 signature")]
    Malformed,
    #[error("the signature is older or newer than {TOLERANCE_SECS} s")]
    OutsideTolerance,
    #[error("no v1 signature matches a configured secret")]
    NoMatch,
    #[error("no webhook secret is configured")]
    NotConfigured,
}

/// Ok when one `v1` of `header` is the HMAC of `t.payload` under one of `secrets`.
pub fn verify(header: Option<&str>, payload: &[u8], secrets: &[String], now: i64) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?;
    if secrets.is_empty() {
        return Err(SignatureError::NotConfigured);
    }
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", hex)) => signatures.extend(decode_hex(hex)),
            _ => {}
        }
    }
    let (Some(t), false) = (timestamp, signatures.is_empty()) else { return Err(SignatureError::Malformed) };
    if (now - t).abs() > TOLERANCE_SECS {
        return Err(SignatureError::OutsideTolerance);
    }
    let signed = [t.to_string().as_bytes(), b".", payload].concat();
    for secret in secrets {
        for signature in &signatures {
            let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else { continue };
            mac.update(&signed);
            // verify_slice compares in constant time.
            if mac.verify_slice(signature).is_ok() {
                return Ok(());
            }
        }
    }
    Err(SignatureError::NoMatch)
}

/// The header Stripe would send for `payload` at `t` (tests and the benchmark sign with it).
pub fn sign(payload: &[u8], secret: &str, t: i64) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
    mac.update(&[t.to_string().as_bytes(), b".", payload].concat());
    let hex: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    format!("t={t},v1={hex}")
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] = br#"{"id":"evt_1","type":"invoice.payment_succeeded"}"#;
    const NOW: i64 = 1_800_000_000;

    fn secrets(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_valid_signature_verifies() {
        let header = sign(BODY, "whsec_a", NOW);
        assert_eq!(verify(Some(&header), BODY, &secrets(&["whsec_a"]), NOW), Ok(()));
        // Stripe's documented example layout: hex is lower case, 64 characters.
        assert_eq!(header.split("v1=").nth(1).map(str::len), Some(64));
    }

    #[test]
    fn refusals_say_why() {
        let s = secrets(&["whsec_a"]);
        assert_eq!(verify(None, BODY, &s, NOW), Err(SignatureError::Missing));
        assert_eq!(verify(Some("v1=abcd"), BODY, &s, NOW), Err(SignatureError::Malformed));
        assert_eq!(verify(Some(&format!("t={NOW}")), BODY, &s, NOW), Err(SignatureError::Malformed));
        let wrong_secret = sign(BODY, "whsec_other", NOW);
        assert_eq!(verify(Some(&wrong_secret), BODY, &s, NOW), Err(SignatureError::NoMatch));
        let old = sign(BODY, "whsec_a", NOW - 301);
        assert_eq!(verify(Some(&old), BODY, &s, NOW), Err(SignatureError::OutsideTolerance));
        let at_the_limit = sign(BODY, "whsec_a", NOW - 300);
        assert_eq!(verify(Some(&at_the_limit), BODY, &s, NOW), Ok(()));
        let tampered = br#"{"id":"evt_1","type":"invoice.payment_failed"}"#;
        assert_eq!(verify(Some(&sign(BODY, "whsec_a", NOW)), tampered, &s, NOW), Err(SignatureError::NoMatch));
        assert_eq!(verify(Some(&sign(BODY, "whsec_a", NOW)), BODY, &[], NOW), Err(SignatureError::NotConfigured));
    }

    #[test]
    fn one_matching_v1_among_several_and_either_secret_during_rotation() {
        let good = sign(BODY, "whsec_new", NOW);
        let good_hex = good.split("v1=").nth(1).unwrap_or_default();
        let header = format!("t={NOW},v1={},v1={good_hex},v0=ignored", "0".repeat(64));
        assert_eq!(verify(Some(&header), BODY, &secrets(&["whsec_old", "whsec_new"]), NOW), Ok(()));
        let by_old = sign(BODY, "whsec_old", NOW);
        assert_eq!(verify(Some(&by_old), BODY, &secrets(&["whsec_old", "whsec_new"]), NOW), Ok(()));
        assert_eq!(verify(Some(&by_old), BODY, &secrets(&["whsec_new"]), NOW), Err(SignatureError::NoMatch));
    }
}
