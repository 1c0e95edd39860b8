//! Running a provider plugin: start the executable, read go-plugin's handshake line, connect a
//! gRPC channel to the socket it names, and make `tfplugin5` calls, each time-boxed. The process
//! is killed when the [`Plugin`] is dropped, as Terraform does when it is done with a provider.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tonic::codegen::http::uri::PathAndQuery;

use super::wire;

/// go-plugin's magic cookie for Terraform providers: without it a provider refuses to serve.
const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
const MAGIC_COOKIE_VALUE: &str = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";
/// The largest message drplan accepts: provider-aws's whole schema is tens of MB.
const MAX_MESSAGE: usize = 512 << 20;
/// Calls in flight at once when many are made together.
const CONCURRENT_CALLS: usize = 32;
/// How much of the provider's stderr is kept for error messages.
const STDERR_TAIL: usize = 4096;

#[derive(Debug, thiserror::Error)]
pub enum PluginError {
    #[error("cannot start {}: {source}", .binary.display())]
    Start { binary: PathBuf, source: std::io::Error },
    #[error("{} did not start as a Terraform provider: {detail}{}", .binary.display(), tail(.stderr))]
    Handshake { binary: PathBuf, detail: String, stderr: String },
    #[error("the provider did not answer {method} within {} s", .limit.as_secs())]
    Timeout { method: &'static str, limit: Duration },
    #[error("the provider failed {method}: {status}")]
    Rpc { method: &'static str, status: String },
}

impl PluginError {
    /// The connection to the provider broke: it crashed (or was killed), and every call after
    /// it fails the same way.
    pub fn lost_connection(&self) -> bool {
        let lost = ["transport error", "Connection refused", "Broken pipe", "connection reset"];
        matches!(self, PluginError::Rpc { status, .. } if lost.iter().any(|l| status.contains(l)))
    }
}

fn tail(stderr: &str) -> String {
    match stderr.trim() {
        "" => String::new(),
        t => format!("; it said: {t}"),
    }
}

/// A running provider process and a gRPC channel to it.
pub struct Plugin {
    /// Behind a lock so a hung provider can be killed while calls to it are still waiting.
    child: Mutex<Child>,
    /// Always `Some` until dropped (then shut down without blocking, which is allowed even
    /// from inside another runtime).
    runtime: Option<tokio::runtime::Runtime>,
    channel: tonic::transport::Channel,
    /// The last of what the provider wrote on stderr, for errors when it fails.
    stderr: Arc<Mutex<String>>,
}

impl Plugin {
    /// Starts `binary` and connects to it; `limit` bounds the start and the handshake.
    pub fn start(binary: &Path, limit: Duration) -> Result<Plugin, PluginError> {
        Plugin::start_with(binary, limit, &[])
    }

    /// [`Plugin::start`] with extra environment variables for the provider process.
    pub fn start_with(binary: &Path, limit: Duration, env: &[(&str, &str)]) -> Result<Plugin, PluginError> {
        let mut child = Command::new(binary)
            .envs(env.iter().copied())
            .env(MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE)
            .env("PLUGIN_PROTOCOL_VERSIONS", "5")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|source| PluginError::Start { binary: binary.to_path_buf(), source })?;
        let stderr = Arc::new(Mutex::new(String::new()));
        keep_tail(child.stderr.take(), stderr.clone());
        let handshake_err = |detail: String, stderr: &Arc<Mutex<String>>| PluginError::Handshake {
            binary: binary.to_path_buf(),
            detail,
            stderr: stderr.lock().map(|s| s.clone()).unwrap_or_default(),
        };
        let line = match first_line(child.stdout.take(), limit) {
            Ok(line) => line,
            Err(detail) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(handshake_err(detail, &stderr));
            }
        };
        let socket = match parse_handshake(&line) {
            Ok(socket) => socket,
            Err(detail) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(handshake_err(detail, &stderr));
            }
        };
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .map_err(|e| handshake_err(format!("no async runtime: {e}"), &stderr))?;
        let connected = runtime.block_on(async { tokio::time::timeout(limit, connect(socket)).await });
        let channel = match connected {
            Ok(Ok(channel)) => channel,
            Ok(Err(e)) => return Err(handshake_err(format!("cannot connect to its socket: {e}"), &stderr)),
            Err(_) => return Err(PluginError::Timeout { method: "connect", limit }),
        };
        Ok(Plugin { child: Mutex::new(child), runtime: Some(runtime), channel, stderr })
    }

    /// Ends the process at once (a provider that stopped answering): calls still waiting on it
    /// fail as a lost connection.
    pub fn kill(&self) {
        if let Ok(mut child) = self.child.lock() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// `GetSchema`: every resource type's and data source's schema.
    pub fn get_schema(&self, limit: Duration) -> Result<wire::GetSchemaResponse, PluginError> {
        self.call("GetSchema", wire::method::GET_SCHEMA, wire::GetSchemaRequest {}, limit)
    }

    /// `ValidateResourceTypeConfig` or `ValidateDataSourceConfig`, the provider's own checks of
    /// blocks (configurations in MessagePack, see [`super::codec`]), many at once (the provider
    /// serves calls concurrently, as Terraform's parallel walk uses it): one answer per
    /// `(data source?, type, configuration)`, in order.
    pub fn validate_all(
        &self,
        items: Vec<(bool, String, Vec<u8>)>,
        limit: Duration,
    ) -> Vec<Result<Vec<wire::Diagnostic>, PluginError>> {
        let dv = |config: Vec<u8>| Some(wire::DynamicValue { msgpack: config, json: Vec::new() });
        let capabilities = wire::ClientCapabilities { deferral_allowed: false, write_only_attributes_allowed: true };
        let (mut data, mut resources) = (Vec::new(), Vec::new());
        for (index, (is_data, type_name, config)) in items.into_iter().enumerate() {
            match is_data {
                true => data.push((index, wire::ValidateDataSourceRequest { type_name, config: dv(config) })),
                false => resources.push((
                    index,
                    wire::ValidateResourceRequest {
                        type_name,
                        config: dv(config),
                        client_capabilities: Some(capabilities.clone()),
                    },
                )),
            }
        }
        let (data_at, data): (Vec<usize>, Vec<_>) = data.into_iter().unzip();
        let (resources_at, resources): (Vec<usize>, Vec<_>) = resources.into_iter().unzip();
        let answers = |r: Result<wire::ValidateResponse, PluginError>| r.map(|r| r.diagnostics);
        let data = self.call_many("ValidateDataSourceConfig", wire::method::VALIDATE_DATA_SOURCE, data, limit);
        let resources = self.call_many("ValidateResourceTypeConfig", wire::method::VALIDATE_RESOURCE, resources, limit);
        let mut out: Vec<(usize, Result<Vec<wire::Diagnostic>, PluginError>)> = data_at
            .into_iter()
            .zip(data.into_iter().map(answers))
            .chain(resources_at.into_iter().zip(resources.into_iter().map(answers)))
            .collect();
        out.sort_by_key(|(index, _)| *index);
        out.into_iter().map(|(_, r)| r).collect()
    }

    /// One call, waiting for it on the plugin's own runtime (never from inside another runtime:
    /// use [`Plugin::call_async`] there).
    pub fn call<Req, Resp>(
        &self,
        name: &'static str,
        path: &'static str,
        request: Req,
        limit: Duration,
    ) -> Result<Resp, PluginError>
    where
        Req: prost::Message + Send + Sync + 'static,
        Resp: prost::Message + Default + Send + Sync + 'static,
    {
        self.block_on(self.call_async(name, path, request, limit))
    }

    /// What the provider wrote last on stderr (a crash's panic), as "; it said: ...". Its last
    /// lines can trail the broken connection by a moment, so this waits briefly for them.
    pub fn last_words(&self) -> String {
        std::thread::sleep(Duration::from_millis(300));
        tail(&self.stderr.lock().map(|s| s.clone()).unwrap_or_default())
    }

    /// A broken connection usually means the provider crashed: what it said last explains why.
    fn explained(&self, e: PluginError) -> PluginError {
        match e {
            PluginError::Rpc { method, status } if status.contains("transport") => {
                let said = self.stderr.lock().map(|s| s.clone()).unwrap_or_default();
                PluginError::Rpc { method, status: format!("{status}{}", tail(&said)) }
            }
            other => other,
        }
    }

    /// Runs `f` to completion on the plugin's runtime (from outside any runtime).
    pub fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.runtime().block_on(f)
    }

    fn runtime(&self) -> &tokio::runtime::Runtime {
        self.runtime.as_ref().expect("the runtime lives as long as the plugin")
    }

    /// One call from any async context: the channel's connection is driven by the plugin's
    /// runtime, so callers on another runtime (apply's) can await it.
    pub async fn call_async<Req, Resp>(
        &self,
        name: &'static str,
        path: &'static str,
        request: Req,
        limit: Duration,
    ) -> Result<Resp, PluginError>
    where
        Req: prost::Message + Send + Sync + 'static,
        Resp: prost::Message + Default + Send + Sync + 'static,
    {
        unary(self.channel.clone(), name, path, request, limit).await.map_err(|e| self.explained(e))
    }

    /// Many calls of one method, [`CONCURRENT_CALLS`] in flight, answers in order.
    pub fn call_many<Req, Resp>(
        &self,
        name: &'static str,
        path: &'static str,
        requests: Vec<Req>,
        limit: Duration,
    ) -> Vec<Result<Resp, PluginError>>
    where
        Req: prost::Message + Send + Sync + 'static,
        Resp: prost::Message + Default + Send + Sync + 'static,
    {
        let channel = self.channel.clone();
        self.runtime().block_on(async move {
            let permits = Arc::new(tokio::sync::Semaphore::new(CONCURRENT_CALLS));
            let mut tasks = tokio::task::JoinSet::new();
            let total = requests.len();
            for (index, request) in requests.into_iter().enumerate() {
                let (channel, permits) = (channel.clone(), permits.clone());
                tasks.spawn(async move {
                    let _permit = permits.acquire_owned().await;
                    (index, unary::<Req, Resp>(channel, name, path, request, limit).await)
                });
            }
            let mut out: Vec<Option<Result<Resp, PluginError>>> = (0..total).map(|_| None).collect();
            while let Some(joined) = tasks.join_next().await {
                if let Ok((index, result)) = joined {
                    out[index] = Some(result);
                }
            }
            let unfinished = || PluginError::Rpc { method: name, status: "the call did not finish".into() };
            out.into_iter().map(|r| r.unwrap_or_else(|| Err(unfinished()))).collect()
        })
    }
}

