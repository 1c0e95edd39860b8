//! The network probes: `http` (status and body), `tcp` (connect) and `dns` (resolve).

use std::collections::BTreeMap;
use std::net::ToSocketAddrs;
use std::time::Duration;

use super::text;
use crate::eval::Value;

/// The command for an http, tcp or dns probe (see [`super::by_hand`]).
pub(super) fn by_hand(kind: &str, arg: &dyn Fn(&str) -> String, given: &dyn Fn(&str) -> bool) -> Option<String> {
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
/// the body.
fn http_request(method: &str, url: &str, timeout: Duration) -> Result<(u16, String), String> {
    let none = BTreeMap::new();
    let request = crate::live::http::Request { method, url, headers: &none, body: None };
    let r = crate::live::http::send(&request, timeout)?;
    Ok((r.status, String::from_utf8_lossy(&r.body).into_owned()))
}

/// One http, tcp or dns probe: `Ok(())` passes, `Err(why)` fails this attempt.
pub(super) fn probe(kind: &str, a: &BTreeMap<String, Value>, attempt_timeout: Duration) -> Result<(), String> {
    match kind {
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

pub(super) fn target(kind: &str, a: &BTreeMap<String, Value>) -> String {
    match kind {
        "http" => text(a, "url"),
        "tcp" => Some(format!("{}:{}", text(a, "host").unwrap_or_default(), text(a, "port").unwrap_or_default())),
        _ => text(a, "name"),
    }
    .unwrap_or_else(|| "(unknown)".into())
}

#[cfg(test)]
mod tests {
    use super::super::{Context, check, run as run_with};
    use std::io::{Read, Write};

    fn run(check: &crate::expand::CheckValue) -> super::super::CheckResult {
        run_with(check, &Context::default())
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
    fn probes_by_hand_are_shell_commands() {
        let args = |kv: &[(&str, &str)]| kv.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<Vec<_>>();
        let hand = |kind: &str, args: &[(String, String)]| super::super::by_hand(kind, args, "us-west-2");
        assert_eq!(
            hand("http", &args(&[("url", "https://dr.example.com/health"), ("expected_status", "204")])).unwrap(),
            "curl -sS -o /dev/null -w '%{http_code}\\n' --max-time 10 'https://dr.example.com/health'  # prints 204"
        );
        assert_eq!(
            hand("tcp", &args(&[("host", "(known after apply)"), ("port", "5432")])).unwrap(),
            "nc -z -w 5 <host> 5432  # exits 0"
        );
        assert_eq!(
            hand("dns", &args(&[("name", "app.example.com")])).unwrap(),
            "dig +short app.example.com A  # prints an address"
        );
    }
}
