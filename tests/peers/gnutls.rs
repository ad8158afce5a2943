//! GnuTLS's `certtool --verify` accepts the chains `ca` writes, for every
//! key type, with and without an intermediate, for the right name and
//! purpose; and refuses them against another root or for another name.

use std::path::Path;
use std::process::Command;

use crate::support::{other_root, pki, refuse, succeed, Pki, CERTTOOL};

const SERVER_AUTH: &str = "1.3.6.1.5.5.7.3.1";
const CLIENT_AUTH: &str = "1.3.6.1.5.5.7.3.2";

/// `certtool --verify` of a chain file (leaf first) against one root, at
/// GnuTLS's "medium" security profile (RSA 2048 and up, no SHA-1).
fn certtool_verify(root: &Path, chain: &Path, host: &str, purpose: &str) -> Command {
    let mut cmd = CERTTOOL.command();
    cmd.arg("--verify")
        .arg("--load-ca-certificate")
        .arg(root)
        .arg("--infile")
        .arg(chain)
        .arg(format!("--verify-hostname={host}"))
        .arg(format!("--verify-purpose={purpose}"))
        .arg("--verify-profile=medium");
    cmd
}

fn verify_chains(key_type: &str) {
    let pki = pki(key_type);
    let root = &pki.root.cert;
    for (how, leaf) in pki.servers() {
        let out = succeed(&mut certtool_verify(
            root,
            &leaf.fullchain,
            "localhost",
            SERVER_AUTH,
        ));
        let report = String::from_utf8_lossy(&out.stdout);
        assert!(
            report.contains("Chain verification output: Verified."),
            "{key_type} leaf {how}: certtool did not verify the chain:\n{report}"
        );
        refuse(&mut certtool_verify(
            &other_root().cert,
            &leaf.fullchain,
            "localhost",
            SERVER_AUTH,
        ));
        refuse(&mut certtool_verify(
            root,
            &leaf.fullchain,
            "example.com",
            SERVER_AUTH,
        ));
    }
    let client = &pki.client;
    succeed(&mut certtool_verify(
        root,
        &client.fullchain,
        Pki::CLIENT_NAME,
        CLIENT_AUTH,
    ));
    refuse(&mut certtool_verify(
        root,
        &client.fullchain,
        Pki::CLIENT_NAME,
        SERVER_AUTH,
    ));
}

mod certtool_verify {
    crate::support::test_each_key_type!(super::verify_chains);
}
