"""`make run` never signs with a committed string: a random secret in the var folder, DEBUG off."""

from __future__ import annotations

import ast
import os
import re
import stat
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import jwt
import pytest
from django.conf import settings
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import AccessToken

from luffy.common import local_secret

ROOT = Path(__file__).resolve().parents[2]
# The literal committed in base.py until it was removed: still a string in the repo's history.
OLD_DEFAULT_SECRET_KEY = "django-insecure-local-development-key-do-not-use-in-production"
SKIP_DIRS = {".git", ".venv", "node_modules", "var", "dist", ".pytest_cache", ".ruff_cache"}
QUOTED = re.compile(r"\"([^\"\n]{1,300})\"|'([^'\n]{1,300})'|`([^`\n]{1,300})`|=\s*(\S{1,300})")


def _repository_files(*suffixes: str):
    for dirpath, dirnames, filenames in os.walk(ROOT):
        dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS]
        for name in filenames:
            if name.endswith(suffixes):
                yield Path(dirpath) / name


def repository_strings() -> set[str]:
    """Every string literal of the repository's Python files, and every quoted or assigned
    value of its Markdown, TOML and .example files."""
    found = {OLD_DEFAULT_SECRET_KEY}
    for path in _repository_files(".py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.add(node.value)
    for path in _repository_files(".md", ".toml", ".example"):
        for match in QUOTED.finditer(path.read_text(encoding="utf-8")):
            found.add(next(group for group in match.groups() if group is not None))
    found.discard("")  # no HMAC key: PyJWT refuses to sign with it
    return found


def _settings_value(var_dir: Path, *names: str, **env) -> list[str]:
    code = (
        "import luffy.config.settings.local as s; "
        f"print('\\n'.join(str(getattr(s, n)) for n in {list(names)!r}))"
    )
    clean = {"PATH": "/usr/bin:/bin", "LUFFY_VAR_DIR": str(var_dir), **env}
    result = subprocess.run(
        [sys.executable, "-c", code], env=clean, capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


class TestLocalSettings:
    def test_secret_is_generated_once_private_and_kept(self, tmp_path):
        (first,) = _settings_value(tmp_path, "SECRET_KEY")
        (again,) = _settings_value(tmp_path, "SECRET_KEY")
        path = tmp_path / "secret_key"
        assert first == again == path.read_text().strip()
        assert len(first) >= 50
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        (other,) = _settings_value(tmp_path / "elsewhere", "SECRET_KEY")
        assert other != first

    def test_secret_key_from_the_environment_wins(self, tmp_path):
        (key,) = _settings_value(tmp_path, "SECRET_KEY", SECRET_KEY="e" * 60)
        assert key == "e" * 60
        assert not (tmp_path / "secret_key").exists()

    def test_debug_is_off_unless_asked_for(self, tmp_path):
        assert _settings_value(tmp_path, "DEBUG") == ["False"]
        assert _settings_value(tmp_path, "DEBUG", DEBUG="true") == ["True"]

    def test_processes_starting_together_agree(self, tmp_path):
        path = tmp_path / "secret_key"
        code = (
            "import sys, time; from pathlib import Path; from luffy.common import local_secret; "
            "time.sleep(max(0, float(sys.argv[2]) - time.time())); "
            "print(local_secret.load_or_create(Path(sys.argv[1])))"
        )
        start = str(time.time() + 1.0)
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", code, str(path), start],
                stdout=subprocess.PIPE,
                text=True,
                cwd=ROOT,
            )
            for _ in range(8)
        ]
        secrets_seen = {p.communicate(timeout=30)[0].strip() for p in procs}
        assert secrets_seen == {path.read_text().strip()}
        assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]  # no temporary left

    def test_threads_agree(self, tmp_path):
        path = tmp_path / "secret_key"
        with ThreadPoolExecutor(8) as pool:
            seen = set(pool.map(lambda _: local_secret.load_or_create(path), range(32)))
        assert len(seen) == 1


def test_sandbox_settings_have_their_own_generated_secret(tmp_path):
    code = "import luffy.alipay_sandbox.settings as s; print(s.SECRET_KEY)"
    env = {"PATH": "/usr/bin:/bin", "LUFFY_VAR_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (tmp_path / "alipay_sandbox_secret_key").read_text().strip()


def test_jwt_signing_key_follows_secret_key():
    assert api_settings.SIGNING_KEY == settings.SECRET_KEY
    assert "SIGNING_KEY" not in settings.SIMPLE_JWT  # so it can never drift from SECRET_KEY
    assert api_settings.ALGORITHM == "HS256"


@pytest.mark.filterwarnings("ignore:The HMAC key is")
def test_a_token_signed_with_any_string_in_the_repository_is_refused(api_client, user):
    strings = repository_strings()
    assert len(strings) > 1000  # the scan really read the repository
    assert settings.SECRET_KEY not in strings
    genuine = AccessToken.for_user(user)
    payload = dict(genuine.payload)
    authentication = JWTAuthentication()
    authentication.get_validated_token(str(genuine).encode())  # the real one is accepted
    for key in strings:
        forged = jwt.encode(payload, key, algorithm="HS256")
        with pytest.raises(InvalidToken):
            authentication.get_validated_token(forged.encode())
    # And through the API, stateful and token-only endpoints alike, with the old committed key.
    forged = jwt.encode(payload, OLD_DEFAULT_SECRET_KEY, algorithm="HS256")
    for path in ("/api/users/me/", "/api/cart/"):
        response = api_client.get(path, HTTP_AUTHORIZATION=f"Bearer {forged}")
        assert response.status_code == 401, (path, response.content)
        assert response.json()["code"] == "token_not_valid"
        genuine_answer = api_client.get(path, HTTP_AUTHORIZATION=f"Bearer {genuine}")
        assert genuine_answer.status_code == 200, (path, genuine_answer.content)
