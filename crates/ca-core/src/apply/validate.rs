//! From the file as written to what it asks for: every value is parsed
//! and checked (key types, names, issuers, name constraints, validity,
//! renewal thresholds, output paths) and every mistake is reported with its
//! position. Runs before anything is generated or written.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use time::{Duration, OffsetDateTime};
use toml::Spanned;

use super::constraints;
use super::diagnostic::{suggest, Locator, SpecErrors};
use super::spec::{CaSpec, LeafSpec, SpecFile};
use crate::key::KeyType;
use crate::name::SubjectName;
use crate::profile::{CaOptions, CertProfile, LeafOptions, NameConstraintsSpec};
use crate::renewal::RenewBefore;
use crate::store::{validate_intermediate_name, ROOT};
use crate::subject::Subject;
use crate::validity::{parse_rfc3339, ValidityRequest};

/// When no `renew_before` is given: the last third of the lifetime, as
/// ACME clients do with 90-day certificates (renewed 30 days before).
pub const DEFAULT_RENEW_BEFORE: RenewBefore = RenewBefore::Percent(33);

/// What a valid file asks for.
#[derive(Debug, Clone)]
pub struct Desired {
    /// `ca_dir` from the file, relative to the current directory.
    pub ca_dir: Option<PathBuf>,
    pub root: CaOptions,
    /// By name, sorted.
    pub intermediates: Vec<DesiredCa>,
    /// By name, sorted.
    pub leaves: Vec<DesiredLeaf>,
}

#[derive(Debug, Clone)]
pub struct DesiredCa {
    pub name: String,
    pub options: CaOptions,
}

#[derive(Debug, Clone)]
pub struct DesiredLeaf {
    pub name: String,
    /// `root` or an intermediate's name.
    pub issuer: String,
    pub options: LeafOptions,
    pub renew_before: RenewBefore,
    pub cert: PathBuf,
    pub key: PathBuf,
    /// The intermediates alone (not written for a leaf the root signs).
    pub chain: PathBuf,
    /// The certificate followed by its intermediates.
    pub fullchain: PathBuf,
}

/// Checks the file; `Err` lists every mistake found.
/// Times in the file (`days`, `not_after`) are judged against `now`.
pub fn validate(
    file: &SpecFile,
    source: &str,
    path: &Path,
    now: OffsetDateTime,
) -> Result<Desired, SpecErrors> {
    let mut at = Locator::new(source, path);
    if let Some(v) = &file.version {
        if *v.get_ref() != 1 {
            at.push(v.span(), "unsupported version: this `ca` reads version 1");
        }
    }
    let root_spec = file.root.as_ref().map(Spanned::get_ref);
    let root = ca_options(&mut at, root_spec.cloned().unwrap_or_default(), now);
    if let (Some(root_spec), false) = (&file.root, file.intermediates.is_empty()) {
        if let Some(pl) = &root_spec.get_ref().path_len {
            if *pl.get_ref() == 0 {
                at.push(
                    pl.span(),
                    "the root has path_len 0, so it cannot sign the intermediates of this file; \
                     remove path_len or raise it",
                );
            }
        }
    }
    let mut intermediates = Vec::new();
    for (name, spec) in &file.intermediates {
        if let Err(e) = validate_intermediate_name(name.get_ref()) {
            at.push(name.span(), e.to_string());
        }
        let options = ca_options(&mut at, spec.get_ref().clone(), now);
        intermediates.push(DesiredCa {
            name: name.get_ref().clone(),
            options,
        });
    }
    let mut leaves = Vec::new();
    let mut paths: BTreeMap<PathBuf, String> = BTreeMap::new();
    for (name, spec) in &file.leaves {
        let leaf = leaf(&mut at, name, spec, &root, &intermediates, now);
        if let Some(leaf) = leaf {
            for p in [&leaf.cert, &leaf.key, &leaf.chain, &leaf.fullchain] {
                let clean = std::path::absolute(p).unwrap_or_else(|_| p.clone());
                if let Some(other) = paths.insert(clean, leaf.name.clone()) {
                    at.push(
                        name.span(),
                        format!(
                            "leaf '{}' writes {} which leaf '{other}' writes too; give one of them \
                             another `out`, `cert`, `key`, `chain` or `fullchain`",
                            leaf.name,
                            p.display()
                        ),
                    );
                }
            }
            leaves.push(leaf);
        }
    }
    at.finish()?;
    // `strict_webpki = true`: Web PKI rules the certificates break refuse rather than warn.
    let strict = file.strict_webpki.as_ref().is_some_and(|s| *s.get_ref());
    let mut root = root;
    root.strict_webpki = strict;
    for ca in &mut intermediates {
        ca.options.strict_webpki = strict;
    }
    for leaf in &mut leaves {
        leaf.options.strict_webpki = strict;
    }
    Ok(Desired {
        ca_dir: file
            .ca_dir
            .as_ref()
            .map(|d| PathBuf::from(d.get_ref().as_str())),
        root,
        intermediates,
        leaves,
    })
}

