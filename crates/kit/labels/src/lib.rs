#![doc = include_str!("../README.md")]

mod font;
mod layout;
mod pdf_doc;
mod png_image;
mod qr;
mod scene;
mod slip;
mod svg_doc;
#[cfg(feature = "testing")]
pub mod testing;

#[cfg(test)]
mod tests;

pub use slip::{
    SLIP_MAX_ADDRESS_CHARS, SLIP_MAX_ADDRESS_LINES, SLIP_MAX_CODE_CHARS, SLIP_MAX_DATE_CHARS,
    SLIP_MAX_DESCRIPTION_CHARS, SLIP_MAX_DEVICES, SLIP_MAX_INSTRUCTION_CHARS,
    SLIP_MAX_INSTRUCTIONS, SLIP_MAX_QR_CHARS, SLIP_MAX_REFERENCE_CHARS, SLIP_MAX_SERIAL_CHARS,
    SLIP_MAX_TITLE_CHARS, Slip, slip_pdf,
};

/// Most labels one call renders (32 A4 pages at 2 x 16): bounds the time and memory one request
/// can take.
pub const MAX_LABELS: usize = 1000;
/// Largest pixel size of one module in [`qr_png`] (a version-40 code is then 5,920 px wide).
pub const MAX_MODULE_PX: u32 = 32;

/// One label of a sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    /// The three QR texts `[ECK1, ECK2, ECK3]`: 1 to 77 characters each from the QR alphanumeric
    /// set (`0-9 A-Z`, space, `$ % * + - . / :`), so each fits QR version 3 at level L.
    pub codes: [String; 3],
    /// The short number printed as text, e.g. `"42"`: 1 to 18 ASCII digits.
    pub number: String,
    /// The two check characters (`0-9 A-Z`), printed large and bold.
    pub check: String,
    /// The kind, printed small: `"ITEM"`, `"BOX"`, `"PLACE"`, `"LABEL"` (1 to 16 printable ASCII
    /// characters).
    pub kind: String,
    /// Optional second text line, e.g. `"A-03 · col 2 row 5"`; at most 80 characters, ~40 fit at
    /// full size on the default layout (longer ones are shrunk, then cut with `…`). Any Unicode:
    /// the PDF shows what WinAnsiEncoding has and `?` for the rest; the SVG shows all of it.
    pub caption: Option<String>,
}

/// The grid of label cells on an A4 portrait page (210 x 297 mm). Labels fill it row by row.
///
/// Cell size = (page − margins − gaps) / count. Every field is checked when rendering:
/// `columns` and `rows` 1..=20, margins 0..=50 mm, gaps 0..=20 mm, and the cell must hold the
/// three QR codes at ≥ 0.35 mm per module plus a 15 mm text column
/// ([`LabelError::CellTooSmall`] otherwise).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Layout {
    pub columns: u32,
    pub rows: u32,
    pub margin_top_mm: f32,
    pub margin_bottom_mm: f32,
    pub margin_left_mm: f32,
    pub margin_right_mm: f32,
    /// Space between two columns (die-cut stock with a gutter).
    pub column_gap_mm: f32,
    /// Space between two rows.
    pub row_gap_mm: f32,
    /// Draw a thin light-grey outline at each cell's edge, for cutting plain paper.
    pub cut_guides: bool,
}

impl Default for Layout {
    /// 2 x 16 cells of 105 x 18.5 mm: A4 label stock with 32 labels in two columns and no side
    /// margins (2 x 105 = 210 mm), 0.5 mm at the top and bottom (16 x 18.5 = 296 mm), no gaps.
    /// 18.5 mm is the height that still gives the big QR 0.53 mm modules (over 6 dots at 300 dpi)
    /// with 32 labels per sheet. For stock with other margins, or a printer that cannot print
    /// near the paper edge, set the margins: content then moves inward and stays on the labels.
    fn default() -> Self {
        Self {
            columns: 2,
            rows: 16,
            margin_top_mm: 0.5,
            margin_bottom_mm: 0.5,
            margin_left_mm: 0.0,
            margin_right_mm: 0.0,
            column_gap_mm: 0.0,
            row_gap_mm: 0.0,
            cut_guides: false,
        }
    }
}

impl Layout {
    /// Check the layout without rendering anything (e.g. when configuration is loaded).
    pub fn validate(&self) -> Result<(), LabelError> {
        layout::grid(self).map(|_| ())
    }

