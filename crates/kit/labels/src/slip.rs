//! The customer's RMA slip: an A4 PDF the customer prints and puts in the parcel with the devices
//! sent in for repair. The repair centre scans its QR code on arrival and compares the declared
//! serial numbers with what is in the box.
//!
//! Page 1, top to bottom: the title and the RMA code (large, bold) with the QR code beside them;
//! the customer's address in a box where a DIN 5008 address field sits (20 mm from the left edge,
//! 85 x 45 mm, so a slip folded into a window envelope shows it) with the date and the customer's
//! reference beside it; the instructions; the table of declared devices, which continues on as
//! many pages as it needs under a repeated column header. Every page has a small header with the
//! RMA code and "Page n of m", so a page that gets separated still names its parcel.

use pdf_writer::Content;

use crate::LabelError;
use crate::font::{self, CAP_HEIGHT, DESCENT, Fitted, Font};
use crate::layout::{PAGE_HEIGHT_MM, PAGE_WIDTH_MM};
use crate::pdf_doc::{self, DocumentInfo, pt, px, py};
use crate::qr::{self, QrMatrix};
use crate::scene::{Anchor, PlacedQr, TextLine};

/// Most declared devices on one slip (13 pages).
pub const SLIP_MAX_DEVICES: usize = 500;
/// Longest RMA code, in characters.
pub const SLIP_MAX_CODE_CHARS: usize = 32;
/// Longest QR text, in characters.
pub const SLIP_MAX_QR_CHARS: usize = 256;
/// Most address lines (they fill the 45 mm address field).
pub const SLIP_MAX_ADDRESS_LINES: usize = 8;
/// Longest address line, in characters.
pub const SLIP_MAX_ADDRESS_CHARS: usize = 100;
/// Longest customer reference, in characters.
pub const SLIP_MAX_REFERENCE_CHARS: usize = 100;
/// Longest date text, in characters.
pub const SLIP_MAX_DATE_CHARS: usize = 40;
/// Longest serial number, in characters.
pub const SLIP_MAX_SERIAL_CHARS: usize = 64;
/// Longest device description, in characters.
pub const SLIP_MAX_DESCRIPTION_CHARS: usize = 200;
/// Most instruction lines.
pub const SLIP_MAX_INSTRUCTIONS: usize = 10;
/// Longest instruction line, in characters.
pub const SLIP_MAX_INSTRUCTION_CHARS: usize = 200;
/// Longest title, in characters.
pub const SLIP_MAX_TITLE_CHARS: usize = 60;

/// The customer's RMA slip, rendered by [`slip_pdf`]. Texts may hold any Unicode: the PDF shows
/// what WinAnsiEncoding has and `?` for the rest; control characters become spaces and the ends
/// of every text are trimmed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Slip {
    /// The RMA code, e.g. `"RMA1765101600K7"`, printed large and bold: 1 to
    /// [`SLIP_MAX_CODE_CHARS`] characters. Shrunk to fit, never cut.
    pub code: String,
    /// What the QR code holds, e.g. a label code of the order or a URL: 1 to
    /// [`SLIP_MAX_QR_CHARS`] characters, encoded as given (UTF-8) in the densest mode it allows
    /// (numeric, alphanumeric or byte) at error-correction level M.
    pub qr: String,
    /// The customer's address, one line each (company, person, street and number, postal code
    /// and city, country...): at most [`SLIP_MAX_ADDRESS_LINES`] lines of at most
    /// [`SLIP_MAX_ADDRESS_CHARS`] characters. No lines, no address box.
    pub address: Vec<String>,
    /// The customer's own reference, if any: at most [`SLIP_MAX_REFERENCE_CHARS`] characters.
    pub reference: Option<String>,
    /// When the request was made, formatted by the caller (e.g. `"2026-12-07"`): at most
    /// [`SLIP_MAX_DATE_CHARS`] characters.
    pub date: String,
    /// The declared devices as (serial, description), in the customer's order: at most
    /// [`SLIP_MAX_DEVICES`]; a serial has 1 to [`SLIP_MAX_SERIAL_CHARS`] characters, a
    /// description at most [`SLIP_MAX_DESCRIPTION_CHARS`]. Serials are printed whole (shrunk
    /// if needed), descriptions are cut with `…` where the column ends.
    pub devices: Vec<(String, Option<String>)>,
    /// Short instructions printed under the code and address: at most [`SLIP_MAX_INSTRUCTIONS`]
    /// lines of at most [`SLIP_MAX_INSTRUCTION_CHARS`] characters; each is wrapped to at most
    /// three printed lines.
    pub instructions: Vec<String>,
    /// The heading, e.g. `"Repair request"`: at most [`SLIP_MAX_TITLE_CHARS`] characters.
    pub title: String,
}

