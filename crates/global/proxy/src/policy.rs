//! Which addresses the proxy may connect to: the address policy of the kit
//! (`eckwms-address-policy`), shared with the instance's webhooks.
//!
//! The proxy connects only to addresses an instance registered, but a registered address is
//! still data an outsider could influence (an instance reports its own addresses). So every
//! upstream address passes [`AddressPolicy::check`] before a connection is opened.

pub use eckwms_address_policy::*;
