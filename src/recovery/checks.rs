//! Running `check` blocks after a recovery: HTTP(S) (status, body), TCP connect, DNS
//! resolution, each retried every `interval` until it passes or its `timeout` runs out.

use std::collections::BTreeMap;
use std::net::ToSocketAddrs;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::eval::Value;
use crate::expand::CheckValue;
use crate::expand::recovery::parse_duration;

/// What one check did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckResult {
    pub name: String,
    pub kind: String,
    /// What was probed: the URL, host:port or name.
    pub target: String,
    pub passed: bool,
    pub attempts: u32,
    /// From the first probe to passing (or giving up).
    pub elapsed_ms: u64,
    /// The last failure, when it never passed (or before it did).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
}

fn text(args: &BTreeMap<String, Value>, key: &str) -> Option<String> {
    args.get(key).filter(|v| !v.is_null()).and_then(Value::to_template_string)
}

fn duration(args: &BTreeMap<String, Value>, key: &str, default: u64) -> Duration {
    Duration::from_secs(text(args, key).and_then(|t| parse_duration(&t).ok()).unwrap_or(default))
}

/// The time the checks add before a cutover: one retry interval of the slowest check (a service
/// just built often fails its first probe); `None` without checks.
pub fn estimate(checks: &[CheckValue]) -> Option<crate::plan::StepEstimate> {
    let interval = checks.iter().map(|c| duration(&c.args, "interval", 10).as_secs()).max()?;
    let timeout = checks.iter().map(|c| duration(&c.args, "timeout", 300).as_secs()).max().unwrap_or(300);
    Some(crate::plan::StepEstimate {
        address: format!("checks ({})", checks.len()),
        seconds: interval,
        source: format!(
            "model: one retry interval of the slowest check ({interval}s); a check that never passes stops the cutover after its timeout ({timeout}s)"
        ),
    })
}

/// The shell command that does what a probe does, for a person at a terminal: `curl` for http,
/// `nc -z` for tcp, `dig` for dns. `args` are the probe's arguments as text; a value not known
/// before apply becomes a `<name>` placeholder.
pub fn by_hand(kind: &str, args: &[(String, String)]) -> Option<String> {
    let arg = |k: &str| {
        args.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .filter(|v| !v.starts_with('('))
            .unwrap_or_else(|| format!("<{k}>"))
    };
    let given = |k: &str| args.iter().any(|(n, _)| n == k);
    let quote = crate::resources::shell_quote;
    Some(match kind {
        "http" => {
            let want = if given("expected_status") { arg("expected_status") } else { "200".into() };
            let method = if given("method") { format!(" -X {}", arg("method")) } else { String::new() };
            let body = if given("body_contains") {
                format!(
                    " && curl -sS --max-time 10{method} {} | grep -F {}",
                    quote(&arg("url")),
                    quote(&arg("body_contains"))
                )
            } else {
                String::new()
            };
            format!(
                "curl -sS -o /dev/null -w '%{{http_code}}\\n' --max-time 10{method} {}  # prints {want}{body}",
                quote(&arg("url"))
            )
        }
        "tcp" => format!("nc -z -w 5 {} {}  # exits 0", arg("host"), arg("port")),
        "dns" => {
            let ty = if given("type") { arg("type") } else { "A".into() };
            let expect = if given("expect") {
                format!("  # includes {}", arg("expect"))
            } else {
                "  # prints an address".into()
            };
            format!("dig +short {} {ty}{expect}", arg("name"))
        }
        _ => return None,
    })
}

/// One HTTP request (no redirects followed), bounded by `timeout` as a whole: the status and
/// the body. Uses the SDK's stack: hyper with rustls and the system's trusted roots.
fn http_request(method: &str, url: &str, timeout: Duration) -> Result<(u16, String), String> {
    use http_body_util::BodyExt as _;
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
    rt.block_on(async {
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_native_roots(std::sync::Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
            .map_err(|e| format!("loading the trusted roots: {e}"))?
            .https_or_http()
            .enable_http1()
            .build();
        let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
            .build::<_, http_body_util::Empty<hyper::body::Bytes>>(https);
        let method = hyper::Method::from_bytes(method.as_bytes()).map_err(|e| format!("method {method}: {e}"))?;
        let request = hyper::Request::builder()
            .method(method)
            .uri(url)
            .header("user-agent", concat!("drplan/", env!("CARGO_PKG_VERSION")))
            .body(http_body_util::Empty::new())
            .map_err(|e| format!("{url}: {e}"))?;
        let exchange = async {
            let response = client.request(request).await.map_err(|e| describe(&e))?;
            let status = response.status().as_u16();
            let body = response.into_body().collect().await.map_err(|e| e.to_string())?.to_bytes();
            Ok::<_, String>((status, String::from_utf8_lossy(&body).into_owned()))
        };
        tokio::time::timeout(timeout, exchange).await.map_err(|_| format!("no answer within {}s", timeout.as_secs()))?
    })
}

/// A client error with its causes (hyper's own message is only the outermost one).
fn describe(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(&format!(": {s}"));
        source = s.source();
    }
    out
}

