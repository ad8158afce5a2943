//! `ca acme serve`: the CA directory as an ACME server (RFC 8555).

use std::collections::HashMap;
use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use ca_acme::crl_http::CrlServer;
use ca_acme::http::{self, Limits, Server};
use ca_acme::policy::{Cidr, RateLimit};
use ca_acme::{
    AcmeService, CaIssuance, Policy, PostgresStorage, SqliteStorage, Storage, ValidationConfig,
};

use super::common::{core_error, CaDirArgs};
use crate::exit::CliError;

/// Run an ACME server (RFC 8555) that issues from this CA.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    command: AcmeCommand,
}

#[derive(clap::Subcommand, Debug)]
enum AcmeCommand {
    Serve(ServeArgs),
}

/// Serve ACME over HTTPS until SIGTERM or SIGINT.
///
/// The server's own HTTPS certificate is issued at start by the same CA,
/// so clients need only the CA's root. State (nonces, accounts, orders,
/// authorizations, certificates, revocations, serials) is kept in SQLite,
/// by default CA_DIR/acme.sqlite3, or in PostgreSQL (--db postgres://...)
/// shared by several replicas. Schema migrations run at start.
/// Certificates it issues are recorded in the CA directory's index
/// (`ca list`, `ca revoke`).
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  ca acme serve
  ca acme serve --listen 127.0.0.1:14000 --http-01-port 5002 --resolve app.test=127.0.0.1
  ca acme serve --dns 127.0.0.1:8053          # dns-01 (and wildcards) against a test DNS server

Then e.g. `REQUESTS_CA_BUNDLE=$(ca list --root) certbot certonly --standalone \
--server https://127.0.0.1:14000/directory -d app.test`.

Exit codes: 0 stopped by a signal; 2 bad input (no CA, a bad --db, --listen, --resolve,
--allow-dns, --allow-ip, --tos, --eab, --rate-limit, --crl-url or --crl-listen).")]
pub struct ServeArgs {
    /// Sign with this intermediate [default: the root].
    #[arg(long, value_name = "NAME")]
    issuer: Option<String>,

    /// Address to listen on.
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:14000")]
    listen: SocketAddr,

    /// The database: sqlite:PATH [default: sqlite:CA_DIR/acme.sqlite3], or
    /// postgres://USER[:PASSWORD]@HOST:PORT/DBNAME, which several replicas
    /// (on other ports or machines, over one CA directory) can share.
    #[arg(long, value_name = "URL")]
    db: Option<String>,

    /// The port http-01 validation connects to (RFC 8555: 80).
    #[arg(long, value_name = "N", default_value_t = 80)]
    http_01_port: u16,

    /// The port tls-alpn-01 validation connects to (RFC 8737: 443).
    #[arg(long, value_name = "N", default_value_t = 443)]
    tls_alpn_01_port: u16,

    /// Validate NAME at ADDR instead of asking DNS (repeatable); `*.example.test=ADDR`
    /// covers every name under example.test.
    #[arg(long, value_name = "NAME=ADDR")]
    resolve: Vec<String>,

    /// The DNS server to ask: TXT _acme-challenge.NAME for dns-01, and A/AAAA for
    /// names --resolve does not cover [default: dns-01 asks the first nameserver
    /// of /etc/resolv.conf, addresses come from the system resolver].
    #[arg(long, value_name = "ADDR:PORT")]
    dns: Option<SocketAddr>,

    /// This CA's issuer domain name for CAA (RFC 8659), e.g. ca.example.com: after a
    /// challenge succeeds, the CAA records of the name (or its closest parent with
    /// any) must allow it in an issue (issuewild for wildcards) property, else the
    /// authorization fails with `caa`. Looked up at --dns [default: CAA not checked]
    #[arg(long, value_name = "DOMAIN")]
    caa_identity: Option<String>,

