//! Items, their serials and their repair actions. Mounted twice, as a module of `sqlite` and of
//! `pg` (see `sqlite.rs`).

use super::*;

pub(crate) fn load_item(c: &mut Conn, id: ItemId) -> Result<Item, DbError> {
    let row = items::table
        .find(id.to_string())
        .select(ItemRow::as_select())
        .first(c)
        .optional()?
        .ok_or_else(|| AppError::not_found("item", id))?;
    items_with_barcodes(c, vec![row])?
        .pop()
        .ok_or_else(|| DbError::corrupt("item vanished"))
}

pub(crate) fn create_item(
    c: &mut Conn,
    new: &NewItem,
    ctx: &WriteContext,
) -> Result<Item, DbError> {
    if let Some(parent) = new.parent {
        ensure_container(c, parent, "parent")?;
    }
    let id = new_id(c, "item", ItemId::new)?;
    insert_item(c, id, new, ctx)
}

/// Stores a new item under an id the caller chose (allocated, or read from a label).
pub(crate) fn insert_item(
    c: &mut Conn,
    id: ItemId,
    new: &NewItem,
    ctx: &WriteContext,
) -> Result<Item, DbError> {
    let item = Item {
        id,
        serial: new.serial.clone(),
        class_code: new.class_code.clone(),
        name: new.name.clone(),
        condition: new.condition.clone(),
        attributes: new.attributes.clone(),
        barcodes: new.barcodes.clone(),
        parent: new.parent,
        meta: Meta::new(ctx.at),
    };
    if let Some(serial) = &item.serial {
        claim_serial(c, None, serial, item.class_code.as_ref(), None)?;
    }
    diesel::insert_into(items::table)
        .values(ItemRow::from_domain(&item))
        .execute(c)?;
    write_item_barcodes(c, &item)?;
    append(
        c,
        ctx,
        &[Change::created(item.id.object_id(), state_of(&item))
            .within(item.parent.map(Parent::object_id))],
    )?;
    Ok(item)
}

pub(crate) fn get_item(c: &mut Conn, id: ItemId) -> Result<Item, DbError> {
    load_item(c, id)
}

/// The items that carry this serial, by id (exactly as written: serials are compared as text).
pub(crate) fn serial_holders(
    c: &mut Conn,
    serial: &str,
) -> Result<Vec<eckwms_domain::catalog::serial::SerialHolder>, DbError> {
    let rows: Vec<(String, Option<String>)> = items::table
        .filter(items::serial.eq(serial))
        .order(items::id)
        .select((items::id, items::class_code))
        .load(c)?;
    rows.into_iter()
        .map(|(id, class_code)| {
            Ok(eckwms_domain::catalog::serial::SerialHolder {
                id: typed(&id)?,
                class_code: opt_text("class_code", class_code)?,
            })
        })
        .collect()
}

/// Refuses (409 `serial_in_use`) a serial that names an item this one cannot be told apart
/// from (`eckwms_domain::catalog::serial`). `item` is the item being changed, `None` for a new one;
/// `was` its class code before the change when it carried this serial already (then only a new
/// clash is refused, see `check_change`). Returns whether the item still clashes with another
/// (a conflict from before the rule, kept out of the unique index by `serial_exempt`). The
/// serial's lock, held to the end of the transaction, keeps a concurrent writer of the same
/// serial from passing the same check before this one commits.
pub(crate) fn claim_serial(
    c: &mut Conn,
    item: Option<ItemId>,
    serial: &Code,
    class_code: Option<&Code>,
    was: Option<Option<&Code>>,
) -> Result<bool, DbError> {
    use eckwms_domain::catalog::serial;
    c.lock_serial(serial.as_str())?;
    let holders = serial_holders(c, serial.as_str())?;
    match (item, was) {
        (Some(id), Some(was)) => serial::check_change(id, serial, was, class_code, &holders),
        _ => serial::check(item, serial, class_code, &holders),
    }
    .map_err(|e| DbError::App(e.into()))?;
    Ok(!serial::clashes(item, class_code, &holders).is_empty())
}

/// The groups of items that break the serial rule. Only items marked `serial_exempt` (by the
/// migration that brought the rule) can be in one: every other item passed `claim_serial` when
/// its serial or class was last written, so it clashes with no item written before it, and every
/// item written after it was checked against it.
pub(crate) fn serial_conflicts(
    c: &mut Conn,
) -> Result<Vec<eckwms_domain::catalog::serial::SerialConflict>, DbError> {
    // The bare column, not `= true`: a bound value would keep both engines (with their stable
    // or generic plans) from using the partial index `items_serial_exempt`.
    let exempt: Vec<String> = items::table
        .filter(items::serial_exempt)
        .filter(items::serial.is_not_null())
        .select(items::serial.assume_not_null())
        .distinct()
        .load(c)?;
    let mut rows: Vec<(String, String, Option<String>)> = Vec::new();
    for chunk in exempt.chunks(INSERT_CHUNK) {
        rows.extend(
            items::table
                .filter(items::serial.assume_not_null().eq_any(chunk))
                .select((
                    items::id,
                    items::serial.assume_not_null(),
                    items::class_code,
                ))
                .load::<(String, String, Option<String>)>(c)?,
        );
    }
    let items = rows
        .into_iter()
        .map(|(id, serial, class_code)| {
            Ok((
                typed(&id)?,
                text("serial", serial)?,
                opt_text("class_code", class_code)?,
            ))
        })
        .collect::<Result<Vec<_>, DbError>>()?;
    Ok(eckwms_domain::catalog::serial::conflicts(items))
}

