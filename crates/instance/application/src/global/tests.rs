//! The global wing's use cases against mocked ports.

use std::net::IpAddr;

use chrono::TimeZone;
use eckwms_domain::devices::{Device, DeviceId, DevicePublicKey, DeviceStatus};
use eckwms_domain::global::InstanceKey;

use super::*;
use crate::ports::{
    GlobalProblem, MockClock, MockDeviceRepository, MockGlobalClient, MockGlobalLinkRepository,
    MockInstanceIdentitySource, MockLanAddresses,
};

const INSTANCE: &str = "0b0e6f3a-1234-4abc-8def-0123456789ab";
const TOKEN: &str = "ecke_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
const KEY: &str = "ecki_0b0e6f3a12344abc8def0123456789ab_secret";

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 7, 16, 0, 0).unwrap()
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn link(url: &str) -> GlobalLink {
    GlobalLink {
        url: GlobalUrl::parse(url).unwrap(),
        key: InstanceKey::parse(KEY).unwrap(),
        enrolled_at: now(),
    }
}

fn device(id: &str, status: DeviceStatus) -> Device {
    Device {
        id: DeviceId::parse(id).unwrap(),
        name: eckwms_domain::Name::new("name", format!("Scanner {id}")).unwrap(),
        public_key: DevicePublicKey::parse("11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=").unwrap(),
        status,
        role: None,
        version: 1,
        registered_at: now(),
        updated_at: now(),
        last_seen_at: None,
    }
}

/// Ports that answer the identity, two addresses (one twice) and the clock; the test adds the
/// link store, the devices and the client.
fn service(
    links: MockGlobalLinkRepository,
    devices: MockDeviceRepository,
    client: MockGlobalClient,
) -> GlobalLinkService {
    let mut identity = MockInstanceIdentitySource::new();
    identity
        .expect_id_and_key()
        .returning(|| Ok((INSTANCE.to_owned(), vec![0xab; 32])));
    let mut addresses = MockLanAddresses::new();
    addresses
        .expect_lan_addresses()
        .returning(|| vec![ip("192.168.1.5"), ip("10.0.0.7"), ip("192.168.1.5")]);
    let mut clock = MockClock::new();
    clock.expect_now().returning(now);
    GlobalLinkService::new(
        GlobalPorts {
            links: Arc::new(links),
            devices: Arc::new(devices),
            identity: Arc::new(identity),
            client: Arc::new(client),
            addresses: Arc::new(addresses),
            clock: Arc::new(clock),
        },
        3100,
    )
}

fn expected_report() -> InstanceReport {
    InstanceReport {
        instance_id: INSTANCE.to_owned(),
        server_public_key: "ab".repeat(32),
        local_ips: vec![ip("192.168.1.5"), ip("10.0.0.7")],
        port: 3100,
    }
}

#[test]
fn enrolling_registers_the_instance_and_stores_the_url_and_the_key() {
    let mut links = MockGlobalLinkRepository::new();
    links.expect_global_link().times(1).returning(|| Ok(None));
    links
        .expect_save_global_link()
        .withf(|l| {
            l.url.as_str() == "https://global.example"
                && l.key.expose() == KEY
                && l.enrolled_at == now()
        })
        .times(1)
        .returning(|_| Ok(()));
    let mut client = MockGlobalClient::new();
    client
        .expect_register()
        .withf(|url, token, report| {
            url.as_str() == "https://global.example"
                && token == TOKEN
                && *report == expected_report()
        })
        .times(1)
        .returning(|_, _, _| Ok(InstanceKey::parse(KEY).unwrap()));
    let enrolled = service(links, MockDeviceRepository::new(), client)
        .enroll("https://global.example/", TOKEN, false)
        .unwrap();
    assert_eq!(enrolled.instance_id, INSTANCE);
    assert!(!enrolled.replaced);
}

#[test]
fn an_enrolled_instance_is_refused_without_force_and_nothing_is_sent() {
    let mut links = MockGlobalLinkRepository::new();
    links
        .expect_global_link()
        .returning(|| Ok(Some(link("https://old.example"))));
    // No register, no save: the mocks would panic.
    let e = service(links, MockDeviceRepository::new(), MockGlobalClient::new())
        .enroll("https://global.example", TOKEN, false)
        .unwrap_err();
    assert!(
        matches!(e, LinkError::AlreadyEnrolled { ref url, .. } if url == "https://old.example")
    );
    assert!(e.to_string().contains("--force"), "{e}");
}

