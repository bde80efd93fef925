//! The public label page on mocked ports: decoding, cache hits and misses, stale views on
//! errors, the negative cache, all with an injected clock.

use std::net::IpAddr;
use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use eckwms_global_domain::labels::{LabelKeyConfig, LabelRing};
use eckwms_global_domain::public::{GlobalIdentity, PublicView, verify_request};
use eckwms_global_domain::secret::SecretHash;
use eckwms_global_domain::{
    Instance, InstanceId, InstanceName, InstanceStatus, ServerPublicKey, Tier,
};

use crate::AppError;
use crate::ports::{
    CachedView, Fetched, MockClock, MockIdentityRepository, MockInstanceRepository,
    MockPublicFetcher, MockPublicViewRepository, MockSecretSource, StoredInstance,
};
use crate::public_page::*;

const OWNER: &str = "0b0e6f3a-1234-4abc-8def-0123456789ab";
const V2_KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
/// docs/CODES.md's worked example: `b000000000000000042`.
const LABEL: &str = "ECK1.COM/01L2GT58W4LNKAFA59MAMUQHKV6LJCWEP6HA66MV5GLY2WR25RJT5NWUP9CQM3";
const OBJECT: &str = "b000000000000000042";
const VIEW: &str = r#"{"kind":"box","number":"42","check":"48","fields":[{"name":"Contents","value":"spare parts"}]}"#;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap()
}

fn owner() -> InstanceId {
    InstanceId::parse(OWNER).unwrap()
}

fn view() -> PublicView {
    PublicView::from_json(VIEW.as_bytes()).unwrap()
}

fn ring() -> Arc<LabelRing> {
    Arc::new(
        LabelRing::new(&[LabelKeyConfig {
            instance_id: OWNER.into(),
            version: 2,
            key: V2_KEY.into(),
            key_id: Some(1),
            suffix: None,
        }])
        .unwrap(),
    )
}

fn stored(status: InstanceStatus, addr: Option<&str>) -> StoredInstance {
    StoredInstance {
        instance: Instance {
            id: owner(),
            name: InstanceName::parse("Site").unwrap(),
            tier: Tier::Free,
            status,
            server_public_key: ServerPublicKey::parse(
                "3B6A27BCCEB6A42D62A3A8D02A6F0D73653215771DE243A63AC048A18B59DA29",
            )
            .unwrap(),
            local_ips: vec![],
            port: 3100,
            public_addr: addr.map(|a| a.parse().unwrap()),
            registered_at: t0(),
            last_seen: t0(),
        },
        key_hash: SecretHash::of("k"),
    }
}

fn identity() -> GlobalIdentity {
    GlobalIdentity::from_seed(&[9; 32])
}

struct Parts {
    instances: MockInstanceRepository,
    views: MockPublicViewRepository,
    fetcher: MockPublicFetcher,
    now: DateTime<Utc>,
}

impl Parts {
    fn new(now: DateTime<Utc>) -> Self {
        Self {
            instances: MockInstanceRepository::new(),
            views: MockPublicViewRepository::new(),
            fetcher: MockPublicFetcher::new(),
            now,
        }
    }

    fn with_instance(mut self, status: InstanceStatus, addr: Option<&'static str>) -> Self {
        self.instances
            .expect_find()
            .returning(move |_| Ok(Some(stored(status, addr))));
        self
    }

    fn cached(mut self, view: Option<PublicView>, fetched_at: DateTime<Utc>) -> Self {
        self.views.expect_find_view().returning(move |i, o| {
            assert_eq!((i, o), (&owner(), OBJECT));
            Ok(Some(CachedView {
                instance_id: owner(),
                object_id: OBJECT.into(),
                view: view.clone(),
                fetched_at,
            }))
        });
        self
    }

    fn not_cached(mut self) -> Self {
        self.views.expect_find_view().returning(|_, _| Ok(None));
        self
    }

    fn service(self) -> PublicPageService {
        let mut clock = MockClock::new();
        clock.expect_now().return_const(self.now);
        PublicPageService::new(
            ring(),
            Arc::new(self.instances),
            Arc::new(self.views),
            Arc::new(self.fetcher),
            Arc::new(clock),
            Arc::new(identity()),
            PublicPageSettings {
                ttl: Duration::seconds(60),
                negative_ttl: Duration::seconds(10),
                keep: Duration::days(7),
            },
        )
    }
}

