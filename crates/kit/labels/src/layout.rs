//! Sheet geometry: where the cells are, and where the QR codes and text go inside a cell.
//!
//! All lengths are millimetres, y grows downwards from the top of the page (the SVG convention;
//! the PDF writer flips it).

use crate::LabelError;
use crate::qr::LABEL_QR_MODULES;

/// A4 portrait.
pub(crate) const PAGE_WIDTH_MM: f32 = 210.0;
pub(crate) const PAGE_HEIGHT_MM: f32 = 297.0;

/// Quiet zone around each label QR, in modules. The standard asks for 4; 2 is enough here
/// because the label is white, nothing but our own text (kept further away) is near the symbol,
/// and camera-based decoders find finder patterns with 2 modules of margin. 4 would cost 12 % of
/// the module size of the big code.
pub(crate) const QUIET_MODULES: u32 = 2;
/// Modules across a label QR box: the largest allowed symbol plus its quiet zones.
const BOX_MODULES: f32 = (LABEL_QR_MODULES + 2 * QUIET_MODULES) as f32;
/// White border inside every cell: die-cut labels shift by a fraction of a millimetre.
const CELL_PADDING_MM: f32 = 0.5;
/// Module size of the small QR codes: 0.35 mm (over the 0.33 mm floor, 4 dots at 300 dpi) still
/// scans with a phone and is above what 203 dpi label printers render reliably (2.75 dots).
const SMALL_MODULE_MM: f32 = 0.35;
/// The big QR may take at most this share of the cell width, so wide cells keep room for text.
const BIG_MAX_WIDTH_SHARE: f32 = 0.4;
/// The small QRs are at least this fraction of the big one (when the cell is big enough that the
/// module floor does not decide).
const SMALL_SHARE: f32 = 0.62;
/// Gap between a QR box and the text (the quiet zone already gives white space).
const TEXT_GAP_MM: f32 = 0.4;
/// Narrowest text column that still shows a number and the check characters.
const MIN_TEXT_WIDTH_MM: f32 = 15.0;

const MAX_GRID: u32 = 20;
const MAX_MARGIN_MM: f32 = 50.0;
const MAX_GAP_MM: f32 = 20.0;

/// Geometry of one cell (in cell coordinates: origin at the cell's top-left corner).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct CellGeometry {
    pub(crate) width: f32,
    pub(crate) height: f32,
    /// Top-left corner and side of the big (ECK1) QR box, quiet zone included.
    pub(crate) big: Square,
    /// The two small (ECK2, ECK3) QR boxes.
    pub(crate) small: [Square; 2],
    /// Horizontal extent of the text column.
    pub(crate) text_left: f32,
    pub(crate) text_right: f32,
    /// Vertical band the text is laid out in (aligned with the big QR box).
    pub(crate) band_top: f32,
    pub(crate) band_height: f32,
}

/// A square box: top-left corner and side.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Square {
    pub(crate) x: f32,
    pub(crate) y: f32,
    pub(crate) side: f32,
}

impl Square {
    /// Module size of a `modules`-wide symbol drawn in this box with the quiet zone.
    pub(crate) fn module_size(&self, modules: u32) -> f32 {
        self.side / (modules + 2 * QUIET_MODULES) as f32
    }
}

/// The validated grid of a sheet.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Grid {
    pub(crate) columns: u32,
    pub(crate) rows: u32,
    pub(crate) left: f32,
    pub(crate) top: f32,
    pub(crate) pitch_x: f32,
    pub(crate) pitch_y: f32,
    pub(crate) cell: CellGeometry,
    pub(crate) cut_guides: bool,
}

impl Grid {
    pub(crate) fn per_page(&self) -> usize {
        (self.columns * self.rows) as usize
    }

    /// Top-left corner of the cell that holds the `slot`-th label of a page (row-major).
    pub(crate) fn cell_origin(&self, slot: usize) -> (f32, f32) {
        let columns = self.columns as usize;
        let (row, column) = (slot / columns, slot % columns);
        (
            self.left + column as f32 * self.pitch_x,
            self.top + row as f32 * self.pitch_y,
        )
    }
}

fn check_range(name: &str, value: f32, max: f32) -> Result<(), LabelError> {
    if value.is_finite() && (0.0..=max).contains(&value) {
        Ok(())
    } else {
        Err(LabelError::InvalidLayout(format!(
            "{name} must be between 0 and {max} mm, got {value}"
        )))
    }
}

