//! The load generator: N concurrent keep-alive clients for a fixed time, every latency kept.
//!
//! The clients are spread over a few OS threads, each running its own single-threaded actix
//! runtime with one `awc` client (and so one connection pool); every client is a task that
//! sends its next request as soon as the previous response body has been read (closed loop).

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow};

use eckwms_device_protocol::DeviceId;
use eckwms_device_protocol::signing::{SigningKey, request_headers};

use crate::rng::Rng;

/// Longest a single request may take before it counts as an error.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Largest response body read (a page of 500 contents entries is far below this).
const BODY_LIMIT: usize = 16 * 1024 * 1024;

/// What one unit of work (one measured latency) is.
#[derive(Debug)]
pub enum Work {
    /// One GET of a URL picked at random from the list.
    Get(Vec<String>),
    /// GETs of every URL in order, one after the other; the latency covers all of them.
    Chain(Vec<String>),
    /// One GET of a (URL, header value) pair picked at random: a request whose credential
    /// depends on its URL (a pairing token per instance). `header` is the header's name.
    GetWithHeader {
        header: &'static str,
        targets: Vec<(String, String)>,
    },
    /// One POST of a JSON body picked at random from the list (a login of a random user).
    Post { url: String, bodies: Vec<String> },
    /// One `POST /api/v1/moves` of a random object to a random container.
    Move {
        url: String,
        objects: Vec<String>,
        targets: Vec<String>,
    },
    /// One `POST /api/v1/moves` within a small hot set: one of `items` and `boxes` picked at
    /// random; an item goes to a random box or place, a box to a random place (never into a
    /// box, so no move is refused as a cycle).
    HotMove {
        url: String,
        items: Vec<String>,
        boxes: Vec<String>,
        places: Vec<String>,
    },
    /// A scanner putting an item into a box: `POST /api/v1/scans` of a random item (it joins
    /// the device's set; not measured), then of a random box, which moves the item into it (the
    /// measured unit). Every client is its own device.
    ScanIntoBox {
        url: String,
        items: Vec<String>,
        boxes: Vec<String>,
    },
    /// The same scans as [`Work::ScanIntoBox`], each request signed by a registered scanner
    /// instead of carrying the `Authorization` header: client `n` is `scanners[n]` (cycling
    /// when there are more clients), and its scans name it as their `device_id`.
    SignedScanIntoBox {
        url: String,
        /// The path and query the signature covers (`/api/v1/scans`).
        path: String,
        items: Vec<String>,
        boxes: Vec<String>,
        scanners: Arc<Vec<Scanner>>,
        /// Per client number, its units signed before the phase (see [`SignedScans`]).
        prepared: Arc<SignedScans>,
    },
}

/// A registered scanner the bench speaks for: its id and its signing key.
#[derive(Debug)]
pub struct Scanner {
    pub id: DeviceId,
    pub key: SigningKey,
}

