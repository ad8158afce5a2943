"""pyca/cryptography as a peer for the ML-DSA tests (pq_peers.rs).

A peer we did not write: cryptography 50 bundles OpenSSL 4, which reads ML-DSA keys
(RFC 9881) and whose X.509 verifier (cryptography.x509.verification) checks ML-DSA chains.

Subcommands (paths are PEM files; the passphrase, if any, comes in the environment variable
PYCA_PASSPHRASE, never on the command line):

  verify ROOTS LEAF INTERMEDIATES DNSNAME UNIXTIME
      Builds a server verifier for DNSNAME at UNIXTIME trusting ROOTS and checks LEAF with
      INTERMEDIATES ("-" for none). Prints "VALID <n certificates>" and exits 0, or
      "REJECTED <error>" and exits 1.
  key-public KEY
      Loads a private key (PKCS#8, encrypted when PYCA_PASSPHRASE is set) and prints its
      type and its public key as SubjectPublicKeyInfo PEM.
  cert-public CERT
      Prints the type and public key of a certificate's subject key, the same way.
  csr-public CSR
      Prints the type and public key of a CSR, the same way, after checking its signature.
  write-key PARAMETER_SET OUT
      Generates an ML-DSA key (44, 65 or 87), writes it as PKCS#8 PEM (encrypted with
      PYCA_PASSPHRASE when set) and prints its type and public key.
  make-ca PARAMETER_SET CN CERT KEY
      A self-signed ML-DSA CA certificate (one year, from an hour ago) and its PKCS#8 key
      (encrypted with PYCA_PASSPHRASE when set): a CA made by cryptography, for `ca init
      --import-cert --import-key`.
"""

import datetime
import os
import sys

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import mldsa
from cryptography.x509.oid import NameOID
from cryptography.x509.verification import PolicyBuilder, Store

GENERATE = {
    "44": mldsa.MLDSA44PrivateKey.generate,
    "65": mldsa.MLDSA65PrivateKey.generate,
    "87": mldsa.MLDSA87PrivateKey.generate,
}


def passphrase():
    value = os.environ.get("PYCA_PASSPHRASE")
    return value.encode() if value else None


def read(path):
    with open(path, "rb") as f:
        return f.read()


def describe(public_key):
    pem = public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    print(type(public_key).__name__)
    print(pem.decode(), end="")


def write_key(key, out):
    secret = passphrase()
    encryption = (
        serialization.BestAvailableEncryption(secret)
        if secret
        else serialization.NoEncryption()
    )
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)


def verify(roots, leaf, intermediates, name, at):
    store = Store(x509.load_pem_x509_certificates(read(roots)))
    leaf_cert = x509.load_pem_x509_certificate(read(leaf))
    pool = [] if intermediates == "-" else x509.load_pem_x509_certificates(read(intermediates))
    when = datetime.datetime.fromtimestamp(int(at), datetime.timezone.utc)
    verifier = PolicyBuilder().store(store).time(when).build_server_verifier(x509.DNSName(name))
    try:
        chain = verifier.verify(leaf_cert, pool)
    except Exception as error:  # VerificationError, or a certificate it cannot use
        print(f"REJECTED {type(error).__name__}: {error}")
        return 1
    print(f"VALID {len(chain)}")
    return 0


def make_ca(parameter_set, cn, cert_out, key_out):
    key = GENERATE[parameter_set]()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
        )
        # ML-DSA signs the message itself: no separate hash algorithm (RFC 9881).
        .sign(key, None)
    )
    with open(cert_out, "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    write_key(key, key_out)
    describe(key.public_key())
    return 0


def main(argv):
    command, args = argv[1], argv[2:]
    if command == "verify":
        return verify(*args)
    if command == "key-public":
        key = serialization.load_pem_private_key(read(args[0]), passphrase())
        describe(key.public_key())
        return 0
    if command == "cert-public":
        describe(x509.load_pem_x509_certificate(read(args[0])).public_key())
        return 0
    if command == "csr-public":
        csr = x509.load_pem_x509_csr(read(args[0]))
        if not csr.is_signature_valid:
            print("REJECTED the CSR's signature does not verify")
            return 1
        describe(csr.public_key())
        return 0
    if command == "write-key":
        key = GENERATE[args[0]]()
        write_key(key, args[1])
        describe(key.public_key())
        return 0
    if command == "make-ca":
        return make_ca(*args)
    print(f"unknown subcommand {command}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
