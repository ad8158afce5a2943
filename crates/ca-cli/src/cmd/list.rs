//! `ca list`: every certificate the CA directory issued, with its status,
//! as a table or (`--tree`) as the hierarchy it forms.

use std::collections::{HashMap, HashSet};

use ca_core::renewal::RenewBefore;
use ca_core::revocation;
use ca_core::store::{IndexEntry, ROOT};
use ca_core::text::escape_untrusted as esc;
use ca_core::validity::parse_rfc3339;
use ca_core::{CaDir, CertDer, CertProfile, Serial};
use serde_json::{json, Value};
use time::OffsetDateTime;

use super::common::{core_error, print_json, CaDirArgs};
use crate::exit::CliError;

/// List every certificate the CA directory issued, with its status.
///
/// Oldest first: the root, intermediates and leaves, with serial, expiry,
/// status, profile, issuer and names. The status is one of: valid;
/// expiring (inside the renewal window, --within); expired; revoked
/// (recorded with `ca revoke`). --tree draws the hierarchy instead: the
/// root, its intermediates and every leaf under the CA that signed it.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  ca list
  ca list --status expiring --status expired     # what to renew
  ca list --tree
  ca list --json --within 30d

--json prints {\"ca_dir\": ..., \"within\": ..., \"certificates\": [...]}, each with \
serial (hex), subject, names, not_before, not_after (RFC 3339), status, profile, \
issuer, key_type, sha256, file (the copy kept in the CA directory) and out (where it \
was written). With --tree, \"tree\" holds the root with nested \"children\" instead \
of \"certificates\".

Exit codes: 0 listed (also when empty or when nothing matches); 2 the CA directory \
cannot be read, or a bad --within.")]
pub struct Args {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,

    /// Draw the hierarchy: root, intermediates, and the leaves under the CA
    /// that signed them, the way `cargo tree` draws dependencies.
    #[arg(long)]
    pub tree: bool,

    /// Only certificates with this status (repeatable). With --tree, the
    /// CAs leading to a match stay shown.
    #[arg(long, value_enum, value_name = "STATUS")]
    pub status: Vec<Status>,

    /// The renewal window: a certificate this close to its notAfter is
    /// "expiring". A time (30d, 12h, 2w) or a share of its lifetime (20%);
    /// the default is `ca apply`'s renew_before.
    #[arg(long, value_name = "THRESHOLD", default_value = "33%")]
    pub within: String,

    #[command(flatten)]
    pub ca: CaDirArgs,
}

/// Where a certificate stands now.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Valid and not yet inside its renewal window.
    Valid,
    /// Valid, but inside its renewal window.
    Expiring,
    /// Past its notAfter.
    Expired,
    /// Revoked with `ca revoke`.
    Revoked,
}

impl Status {
    fn word(self) -> &'static str {
        match self {
            Status::Valid => "valid",
            Status::Expiring => "expiring",
            Status::Expired => "expired",
            Status::Revoked => "revoked",
        }
    }

    fn of(
        entry: &IndexEntry,
        revoked: &HashSet<Serial>,
        within: RenewBefore,
        now: OffsetDateTime,
    ) -> Status {
        if revoked.contains(&entry.serial) {
            return Status::Revoked;
        }
        let (Ok(not_before), Ok(not_after)) = (
            parse_rfc3339(&entry.not_before),
            parse_rfc3339(&entry.not_after),
        ) else {
            // An index line with unreadable times cannot be judged valid.
            return Status::Expired;
        };
        let renewal = within.decide(not_before, not_after, now);
        if now > not_after {
            Status::Expired
        } else if renewal.needs_renewal() {
            Status::Expiring
        } else {
            Status::Valid
        }
    }
}

/// An index entry with its status.
struct Listed<'a> {
    entry: &'a IndexEntry,
    status: Status,
}

pub fn run(args: Args) -> Result<(), CliError> {
    let within: RenewBefore = args
        .within
        .parse()
        .map_err(|e| CliError::bad_input(format!("--within: {e}")))?;
    let now = OffsetDateTime::now_utc();
    let ca_dir = args.ca.ca_dir()?;
    let index = ca_dir.index().map_err(core_error)?;
    if index.skipped_lines > 0 {
        eprintln!(
            "warning: skipped {} damaged line(s) of the index (left by an interrupted write)",
            index.skipped_lines
        );
    }
    let revoked: HashSet<Serial> = revocation::revocations(&ca_dir)
        .map_err(core_error)?
        .into_iter()
        .map(|r| r.serial)
        .collect();
    let listed: Vec<Listed> = index
        .entries
        .iter()
        .map(|entry| Listed {
            entry,
            status: Status::of(entry, &revoked, within, now),
        })
        .collect();
    let wanted = |l: &Listed| args.status.is_empty() || args.status.contains(&l.status);
    if args.tree {
        let tree = Tree::new(&ca_dir, &listed)?;
        if args.json {
            return print_json(&json!({
                "ca_dir": ca_dir.path().display().to_string(),
                "within": args.within,
                "tree": tree.root.map(|r| tree.node_json(r, &wanted)),
            }));
        }
        match tree.root {
            Some(root) => {
                let mut out = String::new();
                out.push_str(&line(&listed[root]));
                out.push('\n');
                tree.draw(root, "", &wanted, &mut out);
                print!("{out}");
            }
            None => println!(
                "No root in the index of {} (create a CA with `ca init`).",
                ca_dir.path().display()
            ),
        }
        return Ok(());
    }
    let shown: Vec<&Listed> = listed.iter().filter(|l| wanted(l)).collect();
    if args.json {
        return print_json(&json!({
            "ca_dir": ca_dir.path().display().to_string(),
            "within": args.within,
            "certificates": shown.iter().map(|l| entry_json(l)).collect::<Vec<_>>(),
        }));
    }
    if index.entries.is_empty() {
        println!(
            "No certificates in {} yet (create a CA with `ca init`, or just `ca issue NAME`).",
            ca_dir.path().display()
        );
        return Ok(());
    }
    if shown.is_empty() {
        println!("No certificate has the status asked for.");
        return Ok(());
    }
    println!(
        "{:<32}  {:<20}  {:<8}  {:<12}  {:<12}  NAMES",
        "SERIAL", "NOT AFTER", "STATUS", "PROFILE", "ISSUER"
    );
    // Subjects and names come from the certificates (a signed CSR chose them): escaped.
    for l in shown {
        let e = l.entry;
        println!(
            "{:<32}  {:<20}  {:<8}  {:<12}  {:<12}  {}",
            e.serial.to_hex(),
            esc(&e.not_after),
            l.status.word(),
            e.profile.as_str(),
            esc(&e.issuer),
            what(e)
        );
    }
    Ok(())
}