/// One scan as a scanner sends it: its body and the headers of its signature.
#[derive(Debug)]
pub struct SignedScan {
    body: String,
    headers: [(&'static str, String); 3],
}

impl SignedScan {
    /// The scan of `barcode` with `msg_id` by `scanner`, signed at `timestamp`.
    fn new(scanner: &Scanner, path: &str, barcode: &str, msg_id: &str, timestamp: i64) -> Self {
        let body = scan_body(barcode, msg_id, scanner.id.as_str());
        let headers = request_headers(
            &scanner.key,
            &scanner.id,
            "POST",
            path,
            timestamp,
            body.as_bytes(),
        );
        Self { body, headers }
    }
}

/// The units of the signed scans, signed before their phase, for each client number: a
/// scanner signs on its own processor, while here the load generator shares the service's
/// cores, so signing during the phase would slow the service it measures. A client that runs
/// out signs its next units as it sends them.
#[derive(Debug, Default)]
pub struct SignedScans {
    /// Per client: units (the item's scan, then the box's), in order.
    queues: Vec<std::sync::Mutex<VecDeque<[SignedScan; 2]>>>,
    /// The `msg_id`s are `<prefix>.<client>.<n>`: `prefix` tells the phases apart.
    prefix: String,
    /// The `n` of a client's first `msg_id` after its prepared units.
    next_message: u64,
}

impl SignedScans {
    /// `per_client` units for each of `clients` clients, each a random item of `items` into a
    /// random box of `boxes`, signed now by the client's scanner; `prefix` begins their
    /// `msg_id`s (a new one for every phase, so that no scan repeats another's).
    #[allow(clippy::too_many_arguments)]
    pub fn prepare(
        prefix: &str,
        scanners: &[Scanner],
        clients: usize,
        per_client: usize,
        path: &str,
        items: &[String],
        boxes: &[String],
        rng: &mut Rng,
    ) -> anyhow::Result<Self> {
        let now = chrono::Utc::now().timestamp();
        let mut queues = Vec::with_capacity(clients);
        for number in 0..clients {
            let scanner = scanner_of(scanners, number).context("no scanner to sign with")?;
            let mut queue = VecDeque::with_capacity(per_client);
            for unit in 0..per_client as u64 {
                let item = rng.pick(items).context("no item to scan")?;
                let boxed = rng.pick(boxes).context("no box to scan")?;
                let msg_id = |n: u64| format!("{prefix}.{number}.{n}");
                queue.push_back([
                    SignedScan::new(scanner, path, item, &msg_id(2 * unit + 1), now),
                    SignedScan::new(scanner, path, boxed, &msg_id(2 * unit + 2), now),
                ]);
            }
            queues.push(std::sync::Mutex::new(queue));
        }
        Ok(Self {
            queues,
            prefix: prefix.to_owned(),
            next_message: 2 * per_client as u64,
        })
    }

    /// Client `number`'s queue, taken (it is the only one to use it).
    fn take(&self, number: usize) -> VecDeque<[SignedScan; 2]> {
        self.queues
            .get(number)
            .and_then(|q| q.lock().ok().map(|mut q| std::mem::take(&mut *q)))
            .unwrap_or_default()
    }
}

fn scanner_of(scanners: &[Scanner], number: usize) -> Option<&Scanner> {
    match scanners.len() {
        0 => None,
        n => scanners.get(number % n),
    }
}

/// One load phase.
#[derive(Debug)]
pub struct Spec {
    pub clients: usize,
    pub threads: usize,
    pub warmup: Duration,
    pub duration: Duration,
    /// `Authorization` header value, when the endpoint needs one.
    pub authorization: Option<String>,
    /// `None`: closed loop, each client sends its next unit as soon as the last one is done.
    /// `Some(t)`: a client starts a unit at most every `t` (a probe that keeps a low rate
    /// whatever the service's speed); when a unit took longer, the next one starts at once.
    pub pace: Option<Duration>,
    pub work: Work,
}

/// What a load phase measured.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    pub clients: usize,
    /// Units started inside the measured window (and completed, successfully or not).
    pub units: u64,
    /// Units with a non-2xx status or a transport error.
    pub errors: u64,
    /// Error kind (status or transport message) and count.
    pub error_kinds: BTreeMap<String, u64>,
    /// From the window's start until the last measured unit completed (at least the duration).
    pub window: Duration,
    /// Every measured latency, in microseconds, sorted.
    pub latencies_us: Vec<u64>,
}

/// The p-th percentile of `sorted` (ascending) by nearest rank; `None` when it is empty.
pub fn nearest_rank<T: Copy>(sorted: &[T], p: f64) -> Option<T> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let rank = ((p / 100.0) * n as f64).ceil() as usize;
    sorted.get(rank.clamp(1, n) - 1).copied()
}

impl Outcome {
    pub fn per_second(&self) -> f64 {
        self.units as f64 / self.window.as_secs_f64().max(1e-9)
    }

    /// The p-th percentile (nearest rank), in milliseconds; NaN without latencies.
    pub fn percentile_ms(&self, p: f64) -> f64 {
        nearest_rank(&self.latencies_us, p).map_or(f64::NAN, |us| us as f64 / 1000.0)
    }

    pub fn max_ms(&self) -> f64 {
        self.latencies_us.last().copied().unwrap_or(0) as f64 / 1000.0
    }

    fn merge(&mut self, other: Partial) {
        self.units += other.units;
        self.errors += other.errors;
        for (kind, n) in other.error_kinds {
            *self.error_kinds.entry(kind).or_default() += n;
        }
        self.latencies_us.extend(other.latencies_us);
    }
}

/// What one client task measured.
#[derive(Debug, Default)]
struct Partial {
    units: u64,
    errors: u64,
    error_kinds: BTreeMap<String, u64>,
    latencies_us: Vec<u64>,
    last_done: Option<Instant>,
}

