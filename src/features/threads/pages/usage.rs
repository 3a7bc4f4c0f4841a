//! The panel on the thread page that always says what is left this hour, today and this month.

use chrono::{DateTime, Utc};
use leptos::prelude::*;

use crate::error::AppError;
use crate::features::quotas::{LimitLeft, UsageSummary, get_usage};
use crate::ui::Skeleton;

/// The panel's data: refetched after each generation, or replaced by the summary that came
/// with `Done`.
#[derive(Clone, Copy)]
pub struct Usage {
    version: RwSignal<u32>,
    fresh: RwSignal<Option<UsageSummary>>,
    resource: Resource<Result<UsageSummary, AppError>>,
}

impl Usage {
    pub fn new() -> Self {
        let version = RwSignal::new(0);
        let resource = Resource::new(move || version.get(), |_| get_usage());
        Self { version, fresh: RwSignal::new(None), resource }
    }

    /// Asks the server again (a generation failed, or was refused).
    pub fn refresh(&self) {
        self.fresh.set(None);
        self.version.update(|v| *v += 1);
    }

    /// The summary a finished generation reported.
    pub fn set(&self, summary: UsageSummary) {
        self.fresh.set(Some(summary));
    }
}

/// "resets 15:00 UTC" for hours and days, "resets 1 June" for months.
fn resets(at: DateTime<Utc>, monthly: bool) -> String {
    at.format(if monthly { "resets %-d %B" } else { "resets %H:%M UTC" }).to_string()
}

/// The panel's lines, in words.
pub fn lines(summary: &UsageSummary) -> Vec<String> {
    let line = |l: &LimitLeft, what: &str, monthly| {
        format!("{} of {} {what} · {}", l.left(), l.limit, resets(l.resets_at, monthly))
    };
    let mut out = Vec::new();
    if let Some(day) = &summary.day {
        out.push(line(day, "generations left today", false));
    }
    if let Some(month) = &summary.month {
        out.push(line(month, "generations left this month", true));
    }
    if summary.day.is_none() && summary.plan.is_paid() {
        out.push(format!("Unlimited generations on the {} plan", summary.plan.label()));
    }
    out.push(line(&summary.hour, "AI requests left this hour", false));
    out
}

#[component]
pub fn UsagePanel(usage: Usage) -> impl IntoView {
    let render = move |summary: UsageSummary| {
        let visitor = !summary.plan.is_paid() && summary.day.is_none();
        view! {
            <ul class="space-y-2">
                {lines(&summary).into_iter().map(|l| view! { <li>{l}</li> }).collect_view()}
            </ul>
            {visitor.then(|| view! {
                <p class="mt-3 text-sm text-slate-700 dark:text-slate-300">
                    "A free account adds 5 generations a day and saves your threads."
                </p>
            })}
        }
        .into_any()
    };
    view! {
        <section aria-labelledby="usage-title" class="self-start rounded-lg border border-slate-300 p-4 dark:border-slate-700">
            <h2 id="usage-title" class="text-lg font-semibold">"What you have left"</h2>
            <div class="mt-2">
                <Transition fallback=|| view! { <Skeleton lines=2 label="Loading what you have left…"/> }>
                    {move || {
                        if let Some(summary) = usage.fresh.get() {
                            return render(summary);
                        }
                        match usage.resource.get() {
                            Some(Ok(summary)) => render(summary),
                            Some(Err(e)) => view! { <p>{format!("Could not load your limits: {e}")}</p> }.into_any(),
                            None => view! { <Skeleton lines=2 label="Loading what you have left…"/> }.into_any(),
                        }
                    }}
                </Transition>
            </div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::quotas::Plan;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn limit(used: u32, limit: u32, resets: &str) -> LimitLeft {
        LimitLeft { used, limit, resets_at: at(resets) }
    }

    #[test]
    fn free_members_see_day_month_and_hour() {
        let s = UsageSummary {
            plan: Plan::Free,
            hour: limit(1, 10, "2026-05-03T15:00:00Z"),
            day: Some(limit(2, 5, "2026-05-04T00:00:00Z")),
            month: Some(limit(2, 20, "2026-06-01T00:00:00Z")),
        };
        assert_eq!(
            lines(&s),
            [
                "3 of 5 generations left today · resets 00:00 UTC",
                "18 of 20 generations left this month · resets 1 June",
                "9 of 10 AI requests left this hour · resets 15:00 UTC",
            ]
        );
    }

    #[test]
    fn visitors_and_paid_plans() {
        let visitor =
            UsageSummary { plan: Plan::Anonymous, hour: limit(5, 5, "2026-05-03T15:00:00Z"), day: None, month: None };
        assert_eq!(lines(&visitor), ["0 of 5 AI requests left this hour · resets 15:00 UTC"]);
        let pro = UsageSummary { plan: Plan::Pro, ..visitor };
        assert_eq!(lines(&pro)[0], "Unlimited generations on the Pro plan");
    }
}
