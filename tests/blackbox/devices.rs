//! Scanners against the real binary: a scanner pairs (challenge, signed registration) and
//! waits; its signed scan is refused while it is pending; an admin approves it; the same scan
//! then moves things, and the history names the scanner (and the operator after a PIN login);
//! replays are refused.

use awc::http::StatusCode;
use eckwms_device_protocol::DeviceId;
use eckwms_device_protocol::signing::{SigningKey, public_key, request_headers, sign_registration};
use serde_json::{Value, json};

use eckwms_adapter_db::testing::TestDatabase;

use crate::harness::{Api, Backend, Reply, Server};

/// A scanner: its key, its id, and a client that sends no credential but its signature.
pub struct Scanner {
    api: Api,
    key: SigningKey,
    id: DeviceId,
}

impl Scanner {
    pub fn new(server: &Server, id: &str, seed: u8) -> Scanner {
        Scanner {
            api: Api::new(server, ""),
            key: SigningKey::from_bytes(&[seed; 32]),
            id: DeviceId::parse(id).unwrap(),
        }
    }

    /// A challenge, then the registration signed over it; returns the registration's body
    /// (to send again) and the answer.
    pub async fn register(&self, name: &str) -> (Value, Reply) {
        let challenge = self.api.post("/ECK/API/DEVICE/CHALLENGE", json!({})).await;
        assert_eq!(challenge.status, StatusCode::CREATED, "{}", challenge.body);
        let nonce = challenge.body["nonce"].as_str().unwrap();
        let body = json!({
            "deviceId": self.id.as_str(),
            "deviceName": name,
            "devicePublicKey": public_key(&self.key).as_str(),
            "nonce": nonce,
            "signature": sign_registration(&self.key, &self.id, nonce),
        });
        let reply = self
            .api
            .post("/ECK/API/DEVICE/REGISTER", body.clone())
            .await;
        (body, reply)
    }

