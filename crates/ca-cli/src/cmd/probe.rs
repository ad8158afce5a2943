//! `ca probe HOST[:PORT]`: a real TLS handshake with a running server, the chain it sends
//! judged by ca-verify (the client's check of the study note's step 4). The work is in
//! `ca-tls`; this file turns flags into options and a record into output and an exit code.

mod output;

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use ca_core::PrivateKey;
use ca_tls::chain::ChainNotes;
use ca_tls::{ChainCheck, Handshake, Identity, ProbeError, ProbeOptions, StartTls, Versions};
use ca_verify::ExpectedName;

use super::common::{core_error, CaDirArgs};
use super::verify::input::{read_certs, Inputs, TrustFlags};
use super::verify::{profile_for, purpose, time_of, ProfileArg, Request};
use crate::exit::CliError;

/// Connect to a TLS server and check the chain it sends, the way a client does.
///
/// Does a real handshake (rustls) and judges the chain the server sent with the same
/// verifier as `ca verify` — even when the chain is not valid, so that what was sent and
/// why it fails are always shown. Trust comes from --roots, --system-roots, or by default
/// the root of the CA directory (its intermediates are NOT offered: a client only has what
/// the server sends).
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  ca probe localhost:8443
  ca probe www.example.test --connect 127.0.0.1:8443 --explain
  ca probe example.com --system-roots --tls 1.2 --json
  ca probe mail.example.test:587 --starttls smtp --roots root.pem
  ca probe api.example.test:443 --client-cert me.pem --client-key me-key.pem --http

Exit codes: 0 handshake done and chain valid; 1 chain not valid, or the handshake \
refused (the message says which, and at which step of the handshake); 2 bad usage or \
input, or no connection at all (no such name, connection refused, timeout, not TLS).")]
pub struct Args {
    /// The server: HOST or HOST:PORT ([IPv6]:PORT) [default port: 443, or the STARTTLS
    /// protocol's]. HOST is sent as SNI and is the name checked, unless --host/--ip.
    #[arg(value_name = "HOST[:PORT]")]
    pub target: String,

    /// Connect to this address instead (ADDR:PORT), still sending HOST as SNI.
    #[arg(long, value_name = "ADDR:PORT")]
    pub connect: Option<String>,

    /// Trusted root certificates, PEM or DER (repeatable) [default: the CA directory's root].
    #[arg(long, value_name = "FILE")]
    pub roots: Vec<PathBuf>,

    /// Trust the system's trust store ($SSL_CERT_FILE, else /etc/ssl/certs/ca-certificates.crt).
    #[arg(long)]
    pub system_roots: bool,

    /// Check the certificate for this DNS name instead of HOST.
    #[arg(long, value_name = "NAME", conflicts_with = "ip")]
    pub host: Option<String>,

    /// Check the certificate for this IP address instead of HOST.
    #[arg(long, value_name = "ADDR")]
    pub ip: Option<IpAddr>,

    /// Verify at this time, RFC 3339 [default: now].
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,

    /// What the certificate is for: server, client, or an extended key usage OID.
    #[arg(long, value_name = "PURPOSE", default_value = "server")]
    pub purpose: String,

    /// The rules: webpki or rfc5280 [default: webpki for --purpose server].
    #[arg(long, value_name = "PROFILE", value_enum)]
    pub profile: Option<ProfileArg>,

    /// Certificate revocation lists, PEM or DER (repeatable).
    #[arg(long, value_name = "FILE")]
    pub crl: Vec<PathBuf>,

    /// Offer only this TLS version: 1.2 or 1.3 [default: both]. With 1.2, also asks whether
    /// the server accepts RSA key transport.
    #[arg(long, value_name = "VERSION", value_parser = ["1.2", "1.3"])]
    pub tls: Option<String>,

    /// Offer these ALPN protocols, e.g. h2,http/1.1 (repeatable or comma-separated).
    #[arg(long, value_name = "PROTO", value_delimiter = ',')]
    pub alpn: Vec<String>,

    /// A client certificate (PEM, with its intermediates after it) for servers that ask.
    #[arg(long, value_name = "FILE", requires = "client_key")]
    pub client_cert: Option<PathBuf>,

    /// The client certificate's private key (PEM or DER, not encrypted).
    #[arg(long, value_name = "FILE", requires = "client_cert")]
    pub client_key: Option<PathBuf>,

