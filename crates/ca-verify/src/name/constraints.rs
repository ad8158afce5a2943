//! Name constraints (RFC 5280 4.2.1.10): permitted and excluded subtrees applied to the names of
//! the certificates below a CA.

use super::{dn, dns, email, ip, uri};
use crate::cert::{Certificate, GeneralName, NameConstraints, Subtree, OID_EMAIL_ATTR};
use crate::error::Reason;

/// Checks the constraints themselves: something to constrain, no bounds, every base well-formed.
pub(crate) fn validate(nc: &NameConstraints) -> Result<(), Reason> {
    let bad = |m: String| Err(Reason::InvalidNameConstraints(m));
    if nc.irregular {
        return bad("subtrees with minimum/maximum or a malformed encoding".into());
    }
    if nc.permitted.is_none() && nc.excluded.is_none() {
        return bad("neither permittedSubtrees nor excludedSubtrees is present".into());
    }
    for list in [&nc.permitted, &nc.excluded].into_iter().flatten() {
        if list.is_empty() {
            return bad("an empty list of subtrees".into());
        }
        for s in list {
            let ok = match &s.base {
                GeneralName::Dns(d) => dns::is_valid_constraint(d),
                GeneralName::Ip(b) => ip::is_valid_constraint(b),
                GeneralName::Email(e) => email::is_valid_constraint(e),
                GeneralName::Uri(u) => uri::is_valid_constraint(u),
                GeneralName::Directory(_) | GeneralName::Unsupported(_) => true,
            };
            if !ok {
                return bad(format!("malformed {} base {}", s.base.form(), s.base));
            }
        }
    }
    Ok(())
}

/// The names of `cert` that constraints apply to: its subjectAltName entries, its subject (as a
/// directoryName, when not empty) and the e-mail addresses in its subject. Never the CN.
fn constrained_names(cert: &Certificate) -> Vec<GeneralName> {
    let mut names: Vec<GeneralName> = cert.ext.san.iter().flat_map(|s| s.value.clone()).collect();
    if !cert.subject.is_empty() {
        names.push(GeneralName::Directory(Box::new(cert.subject.clone())));
    }
    for a in cert.subject.values_of(OID_EMAIL_ATTR) {
        names.push(GeneralName::Email(
            String::from_utf8_lossy(a.value).into_owned(),
        ));
    }
    names
}

/// Applies `nc` (from the CA `constrained_by`) to `cert`. `budget` counts name comparisons and
/// is decremented; running out is an error.
pub(crate) fn check(
    nc: &NameConstraints,
    constrained_by: &str,
    cert: &Certificate,
    budget: &mut usize,
) -> Result<(), Reason> {
    for name in constrained_names(cert) {
        check_name(nc, constrained_by, &name, budget)?;
    }
    Ok(())
}

fn check_name(
    nc: &NameConstraints,
    constrained_by: &str,
    name: &GeneralName,
    budget: &mut usize,
) -> Result<(), Reason> {
    let violation = |detail: String| Reason::NameConstraintViolation {
        name: name.to_string(),
        detail: format!("{constrained_by}: {detail}"),
    };
    let same_form = |list: &'_ Option<Vec<Subtree>>| -> Vec<Subtree> {
        list.iter()
            .flatten()
            .filter(|s| s.base.form() == name.form())
            .cloned()
            .collect()
    };
    let permitted = same_form(&nc.permitted);
    let excluded = same_form(&nc.excluded);
    if permitted.is_empty() && excluded.is_empty() {
        return Ok(());
    }
    if let GeneralName::Unsupported(form) = name {
        return Err(violation(format!("{form} constraints cannot be processed")));
    }
    for s in &excluded {
        spend(budget)?;
        if overlaps(name, &s.base) {
            return Err(violation(format!("excluded by {}", s.base)));
        }
    }
    if permitted.is_empty() {
        return Ok(());
    }
    for s in &permitted {
        spend(budget)?;
        if within(name, &s.base) {
            return Ok(());
        }
    }
    let list: Vec<String> = permitted.iter().map(|s| s.base.to_string()).collect();
    Err(violation(format!(
        "not within the permitted {}",
        list.join(", ")
    )))
}

fn spend(budget: &mut usize) -> Result<(), Reason> {
    if *budget == 0 {
        return Err(Reason::TooMuchWork("too many name-constraint comparisons"));
    }
    *budget -= 1;
    Ok(())
}

/// Whether every identity `name` stands for lies inside the subtree.
fn within(name: &GeneralName, base: &GeneralName) -> bool {
    match (name, base) {
        (GeneralName::Dns(n), GeneralName::Dns(b)) => dns::presented_within(&dns::classify(n), b),
        (GeneralName::Ip(n), GeneralName::Ip(b)) => ip::in_range(n, b),
        (GeneralName::Email(n), GeneralName::Email(b)) => email::in_subtree(n, b),
        (GeneralName::Uri(n), GeneralName::Uri(b)) => uri::in_subtree(n, b),
        (GeneralName::Directory(n), GeneralName::Directory(b)) => dn::in_subtree(n, b),
        _ => false,
    }
}

/// Whether some identity `name` stands for lies inside the subtree. Names we cannot read are
/// treated as overlapping: when in doubt, exclude.
fn overlaps(name: &GeneralName, base: &GeneralName) -> bool {
    match (name, base) {
        (GeneralName::Dns(n), GeneralName::Dns(b)) => dns::presented_overlaps(&dns::classify(n), b),
        (GeneralName::Ip(n), GeneralName::Ip(b)) => {
            (n.len() != 4 && n.len() != 16) || ip::in_range(n, b)
        }
        (GeneralName::Email(n), GeneralName::Email(b)) => {
            email::split_mailbox(n).is_none() || email::in_subtree(n, b)
        }
        (GeneralName::Uri(n), GeneralName::Uri(b)) => {
            uri::host(n).is_none() || uri::in_subtree(n, b)
        }
        (GeneralName::Directory(n), GeneralName::Directory(b)) => dn::in_subtree(n, b),
        _ => false,
    }
}