/// One unary call on `channel`, time-boxed.
async fn unary<Req, Resp>(
    channel: tonic::transport::Channel,
    name: &'static str,
    path: &'static str,
    request: Req,
    limit: Duration,
) -> Result<Resp, PluginError>
where
    Req: prost::Message + Send + Sync + 'static,
    Resp: prost::Message + Default + Send + Sync + 'static,
{
    let mut grpc =
        tonic::client::Grpc::new(channel).max_decoding_message_size(MAX_MESSAGE).max_encoding_message_size(MAX_MESSAGE);
    let call = async {
        grpc.ready().await.map_err(|e| tonic::Status::unavailable(e.to_string()))?;
        let codec = tonic_prost::ProstCodec::<Req, Resp>::default();
        grpc.unary(tonic::Request::new(request), PathAndQuery::from_static(path), codec).await
    };
    match tokio::time::timeout(limit, call).await {
        Ok(Ok(response)) => Ok(response.into_inner()),
        Ok(Err(status)) => Err(PluginError::Rpc { method: name, status: status.message().to_string() }),
        Err(_) => Err(PluginError::Timeout { method: name, limit }),
    }
}

impl Drop for Plugin {
    fn drop(&mut self) {
        // Best effort: ask it to stop, then make sure it has. (Not from inside another
        // runtime, where waiting on this one's is not allowed: killing it is enough there.)
        if tokio::runtime::Handle::try_current().is_err() {
            let _ = self.call::<_, wire::StopResponse>(
                "Stop",
                wire::method::STOP,
                wire::StopRequest {},
                Duration::from_secs(2),
            );
        }
        self.kill();
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// The socket go-plugin's handshake line names: `1|5|unix|/tmp/plugin123|grpc|`.
fn parse_handshake(line: &str) -> Result<Socket, String> {
    let parts: Vec<&str> = line.trim().split('|').collect();
    match parts.as_slice() {
        ["1", "5", network, address, "grpc", ..] => match *network {
            "unix" => Ok(Socket::Unix(PathBuf::from(address))),
            "tcp" => Ok(Socket::Tcp(address.to_string())),
            other => Err(format!("unsupported network {other:?}")),
        },
        ["1", version, ..] => Err(format!("it speaks plugin protocol {version}; drplan speaks 5")),
        _ => Err(format!("unexpected handshake {:?}", line.trim())),
    }
}

#[derive(Debug, PartialEq)]
enum Socket {
    Unix(PathBuf),
    Tcp(String),
}

async fn connect(socket: Socket) -> Result<tonic::transport::Channel, tonic::transport::Error> {
    match socket {
        Socket::Tcp(address) => tonic::transport::Endpoint::try_from(format!("http://{address}"))?.connect().await,
        Socket::Unix(path) => {
            // The URI is required but unused: every connection goes to the socket.
            tonic::transport::Endpoint::from_static("http://provider.invalid")
                .connect_with_connector(tower::service_fn(move |_| {
                    let path = path.clone();
                    async move {
                        Ok::<_, std::io::Error>(hyper_util::rt::TokioIo::new(
                            tokio::net::UnixStream::connect(path).await?,
                        ))
                    }
                }))
                .await
        }
    }
}

/// The first line the process writes on stdout, within `limit`.
fn first_line(stdout: Option<impl Read + Send + 'static>, limit: Duration) -> Result<String, String> {
    let stdout = stdout.ok_or("no stdout")?;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        let mut line = String::new();
        let read = reader.read_line(&mut line).map(|_| line);
        let _ = tx.send(read);
        // Keep draining so the provider never blocks on a full pipe.
        let _ = std::io::copy(&mut reader, &mut std::io::sink());
    });
    match rx.recv_timeout(limit) {
        Ok(Ok(line)) if !line.is_empty() => Ok(line),
        Ok(Ok(_)) => Err("it exited without a handshake".into()),
        Ok(Err(e)) => Err(format!("cannot read its output: {e}")),
        Err(_) => Err(format!("no handshake within {} s", limit.as_secs())),
    }
}

