//! Labels: fresh ids printed as label sheets, reprints of existing ids, users' badges (labels of
//! their ids, with their names: what an operator scans to log in on a scanner), and the pairing
//! QR of this instance.

use eckwms_domain::access::Permission;

use crate::access::Actor;
use eckwms_problems::ProblemCode;
use std::sync::Arc;

use eckwms_codes::{Decoder, check};
use eckwms_domain::{IdKind, ObjectId};
use eckwms_labels::{Label, Layout};

use crate::error::{AppError, AppResult};
use crate::ports::{
    Clock, IdentityRepository, InstanceIdentity, LabelPrint, LabelRepository, SecretSource,
};

/// Random bytes one label's three codes may draw (three 12-byte nonces, with room to spare).
const RANDOM_PER_LABEL: usize = 64;

/// Most labels in one request: 10 A4 sheets of 2 x 16.
pub const MAX_LABELS: usize = 320;

/// Which ids a sheet shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selection {
    /// `n` ids never used before, allocated now.
    Fresh(usize),
    /// Ids printed before (or created otherwise), printed again.
    Reprint(Vec<ObjectId>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SheetFormat {
    Pdf,
    Svg,
    Json,
}

impl SheetFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            SheetFormat::Pdf => "pdf",
            SheetFormat::Svg => "svg",
            SheetFormat::Json => "json",
        }
    }
}

/// One printed label's content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabelContent {
    pub id: ObjectId,
    /// The three label codes: hosts ECK1, ECK2, ECK3.
    pub codes: [String; 3],
    /// The id's number without padding, as printed.
    pub number: String,
    /// The two check characters of `number`.
    pub check: String,
    pub caption: Option<String>,
}

/// A rendered sheet: the print as recorded, its labels, and the document when one was asked for.
#[derive(Clone, Debug)]
pub struct Sheet {
    pub print: LabelPrint,
    pub labels: Vec<LabelContent>,
    /// Content type and bytes (PDF or SVG); `None` for the JSON format.
    pub document: Option<(&'static str, Vec<u8>)>,
}

#[derive(Clone)]
pub struct LabelService {
    repo: Arc<dyn LabelRepository>,
    identity: Arc<dyn IdentityRepository>,
    decoder: Arc<Decoder>,
    secrets: Arc<dyn SecretSource>,
    clock: Arc<dyn Clock>,
    layout: Layout,
    /// The global service's URL, written into the pairing QR.
    global_url: Option<String>,
}

/// What a label's kind word says.
fn kind_word(kind: IdKind) -> &'static str {
    match kind {
        IdKind::Item => "ITEM",
        IdKind::Box => "BOX",
        IdKind::Place => "PLACE",
        IdKind::Order => "ORDER",
        IdKind::User => "USER",
        IdKind::Label => "LABEL",
    }
}

impl LabelService {
    pub fn new(
        repo: Arc<dyn LabelRepository>,
        identity: Arc<dyn IdentityRepository>,
        decoder: Arc<Decoder>,
        secrets: Arc<dyn SecretSource>,
        clock: Arc<dyn Clock>,
        layout: Layout,
        global_url: Option<String>,
    ) -> Self {
        Self {
            repo,
            identity,
            decoder,
            secrets,
            clock,
            layout,
            global_url,
        }
    }