    /// Only names equal to or under this DNS suffix may be ordered (repeatable)
    /// [default: any name the issuing CA's name constraints allow].
    #[arg(long, value_name = "SUFFIX")]
    allow_dns: Vec<String>,

    /// Only addresses in this range may be ordered as IP identifiers (repeatable),
    /// e.g. 10.0.0.0/8 [default: any].
    #[arg(long, value_name = "CIDR")]
    allow_ip: Vec<String>,

    /// The terms of service: new accounts must agree (termsOfServiceAgreed);
    /// when the URL changes, accounts must agree again.
    #[arg(long, value_name = "URL")]
    tos: Option<String>,

    /// Require External Account Binding (RFC 8555 §7.3.4) with this key id and
    /// base64url HMAC key (repeatable).
    #[arg(long, value_name = "KID=KEY")]
    eab: Vec<String>,

    /// New orders allowed per account, e.g. 30/min (or N/s, N/h); more are
    /// refused as rateLimited with Retry-After.
    #[arg(long, value_name = "N/min")]
    rate_limit: Option<String>,

    /// The CRL URL put in each certificate's cRLDistributionPoints [default:
    /// http://HOST:PORT/crl of --crl-listen when given, else this server's
    /// https://HOST:PORT/crl].
    #[arg(long, value_name = "URL")]
    crl_url: Option<String>,

    /// Also serve GET /crl over plain HTTP here (the Baseline Requirements want an
    /// http:// CRL URL); nothing else is served on it.
    #[arg(long, value_name = "ADDR:PORT")]
    crl_listen: Option<SocketAddr>,

    /// The server's own names, in its HTTPS certificate [default: localhost
    /// and the --listen address].
    #[arg(long, value_name = "NAME")]
    name: Vec<String>,

    #[command(flatten)]
    ca: CaDirArgs,
}

pub fn run(args: Args) -> Result<(), CliError> {
    match args.command {
        AcmeCommand::Serve(args) => serve(args),
    }
}

fn resolve_map(entries: &[String]) -> Result<HashMap<String, IpAddr>, CliError> {
    entries
        .iter()
        .map(|entry| {
            let (name, addr) = entry.split_once('=').ok_or_else(|| {
                CliError::bad_input(format!(
                    "--resolve {entry:?}: expected NAME=ADDR, e.g. app.test=127.0.0.1"
                ))
            })?;
            let ip = addr.parse().map_err(|_| {
                CliError::bad_input(format!(
                    "--resolve {entry:?}: {addr:?} is not an IP address"
                ))
            })?;
            Ok((name.to_ascii_lowercase(), ip))
        })
        .collect()
}

fn policy(args: &ServeArgs) -> Result<Policy, CliError> {
    let mut policy = Policy::default();
    for suffix in &args.allow_dns {
        let suffix = suffix.trim_start_matches("*.").trim_end_matches('.');
        match ca_core::SubjectName::parse(suffix) {
            Ok(ca_core::SubjectName::Dns(name)) if !name.starts_with('*') => {
                policy.allow_dns.push(name)
            }
            _ => {
                return Err(CliError::bad_input(format!(
                    "--allow-dns {suffix:?}: expected a DNS name such as example.test"
                )))
            }
        }
    }
    for range in &args.allow_ip {
        policy.allow_ip.push(
            Cidr::parse(range)
                .map_err(|e| CliError::bad_input(format!("--allow-ip {range:?}: {e}")))?,
        );
    }
    if let Some(url) = &args.tos {
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(CliError::bad_input(format!(
                "--tos {url:?}: expected an http(s) URL"
            )));
        }
        policy.terms_of_service = Some(url.clone());
    }
    for entry in &args.eab {
        let bad = |why: &str| {
            CliError::bad_input(format!(
                "--eab: {why}; expected KID=KEY with KEY the base64url HMAC key (at least 16 bytes)"
            ))
        };
        let (kid, key) = entry.split_once('=').ok_or_else(|| bad("no '='"))?;
        if kid.is_empty() {
            return Err(bad("an empty key id"));
        }
        let key = ca_acme::jws::b64decode("--eab", key.trim_end_matches('='))
            .map_err(|_| bad("the key is not base64url"))?;
        if key.len() < 16 {
            return Err(bad("the key is shorter than 16 bytes"));
        }
        policy.eab_keys.insert(kid.to_string(), key);
    }
    if let Some(limit) = &args.rate_limit {
        policy.rate_limit = Some(
            RateLimit::parse(limit)
                .map_err(|e| CliError::bad_input(format!("--rate-limit: {e}")))?,
        );
    }
    Ok(policy)
}