/// Render the slip as an A4 portrait PDF: one page, or more when the device table needs them.
pub fn slip_pdf(slip: &Slip) -> Result<Vec<u8>, LabelError> {
    let prepared = prepare(slip)?;
    let pages = lay_out(&prepared);
    let title = [prepared.title.as_str(), prepared.code.as_str()]
        .iter()
        .filter(|text| !text.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ");
    let info = DocumentInfo {
        fonts: &[Font::Regular, Font::Bold, Font::Mono],
        title: Some(&title),
        capacity: 8 * 1024 + 160 * prepared.devices.len(),
    };
    Ok(pdf_doc::document(&info, pages.len(), |index| {
        pages.get(index).map(page_content).unwrap_or_default()
    }))
}

// ---------------------------------------------------------------- validation

/// A slip whose texts passed the limits, cleaned, with its QR code encoded.
#[derive(Debug)]
struct PreparedSlip {
    code: String,
    qr: QrMatrix,
    address: Vec<String>,
    reference: Option<String>,
    date: String,
    devices: Vec<(String, Option<String>)>,
    instructions: Vec<String>,
    title: String,
}

fn invalid(field: impl Into<String>, reason: impl Into<String>) -> LabelError {
    LabelError::InvalidSlip {
        field: field.into(),
        reason: reason.into(),
    }
}

/// Check a text's length in characters (what a person counts, not bytes) and clean it.
fn checked(field: &str, text: &str, max: usize) -> Result<String, LabelError> {
    let chars = text.chars().count();
    if chars > max {
        return Err(invalid(
            field,
            format!("has {chars} characters, at most {max} are allowed"),
        ));
    }
    Ok(clean(text))
}

/// Control characters (a pasted tab or line break) become spaces; the ends are trimmed.
fn clean(text: &str) -> String {
    let spaced: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    spaced.trim().to_owned()
}

fn check_count(field: &str, count: usize, max: usize, what: &str) -> Result<(), LabelError> {
    if count > max {
        return Err(invalid(
            field,
            format!("has {count} {what}, at most {max} are allowed"),
        ));
    }
    Ok(())
}

fn prepare(slip: &Slip) -> Result<PreparedSlip, LabelError> {
    let code = checked("code", &slip.code, SLIP_MAX_CODE_CHARS)?;
    if code.is_empty() {
        return Err(invalid("code", "is empty"));
    }

    let qr_chars = slip.qr.chars().count();
    if slip.qr.is_empty() {
        return Err(invalid("qr", "is empty"));
    }
    if qr_chars > SLIP_MAX_QR_CHARS {
        return Err(invalid(
            "qr",
            format!("has {qr_chars} characters, at most {SLIP_MAX_QR_CHARS} are allowed"),
        ));
    }
    // 256 characters are at most 1,024 UTF-8 bytes, which version 40-M holds easily.
    let qr = qr::encode_text_at_m(&slip.qr)
        .map_err(|_| invalid("qr", "does not fit a QR code at level M"))?;

    check_count(
        "address",
        slip.address.len(),
        SLIP_MAX_ADDRESS_LINES,
        "lines",
    )?;
    let address = slip
        .address
        .iter()
        .enumerate()
        .map(|(i, line)| checked(&format!("address[{i}]"), line, SLIP_MAX_ADDRESS_CHARS))
        .collect::<Result<Vec<_>, _>>()?;

    let reference = match &slip.reference {
        None => None,
        Some(text) => {
            Some(checked("reference", text, SLIP_MAX_REFERENCE_CHARS)?).filter(|r| !r.is_empty())
        }
    };
    let date = checked("date", &slip.date, SLIP_MAX_DATE_CHARS)?;

    check_count("devices", slip.devices.len(), SLIP_MAX_DEVICES, "entries")?;
    let mut devices = Vec::with_capacity(slip.devices.len());
    for (i, (serial, description)) in slip.devices.iter().enumerate() {
        let serial = checked(
            &format!("devices[{i}].serial"),
            serial,
            SLIP_MAX_SERIAL_CHARS,
        )?;
        if serial.is_empty() {
            return Err(invalid(format!("devices[{i}].serial"), "is empty"));
        }
        let description = match description {
            None => None,
            Some(text) => Some(checked(
                &format!("devices[{i}].description"),
                text,
                SLIP_MAX_DESCRIPTION_CHARS,
            )?)
            .filter(|d| !d.is_empty()),
        };
        devices.push((serial, description));
    }

    check_count(
        "instructions",
        slip.instructions.len(),
        SLIP_MAX_INSTRUCTIONS,
        "lines",
    )?;
    let instructions = slip
        .instructions
        .iter()
        .enumerate()
        .map(|(i, line)| {
            checked(
                &format!("instructions[{i}]"),
                line,
                SLIP_MAX_INSTRUCTION_CHARS,
            )
        })
        .collect::<Result<Vec<_>, _>>()?;

    let title = checked("title", &slip.title, SLIP_MAX_TITLE_CHARS)?;
    Ok(PreparedSlip {
        code,
        qr,
        address,
        reference,
        date,
        devices,
        instructions,
        title,
    })
}

// ---------------------------------------------------------------- layout

/// Left and right page margin, and the lowest point anything may reach from the bottom edge
/// (printers rarely print closer than 5 mm; 15 keeps the slip calm).
const MARGIN: f32 = 15.0;
const RIGHT: f32 = PAGE_WIDTH_MM - MARGIN;
const BOTTOM: f32 = PAGE_HEIGHT_MM - MARGIN;

/// The small page header: grey text on a baseline 10 mm from the top, a hairline under it.
const HEADER_BASELINE: f32 = 10.0;
const HEADER_SIZE: f32 = 2.8;
const HEADER_RULE_Y: f32 = 12.0;
/// Where the content of every page starts, below the page header.
const CONTENT_TOP: f32 = 17.0;

const TITLE_SIZE: f32 = 6.5;
/// The RMA code: about 40 pt, the largest thing on the page after the QR code.
const CODE_SIZE: f32 = 14.0;
/// QR box, quiet zone included: 42 mm gives a 256-character URL (version 12-M, 65 modules)
/// 0.57 mm modules, easy for any phone or hand scanner at arm's length.
const QR_BOX: f32 = 42.0;
/// Top of the QR box: clear of the page header's rule, so nothing dark enters the quiet zone.
const QR_TOP: f32 = HEADER_RULE_Y + 2.5;
/// The standard quiet zone: the slip may lie on a dark surface when it is scanned.
const QR_QUIET_MODULES: u32 = 4;
const QR_GAP: f32 = 6.0;

/// Body text (about 10 pt) and its line pitch.
const TEXT_SIZE: f32 = 3.5;
const LINE_PITCH: f32 = 4.6;
/// Smallest size a one-line text is shrunk to before it is cut (about 7 pt).
const MIN_TEXT: f32 = 2.5;
/// Small grey captions ("Date", "Reference").
const CAPTION_SIZE: f32 = 2.6;

/// The address field of DIN 5008 (form B): 20 mm from the left edge, 85 x 45 mm.
const ADDRESS_X: f32 = 20.0;
const ADDRESS_WIDTH: f32 = 85.0;
const ADDRESS_HEIGHT: f32 = 45.0;
const ADDRESS_PADDING: f32 = 4.0;
/// Date and reference beside the address field, where a letter has its information block.
const INFO_X: f32 = 125.0;
const REFERENCE_MAX_LINES: usize = 3;

const INSTRUCTION_MAX_LINES: usize = 3;
const INSTRUCTION_GAP: f32 = 1.6;
const SECTION_GAP: f32 = 7.0;

/// The device table: a header row, then rows of fixed height, so pages are counted up front.
const TABLE_HEADER_HEIGHT: f32 = 7.0;
const ROW_HEIGHT: f32 = 6.0;
const TABLE_HEADER_SIZE: f32 = 3.0;
const ROW_SIZE: f32 = 3.3;
/// Number column: right-aligned up to 9 mm from the margin ("500" needs 5 mm).
const NUMBER_RIGHT: f32 = MARGIN + 9.0;
const SERIAL_X: f32 = MARGIN + 12.0;
/// The serial column is as wide as the longest serial at full size, within these bounds; the
/// upper one still fits a 64-character serial in Courier at 2.3 mm (6.6 pt), so no serial is
/// ever cut.
const SERIAL_MIN_WIDTH: f32 = 35.0;
const SERIAL_MAX_WIDTH: f32 = 90.0;
const COLUMN_GAP: f32 = 4.0;

const RULE_HAIRLINE: f32 = 0.1;
const RULE_STRONG: f32 = 0.35;
const FRAME_WIDTH: f32 = 0.3;
/// Grey of the page header, the captions and the row rules.
const GREY_TEXT: f32 = 0.35;
const GREY_RULE: f32 = 0.7;

/// A horizontal line.
#[derive(Debug, Clone, Copy)]
struct Rule {
    x1: f32,
    x2: f32,
    y: f32,
    width: f32,
    grey: f32,
}

/// A stroked rectangle (top-left corner, size).
#[derive(Debug, Clone, Copy)]
struct Frame {
    x: f32,
    y: f32,
    width: f32,
    height: f32,
}

/// Everything on one page, in mm from the top-left corner.
#[derive(Debug, Default)]
struct Page<'a> {
    /// Black text.
    texts: Vec<TextLine>,
    /// Grey text: the page header and captions.
    grey_texts: Vec<TextLine>,
    rules: Vec<Rule>,
    frames: Vec<Frame>,
    qr: Option<PlacedQr<'a>>,
}

