//! A letter as a PDF, made on the server with krilla: Liberation Serif embedded (subset, with a
//! ToUnicode map so the text can be searched and extracted), words wrapped by the font's real
//! advance widths, paragraphs justified, pages broken inside 25 mm margins and numbered
//! "Page n of m", A4 or US Letter.
//!
//! Everything the member typed is drawn as glyphs: HTML or any markup is printed literally,
//! never interpreted. The output has no creation date, so the same letter gives the same bytes.

use krilla::{
    Document,
    geom::{PathBuilder, Point},
    metadata::Metadata,
    page::PageSettings,
    paint::Stroke,
    text::{Font, GlyphId, KrillaGlyph},
};
use serde::{Deserialize, Serialize};
use std::sync::LazyLock;

/// OFL-licensed (assets/fonts/LICENSE-OFL.txt); compiled in so every PDF looks the same.
static REGULAR_TTF: &[u8] = include_bytes!("../../../assets/fonts/LiberationSerif-Regular.ttf");
static BOLD_TTF: &[u8] = include_bytes!("../../../assets/fonts/LiberationSerif-Bold.ttf");

const MM: f32 = 72.0 / 25.4;
const MARGIN: f32 = 25.0 * MM;
const BODY_SIZE: f32 = 11.0;
const SMALL_SIZE: f32 = 10.0;
const NAME_SIZE: f32 = 14.0;
const FOOTER_SIZE: f32 = 9.0;
const LEADING: f32 = 1.35;
/// Room left between the closing and the sender's name for a handwritten signature.
const SIGNATURE_GAP: f32 = 30.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PageSize {
    #[default]
    A4,
    UsLetter,
}

