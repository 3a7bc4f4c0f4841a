//! The PDF read back: text extracted through the embedded font's ToUnicode map, pages
//! counted, media boxes measured.

use super::*;
use pdf_extract::{Document as ParsedPdf, Object};

fn party(name: &str) -> PdfParty {
    PdfParty {
        name: name.into(),
        address_lines: vec!["12 Rue de la Paix".into(), "75002 Paris, France".into()],
        email: Some(format!("{}@example.com", name.split_whitespace().next().unwrap_or("x").to_lowercase())),
    }
}

fn letter(paragraphs: Vec<String>) -> PdfLetter {
    PdfLetter {
        title: "Demand for payment".into(),
        date: "28 November 2026".into(),
        sender: party("Ada Lovelace"),
        recipient: party("Zoë Ñúñez"),
        subject: "Unpaid invoice 2026-114".into(),
        paragraphs,
        closing: "Sincerely,".into(),
        page_size: PageSize::A4,
    }
}

fn short_letter() -> PdfLetter {
    letter(vec![
        "I am writing about invoice 2026-114, which remains unpaid: the amount due is 1,250.00 € — 15 € in fees included."
            .into(),
        "Please pay the full amount within 14 days of the date of this letter.".into(),
    ])
}

/// Enough text for more than one page, with distinct words to find on the last page.
fn long_letter(paragraphs: usize) -> PdfLetter {
    let sentence = "The agreement of the parties required payment within thirty days of delivery, and delivery was made and accepted without complaint. ";
    let mut body: Vec<String> = (0..paragraphs).map(|i| format!("Paragraph {i}. {}", sentence.repeat(4))).collect();
    body.push("Final paragraph marker: quokka.".into());
    letter(body)
}

