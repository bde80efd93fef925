//! What a manager does in the browser on the admin pages: approve a scanner that paired
//! (registered through the scanners' API, as a scanner does), create a user, create an API key
//! (shown once) and revoke it.

use fantoccini::Locator;

use crate::devices::Scanner;
use crate::driver::{Browser, Driver, create_manager};
use crate::harness::{Api, Backend, Server, database, fresh_dir};

/// Picks the option `value` of the select `select` (a CSS selector).
async fn choose(browser: &Browser, select: &str, value: &str) {
    browser
        .client
        .find(Locator::Css(&format!("{select} option[value=\"{value}\"]")))
        .await
        .unwrap_or_else(|e| panic!("{select} {value}: {e}"))
        .click()
        .await
        .unwrap();
}

#[actix_rt::test]
async fn a_manager_approves_a_scanner_creates_a_user_and_an_api_key_shown_once() {
    let Some(driver) = Driver::start() else {
        return;
    };
    let db = database(Backend::Sqlite).unwrap();
    let server = Server::start_with(
        db.url(),
        fresh_dir("browser-admin"),
        &[("ECKWMS__PAIRING__GLOBAL_URL", "https://eckwms.example.com")],
    );
    create_manager(&server);
    // A scanner pairs: it registers and waits, pending.
    let pda = Scanner::new(&server, "PDA-7", 7);
    let (_, registered) = pda.register("PDA seven").await;
    assert_eq!(registered.body["status"], "pending", "{}", registered.body);

    let browser = driver.browser("en").await;
    let base = server.base.clone();
    browser.open(&format!("{base}/scanners")).await;
    assert!(browser.path().await.starts_with("/login?next=/scanners"));
    browser.log_in_as_manager().await;
    assert_eq!(browser.path().await, "/scanners");

    // The pending scanner first, with its decision; the pairing QR is an image of this site.
    assert!(browser.text("#pending").await.contains("PDA-7"));
    assert!(browser.text("header nav").await.contains("Scanners"));
    let qr_width = browser
        .client
        .execute(
            "return document.querySelector('#pairing img').naturalWidth;",
            vec![],
        )
        .await
        .unwrap();
    assert!(qr_width.as_u64().unwrap_or(0) > 0, "{qr_width}");
    browser.screenshot("scanners-pending").await;
    choose(&browser, "#pending form select[name=\"role\"]", "PICKER").await;
    browser.submit("#pending form").await;
    assert_eq!(browser.text(".notice.ok").await, "Approved.");
    assert!(
        browser
            .text("#pending")
            .await
            .contains("No scanner is waiting.")
    );
    let row = browser.text("#scanners tr[data-device=\"PDA-7\"]").await;
    assert!(row.contains("Approved") && row.contains("PICKER"), "{row}");
    browser.screenshot("scanners").await;
    // The scanner is told so.
    let status = pda
        .signed("GET", "/ECK/API/DEVICE/PDA-7/STATUS", None)
        .await;
    assert_eq!(status.body["status"], "active", "{}", status.body);
    assert_eq!(status.body["role"], "PICKER", "{}", status.body);

    // A user: created, then listed.
    browser.click("header nav a[href=\"/users\"]").await;
    browser.fill("#create form", "username", "bert").await;
    browser
        .fill("#create form", "display_name", "Bert Picker")
        .await;
    choose(&browser, "#create form select[name=\"role\"]", "PICKER").await;
    browser
        .fill("#create form", "password", "picker passphrase")
        .await;
    browser.submit("#create form").await;
    assert!(browser.path().await.starts_with("/users/u"));
    assert_eq!(browser.text(".notice.ok").await, "Created.");
    assert_eq!(browser.text("h1").await, "Bert Picker");
    browser.screenshot("user").await;
    browser.click("a[href=\"/users\"]").await;
    assert!(browser.text("#users").await.contains("bert"));
    browser.screenshot("users").await;

    // An API key: shown once, and it works.
    browser.click("header nav a[href=\"/apikeys\"]").await;
    browser.fill("#create form", "name", "Shop export").await;
    choose(&browser, "#create form select[name=\"role\"]", "read").await;
    browser.submit("#create form").await;
    let key = browser
        .client
        .find(Locator::Css("#new-key input"))
        .await
        .unwrap()
        .attr("value")
        .await
        .unwrap()
        .unwrap();
    assert!(key.starts_with("eck_"), "{key}");
    browser.screenshot("apikey-created").await;
    let api = Api::new(&server, &key);
    let places = api.get("/api/v1/places").await;
    assert!(places.status.is_success(), "{}", places.body);
    // Not in the address, not on the page afterwards.
    assert_eq!(browser.path().await, "/apikeys");
    browser.open(&format!("{base}/apikeys")).await;
    let source = browser.client.source().await.unwrap();
    assert!(!source.contains(&key));
    assert!(!source.contains("id=\"new-key\""));
    assert!(browser.text("#keys").await.contains("Shop export"));
    browser.screenshot("apikeys").await;

    // Revoked after the confirmation: the key stops working.
    let mut revoke = None;
    for row in browser
        .client
        .find_all(Locator::Css("#keys tbody tr"))
        .await
        .unwrap()
    {
        if row.text().await.unwrap().contains("Shop export") {
            revoke = Some(
                row.find(Locator::Css("form[data-confirm] button"))
                    .await
                    .unwrap(),
            );
        }
    }
    revoke.expect("a revoke button").click().await.unwrap();
    browser.client.accept_alert().await.unwrap();
    browser
        .client
        .wait()
        .for_element(Locator::Css(".notice.ok"))
        .await
        .unwrap();
    assert_eq!(browser.text(".notice.ok").await, "Revoked.");
    let refused = api.get("/api/v1/places").await;
    assert_eq!(refused.status.as_u16(), 401, "{}", refused.body);
    browser.close().await;
}