/// RFC 8659 §4.2: issuer-domain-name = label *("." label), each label
/// letters and digits with inner hyphens.
fn check_caa_identity(identity: &str) -> Result<(), CliError> {
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    if identity.len() <= 253 && identity.split('.').all(label_ok) {
        return Ok(());
    }
    Err(CliError::bad_input(format!(
        "--caa-identity {identity:?}: expected a domain name such as ca.example.com \
         (the issuer domain name CAA issue records name, RFC 8659 §4.2)"
    )))
}

fn serve(args: ServeArgs) -> Result<(), CliError> {
    let policy = policy(&args)?;
    if let Some(identity) = &args.caa_identity {
        check_caa_identity(identity)?;
    }
    let ca_dir = args.ca.ca_dir()?;
    let db = Database::parse(args.db.as_deref(), ca_dir.path())?;
    let resolve = resolve_map(&args.resolve)?;
    let listen_ip = args.listen.ip();
    let mut names = args.name.clone();
    if names.is_empty() {
        names.push("localhost".into());
        if !listen_ip.is_unspecified() {
            names.push(listen_ip.to_string());
        }
    }
    let host = if listen_ip.is_unspecified() {
        names[0].clone()
    } else {
        bracket(listen_ip)
    };
    let placeholder = format!("https://{host}:{}", args.listen.port());
    let crl_url = match &args.crl_url {
        Some(url) if url.starts_with("http://") || url.starts_with("https://") => url.clone(),
        Some(url) => {
            return Err(CliError::bad_input(format!(
                "--crl-url {url:?}: expected an http:// (or https://) URL"
            )))
        }
        None => match args.crl_listen {
            Some(addr) if addr.ip().is_unspecified() => {
                format!("http://{}:{}/crl", names[0], addr.port())
            }
            Some(addr) => format!("http://{}:{}/crl", bracket(addr.ip()), addr.port()),
            None => format!("{placeholder}/crl"),
        },
    };
    let ca = Arc::new(
        CaIssuance::load(ca_dir, args.issuer.as_deref())
            .map_err(core_error)?
            .with_crl_urls(vec![crl_url]),
    );
    let storage = db.open()?;

    let now = time::OffsetDateTime::now_utc();
    // Its serial is reserved in the database like every other, so that no
    // replica ever signs two certificates with one serial.
    let serial = ca_acme::storage::reserve_random_serial(
        storage.as_ref(),
        ca.issuer_name(),
        now.unix_timestamp(),
    )
    .map_err(|e| CliError::bad_input(e.to_string()))?;
    let identity = ca
        .issue_server_identity_with_serial(&names, now, serial)
        .map_err(core_error)?;
    let key = identity
        .key
        .as_ref()
        .expect("a new leaf comes with its key");
    let mut chain = vec![identity.cert.der().to_vec()];
    chain.extend(identity.intermediates.iter().map(|c| c.der().to_vec()));
    let tls = http::tls_config(chain, key.pkcs8_der().to_vec())
        .map_err(|e| CliError::bad_input(format!("the server certificate: {e}")))?;

    let validation = ValidationConfig {
        http01_port: args.http_01_port,
        tls_alpn01_port: args.tls_alpn_01_port,
        resolve,
        dns: args.dns,
        caa_identity: args.caa_identity.clone(),
        ..ValidationConfig::default()
    };
    http::stop_on_signals();
    // Bind before announcing: the port may be taken.
    let clock: ca_acme::service::Clock = Arc::new(time::OffsetDateTime::now_utc);
    let service = Arc::new(
        AcmeService::new(&placeholder, storage, Arc::clone(&ca), validation, clock)
            .with_policy(policy),
    );
    // `ca revoke` of an ACME certificate while the server was down.
    service
        .reconcile_revocations()
        .map_err(|e| CliError::bad_input(format!("--db {}: {e}", db.describe())))?;
    let server = Server::bind(args.listen, tls, Arc::clone(&service), Limits::default())
        .map_err(|e| CliError::bad_input(format!("--listen {}: {e}", args.listen)))?;
    let crl_server = match args.crl_listen {
        Some(addr) => Some(
            CrlServer::bind(addr, Arc::clone(&service))
                .map_err(|e| CliError::bad_input(format!("--crl-listen {addr}: {e}")))?,
        ),
        None => None,
    };
    let crl_thread = crl_server.map(|crl| {
        std::thread::spawn(move || {
            if let Err(e) = crl.serve(&http::STOP) {
                eprintln!("acme: the CRL listener stopped: {e}");
            }
        })
    });
    println!("ACME directory: {}", service.directory_url());
    println!("  trust:    {}", ca.ca_dir().anchor_path().display());
    println!("  database: {}", db.describe());
    println!("  CRL:      {}", ca.crl_urls().join(", "));
    let _ = std::io::stdout().flush();
    server
        .serve(&http::STOP)
        .map_err(|e| CliError::bad_input(format!("serving: {e}")))?;
    if let Some(thread) = crl_thread {
        let _ = thread.join();
    }
    eprintln!("acme: stopped");
    Ok(())
}

