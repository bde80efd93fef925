//! Label validation and the device-independent drawing of a sheet, shared by the PDF and SVG
//! writers so both show exactly the same thing.

use crate::font::{self, CAP_HEIGHT, DESCENT, Fitted, Font};
use crate::layout::{CellGeometry, Grid, Square};
use crate::qr::{self, LABEL_CODE_MAX_CHARS, QrMatrix};
use crate::{Label, LabelError, MAX_LABELS};

const NUMBER_MAX_DIGITS: usize = 18;
const KIND_MAX_CHARS: usize = 16;
const CAPTION_MAX_CHARS: usize = 80;

/// Text sizes and spacing as fractions of the text band height (= the big QR box side), so a
/// layout with bigger cells scales the whole label.
const INSET: f32 = 0.06;
const KIND_SIZE: f32 = 0.14;
const NUMBER_SIZE: f32 = 0.36;
const CHECK_SIZE: f32 = 0.8;
const CAPTION_SIZE: f32 = 0.17;
const LINE_GAP: f32 = 0.06;
const CHECK_GAP: f32 = 0.08;
/// The check characters never take more than this share of the text column.
const CHECK_MAX_WIDTH_SHARE: f32 = 0.5;
/// Other lines are at most this fraction of the check characters' size (matters in big cells,
/// where the check characters are limited by the column width).
const SECONDARY_SHARE: f32 = 0.75;
/// Smallest font size a shrunk line may get before it is cut (1.4 mm = 4 pt).
const MIN_TEXT_MM: f32 = 1.4;

/// A label whose texts passed validation, with its three QR symbols encoded.
#[derive(Debug)]
pub(crate) struct PreparedLabel<'a> {
    pub(crate) symbols: [QrMatrix; 3],
    pub(crate) number: &'a str,
    pub(crate) check: &'a str,
    pub(crate) kind: &'a str,
    /// Caption with control characters replaced by spaces and the ends trimmed; `None` if empty.
    pub(crate) caption: Option<String>,
}

/// Check the label count and every label; encode the QR codes.
pub(crate) fn prepare(labels: &[Label]) -> Result<Vec<PreparedLabel<'_>>, LabelError> {
    if labels.is_empty() {
        return Err(LabelError::NoLabels);
    }
    if labels.len() > MAX_LABELS {
        return Err(LabelError::TooManyLabels {
            count: labels.len(),
            max: MAX_LABELS,
        });
    }
    labels
        .iter()
        .enumerate()
        .map(|(index, label)| prepare_one(index, label))
        .collect()
}

fn invalid(index: usize, reason: String) -> LabelError {
    LabelError::InvalidLabel { index, reason }
}

fn prepare_one(index: usize, label: &Label) -> Result<PreparedLabel<'_>, LabelError> {
    let mut symbols = Vec::with_capacity(3);
    for (slot, code) in label.codes.iter().enumerate() {
        let name = format!("codes[{slot}]");
        let chars = code.chars().count();
        if chars == 0 || chars > LABEL_CODE_MAX_CHARS {
            return Err(invalid(
                index,
                format!("{name} must have 1 to {LABEL_CODE_MAX_CHARS} characters, has {chars}"),
            ));
        }
        if let Some(bad) = code.chars().find(|&c| !qr::is_qr_alphanumeric(c)) {
            return Err(invalid(
                index,
                format!("{name} contains {bad:?}; allowed are 0-9, A-Z, space and $%*+-./:"),
            ));
        }
        let symbol = qr::encode_label_code(code)
            .map_err(|_| invalid(index, format!("{name} does not fit QR version 3-L")))?;
        symbols.push(symbol);
    }
    let symbols: [QrMatrix; 3] = symbols
        .try_into()
        .map_err(|_| invalid(index, "three codes expected".into()))?;

    let number = label.number.as_str();
    if number.is_empty()
        || number.len() > NUMBER_MAX_DIGITS
        || !number.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(invalid(
            index,
            format!("number must be 1 to {NUMBER_MAX_DIGITS} digits, got {number:?}"),
        ));
    }
    let check = label.check.as_str();
    if check.len() != 2
        || !check
            .bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
    {
        return Err(invalid(
            index,
            format!("check must be 2 characters 0-9/A-Z, got {check:?}"),
        ));
    }
    let kind = label.kind.as_str();
    if kind.is_empty()
        || kind.len() > KIND_MAX_CHARS
        || !kind.bytes().all(|b| b.is_ascii_graphic() || b == b' ')
    {
        return Err(invalid(
            index,
            format!("kind must be 1 to {KIND_MAX_CHARS} printable ASCII characters, got {kind:?}"),
        ));
    }
    let caption = match &label.caption {
        None => None,
        Some(text) => {
            let chars = text.chars().count();
            if chars > CAPTION_MAX_CHARS {
                return Err(invalid(
                    index,
                    format!(
                        "caption must have at most {CAPTION_MAX_CHARS} characters, has {chars}"
                    ),
                ));
            }
            let clean: String = text
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            let clean = clean.trim();
            (!clean.is_empty()).then(|| clean.to_owned())
        }
    };
    Ok(PreparedLabel {
        symbols,
        number,
        check,
        kind,
        caption,
    })
}