    /// Allocates (or takes) the ids, records the print and renders the sheet. Nothing is
    /// allocated or recorded when the request is invalid or no label key is configured. Needs
    /// [`Permission::LabelsPrint`].
    pub fn print(
        &self,
        kind: IdKind,
        selection: &Selection,
        format: SheetFormat,
        actor: &Actor,
    ) -> AppResult<Sheet> {
        actor.require(Permission::LabelsPrint)?;
        let actor = actor.ledger_name();
        // A user exists before their badge (users are made by an admin, not by a scan).
        if kind == IdKind::User && matches!(selection, Selection::Fresh(_)) {
            return Err(AppError::invalid(
                "count",
                "badges are printed for existing users: give their ids",
            ));
        }
        // A place exists before its label: it belongs to a warehouse (and maybe a rack cell),
        // which a scan cannot tell. Place labels are printed for places that exist.
        if kind == IdKind::Place && matches!(selection, Selection::Fresh(_)) {
            return Err(AppError::invalid(
                "count",
                "place labels are printed for existing places: give their ids",
            ));
        }
        let count = match selection {
            Selection::Fresh(n) => *n,
            Selection::Reprint(ids) => {
                for (i, id) in ids.iter().enumerate() {
                    if id.kind() != kind {
                        return Err(AppError::invalid(
                            format!("ids[{i}]"),
                            format!("is a {}, not a {kind}", id.kind()),
                        ));
                    }
                }
                let mut sorted = ids.clone();
                sorted.sort();
                sorted.dedup();
                if sorted.len() != ids.len() {
                    return Err(AppError::invalid("ids", "must not repeat an id"));
                }
                ids.len()
            }
        };
        if count == 0 || count > MAX_LABELS {
            return Err(AppError::invalid(
                match selection {
                    Selection::Fresh(_) => "count",
                    Selection::Reprint(_) => "ids",
                },
                format!("must be between 1 and {MAX_LABELS} labels"),
            ));
        }
        // Asked before anything is allocated.
        self.require_label_key()?;
        // Every badge names a user who exists, and shows their name.
        let badges = match selection {
            Selection::Reprint(ids) if kind == IdKind::User => {
                let subjects = self.repo.label_subjects(ids)?;
                if let Some((i, missing)) = ids
                    .iter()
                    .enumerate()
                    .find(|(_, id)| !subjects.iter().any(|s| s.id == **id))
                {
                    return Err(AppError::invalid(
                        format!("ids[{i}]"),
                        format!("user {missing} does not exist"),
                    ));
                }
                Some(subjects)
            }
            _ => None,
        };
        let at = self.clock.now();
        let print = match selection {
            Selection::Fresh(n) => {
                self.repo
                    .allocate_and_record(kind, *n, format.as_str(), &actor, at)?
            }
            Selection::Reprint(ids) => {
                self.repo
                    .record_reprint(kind, ids, format.as_str(), &actor, at)?
            }
        };
        let captions: std::collections::HashMap<ObjectId, Option<String>> = match kind {
            IdKind::User => badges
                .unwrap_or_default()
                .into_iter()
                .map(|s| (s.id, s.caption))
                .collect(),
            IdKind::Place | IdKind::Item | IdKind::Box | IdKind::Order => self
                .repo
                .label_subjects(&print.objects)?
                .into_iter()
                .map(|s| (s.id, s.caption))
                .collect(),
            _ => Default::default(),
        };
        let mut labels = Vec::with_capacity(print.objects.len());
        for id in &print.objects {
            let codes = self.encode_codes(*id)?;
            let number = id.number().to_string();
            labels.push(LabelContent {
                id: *id,
                codes,
                check: check::check_chars(&number),
                number,
                caption: captions.get(id).cloned().flatten(),
            });
        }
        let document = match format {
            SheetFormat::Json => None,
            SheetFormat::Pdf | SheetFormat::Svg => {
                let sheet: Vec<Label> = labels
                    .iter()
                    .map(|l| Label {
                        codes: l.codes.clone(),
                        number: l.number.clone(),
                        check: l.check.clone(),
                        kind: kind_word(kind).to_owned(),
                        caption: l.caption.clone(),
                    })
                    .collect();
                Some(if format == SheetFormat::Pdf {
                    (
                        "application/pdf",
                        eckwms_labels::pdf(&sheet, &self.layout)
                            .map_err(|e| AppError::internal(anyhow::anyhow!("pdf: {e}")))?,
                    )
                } else {
                    (
                        "image/svg+xml",
                        eckwms_labels::svg(&sheet, &self.layout)
                            .map_err(|e| AppError::internal(anyhow::anyhow!("svg: {e}")))?
                            .into_bytes(),
                    )
                })
            }
        };
        Ok(Sheet {
            print,
            labels,
            document,
        })
    }