    /// The request signed now: the headers to send it with.
    pub fn headers(&self, method: &str, path: &str, body: &[u8]) -> [(&'static str, String); 3] {
        request_headers(
            &self.key,
            &self.id,
            method,
            path,
            chrono::Utc::now().timestamp(),
            body,
        )
    }

    /// Sends a request with the given signature headers.
    pub async fn send_signed(
        &self,
        method: &str,
        path: &str,
        headers: &[(&'static str, String)],
        body: Option<Vec<u8>>,
    ) -> Reply {
        let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
        self.api.send(method, path, &headers, body).await
    }

    /// A request signed now.
    pub async fn signed(&self, method: &str, path: &str, body: Option<Value>) -> Reply {
        let bytes = body.map(|b| b.to_string().into_bytes());
        let headers = self.headers(method, path, bytes.as_deref().unwrap_or_default());
        self.send_signed(method, path, &headers, bytes).await
    }

    pub async fn scan(&self, barcode: &Value, msg_id: &str) -> Reply {
        self.signed(
            "POST",
            "/api/v1/scans",
            Some(json!({"barcode": barcode, "msg_id": msg_id})),
        )
        .await
    }
}

pub async fn scanners_pair_wait_for_approval_and_scan(db: &TestDatabase, _backend: Backend) {
    let server = Server::start(db.url());
    let admin = Api::new(&server, &server.admin_key);
    let place = admin
        .create("/api/v1/places", json!({"name": "Shelf S1"}))
        .await;
    let item = admin
        .create("/api/v1/items", json!({"name": "Handheld"}))
        .await;

    // Pairing: registered, pending; the same registration again is refused (its nonce is
    // spent), and changes nothing.
    let pda = Scanner::new(&server, "PDA-7", 7);
    let (registration, reply) = pda.register("PDA seven").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["status"], "pending");
    assert_eq!(reply.body["deviceId"], "PDA-7");
    let replayed = pda.api.post("/ECK/API/DEVICE/REGISTER", registration).await;
    replayed.assert_problem(409, "challenge_invalid");
    let status = pda
        .signed("GET", "/ECK/API/DEVICE/PDA-7/STATUS", None)
        .await;
    assert_eq!(status.status, StatusCode::OK, "{}", status.body);
    assert_eq!(
        status.body,
        json!({"deviceId": "PDA-7", "status": "pending", "role": null, "name": "PDA seven"})
    );

    // Pending: its signed scan is refused and moves nothing.
    pda.scan(&item["id"], "m-1")
        .await
        .assert_problem(403, "device_not_active");
    let listed = admin.get("/api/v1/devices?status=pending").await;
    assert_eq!(listed.body["items"][0]["id"], "PDA-7", "{}", listed.body);

    // An admin approves it, as a picker.
    let approved = admin
        .send(
            "PATCH",
            "/api/v1/devices/PDA-7",
            &[("If-Match", "\"1\"")],
            Some(
                json!({"status": "active", "role": "PICKER"})
                    .to_string()
                    .into_bytes(),
            ),
        )
        .await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.body);
    assert_eq!(approved.body["status"], "active");
    assert_eq!(approved.header("etag").as_deref(), Some("\"2\""));

    // The same scans now work: the item, then the place it goes to.
    let first = pda.scan(&item["id"], "m-1").await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert_eq!(first.body["action"], "found");
    let moved = pda.scan(&place["id"], "m-2").await;
    assert_eq!(moved.body["action"], "moved", "{}", moved.body);
    let item_id = item["id"].as_str().unwrap();
    let history = admin.get(&format!("/api/v1/items/{item_id}/history")).await;
    let last = history.body["items"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["change"], "moved");
    assert_eq!(last["to"], place["id"]);
    assert_eq!(last["actor"], "device:PDA-7");
    let log = admin.get("/api/v1/scans?device_id=PDA-7").await;
    assert_eq!(
        log.body["items"][0]["actor"], "device:PDA-7",
        "{}",
        log.body
    );

    // The scanner acts with its role: a picker changes no layout.
    pda.signed("POST", "/api/v1/places", Some(json!({"name": "Shelf X"})))
        .await
        .assert_problem(403, "forbidden");
    // A signed write other than a scan runs once; sent again it is refused.
    let path = "/api/v1/scans/session";
    let headers = pda.headers("DELETE", path, b"");
    let cleared = pda.send_signed("DELETE", path, &headers, None).await;
    assert_eq!(cleared.status, StatusCode::NO_CONTENT, "{}", cleared.body);
    pda.send_signed("DELETE", path, &headers, None)
        .await
        .assert_problem(409, "signature_replayed");
    // A scan sent again gets its first answer (its msg_id), whatever its signature.
    let body = json!({"barcode": place["id"], "msg_id": "m-2"})
        .to_string()
        .into_bytes();
    let headers = pda.headers("POST", "/api/v1/scans", &body);
    let again = pda
        .send_signed("POST", "/api/v1/scans", &headers, Some(body.clone()))
        .await;
    assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
    let again = pda
        .send_signed("POST", "/api/v1/scans", &headers, Some(body))
        .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    // Another device's id in a signed scan: 401. A key and a signature together: 400.
    pda.signed(
        "POST",
        "/ECK/API/SCAN",
        Some(json!({"barcode": item["id"], "msgId": "m-3", "deviceId": "PDA-8"})),
    )
    .await
    .assert_problem(401, "invalid_device_signature");
    let body = json!({"barcode": item["id"], "msg_id": "m-4"})
        .to_string()
        .into_bytes();
    let mut headers: Vec<(&str, String)> = pda.headers("POST", "/api/v1/scans", &body).to_vec();
    headers.push(("X-Api-Key", server.admin_key.clone()));
    pda.send_signed("POST", "/api/v1/scans", &headers, Some(body))
        .await
        .assert_problem(400, "ambiguous_credentials");

    // An operator logs in with a PIN: the scanner now acts for her, within its role (a
    // technician on a picker's scanner scans, records no repairs), and the history names her.
    let tech = admin
        .create(
            "/api/v1/users",
            json!({"username": "tia", "display_name": "Tia Tech", "role": "TECHNICIAN",
                   "password": "technician passphrase", "pin": "2468"}),
        )
        .await;
    let tech_id = tech["id"].as_str().unwrap().to_owned();
    pda.signed(
        "POST",
        "/ECK/API/DEVICE/LOGIN",
        Some(json!({"username": "tia", "pin": "1111"})),
    )
    .await
    .assert_problem(401, "invalid_credentials");
    let login = pda
        .signed(
            "POST",
            "/ECK/API/DEVICE/LOGIN",
            Some(json!({"username": "TIA", "pin": "2468"})),
        )
        .await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.body);
    assert_eq!(login.body["user"]["id"], tech_id.as_str());
    assert_eq!(
        login.body["permissions"],
        json!(["settings.view", "scan.execute", "inventory.view"])
    );
    let shelf = admin
        .create("/api/v1/places", json!({"name": "Shelf S2"}))
        .await;
    pda.scan(&item["id"], "m-10").await;
    let moved = pda.scan(&shelf["id"], "m-11").await;
    assert_eq!(moved.body["action"], "moved", "{}", moved.body);
    let history = admin.get(&format!("/api/v1/items/{item_id}/history")).await;
    let last = history.body["items"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["actor"], format!("user:{tech_id}/device:PDA-7"));
    assert_eq!(last["actor_name"], "Tia Tech");
    pda.signed(
        "POST",
        &format!("/api/v1/items/{item_id}/actions"),
        Some(json!({"type": "note", "message": "checked"})),
    )
    .await
    .assert_problem(403, "forbidden");
    // A new PIN ends her login on the scanner: it acts as itself again.
    let reset = admin
        .send(
            "POST",
            &format!("/api/v1/users/{tech_id}/secrets"),
            &[("If-Match", "*")],
            Some(json!({"pin": "1357"}).to_string().into_bytes()),
        )
        .await;
    assert_eq!(reset.status, StatusCode::OK, "{}", reset.body);
    let me = pda.signed("GET", "/api/v1/auth/me", None).await;
    assert_eq!(me.body["kind"], "device", "{}", me.body);
    assert_eq!(me.body["user"], Value::Null);
    // Her badge (her id) and the new PIN log her in; the logout ends it.
    let login = pda
        .signed(
            "POST",
            "/ECK/API/DEVICE/LOGIN",
            Some(json!({"badge": tech_id, "pin": "1357"})),
        )
        .await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.body);
    let me = pda.signed("GET", "/api/v1/auth/me", None).await;
    assert_eq!(me.body["user"]["id"], tech_id.as_str());
    let logout = pda
        .signed("POST", "/ECK/API/DEVICE/LOGOUT", Some(json!({})))
        .await;
    assert_eq!(logout.status, StatusCode::NO_CONTENT);
    let me = pda.signed("GET", "/api/v1/auth/me", None).await;
    assert_eq!(me.body["user"], Value::Null);

    // Blocked, it is refused again; its status poll says why.
    admin
        .send(
            "PATCH",
            "/api/v1/devices/PDA-7",
            &[("If-Match", "*")],
            Some(json!({"status": "blocked"}).to_string().into_bytes()),
        )
        .await;
    pda.scan(&item["id"], "m-5")
        .await
        .assert_problem(403, "device_not_active");
    let status = pda
        .signed("GET", "/ECK/API/DEVICE/PDA-7/STATUS", None)
        .await;
    assert_eq!(status.body["status"], "blocked");

    let audit = admin.get("/api/v1/audit?limit=500").await;
    let events: Vec<&str> = audit.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    for event in [
        "device_registered",
        "device_activated",
        "device_blocked",
        "operator_login_failed",
        "operator_login_succeeded",
        "operator_logout",
    ] {
        assert!(events.contains(&event), "{event} in {events:?}");
    }
    let device = admin.get("/api/v1/devices/PDA-7").await;
    assert!(device.body["last_seen_at"].is_string(), "{}", device.body);
    server.terminate();
}

