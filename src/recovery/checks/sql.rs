//! The `sql` probe: connect to the recovered database, run a query read-only and compare what
//! it returns with the check's expectations: `min_rows`, an exact value (`expect`), or
//! `max_age` on a timestamp (the newest row), which also measures the recovery point.
//!
//! Credentials come from the `password` argument (a sensitive variable) or a Secrets Manager
//! secret (`secret_id`, as RDS stores them: JSON with `username` and `password`). A password is
//! held in [`Secret`], which never prints; errors name the call, never the value.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use super::sql_engines::{self, Rows};
use super::{Context, Seen, text};
use crate::eval::Value;
use crate::expand::checks::{ENGINES, TLS_MODES};
use crate::timefmt::rfc3339;
use crate::timefmt::{format_duration, parse_duration};

#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Engine {
    Postgres,
    Mysql,
}

impl Engine {
    fn parse(name: &str) -> Option<Engine> {
        match name {
            "postgres" | "postgresql" | "aurora-postgresql" => Some(Engine::Postgres),
            "mysql" | "mariadb" | "aurora-mysql" => Some(Engine::Mysql),
            _ => None,
        }
    }

    fn default_port(self) -> u16 {
        match self {
            Engine::Postgres => 5432,
            Engine::Mysql => 3306,
        }
    }

