//! Mocked ports turned into the whole HTTP state, for the tests of this crate and of the
//! adapters built on it (the web UI's handler tests): feature `testing`.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use eckwms_application::PublicService;
use eckwms_application::access::SessionSettings;
use eckwms_application::access::passwords::{HashParams, Passwords};
use eckwms_application::devices::DeviceSettings;
use eckwms_application::ports::{
    ApiKey, MockApiKeyRepository, MockAuditRepository, MockBoxRepository, MockClock,
    MockDeviceRepository, MockEventRepository, MockGlobalLinkRepository, MockHealthRepository,
    MockIdempotencyRepository, MockIdentityRepository, MockItemRepository, MockLabelRepository,
    MockLedgerRepository, MockLookupRepository, MockMoveRepository, MockOrderRepository,
    MockOverviewRepository, MockPlaceRepository, MockRelayRepository, MockRepairRepository,
    MockRoleRepository, MockScanRepository, MockSecretSource, MockSessionRepository,
    MockThisInstance, MockUnitOfWork, MockUserRepository, MockWarehouseRepository,
    MockWebhookRepository, MockWebhookSender, Role, SessionRecord, User,
};
use eckwms_application::{
    ApiKeyService, AuditService, CatalogPorts, CatalogService, DevicePorts, DeviceService,
    EventPorts, EventService, IdempotencyService, LabelService, LookupService, MovementPorts,
    MovementService, OrderPorts, OrderService, OverviewPorts, OverviewService, RelayPorts,
    RelayService, RoleService, ScanService, ScanSettings, Services, SessionService, SystemService,
    UserService, WebhookPorts, WebhookService, WebhookSettings,
};
use eckwms_domain::UserId;
use eckwms_domain::access::role::seeded;
use eckwms_domain::access::{Permissions, SEEDED_ROLES};
use sha2::{Digest, Sha256};

use crate::{HttpSettings, HttpState};

pub const READ_KEY: &str = "eck_00000000000000a1_read-secret";
pub const WRITE_KEY: &str = "eck_00000000000000a2_write-secret";
pub const ADMIN_KEY: &str = "eck_00000000000000a3_admin-secret";
/// The actor of [`WRITE_KEY`].
pub const WRITER: &str = "apikey:2";
/// This instance's id in the HTTP tests.
pub const INSTANCE_ID: &str = "0b0e6f3a-1234-4abc-8def-0123456789ab";

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0)
        .single()
        .unwrap()
}

/// The session token whose session [`Mocks::with_session`] answers for (any token is looked up
/// through the mocked `find_session`; this one has the session token's form).
pub const SESSION_TOKEN: &str = "ecks_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

/// Anna (user 4, active, version 3) with the role `role`.
pub fn test_user(role: &str) -> User {
    User {
        id: UserId::new(4).unwrap(),
        username: "anna".into(),
        display_name: "Anna K".into(),
        role: role.into(),
        active: true,
        has_pin: false,
        language: None,
        last_login_at: None,
        version: 3,
        created_at: now(),
        updated_at: now(),
    }
}

/// One mock per port; tests set expectations, then turn them into services.
pub struct Mocks {
    pub warehouses: MockWarehouseRepository,
    pub places: MockPlaceRepository,
    pub boxes: MockBoxRepository,
    pub items: MockItemRepository,
    pub orders: MockOrderRepository,
    /// The dashboard's reads.
    pub overview: MockOverviewRepository,
    /// The events stream's reads.
    pub events: MockEventRepository,
    /// Webhook subscriptions, their sender and settings (`allow_loopback` and the like).
    pub webhooks: MockWebhookRepository,
    pub webhook_sender: MockWebhookSender,
    pub webhook_settings: WebhookSettings,
    /// RMA requests.
    pub repair: MockRepairRepository,
    pub moves: MockMoveRepository,
    /// The transactions of moves and scans.
    pub unit: MockUnitOfWork,
    pub ledger: MockLedgerRepository,
    pub api_keys: MockApiKeyRepository,
    /// The seeded roles unless a test sets its own expectations.
    pub roles: MockRoleRepository,
    pub users: MockUserRepository,
    pub sessions: MockSessionRepository,
    /// Records every entry (refusals are written here) unless a test says otherwise.
    pub audit: MockAuditRepository,
    pub secrets: MockSecretSource,
    pub idempotency: MockIdempotencyRepository,
    pub health: MockHealthRepository,
    pub scans: MockScanRepository,
    /// The lookup's reads: none expected unless a test says.
    pub lookup: MockLookupRepository,
    pub labels: MockLabelRepository,
    pub identity: MockIdentityRepository,
    /// The relay's tables, and the enrollment its status reads.
    pub relay: MockRelayRepository,
    pub global_links: MockGlobalLinkRepository,
    /// No device and any challenge stored, unless a test says otherwise.
    pub devices: MockDeviceRepository,
    /// The label codes: a test v2 key unless a test clears it.
    pub decoder: eckwms_codes::Decoder,
    pub global_url: Option<String>,
    /// The global service's key (`global.public_key`) the public view route accepts.
    pub global_key: Option<ed25519_dalek::VerifyingKey>,
    pub settings: HttpSettings,
    /// How long scanners whose signature verified are remembered (none unless a test says).
    pub signer_memory: chrono::Duration,
    /// `repair.auto_processed` (off unless a test says).
    pub auto_processed: bool,
}

