//! Setting the global service up for the bench through its real interfaces: its configuration,
//! enrollment, registration and pairing of every instance, and the check that what the proxy
//! answers is what the instance answers.

use std::fmt::Write as _;
use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use awc::http::Method;
use serde_json::{Value, json};

use super::*;

pub(crate) fn global_config(port: u16, db_url: &str, admin_key: &str) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# Written by eckwms-bench for one run.");
    let _ = writeln!(
        s,
        "[http]\nbind = \"127.0.0.1:{port}\"\nworkers = {SERVER_WORKERS}\n"
    );
    let _ = writeln!(s, "[database]\nurl = \"{db_url}\"\n");
    let _ = writeln!(s, "[auth]\nadmin_key = \"{admin_key}\"\n");
    let _ = writeln!(s, "[service]\npublic_url = \"http://127.0.0.1:{port}\"\n");
    let _ = writeln!(s, "[proxy]\nallow_loopback = true\n");
    let _ = writeln!(
        s,
        "[proxy.rate_limit]\nper_instance = {UNREACHED_RATE}\nper_client = {UNREACHED_RATE}\n"
    );
    let _ = writeln!(s, "[log]\nlevel = \"warn\"");
    s
}

pub(super) fn port_of(base: &str) -> anyhow::Result<u16> {
    base.rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .ok_or_else(|| anyhow!("no port in {base}"))
}

/// A random UUID (version 4 layout) from the bench's generator.
pub(super) fn uuid(rng: &mut Rng) -> String {
    let (a, b) = (rng.next_u64(), rng.next_u64());
    let a = (a & 0xFFFF_FFFF_FFFF_0FFF) | 0x0000_0000_0000_4000;
    let b = (b & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000;
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xFFFF,
        a & 0xFFFF,
        b >> 48,
        b & 0xFFFF_FFFF_FFFF
    )
}

/// An Ed25519 public key (64 hex digits) of a key made from the bench's generator.
pub(super) fn public_key(rng: &mut Rng) -> String {
    let mut secret = [0u8; 32];
    for chunk in secret.chunks_mut(8) {
        chunk.copy_from_slice(&rng.next_u64().to_le_bytes());
    }
    let key = ed25519_dalek::SigningKey::from_bytes(&secret).verifying_key();
    key.to_bytes().iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// Registration over HTTP: the enrollments, registrations and pairing tokens.
pub(super) struct Setup {
    pub(super) base: String,
    pub(super) admin_key: String,
    pub(super) upstream_port: u16,
    pub(super) first_token: String,
    pub(super) count: usize,
    pub(super) seed: u64,
}

/// Concurrent registrations (each one a few write transactions).
pub(super) const SETUP_TASKS: usize = 8;

impl Setup {
    pub(super) async fn register_all(self) -> anyhow::Result<(Registered, Vec<Registered>)> {
        let client = awc::Client::builder()
            .timeout(Duration::from_secs(30))
            .finish();
        let mut rng = Rng::new(self.seed);
        let target = register(
            &client,
            &self.base,
            &self.first_token,
            &uuid(&mut rng),
            &public_key(&mut rng),
            "192.168.1.10",
            self.upstream_port,
        )
        .await
        .context("registering the upstream")?;
        let mut tasks = Vec::new();
        let others = self.count - 1;
        for t in 0..SETUP_TASKS {
            let share = others / SETUP_TASKS + usize::from(t < others % SETUP_TASKS);
            let client = client.clone();
            let base = self.base.clone();
            let admin = self.admin_key.clone();
            let mut rng = Rng::new(rng.next_u64());
            tasks.push(actix_rt::spawn(async move {
                let mut done = Vec::with_capacity(share);
                for i in 0..share {
                    let (_, token) = call(
                        &client,
                        Method::POST,
                        &format!("{base}/ECK/API/ADMIN/ENROLLMENTS"),
                        &[("Authorization", format!("Bearer {admin}"))],
                        Some(json!({"name": format!("Bench site {t}-{i}")})),
                        201,
                    )
                    .await?;
                    let token = text(&token, "token")?;
                    let lan = format!("192.168.{}.{}", 1 + rng.below(254), 1 + rng.below(254));
                    done.push(
                        register(
                            &client,
                            &base,
                            &token,
                            &uuid(&mut rng),
                            &public_key(&mut rng),
                            &lan,
                            3100,
                        )
                        .await?,
                    );
                }
                anyhow::Ok(done)
            }));
        }
        let mut registered = Vec::with_capacity(others);
        for task in tasks {
            registered.extend(
                task.await
                    .map_err(|e| anyhow!("a registration task failed: {e}"))??,
            );
        }
        Ok((target, registered))
    }
}

/// Registers one instance with its enrollment token, then makes it a pairing token.
pub(super) async fn register(
    client: &awc::Client,
    base: &str,
    token: &str,
    id: &str,
    public_key: &str,
    lan: &str,
    port: u16,
) -> anyhow::Result<Registered> {
    let (_, registered) = call(
        client,
        Method::POST,
        &format!("{base}/ECK/API/INTERNAL/REGISTER-INSTANCE"),
        &[("X-Enrollment-Token", token.to_owned())],
        Some(json!({"instanceId": id, "serverPublicKey": public_key, "localIps": [lan], "port": port})),
        201,
    )
    .await?;
    let key = text(&registered, "apiKey")?;
    let (_, pairing) = call(
        client,
        Method::POST,
        &format!("{base}/ECK/API/INTERNAL/PAIRING-TOKEN"),
        &[("Authorization", format!("Bearer {key}"))],
        Some(json!({"ttlSecs": 86_400})),
        201,
    )
    .await?;
    Ok(Registered {
        id: id.to_owned(),
        pairing_token: text(&pairing, "token")?,
    })
}

pub(super) fn text(v: &Value, field: &str) -> anyhow::Result<String> {
    v.get(field)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| anyhow!("the answer has no {field}: {v}"))
}

