//! Access: permissions, roles, and the rules of users' names and secrets.

pub mod permission;
pub mod role;
pub mod user;

pub use permission::{Permission, Permissions};
pub use role::{Protection, RoleName, SEEDED_ROLES, SUPER_ADMIN, SeededRole};
pub use user::{Username, check_password, check_pin};
