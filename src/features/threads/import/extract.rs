//! The article's words: HTML through a readability extractor (the algorithm behind Firefox's
//! Reader View, ported by `dom_smoothie`), plain text tidied; paragraphs separated by one
//! blank line.

use super::error::ImportError;
use dom_smoothie::{Config, Readability, TextMode};

/// Pages with more elements are not articles; this bounds the work on a hostile page.
const MAX_ELEMENTS: usize = 100_000;

#[derive(Debug)]
pub struct Extracted {
    pub title: Option<String>,
    pub text: String,
}

pub fn from_html(html: &str, url: &str) -> Result<Extracted, ImportError> {
    let config = Config { text_mode: TextMode::Formatted, max_elements_to_parse: MAX_ELEMENTS, ..Config::default() };
    let mut readability = Readability::new(html, Some(url), Some(config)).map_err(|_| ImportError::Empty)?;
    let article = readability.parse().map_err(|_| ImportError::Empty)?;
    let text = paragraphs(&article.text_content);
    if text.is_empty() {
        return Err(ImportError::Empty);
    }
    let title = article.title.split_whitespace().collect::<Vec<_>>().join(" ");
    Ok(Extracted { title: (!title.is_empty()).then_some(title), text })
}

pub fn from_plain(text: &str) -> Result<Extracted, ImportError> {
    let text = paragraphs(text);
    if text.is_empty() {
        return Err(ImportError::Empty);
    }
    Ok(Extracted { title: None, text })
}

/// Lines trimmed, runs of spaces collapsed, paragraphs (split at blank lines) joined by
/// exactly one blank line; line breaks inside a paragraph kept.
fn paragraphs(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = false;
    for line in text.lines() {
        let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
        if line.is_empty() {
            blank = true;
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank { "\n\n" } else { "\n" });
        }
        out.push_str(&line);
        blank = false;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_tidied() {
        let got = from_plain("  First   line\r\nsecond line \r\n\r\n\r\n\tNext paragraph.\n\n").unwrap();
        assert_eq!(got.text, "First line\nsecond line\n\nNext paragraph.");
        assert!(from_plain(" \n\n\t").is_err());
    }

    #[test]
    fn html_article_keeps_the_text_and_drops_the_chrome() {
        let para = "The river rose through the night and by morning the town square was a lake, \
                    which the children found far more exciting than their parents did.";
        let html = format!(
            "<html><head><title>Flood in Town | Daily News</title></head><body>\
             <nav><a href='/'>Home</a> <a href='/sport'>Sport</a></nav>\
             <article><h1>Flood in Town</h1><p>{para}</p><p>Second: {para}</p><p>Third: {para}</p></article>\
             <footer>Copyright Daily News. All rights reserved.</footer></body></html>"
        );
        let got = from_html(&html, "https://news.example/flood").unwrap();
        assert!(got.title.as_deref().unwrap().contains("Flood in Town"));
        assert!(got.text.contains(&format!("{para}\n\nSecond: {para}\n\nThird: ")), "{}", got.text);
        assert!(!got.text.contains("Sport") && !got.text.contains("Copyright"), "{}", got.text);
    }

    #[test]
    fn an_empty_page_is_refused() {
        assert_eq!(from_html("<html><body></body></html>", "https://news.example/").unwrap_err().class(), "empty");
    }
}
