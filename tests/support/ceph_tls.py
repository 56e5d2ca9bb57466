"""The gateway's self-signed certificate: where it lives and the command that makes it."""

from __future__ import annotations

from pathlib import Path


def certificate_path(tls_dir: Path) -> Path:
    """The certificate (PEM) that clients must trust for HTTPS."""
    return tls_dir / "cert.pem"


def private_key_path(tls_dir: Path) -> Path:
    return tls_dir / "key.pem"


def self_signed_certificate_command(tls_dir: Path) -> list[str]:
    """``openssl`` making a certificate for 127.0.0.1, the only address the gateway serves."""
    return [
        "openssl",
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "30",
        "-subj",
        "/CN=127.0.0.1",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
        "-keyout",
        str(private_key_path(tls_dir)),
        "-out",
        str(certificate_path(tls_dir)),
    ]
