//! What every route requires: the one table, read by the authentication middleware (to refuse
//! early, before a body is read or an idempotency key claimed) and written into the OpenAPI
//! document as `x-permission` on each operation.
//!
//! The use cases check the same permission themselves (`Actor::require`), so that every
//! adapter gets the same answer; the tests check that the table, the document and the use
//! cases agree for every route and every seeded role.

use actix_web::dev::ResourceDef;
use actix_web::http::Method;
use eckwms_domain::access::Permission;
use eckwms_domain::access::Permission::*;

/// What a route requires of its caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Requirement {
    /// Anyone: no credential is read.
    Public,
    /// Any authenticated caller (a user, an API key, a scanner), whatever their permissions.
    Authenticated,
    /// An authenticated caller holding the permission.
    Permission(Permission),
    /// A scanner's signature (`X-Device-*`), of an `active` device.
    ActiveDevice,
    /// A scanner's signature, whatever the device's status (its status poll).
    AnyDevice,
}

impl Requirement {
    /// The value of `x-permission`: the permission's name, `authenticated`, `public`, or
    /// `device` (`device_any_status`) for a route only a scanner's signature opens.
    pub fn as_str(self) -> &'static str {
        match self {
            Requirement::Public => "public",
            Requirement::Authenticated => "authenticated",
            Requirement::Permission(p) => p.as_str(),
            Requirement::ActiveDevice => "device",
            Requirement::AnyDevice => "device_any_status",
        }
    }

    /// Whether only a scanner's signature meets it.
    pub fn needs_device(self) -> bool {
        matches!(self, Requirement::ActiveDevice | Requirement::AnyDevice)
    }
}

use Requirement::{ActiveDevice, AnyDevice, Authenticated, Public};

const fn needs(p: Permission) -> Requirement {
    Requirement::Permission(p)
}