fn text(fitted: Fitted, x: f32, y: f32, anchor: Anchor, font: Font) -> TextLine {
    TextLine {
        x,
        y,
        anchor,
        font,
        size: fitted.size,
        width: fitted.width,
        text: fitted.text,
    }
}

/// A line at `size` whose top of capitals is at `top`; shrunk down to `min`, then cut, to fit
/// `width`. Returns the line and its baseline.
fn line_below(
    content: &str,
    font: Font,
    size: f32,
    min: f32,
    x: f32,
    top: f32,
    width: f32,
) -> (TextLine, f32) {
    let baseline = top + CAP_HEIGHT * size;
    let fitted = font::fit(content, font, size, min, width);
    (text(fitted, x, baseline, Anchor::Start, font), baseline)
}

/// The device table's columns, sized once for all pages.
#[derive(Debug, Clone, Copy)]
struct Columns {
    serial_width: f32,
    description_x: f32,
    description_width: f32,
}

impl Columns {
    fn for_devices(devices: &[(String, Option<String>)]) -> Self {
        let widest = devices
            .iter()
            .map(|(serial, _)| font::width_em(Font::Mono, serial) * ROW_SIZE)
            .fold(0.0_f32, f32::max);
        let heading = font::width_em(Font::Bold, "Serial number") * TABLE_HEADER_SIZE;
        let serial_width = widest
            .max(heading)
            .clamp(SERIAL_MIN_WIDTH, SERIAL_MAX_WIDTH);
        let description_x = SERIAL_X + serial_width + COLUMN_GAP;
        Self {
            serial_width,
            description_x,
            description_width: RIGHT - description_x,
        }
    }
}

