"""Keys in every form people paste them, and local keys generated once."""

import base64
import re
import threading

import pytest
from Cryptodome.PublicKey import RSA
from Cryptodome.Util.asn1 import DerSequence

from luffy.common import keys


@pytest.fixture(scope="module")
def rsa_key():
    return RSA.generate(2048)


def bare(pem: str) -> str:
    """What the Alipay console shows: the base64 without header lines or line breaks."""
    return "".join(line for line in pem.splitlines() if not line.startswith("-----"))


def label(pem: str) -> str:
    return re.match(r"-----BEGIN ([A-Z ]+)-----\n", pem)[1]


@pytest.mark.parametrize(
    ("export", "expected_label"),
    [
        (lambda k: k.export_key(pkcs=1), "RSA PRIVATE KEY"),
        (lambda k: k.export_key(pkcs=8), "PRIVATE KEY"),
        (lambda k: k.public_key().export_key(), "PUBLIC KEY"),
    ],
)
def test_bare_base64_gets_the_right_pem_header(rsa_key, export, expected_label):
    pem = export(rsa_key).decode()
    normalized = keys.normalize_key(bare(pem))
    assert label(normalized) == expected_label
    assert normalized.strip() == pem.strip()  # same 64-column layout as a PEM export
    assert RSA.import_key(normalized).n == rsa_key.n


def test_pkcs1_public_key_in_bare_base64(rsa_key):
    pkcs1_der = DerSequence([rsa_key.n, rsa_key.e]).encode()
    normalized = keys.normalize_key(base64.b64encode(pkcs1_der).decode())
    assert label(normalized) == "RSA PUBLIC KEY"
    assert RSA.import_key(normalized).n == rsa_key.n


def test_pem_passes_through_and_file_path_is_read(rsa_key, tmp_path):
    pem = rsa_key.export_key().decode()
    assert keys.normalize_key(f"\n  {pem}\n") == pem.strip() + "\n"
    path = tmp_path / "app_private.pem"
    path.write_text(bare(pem))  # a file holding bare base64 works too
    assert RSA.import_key(keys.normalize_key(str(path))).n == rsa_key.n


@pytest.mark.parametrize("value", ["", "   ", "not a key!", base64.b64encode(b"junk").decode()])
def test_garbage_is_refused(value):
    with pytest.raises(ValueError):
        keys.normalize_key(value)


def test_local_keys_generated_once_and_pairs_match(tmp_path):
    directory = tmp_path / "alipay"
    errors = []

    def generate():
        try:
            keys.ensure_local_keys(directory)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=generate) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    contents = {name: (directory / name).read_text() for pair in keys.PAIRS for name in pair}
    for private_name, public_name in keys.PAIRS:
        private = RSA.import_key(contents[private_name])
        assert private.size_in_bits() == 2048
        assert private.public_key() == RSA.import_key(contents[public_name])
    assert contents[keys.APP_PRIVATE] != contents[keys.ALIPAY_PRIVATE]
    assert (directory / keys.APP_PRIVATE).stat().st_mode & 0o077 == 0  # private to the owner

    keys.ensure_local_keys(directory)  # again: nothing changes
    assert contents == {name: (directory / name).read_text() for name in contents}
