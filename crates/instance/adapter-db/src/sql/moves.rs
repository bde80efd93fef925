//! Moves, contents, locations, history and the verify snapshot. Mounted twice, as a module of
//! `sqlite` and of `pg` (see `sqlite.rs`).

use super::*;

/// Deepest nesting followed when walking up from a box (a guard; cycles are refused on write).
pub(crate) const MAX_DEPTH: usize = 1000;

/// The boxes that contain `start`, innermost first, starting with `start` itself.
pub(crate) fn box_chain(
    c: &mut Conn,
    start: BoxId,
) -> Result<(Vec<BoxId>, Option<PlaceId>), DbError> {
    let mut chain = vec![start];
    let mut current = start;
    loop {
        let (parent_box, parent_place): (Option<String>, Option<String>) = boxes::table
            .find(current.to_string())
            .select((boxes::parent_box, boxes::parent_place))
            .first(c)
            .optional()?
            .ok_or_else(|| AppError::not_found("box", current))?;
        match parent_from(parent_box.as_deref(), parent_place.as_deref())? {
            Some(Parent::Box(next)) => {
                if chain.len() >= MAX_DEPTH || chain.contains(&next) {
                    return Err(DbError::corrupt(format!(
                        "box {start} sits in a cycle or too deep"
                    )));
                }
                chain.push(next);
                current = next;
            }
            Some(Parent::Place(place)) => return Ok((chain, Some(place))),
            None => return Ok((chain, None)),
        }
    }
}

/// The steps of a move inside a unit of work (the application runs the domain's checks between
/// them, `eckwms_application::movement::steps`).
impl eckwms_application::ports::MovesTx for Unit<'_> {
    fn lock_for_move(
        &mut self,
        objects: &[Movable],
        to: Parent,
    ) -> AppResult<Vec<eckwms_application::ports::Located>> {
        self.run(|c| {
            let (box_keys, item_keys) = keys_by_table(objects);
            // Lock order: box nesting, boxes, items (see BackendOps::lock_rows). The nesting
            // lock keeps the target's chain of boxes still until the transaction ends: walked
            // without it, row by row under READ COMMITTED, the chain could join states from
            // before and after other moves and show a cycle that never was.
            if matches!(to, Parent::Box(_)) && !box_keys.is_empty() {
                c.lock_box_nesting()?;
            }
            let mut located = Vec::with_capacity(objects.len());
            for (table, keys) in [
                (MovableTable::Boxes, &box_keys),
                (MovableTable::Items, &item_keys),
            ] {
                for (id, parent_box, parent_place) in c.lock_parents(table, keys)? {
                    let object = match table {
                        MovableTable::Boxes => Movable::Box(typed_id(object_id(&id)?)?),
                        MovableTable::Items => Movable::Item(typed_id(object_id(&id)?)?),
                    };
                    located.push(eckwms_application::ports::Located {
                        object,
                        parent: parent_from(parent_box.as_deref(), parent_place.as_deref())?,
                    });
                }
            }
            Ok(located)
        })
    }

    fn box_chain(&mut self, start: BoxId) -> AppResult<Vec<BoxId>> {
        self.run(|c| Ok(box_chain(c, start)?.0))
    }

    fn container_exists(&mut self, container: Parent) -> AppResult<bool> {
        self.run(|c| container_exists(c, container))
    }

    fn place_role(&mut self, place: PlaceId) -> AppResult<Option<Option<PlaceRole>>> {
        self.run(|c| {
            let found: Option<Option<String>> = places::table
                .left_join(place_roles::table)
                .filter(places::id.eq(place.to_string()))
                .select(place_roles::role.nullable())
                .first(c)
                .optional()?;
            found
                .map(|role| role.map(|r| parse_role(&r)).transpose())
                .transpose()
        })
    }

    fn set_parents(
        &mut self,
        objects: &[Movable],
        to: Parent,
        ctx: &WriteContext,
    ) -> AppResult<()> {
        self.run(|c| {
            let (box_keys, item_keys) = keys_by_table(objects);
            let (to_box, to_place) = parent_columns(Some(to));
            let to = (to_box.as_deref(), to_place.as_deref());
            let at = to_db(ctx.at);
            let changed = c.set_parents(MovableTable::Boxes, &box_keys, to, at)?
                + c.set_parents(MovableTable::Items, &item_keys, to, at)?;
            if changed != objects.len() {
                return Err(DbError::corrupt(format!(
                    "{changed} rows moved for {} objects",
                    objects.len()
                )));
            }
            Ok(())
        })
    }
}

