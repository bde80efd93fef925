//! Tests of roles, users and sessions on mocked ports.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, TimeZone, Utc};
use eckwms_domain::UserId;
use eckwms_domain::access::role::seeded;
use eckwms_domain::access::{Permission, Permissions};

use super::passwords::{HashParams, Passwords};
use super::*;
use crate::common::RequestMeta;
use crate::error::{AppError, AppResult, ProblemCode};
use crate::ports::{
    Expected, LoginUser, MockAuditRepository, MockClock, MockRoleRepository, MockSessionRepository,
    MockUserRepository, Role, SessionRecord, User,
};
use crate::system::OsSecrets;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 7, 9, 0, 0).unwrap()
}

fn clock_at(at: DateTime<Utc>) -> Arc<MockClock> {
    let mut clock = MockClock::new();
    clock.expect_now().returning(move || at);
    Arc::new(clock)
}

fn role(name: &str) -> Option<Role> {
    seeded(name).map(|r| Role {
        name: r.name.into(),
        description: r.description.into(),
        permissions: r.permissions(),
        version: 1,
        created_at: now(),
        updated_at: now(),
    })
}

fn seeded_roles() -> MockRoleRepository {
    let mut roles = MockRoleRepository::new();
    roles.expect_find_role().returning(|name| Ok(role(name)));
    roles
}

fn meta_of(actor: Actor) -> RequestMeta {
    RequestMeta {
        actor,
        request_id: Some("req-1".into()),
        idempotency: None,
        address: Some("10.0.0.7".into()),
    }
}

fn as_role(role: &str) -> RequestMeta {
    meta_of(Actor::seeded_key(5, "k", role))
}

fn forbidden_for(result: AppResult<impl std::fmt::Debug>, needed: &str) -> bool {
    matches!(result, Err(AppError::Forbidden { permission, .. }) if permission == needed)
}

fn refused_with<T: std::fmt::Debug>(result: AppResult<T>, code: ProblemCode) -> bool {
    matches!(result, Err(AppError::Refused { code: c, .. }) if c == code)
}

fn fast() -> Arc<Passwords> {
    let params = HashParams {
        memory_kib: 64,
        iterations: 1,
        parallelism: 1,
    };
    Arc::new(Passwords::new(params, &OsSecrets).unwrap())
}

fn user(n: u64, role: &str) -> User {
    User {
        id: UserId::new(n).unwrap(),
        username: format!("user{n}"),
        display_name: format!("User {n}"),
        role: role.into(),
        active: true,
        has_pin: false,
        language: None,
        last_login_at: None,
        version: 1,
        created_at: now(),
        updated_at: now(),
    }
}

// ------------------------------------------------------------------------------------ roles

fn role_service(repo: MockRoleRepository) -> RoleService {
    RoleService::new(Arc::new(repo), clock_at(now()))
}

#[test]
fn roles_are_managed_with_core_admin_only() {
    let mut repo = seeded_roles();
    repo.expect_create_role().never();
    repo.expect_update_role().never();
    repo.expect_delete_role().never();
    let roles = role_service(repo);
    let input = NewRoleInput {
        name: "NIGHT".into(),
        description: "Night shift".into(),
        permissions: vec!["scan.execute".into()],
    };
    let manager = as_role("MANAGER");
    assert!(forbidden_for(roles.create(&input, &manager), "core.admin"));
    assert!(forbidden_for(
        roles.update(
            "PICKER",
            Expected::Any,
            &RolePatchInput::default(),
            &manager
        ),
        "core.admin"
    ));
    assert!(forbidden_for(
        roles.delete("NIGHT", Expected::Any, &manager),
        "core.admin"
    ));
    // Reading them needs settings.view, which every seeded role but none has.
    assert!(roles.permissions(&as_role("PICKER").actor).is_ok());
    let nobody = Actor::api_key(9, "k", "custom", Permissions::NONE);
    assert!(forbidden_for(roles.permissions(&nobody), "settings.view"));
}

