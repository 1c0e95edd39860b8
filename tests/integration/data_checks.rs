//! `sql` checks against real servers (PostgreSQL and MariaDB on loopback, seeded with rows of
//! known age), run the way users run them: `drplan drill` and a failover `apply` on moto, with
//! the check in tests/fixtures/plans/data-check. Every outcome a data check can have, the
//! measured recovery point, and the password never appearing anywhere drplan writes.

use std::time::{Duration, Instant, SystemTime};

use crate::apply::{block_on, run};
use crate::databases::{Mariadb, PASSWORD, Postgres, USER};
use crate::harness::{Moto, Run};

const DIR: &str = "tests/fixtures/plans/data-check";

/// One drill of the fixture: what it printed, its JSON report, and every file it wrote.
struct Drilled {
    run: Run,
    report: serde_json::Value,
    written: String,
}

impl Drilled {
    fn check(&self) -> &serde_json::Value {
        &self.report["checks"][0]
    }

    fn error(&self) -> &str {
        self.check()["last_error"].as_str().unwrap_or("")
    }

    /// The password is in nothing drplan printed or wrote.
    fn assert_secret_kept(&self, secret: &str) {
        for (what, text) in [("stdout", &self.run.stdout), ("stderr", &self.run.stderr), ("files", &self.written)] {
            assert!(!text.contains(secret), "the password appears in the drill's {what}");
        }
    }
}

fn drill(moto: &Moto, vars: &[(&str, &str)], extra: &[&str]) -> Drilled {
    let reports = tempfile::tempdir().unwrap();
    let mut args: Vec<String> = vec!["drill".into(), DIR.into(), "--report-dir".into()];
    args.push(reports.path().to_str().unwrap().into());
    for (k, v) in vars {
        args.extend(["--var".to_string(), format!("{k}={v}")]);
    }
    args.extend(extra.iter().map(|s| s.to_string()));
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let r = run(&moto.endpoint, &argv);
    let mut report = serde_json::Value::Null;
    let mut written = String::new();
    for entry in std::fs::read_dir(reports.path()).unwrap().filter_map(Result::ok) {
        let text = std::fs::read_to_string(entry.path()).unwrap();
        if entry.path().extension().is_some_and(|x| x == "json") {
            report = serde_json::from_str(&text).unwrap();
        }
        written.push_str(&text);
    }
    assert!(report.is_object(), "a JSON report:\n{}\n{}", r.stdout, r.stderr);
    Drilled { run: r, report, written }
}

fn moto_with_zone() -> Moto {
    let moto = Moto::start();
    block_on(async {
        let r53 = aws_sdk_route53::Client::new(&moto.sdk("us-east-1").await);
        r53.create_hosted_zone().name("orders.example.org").caller_reference("data-check").send().await.unwrap();
    });
    moto
}

/// A loopback port that accepts connections and never says anything (held open for the test
/// binary's life): a database that hangs.
fn silent_server() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    std::thread::spawn(move || listener.incoming().take(8).filter_map(Result::ok).collect::<Vec<_>>());
    port
}

fn rfc3339(t: SystemTime) -> String {
    aws_smithy_types::DateTime::from(t).fmt(aws_smithy_types::date_time::Format::DateTime).unwrap()
}

