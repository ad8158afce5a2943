//! The index of every certificate a CA directory issued: one JSON object
//! per line in `index.jsonl`.
//!
//! Each record is appended with a single `write` under the directory's
//! exclusive lock, so concurrent writers never interleave; the command
//! flushes the index before it returns (one flush for all its lines). A
//! crash can at worst leave a torn last line, which readers skip (and
//! count), so the index always stays readable.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::atomic::{self, FileMode, Overwrite};
use crate::error::{Error, Result};
use crate::key::KeyType;
use crate::profile::CertProfile;
use crate::serial::Serial;
use crate::validity::parse_rfc3339;

/// One issued certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexEntry {
    /// Lower-case hex.
    pub serial: Serial,
    /// RFC 4514 subject, e.g. `CN=localhost`.
    pub subject: String,
    /// subjectAltName entries as text.
    pub names: Vec<String>,
    /// RFC 3339.
    pub not_before: String,
    /// RFC 3339.
    pub not_after: String,
    /// `root`, `intermediate`, `server` or `client`.
    pub profile: CertProfile,
    /// The name of the issuing CA in this directory (`root` or an
    /// intermediate's name); `root` for the root itself.
    pub issuer: String,
    /// e.g. `ecdsa-p256`, `rsa-4096`.
    #[serde(with = "key_type_text")]
    pub key_type: KeyType,
    /// SHA-256 fingerprint of the certificate, lower-case hex.
    pub sha256: String,
    /// The copy of the certificate kept in the CA directory (absolute path).
    pub file: String,
    /// Where the certificate was written for the user, when it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out: Option<String>,
    /// When it was issued, RFC 3339.
    pub issued_at: String,
}

impl IndexEntry {
    /// notAfter as a time (`None` if the stored text is not RFC 3339).
    pub fn not_after_time(&self) -> Option<OffsetDateTime> {
        parse_rfc3339(&self.not_after).ok()
    }
}

/// The entries of an index, and how many damaged lines were skipped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Index {
    pub entries: Vec<IndexEntry>,
    /// Lines that did not parse (a torn last line after a crash).
    pub skipped_lines: usize,
}

impl Index {
    /// The entry with this serial, if any.
    pub fn find(&self, serial: &Serial) -> Option<&IndexEntry> {
        self.entries.iter().find(|e| &e.serial == serial)
    }
}

/// Reads an index file; a missing file is an empty index.
pub(crate) fn read(path: &Path) -> Result<Index> {
    let data = match std::fs::read(path) {
        Ok(d) => d,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Index::default()),
        Err(e) => return Err(Error::io(path, "read the index", e)),
    };
    let mut index = Index::default();
    for line in data.split(|&b| b == b'\n') {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<IndexEntry>(line) {
            Ok(entry) => index.entries.push(entry),
            Err(_) => index.skipped_lines += 1,
        }
    }
    Ok(index)
}

/// Appends one entry. The caller holds the directory's exclusive lock,
/// and flushes the file before the command returns.
pub(crate) fn append(path: &Path, entry: &IndexEntry) -> Result<()> {
    let mut line = serde_json::to_vec(entry).expect("index entries serialise");
    line.push(b'\n');
    let mut file = OpenOptions::new()
        .read(true)
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| Error::io(path, "open the index", e))?;
    // A torn line left by a crash must not swallow this one.
    if !ends_with_newline(&file) {
        line.insert(0, b'\n');
    }
    file.write_all(&line)
        .map_err(|e| Error::io(path, "append to the index", e))
}

/// Drops the `root` lines of an index whose root certificate is missing.
/// The root's index line is written before its certificate comes into
/// place, so a creation killed half-way can leave a line for a root that
/// never came; without this, each retry would add another. The caller holds
/// the exclusive lock and has checked that there is no root certificate.
pub(crate) fn drop_roots(path: &Path) -> Result<()> {
    drop_lines(path, |entry| entry.profile == CertProfile::Root)
}

/// Removes the lines of the intermediate `name`: called while it is being made again, when its
/// certificate is not there, so they are what a `kill -9` between its index line and its
/// certificate left (a certificate that never came into place).
pub(crate) fn drop_intermediate(path: &Path, name: &str) -> Result<()> {
    let file = Path::new("intermediates").join(name).join("cert.pem");
    drop_lines(path, |entry| {
        entry.profile == CertProfile::Intermediate && Path::new(&entry.file).ends_with(&file)
    })
}