    /// Refuses (409 `label_key_missing`) while no v2 label key is configured: labels, and
    /// whatever else carries a label code, are never printed unencrypted.
    fn require_label_key(&self) -> AppResult<()> {
        if self.decoder.can_print() {
            Ok(())
        } else {
            Err(AppError::refused(
                ProblemCode::LabelKeyMissing,
                "no label key is configured (codes.v2_key): labels are never printed unencrypted",
            ))
        }
    }

    /// The three codes a printed label of `id` carries (hosts ECK1, ECK2, ECK3; ECK1 is the
    /// large one), each with a fresh nonce, for documents other than label sheets that carry
    /// an object's label code (the customer's RMA slip). Nothing is recorded. Refused (409
    /// `label_key_missing`) without a v2 key. The caller checks its own permission.
    pub fn label_codes(&self, id: ObjectId) -> AppResult<[String; 3]> {
        self.require_label_key()?;
        self.encode_codes(id)
    }

    fn encode_codes(&self, id: ObjectId) -> AppResult<[String; 3]> {
        // The codes crate draws its nonces from a filler that cannot fail: it gets them from
        // randomness fetched beforehand, and running short is an error.
        let mut random = [0u8; RANDOM_PER_LABEL];
        self.secrets.fill(&mut random)?;
        let mut used = 0;
        let mut short = false;
        let codes = {
            let mut fill = |buf: &mut [u8]| match random.get(used..used + buf.len()) {
                Some(bytes) => {
                    buf.copy_from_slice(bytes);
                    used += buf.len();
                }
                None => short = true,
            };
            self.decoder.label_texts(id, &mut fill)
        }
        .map_err(|e| AppError::internal(anyhow::anyhow!("label code: {e}")))?;
        if short {
            return Err(AppError::internal(anyhow::anyhow!(
                "label codes asked for more than {RANDOM_PER_LABEL} random bytes"
            )));
        }
        Ok(codes)
    }

    /// This instance's identity, made (once, also with several processes) on first use.
    pub fn identity(&self) -> AppResult<InstanceIdentity> {
        let mut seed = [0u8; 32];
        self.secrets.fill(&mut seed)?;
        let signing = ed25519_dalek::SigningKey::from_bytes(&seed);
        let mut uuid = [0u8; 16];
        self.secrets.fill(&mut uuid)?;
        // A random (version 4) UUID.
        uuid[6] = (uuid[6] & 0x0f) | 0x40;
        uuid[8] = (uuid[8] & 0x3f) | 0x80;
        let candidate = InstanceIdentity {
            instance_id: format_uuid(&uuid),
            public_key: signing.verifying_key().to_bytes().to_vec(),
            secret_key: seed.to_vec(),
        };
        self.identity
            .identity_or_insert(&candidate, self.clock.now())
    }

    /// The text of the pairing QR: `ECK$1$<uuid, no dashes, uppercase>$<public key, hex
    /// uppercase>$<global URL, uppercase>` (reference section 4).
    pub fn pairing_text(&self) -> AppResult<String> {
        let Some(global) = self.global_url.as_deref() else {
            return Err(AppError::refused(
                ProblemCode::GlobalUrlMissing,
                "pairing needs the global service's URL (pairing.global_url)",
            ));
        };
        let identity = self.identity()?;
        Ok(format!(
            "ECK$1${}${}${}",
            identity.instance_id.replace('-', "").to_uppercase(),
            hex_upper(&identity.public_key),
            global.to_uppercase()
        ))
    }

    /// The pairing QR as PNG or SVG. Needs [`Permission::DevicesManage`]: it lets a scanner pair with this
    /// instance.
    pub fn pairing_qr(&self, actor: &Actor, png: bool) -> AppResult<(&'static str, Vec<u8>)> {
        actor.require(Permission::DevicesManage)?;
        let text = self.pairing_text()?;
        let failed = |e: eckwms_labels::LabelError| AppError::internal(anyhow::anyhow!("{e}"));
        Ok(if png {
            (
                "image/png",
                eckwms_labels::qr_png(&text, 8).map_err(failed)?,
            )
        } else {
            (
                "image/svg+xml",
                eckwms_labels::qr_svg(&text).map_err(failed)?.into_bytes(),
            )
        })
    }
}

fn hex_upper(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

fn format_uuid(bytes: &[u8; 16]) -> String {
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests;