impl PageSize {
    /// Width and height in PostScript points (1/72 inch).
    pub fn points(self) -> (f32, f32) {
        match self {
            // 210 × 297 mm
            PageSize::A4 => (595.2756, 841.8898),
            // 8.5 × 11 in
            PageSize::UsLetter => (612.0, 792.0),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PdfParty {
    pub name: String,
    pub address_lines: Vec<String>,
    pub email: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PdfLetter {
    /// The document title (PDF metadata), e.g. "Demand for payment".
    pub title: String,
    /// Printed as given, e.g. "28 November 2026".
    pub date: String,
    pub sender: PdfParty,
    pub recipient: PdfParty,
    pub subject: String,
    pub paragraphs: Vec<String>,
    /// e.g. "Sincerely,"; the sender's name is printed under it after room for a signature.
    pub closing: String,
    pub page_size: PageSize,
}

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("the embedded letter font could not be loaded")]
    Font,
    #[error("the PDF could not be written: {0}")]
    Write(String),
}

/// Renders `letter` as a PDF document.
pub fn render(letter: &PdfLetter) -> Result<Vec<u8>, PdfError> {
    let fonts = FONTS.as_ref().ok_or(PdfError::Font)?;
    let (width, height) = letter.page_size.points();
    let pages = paginate(&blocks(letter), fonts, width, height);
    let total = pages.len();

    let mut document = Document::new();
    let mut metadata = Metadata::new().language("en".into()).creator("Threadr".into());
    let title = single_line(&letter.title);
    if !title.trim().is_empty() {
        metadata = metadata.title(title);
    }
    let author = single_line(&letter.sender.name);
    if !author.trim().is_empty() {
        metadata = metadata.authors(vec![author]);
    }
    document.set_metadata(metadata);

    let settings = PageSettings::from_wh(width, height).ok_or_else(|| PdfError::Write("page size".into()))?;
    for (index, ops) in pages.iter().enumerate() {
        let mut page = document.start_page_with(settings.clone());
        let mut surface = page.surface();
        for op in ops {
            match op {
                Op::Text(line) => {
                    let face = fonts.face(line.style);
                    surface.draw_glyphs(
                        Point::from_xy(line.x, line.baseline),
                        &line.glyphs,
                        face.pdf.clone(),
                        &line.text,
                        line.size,
                        false,
                    );
                }
                Op::Rule { y } => {
                    let mut path = PathBuilder::new();
                    path.move_to(MARGIN, *y);
                    path.line_to(width - MARGIN, *y);
                    if let Some(path) = path.finish() {
                        surface.set_fill(None);
                        surface.set_stroke(Some(Stroke { width: 0.6, ..Stroke::default() }));
                        surface.draw_path(&path);
                        surface.set_stroke(None);
                        surface.set_fill(Some(Default::default()));
                    }
                }
            }
        }
        // The footer sits in the middle of the bottom margin.
        let footer = format!("Page {} of {}", index + 1, total);
        let regular = fonts.face(Style::Regular);
        let (glyphs, advance) = regular.shape(&footer);
        let x = (width - advance * FOOTER_SIZE) / 2.0;
        surface.draw_glyphs(
            Point::from_xy(x, height - MARGIN / 2.0),
            &glyphs,
            regular.pdf.clone(),
            &footer,
            FOOTER_SIZE,
            false,
        );
        surface.finish();
        page.finish();
    }
    document.finish().map_err(|e| PdfError::Write(format!("{e:?}")))
}

/// The characters of `text` the embedded font cannot draw (CJK, emoji, …), each once, in
/// order: the PDF would show an empty box for them and lose them from its text, so a form
/// can refuse them with a clear message before a letter is made.
pub fn unsupported_characters(text: &str) -> Vec<char> {
    let Some(fonts) = FONTS.as_ref() else { return Vec::new() };
    let mut missing = Vec::new();
    for c in text.chars() {
        if c.is_control() || c.is_whitespace() || missing.contains(&c) {
            continue;
        }
        let drawable = |face: &Face| face.shaper.glyph_index(c).is_some();
        if !(drawable(&fonts.regular) && drawable(&fonts.bold)) {
            missing.push(c);
        }
    }
    missing
}

// ---------------------------------------------------------------------------------------
// Fonts and shaping

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    Regular,
    Bold,
}

struct Face {
    pdf: Font,
    shaper: rustybuzz::Face<'static>,
    units_per_em: f32,
    ascender: f32,
}

impl Face {
    fn load(bytes: &'static [u8]) -> Option<Self> {
        let pdf = Font::new(bytes.into(), 0)?;
        let shaper = rustybuzz::Face::from_slice(bytes, 0)?;
        let units_per_em = shaper.units_per_em() as f32;
        let ascender = f32::from(shaper.ascender()) / units_per_em;
        Some(Self { pdf, shaper, units_per_em, ascender })
    }

    /// The glyphs of `text` with advances in em (krilla scales them by the font size), and
    /// the total advance in em. Kerning and ligatures come from the font's own tables.
    fn shape(&self, text: &str) -> (Vec<KrillaGlyph>, f32) {
        let mut buffer = rustybuzz::UnicodeBuffer::new();
        buffer.push_str(text);
        buffer.set_direction(rustybuzz::Direction::LeftToRight);
        let output = rustybuzz::shape(&self.shaper, &[], buffer);
        let infos = output.glyph_infos();
        let positions = output.glyph_positions();
        let mut glyphs = Vec::with_capacity(infos.len());
        let mut total = 0.0;
        for (i, (info, pos)) in infos.iter().zip(positions).enumerate() {
            let start = info.cluster as usize;
            // A cluster ends where the next different cluster starts (left to right).
            let end =
                infos[i + 1..].iter().map(|next| next.cluster as usize).find(|&c| c != start).unwrap_or(text.len());
            let advance = pos.x_advance as f32 / self.units_per_em;
            total += advance;
            glyphs.push(KrillaGlyph::new(
                GlyphId::new(info.glyph_id),
                advance,
                pos.x_offset as f32 / self.units_per_em,
                pos.y_offset as f32 / self.units_per_em,
                pos.y_advance as f32 / self.units_per_em,
                start..end,
                None,
            ));
        }
        (glyphs, total)
    }

