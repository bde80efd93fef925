//! Scans, scan sessions, label prints and the instance identity. Mounted twice, as a module of
//! `sqlite` and of `pg` (see `sqlite.rs`).

use super::*;

pub(crate) fn optional<T>(result: Result<T, DbError>) -> Result<Option<T>, DbError> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(DbError::App(AppError::NotFound { .. })) => Ok(None),
        Err(e) => Err(e),
    }
}

pub(crate) fn scanned_object(
    c: &mut Conn,
    id: ObjectId,
) -> Result<Option<eckwms_application::ports::ScannedObject>, DbError> {
    use eckwms_application::ports::ScannedObject;
    use eckwms_domain::IdKind;
    Ok(match id.kind() {
        IdKind::Item => optional(load_item(c, typed_id(id)?))?.map(ScannedObject::Item),
        IdKind::Box => optional(load_box(c, typed_id(id)?))?.map(ScannedObject::Box),
        IdKind::Place => optional(load_place(c, typed_id(id)?))?.map(ScannedObject::Place),
        IdKind::Order => {
            optional(load_order(c, typed_id(id)?))?.map(|o| ScannedObject::Order(Box::new(o)))
        }
        IdKind::User | IdKind::Label => None,
    })
}

pub(crate) fn typed_id<T: TryFrom<ObjectId, Error = eckwms_domain::IdError>>(
    id: ObjectId,
) -> Result<T, DbError> {
    T::try_from(id).map_err(|e| DbError::App(AppError::invalid("id", e.to_string())))
}

/// Keeps the kind's counter at or above a number taken from a label, so that ids handed out
/// later never collide with it.
pub(crate) fn keep_counter_above(c: &mut Conn, id: ObjectId) -> Result<(), DbError> {
    let number = id.number();
    // Serial items (`i7…`) and RMA orders (`o8…`) must not drag their counters up there.
    if number >= eckwms_domain::id::MAPPED_ID_BASE {
        return Ok(());
    }
    let number = i64::try_from(number).map_err(DbError::corrupt)?;
    c.raise_counter(id.kind().as_str(), number)?;
    Ok(())
}

/// At most this many objects are named by one barcode in an answer.
pub(crate) const CODE_MATCHES: i64 = 20;

pub(crate) fn find_by_code(c: &mut Conn, code: &str) -> Result<Vec<ObjectId>, DbError> {
    let mut ids: Vec<String> = item_barcodes::table
        .filter(item_barcodes::barcode.eq(code))
        .select(item_barcodes::item_id)
        .limit(CODE_MATCHES)
        .load(c)?;
    ids.extend(
        items::table
            .filter(items::serial.eq(code))
            .select(items::id)
            .limit(CODE_MATCHES)
            .load::<String>(c)?,
    );
    ids.extend(
        box_barcodes::table
            .filter(box_barcodes::barcode.eq(code))
            .select(box_barcodes::box_id)
            .limit(CODE_MATCHES)
            .load::<String>(c)?,
    );
    let mut found = ids
        .iter()
        .map(|s| object_id(s))
        .collect::<Result<Vec<_>, _>>()?;
    found.sort();
    found.dedup();
    Ok(found)
}

/// Whether the item, box, place or order `id` exists: one primary key lookup, no row loaded.
pub(crate) fn object_exists(c: &mut Conn, id: ObjectId) -> Result<bool, DbError> {
    use eckwms_domain::IdKind;
    let key = id.to_string();
    let found = match id.kind() {
        IdKind::Item => items::table
            .find(&key)
            .select(items::id)
            .first::<String>(c)
            .optional()?,
        IdKind::Box => boxes::table
            .find(&key)
            .select(boxes::id)
            .first::<String>(c)
            .optional()?,
        IdKind::Place => places::table
            .find(&key)
            .select(places::id)
            .first::<String>(c)
            .optional()?,
        IdKind::Order => orders::table
            .find(&key)
            .select(orders::id)
            .first::<String>(c)
            .optional()?,
        IdKind::User | IdKind::Label => None,
    };
    Ok(found.is_some())
}