/// The measured window, shared by every thread.
#[derive(Clone, Copy, Debug)]
struct Window {
    measure_from: Instant,
    stop_at: Instant,
}

/// Runs one phase to its end and returns the merged measurements.
pub fn run(spec: Spec, seed: u64) -> anyhow::Result<Outcome> {
    run_together(vec![spec], seed)?
        .pop()
        .ok_or_else(|| anyhow!("a phase without an outcome"))
}

/// Runs several phases at the same time, each on threads of its own, with one start: each
/// warms up and is measured over its own times counted from that start (the same window when
/// their times are the same). Their outcomes, in the order of `specs`.
pub fn run_together(specs: Vec<Spec>, seed: u64) -> anyhow::Result<Vec<Outcome>> {
    let start = Instant::now();
    let mut started = Vec::with_capacity(specs.len());
    for (s, spec) in specs.into_iter().enumerate() {
        let spec = Arc::new(spec);
        let threads = spec.threads.clamp(1, spec.clients.max(1));
        let window = Window {
            measure_from: start + spec.warmup,
            stop_at: start + spec.warmup + spec.duration,
        };
        let mut handles = Vec::with_capacity(threads);
        let mut first = 0;
        for t in 0..threads {
            // Clients split as evenly as possible over the threads.
            let clients = spec.clients / threads + usize::from(t < spec.clients % threads);
            let spec = spec.clone();
            let thread_seed = seed ^ ((t as u64 + 1) << 32) ^ ((s as u64) << 48);
            let handle = std::thread::Builder::new()
                .name(format!("load-{s}-{t}"))
                .spawn(move || run_thread(&spec, first..first + clients, thread_seed, window))
                .context("starting a load thread")?;
            handles.push(handle);
            first += clients;
        }
        started.push((spec.clients, window, handles));
    }
    let mut outcomes = Vec::with_capacity(started.len());
    for (clients, window, handles) in started {
        let mut outcome = Outcome {
            clients,
            ..Outcome::default()
        };
        let mut last_done = window.stop_at;
        for handle in handles {
            let partials = handle
                .join()
                .map_err(|_| anyhow!("a load thread panicked"))??;
            for partial in partials {
                if let Some(done) = partial.last_done {
                    last_done = last_done.max(done);
                }
                outcome.merge(partial);
            }
        }
        outcome.window = last_done.saturating_duration_since(window.measure_from);
        outcome.latencies_us.sort_unstable();
        outcomes.push(outcome);
    }
    Ok(outcomes)
}

/// Runs the clients numbered `clients` (their numbers count over every thread of the phase).
fn run_thread(
    spec: &Arc<Spec>,
    clients: std::ops::Range<usize>,
    seed: u64,
    window: Window,
) -> anyhow::Result<Vec<Partial>> {
    let system = actix_rt::System::new();
    system.block_on(async move {
        let client = awc::Client::builder()
            .connector(awc::Connector::new().limit(clients.len().max(1) * 2))
            .timeout(REQUEST_TIMEOUT)
            .disable_redirects()
            .finish();
        let mut tasks = Vec::with_capacity(clients.len());
        for number in clients.clone() {
            let rng = Rng::new(seed.wrapping_add(number as u64));
            tasks.push(actix_rt::spawn(client_loop(
                client.clone(),
                spec.clone(),
                number,
                rng,
                window,
            )));
        }
        let mut partials = Vec::with_capacity(clients.len());
        for task in tasks {
            partials.push(
                task.await
                    .map_err(|e| anyhow!("a client task failed: {e}"))?,
            );
        }
        Ok(partials)
    })
}

/// What a client keeps between its units: its number in the phase, its device id and message
/// counter (scans).
struct ClientState {
    number: usize,
    device: String,
    messages: u64,
    /// Its signed units not sent yet, and the prefix of the `msg_id`s it signs itself (signed
    /// scans).
    prepared: VecDeque<[SignedScan; 2]>,
    prefix: String,
}

