//! The public label page end to end: the real instance binary prints a label, the real global
//! binary decodes it, asks the instance with a signed request and shows the public fields only
//! (of items, and of orders, which publish the fields their owner chose).

use std::process::Command;
use std::time::Duration;

use serde_json::{Value, json};

use crate::harness::{self, BIN, Server};
use crate::instance;

const V2_KEY: &str = "4f1c2b3a5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7a8";
const SERVER_KEY: &str = "3B6A27BCCEB6A42D62A3A8D02A6F0D73653215771DE243A63AC048A18B59DA29";

struct Page {
    status: u16,
    headers: awc::http::header::HeaderMap,
    body: String,
}

async fn open(url: &str) -> Page {
    let mut res = harness::client().get(url).send().await.unwrap();
    let body = res.body().limit(1024 * 1024).await.unwrap();
    Page {
        status: res.status().as_u16(),
        headers: res.headers().clone(),
        body: String::from_utf8(body.to_vec()).unwrap(),
    }
}

fn header<'a>(page: &'a Page, name: &str) -> &'a str {
    page.headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

/// `eckwms-global identity` on the global database: the key instances trust.
fn global_identity(db_url: &str) -> String {
    let dir = harness::fresh_dir();
    let out = Command::new(BIN)
        .arg("identity")
        .current_dir(&dir)
        .env("ECKWMS_GLOBAL__DATABASE__URL", db_url)
        .env("ECKWMS_GLOBAL__LOG__LEVEL", "warn")
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let key = stdout.trim().to_owned();
    assert_eq!(stdout, format!("{key}\n"), "the key alone on stdout");
    assert_eq!(key.len(), 64);
    key
}

fn instance_id(server: &instance::Server) -> String {
    server
        .startup_log
        .iter()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .find(|json| json["fields"]["message"] == "instance identity")
        .and_then(|json| json["fields"]["instance_id"].as_str().map(str::to_owned))
        .expect("the instance logs its id at start")
}

fn port_of(base: &str) -> u16 {
    base.rsplit(':').next().unwrap().parse().unwrap()
}

