//! A throw-away PostgreSQL database for the PostgreSQL moves figure.

use anyhow::Context;
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};

use crate::rng::Rng;

/// The admin URL tried when none is given.
pub const DEFAULT_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// The server to use: `--pg-url`, else `ECKWMS_TEST_PG_URL`, else the default when it answers.
pub fn admin_url(flag: Option<&str>) -> Option<String> {
    if let Some(url) = flag.filter(|u| !u.is_empty()) {
        return Some(url.to_owned());
    }
    if let Some(url) = std::env::var("ECKWMS_TEST_PG_URL")
        .ok()
        .filter(|u| !u.is_empty())
    {
        return Some(url);
    }
    PgConnection::establish(DEFAULT_ADMIN_URL)
        .ok()
        .map(|_| DEFAULT_ADMIN_URL.to_owned())
}

/// A database created for this run; dropped (with its connections) when this value is.
pub struct BenchDatabase {
    admin_url: String,
    pub name: String,
    pub url: String,
}

impl BenchDatabase {
    pub fn create(admin_url: &str) -> anyhow::Result<Self> {
        let name = format!(
            "eckwms_bench_{:016x}",
            Rng::new(Rng::random_seed()).next_u64()
        );
        let mut admin = PgConnection::establish(admin_url).with_context(|| {
            format!(
                "connecting to PostgreSQL at {}",
                eckwms_adapter_db::redact_url(admin_url)
            )
        })?;
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .with_context(|| format!("creating database {name}"))?;
        Ok(Self {
            admin_url: admin_url.to_owned(),
            url: with_database(admin_url, &name),
            name,
        })
    }

    pub fn drop_now(&self) -> anyhow::Result<()> {
        let mut admin = PgConnection::establish(&self.admin_url)?;
        admin.batch_execute(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ))?;
        Ok(())
    }
}

impl Drop for BenchDatabase {
    fn drop(&mut self) {
        if let Err(e) = self.drop_now() {
            eprintln!("bench: dropping database {}: {e:#}", self.name);
        }
    }
}

/// The URL with its database name (the path) replaced; the query string is kept.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let root = match base[authority_start..].find('/') {
        Some(slash) => &base[..authority_start + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{root}/{name}?{q}"),
        None => format!("{root}/{name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn database_is_replaced() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/postgres", "b"),
            "postgres://postgres@127.0.0.1:5432/b"
        );
        assert_eq!(
            with_database("postgres://u:p@h/db?sslmode=disable", "b"),
            "postgres://u:p@h/b?sslmode=disable"
        );
        assert_eq!(with_database("postgres://u@h", "b"), "postgres://u@h/b");
    }
}
