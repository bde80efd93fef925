//! What a manager does with the warehouse layout in the browser: create a rack, find it on the
//! floor plan, and see it fill when a box is put onto one of its places.

use fantoccini::Locator;
use serde_json::json;

use crate::driver::{Browser, Driver, create_manager};
use crate::harness::{Api, Backend, Server, database};

/// The class of the rack's rectangle on the floor plan.
async fn rack_class(browser: &Browser, rack: &str) -> String {
    browser
        .client
        .find(Locator::Css(&format!("#plan rect[data-rack=\"{rack}\"]")))
        .await
        .unwrap_or_else(|e| panic!("rack {rack} on the plan: {e}"))
        .attr("class")
        .await
        .unwrap()
        .unwrap_or_default()
}

#[actix_rt::test]
async fn a_manager_creates_a_rack_sees_it_on_the_floor_plan_and_it_fills() {
    let Some(driver) = Driver::start() else {
        return;
    };
    let db = database(Backend::Sqlite).unwrap();
    let server = Server::start(db.url());
    create_manager(&server);
    let browser = driver.browser("en").await;
    let base = server.base.clone();
    browser.open(&format!("{base}/layout")).await;
    assert!(browser.path().await.starts_with("/login?next=/layout"));
    browser.log_in_as_manager().await;
    assert_eq!(browser.path().await, "/layout");
    assert!(browser.text("header nav").await.contains("Layout"));
    assert!(browser.text("#floor").await.contains("No rack"));

    // A new rack of 4 x 2 cells, turned a quarter.
    browser.fill("#new-rack form", "name", "Rack North").await;
    browser.fill("#new-rack form", "columns", "4").await;
    browser.fill("#new-rack form", "rows", "2").await;
    browser.fill("#new-rack form", "pos_x", "6").await;
    browser.fill("#new-rack form", "pos_y", "1").await;
    browser.fill("#new-rack form", "rotation", "90").await;
    browser.submit("#new-rack form").await;
    let path = browser.path().await;
    assert!(path.starts_with("/layout/racks/"), "{path}");
    let rack = path
        .trim_start_matches("/layout/racks/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(browser.text(".notice.ok").await, "Created.");
    assert_eq!(browser.text("h1").await, "Rack North");
    assert_eq!(browser.text("#occupancy").await, "0 of 8 places occupied");
    let place = browser
        .client
        .find(Locator::Css("#cells td.cell a"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap()
        .trim_start_matches("/places/")
        .to_owned();

    // On the floor plan, empty.
    browser.click("a[href=\"/layout?warehouse=1\"]").await;
    assert_eq!(rack_class(&browser, &rack).await, "rack occ-0");
    assert!(browser.text("#plan").await.contains("Rack North"));

    // A box put onto one of its places: the rack shows as occupied.
    let admin = Api::new(&server, &server.admin_key);
    let parcel = admin
        .create("/api/v1/boxes", json!({"name": "Parcel"}))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let moved = admin
        .post("/api/v1/moves", json!({"object": parcel, "to": place}))
        .await;
    assert!(moved.status.is_success(), "{}", moved.body);
    browser.open(&format!("{base}/layout")).await;
    assert_eq!(rack_class(&browser, &rack).await, "rack occ-1");
    let row = browser
        .text(&format!("#racks tr[data-rack=\"{rack}\"]"))
        .await;
    assert!(row.contains("1 (12%)"), "{row}");
    browser.screenshot("floor-plan").await;
    browser
        .click(&format!("#plan a[href=\"/layout/racks/{rack}\"]"))
        .await;
    assert_eq!(browser.text("#occupancy").await, "1 of 8 places occupied");
    let cell = browser
        .text(&format!("#cells td.occupied a[href=\"/places/{place}\"]"))
        .await;
    assert!(!cell.is_empty());
    browser.screenshot("rack").await;
    browser.close().await;
}
