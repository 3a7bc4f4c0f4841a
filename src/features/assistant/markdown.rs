//! The assistant's replies as safe Markdown. A reply is the model's text, and the model can be
//! talked into writing anything, so it is treated like any untrusted input: raw HTML is shown
//! as text, never interpreted; links keep only http(s), mailto and this site's own paths (and
//! get `rel="nofollow noopener"`); images become their alt text (no remote loads from a reply).
//! The same function renders on the server and, while a reply streams, in the browser.

use pulldown_cmark::{Event, LinkType, Options, Parser, Tag, TagEnd, html};

/// The HTML of a reply. Safe to insert as `inner_html`.
pub fn render(markdown: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    // Whether each open link was kept, so its end tag matches.
    let mut links: Vec<bool> = Vec::new();
    let events = Parser::new_ext(markdown, options).filter_map(|event| match event {
        // Raw HTML from the reply is shown as the characters it is.
        Event::Html(raw) | Event::InlineHtml(raw) => Some(Event::Text(raw)),
        Event::Start(Tag::Link { link_type, dest_url, .. }) => {
            let href = match link_type {
                LinkType::Email => Some(format!("mailto:{dest_url}")),
                _ => allowed(&dest_url).then(|| dest_url.to_string()),
            };
            links.push(href.is_some());
            href.map(|h| Event::Html(format!(r#"<a href="{}" rel="nofollow noopener">"#, escape_attr(&h)).into()))
        }
        Event::End(TagEnd::Link) => links.pop().unwrap_or(false).then(|| Event::Html("</a>".into())),
        // The alt text (the events inside) stays; the image itself is not loaded.
        Event::Start(Tag::Image { .. }) | Event::End(TagEnd::Image) => None,
        other => Some(other),
    });
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, events);
    out
}

/// http(s) and mailto links, and paths on this site (`/threads/new`; not `//host`).
fn allowed(url: &str) -> bool {
    let url = url.trim();
    let lower = url.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("mailto:") {
        return true;
    }
    url.starts_with('/') && !url.starts_with("//") && !url.starts_with("/\\")
}

fn escape_attr(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// Plain text of a reply for the thread editor and letters: the Markdown as written, which
/// reads fine as text (those pages escape whatever they show).
pub fn plain(markdown: &str) -> String {
    markdown.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn markdown_becomes_html() {
        let html = render("# Plan\n\n**Bold** and *soft*, `code`.\n\n- one\n- two\n\n| a | b |\n|---|---|\n| 1 | 2 |");
        assert!(html.contains("<h1>Plan</h1>"), "{html}");
        assert!(html.contains("<strong>Bold</strong>"));
        assert!(html.contains("<code>code</code>"));
        assert!(html.contains("<li>one</li>"));
        assert!(html.contains("<table>"));
    }

    #[test]
    fn raw_html_is_shown_as_text() {
        for evil in [
            "<script>alert(1)</script>",
            "Hi <img src=x onerror=alert(1)> there",
            "<div onclick=\"alert(1)\">block</div>",
            "<iframe src=\"https://evil.example\"></iframe>",
            "<svg onload=alert(1)>",
        ] {
            let html = render(evil);
            assert!(!html.contains("<script"), "{html}");
            assert!(!html.contains("<img"), "{html}");
            assert!(!html.contains("<div"), "{html}");
            assert!(!html.contains("<iframe"), "{html}");
            assert!(!html.contains("<svg"), "{html}");
            assert!(html.contains("&lt;"), "the HTML is visible as text: {html}");
        }
    }

    #[test]
    fn only_safe_links_are_kept() {
        let html =
            render("[site](https://example.com/a?b=1&c=\"2\") [mail](mailto:a@example.com) [tool](/threads/new)");
        assert!(
            html.contains(
                r#"<a href="https://example.com/a?b=1&amp;c=&quot;2&quot;" rel="nofollow noopener">site</a>"#
            ),
            "{html}"
        );
        assert!(html.contains(r#"<a href="mailto:a@example.com" rel="nofollow noopener">mail</a>"#));
        assert!(html.contains(r#"<a href="/threads/new" rel="nofollow noopener">tool</a>"#));
        for bad in [
            "[x](javascript:alert(1))",
            "[x](JaVaScRiPt:alert(1))",
            "[x](data:text/html,hi)",
            "[x](//evil.example)",
            "[x](vbscript:y)",
        ] {
            let html = render(bad);
            assert!(!html.contains("<a"), "{bad} → {html}");
            assert!(html.contains('x'), "the text stays: {html}");
        }
        let auto = render("<https://example.com> and <me@example.com>");
        assert!(auto.contains(r#"href="https://example.com""#), "{auto}");
        assert!(auto.contains(r#"href="mailto:me@example.com""#), "{auto}");
    }

    #[test]
    fn images_become_their_alt_text() {
        let html = render("![a cat](https://evil.example/track.png) ![x](javascript:alert(1))");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("a cat"));
    }
}
