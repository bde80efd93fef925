//! The repair desk in the browser: a manager makes an RMA request with three devices, the
//! parcel arrives with two of them, and the order page reconciles it.

use serde_json::json;

use crate::driver::{Driver, create_manager};
use crate::harness::{Api, Backend, Server, database};

/// A place of the desk with its role, made through the API.
async fn desk_place(api: &Api, name: &str, role: &str) -> String {
    let place = api
        .create("/api/v1/places", json!({"warehouse_id": 1, "name": name}))
        .await;
    let id = place["id"].as_str().unwrap().to_owned();
    let set = api
        .send(
            "PATCH",
            &format!("/api/v1/places/{id}"),
            &[("If-Match", "*")],
            Some(json!({"role": role}).to_string().into_bytes()),
        )
        .await;
    assert_eq!(set.status, 200, "{}", set.body);
    id
}

#[actix_rt::test]
async fn a_manager_makes_an_rma_request_and_sees_what_arrived() {
    let Some(driver) = Driver::start() else {
        return;
    };
    let db = database(Backend::Sqlite).unwrap();
    let server = Server::start(db.url());
    create_manager(&server);
    let admin = Api::new(&server, &server.admin_key);
    let intake = desk_place(&admin, "Intake table", "intake").await;
    let base = server.base.clone();
    let browser = driver.browser("en").await;

    // The desk, after the login; the navigation leads there.
    browser.open(&format!("{base}/repair")).await;
    browser.log_in_as_manager().await;
    assert_eq!(browser.path().await, "/repair");
    assert_eq!(
        browser.text("header nav a[aria-current=\"page\"]").await,
        "Repair desk"
    );

    // A new request: a bad line first (named, the form kept), then three devices.
    browser.click("a[href=\"/repair/new\"]").await;
    browser.fill("#rma-form", "company", "Acme GmbH").await;
    browser.fill("#rma-form", "person", "Jane Doe").await;
    browser.fill("#rma-form", "city", "Berlin").await;
    browser.fill("#rma-form", "reference", "PO-118").await;
    browser
        .fill("#rma-form", "declared", "SN-A-1;does not charge\nSN B 2")
        .await;
    browser.submit("#rma-form").await;
    let refused = browser.text("#rma-form").await;
    assert!(refused.contains("Line 2:"), "{refused}");
    browser
        .fill(
            "#rma-form",
            "declared",
            "SN-A-1;does not charge\nSN-B-2\nSN-C-3;cracked display",
        )
        .await;
    browser.submit("#rma-form").await;
    let path = browser.path().await;
    let order = path
        .strip_prefix("/orders/")
        .unwrap_or_else(|| panic!("not an order page: {path}"))
        .to_owned();
    assert!(order.starts_with("o8"), "{order}");
    assert!(browser.text("#declared").await.contains("SN-C-3"));
    assert!(
        browser
            .text("#reconciliation")
            .await
            .contains("The parcel has not arrived yet.")
    );
    assert_eq!(
        browser.text("#slip").await,
        "Customer's slip (PDF)",
        "the slip is offered"
    );

    // The parcel arrives with two of the devices: a box linked to the request, the devices
    // put into it, the box onto the intake table.
    let parcel = admin.create("/api/v1/boxes", json!({})).await;
    let parcel = parcel["id"].as_str().unwrap().to_owned();
    let linked = admin
        .post(
            &format!("/api/v1/orders/{order}/boxes"),
            json!({"box": parcel}),
        )
        .await;
    assert_eq!(linked.status, 200, "{}", linked.body);
    for serial in ["SN-A-1", "SN-C-3"] {
        let item = admin
            .create("/api/v1/items", json!({"serial": serial, "name": "Tablet"}))
            .await;
        let moved = admin
            .post("/api/v1/moves", json!({"object": item["id"], "to": parcel}))
            .await;
        assert!(moved.status.is_success(), "{}", moved.body);
    }
    let moved = admin
        .post("/api/v1/moves", json!({"object": parcel, "to": intake}))
        .await;
    assert!(moved.status.is_success(), "{}", moved.body);

    // The order page reconciles: two matched, one missing.
    browser.open(&format!("{base}/orders/{order}")).await;
    assert_eq!(browser.text("#count-matched").await, "2 matched");
    assert_eq!(browser.text("#count-missing").await, "1 missing");
    assert_eq!(browser.text("#count-undeclared").await, "0 undeclared");
    assert!(browser.text("#missing").await.contains("SN-B-2"));
    let matched = browser.text("#matched").await;
    assert!(
        matched.contains("SN-A-1") && matched.contains("SN-C-3"),
        "{matched}"
    );
    assert!(browser.text("#fields").await.contains("Received"));
    browser
        .client
        .execute(
            "document.getElementById('reconciliation').scrollIntoView()",
            vec![],
        )
        .await
        .unwrap();
    browser.screenshot("rma-order").await;

    // Processed is refused while the matched devices have no result.
    browser.submit("#status form").await;
    let refusal = browser.text(".notice.error").await;
    assert!(
        refusal.starts_with("The repair is not finished:"),
        "{refusal}"
    );

    // The desk lists it among the received requests and the ones missing devices.
    browser.open(&format!("{base}/repair")).await;
    let received = browser.text("#list-received").await;
    assert!(received.contains("Acme GmbH"), "{received}");
    assert!(received.contains("0 days"), "{received}");
    browser.screenshot("repair-desk").await;
    browser.click("#filter-missing").await;
    assert!(browser.text("#list-missing").await.contains("Acme GmbH"));

    // The report form leads to the API's CSV, which the session may read.
    let fetched = browser
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             fetch('/repair/report?from=&to=&status=received')
               .then(r => r.text().then(t => done([r.status, r.url, t])))
               .catch(e => done([0, '', String(e)]));",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(fetched[0], 200, "{fetched}");
    assert!(
        fetched[1]
            .as_str()
            .unwrap()
            .ends_with("/api/v1/reports/service.csv?status=received"),
        "{fetched}"
    );
    let csv = fetched[2].as_str().unwrap();
    assert!(csv.contains("Serial/part number"), "{csv}");
    assert_eq!(
        csv.matches("Acme GmbH").count(),
        3,
        "a row per device: {csv}"
    );
    browser.close().await;
}
