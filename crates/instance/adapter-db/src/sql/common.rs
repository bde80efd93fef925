//! Shared helpers of the query functions. Mounted twice, as a module of `sqlite` and of `pg` (see
//! `sqlite.rs`): `Conn` is the backend's connection type there.

use super::*;

/// Rows per INSERT statement: keeps every statement under SQLite's bind-variable limit.
pub(crate) const INSERT_CHUNK: usize = 500;

/// Marks the request's idempotency claim applied, inside the write's own transaction.
pub(crate) fn mark_applied(c: &mut Conn, key: Option<&IdempotencyKeyRef>) -> Result<(), DbError> {
    let Some(key) = key else {
        return Ok(());
    };
    let updated = diesel::update(
        idempotency_keys::table
            .filter(idempotency_keys::owner.eq(&key.owner))
            .filter(idempotency_keys::key.eq(&key.key))
            .filter(idempotency_keys::state.eq("pending")),
    )
    .set(idempotency_keys::state.eq("applied"))
    .execute(c)?;
    if updated != 1 {
        return Err(AppError::refused(
            ProblemCode::IdempotencyInProgress,
            "the idempotency key is not held by this request",
        )
        .into());
    }
    Ok(())
}

/// Appends changes to the ledger (and its per-object index); returns their sequence numbers.
/// Call it after locking the rows the changes concern, so that per object, sequence order is
/// commit order.
pub(crate) fn append(
    c: &mut Conn,
    ctx: &WriteContext,
    changes: &[Change],
) -> Result<Vec<i64>, DbError> {
    if changes.is_empty() {
        return Ok(Vec::new());
    }
    let mut rows = NewLedgerRows {
        at: to_db(ctx.at),
        actor: ctx.actor.clone(),
        reason: ctx.reason.clone(),
        request_id: ctx.request_id.clone(),
        scan_id: ctx.scan,
        object_ids: Vec::with_capacity(changes.len()),
        changes: Vec::with_capacity(changes.len()),
        from_ids: Vec::with_capacity(changes.len()),
        to_ids: Vec::with_capacity(changes.len()),
        data: Vec::with_capacity(changes.len()),
        ref_objects: Vec::with_capacity(changes.len() * 3),
        ref_positions: Vec::with_capacity(changes.len() * 3),
    };
    for (position, change) in (1i64..).zip(changes) {
        rows.object_ids.push(change.object.to_string());
        rows.changes.push(change.kind.as_str().to_owned());
        rows.from_ids.push(change.from.map(|id| id.to_string()));
        rows.to_ids.push(change.to.map(|id| id.to_string()));
        rows.data.push(change.data.to_string());
        for subject in change.subjects() {
            rows.ref_objects.push(subject.to_string());
            rows.ref_positions.push(position);
        }
    }
    let seqs = c.append_ledger(&rows)?;
    if seqs.len() != changes.len() {
        return Err(DbError::corrupt(format!(
            "{} ledger rows appended for {} changes",
            seqs.len(),
            changes.len()
        )));
    }
    Ok(seqs)
}

/// A counter value as a typed id.
pub(crate) fn new_id<T>(
    c: &mut Conn,
    counter: &str,
    make: impl Fn(u64) -> Result<T, eckwms_domain::IdError>,
) -> Result<T, DbError> {
    let number = c
        .allocate(counter, 1)?
        .into_iter()
        .next()
        .ok_or_else(|| DbError::corrupt("counter returned nothing"))?;
    make(number as u64).map_err(|e| DbError::corrupt(format!("{counter} counter: {e}")))
}

/// Whether a container exists.
pub(crate) fn container_exists(c: &mut Conn, parent: Parent) -> Result<bool, DbError> {
    Ok(match parent {
        Parent::Box(id) => boxes::table
            .find(id.to_string())
            .select(boxes::id)
            .first::<String>(c)
            .optional()?
            .is_some(),
        Parent::Place(id) => places::table
            .find(id.to_string())
            .select(places::id)
            .first::<String>(c)
            .optional()?
            .is_some(),
    })
}

/// Checks that a container exists; `field` names the input that referred to it.
pub(crate) fn ensure_container(c: &mut Conn, parent: Parent, field: &str) -> Result<(), DbError> {
    if container_exists(c, parent)? {
        Ok(())
    } else {
        Err(AppError::invalid(field, format!("{parent} does not exist")).into())
    }
}

/// Fails with 409 when the container holds anything.
pub(crate) fn ensure_empty(c: &mut Conn, container: Parent) -> Result<(), DbError> {
    let id = container.to_string();
    // The first object of one table whose container column is `id`.
    macro_rules! first_in {
        ($table:ident, $column:ident) => {
            $table::table
                .filter($table::$column.eq(&id))
                .select($table::id)
                .first::<String>(c)
                .optional()?
        };
    }
    let (has_box, has_item) = match container {
        Parent::Box(_) => (first_in!(boxes, parent_box), first_in!(items, parent_box)),
        Parent::Place(_) => (
            first_in!(boxes, parent_place),
            first_in!(items, parent_place),
        ),
    };
    match has_box.or(has_item) {
        Some(inside) => Err(AppError::refused(
            ProblemCode::NotEmpty,
            format!("{id} still holds {inside}"),
        )
        .into()),
        None => Ok(()),
    }
}

/// Bind placeholder number `n` (1-based) in raw SQL of this backend.
pub(crate) fn bind_param(n: usize) -> String {
    if IS_POSTGRES {
        format!("${n}")
    } else {
        "?".to_owned()
    }
}
