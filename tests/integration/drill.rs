//! `drplan drill` against moto: checks against a loopback HTTP server, the report, cleanup.

use crate::apply::{Session, assert_ok, block_on, run};
use crate::harness::{Moto, Run};
use crate::seed::{PILOT, seed};

/// A tiny HTTP server on loopback answering every request with 200 and `body`.
fn serve_http(body: &'static str) -> u16 {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut c) = conn else { continue };
            let mut buf = [0u8; 2048];
            let _ = c.read(&mut buf);
            let _ = write!(c, "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}", body.len());
        }
    });
    port
}

fn drill(moto: &Moto, s: &Session, url: &str, timeout: &str) -> (Run, serde_json::Value) {
    let dir = s.journal.path().join(format!("drill-{}", url.len() + timeout.len()));
    let args = [
        "drill",
        s.ex.dir,
        "--var",
        &format!("smoke_test_url={url}"),
        "--var",
        "smoke_test_dns_name=localhost",
        "--var",
        &format!("smoke_test_timeout={timeout}"),
        "--report-dir",
        dir.to_str().unwrap(),
    ];
    let r = run(&moto.endpoint, &args);
    let json = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(Result::ok)
        .find(|e| e.path().extension().is_some_and(|x| x == "json"))
        .map(|e| serde_json::from_str(&std::fs::read_to_string(e.path()).unwrap()).unwrap())
        .expect("a JSON report");
    (r, json)
}

/// Objects of any drill workspace of this stack (`stack@workspace` ownership tags).
fn drill_leftovers(s: &Session, moto: &Moto) -> Vec<String> {
    // Read as the drill workspace, so reads filtered by the ownership tag see its objects.
    let file = s.journal.path().join("drill-live.json");
    let args = ["snapshot", s.ex.dir, "--workspace", "drill", "--out", file.to_str().unwrap()];
    assert_ok(&run(&moto.endpoint, &args), "snapshot --workspace drill");
    let snap: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    snap["objects"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["tags"]["drplan:stack"].as_str().is_some_and(|t| t.starts_with(&format!("{}@", s.ex.stack))))
        .map(|o| format!("{} {}", o["type"], o["id"]))
        .collect()
}

/// A drill of pilot-light: applied in its own workspace, checks against a loopback server
/// pass, the cutover record is skipped, the report is truthful, and everything is destroyed.
/// Then a drill whose check cannot pass: it reports failure, exits non-zero, still cleans up.
#[cfg_attr(drplan_no_moto, ignore = "needs moto_server (scripts/install-moto.sh, or DRPLAN_MOTO_SERVER)")]
#[test]
fn drills_measure_report_and_always_clean_up() {
    let ex = &PILOT;
    let moto = Moto::start();
    block_on(seed(&moto, ex));
    let s = Session::new(ex);
    let port = serve_http("shop is up");
    let (r, report) = drill(&moto, &s, &format!("http://127.0.0.1:{port}/"), "30s");
    assert_ok(&r, "a passing drill");
    assert!(r.stdout.contains("# Drill PASSED: stack `pilot@drill`"), "{}", r.stdout);
    assert_eq!(report["passed"], true);
    assert_eq!(report["workspace"], "drill");
    assert_eq!(report["skipped_cutover"], serde_json::json!(["module.dns.aws_route53_record.secondary"]));
    let checks: Vec<(&str, bool)> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].as_str().unwrap(), c["passed"] == true))
        .collect();
    assert_eq!(checks, [("site", true), ("dns", true)]);
    let measured = report["measured_rto_seconds"].as_f64().unwrap();
    assert!(measured > 0.0 && measured < report["rto_estimate_seconds"].as_f64().unwrap());
    let applied = report["apply"]["outcomes"].as_array().unwrap();
    // The report counts what was applied (it once said "0 of 0 steps" after applying 21).
    assert!(applied.len() >= 15, "{} steps in the report", applied.len());
    assert_eq!(report["phase"], "standby");
    assert!(applied.iter().all(|o| o["status"] == "succeeded"));
    let line = format!("| Apply | {n} of {n} steps succeeded in", n = applied.len());
    assert!(r.stdout.contains(&line), "the Markdown report says {line:?}:\n{}", r.stdout);
    assert!(report["cleanup"]["outcomes"].as_array().unwrap().iter().all(|o| o["status"] == "succeeded"));
    assert!(drill_leftovers(&s, &moto).is_empty(), "{:?}", drill_leftovers(&s, &moto));
    // The drill never touched the default workspace's records: no record was ever written.
    let zone_records = block_on(async {
        let r53 = aws_sdk_route53::Client::new(&moto.sdk("us-east-1").await);
        let zones = r53.list_hosted_zones().send().await.unwrap();
        let id = zones.hosted_zones()[0].id().to_string();
        r53.list_resource_record_sets().hosted_zone_id(id).send().await.unwrap().resource_record_sets().len()
    });
    assert_eq!(zone_records, 2, "only SOA and NS: the failover record was never written");

    // The detector is not vacuous: a drill with --keep leaves objects it sees.
    let kept = run(
        &moto.endpoint,
        &[
            "drill",
            s.ex.dir,
            "--keep",
            "--var",
            &format!("smoke_test_url=http://127.0.0.1:{port}/"),
            "--var",
            "smoke_test_dns_name=localhost",
            "--report-dir",
            s.journal.path().join("kept").to_str().unwrap(),
        ],
    );
    assert_ok(&kept, "drill --keep");
    assert!(drill_leftovers(&s, &moto).len() >= 15, "{:?}", drill_leftovers(&s, &moto));
    assert_ok(
        &run(
            &moto.endpoint,
            &[
                "destroy",
                s.ex.dir,
                "--workspace",
                "drill",
                "--auto-approve",
                "--journal-dir",
                s.journal.path().to_str().unwrap(),
            ],
        ),
        "destroy the kept drill",
    );
    assert!(drill_leftovers(&s, &moto).is_empty());

    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let (r, report) = drill(&moto, &s, &format!("http://127.0.0.1:{closed}/"), "2s");
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("# Drill FAILED"), "{}", r.stdout);
    assert!(r.stderr.contains("drill failed: check site (http"), "{}", r.stderr);
    assert_eq!(report["passed"], false);
    assert_eq!(report["measured_rto_seconds"], serde_json::Value::Null);
    assert!(report["cleanup"]["outcomes"].as_array().unwrap().iter().all(|o| o["status"] == "succeeded"));
    assert!(drill_leftovers(&s, &moto).is_empty(), "a failing drill still tears everything down");
}