#[test]
fn force_enrolls_again_and_replaces_the_link() {
    let mut links = MockGlobalLinkRepository::new();
    links
        .expect_global_link()
        .returning(|| Ok(Some(link("https://old.example"))));
    links
        .expect_save_global_link()
        .withf(|l| l.url.as_str() == "https://global.example")
        .times(1)
        .returning(|_| Ok(()));
    let mut client = MockGlobalClient::new();
    client
        .expect_register()
        .times(1)
        .returning(|_, _, _| Ok(InstanceKey::parse(KEY).unwrap()));
    let enrolled = service(links, MockDeviceRepository::new(), client)
        .enroll("https://global.example", TOKEN, true)
        .unwrap();
    assert!(enrolled.replaced);
}

#[test]
fn a_refused_token_stores_nothing_and_says_what_the_global_service_said() {
    let mut links = MockGlobalLinkRepository::new();
    links.expect_global_link().returning(|| Ok(None));
    let mut client = MockGlobalClient::new();
    client.expect_register().times(1).returning(|_, _, _| {
        Err(GlobalCallError::Refused(GlobalProblem {
            status: 401,
            code: "enrollment_token_expired".into(),
            detail: "the enrollment token has expired".into(),
        }))
    });
    let e = service(links, MockDeviceRepository::new(), client)
        .enroll("https://global.example", TOKEN, false)
        .unwrap_err();
    let text = e.to_string();
    assert!(text.contains("401 enrollment_token_expired"), "{text}");
}

#[test]
fn bad_input_is_refused_before_anything_is_read() {
    let s = service(
        MockGlobalLinkRepository::new(),
        MockDeviceRepository::new(),
        MockGlobalClient::new(),
    );
    assert!(matches!(
        s.enroll("global.example", TOKEN, false),
        Err(LinkError::InvalidUrl(_))
    ));
    assert!(matches!(
        s.enroll("https://global.example", " ", false),
        Err(LinkError::InvalidToken)
    ));
    assert!(matches!(
        s.enroll("https://global.example", "a b", false),
        Err(LinkError::InvalidToken)
    ));
}

#[test]
fn a_heartbeat_without_enrollment_sends_nothing() {
    let mut links = MockGlobalLinkRepository::new();
    links.expect_global_link().returning(|| Ok(None));
    let e = service(links, MockDeviceRepository::new(), MockGlobalClient::new())
        .beat()
        .unwrap_err();
    assert!(matches!(e, LinkError::NotEnrolled));
}

#[test]
fn a_heartbeat_reports_the_addresses_then_publishes_every_device_page_by_page() {
    let mut links = MockGlobalLinkRepository::new();
    links
        .expect_global_link()
        .returning(|| Ok(Some(link("https://global.example"))));
    let mut devices = MockDeviceRepository::new();
    // A full first page, then a short one: both are published.
    devices
        .expect_list_devices()
        .withf(|_, page| page.after.is_none())
        .times(1)
        .returning(|_, page| {
            Ok((0..page.limit)
                .map(|i| device(&format!("PDA-{i:04}"), DeviceStatus::Active))
                .collect())
        });
    devices
        .expect_list_devices()
        .withf(|_, page| page.after.as_ref().map(|d| d.as_str()) == Some("PDA-0499"))
        .times(1)
        .returning(|_, _| Ok(vec![device("ZZ-1", DeviceStatus::Blocked)]));
    let mut client = MockGlobalClient::new();
    let mut order = mockall::Sequence::new();
    client
        .expect_heartbeat()
        .withf(|url, key, report| {
            url.as_str() == "https://global.example"
                && key.expose() == KEY
                && *report == expected_report()
        })
        .times(1)
        .in_sequence(&mut order)
        .returning(|_, _, _| Ok(()));
    client
        .expect_publish_devices()
        .withf(|_, _, devices| {
            devices.len() == 501
                && devices[500].id.as_str() == "ZZ-1"
                && devices[500].status == DeviceStatus::Blocked
                && devices[0].status == DeviceStatus::Active
        })
        .times(1)
        .in_sequence(&mut order)
        .returning(|_, _, _| Ok(()));
    let beat = service(links, devices, client).beat().unwrap();
    assert_eq!(beat.devices, 501);
}

#[test]
fn a_failed_heartbeat_publishes_nothing() {
    let mut links = MockGlobalLinkRepository::new();
    links
        .expect_global_link()
        .returning(|| Ok(Some(link("https://global.example"))));
    let mut client = MockGlobalClient::new();
    client
        .expect_heartbeat()
        .returning(|_, _, _| Err(GlobalCallError::Unreachable("connection refused".into())));
    let e = service(links, MockDeviceRepository::new(), client)
        .beat()
        .unwrap_err();
    assert!(matches!(
        e,
        LinkError::Global(GlobalCallError::Unreachable(_))
    ));
    assert!(!format!("{e} {e:?}").contains("secret"));
}
