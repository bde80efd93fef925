//! A throw-away PostgreSQL database for the PostgreSQL moves figure.

use anyhow::Context;
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};

use crate::rng::Rng;
use eckwms_db_kit::with_database;

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
    /// The database at the address of the admin URL (TCP unless that URL says otherwise).
    pub url: String,
    /// The same database over the server's Unix socket, when the server has one this process
    /// can reach.
    pub socket_url: Option<String>,
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
        let url = with_database(admin_url, &name);
        let socket_url = socket_of(&mut admin).map(|(dir, port)| over_socket(&url, &dir, &port));
        Ok(Self {
            admin_url: admin_url.to_owned(),
            url,
            socket_url,
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

#[derive(diesel::QueryableByName)]
struct Setting {
    #[diesel(sql_type = diesel::sql_types::Text)]
    value: String,
}

/// The server's first Unix socket directory and its port, when that socket exists here.
fn socket_of(admin: &mut PgConnection) -> Option<(String, String)> {
    use diesel::RunQueryDsl;
    let mut setting = |name: &str| -> Option<String> {
        diesel::sql_query(format!("SELECT current_setting('{name}') AS value"))
            .get_result::<Setting>(admin)
            .ok()
            .map(|s| s.value)
    };
    let dirs = setting("unix_socket_directories")?;
    let port = setting("port")?;
    let dir = dirs.split(',').map(str::trim).find(|d| !d.is_empty())?;
    std::path::Path::new(dir)
        .join(format!(".s.PGSQL.{port}"))
        .exists()
        .then(|| (dir.to_owned(), port))
}

/// `url` with its host and port replaced by a Unix socket directory (libpq's `host=` parameter).
fn over_socket(url: &str, dir: &str, port: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let (authority, path) = match base[authority_start..].find('/') {
        Some(slash) => base[authority_start..].split_at(slash),
        None => (&base[authority_start..], ""),
    };
    let user = authority
        .rsplit_once('@')
        .map_or(String::new(), |(u, _)| format!("{u}@"));
    let mut out = format!(
        "{}{user}{path}?host={dir}&port={port}",
        &base[..authority_start]
    );
    if let Some(q) = query {
        out.push('&');
        out.push_str(q);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn host_becomes_a_socket_directory() {
        use super::over_socket;
        assert_eq!(
            over_socket(
                "postgres://postgres@127.0.0.1:5432/b",
                "/run/postgresql",
                "5432"
            ),
            "postgres://postgres@/b?host=/run/postgresql&port=5432"
        );
        assert_eq!(
            over_socket("postgres://u:p@h/b?sslmode=disable", "/tmp", "5433"),
            "postgres://u:p@/b?host=/tmp&port=5433&sslmode=disable"
        );
        assert_eq!(
            over_socket("postgres://h:5432/b", "/tmp", "5432"),
            "postgres:///b?host=/tmp&port=5432"
        );
    }
}
