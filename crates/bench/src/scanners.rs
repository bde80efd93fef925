//! Scanners for the device-signed phases: registered through the pairing routes as a scanner
//! registers (`POST /ECK/API/DEVICE/CHALLENGE`, then `POST /ECK/API/DEVICE/REGISTER` signed
//! with its own key), then approved by the admin key with a role (`PATCH /api/v1/devices/{id}`),
//! as an admin approves a new scanner.

use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use eckwms_device_protocol::DeviceId;
use eckwms_device_protocol::signing::{SigningKey, public_key, sign_registration};
use serde_json::{Value, json};

use crate::load::Scanner;
use crate::rng::Rng;
use crate::runner::answer;
use crate::server::Server;

/// `count` scanners `BENCH-PDA-00`, `-01`, ... registered and set active with `role`, one after
/// the other.
pub fn register(
    server: &Server,
    admin_key: &str,
    count: usize,
    role: &str,
    rng: &mut Rng,
) -> anyhow::Result<Vec<Scanner>> {
    let mut scanners = Vec::with_capacity(count);
    for n in 0..count {
        let mut seed = [0u8; 32];
        for chunk in seed.chunks_mut(8) {
            chunk.copy_from_slice(&rng.next_u64().to_le_bytes());
        }
        let id = DeviceId::parse(&format!("BENCH-PDA-{n:02}")).map_err(|e| anyhow!(e))?;
        scanners.push(Scanner {
            id,
            key: SigningKey::from_bytes(&seed),
        });
    }
    let challenge = server.url("/ECK/API/DEVICE/CHALLENGE");
    let register = server.url("/ECK/API/DEVICE/REGISTER");
    let authorization = format!("Bearer {admin_key}");
    let role = role.to_owned();
    let devices: Vec<(String, String)> = scanners
        .iter()
        .map(|s| {
            (
                s.id.as_str().to_owned(),
                server.url(&format!("/api/v1/devices/{}", s.id.as_str())),
            )
        })
        .collect();
    let bodies = scanners
        .iter()
        .map(|s| {
            (
                s.id.clone(),
                public_key(&s.key).as_str().to_owned(),
                s.key.clone(),
            )
        })
        .collect::<Vec<_>>();
    actix_rt::System::new().block_on(async move {
        let client = awc::Client::builder()
            .timeout(Duration::from_secs(30))
            .finish();
        for ((id, public, key), (name, device_url)) in bodies.iter().zip(&devices) {
            let nonce = answer(
                client.post(challenge.as_str()).send().await,
                &challenge,
                201,
            )
            .await?;
            let nonce = nonce
                .get("nonce")
                .and_then(Value::as_str)
                .with_context(|| format!("POST {challenge}: no nonce in the answer"))?
                .to_owned();
            let body = json!({
                "deviceId": name,
                "deviceName": format!("Bench scanner {name}"),
                "devicePublicKey": public,
                "nonce": nonce,
                "signature": sign_registration(key, id, &nonce),
            });
            let registered = answer(
                client.post(register.as_str()).send_json(&body).await,
                &register,
                200,
            )
            .await?;
            if registered.get("status").and_then(Value::as_str) != Some("pending") {
                bail!("POST {register} ({name}): not pending: {registered}");
            }
            let approve = json!({"status": "active", "role": role});
            let approved = answer(
                client
                    .patch(device_url.as_str())
                    .insert_header(("Authorization", authorization.as_str()))
                    .insert_header(("If-Match", "*"))
                    .send_json(&approve)
                    .await,
                device_url,
                200,
            )
            .await?;
            if approved.get("status").and_then(Value::as_str) != Some("active") {
                bail!("PATCH {device_url}: not active: {approved}");
            }
        }
        Ok(())
    })?;
    Ok(scanners)
}
