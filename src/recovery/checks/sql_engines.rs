//! The two database clients a `sql` check speaks: PostgreSQL (tokio-postgres) and MySQL or
//! MariaDB (mysql_async), over TLS as RDS requires, each running the query in a read-only
//! transaction and returning every value as text (so both engines are read the same way).
//!
//! This module connects and queries; what the rows must show is [`super::sql`]'s job.

use std::sync::Arc;
use std::time::Duration;

use super::describe;
use super::sql::{Connection, Engine, Tls};

/// What a query returned: how many rows, and the first column of the first row as text
/// (`None` without rows, `Some(None)` for SQL NULL).
#[derive(Debug, PartialEq)]
pub(super) struct Rows {
    pub count: u64,
    pub first: Option<Option<String>>,
}

/// Connects, runs `query` read-only and disconnects, all within `timeout`.
pub(super) fn query(conn: &Connection, query: &str, timeout: Duration) -> Result<Rows, String> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
    rt.block_on(async {
        let run = async {
            match conn.engine {
                Engine::Postgres => postgres(conn, query, timeout).await,
                Engine::Mysql => mysql(conn, query, timeout).await,
            }
        };
        tokio::time::timeout(timeout, run).await.map_err(|_| format!("no answer within {}s", timeout.as_secs()))?
    })
}

async fn postgres(conn: &Connection, query: &str, timeout: Duration) -> Result<Rows, String> {
    let mut config = tokio_postgres::Config::new();
    config
        .host(&conn.host)
        .port(conn.port)
        .user(&conn.username)
        .password(conn.password.expose())
        .connect_timeout(timeout)
        .application_name("drplan-check");
    if let Some(db) = &conn.database {
        config.dbname(db);
    }
    let mut client = match &conn.tls {
        Tls::Disable => {
            config.ssl_mode(tokio_postgres::config::SslMode::Disable);
            let (client, connection) = config.connect(tokio_postgres::NoTls).await.map_err(|e| describe(&e))?;
            tokio::spawn(connection);
            client
        }
        tls => {
            config.ssl_mode(tokio_postgres::config::SslMode::Require);
            let connector = tokio_postgres_rustls::MakeRustlsConnect::new(rustls_config(tls)?);
            let (client, connection) = config.connect(connector).await.map_err(|e| describe(&e))?;
            tokio::spawn(connection);
            client
        }
    };
    // Every transaction of this session is read-only, the server stops the query at the
    // timeout, and timestamps come back in UTC.
    let setup = format!(
        "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY; SET statement_timeout = {}; SET TIME ZONE 'UTC'",
        timeout.as_millis()
    );
    client.batch_execute(&setup).await.map_err(|e| describe(&e))?;
    let tx = client.build_transaction().read_only(true).start().await.map_err(|e| describe(&e))?;
    let messages = tx.simple_query(query).await.map_err(|e| describe(&e))?;
    let mut rows = Rows { count: 0, first: None };
    for m in messages {
        if let tokio_postgres::SimpleQueryMessage::Row(row) = m {
            if rows.count == 0 {
                rows.first = Some(row.get(0).map(str::to_string));
            }
            rows.count += 1;
        }
    }
    tx.rollback().await.map_err(|e| describe(&e))?;
    Ok(rows)
}

async fn mysql(conn: &Connection, query: &str, timeout: Duration) -> Result<Rows, String> {
    use mysql_async::prelude::Queryable as _;
    let ssl = match &conn.tls {
        Tls::Disable => None,
        Tls::Require => Some(mysql_async::SslOpts::default().with_danger_accept_invalid_certs(true)),
        Tls::VerifyFull { ca_file } => {
            let opts = mysql_async::SslOpts::default();
            Some(match ca_file {
                Some(path) => opts.with_root_certs(vec![path.clone().into()]),
                None => opts,
            })
        }
    };
    install_crypto_provider();
    let opts = mysql_async::OptsBuilder::default()
        .ip_or_hostname(conn.host.clone())
        .tcp_port(conn.port)
        .user(Some(conn.username.clone()))
        .pass(Some(conn.password.expose().to_string()))
        .db_name(conn.database.clone())
        .ssl_opts(ssl)
        .prefer_socket(false);
    let mut c = mysql_async::Conn::new(opts).await.map_err(|e| describe(&e))?;
    let result = async {
        c.query_drop("SET SESSION TRANSACTION READ ONLY").await?;
        c.query_drop("SET time_zone = '+00:00'").await?;
        // The server stops the query at the timeout too: MySQL's variable, else MariaDB's.
        let ms = timeout.as_millis();
        if c.query_drop(format!("SET SESSION max_execution_time = {ms}")).await.is_err() {
            let _ = c.query_drop(format!("SET SESSION max_statement_time = {}", ms as f64 / 1000.0)).await;
        }
        c.query_drop("START TRANSACTION READ ONLY").await?;
        let mut rows = Rows { count: 0, first: None };
        let mut result = c.query_iter(query).await?;
        // Each result set of the text protocol in turn; values arrive as text (or NULL).
        while !result.is_empty() {
            result
                .for_each(|row| {
                    if rows.count == 0 {
                        rows.first = Some(match row.as_ref(0) {
                            Some(mysql_async::Value::Bytes(b)) => Some(String::from_utf8_lossy(b).into_owned()),
                            Some(mysql_async::Value::NULL) | None => None,
                            Some(other) => Some(other.as_sql(true).trim_matches('\'').to_string()),
                        });
                    }
                    rows.count += 1;
                })
                .await?;
        }
        drop(result);
        c.query_drop("ROLLBACK").await?;
        Ok::<_, mysql_async::Error>(rows)
    }
    .await
    .map_err(|e| describe(&e));
    let _ = c.disconnect().await;
    result
}

/// rustls needs one process-wide crypto provider when more than one is built in.
fn install_crypto_provider() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
}

/// The client TLS configuration: `require` encrypts without checking the certificate (as
/// libpq's `sslmode=require`); `verify-full` checks it against the system's roots and
/// `ca_file` (RDS certificates chain to Amazon's RDS CAs, in the bundle AWS publishes).
fn rustls_config(tls: &Tls) -> Result<rustls::ClientConfig, String> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?;
    Ok(match tls {
        Tls::VerifyFull { ca_file } => {
            let mut roots = rustls::RootCertStore::empty();
            for cert in rustls_native_certs::load_native_certs().certs {
                let _ = roots.add(cert);
            }
            if let Some(path) = ca_file {
                use rustls::pki_types::pem::PemObject as _;
                let certs = rustls::pki_types::CertificateDer::pem_file_iter(path)
                    .map_err(|e| format!("reading ca_file {}: {e}", path.display()))?;
                for cert in certs {
                    let cert = cert.map_err(|e| format!("reading ca_file {}: {e}", path.display()))?;
                    roots.add(cert).map_err(|e| format!("ca_file {}: {e}", path.display()))?;
                }
            }
            builder.with_root_certificates(roots).with_no_client_auth()
        }
        _ => {
            builder.dangerous().with_custom_certificate_verifier(Arc::new(EncryptOnly(provider))).with_no_client_auth()
        }
    })
}

/// `tls = "require"`: any certificate is accepted, but the handshake's signatures are still
/// checked, so the session is encrypted to whoever holds the certificate's key.
#[derive(Debug)]
struct EncryptOnly(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for EncryptOnly {
    fn verify_server_cert(
        &self,
        _end_entity: &rustls::pki_types::CertificateDer<'_>,
        _intermediates: &[rustls::pki_types::CertificateDer<'_>],
        _server_name: &rustls::pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