    /// Give up after this many seconds: name resolution, connection, STARTTLS, handshake and
    /// reads together.
    #[arg(long, value_name = "SECONDS", default_value = "10")]
    pub timeout: f64,

    /// Upgrade a plain connection first: smtp, imap, pop3 or postgres.
    #[arg(long, value_name = "PROTO", conflicts_with = "http")]
    pub starttls: Option<StartTls>,

    /// Send a HEAD / request and show the status line (only when the chain is valid).
    #[arg(long)]
    pub http: bool,

    /// Write what the server sent into DIR: leaf.pem, intermediates.pem (if any), chain.pem.
    #[arg(long, value_name = "DIR")]
    pub save: Option<PathBuf>,

    /// With --save: replace files that exist.
    #[arg(long, requires = "save")]
    pub force: bool,

    /// Draw the handshake step by step, as the study note does.
    #[arg(long, conflicts_with = "json")]
    pub explain: bool,

    /// Print one JSON object with every fact on standard output.
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    pub ca: CaDirArgs,
}

/// HOST and PORT of the target.
struct Target {
    host: String,
    port: u16,
}

pub fn run(args: Args) -> Result<(), CliError> {
    let default_port = args.starttls.map_or(443, StartTls::default_port);
    let target = parse_target(&args.target, default_port)?;
    let timeout = timeout(args.timeout)?;
    let flags = TrustFlags {
        roots: &args.roots,
        system_roots: args.system_roots,
        ca: &args.ca,
        crl: &args.crl,
    };
    let inputs = Inputs::trust_only(format!("the chain {} sent", target.host), &flags)?;
    let mut opts = ca_verify::VerifyOptions::server(time_of(args.at.as_deref())?, None);
    opts.purpose = purpose(&args.purpose)?;
    opts.profile = profile_for(args.profile, &opts.purpose);
    opts.crls = inputs.crls.clone();
    opts.name = Some(expected_name(&args, &target));
    let connect = args
        .connect
        .clone()
        .unwrap_or_else(|| join_host_port(&target.host, target.port));
    let probe_opts = ProbeOptions {
        connect,
        server_name: target.host.clone(),
        versions: match args.tls.as_deref() {
            Some("1.2") => Versions::Tls12,
            Some("1.3") => Versions::Tls13,
            _ => Versions::Both,
        },
        alpn: args.alpn.clone(),
        identity: identity(&args)?,
        timeout,
        starttls: args.starttls,
        http: args.http,
        check: ChainCheck {
            anchors: inputs.anchors.clone(),
            opts: opts.clone(),
        },
    };
    let hs = match ca_tls::probe(&probe_opts) {
        Ok(hs) => hs,
        Err(ProbeError::Setup(m)) => return Err(CliError::bad_input(m)),
        Err(ProbeError::Connect(e)) => {
            return Err(CliError::bad_input(format!("no TLS connection: {e}")))
        }
    };
    if let Some(Err(e)) = &hs.verdict {
        if let Some(bad) = super::verify::bad_input(e) {
            return Err(bad);
        }
    }
    let mut inputs = inputs;
    if let Some(leaf) = hs.chain.certificates.first() {
        inputs.leaf = leaf.clone();
        inputs.pool = hs.chain.certificates[1..].to_vec();
        if !inputs.pool.is_empty() {
            inputs.pool_sources.push(format!(
                "{} sent after the leaf by the server",
                inputs.pool.len()
            ));
        }
    }
    let request = Request {
        inputs,
        opts,
        now: args.at.is_none(),
    };
    let notes = ChainNotes::of(&hs.chain.certificates, &request.inputs.anchors);
    if let Some(dir) = &args.save {
        output::save(dir, &hs, args.force)?;
    }
    if args.json {
        output::print_json(&request, &hs, &notes)?;
    } else if args.explain {
        output::print_explain(&request, &hs, &notes)?;
    } else {
        output::print_summary(&request, &hs, &notes)?;
    }
    verdict(&request, &hs, &notes, args.json)
}

