//! What an operator does in the browser: log in, open a box, see where it is, move it, scan
//! with a keyboard-wedge scanner, switch the language, log out.

use fantoccini::Locator;
use serde_json::json;

use crate::driver::{Driver, MANAGER, create_manager};
use crate::harness::{Api, Backend, Server, database};

/// A server with a manager `mara` and a box on shelf A (another shelf B waits).
struct Site {
    server: Server,
    _db: eckwms_adapter_db::testing::TestDatabase,
    shelf_a: String,
    shelf_b: String,
    parcel: String,
}

async fn site() -> Site {
    let db = database(Backend::Sqlite).unwrap();
    let server = Server::start(db.url());
    create_manager(&server);
    let admin = Api::new(&server, &server.admin_key);
    let shelf_a = admin
        .create("/api/v1/places", json!({"name": "Shelf A"}))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let shelf_b = admin
        .create("/api/v1/places", json!({"name": "Shelf B"}))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let parcel = admin
        .create("/api/v1/boxes", json!({"name": "Parcel <7>"}))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let moved = admin
        .post("/api/v1/moves", json!({"object": parcel, "to": shelf_a}))
        .await;
    assert!(moved.status.is_success(), "{}", moved.body);
    Site {
        server,
        _db: db,
        shelf_a,
        shelf_b,
        parcel,
    }
}

#[actix_rt::test]
async fn an_operator_logs_in_finds_a_box_moves_it_scans_and_switches_language() {
    let Some(driver) = Driver::start() else {
        return;
    };
    let site = site().await;
    let browser = driver.browser("en").await;
    let base = site.server.base.clone();

    // A page without a session leads to the login, and back after it.
    browser.open(&format!("{base}/boxes/{}", site.parcel)).await;
    assert!(browser.path().await.starts_with("/login?next=/boxes/"));
    browser.screenshot("login").await;
    browser.log_in(MANAGER, "wrong passphrase").await;
    assert_eq!(
        browser.text(".notice.error").await,
        "Wrong username or password."
    );
    browser.log_in_as_manager().await;
    assert_eq!(browser.path().await, format!("/boxes/{}", site.parcel));

    // The dashboard: the counts, and the latest activity (made with the admin key, by name).
    browser.open(&format!("{base}/")).await;
    let counts = browser.text("#counts").await;
    assert!(counts.contains("Boxes"), "{counts}");
    assert!(browser.text("#activity").await.contains("admin"));
    assert!(
        browser
            .text("#scans-today")
            .await
            .contains("0 scans today.")
    );
    // The search field takes a code and opens what it names.
    browser.fill("#search", "q", &site.parcel).await;
    browser.submit("#search").await;
    assert_eq!(browser.path().await, format!("/boxes/{}", site.parcel));

    // The box: its name (escaped, shown as typed), where it is, its history by who did it.
    assert_eq!(browser.text("h1").await, "Parcel <7>");
    let location = browser.text("#location").await;
    assert!(location.contains(&site.shelf_a), "{location}");
    assert!(browser.text("#history").await.contains("Moved"));
    browser.screenshot("box").await;

    // Moved to shelf B by typing its id (as a scanner would type it).
    browser.fill("#move form", "to", &site.shelf_b).await;
    browser.submit("#move form").await;
    assert_eq!(browser.text(".notice.ok").await, "Moved.");
    let location = browser.text("#location").await;
    assert!(location.contains(&site.shelf_b), "{location}");
    assert!(!location.contains(&site.shelf_a), "{location}");
    // The place's page lists the box.
    browser
        .click(&format!("#location a[href=\"/places/{}\"]", site.shelf_b))
        .await;
    assert!(browser.text("#contents").await.contains(&site.parcel));

    // The scan page keeps the focus in its field; a scan answers with the working set.
    browser.open(&format!("{base}/scan")).await;
    let focused = browser
        .client
        .active_element()
        .await
        .unwrap()
        .attr("name")
        .await
        .unwrap();
    assert_eq!(focused.as_deref(), Some("code"));
    browser.fill("#scan", "code", &site.parcel).await;
    browser.submit("#scan").await;
    assert!(browser.text("#working-set").await.contains(&site.parcel));
    let focused = browser
        .client
        .active_element()
        .await
        .unwrap()
        .attr("name")
        .await
        .unwrap();
    assert_eq!(
        focused.as_deref(),
        Some("code"),
        "focus stays in the scan field"
    );
    browser.screenshot("scan").await;
    // The day's scans are on the dashboard now.
    browser.open(&format!("{base}/")).await;
    assert!(
        browser
            .text("#scans-today")
            .await
            .contains("One scan today.")
    );
    browser.screenshot("dashboard").await;

    // German, kept across pages.
    browser.click("#languages [lang=\"de\"]").await;
    assert_eq!(browser.text("h1").await, "Übersicht");
    browser.screenshot("dashboard-de").await;
    browser.open(&format!("{base}/boxes/{}", site.parcel)).await;
    assert_eq!(browser.text("#location h2").await, "Standort");
    let lang = browser
        .client
        .find(Locator::Css("html"))
        .await
        .unwrap()
        .attr("lang")
        .await
        .unwrap();
    assert_eq!(lang.as_deref(), Some("de"));
    browser.screenshot("box-de").await;
    // The scan flow answers in the same language: the box (still in the working set) goes to
    // shelf A.
    browser.open(&format!("{base}/scan")).await;
    browser.fill("#scan", "code", &site.shelf_a).await;
    browser.submit("#scan").await;
    let answer = browser.text("#answer").await;
    assert!(answer.contains("1 Box auf Lagerplatz"), "{answer}");

    // Logged out: the pages lead to the login again.
    browser.click("#logout button").await;
    assert!(browser.path().await.starts_with("/login"));
    browser.open(&format!("{base}/boxes/{}", site.parcel)).await;
    assert!(browser.path().await.starts_with("/login?next="));
    // The language is the user's setting, not only this browser's cookie: without the cookie,
    // the login page follows the browser (English), and after the login the user's German.
    browser.client.delete_cookie("eckwms_lang").await.unwrap();
    browser.open(&format!("{base}/login")).await;
    assert_eq!(browser.text("h2").await, "Log in");
    browser.log_in_as_manager().await;
    assert_eq!(browser.text("h1").await, "Übersicht");
    browser.close().await;
}
