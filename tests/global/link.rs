//! The instance and the global service connected, both real binaries: `eckwms global enroll`,
//! heartbeats (the global service shows the instance online at its real port), scanners
//! approved or blocked at the instance followed by the global service's records, relay and
//! signed discovery, and an instance that serves on while the global service is down.

use std::time::{Duration, Instant};

use eckwms_device_protocol::DeviceId;
use eckwms_device_protocol::signing::{SigningKey, public_key, request_headers, sign_registration};
use serde_json::{Value, json};

use crate::harness::{self, ADMIN_KEY, Server};
use crate::instance;

/// How long a test waits for something the heartbeat (every second here) brings about.
const DEADLINE: Duration = Duration::from_secs(30);

/// The code the relayed scans of these tests carry (whether it names anything does not matter:
/// the instance does not pull here).
const SOME_ITEM: &str = "i000000000000000001";

fn port_of(base: &str) -> u16 {
    base.rsplit(':').next().unwrap().parse().unwrap()
}

pub(crate) fn instance_id(server: &instance::Server) -> String {
    server
        .startup_log
        .iter()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .find(|json| json["fields"]["message"] == "instance identity")
        .and_then(|json| json["fields"]["instance_id"].as_str().map(str::to_owned))
        .expect("the instance logs its id at start")
}

/// An instance that beats every second and reports one configured LAN address.
fn start_site(db_url: &str) -> instance::Server {
    instance::Server::start_with(
        db_url,
        instance::fresh_dir("link"),
        &[
            ("ECKWMS__GLOBAL__HEARTBEAT_SECS", "1"),
            ("ECKWMS__GLOBAL__LOCAL_IPS", "192.168.1.5"),
        ],
    )
}

pub(crate) async fn admin_get(global: &Server, path: &str) -> Value {
    let auth = format!("Bearer {ADMIN_KEY}");
    let answer = harness::get(&global.url(path), &[("Authorization", &auth)]).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.body
}