/// The exit code: 0 only for a finished handshake over a valid chain.
fn verdict(req: &Request, hs: &Handshake, notes: &ChainNotes, json: bool) -> Result<(), CliError> {
    if hs.ok() && notes.duplicates.is_empty() {
        return Ok(());
    }
    if json {
        return Err(CliError::refused(""));
    }
    let mut text = String::new();
    if let Some(f) = &hs.failure {
        let who = if f.by_server {
            "handshake refused by the server"
        } else {
            "handshake stopped by the client"
        };
        text = format!("{who} at {}: {}", f.step.label(), f.message);
        if let Some(rsa) = output::rsa_only(hs) {
            text.push_str(&format!("\n{rsa}"));
        }
    }
    if let Some(Err(e)) = &hs.verdict {
        if !text.is_empty() {
            text.push('\n');
        }
        text.push_str(&super::verify::report::error_text(req, e));
    }
    if hs.ok() {
        // A valid path exists, yet the server's chain is broken.
        text = duplicate_text(notes);
    }
    for r in notes.remarks() {
        text.push_str(&format!("\nnote: {r}"));
    }
    if text.is_empty() {
        text = "the server sent no certificate".into();
    }
    Err(CliError::refused(text))
}

fn expected_name(args: &Args, target: &Target) -> ExpectedName {
    if let Some(h) = &args.host {
        ExpectedName::Dns(h.clone())
    } else if let Some(ip) = args.ip {
        ExpectedName::Ip(ip)
    } else if let Ok(ip) = target.host.parse::<IpAddr>() {
        ExpectedName::Ip(ip)
    } else {
        ExpectedName::Dns(target.host.clone())
    }
}

/// "host:443", "[::1]:443".
fn join_host_port(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

fn parse_target(text: &str, default_port: u16) -> Result<Target, CliError> {
    let bad = |why: &str| {
        CliError::bad_input(format!(
            "'{text}': {why}; give HOST or HOST:PORT (e.g. localhost:8443, [::1]:443)"
        ))
    };
    let port = |p: &str| {
        p.parse::<u16>()
            .ok()
            .filter(|p| *p != 0)
            .ok_or_else(|| bad("not a port number"))
    };
    let (host, port) = if let Some(rest) = text.strip_prefix('[') {
        let (host, after) = rest.split_once(']').ok_or_else(|| bad("unclosed ["))?;
        match after.strip_prefix(':') {
            Some(p) => (host.to_string(), port(p)?),
            None if after.is_empty() => (host.to_string(), default_port),
            None => return Err(bad("unexpected text after ]")),
        }
    } else if text.parse::<IpAddr>().is_ok() {
        // A bare IPv6 address: its colons are not a port.
        (text.to_string(), default_port)
    } else {
        match text.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), port(p)?),
            None => (text.to_string(), default_port),
        }
    };
    if host.is_empty() {
        return Err(bad("no host"));
    }
    Ok(Target { host, port })
}

fn timeout(seconds: f64) -> Result<Duration, CliError> {
    if !(seconds.is_finite() && seconds > 0.0 && seconds <= 3600.0) {
        return Err(CliError::bad_input(format!(
            "--timeout {seconds}: give a number of seconds above 0 and at most 3600"
        )));
    }
    Ok(Duration::from_secs_f64(seconds))
}

fn identity(args: &Args) -> Result<Option<Identity>, CliError> {
    let (Some(cert), Some(key)) = (&args.client_cert, &args.client_key) else {
        return Ok(None);
    };
    let (_, chain) = read_certs(cert, "the client certificate (--client-cert)")?;
    let key = PrivateKey::read_file(key, None).map_err(core_error)?;
    Ok(Some(Identity {
        chain,
        key_pkcs8: key.pkcs8_der().to_vec(),
    }))
}

/// A certificate sent twice: RFC 5246 section 7.4.2 ("each following certificate MUST
/// directly certify the one preceding it") is broken, whatever a lenient client makes of it.
/// The server's chain file is wrong; a stricter client fails on it.
pub fn duplicate_text(notes: &ChainNotes) -> String {
    let list: Vec<String> = notes
        .duplicates
        .iter()
        .map(|(i, j)| format!("#{i} repeats #{j}"))
        .collect();
    format!(
        "the server's chain is broken: it sends a certificate twice ({}); each certificate \
         must certify the one before it (RFC 5246 section 7.4.2). ca-verify found a valid path \
         despite the repeat, but fix the server's chain file",
        list.join(", ")
    )
}
