//! The webhooks' use cases against mocked ports.

use chrono::{DateTime, TimeZone, Utc};
use eckwms_domain::{ChangeKind, ItemId, LedgerEntry};
use mockall::predicate::{always, eq};

use super::*;
use crate::access::Actor;
use crate::ports::{
    EventPage, LeasedSubscription, MockClock, MockEventRepository, MockSecretSource,
    MockUserRepository, MockWebhookRepository, MockWebhookSender,
};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 10, 9, 0, 0).unwrap()
}

fn admin() -> RequestMeta {
    RequestMeta {
        actor: Actor::seeded_key(1, "admin key", "admin"),
        ..RequestMeta::console()
    }
}

fn writer() -> RequestMeta {
    RequestMeta {
        actor: Actor::seeded_key(2, "write key", "write"),
        ..RequestMeta::console()
    }
}

fn id() -> WebhookId {
    WebhookId::parse("wh_0123456789abcdef").unwrap()
}

fn subscription(cursor: i64, failures: u32) -> Subscription {
    Subscription {
        id: id(),
        url: WebhookUrl::parse("https://hooks.example/in").unwrap(),
        filter: EventFilter::all(),
        batch_size: 2,
        enabled: true,
        failures,
        last_error: None,
        last_error_at: None,
        cursor,
        next_attempt_at: None,
        created_at: now(),
        updated_at: now(),
        version: 1,
    }
}

fn leased(cursor: i64, failures: u32) -> LeasedSubscription {
    LeasedSubscription {
        subscription: subscription(cursor, failures),
        secret: WebhookSecret::from_random([1; 32]),
    }
}

fn row(seq: i64) -> LedgerEntry {
    LedgerEntry {
        seq,
        at: now(),
        object: ItemId::new(1).unwrap().object_id(),
        kind: ChangeKind::Moved,
        from: None,
        to: None,
        actor: "apikey:1".into(),
        reason: None,
        request_id: None,
        scan_id: None,
        data: serde_json::Value::Null,
    }
}

struct Ports {
    webhooks: MockWebhookRepository,
    events: MockEventRepository,
    sender: MockWebhookSender,
    settings: WebhookSettings,
}

impl Ports {
    fn new() -> Self {
        Self {
            webhooks: MockWebhookRepository::new(),
            events: MockEventRepository::new(),
            sender: MockWebhookSender::new(),
            settings: WebhookSettings {
                max_failures: 3,
                ..WebhookSettings::default()
            },
        }
    }

    fn service(self) -> WebhookService {
        let mut clock = MockClock::new();
        clock.expect_now().returning(now);
        let mut secrets = MockSecretSource::new();
        secrets.expect_fill().returning(|buf| {
            buf.fill(0x42);
            Ok(())
        });
        WebhookService::new(
            WebhookPorts {
                webhooks: Arc::new(self.webhooks),
                events: Arc::new(self.events),
                users: Arc::new(MockUserRepository::new()),
                sender: Arc::new(self.sender),
                clock: Arc::new(clock),
                secrets: Arc::new(secrets),
            },
            self.settings,
        )
    }
}

fn fields(error: AppError) -> Vec<String> {
    match error {
        AppError::Invalid(fields) => fields.into_iter().map(|f| f.field).collect(),
        other => panic!("expected invalid fields, got {other:?}"),
    }
}

#[test]
fn create_draws_a_secret_and_stores_it_with_the_subscription() {
    let mut ports = Ports::new();
    ports
        .webhooks
        .expect_create_webhook()
        .withf(|s, secret, audit| {
            s.url.as_str() == "https://hooks.example/in"
                && s.enabled
                && s.cursor == 0
                && s.batch_size == 100
                && secret.expose().starts_with("whsec_4242")
                && audit.event == "webhook_created"
                && !audit.detail.clone().unwrap_or_default().contains("whsec")
        })
        .times(1)
        .returning(|_, _, _| Ok(()));
    let created = ports
        .service()
        .create(
            &NewWebhookInput {
                url: "https://hooks.example/in".into(),
                filter: EventFilter::all(),
                batch_size: None,
            },
            &admin(),
        )
        .unwrap();
    assert_eq!(created.subscription.id.as_str(), "wh_4242424242424242");
    assert_eq!(created.secret.expose().len(), "whsec_".len() + 64);
    assert!(!format!("{created:?}").contains("4242424242424242424242"));
}

