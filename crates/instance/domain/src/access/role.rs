//! Roles: named sets of permissions, given to users, scanners and API keys.
//!
//! The instance seeds the four roles of the original (reference section 5), a `TECHNICIAN` for
//! repair benches, and the three roles API keys had as scopes (`read`, `write`, `admin`, with
//! the effect those scopes always had). Admins add their own.

use super::permission::{Permission, Permissions};
use crate::error::FieldError;

/// Longest role name, in characters.
pub const MAX_ROLE_NAME: usize = 50;

/// A role name: 1 to 50 characters of `A-Z a-z 0-9 _ . -`, starting with a letter. Names are
/// unique as written (`PICKER` and `picker` are two roles).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RoleName(String);

impl RoleName {
    pub fn new(field: &str, text: &str) -> Result<Self, FieldError> {
        let ok = (1..=MAX_ROLE_NAME).contains(&text.len())
            && text.starts_with(|c: char| c.is_ascii_alphabetic())
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
        if ok {
            Ok(Self(text.to_owned()))
        } else {
            Err(FieldError::new(
                field,
                format!(
                    "must be 1 to {MAX_ROLE_NAME} characters of A-Z, a-z, 0-9, '_', '.', '-', starting with a letter"
                ),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// How a seeded role may change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protection {
    /// Cannot be deleted, renamed or changed: `SUPER_ADMIN` (it must always hold everything,
    /// so that the instance cannot lock itself out) and the API key roles (existing keys keep
    /// the effect their scope always had).
    Fixed,
    /// A seeded role an admin may change or delete when unused.
    Editable,
}

/// A role the instance seeds.
#[derive(Clone, Copy, Debug)]
pub struct SeededRole {
    pub name: &'static str,
    pub description: &'static str,
    pub permissions: &'static [Permission],
    /// Whether the role holds every permission, including ones added later.
    pub everything: bool,
    pub protection: Protection,
}

impl SeededRole {
    pub fn permissions(&self) -> Permissions {
        if self.everything {
            Permissions::all()
        } else {
            Permissions::of(self.permissions)
        }
    }
}

use Permission::*;

const READ_KEY: &[Permission] = &[InventoryView, SettingsView, ReportsExport];
const WRITE_KEY: &[Permission] = &[
    InventoryView,
    SettingsView,
    ReportsExport,
    SettingsEdit,
    ScanExecute,
    WorkflowReceiving,
    WorkflowPicking,
    WorkflowPacking,
    WorkflowInventory,
    InventoryAdjust,
    LabelsPrint,
    OrdersManage,
    RepairWork,
];

/// The name of the protected role that holds every permission.
pub const SUPER_ADMIN: &str = "SUPER_ADMIN";

/// Every seeded role. `MANAGER`'s list is every permission but `core.admin`, written out: a
/// permission added later is not given to it unasked.
pub const SEEDED_ROLES: &[SeededRole] = &[
    SeededRole {
        name: SUPER_ADMIN,
        description: "Everything, including roles and the audit log. Cannot be changed or deleted.",
        permissions: &[],
        everything: true,
        protection: Protection::Fixed,
    },
    SeededRole {
        name: "MANAGER",
        description: "Runs the site: everything but core.admin.",
        permissions: &[
            SettingsView,
            SettingsEdit,
            ScanExecute,
            WorkflowReceiving,
            WorkflowPicking,
            WorkflowPacking,
            WorkflowInventory,
            InventoryAdjust,
            InventoryView,
            LabelsPrint,
            OrdersManage,
            RepairWork,
            UsersManage,
            DevicesManage,
            ApiKeysManage,
            ReportsExport,
        ],
        everything: false,
        protection: Protection::Editable,
    },
    SeededRole {
        name: "INBOUND",
        description: "Receives goods: scans, the receiving workflow, reads the inventory.",
        permissions: &[ScanExecute, WorkflowReceiving, SettingsView, InventoryView],
        everything: false,
        protection: Protection::Editable,
    },
    SeededRole {
        name: "PICKER",
        description: "Picks orders: scans, the picking workflow, reads the inventory.",
        permissions: &[ScanExecute, WorkflowPicking, SettingsView, InventoryView],
        everything: false,
        protection: Protection::Editable,
    },
    SeededRole {
        name: "TECHNICIAN",
        description: "Works at a repair bench: scans, records repair work, prints labels, reads the inventory.",
        permissions: &[
            ScanExecute,
            RepairWork,
            LabelsPrint,
            SettingsView,
            InventoryView,
        ],
        everything: false,
        protection: Protection::Editable,
    },
    SeededRole {
        name: "read",
        description: "The API key scope read: reads everything an API key could read.",
        permissions: READ_KEY,
        everything: false,
        protection: Protection::Fixed,
    },
    SeededRole {
        name: "write",
        description: "The API key scope write: read, and every change but administration.",
        permissions: WRITE_KEY,
        everything: false,
        protection: Protection::Fixed,
    },
    SeededRole {
        name: "admin",
        description: "The API key scope admin: everything.",
        permissions: &[],
        everything: true,
        protection: Protection::Fixed,
    },
];

/// The seeded role named `name`.
pub fn seeded(name: &str) -> Option<&'static SeededRole> {
    SEEDED_ROLES.iter().find(|r| r.name == name)
}

/// The permissions a role grants: its stored set, or every permission for a role that holds
/// everything (`SUPER_ADMIN`, `admin`), so that a permission added later reaches it at once.
pub fn effective(name: &str, stored: Permissions) -> Permissions {
    if seeded(name).is_some_and(|r| r.everything) {
        Permissions::all()
    } else {
        stored
    }
}

/// Whether the role named `name` may not be changed or deleted.
pub fn is_fixed(name: &str) -> bool {
    seeded(name).is_some_and(|r| r.protection == Protection::Fixed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seeded_roles_are_the_references_and_ours() {
        let names: Vec<&str> = SEEDED_ROLES.iter().map(|r| r.name).collect();
        assert_eq!(
            names,
            [
                "SUPER_ADMIN",
                "MANAGER",
                "INBOUND",
                "PICKER",
                "TECHNICIAN",
                "read",
                "write",
                "admin"
            ]
        );
        let manager = seeded("MANAGER").map(SeededRole::permissions);
        assert_eq!(
            manager,
            Some(Permissions::all().without(Permission::CoreAdmin))
        );
        for role in SEEDED_ROLES {
            assert!(RoleName::new("name", role.name).is_ok(), "{}", role.name);
            assert!(
                role.permissions().has(InventoryView),
                "{} reads the inventory",
                role.name
            );
        }
        assert!(is_fixed(SUPER_ADMIN) && is_fixed("admin") && !is_fixed("PICKER"));
        assert!(!is_fixed("custom"));
    }

    #[test]
    fn key_roles_keep_the_scopes_effect() {
        let read = seeded("read")
            .map(SeededRole::permissions)
            .unwrap_or_default();
        let write = seeded("write")
            .map(SeededRole::permissions)
            .unwrap_or_default();
        assert!(write.covers(read));
        for admin_only in [CoreAdmin, UsersManage, DevicesManage, ApiKeysManage] {
            assert!(!write.has(admin_only), "{admin_only}");
        }
        assert!(!read.has(SettingsEdit) && !read.has(ScanExecute));
    }

    #[test]
    fn role_names_are_checked() {
        assert!(RoleName::new("name", "Night-shift_2").is_ok());
        for bad in ["", "2nd", "a b", "ä", &"a".repeat(51)] {
            assert!(RoleName::new("name", bad).is_err(), "{bad:?}");
        }
    }
}
