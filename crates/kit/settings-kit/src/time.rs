//! The bound of every time setting of both services.

use crate::SettingsError;

/// The longest time a setting may name: 100 years. Longer is "never" in all but name, and the
/// arithmetic on it (now plus or minus the time, a date or a monotonic instant) must stay
/// within what can be written: beyond that it panicked (a key's or token's expiry, a session's
/// age, the connection pool's deadline, the keep-alive of every connection).
pub const MAX_SETTING_SECS: i128 = 36_500 * 86_400;

/// Checks a time setting of `value` units of `unit_secs` seconds: `min` to 100 years' worth
/// of them. Signed and unsigned settings alike (`i128` holds both without saturating).
pub fn check_time(
    name: &str,
    value: impl Into<i128>,
    unit_secs: i128,
    min: i128,
) -> Result<(), SettingsError> {
    let max = MAX_SETTING_SECS / unit_secs;
    if !(min..=max).contains(&value.into()) {
        return Err(SettingsError::TimeOutOfRange {
            name: name.to_owned(),
            min,
            max,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_are_inclusive_and_named() {
        assert!(check_time("a.secs", 0u64, 1, 0).is_ok());
        assert!(check_time("a.secs", 3_153_600_000u64, 1, 0).is_ok());
        let e = check_time("a.secs", 3_153_600_001u64, 1, 0).unwrap_err();
        assert_eq!(e.to_string(), "a.secs must be 0 to 3153600000 (100 years)");
        let e = check_time("b.hours", -1i64, 3_600, 0).unwrap_err();
        assert_eq!(e.to_string(), "b.hours must be 0 to 876000 (100 years)");
        let e = check_time("c.days", u64::MAX, 86_400, 1).unwrap_err();
        assert_eq!(e.to_string(), "c.days must be 1 to 36500 (100 years)");
        assert!(check_time("d.secs", 0i64, 1, 1).is_err());
    }
}