/// A QR symbol placed on the page: the top-left corner of its first module (inside the quiet
/// zone) and the module size.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PlacedQr<'a> {
    pub(crate) x: f32,
    pub(crate) y: f32,
    pub(crate) module: f32,
    pub(crate) symbol: &'a QrMatrix,
}

/// Where the x coordinate of a text line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Anchor {
    Start,
    End,
}

/// One line of text on the page, already fitted to its space.
#[derive(Debug, Clone)]
pub(crate) struct TextLine {
    pub(crate) x: f32,
    /// Baseline.
    pub(crate) y: f32,
    pub(crate) anchor: Anchor,
    pub(crate) font: Font,
    pub(crate) size: f32,
    pub(crate) width: f32,
    pub(crate) text: String,
}

impl TextLine {
    /// Left end of the line (for writers that only place text by its start).
    pub(crate) fn left(&self) -> f32 {
        match self.anchor {
            Anchor::Start => self.x,
            Anchor::End => self.x - self.width,
        }
    }
}

/// Everything drawn in one cell, in page coordinates (mm, y down).
#[derive(Debug)]
pub(crate) struct CellDrawing<'a> {
    pub(crate) x: f32,
    pub(crate) y: f32,
    pub(crate) width: f32,
    pub(crate) height: f32,
    pub(crate) codes: [PlacedQr<'a>; 3],
    pub(crate) texts: Vec<TextLine>,
}

fn place(square: Square, symbol: &QrMatrix, cell_x: f32, cell_y: f32) -> PlacedQr<'_> {
    let module = square.module_size(symbol.width());
    let quiet = module * crate::layout::QUIET_MODULES as f32;
    PlacedQr {
        x: cell_x + square.x + quiet,
        y: cell_y + square.y + quiet,
        module,
        symbol,
    }
}