/// Lay out every page. Rows have a fixed height, so the page count is known before the first
/// page header is written.
fn lay_out(slip: &PreparedSlip) -> Vec<Page<'_>> {
    let mut first = Page::default();
    let table_top = lay_out_first_page(slip, &mut first);

    let devices = &slip.devices;
    let rows_on = |top: f32| {
        let room = BOTTOM - top - TABLE_HEADER_HEIGHT;
        // At least one row and at most a page of them (~43): the cast is exact.
        if room < ROW_HEIGHT {
            0
        } else {
            (room / ROW_HEIGHT).floor() as usize
        }
    };
    let rows_first = if devices.is_empty() {
        0
    } else {
        rows_on(table_top).min(devices.len())
    };
    let rows_next = rows_on(CONTENT_TOP).max(1);
    let remaining = devices.len() - rows_first;
    let page_count = 1 + remaining.div_ceil(rows_next);

    let columns = Columns::for_devices(devices);
    let mut pages = Vec::with_capacity(page_count);
    if rows_first > 0 {
        lay_out_table(&mut first, &columns, table_top, devices, 0, rows_first);
    }
    pages.push(first);
    let mut next = rows_first;
    while next < devices.len() {
        let end = (next + rows_next).min(devices.len());
        let mut page = Page::default();
        lay_out_table(&mut page, &columns, CONTENT_TOP, devices, next, end);
        pages.push(page);
        next = end;
    }

    let total = pages.len();
    for (index, page) in pages.iter_mut().enumerate() {
        lay_out_page_header(page, &slip.code, index + 1, total);
    }
    pages
}

