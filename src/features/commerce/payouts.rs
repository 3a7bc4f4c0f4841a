//! `/sell/payouts`: what a seller sold, what the platform kept, what was refunded and what
//! reached their Stripe account, per order and per day (the last 90 days), and as CSV.

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::model::{OrderStatus, PayoutDay, PayoutFigures, PayoutOrder, Payouts};
use crate::error::AppError;
use crate::server::state::AppState;

pub const DAYS: i64 = 90;

#[derive(sqlx::FromRow)]
struct Row {
    number: String,
    paid_at: DateTime<Utc>,
    status: String,
    subtotal_cents: i64,
    fee_cents: i64,
    refunded_cents: i64,
    fee_refunded_cents: i64,
    reversed_cents: i64,
    transferred: bool,
}

fn figures(r: &Row) -> PayoutFigures {
    let share = r.subtotal_cents - r.fee_cents;
    PayoutFigures {
        gross_cents: r.subtotal_cents,
        fees_cents: r.fee_cents - r.fee_refunded_cents,
        refunds_cents: r.refunded_cents,
        net_cents: if r.transferred { share - r.reversed_cents } else { 0 },
    }
}

fn add(a: &mut PayoutFigures, b: &PayoutFigures) {
    a.gross_cents += b.gross_cents;
    a.fees_cents += b.fees_cents;
    a.refunds_cents += b.refunds_cents;
    a.net_cents += b.net_cents;
}

/// The seller's figures in `currency` (their most used one when empty).
pub async fn payouts(state: &AppState, seller: Uuid, currency: &str) -> Result<Payouts, AppError> {
    let since = state.clock.now() - Duration::days(DAYS);
    let currencies: Vec<String> = sqlx::query_scalar(
        "SELECT currency FROM orders WHERE seller_id = $1 AND paid_at >= $2 GROUP BY currency ORDER BY count(*) DESC, currency",
    )
    .bind(seller)
    .bind(since)
    .fetch_all(&state.db)
    .await?;
    let currency = if currency.is_empty() {
        currencies.first().cloned().unwrap_or_else(|| "USD".into())
    } else {
        currency.to_ascii_uppercase()
    };
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT number, paid_at, status::text AS status, subtotal_cents, fee_cents, refunded_cents, fee_refunded_cents,
                reversed_cents, transfer_id IS NOT NULL AS transferred
           FROM orders WHERE seller_id = $1 AND currency = $2 AND paid_at >= $3
          ORDER BY paid_at DESC",
    )
    .bind(seller)
    .bind(&currency)
    .bind(since)
    .fetch_all(&state.db)
    .await?;
    let mut days: Vec<PayoutDay> = Vec::new();
    let mut totals = PayoutFigures::default();
    let mut orders = Vec::with_capacity(rows.len());
    for r in &rows {
        let f = figures(r);
        add(&mut totals, &f);
        let day = r.paid_at.date_naive();
        match days.iter_mut().find(|d| d.day == day) {
            Some(d) => add(&mut d.figures, &f),
            None => days.push(PayoutDay { day, figures: f.clone() }),
        }
        orders.push(PayoutOrder {
            number: r.number.clone(),
            paid_at: r.paid_at,
            status: OrderStatus::parse(&r.status).unwrap_or(OrderStatus::Paid),
            figures: f,
            transferred: r.transferred,
        });
    }
    days.sort_by_key(|d| d.day);
    Ok(Payouts {
        today: state.clock.now().date_naive(),
        other_currencies: currencies.into_iter().filter(|c| *c != currency).collect(),
        currency,
        days,
        orders,
        totals,
    })
}

/// The per-order figures as CSV (amounts in major units with two decimals).
pub fn csv(p: &Payouts) -> String {
    let money =
        |cents: i64| format!("{}{}.{:02}", if cents < 0 { "-" } else { "" }, cents.abs() / 100, cents.abs() % 100);
    let mut out = String::from("order,paid_at,status,currency,gross,platform_fee,refunded,net_transferred\n");
    for o in &p.orders {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{}\n",
            o.number,
            o.paid_at.to_rfc3339(),
            o.status.as_str(),
            p.currency,
            money(o.figures.gross_cents),
            money(o.figures.fees_cents),
            money(o.figures.refunds_cents),
            money(o.figures.net_cents)
        ));
    }
    out
}