/// The ledger inside a unit of work.
impl eckwms_application::ports::LedgerTx for Unit<'_> {
    fn append(&mut self, ctx: &WriteContext, changes: &[Change]) -> AppResult<Vec<i64>> {
        self.run(|c| append(c, ctx, changes))
    }
}

/// The keys of the boxes and of the items among `objects`.
fn keys_by_table(objects: &[Movable]) -> (Vec<String>, Vec<String>) {
    let mut box_keys = Vec::new();
    let mut item_keys = Vec::new();
    for object in objects {
        match object {
            Movable::Box(b) => box_keys.push(b.to_string()),
            Movable::Item(i) => item_keys.push(i.to_string()),
        }
    }
    (box_keys, item_keys)
}

#[derive(QueryableByName, Queryable)]
pub(crate) struct ContentRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    id: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    name: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    parent_box: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    parent_place: Option<String>,
}

/// Objects directly in a container, by id. Boxes sort before items ('b' < 'i'), so the boxes
/// come first and the items fill the rest of the page: two cached statements, no UNION.
pub(crate) fn contents_direct(
    c: &mut Conn,
    container: Parent,
    key: &str,
    after: &str,
    limit: u32,
) -> Result<Vec<ContentRow>, DbError> {
    let limit = i64::from(limit);
    // The objects of one table whose container column is `key`: four statements (two tables,
    // two columns), each cached.
    macro_rules! direct {
        ($table:ident, $column:ident, $limit:expr) => {
            $table::table
                .filter($table::$column.eq(key))
                .filter($table::id.gt(after))
                .order($table::id)
                .limit($limit)
                .select((
                    $table::id,
                    $table::name,
                    $table::parent_box,
                    $table::parent_place,
                ))
                .load::<ContentRow>(c)?
        };
    }
    let mut rows = match container {
        Parent::Box(_) => direct!(boxes, parent_box, limit),
        Parent::Place(_) => direct!(boxes, parent_place, limit),
    };
    let remaining = limit - rows.len() as i64;
    if remaining > 0 {
        let items = match container {
            Parent::Box(_) => direct!(items, parent_box, remaining),
            Parent::Place(_) => direct!(items, parent_place, remaining),
        };
        rows.extend(items);
    }
    Ok(rows)
}

/// Everything below a container, by id: the boxes under it at any depth (a recursive CTE)
/// and the items in it or in any of those boxes.
pub(crate) fn contents_below(
    c: &mut Conn,
    container: Parent,
    key: &str,
    after: &str,
    limit: u32,
) -> Result<Vec<ContentRow>, DbError> {
    let column = match container {
        Parent::Box(_) => "parent_box",
        Parent::Place(_) => "parent_place",
    };
    // Boxes sort before items ('b' < 'i'), so one ordered UNION serves both kinds.
    let sql = format!(
        "WITH RECURSIVE tree(id) AS ( \
             SELECT id FROM boxes WHERE {column} = {p1} \
             UNION ALL SELECT b.id FROM boxes b JOIN tree t ON b.parent_box = t.id) \
         SELECT id, name, parent_box, parent_place FROM ( \
             SELECT id, name, parent_box, parent_place FROM boxes WHERE id IN (SELECT id FROM tree) \
             UNION ALL \
             SELECT id, name, parent_box, parent_place FROM items \
             WHERE {column} = {p2} OR parent_box IN (SELECT id FROM tree)) AS below \
         WHERE id > {p3} ORDER BY id LIMIT {p4}",
        p1 = bind_param(1),
        p2 = bind_param(2),
        p3 = bind_param(3),
        p4 = bind_param(4),
    );
    Ok(diesel::sql_query(sql)
        .bind::<diesel::sql_types::Text, _>(key)
        .bind::<diesel::sql_types::Text, _>(key)
        .bind::<diesel::sql_types::Text, _>(after)
        .bind::<diesel::sql_types::BigInt, _>(i64::from(limit))
        .load(c)?)
}

