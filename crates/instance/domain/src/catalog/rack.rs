//! Racks: a grid of places created together, named by prefix, row and column.

use serde::Serialize;

use crate::error::{DomainError, FieldError, Validation};
use crate::id::{MAX_ID_NUMBER, PlaceId, RackId, WarehouseId};
use crate::meta::Meta;
use crate::text::{Code, Name};

/// The cell grid of a rack: `columns x rows` cells numbered from `start_index`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RackLayout {
    columns: u32,
    rows: u32,
    start_index: u64,
}

/// A rack may hold at most this many cells (each becomes a place).
pub const MAX_RACK_CELLS: u64 = 10_000;

/// One cell of a rack, as reference section 1 defines it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct RackCell {
    pub rack_id: RackId,
    /// Cell index within the rack, from 0.
    pub index: u32,
    pub column: u32,
    pub row: u32,
}

impl RackLayout {
    pub fn new(columns: i64, rows: i64, start_index: i64) -> Result<Self, DomainError> {
        let mut v = Validation::new();
        v.range("columns", columns, 1, 1000);
        v.range("rows", rows, 1, 1000);
        v.range("start_index", start_index, 0, MAX_ID_NUMBER as i64);
        v.finish()?;
        let layout = Self {
            columns: columns as u32,
            rows: rows as u32,
            start_index: start_index as u64,
        };
        if layout.cell_count() > MAX_RACK_CELLS {
            return Err(DomainError::invalid(
                "rows",
                format!("a rack has at most {MAX_RACK_CELLS} cells (columns x rows)"),
            ));
        }
        Ok(layout)
    }

    pub fn columns(self) -> u32 {
        self.columns
    }
    pub fn rows(self) -> u32 {
        self.rows
    }
    pub fn start_index(self) -> u64 {
        self.start_index
    }

    pub fn cell_count(self) -> u64 {
        u64::from(self.columns) * u64::from(self.rows)
    }

    /// Column and row of the cell with this index: `index % columns`, `index / columns % rows`.
    pub fn cell(self, rack_id: RackId, index: u32) -> RackCell {
        RackCell {
            rack_id,
            index,
            column: index % self.columns,
            row: index / self.columns % self.rows,
        }
    }

    /// Place ids of all cells for a warehouse offset, in cell order.
    pub fn place_ids(self, warehouse_offset: u64) -> Result<Vec<PlaceId>, DomainError> {
        let first = warehouse_offset
            .checked_add(self.start_index)
            .filter(|first| first.saturating_add(self.cell_count()) <= MAX_ID_NUMBER + 1)
            .ok_or_else(|| {
                DomainError::invalid(
                    "start_index",
                    "warehouse offset + start index + cells must fit 18 digits",
                )
            })?;
        (0..self.cell_count())
            .map(|i| {
                PlaceId::new(first + i)
                    .map_err(|e| DomainError::invalid("start_index", e.to_string()))
            })
            .collect()
    }
}

/// Name of the place in a rack cell: prefix, then 1-based row and column.
pub fn rack_place_name(
    rack_name: &Name,
    prefix: Option<&Code>,
    cell: RackCell,
) -> Result<Name, FieldError> {
    let head = prefix.map_or(rack_name.as_str(), Code::as_str);
    let text = format!("{head}-{:02}-{:02}", cell.row + 1, cell.column + 1);
    let truncated: String = text.chars().take(200).collect();
    Name::new("name", truncated)
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rack {
    pub id: RackId,
    pub warehouse_id: WarehouseId,
    pub name: Name,
    pub prefix: Option<Code>,
    pub layout: RackLayout,
    pub sort_order: i32,
    pub pos_x: i32,
    pub pos_y: i32,
    /// Degrees, 0..360.
    pub rotation: i32,
    pub meta: Meta,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewRack {
    pub warehouse_id: WarehouseId,
    pub name: Name,
    pub prefix: Option<Code>,
    pub layout: RackLayout,
    pub sort_order: i32,
    pub pos_x: i32,
    pub pos_y: i32,
    pub rotation: i32,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RackPatch {
    pub name: Option<Name>,
    pub sort_order: Option<i32>,
    pub pos_x: Option<i32>,
    pub pos_y: Option<i32>,
    pub rotation: Option<i32>,
}

pub fn check_rotation(field: &str, rotation: i32) -> Result<(), FieldError> {
    if (0..360).contains(&rotation) {
        Ok(())
    } else {
        Err(FieldError::new(field, "must be between 0 and 359 degrees"))
    }
}

impl Rack {
    pub fn apply(&mut self, patch: RackPatch) {
        if let Some(v) = patch.name {
            self.name = v;
        }
        if let Some(v) = patch.sort_order {
            self.sort_order = v;
        }
        if let Some(v) = patch.pos_x {
            self.pos_x = v;
        }
        if let Some(v) = patch.pos_y {
            self.pos_y = v;
        }
        if let Some(v) = patch.rotation {
            self.rotation = v;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rack_cells_follow_the_reference_formula() {
        let layout = RackLayout::new(4, 3, 100).unwrap();
        assert_eq!(layout.cell_count(), 12);
        let cell = layout.cell(RackId(1), 6);
        assert_eq!((cell.column, cell.row), (2, 1));
        let ids = layout.place_ids(1000).unwrap();
        assert_eq!(ids.len(), 12);
        assert_eq!(ids[0].to_string(), "p000000000000001100");
        assert_eq!(ids[11].number(), 1111);
    }

    #[test]
    fn rack_layout_rejects_absurd_sizes() {
        assert!(RackLayout::new(0, 3, 0).is_err());
        assert!(RackLayout::new(1000, 1000, 0).is_err());
        assert!(RackLayout::new(3, 3, -1).is_err());
        let top = RackLayout::new(10, 10, MAX_ID_NUMBER as i64 - 50).unwrap();
        assert!(top.place_ids(0).is_err());
    }

    #[test]
    fn rack_place_names_use_prefix_row_column() {
        let name = Name::new("n", "Rack A").unwrap();
        let prefix = Code::new("p", "A").unwrap();
        let cell = RackLayout::new(4, 3, 0).unwrap().cell(RackId(1), 5);
        assert_eq!(
            rack_place_name(&name, Some(&prefix), cell)
                .unwrap()
                .as_str(),
            "A-02-02"
        );
        assert_eq!(
            rack_place_name(&name, None, cell).unwrap().as_str(),
            "Rack A-02-02"
        );
    }
}