async fn client_loop(
    client: awc::Client,
    spec: Arc<Spec>,
    number: usize,
    mut rng: Rng,
    window: Window,
) -> Partial {
    let mut partial = Partial::default();
    let (device, prepared, prefix, messages) = match &spec.work {
        Work::SignedScanIntoBox {
            scanners, prepared, ..
        } => (
            scanner_of(scanners, number).map(|s| s.id.as_str().to_owned()),
            prepared.take(number),
            prepared.prefix.clone(),
            prepared.next_message,
        ),
        _ => (None, VecDeque::new(), String::new(), 0),
    };
    let mut state = ClientState {
        number,
        device: device.unwrap_or_else(|| format!("BENCH-{:016x}", rng.next_u64())),
        messages,
        prepared,
        prefix,
    };
    // A paced client's first unit starts at a random point of its first interval, so that
    // the probes do not all send at once.
    let mut next_start = Instant::now()
        + spec.pace.map_or(Duration::ZERO, |p| {
            p.mul_f64(rng.below(1000) as f64 / 1000.0)
        });
    loop {
        let began = Instant::now();
        if began >= window.stop_at {
            break;
        }
        if let Some(pace) = spec.pace {
            next_start = next_start.max(began);
            actix_rt::time::sleep_until(next_start.into()).await;
            next_start += pace;
            if Instant::now() >= window.stop_at {
                break;
            }
        }
        let began = Instant::now();
        let (result, measured_from) = match run_unit(&client, &spec, &mut rng, &mut state).await {
            Ok(from) => (Ok(()), from),
            Err(e) => (Err(e), None),
        };
        let began = measured_from.unwrap_or(began);
        let done = Instant::now();
        if began < window.measure_from {
            continue;
        }
        partial.units += 1;
        let micros = u64::try_from(done.duration_since(began).as_micros()).unwrap_or(u64::MAX);
        partial.latencies_us.push(micros);
        partial.last_done = Some(done);
        if let Err(kind) = result {
            partial.errors += 1;
            *partial.error_kinds.entry(kind).or_default() += 1;
        }
    }
    partial
}

/// One unit of work; `Err` holds a short description of what went wrong. `Ok(Some(t))`: the
/// unit's measured part began at `t` (what came before it was preparation).
async fn run_unit(
    client: &awc::Client,
    spec: &Spec,
    rng: &mut Rng,
    state: &mut ClientState,
) -> Result<Option<Instant>, String> {
    match &spec.work {
        Work::Get(urls) => {
            let url = rng.pick(urls).ok_or("no URL to load")?;
            get(client, spec, url).await.map(|()| None)
        }
        Work::Post { url, bodies } => {
            let body = rng.pick(bodies).ok_or("no body to post")?;
            let mut request = client.post(url.as_str()).content_type("application/json");
            if let Some(auth) = &spec.authorization {
                request = request.insert_header(("Authorization", auth.as_str()));
            }
            finish(request.send_body(body.clone()).await)
                .await
                .map(|()| None)
        }
        Work::GetWithHeader { header, targets } => {
            let (url, value) = rng.pick(targets).ok_or("no URL to load")?;
            let mut request = client.get(url.as_str());
            if let Some(auth) = &spec.authorization {
                request = request.insert_header(("Authorization", auth.as_str()));
            }
            let request = request.insert_header((*header, value.as_str()));
            finish(request.send().await).await.map(|()| None)
        }
        Work::Chain(urls) => {
            for url in urls {
                get(client, spec, url).await?;
            }
            Ok(None)
        }
        Work::ScanIntoBox { url, items, boxes } => {
            let item = rng.pick(items).ok_or("no item to scan")?;
            let boxed = rng.pick(boxes).ok_or("no box to scan")?;
            scan(client, spec, url, state, item).await?;
            let measured_from = Instant::now();
            scan(client, spec, url, state, boxed).await?;
            Ok(Some(measured_from))
        }
        Work::SignedScanIntoBox {
            url,
            path,
            items,
            boxes,
            scanners,
            ..
        } => {
            let [first, second] = match state.prepared.pop_front() {
                Some(unit) => unit,
                None => {
                    // Out of prepared units: signed now.
                    let scanner =
                        scanner_of(scanners, state.number).ok_or("no scanner to sign with")?;
                    let item = rng.pick(items).ok_or("no item to scan")?;
                    let boxed = rng.pick(boxes).ok_or("no box to scan")?;
                    let now = chrono::Utc::now().timestamp();
                    state.messages += 2;
                    let msg_id = |n: u64| format!("{}.{}.{n}", state.prefix, state.number);
                    [
                        SignedScan::new(scanner, path, item, &msg_id(state.messages - 1), now),
                        SignedScan::new(scanner, path, boxed, &msg_id(state.messages), now),
                    ]
                }
            };
            send_signed(client, url, first).await?;
            let measured_from = Instant::now();
            send_signed(client, url, second).await?;
            Ok(Some(measured_from))
        }
        Work::Move {
            url,
            objects,
            targets,
        } => {
            let object = rng.pick(objects).ok_or("no object to move")?;
            let to = rng.pick(targets).ok_or("no target to move to")?;
            post_move(client, spec, url, object, to)
                .await
                .map(|()| None)
        }
        Work::HotMove {
            url,
            items,
            boxes,
            places,
        } => {
            let pick = rng.below(items.len() + boxes.len());
            let (object, to) = match items.get(pick) {
                Some(item) => {
                    let slot = rng.below(boxes.len() + places.len());
                    let to = boxes
                        .get(slot)
                        .or_else(|| places.get(slot.saturating_sub(boxes.len())));
                    (item, to)
                }
                None => (
                    boxes
                        .get(pick.saturating_sub(items.len()))
                        .ok_or("no object to move")?,
                    rng.pick(places),
                ),
            };
            let to = to.ok_or("no target to move to")?;
            post_move(client, spec, url, object, to)
                .await
                .map(|()| None)
        }
    }
}

