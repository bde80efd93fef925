//! Seeding through the repository API: places, boxes, items, then rounds of batched moves until
//! the ledger holds the wanted number of rows, and one place holding an exact number of items.

use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use chrono::Utc;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use eckwms_adapter_db::Database;
use eckwms_application::movement::steps as moving;
use eckwms_application::ports::{
    BoxRepository, ItemRepository, MoveCommand, MoveRepository, OrderRepository, PageQuery,
    PlaceRepository, WriteContext,
};
use eckwms_domain::{
    BoxId, Code, Customer, ItemId, Movable, Name, NewBox, NewItem, NewOrder, NewPlace, ObjectId,
    OrderId, Parent, PlaceId, WarehouseId,
};

use crate::rng::Rng;

/// Objects per move (the service's own limit per move request).
pub const MOVE_BATCH: usize = 500;

/// Moves as a move request does: one unit of work running the application's steps of a move.
fn apply_moves(db: &Database, command: MoveCommand) -> anyhow::Result<()> {
    moving::run(db, None, &command, &ctx())?;
    Ok(())
}

/// What to seed.
#[derive(Clone, Debug)]
pub struct Plan {
    pub items: usize,
    pub places: usize,
    pub boxes: usize,
    /// Seed until the ledger holds at least this many rows.
    pub ledger_rows: u64,
    /// Items put, last, into one dedicated place (for the contents test).
    pub contents_objects: usize,
    /// Orders, each with a reference and a customer, one transaction each.
    pub orders: usize,
    /// Writer threads: 1 for SQLite (one writer at a time anyway), more for PostgreSQL.
    pub threads: usize,
    /// Stop the move rounds when seeding has taken this long (the ledger then stays smaller).
    pub budget: Option<Duration>,
}

/// What was seeded, and how long it took.
#[derive(Clone, Debug)]
pub struct Seeded {
    /// Items free to move (every item but those in the contents place).
    pub items: Vec<ItemId>,
    pub boxes: Vec<BoxId>,
    /// Ordinary places (not the contents place).
    pub places: Vec<PlaceId>,
    pub contents_place: PlaceId,
    pub contents_count: usize,
    pub orders: Vec<OrderId>,
    pub ledger_rows: u64,
    pub items_created: usize,
    pub create_items_time: Duration,
    pub move_calls: u64,
    pub moves_time: Duration,
    pub total_time: Duration,
    /// The budget ran out before the ledger reached `Plan::ledger_rows`.
    pub budget_hit: bool,
    /// Size of the database (the SQLite file, or `pg_database_size`), when it could be read.
    pub db_bytes: Option<u64>,
}

impl Seeded {
    /// Every container that moves may go to (boxes and ordinary places), as id text.
    pub fn targets(&self) -> Vec<String> {
        self.boxes
            .iter()
            .map(ToString::to_string)
            .chain(self.places.iter().map(ToString::to_string))
            .collect()
    }
}

fn ctx() -> WriteContext {
    WriteContext {
        actor: "bench:seed".into(),
        at: Utc::now(),
        request_id: None,
        reason: Some("benchmark seed".into()),
        scan: None,
        idempotency: None,
    }
}

fn name(text: String) -> anyhow::Result<Name> {
    Name::new("name", text).map_err(|e| anyhow!("invalid name: {e:?}"))
}

fn code(text: String) -> anyhow::Result<Code> {
    Code::new("serial", text).map_err(|e| anyhow!("invalid code: {e:?}"))
}