fn line(fitted: Fitted, x: f32, y: f32, anchor: Anchor, font: Font) -> TextLine {
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

/// Lay out one label in the cell whose top-left corner is (`x`, `y`).
///
/// Text column, from the top: the kind (small) above the number (medium) on the left, the two
/// check characters (large, bold, the most visible text) right-aligned beside them, and the
/// caption across the whole column at the bottom. Without caption the upper block is centred in
/// the full height.
pub(crate) fn draw_cell<'a>(
    label: &'a PreparedLabel<'_>,
    cell: &CellGeometry,
    x: f32,
    y: f32,
) -> CellDrawing<'a> {
    let [eck1, eck2, eck3] = &label.symbols;
    let codes = [
        place(cell.big, eck1, x, y),
        place(cell.small[0], eck2, x, y),
        place(cell.small[1], eck3, x, y),
    ];

    let u = cell.band_height;
    let left = x + cell.text_left;
    let right = x + cell.text_right;
    let column = right - left;
    let inner_top = y + cell.band_top + INSET * u;
    let inner_bottom = y + cell.band_top + (1.0 - INSET) * u;
    let mut texts = Vec::with_capacity(4);

    // The check characters are the largest text: their size bounds the others.
    let check_em = font::width_em(Font::Bold, label.check);
    let check_max = (CHECK_SIZE * u).min(CHECK_MAX_WIDTH_SHARE * column / check_em);

    let mut block_bottom = inner_bottom;
    if let Some(caption) = &label.caption {
        let nominal = (CAPTION_SIZE * u).min(SECONDARY_SHARE * check_max);
        let baseline = inner_bottom - DESCENT * nominal;
        let fitted = font::fit(caption, Font::Regular, nominal, MIN_TEXT_MM, column);
        texts.push(line(fitted, left, baseline, Anchor::Start, Font::Regular));
        block_bottom = baseline - CAP_HEIGHT * nominal - LINE_GAP * u;
    }
    let block = block_bottom - inner_top;

    let check_size = check_max.min(block / CAP_HEIGHT);
    let check_baseline = inner_top + (block + CAP_HEIGHT * check_size) / 2.0;
    let check = Fitted {
        text: label.check.to_owned(),
        size: check_size,
        width: check_em * check_size,
    };
    let left_width = column - check.width - CHECK_GAP * u;
    texts.push(line(check, right, check_baseline, Anchor::End, Font::Bold));

    let kind_nominal = (KIND_SIZE * u).min(SECONDARY_SHARE * check_size);
    let number_nominal = (NUMBER_SIZE * u).min(SECONDARY_SHARE * check_size);
    let stack = CAP_HEIGHT * (kind_nominal + number_nominal) + LINE_GAP * u;
    let stack_top = inner_top + ((block - stack) / 2.0).max(0.0);
    let kind_baseline = stack_top + CAP_HEIGHT * kind_nominal;
    let number_baseline = kind_baseline + LINE_GAP * u + CAP_HEIGHT * number_nominal;
    let kind = font::fit(
        label.kind,
        Font::Regular,
        kind_nominal,
        MIN_TEXT_MM,
        left_width,
    );
    texts.push(line(
        kind,
        left,
        kind_baseline,
        Anchor::Start,
        Font::Regular,
    ));
    // A number is shrunk as far as needed but never cut: a shortened number would be a wrong one.
    let number = font::fit(label.number, Font::Regular, number_nominal, 0.0, left_width);
    texts.push(line(
        number,
        left,
        number_baseline,
        Anchor::Start,
        Font::Regular,
    ));

    texts.retain(|text| !text.text.is_empty());
    CellDrawing {
        x,
        y,
        width: cell.width,
        height: cell.height,
        codes,
        texts,
    }
}