pub(crate) fn contents(
    c: &mut Conn,
    container: Parent,
    recursive: bool,
    page: &PageQuery<ObjectId>,
) -> Result<Vec<ContentEntry>, DbError> {
    let after = page.after.map(|a| a.to_string()).unwrap_or_default();
    let key = container.to_string();
    let rows = if recursive {
        contents_below(c, container, &key, &after, page.limit)?
    } else {
        contents_direct(c, container, &key, &after, page.limit)?
    };
    rows.into_iter()
        .map(|row| {
            let parent = parent_from(row.parent_box.as_deref(), row.parent_place.as_deref())?
                .ok_or_else(|| DbError::corrupt("content without parent"))?;
            Ok(ContentEntry {
                object: Movable::try_from(object_id(&row.id)?).map_err(DbError::corrupt)?,
                name: row.name,
                parent,
            })
        })
        .collect()
}

/// A place's role as stored.
pub(crate) fn parse_role(text: &str) -> Result<PlaceRole, DbError> {
    PlaceRole::parse(text).ok_or_else(|| DbError::corrupt(format!("place role {text:?}")))
}

/// The container an object is in (`None`: none), `not_found` when there is no such object. Also
/// the read of the single moves on PostgreSQL (`single_move::locate`, moves onto boxes).
pub(crate) fn parent_of(c: &mut Conn, object: Movable) -> Result<Option<Parent>, DbError> {
    let key = object.to_string();
    let columns: Option<(Option<String>, Option<String>)> = match object {
        Movable::Box(_) => boxes::table
            .find(&key)
            .select((boxes::parent_box, boxes::parent_place))
            .first(c)
            .optional()?,
        Movable::Item(_) => items::table
            .find(&key)
            .select((items::parent_box, items::parent_place))
            .first(c)
            .optional()?,
    };
    let (parent_box, parent_place) =
        columns.ok_or_else(|| AppError::not_found(object.object_id().kind().as_str(), object))?;
    parent_from(parent_box.as_deref(), parent_place.as_deref())
}

pub(crate) fn location(c: &mut Conn, object: Movable) -> Result<Location, DbError> {
    let parent = parent_of(c, object)?;
    let mut path = Vec::new();
    let place = match parent {
        None => None,
        Some(Parent::Place(place)) => Some(place),
        Some(Parent::Box(first)) => {
            let (chain, place) = box_chain(c, first)?;
            for b in chain {
                let name: Option<String> = boxes::table
                    .find(b.to_string())
                    .select(boxes::name)
                    .first(c)?;
                path.push(PathStep {
                    container: Parent::Box(b),
                    name,
                });
            }
            place
        }
    };
    let warehouse = match place {
        None => None,
        Some(place_id) => {
            let place = load_place(c, place_id)?;
            path.push(PathStep {
                container: Parent::Place(place_id),
                name: Some(place.name.into_string()),
            });
            Some(load_warehouse(c, place.warehouse_id)?)
        }
    };
    Ok(Location {
        object,
        path,
        place,
        warehouse,
    })
}

pub(crate) fn history(
    c: &mut Conn,
    object: ObjectId,
    page: &PageQuery<i64>,
) -> Result<Vec<LedgerEntry>, DbError> {
    // One cached statement: the object's index entries in order, joined to their rows.
    ledger_refs::table
        .inner_join(ledger::table)
        .filter(ledger_refs::object_id.eq(object.to_string()))
        .filter(ledger_refs::seq.gt(page.after.unwrap_or(0)))
        .order(ledger_refs::seq)
        .limit(i64::from(page.limit))
        .select(LedgerRow::as_select())
        .load(c)?
        .into_iter()
        .map(LedgerRow::into_domain)
        .collect()
}

pub(crate) fn ledger_head(c: &mut Conn) -> Result<i64, DbError> {
    Ok(ledger::table
        .select(diesel::dsl::max(ledger::seq))
        .first::<Option<i64>>(c)?
        .unwrap_or(0))
}

pub(crate) fn object_known(c: &mut Conn, object: ObjectId) -> Result<bool, DbError> {
    Ok(ledger_refs::table
        .filter(ledger_refs::object_id.eq(object.to_string()))
        .select(ledger_refs::seq)
        .first::<i64>(c)
        .optional()?
        .is_some())
}

/// Rows read per query while streaming the ledger and the stored state.
pub(crate) const VERIFY_CHUNK: i64 = 5000;