/// The extracted text with every run of whitespace made one space, so assertions do not
/// depend on where lines were broken.
fn words(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn pages_text(pdf: &[u8]) -> Vec<String> {
    pdf_extract::extract_text_from_mem_by_pages(pdf).expect("extractable text").iter().map(|t| words(t)).collect()
}

fn media_boxes(pdf: &[u8]) -> Vec<Vec<f32>> {
    let doc = ParsedPdf::load_mem(pdf).expect("parsable PDF");
    doc.get_pages()
        .values()
        .map(|&id| {
            let page = doc.get_dictionary(id).expect("page dictionary");
            let media_box = page.get(b"MediaBox").expect("MediaBox").as_array().expect("array");
            media_box
                .iter()
                .map(|n| match n {
                    Object::Integer(i) => *i as f32,
                    Object::Real(r) => *r,
                    other => panic!("not a number: {other:?}"),
                })
                .collect()
        })
        .collect()
}

#[test]
fn the_text_is_extractable_with_names_amounts_and_paragraphs() {
    let pdf = render(&short_letter()).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let pages = pages_text(&pdf);
    assert_eq!(pages.len(), 1);
    let text = &pages[0];
    for expected in [
        "Ada Lovelace",
        "Zoë Ñúñez",
        "12 Rue de la Paix",
        "zoë@example.com",
        "28 November 2026",
        "Unpaid invoice 2026-114",
        "the amount due is 1,250.00 € — 15 € in fees included.",
        "Please pay the full amount within 14 days of the date of this letter.",
        "Sincerely,",
        "Page 1 of 1",
    ] {
        assert!(text.contains(expected), "{expected:?} missing from {text:?}");
    }
}

#[test]
fn the_font_is_embedded_as_a_subset() {
    let pdf = render(&short_letter()).unwrap();
    let doc = ParsedPdf::load_mem(&pdf).unwrap();
    let mut embedded = 0;
    for object in doc.objects.values() {
        if let Ok(dict) = object.as_dict().or_else(|_| object.as_stream().map(|s| &s.dict))
            && dict.get(b"Type").and_then(Object::as_name).is_ok_and(|n| n == b"FontDescriptor")
        {
            let name = dict.get(b"FontName").and_then(Object::as_name).unwrap();
            // A subset font is named with a six-letter tag: "ABCDEF+LiberationSerif".
            assert!(String::from_utf8_lossy(name).contains("+LiberationSerif"), "{:?}", String::from_utf8_lossy(name));
            assert!(dict.has(b"FontFile2") || dict.has(b"FontFile3"), "font program embedded");
            embedded += 1;
        }
    }
    assert_eq!(embedded, 2, "regular and bold");
    // A subset of two faces is far smaller than the 760 KB of the full fonts.
    assert!(pdf.len() < 120_000, "{} bytes", pdf.len());
}

#[test]
fn a_long_letter_breaks_into_numbered_pages() {
    let pdf = render(&long_letter(9)).unwrap();
    let pages = pages_text(&pdf);
    assert_eq!(media_boxes(&pdf).len(), pages.len());
    assert!(pages.len() >= 2, "{} pages", pages.len());
    let total = pages.len();
    for (i, text) in pages.iter().enumerate() {
        assert!(text.contains(&format!("Page {} of {total}", i + 1)), "page {}: {text:?}", i + 1);
    }
    let last = pages.last().unwrap();
    assert!(last.contains("Final paragraph marker: quokka."));
    assert!(last.contains("Sincerely,") && last.contains("Ada Lovelace"), "closing and signer on the last page");
    // Every paragraph arrives whole, in order.
    let all = pages.join(" ");
    let mut from = 0;
    for i in 0..9 {
        let at = all[from..].find(&format!("Paragraph {i}.")).map(|p| p + from);
        from = at.unwrap_or_else(|| panic!("paragraph {i} missing or out of order"));
    }
}

#[test]
fn two_pages_say_page_2_of_2() {
    // Grow the letter until it takes exactly two pages.
    let pdf = (1..40).map(|n| render(&long_letter(n)).unwrap()).find(|pdf| media_boxes(pdf).len() == 2).unwrap();
    let pages = pages_text(&pdf);
    assert!(pages[0].contains("Page 1 of 2"));
    assert!(pages[1].contains("Page 2 of 2"));
}

#[test]
fn a4_and_us_letter_have_their_own_media_boxes() {
    let mut a4 = short_letter();
    a4.page_size = PageSize::A4;
    let mut us = short_letter();
    us.page_size = PageSize::UsLetter;
    let a4_box = &media_boxes(&render(&a4).unwrap())[0];
    let us_box = &media_boxes(&render(&us).unwrap())[0];
    let mm = |pt: f32| pt / MM;
    assert_eq!((a4_box[0], a4_box[1]), (0.0, 0.0));
    assert!((mm(a4_box[2]) - 210.0).abs() < 0.1 && (mm(a4_box[3]) - 297.0).abs() < 0.1, "{a4_box:?}");
    assert!((us_box[2] - 612.0).abs() < 0.01 && (us_box[3] - 792.0).abs() < 0.01, "{us_box:?}");
}

#[test]
fn html_and_markup_are_printed_literally() {
    let mut l = short_letter();
    l.recipient.name = "<b>Mallory</b>".into();
    l.subject = "<script>alert('x')</script>".into();
    l.paragraphs = vec!["Click <a href=\"javascript:alert(1)\">here</a> &amp; <img src=x onerror=alert(1)>.".into()];
    let text = pages_text(&render(&l).unwrap()).join(" ");
    assert!(text.contains("<b>Mallory</b>"), "{text}");
    assert!(text.contains("<script>alert('x')</script>"), "{text}");
    assert!(
        text.contains("Click <a href=\"javascript:alert(1)\">here</a> &amp; <img src=x onerror=alert(1)>."),
        "{text}"
    );
}

#[test]
fn the_same_letter_gives_the_same_bytes() {
    assert_eq!(render(&long_letter(3)).unwrap(), render(&long_letter(3)).unwrap());
}

#[test]
fn lines_stay_inside_the_margins() {
    let fonts = FONTS.as_ref().unwrap();
    let mut l = long_letter(4);
    l.paragraphs.push(format!("https://example.com/{}", "a".repeat(400)));
    for size in [PageSize::A4, PageSize::UsLetter] {
        let (width, height) = size.points();
        for page in paginate(&blocks(&l), fonts, width, height) {
            for op in page {
                if let Op::Text(line) = op {
                    let advance: f32 = line.glyphs.iter().map(|g| g.x_advance).sum::<f32>() * line.size;
                    assert!(line.x >= MARGIN - 0.01, "{line:?}");
                    assert!(line.x + advance <= width - MARGIN + 0.01, "{} > {}", line.x + advance, width - MARGIN);
                    assert!(line.baseline <= height - MARGIN && line.baseline >= MARGIN, "{}", line.baseline);
                }
            }
        }
    }
}

#[test]
fn justified_lines_fill_the_measure_and_last_lines_do_not() {
    let fonts = FONTS.as_ref().unwrap();
    let (width, height) = PageSize::A4.points();
    let l = long_letter(1);
    let measure = width - 2.0 * MARGIN;
    let pages = paginate(&blocks(&l), fonts, width, height);
    let lines: Vec<&Line> = pages[0]
        .iter()
        .filter_map(|op| match op {
            Op::Text(line) if line.text.starts_with("Paragraph 0") || line.text.contains("delivery") => Some(line),
            _ => None,
        })
        .collect();
    assert!(lines.len() >= 3);
    let widths: Vec<f32> = lines.iter().map(|l| l.glyphs.iter().map(|g| g.x_advance).sum::<f32>() * l.size).collect();
    for w in &widths[..widths.len() - 1] {
        assert!((w - measure).abs() < 0.05, "justified line {w} vs measure {measure}");
    }
    assert!(*widths.last().unwrap() < measure - 1.0, "the paragraph's last line stays ragged");
}

#[test]
fn control_characters_do_not_reach_the_page() {
    let mut l = short_letter();
    l.subject = "Invoice\u{0007}\t114\u{202E}x".into();
    let text = pages_text(&render(&l).unwrap()).join(" ");
    assert!(text.contains("Invoice 114 x"), "{text}");
}

#[test]
fn characters_the_font_lacks_are_named_and_do_not_break_the_letter() {
    assert_eq!(unsupported_characters("Zoë Ñúñez — 15 € « ok » Ωμέγα Привет"), Vec::<char>::new());
    assert_eq!(unsupported_characters("Ref 日本日 and 😀😀."), vec!['日', '本', '😀']);
    let mut l = short_letter();
    l.paragraphs = vec!["Reference 日本語 and 😀, then the rest of the sentence.".into()];
    let text = pages_text(&render(&l).unwrap()).join(" ");
    assert!(text.contains("then the rest of the sentence."), "{text}");
}
