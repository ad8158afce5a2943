//! Real TLS servers on 127.0.0.1 (`openssl s_server`, nginx), stopped
//! when dropped.

use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::{write_file, NGINX, OPENSSL};

/// How long a server may take to start listening.
const READY_WITHIN: Duration = Duration::from_secs(20);
/// A port picked free may be taken before the server binds it: retry.
const START_ATTEMPTS: usize = 5;

/// A TLS server child process, killed when dropped.
pub struct Server {
    child: Child,
    pub port: u16,
    /// Where the server's own log goes (nginx), for failure messages.
    log: Option<PathBuf>,
}

/// A TCP port on 127.0.0.1 that nothing listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("cannot bind a port on 127.0.0.1")
        .port()
}

impl Server {
    /// `openssl s_server -www` with a certificate, its key, and the
    /// intermediates to send after it, answering any HTTP GET.
    /// `extra` adds options, e.g. `-Verify 1 -CAfile ROOT` for mTLS.
    pub fn openssl(
        cert: &Path,
        key: &Path,
        intermediates: Option<&Path>,
        extra: &[&str],
    ) -> Server {
        let mut last_error = String::new();
        for _ in 0..START_ATTEMPTS {
            let port = free_port();
            let mut cmd = OPENSSL.command();
            cmd.arg("s_server")
                .arg("-accept")
                .arg(format!("127.0.0.1:{port}"))
                .arg("-cert")
                .arg(cert)
                .arg("-key")
                .arg(key)
                .arg("-www")
                .args(extra);
            if let Some(chain) = intermediates {
                cmd.arg("-cert_chain").arg(chain);
            }
            match start_openssl(cmd, port) {
                Ok(server) => return server,
                Err(err) => last_error = err,
            }
        }
        panic!("openssl s_server did not start: {last_error}");
    }

    /// nginx serving `chain` (the leaf then its intermediates, as
    /// `ssl_certificate` expects) with `key`. `key_passphrase_file` is
    /// nginx's `ssl_password_file`; with `client_ca`, clients must present
    /// a certificate that chains to it.
    pub fn nginx(
        work: &Path,
        chain: &Path,
        key: &Path,
        key_passphrase_file: Option<&Path>,
        client_ca: Option<&Path>,
    ) -> Server {
        Server::nginx_page(work, chain, key, key_passphrase_file, client_ca, "ok")
    }

    /// [`Server::nginx`] answering every GET with `body` (one line of
    /// letters, digits and dashes: a token a client must bring back).
    pub fn nginx_page(
        work: &Path,
        chain: &Path,
        key: &Path,
        key_passphrase_file: Option<&Path>,
        client_ca: Option<&Path>,
        body: &str,
    ) -> Server {
        assert!(
            body.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'),
            "the page body goes into nginx.conf as is"
        );
        let mut last_error = String::new();
        for attempt in 0..START_ATTEMPTS {
            let port = free_port();
            let dir = work.join(format!("nginx-{port}-{attempt}"));
            std::fs::create_dir_all(&dir).expect("cannot create the nginx folder");
            let log = dir.join("error.log");
            let conf = dir.join("nginx.conf");
            write_file(
                &conf,
                nginx_conf(&dir, port, chain, key, key_passphrase_file, client_ca, body),
            );
            let mut cmd = NGINX.command();
            cmd.arg("-p")
                .arg(&dir)
                .arg("-e")
                .arg(&log)
                .arg("-c")
                .arg(&conf)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            let child = cmd.spawn().expect("cannot start nginx");
            let mut server = Server {
                child,
                port,
                log: Some(log),
            };
            match server.wait_until_listening() {
                Ok(()) => return server,
                Err(err) => last_error = format!("{err}\n{}", server.log_text()),
            }
        }
        panic!("nginx did not start: {last_error}");
    }

    /// Polls the port until it accepts a connection, or the server exits.
    fn wait_until_listening(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + READY_WITHIN;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().expect("cannot poll the server") {
                return Err(format!("the server exited with {status}"));
            }
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Err(format!("not listening after {READY_WITHIN:?}"))
    }

    /// The server's log, for failure messages.
    pub fn log_text(&self) -> String {
        self.log
            .as_ref()
            .and_then(|log| std::fs::read_to_string(log).ok())
            .unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts s_server and waits for the `ACCEPT` line it prints once it
/// listens. A reader thread keeps draining its output so it never blocks.
fn start_openssl(mut cmd: Command, port: u16) -> Result<Server, String> {
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|err| format!("cannot start: {err}"))?;
    let (lines_tx, lines_rx) = mpsc::channel();
    for stream in [
        Box::new(child.stdout.take().expect("piped")) as Box<dyn std::io::Read + Send>,
        Box::new(child.stderr.take().expect("piped")),
    ] {
        let lines_tx = lines_tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines() {
                let Ok(line) = line else { break };
                if lines_tx.send(line).is_err() {
                    // Nobody listens any more: keep draining quietly.
                    continue;
                }
            }
        });
    }
    drop(lines_tx);
    let mut server = Server {
        child,
        port,
        log: None,
    };
    let deadline = Instant::now() + READY_WITHIN;
    let mut seen = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines_rx.recv_timeout(left) {
            Ok(line) if line.trim() == "ACCEPT" => return Ok(server),
            Ok(line) => seen.push(line),
            Err(_) => {
                let status = server.child.try_wait().ok().flatten();
                return Err(format!(
                    "no ACCEPT line within {READY_WITHIN:?} (exit status: {status:?}); output:\n{}",
                    seen.join("\n")
                ));
            }
        }
    }
}

fn nginx_conf(
    dir: &Path,
    port: u16,
    chain: &Path,
    key: &Path,
    key_passphrase_file: Option<&Path>,
    client_ca: Option<&Path>,
    body: &str,
) -> String {
    let dir = dir.display();
    let mut tls = format!(
        "ssl_certificate {};\n        ssl_certificate_key {};\n",
        chain.display(),
        key.display()
    );
    if let Some(file) = key_passphrase_file {
        tls += &format!("        ssl_password_file {};\n", file.display());
    }
    if let Some(ca) = client_ca {
        tls += &format!(
            "        ssl_client_certificate {};\n        ssl_verify_client on;\n",
            ca.display()
        );
    }
    format!(
        "daemon off;
master_process off;
pid {dir}/nginx.pid;
error_log {dir}/error.log info;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {dir}/client_body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    server {{
        listen 127.0.0.1:{port} ssl;
        server_name localhost;
        {tls}
        location / {{ return 200 \"{body}\\n\"; }}
    }}
}}
"
    )
}