/// The v2 label key of the HTTP tests (key id 1).
pub const TEST_V2_KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

pub fn test_decoder() -> eckwms_codes::Decoder {
    eckwms_codes::Decoder::from_settings(&eckwms_codes::Settings {
        v2_key: Some(TEST_V2_KEY),
        ..eckwms_codes::Settings::default()
    })
    .unwrap()
}

/// The key of an API key with the seeded role `role` (`PICKER`, `MANAGER`, ...): key id
/// `00000000000000b<n>` for the role's place `n` in [`SEEDED_ROLES`].
pub fn role_key(role: &str) -> String {
    let n = SEEDED_ROLES
        .iter()
        .position(|r| r.name == role)
        .unwrap_or_else(|| panic!("no seeded role {role}"));
    format!("eck_00000000000000b{n}_role-secret")
}

pub(crate) fn stored_key(key_id: &str) -> Option<(ApiKey, String)> {
    let (id, role, secret) = match key_id {
        "00000000000000a1" => (1, "read".to_owned(), "read-secret"),
        "00000000000000a2" => (2, "write".to_owned(), "write-secret"),
        "00000000000000a3" => (3, "admin".to_owned(), "admin-secret"),
        other => {
            let n: usize = other.strip_prefix("00000000000000b")?.parse().ok()?;
            (
                10 + n as i64,
                SEEDED_ROLES.get(n)?.name.to_owned(),
                "role-secret",
            )
        }
    };
    let key = ApiKey {
        id,
        key_id: key_id.to_owned(),
        name: format!("{role} key"),
        permissions: seeded(&role).map(|r| r.permissions()).unwrap_or_default(),
        role,
        created_at: now(),
        expires_at: None,
        revoked_at: None,
        last_used_at: Some(now()),
    };
    Some((key, hex::encode(Sha256::digest(secret.as_bytes()))))
}

