//! What the analytics page shows: a day range, headline figures and charts, each chart a set
//! of named series with one value per day.

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::ui::chart::{Chart, ChartKind, Series, Unit};

/// The longest range one request may ask for (a year and a leap day).
pub const MAX_DAYS: i64 = 366;
/// The range the page opens with.
pub const DEFAULT_DAYS: i64 = 30;

/// A range of whole UTC days, `from` and `to` included, never in the future.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayRange {
    from: NaiveDate,
    to: NaiveDate,
}

impl DayRange {
    /// Reads the picker: two dates (`YYYY-MM-DD`; an empty end is today) or, without a start,
    /// a number of days ending at the end (30 when empty).
    pub fn parse(from: &str, to: &str, days: &str, today: NaiveDate) -> Result<Self, String> {
        let date = |label: &str, s: &str| {
            NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
                .map_err(|_| format!("The {label} date must look like 2026-11-29."))
        };
        let to = if to.trim().is_empty() { today } else { date("end", to)? };
        let from = if !from.trim().is_empty() {
            date("start", from)?
        } else if days.trim().is_empty() {
            to - Duration::days(DEFAULT_DAYS - 1)
        } else {
            let n: i64 = days
                .trim()
                .parse()
                .ok()
                .filter(|n| (1..=MAX_DAYS).contains(n))
                .ok_or(format!("Choose between 1 and {MAX_DAYS} days."))?;
            to - Duration::days(n - 1)
        };
        if to > today {
            return Err("The end date cannot be after today (UTC).".into());
        }
        if from > to {
            return Err("The start date must be on or before the end date.".into());
        }
        if (to - from).num_days() + 1 > MAX_DAYS {
            return Err(format!("Choose at most {MAX_DAYS} days."));
        }
        Ok(Self { from, to })
    }

    pub fn from(&self) -> NaiveDate {
        self.from
    }

    pub fn to(&self) -> NaiveDate {
        self.to
    }

    pub fn days(&self) -> Vec<NaiveDate> {
        self.from.iter_days().take_while(|d| *d <= self.to).collect()
    }

    pub fn query(&self) -> String {
        format!("from={}&to={}", self.from, self.to)
    }
}

/// One headline figure over the whole range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Headline {
    pub label: String,
    pub value: String,
    /// How the figure is computed, in a sentence.
    pub note: String,
}

/// AI requests of one provider and kind over the range.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AiLine {
    pub provider: String,
    pub kind: String,
    pub requests: i64,
    pub failed: i64,
    pub cost_microusd: i64,
    pub tokens: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Analytics {
    pub range: DayRange,
    pub headlines: Vec<Headline>,
    pub charts: Vec<Chart>,
    pub ai_breakdown: Vec<AiLine>,
}

impl Analytics {
    pub fn chart(&self, id: &str) -> Option<&Chart> {
        self.charts.iter().find(|c| c.id == id)
    }
}

/// A chart over `days` from rows of (day, series name, value); days without a row are 0 for
/// counts and money, and missing for rates.
pub fn chart(
    id: impl Into<String>,
    title: impl Into<String>,
    kind: ChartKind,
    unit: Unit,
    days: &[NaiveDate],
    rows: impl IntoIterator<Item = (NaiveDate, String, Option<i64>)>,
) -> Chart {
    let mut series: Vec<Series> = Vec::new();
    let gap = if matches!(unit, Unit::Basis) { None } else { Some(0) };
    for (day, name, value) in rows {
        let Some(i) = days.iter().position(|d| *d == day) else { continue };
        let at = match series.iter().position(|s| s.name == name) {
            Some(at) => at,
            None => {
                series.push(Series { name, values: vec![gap; days.len()] });
                series.len() - 1
            }
        };
        if let (Some(slot), Some(v)) = (series[at].values.get_mut(i), value) {
            *slot = Some(slot.unwrap_or(0) + v);
        }
    }
    series.sort_by(|a, b| a.name.cmp(&b.name));
    Chart { id: id.into(), title: title.into(), kind, unit, days: days.to_vec(), series }
}

/// `part / whole` in basis points (95.12% = 9512), rounded half up; `None` when `whole` is 0.
pub fn basis(part: i64, whole: i64) -> Option<i64> {
    (whole > 0).then(|| (part * 10_000 * 2 + whole) / (whole * 2))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn ranges_are_whole_past_days_of_at_most_a_year() {
        let today = d("2026-11-29");
        let r = DayRange::parse("", "", "", today).unwrap();
        assert_eq!((r.from(), r.to()), (d("2026-10-31"), today));
        assert_eq!(r.days().len(), 30);
        assert_eq!(DayRange::parse("2026-01-01", "2026-01-01", "", today).unwrap().days(), vec![d("2026-01-01")]);
        assert_eq!(DayRange::parse("", "", "7", today).unwrap().from(), d("2026-11-23"));
        assert_eq!(DayRange::parse("", "2026-11-10", "365", today).unwrap().from(), d("2025-11-11"));
        assert!(DayRange::parse("", "", "0", today).unwrap_err().contains("between 1 and 366"));
        assert!(DayRange::parse("", "", "many", today).unwrap_err().contains("between 1 and 366"));
        assert!(DayRange::parse("2026-11-30", "", "", today).unwrap_err().contains("on or before"));
        assert!(DayRange::parse("", "2026-11-30", "", today).unwrap_err().contains("after today"));
        assert!(DayRange::parse("29/11/2026", "", "", today).unwrap_err().contains("2026-11-29"));
        assert!(DayRange::parse("2025-11-28", "", "", today).unwrap_err().contains("366"));
        assert!(DayRange::parse("2025-11-29", "", "", today).is_ok());
    }

    #[test]
    fn basis_points_round_half_up_and_have_no_value_without_a_whole() {
        assert_eq!(basis(1, 3), Some(3333));
        assert_eq!(basis(2, 3), Some(6667));
        assert_eq!(basis(19, 20), Some(9500));
        assert_eq!(basis(0, 0), None);
    }

    #[test]
    fn rows_become_aligned_series_with_gaps_for_rates_only() {
        let days = [d("2026-11-01"), d("2026-11-02")];
        let c = chart(
            "x",
            "X",
            ChartKind::Lines,
            Unit::Count,
            &days,
            [
                (d("2026-11-02"), "b".to_string(), Some(3)),
                (d("2026-11-01"), "a".to_string(), Some(1)),
                (d("2026-11-02"), "a".to_string(), Some(2)),
            ],
        );
        assert_eq!(
            c.series.iter().map(|s| (s.name.as_str(), s.values.clone())).collect::<Vec<_>>(),
            vec![("a", vec![Some(1), Some(2)]), ("b", vec![Some(0), Some(3)]),]
        );
        let r =
            chart("r", "R", ChartKind::Lines, Unit::Basis, &days, [(d("2026-11-02"), "rate".to_string(), Some(9500))]);
        assert_eq!(r.series[0].values, vec![None, Some(9500)]);
    }
}
