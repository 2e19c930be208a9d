"""`.env.example` lists every environment variable the settings (and the process starter) read
(issue 14: it said so while missing ORDER_PAY_TIMEOUT_MINUTES and ALIPAY_SANDBOX_NOTIFY_RUNNER)."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [
    *sorted((ROOT / "luffy" / "config" / "settings").glob("*.py")),
    ROOT / "luffy" / "alipay_sandbox" / "settings.py",
    ROOT / "luffy" / "wechat_sandbox" / "settings.py",
    ROOT / "luffy" / "serve.py",
]
# env("NAME", ...), env.int("NAME", ...), env.db("NAME"), os.environ.get("NAME"), ...
READS = re.compile(
    r"""\b(?:env(?:\.\w+)?|os\.environ\.get|os\.environ\.setdefault|environ\.get|os\.getenv)"""
    r"""\(\s*["']([A-Z][A-Z0-9_]*)["']"""
)


def names_read() -> dict[str, Path]:
    found = {}
    for source in SOURCES:
        for name in READS.findall(source.read_text()):
            found.setdefault(name, source)
    return found


def names_listed() -> set[str]:
    text = (ROOT / ".env.example").read_text()
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE))


def test_the_parser_finds_the_settings():
    read = names_read()
    assert {"SECRET_KEY", "DATABASE_URL", "ORDER_PAY_TIMEOUT_MINUTES", "WEB_CONCURRENCY"} <= set(
        read
    )


def test_every_environment_variable_read_is_listed_in_env_example():
    missing = {
        name: str(path.relative_to(ROOT))
        for name, path in names_read().items()
        if name not in names_listed()
    }
    assert missing == {}