/// Every route: method, path (as the OpenAPI document writes it) and what it requires.
pub const ROUTES: &[(&str, &str, Requirement)] = &[
    // system
    ("GET", "/health", Public),
    ("GET", "/ready", Public),
    ("GET", "/ECK/HEALTH", Public),
    ("GET", "/ECK/API/PUBLIC/{id}", Public),
    ("GET", "/api/v1/openapi.json", Authenticated),
    // access: login, the caller, roles, users, keys, audit
    ("POST", "/api/v1/auth/login", Public),
    ("POST", "/api/v1/auth/logout", Authenticated),
    ("GET", "/api/v1/auth/me", Authenticated),
    ("PATCH", "/api/v1/auth/me", Authenticated),
    ("GET", "/api/v1/permissions", needs(SettingsView)),
    ("GET", "/api/v1/roles", needs(SettingsView)),
    ("POST", "/api/v1/roles", needs(CoreAdmin)),
    ("GET", "/api/v1/roles/{name}", needs(SettingsView)),
    ("PATCH", "/api/v1/roles/{name}", needs(CoreAdmin)),
    ("DELETE", "/api/v1/roles/{name}", needs(CoreAdmin)),
    ("GET", "/api/v1/users", needs(UsersManage)),
    ("POST", "/api/v1/users", needs(UsersManage)),
    ("GET", "/api/v1/users/{id}", needs(UsersManage)),
    ("PATCH", "/api/v1/users/{id}", needs(UsersManage)),
    ("POST", "/api/v1/users/{id}/secrets", needs(UsersManage)),
    ("GET", "/api/v1/apikeys", needs(ApiKeysManage)),
    ("POST", "/api/v1/apikeys", needs(ApiKeysManage)),
    ("DELETE", "/api/v1/apikeys/{id}", needs(ApiKeysManage)),
    ("GET", "/api/v1/audit", needs(CoreAdmin)),
    // layout
    ("POST", "/api/v1/warehouses", needs(SettingsEdit)),
    ("GET", "/api/v1/warehouses", needs(SettingsView)),
    ("GET", "/api/v1/warehouses/{id}", needs(SettingsView)),
    ("PATCH", "/api/v1/warehouses/{id}", needs(SettingsEdit)),
    ("DELETE", "/api/v1/warehouses/{id}", needs(SettingsEdit)),
    ("POST", "/api/v1/racks", needs(SettingsEdit)),
    ("GET", "/api/v1/racks", needs(SettingsView)),
    ("GET", "/api/v1/racks/{id}", needs(SettingsView)),
    ("PATCH", "/api/v1/racks/{id}", needs(SettingsEdit)),
    ("DELETE", "/api/v1/racks/{id}", needs(SettingsEdit)),
    ("POST", "/api/v1/places", needs(SettingsEdit)),
    ("GET", "/api/v1/places", needs(InventoryView)),
    ("GET", "/api/v1/places/{id}", needs(InventoryView)),
    ("PATCH", "/api/v1/places/{id}", needs(SettingsEdit)),
    ("DELETE", "/api/v1/places/{id}", needs(SettingsEdit)),
    ("GET", "/api/v1/places/{id}/contents", needs(InventoryView)),
    ("GET", "/api/v1/places/{id}/history", needs(InventoryView)),
    // inventory
    ("POST", "/api/v1/boxes", needs(InventoryAdjust)),
    ("GET", "/api/v1/boxes", needs(InventoryView)),
    ("GET", "/api/v1/boxes/{id}", needs(InventoryView)),
    ("PATCH", "/api/v1/boxes/{id}", needs(InventoryAdjust)),
    ("DELETE", "/api/v1/boxes/{id}", needs(InventoryAdjust)),
    ("GET", "/api/v1/boxes/{id}/contents", needs(InventoryView)),
    ("GET", "/api/v1/boxes/{id}/location", needs(InventoryView)),
    ("GET", "/api/v1/boxes/{id}/history", needs(InventoryView)),
    ("POST", "/api/v1/items", needs(InventoryAdjust)),
    ("GET", "/api/v1/items", needs(InventoryView)),
    ("GET", "/api/v1/items/{id}", needs(InventoryView)),
    ("PATCH", "/api/v1/items/{id}", needs(InventoryAdjust)),
    ("DELETE", "/api/v1/items/{id}", needs(InventoryAdjust)),
    ("GET", "/api/v1/items/{id}/location", needs(InventoryView)),
    ("GET", "/api/v1/items/{id}/history", needs(InventoryView)),
    ("POST", "/api/v1/items/{id}/actions", needs(RepairWork)),
    ("GET", "/api/v1/items/{id}/actions", needs(InventoryView)),
    ("POST", "/api/v1/moves", needs(InventoryAdjust)),
    // orders
    ("POST", "/api/v1/orders", needs(OrdersManage)),
    ("GET", "/api/v1/orders", needs(InventoryView)),
    ("GET", "/api/v1/orders/{id}", needs(InventoryView)),
    ("PATCH", "/api/v1/orders/{id}", needs(OrdersManage)),
    ("DELETE", "/api/v1/orders/{id}", needs(OrdersManage)),
    ("GET", "/api/v1/orders/{id}/history", needs(InventoryView)),
    // repair: RMA requests
    ("POST", "/api/v1/rmas", needs(OrdersManage)),
    ("PUT", "/api/v1/orders/{id}/declared", needs(OrdersManage)),
    ("GET", "/api/v1/orders/{id}/slip.pdf", needs(OrdersManage)),
    (
        "GET",
        "/api/v1/orders/{id}/reconciliation",
        needs(InventoryView),
    ),
    ("GET", "/api/v1/reports/service.csv", needs(ReportsExport)),
    ("POST", "/api/v1/orders/{id}/boxes", needs(OrdersManage)),
    (
        "DELETE",
        "/api/v1/orders/{id}/boxes/{box_id}",
        needs(OrdersManage),
    ),
    // overview: the operator's dashboard
    ("GET", "/api/v1/overview", needs(InventoryView)),
    // events: the ledger as a stream
    ("GET", "/api/v1/events", needs(InventoryView)),
    // scanning
    ("POST", "/api/v1/scans", needs(ScanExecute)),
    ("POST", "/ECK/API/SCAN", needs(ScanExecute)),
    ("GET", "/api/v1/scans", needs(InventoryView)),
    ("GET", "/api/v1/scans/{id}", needs(InventoryView)),
    ("GET", "/api/v1/scans/session", needs(InventoryView)),
    ("DELETE", "/api/v1/scans/session", needs(ScanExecute)),
    ("GET", "/api/v1/lookup", needs(InventoryView)),
    // labels
    ("POST", "/api/v1/labels", needs(LabelsPrint)),
    ("GET", "/api/v1/pairing-qr", needs(DevicesManage)),
    // devices: the scanners' pairing, the admins' registry
    ("POST", "/ECK/API/DEVICE/CHALLENGE", Public),
    ("POST", "/ECK/API/DEVICE/REGISTER", Public),
    ("GET", "/ECK/API/DEVICE/{id}/STATUS", AnyDevice),
    ("POST", "/ECK/API/DEVICE/LOGIN", ActiveDevice),
    ("POST", "/ECK/API/DEVICE/LOGOUT", ActiveDevice),
    ("GET", "/api/v1/devices", needs(DevicesManage)),
    ("GET", "/api/v1/devices/{id}", needs(DevicesManage)),
    ("PATCH", "/api/v1/devices/{id}", needs(DevicesManage)),
    ("DELETE", "/api/v1/devices/{id}", needs(DevicesManage)),
    // webhooks: subscriptions to the changes
    ("GET", "/api/v1/webhooks", needs(CoreAdmin)),
    ("POST", "/api/v1/webhooks", needs(CoreAdmin)),
    ("GET", "/api/v1/webhooks/{id}", needs(CoreAdmin)),
    ("PATCH", "/api/v1/webhooks/{id}", needs(CoreAdmin)),
    ("DELETE", "/api/v1/webhooks/{id}", needs(CoreAdmin)),
    ("POST", "/api/v1/webhooks/{id}/replay", needs(CoreAdmin)),
    // relay: the puller of the global service's scan relay
    ("GET", "/api/v1/relay/status", needs(DevicesManage)),
];