#[test]
fn only_an_administrator_manages_webhooks() {
    let service = Ports::new().service();
    let input = NewWebhookInput {
        url: "https://hooks.example/in".into(),
        filter: EventFilter::all(),
        batch_size: None,
    };
    for result in [
        service.create(&input, &writer()).map(drop),
        service.list(&writer()).map(drop),
        service.get(&id(), &writer()).map(drop),
        service.delete(&id(), Expected::Any, &writer()),
        service.replay(&id(), 5, &writer()).map(drop),
    ] {
        assert!(
            matches!(result, Err(AppError::Forbidden { ref permission, .. }) if permission == "core.admin"),
            "{result:?}"
        );
    }
}

#[test]
fn refused_addresses_and_bad_sizes_are_invalid() {
    let service = Ports::new().service();
    for url in [
        "http://127.0.0.1/",
        "http://localhost:8080/",
        "http://169.254.169.254/latest",
        "http://[::1]/",
        "http://10.0.0.5/",
        "ftp://hooks.example/",
        "https://user:pw@hooks.example/",
    ] {
        let error = service
            .create(
                &NewWebhookInput {
                    url: url.into(),
                    filter: EventFilter::all(),
                    batch_size: Some(0),
                },
                &admin(),
            )
            .unwrap_err();
        assert_eq!(fields(error), ["url", "batch_size"], "{url}");
    }
}

#[test]
fn allow_loopback_lets_a_local_receiver_in_but_never_metadata() {
    let mut ports = Ports::new();
    ports.settings.policy.allow_loopback = true;
    ports
        .webhooks
        .expect_create_webhook()
        .returning(|_, _, _| Ok(()));
    let service = ports.service();
    let create = |url: &str| {
        service.create(
            &NewWebhookInput {
                url: url.into(),
                filter: EventFilter::all(),
                batch_size: Some(500),
            },
            &admin(),
        )
    };
    assert!(create("http://127.0.0.1:9999/hook").is_ok());
    assert_eq!(
        fields(create("http://169.254.169.254/").unwrap_err()),
        ["url"]
    );
}

#[test]
fn replay_sets_the_cursor_before_the_seq() {
    let mut ports = Ports::new();
    ports
        .webhooks
        .expect_set_webhook_cursor()
        .with(eq(id()), eq(41), always(), always())
        .times(1)
        .returning(|_, cursor, _, _| Ok(subscription(cursor, 0)));
    let service = ports.service();
    assert_eq!(service.replay(&id(), 42, &admin()).unwrap().cursor, 41);
    assert_eq!(
        fields(service.replay(&id(), 0, &admin()).unwrap_err()),
        ["from_seq"]
    );
}

#[test]
fn a_patch_of_one_half_of_the_filter_keeps_the_other() {
    let mut ports = Ports::new();
    ports.webhooks.expect_get_webhook().returning(|_| {
        let mut s = subscription(0, 0);
        s.filter = EventFilter::new(vec![], vec![ChangeKind::Moved]).unwrap();
        Ok(s)
    });
    ports
        .webhooks
        .expect_update_webhook()
        .withf(|_, _, patch, _, _| {
            patch.filter
                == Some(
                    EventFilter::new(vec![eckwms_domain::IdKind::Item], vec![ChangeKind::Moved])
                        .unwrap(),
                )
        })
        .times(1)
        .returning(|_, _, _, _, _| Ok(subscription(0, 0)));
    ports
        .service()
        .update(
            &id(),
            Expected::Version(1),
            &WebhookPatchInput {
                kinds: Some(vec![eckwms_domain::IdKind::Item]),
                ..WebhookPatchInput::default()
            },
            &admin(),
        )
        .unwrap();
}

#[test]
fn a_success_advances_the_cursor_to_the_pages_end() {
    let mut ports = Ports::new();
    ports
        .webhooks
        .expect_take_webhook_lease()
        .with(eq(id()), eq("w1"), always(), always())
        .returning(|_, _, _, _| Ok(Some(leased(10, 2))));
    ports
        .events
        .expect_events_after()
        .withf(|q| q.after == 10 && q.limit == 2)
        .returning(|_| {
            Ok(EventPage {
                events: vec![row(11), row(13)],
                next: 14,
            })
        });
    ports
        .sender
        .expect_send()
        .withf(|url, _, t, batch| {
            url.host() == "hooks.example"
                && *t == now().timestamp()
                && batch.events.iter().map(|e| e.seq).collect::<Vec<_>>() == [11, 13]
        })
        .times(1)
        .returning(|_, _, _, _| Ok(()));
    ports
        .webhooks
        .expect_record_webhook_success()
        .with(eq(id()), eq("w1"), eq(10), eq(14))
        .times(1)
        .returning(|_, _, _, _| Ok(true));
    assert_eq!(
        ports.service().deliver_next(&id(), "w1").unwrap(),
        DeliveryOutcome::Delivered(2)
    );
}

