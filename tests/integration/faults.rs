//! A loopback proxy between drplan and moto that records every call and injects faults:
//! throttling answered instead of forwarding, 5xx answered *after* forwarding (the call took
//! effect but the answer was lost: the case that duplicates objects on a blind retry),
//! "creating"/"pending" states held for several polls, and delays.
//!
//! Plain threads and HTTP/1.1 framing by hand: the SDK sends Content-Length bodies, moto
//! answers with Content-Length or closes the connection.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What to inject; every `n`-th mutating call (0 = never) gets the fault.
#[derive(Clone, Debug, Default)]
pub struct Faults {
    /// Answer 400 Throttling without forwarding.
    pub throttle_every: usize,
    /// Forward, then answer 500 (the effect happened, the answer is lost).
    pub lose_answer_every: usize,
    /// Forward, then close the connection without an answer (the shared faultproxy's "lost":
    /// the client cannot tell whether the call took effect).
    pub drop_answer_every: usize,
    /// Every `n`-th read (Describe/List/Get) is forwarded and its connection closed unanswered.
    pub drop_read_every: usize,
    /// The first call of each of these actions (as [`Call::action`] names them: `CreateTopic`,
    /// `PUT /bucket`) is forwarded and its connection closed unanswered: one lost answer,
    /// exactly where a test wants it.
    pub drop_first_answer_of: Vec<String>,
    /// The first call of this action (as [`Call::action`] names it) is forwarded, then the
    /// process that sent it (the provider) gets this signal (`KILL`: it dies mid-call; `STOP`:
    /// it hangs) and the connection is closed unanswered.
    pub signal_sender_of: Option<(String, &'static str)>,
    /// Hold each readiness state (instance running, DB available, LB active, NAT available)
    /// at its in-progress value for this many polls per object kind.
    pub hold_polls: usize,
    /// Delay every answer by this much.
    pub delay: Duration,
    /// Delay every answer from this region by this much (a region that hangs).
    pub slow_region: Option<(String, Duration)>,
    /// 0: the `*_every` faults hit every n-th call exactly. Otherwise each call is hit with
    /// probability 1/n, decided from this seed and the call's number (as the shared
    /// faultproxy's seeded mix), so a retried step does not meet the same fault every time.
    pub seed: u64,
}

impl Faults {
    /// Whether the `nth` call (of its kind: writes or reads) gets the fault that hits every
    /// `every` calls (`salt` keeps the faults of one call independent).
    fn hits(&self, nth: usize, every: usize, salt: u64) -> bool {
        if nth == 0 || every == 0 {
            return false;
        }
        if self.seed == 0 {
            return (nth as u64 + salt).is_multiple_of(every as u64);
        }
        // splitmix64 of (seed, salt, nth): uniform enough for a fault mix.
        let mut z =
            self.seed ^ salt.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ (nth as u64).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        (z ^ (z >> 31)).is_multiple_of(every as u64)
    }
}

/// One call seen by the proxy.
#[derive(Clone, Debug)]
pub struct Call {
    pub region: String,
    /// ec2, rds, elasticloadbalancing, route53.
    pub service: String,
    pub action: String,
    /// EC2's DryRun flag: AWS checks the permission and does nothing.
    pub dry_run: bool,
}

impl Call {
    /// Whether the call can change anything (everything but Describe/List/Get and dry runs).
    pub fn mutating(&self) -> bool {
        let reads = ["Describe", "List", "Get", "HEAD "];
        !(self.dry_run || reads.iter().any(|r| self.action.starts_with(r)))
    }
}

pub struct Proxy {
    pub endpoint: String,
    pub calls: Arc<Mutex<Vec<Call>>>,
    stop: Arc<AtomicBool>,
    shared: Arc<Shared>,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.endpoint.trim_start_matches("http://"));
        // A stopped process is not left behind stopped.
        for pid in self.signalled() {
            let _ = std::process::Command::new("kill").args(["-KILL", &pid.to_string()]).status();
        }
    }
}

struct Shared {
    upstream: String,
    faults: Faults,
    calls: Arc<Mutex<Vec<Call>>>,
    mutations: AtomicUsize,
    reads: AtomicUsize,
    held: Mutex<HashMap<&'static str, usize>>,
    /// Actions of `drop_first_answer_of` whose answer was dropped already.
    dropped_once: Mutex<std::collections::HashSet<String>>,
    /// Processes `signal_sender_of` signalled.
    signalled: Mutex<Vec<u32>>,
}

