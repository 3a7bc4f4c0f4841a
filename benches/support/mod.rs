//! What the benchmarks share: percentiles and a session cookie from a sign-in's answer.
// Each benchmark is its own crate and uses only some of these.
#![allow(dead_code)]

use std::time::Duration;

/// The `p` (0–1) percentile of sorted durations.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// Milliseconds, for printing.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// The `threadr_session=…` pair a sign-in answer sets.
pub fn session_cookie(res: &reqwest::Response) -> String {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("threadr_session="))
        .and_then(|c| c.split(';').next())
        .expect("a session cookie")
        .to_string()
}
