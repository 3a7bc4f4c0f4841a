//! Turns the day rows into the page's headline figures and charts.

use std::collections::BTreeMap;

use super::db::Rows;
use super::model::{Analytics, DayRange, Headline, basis, chart};
use crate::ui::chart::{ChartKind, Unit};

/// Plans are priced in US dollars (see the billing migration).
const PLAN_CURRENCY: &str = "usd";

pub fn build(range: DayRange, rows: Rows) -> Analytics {
    let days = range.days();
    let last = range.to();
    let count = |v: i64| Unit::Count.format(v);
    let rate = |v: Option<i64>| v.map(|v| Unit::Basis.format(v)).unwrap_or_else(|| "—".into());
    let mut headlines = Vec::new();
    let mut charts = Vec::new();
    let mut line = |label: &str, value: String, note: &str| {
        headlines.push(Headline { label: label.into(), value, note: note.into() })
    };

    // Subscriptions.
    let subs = &rows.subscriptions;
    let mrr_now: i64 = subs.iter().filter(|r| r.0 == last).map(|r| r.3).sum();
    let active_now: i64 = subs.iter().filter(|r| r.0 == last).map(|r| i64::from(r.2)).sum();
    let first = range.from();
    let active_start: i64 =
        subs.iter().filter(|r| r.0 == first).map(|r| i64::from(r.2) - i64::from(r.4) + i64::from(r.5)).sum();
    let ended: i64 = subs.iter().map(|r| i64::from(r.5)).sum();
    line(
        "MRR",
        Unit::Money(PLAN_CURRENCY.into()).format(mrr_now),
        "Monthly plan prices of the subscriptions active at the end of the range.",
    );
    line("Active subscriptions", count(active_now), "At the end of the range, all plans.");
    line(
        "Churn",
        rate(basis(ended, active_start)),
        "Subscriptions that ended in the range ÷ subscriptions active when it began.",
    );
    charts.push(chart(
        "mrr",
        "MRR by plan",
        ChartKind::Lines,
        Unit::Money(PLAN_CURRENCY.into()),
        &days,
        subs.iter().map(|r| (r.0, r.1.clone(), Some(r.3))),
    ));
    charts.push(chart(
        "subscriptions",
        "Active subscriptions by plan",
        ChartKind::Lines,
        Unit::Count,
        &days,
        subs.iter().map(|r| (r.0, r.1.clone(), Some(i64::from(r.2)))),
    ));
    charts.push(chart(
        "churn",
        "Subscriptions started and ended",
        ChartKind::Lines,
        Unit::Count,
        &days,
        subs.iter().flat_map(|r| {
            [(r.0, "Started".to_string(), Some(i64::from(r.4))), (r.0, "Ended".to_string(), Some(i64::from(r.5)))]
        }),
    ));

    // Members.
    let sign_ups: i64 = rows.members.iter().map(|r| i64::from(r.1)).sum();
    let paying: i64 = rows.members.iter().map(|r| i64::from(r.2)).sum();
    line("Sign-ups", count(sign_ups), "New accounts in the range.");
    line(
        "Conversion to paid",
        rate(basis(paying, sign_ups)),
        "Members whose first payment fell in the range ÷ sign-ups in the range.",
    );
    charts.push(chart(
        "members",
        "Sign-ups and new paying members",
        ChartKind::Lines,
        Unit::Count,
        &days,
        rows.members.iter().flat_map(|r| {
            [
                (r.0, "Sign-ups".to_string(), Some(i64::from(r.1))),
                (r.0, "New paying members".to_string(), Some(i64::from(r.2))),
            ]
        }),
    ));

    // Marketplace orders, per currency.
    let orders: i64 = rows.orders.iter().map(|r| i64::from(r.2)).sum();
    line("Orders", count(orders), "Marketplace orders paid in the range, every currency.");
    charts.push(chart(
        "orders",
        "Orders paid",
        ChartKind::Bars,
        Unit::Count,
        &days,
        rows.orders.iter().map(|r| (r.0, "Orders".to_string(), Some(i64::from(r.2)))),
    ));
    let mut currencies: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
    for r in &rows.orders {
        let c = currencies.entry(r.1.as_str()).or_default();
        c.0 += r.3;
        c.1 += r.4;
    }
    if currencies.is_empty() {
        currencies.insert("usd", (0, 0));
    }
    for (currency, (gmv, fees)) in &currencies {
        let unit = Unit::Money((*currency).to_string());
        let code = currency.to_ascii_uppercase();
        line(&format!("GMV ({code})"), unit.format(*gmv), "What buyers paid for orders in the range, before refunds.");
        line(
            &format!("Platform fees ({code})"),
            unit.format(*fees),
            "The platform's share of those orders, before refunds.",
        );
        charts.push(chart(
            format!("gmv-{currency}"),
            format!("GMV and platform fees ({code})"),
            ChartKind::Lines,
            unit,
            &days,
            rows.orders
                .iter()
                .filter(|r| r.1 == *currency)
                .flat_map(|r| [(r.0, "GMV".to_string(), Some(r.3)), (r.0, "Platform fees".to_string(), Some(r.4))]),
        ));
    }

    // AI requests.
    let (requests, failed, cost): (i64, i64, i64) =
        rows.ai.iter().fold((0, 0, 0), |(n, f, c), r| (n + i64::from(r.3), f + i64::from(r.4), c + r.5));
    line("AI requests", count(requests), "Every request to an AI provider, all kinds.");
    line("AI cost", Unit::MicroUsd.format(cost), "What the providers charge for those requests, by their price lists.");
    line("AI failure rate", rate(basis(failed, requests)), "Failed requests ÷ all requests.");
    let by = |key: fn(&super::db::AiRow) -> String, value: fn(&super::db::AiRow) -> i64| {
        rows.ai.iter().map(move |r| (r.0, key(r), Some(value(r))))
    };
    charts.push(chart(
        "ai-providers",
        "AI requests by provider",
        ChartKind::Lines,
        Unit::Count,
        &days,
        by(|r| r.1.clone(), |r| i64::from(r.3)),
    ));
    charts.push(chart(
        "ai-kinds",
        "AI requests by kind",
        ChartKind::Lines,
        Unit::Count,
        &days,
        by(|r| r.2.clone(), |r| i64::from(r.3)),
    ));
    charts.push(chart(
        "ai-cost",
        "AI cost by provider",
        ChartKind::Lines,
        Unit::MicroUsd,
        &days,
        by(|r| r.1.clone(), |r| r.5),
    ));
    let mut per_provider_day: BTreeMap<(chrono::NaiveDate, String), (i64, i64)> = BTreeMap::new();
    for r in &rows.ai {
        let e = per_provider_day.entry((r.0, r.1.clone())).or_default();
        e.0 += i64::from(r.4);
        e.1 += i64::from(r.3);
    }
    charts.push(chart(
        "ai-failures",
        "AI failure rate by provider",
        ChartKind::Lines,
        Unit::Basis,
        &days,
        per_provider_day.into_iter().map(|((day, provider), (f, n))| (day, provider, basis(f, n))),
    ));

    // Email.
    let (sent, dead): (i64, i64) = rows.email.iter().fold((0, 0), |(s, d), r| (s + i64::from(r.1), d + i64::from(r.2)));
    line(
        "Email delivery rate",
        rate(basis(sent, sent + dead)),
        "Emails sent ÷ emails sent or given up on after every retry.",
    );
    charts.push(chart(
        "email",
        "Email delivery rate",
        ChartKind::Lines,
        Unit::Basis,
        &days,
        rows.email
            .iter()
            .map(|r| (r.0, "Delivered".to_string(), basis(i64::from(r.1), i64::from(r.1) + i64::from(r.2)))),
    ));

    Analytics { range, headlines, charts, ai_breakdown: ai_breakdown(&rows) }
}

/// The range's AI requests per provider and kind.
fn ai_breakdown(rows: &Rows) -> Vec<super::model::AiLine> {
    let mut lines: BTreeMap<(String, String), super::model::AiLine> = BTreeMap::new();
    for r in &rows.ai {
        let line = lines.entry((r.1.clone(), r.2.clone())).or_insert_with(|| super::model::AiLine {
            provider: r.1.clone(),
            kind: r.2.clone(),
            ..Default::default()
        });
        line.requests += i64::from(r.3);
        line.failed += i64::from(r.4);
        line.cost_microusd += r.5;
        line.tokens += r.6;
    }
    lines.into_values().collect()
}