/// PostgreSQL: the rows are there and recent (pass, with the measured recovery point); too
/// few; too old; beyond the RPO objective; wrong password; a write refused (read-only); TLS
/// verified against the server's CA; credentials from Secrets Manager; a server that never
/// answers, bounded.
#[cfg_attr(
    any(drplan_no_databases, drplan_no_moto),
    ignore = "needs PostgreSQL and MariaDB servers (scripts/install-databases.sh); needs moto_server (scripts/install-moto.sh, or DRPLAN_MOTO_SERVER)"
)]
#[test]
fn postgres_data_checks_prove_the_data_and_measure_the_recovery_point() {
    let pg = Postgres::start();
    // The newest row 5 minutes old, written in another time zone (the check reads UTC).
    pg.psql(
        "shop",
        "SET TIME ZONE 'Asia/Kolkata'; CREATE TABLE orders (id serial PRIMARY KEY, updated_at timestamptz NOT NULL); \
         INSERT INTO orders (updated_at) VALUES (now() - interval '5 minutes'), (now() - interval '1 hour'), (now() - interval '2 hours')",
    );
    let seeded = SystemTime::now();
    let moto = moto_with_zone();
    let port = pg.port.to_string();
    let base = [("engine", "postgres"), ("db_port", port.as_str()), ("db_password", PASSWORD)];
    let with = |more: &[(&'static str, &'static str)]| -> Vec<(&str, &str)> { [&base[..], more].concat() };

    // One query for both: every row (at least 3), newest first.
    let newest_first = "select updated_at from orders order by updated_at desc";
    let ok = drill(&moto, &with(&[("query", newest_first), ("min_rows", "3"), ("max_age", "15m")]), &[]);
    assert_eq!(ok.run.code, 0, "{}\n{}", ok.run.stdout, ok.run.stderr);
    assert_eq!(ok.check()["passed"], true);
    assert_eq!(ok.check()["target"], format!("postgres://127.0.0.1:{port}/shop"));
    let measured = ok.report["measured_rpo_seconds"].as_f64().unwrap();
    assert!((295.0..420.0).contains(&measured), "newest row 5 minutes before the drill: {measured}");
    assert_eq!(ok.check()["measured_rpo_seconds"].as_f64(), Some(measured));
    assert_eq!(ok.report["rpo_objective_seconds"], 3600);
    assert!(ok.check()["observed"].as_str().unwrap().starts_with("3 rows, newest "), "{}", ok.check());
    assert!(
        ok.run.stdout.contains("| Measured recovery point (newest restored row to the failure) | 5m"),
        "{}",
        ok.run.stdout
    );
    assert!(ok.run.stdout.contains("| RPO objective | 1h (met) |"), "{}", ok.run.stdout);
    ok.assert_secret_kept(PASSWORD);

    let few = drill(&moto, &with(&[("query", "select id from orders"), ("min_rows", "10")]), &[]);
    assert_eq!(few.run.code, 1);
    assert_eq!(few.error(), "the query returned 3 rows, expected at least 10");
    assert!(few.run.stderr.contains("drill failed: check orders (sql postgres://127.0.0.1"), "{}", few.run.stderr);
    let progress = "check orders: attempt 1 failed (the query returned 3 rows, expected at least 10), ";
    assert!(few.run.stderr.contains(progress), "progress while the check retries: {}", few.run.stderr);

    let old = drill(&moto, &with(&[("max_age", "2m")]), &[]);
    assert_eq!(old.run.code, 1);
    assert!(old.error().contains("older than the failure was declared; max_age is 2m"), "{}", old.error());
    assert!(old.report["measured_rpo_seconds"].as_f64().unwrap() > 295.0, "measured even when it fails");

    // The check passes its own max_age, but the data is older than recovery.rpo.
    let beyond = drill(&moto, &with(&[("max_age", "1h"), ("rpo", "1m")]), &[]);
    assert_eq!(beyond.run.code, 1, "{}", beyond.run.stdout);
    assert_eq!(beyond.check()["passed"], true);
    let failures = beyond.report["failures"].to_string();
    assert!(failures.contains("exceeds the RPO objective 1m"), "{failures}");
    assert!(beyond.run.stdout.contains("| RPO objective | 1m (**BREACHED**) |"), "{}", beyond.run.stdout);

    // Declared 4 minutes after the newest row: 1 minute of data lost, within a 2m max_age.
    let declared = rfc3339(seeded - Duration::from_secs(240));
    let late = drill(&moto, &with(&[("max_age", "2m")]), &["--failure-declared-at", &declared]);
    assert_eq!(late.run.code, 0, "{}\n{}", late.run.stdout, late.run.stderr);
    let measured = late.report["measured_rpo_seconds"].as_f64().unwrap();
    assert!((58.0..75.0).contains(&measured), "{measured}");
    assert_eq!(late.report["failure_declared_at"].as_str(), Some(declared.as_str()));

    let wrong = "wrong-pw-51b0";
    let denied = drill(&moto, &[("engine", "postgres"), ("db_port", &port), ("db_password", wrong)], &[]);
    assert_eq!(denied.run.code, 1);
    assert!(denied.error().contains("password authentication failed for user"), "{}", denied.error());
    denied.assert_secret_kept(wrong);

    let write = drill(&moto, &with(&[("query", "insert into orders (updated_at) values (now()) returning id")]), &[]);
    assert!(write.error().contains("read-only transaction"), "{}", write.error());
    assert_eq!(pg.psql("shop", "select count(*) from orders"), "3\n", "nothing was written");

    let ca: &'static str = pg.ca.to_str().unwrap().to_string().leak();
    let verified = drill(&moto, &with(&[("tls", "verify-full"), ("ca_file", ca), ("min_rows", "1")]), &[]);
    assert_eq!(verified.check()["passed"], true, "{}", verified.check());
    let unverified = drill(&moto, &with(&[("tls", "verify-full")]), &[]);
    assert!(unverified.error().contains("certificate"), "a self-signed server is refused: {}", unverified.error());
    let plain = drill(&moto, &with(&[("tls", "disable"), ("query", newest_first), ("min_rows", "3")]), &[]);
    assert_eq!(plain.check()["passed"], true, "{}", plain.check());

    secrets_manager_credentials(&moto, &port);

    // A server that accepts and never answers: each attempt and the check are time-boxed.
    let silent_port = silent_server();
    let started = Instant::now();
    let hung = drill(&moto, &[("engine", "postgres"), ("db_port", &silent_port), ("db_password", PASSWORD)], &[]);
    assert!(hung.error().contains("no answer within"), "{}", hung.error());
    assert!(hung.check()["elapsed_ms"].as_u64().unwrap() < 6_000, "{}", hung.check());
    assert!(started.elapsed() < Duration::from_secs(60));
}

