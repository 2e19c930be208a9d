"""RSA keys for Alipay: accept them in any form people paste, generate local ones, and sign or
verify RSA2 (SHA256withRSA, PKCS#1 v1.5). The one crypto library is `cryptography` (OpenSSL);
the SDK keeps its own pycryptodome internally.

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

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from luffy.common import local_secret

APP_PRIVATE = "app_private.pem"
APP_PUBLIC = "app_public.pem"
ALIPAY_PRIVATE = "alipay_private.pem"
ALIPAY_PUBLIC = "alipay_public.pem"
PAIRS = ((APP_PRIVATE, APP_PUBLIC), (ALIPAY_PRIVATE, ALIPAY_PUBLIC))


def _pem(der: bytes, label: str) -> str:
    body = "\n".join(textwrap.wrap(base64.b64encode(der).decode(), 64))
    return f"-----BEGIN {label}-----\n{body}\n-----END {label}-----\n"


def _der_items(der: bytes) -> list[int]:
    """The tags of the items of a DER SEQUENCE (enough to tell the RSA key formats apart)."""

    def length(at: int) -> tuple[int, int]:  # (length, offset of the content)
        first = der[at]
        if first < 0x80:
            return first, at + 1
        size = first & 0x7F
        return int.from_bytes(der[at + 1 : at + 1 + size], "big"), at + 1 + size

    if not der or der[0] != 0x30:
        raise ValueError("not a DER sequence")
    end_length, at = length(1)
    end = at + end_length
    tags = []
    while at < end:
        tags.append(der[at])
        item_length, content = length(at + 1)
        at = content + item_length
    return tags


INTEGER = 0x02


def _label_for(der: bytes) -> str:
    """Which PEM label a bare DER RSA key needs (PKCS#1 and PKCS#8/SPKI differ)."""
    tags = _der_items(der)
    if len(tags) == 2:  # public: SPKI is (algorithm, bitstring), PKCS#1 is (n, e)
        return "RSA PUBLIC KEY" if tags[0] == INTEGER else "PUBLIC KEY"
    # private: PKCS#1 is (version, n, e, d, ...), PKCS#8 is (version, algorithm, octets)
    return "RSA PRIVATE KEY" if tags[1] == INTEGER else "PRIVATE KEY"


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


# WeChat Pay's local pairs: the merchant API key and the offline sandbox's platform key.
MCH_PRIVATE = "mch_private.pem"
MCH_PUBLIC = "mch_public.pem"
PLATFORM_PRIVATE = "platform_private.pem"
PLATFORM_PUBLIC = "platform_public.pem"
WECHAT_PAIRS = ((MCH_PRIVATE, MCH_PUBLIC), (PLATFORM_PRIVATE, PLATFORM_PUBLIC))

APIV3_KEY = "apiv3_key"


def local_apiv3_key(directory: Path) -> str:
    """The 32-character APIv3 key kept in `directory` (generated once, mode 0600): the store and
    the offline WeChat Pay sandbox read the same file when WECHAT_APIV3_KEY is empty."""
    key = local_secret.load_or_create(Path(directory) / APIV3_KEY, nbytes=24)
    if len(key.encode()) != 32:
        raise ValueError(f"{Path(directory) / APIV3_KEY} must hold 32 characters")
    return key


def ensure_local_keys(directory: Path, pairs=PAIRS) -> Path:
    """Generate any missing keypair in `directory`; safe when several processes start at once
    (an exclusive file lock makes one of them generate, the others then find the files)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    if all((directory / name).exists() for pair in pairs for name in pair):
        return directory
    with open(directory / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        for private_name, public_name in pairs:
            if (directory / private_name).exists() and (directory / public_name).exists():
                continue
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            public = key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            private = key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.TraditionalOpenSSL,
                serialization.NoEncryption(),
            )
            # Public first: a reader that sees the private file also finds its public half.
            _write_atomic(directory / public_name, public.decode())
            _write_atomic(directory / private_name, private.decode())
    return directory


# --- RSA2: SHA256withRSA, PKCS#1 v1.5 ------------------------------------------------------------


def load_private_key(pem: str) -> rsa.RSAPrivateKey:
    return serialization.load_pem_private_key(normalize_key(pem).encode(), password=None)


def load_public_key(pem: str) -> rsa.RSAPublicKey:
    return serialization.load_pem_public_key(normalize_key(pem).encode())


def rsa2_sign(private_key: rsa.RSAPrivateKey, text: str) -> str:
    """Base64 signature (no line breaks) of the UTF-8 text; deterministic."""
    signature = private_key.sign(text.encode(), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode()


def rsa2_verify(public_key: rsa.RSAPublicKey, text: str, signature_b64: str) -> bool:
    try:
        signature = base64.b64decode(signature_b64, validate=True)
    except (binascii.Error, ValueError):
        return False
    if not signature:
        return False
    try:
        public_key.verify(signature, text.encode(), padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True
