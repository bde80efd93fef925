//! The web UI section: the pages an operator's browser asks for most, the dashboard (`GET /`)
//! and a box's page (`GET /boxes/{id}`: its fields, where it is, 50 of its contents and 50 rows
//! of its history with who made them), on the large SQLite database (1M ledger rows).
//!
//! The pages are asked for as a browser asks for them: with the session cookie, which is what
//! they read (not `Authorization`). The user is made with the operator's command (`eckwms user
//! create`, the password on standard input) and logs in through `POST /api/v1/auth/login`. The
//! load generator does not follow redirects, so a page that sends the client to the login
//! (`303`, the cookie not taken) counts as an error.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use crate::fmt::{cpu_text, fmt_ms, group, summary};
use crate::load::Work;
use crate::logins::{LOGIN_PATH, log_in};
use crate::report::{Check, Phase, Section};
use crate::runner::{Runner, secs};
use crate::seed;
use crate::server::{Server, eckwms_command};
use crate::sqlite::{large_plan, seed_line, short_count, sqlite_url};

/// The user the pages are read as.
pub const USERNAME: &str = "bench-ui";
/// Its role: one that sees the dashboard and the objects' pages (inventory.view).
const ROLE: &str = "MANAGER";
/// The cookie the pages read the session from (`eckwms_adapter_http::auth::SESSION_COOKIE`).
const SESSION_COOKIE: &str = "eckwms_session";
/// The pages' p99 target.
pub const P99_MS: f64 = 50.0;
/// The largest HTML a page may be, in bytes (100 KB).
pub const MAX_HTML_BYTES: usize = 100_000;
/// Rows of contents and of history a box page shows (the web UI's page size).
const PAGE_ROWS: usize = 50;
/// Largest HTML body read when a page is fetched once.
const BODY_LIMIT: usize = 16 * 1024 * 1024;

/// The targets of this section, for "not measured" when it fails.
pub const TARGETS: [&str; 4] = [
    "W1: the dashboard (`GET /`, session cookie) at 1M ledger rows: p99 < 50 ms, 200 on every request",
    "W2: a box's page (`GET /boxes/{id}`: 50 contents, 50 history rows) at 1M ledger rows: p99 < 50 ms, 200 on every request",
    "W1: the dashboard's HTML < 100 KB",
    "W2: a box page's HTML < 100 KB",
];

/// The box whose page is read: the busiest of the seeded boxes holding at least a page of items.
#[derive(Clone, Debug, QueryableByName)]
pub struct BusyBox {
    #[diesel(sql_type = Text)]
    pub id: String,
    /// Items directly in it.
    #[diesel(sql_type = BigInt)]
    pub items: i64,
    /// Ledger rows naming it (its history: every move into it, out of it, or of it).
    #[diesel(sql_type = BigInt)]
    pub refs: i64,
}

/// A page fetched once, checked: its HTML.
struct Fetched {
    body: String,
}

/// What the section measured on one database.
pub struct UiRun {
    pub dashboard: Phase,
    pub boxed: Phase,
    pub dashboard_bytes: usize,
    pub box_bytes: usize,
    pub busy: BusyBox,
    /// Rows of the box page's contents and history tables, counted in its HTML.
    pub contents_rows: usize,
    pub history_rows: usize,
}

/// The section on its own (`--ui-only`): seeds the large SQLite database, starts the service
/// on it, measures, stops it.
pub fn section(runner: &mut Runner<'_>, eckwms: &Path, work: &Path) -> Section {
    let mut seeds = Vec::new();
    let result = (|| -> anyhow::Result<Section> {
        let (cli, log) = (runner.cli, runner.log);
        let plan = large_plan(cli);
        let url = sqlite_url(&work.join("ui").join("eckwms.db"));
        log.line(&format!(
            "ui: seeding the large SQLite database: {} items, >= {} ledger rows",
            group(plan.items as u64),
            group(plan.ledger_rows)
        ));
        let seeded = seed::seed(&url, &plan, runner.rng.next_u64(), &|l| log.line(l))?;
        log.line(&format!(
            "  seeded in {}: {} ledger rows",
            secs(seeded.total_time),
            group(seeded.ledger_rows)
        ));
        seeds.push(seed_line("SQLite, large (web UI section)", &seeded, &plan));
        let label = format!("SQLite, {} ledger rows", short_count(seeded.ledger_rows));
        let dir = work.join("run-ui");
        let (server, _key) = Server::eckwms(eckwms, &url, &dir)?;
        let section = on_server(runner, eckwms, &server, &url, &dir, &label);
        let stopped = server.stop()?;
        log.line(&format!("ui: eckwms stopped: {stopped}"));
        Ok(section)
    })();
    match result {
        Ok(mut section) => {
            section.seeds = seeds;
            section
        }
        Err(e) => {
            let mut section = failed(runner, &e);
            section.seeds = seeds;
            section
        }
    }
}