/// RDS-managed credentials: a secret with username and password, read in the DR region; and
/// readiness, before any failover, finds a secret missing there.
fn secrets_manager_credentials(moto: &Moto, port: &str) {
    block_on(async {
        let sm = aws_sdk_secretsmanager::Client::new(&moto.sdk("us-west-2").await);
        let value = format!(r#"{{"username":"{USER}","password":"{PASSWORD}"}}"#);
        sm.create_secret().name("orders-db").secret_string(value).send().await.unwrap();
    });
    let from_sm = drill(moto, &[("engine", "postgres"), ("db_port", port), ("secret_id", "orders-db")], &[]);
    assert_eq!(from_sm.check()["passed"], true, "{}", from_sm.check());
    from_sm.assert_secret_kept(PASSWORD);
    let missing = drill(moto, &[("engine", "postgres"), ("db_port", port), ("secret_id", "nope")], &[]);
    assert!(missing.error().contains("secretsmanager:GetSecretValue nope in us-west-2"), "{}", missing.error());
    // Readiness says so any day, before a failover: the secret must exist in the DR region.
    let ready = |secret: &str| -> serde_json::Value {
        let var = format!("secret_id={secret}");
        let args =
            ["readiness", DIR, "--format", "json", "--var", "engine=postgres", "--var", "db_port=5432", "--var", &var];
        serde_json::from_str(&run(&moto.endpoint, &args).stdout).unwrap()
    };
    let data_findings = |r: &serde_json::Value| -> Vec<String> {
        let all = r["findings"].as_array().unwrap().iter();
        all.filter(|f| f["rule"] == "data-check").map(|f| format!("{} {}", f["severity"], f["address"])).collect()
    };
    assert_eq!(data_findings(&ready("orders-db")), Vec::<String>::new());
    assert_eq!(data_findings(&ready("nope")), ["\"blocker\" \"check.orders\""]);
}

/// MariaDB (the MySQL protocol): pass with the measured recovery point, too few rows, too old,
/// wrong password, a write refused; the server runs in another time zone.
#[cfg_attr(
    any(drplan_no_databases, drplan_no_moto),
    ignore = "needs PostgreSQL and MariaDB servers (scripts/install-databases.sh); needs moto_server (scripts/install-moto.sh, or DRPLAN_MOTO_SERVER)"
)]
#[test]
fn mysql_data_checks_prove_the_data_and_measure_the_recovery_point() {
    let db = Mariadb::start();
    db.sql(
        "SET time_zone = '+05:30'; CREATE TABLE shop.orders (id INT AUTO_INCREMENT PRIMARY KEY, updated_at TIMESTAMP(3) NOT NULL); \
         INSERT INTO shop.orders (updated_at) VALUES (NOW(3) - INTERVAL 5 MINUTE), (NOW(3) - INTERVAL 1 HOUR);",
    );
    let moto = moto_with_zone();
    let port = db.port.to_string();
    let base = [("engine", "mysql"), ("db_port", port.as_str()), ("db_password", PASSWORD)];
    let with = |more: &[(&'static str, &'static str)]| -> Vec<(&str, &str)> { [&base[..], more].concat() };

    let newest_first = "select updated_at from orders order by updated_at desc";
    let ok = drill(&moto, &with(&[("query", newest_first), ("min_rows", "2"), ("max_age", "15m")]), &[]);
    assert_eq!(ok.run.code, 0, "{}\n{}", ok.run.stdout, ok.run.stderr);
    assert_eq!(ok.check()["target"], format!("mysql://127.0.0.1:{port}/shop"));
    let measured = ok.report["measured_rpo_seconds"].as_f64().unwrap();
    assert!((295.0..420.0).contains(&measured), "newest row 5 minutes before the drill: {measured}");
    ok.assert_secret_kept(PASSWORD);

    let few = drill(&moto, &with(&[("query", "select id from orders"), ("min_rows", "3")]), &[]);
    assert_eq!(few.error(), "the query returned 2 rows, expected at least 3");
    let exact = drill(&moto, &with(&[("query", "select count(*) from orders"), ("expect", "2")]), &[]);
    assert_eq!(exact.check()["observed"], "1 row, first value \"2\"", "{}", exact.check());
    let inexact = drill(&moto, &with(&[("query", "select count(*) from orders"), ("expect", "5")]), &[]);
    assert_eq!(inexact.error(), "the query returned \"2\", expected \"5\"");
    let old = drill(&moto, &with(&[("max_age", "1m")]), &[]);
    assert!(old.error().contains("max_age is 1m"), "{}", old.error());

    let wrong = "wrong-pw-9e21";
    let denied = drill(&moto, &[("engine", "mariadb"), ("db_port", &port), ("db_password", wrong)], &[]);
    assert!(denied.error().contains("Access denied for user"), "{}", denied.error());
    denied.assert_secret_kept(wrong);

    let write = drill(&moto, &with(&[("query", "insert into orders (updated_at) values (now())")]), &[]);
    assert!(write.error().to_lowercase().contains("read only"), "{}", write.error());
    assert_eq!(db.sql("select count(*) from shop.orders"), "2\n", "nothing was written");

    let ca: &'static str = db.ca.to_str().unwrap().to_string().leak();
    let verified = drill(&moto, &with(&[("tls", "verify-full"), ("ca_file", ca), ("min_rows", "1")]), &[]);
    assert_eq!(verified.check()["passed"], true, "{}", verified.check());
    let unverified = drill(&moto, &with(&[("tls", "verify-full")]), &[]);
    assert!(unverified.error().contains("certificate"), "an unknown CA is refused: {}", unverified.error());

    // A server that accepts and never answers (MySQL's server speaks first: it waits forever).
    let silent_port = silent_server();
    let hung = drill(&moto, &[("engine", "mysql"), ("db_port", &silent_port), ("db_password", PASSWORD)], &[]);
    assert!(hung.error().contains("no answer within"), "{}", hung.error());
    assert!(hung.check()["elapsed_ms"].as_u64().unwrap() < 6_000, "{}", hung.check());
}

