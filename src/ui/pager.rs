//! "Previous · Page 2 of 7 · Next" under a long list; the ends are shown but not links.

use leptos::prelude::*;
use leptos_router::components::A;

use super::form::BUTTON_SECONDARY;

/// How many pages `total` items fill (at least one, so an empty list is "page 1 of 1").
pub fn page_count(total: i64, per_page: u32) -> u32 {
    u32::try_from(total.max(0)).unwrap_or(u32::MAX).div_ceil(per_page.max(1)).max(1)
}

/// A page number from a query string: missing or nonsense is the first page.
pub fn page_param(raw: Option<String>) -> u32 {
    raw.and_then(|p| p.parse::<u32>().ok()).filter(|p| *p >= 1).unwrap_or(1)
}

/// The pager; `href(n)` is page n's address.
pub fn pager(page: u32, pages: u32, href: impl Fn(u32) -> String) -> impl IntoView {
    let link = |label: &'static str, aria: &'static str, to: Option<String>| match to {
        Some(href) => view! { <A href=href attr:class=BUTTON_SECONDARY attr:aria-label=aria>{label}</A> }.into_any(),
        None => view! { <span aria-disabled="true" class=format!("{BUTTON_SECONDARY} opacity-50")>{label}</span> }
            .into_any(),
    };
    (pages > 1).then(|| {
        view! {
            <nav aria-label="Pages" class="mt-6 flex flex-wrap items-center gap-3">
                {link("Previous", "Previous page", (page > 1).then(|| href(page - 1)))}
                <span>{format!("Page {page} of {pages}")}</span>
                {link("Next", "Next page", (page < pages).then(|| href(page + 1)))}
            </nav>
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_round_up_and_never_reach_zero() {
        assert_eq!(page_count(0, 50), 1);
        assert_eq!(page_count(50, 50), 1);
        assert_eq!(page_count(51, 50), 2);
        assert_eq!(page_count(1_000, 50), 20);
        assert_eq!(page_count(-3, 50), 1);
        assert_eq!(page_param(Some("3".into())), 3);
        assert_eq!(page_param(Some("0".into())), 1);
        assert_eq!(page_param(Some("x".into())), 1);
        assert_eq!(page_param(None), 1);
    }
}