impl Mocks {
    pub fn new() -> Self {
        let mut api_keys = MockApiKeyRepository::new();
        api_keys
            .expect_find_api_key()
            .returning(|key_id| Ok(stored_key(key_id)));
        let mut roles = MockRoleRepository::new();
        roles
            .expect_find_role()
            .returning(|name| Ok(seeded_role(name)));
        roles.expect_list_roles().returning(|| {
            Ok(SEEDED_ROLES
                .iter()
                .filter_map(|r| seeded_role(r.name))
                .collect())
        });
        let mut audit = MockAuditRepository::new();
        audit.expect_record_audit().returning(|_| Ok(()));
        // No subscription: the list is empty.
        let mut webhooks = MockWebhookRepository::new();
        webhooks.expect_list_webhooks().returning(|| Ok(Vec::new()));
        let mut devices = MockDeviceRepository::new();
        devices.expect_find_device().returning(|_| Ok(None));
        // The relay of an instance not enrolled that never pulled.
        let mut relay = MockRelayRepository::new();
        relay
            .expect_relay_state()
            .returning(|| Ok(eckwms_application::ports::RelayState::default()));
        relay.expect_inbox_len().returning(|| Ok(0));
        relay.expect_recent_errors().returning(|_| Ok(Vec::new()));
        let mut global_links = MockGlobalLinkRepository::new();
        global_links.expect_global_link().returning(|| Ok(None));
        devices.expect_create_challenge().returning(|_, _| Ok(()));
        Self {
            warehouses: MockWarehouseRepository::new(),
            places: MockPlaceRepository::new(),
            boxes: MockBoxRepository::new(),
            items: MockItemRepository::new(),
            orders: MockOrderRepository::new(),
            overview: MockOverviewRepository::new(),
            events: MockEventRepository::new(),
            webhooks,
            webhook_sender: MockWebhookSender::new(),
            webhook_settings: WebhookSettings::default(),
            repair: MockRepairRepository::new(),
            moves: MockMoveRepository::new(),
            unit: MockUnitOfWork::new(),
            ledger: MockLedgerRepository::new(),
            api_keys,
            roles,
            users: MockUserRepository::new(),
            sessions: MockSessionRepository::new(),
            audit,
            secrets: MockSecretSource::new(),
            idempotency: MockIdempotencyRepository::new(),
            health: MockHealthRepository::new(),
            scans: MockScanRepository::new(),
            lookup: MockLookupRepository::new(),
            labels: MockLabelRepository::new(),
            identity: MockIdentityRepository::new(),
            relay,
            global_links,
            devices,
            decoder: test_decoder(),
            global_url: Some("https://eckwms.example.com".into()),
            global_key: None,
            signer_memory: chrono::Duration::zero(),
            auto_processed: false,
            settings: HttpSettings {
                body_limit: 4096,
                idempotency_wait: Duration::from_millis(80),
                ..HttpSettings::default()
            },
        }
    }

    /// Every session token finds a session of `user` holding `permissions`, an hour left.
    #[must_use]
    pub fn with_session(mut self, user: User, permissions: Permissions) -> Self {
        self.sessions.expect_find_session().returning(move |_| {
            Ok(Some(SessionRecord {
                user: user.clone(),
                permissions,
                created_at: now(),
                last_seen_at: now(),
                expires_at: now() + chrono::Duration::hours(1),
            }))
        });
        self
    }

    /// [`Mocks::with_session`] for a user with the seeded role `role` and its permissions.
    #[must_use]
    pub fn with_session_of(self, role: &str) -> Self {
        let permissions = seeded_role(role)
            .map(|r| r.permissions)
            .unwrap_or_else(|| panic!("{role} is no seeded role"));
        self.with_session(test_user(role), permissions)
    }