impl Proxy {
    pub fn start(upstream: &str, faults: Faults) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let calls = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let shared = Arc::new(Shared {
            upstream: upstream.trim_start_matches("http://").to_string(),
            faults,
            calls: calls.clone(),
            mutations: AtomicUsize::new(0),
            reads: AtomicUsize::new(0),
            held: Mutex::new(HashMap::new()),
            dropped_once: Mutex::new(Default::default()),
            signalled: Mutex::new(Vec::new()),
        });
        let shared_view = shared.clone();
        let stop2 = stop.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let shared = shared.clone();
                std::thread::spawn(move || {
                    let _ = serve(conn, &shared);
                });
            }
        });
        Proxy { endpoint, calls, stop, shared: shared_view }
    }

    pub fn calls(&self) -> Vec<Call> {
        self.calls.lock().unwrap().clone()
    }

    /// The processes `signal_sender_of` signalled (none when its call never came).
    pub fn signalled(&self) -> Vec<u32> {
        self.shared.signalled.lock().unwrap().clone()
    }
}

/// The process holding the loopback TCP connection whose local port is `port`, from
/// `/proc/net/tcp` (the socket's inode) and `/proc/*/fd` (who holds it).
fn process_with_local_port(port: u16) -> Option<u32> {
    let table =
        std::fs::read_to_string("/proc/net/tcp").ok()? + &std::fs::read_to_string("/proc/net/tcp6").unwrap_or_default();
    let suffix = format!(":{port:04X}");
    // An established connection (state 01): a closed one that used the same port before waits
    // in TIME_WAIT with inode 0, and no process holds it.
    let inode = table.lines().skip(1).find_map(|line| {
        let cols: Vec<&str> = line.split_whitespace().collect();
        let ours = cols.get(1)?.ends_with(&suffix) && cols.get(3) == Some(&"01") && cols.get(9) != Some(&"0");
        ours.then(|| cols.get(9).map(|s| s.to_string()))?
    })?;
    let wanted = format!("socket:[{inode}]");
    for proc_dir in std::fs::read_dir("/proc").ok()?.flatten() {
        let Ok(pid) = proc_dir.file_name().to_string_lossy().parse::<u32>() else { continue };
        let Ok(fds) = std::fs::read_dir(proc_dir.path().join("fd")) else { continue };
        if fds.flatten().any(|fd| std::fs::read_link(fd.path()).is_ok_and(|l| l.to_string_lossy() == wanted)) {
            return Some(pid);
        }
    }
    None
}

pub(crate) struct Request {
    pub(crate) head: String,
    pub(crate) body: Vec<u8>,
}

