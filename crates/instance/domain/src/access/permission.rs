//! Permissions: what an actor may do, one name per capability.
//!
//! The first nine are the original's (reference section 5); the rest name what the instance's
//! routes need beyond the scanner's world. Every route declares one of them, and every use case
//! checks it (the application's `Actor::require`).

use std::fmt;

use serde::{Serialize, Serializer};

/// One table, so that a permission cannot lack its name or sentence, or be left out of `ALL`.
macro_rules! permissions {
    ($($variant:ident = ($name:literal, $about:literal),)*) => {
        /// A permission.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Permission {
            $($variant,)*
        }

        impl Permission {
            /// Every permission, in the order of the catalogue.
            pub const ALL: &'static [Permission] = &[$(Permission::$variant,)*];

            /// The name clients see and roles list, such as `settings.edit`.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Permission::$variant => $name,)*
                }
            }

            /// One sentence on what the permission allows.
            pub const fn about(self) -> &'static str {
                match self {
                    $(Permission::$variant => $about,)*
                }
            }
        }
    };
}

permissions! {
    CoreAdmin = ("core.admin",
        "Administer the instance: create, change and delete roles, and read the audit log."),
    SettingsView = ("settings.view",
        "See the site's settings: warehouses, racks, roles and the list of permissions."),
    SettingsEdit = ("settings.edit",
        "Change the layout: create, change and delete warehouses, racks and places."),
    ScanExecute = ("scan.execute",
        "Scan codes with the scan flow (which finds, creates and moves things) and clear a scanner's working set."),
    WorkflowReceiving = ("workflow.receiving",
        "Use the scanner app's receiving screens (the app reads it; no route of the instance requires it yet)."),
    WorkflowPicking = ("workflow.picking",
        "Use the scanner app's picking screens (the app reads it; no route of the instance requires it yet)."),
    WorkflowPacking = ("workflow.packing",
        "Use the scanner app's packing screens (the app reads it; no route of the instance requires it yet)."),
    WorkflowInventory = ("workflow.inventory",
        "Use the scanner app's stock-taking screens (the app reads it; no route of the instance requires it yet)."),
    InventoryAdjust = ("inventory.adjust",
        "Create, change and delete items and boxes, and move things with the moves route."),
    InventoryView = ("inventory.view",
        "Read items, boxes, places and orders, their contents, locations and histories, and the scan log."),
    LabelsPrint = ("labels.print",
        "Print labels."),
    OrdersManage = ("orders.manage",
        "Create, change and delete orders, and link boxes to them."),
    RepairWork = ("repair.work",
        "Record repair work on items (checks, causes, results, notes)."),
    UsersManage = ("users.manage",
        "Create users, change their names, roles and activity, and reset their passwords and PINs."),
    DevicesManage = ("devices.manage",
        "Approve, block, rename, assign roles to and remove scanners, and show the pairing QR."),
    ApiKeysManage = ("apikeys.manage",
        "Create, list and revoke API keys."),
    ReportsExport = ("reports.export",
        "Export reports: the service report of RMA requests (CSV)."),
}

impl Permission {
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|p| p.as_str() == name)
    }

    fn bit(self) -> u32 {
        1 << (self as u32)
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Permission {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// A set of permissions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Permissions(u32);

impl Permissions {
    pub const NONE: Permissions = Permissions(0);

    pub fn all() -> Self {
        Self::of(Permission::ALL)
    }

    pub fn of(list: &[Permission]) -> Self {
        Self(list.iter().fold(0, |bits, p| bits | p.bit()))
    }

    pub fn has(self, permission: Permission) -> bool {
        self.0 & permission.bit() != 0
    }

    /// Whether every permission of `other` is in this set.
    pub fn covers(self, other: Permissions) -> bool {
        other.0 & !self.0 == 0
    }

    /// The permissions in both sets.
    pub fn and(self, other: Permissions) -> Self {
        Self(self.0 & other.0)
    }

    pub fn without(self, permission: Permission) -> Self {
        Self(self.0 & !permission.bit())
    }

    /// The permissions of the set, in the order of the catalogue.
    pub fn list(self) -> Vec<Permission> {
        Permission::ALL
            .iter()
            .copied()
            .filter(|p| self.has(*p))
            .collect()
    }

    /// The names, separated by single spaces, in the order of the catalogue: how the database
    /// stores a role's set.
    pub fn to_stored(self) -> String {
        self.list()
            .iter()
            .map(|p| p.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// A stored set; a name this build does not know (written by a newer one) is skipped, so
    /// that it grants nothing here.
    pub fn from_stored(text: &str) -> Self {
        let known: Vec<Permission> = text
            .split_whitespace()
            .filter_map(Permission::parse)
            .collect();
        Self::of(&known)
    }

    /// Names as sent by a client: each must be known, none twice. Errors name the offenders.
    pub fn parse_names(names: &[String]) -> Result<Self, String> {
        let mut set = Self::NONE;
        for name in names {
            let permission =
                Permission::parse(name).ok_or_else(|| format!("{name:?} is not a permission"))?;
            if set.has(permission) {
                return Err(format!("{name} is listed twice"));
            }
            set = Self(set.0 | permission.bit());
        }
        Ok(set)
    }
}

impl Serialize for Permissions {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.list().serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_round_trip() {
        for p in Permission::ALL {
            assert_eq!(Permission::parse(p.as_str()), Some(*p));
            assert!(p.about().ends_with('.'), "{p}");
        }
        let mut names: Vec<&str> = Permission::ALL.iter().map(|p| p.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Permission::ALL.len());
        assert!(Permission::ALL.len() <= 32, "the set is one u32");
    }

    #[test]
    fn the_original_permissions_are_all_here() {
        for name in [
            "core.admin",
            "settings.view",
            "settings.edit",
            "scan.execute",
            "workflow.receiving",
            "workflow.picking",
            "workflow.packing",
            "workflow.inventory",
            "inventory.adjust",
        ] {
            assert!(Permission::parse(name).is_some(), "{name}");
        }
    }

    #[test]
    fn sets_store_and_compare() {
        let set = Permissions::of(&[Permission::ScanExecute, Permission::InventoryView]);
        assert_eq!(set.to_stored(), "scan.execute inventory.view");
        assert_eq!(Permissions::from_stored(&set.to_stored()), set);
        assert_eq!(
            Permissions::from_stored("scan.execute future.thing inventory.view"),
            set
        );
        assert!(Permissions::all().covers(set));
        assert!(!set.covers(Permissions::all()));
        assert!(set.covers(Permissions::NONE));
        assert!(
            !set.without(Permission::ScanExecute)
                .has(Permission::ScanExecute)
        );
        assert_eq!(
            set.and(Permissions::of(&[Permission::ScanExecute])).list(),
            vec![Permission::ScanExecute]
        );
    }

    #[test]
    fn client_lists_are_checked() {
        let ok = Permissions::parse_names(&["scan.execute".into(), "core.admin".into()]);
        assert_eq!(
            ok.map(Permissions::list),
            Ok(vec![Permission::CoreAdmin, Permission::ScanExecute])
        );
        assert!(Permissions::parse_names(&["scan".into()]).is_err());
        assert!(Permissions::parse_names(&["scan.execute".into(), "scan.execute".into()]).is_err());
    }
}
