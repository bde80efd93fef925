//! The cache of instances' public views for the label page: found, stored (upserted) and
//! purged. Mounted twice, as a module of `sqlite` and of `pg` (see `sqlite.rs`).

use super::*;

pub(crate) fn find_view(
    c: &mut Conn,
    instance: &InstanceId,
    object_id: &str,
) -> Result<Option<CachedView>, DbError> {
    let key = instance.to_string();
    let row: Option<(Option<String>, i64)> = public_views::table
        .find((&key, object_id))
        .select((public_views::view, public_views::fetched_at))
        .first(c)
        .optional()?;
    let Some((view, fetched_at)) = row else {
        return Ok(None);
    };
    let view = view
        .map(|json| PublicView::from_json(json.as_bytes()))
        .transpose()
        .map_err(|e| DbError::corrupt(format!("public_views.view: {e}")))?;
    Ok(Some(CachedView {
        instance_id: *instance,
        object_id: object_id.to_owned(),
        view,
        fetched_at: time(fetched_at)?,
    }))
}

pub(crate) fn store_view(c: &mut Conn, v: &CachedView) -> Result<(), DbError> {
    let instance = v.instance_id.to_string();
    let view = v.view.as_ref().map(PublicView::to_json);
    let fetched_at = micros(v.fetched_at);
    diesel::insert_into(public_views::table)
        .values((
            public_views::instance_id.eq(&instance),
            public_views::object_id.eq(&v.object_id),
            public_views::view.eq(&view),
            public_views::fetched_at.eq(fetched_at),
        ))
        .on_conflict((public_views::instance_id, public_views::object_id))
        .do_update()
        .set((
            public_views::view.eq(&view),
            public_views::fetched_at.eq(fetched_at),
        ))
        .execute(c)?;
    Ok(())
}

pub(crate) fn purge_views(c: &mut Conn, before: DateTime<Utc>) -> Result<u64, DbError> {
    let before = micros(before);
    let deleted = diesel::delete(public_views::table.filter(public_views::fetched_at.lt(before)))
        .execute(c)?;
    Ok(deleted as u64)
}