#[test]
fn texts_that_are_not_our_labels_ask_nobody() {
    let mut parts = Parts::new(t0());
    parts.instances.expect_find().never();
    parts.views.expect_find_view().never();
    parts.fetcher.expect_fetch().never();
    let service = parts.service();
    for text in [
        "",
        "hello",
        "i000000000000000042",
        &LABEL.replace("ECK1", "ECK2"),
        &LABEL.replace("01L2", "01L3"),
    ] {
        assert_eq!(service.page(text).unwrap(), PublicPage::NotFound, "{text}");
    }
}

#[test]
fn unknown_or_disabled_owners_are_not_found() {
    let mut parts = Parts::new(t0());
    parts.instances.expect_find().returning(|_| Ok(None));
    parts.fetcher.expect_fetch().never();
    assert_eq!(parts.service().page(LABEL).unwrap(), PublicPage::NotFound);

    let mut parts = Parts::new(t0()).with_instance(InstanceStatus::Disabled, Some("203.0.113.5"));
    parts.views.expect_find_view().never();
    parts.fetcher.expect_fetch().never();
    assert_eq!(parts.service().page(LABEL).unwrap(), PublicPage::NotFound);
}

#[test]
fn a_fresh_entry_answers_without_the_instance() {
    let mut parts = Parts::new(t0() + Duration::seconds(59))
        .with_instance(InstanceStatus::Active, Some("203.0.113.5"))
        .cached(Some(view()), t0());
    parts.fetcher.expect_fetch().never();
    parts.views.expect_store_view().never();
    let page = parts.service().page(&format!("https://{LABEL}")).unwrap();
    assert_eq!(
        page,
        PublicPage::Found {
            view: view(),
            stale: false
        }
    );
}

#[test]
fn a_miss_asks_the_instance_with_a_signed_request_and_stores_the_view() {
    let now = t0();
    let mut parts = Parts::new(now)
        .with_instance(InstanceStatus::Active, Some("203.0.113.5"))
        .not_cached();
    parts.fetcher.expect_fetch().times(1).returning(move |r| {
        assert_eq!(r.ip, "203.0.113.5".parse::<IpAddr>().unwrap());
        assert_eq!(r.port, 3100);
        assert_eq!(r.path, "/ECK/API/PUBLIC/b000000000000000042");
        assert_eq!(r.timestamp, now.timestamp());
        verify_request(
            &identity().verifying_key(),
            "GET",
            &r.path,
            &r.timestamp.to_string(),
            &r.signature,
            &owner(),
            now.timestamp(),
        )
        .unwrap();
        Ok(Fetched::Body(VIEW.as_bytes().to_vec()))
    });
    parts
        .views
        .expect_store_view()
        .times(1)
        .withf(move |v| {
            v.instance_id == owner()
                && v.object_id == OBJECT
                && v.view == Some(view())
                && v.fetched_at == now
        })
        .returning(|_| Ok(()));
    assert_eq!(
        parts.service().page(LABEL).unwrap(),
        PublicPage::Found {
            view: view(),
            stale: false
        }
    );
}

#[test]
fn an_expired_entry_is_refreshed() {
    let mut parts = Parts::new(t0() + Duration::seconds(60))
        .with_instance(InstanceStatus::Active, Some("203.0.113.5"))
        .cached(Some(view()), t0());
    let newer = VIEW.replace("spare parts", "screws");
    parts
        .fetcher
        .expect_fetch()
        .times(1)
        .returning(move |_| Ok(Fetched::Body(newer.as_bytes().to_vec())));
    parts
        .views
        .expect_store_view()
        .times(1)
        .returning(|_| Ok(()));
    let PublicPage::Found { view, stale } = parts.service().page(LABEL).unwrap() else {
        panic!("not found")
    };
    assert!(!stale);
    assert_eq!(view.fields()[0].value, "screws");
}

