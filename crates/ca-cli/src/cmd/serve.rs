//! `ca serve`: a TLS endpoint (rustls, in `ca-tls`) that serves a chain made by `ca` and
//! answers HTTP with a page describing the handshake from the server's side. What a CI job
//! starts to test a client against a chain made with `ca`.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use ca_core::store::ROOT;
use ca_core::{CertDer, PrivateKey};
use ca_tls::serve::{Connection, ServeOptions, Server};
use ca_tls::Versions;
use ca_verify::TrustAnchor;
use time::OffsetDateTime;

use super::common::{core_error, CaDirArgs};
use super::verify::input::read_certs;
use crate::exit::CliError;

/// Serve a certificate over TLS and show each client its handshake.
///
/// Answers every HTTP request with a short page (and, with --json, one JSON line per
/// connection on standard output): what the client offered, what was chosen, and with
/// --client-ca the client's certificate and the verdict on it. Prints the address it listens
/// on first; stops cleanly on Ctrl-C (SIGINT) or SIGTERM.
///
/// Either --cert and --key (files), or NAME... to issue a fresh server certificate from the
/// CA directory's root and serve it.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  ca serve localhost 127.0.0.1
  ca serve --cert localhost.pem --key localhost-key.pem --chain intermediate.pem
  ca serve --cert server-chain.pem --key server-key.pem --listen 127.0.0.1:0 --json
  ca serve localhost --client-ca root.pem --tls 1.3
  ca serve localhost --key-type ml-dsa-44

Exit codes: 0 stopped by a signal; 2 bad usage or input (unreadable files, a key that \
does not match the certificate, an address that cannot be listened on).")]
pub struct Args {
    /// Names for a fresh server certificate issued by the CA directory's root.
    #[arg(value_name = "NAME", conflicts_with_all = ["cert", "key", "chain"], required_unless_present = "cert")]
    pub names: Vec<String>,

    /// The certificate to serve, PEM (intermediates may follow it in the same file).
    #[arg(long, value_name = "FILE", requires = "key")]
    pub cert: Option<PathBuf>,

    /// Its private key (PEM or DER, not encrypted).
    #[arg(long, value_name = "FILE", requires = "cert")]
    pub key: Option<PathBuf>,

    /// Intermediate certificates to send after the leaf.
    #[arg(long, value_name = "FILE", requires = "cert")]
    pub chain: Option<PathBuf>,

    /// The key type of the fresh server certificate (with NAME...): any `ca issue
    /// --key-type`, e.g. ml-dsa-44 for a post-quantum leaf [default: ecdsa-p256].
    #[arg(long, value_name = "TYPE", conflicts_with = "cert")]
    pub key_type: Option<ca_core::KeyType>,

    /// Where to listen: ADDR:PORT (port 0 picks a free one).
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:8443")]
    pub listen: String,

    /// Require client certificates that chain to these roots (mutual TLS).
    #[arg(long, value_name = "FILE")]
    pub client_ca: Option<PathBuf>,

    /// Offer only this TLS version: 1.2 or 1.3 [default: both].
    #[arg(long, value_name = "VERSION", value_parser = ["1.2", "1.3"])]
    pub tls: Option<String>,

    /// Seconds a connection may take in all (hello, handshake, request, answer).
    #[arg(long, value_name = "SECONDS", default_value = "10")]
    pub timeout: u64,

    /// One JSON object per line on standard output: the address, then each connection.
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    pub ca: CaDirArgs,
}

pub fn run(args: Args) -> Result<(), CliError> {
    let (chain, key_pkcs8, what) = match (&args.cert, &args.key) {
        (Some(cert), Some(key)) => from_files(&args, cert, key)?,
        _ => issue(&args)?,
    };
    let client_anchors = match &args.client_ca {
        None => None,
        Some(path) => {
            let (name, certs) = read_certs(path, "the client CA certificates (--client-ca)")?;
            let anchors = certs
                .iter()
                .map(|d| {
                    TrustAnchor::from_der(d)
                        .map(|a| a.with_source(name.clone()))
                        .map_err(|e| {
                            CliError::bad_input(format!(
                                "{name}: cannot be used as a trust anchor: {}",
                                e.reason
                            ))
                        })
                })
                .collect::<Result<Vec<_>, _>>()?;
            Some(anchors)
        }
    };
    if args.timeout == 0 {
        return Err(CliError::bad_input("--timeout 0: give at least 1 second"));
    }
    let opts = ServeOptions {
        chain,
        key_pkcs8,
        client_anchors,
        versions: match args.tls.as_deref() {
            Some("1.2") => Versions::Tls12,
            Some("1.3") => Versions::Tls13,
            _ => Versions::Both,
        },
        io_timeout: Duration::from_secs(args.timeout),
        clock: Arc::new(|| {
            let now = OffsetDateTime::now_utc();
            now.replace_nanosecond(0).unwrap_or(now)
        }),
    };
    let server = Server::bind(&args.listen, opts).map_err(CliError::bad_input)?;
    let addr = server.local_addr();
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(signal, stop.clone())
            .map_err(|e| CliError::bad_input(format!("cannot handle signals: {e}")))?;
    }
    if args.json {
        line(&serde_json::json!({"listening": addr, "serving": what}).to_string());
    } else {
        line(&format!(
            "Listening on https://{addr}/ (serving {what}). Ctrl-C stops."
        ));
    }
    let json = args.json;
    let report = Arc::new(move |c: &Connection| {
        if json {
            line(&serde_json::to_string(c).unwrap_or_default());
        } else {
            line(&log_line(c));
        }
    });
    server.run(&stop, report).map_err(CliError::bad_input)?;
    if !args.json {
        line("Stopped.");
    }
    Ok(())
}

