//! The SVG writers: the label sheet (pages stacked vertically, units mm) and the standalone QR.

use std::fmt::Write as _;

use crate::font::{self, Font};
use crate::layout::{Grid, PAGE_HEIGHT_MM, PAGE_WIDTH_MM};
use crate::qr::QrMatrix;
use crate::scene::{self, Anchor, CellDrawing, PreparedLabel};

/// Same font as the PDF; Arial has Helvetica's metrics, so the measured widths hold.
const FONT_FAMILY: &str = "Helvetica, Arial, sans-serif";
const GUIDE_WIDTH_MM: f32 = 0.1;
const GUIDE_COLOUR: &str = "#999";

/// Round to 1/1000 mm: plenty for print, and short numbers in the file.
fn mm(value: f32) -> f32 {
    (value * 1000.0).round() / 1000.0
}

/// Append `text` with the five XML special characters escaped. Characters XML 1.0 forbids
/// (controls other than tab/newline, U+FFFE, U+FFFF) become `?` so the document stays
/// well-formed whatever the caption holds.
pub(crate) fn push_escaped(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('?'),
            c => out.push(c),
        }
    }
}

/// Path data of a symbol in module units: one rectangle per horizontal run.
fn push_symbol_path(out: &mut String, symbol: &QrMatrix, offset: u32) {
    for run in symbol.runs() {
        // Writing to a String cannot fail.
        let _ = write!(
            out,
            "M{} {}h{}v1h-{}z",
            run.x + offset,
            run.y + offset,
            run.len,
            run.len
        );
    }
}

/// The label sheet: one `svg` element whose pages are stacked top to bottom, each 210 x 297 mm
/// (the viewBox is in mm). Each cell is a nested `svg` whose viewport is the cell, which clips
/// everything drawn in it to the cell.
pub(crate) fn write_sheet(labels: &[PreparedLabel<'_>], grid: &Grid) -> String {
    let pages = labels.len().div_ceil(grid.per_page());
    let height = PAGE_HEIGHT_MM * pages as f32;
    let mut out = String::with_capacity(512 + labels.len() * 10 * 1024);
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{PAGE_WIDTH_MM}mm" height="{height}mm" viewBox="0 0 {PAGE_WIDTH_MM} {height}" font-family="{FONT_FAMILY}">"#
    );
    let _ = write!(
        out,
        r##"<rect width="{PAGE_WIDTH_MM}" height="{height}" fill="#fff"/>"##
    );
    for (page, page_labels) in labels.chunks(grid.per_page()).enumerate() {
        let _ = write!(out, r#"<g id="page-{}">"#, page + 1);
        let page_top = PAGE_HEIGHT_MM * page as f32;
        for cell in scene::draw_page(page_labels, grid, page_top) {
            push_cell(&mut out, &cell, grid.cut_guides);
        }
        out.push_str("</g>");
    }
    out.push_str("</svg>\n");
    out
}

fn push_cell(out: &mut String, cell: &CellDrawing<'_>, cut_guides: bool) {
    let (x, y, w, h) = (mm(cell.x), mm(cell.y), mm(cell.width), mm(cell.height));
    let _ = write!(
        out,
        r#"<svg x="{x}" y="{y}" width="{w}" height="{h}" viewBox="{x} {y} {w} {h}" overflow="hidden">"#
    );
    if cut_guides {
        let inset = GUIDE_WIDTH_MM / 2.0;
        let _ = write!(
            out,
            r#"<rect x="{}" y="{}" width="{}" height="{}" fill="none" stroke="{GUIDE_COLOUR}" stroke-width="{GUIDE_WIDTH_MM}"/>"#,
            mm(cell.x + inset),
            mm(cell.y + inset),
            mm(cell.width - 2.0 * inset),
            mm(cell.height - 2.0 * inset),
        );
    }
    for code in &cell.codes {
        let module = code.module;
        let _ = write!(
            out,
            r#"<path transform="matrix({module} 0 0 {module} {} {})" d=""#,
            mm(code.x),
            mm(code.y)
        );
        push_symbol_path(out, code.symbol, 0);
        out.push_str(r#""/>"#);
    }
    for text in &cell.texts {
        let _ = write!(
            out,
            r#"<text x="{}" y="{}" font-size="{}""#,
            mm(text.x),
            mm(text.y),
            mm(text.size)
        );
        if text.font == Font::Bold {
            out.push_str(r#" font-weight="bold""#);
        }
        if text.anchor == Anchor::End {
            out.push_str(r#" text-anchor="end""#);
        }
        // Pin the width to the measured Helvetica width: a reader without Helvetica or Arial
        // falls back to a wider sans-serif (DejaVu Sans is ~10 % wider), which would otherwise
        // run the number into the check characters. Only where the measure is exact: a
        // character outside WinAnsi was measured as 1 em, and pinning would stretch it.
        if text.text.chars().all(|c| font::win_ansi(c).is_some()) {
            let _ = write!(
                out,
                r#" textLength="{}" lengthAdjust="spacingAndGlyphs""#,
                mm(text.width)
            );
        }
        out.push('>');
        push_escaped(out, &text.text);
        out.push_str("</text>");
    }
    out.push_str("</svg>");
}

/// Quiet zone of the standalone QR: the standard 4 modules, since it may be shown on any
/// background (a screen, a printed page).
pub(crate) const STANDALONE_QUIET: u32 = 4;

/// A standalone QR: viewBox in modules (quiet zone included), 4 px per module by default size,
/// crisp edges for screens. No XML declaration, so it can also be inlined in HTML.
pub(crate) fn write_qr(symbol: &QrMatrix) -> String {
    let side = symbol.width() + 2 * STANDALONE_QUIET;
    let mut out =
        String::with_capacity(256 + symbol.width() as usize * symbol.width() as usize * 4);
    let _ = write!(
        out,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{0}" height="{0}" viewBox="0 0 {side} {side}" shape-rendering="crispEdges"><rect width="{side}" height="{side}" fill="#fff"/><path d=""##,
        side * 4,
    );
    push_symbol_path(&mut out, symbol, STANDALONE_QUIET);
    out.push_str("\"/></svg>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_drops_forbidden_characters() {
        let mut out = String::new();
        push_escaped(&mut out, "<a & \"b\" 'c'>\u{1}\u{FFFF}é·");
        assert_eq!(out, "&lt;a &amp; &quot;b&quot; &apos;c&apos;&gt;??é·");
    }
}
