#![doc = include_str!("../README.md")]

pub mod backup;
pub mod config;
pub mod dispatch;
pub mod failure;
pub mod pool;
#[cfg(feature = "testing")]
pub mod testing;

/// The URL without its password (in the user part or as a `password=` parameter), for logs.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (base, query) = match rest.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (rest, None),
    };
    let mut out = match base.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
            None => format!("{scheme}://{base}"),
        },
        None => format!("{scheme}://{base}"),
    };
    if let Some(query) = query {
        let pairs: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}=***"),
                _ => pair.to_owned(),
            })
            .collect();
        out.push('?');
        out.push_str(&pairs.join("&"));
    }
    out
}

/// A PostgreSQL server URL with its database (the path) replaced by `name`; the query string is
/// kept. For tools and tests that create databases next to the one the URL names.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let server = base[authority_start..]
        .find('/')
        .map_or(base, |slash| &base[..authority_start + slash]);
    match query {
        Some(q) => format!("{server}/{name}?{q}"),
        None => format!("{server}/{name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact_url("postgres://eck:s3cret@db:5432/eckwms"),
            "postgres://eck:***@db:5432/eckwms"
        );
        assert_eq!(
            redact_url("postgres://eck@db/eckwms"),
            "postgres://eck@db/eckwms"
        );
        assert_eq!(
            redact_url("sqlite://data/eckwms.db"),
            "sqlite://data/eckwms.db"
        );
        assert_eq!(
            redact_url("postgres://u:p@ss@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(
            redact_url("postgres://eck:pw@/eckwms?host=/run/postgresql"),
            "postgres://eck:***@/eckwms?host=/run/postgresql"
        );
        assert_eq!(
            redact_url("postgres:///eckwms?host=/run/postgresql&password=pw&sslmode=disable"),
            "postgres:///eckwms?host=/run/postgresql&password=***&sslmode=disable"
        );
    }

    #[test]
    fn a_password_parameter_is_redacted_with_one_in_the_user_part() {
        assert_eq!(
            redact_url("postgres://u:secret@h/db?password=x&sslmode=disable"),
            "postgres://u:***@h/db?password=***&sslmode=disable"
        );
        assert_eq!(redact_url("no scheme at all"), "no scheme at all");
    }

    #[test]
    fn the_database_name_is_replaced() {
        assert_eq!(
            with_database("postgres://u@h:5432/postgres", "x"),
            "postgres://u@h:5432/x"
        );
        assert_eq!(
            with_database("postgres://u@h/postgres?sslmode=disable", "x"),
            "postgres://u@h/x?sslmode=disable"
        );
        assert_eq!(with_database("postgres://u@h", "x"), "postgres://u@h/x");
    }
}
