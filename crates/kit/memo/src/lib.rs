#![doc = include_str!("../README.md")]

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

/// A time-limited map from keys to values read at a moment. Share it (`Arc`); all methods take
/// `&self`. A poisoned lock makes it forget nothing and recall nothing (the caller reads the
/// database instead).
pub struct Memo<K, V> {
    keep: Duration,
    sweep_at: usize,
    entries: Mutex<HashMap<K, (V, DateTime<Utc>)>>,
}

impl<K: Eq + Hash, V: Clone> Memo<K, V> {
    /// Keeps values for `keep`; zero or less turns the memo off (nothing is remembered).
    /// `sweep_at` (at least 1) is the size from which an insert first drops stale entries.
    pub fn new(keep: Duration, sweep_at: usize) -> Self {
        Self {
            keep,
            sweep_at: sweep_at.max(1),
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// A memo that remembers nothing.
    pub fn off() -> Self {
        Self::new(Duration::zero(), 1)
    }

    pub fn keep(&self) -> Duration {
        self.keep
    }

    pub fn is_on(&self) -> bool {
        self.keep > Duration::zero()
    }

    fn fresh(&self, read_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        read_at <= now && now - read_at < self.keep
    }

    /// The value remembered for `key`, if it was read less than `keep` before `now`.
    pub fn recall<Q>(&self, key: &Q, now: DateTime<Utc>) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        if !self.is_on() {
            return None;
        }
        let entries = self.entries.lock().ok()?;
        let (value, read_at) = entries.get(key)?;
        self.fresh(*read_at, now).then(|| value.clone())
    }

    /// Remembers `value`, read at `now`, for `key` (replacing what was there).
    pub fn remember(&self, key: K, value: V, now: DateTime<Utc>) {
        if !self.is_on() {
            return;
        }
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= self.sweep_at {
                entries.retain(|_, (_, read_at)| *read_at <= now && now - *read_at < self.keep);
            }
            entries.insert(key, (value, now));
        }
    }

    /// Forgets `key`: the next lookup reads the database.
    pub fn forget<Q>(&self, key: &Q)
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(key);
        }
    }

    /// How many entries are held, stale ones included.
    pub fn len(&self) -> usize {
        self.entries.lock().map_or(0, |entries| entries.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::TimeZone;

    use super::*;

    fn at(ms: i64) -> DateTime<Utc> {
        Utc.timestamp_millis_opt(1_764_000_000_000 + ms).unwrap()
    }

    #[test]
    fn a_value_is_recalled_until_it_is_keep_old() {
        let memo: Memo<String, u32> = Memo::new(Duration::milliseconds(1000), 16);
        assert_eq!(memo.recall("a", at(0)), None);
        memo.remember("a".to_owned(), 7, at(0));
        assert_eq!(memo.recall("a", at(0)), Some(7));
        assert_eq!(memo.recall("a", at(999)), Some(7));
        assert_eq!(memo.recall("a", at(1000)), None, "exactly keep old");
        assert_eq!(memo.recall("b", at(1)), None);
        // Read again: remembered anew.
        memo.remember("a".to_owned(), 8, at(1500));
        assert_eq!(memo.recall("a", at(2000)), Some(8));
    }

    #[test]
    fn a_clock_gone_back_does_not_extend_an_entry() {
        let memo: Memo<u8, u8> = Memo::new(Duration::seconds(1), 16);
        memo.remember(1, 1, at(5000));
        assert_eq!(memo.recall(&1, at(4999)), None);
    }

    #[test]
    fn forgotten_keys_are_read_again() {
        let memo: Memo<String, u32> = Memo::new(Duration::seconds(60), 16);
        memo.remember("a".to_owned(), 1, at(0));
        memo.remember("b".to_owned(), 2, at(0));
        memo.forget("a");
        assert_eq!(memo.recall("a", at(1)), None);
        assert_eq!(memo.recall("b", at(1)), Some(2));
    }

    #[test]
    fn off_remembers_nothing() {
        for memo in [Memo::off(), Memo::new(Duration::milliseconds(-5), 4)] {
            assert!(!memo.is_on());
            memo.remember(1u8, 1u8, at(0));
            assert_eq!(memo.recall(&1, at(0)), None);
            assert!(memo.is_empty());
        }
    }

    #[test]
    fn growing_past_sweep_at_drops_only_stale_entries() {
        let memo: Memo<u32, u32> = Memo::new(Duration::seconds(1), 4);
        for k in 0..4 {
            memo.remember(k, k, at(0));
        }
        memo.remember(10, 10, at(500));
        // At 4 entries the insert swept, but none was stale yet.
        assert_eq!(memo.len(), 5);
        memo.remember(11, 11, at(1200));
        // Now the four from time 0 were too old and went; 10 and 11 stay.
        assert_eq!(memo.len(), 2);
        assert_eq!(memo.recall(&10, at(1200)), Some(10));
        assert_eq!(memo.recall(&11, at(1200)), Some(11));
    }

    #[test]
    fn shared_between_threads_every_reader_sees_a_whole_value() {
        let memo: Arc<Memo<u32, (u64, u64)>> = Arc::new(Memo::new(Duration::seconds(60), 64));
        let writers: Vec<_> = (0..4u64)
            .map(|t| {
                let memo = memo.clone();
                std::thread::spawn(move || {
                    for i in 0..2000u64 {
                        let k = (i % 32) as u32;
                        memo.remember(k, (t * 10_000 + i, t * 10_000 + i), at(1));
                        if let Some((a, b)) = memo.recall(&k, at(2)) {
                            assert_eq!(a, b);
                        }
                        if i % 7 == 0 {
                            memo.forget(&k);
                        }
                    }
                })
            })
            .collect();
        for w in writers {
            w.join().unwrap();
        }
        assert!(memo.len() <= 32);
    }
}
