//! 32 clients moving the same objects at random; then checks of every invariant.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use eckwms_adapter_db::testing::TestDatabase;
use futures_util::future::join_all;
use serde_json::json;

use crate::harness::{Api, Server};

pub const CLIENTS: usize = 32;

/// Seconds each stress run lasts: 10 unless `ECKWMS_STRESS_SECS` says otherwise.
pub fn seconds() -> u64 {
    std::env::var("ECKWMS_STRESS_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10)
}

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n
    }
}

/// Moves 8 boxes and 16 items between each other and 4 places from 32 clients for `duration`,
/// spread over the given servers; asserts no 5xx, only the expected refusals, and consistent
/// whereabouts afterwards.
pub async fn random_moves(servers: &[&Server], duration: Duration) {
    let api = Api::new(servers[0], &servers[0].admin_key);
    let mut places = Vec::new();
    for i in 0..4 {
        places.push(
            api.create("/api/v1/places", json!({"name": format!("P{i}")}))
                .await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let mut boxes = Vec::new();
    for _ in 0..8 {
        boxes.push(
            api.create("/api/v1/boxes", json!({})).await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let mut items = Vec::new();
    for _ in 0..16 {
        items.push(
            api.create("/api/v1/items", json!({})).await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let deadline = Instant::now() + duration;
    let outcomes = join_all((0..CLIENTS).map(|client| {
        let api = Api::new(servers[client % servers.len()], &servers[0].admin_key);
        let (places, boxes, items) = (places.clone(), boxes.clone(), items.clone());
        async move {
            let mut rng = Rng(client as u64 + 1);
            let mut counts: HashMap<u16, u32> = HashMap::new();
            let mut requests = 0u32;
            while Instant::now() < deadline && requests < 20_000 {
                requests += 1;
                let objects: Vec<&String> = (0..1 + rng.below(3))
                    .map(|_| {
                        if rng.below(2) == 0 {
                            &boxes[rng.below(boxes.len())]
                        } else {
                            &items[rng.below(items.len())]
                        }
                    })
                    .collect::<HashSet<_>>()
                    .into_iter()
                    .collect();
                let to = if rng.below(2) == 0 {
                    &boxes[rng.below(boxes.len())]
                } else {
                    &places[rng.below(places.len())]
                };
                let reply = api
                    .post("/api/v1/moves", json!({"objects": objects, "to": to}))
                    .await;
                let status = reply.status.as_u16();
                if status >= 500 {
                    // The service logs the cause with the request id (a panic without it): show them.
                    std::thread::sleep(Duration::from_millis(300));
                    let request_id = reply.body["request_id"].as_str().unwrap_or("?").to_owned();
                    let cause: Vec<String> = servers
                        .iter()
                        .flat_map(|s| s.log.try_iter().collect::<Vec<_>>())
                        .filter(|line| {
                            line.contains(&request_id)
                                || line.contains("panicked")
                                || line.contains("ERROR")
                        })
                        .collect();
                    panic!(
                        "5xx under concurrency: {}\nserver log:\n{}",
                        reply.body,
                        cause.join("\n")
                    );
                }
                if status == 409 {
                    assert_eq!(reply.body["code"], "move_cycle", "{}", reply.body);
                } else if status != 200 {
                    panic!("unexpected {status}: {}", reply.body);
                }
                *counts.entry(status).or_default() += 1;
            }
            counts
        }
    }))
    .await;
    let moved: u32 = outcomes
        .iter()
        .map(|c| c.get(&200).copied().unwrap_or(0))
        .sum();
    assert!(moved > 0, "no move succeeded");
    eprintln!(
        "concurrent moves: {moved} applied, {} refused as cycles",
        outcomes
            .iter()
            .map(|c| c.get(&409).copied().unwrap_or(0))
            .sum::<u32>()
    );

    // Every object is in exactly one place: what each container lists matches each object's parent.
    let mut listed_parent: HashMap<String, String> = HashMap::new();
    for container in places.iter().chain(boxes.iter()) {
        let kind = if container.starts_with('p') {
            "places"
        } else {
            "boxes"
        };
        let reply = api
            .get(&format!("/api/v1/{kind}/{container}/contents?limit=500"))
            .await;
        for entry in reply.body["items"].as_array().unwrap() {
            let id = entry["id"].as_str().unwrap().to_owned();
            assert!(
                listed_parent
                    .insert(id.clone(), container.clone())
                    .is_none(),
                "{id} listed twice"
            );
        }
    }
    for object in boxes.iter().chain(items.iter()) {
        let kind = if object.starts_with('b') {
            "boxes"
        } else {
            "items"
        };
        let reply = api.get(&format!("/api/v1/{kind}/{object}")).await;
        let parent = reply.body["parent"].as_str().map(str::to_owned);
        assert_eq!(parent.as_ref(), listed_parent.get(object), "{object}");
        // No cycle: every location path ends (at a place or nowhere) without repeating a box.
        let location = api.get(&format!("/api/v1/{kind}/{object}/location")).await;
        assert_eq!(location.status, 200, "{}", location.body);
        let path: Vec<&str> = location.body["path"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_str().unwrap())
            .collect();
        let unique: HashSet<&&str> = path.iter().collect();
        assert_eq!(unique.len(), path.len(), "cycle in {path:?}");
        assert!(!path.contains(&object.as_str()));
    }
}

/// Two `eckwms` processes on one PostgreSQL database: ids stay unique, moves stay consistent.
pub async fn two_processes(db: &TestDatabase) {
    let first = Server::start(db.url());
    let second = Server::start_in(db.url(), first.dir.clone());
    assert!(!first.admin_key.is_empty());
    let apis = [
        Api::new(&first, &first.admin_key),
        Api::new(&second, &first.admin_key),
    ];
    let created = join_all((0..40).map(|i| {
        let api = apis[i % 2].clone();
        async move {
            api.create("/api/v1/items", json!({"name": format!("n{i}")}))
                .await["id"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    }))
    .await;
    let unique: HashSet<&String> = created.iter().collect();
    assert_eq!(unique.len(), 40, "an id was handed out twice");
    random_moves(&[&first, &second], Duration::from_secs(seconds().min(5))).await;
    let (code, out) = first.command(&["verify"]);
    assert_eq!(code, 0, "{out}");
    let (status, log) = first.terminate_with_log();
    assert!(status.success(), "{status:?}; log:\n{log}");
}
