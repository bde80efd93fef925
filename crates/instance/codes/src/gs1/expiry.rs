//! Expiry dates, AI (17).

/// An expiry date, AI (17) `YYMMDD`. Day 00 means "end of the month", as GS1 allows.
/// The year is 2000 + YY: this crate has no clock for GS1's sliding century window, which gives
/// the same years for every expiry date up to 2049 read before then.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Expiry {
    year: u16,
    month: u8,
    day: u8,
}

impl Expiry {
    pub(super) fn parse(digits: &[u8]) -> Option<Expiry> {
        if digits.len() != 6 || !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let pair = |i: usize| (digits[i] - b'0') * 10 + (digits[i + 1] - b'0');
        let (year, month, day) = (2000 + u16::from(pair(0)), pair(2), pair(4));
        if !(1..=12).contains(&month) || day > days_in_month(year, month) {
            return None;
        }
        Some(Expiry { year, month, day })
    }

    pub fn year(self) -> u16 {
        self.year
    }

    pub fn month(self) -> u8 {
        self.month
    }

    /// The day, `None` for day 00 (end of the month).
    pub fn day(self) -> Option<u8> {
        (self.day != 0).then_some(self.day)
    }

    /// The last day the product is good: the day, or for day 00 the month's last day.
    pub fn last_day(self) -> u8 {
        self.day().unwrap_or(days_in_month(self.year, self.month))
    }
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}