    pub fn state(self) -> HttpState {
        let mut clock = MockClock::new();
        clock.expect_now().returning(now);
        let clock = Arc::new(clock);
        let ledger = Arc::new(self.ledger);
        let unit: Arc<MockUnitOfWork> = Arc::new(self.unit);
        let items: Arc<MockItemRepository> = Arc::new(self.items);
        let orders: Arc<MockOrderRepository> = Arc::new(self.orders);
        // The catalog and the movement share them (contents asks whether the container exists).
        let places: Arc<MockPlaceRepository> = Arc::new(self.places);
        let boxes: Arc<MockBoxRepository> = Arc::new(self.boxes);
        let labels = LabelService::new(
            Arc::new(self.labels),
            Arc::new(self.identity),
            Arc::new(self.decoder.clone()),
            Arc::new(counting_secrets()),
            clock.clone(),
            eckwms_labels::Layout::default(),
            self.global_url,
        );
        let roles_repo: Arc<MockRoleRepository> = Arc::new(self.roles);
        let roles = RoleService::new(roles_repo.clone(), clock.clone());
        let users_repo: Arc<MockUserRepository> = Arc::new(self.users);
        let audit_repo: Arc<MockAuditRepository> = Arc::new(self.audit);
        let sessions_repo: Arc<MockSessionRepository> = Arc::new(self.sessions);
        let secrets: Arc<dyn eckwms_application::ports::SecretSource> =
            Arc::new(eckwms_application::OsSecrets);
        let mut this_instance = MockThisInstance::new();
        this_instance
            .expect_instance_id()
            .returning(|| Ok(INSTANCE_ID.to_owned()));
        let devices = DeviceService::new(
            DevicePorts {
                devices: Arc::new(self.devices),
                roles: roles_repo.clone(),
                instance: Arc::new(this_instance),
                users: users_repo.clone(),
                logins: sessions_repo.clone(),
                audit: audit_repo.clone(),
                decoder: Arc::new(self.decoder.clone()),
                clock: clock.clone(),
                secrets: secrets.clone(),
            },
            DeviceSettings::default(),
        )
        .remembering_signers_for(self.signer_memory);
        let repair = eckwms_application::repair::RepairService::new(
            eckwms_application::repair::RepairPorts {
                repair: Arc::new(self.repair),
                orders: orders.clone(),
                labels: labels.clone(),
                clock: clock.clone(),
            },
        )
        .processing_automatically(self.auto_processed);
        let services = Services {
            devices,
            public: PublicService::new(
                labels.clone(),
                items.clone(),
                orders.clone(),
                clock.clone(),
                self.global_key,
            ),
            catalog: CatalogService::new(CatalogPorts {
                warehouses: Arc::new(self.warehouses),
                places: places.clone(),
                boxes: boxes.clone(),
                items,
                clock: clock.clone(),
            }),
            orders: OrderService::new(OrderPorts {
                orders: orders.clone(),
                clock: clock.clone(),
                status_rules: vec![Arc::new(repair.clone())],
            }),
            overview: OverviewService::new(OverviewPorts {
                overview: Arc::new(self.overview),
                clock: clock.clone(),
            }),
            events: EventService::new(EventPorts {
                events: Arc::new(self.events),
            }),
            webhooks: WebhookService::new(
                WebhookPorts {
                    webhooks: Arc::new(self.webhooks),
                    events: Arc::new(MockEventRepository::new()),
                    users: users_repo.clone(),
                    sender: Arc::new(self.webhook_sender),
                    clock: clock.clone(),
                    secrets: Arc::new(counting_secrets()),
                },
                self.webhook_settings,
            ),
            repair,
            movement: MovementService::new(MovementPorts {
                moves: Arc::new(self.moves),
                ledger: ledger.clone(),
                unit: unit.clone(),
                single_moves: None,
                boxes,
                places,
                clock: clock.clone(),
            }),
            api_keys: ApiKeyService::new(
                Arc::new(self.api_keys),
                roles_repo.clone(),
                clock.clone(),
                Arc::new(self.secrets),
            ),
            roles: roles.clone(),
            users: UserService::new(users_repo.clone(), roles, clock.clone(), secrets.clone()),
            sessions: SessionService::new(
                sessions_repo,
                users_repo,
                audit_repo.clone(),
                clock.clone(),
                secrets.clone(),
                SessionSettings::default(),
            ),
            audit: AuditService::new(audit_repo, clock.clone()),
            passwords: Arc::new(fast_passwords()),
            secrets,
            idempotency: IdempotencyService::new(Arc::new(self.idempotency), clock.clone(), 24),
            system: SystemService::new(Arc::new(self.health), ledger),
            scans: ScanService::new(
                Arc::new(self.scans),
                unit,
                Arc::new(self.decoder.clone()),
                clock.clone(),
                ScanSettings {
                    session_idle: chrono::Duration::minutes(30),
                },
            ),
            lookup: LookupService::new(Arc::new(self.lookup), Arc::new(self.decoder.clone())),
            labels,
            relay: RelayService::new(RelayPorts {
                relay: Arc::new(self.relay),
                links: Arc::new(self.global_links),
                clock: clock.clone(),
            }),
        };
        HttpState::new(services, self.settings, "9.9.9-test")
    }
}

/// A seeded role as the repository would store it.
pub fn seeded_role(name: &str) -> Option<Role> {
    seeded(name).map(|r| Role {
        name: r.name.into(),
        description: r.description.into(),
        permissions: r.permissions(),
        version: 1,
        created_at: now(),
        updated_at: now(),
    })
}

/// Password hashing with the smallest parameters argon2 takes: fast tests.
pub fn fast_passwords() -> Passwords {
    let params = HashParams {
        memory_kib: 64,
        iterations: 1,
        parallelism: 1,
    };
    Passwords::new(params, &eckwms_application::OsSecrets).unwrap()
}

/// Randomness for label codes: a counter, so that every call differs.
fn counting_secrets() -> MockSecretSource {
    let mut secrets = MockSecretSource::new();
    let counter = std::sync::atomic::AtomicU8::new(1);
    secrets.expect_fill().returning(move |buf| {
        let n = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        buf.fill(n);
        Ok(())
    });
    secrets
}
