//! Password and PIN hashing: argon2id, stored as PHC strings
//! (`$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`), each with its own 16-byte salt.
//!
//! Hashing is slow on purpose (tens of milliseconds and `memory_kib` of memory at the defaults)
//! and uses no I/O: the HTTP adapter runs it on a bounded pool of its own, apart from the calls
//! into the database, so that a flood of logins waits for hashing turns instead of taking the
//! threads and connections other requests need.
//!
//! A stored hash keeps the parameters it was made with, so that changing them applies to new
//! secrets and every older hash still verifies.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::error::{AppError, AppResult};
use crate::ports::SecretSource;

/// The argon2id parameters of new hashes (`[auth]` in the configuration).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HashParams {
    /// Memory per hash, in KiB.
    pub memory_kib: u32,
    /// Passes over the memory.
    pub iterations: u32,
    /// Lanes.
    pub parallelism: u32,
}

impl Default for HashParams {
    /// The OWASP minimum for argon2id: 19 MiB, 2 passes, 1 lane.
    fn default() -> Self {
        Self {
            memory_kib: 19_456,
            iterations: 2,
            parallelism: 1,
        }
    }
}

/// Hashes and verifies passwords and PINs with argon2id.
pub struct Passwords {
    argon: Argon2<'static>,
    /// A hash of a random secret with the current parameters: what a login of an unknown
    /// user is verified against, so that it costs what a known user's login costs.
    decoy: String,
}

impl std::fmt::Debug for Passwords {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Passwords").finish_non_exhaustive()
    }
}

impl Passwords {
    /// Refuses parameters argon2 does not accept (memory below 8 KiB per lane, no pass, no lane).
    pub fn new(params: HashParams, secrets: &dyn SecretSource) -> AppResult<Self> {
        let argon = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(
                params.memory_kib,
                params.iterations,
                params.parallelism,
                None,
            )
            .map_err(|e| AppError::internal(anyhow::anyhow!("argon2 parameters: {e}")))?,
        );
        let mut passwords = Self {
            argon,
            decoy: String::new(),
        };
        let mut random = [0u8; 24];
        secrets.fill(&mut random)?;
        passwords.decoy = passwords.hash(&hex::encode(random), secrets)?;
        Ok(passwords)
    }

    /// A PHC string of `secret` with a fresh salt.
    pub fn hash(&self, secret: &str, secrets: &dyn SecretSource) -> AppResult<String> {
        let mut salt = [0u8; 16];
        secrets.fill(&mut salt)?;
        let salt = SaltString::encode_b64(&salt)
            .map_err(|e| AppError::internal(anyhow::anyhow!("salt: {e}")))?;
        self.argon
            .hash_password(secret.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| AppError::internal(anyhow::anyhow!("argon2: {e}")))
    }

    /// Whether `secret` matches the stored PHC string (with the parameters it holds). A stored
    /// text that is no PHC string matches nothing.
    pub fn verify(&self, stored: &str, secret: &str) -> bool {
        PasswordHash::new(stored).is_ok_and(|parsed| {
            self.argon
                .verify_password(secret.as_bytes(), &parsed)
                .is_ok()
        })
    }

    /// Verifies `secret` against the decoy hash: the cost of a verification whose answer is
    /// no (a login of an unknown user, or of a user without a PIN).
    pub fn verify_decoy(&self, secret: &str) -> bool {
        // The decoy's secret is random and never shown: the answer is no either way.
        std::hint::black_box(self.verify(&self.decoy, secret));
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::system::OsSecrets;

    fn fast() -> Passwords {
        let params = HashParams {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
        };
        Passwords::new(params, &OsSecrets).unwrap()
    }

    #[test]
    fn a_hash_verifies_its_secret_only() {
        let p = fast();
        let stored = p.hash("correct horse", &OsSecrets).unwrap();
        assert!(
            stored.starts_with("$argon2id$v=19$m=64,t=1,p=1$"),
            "{stored}"
        );
        assert!(p.verify(&stored, "correct horse"));
        assert!(!p.verify(&stored, "correct horsE"));
        assert!(!p.verify("not a hash", "correct horse"));
        assert!(!p.verify_decoy("correct horse"));
        // Fresh salt: the same secret twice gives two hashes.
        assert_ne!(stored, p.hash("correct horse", &OsSecrets).unwrap());
    }

    #[test]
    fn older_parameters_still_verify() {
        let old = fast();
        let stored = old.hash("0420", &OsSecrets).unwrap();
        let new = Passwords::new(
            HashParams {
                memory_kib: 128,
                iterations: 2,
                parallelism: 1,
            },
            &OsSecrets,
        )
        .unwrap();
        assert!(new.verify(&stored, "0420"));
    }

    #[test]
    fn parameters_argon2_refuses_are_refused() {
        let bad = HashParams {
            memory_kib: 1,
            iterations: 0,
            parallelism: 1,
        };
        assert!(Passwords::new(bad, &OsSecrets).is_err());
    }
}
