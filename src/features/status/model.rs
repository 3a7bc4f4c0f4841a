use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum DatabaseHealth {
    Reachable { latency_ms: f64 },
    Unreachable,
}

/// Cheap status for every visitor; answers even when the database is down.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LiveStatus {
    pub version: String,
    pub database: DatabaseHealth,
    pub checked_at: DateTime<Utc>,
}

/// Facts that need the database; the page that shows them fails with 503 without it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SystemStatus {
    pub version: String,
    pub uptime_secs: u64,
    pub postgres_version: String,
    pub migrations_applied: i64,
    pub latest_migration: Option<String>,
    pub pool_size: u32,
    pub pool_idle: u32,
}

/// "3 d 4 h", "5 min", "12 s": uptime for people.
pub fn human_duration(secs: u64) -> String {
    let (d, h, m) = (secs / 86_400, secs % 86_400 / 3_600, secs % 3_600 / 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{secs} s"),
        (0, 0, m) => format!("{m} min"),
        (0, h, m) => format!("{h} h {m} min"),
        (d, h, _) => format!("{d} d {h} h"),
    }
}

#[cfg(test)]
mod tests {
    use super::human_duration;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(human_duration(0), "0 s");
        assert_eq!(human_duration(59), "59 s");
        assert_eq!(human_duration(60), "1 min");
        assert_eq!(human_duration(3_725), "1 h 2 min");
        assert_eq!(human_duration(90_061), "1 d 1 h");
    }
}