/// The items whose serial is `serial` regardless of case (`lower()` on both sides: ASCII
/// letters on SQLite, all letters on PostgreSQL), through the index `items_by_serial_lower`.
pub(crate) fn items_with_serial_any_case(
    c: &mut Conn,
    serial: &str,
) -> Result<Vec<ItemId>, DbError> {
    items::table
        .filter(lower(items::serial.assume_not_null()).eq(lower(serial)))
        .order(items::id)
        .select(items::id)
        .limit(CODE_MATCHES)
        .load::<String>(c)?
        .iter()
        .map(|id| typed(id))
        .collect()
}

/// The orders whose tracking number is `number`, through the index `orders_by_tracking`.
pub(crate) fn orders_with_tracking(c: &mut Conn, number: &str) -> Result<Vec<OrderId>, DbError> {
    orders::table
        .filter(orders::tracking_number.eq(number))
        .order(orders::id)
        .select(orders::id)
        .limit(CODE_MATCHES)
        .load::<String>(c)?
        .iter()
        .map(|id| typed(id))
        .collect()
}

/// The scan log and the sessions inside a unit of work.
impl eckwms_application::ports::ScansTx for Unit<'_> {
    fn lock_owner(&mut self, owner: &str) -> AppResult<()> {
        self.run(|c| Ok(c.lock_scan_owner(owner)?))
    }

    fn find(&mut self, owner: &str, msg_id: &str) -> AppResult<Option<ScanRecord>> {
        self.run(|c| {
            scans::table
                .filter(scans::owner.eq(owner))
                .filter(scans::msg_id.eq(msg_id))
                .select(ScanRow::as_select())
                .first(c)
                .optional()?
                .map(|row| row.into_domain(Vec::new()))
                .transpose()
        })
    }

    fn next_id(&mut self) -> AppResult<i64> {
        self.run(|c| {
            if !IS_POSTGRES {
                // The writer lock is held: the largest id so far is ours to continue from (one
                // index lookup, no counter row written), as the ledger does.
                let last: Option<i64> =
                    scans::table.select(diesel::dsl::max(scans::id)).first(c)?;
                return Ok(last.unwrap_or(0) + 1);
            }
            c.allocate("scan", 1)?
                .into_iter()
                .next()
                .ok_or_else(|| DbError::corrupt("scan counter returned nothing"))
        })
    }

    fn load_session(&mut self, owner: &str) -> AppResult<Option<StoredSession>> {
        self.run(|c| load_session(c, owner))
    }

    fn save_session(&mut self, session: &StoredSession) -> AppResult<()> {
        self.run(|c| {
            let row = SessionRow::from_domain(session)?;
            // UPDATE, then INSERT for a new owner: two statements prepared once each. The scan
            // holds its owner's lock (`lock_owner`), so no other scan inserts it in between.
            let updated = diesel::update(scan_sessions::table.find(&row.owner))
                .set(&row)
                .execute(c)?;
            if updated == 0 {
                diesel::insert_into(scan_sessions::table)
                    .values(&row)
                    .execute(c)?;
            }
            Ok(())
        })
    }

    fn insert(&mut self, record: &ScanRecord) -> AppResult<()> {
        self.run(|c| {
            diesel::insert_into(scans::table)
                .values(ScanRow::from_domain(record))
                .execute(c)?;
            Ok(())
        })
    }
}

/// Objects of every kind inside a unit of work, as a scan finds them.
impl eckwms_application::ports::ObjectsTx for Unit<'_> {
    fn get(&mut self, id: ObjectId) -> AppResult<Option<eckwms_application::ports::ScannedObject>> {
        self.run(|c| scanned_object(c, id))
    }

    fn find_by_code(&mut self, code: &str) -> AppResult<Vec<ObjectId>> {
        self.run(|c| find_by_code(c, code))
    }
}