    /// Labels on one page.
    pub fn labels_per_page(&self) -> usize {
        self.columns as usize * self.rows as usize
    }
}

/// Why nothing was rendered. Each variant names what the caller has to change.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum LabelError {
    /// An empty sheet is almost certainly a caller's mistake, and a PDF without pages is invalid.
    #[error("no labels to render")]
    NoLabels,
    #[error("too many labels: {count}, at most {max} per call")]
    TooManyLabels { count: usize, max: usize },
    /// A layout field is out of range; the message names it.
    #[error("invalid layout: {0}")]
    InvalidLayout(String),
    /// The fields are in range but the resulting cell cannot hold the label.
    #[error(
        "label cell of {width_mm:.1} x {height_mm:.1} mm is too small for the QR codes and text"
    )]
    CellTooSmall { width_mm: f32, height_mm: f32 },
    /// Label `index` (0-based, in input order) has an invalid field; the reason names it.
    #[error("label {index}: {reason}")]
    InvalidLabel { index: usize, reason: String },
    /// The text for a standalone QR code is empty.
    #[error("QR text is empty")]
    EmptyQrText,
    /// The text for a standalone QR code does not fit the largest QR version.
    #[error("QR text of {chars} characters does not fit a QR code")]
    QrTextTooLong { chars: usize },
    #[error("module size must be 1 to {max} px, got {module_px}")]
    InvalidModuleSize { module_px: u32, max: u32 },
    /// A field of an RMA [`Slip`] is empty where it must not be, too long, or has too many
    /// entries; `field` names it (`"code"`, `"address"`, `"devices[3].serial"`, 0-based) and
    /// `reason` says what is wrong.
    #[error("RMA slip: {field} {reason}")]
    InvalidSlip { field: String, reason: String },
    /// The PNG encoder failed (not expected: it writes to memory).
    #[error("PNG encoding failed: {0}")]
    Png(String),
}

/// Render labels as a PDF: A4 pages, `columns x rows` labels per page, filled row by row, as many
/// pages as needed.
pub fn pdf(labels: &[Label], layout: &Layout) -> Result<Vec<u8>, LabelError> {
    let grid = layout::grid(layout)?;
    let prepared = scene::prepare(labels)?;
    Ok(pdf_doc::write(&prepared, &grid))
}

/// Render labels as one SVG document: the pages are stacked vertically, each 210 x 297 mm, and the
/// user unit is 1 mm (`viewBox="0 0 210 297·pages"`); page `n` is the group `id="page-n"`.
/// Meant for previews in a browser; print from the PDF.
pub fn svg(labels: &[Label], layout: &Layout) -> Result<String, LabelError> {
    let grid = layout::grid(layout)?;
    let prepared = scene::prepare(labels)?;
    Ok(svg_doc::write_sheet(&prepared, &grid))
}

fn encode_free(text: &str) -> Result<qr::QrMatrix, LabelError> {
    if text.is_empty() {
        return Err(LabelError::EmptyQrText);
    }
    let chars = text.chars().count();
    if text.len() > qr::QR_TEXT_MAX_CHARS {
        return Err(LabelError::QrTextTooLong { chars });
    }
    qr::encode_text(text).map_err(|_| LabelError::QrTextTooLong { chars })
}

/// One QR code (e.g. the pairing code `ECK$1$<32 hex>$<64 hex>$<URL>`) as a standalone SVG:
/// level M when the text fits at M, else L; 4-module quiet zone; the viewBox counts modules and
/// the default size is 4 px per module (scale it freely).
pub fn qr_svg(text: &str) -> Result<String, LabelError> {
    Ok(svg_doc::write_qr(&encode_free(text)?))
}

/// The same QR code as [`qr_svg`] as a 1-bit greyscale PNG of `module_px` pixels per module
/// (1..=[`MAX_MODULE_PX`]), with a 4-module quiet zone.
pub fn qr_png(text: &str, module_px: u32) -> Result<Vec<u8>, LabelError> {
    if !(1..=MAX_MODULE_PX).contains(&module_px) {
        return Err(LabelError::InvalidModuleSize {
            module_px,
            max: MAX_MODULE_PX,
        });
    }
    let symbol = encode_free(text)?;
    png_image::write_qr(&symbol, module_px).map_err(|error| LabelError::Png(error.to_string()))
}