/// `LIKE` pattern for a case-insensitive substring search (wildcards in the text are literal).
pub(crate) fn contains_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for ch in text.to_lowercase().chars() {
        if matches!(ch, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(ch);
    }
    pattern.push('%');
    pattern
}

pub(crate) fn list_items(
    c: &mut Conn,
    filter: &ItemFilter,
    page: &PageQuery<ItemId>,
) -> Result<Vec<Item>, DbError> {
    let mut query = items::table
        .select(ItemRow::as_select())
        .order(items::id)
        .into_boxed();
    if let Some(class) = &filter.class_code {
        query = query.filter(items::class_code.eq(class.clone()));
    }
    match filter.parent {
        Some(Parent::Box(b)) => query = query.filter(items::parent_box.eq(b.to_string())),
        Some(Parent::Place(p)) => query = query.filter(items::parent_place.eq(p.to_string())),
        None => {}
    }
    if let Some(text) = &filter.text {
        let pattern = contains_pattern(text);
        let by_barcode = item_barcodes::table
            .filter(
                lower(item_barcodes::barcode)
                    .like(pattern.clone())
                    .escape('\\'),
            )
            .select(item_barcodes::item_id);
        query = query.filter(
            lower(items::serial.assume_not_null())
                .like(pattern.clone())
                .escape('\\')
                .or(lower(items::name.assume_not_null())
                    .like(pattern)
                    .escape('\\'))
                .or(items::id.eq_any(by_barcode)),
        );
    }
    if let Some(open) = filter.open_repair {
        let worked_on = item_actions::table
            .filter(item_actions::kind.eq_any(["check", "cause"]))
            .select(item_actions::item_id);
        let with_result = item_actions::table
            .filter(item_actions::kind.eq("result"))
            .select(item_actions::item_id);
        query = if open {
            query
                .filter(items::id.eq_any(worked_on))
                .filter(diesel::dsl::not(items::id.eq_any(with_result)))
        } else {
            query.filter(
                diesel::dsl::not(items::id.eq_any(worked_on)).or(items::id.eq_any(with_result)),
            )
        };
    }
    if let Some(after) = page.after {
        query = query.filter(items::id.gt(after.to_string()));
    }
    let rows = query.limit(i64::from(page.limit)).load(c)?;
    items_with_barcodes(c, rows)
}

pub(crate) fn update_item(
    c: &mut Conn,
    id: ItemId,
    expected: Expected,
    patch: &ItemPatch,
    ctx: &WriteContext,
) -> Result<Item, DbError> {
    c.lock_rows(Locked::Items, &[id.to_string()])?;
    let mut item = load_item(c, id)?;
    expected.check(item.meta.version)?;
    let before = state_of(&item);
    let (serial_before, class_before) = (item.serial.clone(), item.class_code.clone());
    item.apply(patch.clone());
    let changes = diff(&before, &state_of(&item));
    // A new serial or class is checked, and decides whether the item stays exempt from the
    // serial index (only while it still clashes with an item from before the rule).
    let serial_changed = changes.contains_key("serial") || changes.contains_key("class_code");
    let mut exempt = false;
    if serial_changed && let Some(serial) = &item.serial {
        let was = (serial_before.as_ref() == Some(serial)).then_some(class_before.as_ref());
        exempt = claim_serial(c, Some(id), serial, item.class_code.as_ref(), was)?;
    }
    if !changes.is_empty() {
        item.meta.touch(ctx.at);
        let target = items::table.find(id.to_string());
        if serial_changed {
            diesel::update(target)
                .set((ItemRow::from_domain(&item), items::serial_exempt.eq(exempt)))
                .execute(c)?;
        } else {
            diesel::update(target)
                .set(ItemRow::from_domain(&item))
                .execute(c)?;
        }
        if changes.contains_key("barcodes") {
            write_item_barcodes(c, &item)?;
        }
        append(c, ctx, &[Change::updated(id.object_id(), changes)])?;
    }
    Ok(item)
}