pub(crate) fn load_session(c: &mut Conn, owner: &str) -> Result<Option<StoredSession>, DbError> {
    scan_sessions::table
        .find(owner)
        .select(SessionRow::as_select())
        .first(c)
        .optional()?
        .map(SessionRow::into_domain)
        .transpose()
}

pub(crate) fn delete_session(c: &mut Conn, owner: &str) -> Result<bool, DbError> {
    Ok(diesel::delete(scan_sessions::table.find(owner)).execute(c)? > 0)
}

pub(crate) fn purge_sessions(c: &mut Conn, cutoff: DateTime<Utc>) -> Result<u64, DbError> {
    let deleted = diesel::delete(
        scan_sessions::table.filter(scan_sessions::updated_at.lt(crate::rows::to_db(cutoff))),
    )
    .execute(c)?;
    Ok(deleted as u64)
}

/// The ledger rows each scan caused, by scan id.
pub(crate) fn ledger_seqs_of(
    c: &mut Conn,
    ids: &[i64],
) -> Result<BTreeMap<i64, Vec<i64>>, DbError> {
    let mut by_scan: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for chunk in ids.chunks(INSERT_CHUNK) {
        let rows: Vec<(Option<i64>, i64)> = ledger::table
            .filter(ledger::scan_id.eq_any(chunk))
            .order(ledger::seq)
            .select((ledger::scan_id, ledger::seq))
            .load(c)?;
        for (scan, seq) in rows {
            if let Some(scan) = scan {
                by_scan.entry(scan).or_default().push(seq);
            }
        }
    }
    Ok(by_scan)
}

pub(crate) fn list_scans(
    c: &mut Conn,
    filter: &ScanFilter,
    page: &PageQuery<i64>,
) -> Result<Vec<ScanRecord>, DbError> {
    let mut query = scans::table
        .select(ScanRow::as_select())
        .order(scans::id.desc())
        .into_boxed();
    if let Some(device) = &filter.device_id {
        query = query.filter(scans::device_id.eq(device.clone()));
    }
    if let Some(action) = filter.action {
        query = query.filter(scans::action.eq(action.as_str()));
    }
    if let Some(object) = filter.object {
        query = query.filter(scans::object_id.eq(object.to_string()));
    }
    if let Some(since) = filter.since {
        query = query.filter(scans::at.ge(crate::rows::to_db(since)));
    }
    if let Some(until) = filter.until {
        query = query.filter(scans::at.lt(crate::rows::to_db(until)));
    }
    if let Some(after) = page.after {
        query = query.filter(scans::id.lt(after));
    }
    let rows: Vec<ScanRow> = query.limit(i64::from(page.limit)).load(c)?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut seqs = ledger_seqs_of(c, &ids)?;
    rows.into_iter()
        .map(|row| {
            let own = seqs.remove(&row.id).unwrap_or_default();
            row.into_domain(own)
        })
        .collect()
}

pub(crate) fn get_scan(c: &mut Conn, id: i64) -> Result<ScanRecord, DbError> {
    let row = scans::table
        .find(id)
        .select(ScanRow::as_select())
        .first(c)
        .optional()?
        .ok_or_else(|| AppError::not_found("scan", id))?;
    let seqs = ledger_seqs_of(c, &[id])?.remove(&id).unwrap_or_default();
    row.into_domain(seqs)
}

// ---------------------------------------------------------------- labels and identity

pub(crate) fn allocate_labels(
    c: &mut Conn,
    kind: eckwms_domain::IdKind,
    count: usize,
    format: &str,
    actor: &str,
    at: DateTime<Utc>,
) -> Result<LabelPrint, DbError> {
    let objects = c
        .allocate(kind.as_str(), count)?
        .into_iter()
        .map(|n| ObjectId::new(kind, n as u64).map_err(DbError::corrupt))
        .collect::<Result<Vec<_>, _>>()?;
    record_print(c, kind, objects, false, format, actor, at)
}

