//! Letters PDF benchmark (not a test; `scripts/bench` runs it in release mode and prints
//! figures): time to render a two-page letter with krilla, and its size. No database needed.

use std::time::Instant;
use threadr::features::letters::pdf::{PageSize, PdfLetter, PdfParty, render};

/// A demand letter that fills two A4 pages.
fn two_page_letter(paragraphs: usize) -> PdfLetter {
    let facts = "On 3 March 2026 you agreed to pay 1,250.00 € — the price of the work delivered — within thirty days of the invoice, and the work was delivered and accepted without complaint. ";
    let mut body: Vec<String> = (0..paragraphs).map(|i| format!("{}. {}", i + 1, facts.repeat(3))).collect();
    body.push("If payment is not received by 12 December 2026, I will pursue the remedies available to me without further notice.".into());
    PdfLetter {
        title: "Demand for payment".into(),
        date: "28 November 2026".into(),
        sender: PdfParty {
            name: "Ada Lovelace".into(),
            address_lines: vec!["1 Analytical Way".into(), "London W1 2AB".into()],
            email: Some("ada@example.com".into()),
        },
        recipient: PdfParty {
            name: "Zoë Ñúñez".into(),
            address_lines: vec!["12 Rue de la Paix".into(), "75002 Paris, France".into()],
            email: Some("zoe@example.com".into()),
        },
        subject: "Demand for payment of invoice 2026-114 (1,250.00 €)".into(),
        paragraphs: body,
        closing: "Sincerely,".into(),
        page_size: PageSize::A4,
    }
}

fn page_count(pdf: &[u8]) -> usize {
    pdf_extract::Document::load_mem(pdf).map(|doc| doc.get_pages().len()).unwrap_or(0)
}

fn main() {
    // The smallest letter that takes two pages.
    let (letter, pdf) = (1..60)
        .map(|n| {
            let letter = two_page_letter(n);
            let pdf = render(&letter).expect("render");
            (letter, pdf)
        })
        .find(|(_, pdf)| page_count(pdf) == 2)
        .expect("a two-page letter");
    let words: usize = letter.paragraphs.iter().map(|p| p.split_whitespace().count()).sum();

    let runs = 50;
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        let out = render(&letter).expect("render");
        times.push(started.elapsed().as_secs_f64() * 1e3);
        assert_eq!(out.len(), pdf.len());
    }
    times.sort_by(f64::total_cmp);
    let p50 = times[runs / 2];
    let p99 = times[runs * 99 / 100];
    println!("letter PDF (krilla, Liberation Serif subset embedded), two A4 pages, {words} words:");
    println!("  render                       p50 {p50:>7.2} ms  p99 {p99:>7.2} ms  ({runs} runs)");
    println!("  size                         {:>8} bytes ({:.1} KB)", pdf.len(), pdf.len() as f64 / 1024.0);
}
