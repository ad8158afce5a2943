//! The ML-DSA rows of the rulebook (RFC 9881): no parameters in its algorithm identifiers, and
//! only the key usages a signature key can have.

use super::rule;
use crate::cert::{Certificate, PublicKey};
use crate::error::Reason;
use crate::options::Profile;
use crate::rules::RuleId;

/// RFC 9881 section 2: an ML-DSA AlgorithmIdentifier has no parameters, wherever it appears:
/// the subject key's, and the certificate's own signature algorithm (checked here too for a
/// trust anchor, whose signature is never verified).
pub(super) fn ml_dsa_algorithms(cert: &Certificate) -> Result<(), Reason> {
    if let PublicKey::MlDsa {
        level,
        parameters: true,
        ..
    } = &cert.public_key
    {
        return Err(crate::signature::ml_dsa_key_parameters(*level));
    }
    for alg in [&cert.signature_algorithm, &cert.tbs_signature_algorithm] {
        if let Some(level) = crate::key::MlDsaLevel::from_oid(&alg.oid) {
            if alg.params.is_some() {
                return Err(Reason::Syntax {
                    rule: RuleId::MlDsaNoParameters,
                    detail: format!("the {level} signature algorithm has a parameters field"),
                });
            }
        }
    }
    Ok(())
}

/// keyUsage bits an ML-DSA key may assert (RFC 9881 section 5): digitalSignature (0),
/// nonRepudiation (1), keyCertSign (5), cRLSign (6). A signature key cannot encipher or agree
/// on keys: keyEncipherment, dataEncipherment, keyAgreement, encipherOnly and decipherOnly
/// MUST NOT be present.
const KU_ML_DSA_ALLOWED: u16 = 1 | 1 << 1 | 1 << 5 | 1 << 6;

pub(super) fn ml_dsa_key_usage(cert: &Certificate, p: Profile) -> Result<(), Reason> {
    let Some(ku) = &cert.ext.key_usage else {
        return Ok(());
    };
    rule(
        p,
        RuleId::MlDsaKeyUsage,
        ku.value & !KU_ML_DSA_ALLOWED != 0,
        |rule| Reason::CaExtensions { rule },
    )
}
