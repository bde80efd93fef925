//! The PDF writer: A4 pages, one Flate-compressed content stream each, the standard Type 1 fonts
//! Helvetica, Helvetica-Bold (and Courier-Bold for the RMA slip) in WinAnsiEncoding, not
//! embedded. The document frame and the drawing primitives here serve the label sheet and the
//! slip alike.

use miniz_oxide::deflate::compress_to_vec_zlib;
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

use crate::font::{self, Font};
use crate::layout::{Grid, PAGE_HEIGHT_MM, PAGE_WIDTH_MM};
use crate::scene::{self, CellDrawing, PlacedQr, PreparedLabel, TextLine};

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
const INFO: Ref = Ref::new(3);
/// The fonts follow, one object each, then the pages (two objects each: page and content).
const FIRST_FONT_ID: i32 = 4;

fn font_name(font: Font) -> Name<'static> {
    match font {
        Font::Regular => Name(b"F1"),
        Font::Bold => Name(b"F2"),
        Font::Mono => Name(b"F3"),
    }
}

fn base_font(font: Font) -> Name<'static> {
    match font {
        Font::Regular => Name(b"Helvetica"),
        Font::Bold => Name(b"Helvetica-Bold"),
        Font::Mono => Name(b"Courier-Bold"),
    }
}

/// Round a coordinate to 1/1000 pt (far below a printer dot) so the stream carries short numbers.
pub(crate) fn pt(mm: f32) -> f32 {
    (mm * PT_PER_MM * 1000.0).round() / 1000.0
}

/// x in PDF user space.
pub(crate) fn px(mm: f32) -> f32 {
    pt(mm)
}

/// y in PDF user space: the page origin is bottom-left, ours top-left.
pub(crate) fn py(mm: f32) -> f32 {
    pt(PAGE_HEIGHT_MM - mm)
}

/// What the document frame needs besides the pages.
pub(crate) struct DocumentInfo<'a> {
    /// The fonts the pages use (each page's resources list all of them).
    pub(crate) fonts: &'a [Font],
    /// Shown by viewers in the window title.
    pub(crate) title: Option<&'a str>,
    /// Expected size of the whole file, to allocate once.
    pub(crate) capacity: usize,
}

/// Write a document of `page_count` A4 pages; `page_content(i)` gives the uncompressed content
/// stream of page `i`, which is compressed here. Object ids are fixed for the shared objects and
/// sequential for the fonts and pages, so none is used twice (the one thing `Pdf::finish` would
/// panic on).
pub(crate) fn document(
    info: &DocumentInfo<'_>,
    page_count: usize,
    mut page_content: impl FnMut(usize) -> Vec<u8>,
) -> Vec<u8> {
    // Page counts are bounded by the callers' input limits (a few dozen pages).
    let font_ids: Vec<Ref> = (0..info.fonts.len())
        .map(|i| Ref::new(FIRST_FONT_ID + i as i32))
        .collect();
    let first_page_id = FIRST_FONT_ID + info.fonts.len() as i32;
    let page_ids: Vec<Ref> = (0..page_count)
        .map(|i| Ref::new(first_page_id + 2 * i as i32))
        .collect();

    let mut pdf = Pdf::with_capacity(info.capacity);
    pdf.catalog(CATALOG).pages(PAGE_TREE);
    pdf.pages(PAGE_TREE)
        .kids(page_ids.iter().copied())
        .count(page_ids.len() as i32);
    for (&font, &id) in info.fonts.iter().zip(&font_ids) {
        pdf.type1_font(id)
            .base_font(base_font(font))
            .encoding_predefined(Name(b"WinAnsiEncoding"));
    }
    {
        let mut document_info = pdf.document_info(INFO);
        document_info.producer(TextStr("eckwms-labels"));
        if let Some(title) = info.title {
            document_info.title(TextStr(title));
        }
    }

    for (index, &page_id) in page_ids.iter().enumerate() {
        let content_id = Ref::new(page_id.get() + 1);
        let mut page = pdf.page(page_id);
        page.parent(PAGE_TREE)
            .media_box(Rect::new(0.0, 0.0, pt(PAGE_WIDTH_MM), pt(PAGE_HEIGHT_MM)))
            .contents(content_id);
        {
            let mut resources = page.resources();
            let mut fonts = resources.fonts();
            for (&font, &id) in info.fonts.iter().zip(&font_ids) {
                fonts.pair(font_name(font), id);
            }
            fonts.finish();
        }
        page.finish();

        let compressed = compress_to_vec_zlib(&page_content(index), COMPRESSION_LEVEL);
        pdf.stream(content_id, &compressed)
            .filter(Filter::FlateDecode);
    }
    pdf.finish()
}

/// Draw a QR symbol: one coordinate system per symbol with the module as unit and y downwards,
/// so every run is a rectangle of small integers; one fill for the whole symbol.
pub(crate) fn draw_symbol(content: &mut Content, code: &PlacedQr<'_>) {
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

/// Show text lines in one text object, each in WinAnsi (`?` for what it lacks).
pub(crate) fn show_texts(content: &mut Content, texts: &[TextLine]) {
    if texts.is_empty() {
        return;
    }
    content.begin_text();
    for text in texts {
        content.set_font(font_name(text.font), pt(text.size));
        content.set_text_matrix([1.0, 0.0, 0.0, 1.0, px(text.left()), py(text.y)]);
        content.show(Str(&font::to_win_ansi(&text.text)));
    }
    content.end_text();
}

/// Write the label sheet.
pub(crate) fn write(labels: &[PreparedLabel<'_>], grid: &Grid) -> Vec<u8> {
    let pages: Vec<&[PreparedLabel<'_>]> = labels.chunks(grid.per_page()).collect();
    let info = DocumentInfo {
        fonts: &[Font::Regular, Font::Bold],
        title: None,
        capacity: 16 * 1024 + 1024 * labels.len(),
    };
    document(&info, pages.len(), |index| {
        let page_labels = pages.get(index).copied().unwrap_or_default();
        let cells = scene::draw_page(page_labels, grid, 0.0);
        page_content(&cells, grid.cut_guides)
    })
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
            draw_symbol(&mut content, code);
        }
        show_texts(&mut content, &cell.texts);
        content.restore_state();
    }
    content.finish().into_vec()
}
