//! Progress for work that takes more than a moment (RSA-3072/4096 key
//! generation, `ca apply` with many leaves), drawn on stderr only when
//! both stdout and stderr are terminals and no --json was asked for: a
//! script, a pipe or a log never sees it.

use std::io::IsTerminal;
use std::time::Duration;

use ca_core::KeyType;
use indicatif::{ProgressBar, ProgressStyle};

/// A spinner or bar that clears itself when dropped.
pub struct Progress(ProgressBar);

/// Whether progress may be drawn: a person watching, and no JSON.
fn shown(json: bool) -> bool {
    !json && std::io::stdout().is_terminal() && std::io::stderr().is_terminal()
}

impl Progress {
    /// A spinner with `message` and the time elapsed.
    pub fn spinner(message: impl Into<String>, json: bool) -> Progress {
        if !shown(json) {
            return Progress(ProgressBar::hidden());
        }
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} ({elapsed})").expect("a valid template"),
        );
        bar.set_message(message.into());
        bar.enable_steady_tick(Duration::from_millis(100));
        Progress(bar)
    }

    /// A spinner while a key of `key_type` is generated, for the slow ones
    /// (RSA); nothing for the others, which take milliseconds.
    pub fn key_generation(key_type: KeyType, json: bool) -> Progress {
        if !key_type.is_rsa() {
            return Progress(ProgressBar::hidden());
        }
        Progress::spinner(format!("Generating an {key_type} key"), json)
    }

    /// A bar of `total` steps.
    pub fn bar(total: u64, json: bool) -> Progress {
        if !shown(json) {
            return Progress(ProgressBar::hidden());
        }
        let bar = ProgressBar::new(total);
        bar.set_style(
            ProgressStyle::with_template("{bar:30} {pos}/{len} {msg} ({elapsed})")
                .expect("a valid template"),
        );
        bar.enable_steady_tick(Duration::from_millis(100));
        Progress(bar)
    }

    /// The bar itself, for a callback that moves it (a hidden bar when
    /// progress is not shown).
    pub fn handle(&self) -> ProgressBar {
        self.0.clone()
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}
