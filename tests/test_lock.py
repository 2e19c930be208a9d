"""The Python lock files (requirements/*.txt, written by `make lock`, installed by `make install`)
agree with pyproject.toml (issue 14: open ranges, no lock). Offline and quick: it reads files."""

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", re.MULTILINE)
# One pin: `name==version [; marker] \` then one or more `--hash=sha256:...` lines.
PIN_WITH_HASH = re.compile(
    r"^[A-Za-z0-9][^\n]*==[^\n]*\\\n(?:\s+--hash=sha256:[0-9a-f]{64}[ \\]*\n)+", re.M
)


def makefile_locks() -> dict[str, list[str]]:
    """LOCKS in the Makefile: `name:extra,extra ...`, the lock files `make lock` writes."""
    line = re.search(r"^LOCKS := (.+)$", (ROOT / "Makefile").read_text(), re.MULTILINE).group(1)
    entries = (entry.split(":", 1) for entry in line.split())
    return {name: [extra for extra in extras.split(",") if extra] for name, extras in entries}


def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def pins(name: str) -> dict[str, Version]:
    text = (ROOT / "requirements" / f"{name}.txt").read_text()
    return {canonicalize_name(package): Version(version) for package, version in PIN.findall(text)}


def test_there_is_a_lock_for_each_extra_and_for_the_ci_combination():
    locks = makefile_locks()
    extras = set(project()["optional-dependencies"])
    assert {name for name, chosen in locks.items() if len(chosen) == 1} | {"base"} >= {
        *extras,
        "base",
    }
    assert locks["dev-mysql"] == ["dev", "mysql"]  # .ci/run: make install EXTRAS=dev,mysql
    assert {path.stem for path in (ROOT / "requirements").glob("*.txt")} == set(locks)


@pytest.mark.parametrize("name", sorted(makefile_locks()))
def test_the_lock_pins_every_dependency_within_its_range(name):
    chosen = makefile_locks()[name]
    declared = project()
    wanted = [Requirement(r) for r in declared["dependencies"]]
    for extra in chosen:
        wanted += [Requirement(r) for r in declared["optional-dependencies"][extra]]
    locked = pins(name)
    stale = [
        f"{requirement} (locked: {locked.get(canonicalize_name(requirement.name), 'missing')})"
        for requirement in wanted
        if not requirement.specifier.contains(
            locked.get(canonicalize_name(requirement.name), Version("0")), prereleases=True
        )
    ]
    assert not stale, f"requirements/{name}.txt is stale, run `make lock`: {stale}"
    # Nothing of an extra this lock is not for (a lock compiled with the wrong extras).
    others = {
        canonicalize_name(Requirement(r).name)
        for extra, requirements in declared["optional-dependencies"].items()
        if extra not in chosen
        for r in requirements
    }
    assert not others & set(locked), f"requirements/{name}.txt has {others & set(locked)}"


@pytest.mark.parametrize("name", sorted(makefile_locks()))
def test_every_pin_has_hashes(name):
    """`pip install --require-hashes` refuses a lock with one pin lacking them."""
    text = (ROOT / "requirements" / f"{name}.txt").read_text()
    assert len(PIN_WITH_HASH.findall(text)) == len(PIN.findall(text)) > 0
