//! The overview wing: what the operator's dashboard shows. How many items, boxes, places and
//! orders (per status) there are, the latest rows of the ledger with who made them by name,
//! and the scans per hour of a day.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use eckwms_domain::access::Permission;
use eckwms_domain::devices::DeviceId;
use eckwms_domain::{ChangeKind, LedgerEntry, ObjectId, OrderStatus, UserId};

use crate::access::Actor;
use crate::error::{AppError, AppResult};
use crate::ports::{ActorIds, ActorNames, Clock, OverviewRepository};

#[cfg(test)]
mod tests;

/// Rows of latest activity when the caller names no number, and the most it may ask for.
pub const DEFAULT_ACTIVITY: u32 = 20;
pub const MAX_ACTIVITY: u32 = 50;
/// The hours of the scans per hour: one day from its start.
pub const HOURS: u32 = 24;

/// What the dashboard asks for, validated: how many ledger rows (1 to [`MAX_ACTIVITY`]) and
/// the start of the day whose scans are counted per hour (the current UTC day when not
/// given; a caller in another time zone passes its own midnight).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OverviewQuery {
    activity: u32,
    day_start: Option<DateTime<Utc>>,
}

impl OverviewQuery {
    /// Refuses an `activity` outside 1 to [`MAX_ACTIVITY`] (field `activity`) and a
    /// `day_start` whose day cannot be counted (field `day_start`).
    pub fn new(activity: Option<i64>, day_start: Option<DateTime<Utc>>) -> AppResult<Self> {
        let activity = match activity {
            None => DEFAULT_ACTIVITY,
            Some(n) if (1..=i64::from(MAX_ACTIVITY)).contains(&n) => n as u32,
            Some(_) => {
                return Err(AppError::invalid(
                    "activity",
                    format!("must be between 1 and {MAX_ACTIVITY}"),
                ));
            }
        };
        if let Some(start) = day_start
            && start.checked_add_signed(day()).is_none()
        {
            return Err(AppError::invalid(
                "day_start",
                "is too late to count a day from",
            ));
        }
        Ok(Self {
            activity,
            day_start,
        })
    }

    pub fn activity(&self) -> u32 {
        self.activity
    }

    pub fn day_start(&self) -> Option<DateTime<Utc>> {
        self.day_start
    }
}

impl Default for OverviewQuery {
    fn default() -> Self {
        Self {
            activity: DEFAULT_ACTIVITY,
            day_start: None,
        }
    }
}

fn day() -> Duration {
    Duration::hours(i64::from(HOURS))
}

/// What the dashboard shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Overview {
    pub items: i64,
    pub boxes: i64,
    pub places: i64,
    /// Every status of an order, in the order orders go through them, with its number of
    /// orders (zero included).
    pub orders: Vec<(OrderStatus, i64)>,
    /// The newest ledger rows, newest first.
    pub activity: Vec<Activity>,
    /// The start of the day counted in `scans_per_hour`.
    pub day_start: DateTime<Utc>,
    /// [`HOURS`] hours from `day_start`, each with its number of scans.
    pub scans_per_hour: Vec<HourOfScans>,
}

/// One ledger row of the latest activity, with who made it by name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Activity {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub object: ObjectId,
    pub kind: ChangeKind,
    pub from: Option<ObjectId>,
    pub to: Option<ObjectId>,
    pub reason: Option<String>,
    /// The scan that caused the change, when a scan did.
    pub scan_id: Option<i64>,
    /// Who made the change as the ledger records it (`user:u…`, `apikey:<id>`,
    /// `device:<id>`, `console`, with `/device:<id>` for a change made through a scanner).
    pub actor: String,
    /// Who made it, readable: the user's display name, the API key's name or the scanner's
    /// name; the actor text itself (without the scanner's part) when none is known.
    pub who: String,
    /// The scanner a user or an API key made the change through: its name, else its id.
    pub device: Option<String>,
}