/// One probe: `Ok(())` passes, `Err(why)` fails this attempt.
fn probe(check: &CheckValue, attempt_timeout: Duration) -> Result<(), String> {
    let a = &check.args;
    match check.kind.as_str() {
        "http" => {
            let url = text(a, "url").ok_or("url is not known")?;
            let want = text(a, "expected_status").and_then(|s| s.parse::<u16>().ok()).unwrap_or(200);
            let method = text(a, "method").unwrap_or_else(|| "GET".into());
            let (status, body) = http_request(&method, &url, attempt_timeout)?;
            if status != want {
                return Err(format!("HTTP {status}, expected {want}"));
            }
            match text(a, "body_contains") {
                Some(needle) if !body.contains(&needle) => Err(format!("the body does not contain {needle:?}")),
                _ => Ok(()),
            }
        }
        "tcp" => {
            let host = text(a, "host").ok_or("host is not known")?;
            let port = text(a, "port").ok_or("port is not known")?;
            let addr = format!("{host}:{port}");
            let addrs: Vec<_> = addr.to_socket_addrs().map_err(|e| format!("resolving {addr}: {e}"))?.collect();
            let mut last = format!("{addr} resolves to nothing");
            for sa in addrs {
                match std::net::TcpStream::connect_timeout(&sa, attempt_timeout) {
                    Ok(_) => return Ok(()),
                    Err(e) => last = format!("connecting to {sa}: {e}"),
                }
            }
            Err(last)
        }
        "dns" => {
            let name = text(a, "name").ok_or("name is not known")?;
            let ty = text(a, "type").unwrap_or_else(|| "A".into());
            let ips: Vec<std::net::IpAddr> = (name.as_str(), 0)
                .to_socket_addrs()
                .map_err(|e| format!("resolving {name}: {e}"))?
                .map(|s| s.ip())
                .filter(|ip| if ty == "AAAA" { ip.is_ipv6() } else { ip.is_ipv4() })
                .collect();
            if ips.is_empty() {
                return Err(format!("{name} has no {ty} record"));
            }
            match text(a, "expect") {
                Some(want) if !ips.iter().any(|ip| ip.to_string() == want) => {
                    Err(format!("{name} resolves to {ips:?}, not {want}"))
                }
                _ => Ok(()),
            }
        }
        other => Err(format!("unknown probe {other}")),
    }
}

fn target(check: &CheckValue) -> String {
    let a = &check.args;
    match check.kind.as_str() {
        "http" => text(a, "url"),
        "tcp" => Some(format!("{}:{}", text(a, "host").unwrap_or_default(), text(a, "port").unwrap_or_default())),
        _ => text(a, "name"),
    }
    .unwrap_or_else(|| "(unknown)".into())
}

/// Runs one check until it passes or times out (default timeout 5m, interval 10s).
pub fn run(check: &CheckValue) -> CheckResult {
    run_reporting(check, &|_| {})
}

/// [`run`], telling `progress` about each failed attempt: its number, why, and the time left.
pub fn run_reporting(check: &CheckValue, progress: &(dyn Fn(String) + Sync)) -> CheckResult {
    let timeout = duration(&check.args, "timeout", 300);
    let interval = duration(&check.args, "interval", 10);
    let start = Instant::now();
    let mut attempts = 0;
    let mut last_error = None;
    loop {
        attempts += 1;
        let left = timeout.saturating_sub(start.elapsed()).max(Duration::from_millis(200));
        match probe(check, left.min(Duration::from_secs(10))) {
            Ok(()) => {
                return CheckResult {
                    name: check.name.clone(),
                    kind: check.kind.clone(),
                    target: target(check),
                    passed: true,
                    attempts,
                    elapsed_ms: start.elapsed().as_millis() as u64,
                    last_error,
                };
            }
            Err(e) => {
                let left = timeout.saturating_sub(start.elapsed()).as_secs();
                progress(format!("check {}: attempt {attempts} failed ({e}), {left}s left", check.name));
                last_error = Some(e);
            }
        }
        if start.elapsed() + interval > timeout {
            return CheckResult {
                name: check.name.clone(),
                kind: check.kind.clone(),
                target: target(check),
                passed: false,
                attempts,
                elapsed_ms: start.elapsed().as_millis() as u64,
                last_error,
            };
        }
        std::thread::sleep(interval);
    }
}

