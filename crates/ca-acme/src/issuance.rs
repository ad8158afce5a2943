//! Issuance and revocation through ca-core's issuing pipeline (`CaDir::issue_by`): the one
//! place that talks to the CA directory.

use ca_core::revocation::{self, RevocationReason as Reason};
use ca_core::store::ROOT;
use ca_core::{
    CaDir, CertDer, Csr, IssueContext, IssueRequest, Issued, Issuer, LeafOptions, Serial,
    SubjectName, ValidityRequest,
};
use time::OffsetDateTime;

use crate::problem::{AcmeResult, Problem, ProblemType};

/// The CA that signs ACME certificates: a CA directory and one of its
/// issuers, loaded (key included) once at start.
pub struct CaIssuance {
    ca_dir: CaDir,
    issuer_name: String,
    issuer: Issuer,
    /// The CRL last made: how many revocations it lists, its nextUpdate, DER.
    crl: std::sync::Mutex<Option<(usize, OffsetDateTime, Vec<u8>)>>,
    /// Where certificates say the CRL is (cRLDistributionPoints).
    crl_urls: Vec<String>,
}

/// How long a CRL the server makes is valid (its nextUpdate).
const CRL_DAYS: u32 = 7;

/// A certificate just issued.
pub struct IssuedCert {
    pub serial: String,
    pub chain_pem: String,
}

impl CaIssuance {
    pub fn load(ca_dir: CaDir, issuer_name: Option<&str>) -> ca_core::Result<CaIssuance> {
        let issuer_name = issuer_name.unwrap_or(ROOT).to_string();
        let issuer = ca_dir.load_issuer(Some(&issuer_name), None)?;
        Ok(CaIssuance {
            ca_dir,
            issuer_name,
            issuer,
            crl: std::sync::Mutex::new(None),
            crl_urls: Vec::new(),
        })
    }

    /// Puts these URLs in the cRLDistributionPoints of every certificate
    /// issued over ACME (RFC 5280 §4.2.1.13), e.g. this server's GET /crl.
    pub fn with_crl_urls(mut self, urls: Vec<String>) -> CaIssuance {
        self.crl_urls = urls;
        self
    }

    pub fn crl_urls(&self) -> &[String] {
        &self.crl_urls
    }

    pub fn ca_dir(&self) -> &CaDir {
        &self.ca_dir
    }

    pub fn issuer_name(&self) -> &str {
        &self.issuer_name
    }

    /// When the issuing CA expires: no certificate may end later.
    pub fn issuer_not_after(&self) -> OffsetDateTime {
        self.issuer.not_after()
    }

    /// The issuing CA's own rules for names (its name constraints, and the rulebook's rules
    /// for server names): an order for anything else is `rejectedIdentifier` (RFC 8555 §7.4).
    /// The rules run on the certificate being issued, so this signs a throw-away one for the
    /// names (never recorded or written): the same verdict finalize would give, up front.
    pub fn check_names(&self, names: &[SubjectName], now: OffsetDateTime) -> AcmeResult<()> {
        let options = LeafOptions {
            names: names.to_vec(),
            ..Default::default()
        };
        self.issuer
            .issue(&options, &IssueContext::at(now))
            .map(|_| ())
            .map_err(|e| Problem::new(ProblemType::RejectedIdentifier, e.to_string()))
    }

    /// Signs `csr` with the server profile (only its key and names are
    /// used) and records the certificate in the CA directory's index, so
    /// that `ca list` and `ca revoke` see it.
    pub fn issue(&self, csr: &Csr, now: OffsetDateTime) -> AcmeResult<IssuedCert> {
        self.issue_with_serial(csr, now, Serial::random())
    }

    /// [`CaIssuance::issue`] with the serial number the caller reserved
    /// (in the database shared by the replicas).
    pub fn issue_with_serial(
        &self,
        csr: &Csr,
        now: OffsetDateTime,
        serial: Serial,
    ) -> AcmeResult<IssuedCert> {
        self.issue_with_validity(csr, ValidityRequest::default(), now, serial)
    }

    /// [`CaIssuance::issue_with_serial`] with the validity the order asked
    /// for (RFC 8555 §7.4 notBefore/notAfter; default: the server profile's).
    pub fn issue_with_validity(
        &self,
        csr: &Csr,
        validity: ValidityRequest,
        now: OffsetDateTime,
        serial: Serial,
    ) -> AcmeResult<IssuedCert> {
        let serials = move || serial.clone();
        let request = IssueRequest {
            issuer: &self.issuer_name,
            leaf: LeafOptions {
                names: csr.names().to_vec(),
                key_type: csr.key_type(),
                validity,
                crl_distribution_points: self.crl_urls.clone(),
                ..Default::default()
            },
            csr: Some(csr),
            outputs: Vec::new(),
            overwrite: Default::default(),
            key_passphrase: None,
            ca_passphrase: None,
            create_root: None,
        };
        let outcome = self
            .ca_dir
            .issue_by(
                &self.issuer,
                &request,
                &IssueContext::with_serials(now, &serials),
            )
            .map_err(|e| match e {
                ca_core::Error::Refused(d) => Problem::new(ProblemType::BadCsr, d),
                other => Problem::internal(format!("issuing the certificate: {other}")),
            })?;
        let issued = outcome.issued;
        // RFC 8555 §7.4.2: the leaf, then its issuers. A leaf signed by the
        // root itself gets the root as its issuer certificate: clients such
        // as certbot need one certificate after the leaf.
        let mut chain_pem = issued.fullchain_pem();
        if issued.intermediates.is_empty() {
            chain_pem.push_str(&issued.root.pem());
        }
        Ok(IssuedCert {
            serial: issued.cert.info().serial.to_hex(),
            chain_pem,
        })
    }