/// One hour of the scans per hour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HourOfScans {
    pub start: DateTime<Utc>,
    pub scans: i64,
}

/// The ports the overview reads through.
#[derive(Clone)]
pub struct OverviewPorts {
    pub overview: Arc<dyn OverviewRepository>,
    pub clock: Arc<dyn Clock>,
}

#[derive(Clone)]
pub struct OverviewService {
    ports: OverviewPorts,
}

impl OverviewService {
    pub fn new(ports: OverviewPorts) -> Self {
        Self { ports }
    }

    /// The dashboard's data; needs [`Permission::InventoryView`].
    pub fn overview(&self, actor: &Actor, query: &OverviewQuery) -> AppResult<Overview> {
        actor.require(Permission::InventoryView)?;
        let repo = &*self.ports.overview;
        let day_start = match query.day_start {
            Some(start) => start,
            None => start_of_utc_day(self.ports.clock.now())?,
        };
        let counts = repo.counts()?;
        let stored: HashMap<OrderStatus, i64> = counts.orders.into_iter().collect();
        let orders = OrderStatus::ALL
            .into_iter()
            .map(|status| (status, stored.get(&status).copied().unwrap_or(0)))
            .collect();
        let rows = repo.latest_ledger(query.activity)?;
        let activity = self.named(rows)?;
        let scans_per_hour = self.scans_per_hour(day_start)?;
        Ok(Overview {
            items: counts.items,
            boxes: counts.boxes,
            places: counts.places,
            orders,
            activity,
            day_start,
            scans_per_hour,
        })
    }

    fn scans_per_hour(&self, day_start: DateTime<Utc>) -> AppResult<Vec<HourOfScans>> {
        let counts = self.ports.overview.scans_per_hour(day_start, HOURS)?;
        if counts.len() != HOURS as usize {
            return Err(AppError::internal(anyhow::anyhow!(
                "scans per hour: {} counts for {HOURS} hours",
                counts.len()
            )));
        }
        Ok((0..)
            .zip(counts)
            .map(|(hour, scans)| HourOfScans {
                start: day_start + Duration::hours(hour),
                scans,
            })
            .collect())
    }

    /// Ledger rows (an object's history, say) with their actors' names, as the latest
    /// activity has them; needs [`Permission::InventoryView`].
    pub fn with_names(&self, actor: &Actor, rows: Vec<LedgerEntry>) -> AppResult<Vec<Activity>> {
        actor.require(Permission::InventoryView)?;
        self.named(rows)
    }

    /// The rows with their actors' names, looked up once for all rows.
    fn named(&self, rows: Vec<LedgerEntry>) -> AppResult<Vec<Activity>> {
        let actors: Vec<ActorText> = rows.iter().map(|r| ActorText::read(&r.actor)).collect();
        let ids = ActorText::ids(&actors);
        let names = if ids.users.is_empty() && ids.api_keys.is_empty() && ids.devices.is_empty() {
            Names::default()
        } else {
            Names::from(self.ports.overview.actor_names(&ids)?)
        };
        Ok(rows
            .into_iter()
            .zip(actors)
            .map(|(row, actor)| {
                let (who, device) = actor.named(&names);
                Activity {
                    seq: row.seq,
                    at: row.at,
                    object: row.object,
                    kind: row.kind,
                    from: row.from,
                    to: row.to,
                    reason: row.reason,
                    scan_id: row.scan_id,
                    actor: row.actor,
                    who,
                    device,
                }
            })
            .collect())
    }
}

/// Midnight (UTC) of the day of `now`.
fn start_of_utc_day(now: DateTime<Utc>) -> AppResult<DateTime<Utc>> {
    now.date_naive()
        .and_hms_opt(0, 0, 0)
        .map(|midnight| midnight.and_utc())
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("no midnight on {now}")))
}

