// Shared helpers of the query functions. Included into `sqlite` and `pg` (see lib.rs):
// `Conn` is the backend's connection type there.

/// Rows per INSERT statement: keeps every statement under SQLite's bind-variable limit.
const INSERT_CHUNK: usize = 500;

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
        return Err(AppError::conflict(
            "idempotency_in_progress",
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
    let seqs = c.allocate("ledger", changes.len())?;
    let at = to_db(ctx.at);
    let rows: Vec<LedgerRow> = changes
        .iter()
        .zip(&seqs)
        .map(|(change, seq)| LedgerRow {
            seq: *seq,
            at,
            object_id: change.object.to_string(),
            change: change.kind.as_str().to_owned(),
            from_id: change.from.map(|id| id.to_string()),
            to_id: change.to.map(|id| id.to_string()),
            actor: ctx.actor.clone(),
            reason: ctx.reason.clone(),
            request_id: ctx.request_id.clone(),
            data: change.data.to_string(),
        })
        .collect();
    let refs: Vec<(String, i64)> = changes
        .iter()
        .zip(&seqs)
        .flat_map(|(change, seq)| {
            change
                .subjects()
                .into_iter()
                .map(move |id| (id.to_string(), *seq))
        })
        .collect();
    if IS_POSTGRES {
        // Few round trips: multi-row INSERTs.
        for chunk in rows.chunks(INSERT_CHUNK) {
            diesel::insert_into(ledger::table)
                .values(chunk)
                .execute(c)?;
        }
        let values: Vec<_> = refs
            .iter()
            .map(|(id, seq)| (ledger_refs::object_id.eq(id), ledger_refs::seq.eq(seq)))
            .collect();
        for chunk in values.chunks(INSERT_CHUNK) {
            diesel::insert_into(ledger_refs::table)
                .values(chunk)
                .execute(c)?;
        }
    } else {
        // No round trips to save, and a one-row INSERT is a cached prepared statement while a
        // multi-row one is parsed anew each time.
        for row in &rows {
            diesel::insert_into(ledger::table).values(row).execute(c)?;
        }
        for (id, seq) in &refs {
            diesel::insert_into(ledger_refs::table)
                .values((ledger_refs::object_id.eq(id), ledger_refs::seq.eq(seq)))
                .execute(c)?;
        }
    }
    Ok(seqs)
}

/// A counter value as a typed id.
fn new_id<T>(
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

/// Checks that a container exists; `field` names the input that referred to it.
fn ensure_container(c: &mut Conn, parent: Parent, field: &str) -> Result<(), DbError> {
    let exists = match parent {
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
    };
    if exists {
        Ok(())
    } else {
        Err(AppError::invalid(field, format!("{parent} does not exist")).into())
    }
}

/// Fails with 409 when the container holds anything.
fn ensure_empty(c: &mut Conn, container: Parent) -> Result<(), DbError> {
    let id = container.to_string();
    let (has_box, has_item) = match container {
        Parent::Box(_) => (
            boxes::table
                .filter(boxes::parent_box.eq(&id))
                .select(boxes::id)
                .first::<String>(c)
                .optional()?,
            items::table
                .filter(items::parent_box.eq(&id))
                .select(items::id)
                .first::<String>(c)
                .optional()?,
        ),
        Parent::Place(_) => (
            boxes::table
                .filter(boxes::parent_place.eq(&id))
                .select(boxes::id)
                .first::<String>(c)
                .optional()?,
            items::table
                .filter(items::parent_place.eq(&id))
                .select(items::id)
                .first::<String>(c)
                .optional()?,
        ),
    };
    match has_box.or(has_item) {
        Some(inside) => {
            Err(AppError::conflict("not_empty", format!("{id} still holds {inside}")).into())
        }
        None => Ok(()),
    }
}

/// Bind placeholder number `n` (1-based) in raw SQL of this backend.
fn bind_param(n: usize) -> String {
    if IS_POSTGRES {
        format!("${n}")
    } else {
        "?".to_owned()
    }
}
