"""RSA keys for Alipay: accept them in any form people paste, and generate local ones.

The Alipay console shows keys as bare base64; the SDK needs PEM with header lines. No key ever
lives in the repository: without configured keys, a local pair for the merchant app and one for
the offline sandbox's "Alipay" are generated into ALIPAY_KEY_DIR (git-ignored var/alipay/)."""

from __future__ import annotations

import base64
import binascii
import contextlib
import fcntl
import os
import tempfile
import textwrap
from pathlib import Path

from Cryptodome.PublicKey import RSA
from Cryptodome.Util.asn1 import DerSequence

APP_PRIVATE = "app_private.pem"
APP_PUBLIC = "app_public.pem"
ALIPAY_PRIVATE = "alipay_private.pem"
ALIPAY_PUBLIC = "alipay_public.pem"
PAIRS = ((APP_PRIVATE, APP_PUBLIC), (ALIPAY_PRIVATE, ALIPAY_PUBLIC))


def _pem(der: bytes, label: str) -> str:
    body = "\n".join(textwrap.wrap(base64.b64encode(der).decode(), 64))
    return f"-----BEGIN {label}-----\n{body}\n-----END {label}-----\n"


def _label_for(der: bytes) -> str:
    """Which PEM label a bare DER RSA key needs (PKCS#1 and PKCS#8/SPKI differ)."""
    seq = DerSequence().decode(der)
    if len(seq) == 2:  # public: SPKI is (algorithm, bitstring), PKCS#1 is (n, e)
        return "RSA PUBLIC KEY" if isinstance(seq[0], int) else "PUBLIC KEY"
    # private: PKCS#1 is (version, n, e, d, ...), PKCS#8 is (version, algorithm, octets)
    return "RSA PRIVATE KEY" if isinstance(seq[1], int) else "PRIVATE KEY"


def normalize_key(value: str) -> str:
    """A PEM string from a PEM, bare base64 (as the Alipay console shows it) or a file path."""
    value = value.strip()
    if not value:
        raise ValueError("empty key")
    if value.startswith("-----BEGIN"):
        return value + "\n"
    with contextlib.suppress(OSError):  # bare base64 can look like a path, or be too long for one
        path = Path(value).expanduser()
        if path.is_file():
            return normalize_key(path.read_text())
    try:
        der = base64.b64decode("".join(value.split()), validate=True)
        label = _label_for(der)
    except (binascii.Error, ValueError, IndexError) as exc:
        raise ValueError("not a PEM key, base64 RSA key or readable key file") from exc
    return _pem(der, label)


def _write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def ensure_local_keys(directory: Path) -> Path:
    """Generate any missing keypair in `directory`; safe when several processes start at once
    (an exclusive file lock makes one of them generate, the others then find the files)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    if all((directory / name).exists() for pair in PAIRS for name in pair):
        return directory
    with open(directory / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        for private_name, public_name in PAIRS:
            if (directory / private_name).exists() and (directory / public_name).exists():
                continue
            key = RSA.generate(2048)
            # Public first: a reader that sees the private file also finds its public half.
            _write_atomic(directory / public_name, key.public_key().export_key().decode() + "\n")
            _write_atomic(directory / private_name, key.export_key().decode() + "\n")
    return directory