/// Who a ledger actor text names: `user:u…`, `apikey:<id>`, `device:<id>` or another text
/// (`console`), and the scanner after a `/` (`user:u…/device:PDA-7`).
#[derive(Clone, Debug, PartialEq, Eq)]
struct ActorText {
    principal: Principal,
    /// The text of the principal, shown when no name is found.
    raw: String,
    /// The scanner a user or a key acted through: the parsed id, if it is a scanner's id, and
    /// the text as recorded.
    device: Option<(Option<DeviceId>, String)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Principal {
    User(UserId),
    ApiKey(i64),
    Device(DeviceId),
    Other,
}

impl ActorText {
    fn read(actor: &str) -> Self {
        let (first, rest) = match actor.split_once('/') {
            Some((first, rest)) => (first, Some(rest)),
            None => (actor, None),
        };
        let device = rest
            .and_then(|rest| rest.strip_prefix("device:"))
            .map(|id| (DeviceId::parse(id).ok(), id.to_owned()));
        let principal = if let Some(id) = first.strip_prefix("user:") {
            UserId::parse(id).map_or(Principal::Other, Principal::User)
        } else if let Some(id) = first.strip_prefix("apikey:") {
            id.parse().map_or(Principal::Other, Principal::ApiKey)
        } else if let Some(id) = first.strip_prefix("device:") {
            DeviceId::parse(id).map_or(Principal::Other, Principal::Device)
        } else {
            Principal::Other
        };
        // A text this does not read whole (another shape of actor) is shown as it is.
        let (principal, raw, device) = match (principal, rest, device) {
            (Principal::Other, _, _) | (_, Some(_), None) => (Principal::Other, actor, None),
            (principal, _, device) => (principal, first, device),
        };
        Self {
            principal,
            raw: raw.to_owned(),
            device,
        }
    }

    /// Every id the texts name, each once.
    fn ids(actors: &[ActorText]) -> ActorIds {
        let mut ids = ActorIds::default();
        let (mut users, mut keys, mut devices) = (HashSet::new(), HashSet::new(), HashSet::new());
        for actor in actors {
            match &actor.principal {
                Principal::User(id) if users.insert(*id) => ids.users.push(*id),
                Principal::ApiKey(id) if keys.insert(*id) => ids.api_keys.push(*id),
                Principal::Device(id) if devices.insert(id.clone()) => ids.devices.push(id.clone()),
                _ => {}
            }
            if let Some((Some(id), _)) = &actor.device
                && devices.insert(id.clone())
            {
                ids.devices.push(id.clone());
            }
        }
        ids
    }

    /// Who, readable, and the scanner they acted through.
    fn named(&self, names: &Names) -> (String, Option<String>) {
        let who = match &self.principal {
            Principal::User(id) => names.users.get(id),
            Principal::ApiKey(id) => names.api_keys.get(id),
            Principal::Device(id) => names.devices.get(id),
            Principal::Other => None,
        }
        .cloned()
        .unwrap_or_else(|| self.raw.clone());
        let device = self.device.as_ref().map(|(id, raw)| {
            id.as_ref()
                .and_then(|id| names.devices.get(id))
                .cloned()
                .unwrap_or_else(|| raw.clone())
        });
        (who, device)
    }
}

/// [`ActorNames`] by id; blank names are left out (the id is shown instead).
#[derive(Default)]
struct Names {
    users: HashMap<UserId, String>,
    api_keys: HashMap<i64, String>,
    devices: HashMap<DeviceId, String>,
}

impl From<ActorNames> for Names {
    fn from(found: ActorNames) -> Self {
        fn by_id<K: std::hash::Hash + Eq>(pairs: Vec<(K, String)>) -> HashMap<K, String> {
            pairs
                .into_iter()
                .filter(|(_, name)| !name.trim().is_empty())
                .collect()
        }
        Self {
            users: by_id(found.users),
            api_keys: by_id(found.api_keys),
            devices: by_id(found.devices),
        }
    }
}