/// Reads a table in id order, chunk by chunk (`fetch` returns the rows after an id), and hands
/// each chunk to `each`.
pub(crate) fn in_id_order<R>(
    c: &mut Conn,
    fetch: impl Fn(&mut Conn, &str) -> QueryResult<Vec<R>>,
    id_of: impl Fn(&R) -> String,
    mut each: impl FnMut(&mut Conn, Vec<R>) -> Result<(), DbError>,
) -> Result<(), DbError> {
    let mut after = String::new();
    loop {
        let rows = fetch(c, &after)?;
        let Some(last) = rows.last() else {
            return Ok(());
        };
        after = id_of(last);
        each(c, rows)?;
    }
}

pub(crate) fn snapshot_for_verify(
    c: &mut Conn,
    replay: &mut Replay,
) -> Result<BTreeMap<ObjectId, State>, DbError> {
    let mut after = 0i64;
    loop {
        let rows: Vec<LedgerRow> = ledger::table
            .filter(ledger::seq.gt(after))
            .order(ledger::seq)
            .limit(VERIFY_CHUNK)
            .select(LedgerRow::as_select())
            .load(c)?;
        let Some(last) = rows.last() else { break };
        after = last.seq;
        for row in rows {
            replay.apply(&row.into_domain()?);
        }
    }
    let mut stored = BTreeMap::new();
    in_id_order(
        c,
        |c, after| {
            items::table
                .filter(items::id.gt(after))
                .order(items::id)
                .limit(VERIFY_CHUNK)
                .select(ItemRow::as_select())
                .load(c)
        },
        |row| row.id.clone(),
        |c, rows| {
            let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
            let mut actions: std::collections::HashMap<String, Vec<serde_json::Value>> =
                std::collections::HashMap::new();
            for chunk in ids.chunks(INSERT_CHUNK) {
                let found: Vec<ActionRow> = item_actions::table
                    .filter(item_actions::item_id.eq_any(chunk))
                    .order(item_actions::seq)
                    .select(ActionRow::as_select())
                    .load(c)?;
                let seqs: Vec<i64> = found.iter().map(|row| row.seq).collect();
                let mut results = repair_results_of(c, &seqs)?;
                for row in found {
                    let item = row.item_id.clone();
                    let seq = row.seq;
                    let mut action = row.into_domain()?;
                    action.result = results.remove(&seq);
                    let action = serde_json::to_value(action).map_err(DbError::corrupt)?;
                    actions.entry(item).or_default().push(action);
                }
            }
            for item in items_with_barcodes(c, rows)? {
                let mut state = state_of(&item);
                if let Some(list) = actions.remove(&item.id.to_string()) {
                    state.insert("actions".into(), serde_json::Value::Array(list));
                }
                stored.insert(item.id.object_id(), state);
            }
            Ok(())
        },
    )?;
    // Boxes: each row's state is its entity's, barcodes included.
    in_id_order(
        c,
        |c, after| {
            boxes::table
                .filter(boxes::id.gt(after))
                .order(boxes::id)
                .limit(VERIFY_CHUNK)
                .select(BoxRow::as_select())
                .load(c)
        },
        |row| row.id.clone(),
        |c, rows| {
            for boxed in boxes_with_barcodes(c, rows)? {
                stored.insert(boxed.id.object_id(), state_of(&boxed));
            }
            Ok(())
        },
    )?;
    // Places: each row's state is its entity's, its role included.
    in_id_order(
        c,
        |c, after| {
            places::table
                .left_join(place_roles::table)
                .filter(places::id.gt(after))
                .order(places::id)
                .limit(VERIFY_CHUNK)
                .select((PlaceRow::as_select(), place_roles::role.nullable()))
                .load(c)
        },
        |(row, _)| row.id.clone(),
        |_, rows| {
            for row in rows {
                let place = place_of(row)?;
                stored.insert(place.id.object_id(), state_of(&place));
            }
            Ok(())
        },
    )?;
    // Orders: each row's state is its entity's, declared devices included.
    in_id_order(
        c,
        |c, after| {
            orders::table
                .filter(orders::id.gt(after))
                .order(orders::id)
                .limit(VERIFY_CHUNK)
                .select(OrderRow::as_select())
                .load(c)
        },
        |row| row.id.clone(),
        |c, rows| {
            let orders = rows
                .into_iter()
                .map(OrderRow::into_domain)
                .collect::<Result<Vec<_>, _>>()?;
            for order in with_declared(c, orders)? {
                stored.insert(order.id.object_id(), state_of(&order));
            }
            Ok(())
        },
    )?;
    Ok(stored)
}