#[test]
fn a_lost_lease_does_not_advance_and_says_so() {
    let mut ports = Ports::new();
    ports
        .webhooks
        .expect_take_webhook_lease()
        .returning(|_, _, _, _| Ok(Some(leased(0, 0))));
    ports.events.expect_events_after().returning(|_| {
        Ok(EventPage {
            events: vec![row(1)],
            next: 1,
        })
    });
    ports.sender.expect_send().returning(|_, _, _, _| Ok(()));
    // The conditional UPDATE found another holder (or a replayed cursor): nothing moved.
    ports
        .webhooks
        .expect_record_webhook_success()
        .returning(|_, _, _, _| Ok(false));
    assert_eq!(
        ports.service().deliver_next(&id(), "w1").unwrap(),
        DeliveryOutcome::NotRecorded
    );
}

#[test]
fn a_lease_held_elsewhere_sends_nothing() {
    let mut ports = Ports::new();
    ports
        .webhooks
        .expect_take_webhook_lease()
        .returning(|_, _, _, _| Ok(None));
    ports.events.expect_events_after().never();
    ports.sender.expect_send().never();
    assert_eq!(
        ports.service().deliver_next(&id(), "w2").unwrap(),
        DeliveryOutcome::NotTaken
    );
}

#[test]
fn a_failure_backs_off_with_jitter_and_keeps_the_cursor() {
    let mut ports = Ports::new();
    ports
        .webhooks
        .expect_take_webhook_lease()
        .returning(|_, _, _, _| Ok(Some(leased(5, 1))));
    ports.events.expect_events_after().returning(|_| {
        Ok(EventPage {
            events: vec![row(6)],
            next: 6,
        })
    });
    ports
        .sender
        .expect_send()
        .returning(|_, _, _, _| Err("HTTP 503".into()));
    ports.webhooks.expect_record_webhook_success().never();
    ports
        .webhooks
        .expect_record_webhook_failure()
        .withf(|_, holder, f| {
            // The second failure: base 1 s doubled once, jitter within half of it.
            let wait = f.next_attempt_at - now();
            holder == "w1"
                && f.failures == 2
                && f.error == "HTTP 503"
                && !f.disable
                && wait >= chrono::Duration::seconds(1)
                && wait <= chrono::Duration::seconds(2)
        })
        .times(1)
        .returning(|_, _, _| Ok(true));
    assert_eq!(
        ports.service().deliver_next(&id(), "w1").unwrap(),
        DeliveryOutcome::Failed {
            failures: 2,
            disabled: false
        }
    );
}

#[test]
fn the_last_allowed_failure_disables_the_subscription() {
    let mut ports = Ports::new();
    ports
        .webhooks
        .expect_take_webhook_lease()
        .returning(|_, _, _, _| Ok(Some(leased(5, 2))));
    ports.events.expect_events_after().returning(|_| {
        Ok(EventPage {
            events: vec![row(6)],
            next: 6,
        })
    });
    ports
        .sender
        .expect_send()
        .returning(|_, _, _, _| Err("timed out".into()));
    ports
        .webhooks
        .expect_record_webhook_failure()
        .withf(|_, _, f| f.failures == 3 && f.disable && f.error == "timed out")
        .times(1)
        .returning(|_, _, _| Ok(true));
    assert_eq!(
        ports.service().deliver_next(&id(), "w1").unwrap(),
        DeliveryOutcome::Failed {
            failures: 3,
            disabled: true
        }
    );
}

#[test]
fn rows_the_filter_leaves_out_move_the_cursor_without_a_delivery() {
    let mut ports = Ports::new();
    ports
        .webhooks
        .expect_take_webhook_lease()
        .returning(|_, _, _, _| Ok(Some(leased(5, 0))));
    ports.events.expect_events_after().returning(|_| {
        Ok(EventPage {
            events: vec![],
            next: 9,
        })
    });
    ports.sender.expect_send().never();
    ports
        .webhooks
        .expect_record_webhook_success()
        .with(eq(id()), eq("w1"), eq(5), eq(9))
        .times(1)
        .returning(|_, _, _, _| Ok(true));
    assert_eq!(
        ports.service().deliver_next(&id(), "w1").unwrap(),
        DeliveryOutcome::Idle
    );
}
