//! `ca serve` as a child process: started on 127.0.0.1 with port 0, its address read from
//! the first line it prints, its log lines collected, stopped with SIGTERM (or killed when
//! dropped). Standalone, so that the CLI tests can include it too.

// Each test binary uses a different part of it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A running `ca serve`.
pub struct CaServe {
    child: Child,
    /// "127.0.0.1:PORT".
    pub addr: String,
    pub port: u16,
    lines: Arc<Mutex<Vec<String>>>,
}

impl CaServe {
    /// Starts `cmd` (a `ca serve ... --json` command without --listen) on 127.0.0.1:0 and
    /// waits for its `{"listening": ADDR}` line.
    pub fn start(mut cmd: Command) -> CaServe {
        cmd.args(["--listen", "127.0.0.1:0", "--json"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        let mut child = cmd.spawn().expect("cannot start ca serve");
        let stdout = child.stdout.take().expect("piped");
        let (first_tx, first_rx) = mpsc::channel();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let kept = lines.clone();
        std::thread::spawn(move || {
            let mut first = Some(first_tx);
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                match first.take() {
                    Some(tx) => {
                        let _ = tx.send(line);
                    }
                    None => kept.lock().unwrap().push(line),
                }
            }
        });
        let first = match first_rx.recv_timeout(Duration::from_secs(30)) {
            Ok(line) => line,
            Err(_) => {
                let _ = child.kill();
                panic!(
                    "ca serve printed no address within 30 s: {:?}",
                    child.wait()
                );
            }
        };
        let value: serde_json::Value = serde_json::from_str(&first)
            .unwrap_or_else(|e| panic!("ca serve's first line is not JSON ({e}): {first}"));
        let addr = value["listening"]
            .as_str()
            .unwrap_or_else(|| panic!("no `listening` in {first}"))
            .to_string();
        let port = addr
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .expect("the address ends with a port");
        assert!(addr.starts_with("127.0.0.1:"), "listens on {addr}");
        CaServe {
            child,
            addr,
            port,
            lines,
        }
    }

    /// The JSON lines logged so far, one per connection.
    pub fn connections(&self) -> Vec<serde_json::Value> {
        self.lines
            .lock()
            .unwrap()
            .iter()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
            .collect()
    }

    /// Waits until `n` connections have been logged (the log follows the answer).
    pub fn wait_for_connections(&self, n: usize) -> Vec<serde_json::Value> {
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.lines.lock().unwrap().len() < n && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        self.connections()
    }

    /// Sends SIGTERM and waits for the exit (at most 20 s).
    pub fn terminate(mut self) -> ExitStatus {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("cannot run kill");
        assert!(sent.success(), "kill -TERM {pid} failed");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().expect("cannot poll ca serve") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "ca serve did not stop within 20 s of SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for CaServe {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