fn key_type(at: &mut Locator, value: &Option<Spanned<String>>) -> KeyType {
    match value {
        None => KeyType::default(),
        Some(v) => v.get_ref().parse().unwrap_or_else(|e: String| {
            let names: Vec<String> = KeyType::GENERATABLE.iter().map(|t| t.to_string()).collect();
            let hint = suggest(v.get_ref(), names.iter().map(String::as_str));
            at.push_with(v.span(), e, hint);
            KeyType::default()
        }),
    }
}

fn days(at: &mut Locator, value: &Option<Spanned<u32>>, now: OffsetDateTime) -> Option<u32> {
    let v = value.as_ref()?;
    if *v.get_ref() == 0 {
        at.push(v.span(), "`days` must be at least 1");
        return None;
    }
    let end = now.checked_add(Duration::days(i64::from(*v.get_ref())));
    if end.is_none_or(|t| t.year() > 9999) {
        at.push(
            v.span(),
            "`days` is too large: the certificate would end after the year 9999",
        );
        return None;
    }
    Some(*v.get_ref())
}

/// One of the six lists of a [`NameConstraintsSpec`].
type Field = fn(&mut NameConstraintsSpec) -> &mut Vec<String>;

fn ca_options(at: &mut Locator, spec: CaSpec, now: OffsetDateTime) -> CaOptions {
    let fields: [(&[Spanned<String>], Field); 6] = [
        (&spec.permit_dns, |nc| &mut nc.permit_dns),
        (&spec.exclude_dns, |nc| &mut nc.exclude_dns),
        (&spec.permit_ip, |nc| &mut nc.permit_ip),
        (&spec.exclude_ip, |nc| &mut nc.exclude_ip),
        (&spec.permit_email, |nc| &mut nc.permit_email),
        (&spec.exclude_email, |nc| &mut nc.exclude_email),
    ];
    let mut nc = NameConstraintsSpec::default();
    for (list, field) in fields {
        for entry in list {
            // Checked alone, to point at the bad entry.
            let mut one = NameConstraintsSpec::default();
            field(&mut one).push(entry.get_ref().clone());
            if let Err(e) = one.to_rcgen() {
                at.push(entry.span(), e.to_string());
            }
            field(&mut nc).push(entry.get_ref().clone());
        }
    }
    if let Some(cn) = &spec.common_name {
        let len = cn.get_ref().chars().count();
        if len == 0 || len > 64 {
            at.push(cn.span(), "`common_name` must be 1 to 64 characters long");
        }
    }
    let subject = subject(at, &spec.subject);
    CaOptions {
        common_name: spec.common_name.map(Spanned::into_inner),
        subject,
        key_type: key_type(at, &spec.key_type),
        validity: ValidityRequest {
            days: days(at, &spec.days, now),
            ..Default::default()
        },
        path_len: spec.path_len.map(Spanned::into_inner),
        name_constraints: nc,
        strict_webpki: false,
    }
}

