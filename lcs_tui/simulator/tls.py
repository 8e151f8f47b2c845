"""A throw-away certificate authority and server certificate for the loopback server.

Generated with `cryptography` on every start: a CA the client is told to
trust (its PEM file) and a leaf for 127.0.0.1, ::1 and localhost signed by
it. Both carry the extensions strict verifiers (Python 3.13's
VERIFY_X509_STRICT, curl) insist on.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from lcs_tui.simulator.clock import utc_now


@dataclass(frozen=True)
class CertificateFiles:
    ca_file: Path
    cert_file: Path  # the leaf followed by the CA
    key_file: Path


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "lcs-tui simulator"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _files(directory: Path) -> CertificateFiles:
    return CertificateFiles(
        directory / "ca.pem", directory / "server.pem", directory / "server-key.pem"
    )


def reuse_or_write_certificates(directory: Path) -> CertificateFiles:
    """The certificates in `directory` if they are there and valid for at
    least another day, else new ones written there. Keeping them lets a
    profile's CA bundle survive restarts of `lcs-tui simulator`."""
    files = _files(directory)
    try:
        leaf = x509.load_pem_x509_certificate(files.cert_file.read_bytes())
        if files.ca_file.exists() and files.key_file.exists():
            expires = leaf.not_valid_after_utc.replace(tzinfo=None)
            if expires > utc_now() + timedelta(days=1):
                return files
    except (OSError, ValueError):
        pass
    directory.mkdir(parents=True, exist_ok=True)
    return write_certificates(directory)


def write_certificates(directory: Path) -> CertificateFiles:
    # Real time, not simulator time: the client's TLS stack checks validity
    # against the machine's clock.
    now = utc_now()
    not_before, not_after = now - timedelta(days=1), now + timedelta(days=30)

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("lcs-tui simulator local CA")
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
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
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )

    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf_cert = (
        x509.CertificateBuilder()
        .subject_name(_name("localhost"))
        .issuer_name(ca_name)
        .public_key(leaf_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=True,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.DNSName("localhost"),
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                    x509.IPAddress(ipaddress.ip_address("::1")),
                ]
            ),
            critical=False,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(leaf_key.public_key()), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )

    pem = serialization.Encoding.PEM
    files = _files(directory)
    files.ca_file.write_bytes(ca_cert.public_bytes(pem))
    files.cert_file.write_bytes(leaf_cert.public_bytes(pem) + ca_cert.public_bytes(pem))
    files.key_file.write_bytes(
        leaf_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    files.key_file.chmod(0o600)
    return files
