//! The scan relay end to end, both real binaries: a scanner approved at the instance posts
//! signed scans to the global service's relay; the instance pulls them and applies them
//! through its scan flow as that scanner, once per `msgId` (the same scan sent directly moves
//! nothing more), and confirms them; a blocked scanner is refused; an instance killed with
//! SIGKILL in the middle applies every scan exactly once after its restart.

use std::time::Duration;

use serde_json::{Value, json};

use crate::harness::{self, Server};
use crate::instance;
use crate::link::{
    Scanner, admin_get, eventually_within, instance_id, set_status, status_at_global,
};

/// How long a test waits for something the puller or the heartbeat brings about.
const DEADLINE: Duration = Duration::from_secs(90);

/// Scans of items into a place in the kill test: two scans each.
const PAIRS: usize = 120;

/// The instance: heartbeats every second, the relay polled every 50 ms in batches of 10, its
/// lease short so that a restarted process takes over soon after a kill.
/// Each process in a directory of its own (stopping one removes it); they share the database.
fn start_site(db_url: &str, relay: bool) -> instance::Server {
    instance::Server::start_with(
        db_url,
        instance::fresh_dir("relay"),
        &[
            ("ECKWMS__GLOBAL__HEARTBEAT_SECS", "1"),
            ("ECKWMS__GLOBAL__LOCAL_IPS", "192.168.1.5"),
            (
                "ECKWMS__RELAY__ENABLED",
                if relay { "true" } else { "false" },
            ),
            ("ECKWMS__RELAY__POLL_MS", "50"),
            ("ECKWMS__RELAY__BATCH", "10"),
            ("ECKWMS__RELAY__LEASE_SECS", "2"),
        ],
    )
}

/// The global service, handing a pulled scan out again 2 s after an unconfirmed pull.
fn start_global(db_url: &str) -> Server {
    Server::start_with(db_url, &[("ECKWMS_GLOBAL__RELAY__LEASE_SECS", "2")])
}

impl Scanner {
    /// The same scan sent directly to the instance, signed now.
    async fn scan_directly(
        &self,
        site: &instance::Server,
        msg_id: &str,
        barcode: &str,
    ) -> (u16, Value, bool) {
        let path = "/api/v1/scans";
        let body = json!({"msg_id": msg_id, "barcode": barcode}).to_string();
        let signed = self.signed("POST", path, body.as_bytes());
        let mut headers: Vec<(&str, &str)> = signed.iter().map(|(n, v)| (*n, v.as_str())).collect();
        headers.push(("Content-Type", "application/json"));
        let api = instance::Api::new(site, "");
        let reply = api
            .send("POST", path, &headers, Some(body.into_bytes()))
            .await;
        let replayed = reply.header("idempotent-replayed").as_deref() == Some("true");
        (reply.status.as_u16(), reply.body, replayed)
    }
}

/// The ledger rows of `moved` with this place as their new parent.
async fn moves_into(api: &instance::Api, place: &str) -> Vec<Value> {
    let mut moves = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/places/{place}/history?limit=500&cursor={c}"),
            None => format!("/api/v1/places/{place}/history?limit=500"),
        };
        let page = api.get(&path).await;
        assert_eq!(page.status.as_u16(), 200, "{}", page.body);
        moves.extend(
            page.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|e| e["change"] == "moved" && e["to"] == place)
                .cloned(),
        );
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return moves,
        }
    }
}

async fn relay_status(api: &instance::Api) -> Value {
    let status = api.get("/api/v1/relay/status").await;
    assert_eq!(status.status.as_u16(), 200, "{}", status.body);
    status.body
}