/// The section on a service already running on the database at `db_url` (`label` names it:
/// "SQLite, 1.00M ledger rows"); the operator's command runs in `dir`. A failure is reported
/// ("not measured", with its cause) rather than ending the run.
pub fn on_server(
    runner: &mut Runner<'_>,
    eckwms: &Path,
    server: &Server,
    db_url: &str,
    dir: &Path,
    label: &str,
) -> Section {
    match measure(runner, eckwms, server, db_url, dir, label) {
        Ok(run) => Section {
            checks: checks(&run),
            settings: settings(runner.cli.read_clients),
            notes: vec![note(&run)],
            ..Section::default()
        },
        Err(e) => failed(runner, &e),
    }
}

fn failed(runner: &Runner<'_>, e: &anyhow::Error) -> Section {
    let failed = format!("the web UI section failed: {e:#}");
    runner.log.line(&failed);
    Section::not_measured(&TARGETS, &failed)
}

/// Makes the user, logs in, picks the box, fetches both pages once (status, size, rows), then
/// loads each.
pub fn measure(
    runner: &mut Runner<'_>,
    eckwms: &Path,
    server: &Server,
    db_url: &str,
    dir: &Path,
    label: &str,
) -> anyhow::Result<UiRun> {
    let (cli, log) = (runner.cli, runner.log);
    let password = format!(
        "{:016x}{:016x}",
        runner.rng.next_u64(),
        runner.rng.next_u64()
    );
    let printed = eckwms_command(
        eckwms,
        db_url,
        dir,
        &[
            "user",
            "create",
            "--username",
            USERNAME,
            "--role",
            ROLE,
            "--display-name",
            "Bench UI",
        ],
        &format!("{password}\n"),
    )?;
    if !printed.trim().is_empty() {
        bail!("eckwms user create printed a password although one was given: it was not read");
    }
    let token = log_in(server, USERNAME, &password)?;
    let cookie = format!("{SESSION_COOKIE}={token}");
    log.line(&format!(
        "ui: user {USERNAME} ({ROLE}) made with `eckwms user create`, logged in"
    ));

    let busy = busy_box(db_url)?;
    if busy.items < PAGE_ROWS as i64 || busy.refs < PAGE_ROWS as i64 {
        bail!(
            "no seeded box holds {PAGE_ROWS} items with {PAGE_ROWS} ledger rows (the busiest: \
             {} with {} items, {} ledger rows)",
            busy.id,
            busy.items,
            busy.refs
        );
    }
    log.line(&format!(
        "ui: box {} holds {} items; {} ledger rows name it",
        busy.id,
        group(busy.items as u64),
        group(busy.refs as u64)
    ));
    let dashboard_url = server.url("/");
    let box_url = server.url(&format!("/boxes/{}", busy.id));
    let dashboard_page = fetch(&dashboard_url, &cookie)?;
    if !dashboard_page.body.contains("id=\"counts\"") {
        bail!("GET /: the page has no counts: not the dashboard");
    }
    let box_page = fetch(&box_url, &cookie)?;
    let (contents_rows, history_rows) = box_rows(&box_page.body)?;
    if contents_rows != PAGE_ROWS || history_rows != PAGE_ROWS {
        bail!(
            "GET /boxes/{}: {contents_rows} contents rows and {history_rows} history rows, not \
             {PAGE_ROWS} of each",
            busy.id
        );
    }
    let (dashboard_bytes, box_bytes) = (dashboard_page.body.len(), box_page.body.len());
    log.line(&format!(
        "ui: the dashboard is {} bytes of HTML, the box page {} bytes ({contents_rows} contents \
         rows, {history_rows} history rows)",
        group(dashboard_bytes as u64),
        group(box_bytes as u64)
    ));

    let dashboard = runner.phase(
        "W1",
        "`GET /` (the dashboard), session cookie",
        label,
        server.pid,
        cli.read_clients,
        None,
        Work::GetWithHeader {
            header: "Cookie",
            targets: vec![(dashboard_url, cookie.clone())],
        },
    )?;
    let boxed = runner.phase(
        "W2",
        "`GET /boxes/{id}` (a box's page: 50 contents, 50 history rows), session cookie",
        &format!(
            "{label}; a box holding {} items, {} ledger rows naming it",
            group(busy.items as u64),
            group(busy.refs as u64)
        ),
        server.pid,
        cli.read_clients,
        None,
        Work::GetWithHeader {
            header: "Cookie",
            targets: vec![(box_url, cookie)],
        },
    )?;
    Ok(UiRun {
        dashboard,
        boxed,
        dashboard_bytes,
        box_bytes,
        busy,
        contents_rows,
        history_rows,
    })
}

