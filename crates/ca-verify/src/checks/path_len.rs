//! pathLenConstraint against the path below a CA (RFC 5280 6.1.4 (l), (m)).

use crate::cert::Certificate;
use crate::error::Reason;

/// pathLenConstraint of `issuer` against the intermediates below it (self-issued ones not
/// counted, RFC 5280 6.1.4 (l)).
pub(crate) fn path_len<'a>(
    issuer: &Certificate,
    below: impl Iterator<Item = &'a Certificate>,
) -> Result<(), Reason> {
    let Some(n) = issuer
        .ext
        .basic_constraints
        .as_ref()
        .and_then(|b| b.value.path_len)
    else {
        return Ok(());
    };
    let found = below.filter(|c| !c.is_self_issued()).count();
    if found > n as usize {
        return Err(Reason::PathLenExceeded { path_len: n, found });
    }
    Ok(())
}

/// What `path_len` found, for the explanation.
pub(crate) fn path_len_text<'a>(
    issuer: &Certificate,
    below: impl Iterator<Item = &'a Certificate>,
) -> String {
    let limit = issuer
        .ext
        .basic_constraints
        .as_ref()
        .and_then(|b| b.value.path_len);
    let found = below.filter(|c| !c.is_self_issued()).count();
    let below = match found {
        1 => "1 intermediate below".to_string(),
        n => format!("{n} intermediates below"),
    };
    match limit {
        Some(n) => format!("pathLenConstraint {n}, {below}"),
        None => format!("no pathLenConstraint, {below}"),
    }
}
