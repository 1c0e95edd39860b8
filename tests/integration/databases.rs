//! Real database servers for the data-check tests: PostgreSQL and MariaDB (Debian's packages,
//! installed by scripts/install-databases.sh when missing), each started on a free loopback
//! port in a temporary directory with TLS on, seeded by the test, and stopped when dropped.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The user and password every test server has (the secret the tests look for in output).
pub const USER: &str = "drplan_check";
pub const PASSWORD: &str = "pw-7f3a9c-never-printed";
pub const DATABASE: &str = "shop";

/// The servers are Debian's packages, which scripts/install-databases.sh installs (scripts/test.sh
/// runs it); the tests never install them. Tests that start one are in the `databases` tier.
fn ensure_installed() {
    let initdb = postgres_bin("initdb");
    assert!(
        initdb.is_absolute() && initdb.exists() && Path::new("/usr/sbin/mariadbd").exists(),
        "PostgreSQL and MariaDB servers are not installed: run scripts/install-databases.sh (scripts/test.sh does); a test that needs them carries #[cfg_attr(drplan_no_databases, ignore = ...)]"
    );
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A test CA and a server certificate it signed for `localhost` and 127.0.0.1:
/// (CA certificate, server certificate, server key).
fn certificate(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let [ca, ca_key, cert, key, csr, ext] =
        ["ca.crt", "ca.key", "server.crt", "server.key", "server.csr", "san.ext"].map(|f| dir.join(f));
    std::fs::write(&ext, "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n").unwrap();
    let openssl = |args: &[&std::ffi::OsStr]| {
        let out = Command::new("openssl").args(args).output().expect("openssl runs");
        assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    let os = |s: &'static str| std::ffi::OsStr::new(s);
    openssl(
        &[os("req"), os("-x509"), os("-newkey"), os("rsa:2048"), os("-nodes"), os("-days"), os("2")]
            .into_iter()
            .chain([
                os("-subj"),
                os("/CN=drplan test CA"),
                os("-keyout"),
                ca_key.as_os_str(),
                os("-out"),
                ca.as_os_str(),
            ])
            .collect::<Vec<_>>(),
    );
    openssl(
        &[os("req"), os("-new"), os("-newkey"), os("rsa:2048"), os("-nodes"), os("-subj"), os("/CN=localhost")]
            .into_iter()
            .chain([os("-keyout"), key.as_os_str(), os("-out"), csr.as_os_str()])
            .collect::<Vec<_>>(),
    );
    openssl(
        &[os("x509"), os("-req"), os("-days"), os("2"), os("-in"), csr.as_os_str(), os("-CA"), ca.as_os_str()]
            .into_iter()
            .chain([os("-CAkey"), ca_key.as_os_str(), os("-CAcreateserial"), os("-extfile"), ext.as_os_str()])
            .chain([os("-out"), cert.as_os_str()])
            .collect::<Vec<_>>(),
    );
    (ca, cert, key)
}

fn wait_for_port(port: u16, what: &str, child: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("{what} exited while starting: {status}");
        }
        assert!(Instant::now() < deadline, "{what} did not listen on {port} within 60s");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn run(cmd: &mut Command, what: &str) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// PostgreSQL refuses to run as root: as root, its commands run as the `postgres` user (set
/// on the process itself, so the server is our child and stops when we signal it).
fn as_postgres_user(program: &Path) -> Command {
    use std::os::unix::process::CommandExt as _;
    let mut c = Command::new(program);
    if is_root() {
        let id = |flag: &str| -> u32 {
            let out = Command::new("id").args([flag, "postgres"]).output().expect("id runs");
            String::from_utf8_lossy(&out.stdout).trim().parse().expect("a postgres user exists (Debian's package)")
        };
        c.gid(id("-g")).uid(id("-u"));
    }
    c
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn postgres_bin(name: &str) -> PathBuf {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|e| e.path().join("bin"))
        .collect();
    dirs.sort();
    dirs.into_iter().rev().map(|d| d.join(name)).find(|p| p.exists()).unwrap_or_else(|| PathBuf::from(name))
}

/// A PostgreSQL server on 127.0.0.1 with TLS, SCRAM passwords, the user [`USER`] and the
/// database [`DATABASE`].
pub struct Postgres {
    child: Child,
    pub port: u16,
    /// The CA that signed the server's certificate (for `tls = "verify-full"`).
    pub ca: PathBuf,
    dir: tempfile::TempDir,
}

impl Postgres {
    pub fn start() -> Postgres {
        ensure_installed();
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let (ca, cert, key) = certificate(dir.path());
        let pwfile = dir.path().join("pw");
        std::fs::write(&pwfile, PASSWORD).unwrap();
        if is_root() {
            run(Command::new("chown").args(["-R", "postgres"]).arg(dir.path()), "chown the server directory");
        }
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        run(
            as_postgres_user(&postgres_bin("initdb"))
                .args(["-D"])
                .arg(&data)
                .args(["-U", USER, "--auth=scram-sha-256", "--pwfile"])
                .arg(&pwfile)
                .args(["-E", "UTF8", "--no-sync"]),
            "initdb",
        );
        let port = free_port();
        let mut child = as_postgres_user(&postgres_bin("postgres"))
            .arg("-D")
            .arg(&data)
            .args(["-p", &port.to_string(), "-c", "listen_addresses=127.0.0.1", "-c", "ssl=on", "-c", "fsync=off"])
            .arg("-k")
            .arg(dir.path())
            .arg("-c")
            .arg(format!("ssl_cert_file={}", cert.display()))
            .arg("-c")
            .arg(format!("ssl_key_file={}", key.display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("postgres starts");
        wait_for_port(port, "postgres", &mut child);
        let pg = Postgres { child, port, ca, dir };
        pg.psql("postgres", &format!("CREATE DATABASE {DATABASE}"));
        pg
    }

    /// Runs `sql` in `database` as [`USER`] (over the Unix socket), returning what psql printed.
    pub fn psql(&self, database: &str, sql: &str) -> String {
        let mut c = Command::new("psql");
        c.args(["-X", "-At", "-v", "ON_ERROR_STOP=1", "-h"])
            .arg(self.dir.path())
            .args(["-p", &self.port.to_string(), "-U", USER, "-d", database, "-c", sql])
            .env("PGPASSWORD", PASSWORD);
        run(&mut c, "psql")
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        // A fast shutdown (SIGINT), then the wait.
        let _ = Command::new("kill").args(["-INT", &self.child.id().to_string()]).status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A MariaDB server on 127.0.0.1 with TLS, the user [`USER`] (password auth, from any host)
/// and the database [`DATABASE`].
pub struct Mariadb {
    child: Child,
    pub port: u16,
    /// The CA that signed the server's certificate (for `tls = "verify-full"`).
    pub ca: PathBuf,
    socket: PathBuf,
    _dir: tempfile::TempDir,
}

impl Mariadb {
    pub fn start() -> Mariadb {
        ensure_installed();
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let (ca, cert, key) = certificate(dir.path());
        let user = if is_root() { "root" } else { "" };
        let mut install = Command::new("mariadb-install-db");
        install.arg(format!("--datadir={}", data.display())).args(["--auth-root-authentication-method=socket"]);
        if !user.is_empty() {
            install.arg(format!("--user={user}"));
        }
        run(&mut install, "mariadb-install-db");
        let port = free_port();
        let socket = dir.path().join("mysqld.sock");
        let mariadbd =
            ["/usr/sbin/mariadbd", "mariadbd"].into_iter().find(|p| Path::new(p).exists()).unwrap_or("mariadbd");
        let mut cmd = Command::new(mariadbd);
        cmd.arg("--no-defaults")
            .arg(format!("--datadir={}", data.display()))
            .arg(format!("--socket={}", socket.display()))
            .arg(format!("--pid-file={}", dir.path().join("mysqld.pid").display()))
            .args(["--bind-address=127.0.0.1", &format!("--port={port}"), "--skip-log-bin", "--skip-name-resolve"])
            .arg(format!("--ssl-cert={}", cert.display()))
            .arg(format!("--ssl-key={}", key.display()));
        if !user.is_empty() {
            cmd.arg(format!("--user={user}"));
        }
        let mut child = cmd.stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("mariadbd starts");
        wait_for_port(port, "mariadbd", &mut child);
        let db = Mariadb { child, port, ca, socket, _dir: dir };
        db.sql(&format!(
            "CREATE DATABASE {DATABASE}; CREATE USER '{USER}'@'%' IDENTIFIED BY '{PASSWORD}'; \
             GRANT ALL ON {DATABASE}.* TO '{USER}'@'%';"
        ));
        db
    }

    /// Runs `sql` as root over the Unix socket, returning what the client printed.
    pub fn sql(&self, sql: &str) -> String {
        let mut c = Command::new("mariadb");
        c.arg("--no-defaults")
            .arg(format!("--socket={}", self.socket.display()))
            .args(["-uroot", "-N", "-B", "-e", sql]);
        run(&mut c, "mariadb")
    }
}

impl Drop for Mariadb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