/// One page with the session cookie, redirects not followed: it must answer 200 with HTML.
fn fetch(url: &str, cookie: &str) -> anyhow::Result<Fetched> {
    let (url, cookie) = (url.to_owned(), cookie.to_owned());
    actix_rt::System::new().block_on(async move {
        let client = awc::Client::builder()
            .timeout(Duration::from_secs(30))
            .disable_redirects()
            .finish();
        let mut response = client
            .get(url.as_str())
            .insert_header(("Cookie", cookie.as_str()))
            .send()
            .await
            .map_err(|e| anyhow!("GET {url}: {e}"))?;
        let status = response.status();
        let location = response
            .headers()
            .get("Location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let content_type = response
            .headers()
            .get("Content-Type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let bytes = response
            .body()
            .limit(BODY_LIMIT)
            .await
            .map_err(|e| anyhow!("GET {url}: {e}"))?;
        if status.as_u16() != 200 {
            bail!(
                "GET {url}: {status}{}",
                if location.is_empty() {
                    String::new()
                } else {
                    format!(" to {location} (the session cookie was not taken)")
                }
            );
        }
        if !content_type.starts_with("text/html") {
            bail!("GET {url}: Content-Type {content_type:?}, not HTML");
        }
        let body = String::from_utf8(bytes.to_vec())
            .with_context(|| format!("GET {url}: the HTML is not UTF-8"))?;
        Ok(Fetched { body })
    })
}

/// Rows of a box page's contents table and history table (each less its head row).
fn box_rows(html: &str) -> anyhow::Result<(usize, usize)> {
    let section = |id: &str| -> anyhow::Result<&str> {
        let start = html
            .find(&format!("id=\"{id}\""))
            .ok_or_else(|| anyhow!("the box page has no {id} section"))?;
        let rest = html.get(start..).unwrap_or("");
        Ok(rest.find("</section>").map_or(rest, |end| &rest[..end]))
    };
    let rows = |part: &str| part.matches("<tr>").count().saturating_sub(1);
    Ok((rows(section("contents")?), rows(section("history")?)))
}

/// The seeded box holding at least a page of items with the most ledger rows naming it.
fn busy_box(url: &str) -> anyhow::Result<BusyBox> {
    let sql = format!(
        "SELECT id, items, refs FROM (SELECT b.id AS id, \
         (SELECT count(*) FROM items i WHERE i.parent_box = b.id) AS items, \
         (SELECT count(*) FROM ledger_refs r WHERE r.object_id = b.id) AS refs \
         FROM boxes b) t ORDER BY CASE WHEN items >= {PAGE_ROWS} THEN 0 ELSE 1 END, refs DESC \
         LIMIT 1"
    );
    let found = if let Some(path) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    {
        let mut conn = SqliteConnection::establish(path)?;
        diesel::sql_query(sql).get_result::<BusyBox>(&mut conn)
    } else {
        let mut conn = PgConnection::establish(url)?;
        diesel::sql_query(sql).get_result::<BusyBox>(&mut conn)
    };
    found.context("finding a box with a long history")
}

fn checks(run: &UiRun) -> Vec<Check> {
    let [dashboard_p99, box_p99, dashboard_size, box_size] = TARGETS;
    vec![
        page_check(
            dashboard_p99,
            &run.dashboard,
            "The dashboard counts the items, boxes, places and orders by status, reads the \
             latest 20 ledger rows with who made them, and today's scans per hour.",
        ),
        page_check(
            box_p99,
            &run.boxed,
            &format!(
                "The box page reads the box, where it is, the first page of its contents ({} \
                 items in it) and the first page of its history ({} ledger rows name it) with \
                 who made each change, and the session's user on every request.",
                group(run.busy.items as u64),
                group(run.busy.refs as u64)
            ),
        ),
        size_check(dashboard_size, run.dashboard_bytes, "the dashboard"),
        size_check(
            box_size,
            run.box_bytes,
            &format!(
                "the box page ({} contents rows, {} history rows)",
                run.contents_rows, run.history_rows
            ),
        ),
    ]
}

fn page_check(target: &str, phase: &Phase, about: &str) -> Check {
    let o = &phase.outcome;
    let p99 = o.percentile_ms(99.0);
    let pass = p99 < P99_MS && o.errors == 0;
    let mut why = Vec::new();
    if p99 >= P99_MS {
        why.push(format!("p99 {} ms", fmt_ms(p99)));
    }
    if o.errors > 0 {
        let kinds: Vec<String> = o
            .error_kinds
            .iter()
            .map(|(k, n)| format!("{k}: {n}"))
            .collect();
        why.push(format!(
            "{} requests did not answer 200 ({}; 303 is the way to the login: the session \
             cookie was not taken)",
            group(o.errors),
            kinds.join("; ")
        ));
    }
    Check {
        target: target.into(),
        measured: format!(
            "{} ({} clients; max {} ms)",
            summary(o),
            o.clients,
            fmt_ms(o.max_ms())
        ),
        pass: Some(pass),
        note: format!(
            "{}{about} CPU during the phase: {}.",
            if why.is_empty() {
                String::new()
            } else {
                format!("{}. ", why.join("; "))
            },
            cpu_text(&phase.cpu)
        ),
    }
}

fn size_check(target: &str, bytes: usize, what: &str) -> Check {
    Check {
        target: target.into(),
        measured: format!(
            "{} bytes ({:.1} KB)",
            group(bytes as u64),
            bytes as f64 / 1000.0
        ),
        pass: Some(bytes < MAX_HTML_BYTES),
        note: format!(
            "the HTML of {what} is {} bytes, more than {} (100 KB); the style sheet and the \
             script are separate, cached files and not counted.",
            group(bytes as u64),
            group(MAX_HTML_BYTES as u64)
        ),
    }
}

/// One sentence of what the run saw, for the notes.
fn note(run: &UiRun) -> String {
    format!(
        "Web UI: the box read by W2 is `{}`, the seeded box holding at least {PAGE_ROWS} items \
         that the most ledger rows name ({} items in it, {} ledger rows); its page showed {} \
         contents rows and {} history rows (the first page of each, as a person opening it \
         sees). The dashboard's HTML was {} bytes, the box page's {} bytes. Each page was \
         fetched once before its phase and checked to answer 200 with HTML; the load generator \
         does not follow redirects, so a request sent to the login (303) would count as an \
         error.",
        run.busy.id,
        group(run.busy.items as u64),
        group(run.busy.refs as u64),
        run.contents_rows,
        run.history_rows,
        group(run.dashboard_bytes as u64),
        group(run.box_bytes as u64)
    )
}

/// The section's settings rows for the report.
pub fn settings(clients: usize) -> Vec<(String, String)> {
    vec![(
        "Web UI section".into(),
        format!(
            "on the large SQLite database, the service already started on it (in `make bench`: \
             after the read phases, before the writes); a user `{USERNAME}` of role {ROLE} made \
             with `eckwms user create --username {USERNAME} --role {ROLE}` (its password on \
             standard input), logged in once with `POST {LOGIN_PATH}`; every page request \
             carries `Cookie: {SESSION_COOKIE}=<its session token>` and no `Authorization`; \
             W1 `GET /`, W2 `GET /boxes/{{id}}` of one box, {clients} closed-loop clients each \
             (`--read-clients`); the browser's time zone and language cookies are not sent \
             (UTC, English)"
        ),
    )]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_counted_per_section_without_the_head() {
        let html = "<section id=\"contents\"><table><thead><tr><th>a</th></tr></thead>\
                    <tbody><tr><td>1</td></tr><tr><td>2</td></tr></tbody></table></section>\
                    <section id=\"history\"><table><thead><tr><th>b</th></tr></thead>\
                    <tbody><tr><td>3</td></tr></tbody></table></section>";
        assert_eq!(box_rows(html).unwrap(), (2, 1));
        assert!(box_rows("<section id=\"contents\"></section>").is_err());
    }
}