    fn width(&self, text: &str) -> f32 {
        self.shape(text).1
    }
}

struct Fonts {
    regular: Face,
    bold: Face,
}

impl Fonts {
    fn face(&self, style: Style) -> &Face {
        match style {
            Style::Regular => &self.regular,
            Style::Bold => &self.bold,
        }
    }
}

static FONTS: LazyLock<Option<Fonts>> =
    LazyLock::new(|| Some(Fonts { regular: Face::load(REGULAR_TTF)?, bold: Face::load(BOLD_TTF)? }));

// ---------------------------------------------------------------------------------------
// The letter as blocks of text

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Align {
    Left,
    Right,
    Justify,
}

#[derive(Debug, Clone)]
enum Block {
    Text {
        text: String,
        style: Style,
        size: f32,
        align: Align,
        space_before: f32,
        /// Not left as the last thing on a page (a subject line without its letter).
        keep_with_next: bool,
    },
    Rule {
        space_before: f32,
    },
}

fn text(text: String, style: Style, size: f32, align: Align, space_before: f32) -> Block {
    Block::Text { text, style, size, align, space_before, keep_with_next: false }
}

/// Control characters would print as boxes or break the layout: tabs and other controls
/// become spaces; line breaks are kept only where a paragraph may contain them.
fn clean(raw: &str, keep_newlines: bool) -> String {
    raw.replace("\r\n", "\n")
        .chars()
        .map(|c| match c {
            '\n' if keep_newlines => '\n',
            c if c.is_control() => ' ',
            // Zero-width and bidi controls that would otherwise reach the PDF invisibly.
            '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}' => ' ',
            c => c,
        })
        .collect()
}

fn single_line(raw: &str) -> String {
    clean(raw, false).split_whitespace().collect::<Vec<_>>().join(" ")
}

fn party(
    party: &PdfParty,
    name_style: Style,
    name_size: f32,
    detail_size: f32,
    first_space: f32,
    out: &mut Vec<Block>,
) {
    let name = single_line(&party.name);
    if !name.is_empty() {
        out.push(text(name, name_style, name_size, Align::Left, first_space));
    }
    for line in &party.address_lines {
        let line = single_line(line);
        if !line.is_empty() {
            out.push(text(line, Style::Regular, detail_size, Align::Left, 0.0));
        }
    }
    if let Some(email) = party.email.as_deref().map(single_line).filter(|e| !e.is_empty()) {
        out.push(text(email, Style::Regular, detail_size, Align::Left, 0.0));
    }
}

fn blocks(letter: &PdfLetter) -> Vec<Block> {
    let mut out = Vec::new();
    // Letterhead: the sender, then a rule across the text width.
    party(&letter.sender, Style::Bold, NAME_SIZE, SMALL_SIZE, 0.0, &mut out);
    out.push(Block::Rule { space_before: 8.0 });

    let date = single_line(&letter.date);
    if !date.is_empty() {
        out.push(text(date, Style::Regular, BODY_SIZE, Align::Right, 18.0));
    }
    party(&letter.recipient, Style::Regular, BODY_SIZE, BODY_SIZE, 18.0, &mut out);

    let subject = single_line(&letter.subject);
    if !subject.is_empty() {
        out.push(Block::Text {
            text: subject,
            style: Style::Bold,
            size: BODY_SIZE,
            align: Align::Left,
            space_before: 24.0,
            keep_with_next: true,
        });
    }
    for (i, paragraph) in letter.paragraphs.iter().enumerate() {
        let paragraph = clean(paragraph, true);
        if paragraph.trim().is_empty() {
            continue;
        }
        out.push(text(paragraph, Style::Regular, BODY_SIZE, Align::Justify, if i == 0 { 14.0 } else { 8.0 }));
    }
    let closing = single_line(&letter.closing);
    let signer = single_line(&letter.sender.name);
    if !closing.is_empty() {
        out.push(Block::Text {
            text: closing,
            style: Style::Regular,
            size: BODY_SIZE,
            align: Align::Left,
            space_before: 16.0,
            keep_with_next: !signer.is_empty(),
        });
    }
    if !signer.is_empty() {
        out.push(text(signer, Style::Regular, BODY_SIZE, Align::Left, SIGNATURE_GAP));
    }
    out
}

// ---------------------------------------------------------------------------------------
// Line breaking and pages

/// One line ready to draw.
#[derive(Debug, Clone)]
struct Line {
    text: String,
    glyphs: Vec<KrillaGlyph>,
    style: Style,
    size: f32,
    x: f32,
    baseline: f32,
}

#[derive(Debug, Clone)]
enum Op {
    Text(Line),
    Rule { y: f32 },
}

/// A line before it has a place: its words and whether it ends its paragraph (or a forced
/// line break), which is never stretched.
struct Broken {
    words: Vec<String>,
    last: bool,
}

/// Greedy line breaking by advance widths (in em). A word wider than the line (a long URL,
/// a run of letters) is split between characters.
fn break_lines(face: &Face, text: &str, max_em: f32) -> Vec<Broken> {
    let space = face.width(" ");
    let mut lines = Vec::new();
    for hard_line in text.split('\n') {
        let mut words: Vec<String> = Vec::new();
        let mut used = 0.0;
        for word in hard_line.split_whitespace() {
            for piece in split_long_word(face, word, max_em) {
                let w = face.width(&piece);
                let needed = if words.is_empty() { w } else { used + space + w };
                if !words.is_empty() && needed > max_em {
                    lines.push(Broken { words: std::mem::take(&mut words), last: false });
                    used = w;
                } else {
                    used = needed;
                }
                words.push(piece);
            }
        }
        lines.push(Broken { words, last: true });
    }
    // Blank lines inside a paragraph are kept (they are the member's layout); a paragraph
    // that ends with one does not need it.
    while lines.len() > 1 && lines.last().is_some_and(|l| l.words.is_empty()) {
        lines.pop();
        if let Some(l) = lines.last_mut() {
            l.last = true;
        }
    }
    lines
}

fn split_long_word(face: &Face, word: &str, max_em: f32) -> Vec<String> {
    if face.width(word) <= max_em {
        return vec![word.to_string()];
    }
    let mut pieces = Vec::new();
    let mut current = String::new();
    for c in word.chars() {
        current.push(c);
        if face.width(&current) > max_em && current.chars().count() > 1 {
            current.pop();
            pieces.push(std::mem::take(&mut current));
            current.push(c);
        }
    }
    if !current.is_empty() {
        pieces.push(current);
    }
    pieces
}

/// The glyphs of a line: each word shaped on its own, joined by spaces that are widened by
/// `extra_em` each when the line is justified. Spaces stay real space glyphs, so extracted
/// text has its spaces.
fn line_glyphs(face: &Face, words: &[String], extra_em: f32) -> (String, Vec<KrillaGlyph>) {
    let mut text = String::new();
    let mut glyphs = Vec::new();
    let (space_glyphs, _) = face.shape(" ");
    for (i, word) in words.iter().enumerate() {
        if i > 0 {
            let start = text.len();
            text.push(' ');
            for g in &space_glyphs {
                let mut g = g.clone();
                g.x_advance += extra_em;
                g.text_range = start..start + 1;
                glyphs.push(g);
            }
        }
        let offset = text.len();
        text.push_str(word);
        let (word_glyphs, _) = face.shape(word);
        glyphs.extend(word_glyphs.into_iter().map(|mut g| {
            g.text_range = g.text_range.start + offset..g.text_range.end + offset;
            g
        }));
    }
    (text, glyphs)
}

struct Placed {
    space_before: f32,
    keep_with_next: bool,
    kind: PlacedKind,
}

enum PlacedKind {
    Lines { style: Style, size: f32, align: Align, lines: Vec<Broken> },
    Rule,
}

impl Placed {
    fn line_height(&self) -> f32 {
        match &self.kind {
            PlacedKind::Lines { size, .. } => size * LEADING,
            PlacedKind::Rule => 1.0,
        }
    }