#[actix_rt::test]
async fn relayed_scans_move_once_and_survive_a_kill_in_the_middle() {
    let backends = [instance::Backend::Sqlite, instance::Backend::Postgres];
    for (global_db, backend) in harness::databases().into_iter().zip(backends) {
        let Some(site_db) = instance::database(backend) else {
            continue;
        };
        let global = start_global(global_db.url());
        let site = start_site(site_db.url(), true);
        let admin_key = site.admin_key.clone();
        let admin = instance::Api::new(&site, &admin_key);
        let site_id = instance_id(&site);
        let token = global.enroll("Site R");
        let (code, _) =
            site.command(&["global", "enroll", "--url", &global.base, "--token", &token]);
        assert_eq!(code, 0);

        // A scanner paired and approved at the instance, published active.
        let pda = Scanner::new("PDA-7", 7);
        pda.pair(&site).await;
        set_status(&site, &admin_key, "PDA-7", "active").await;
        let (g, id) = (&global, site_id.as_str());
        eventually_within(
            DEADLINE,
            "the approved scanner is active at the global service",
            || async move { status_at_global(g, id, "PDA-7").await.as_deref() == Some("active") },
        )
        .await;

        // Through the relay: the item, then the place it goes to.
        let place = admin
            .create("/api/v1/places", json!({"name": "Shelf R1"}))
            .await;
        let item = admin.create("/api/v1/items", json!({"name": "Tool"})).await;
        let (place_id, item_id) = (
            place["id"].as_str().unwrap().to_owned(),
            item["id"].as_str().unwrap().to_owned(),
        );
        assert_eq!(pda.relay(&global, "r-1", &item_id).await.0, 202);
        assert_eq!(pda.relay(&global, "r-2", &place_id).await.0, 202);
        let (a, item_path) = (&admin, format!("/api/v1/items/{item_id}"));
        let (p, path) = (place_id.as_str(), item_path.as_str());
        eventually_within(DEADLINE, "the relayed scans move the item", || async move {
            a.get(path).await.body["parent"] == p
        })
        .await;
        eventually_within(DEADLINE, "the relayed scans are confirmed", || async move {
            let s = relay_status(a).await;
            s["applied"] == 2 && s["inbox"] == 0 && s["last_confirm_at"].is_string()
        })
        .await;
        let status = relay_status(&admin).await;
        assert_eq!(status["enrolled"], true);
        assert_eq!(status["holder_alive"], true);
        assert_eq!(status["errors"], 0);
        assert_eq!(status["backlog"], 0, "{status}");
        let moved = moves_into(&admin, &place_id).await;
        assert_eq!(moved.len(), 1, "{moved:?}");
        assert_eq!(moved[0]["object"], item_id.as_str());
        assert_eq!(moved[0]["actor"], "device:PDA-7");
        let scans = admin.get("/api/v1/scans?device_id=PDA-7").await;
        assert_eq!(scans.body["items"].as_array().unwrap().len(), 2);

        // The same msgId sent directly: answered from the scan log, nothing moves again.
        let (code, answer, replayed) = pda.scan_directly(&site, "r-2", &place_id).await;
        assert_eq!(code, 200, "{answer}");
        assert!(replayed, "{answer}");
        assert_eq!(answer["action"], "moved");
        assert_eq!(moves_into(&admin, &place_id).await.len(), 1);

        // Many scans wait; the instance is killed while it works them off.
        let items: Vec<String> = {
            let mut ids = Vec::new();
            for n in 0..PAIRS {
                let item = admin
                    .create("/api/v1/items", json!({"name": format!("Part {n}")}))
                    .await;
                ids.push(item["id"].as_str().unwrap().to_owned());
            }
            ids
        };
        let bulk = admin
            .create("/api/v1/places", json!({"name": "Shelf R2"}))
            .await;
        let bulk_id = bulk["id"].as_str().unwrap().to_owned();
        // Posted while the instance does not pull, so that it meets them all at once.
        let (status, log) = site.terminate_with_log();
        assert!(status.success(), "{log}");
        let site = start_site(site_db.url(), false);
        // Stopped gracefully, the puller gave its lease up: no one holds it now.
        let idle = instance::Api::new(&site, &admin_key);
        assert_eq!(relay_status(&idle).await["holder_alive"], false);
        for (n, item) in items.iter().enumerate() {
            let (code, body) = pda.relay(&global, &format!("k-{n}-a"), item).await;
            assert_eq!(code, 202, "{body}");
            let (code, body) = pda.relay(&global, &format!("k-{n}-b"), &bulk_id).await;
            assert_eq!(code, 202, "{body}");
        }
        site.terminate();
        let site = start_site(site_db.url(), true);
        let admin = instance::Api::new(&site, &admin_key);
        let a = &admin;
        eventually_within(DEADLINE, "the puller is in the middle", || async move {
            relay_status(a).await["applied"].as_i64().unwrap() >= 2 + 40
        })
        .await;
        let at_kill = relay_status(&admin).await["applied"].as_i64().unwrap();
        let total = 2 + 2 * PAIRS as i64;
        eprintln!("killed with {at_kill} of {total} relayed scans applied");
        let killed = site.pid().to_string();
        std::process::Command::new("kill")
            .args(["-9", &killed])
            .status()
            .unwrap();
        drop(site);
        let site = start_site(site_db.url(), true);
        let admin = instance::Api::new(&site, &admin_key);
        let a = &admin;
        let total = 2 + 2 * PAIRS as i64;
        eventually_within(
            DEADLINE,
            "every relayed scan is applied and confirmed",
            || async move {
                let s = relay_status(a).await;
                s["applied"] == total && s["inbox"] == 0 && s["global_backlog"] == 0
            },
        )
        .await;
        // Exactly once: every item moved into the place once, and nothing else did.
        let moved = moves_into(&admin, &bulk_id).await;
        let mut objects: Vec<&str> = moved
            .iter()
            .map(|m| m["object"].as_str().unwrap())
            .collect();
        objects.sort_unstable();
        let mut expected: Vec<&str> = items.iter().map(String::as_str).collect();
        expected.sort_unstable();
        assert_eq!(objects, expected);
        let listed = admin_get(
            &global,
            &format!("/ECK/API/ADMIN/INSTANCES/{site_id}/SCANS?limit=500"),
        )
        .await;
        let listed = listed["scans"].as_array().unwrap();
        assert_eq!(listed.len(), 2 + 2 * PAIRS);
        assert!(listed.iter().all(|s| s["state"] == "confirmed"));
        let (code, out) = site.command(&["verify"]);
        assert_eq!(code, 0, "{out}");

        // Blocked at the instance: the relay refuses its scans once the instance published it.
        set_status(&site, &admin_key, "PDA-7", "blocked").await;
        let scanner = &pda;
        let mut n = 0;
        eventually_within(
            DEADLINE,
            "the relay refuses the blocked scanner",
            move || {
                n += 1;
                let msg = format!("b-{n}");
                let place = place_id.clone();
                async move {
                    let (status, body) = scanner.relay(g, &msg, &place).await;
                    status == 403 && body["code"] == "device_not_active"
                }
            },
        )
        .await;
        let (_, log) = site.terminate_with_log();
        assert!(
            !log.contains("ecki_"),
            "the instance key appears in the log"
        );
    }
}