pub(crate) fn delete_item(
    c: &mut Conn,
    id: ItemId,
    expected: Expected,
    ctx: &WriteContext,
) -> Result<(), DbError> {
    c.lock_rows(Locked::Items, &[id.to_string()])?;
    let item = load_item(c, id)?;
    expected.check(item.meta.version)?;
    diesel::delete(items::table.find(id.to_string())).execute(c)?;
    let parent = item.parent.map(Parent::object_id);
    append(
        c,
        ctx,
        &[Change::deleted(id.object_id(), state_of(&item), parent)],
    )?;
    Ok(())
}

pub(crate) fn add_item_action(
    c: &mut Conn,
    id: ItemId,
    action: &ItemAction,
    ctx: &WriteContext,
) -> Result<ItemAction, DbError> {
    c.lock_rows(Locked::Items, &[id.to_string()])?;
    let mut item = load_item(c, id)?;
    item.meta.touch(ctx.at);
    diesel::update(items::table.find(id.to_string()))
        .set((
            items::version.eq(item.meta.version),
            items::updated_at.eq(to_db(ctx.at)),
        ))
        .execute(c)?;
    let change = Change {
        object: id.object_id(),
        kind: ChangeKind::Action,
        from: None,
        to: None,
        data: serde_json::to_value(action).map_err(DbError::corrupt)?,
    };
    let seq = append(c, ctx, &[change])?
        .into_iter()
        .next()
        .ok_or_else(|| DbError::corrupt("no ledger sequence"))?;
    diesel::insert_into(item_actions::table)
        .values(ActionRow {
            seq,
            item_id: id.to_string(),
            kind: action.kind.as_str().to_owned(),
            message: action.message.as_str().to_owned(),
            at: to_db(action.at),
            actor: action.actor.clone(),
        })
        .execute(c)?;
    if let Some(result) = &action.result {
        diesel::insert_into(repair_results::table)
            .values(RepairResultRow::from_domain(seq, result))
            .execute(c)?;
    }
    Ok(action.clone())
}

pub(crate) fn list_item_actions(
    c: &mut Conn,
    id: ItemId,
    page: &PageQuery<i64>,
) -> Result<Vec<RecordedAction>, DbError> {
    load_item(c, id)?;
    let mut actions = item_actions::table
        .filter(item_actions::item_id.eq(id.to_string()))
        .filter(item_actions::seq.gt(page.after.unwrap_or(0)))
        .order(item_actions::seq)
        .limit(i64::from(page.limit))
        .select(ActionRow::as_select())
        .load(c)?
        .into_iter()
        .map(|row| {
            let seq = row.seq;
            row.into_domain()
                .map(|action| RecordedAction { seq, action })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let results: Vec<i64> = actions
        .iter()
        .filter(|a| a.action.kind == eckwms_domain::ActionKind::Result)
        .map(|a| a.seq)
        .collect();
    let mut found = repair_results_of(c, &results)?;
    for recorded in &mut actions {
        recorded.action.result = found.remove(&recorded.seq);
    }
    Ok(actions)
}

/// The outcomes, parts and warranty of these `result` actions, by their seq (results recorded
/// before `repair_results` existed have none).
pub(crate) fn repair_results_of(
    c: &mut Conn,
    seqs: &[i64],
) -> Result<std::collections::HashMap<i64, eckwms_domain::repair::RepairResult>, DbError> {
    let mut found = std::collections::HashMap::new();
    for chunk in seqs.chunks(INSERT_CHUNK) {
        for row in repair_results::table
            .filter(repair_results::seq.eq_any(chunk))
            .select(RepairResultRow::as_select())
            .load::<RepairResultRow>(c)?
        {
            found.insert(row.seq, row.into_domain()?);
        }
    }
    Ok(found)
}

/// Items inside a unit of work.
impl eckwms_application::ports::ItemsTx for Unit<'_> {
    fn with_serial(&mut self, serial: &str) -> AppResult<Vec<Item>> {
        self.run(|c| {
            c.lock_serial(serial)?;
            serial_holders(c, serial)?
                .into_iter()
                .map(|holder| load_item(c, holder.id))
                .collect()
        })
    }

    fn is_class_code(&mut self, code: &str) -> AppResult<bool> {
        self.run(|c| {
            Ok(items::table
                .filter(items::class_code.eq(code))
                .select(items::id)
                .first::<String>(c)
                .optional()?
                .is_some())
        })
    }

    fn create_with_id(&mut self, id: ItemId, new: &NewItem, ctx: &WriteContext) -> AppResult<Item> {
        self.run(|c| {
            keep_counter_above(c, id.object_id())?;
            insert_item(c, id, new, ctx)
        })
    }

    fn update(
        &mut self,
        id: ItemId,
        expected: Expected,
        patch: &ItemPatch,
        ctx: &WriteContext,
    ) -> AppResult<Item> {
        self.run(|c| update_item(c, id, expected, patch, ctx))
    }
}