    fn line_count(&self) -> usize {
        match &self.kind {
            PlacedKind::Lines { lines, .. } => lines.len(),
            PlacedKind::Rule => 1,
        }
    }

    /// The height that must fit on a page before the block starts there: two lines (no
    /// single orphaned first line), or the whole block when it is shorter.
    fn minimum_start(&self) -> f32 {
        self.line_height() * self.line_count().min(2) as f32
    }
}

fn paginate(blocks: &[Block], fonts: &Fonts, width: f32, height: f32) -> Vec<Vec<Op>> {
    let text_width = width - 2.0 * MARGIN;
    let bottom = height - MARGIN;
    let placed: Vec<Placed> = blocks
        .iter()
        .map(|block| match block {
            Block::Text { text, style, size, align, space_before, keep_with_next } => Placed {
                space_before: *space_before,
                keep_with_next: *keep_with_next,
                kind: PlacedKind::Lines {
                    style: *style,
                    size: *size,
                    align: *align,
                    lines: break_lines(fonts.face(*style), text, text_width / size),
                },
            },
            Block::Rule { space_before } => {
                Placed { space_before: *space_before, keep_with_next: false, kind: PlacedKind::Rule }
            }
        })
        .collect();

    let mut pages: Vec<Vec<Op>> = vec![Vec::new()];
    let mut y = MARGIN;
    for (index, block) in placed.iter().enumerate() {
        let at_top = pages.last().is_some_and(Vec::is_empty);
        let mut needed = block.space_before + block.minimum_start();
        if block.keep_with_next {
            // The whole block plus the start of the next one.
            needed = block.space_before
                + block.line_height() * block.line_count() as f32
                + placed.get(index + 1).map_or(0.0, |next| next.space_before + next.minimum_start());
        }
        if !at_top && y + needed > bottom {
            pages.push(Vec::new());
            y = MARGIN;
        }
        if !pages.last().is_some_and(Vec::is_empty) {
            y += block.space_before;
        }
        match &block.kind {
            PlacedKind::Rule => {
                if let Some(page) = pages.last_mut() {
                    page.push(Op::Rule { y });
                }
                y += block.line_height();
            }
            PlacedKind::Lines { style, size, align, lines } => {
                let face = fonts.face(*style);
                let line_height = size * LEADING;
                for broken in lines {
                    if y + line_height > bottom && !pages.last().is_some_and(Vec::is_empty) {
                        pages.push(Vec::new());
                        y = MARGIN;
                    }
                    let natural = {
                        let (_, glyphs) = line_glyphs(face, &broken.words, 0.0);
                        glyphs.iter().map(|g| g.x_advance).sum::<f32>() * size
                    };
                    let gaps = broken.words.len().saturating_sub(1);
                    let stretch = *align == Align::Justify && !broken.last && gaps > 0;
                    let extra_em = if stretch { ((text_width - natural) / gaps as f32).max(0.0) / size } else { 0.0 };
                    let (text, glyphs) = line_glyphs(face, &broken.words, extra_em);
                    let x = match align {
                        Align::Right => width - MARGIN - natural,
                        Align::Left | Align::Justify => MARGIN,
                    };
                    if !text.is_empty() {
                        let baseline = y + size * face.ascender + (line_height - size) / 2.0;
                        if let Some(page) = pages.last_mut() {
                            page.push(Op::Text(Line { text, glyphs, style: *style, size: *size, x, baseline }));
                        }
                    }
                    y += line_height;
                }
            }
        }
    }
    pages
}

#[cfg(test)]
#[path = "pdf_tests.rs"]
mod tests;