#[test]
fn an_instance_that_is_down_gets_the_stale_view_or_unavailable() {
    let down = || Err(AppError::Unavailable(anyhow::anyhow!("connection refused")));
    // Stale view: shown, marked stale, the cache unchanged.
    let mut parts = Parts::new(t0() + Duration::days(2))
        .with_instance(InstanceStatus::Active, Some("203.0.113.5"))
        .cached(Some(view()), t0());
    parts
        .fetcher
        .expect_fetch()
        .times(1)
        .returning(move |_| down());
    parts.views.expect_store_view().never();
    assert_eq!(
        parts.service().page(LABEL).unwrap(),
        PublicPage::Found {
            view: view(),
            stale: true
        }
    );
    // Nothing cached.
    let mut parts = Parts::new(t0())
        .with_instance(InstanceStatus::Active, Some("203.0.113.5"))
        .not_cached();
    parts
        .fetcher
        .expect_fetch()
        .times(1)
        .returning(move |_| down());
    parts.views.expect_store_view().never();
    assert_eq!(
        parts.service().page(LABEL).unwrap(),
        PublicPage::Unavailable
    );
    // An answer that breaks the view's shape counts as no answer.
    let mut parts = Parts::new(t0())
        .with_instance(InstanceStatus::Active, Some("203.0.113.5"))
        .not_cached();
    parts.fetcher.expect_fetch().times(1).returning(|_| {
        Ok(Fetched::Body(
            br#"{"kind":"box","number":"42","check":"48","fields":[],"location":"p1"}"#.to_vec(),
        ))
    });
    parts.views.expect_store_view().never();
    assert_eq!(
        parts.service().page(LABEL).unwrap(),
        PublicPage::Unavailable
    );
    // No registered public address: nothing to ask.
    let mut parts = Parts::new(t0())
        .with_instance(InstanceStatus::Active, None)
        .not_cached();
    parts.fetcher.expect_fetch().never();
    assert_eq!(
        parts.service().page(LABEL).unwrap(),
        PublicPage::Unavailable
    );
}

#[test]
fn nothing_public_is_cached_for_the_shorter_negative_ttl() {
    // The instance says 404: stored as a negative entry.
    let mut parts = Parts::new(t0())
        .with_instance(InstanceStatus::Active, Some("203.0.113.5"))
        .not_cached();
    parts
        .fetcher
        .expect_fetch()
        .times(1)
        .returning(|_| Ok(Fetched::NotFound));
    parts
        .views
        .expect_store_view()
        .times(1)
        .withf(|v| v.view.is_none() && v.fetched_at == t0())
        .returning(|_| Ok(()));
    assert_eq!(parts.service().page(LABEL).unwrap(), PublicPage::NotFound);
    // Within the negative TTL: answered from the cache.
    let mut parts = Parts::new(t0() + Duration::seconds(9))
        .with_instance(InstanceStatus::Active, Some("203.0.113.5"))
        .cached(None, t0());
    parts.fetcher.expect_fetch().never();
    assert_eq!(parts.service().page(LABEL).unwrap(), PublicPage::NotFound);
    // After it (but well within the positive TTL): asked again.
    let mut parts = Parts::new(t0() + Duration::seconds(10))
        .with_instance(InstanceStatus::Active, Some("203.0.113.5"))
        .cached(None, t0());
    parts
        .fetcher
        .expect_fetch()
        .times(1)
        .returning(|_| Ok(Fetched::Body(VIEW.as_bytes().to_vec())));
    parts
        .views
        .expect_store_view()
        .times(1)
        .returning(|_| Ok(()));
    assert!(matches!(
        parts.service().page(LABEL).unwrap(),
        PublicPage::Found { stale: false, .. }
    ));
    // A negative entry and the instance down: still not found, never "unavailable".
    let mut parts = Parts::new(t0() + Duration::seconds(30))
        .with_instance(InstanceStatus::Active, Some("203.0.113.5"))
        .cached(None, t0());
    parts
        .fetcher
        .expect_fetch()
        .times(1)
        .returning(|_| Err(AppError::Unavailable(anyhow::anyhow!("timeout"))));
    assert_eq!(parts.service().page(LABEL).unwrap(), PublicPage::NotFound);
}

#[test]
fn purge_keeps_a_week() {
    let mut parts = Parts::new(t0());
    parts
        .views
        .expect_purge_views()
        .times(1)
        .withf(|before| *before == t0() - Duration::days(7))
        .returning(|_| Ok(3));
    assert_eq!(parts.service().purge().unwrap(), 3);
}

#[test]
fn the_identity_is_made_once_and_then_read() {
    let mut repo = MockIdentityRepository::new();
    repo.expect_identity_or_insert()
        .times(1)
        .withf(|candidate, at| candidate.seed() == [1; 32] && *at == t0())
        .returning(|_, _| Ok(identity()));
    let mut secrets = MockSecretSource::new();
    secrets.expect_random().returning(|| Ok([1; 32]));
    let mut clock = MockClock::new();
    clock.expect_now().return_const(t0());
    let loaded = load_identity(&repo, &secrets, &clock).unwrap();
    assert_eq!(loaded.public_key_hex(), identity().public_key_hex());
}
