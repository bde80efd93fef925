//! `eckwms backup`: a copy taken while clients write holds every write acknowledged before the
//! backup began, passes `eckwms verify` and serves when restored; refusals change nothing.

use std::path::Path;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use serde_json::json;

use crate::harness::{Api, BIN, Backend, Server, database, fresh_dir};

/// Clients writing at once.
const CLIENTS: usize = 4;
/// Writes acknowledged before the backup starts (so the copy has something to hold).
const WRITES_BEFORE: usize = 40;
/// Further writes each client makes after the backup has finished (the load spans it).
const WRITES_AFTER: usize = 5;
/// A bound on each client's writes, whatever happens.
const MAX_WRITES: usize = 5_000;

fn run(dir: &Path, db_url: &str, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env("ECKWMS__DATABASE__URL", db_url)
        .env("ECKWMS__LOG__LEVEL", "warn")
        .output()
        .expect("running eckwms")
}

/// One acknowledged write: the item, the box it was moved into (None: its creation), and when
/// the answer came.
struct Ack {
    item: String,
    moved_to: Option<String>,
    at: Instant,
}

#[actix_rt::test]
async fn a_backup_under_write_load_holds_every_acknowledged_write() {
    let db = database(Backend::Sqlite).unwrap();
    let server = Server::start(db.url());
    let api = Api::new(&server, &server.admin_key);
    let mut boxes = Vec::new();
    for _ in 0..2 {
        boxes.push(
            api.create("/api/v1/boxes", json!({})).await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let out = fresh_dir("backup").join("copy.db");
    let acks: Arc<Mutex<Vec<Ack>>> = Arc::default();
    let acknowledged = Arc::new(AtomicUsize::new(0));
    let backup_started: Arc<OnceLock<Instant>> = Arc::default();
    let backup_done = Arc::new(AtomicBool::new(false));

    let backup = {
        let (acknowledged, started, done) = (
            acknowledged.clone(),
            backup_started.clone(),
            backup_done.clone(),
        );
        let (dir, db_url, out) = (server.dir.clone(), server.db_url.clone(), out.clone());
        actix_rt::task::spawn_blocking(move || {
            // Not a timing: the backup waits for the load to be under way.
            while acknowledged.load(Ordering::SeqCst) < WRITES_BEFORE {
                std::thread::sleep(Duration::from_millis(5));
            }
            started.set(Instant::now()).unwrap();
            let output = run(&dir, &db_url, &["backup", "--out", out.to_str().unwrap()]);
            done.store(true, Ordering::SeqCst);
            output
        })
    };
    let load = join_all((0..CLIENTS).map(|client| {
        let api = Api::new(&server, &server.admin_key);
        let (acks, acknowledged, done) = (acks.clone(), acknowledged.clone(), backup_done.clone());
        let boxes = boxes.clone();
        async move {
            let mut after = 0;
            for n in 0..MAX_WRITES {
                if done.load(Ordering::SeqCst) {
                    after += 1;
                    if after > WRITES_AFTER {
                        break;
                    }
                }
                let item = api
                    .create("/api/v1/items", json!({"name": format!("c{client} n{n}")}))
                    .await["id"]
                    .as_str()
                    .unwrap()
                    .to_owned();
                acks.lock().unwrap().push(Ack {
                    item: item.clone(),
                    moved_to: None,
                    at: Instant::now(),
                });
                let to = &boxes[n % boxes.len()];
                let reply = api
                    .post("/api/v1/moves", json!({"objects": [item], "to": to}))
                    .await;
                assert_eq!(reply.status.as_u16(), 200, "{}", reply.body);
                acks.lock().unwrap().push(Ack {
                    item,
                    moved_to: Some(to.clone()),
                    at: Instant::now(),
                });
                acknowledged.fetch_add(2, Ordering::SeqCst);
            }
        }
    }));
    let (backup, _) = futures_util::future::join(backup, load).await;
    let backup = backup.unwrap();
    assert!(
        backup.status.success(),
        "backup failed: {}",
        String::from_utf8_lossy(&backup.stderr)
    );
    let started = *backup_started.get().unwrap();
    let acks = std::mem::take(&mut *acks.lock().unwrap());
    let before: Vec<&Ack> = acks.iter().filter(|a| a.at < started).collect();
    assert!(
        before.len() >= WRITES_BEFORE,
        "{} writes before",
        before.len()
    );
    assert!(
        acks.len() > before.len(),
        "the load went on during the backup"
    );
    assert!(server.terminate().success());

    // The copy passes verify (the ledger replays to the stored state) ...
    let copy_url = format!("sqlite://{}", out.display());
    let dir = fresh_dir("restored");
    let verified = run(&dir, &copy_url, &["verify"]);
    let report = String::from_utf8_lossy(&verified.stdout);
    assert!(verified.status.success(), "{report}");
    assert!(report.contains("problems: 0"), "{report}");

    // ... and, restored, serves every write acknowledged before the backup began.
    let restored = Server::start_in(&copy_url, dir);
    let api = Api::new(&restored, &server_key(&restored, &out));
    for ack in &before {
        let reply = api.get(&format!("/api/v1/items/{}", ack.item)).await;
        assert_eq!(reply.status.as_u16(), 200, "{}: {}", ack.item, reply.body);
        if let Some(to) = &ack.moved_to {
            assert_eq!(reply.body["parent"], to.as_str(), "{}", reply.body);
        }
    }
    assert!(restored.terminate().success());
}

/// The restored copy has the keys of the original, and so no bootstrap key file: the test makes
/// itself a key with the CLI, on the copy.
fn server_key(restored: &Server, out: &Path) -> String {
    let (code, key) = restored.command(&[
        "apikey",
        "create",
        "--name",
        "restore check",
        "--role",
        "admin",
    ]);
    assert_eq!(code, 0, "apikey create on {}", out.display());
    key.trim().to_owned()
}

#[test]
fn a_backup_never_overwrites_a_file() {
    let db = database(Backend::Sqlite).unwrap();
    let dir = fresh_dir("backup-refused");
    // A database with its migrations applied.
    assert!(run(&dir, db.url(), &["migrate"]).status.success());
    let out = dir.join("existing.db");
    std::fs::write(&out, b"an older backup").unwrap();
    let refused = run(&dir, db.url(), &["backup", "--out", out.to_str().unwrap()]);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("never overwrites"), "{stderr}");
    assert_eq!(std::fs::read(&out).unwrap(), b"an older backup");
    // Only the database and the refused target are there: no temporary file is left.
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["existing.db"]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_postgres_database_is_pointed_to_pg_dump() {
    let dir = fresh_dir("backup-pg");
    let out = dir.join("copy.db");
    // Refused from the URL alone: no server is needed, none is contacted.
    let refused = run(
        &dir,
        "postgres://eckwms:secret@127.0.0.1:1/eckwms",
        &["backup", "--out", out.to_str().unwrap()],
    );
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("pg_dump"), "{stderr}");
    assert!(stderr.contains("docs/deploy/README.md"), "{stderr}");
    assert!(!stderr.contains("secret"), "{stderr}");
    assert!(!out.exists());
    let _ = std::fs::remove_dir_all(&dir);
}