/// Validate a layout and compute its grid and cell geometry.
pub(crate) fn grid(layout: &crate::Layout) -> Result<Grid, LabelError> {
    for (name, value) in [("columns", layout.columns), ("rows", layout.rows)] {
        if !(1..=MAX_GRID).contains(&value) {
            return Err(LabelError::InvalidLayout(format!(
                "{name} must be between 1 and {MAX_GRID}, got {value}"
            )));
        }
    }
    check_range("margin_top_mm", layout.margin_top_mm, MAX_MARGIN_MM)?;
    check_range("margin_bottom_mm", layout.margin_bottom_mm, MAX_MARGIN_MM)?;
    check_range("margin_left_mm", layout.margin_left_mm, MAX_MARGIN_MM)?;
    check_range("margin_right_mm", layout.margin_right_mm, MAX_MARGIN_MM)?;
    check_range("column_gap_mm", layout.column_gap_mm, MAX_GAP_MM)?;
    check_range("row_gap_mm", layout.row_gap_mm, MAX_GAP_MM)?;

    let columns = layout.columns as f32;
    let rows = layout.rows as f32;
    let usable_w = PAGE_WIDTH_MM
        - layout.margin_left_mm
        - layout.margin_right_mm
        - (columns - 1.0) * layout.column_gap_mm;
    let usable_h = PAGE_HEIGHT_MM
        - layout.margin_top_mm
        - layout.margin_bottom_mm
        - (rows - 1.0) * layout.row_gap_mm;
    let width = usable_w / columns;
    let height = usable_h / rows;
    let cell = cell_geometry(width, height).ok_or(LabelError::CellTooSmall {
        width_mm: width,
        height_mm: height,
    })?;
    Ok(Grid {
        columns: layout.columns,
        rows: layout.rows,
        left: layout.margin_left_mm,
        top: layout.margin_top_mm,
        pitch_x: width + layout.column_gap_mm,
        pitch_y: height + layout.row_gap_mm,
        cell,
        cut_guides: layout.cut_guides,
    })
}

