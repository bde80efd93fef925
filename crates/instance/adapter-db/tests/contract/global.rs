//! The global wing: the stored enrollment with the global service.

use super::*;
use eckwms_domain::global::{GlobalUrl, InstanceKey};

pub(crate) fn the_global_link_is_stored_once_and_replaced(t: &TestDatabase) {
    let db = t.open();
    assert_eq!(db.global_link().unwrap(), None);
    let first = GlobalLink {
        url: GlobalUrl::parse("https://global.example").unwrap(),
        key: InstanceKey::parse("ecki_0b0e6f3a12344abc8def0123456789ab_first").unwrap(),
        enrolled_at: now(),
    };
    db.save_global_link(&first).unwrap();
    assert_eq!(db.global_link().unwrap(), Some(first));
    let second = GlobalLink {
        url: GlobalUrl::parse("http://127.0.0.1:8080").unwrap(),
        key: InstanceKey::parse("ecki_0b0e6f3a12344abc8def0123456789ab_second").unwrap(),
        enrolled_at: now(),
    };
    db.save_global_link(&second).unwrap();
    // Another connection of the pool reads it too: one row, the new one.
    let again = t.open();
    assert_eq!(again.global_link().unwrap(), Some(second));
}