/// `POST /api/v1/moves` of one object.
async fn post_move(
    client: &awc::Client,
    spec: &Spec,
    url: &str,
    object: &str,
    to: &str,
) -> Result<(), String> {
    let body = format!(r#"{{"object":"{object}","to":"{to}"}}"#);
    let mut request = client.post(url).content_type("application/json");
    if let Some(auth) = &spec.authorization {
        request = request.insert_header(("Authorization", auth.as_str()));
    }
    finish(request.send_body(body).await).await
}

async fn scan(
    client: &awc::Client,
    spec: &Spec,
    url: &str,
    state: &mut ClientState,
    barcode: &str,
) -> Result<(), String> {
    state.messages += 1;
    let body = scan_body(barcode, &state.messages.to_string(), &state.device);
    let mut request = client.post(url).content_type("application/json");
    if let Some(auth) = &spec.authorization {
        request = request.insert_header(("Authorization", auth.as_str()));
    }
    finish(request.send_body(body).await).await
}

fn scan_body(barcode: &str, msg_id: &str, device: &str) -> String {
    format!(r#"{{"barcode":"{barcode}","msg_id":"{msg_id}","device_id":"{device}"}}"#)
}

/// `POST` of a signed scan (no `Authorization`).
async fn send_signed(client: &awc::Client, url: &str, scan: SignedScan) -> Result<(), String> {
    let mut request = client.post(url).content_type("application/json");
    for header in scan.headers {
        request = request.insert_header(header);
    }
    finish(request.send_body(scan.body).await).await
}

async fn get(client: &awc::Client, spec: &Spec, url: &str) -> Result<(), String> {
    let mut request = client.get(url);
    if let Some(auth) = &spec.authorization {
        request = request.insert_header(("Authorization", auth.as_str()));
    }
    finish(request.send().await).await
}

/// Reads the whole body; a non-2xx status is an error.
async fn finish(
    sent: Result<awc::ClientResponse, awc::error::SendRequestError>,
) -> Result<(), String> {
    let mut response = sent.map_err(|e| short(&format!("send: {e}")))?;
    let status = response.status();
    response
        .body()
        .limit(BODY_LIMIT)
        .await
        .map_err(|e| short(&format!("body: {e}")))?;
    if status.is_success() {
        Ok(())
    } else {
        Err(format!("HTTP {}", status.as_u16()))
    }
}

fn short(text: &str) -> String {
    text.chars().take(100).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_nearest_rank() {
        let outcome = Outcome {
            units: 100,
            window: Duration::from_secs(2),
            latencies_us: (1..=100).map(|v| v * 1000).collect(),
            ..Outcome::default()
        };
        assert_eq!(outcome.percentile_ms(50.0), 50.0);
        assert_eq!(outcome.percentile_ms(99.0), 99.0);
        assert_eq!(outcome.percentile_ms(100.0), 100.0);
        assert_eq!(outcome.max_ms(), 100.0);
        assert_eq!(outcome.per_second(), 50.0);
        assert!(Outcome::default().percentile_ms(99.0).is_nan());
    }
}
