//! The PDF writer: A4 pages, one Flate-compressed content stream each, Helvetica and
//! Helvetica-Bold as non-embedded standard Type 1 fonts in WinAnsiEncoding.

use miniz_oxide::deflate::compress_to_vec_zlib;
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

use crate::font::{self, Font};
use crate::layout::{Grid, PAGE_HEIGHT_MM, PAGE_WIDTH_MM};
use crate::scene::{self, CellDrawing, PreparedLabel};

/// PostScript points per millimetre.
const PT_PER_MM: f32 = 72.0 / 25.4;
/// zlib level for the content streams. Measured on a 40-label document: level 1 gives 107 KB,
/// 3 gives 52 KB at the same speed, 6 gives 42 KB but nearly doubles the render time.
const COMPRESSION_LEVEL: u8 = 3;
/// Cut guides: a hairline, light grey so a slightly misaligned sheet does not show a black frame.
const GUIDE_WIDTH_MM: f32 = 0.1;
const GUIDE_GREY: f32 = 0.6;

const CATALOG: Ref = Ref::new(1);
const PAGE_TREE: Ref = Ref::new(2);
const FONT_REGULAR: Ref = Ref::new(3);
const FONT_BOLD: Ref = Ref::new(4);
const INFO: Ref = Ref::new(5);
const FIRST_PAGE_ID: i32 = 6;

fn font_name(font: Font) -> Name<'static> {
    match font {
        Font::Regular => Name(b"F1"),
        Font::Bold => Name(b"F2"),
    }
}

/// Round a coordinate to 1/1000 pt (far below a printer dot) so the stream carries short numbers.
fn pt(mm: f32) -> f32 {
    (mm * PT_PER_MM * 1000.0).round() / 1000.0
}

/// x in PDF user space.
fn px(mm: f32) -> f32 {
    pt(mm)
}

/// y in PDF user space: the page origin is bottom-left, ours top-left.
fn py(mm: f32) -> f32 {
    pt(PAGE_HEIGHT_MM - mm)
}

/// Write the whole document. Object ids are fixed for the shared objects and sequential per page,
/// so none is used twice (the one thing `Pdf::finish` would panic on).
pub(crate) fn write(labels: &[PreparedLabel<'_>], grid: &Grid) -> Vec<u8> {
    let pages: Vec<&[PreparedLabel<'_>]> = labels.chunks(grid.per_page()).collect();
    let page_ids: Vec<Ref> = (0..pages.len())
        .map(|i| Ref::new(FIRST_PAGE_ID + 2 * i as i32))
        .collect();

    let mut pdf = Pdf::with_capacity(16 * 1024 + 1024 * labels.len());
    pdf.catalog(CATALOG).pages(PAGE_TREE);
    pdf.pages(PAGE_TREE)
        .kids(page_ids.iter().copied())
        .count(page_ids.len() as i32);
    pdf.type1_font(FONT_REGULAR)
        .base_font(Name(b"Helvetica"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.type1_font(FONT_BOLD)
        .base_font(Name(b"Helvetica-Bold"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.document_info(INFO).producer(TextStr("eckwms-labels"));

    for (page_labels, &page_id) in pages.iter().zip(&page_ids) {
        let content_id = Ref::new(page_id.get() + 1);
        let mut page = pdf.page(page_id);
        page.parent(PAGE_TREE)
            .media_box(Rect::new(0.0, 0.0, pt(PAGE_WIDTH_MM), pt(PAGE_HEIGHT_MM)))
            .contents(content_id);
        {
            let mut resources = page.resources();
            let mut fonts = resources.fonts();
            fonts.pair(font_name(Font::Regular), FONT_REGULAR);
            fonts.pair(font_name(Font::Bold), FONT_BOLD);
            fonts.finish();
        }
        page.finish();

        let cells = scene::draw_page(page_labels, grid, 0.0);
        let content = page_content(&cells, grid.cut_guides);
        let compressed = compress_to_vec_zlib(&content, COMPRESSION_LEVEL);
        pdf.stream(content_id, &compressed)
            .filter(Filter::FlateDecode);
    }
    pdf.finish()
}

/// The content stream of one page.
fn page_content(cells: &[CellDrawing<'_>], cut_guides: bool) -> Vec<u8> {
    let mut content = Content::with_capacity(40 * 1024);
    for cell in cells {
        content.save_state();
        // Clip to the cell: whatever happens to the text, nothing reaches a neighbouring label.
        content.rect(
            px(cell.x),
            py(cell.y + cell.height),
            pt(cell.width),
            pt(cell.height),
        );
        content.clip_nonzero().end_path();

        if cut_guides {
            let inset = GUIDE_WIDTH_MM / 2.0;
            content.save_state();
            content
                .set_stroke_gray(GUIDE_GREY)
                .set_line_width(pt(GUIDE_WIDTH_MM));
            content.rect(
                px(cell.x + inset),
                py(cell.y + cell.height - inset),
                pt(cell.width - 2.0 * inset),
                pt(cell.height - 2.0 * inset),
            );
            content.stroke().restore_state();
        }

        for code in &cell.codes {
            // One coordinate system per symbol with the module as unit and y downwards, so
            // every run is a rectangle of small integers; one fill for the whole symbol.
            content.save_state();
            let module = PT_PER_MM * code.module;
            content.transform([module, 0.0, 0.0, -module, px(code.x), py(code.y)]);
            for run in code.symbol.runs() {
                content
                    .op("re")
                    .operands([run.x as i32, run.y as i32, run.len as i32, 1]);
            }
            content.fill_nonzero().restore_state();
        }

        content.begin_text();
        for text in &cell.texts {
            content.set_font(font_name(text.font), pt(text.size));
            content.set_text_matrix([1.0, 0.0, 0.0, 1.0, px(text.left()), py(text.y)]);
            content.show(Str(&font::to_win_ansi(&text.text)));
        }
        content.end_text();
        content.restore_state();
    }
    content.finish().into_vec()
}