/// Place the three QR boxes and the text column in a `width` x `height` cell; `None` when the
/// cell cannot hold them at the minimum module size with a usable text column.
///
/// The big box is as tall as the cell allows (less padding) but at most 40 % of its width. The
/// small boxes are 62 % of it, but never below 0.35 mm modules; they go to the right end of the
/// cell, one above the other when the cell is tall enough for two at 0.35 mm modules (shrunk
/// towards that floor if needed), else side by side (the 2 x 16 case: two stacked 11.6 mm boxes
/// need 23 mm, the cell has 17.5). Side by side, their quiet zones touch, which leaves 4 white
/// modules between the two symbols.
pub(crate) fn cell_geometry(width: f32, height: f32) -> Option<CellGeometry> {
    if !(width.is_finite() && height.is_finite()) {
        return None;
    }
    let inner_h = height - 2.0 * CELL_PADDING_MM;
    let big_side = inner_h.min(BIG_MAX_WIDTH_SHARE * width);
    let small_floor = BOX_MODULES * SMALL_MODULE_MM;
    let mut small_side = (SMALL_SHARE * big_side).max(small_floor);
    let stacked = inner_h / 2.0 >= small_floor;
    if stacked {
        small_side = small_side.min(inner_h / 2.0);
    }
    if big_side < small_side {
        return None;
    }
    let big = Square {
        x: CELL_PADDING_MM,
        y: (height - big_side) / 2.0,
        side: big_side,
    };
    let right = width - CELL_PADDING_MM;
    let small = if stacked {
        let top = (height - 2.0 * small_side) / 2.0;
        let x = right - small_side;
        [
            Square {
                x,
                y: top,
                side: small_side,
            },
            Square {
                x,
                y: top + small_side,
                side: small_side,
            },
        ]
    } else {
        let y = (height - small_side) / 2.0;
        [
            Square {
                x: right - 2.0 * small_side,
                y,
                side: small_side,
            },
            Square {
                x: right - small_side,
                y,
                side: small_side,
            },
        ]
    };
    let text_left = big.x + big.side + TEXT_GAP_MM;
    let text_right = small[0].x - TEXT_GAP_MM;
    if text_right - text_left < MIN_TEXT_WIDTH_MM {
        return None;
    }
    Some(CellGeometry {
        width,
        height,
        big,
        small,
        text_left,
        text_right,
        band_top: big.y,
        band_height: big_side,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Layout;

    #[test]
    fn default_layout_is_two_by_sixteen_105_by_18_5() {
        let grid = grid(&Layout::default()).unwrap();
        assert_eq!((grid.columns, grid.rows, grid.per_page()), (2, 16, 32));
        let cell = grid.cell;
        assert!(
            (cell.width - 105.0).abs() < 1e-4 && (cell.height - 18.5).abs() < 1e-4,
            "{cell:?}"
        );
        let big_module = cell.big.module_size(LABEL_QR_MODULES);
        let small_module = cell.small[0].module_size(LABEL_QR_MODULES);
        assert!((0.52..0.54).contains(&big_module), "{big_module}");
        assert!(small_module >= 0.33, "{small_module}");
        // Side by side at the right end, inside the cell.
        assert_eq!(cell.small[0].y, cell.small[1].y);
        assert!((cell.small[1].x + cell.small[1].side - (105.0 - CELL_PADDING_MM)).abs() < 1e-4);
        assert!(cell.text_right - cell.text_left > 60.0);
        // The last row ends on the bottom margin.
        let (_, y) = grid.cell_origin(31);
        assert!((y + cell.height - (297.0 - 0.5)).abs() < 1e-3);
    }

    #[test]
    fn tall_cells_stack_the_small_codes() {
        // 2 x 8 stock: 105 x 37 mm.
        let cell = cell_geometry(105.0, 37.0).unwrap();
        assert_eq!(cell.small[0].x, cell.small[1].x);
        assert!(cell.small[1].y >= cell.small[0].y + cell.small[0].side);
        assert!(cell.small[1].y + cell.small[1].side <= 37.0 - CELL_PADDING_MM + 1e-4);
        assert!(cell.small[0].module_size(LABEL_QR_MODULES) >= SMALL_MODULE_MM);
        assert!(cell.text_right - cell.text_left > 45.0, "{cell:?}");
    }

    #[test]
    fn every_box_stays_inside_the_cell() {
        for (columns, rows) in [(1, 1), (1, 16), (2, 8), (2, 16), (3, 20), (4, 10), (2, 20)] {
            let layout = Layout {
                columns,
                rows,
                ..Layout::default()
            };
            let cell = grid(&layout).unwrap().cell;
            for square in [cell.big, cell.small[0], cell.small[1]] {
                assert!(
                    square.x >= 0.0 && square.y >= 0.0,
                    "{columns}x{rows}: {square:?}"
                );
                assert!(
                    square.x + square.side <= cell.width + 1e-4,
                    "{columns}x{rows}: {square:?}"
                );
                assert!(
                    square.y + square.side <= cell.height + 1e-4,
                    "{columns}x{rows}: {square:?}"
                );
                assert!(
                    square.module_size(LABEL_QR_MODULES) >= 0.33,
                    "{columns}x{rows}"
                );
            }
        }
    }

    #[test]
    fn too_small_cells_are_rejected() {
        for (columns, rows) in [(20, 16), (6, 16), (2, 20)] {
            let layout = Layout {
                columns,
                rows,
                margin_top_mm: 40.0,
                margin_bottom_mm: 40.0,
                ..Layout::default()
            };
            assert!(
                matches!(grid(&layout), Err(LabelError::CellTooSmall { .. })),
                "{columns}x{rows}"
            );
        }
        let crowded = Layout {
            rows: 20,
            row_gap_mm: 20.0,
            ..Layout::default()
        };
        assert!(matches!(
            grid(&crowded),
            Err(LabelError::CellTooSmall { .. })
        ));
    }

    #[test]
    fn out_of_range_layouts_are_rejected() {
        let bad = [
            Layout {
                columns: 0,
                ..Layout::default()
            },
            Layout {
                rows: 21,
                ..Layout::default()
            },
            Layout {
                margin_top_mm: -1.0,
                ..Layout::default()
            },
            Layout {
                margin_left_mm: 50.5,
                ..Layout::default()
            },
            Layout {
                margin_right_mm: f32::NAN,
                ..Layout::default()
            },
            Layout {
                margin_bottom_mm: f32::INFINITY,
                ..Layout::default()
            },
            Layout {
                column_gap_mm: 21.0,
                ..Layout::default()
            },
            Layout {
                row_gap_mm: -0.1,
                ..Layout::default()
            },
        ];
        for layout in bad {
            assert!(
                matches!(grid(&layout), Err(LabelError::InvalidLayout(_))),
                "{layout:?}"
            );
        }
    }
}