    /// A certificate and key for the server's own names (HTTPS), recorded
    /// in the index like any other.
    pub fn issue_server_identity(
        &self,
        names: &[String],
        now: OffsetDateTime,
    ) -> ca_core::Result<Issued> {
        self.issue_server_identity_with_serial(names, now, Serial::random())
    }

    /// [`CaIssuance::issue_server_identity`] with a serial the caller reserved.
    pub fn issue_server_identity_with_serial(
        &self,
        names: &[String],
        now: OffsetDateTime,
        serial: Serial,
    ) -> ca_core::Result<Issued> {
        let serials = move || serial.clone();
        let request = IssueRequest {
            issuer: &self.issuer_name,
            leaf: LeafOptions::server(names)?,
            csr: None,
            outputs: Vec::new(),
            overwrite: Default::default(),
            key_passphrase: None,
            ca_passphrase: None,
            create_root: None,
        };
        let outcome = self.ca_dir.issue_by(
            &self.issuer,
            &request,
            &IssueContext::with_serials(now, &serials),
        )?;
        Ok(outcome.issued)
    }

    /// Records the revocation in the CA directory (what `ca revoke` does),
    /// so that `ca crl` lists it.
    pub fn revoke(
        &self,
        leaf: &CertDer,
        issuer: &str,
        reason: Reason,
        now: OffsetDateTime,
    ) -> AcmeResult<()> {
        revocation::revoke(&self.ca_dir, &leaf.info().serial, issuer, reason, now)
            .map(|_| ())
            .map_err(|e| match e {
                ca_core::Error::Refused(d) => Problem::new(ProblemType::AlreadyRevoked, d),
                other => Problem::internal(other.to_string()),
            })
    }
}

impl CaIssuance {
    /// The issuer's current CRL (DER). A new one is made, as `ca crl` makes
    /// it (next number, written to the CA directory), when a revocation
    /// was recorded since the last one, by ACME or by `ca revoke`, or when
    /// half of its validity has passed.
    pub fn current_crl(&self, now: OffsetDateTime) -> AcmeResult<Vec<u8>> {
        let count = revocation::revocations(&self.ca_dir)
            .map_err(|e| Problem::internal(e.to_string()))?
            .iter()
            .filter(|r| r.issuer == self.issuer_name)
            .count();
        let mut cached = self.crl.lock().expect("crl lock");
        let half = time::Duration::days(i64::from(CRL_DAYS) / 2);
        if let Some((listed, next_update, der)) = cached.as_ref() {
            if *listed == count && now + half < *next_update {
                return Ok(der.clone());
            }
        }
        let made =
            revocation::write_crl(&self.ca_dir, &self.issuer_name, &self.issuer, CRL_DAYS, now)
                .map_err(|e| Problem::internal(format!("making the CRL: {e}")))?;
        *cached = Some((made.revoked.len(), made.next_update, made.der.clone()));
        Ok(made.der)
    }
}

/// RFC 5280 §5.3.1 reason codes as RFC 8555 §7.6 carries them; 7 is unused
/// and removeFromCRL (8) makes no sense for a revocation request.
pub fn reason_from_code(code: u64) -> AcmeResult<Reason> {
    Ok(match code {
        0 => Reason::Unspecified,
        1 => Reason::KeyCompromise,
        2 => Reason::CaCompromise,
        3 => Reason::AffiliationChanged,
        4 => Reason::Superseded,
        5 => Reason::CessationOfOperation,
        6 => Reason::CertificateHold,
        9 => Reason::PrivilegeWithdrawn,
        10 => Reason::AaCompromise,
        other => {
            return Err(Problem::new(
                ProblemType::BadRevocationReason,
                format!("revocation reason {other} is not allowed (0-6, 9, 10)"),
            ))
        }
    })
}

/// The RFC 5280 §5.3.1 code of a reason, as the database stores it.
pub fn reason_code(reason: Reason) -> u8 {
    match reason {
        Reason::Unspecified => 0,
        Reason::KeyCompromise => 1,
        Reason::CaCompromise => 2,
        Reason::AffiliationChanged => 3,
        Reason::Superseded => 4,
        Reason::CessationOfOperation => 5,
        Reason::CertificateHold => 6,
        Reason::PrivilegeWithdrawn => 9,
        Reason::AaCompromise => 10,
    }
}