/// The cells of one page whose top edge is at `page_top` (the SVG stacks pages).
pub(crate) fn draw_page<'a>(
    labels: &'a [PreparedLabel<'_>],
    grid: &Grid,
    page_top: f32,
) -> Vec<CellDrawing<'a>> {
    labels
        .iter()
        .enumerate()
        .map(|(slot, label)| {
            let (x, y) = grid.cell_origin(slot);
            draw_cell(label, &grid.cell, x, page_top + y)
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::qr::tests::sample_code;
    use crate::{Layout, layout};

    /// A label like the instance service makes: three 71-character codes.
    pub(crate) fn sample_label(seed: u64, caption: Option<&str>) -> Label {
        Label {
            codes: [
                sample_code("ECK1.COM/01", seed),
                sample_code("ECK2.COM/01", seed),
                sample_code("ECK3.COM/01", seed),
            ],
            number: (seed + 1).to_string(),
            check: "K7".into(),
            kind: "ITEM".into(),
            caption: caption.map(str::to_owned),
        }
    }

    #[test]
    fn labels_are_validated() {
        let good = sample_label(1, None);
        assert!(prepare(std::slice::from_ref(&good)).is_ok());
        let cases: Vec<(Label, &str)> = vec![
            (
                Label {
                    number: String::new(),
                    ..good.clone()
                },
                "number",
            ),
            (
                Label {
                    number: "12a".into(),
                    ..good.clone()
                },
                "number",
            ),
            (
                Label {
                    number: "1".repeat(19),
                    ..good.clone()
                },
                "number",
            ),
            (
                Label {
                    check: "K".into(),
                    ..good.clone()
                },
                "check",
            ),
            (
                Label {
                    check: "k7".into(),
                    ..good.clone()
                },
                "check",
            ),
            (
                Label {
                    kind: String::new(),
                    ..good.clone()
                },
                "kind",
            ),
            (
                Label {
                    kind: "BOX\n".into(),
                    ..good.clone()
                },
                "kind",
            ),
            (
                Label {
                    caption: Some("x".repeat(81)),
                    ..good.clone()
                },
                "caption",
            ),
            (
                Label {
                    codes: [good.codes[0].clone(), "eck2".into(), good.codes[2].clone()],
                    ..good.clone()
                },
                "codes[1]",
            ),
            (
                Label {
                    codes: [good.codes[0].clone(), good.codes[1].clone(), "A".repeat(78)],
                    ..good.clone()
                },
                "codes[2]",
            ),
            (
                Label {
                    codes: [String::new(), good.codes[1].clone(), good.codes[2].clone()],
                    ..good.clone()
                },
                "codes[0]",
            ),
        ];
        for (label, field) in cases {
            let labels = [good.clone(), label];
            match prepare(&labels) {
                Err(LabelError::InvalidLabel { index: 1, reason }) => {
                    assert!(reason.contains(field), "{reason}")
                }
                other => panic!("{field}: {other:?}"),
            }
        }
        assert!(matches!(prepare(&[]), Err(LabelError::NoLabels)));
        let many = vec![good; MAX_LABELS + 1];
        assert!(matches!(
            prepare(&many),
            Err(LabelError::TooManyLabels {
                count: 1001,
                max: 1000
            })
        ));
    }

    #[test]
    fn captions_lose_control_characters_and_empty_ones_vanish() {
        let labels = [
            sample_label(1, Some(" A-03\t·\ncol 2 ")),
            sample_label(2, Some(" \n ")),
        ];
        let prepared = prepare(&labels).unwrap();
        assert_eq!(prepared[0].caption.as_deref(), Some("A-03 · col 2"));
        assert_eq!(prepared[1].caption, None);
    }

    /// Every text line, at its measured width, lies inside the cell and clear of the QR boxes.
    #[test]
    fn text_stays_inside_the_text_column() {
        let long = "Regal A-03 · Spalte 2 Reihe 5 · Übergröße WWWWWWWWWWWWWWWWWWWWWWWWWW";
        let mut label = sample_label(3, Some(long));
        label.number = "123456789012345678".into();
        label.kind = "LABEL".into();
        label.check = "WM".into();
        for (columns, rows) in [(2, 16), (1, 1), (3, 20), (4, 10)] {
            let grid = layout::grid(&Layout {
                columns,
                rows,
                ..Layout::default()
            })
            .unwrap();
            let prepared = prepare(std::slice::from_ref(&label)).unwrap();
            let cell = draw_cell(&prepared[0], &grid.cell, 0.0, 0.0);
            assert_eq!(cell.texts.len(), 4);
            for text in &cell.texts {
                let (l, r) = (text.left(), text.left() + text.width);
                assert!(
                    l >= grid.cell.text_left - 1e-3 && r <= grid.cell.text_right + 1e-3,
                    "{columns}x{rows} {text:?}"
                );
                assert!(
                    text.y - CAP_HEIGHT * text.size >= 0.0
                        && text.y + DESCENT * text.size <= grid.cell.height
                );
                assert!(text.size >= MIN_TEXT_MM - 1e-4 || text.text == label.number);
            }
            let check = cell.texts.iter().find(|t| t.font == Font::Bold).unwrap();
            assert!(
                cell.texts.iter().all(|t| t.size <= check.size),
                "the check characters are the largest text"
            );
        }
    }
}
