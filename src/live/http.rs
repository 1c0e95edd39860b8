//! HTTP requests drplan makes itself: hashicorp/http's `data "http"` (read while planning, as
//! Terraform reads it, and time-boxed), and the `http` probes of data checks
//! (`recovery::checks`). One client on the stack the AWS SDK already builds: hyper with rustls
//! and the system's trusted roots. Redirects are not followed.

use std::collections::BTreeMap;
use std::time::Duration;

use base64::Engine as _;

use crate::eval::Value;

pub const TYPE: &str = "http";

/// How long a read may take when the configuration sets no `request_timeout_ms`: a plan never
/// hangs on an endpoint that does not answer.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// A request's answer.
#[derive(Debug, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub headers: BTreeMap<String, String>,
    pub body: Vec<u8>,
}

/// A request to send.
pub struct Request<'a> {
    pub method: &'a str,
    pub url: &'a str,
    pub headers: &'a BTreeMap<String, String>,
    pub body: Option<&'a str>,
}

/// One request, bounded by `timeout` as a whole.
pub fn send(req: &Request, timeout: Duration) -> Result<Response, String> {
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
            .build::<_, http_body_util::Full<hyper::body::Bytes>>(https);
        let method =
            hyper::Method::from_bytes(req.method.as_bytes()).map_err(|e| format!("method {}: {e}", req.method))?;
        let mut builder = hyper::Request::builder()
            .method(method)
            .uri(req.url)
            .header("user-agent", concat!("drplan/", env!("CARGO_PKG_VERSION")));
        for (k, v) in req.headers {
            builder = builder.header(k.as_str(), v.as_str());
        }
        let body = http_body_util::Full::new(hyper::body::Bytes::from(req.body.unwrap_or_default().to_string()));
        let request = builder.body(body).map_err(|e| format!("{}: {e}", req.url))?;
        let exchange = async {
            let response = client.request(request).await.map_err(|e| describe(&e))?;
            let status = response.status().as_u16();
            let headers = response
                .headers()
                .iter()
                .map(|(k, v)| (canonical(k.as_str()), String::from_utf8_lossy(v.as_bytes()).into_owned()))
                .collect();
            let body = response.into_body().collect().await.map_err(|e| e.to_string())?.to_bytes().to_vec();
            Ok::<_, String>(Response { status, headers, body })
        };
        let limit = match timeout.as_millis() {
            ms if ms % 1000 == 0 => format!("no answer within {}s", ms / 1000),
            ms => format!("no answer within {ms} ms"),
        };
        tokio::time::timeout(timeout, exchange).await.map_err(|_| limit)?
    })
}

/// A header's name as Go's net/http gives it (`content-type` is `Content-Type`).
fn canonical(name: &str) -> String {
    name.split('-')
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// An error with its causes.
pub fn describe(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        // Some clients repeat the cause inside their own message.
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(&format!(": {text}"));
        }
        source = s.source();
    }
    out
}

/// `data "http"`: the request its arguments describe, made now, with hashicorp/http 3's
/// attributes (any status is a result, as in that version; a failed connection is an error,
/// tried `retry.attempts` more times).
pub fn read(config: &Value) -> Result<Value, String> {
    let url = config.get("url").and_then(Value::as_str).ok_or("url is required")?;
    for unsupported in ["insecure", "ca_cert_pem", "client_cert_pem", "client_key_pem"] {
        if config.get(unsupported).is_some_and(|v| !v.is_null() && *v != Value::Bool(false)) {
            return Err(format!("drplan does not support the http data source's {unsupported} yet"));
        }
    }
    let headers: BTreeMap<String, String> = config
        .get("request_headers")
        .and_then(Value::as_map)
        .map(|m| m.iter().filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string()))).collect())
        .unwrap_or_default();
    let method = config.get("method").and_then(Value::as_str).unwrap_or("GET");
    let body = config.get("request_body").and_then(Value::as_str);
    let number = |v: Option<&Value>| match v {
        Some(Value::Number(n)) => n.to_i64().filter(|n| *n > 0).map(|n| n as u64),
        _ => None,
    };
    let timeout = number(config.get("request_timeout_ms")).map_or(DEFAULT_TIMEOUT, Duration::from_millis);
    let retry = config.get("retry").and_then(|r| r.as_seq().and_then(|s| s.first()).or(Some(r)));
    let attempts = 1 + number(retry.and_then(|r| r.get("attempts"))).unwrap_or(0).min(10);
    let delay = Duration::from_millis(number(retry.and_then(|r| r.get("min_delay_ms"))).unwrap_or(0));
    let request = Request { method, url, headers: &headers, body };
    let mut last = String::new();
    for attempt in 0..attempts {
        if attempt > 0 {
            std::thread::sleep(delay);
        }
        match send(&request, timeout) {
            Ok(response) => return Ok(value(config, url, response)),
            Err(why) => last = why,
        }
    }
    Err(format!("{method} {url}: {last}"))
}

fn value(config: &Value, url: &str, r: Response) -> Value {
    let mut out = config.as_map().cloned().unwrap_or_default();
    let text = String::from_utf8_lossy(&r.body).into_owned();
    out.insert("id".into(), Value::from(url));
    out.insert("response_body".into(), Value::from(text.as_str()));
    out.insert("body".into(), Value::from(text.as_str()));
    out.insert("response_body_base64".into(), Value::from(base64::engine::general_purpose::STANDARD.encode(&r.body)));
    out.insert("status_code".into(), Value::from(f64::from(r.status)));
    let headers = r.headers.into_iter().map(|(k, v)| (k, Value::from(v.as_str()))).collect();
    out.insert("response_headers".into(), Value::Map(headers));
    Value::Map(out.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A server answering `answer` to one request on a local port; its URL.
    fn serve(answer: &'static [u8]) -> String {
        use std::io::{Read as _, Write as _};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            let (mut conn, _) = listener.accept().unwrap();
            let mut buf = [0u8; 1024];
            let _ = conn.read(&mut buf);
            let _ = conn.write_all(answer);
        });
        format!("http://127.0.0.1:{port}/ip")
    }

    #[test]
    fn the_data_source_reads_status_headers_and_body() {
        let url = serve(b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 9\r\n\r\n203.0.113");
        let config = Value::Map([("url".to_string(), Value::from(url.as_str()))].into());
        let v = read(&config).unwrap();
        assert_eq!(v.get("response_body"), Some(&Value::from("203.0.113")));
        assert_eq!(v.get("status_code"), Some(&Value::from(200.0)));
        assert_eq!(v.get("id"), Some(&Value::from(url.as_str())));
        assert_eq!(v.get("response_headers").and_then(|h| h.get("Content-Type")), Some(&Value::from("text/plain")));
        assert_eq!(v.get("response_body_base64"), Some(&Value::from("MjAzLjAuMTEz")));
    }

    #[test]
    fn a_silent_endpoint_is_an_error_within_the_timeout() {
        let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://127.0.0.1:{}/", silent.local_addr().unwrap().port());
        let config = Value::Map(
            [("url".to_string(), Value::from(url.as_str())), ("request_timeout_ms".to_string(), Value::from(300.0))]
                .into(),
        );
        let started = std::time::Instant::now();
        let err = read(&config).unwrap_err();
        assert!(err.contains("no answer within"), "{err}");
        assert!(started.elapsed() < Duration::from_secs(5));
        let insecure = Value::Map(
            [("url".to_string(), Value::from(url.as_str())), ("insecure".to_string(), Value::Bool(true))].into(),
        );
        assert!(read(&insecure).unwrap_err().contains("insecure"));
    }
}