fn read_request(r: &mut BufReader<TcpStream>) -> std::io::Result<Option<Request>> {
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if r.read_line(&mut line)? == 0 {
            return Ok(None);
        }
        head.push_str(&line);
        if line == "\r\n" {
            break;
        }
    }
    let len = header(&head, "content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
    let mut body = vec![0; len];
    r.read_exact(&mut body)?;
    Ok(Some(Request { head, body }))
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

fn classify(req: &Request) -> Call {
    let auth = header(&req.head, "authorization").unwrap_or_default();
    // Credential=AKID/20261123/us-west-2/ec2/aws4_request
    let scope: Vec<&str> =
        auth.split("Credential=").nth(1).unwrap_or_default().split(',').next().unwrap_or_default().split('/').collect();
    let region = scope.get(2).copied().unwrap_or_default().to_string();
    let service = scope.get(3).copied().unwrap_or_default().to_string();
    let body = String::from_utf8_lossy(&req.body);
    // JSON protocols (Service Quotas) name the operation in X-Amz-Target: `Service.Operation`.
    let target = header(&req.head, "x-amz-target").and_then(|t| t.rsplit('.').next()).map(str::to_string);
    let query = body.split('&').find_map(|kv| kv.strip_prefix("Action=")).map(str::to_string);
    let action = query.or(target).unwrap_or_else(|| {
        // Route 53 is REST: the method and the path say what it does.
        let line = req.head.lines().next().unwrap_or_default();
        let mut parts = line.split(' ');
        let method = parts.next().unwrap_or_default();
        let path = parts.next().unwrap_or_default();
        if method == "GET" { format!("Get {path}") } else { format!("{method} {path}") }
    });
    let dry_run = body.split('&').any(|kv| kv == "DryRun=true");
    Call { region, service, action, dry_run }
}

/// An error body in EC2's shape or the query/REST-XML shape of the other services.
pub(crate) fn error_xml(ec2: bool, code: &str, message: &str) -> String {
    if ec2 {
        format!(
            "<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors><RequestID>x</RequestID></Response>"
        )
    } else {
        format!(
            "<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>x</RequestId></ErrorResponse>"
        )
    }
}

fn respond(w: &mut TcpStream, status: &str, body: &[u8]) -> std::io::Result<()> {
    write!(w, "HTTP/1.1 {status}\r\ncontent-type: text/xml\r\ncontent-length: {}\r\n\r\n", body.len())?;
    w.write_all(body)?;
    w.flush()
}

pub(crate) fn forward(upstream: &str, req: &Request) -> std::io::Result<(String, Vec<u8>)> {
    let mut up = TcpStream::connect(upstream)?;
    let mut head = String::new();
    for (i, line) in req.head.lines().enumerate() {
        if i > 0 && line.to_ascii_lowercase().starts_with("connection:") {
            continue;
        }
        if line.is_empty() {
            break;
        }
        head.push_str(line);
        head.push_str("\r\n");
    }
    head.push_str("connection: close\r\n\r\n");
    up.write_all(head.as_bytes())?;
    up.write_all(&req.body)?;
    let mut raw = Vec::new();
    up.read_to_end(&mut raw)?;
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").map(|p| p + 4).unwrap_or(raw.len());
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let status = head.lines().next().unwrap_or_default().split_once(' ').map_or("200 OK", |x| x.1).to_string();
    Ok((status, raw[split..].to_vec()))
}

/// In-progress versions of readiness markers, per describe action.
const HOLDS: &[(&str, &str, &str)] = &[
    ("DescribeInstances", "<name>running</name>", "<name>pending</name>"),
    (
        "DescribeDBInstances",
        "<DBInstanceStatus>available</DBInstanceStatus>",
        "<DBInstanceStatus>creating</DBInstanceStatus>",
    ),
    ("DescribeLoadBalancers", "<Code>active</Code>", "<Code>provisioning</Code>"),
    ("DescribeNatGateways", "<state>available</state>", "<state>pending</state>"),
];

fn serve(conn: TcpStream, shared: &Shared) -> std::io::Result<()> {
    let mut writer = conn.try_clone()?;
    let mut reader = BufReader::new(conn);
    while let Some(req) = read_request(&mut reader)? {
        let call = classify(&req);
        shared.calls.lock().unwrap().push(call.clone());
        let f = &shared.faults;
        if !f.delay.is_zero() {
            std::thread::sleep(f.delay);
        }
        if let Some((region, delay)) = &f.slow_region
            && *region == call.region
        {
            std::thread::sleep(*delay);
        }
        let nth = if call.mutating() { shared.mutations.fetch_add(1, Ordering::SeqCst) + 1 } else { 0 };
        if f.hits(nth, f.throttle_every, 0) {
            // Each protocol's own error shape, as AWS sends it.
            let (status, body) = if call.service == "ec2" {
                ("503 Service Unavailable", error_xml(true, "RequestLimitExceeded", "Request limit exceeded."))
            } else if call.service == "s3" {
                ("503 Slow Down", "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message><RequestId>x</RequestId></Error>".to_string())
            } else if header(&req.head, "x-amz-target").is_some() {
                // JSON protocols (Secrets Manager, KMS, ...) answer in JSON.
                ("400 Bad Request", r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#.to_string())
            } else {
                ("400 Bad Request", error_xml(false, "Throttling", "Rate exceeded"))
            };
            respond(&mut writer, status, body.as_bytes())?;
            continue;
        }
        let nth_read = if call.mutating() { 0 } else { shared.reads.fetch_add(1, Ordering::SeqCst) + 1 };
        if let Some((status, body)) = crate::moto_fixes::refused_as_aws_would(&shared.upstream, &call.action, &req) {
            respond(&mut writer, status, body.as_bytes())?;
            continue;
        }
        let (status, mut body) = forward(&shared.upstream, &req)?;
        let dropped_write = f.hits(nth, f.drop_answer_every, 2);
        let dropped_read = f.hits(nth_read, f.drop_read_every, 0);
        let dropped_once = f.drop_first_answer_of.contains(&call.action)
            && shared.dropped_once.lock().unwrap().insert(call.action.clone());
        if let Some((action, signal)) = &f.signal_sender_of
            && *action == call.action
            && shared.dropped_once.lock().unwrap().insert(format!("signal {action}"))
        {
            let sender = writer.peer_addr().ok().and_then(|a| process_with_local_port(a.port()));
            if let Some(pid) = sender {
                let _ = std::process::Command::new("kill").args([format!("-{signal}"), pid.to_string()]).status();
                shared.signalled.lock().unwrap().push(pid);
            }
            let _ = writer.shutdown(std::net::Shutdown::Both);
            return Ok(());
        }
        if dropped_write || dropped_read || dropped_once {
            // Closing both halves: the client sees the connection end before any answer.
            let _ = writer.shutdown(std::net::Shutdown::Both);
            return Ok(());
        }
        if f.hits(nth, f.lose_answer_every, 1) {
            let body = error_xml(
                call.service == "ec2",
                "InternalError",
                "injected: the call took effect, the answer was lost",
            );
            respond(&mut writer, "500 Internal Server Error", body.as_bytes())?;
            continue;
        }
        if f.hold_polls > 0
            && let Some((action, ready, pending)) = HOLDS.iter().find(|(a, _, _)| *a == call.action)
        {
            let text = String::from_utf8_lossy(&body).to_string();
            if text.contains(ready) {
                let mut held = shared.held.lock().unwrap();
                let n = held.entry(action).or_default();
                if *n < f.hold_polls {
                    *n += 1;
                    body = text.replace(ready, pending).into_bytes();
                }
            }
        }
        let (status, body) = crate::moto_fixes::as_aws_answers(&call.action, status, body);
        respond(&mut writer, &status, &body)?;
    }
    Ok(())
}