/// Runs every check concurrently (one thread each) and returns results in declaration order.
pub fn run_all(checks: &[CheckValue]) -> Vec<CheckResult> {
    run_all_reporting(checks, &|_| {})
}

/// [`run_all`] with [`run_reporting`]'s progress.
pub fn run_all_reporting(checks: &[CheckValue], progress: &(dyn Fn(String) + Sync)) -> Vec<CheckResult> {
    std::thread::scope(|s| {
        let handles: Vec<_> = checks.iter().map(|c| s.spawn(move || run_reporting(c, progress))).collect();
        handles.into_iter().map(|h| h.join().expect("check threads do not panic")).collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    fn check(kind: &str, args: &[(&str, &str)]) -> CheckValue {
        CheckValue {
            name: "t".into(),
            kind: kind.into(),
            span: crate::diag::Span { file: crate::diag::FileId(0), start: 0, end: 0 },
            args: args.iter().map(|(k, v)| (k.to_string(), Value::from(*v))).collect(),
        }
    }

    #[test]
    fn http_checks_compare_status_and_body_and_tcp_connects() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for conn in listener.incoming().take(3) {
                let mut c = conn.unwrap();
                let mut buf = [0u8; 1024];
                let _ = c.read(&mut buf);
                let _ = c.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 7\r\nconnection: close\r\n\r\nshop ok");
            }
        });
        let url = format!("http://127.0.0.1:{port}/");
        let ok =
            run(&check("http", &[("url", &url), ("body_contains", "shop"), ("timeout", "5s"), ("interval", "1s")]));
        assert!(ok.passed, "{ok:?}");
        assert_eq!(ok.attempts, 1);
        let wrong =
            run(&check("http", &[("url", &url), ("body_contains", "bank"), ("timeout", "1s"), ("interval", "1s")]));
        assert!(!wrong.passed);
        assert_eq!(wrong.last_error.as_deref(), Some("the body does not contain \"bank\""));
        let tcp = run(&check("tcp", &[("host", "127.0.0.1"), ("port", &port.to_string()), ("timeout", "2s")]));
        assert!(tcp.passed, "{tcp:?}");
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let refused = run(&check(
            "tcp",
            &[("host", "127.0.0.1"), ("port", &closed.to_string()), ("timeout", "1s"), ("interval", "1s")],
        ));
        assert!(!refused.passed);
        let dns = run(&check("dns", &[("name", "localhost"), ("timeout", "1s")]));
        assert!(dns.passed, "{dns:?}");
    }

    #[test]
    fn http_requests_read_status_and_body_and_are_bounded() {
        use std::io::{Read as _, Write as _};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            let (mut conn, _) = listener.accept().unwrap();
            let mut buf = [0u8; 1024];
            let _ = conn.read(&mut buf);
            let _ = conn.write_all(b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 5\r\n\r\ndown!");
        });
        let url = format!("http://127.0.0.1:{port}/health");
        assert_eq!(http_request("GET", &url, Duration::from_secs(5)), Ok((503, "down!".to_string())));

        // A server that accepts and never answers: the attempt ends at its timeout.
        let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://127.0.0.1:{}/", silent.local_addr().unwrap().port());
        let started = std::time::Instant::now();
        let err = http_request("GET", &url, Duration::from_millis(300)).unwrap_err();
        assert!(err.contains("no answer within"), "{err}");
        assert!(started.elapsed() < Duration::from_secs(5));
        drop(silent);
    }

    #[test]
    fn probes_by_hand_are_shell_commands() {
        let args = |kv: &[(&str, &str)]| kv.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<Vec<_>>();
        assert_eq!(
            by_hand("http", &args(&[("url", "https://dr.example.com/health"), ("expected_status", "204")])).unwrap(),
            "curl -sS -o /dev/null -w '%{http_code}\\n' --max-time 10 'https://dr.example.com/health'  # prints 204"
        );
        assert_eq!(
            by_hand("tcp", &args(&[("host", "(known after apply)"), ("port", "5432")])).unwrap(),
            "nc -z -w 5 <host> 5432  # exits 0"
        );
        assert_eq!(
            by_hand("dns", &args(&[("name", "app.example.com")])).unwrap(),
            "dig +short app.example.com A  # prints an address"
        );
    }
}