/// The status of a scanner in the global service's records of the instance.
pub(crate) async fn status_at_global(
    global: &Server,
    instance: &str,
    device: &str,
) -> Option<String> {
    admin_get(
        global,
        &format!("/ECK/API/ADMIN/DEVICES?instanceId={instance}"),
    )
    .await["devices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["deviceId"] == device)
        .map(|d| d["status"].as_str().unwrap().to_owned())
}

/// Polls `check` until it holds or [`DEADLINE`] passes.
async fn eventually<F, Fut>(what: &str, check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    eventually_within(DEADLINE, what, check).await;
}

/// Polls `check` every 50 ms until it holds or `deadline` passes.
pub(crate) async fn eventually_within<F, Fut>(deadline: Duration, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    while !check().await {
        assert!(
            started.elapsed() < deadline,
            "{what}: not within {deadline:?}"
        );
        actix_rt::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The instance enrolled with the global service's token; the command prints no key.
fn enroll(site: &instance::Server, global: &Server, token: &str, force: bool) -> (i32, String) {
    let mut args = vec!["global", "enroll", "--url", &global.base, "--token", token];
    if force {
        args.push("--force");
    }
    site.command(&args)
}

/// A scanner's key and id, and its requests.
pub(crate) struct Scanner {
    key: SigningKey,
    id: DeviceId,
}

impl Scanner {
    pub(crate) fn new(id: &str, seed: u8) -> Scanner {
        Scanner {
            key: SigningKey::from_bytes(&[seed; 32]),
            id: DeviceId::parse(id).unwrap(),
        }
    }

    /// Pairs with the instance (challenge, signed registration): pending there.
    pub(crate) async fn pair(&self, site: &instance::Server) {
        let challenge =
            harness::post_json(&site.url("/ECK/API/DEVICE/CHALLENGE"), &[], &json!({})).await;
        assert_eq!(challenge.status, 201, "{}", challenge.body);
        let nonce = challenge.body["nonce"].as_str().unwrap();
        let body = json!({
            "deviceId": self.id.as_str(),
            "deviceName": "PDA seven",
            "devicePublicKey": public_key(&self.key).as_str(),
            "nonce": nonce,
            "signature": sign_registration(&self.key, &self.id, nonce),
        });
        let registered =
            harness::post_json(&site.url("/ECK/API/DEVICE/REGISTER"), &[], &body).await;
        assert_eq!(registered.status, 200, "{}", registered.body);
        assert_eq!(registered.body["status"], "pending");
    }

    /// The headers of this scanner's signature of `method path` with `body`, signed now.
    pub(crate) fn signed(
        &self,
        method: &str,
        path: &str,
        body: &[u8],
    ) -> [(&'static str, String); 3] {
        request_headers(
            &self.key,
            &self.id,
            method,
            path,
            chrono::Utc::now().timestamp(),
            body,
        )
    }

    /// Discovery of `instance` signed by this scanner: the candidates' types, in order.
    async fn discover(&self, global: &Server, instance: &str) -> Vec<String> {
        let path = format!("/ECK/API/INTERNAL/GET-INSTANCE-INFO/{instance}");
        let signed = self.signed("GET", &path, b"");
        let headers: Vec<(&str, &str)> = signed.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let answer = harness::get(&global.url(&path), &headers).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        answer.body["candidates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["type"].as_str().unwrap().to_owned())
            .collect()
    }

    /// A scan of `barcode` posted to the global relay, signed now: its status and answer.
    pub(crate) async fn relay(&self, global: &Server, msg_id: &str, barcode: &str) -> (u16, Value) {
        let path = "/ECK/API/RELAY/SCANS";
        let body = json!({"msgId": msg_id, "barcode": barcode}).to_string();
        let signed = self.signed("POST", path, body.as_bytes());
        let mut headers: Vec<(&str, &str)> = signed.iter().map(|(n, v)| (*n, v.as_str())).collect();
        headers.push(("Content-Type", "application/json"));
        let answer =
            harness::send("POST", &global.url(path), &headers, Some(body.as_bytes())).await;
        (answer.status, answer.body)
    }
}

/// Sets a scanner's status at the instance, with the admin's key (a restarted process of the
/// instance has none of its own).
pub(crate) async fn set_status(
    site: &instance::Server,
    admin_key: &str,
    device: &str,
    status: &str,
) {
    let api = instance::Api::new(site, admin_key);
    let reply = api
        .send(
            "PATCH",
            &format!("/api/v1/devices/{device}"),
            &[("If-Match", "*")],
            Some(
                json!({"status": status, "role": "PICKER"})
                    .to_string()
                    .into_bytes(),
            ),
        )
        .await;
    assert_eq!(reply.status.as_u16(), 200, "{}", reply.body);
}

#[actix_rt::test]
async fn an_enrolled_instance_beats_and_the_global_service_follows_its_scanners() {
    let backends = [instance::Backend::Sqlite, instance::Backend::Postgres];
    for (global_db, backend) in harness::databases().into_iter().zip(backends) {
        let Some(site_db) = instance::database(backend) else {
            continue;
        };
        let global = Server::start(global_db.url());
        let site = start_site(site_db.url());
        let site_id = instance_id(&site);

        // A token that is not the global service's: refused with its problem, nothing stored.
        let (code, out) = enroll(&site, &global, &format!("ecke_{}", "A".repeat(43)), false);
        assert_ne!(code, 0);
        assert!(out.is_empty(), "{out}");
        let token = global.enroll("Site A");
        let (code, out) = enroll(&site, &global, &token, false);
        assert_eq!(code, 0);
        // Nothing on standard output: the key is never shown.
        assert_eq!(out, "");
        // Enrolled already: refused without --force, and the spent token cannot force it.
        let (code, _) = enroll(&site, &global, &token, false);
        assert_ne!(code, 0);
        let (code, _) = enroll(&site, &global, &token, true);
        assert_ne!(code, 0);

        // The heartbeat reports the port it listens on (the enrollment knew only the
        // configured one) and the configured address; the instance is online.
        let port = port_of(&site.base);
        let path = format!("/ECK/API/ADMIN/INSTANCES/{site_id}");
        let (g, p) = (&global, path.as_str());
        eventually("the heartbeat reports the real port", move || async move {
            let record = admin_get(g, p).await;
            record["online"] == true && record["port"] == port
        })
        .await;
        let record = admin_get(&global, &path).await;
        assert_eq!(record["localIps"], json!(["192.168.1.5"]));
        let listed = admin_get(&global, "/ECK/API/ADMIN/INSTANCES").await;
        assert_eq!(listed["instances"][0]["instanceId"], site_id.as_str());
        assert_eq!(listed["instances"][0]["online"], true);

        // A scanner paired at the instance is published pending, then active once approved
        // there: the relay takes its scans.
        let pda = Scanner::new("PDA-7", 7);
        pda.pair(&site).await;
        let id = site_id.as_str();
        eventually("the pending scanner is published", move || async move {
            status_at_global(g, id, "PDA-7").await.as_deref() == Some("pending")
        })
        .await;
        assert_eq!(pda.relay(&global, "m-1", SOME_ITEM).await.0, 403);
        // Pending: its signature is valid, but discovery gives it the proxy only.
        assert_eq!(pda.discover(&global, id).await, ["GLOBAL_PROXY"]);
        set_status(&site, &site.admin_key, "PDA-7", "active").await;
        eventually("the approved scanner is active at the global service", move || async move {
            status_at_global(g, id, "PDA-7").await.as_deref() == Some("active")
        })
        .await;
        let (status, body) = pda.relay(&global, "m-2", SOME_ITEM).await;
        assert_eq!(status, 202, "{body}");
        // Published active: its own signature now brings the instance's LAN address first.
        assert_eq!(
            pda.discover(&global, id).await,
            ["LOCAL_LAN", "GLOBAL_PROXY"]
        );

        // Blocked at the instance: the relay refuses it after the next heartbeat.
        set_status(&site, &site.admin_key, "PDA-7", "blocked").await;
        let scanner = &pda;
        let mut n = 3;
        eventually("the relay refuses the blocked scanner", move || {
            n += 1;
            let msg = format!("m-{n}");
            async move {
                let (status, body) = scanner.relay(g, &msg, SOME_ITEM).await;
                status == 403 && body["code"] == "device_not_active"
            }
        })
        .await;
        assert_eq!(
            status_at_global(g, id, "PDA-7").await.as_deref(),
            Some("blocked")
        );
        // Blocked: discovery withholds the LAN address again.
        assert_eq!(pda.discover(&global, id).await, ["GLOBAL_PROXY"]);

        // The key was never logged.
        let (_, log) = site.terminate_with_log();
        assert!(
            !log.contains("ecki_"),
            "the instance key appears in the log"
        );
    }
}

#[actix_rt::test]
async fn the_instance_serves_on_while_the_global_service_is_down() {
    let global_db = harness::databases().remove(0);
    let Some(site_db) = instance::database(instance::Backend::Sqlite) else {
        return;
    };
    // A fixed port, so that the global service comes back where the instance looks for it.
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let bind = format!("127.0.0.1:{port}");
    let global = Server::start_with(global_db.url(), &[("ECKWMS_GLOBAL__HTTP__BIND", &bind)]);
    let site = start_site(site_db.url());
    let site_id = instance_id(&site);
    let token = global.enroll("Site B");
    assert_eq!(enroll(&site, &global, &token, false).0, 0);
    let path = format!("/ECK/API/ADMIN/INSTANCES/{site_id}");
    let (g, p) = (&global, path.as_str());
    eventually("the instance is online", move || async move {
        admin_get(g, p).await["online"] == true
    })
    .await;

    global.terminate();
    let ready = instance::Api::new(&site, "");
    let warned = "heartbeat to the global service failed; serving on and retrying";
    let again = "the global service takes heartbeats again";
    let mut log: Vec<Value> = Vec::new();
    let read_log = |log: &mut Vec<Value>| {
        while let Ok(line) = site.log.try_recv() {
            if let Ok(json) = serde_json::from_str::<Value>(&line) {
                log.push(json);
            }
        }
    };
    let says = |log: &[Value], message: &str| {
        log.iter()
            .filter(|l| l["fields"]["message"] == message)
            .count()
    };
    let started = Instant::now();
    loop {
        assert_eq!(ready.get("/ready").await.status.as_u16(), 200);
        read_log(&mut log);
        if says(&log, warned) > 0 {
            break;
        }
        assert!(started.elapsed() < DEADLINE, "no warning of the outage");
        actix_rt::time::sleep(Duration::from_millis(100)).await;
    }
    // Let it retry a few times (every second at most), serving all along.
    for _ in 0..30 {
        assert_eq!(ready.get("/ready").await.status.as_u16(), 200);
        actix_rt::time::sleep(Duration::from_millis(100)).await;
    }

    let global = Server::start_with(global_db.url(), &[("ECKWMS_GLOBAL__HTTP__BIND", &bind)]);
    let started = Instant::now();
    while says(&log, again) == 0 {
        assert!(
            started.elapsed() < DEADLINE,
            "the heartbeat did not come back"
        );
        actix_rt::time::sleep(Duration::from_millis(100)).await;
        read_log(&mut log);
    }
    // One warning for the whole outage, however many attempts failed.
    assert_eq!(says(&log, warned), 1);
    assert_eq!(admin_get(&global, &path).await["online"], true);
}