pub(crate) fn record_reprint(
    c: &mut Conn,
    kind: eckwms_domain::IdKind,
    ids: &[ObjectId],
    format: &str,
    actor: &str,
    at: DateTime<Utc>,
) -> Result<LabelPrint, DbError> {
    record_print(c, kind, ids.to_vec(), true, format, actor, at)
}

pub(crate) fn record_print(
    c: &mut Conn,
    kind: eckwms_domain::IdKind,
    objects: Vec<ObjectId>,
    reprint: bool,
    format: &str,
    actor: &str,
    at: DateTime<Utc>,
) -> Result<LabelPrint, DbError> {
    let id = c
        .allocate("label_print", 1)?
        .into_iter()
        .next()
        .ok_or_else(|| DbError::corrupt("label print counter returned nothing"))?;
    let print = LabelPrint {
        id,
        at,
        actor: actor.to_owned(),
        kind,
        reprint,
        format: format.to_owned(),
        objects,
    };
    diesel::insert_into(label_prints::table)
        .values(LabelPrintRow::from_domain(&print)?)
        .execute(c)?;
    Ok(print)
}

pub(crate) fn label_subjects(c: &mut Conn, ids: &[ObjectId]) -> Result<Vec<LabelSubject>, DbError> {
    let mut subjects = Vec::with_capacity(ids.len());
    for id in ids {
        let caption = match id.kind() {
            eckwms_domain::IdKind::Place => {
                let Some(place) = optional(load_place(c, typed_id(*id)?))? else {
                    continue;
                };
                let rack = match place.rack {
                    Some(cell) => Some((optional(load_rack(c, cell.rack_id))?, cell)),
                    None => None,
                };
                Some(match rack {
                    Some((Some(rack), cell)) => format!(
                        "{} · {} col {} row {}",
                        place.name.as_str(),
                        rack.name.as_str(),
                        cell.column + 1,
                        cell.row + 1
                    ),
                    _ => place.name.as_str().to_owned(),
                })
            }
            eckwms_domain::IdKind::Item => match optional(load_item(c, typed_id(*id)?))? {
                Some(item) => item.name.map(|n| n.as_str().to_owned()),
                None => continue,
            },
            eckwms_domain::IdKind::Box => match optional(load_box(c, typed_id(*id)?))? {
                Some(boxed) => boxed.name.map(|n| n.as_str().to_owned()),
                None => continue,
            },
            eckwms_domain::IdKind::Order => match optional(load_order(c, typed_id(*id)?))? {
                Some(order) => order.reference.map(|r| r.as_str().to_owned()),
                None => continue,
            },
            // A badge: the name of its user.
            eckwms_domain::IdKind::User => match users::table
                .find(id.to_string())
                .select(users::display_name)
                .first::<String>(c)
                .optional()?
            {
                Some(name) => Some(name),
                None => continue,
            },
            eckwms_domain::IdKind::Label => None,
        };
        subjects.push(LabelSubject { id: *id, caption });
    }
    Ok(subjects)
}

pub(crate) fn identity_or_insert(
    c: &mut Conn,
    candidate: &InstanceIdentity,
    at: DateTime<Utc>,
) -> Result<InstanceIdentity, DbError> {
    diesel::insert_into(instance_identity::table)
        .values((
            instance_identity::id.eq(1),
            instance_identity::instance_id.eq(&candidate.instance_id),
            instance_identity::public_key.eq(hex::encode(&candidate.public_key)),
            instance_identity::secret_key.eq(hex::encode(&candidate.secret_key)),
            instance_identity::created_at.eq(crate::rows::to_db(at)),
        ))
        .on_conflict_do_nothing()
        .execute(c)?;
    let (instance_id, public_key, secret_key): (String, String, String) = instance_identity::table
        .find(1)
        .select((
            instance_identity::instance_id,
            instance_identity::public_key,
            instance_identity::secret_key,
        ))
        .first(c)?;
    Ok(InstanceIdentity {
        instance_id,
        public_key: hex::decode(public_key).map_err(DbError::corrupt)?,
        secret_key: hex::decode(secret_key).map_err(DbError::corrupt)?,
    })
}