/// Drains `stderr` in the background, keeping the last [`STDERR_TAIL`] bytes of its plain-text
/// lines (a panic; never the structured log, which holds request bodies), and copying
/// every line to the file `DRPLAN_PROVIDER_LOG` names, if any (with `TF_LOG=debug`, the
/// provider's own log).
fn keep_tail(stderr: Option<impl Read + Send + 'static>, into: Arc<Mutex<String>>) {
    let Some(stderr) = stderr else { return };
    let mut log = std::env::var_os("DRPLAN_PROVIDER_LOG")
        .and_then(|p| std::fs::OpenOptions::new().create(true).append(true).open(p).ok());
    std::thread::spawn(move || {
        // From a Go panic on, its message and the top of its trace are what explains the crash:
        // keep those rather than the trace's end.
        let mut panicked = false;
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if let Some(log) = log.as_mut() {
                use std::io::Write;
                let _ = writeln!(log, "{line}");
            }
            // Structured log lines (hclog's JSON, `{"@level":...}`) record requests, bodies
            // included, so they could carry secrets; what explains a crash is plain text.
            // The greeting (`Starting github.com/hashicorp/terraform-provider-aws@...`) neither.
            if line.starts_with("{\"@") || line.starts_with("Starting github.com/") {
                continue;
            }
            let Ok(mut buf) = into.lock() else { break };
            if line.starts_with("panic: ") && !panicked {
                panicked = true;
                buf.clear();
            } else if panicked && buf.len() >= STDERR_TAIL {
                continue;
            }
            buf.push_str(&line);
            buf.push('\n');
            if buf.len() > STDERR_TAIL && !panicked {
                let mut cut = buf.len() - STDERR_TAIL;
                while !buf.is_char_boundary(cut) {
                    cut += 1;
                }
                buf.drain(..cut);
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handshake_lines() {
        assert_eq!(parse_handshake("1|5|unix|/tmp/plugin1|grpc|\n"), Ok(Socket::Unix("/tmp/plugin1".into())));
        assert_eq!(parse_handshake("1|5|tcp|127.0.0.1:1234|grpc|"), Ok(Socket::Tcp("127.0.0.1:1234".into())));
        assert_eq!(
            parse_handshake("1|6|unix|/tmp/p|grpc|").unwrap_err(),
            "it speaks plugin protocol 6; drplan speaks 5"
        );
        assert!(parse_handshake("This binary is a plugin.").unwrap_err().starts_with("unexpected handshake"));
    }

    /// A program that is not a provider: a clear error, promptly, with what it printed.
    #[test]
    fn a_non_provider_is_refused_with_its_output() {
        let tmp = tempfile::tempdir().unwrap();
        let fake = tmp.path().join("terraform-provider-aws");
        std::fs::write(&fake, "#!/bin/sh\necho 'not a plugin' >&2\necho hello\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
        let err = Plugin::start(&fake, Duration::from_secs(20)).err().unwrap().to_string();
        assert!(err.contains("did not start as a Terraform provider: unexpected handshake \"hello\""), "{err}");
        let silent = tmp.path().join("silent");
        std::fs::write(&silent, "#!/bin/sh\nexit 3\n").unwrap();
        std::fs::set_permissions(&silent, std::fs::Permissions::from_mode(0o755)).unwrap();
        let err = Plugin::start(&silent, Duration::from_secs(20)).err().unwrap().to_string();
        assert!(err.contains("it exited without a handshake"), "{err}");
    }

    /// A "provider" whose socket answers garbage (not HTTP/2): an error naming the call, within
    /// the call's bound, never a panic or a hang.
    #[test]
    fn garbage_on_the_wire_is_an_error() {
        use std::io::Write;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let mut conn = conn;
                let _ = conn.write_all(b"\x00\xffgarbage, not HTTP/2\r\n\r\n\x07\x07\x07");
                std::thread::sleep(Duration::from_millis(200));
            }
        });
        let tmp = tempfile::tempdir().unwrap();
        let fake = tmp.path().join("terraform-provider-aws");
        std::fs::write(&fake, format!("#!/bin/sh\necho '1|5|tcp|127.0.0.1:{port}|grpc|'\nsleep 30\n")).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
        let started = std::time::Instant::now();
        let err = match Plugin::start(&fake, Duration::from_secs(10)) {
            Ok(plugin) => plugin.get_schema(Duration::from_secs(10)).expect_err("garbage is not a schema").to_string(),
            Err(e) => e.to_string(),
        };
        assert!(started.elapsed() < Duration::from_secs(25), "bounded: {:?}", started.elapsed());
        assert!(err.contains("GetSchema") || err.contains("connect"), "{err}");
    }
}