/// A failover holds the traffic back while the restored data is older than `max_age` allows,
/// and moves it once the failure's declared time shows the data is recent enough.
#[cfg_attr(
    any(drplan_no_databases, drplan_no_moto),
    ignore = "needs PostgreSQL and MariaDB servers (scripts/install-databases.sh); needs moto_server (scripts/install-moto.sh, or DRPLAN_MOTO_SERVER)"
)]
#[test]
fn stale_data_holds_the_cutover_back() {
    let pg = Postgres::start();
    pg.psql(
        "shop",
        "CREATE TABLE orders (updated_at timestamptz NOT NULL); INSERT INTO orders VALUES (now() - interval '10 minutes')",
    );
    let moto = moto_with_zone();
    let vars = [
        "engine=postgres".to_string(),
        format!("db_port={}", pg.port),
        format!("db_password={PASSWORD}"),
        "max_age=5m".to_string(),
    ];
    let mut apply: Vec<&str> = vec!["apply", DIR, "--phase", "failover", "--auto-approve"];
    for v in &vars {
        apply.extend(["--var", v]);
    }
    let held = run(&moto.endpoint, &apply);
    assert_eq!(held.code, 1, "{}\n{}", held.stdout, held.stderr);
    assert!(held.stderr.contains("Error: traffic was not moved: check orders failed"), "{}", held.stderr);
    assert!(held.stderr.contains("older than the failure was declared; max_age is 5m"), "{}", held.stderr);
    for text in [&held.stdout, &held.stderr] {
        assert!(!text.contains(PASSWORD));
    }
    assert_eq!(records(&moto), 0, "the record that moves traffic was not applied");

    // The check allows the age, but recovery.rpo does not: still held.
    let lenient: Vec<&str> = apply.iter().map(|a| if *a == "max_age=5m" { "max_age=1h" } else { a }).collect();
    let beyond_rpo = run(&moto.endpoint, &[&lenient[..], &["--var", "rpo=5m"]].concat());
    assert_eq!(beyond_rpo.code, 1, "{}\n{}", beyond_rpo.stdout, beyond_rpo.stderr);
    assert!(beyond_rpo.stdout.contains("check orders (sql postgres://127.0.0.1:"), "it passed: {}", beyond_rpo.stdout);
    assert!(beyond_rpo.stderr.contains("exceeds the RPO objective 5m"), "{}", beyond_rpo.stderr);
    assert_eq!(records(&moto), 0);

    // The failure was declared 8 minutes ago: 2 minutes of data lost, within max_age.
    let declared = rfc3339(SystemTime::now() - Duration::from_secs(480));
    let moved = run(&moto.endpoint, &[&apply[..], &["--failure-declared-at", &declared]].concat());
    assert_eq!(moved.code, 0, "{}\n{}", moved.stdout, moved.stderr);
    assert!(moved.stdout.contains("check orders (sql postgres://127.0.0.1:"), "{}", moved.stdout);
    assert!(moved.stdout.contains("1 row, newest "), "what the check saw: {}", moved.stdout);
    assert_eq!(records(&moto), 1);
}

fn records(moto: &Moto) -> usize {
    block_on(async {
        let r53 = aws_sdk_route53::Client::new(&moto.sdk("us-east-1").await);
        let zones = r53.list_hosted_zones().send().await.unwrap();
        let zone = zones.hosted_zones()[0].id().to_string();
        let sets = r53.list_resource_record_sets().hosted_zone_id(zone).send().await.unwrap();
        sets.resource_record_sets().iter().filter(|s| s.r#type().as_str() == "A").count()
    })
}