fn leaf(
    at: &mut Locator,
    name: &Spanned<String>,
    spanned: &Spanned<LeafSpec>,
    root: &CaOptions,
    intermediates: &[DesiredCa],
    now: OffsetDateTime,
) -> Option<DesiredLeaf> {
    let spec = spanned.get_ref();
    let errors_before = at.found.len();
    if !is_plain_name(name.get_ref()) {
        at.push(
            name.span(),
            format!(
                "'{}' cannot name a leaf: use 1 to 64 letters, digits, '.', '-' or '_' \
                 (not starting with '.'); it names the leaf's files",
                name.get_ref()
            ),
        );
    }
    let issuer = spec
        .issuer
        .as_ref()
        .map_or(ROOT, |i| i.get_ref().as_str())
        .to_string();
    let issuer_constraints = if issuer == ROOT {
        Some(None)
    } else {
        intermediates
            .iter()
            .find(|i| i.name == issuer)
            .map(|i| Some(&i.options.name_constraints))
    };
    if issuer_constraints.is_none() {
        let span = spec.issuer.as_ref().map_or(name.span(), Spanned::span);
        let known: Vec<&str> = std::iter::once(ROOT)
            .chain(intermediates.iter().map(|i| i.name.as_str()))
            .collect();
        at.push_with(
            span,
            format!(
                "leaf '{}' names the issuer '{issuer}', which this file does not define \
                 (defined: {}); add [intermediates.{issuer}] or fix the name",
                name.get_ref(),
                known.join(", ")
            ),
            suggest(&issuer, known.iter().copied()),
        );
    }
    let kind = spec.kind.as_ref().map(|k| *k.get_ref()).unwrap_or_default();
    let names = leaf_names(at, spec, &issuer, issuer_constraints.flatten(), root);
    let key_type = key_type(at, &spec.key_type);
    let days = days(at, &spec.days, now);
    let not_after = spec.not_after.as_ref().and_then(|t| {
        parse_rfc3339(t.get_ref())
            .map_err(|e| at.push(t.span(), e.to_string()))
            .ok()
    });
    if let (Some(_), Some(t)) = (days, &spec.not_after) {
        at.push(t.span(), "give either `days` or `not_after`, not both");
    }
    let lifetime = match (not_after, days) {
        (Some(t), _) => t - now,
        (None, Some(d)) => Duration::days(i64::from(d)),
        (None, None) => Duration::days(i64::from(CertProfile::Server.default_days())),
    };
    if let (Some(t), true) = (&spec.not_after, lifetime <= Duration::ZERO) {
        at.push(
            t.span(),
            "`not_after` is in the past: the leaf would be expired, and reissued on every run",
        );
    }
    let renew_before = match &spec.renew_before {
        None => DEFAULT_RENEW_BEFORE,
        Some(r) => match r.get_ref().parse::<RenewBefore>() {
            Ok(threshold) => {
                if lifetime > Duration::ZERO && threshold.lead_time(now, now + lifetime) >= lifetime
                {
                    at.push(
                        r.span(),
                        format!(
                            "renew_before = \"{threshold}\" is not shorter than the leaf's lifetime \
                             ({} days): it would be reissued on every run; give a shorter threshold \
                             or more `days`",
                            lifetime.whole_days()
                        ),
                    );
                }
                threshold
            }
            Err(e) => {
                at.push(r.span(), e.to_string());
                DEFAULT_RENEW_BEFORE
            }
        },
    };
    let out = spec
        .out
        .as_ref()
        .map_or_else(|| PathBuf::from("."), |o| PathBuf::from(o.get_ref()));
    let stem = name.get_ref();
    let path = |explicit: &Option<Spanned<String>>, file: String| match explicit {
        Some(p) => PathBuf::from(p.get_ref()),
        None if out == Path::new(".") => PathBuf::from(file),
        None => out.join(file),
    };
    let subject = subject(at, &spec.subject);
    let leaf = DesiredLeaf {
        name: name.get_ref().clone(),
        issuer,
        options: LeafOptions {
            names,
            kind,
            key_type,
            validity: ValidityRequest {
                not_before: None,
                not_after,
                days,
            },
            subject,
            strict_webpki: false,
            crl_distribution_points: Vec::new(),
        },
        renew_before,
        cert: path(&spec.cert, format!("{stem}.pem")),
        key: path(&spec.key, format!("{stem}-key.pem")),
        chain: path(&spec.chain, format!("{stem}-chain.pem")),
        fullchain: path(&spec.fullchain, format!("{stem}-fullchain.pem")),
    };
    (at.found.len() == errors_before).then_some(leaf)
}

/// A `subject` key, parsed as `--subject` is.
fn subject(at: &mut Locator, spec: &Option<Spanned<String>>) -> Subject {
    let Some(text) = spec else {
        return Subject::default();
    };
    Subject::parse(text.get_ref()).unwrap_or_else(|e| {
        at.push(text.span(), e.to_string().replace("--subject", "`subject`"));
        Subject::default()
    })
}

fn leaf_names(
    at: &mut Locator,
    spec: &LeafSpec,
    issuer: &str,
    issuer_constraints: Option<&NameConstraintsSpec>,
    root: &CaOptions,
) -> Vec<SubjectName> {
    if spec.names.get_ref().is_empty() {
        at.push(
            spec.names.span(),
            "`names` is empty; give at least one DNS name, IP address, e-mail address or URI",
        );
    }
    let mut names = Vec::new();
    for entry in spec.names.get_ref() {
        let name = match SubjectName::parse(entry.get_ref()) {
            Ok(n) => n,
            Err(e) => {
                at.push(entry.span(), e.to_string());
                continue;
            }
        };
        let checks = [
            (issuer, issuer_constraints),
            (ROOT, Some(&root.name_constraints)),
        ];
        for (ca, nc) in checks {
            if let Some(why) = nc.and_then(|nc| constraints::outside(&name, nc)) {
                at.push(
                    entry.span(),
                    format!("{why} of the CA '{ca}'; change the name or the CA's constraints"),
                );
            }
        }
        names.push(name);
    }
    names
}

fn is_plain_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}