fn bracket(ip: IpAddr) -> String {
    match ip {
        IpAddr::V6(v6) => format!("[{v6}]"),
        IpAddr::V4(v4) => v4.to_string(),
    }
}

/// Where the state lives, from `--db`.
enum Database {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Database {
    fn parse(db: Option<&str>, ca_dir: &std::path::Path) -> Result<Database, CliError> {
        let Some(url) = db else {
            return Ok(Database::Sqlite(ca_dir.join("acme.sqlite3")));
        };
        if let Some(path) = url.strip_prefix("sqlite:") {
            if !path.is_empty() {
                return Ok(Database::Sqlite(PathBuf::from(path)));
            }
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Database::Postgres(url.to_string()));
        }
        Err(CliError::bad_input(format!(
            "--db {:?}: expected sqlite:PATH or postgres://USER@HOST:PORT/DBNAME",
            Database::redact(url)
        )))
    }

    fn open(&self) -> Result<Arc<dyn Storage>, CliError> {
        let storage: Arc<dyn Storage> = match self {
            Database::Sqlite(path) => {
                SqliteStorage::open(path).map(|s| Arc::new(s) as Arc<dyn Storage>)
            }
            Database::Postgres(url) => {
                PostgresStorage::open(url).map(|s| Arc::new(s) as Arc<dyn Storage>)
            }
        }
        .map_err(|e| CliError::bad_input(format!("--db {}: {e}", self.describe())))?;
        Ok(storage)
    }

    /// What to print: the path, or the URL without its password.
    fn describe(&self) -> String {
        match self {
            Database::Sqlite(path) => path.display().to_string(),
            Database::Postgres(url) => Database::redact(url),
        }
    }

    fn redact(url: &str) -> String {
        let Some((scheme, rest)) = url.split_once("://") else {
            return url.to_string();
        };
        match rest.split_once('@') {
            Some((user_info, host)) => {
                let user = user_info.split(':').next().unwrap_or("");
                let hidden = if user_info.contains(':') { ":***" } else { "" };
                format!("{scheme}://{user}{hidden}@{host}")
            }
            None => url.to_string(),
        }
    }
}