fn lay_out_page_header(page: &mut Page<'_>, code: &str, number: usize, total: usize) {
    let counter = format!("Page {number} of {total}");
    let counter = font::fit(&counter, Font::Regular, HEADER_SIZE, HEADER_SIZE, 40.0);
    let code_width = RIGHT - MARGIN - counter.width - COLUMN_GAP;
    let code = font::fit(
        code,
        Font::Bold,
        HEADER_SIZE,
        MIN_TEXT.min(HEADER_SIZE),
        code_width,
    );
    page.grey_texts.push(text(
        code,
        MARGIN,
        HEADER_BASELINE,
        Anchor::Start,
        Font::Bold,
    ));
    page.grey_texts.push(text(
        counter,
        RIGHT,
        HEADER_BASELINE,
        Anchor::End,
        Font::Regular,
    ));
    page.rules.push(Rule {
        x1: MARGIN,
        x2: RIGHT,
        y: HEADER_RULE_Y,
        width: RULE_HAIRLINE,
        grey: GREY_RULE,
    });
}

/// Title, code, QR, address, date, reference and instructions; returns where the device table
/// may start.
fn lay_out_first_page<'a>(slip: &'a PreparedSlip, page: &mut Page<'a>) -> f32 {
    // Title and code on the left, the QR code at the right margin beside them.
    let qr_x = RIGHT - QR_BOX;
    let left_width = qr_x - QR_GAP - MARGIN;
    let module = QR_BOX / (slip.qr.width() + 2 * QR_QUIET_MODULES) as f32;
    let quiet = module * QR_QUIET_MODULES as f32;
    page.qr = Some(PlacedQr {
        x: qr_x + quiet,
        y: QR_TOP + quiet,
        module,
        symbol: &slip.qr,
    });

    let mut top = CONTENT_TOP;
    if !slip.title.is_empty() {
        let (title, baseline) = line_below(
            &slip.title,
            Font::Bold,
            TITLE_SIZE,
            MIN_TEXT * 1.5,
            MARGIN,
            top,
            left_width,
        );
        page.texts.push(title);
        top = baseline + 0.6 * TITLE_SIZE;
    }
    // The code is shrunk as far as needed but never cut: a shortened code would be a wrong one.
    let (code, code_baseline) = line_below(
        &slip.code,
        Font::Bold,
        CODE_SIZE,
        0.0,
        MARGIN,
        top,
        left_width,
    );
    let code_size = code.size;
    page.texts.push(code);
    let row_a_bottom = (code_baseline + DESCENT * code_size).max(QR_TOP + QR_BOX);

    // The address field, with the date and reference beside it.
    let row_b_top = row_a_bottom + SECTION_GAP;
    let mut row_b_bottom = row_b_top;
    if !slip.address.is_empty() {
        page.frames.push(Frame {
            x: ADDRESS_X,
            y: row_b_top,
            width: ADDRESS_WIDTH,
            height: ADDRESS_HEIGHT,
        });
        let inner_width = ADDRESS_WIDTH - 2.0 * ADDRESS_PADDING;
        for (i, line) in slip.address.iter().enumerate() {
            let line_top = row_b_top + ADDRESS_PADDING + i as f32 * LINE_PITCH;
            let (line, _) = line_below(
                line,
                Font::Regular,
                TEXT_SIZE,
                MIN_TEXT,
                ADDRESS_X + ADDRESS_PADDING,
                line_top,
                inner_width,
            );
            if !line.text.is_empty() {
                page.texts.push(line);
            }
        }
        row_b_bottom = row_b_top + ADDRESS_HEIGHT;
    }
    let info_width = RIGHT - INFO_X;
    let mut info_top = row_b_top;
    let mut info_field = |page: &mut Page<'_>, caption: &str, lines: Vec<String>| {
        let (caption, caption_baseline) = line_below(
            caption,
            Font::Regular,
            CAPTION_SIZE,
            CAPTION_SIZE,
            INFO_X,
            info_top,
            info_width,
        );
        page.grey_texts.push(caption);
        let mut baseline = caption_baseline + LINE_PITCH;
        for line in lines {
            let fitted = font::fit(&line, Font::Regular, TEXT_SIZE, TEXT_SIZE, info_width);
            page.texts
                .push(text(fitted, INFO_X, baseline, Anchor::Start, Font::Regular));
            baseline += LINE_PITCH;
        }
        info_top = baseline - LINE_PITCH + DESCENT * TEXT_SIZE + 3.0;
    };
    if !slip.date.is_empty() {
        let date = font::wrap(&slip.date, Font::Regular, TEXT_SIZE, info_width, 1);
        info_field(page, "Date", date);
    }
    if let Some(reference) = &slip.reference {
        let lines = font::wrap(
            reference,
            Font::Regular,
            TEXT_SIZE,
            info_width,
            REFERENCE_MAX_LINES,
        );
        info_field(page, "Your reference", lines);
    }
    row_b_bottom = row_b_bottom.max(info_top);

    // The instructions, each wrapped over the full width.
    let mut top = row_b_bottom + SECTION_GAP;
    let mut any_instruction = false;
    for instruction in &slip.instructions {
        let lines = font::wrap(
            instruction,
            Font::Regular,
            TEXT_SIZE,
            RIGHT - MARGIN,
            INSTRUCTION_MAX_LINES,
        );
        if lines.is_empty() {
            continue;
        }
        any_instruction = true;
        let mut baseline = top + CAP_HEIGHT * TEXT_SIZE;
        for line in lines {
            let fitted = font::fit(&line, Font::Regular, TEXT_SIZE, TEXT_SIZE, RIGHT - MARGIN);
            page.texts
                .push(text(fitted, MARGIN, baseline, Anchor::Start, Font::Regular));
            baseline += LINE_PITCH;
        }
        top = baseline - LINE_PITCH + DESCENT * TEXT_SIZE + INSTRUCTION_GAP;
    }
    if any_instruction {
        top += SECTION_GAP - INSTRUCTION_GAP;
    }
    top
}