/// Rewrites the index (atomically) without the lines `drop` picks; leaves it untouched when it
/// picks none.
fn drop_lines(path: &Path, drop: impl Fn(&IndexEntry) -> bool) -> Result<()> {
    let data = match std::fs::read(path) {
        Ok(d) => d,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io(path, "read the index", e)),
    };
    let dropped =
        |line: &&[u8]| serde_json::from_slice::<IndexEntry>(line).is_ok_and(|entry| drop(&entry));
    if !data.split(|&b| b == b'\n').any(|line| dropped(&line)) {
        return Ok(());
    }
    let kept: Vec<&[u8]> = data
        .split(|&b| b == b'\n')
        .filter(|l| !dropped(l))
        .collect();
    let text = kept.join(&b'\n');
    atomic::write_file(path, &text, FileMode::Public, Overwrite::Replace)
}

/// A key type as the index writes it (`KeyType`'s text). Read back, any
/// RSA size is accepted: imported CA keys may be of sizes `ca` does not
/// generate.
mod key_type_text {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::key::KeyType;

    pub fn serialize<S: Serializer>(key_type: &KeyType, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(key_type)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<KeyType, D::Error> {
        let text = String::deserialize(d)?;
        if let Ok(key_type) = text.parse() {
            return Ok(key_type);
        }
        text.strip_prefix("rsa-")
            .and_then(|bits| bits.parse().ok())
            .map(KeyType::Rsa)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown key type '{text}'")))
    }
}

fn ends_with_newline(file: &std::fs::File) -> bool {
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    if len == 0 {
        return true;
    }
    let mut last = [0u8; 1];
    read_byte_at(file, len - 1, &mut last) && last[0] == b'\n'
}

#[cfg(unix)]
fn read_byte_at(file: &std::fs::File, offset: u64, byte: &mut [u8; 1]) -> bool {
    std::os::unix::fs::FileExt::read_exact_at(file, byte, offset).is_ok()
}

#[cfg(not(unix))]
fn read_byte_at(mut file: &std::fs::File, offset: u64, byte: &mut [u8; 1]) -> bool {
    use std::io::{Read, Seek, SeekFrom};
    // Appends go to the end whatever the position.
    file.seek(SeekFrom::Start(offset)).is_ok() && file.read_exact(byte).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(serial: &str) -> IndexEntry {
        IndexEntry {
            serial: Serial::from_hex(serial).unwrap(),
            subject: "CN=a.test".into(),
            names: vec!["a.test".into()],
            not_before: "2026-01-01T00:00:00Z".into(),
            not_after: "2027-01-01T00:00:00Z".into(),
            profile: CertProfile::Server,
            issuer: "root".into(),
            key_type: KeyType::EcdsaP256,
            sha256: "00".into(),
            file: "/x/issued/01.pem".into(),
            out: None,
            issued_at: "2026-01-01T00:00:00Z".into(),
        }
    }

    #[test]
    fn survives_a_torn_last_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("index.jsonl");
        append(&path, &entry("01")).unwrap();
        // A crash in the middle of a write.
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(b"{\"serial\":\"02\",\"subj").unwrap();
        append(&path, &entry("03")).unwrap();
        let index = read(&path).unwrap();
        assert_eq!(index.entries.len(), 2);
        assert_eq!(index.skipped_lines, 1);
        assert!(index.find(&Serial::from_hex("03").unwrap()).is_some());
        assert!(index.entries[1].not_after_time().is_some());
    }

    /// An index written by `ca` before the index was typed (commit 5b4a873:
    /// root, an RSA intermediate, server, client, a signed CSR) still loads,
    /// and writes back the same text.
    #[test]
    fn an_index_written_by_an_earlier_version_loads_unchanged() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../fixtures/index/written-by-5b4a873.jsonl");
        let index = read(&path).unwrap();
        assert_eq!(index.skipped_lines, 0);
        let kinds: Vec<(CertProfile, KeyType)> = index
            .entries
            .iter()
            .map(|e| (e.profile, e.key_type))
            .collect();
        assert_eq!(
            kinds,
            [
                (CertProfile::Root, KeyType::EcdsaP256),
                (CertProfile::Intermediate, KeyType::Rsa(2048)),
                (CertProfile::Server, KeyType::EcdsaP256),
                (CertProfile::Client, KeyType::Ed25519),
                (CertProfile::Server, KeyType::EcdsaP256),
            ]
        );
        let text = std::fs::read_to_string(&path).unwrap();
        for (line, entry) in text.lines().zip(&index.entries) {
            assert_eq!(serde_json::to_string(entry).unwrap(), line);
        }
    }
}