fn entry_json(l: &Listed) -> Value {
    let mut value = serde_json::to_value(l.entry).expect("index entries serialise");
    value["status"] = json!(l.status.word());
    value
}

/// The names, or the subject for CA certificates (which have none).
fn what(entry: &IndexEntry) -> String {
    if entry.names.is_empty() {
        esc(&entry.subject).into_owned()
    } else {
        let names: Vec<_> = entry.names.iter().map(|n| esc(n)).collect();
        names.join(", ")
    }
}

/// One line of the tree: what it is, its profile, expiry and status.
fn line(l: &Listed) -> String {
    let e = l.entry;
    format!(
        "{} ({}, serial {}, until {}, {})",
        what(e),
        e.profile.as_str(),
        e.serial.to_hex(),
        e.not_after,
        l.status.word()
    )
}

/// The hierarchy: which index entries each CA signed.
struct Tree<'a> {
    listed: &'a [Listed<'a>],
    /// The index of the root's entry (the last root, if re-created).
    root: Option<usize>,
    /// For each CA entry (by index), the entries it signed.
    children: HashMap<usize, Vec<usize>>,
    /// The names of the intermediates' entries (by index), as `--issuer` takes them.
    names: HashMap<usize, String>,
}

impl<'a> Tree<'a> {
    fn new(ca_dir: &CaDir, listed: &'a [Listed<'a>]) -> Result<Self, CliError> {
        let root = listed
            .iter()
            .rposition(|l| l.entry.profile == CertProfile::Root);
        // The index names a leaf's issuer by its name in the directory; an
        // intermediate's own entry is found by the serial of its certificate.
        let mut ca_by_name: HashMap<String, usize> = HashMap::new();
        if let Some(root) = root {
            ca_by_name.insert(ROOT.to_string(), root);
        }
        for name in ca_dir.intermediates().map_err(core_error)? {
            let cert = CertDer::read_file(&ca_dir.cert_path(&name)).map_err(core_error)?;
            let serial = cert.info().serial;
            if let Some(i) = listed.iter().rposition(|l| l.entry.serial == serial) {
                ca_by_name.insert(name, i);
            }
        }
        let mut children: HashMap<usize, Vec<usize>> = HashMap::new();
        for (i, l) in listed.iter().enumerate() {
            if Some(i) == root {
                continue;
            }
            if let Some(&parent) = ca_by_name.get(&l.entry.issuer) {
                if parent != i {
                    children.entry(parent).or_default().push(i);
                }
            }
        }
        let names = ca_by_name
            .into_iter()
            .filter(|(name, _)| name != ROOT)
            .map(|(name, i)| (i, name))
            .collect();
        Ok(Tree {
            listed,
            root,
            children,
            names,
        })
    }

    fn kids(&self, node: usize) -> &[usize] {
        self.children.get(&node).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Whether `node` or anything below it is to be shown.
    fn shows(&self, node: usize, wanted: &dyn Fn(&Listed) -> bool) -> bool {
        wanted(&self.listed[node]) || self.kids(node).iter().any(|&k| self.shows(k, wanted))
    }

    /// The children of `node`, `cargo tree` style.
    fn draw(&self, node: usize, prefix: &str, wanted: &dyn Fn(&Listed) -> bool, out: &mut String) {
        let kids: Vec<usize> = self
            .kids(node)
            .iter()
            .copied()
            .filter(|&k| self.shows(k, wanted))
            .collect();
        for (n, &kid) in kids.iter().enumerate() {
            let last = n + 1 == kids.len();
            out.push_str(prefix);
            out.push_str(if last { "└── " } else { "├── " });
            if let Some(name) = self.names.get(&kid) {
                out.push_str(&format!("[{name}] "));
            }
            out.push_str(&line(&self.listed[kid]));
            out.push('\n');
            let deeper = format!("{prefix}{}", if last { "    " } else { "│   " });
            self.draw(kid, &deeper, wanted, out);
        }
    }

    fn node_json(&self, node: usize, wanted: &dyn Fn(&Listed) -> bool) -> Value {
        let mut value = entry_json(&self.listed[node]);
        if let Some(name) = self.names.get(&node) {
            value["name"] = json!(name);
        }
        value["children"] = self
            .kids(node)
            .iter()
            .filter(|&&k| self.shows(k, wanted))
            .map(|&k| self.node_json(k, wanted))
            .collect();
        value
    }
}
