//! The service's flows over HTTP, on both backends.

use eckwms_device_protocol::DeviceId;
use eckwms_device_protocol::signing::{
    SigningKey, public_key, request_headers, sign_key_change, sign_registration,
};
use serde_json::{Value, json};

use crate::harness::{ADMIN_KEY, PUBLIC_URL, Server, databases, get, post_json, send};

pub(crate) const INSTANCE: &str = "0b0e6f3a-1234-4abc-8def-0123456789ab";
const OTHER: &str = "1b0e6f3a-1234-4abc-8def-0123456789ab";
const SERVER_KEY: &str = "3B6A27BCCEB6A42D62A3A8D02A6F0D73653215771DE243A63AC048A18B59DA29";
const REGISTER: &str = "/ECK/API/INTERNAL/REGISTER-INSTANCE";

pub(crate) fn report(id: &str, ips: &[&str]) -> Value {
    json!({"instanceId": id, "serverPublicKey": SERVER_KEY, "localIps": ips, "port": 3100})
}

pub(crate) fn admin() -> (&'static str, String) {
    ("Authorization", format!("Bearer {ADMIN_KEY}"))
}

/// Registers `id` with a fresh token; returns its API key.
pub(crate) async fn register(server: &Server, id: &str) -> String {
    let token = server.enroll("Site A");
    let r = post_json(
        &server.url(REGISTER),
        &[("X-Enrollment-Token", &token)],
        &report(id, &["192.168.1.5"]),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body["apiKey"].as_str().unwrap().to_owned()
}

fn candidate_types(body: &Value) -> Vec<String> {
    body["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["type"].as_str().unwrap().to_owned())
        .collect()
}

#[actix_rt::test]
async fn health_ready_openapi_and_unknown_routes() {
    for db in databases() {
        let server = Server::start(db.url());
        let h = get(&server.url("/ECK/HEALTH"), &[]).await;
        assert_eq!(h.status, 200);
        assert_eq!(h.body["status"], "healthy");
        assert_eq!(h.body["service"], "eckwms-global");
        assert_eq!(h.body["database"], "connected");
        assert!(h.body["uptime"].as_f64().unwrap() >= 0.0);
        assert!(h.body["timestamp"].as_str().unwrap().ends_with('Z'));
        assert!(h.body["version"].is_string());
        assert!(h.request_id.is_some());
        assert_eq!(get(&server.url("/health"), &[]).await.body["status"], "ok");
        assert_eq!(
            get(&server.url("/ready"), &[]).await.body["status"],
            "ready"
        );
        let doc = get(&server.url("/ECK/API/openapi.json"), &[]).await;
        assert!(doc.body["paths"][REGISTER]["post"].is_object());
        assert!(doc.body["components"]["securitySchemes"]["device_signature"].is_object());
        let missing = get(&server.url("/nope"), &[("X-Request-Id", "abc-123")]).await;
        assert_eq!(missing.status, 404);
        assert_eq!(missing.content_type, "application/problem+json");
        assert_eq!(missing.body["code"], "route_not_found");
        assert_eq!(missing.body["request_id"], "abc-123");
        assert_eq!(missing.request_id.as_deref(), Some("abc-123"));
        let wrong = get(&server.url(REGISTER), &[]).await;
        assert_eq!(wrong.status, 405);
        assert_eq!(wrong.body["code"], "method_not_allowed");
    }
}

#[actix_rt::test]
async fn instances_register_beat_and_are_refused_everything_else() {
    for db in databases() {
        let server = Server::start(db.url());
        let token = server.enroll("Site A");
        let url = server.url(REGISTER);
        let r = post_json(
            &url,
            &[("X-Enrollment-Token", &token)],
            &report(INSTANCE, &["192.168.1.5"]),
        )
        .await;
        assert_eq!(r.status, 201, "{}", r.body);
        let key = r.body["apiKey"].as_str().unwrap().to_owned();
        assert!(key.starts_with("ecki_"));
        assert_eq!(r.body["instanceId"], INSTANCE);
        assert_eq!(r.body["name"], "Site A");
        assert_eq!(r.body["publicAddress"], "127.0.0.1");

        // The token is spent, even for another instance.
        let again = post_json(&url, &[("X-Enrollment-Token", &token)], &report(OTHER, &[])).await;
        assert_eq!(again.status, 409);
        assert_eq!(again.body["code"], "enrollment_token_used");
        let none = post_json(&url, &[], &report(INSTANCE, &[])).await;
        assert_eq!(none.status, 401);
        let bogus = post_json(
            &url,
            &[("X-Enrollment-Token", "ecke_x")],
            &report(OTHER, &[]),
        )
        .await;
        assert_eq!(bogus.body["code"], "enrollment_token_invalid");

        // Heartbeats, with either header.
        let bearer = format!("Bearer {key}");
        let beat = post_json(
            &url,
            &[("Authorization", &bearer)],
            &report(INSTANCE, &["10.1.1.1", "fd00::1"]),
        )
        .await;
        assert_eq!(beat.status, 200, "{}", beat.body);
        assert_eq!(beat.body["localIps"], json!(["10.1.1.1", "fd00::1"]));
        assert!(beat.body.get("apiKey").is_none());
        let beat = post_json(
            &url,
            &[("X-Internal-Api-Key", &key)],
            &report(INSTANCE, &["10.1.1.2"]),
        )
        .await;
        assert_eq!(beat.status, 200);
        // Another instance's record, a wrong key.
        let other = post_json(&url, &[("Authorization", &bearer)], &report(OTHER, &[])).await;
        assert_eq!(other.status, 403);
        assert_eq!(other.body["code"], "not_your_instance");
        let wrong = format!("Bearer {}x", &key[..key.len() - 1]);
        let r = post_json(&url, &[("Authorization", &wrong)], &report(INSTANCE, &[])).await;
        assert_eq!(r.status, 401);
        assert_eq!(r.body["code"], "invalid_instance_key");

        // Discovery: strangers see the proxy only, the instance its LAN too.
        let info_url = server.url(&format!("/ECK/API/INTERNAL/GET-INSTANCE-INFO/{INSTANCE}"));
        let anon = get(&info_url, &[]).await;
        assert_eq!(anon.status, 200);
        assert_eq!(candidate_types(&anon.body), ["GLOBAL_PROXY"]);
        assert_eq!(
            anon.body["candidates"][0]["url"],
            format!("{PUBLIC_URL}/ECK/PROXY/{INSTANCE}")
        );
        assert_eq!(anon.body["serverPublicKey"], SERVER_KEY);
        let posted = post_json(
            &server.url("/ECK/API/INTERNAL/GET-INSTANCE-INFO"),
            &[],
            &json!({"instance_id": INSTANCE}),
        )
        .await;
        assert_eq!(candidate_types(&posted.body), ["GLOBAL_PROXY"]);
        let own = get(&info_url, &[("Authorization", &bearer)]).await;
        assert_eq!(candidate_types(&own.body), ["LOCAL_LAN", "GLOBAL_PROXY"]);
        assert_eq!(own.body["candidates"][0]["url"], "http://10.1.1.2:3100");

        // A pairing token opens the LAN for scanners.
        let pairing = post_json(
            &server.url("/ECK/API/INTERNAL/PAIRING-TOKEN"),
            &[("Authorization", &bearer)],
            &json!({"ttlSecs": 60}),
        )
        .await;
        assert_eq!(pairing.status, 201);
        let ptoken = pairing.body["token"].as_str().unwrap().to_owned();
        let paired = get(&info_url, &[("X-Pairing-Token", &ptoken)]).await;
        assert_eq!(candidate_types(&paired.body), ["LOCAL_LAN", "GLOBAL_PROXY"]);
        let bad = get(&info_url, &[("X-Pairing-Token", "eckp_nope")]).await;
        assert_eq!(bad.status, 401);

        // Operators: list, rotate, disable.
        let (h, v) = admin();
        let list = get(&server.url("/ECK/API/ADMIN/INSTANCES"), &[(h, &v)]).await;
        assert_eq!(list.status, 200);
        assert_eq!(list.body["instances"][0]["online"], true);
        assert!(list.body.to_string().find("key_hash").is_none());
        let no_admin = get(
            &server.url("/ECK/API/ADMIN/INSTANCES"),
            &[("Authorization", &bearer)],
        )
        .await;
        assert_eq!(no_admin.status, 401);
        assert_eq!(no_admin.body["code"], "invalid_admin_key");
        let rotated = post_json(
            &server.url(&format!("/ECK/API/ADMIN/INSTANCES/{INSTANCE}/ROTATE-KEY")),
            &[(h, &v)],
            &json!({}),
        )
        .await;
        assert_eq!(rotated.status, 200);
        let new_key = rotated.body["apiKey"].as_str().unwrap().to_owned();
        assert_ne!(new_key, key);
        let old = post_json(&url, &[("Authorization", &bearer)], &report(INSTANCE, &[])).await;
        assert_eq!(old.status, 401);
        let new_bearer = format!("Bearer {new_key}");
        let ok = post_json(
            &url,
            &[("Authorization", &new_bearer)],
            &report(INSTANCE, &[]),
        )
        .await;
        assert_eq!(ok.status, 200);
        let disabled = post_json(
            &server.url(&format!("/ECK/API/ADMIN/INSTANCES/{INSTANCE}/DISABLE")),
            &[(h, &v)],
            &json!({}),
        )
        .await;
        assert_eq!(disabled.body["status"], "disabled");
        assert_eq!(get(&info_url, &[]).await.status, 404);
        let r = post_json(
            &url,
            &[("Authorization", &new_bearer)],
            &report(INSTANCE, &[]),
        )
        .await;
        assert_eq!(r.status, 403);
        assert_eq!(r.body["code"], "instance_disabled");
    }
}

#[actix_rt::test]
async fn one_token_registers_one_instance_under_concurrency() {
    for db in databases() {
        let server = Server::start(db.url());
        let token = server.enroll("Race");
        let url = server.url(REGISTER);
        let requests =
            (0..8).map(|n| {
                let id = format!("{:08x}-1234-4abc-8def-0123456789ab", n + 1);
                let (url, token) = (url.clone(), token.clone());
                async move {
                    post_json(&url, &[("X-Enrollment-Token", &token)], &report(&id, &[])).await
                }
            });
        let answers = futures_util::future::join_all(requests).await;
        let statuses: Vec<u16> = answers.iter().map(|a| a.status).collect();
        assert_eq!(
            statuses.iter().filter(|s| **s == 201).count(),
            1,
            "{statuses:?}"
        );
        assert_eq!(
            statuses.iter().filter(|s| **s == 409).count(),
            7,
            "{statuses:?}"
        );
        let (h, v) = admin();
        let list = get(&server.url("/ECK/API/ADMIN/INSTANCES"), &[(h, &v)]).await;
        assert_eq!(list.body["instances"].as_array().unwrap().len(), 1);
    }
}

/// A device with its key, signing as `eckwms-device-protocol`'s `signing` feature does (the
/// exact messages are held by that crate's test vectors).
pub(crate) struct Scanner {
    id: DeviceId,
    key: SigningKey,
}

impl Scanner {
    pub(crate) fn new(id: &'static str, seed: u8) -> Self {
        Self {
            id: DeviceId::parse(id).unwrap(),
            key: SigningKey::from_bytes(&[seed; 32]),
        }
    }

    /// The registration body of reference section 4 plus the nonce; with `old`, a key change
    /// signed by the old key too.
    pub(crate) fn registration(&self, nonce: &str, old: Option<&Scanner>) -> Value {
        let key = public_key(&self.key);
        let mut body = json!({
            "instanceId": INSTANCE, "deviceId": self.id.as_str(), "deviceName": "PDA 7",
            "devicePublicKey": key.as_str(), "nonce": nonce,
            "signature": sign_registration(&self.key, &self.id, nonce),
        });
        if let Some(old) = old {
            body["oldKeySignature"] = json!(sign_key_change(&old.key, &self.id, &key, nonce));
        }
        body
    }

    /// Signature headers of a request.
    fn headers(&self, method: &str, path: &str, body: &[u8]) -> [(&'static str, String); 3] {
        let now = chrono::Utc::now().timestamp();
        request_headers(&self.key, &self.id, method, path, now, body)
    }
}

pub(crate) async fn nonce(server: &Server) -> String {
    let r = post_json(&server.url("/ECK/API/DEVICE/CHALLENGE"), &[], &json!({})).await;
    assert_eq!(r.status, 201);
    r.body["nonce"].as_str().unwrap().to_owned()
}

pub(crate) async fn signed_post(
    server: &Server,
    scanner: &Scanner,
    path: &str,
    body: &Value,
) -> crate::harness::Answer {
    let bytes = body.to_string().into_bytes();
    let headers = scanner.headers("POST", path, &bytes);
    let mut all: Vec<(&str, &str)> = vec![("Content-Type", "application/json")];
    all.extend(headers.iter().map(|(k, v)| (*k, v.as_str())));
    send("POST", &server.url(path), &all, Some(&bytes)).await
}

#[actix_rt::test]
async fn devices_pair_and_relay_scans_to_their_instance() {
    for db in databases() {
        let server = Server::start(db.url());
        let key = register(&server, INSTANCE).await;
        let bearer = format!("Bearer {key}");
        let scanner = Scanner::new("pda-7", 7);
        let registration = scanner.registration(&nonce(&server).await, None);
        let register_url = server.url("/ECK/API/DEVICE/REGISTER");
        let r = post_json(&register_url, &[], &registration).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.body["status"], "pending");
        // A captured registration does not replay.
        let replay = post_json(&register_url, &[], &registration).await;
        assert_eq!(replay.status, 409);
        assert_eq!(replay.body["code"], "challenge_invalid");
        // Someone else's key for this device id: refused without the old key's signature.
        let thief = Scanner::new("pda-7", 9);
        let takeover = post_json(
            &register_url,
            &[],
            &thief.registration(&nonce(&server).await, None),
        )
        .await;
        assert_eq!(takeover.status, 409);
        assert_eq!(takeover.body["code"], "device_key_change_unproven");

        let scans = "/ECK/API/RELAY/SCANS";
        let scan = json!({"msgId": "m-1", "barcode": "i000000000000000001"});
        let pending = signed_post(&server, &scanner, scans, &scan).await;
        assert_eq!(pending.status, 403);
        assert_eq!(pending.body["code"], "device_not_active");
        let (h, v) = admin();
        let active = post_json(
            &server.url("/ECK/API/ADMIN/DEVICES/pda-7/STATUS"),
            &[(h, &v)],
            &json!({"status": "active"}),
        )
        .await;
        assert_eq!(active.body["status"], "active");

        let posted = signed_post(&server, &scanner, scans, &scan).await;
        assert_eq!(posted.status, 202, "{}", posted.body);
        assert_eq!(posted.body["duplicate"], false);
        let again = signed_post(&server, &scanner, scans, &scan).await;
        assert_eq!(again.body["duplicate"], true);
        assert_eq!(again.body["id"], posted.body["id"]);
        // A signature over another body does not pass.
        let bytes = scan.to_string().into_bytes();
        let headers = scanner.headers("POST", scans, b"{}");
        let mut all: Vec<(&str, &str)> = vec![("Content-Type", "application/json")];
        all.extend(headers.iter().map(|(k, v)| (*k, v.as_str())));
        let forged = send("POST", &server.url(scans), &all, Some(&bytes)).await;
        assert_eq!(forged.status, 401);
        assert_eq!(forged.body["code"], "invalid_device_signature");
        let thief_post = signed_post(&server, &thief, scans, &scan).await;
        assert_eq!(thief_post.status, 401);

        // The active device sees the LAN.
        let info_path = format!("/ECK/API/INTERNAL/GET-INSTANCE-INFO/{INSTANCE}");
        let headers = scanner.headers("GET", &info_path, b"");
        let hs: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let info = get(&server.url(&info_path), &hs).await;
        assert_eq!(candidate_types(&info.body), ["LOCAL_LAN", "GLOBAL_PROXY"]);

        // The instance pulls (leased), pulls again (nothing), confirms.
        let pull_url = server.url("/ECK/API/INTERNAL/RELAY/PULL");
        let pulled = post_json(
            &pull_url,
            &[("Authorization", &bearer)],
            &json!({"limit": 10}),
        )
        .await;
        assert_eq!(pulled.status, 200, "{}", pulled.body);
        assert_eq!(pulled.body["scans"].as_array().unwrap().len(), 1);
        assert_eq!(pulled.body["scans"][0]["state"], "delivered");
        assert_eq!(pulled.body["scans"][0]["barcode"], "i000000000000000001");
        assert_eq!(pulled.body["backlog"], 0);
        let empty = post_json(&pull_url, &[("Authorization", &bearer)], &json!({})).await;
        assert_eq!(empty.body["scans"], json!([]));
        // The leased scan is still open until it is confirmed.
        assert_eq!(empty.body["backlog"], 1);
        // Reclaimed (the instance lost it): handed out again at once.
        let reclaimed = post_json(
            &pull_url,
            &[("Authorization", &bearer)],
            &json!({"reclaim": true}),
        )
        .await;
        assert_eq!(reclaimed.status, 200, "{}", reclaimed.body);
        assert_eq!(
            reclaimed.body["scans"][0]["id"],
            pulled.body["scans"][0]["id"]
        );
        assert_eq!(reclaimed.body["backlog"], 0);
        let id = pulled.body["scans"][0]["id"].clone();
        let confirmed = post_json(
            &server.url("/ECK/API/INTERNAL/RELAY/CONFIRM"),
            &[("Authorization", &bearer)],
            &json!({"ids": [id]}),
        )
        .await;
        assert_eq!(confirmed.body["confirmed"], json!([id]));
        let anonymous_pull = post_json(&pull_url, &[], &json!({})).await;
        assert_eq!(anonymous_pull.status, 401);
        let listed = get(
            &server.url(&format!("/ECK/API/ADMIN/INSTANCES/{INSTANCE}/SCANS")),
            &[(h, &v)],
        )
        .await;
        assert_eq!(listed.status, 200);
        assert_eq!(listed.body["scans"][0]["state"], "confirmed");
        assert_eq!(listed.body["scans"][0]["deliveries"], 2);
    }
}

#[actix_rt::test]
async fn bad_input_gets_a_clear_problem_and_changes_nothing() {
    for db in databases() {
        let server = Server::start_with(db.url(), &[("ECKWMS_GLOBAL__HTTP__BODY_LIMIT", "4096")]);
        let token = server.enroll("Site");
        let url = server.url(REGISTER);
        let t = [("X-Enrollment-Token", token.as_str())];
        let not_json = send(
            "POST",
            &url,
            &[t[0], ("Content-Type", "text/plain")],
            Some(b"{}"),
        )
        .await;
        assert_eq!(not_json.status, 415);
        assert_eq!(not_json.content_type, "application/problem+json");
        let broken = send(
            "POST",
            &url,
            &[t[0], ("Content-Type", "application/json")],
            Some(b"{\"instanceId\":"),
        )
        .await;
        assert_eq!(broken.status, 400);
        assert_eq!(broken.body["code"], "malformed_body");
        let big = vec![b' '; 5000];
        let too_big = send(
            "POST",
            &url,
            &[t[0], ("Content-Type", "application/json")],
            Some(&big),
        )
        .await;
        assert_eq!(too_big.status, 413);
        let invalid = post_json(
            &url,
            &t,
            &json!({"instanceId": "x", "serverPublicKey": "y", "localIps": ["999.1.1.1"], "port": 0}),
        )
        .await;
        assert_eq!(invalid.status, 422);
        assert_eq!(invalid.body["code"], "validation_failed");
        let fields: Vec<&str> = invalid.body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(
            fields,
            ["instanceId", "serverPublicKey", "port", "localIps[0]"]
        );
        let bad_id = get(
            &server.url("/ECK/API/INTERNAL/GET-INSTANCE-INFO/not-a-uuid"),
            &[],
        )
        .await;
        assert_eq!(bad_id.status, 400);
        assert_eq!(bad_id.body["code"], "invalid_id");
        // Nothing was registered, and the token is still good.
        let (h, v) = admin();
        let list = get(&server.url("/ECK/API/ADMIN/INSTANCES"), &[(h, &v)]).await;
        assert_eq!(list.body["instances"], json!([]));
        let ok = post_json(&url, &t, &report(INSTANCE, &[])).await;
        assert_eq!(ok.status, 201);
    }
}