/// Opens, migrates and seeds the database at `url`.
pub fn seed(url: &str, plan: &Plan, seed: u64, log: &dyn Fn(&str)) -> anyhow::Result<Seeded> {
    let started = Instant::now();
    let db = Database::connect(&eckwms_adapter_db::DbSettings {
        pool_size: u32::try_from(plan.threads.max(2)).unwrap_or(2),
        ..eckwms_adapter_db::DbSettings::new(url)
    })
    .context("connecting to the database to seed")?;
    db.run_migrations()
        .context("migrating the database to seed")?;
    let mut rng = Rng::new(seed);

    let mut places = Vec::with_capacity(plan.places);
    for n in 0..plan.places.max(1) {
        let new = NewPlace {
            warehouse_id: WarehouseId(1),
            name: name(format!("Bench place {n}"))?,
        };
        places.push(db.create_place(&new, &ctx())?.id);
    }
    let contents_place = db
        .create_place(
            &NewPlace {
                warehouse_id: WarehouseId(1),
                name: name(format!(
                    "Bench contents ({} objects)",
                    plan.contents_objects
                ))?,
            },
            &ctx(),
        )?
        .id;
    let mut boxes = Vec::with_capacity(plan.boxes);
    for n in 0..plan.boxes {
        let parent = rng.pick(&places).copied().map(Parent::Place);
        let new = NewBox {
            name: Some(name(format!("Bench box {n}"))?),
            parent,
            ..NewBox::default()
        };
        boxes.push(db.create_box(&new, &ctx())?.id);
    }
    let containers: Vec<Parent> = boxes
        .iter()
        .copied()
        .map(Parent::Box)
        .chain(places.iter().copied().map(Parent::Place))
        .collect();

    // Items, each created in a random container: one transaction each, as the API would.
    let create_started = Instant::now();
    let threads = plan.threads.max(1);
    let mut items: Vec<ItemId> = Vec::with_capacity(plan.items);
    std::thread::scope(|scope| -> anyhow::Result<()> {
        let mut handles = Vec::with_capacity(threads);
        for t in 0..threads {
            let db = &db;
            let containers = &containers;
            let mut rng = Rng::new(seed ^ (0xC0FFEE + t as u64));
            handles.push(scope.spawn(move || -> anyhow::Result<Vec<ItemId>> {
                let mut made = Vec::new();
                for n in (t..plan.items).step_by(threads) {
                    let new = NewItem {
                        serial: Some(code(format!("BENCH-{n:07}"))?),
                        name: Some(name(format!("Bench item {n}"))?),
                        parent: rng.pick(containers).copied(),
                        ..NewItem::default()
                    };
                    made.push(db.create_item(&new, &ctx())?.id);
                }
                Ok(made)
            }));
        }
        for handle in handles {
            let made = handle
                .join()
                .map_err(|_| anyhow!("a seeding thread panicked"))??;
            items.extend(made);
        }
        Ok(())
    })?;
    let create_items_time = create_started.elapsed();
    log(&format!(
        "  {} items created in {:.1} s ({:.0} items/s)",
        items.len(),
        create_items_time.as_secs_f64(),
        items.len() as f64 / create_items_time.as_secs_f64().max(1e-9)
    ));
    if items.len() < plan.contents_objects {
        bail!(
            "the plan has fewer items ({}) than the contents place needs ({})",
            items.len(),
            plan.contents_objects
        );
    }

    let mut orders = Vec::with_capacity(plan.orders);
    for n in 0..plan.orders {
        let new = NewOrder {
            reference: Some(code(format!("BENCH-RMA-{n:06}"))?),
            customer: Customer {
                company: Some(name(format!("Bench customer {n}"))?),
                person: Some(name("Jane Doe".into())?),
                city: Some(name("Berlin".into())?),
                country: Some(name("DE".into())?),
                email: Some(name(format!("customer{n}@example.com"))?),
                ..Customer::default()
            },
            ..NewOrder::default()
        };
        orders.push(db.create_order(&new, &ctx())?.id);
    }

    // The contents place's items never move again: take them out of the pool now.
    let contents_items: Vec<ItemId> = items.split_off(items.len() - plan.contents_objects);

    // Rounds of batched moves: every moved object is one ledger row.
    let moves_started = Instant::now();
    let mut move_calls = 0u64;
    let mut budget_hit = false;
    let mut ledger_rows = count_ledger(url)?;
    let mut pool: Vec<Movable> = items.iter().copied().map(Movable::Item).collect();
    pool.extend(contents_items.iter().copied().map(Movable::Item));
    while ledger_rows < plan.ledger_rows {
        if plan
            .budget
            .is_some_and(|budget| started.elapsed() >= budget)
        {
            budget_hit = true;
            break;
        }
        rng.shuffle(&mut pool);
        // Only as many batches as still needed (each batch gives at most MOVE_BATCH rows).
        let missing = usize::try_from(plan.ledger_rows - ledger_rows).unwrap_or(usize::MAX);
        let wanted = missing.div_ceil(MOVE_BATCH).max(1);
        let batches: Vec<&[Movable]> = pool.chunks(MOVE_BATCH).take(wanted).collect();
        let calls = std::sync::atomic::AtomicU64::new(0);
        let out_of_time = std::sync::atomic::AtomicBool::new(false);
        std::thread::scope(|scope| -> anyhow::Result<()> {
            let mut handles = Vec::with_capacity(threads);
            for t in 0..threads {
                let (db, batches, containers) = (&db, &batches, &containers);
                let (calls, out_of_time) = (&calls, &out_of_time);
                let mut rng = Rng::new(rng.next_u64());
                handles.push(scope.spawn(move || -> anyhow::Result<()> {
                    for batch in batches.iter().skip(t).step_by(threads) {
                        if plan.budget.is_some_and(|b| started.elapsed() >= b) {
                            out_of_time.store(true, std::sync::atomic::Ordering::Relaxed);
                            break;
                        }
                        let to = *rng
                            .pick(containers)
                            .ok_or_else(|| anyhow!("no container"))?;
                        let command = MoveCommand {
                            objects: batch.to_vec(),
                            to,
                            expected_from: None,
                        };
                        apply_moves(db, command)?;
                        calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                    Ok(())
                }));
            }
            for handle in handles {
                handle
                    .join()
                    .map_err(|_| anyhow!("a seeding thread panicked"))??;
            }
            Ok(())
        })?;
        move_calls += calls.into_inner();
        budget_hit |= out_of_time.into_inner();
        ledger_rows = count_ledger(url)?;
        log(&format!(
            "  ledger: {ledger_rows} rows after {move_calls} move calls ({:.1} s)",
            moves_started.elapsed().as_secs_f64()
        ));
        if budget_hit {
            break;
        }
    }

    // Finally fill the contents place, in batches, and check that it holds exactly that many.
    for batch in contents_items.chunks(MOVE_BATCH) {
        let command = MoveCommand {
            objects: batch.iter().copied().map(Movable::Item).collect(),
            to: Parent::Place(contents_place),
            expected_from: None,
        };
        apply_moves(&db, command)?;
        move_calls += 1;
    }
    let moves_time = moves_started.elapsed();
    let contents_count = count_contents(&db, Parent::Place(contents_place))?;
    if contents_count != plan.contents_objects {
        bail!(
            "the contents place holds {contents_count} objects, not {}",
            plan.contents_objects
        );
    }
    ledger_rows = count_ledger(url)?;
    drop(db);
    if url.starts_with("sqlite") {
        // Fold the write-ahead log into the database file, so the service starts on a tidy file.
        checkpoint_sqlite(url)?;
    }
    Ok(Seeded {
        items_created: items.len() + contents_items.len(),
        items,
        boxes,
        places,
        contents_place,
        contents_count,
        orders,
        ledger_rows,
        create_items_time,
        move_calls,
        moves_time,
        total_time: started.elapsed(),
        budget_hit,
        db_bytes: database_bytes(url),
    })
}

/// Direct children of a container, counted page by page through the repository.
fn count_contents(db: &Database, container: Parent) -> anyhow::Result<usize> {
    let mut count = 0;
    let mut after: Option<ObjectId> = None;
    loop {
        let page = db.contents(container, false, &PageQuery { after, limit: 500 })?;
        let Some(last) = page.last() else {
            return Ok(count);
        };
        count += page.len();
        after = Some(last.object.object_id());
    }
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn sqlite_path(url: &str) -> Option<&str> {
    url.strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
}

/// Rows in the ledger, counted in the database.
pub fn count_ledger(url: &str) -> anyhow::Result<u64> {
    const SQL: &str = "SELECT count(*) AS n FROM ledger";
    let n = if let Some(path) = sqlite_path(url) {
        let mut conn = SqliteConnection::establish(path)?;
        diesel::sql_query(SQL).get_result::<Count>(&mut conn)?.n
    } else {
        let mut conn = PgConnection::establish(url)?;
        diesel::sql_query(SQL).get_result::<Count>(&mut conn)?.n
    };
    u64::try_from(n).context("negative row count")
}

/// Size of the database on disk.
fn database_bytes(url: &str) -> Option<u64> {
    if let Some(path) = sqlite_path(url) {
        return std::fs::metadata(path).ok().map(|m| m.len());
    }
    let mut conn = PgConnection::establish(url).ok()?;
    let size = diesel::sql_query("SELECT pg_database_size(current_database()) AS n")
        .get_result::<Count>(&mut conn)
        .ok()?;
    u64::try_from(size.n).ok()
}

fn checkpoint_sqlite(url: &str) -> anyhow::Result<()> {
    let path = sqlite_path(url).ok_or_else(|| anyhow!("not a SQLite URL"))?;
    let mut conn = SqliteConnection::establish(path)?;
    conn.batch_execute("PRAGMA busy_timeout = 5000; PRAGMA wal_checkpoint(TRUNCATE);")?;
    Ok(())
}