#[test]
fn fixed_and_seeded_roles_are_protected() {
    let mut repo = seeded_roles();
    repo.expect_update_role().never();
    repo.expect_delete_role().never();
    let roles = role_service(repo);
    let admin = as_role("SUPER_ADMIN");
    let strip = RolePatchInput {
        permissions: Some(vec![]),
        ..RolePatchInput::default()
    };
    for fixed in ["SUPER_ADMIN", "read", "write", "admin"] {
        assert!(
            refused_with(
                roles.update(fixed, Expected::Any, &strip, &admin),
                ProblemCode::RoleProtected
            ),
            "{fixed}"
        );
    }
    for seeded in ["SUPER_ADMIN", "MANAGER", "PICKER", "TECHNICIAN", "admin"] {
        assert!(
            refused_with(
                roles.delete(seeded, Expected::Any, &admin),
                ProblemCode::RoleProtected
            ),
            "{seeded}"
        );
    }
}

#[test]
fn a_role_grants_only_what_its_maker_holds_and_names_are_checked() {
    let mut repo = seeded_roles();
    repo.expect_create_role()
        .withf(|r, audit, _| {
            r.name == "NIGHT"
                && r.permissions == Permissions::of(&[Permission::ScanExecute])
                && audit.event == "role_created"
                && audit.subject.as_deref() == Some("role:NIGHT")
                && audit.actor.as_deref() == Some("apikey:5")
                && audit.address.as_deref() == Some("10.0.0.7")
        })
        .times(1)
        .returning(|r, _, _| Ok(r.clone()));
    let roles = role_service(repo);
    // core.admin without users.manage: may make roles, not ones granting users.manage.
    let limited = meta_of(Actor::api_key(
        5,
        "k",
        "custom",
        Permissions::of(&[Permission::CoreAdmin, Permission::ScanExecute]),
    ));
    let granting = |names: &[&str]| NewRoleInput {
        name: "NIGHT".into(),
        description: String::new(),
        permissions: names.iter().map(|n| (*n).to_owned()).collect(),
    };
    assert!(forbidden_for(
        roles.create(&granting(&["scan.execute", "users.manage"]), &limited),
        "users.manage"
    ));
    let made = roles
        .create(&granting(&["scan.execute"]), &limited)
        .unwrap();
    assert!(!made.fixed);
    match roles.create(
        &NewRoleInput {
            name: "2 bad".into(),
            description: " padded".into(),
            permissions: vec!["scan".into()],
        },
        &limited,
    ) {
        Err(AppError::Invalid(fields)) => {
            let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
            assert_eq!(names, ["name", "description", "permissions"]);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn roles_that_hold_everything_get_permissions_added_later() {
    let mut repo = MockRoleRepository::new();
    repo.expect_list_roles().returning(|| {
        Ok(vec![Role {
            // As stored before a permission was added: without it.
            permissions: Permissions::all().without(Permission::ReportsExport),
            ..role("SUPER_ADMIN").unwrap()
        }])
    });
    let listed = role_service(repo).list(&as_role("PICKER").actor).unwrap();
    assert_eq!(listed[0].role.permissions, Permissions::all());
    assert!(listed[0].fixed);
}

// ------------------------------------------------------------------------------------ users

fn user_service(repo: MockUserRepository) -> UserService {
    UserService::new(
        Arc::new(repo),
        role_service(seeded_roles()),
        clock_at(now()),
        Arc::new(OsSecrets),
    )
}

fn secrets(password: Option<&str>, pin: Option<Option<&str>>) -> AppResult<HashedSecrets> {
    UserService::hash_secrets(&fast(), &OsSecrets, password, pin)
}

#[test]
fn new_users_store_hashes_and_the_audit_holds_no_secret() {
    let mut repo = MockUserRepository::new();
    repo.expect_create_user()
        .withf(|u, audit, _| {
            u.username == "Anna.K"
                && u.username_key == "anna.k"
                && u.password_hash.starts_with("$argon2id$")
                && !u.password_hash.contains("correct horse")
                && u.pin_hash
                    .as_deref()
                    .is_some_and(|h| h.starts_with("$argon2id$"))
                && audit.event == "user_created"
                && !audit.detail.as_deref().unwrap_or("").contains("horse")
                && !audit.detail.as_deref().unwrap_or("").contains("argon2")
        })
        .times(1)
        .returning(|_, _, _| Ok(user(1, "PICKER")));
    let users = user_service(repo);
    let input = NewUserInput {
        username: "Anna.K".into(),
        display_name: "Anna K".into(),
        role: "PICKER".into(),
    };
    let hashed = secrets(Some("correct horse"), Some(Some("0420"))).unwrap();
    users.create(&input, hashed, &as_role("MANAGER")).unwrap();
}

#[test]
fn bad_secrets_and_fields_are_named() {
    match secrets(Some("short"), Some(Some("12a"))) {
        Err(AppError::Invalid(fields)) => {
            let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
            assert_eq!(names, ["password", "pin"]);
        }
        other => panic!("{other:?}"),
    }
    let mut repo = MockUserRepository::new();
    repo.expect_create_user().never();
    let users = user_service(repo);
    let hashed = secrets(Some("correct horse"), None).unwrap();
    let bad = NewUserInput {
        username: "anna k".into(),
        display_name: " ".into(),
        role: "PICKER".into(),
    };
    match users.create(&bad, hashed.clone(), &as_role("MANAGER")) {
        Err(AppError::Invalid(fields)) => {
            let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
            assert_eq!(names, ["username", "display_name"]);
        }
        other => panic!("{other:?}"),
    }
    let unknown_role = NewUserInput {
        username: "anna".into(),
        display_name: "Anna".into(),
        role: "NOPE".into(),
    };
    assert!(matches!(
        users.create(&unknown_role, hashed, &as_role("MANAGER")),
        Err(AppError::Invalid(fields)) if fields[0].field == "role"
    ));
}

/// A manager (users.manage, no core.admin) makes no super admin, and takes over none: changing
/// or resetting the secrets of a user who holds more than they do is refused.
#[test]
fn nobody_manages_a_user_stronger_than_themselves() {
    let mut repo = MockUserRepository::new();
    repo.expect_create_user().never();
    repo.expect_update_user().never();
    repo.expect_set_credentials().never();
    repo.expect_get_user()
        .returning(|id| Ok(user(id.number(), "SUPER_ADMIN")));
    let users = user_service(repo);
    let manager = as_role("MANAGER");
    let input = NewUserInput {
        username: "boss".into(),
        display_name: "Boss".into(),
        role: "SUPER_ADMIN".into(),
    };
    let hashed = secrets(Some("correct horse"), None).unwrap();
    assert!(forbidden_for(
        users.create(&input, hashed.clone(), &manager),
        "core.admin"
    ));
    let admin_id = UserId::new(1).unwrap();
    assert!(forbidden_for(
        users.set_secrets(admin_id, Expected::Any, hashed, &manager),
        "core.admin"
    ));
    let deactivate = UserPatchInput {
        active: Some(false),
        ..UserPatchInput::default()
    };
    assert!(forbidden_for(
        users.update(admin_id, Expected::Any, &deactivate, &manager),
        "core.admin"
    ));
    // A picker key manages no user at all.
    assert!(forbidden_for(
        users.get(&as_role("PICKER").actor, admin_id),
        "users.manage"
    ));
}

#[test]
fn deactivation_is_audited_as_such() {
    let mut repo = MockUserRepository::new();
    repo.expect_get_user()
        .returning(|id| Ok(user(id.number(), "PICKER")));
    repo.expect_update_user()
        .withf(|_, _, patch, _, audit, _| {
            patch.active == Some(false)
                && audit.event == "user_deactivated"
                && audit.subject.as_deref() == Some("user:u000000000000000003")
        })
        .times(1)
        .returning(|id, _, _, _, _, _| {
            Ok(User {
                active: false,
                ..user(id.number(), "PICKER")
            })
        });
    let users = user_service(repo);
    let patch = UserPatchInput {
        active: Some(false),
        ..UserPatchInput::default()
    };
    let done = users
        .update(
            UserId::new(3).unwrap(),
            Expected::Version(1),
            &patch,
            &as_role("MANAGER"),
        )
        .unwrap();
    assert!(!done.active);
}

// --------------------------------------------------------------------------------- sessions

struct SessionMocks {
    sessions: MockSessionRepository,
    users: MockUserRepository,
    audit: MockAuditRepository,
}

impl SessionMocks {
    fn new() -> Self {
        Self {
            sessions: MockSessionRepository::new(),
            users: MockUserRepository::new(),
            audit: MockAuditRepository::new(),
        }
    }

    fn service(self, at: DateTime<Utc>) -> SessionService {
        SessionService::new(
            Arc::new(self.sessions),
            Arc::new(self.users),
            Arc::new(self.audit),
            clock_at(at),
            Arc::new(OsSecrets),
            SessionSettings::default(),
        )
    }
}

fn anonymous() -> RequestMeta {
    meta_of(Actor::anonymous())
}

fn login_user(passwords: &Passwords, active: bool) -> LoginUser {
    LoginUser {
        user: User {
            active,
            ..user(4, "PICKER")
        },
        password_hash: passwords.hash("correct horse", &OsSecrets).unwrap(),
        pin_hash: None,
        permissions: seeded("PICKER").unwrap().permissions(),
    }
}

/// A wrong password, an unknown user and an inactive user get the same answer, and each
/// failure is counted under the username and the address the same way.
#[test]
fn every_failed_login_is_the_same_refusal_and_is_counted() {
    let passwords = fast();
    for case in ["wrong password", "unknown user", "inactive user"] {
        let mut m = SessionMocks::new();
        m.sessions
            .expect_failed_logins()
            .times(2)
            .returning(|_, _| Ok((0, None)));
        let found = match case {
            "unknown user" => None,
            "inactive user" => Some(login_user(&passwords, false)),
            _ => Some(login_user(&passwords, true)),
        };
        m.users
            .expect_find_login()
            .withf(|key| key == "anna")
            .times(1)
            .returning(move |_| Ok(found.clone()));
        let counted = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&counted);
        m.sessions
            .expect_record_failed_login()
            .times(1)
            .returning(move |subjects, _, audit| {
                assert_eq!(audit.event, "login_failed");
                assert_eq!(audit.actor, None);
                assert_eq!(audit.subject.as_deref(), Some("username:anna"));
                seen.lock().unwrap().extend(subjects.iter().cloned());
                Ok(())
            });
        m.sessions.expect_create_session().never();
        let service = m.service(now());
        let attempt = service.begin_login("Anna", &anonymous()).unwrap();
        let password = if case == "wrong password" {
            "wrong horse"
        } else {
            "correct horse"
        };
        let verified = attempt.verify(&passwords, password);
        let result = service.finish_login(attempt, verified, &anonymous());
        assert!(
            refused_with(result, ProblemCode::InvalidCredentials),
            "{case}"
        );
        assert_eq!(
            *counted.lock().unwrap(),
            ["user:anna", "address:10.0.0.7"],
            "{case}"
        );
    }
}

#[test]
fn a_throttled_login_is_refused_before_the_user_is_looked_up() {
    let mut m = SessionMocks::new();
    let oldest = now() - Duration::minutes(10);
    m.sessions
        .expect_failed_logins()
        .withf(|subject, since| subject == "user:anna" && *since == now() - Duration::minutes(15))
        .times(1)
        .returning(move |_, _| Ok((5, Some(oldest))));
    m.users.expect_find_login().never();
    m.audit
        .expect_record_audit()
        .withf(|e| e.event == "login_throttled" && e.actor.is_none())
        .times(1)
        .returning(|_| Ok(()));
    let service = m.service(now());
    match service.begin_login("anna", &anonymous()) {
        Err(AppError::Throttled { retry_after, .. }) => assert_eq!(retry_after, 5 * 60),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_login_stores_the_tokens_hash_and_the_token_then_authenticates() {
    let passwords = fast();
    let mut m = SessionMocks::new();
    m.sessions
        .expect_failed_logins()
        .returning(|_, _| Ok((4, Some(now()))));
    let found = login_user(&passwords, true);
    m.users
        .expect_find_login()
        .returning(move |_| Ok(Some(found.clone())));
    let stored = Arc::new(Mutex::new(None));
    let keep = Arc::clone(&stored);
    m.sessions
        .expect_create_session()
        .withf(|s, forget, audit| {
            s.token_hash.len() == 64
                && forget == "user:anna"
                && audit.event == "login_succeeded"
                && audit.actor.as_deref() == Some("user:u000000000000000004")
                && s.expires_at == now() + Duration::hours(12)
                && s.address.as_deref() == Some("10.0.0.7")
        })
        .times(1)
        .returning(move |s, _, _| {
            *keep.lock().unwrap() = Some(s.token_hash.clone());
            Ok(())
        });
    let service = m.service(now());
    let attempt = service.begin_login("anna", &anonymous()).unwrap();
    let verified = attempt.verify(&passwords, "correct horse");
    let logged_in = service
        .finish_login(attempt, verified, &anonymous())
        .unwrap();
    assert!(logged_in.token.starts_with(SESSION_PREFIX));
    assert_eq!(logged_in.token.len(), SESSION_PREFIX.len() + 43);
    let hash = stored.lock().unwrap().clone().unwrap();
    assert!(!hash.contains(&logged_in.token[SESSION_PREFIX.len()..]));
    assert!(logged_in.actor.may(Permission::ScanExecute));
    assert!(!logged_in.actor.may(Permission::SettingsEdit));
    assert_eq!(logged_in.actor.ledger_name(), "user:u000000000000000004");
}

fn record(last_seen: DateTime<Utc>, expires: DateTime<Utc>, active: bool) -> SessionRecord {
    SessionRecord {
        user: User {
            active,
            ..user(4, "PICKER")
        },
        permissions: seeded("PICKER").unwrap().permissions(),
        created_at: now() - Duration::hours(1),
        last_seen_at: last_seen,
        expires_at: expires,
    }
}

#[test]
fn ended_idle_and_inactive_sessions_are_refused_and_fresh_ones_touched_sparingly() {
    let cases = [
        (
            "fresh",
            record(
                now() - Duration::seconds(30),
                now() + Duration::hours(1),
                true,
            ),
            true,
            false,
        ),
        (
            "seen a while ago",
            record(
                now() - Duration::minutes(5),
                now() + Duration::hours(1),
                true,
            ),
            true,
            true,
        ),
        (
            "idle",
            record(
                now() - Duration::minutes(30),
                now() + Duration::hours(1),
                true,
            ),
            false,
            false,
        ),
        ("expired", record(now(), now(), true), false, false),
        (
            "inactive user",
            record(now(), now() + Duration::hours(1), false),
            false,
            false,
        ),
    ];
    for (case, found, ok, touched) in cases {
        let mut m = SessionMocks::new();
        m.sessions
            .expect_find_session()
            .returning(move |_| Ok(Some(found.clone())));
        m.sessions
            .expect_touch_session()
            .times(usize::from(touched))
            .returning(|_, _| Ok(()));
        let service = m.service(now());
        let result = service.authenticate("ecks_token");
        assert_eq!(result.is_ok(), ok, "{case}");
        if !ok {
            assert!(refused_with(result, ProblemCode::Unauthenticated), "{case}");
        }
    }
    let mut m = SessionMocks::new();
    m.sessions.expect_find_session().returning(|_| Ok(None));
    assert!(refused_with(
        m.service(now()).authenticate("ecks_unknown"),
        ProblemCode::Unauthenticated
    ));
}

#[test]
fn csrf_tokens_belong_to_their_session() {
    let a = csrf_token("ecks_a");
    assert_eq!(a, csrf_token("ecks_a"));
    assert_ne!(a, csrf_token("ecks_b"));
    assert!(!a.contains("ecks_a"));
}
