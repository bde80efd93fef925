//! The global wing: this instance's enrollment with the global service (one row). Mounted
//! twice, as a module of `sqlite` and of `pg` (see `sqlite.rs`).

use eckwms_application::ports::GlobalLink;
use eckwms_domain::global::{GlobalUrl, InstanceKey};

use super::*;

pub(crate) fn global_link(c: &mut Conn) -> Result<Option<GlobalLink>, DbError> {
    let row: Option<(String, String, chrono::NaiveDateTime)> = global_link::table
        .find(1)
        .select((
            global_link::url,
            global_link::instance_key,
            global_link::enrolled_at,
        ))
        .first(c)
        .optional()?;
    row.map(|(url, key, at)| {
        Ok(GlobalLink {
            url: GlobalUrl::parse(&url)
                .map_err(|e| DbError::corrupt(format!("global_link.url: {e}")))?,
            // The message names the column, never the value.
            key: InstanceKey::parse(&key)
                .map_err(|e| DbError::corrupt(format!("global_link.instance_key: {e}")))?,
            enrolled_at: from_db(at),
        })
    })
    .transpose()
}

/// Replaces the row (run in a write transaction).
pub(crate) fn save_global_link(c: &mut Conn, link: &GlobalLink) -> Result<(), DbError> {
    diesel::delete(global_link::table).execute(c)?;
    diesel::insert_into(global_link::table)
        .values((
            global_link::id.eq(1),
            global_link::url.eq(link.url.as_str()),
            global_link::instance_key.eq(link.key.expose()),
            global_link::enrolled_at.eq(to_db(link.enrolled_at)),
        ))
        .execute(c)?;
    Ok(())
}