/// The column header at `top` and the rows `start..end` of the devices under it.
fn lay_out_table(
    page: &mut Page<'_>,
    columns: &Columns,
    top: f32,
    devices: &[(String, Option<String>)],
    start: usize,
    end: usize,
) {
    let heading_baseline = top + (TABLE_HEADER_HEIGHT + CAP_HEIGHT * TABLE_HEADER_SIZE) / 2.0;
    let heading =
        |label: &str, width: f32| font::fit(label, Font::Bold, TABLE_HEADER_SIZE, MIN_TEXT, width);
    page.texts.push(text(
        heading("No.", NUMBER_RIGHT - MARGIN),
        NUMBER_RIGHT,
        heading_baseline,
        Anchor::End,
        Font::Bold,
    ));
    page.texts.push(text(
        heading("Serial number", columns.serial_width),
        SERIAL_X,
        heading_baseline,
        Anchor::Start,
        Font::Bold,
    ));
    page.texts.push(text(
        heading("Description", columns.description_width),
        columns.description_x,
        heading_baseline,
        Anchor::Start,
        Font::Bold,
    ));
    let mut row_top = top + TABLE_HEADER_HEIGHT;
    page.rules.push(Rule {
        x1: MARGIN,
        x2: RIGHT,
        y: row_top,
        width: RULE_STRONG,
        grey: 0.0,
    });

    for (index, (serial, description)) in devices.iter().enumerate().take(end).skip(start) {
        let baseline = row_top + (ROW_HEIGHT + CAP_HEIGHT * ROW_SIZE) / 2.0;
        let number = font::fit(
            &(index + 1).to_string(),
            Font::Regular,
            ROW_SIZE,
            0.0,
            NUMBER_RIGHT - MARGIN,
        );
        page.texts.push(text(
            number,
            NUMBER_RIGHT,
            baseline,
            Anchor::End,
            Font::Regular,
        ));
        // Serials are only shrunk: the column holds the longest one at 2.3 mm or more.
        let serial = font::fit(serial, Font::Mono, ROW_SIZE, 0.0, columns.serial_width);
        page.texts
            .push(text(serial, SERIAL_X, baseline, Anchor::Start, Font::Mono));
        if let Some(description) = description {
            let fitted = font::fit(
                description,
                Font::Regular,
                ROW_SIZE,
                MIN_TEXT,
                columns.description_width,
            );
            if !fitted.text.is_empty() {
                page.texts.push(text(
                    fitted,
                    columns.description_x,
                    baseline,
                    Anchor::Start,
                    Font::Regular,
                ));
            }
        }
        row_top += ROW_HEIGHT;
        page.rules.push(Rule {
            x1: MARGIN,
            x2: RIGHT,
            y: row_top,
            width: RULE_HAIRLINE,
            grey: GREY_RULE,
        });
    }
}