    fn scheme(self) -> &'static str {
        match self {
            Engine::Postgres => "postgres",
            Engine::Mysql => "mysql",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub(super) enum Tls {
    Disable,
    /// Encrypted; the certificate is not checked (libpq's `sslmode=require`).
    Require,
    /// Encrypted to a certificate that chains to the system's roots or `ca_file`.
    VerifyFull {
        ca_file: Option<PathBuf>,
    },
}

/// A password: it never prints, in `Debug` or anywhere else.
pub(super) struct Secret(String);

impl Secret {
    pub(super) fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("(sensitive)")
    }
}

/// Where and as whom a check connects.
#[derive(Debug)]
pub(super) struct Connection {
    pub engine: Engine,
    pub host: String,
    pub port: u16,
    pub database: Option<String>,
    pub username: String,
    pub password: Secret,
    pub tls: Tls,
}

/// What the query's rows must show.
#[derive(Debug, Default, PartialEq)]
struct Expectations {
    min_rows: Option<u64>,
    expect: Option<String>,
    max_age: Option<Duration>,
}

fn engine(args: &BTreeMap<String, Value>) -> Result<Engine, String> {
    let name = text(args, "engine").ok_or("engine is not known")?;
    Engine::parse(&name).ok_or_else(|| format!("engine {name:?} is not one of {}", ENGINES.join(", ")))
}

fn port(args: &BTreeMap<String, Value>, engine: Engine) -> Result<u16, String> {
    match text(args, "port") {
        None => Ok(engine.default_port()),
        Some(p) => p.parse().map_err(|_| format!("port {p:?} is not a port number")),
    }
}

fn tls(args: &BTreeMap<String, Value>) -> Result<Tls, String> {
    let ca_file = text(args, "ca_file").map(PathBuf::from);
    match text(args, "tls").as_deref().unwrap_or("require") {
        "require" => Ok(Tls::Require),
        "verify-full" => Ok(Tls::VerifyFull { ca_file }),
        "disable" => Ok(Tls::Disable),
        other => Err(format!("tls {other:?} is not one of {}", TLS_MODES.join(", "))),
    }
}

fn expectations(args: &BTreeMap<String, Value>) -> Result<Expectations, String> {
    let min_rows = match text(args, "min_rows") {
        None => None,
        Some(n) => Some(n.parse().map_err(|_| format!("min_rows {n:?} is not a whole number"))?),
    };
    let max_age = match text(args, "max_age") {
        None => None,
        Some(d) => Some(Duration::from_secs(parse_duration(&d).map_err(|e| format!("max_age: {e}"))?)),
    };
    Ok(Expectations { min_rows, expect: text(args, "expect"), max_age })
}

/// The user name and password: the arguments, or the secret `secret_id` names (RDS's JSON
/// with `username` and `password`, or a plain string that is the password).
fn credentials(args: &BTreeMap<String, Value>, ctx: &Context) -> Result<(String, Secret), String> {
    let username = text(args, "username");
    let Some(id) = text(args, "secret_id") else {
        let password = text(args, "password")
            .ok_or("no credentials: password and secret_id are both null or unknown (set one, e.g. with --var)")?;
        return Ok((username.ok_or("username is not known")?, Secret(password)));
    };
    let secret = Secret(ctx.secrets.secret_string(&id)?);
    match serde_json::from_str::<serde_json::Value>(secret.expose()) {
        Ok(serde_json::Value::Object(fields)) => {
            let field = |k: &str| fields.get(k).and_then(|v| v.as_str()).map(str::to_string);
            let password = field("password").ok_or_else(|| format!("secret {id} has no \"password\" key"))?;
            let username = username
                .or_else(|| field("username"))
                .ok_or_else(|| format!("secret {id} has no \"username\" key and the check sets no username"))?;
            Ok((username, Secret(password)))
        }
        _ => Ok((username.ok_or("username is not known (the secret is a plain password)")?, secret)),
    }
}

fn connection(args: &BTreeMap<String, Value>, ctx: &Context) -> Result<Connection, String> {
    let engine = engine(args)?;
    let (username, password) = credentials(args, ctx)?;
    Ok(Connection {
        engine,
        host: text(args, "host").ok_or("host is not known")?,
        port: port(args, engine)?,
        database: text(args, "database"),
        username,
        password,
        tls: tls(args)?,
    })
}

/// One attempt: connect, query, compare.
pub(super) fn probe(
    args: &BTreeMap<String, Value>,
    ctx: &Context,
    timeout: Duration,
    seen: &mut Seen,
) -> Result<(), String> {
    let want = expectations(args)?;
    let conn = connection(args, ctx)?;
    let query = text(args, "query").ok_or("query is not known")?;
    let rows = sql_engines::query(&conn, &query, timeout)?;
    judge(&rows, &want, SystemTime::now(), ctx.declared_at, seen)
}

/// Compares `rows` with `want`; a `max_age` check also measures the recovery point: how much
/// older than `declared_at` (or `now`) the newest row is.
fn judge(
    rows: &Rows,
    want: &Expectations,
    now: SystemTime,
    declared_at: Option<SystemTime>,
    seen: &mut Seen,
) -> Result<(), String> {
    let plural = if rows.count == 1 { "" } else { "s" };
    let mut observed = format!("{} row{plural}", rows.count);
    let first = rows.first.as_ref().map(|v| v.as_deref().unwrap_or("NULL"));
    let mut failures = Vec::new();
    if let Some(min) = want.min_rows
        && rows.count < min
    {
        failures.push(format!("the query returned {} row{plural}, expected at least {min}", rows.count));
    }
    if let Some(expect) = &want.expect {
        let got = first.unwrap_or("no rows");
        observed.push_str(&format!(", first value {}", clip(got)));
        if got != expect {
            failures.push(format!("the query returned {}, expected {expect:?}", clip(got)));
        }
    }
    if let Some(max_age) = want.max_age {
        match rows.first.as_ref().and_then(|v| v.as_deref()) {
            None => failures.push("the query returned no timestamp (no rows, or NULL): the data is missing".into()),
            Some(value) => {
                let newest = parse_timestamp(value)?;
                observed.push_str(&format!(", newest {}", rfc3339(newest)));
                let reference = declared_at.unwrap_or(now);
                let age = reference.duration_since(newest).unwrap_or_default();
                seen.measured_rpo_seconds = Some((age.as_millis() as f64 / 1000.0).max(0.0));
                if age > max_age {
                    let from = if declared_at.is_some() { "the failure was declared" } else { "the check" };
                    failures.push(format!(
                        "the newest row ({}) is {} older than {from}; max_age is {}",
                        rfc3339(newest),
                        format_duration(age.as_secs()),
                        format_duration(max_age.as_secs())
                    ));
                }
            }
        }
    }
    seen.observed = Some(observed);
    if failures.is_empty() { Ok(()) } else { Err(failures.join("; ")) }
}

/// A value for a message: at most 80 characters.
fn clip(value: &str) -> String {
    match value.char_indices().nth(80) {
        Some((i, _)) => format!("{:?}...", &value[..i]),
        None => format!("{value:?}"),
    }
}

/// A timestamp as the engines print it: `2026-12-04 06:00:00.123+00` (PostgreSQL with an
/// offset), `2026-12-04 06:00:00` (no zone: UTC, as the session's time zone is set to UTC),
/// RFC 3339, or a date alone (midnight UTC).
fn parse_timestamp(value: &str) -> Result<SystemTime, String> {
    let bad = || format!("the query returned {}, which is not a timestamp", clip(value));
    let v = value.trim();
    let mut s = if v.len() == 10 { format!("{v}T00:00:00") } else { v.replacen(' ', "T", 1) };
    // The zone: none (UTC), `Z`, or PostgreSQL's `+00` / `+05:30` / `-0800`, applied here
    // (the RFC 3339 parser takes UTC only).
    let time_part = s.get(11..).ok_or_else(bad)?;
    let mut offset_secs: i64 = 0;
    match time_part.find(['+', '-']).map(|i| i + 11) {
        Some(at) => {
            let zone: String = s[at + 1..].chars().filter(char::is_ascii_digit).collect();
            let (h, m): (i64, i64) = match zone.len() {
                2 => (zone.parse().map_err(|_| bad())?, 0),
                4 => (zone[..2].parse().map_err(|_| bad())?, zone[2..].parse().map_err(|_| bad())?),
                _ => return Err(bad()),
            };
            offset_secs = (h * 3600 + m * 60) * if &s[at..at + 1] == "-" { -1 } else { 1 };
            s.truncate(at);
            s.push('Z');
        }
        None if !s.ends_with(['Z', 'z']) => s.push('Z'),
        None => {}
    }
    let dt =
        aws_smithy_types::DateTime::from_str(&s, aws_smithy_types::date_time::Format::DateTime).map_err(|_| bad())?;
    let utc = SystemTime::try_from(dt).map_err(|_| bad())?;
    let shift = Duration::from_secs(offset_secs.unsigned_abs());
    let shifted = if offset_secs >= 0 { utc.checked_sub(shift) } else { utc.checked_add(shift) };
    shifted.ok_or_else(bad)
}

/// `postgres://host:port/database`: never a user name or password.
pub(super) fn target(args: &BTreeMap<String, Value>) -> String {
    let scheme = engine(args).map(Engine::scheme).unwrap_or("sql");
    let port = engine(args).ok().and_then(|e| port(args, e).ok()).map(|p| p.to_string()).unwrap_or_default();
    let host = text(args, "host").unwrap_or_else(|| "(unknown)".into());
    let db = text(args, "database").unwrap_or_default();
    format!("{scheme}://{host}:{port}/{db}")
}

/// A probe's arguments as text (`<name>` when not known) and whether each is given.
type Arg<'a> = &'a dyn Fn(&str) -> String;
type Given<'a> = &'a dyn Fn(&str) -> bool;

/// The query at a terminal: `psql` or `mysql`, read-only, the password from the secret or a
/// `<password>` placeholder (never the value).
pub(super) fn by_hand(arg: Arg, given: Given, region: &str) -> String {
    let mysql = Engine::parse(&arg("engine")) == Some(Engine::Mysql);
    let mut lines = credential_lines(arg, given, region, if mysql { "MYSQL_PWD" } else { "PGPASSWORD" });
    let command = if mysql { mysql_command(arg, given) } else { psql_command(arg, given) };
    lines.push(format!("{command}{}", expectation_comment(arg, given)));
    lines.join("\n")
}

/// `DB_USER` and the client's password variable, from the secret or the arguments.
fn credential_lines(arg: Arg, given: Given, region: &str, password_var: &str) -> Vec<String> {
    let quote = crate::resources::shell_quote;
    if !given("secret_id") {
        return vec![
            format!("export {password_var}='<password>'  # from the variable the check's password names"),
            format!("DB_USER={}", quote(&arg("username"))),
        ];
    }
    let user = if given("username") {
        quote(&arg("username"))
    } else {
        "\"$(printf %s \"$SECRET\" | jq -r .username)\"".into()
    };
    vec![
        format!(
            "SECRET=\"$(aws secretsmanager get-secret-value --region {region} --secret-id {} --query SecretString --output text)\"",
            quote(&arg("secret_id"))
        ),
        format!("export {password_var}=\"$(printf %s \"$SECRET\" | jq -r .password)\""),
        format!("DB_USER={user}"),
    ]
}

fn tls_mode(arg: Arg, given: Given) -> String {
    if given("tls") { arg("tls") } else { "require".into() }
}

fn mysql_command(arg: Arg, given: Given) -> String {
    let quote = crate::resources::shell_quote;
    let port = if given("port") { arg("port") } else { "3306".into() };
    let ssl = match tls_mode(arg, given).as_str() {
        "disable" => " --ssl-mode=DISABLED".to_string(),
        "verify-full" if given("ca_file") => format!(" --ssl-mode=VERIFY_IDENTITY --ssl-ca={}", quote(&arg("ca_file"))),
        "verify-full" => " --ssl-mode=VERIFY_IDENTITY".to_string(),
        _ => " --ssl-mode=REQUIRED".to_string(),
    };
    let db = if given("database") { format!(" -D {}", quote(&arg("database"))) } else { String::new() };
    let statements = format!("START TRANSACTION READ ONLY; {}; ROLLBACK", arg("query").trim_end_matches(';'));
    format!(
        "mysql -h {} -P {port} -u \"$DB_USER\"{db}{ssl} --batch --skip-column-names -e {}",
        arg("host"),
        quote(&statements)
    )
}

fn psql_command(arg: Arg, given: Given) -> String {
    let port = if given("port") { arg("port") } else { "5432".into() };
    let mut conninfo = format!("host={} port={port} user=$DB_USER", arg("host"));
    if given("database") {
        conninfo.push_str(&format!(" dbname={}", arg("database")));
    }
    let tls = tls_mode(arg, given);
    conninfo.push_str(match tls.as_str() {
        "disable" => " sslmode=disable",
        "verify-full" => " sslmode=verify-full",
        _ => " sslmode=require",
    });
    if tls == "verify-full" && given("ca_file") {
        conninfo.push_str(&format!(" sslrootcert={}", arg("ca_file")));
    }
    let query = crate::resources::shell_quote(arg("query").trim_end_matches(';'));
    format!("psql \"{conninfo}\" -At -c 'BEGIN READ ONLY' -c {query} -c ROLLBACK")
}

/// `  # prints at least 1000 row(s); a time at most 15m before the failure`.
fn expectation_comment(arg: Arg, given: Given) -> String {
    let mut expect = Vec::new();
    if given("min_rows") {
        expect.push(format!("at least {} row(s)", arg("min_rows")));
    }
    if given("expect") {
        expect.push(arg("expect"));
    }
    if given("max_age") {
        expect.push(format!("a time at most {} before the failure", arg("max_age")));
    }
    if expect.is_empty() { String::new() } else { format!("  # prints {}", expect.join("; ")) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> SystemTime {
        parse_timestamp(text).unwrap()
    }

    #[test]
    fn timestamps_as_each_engine_prints_them() {
        let utc = at("2026-12-04T06:00:00Z");
        assert_eq!(at("2026-12-04 06:00:00"), utc, "MySQL DATETIME (session in UTC)");
        assert_eq!(at("2026-12-04 06:00:00+00"), utc, "PostgreSQL timestamptz");
        assert_eq!(at("2026-12-04 11:30:00+05:30"), utc);
        assert_eq!(at("2026-12-03 22:00:00-0800"), utc);
        assert_eq!(at("2026-12-04 06:00:00.5+00"), utc + Duration::from_millis(500));
        assert_eq!(at("2026-12-04"), at("2026-12-04T00:00:00Z"));
        for bad in ["yesterday", "42", "", "2026-12-04 06:00:00+1"] {
            assert!(parse_timestamp(bad).unwrap_err().contains("is not a timestamp"), "{bad}");
        }
    }

    fn rows(count: u64, first: Option<&str>) -> Rows {
        Rows { count, first: (count > 0).then(|| first.map(str::to_string)) }
    }

    #[test]
    fn expectations_pass_and_fail_with_what_was_seen() {
        let now = at("2026-12-04T06:00:00Z");
        let want = |min: Option<u64>, expect: Option<&str>, age: Option<u64>| Expectations {
            min_rows: min,
            expect: expect.map(str::to_string),
            max_age: age.map(Duration::from_secs),
        };
        let mut seen = Seen::default();
        assert_eq!(judge(&rows(3, Some("7")), &want(Some(3), Some("7"), None), now, None, &mut seen), Ok(()));
        assert_eq!(seen.observed.as_deref(), Some("3 rows, first value \"7\""));
        let err = judge(&rows(2, Some("8")), &want(Some(3), Some("7"), None), now, None, &mut seen).unwrap_err();
        assert_eq!(err, "the query returned 2 rows, expected at least 3; the query returned \"8\", expected \"7\"");

        // The newest row 10 minutes before the check, the failure declared 8 minutes before it:
        // 2 minutes of data lost.
        let newest = "2026-12-04 05:50:00+00";
        let declared = now - Duration::from_secs(480);
        let mut seen = Seen::default();
        assert_eq!(judge(&rows(1, Some(newest)), &want(None, None, Some(300)), now, Some(declared), &mut seen), Ok(()));
        assert_eq!(seen.measured_rpo_seconds, Some(120.0));
        assert_eq!(seen.observed.as_deref(), Some("1 row, newest 2026-12-04T05:50:00Z"));
        // Without a declaration the age is measured from the check itself.
        let err = judge(&rows(1, Some(newest)), &want(None, None, Some(300)), now, None, &mut seen).unwrap_err();
        assert_eq!(err, "the newest row (2026-12-04T05:50:00Z) is 10m older than the check; max_age is 5m");
        assert_eq!(seen.measured_rpo_seconds, Some(600.0));
        // A row newer than the declaration (the replica kept up): nothing was lost.
        judge(&rows(1, Some("2026-12-04 05:59:00+00")), &want(None, None, Some(1)), now, Some(declared), &mut seen)
            .unwrap();
        assert_eq!(seen.measured_rpo_seconds, Some(0.0));
        for empty in [rows(0, None), rows(1, None)] {
            let err = judge(&empty, &want(None, None, Some(300)), now, None, &mut Seen::default()).unwrap_err();
            assert!(err.contains("the data is missing"), "{err}");
        }
    }

    struct OneSecret(&'static str);
    impl super::super::Secrets for OneSecret {
        fn secret_string(&self, id: &str) -> Result<String, String> {
            if id == "db" { Ok(self.0.into()) } else { Err(format!("secret {id} not found")) }
        }
    }

    #[test]
    fn credentials_come_from_the_arguments_or_an_rds_secret_and_never_print() {
        let args = |kv: &[(&str, &str)]| -> BTreeMap<String, Value> {
            kv.iter().map(|(k, v)| (k.to_string(), Value::from(*v))).collect()
        };
        let rds = OneSecret(r#"{"username":"app","password":"s3cr3t-from-sm"}"#);
        let ctx = Context { secrets: &rds, declared_at: None };
        let (user, pass) = credentials(&args(&[("secret_id", "db")]), &ctx).unwrap();
        assert_eq!((user.as_str(), pass.expose()), ("app", "s3cr3t-from-sm"));
        assert_eq!(format!("{pass:?}"), "(sensitive)");
        let (user, _) = credentials(&args(&[("secret_id", "db"), ("username", "ro")]), &ctx).unwrap();
        assert_eq!(user, "ro");
        let plain = OneSecret("just-a-password");
        let ctx = Context { secrets: &plain, declared_at: None };
        assert!(credentials(&args(&[("secret_id", "db")]), &ctx).unwrap_err().contains("username is not known"));
        let err = credentials(&args(&[("secret_id", "other")]), &ctx).unwrap_err();
        assert_eq!(err, "secret other not found");
        let (user, pass) = credentials(&args(&[("username", "u"), ("password", "p")]), &Context::default()).unwrap();
        assert_eq!((user.as_str(), pass.expose()), ("u", "p"));
    }

    #[test]
    fn settings_are_checked_and_the_target_names_no_credentials() {
        let args = |kv: &[(&str, &str)]| -> BTreeMap<String, Value> {
            kv.iter().map(|(k, v)| (k.to_string(), Value::from(*v))).collect()
        };
        let a = args(&[("engine", "aurora-mysql"), ("host", "db.local"), ("username", "u"), ("password", "pw")]);
        assert_eq!(target(&a), "mysql://db.local:3306/");
        assert_eq!(tls(&a), Ok(Tls::Require));
        assert!(engine(&args(&[("engine", "oracle")])).unwrap_err().contains("is not one of postgres"));
        assert!(tls(&args(&[("tls", "on")])).unwrap_err().contains("is not one of require"));
        assert!(expectations(&args(&[("max_age", "soon")])).unwrap_err().starts_with("max_age:"));
        assert!(expectations(&args(&[("min_rows", "-1")])).unwrap_err().contains("is not a whole number"));
    }

    #[test]
    fn by_hand_reads_the_secret_and_runs_the_query_read_only() {
        let args = [
            ("engine", "postgres"),
            ("host", "orders.abc.eu-west-1.rds.amazonaws.com"),
            ("database", "shop"),
            ("secret_id", "arn:aws:secretsmanager:eu-west-1:1:secret:db"),
            ("query", "select max(updated_at) from orders"),
            ("max_age", "15m"),
        ];
        let arg = |k: &str| args.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string()).unwrap_or_default();
        let given = |k: &str| args.iter().any(|(n, _)| *n == k);
        assert_eq!(
            by_hand(&arg, &given, "eu-west-1"),
            "SECRET=\"$(aws secretsmanager get-secret-value --region eu-west-1 --secret-id 'arn:aws:secretsmanager:eu-west-1:1:secret:db' --query SecretString --output text)\"\n\
             export PGPASSWORD=\"$(printf %s \"$SECRET\" | jq -r .password)\"\n\
             DB_USER=\"$(printf %s \"$SECRET\" | jq -r .username)\"\n\
             psql \"host=orders.abc.eu-west-1.rds.amazonaws.com port=5432 user=$DB_USER dbname=shop sslmode=require\" -At -c 'BEGIN READ ONLY' -c 'select max(updated_at) from orders' -c ROLLBACK  # prints a time at most 15m before the failure"
        );
    }
}