/// One request; anything but the `expected` status is an error. Returns the headers' `Via`
/// and the body (JSON, or `Null` when it is not JSON) and its raw bytes' length.
pub(super) async fn call(
    client: &awc::Client,
    method: Method,
    url: &str,
    headers: &[(&str, String)],
    body: Option<Value>,
    expected: u16,
) -> anyhow::Result<(Answer, Value)> {
    let mut request = client.request(method.clone(), url);
    for (name, value) in headers {
        request = request.insert_header((*name, value.as_str()));
    }
    let sent = match body {
        Some(body) => request.send_json(&body).await,
        None => request.send().await,
    };
    let mut response = sent.map_err(|e| anyhow!("{method} {url}: {e}"))?;
    let status = response.status();
    let via = response
        .headers()
        .get("via")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let bytes = response
        .body()
        .limit(4 * 1024 * 1024)
        .await
        .map_err(|e| anyhow!("{method} {url}: {e}"))?;
    if status.as_u16() != expected {
        bail!(
            "{method} {url}: {status} (expected {expected}): {}",
            String::from_utf8_lossy(&bytes)
        );
    }
    let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Ok((
        Answer {
            via,
            body: bytes.to_vec(),
        },
        json,
    ))
}

pub(super) struct Answer {
    pub(super) via: String,
    pub(super) body: Vec<u8>,
}

/// What the checks before the phases found.
pub(super) struct Verified {
    /// The proxy candidate's URL, `<public_url>/ECK/PROXY/<id>`.
    pub(super) proxy_base: String,
    pub(super) body_bytes: usize,
    pub(super) via: String,
    /// Size of an anonymous discovery answer.
    pub(super) discovery_bytes: usize,
}

/// Discovery answers as documented, and the proxy returns exactly what the instance returns.
pub(super) async fn verify(
    base: &str,
    upstream: &str,
    target: &Registered,
    other: Option<&Registered>,
    item: &str,
    api_key: &str,
) -> anyhow::Result<Verified> {
    let client = awc::Client::builder()
        .timeout(Duration::from_secs(30))
        .finish();
    let discovery = |id: &str| format!("{base}/ECK/API/INTERNAL/GET-INSTANCE-INFO/{id}");
    let (anonymous_answer, anonymous) =
        call(&client, Method::GET, &discovery(&target.id), &[], None, 200).await?;
    let candidates = anonymous
        .get("candidates")
        .and_then(Value::as_array)
        .ok_or_else(|| anyhow!("discovery answered no candidates: {anonymous}"))?;
    let proxy_base = match candidates.as_slice() {
        [only] if only.get("type").and_then(Value::as_str) == Some("GLOBAL_PROXY") => {
            text(only, "url")?
        }
        _ => bail!("an anonymous lookup must get the proxy candidate only: {anonymous}"),
    };
    if proxy_base != format!("{base}/ECK/PROXY/{}", target.id) {
        bail!("unexpected proxy candidate {proxy_base}");
    }
    if let Some(other) = other {
        let (_, paired) = call(
            &client,
            Method::GET,
            &discovery(&other.id),
            &[(PAIRING_TOKEN_HEADER, other.pairing_token.clone())],
            None,
            200,
        )
        .await?;
        let lan = paired
            .get("candidates")
            .and_then(Value::as_array)
            .is_some_and(|c| {
                c.iter()
                    .any(|c| c.get("type").and_then(Value::as_str) == Some("LOCAL_LAN"))
            });
        if !lan {
            bail!("a lookup with the pairing token got no LAN candidate: {paired}");
        }
    }
    let auth = [("Authorization", format!("Bearer {api_key}"))];
    let (direct, _) = call(
        &client,
        Method::GET,
        &format!("{upstream}{item}"),
        &auth,
        None,
        200,
    )
    .await?;
    let (proxied, _) = call(
        &client,
        Method::GET,
        &format!("{proxy_base}{item}"),
        &auth,
        None,
        200,
    )
    .await?;
    if direct.body != proxied.body {
        bail!(
            "the proxied body differs from the direct one:\n{}\n{}",
            String::from_utf8_lossy(&direct.body),
            String::from_utf8_lossy(&proxied.body)
        );
    }
    if !proxied.via.contains("eckwms-global") {
        bail!(
            "the proxied answer has no Via of eckwms-global ({:?})",
            proxied.via
        );
    }
    Ok(Verified {
        proxy_base,
        body_bytes: direct.body.len(),
        via: proxied.via,
        discovery_bytes: anonymous_answer.body.len(),
    })
}