/// A v2 label key for the tests (any 64 hex digits).
const V2_KEY: &str = "5b0c1d2e3f405162738495a6b7c8d9eafb0c1d2e3f405162738495a6b7c8d9ea";
/// The v1 key of the codes crate's test vectors (suffix `M3`), and the badge of user 11 the
/// first generation printed with it.
const V1_KEY: &str = "000102030405060708090a0b0c0d0e0f1011121314151617";
const V1_BADGE_OF_USER_11: &str =
    "ECK2.COM/QC6QTJ5FTKT56YTRQBVA1NW01TNBWMDLP3W2XUNCRNH5VDPTEED89PFXGK35NCHW6M3";

/// Badges: a user's badge printed as a label of kind `user`, scanned in the scan flow (the PIN
/// is asked for, nothing changes), then sent with the PIN to log in; a badge the first
/// generation printed (v1) logs its user in as well.
pub async fn badges_log_operators_in(db: &TestDatabase, _backend: Backend) {
    let server = Server::start_with(
        db.url(),
        crate::harness::fresh_dir("badge"),
        &[
            ("ECKWMS__CODES__V2_KEY", V2_KEY),
            ("ECKWMS__CODES__V1_KEY", V1_KEY),
            ("ECKWMS__CODES__V1_SUFFIX", "M3"),
            // Eleven users are made here: cheap hashes.
            ("ECKWMS__AUTH__HASH_MEMORY_KIB", "64"),
            ("ECKWMS__AUTH__HASH_ITERATIONS", "1"),
        ],
    );
    let admin = Api::new(&server, &server.admin_key);
    let pda = Scanner::new(&server, "PDA-9", 9);
    let (_, registered) = pda.register("PDA nine").await;
    assert_eq!(registered.status, StatusCode::OK, "{}", registered.body);
    let approved = admin
        .send(
            "PATCH",
            "/api/v1/devices/PDA-9",
            &[("If-Match", "*")],
            Some(
                json!({"status": "active", "role": "PICKER"})
                    .to_string()
                    .into_bytes(),
            ),
        )
        .await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.body);
    let mut ids = Vec::new();
    for n in 1..=11 {
        let user = admin
            .create(
                "/api/v1/users",
                json!({"username": format!("worker{n}"), "display_name": format!("Worker {n}"),
                       "role": "PICKER", "password": "worker passphrase", "pin": format!("{n:04}")}),
            )
            .await;
        ids.push(user["id"].as_str().unwrap().to_owned());
    }
    assert_eq!(ids[10], "u000000000000000011");

    // The badge of worker 3, printed with its name.
    let sheet = admin
        .post(
            "/api/v1/labels?format=json",
            json!({"kind": "user", "ids": [ids[2]]}),
        )
        .await;
    assert_eq!(sheet.status, StatusCode::OK, "{}", sheet.body);
    let label = &sheet.body["labels"][0];
    assert_eq!(label["caption"], "Worker 3");
    let badge = label["codes"][1].as_str().unwrap().to_owned();
    admin
        .post(
            "/api/v1/labels?format=json",
            json!({"kind": "user", "count": 2}),
        )
        .await
        .assert_problem(422, "validation_failed");

    // Scanned in the scan flow: the PIN is asked for; nothing changes.
    let item = admin.create("/api/v1/items", json!({"name": "Tool"})).await;
    pda.scan(&item["id"], "b-1").await;
    let asked = pda.scan(&json!(badge), "b-2").await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
    assert_eq!(asked.body["action"], "pin_required");
    assert_eq!(asked.body["data"], json!({"kind": "user", "id": ids[2]}));
    assert_eq!(asked.body["session"]["items"], json!([item["id"]]));

    // The badge and the PIN log worker 3 in; a first-generation badge logs worker 11 in.
    for (badge, pin, user) in [
        (badge.as_str(), "0003", &ids[2]),
        (V1_BADGE_OF_USER_11, "0011", &ids[10]),
    ] {
        let login = pda
            .signed(
                "POST",
                "/ECK/API/DEVICE/LOGIN",
                Some(json!({"badge": badge, "pin": pin})),
            )
            .await;
        assert_eq!(login.status, StatusCode::OK, "{}", login.body);
        assert_eq!(login.body["user"]["id"], user.as_str());
    }
    // Another's PIN on a badge: refused like every failure.
    pda.signed(
        "POST",
        "/ECK/API/DEVICE/LOGIN",
        Some(json!({"badge": V1_BADGE_OF_USER_11, "pin": "0003"})),
    )
    .await
    .assert_problem(401, "invalid_credentials");
    server.terminate();
}