/// One line on stdout, flushed (a CI job reads it through a pipe).
fn line(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}");
    let _ = out.flush();
}

/// One log line per connection.
fn log_line(c: &Connection) -> String {
    let mut text = format!(
        "{} {} sni={} {} {} group={}",
        c.time,
        c.peer,
        c.sni.as_deref().unwrap_or("-"),
        c.version.as_deref().unwrap_or("-"),
        c.cipher_suite.as_deref().unwrap_or("-"),
        c.group.as_deref().unwrap_or("-"),
    );
    if let Some(cert) = &c.client_cert {
        text.push_str(&format!(
            " client-cert=\"{}\" {}",
            cert.subject,
            if cert.valid {
                "valid".to_string()
            } else {
                format!("NOT VALID: {}", cert.reason.as_deref().unwrap_or(""))
            }
        ));
    } else if c.client_cert_required {
        text.push_str(" client-cert=none");
    }
    if let Some(r) = &c.request {
        text.push_str(&format!(" \"{r}\""));
    }
    if let Some(e) = &c.error {
        text.push_str(&format!(" error: {e}"));
    }
    text
}

type Loaded = (Vec<Vec<u8>>, Vec<u8>, String);

fn from_files(args: &Args, cert: &Path, key: &Path) -> Result<Loaded, CliError> {
    let (name, mut chain) = read_certs(cert, "the certificate to serve (--cert)")?;
    if let Some(more) = &args.chain {
        let (_, certs) = read_certs(more, "intermediate certificates (--chain)")?;
        chain.extend(certs);
    }
    let key = PrivateKey::read_file(key, None).map_err(core_error)?;
    let what = describe(&chain[0], &name);
    Ok((chain, key.pkcs8_der().to_vec(), what))
}

/// A fresh server certificate from the CA directory's root, recorded in its index like any
/// other; the key stays in memory.
fn issue(args: &Args) -> Result<Loaded, CliError> {
    let dir = args.ca.ca_dir()?;
    if !dir.is_initialized() {
        return Err(CliError::bad_input(format!(
            "no CA in {}: run `ca init` first, or give --cert FILE --key FILE",
            dir.path().display()
        )));
    }
    // The one issuing pipeline: names checked, signed, recorded in the index; no files
    // written (the key stays in memory).
    let mut leaf = ca_core::LeafOptions::server(&args.names).map_err(core_error)?;
    if let Some(key_type) = args.key_type {
        leaf.key_type = key_type;
    }
    let request = ca_core::IssueRequest {
        issuer: ROOT,
        leaf,
        csr: None,
        outputs: Vec::new(),
        overwrite: Default::default(),
        key_passphrase: None,
        ca_passphrase: None,
        create_root: None,
    };
    let now = OffsetDateTime::now_utc();
    let outcome = dir
        .issue(&request, &ca_core::IssueContext::at(now))
        .map_err(core_error)?;
    let issued = outcome.issued;
    let key = issued.key.as_ref().expect("the pipeline makes a key");
    let chain = CertDer::parse_all(issued.fullchain_pem().as_bytes())
        .map_err(core_error)?
        .iter()
        .map(|c| c.der().to_vec())
        .collect::<Vec<_>>();
    let what = describe(
        &chain[0],
        "a certificate just issued by the CA directory's root",
    );
    Ok((chain, key.pkcs8_der().to_vec(), what))
}

fn describe(der: &[u8], source: &str) -> String {
    match ca_verify::Certificate::from_der(der) {
        Ok(c) => format!("{} from {source}", c.subject()),
        Err(_) => source.to_string(),
    }
}