#[actix_rt::test]
async fn a_printed_label_shows_exactly_the_public_fields() {
    let backends = [instance::Backend::Sqlite, instance::Backend::Postgres];
    for (global_db, backend) in harness::databases().into_iter().zip(backends) {
        let Some(instance_db) = instance::database(backend) else {
            continue;
        };
        let global_key = global_identity(global_db.url());
        // The instance trusts the global service's key and prints v2 labels.
        let site = instance::Server::start_with(
            instance_db.url(),
            instance::fresh_dir("public-page"),
            &[
                ("ECKWMS__GLOBAL__PUBLIC_KEY", global_key.as_str()),
                ("ECKWMS__CODES__V2_KEY", V2_KEY),
                ("ECKWMS__CODES__V2_KEY_ID", "7"),
            ],
        );
        let site_id = instance_id(&site);
        let api = instance::Api::new(&site, &site.admin_key);
        let public = api
            .create(
                "/api/v1/items",
                json!({"serial": "SERIAL-INTERNAL", "name": "NAME-INTERNAL",
                       "attributes": {"public": {"Model": "X-200 <b>bold</b>", "Colour": "red",
                                                 "Warranty months": 24},
                                      "note": "NOTE-INTERNAL"}}),
            )
            .await;
        let private = api
            .create(
                "/api/v1/items",
                json!({"name": "NAME-INTERNAL", "attributes": {"note": "NOTE-INTERNAL"}}),
            )
            .await;
        let unseen = api
            .create(
                "/api/v1/items",
                json!({"attributes": {"public": {"Model": "never opened"}}}),
            )
            .await;
        // An RMA whose owner publishes its status only, and one that publishes nothing.
        let rma = api
            .create(
                "/api/v1/orders",
                json!({"reference": "REFERENCE-INTERNAL", "tracking_number": "TRACKING-INTERNAL",
                       "customer": {"person": "CUSTOMER-INTERNAL"}, "public_fields": ["status"]}),
            )
            .await;
        assert_eq!(rma["public_fields"], json!(["status"]));
        let rma_id = rma["id"].as_str().unwrap().to_owned();
        let received = api
            .send(
                "PATCH",
                &format!("/api/v1/orders/{rma_id}"),
                &[("If-Match", "*")],
                Some(json!({"status": "received"}).to_string().into_bytes()),
            )
            .await;
        assert_eq!(received.status.as_u16(), 200, "{}", received.body);
        let private_order = api
            .create("/api/v1/orders", json!({"reference": "REFERENCE-INTERNAL"}))
            .await;
        let ids = [
            public["id"].as_str().unwrap(),
            private["id"].as_str().unwrap(),
            unseen["id"].as_str().unwrap(),
        ];
        let sheet = api
            .post(
                "/api/v1/labels?format=json",
                json!({"kind": "item", "ids": ids}),
            )
            .await;
        assert_eq!(sheet.status.as_u16(), 200, "{}", sheet.body);
        let codes = |n: usize| -> Vec<String> {
            sheet.body["labels"][n]["codes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c.as_str().unwrap().to_owned())
                .collect()
        };
        let (public_codes, private_codes, unseen_codes) = (codes(0), codes(1), codes(2));
        // The orders' labels, as a repair slip carries them.
        let order_sheet = api
            .post(
                "/api/v1/labels?format=json",
                json!({"kind": "order", "ids": [rma_id.as_str(), private_order["id"].as_str().unwrap()]}),
            )
            .await;
        assert_eq!(order_sheet.status.as_u16(), 200, "{}", order_sheet.body);
        let order_code = |n: usize| -> String {
            order_sheet.body["labels"][n]["codes"][0]
                .as_str()
                .unwrap()
                .to_owned()
        };
        let number = sheet.body["labels"][0]["number"]
            .as_str()
            .unwrap()
            .to_owned();
        let check = sheet.body["labels"][0]["check"]
            .as_str()
            .unwrap()
            .to_owned();

        // The global service owns the instance's key ring entry (a secret file), fetches from
        // loopback (tests only) and keeps fetched views for one second.
        let dir = harness::fresh_dir();
        let config = dir.join("global-labels.toml");
        std::fs::write(
            &config,
            format!(
                "[proxy]\nallow_loopback = true\n\n[public_page]\nttl_secs = 1\n\n\
                 [[labels.keys]]\ninstance_id = \"{site_id}\"\nversion = 2\nkey = \"{V2_KEY}\"\nkey_id = 7\n"
            ),
        )
        .unwrap();
        let global = Server::start_with(
            global_db.url(),
            &[("ECKWMS_GLOBAL_CONFIG", config.to_str().unwrap())],
        );
        let identity = harness::get(&global.url("/ECK/API/IDENTITY"), &[]).await;
        assert_eq!(identity.body["publicKey"], global_key.as_str());

        // A valid label of an instance that is not registered yet: the 404 page.
        let before = open(&global.url(&format!("/ECK/{}", public_codes[0]))).await;
        assert_eq!(before.status, 404);
        let not_found_body = before.body.clone();

        let token = global.enroll("Site");
        let registered = harness::post_json(
            &global.url("/ECK/API/INTERNAL/REGISTER-INSTANCE"),
            &[("X-Enrollment-Token", &token)],
            &json!({"instanceId": site_id, "serverPublicKey": SERVER_KEY, "localIps": [],
                    "port": port_of(&site.base)}),
        )
        .await;
        assert_eq!(registered.status, 201, "{}", registered.body);

        // Each of the three codes, in the forms a phone or scanner reaches the page with.
        let (host1, code1) = public_codes[0].split_once('/').unwrap();
        let paths = [
            format!("/ECK/{}", public_codes[0]),
            format!("/ECK/{}", public_codes[1]),
            format!("/ECK/https://{}", public_codes[2]),
            format!("/ECK/{}/{code1}", host1.to_lowercase()),
            format!("/ECK/{code1}"),
        ];
        for path in &paths {
            let page = open(&global.url(path)).await;
            assert_eq!(page.status, 200, "{path}: {}", page.body);
            assert_eq!(header(&page, "content-type"), "text/html; charset=utf-8");
            assert_eq!(header(&page, "x-content-type-options"), "nosniff");
            assert!(header(&page, "content-security-policy").starts_with("default-src 'none'"));
            assert_eq!(header(&page, "cache-control"), "public, max-age=60");
            let body = &page.body;
            assert!(
                body.contains(&format!(
                    "Item {number} <span class=\"check\">{check}</span>"
                )),
                "{body}"
            );
            assert!(body.contains("<dt>Colour</dt><dd>red</dd>"), "{body}");
            assert!(
                body.contains("<dt>Model</dt><dd>X-200 &lt;b&gt;bold&lt;/b&gt;</dd>"),
                "{body}"
            );
            assert!(
                body.contains("<dt>Warranty months</dt><dd>24</dd>"),
                "{body}"
            );
            assert_eq!(
                body.matches("<dt>").count(),
                3,
                "exactly the public fields: {body}"
            );
            for internal in ["INTERNAL", "i0000", "<b>"] {
                assert!(!body.contains(internal), "{internal} shown: {body}");
            }
        }
        // Nothing public: the same 404 page as an unknown code or instance.
        for path in [
            format!("/ECK/{}", private_codes[0]),
            "/ECK/ECK1.COM/NOT-A-LABEL".to_owned(),
            format!("/ECK/{}", public_codes[0].replacen("ECK1", "ECK2", 1)),
        ] {
            let page = open(&global.url(&path)).await;
            assert_eq!(page.status, 404, "{path}");
            assert_eq!(header(&page, "content-type"), "text/html; charset=utf-8");
            assert_eq!(page.body, not_found_body, "{path}");
        }
        // The order shows its status, and nothing else of it; the other one is the 404 page.
        let page = open(&global.url(&format!("/ECK/{}", order_code(0)))).await;
        assert_eq!(page.status, 200, "{}", page.body);
        let number = eckwms_domain::ObjectId::parse(&rma_id).unwrap().number();
        assert!(
            page.body
                .contains(&format!("<h1>Order {number} <span class=\"check\">")),
            "{}",
            page.body
        );
        assert!(
            page.body
                .contains("<dt>Status</dt><dd>Received, in progress</dd>"),
            "{}",
            page.body
        );
        assert_eq!(page.body.matches("<dt>").count(), 1, "{}", page.body);
        assert!(!page.body.contains("INTERNAL"), "{}", page.body);
        let private_page = open(&global.url(&format!("/ECK/{}", order_code(1)))).await;
        assert_eq!(private_page.status, 404);
        assert_eq!(private_page.body, not_found_body);

        // The instance's route answers nobody else: unsigned, it is a plain 404.
        let direct = api.get(&format!("/ECK/API/PUBLIC/{}", ids[0])).await;
        direct.assert_problem(404, "not_found");

        // The instance goes down: after the TTL the cached view is still shown, marked stale;
        // a code never fetched is "not available right now".
        let site_dir = site.dir.clone();
        drop(site);
        let _ = std::fs::remove_dir_all(&site_dir);
        std::thread::sleep(Duration::from_millis(1100));
        let stale = open(&global.url(&paths[0])).await;
        assert_eq!(stale.status, 200, "{}", stale.body);
        assert!(stale.body.contains("<dd>red</dd>") && stale.body.contains("out of date"));
        let never_fetched = open(&global.url(&format!("/ECK/{}", unseen_codes[0]))).await;
        assert_eq!(never_fetched.status, 503, "{}", never_fetched.body);
        assert_eq!(header(&never_fetched, "cache-control"), "no-store");
        assert!(never_fetched.body.contains("Not available right now"));
        // A cached "nothing public" stays the 404 page while the instance is down.
        let private_again = open(&global.url(&format!("/ECK/{}", private_codes[0]))).await;
        assert_eq!(private_again.status, 404);
        drop(global);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[actix_rt::test]
async fn one_client_asking_too_often_gets_the_busy_page() {
    let db = eckwms_global_adapter_db::testing::TestDatabase::sqlite();
    let global = Server::start_with(
        db.url(),
        &[
            (
                "ECKWMS_GLOBAL__PROXY__RATE_LIMIT__PER_CLIENT__PER_SECOND",
                "0.01",
            ),
            ("ECKWMS_GLOBAL__PROXY__RATE_LIMIT__PER_CLIENT__BURST", "2"),
        ],
    );
    let url = global.url("/ECK/ECK1.COM/NOT-A-LABEL");
    assert_eq!(open(&url).await.status, 404);
    assert_eq!(open(&url).await.status, 404);
    let limited = open(&url).await;
    assert_eq!(limited.status, 429);
    assert_eq!(header(&limited, "content-type"), "text/html; charset=utf-8");
    assert!(header(&limited, "retry-after").parse::<u64>().unwrap() >= 1);
    assert!(limited.body.contains("Too many requests"));
}

#[test]
fn a_bad_label_key_stops_the_start_naming_its_path_not_its_value() {
    let db = eckwms_global_adapter_db::testing::TestDatabase::sqlite();
    let dir = harness::fresh_dir();
    let config = dir.join("labels.toml");
    let secret = "0123456789abcdef".repeat(3); // 48 hex digits: a v1 key given as v2
    std::fs::write(
        &config,
        format!(
            "[[labels.keys]]\ninstance_id = \"0b0e6f3a-1234-4abc-8def-0123456789ab\"\n\
             version = 2\nkey = \"{secret}\"\n"
        ),
    )
    .unwrap();
    let out = Command::new(BIN)
        .arg("migrate")
        .current_dir(&dir)
        .env("ECKWMS_GLOBAL__DATABASE__URL", db.url())
        .env("ECKWMS_GLOBAL_CONFIG", &config)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("labels.keys[0].key"), "{stderr}");
    assert!(!stderr.contains(&secret), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_malformed_label_key_variable_stops_the_start_naming_it_not_its_value() {
    let db = eckwms_global_adapter_db::testing::TestDatabase::sqlite();
    let dir = harness::fresh_dir();
    let secret = "0123456789abcdef".repeat(4);
    // The closing bracket is missing.
    let value = format!(
        r#"[{{"instance_id": "0b0e6f3a-1234-4abc-8def-0123456789ab", "version": 2, "key": "{secret}"}}"#
    );
    let out = Command::new(BIN)
        .arg("migrate")
        .current_dir(&dir)
        .env("ECKWMS_GLOBAL__DATABASE__URL", db.url())
        .env("ECKWMS_GLOBAL__LABELS__KEYS", &value)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("ECKWMS_GLOBAL__LABELS__KEYS: not valid JSON"),
        "{stderr}"
    );
    assert!(!stderr.contains(&secret), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}