/// [`ROUTES`], ready to match request paths.
pub struct PermissionTable {
    routes: Vec<(Method, ResourceDef, Requirement)>,
}

impl Default for PermissionTable {
    fn default() -> Self {
        Self::new()
    }
}

impl PermissionTable {
    pub fn new() -> Self {
        let routes = ROUTES
            .iter()
            .filter_map(|(method, path, requirement)| {
                let method = Method::from_bytes(method.as_bytes()).ok()?;
                Some((method, ResourceDef::new(*path), *requirement))
            })
            .collect();
        Self { routes }
    }

    /// What a request requires; a path the table does not know (answered 404 or 405 later)
    /// requires authentication, so that the routes of this service are not told to strangers.
    /// `HEAD` is `GET`'s.
    pub fn requirement(&self, method: &Method, path: &str) -> Requirement {
        let method = if *method == Method::HEAD {
            &Method::GET
        } else {
            method
        };
        // A literal segment wins over a parameter (`/scans/session` over `/scans/{id}`).
        let mut found: Option<(&ResourceDef, Requirement)> = None;
        for (m, def, requirement) in &self.routes {
            if m == method && def.is_match(path) {
                let literal = !def.pattern().unwrap_or_default().contains('{');
                if literal {
                    return *requirement;
                }
                found.get_or_insert((def, *requirement));
            }
        }
        found.map_or(Authenticated, |(_, r)| r)
    }

    /// The requirement of an operation of the OpenAPI document: `path` as the document writes it.
    pub fn of_operation(method: &Method, path: &str) -> Option<Requirement> {
        ROUTES
            .iter()
            .find(|(m, p, _)| *p == path && m.eq_ignore_ascii_case(method.as_str()))
            .map(|(_, _, r)| *r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_find_their_route() {
        let table = PermissionTable::new();
        assert_eq!(
            table.requirement(&Method::POST, "/api/v1/racks"),
            needs(SettingsEdit)
        );
        assert_eq!(
            table.requirement(&Method::GET, "/api/v1/scans/session"),
            needs(InventoryView)
        );
        assert_eq!(
            table.requirement(&Method::DELETE, "/api/v1/scans/session"),
            needs(ScanExecute)
        );
        assert_eq!(
            table.requirement(&Method::GET, "/api/v1/scans/12"),
            needs(InventoryView)
        );
        assert_eq!(
            table.requirement(&Method::HEAD, "/api/v1/items"),
            needs(InventoryView)
        );
        assert_eq!(
            table.requirement(&Method::POST, "/api/v1/auth/login"),
            Public
        );
        assert_eq!(
            table.requirement(&Method::GET, "/api/v1/nothing-here"),
            Authenticated
        );
        assert_eq!(
            table.requirement(&Method::GET, "/api/v1/apikeysx"),
            Authenticated
        );
    }

    #[test]
    fn every_route_is_listed_once() {
        let mut seen = std::collections::HashSet::new();
        for (method, path, _) in ROUTES {
            assert!(seen.insert((method, path)), "{method} {path} twice");
        }
    }
}