// ---------------------------------------------------------------- PDF

fn page_content(page: &Page<'_>) -> Vec<u8> {
    let mut content = Content::with_capacity(16 * 1024);
    for rule in &page.rules {
        content.save_state();
        content
            .set_stroke_gray(rule.grey)
            .set_line_width(pt(rule.width));
        content.move_to(px(rule.x1), py(rule.y));
        content.line_to(px(rule.x2), py(rule.y));
        content.stroke().restore_state();
    }
    for frame in &page.frames {
        content.save_state();
        content.set_line_width(pt(FRAME_WIDTH));
        content.rect(
            px(frame.x),
            py(frame.y + frame.height),
            pt(frame.width),
            pt(frame.height),
        );
        content.stroke().restore_state();
    }
    if let Some(code) = &page.qr {
        pdf_doc::draw_symbol(&mut content, code);
    }
    if !page.grey_texts.is_empty() {
        content.save_state();
        content.set_fill_gray(GREY_TEXT);
        pdf_doc::show_texts(&mut content, &page.grey_texts);
        content.restore_state();
    }
    pdf_doc::show_texts(&mut content, &page.texts);
    content.finish().into_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(devices: usize) -> Slip {
        Slip {
            code: "RMA1765101600K7".into(),
            qr: "https://wms.example.com/rma/RMA1765101600K7".into(),
            address: vec![
                "Example GmbH".into(),
                "Erika Mustermann".into(),
                "Hauptstraße 5".into(),
                "12345 Musterstadt".into(),
                "Germany".into(),
            ],
            reference: Some("PO-4711".into()),
            date: "2026-12-07".into(),
            devices: (0..devices)
                .map(|i| (format!("SN{i:06}"), Some(format!("Scanner model {i}"))))
                .collect(),
            instructions: vec!["Print this slip and put it in the parcel.".into()],
            title: "Repair request".into(),
        }
    }

    fn all_texts<'a>(pages: &'a [Page<'_>]) -> impl Iterator<Item = &'a TextLine> {
        pages
            .iter()
            .flat_map(|page| page.texts.iter().chain(&page.grey_texts))
    }

    /// Every text, at its measured width, and every line and box stays inside the margins.
    #[test]
    fn everything_stays_on_the_page() {
        let long = "Ü".repeat(SLIP_MAX_INSTRUCTION_CHARS);
        let wide_serial = "W".repeat(SLIP_MAX_SERIAL_CHARS);
        let slip = Slip {
            code: "W".repeat(SLIP_MAX_CODE_CHARS),
            qr: "東".repeat(SLIP_MAX_QR_CHARS),
            address: vec!["W".repeat(SLIP_MAX_ADDRESS_CHARS); SLIP_MAX_ADDRESS_LINES],
            reference: Some("WWW ".repeat(25)),
            date: "W".repeat(SLIP_MAX_DATE_CHARS),
            devices: vec![(wide_serial.clone(), Some("W".repeat(200))); SLIP_MAX_DEVICES],
            instructions: vec![long; SLIP_MAX_INSTRUCTIONS],
            title: "W".repeat(SLIP_MAX_TITLE_CHARS),
        };
        for slip in [slip, sample(0), sample(1), sample(500)] {
            let prepared = prepare(&slip).unwrap();
            let pages = lay_out(&prepared);
            for line in all_texts(&pages) {
                let left = line.left();
                assert!(left >= MARGIN - 1e-3, "{line:?}");
                assert!(left + line.width <= RIGHT + 1e-3, "{line:?}");
                assert!(line.y - CAP_HEIGHT * line.size >= 0.0, "{line:?}");
                assert!(line.y + DESCENT * line.size <= BOTTOM + 1e-3, "{line:?}");
                assert!(line.size >= 2.0 || line.text.chars().all(|c| c.is_ascii_digit()));
            }
            for rule in pages.iter().flat_map(|p| &p.rules) {
                assert!(rule.x1 >= MARGIN && rule.x2 <= RIGHT && rule.y <= BOTTOM);
            }
            let qr = pages[0].qr.unwrap();
            let quiet = QR_QUIET_MODULES as f32 * qr.module;
            let side = qr.module * qr.symbol.width() as f32 + 2.0 * quiet;
            assert!(side >= 35.0, "{side}");
            let (box_x, box_y) = (qr.x - quiet, qr.y - quiet);
            assert!(box_x >= MARGIN && box_x + side <= RIGHT + 1e-3);
            assert!(box_y > HEADER_RULE_Y + RULE_HAIRLINE);
            // Nothing else reaches into the QR box.
            for line in all_texts(&pages[..1]).filter(|t| t.y > box_y && t.y < box_y + side) {
                assert!(line.left() + line.width <= box_x, "{line:?}");
            }
            assert!(pages.iter().skip(1).all(|p| p.qr.is_none()));
        }
    }

    #[test]
    fn long_serials_are_shrunk_never_cut() {
        let mut slip = sample(3);
        slip.devices[1].0 = "W".repeat(SLIP_MAX_SERIAL_CHARS);
        let prepared = prepare(&slip).unwrap();
        let pages = lay_out(&prepared);
        let serial = all_texts(&pages)
            .find(|t| t.font == Font::Mono && t.text.starts_with('W'))
            .unwrap();
        assert_eq!(serial.text, slip.devices[1].0);
        assert!(serial.size >= 2.3, "{}", serial.size);
    }

    #[test]
    fn rows_fill_the_pages_and_the_counter_is_right() {
        for (devices, pages) in [
            (0, 1),
            (1, 1),
            (24, 1),
            (25, 2),
            (67, 2),
            (68, 3),
            (500, 13),
        ] {
            let slip = sample(devices);
            let prepared = prepare(&slip).unwrap();
            let laid = lay_out(&prepared);
            assert_eq!(laid.len(), pages, "{devices} devices");
            let serials = all_texts(&laid).filter(|t| t.font == Font::Mono).count();
            assert_eq!(serials, devices);
            let last = format!("Page {pages} of {pages}");
            assert!(laid[pages - 1].grey_texts.iter().any(|t| t.text == last));
        }
    }

    #[test]
    fn texts_are_cleaned() {
        let mut slip = sample(1);
        slip.code = " RMA1\t2 ".into();
        slip.reference = Some(" \n ".into());
        slip.devices[0] = ("\tSN1\n".into(), Some("  ".into()));
        let prepared = prepare(&slip).unwrap();
        assert_eq!(prepared.code, "RMA1 2");
        assert_eq!(prepared.reference, None);
        assert_eq!(prepared.devices[0], ("SN1".into(), None));
    }
}
