//! The barcodes of boxes and items: the same statements on each kind's own table. Mounted
//! twice, as a module of `sqlite` and of `pg` (see `sqlite.rs`).

use super::*;

/// The barcode statements of one kind of object, written once for boxes and items: the same
/// statements on each kind's own table (a macro, because every diesel table is its own type).
macro_rules! barcode_queries {
    ($read:ident, $write:ident, $table:ident, $owner:ident) => {
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

        /// Replaces the stored barcodes of the owner `id` with `barcodes`.
        pub(crate) fn $write(
            c: &mut Conn,
            id: &str,
            barcodes: &eckwms_domain::Barcodes,
        ) -> Result<(), DbError> {
            diesel::delete($table::table.filter($table::$owner.eq(id))).execute(c)?;
            let rows: Vec<_> = barcodes
                .as_slice()
                .iter()
                .enumerate()
                .map(|(i, code)| {
                    (
                        $table::$owner.eq(id.to_owned()),
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

barcode_queries!(box_barcodes_of, store_box_barcodes, box_barcodes, box_id);
barcode_queries!(
    item_barcodes_of,
    store_item_barcodes,
    item_barcodes,
    item_id
);
