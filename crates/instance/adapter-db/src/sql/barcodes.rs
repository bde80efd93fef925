//! The barcodes of boxes and items: the same statements on each kind's own table, and each
//! kind's rows read into objects with their barcodes. Mounted twice, as a module of `sqlite` and
//! of `pg` (see `sqlite.rs`).

use super::*;

/// The barcode queries of one kind of object, written once for boxes and items: the same
/// statements on each kind's own table (a macro, because every diesel table is its own type).
/// `$table($owner)` is the kind's barcode table and its owner column, `$row => $object` its row
/// and the object the row becomes with its barcodes; `$read`, `$with` and `$write` name the
/// functions made for the kind.
macro_rules! barcode_queries {
    (
        $table:ident($owner:ident),
        $row:ty => $object:ty,
        $read:ident,
        $with:ident,
        $write:ident $(,)?
    ) => {
        /// The barcodes of these owners by owner id, in position order. One owner (the common
        /// case) is a statement prepared once, which `IN (...)` is not; more are read in chunks.
        pub(crate) fn $read(
            c: &mut Conn,
            ids: &[&str],
        ) -> Result<std::collections::HashMap<String, Vec<String>>, DbError> {
            let mut codes: std::collections::HashMap<String, Vec<String>> =
                std::collections::HashMap::new();
            if let [one] = ids {
                let found: Vec<String> = $table::table
                    .filter($table::$owner.eq(one))
                    .order($table::position)
                    .select($table::barcode)
                    .load(c)?;
                if !found.is_empty() {
                    codes.insert((*one).to_owned(), found);
                }
            } else {
                for chunk in ids.chunks(INSERT_CHUNK) {
                    let found: Vec<(String, String)> = $table::table
                        .filter($table::$owner.eq_any(chunk))
                        .order(($table::$owner, $table::position))
                        .select(($table::$owner, $table::barcode))
                        .load(c)?;
                    for (owner, code) in found {
                        codes.entry(owner).or_default().push(code);
                    }
                }
            }
            Ok(codes)
        }

        /// Objects of these rows with their barcodes (one query for all barcodes).
        pub(crate) fn $with(c: &mut Conn, rows: Vec<$row>) -> Result<Vec<$object>, DbError> {
            let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
            let mut codes = $read(c, &ids)?;
            rows.into_iter()
                .map(|row| {
                    let barcodes = codes.remove(&row.id).unwrap_or_default();
                    row.into_domain(barcodes)
                })
                .collect()
        }

        /// Replaces the stored barcodes of `object` with its barcodes.
        pub(crate) fn $write(c: &mut Conn, object: &$object) -> Result<(), DbError> {
            let id = object.id.to_string();
            diesel::delete($table::table.filter($table::$owner.eq(&id))).execute(c)?;
            let rows: Vec<_> = object
                .barcodes
                .as_slice()
                .iter()
                .enumerate()
                .map(|(i, code)| {
                    (
                        $table::$owner.eq(id.clone()),
                        $table::position.eq(i as i32),
                        $table::barcode.eq(code.as_str().to_owned()),
                    )
                })
                .collect();
            if !rows.is_empty() {
                diesel::insert_into($table::table).values(rows).execute(c)?;
            }
            Ok(())
        }
    };
}

barcode_queries!(
    box_barcodes(box_id),
    BoxRow => StorageBox,
    box_barcodes_of,
    boxes_with_barcodes,
    write_box_barcodes,
);
barcode_queries!(
    item_barcodes(item_id),
    ItemRow => Item,
    item_barcodes_of,
    items_with_barcodes,
    write_item_barcodes,
);
