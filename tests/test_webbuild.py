"""luffy.webbuild: build the front end only when stale; without npm, say so and go on."""

import os
import time

import pytest

from luffy import webbuild


@pytest.fixture
def web(tmp_path, monkeypatch):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "main.js").write_text("app")
    (tmp_path / "package-lock.json").write_text("{}")
    (tmp_path / "dist").mkdir()
    monkeypatch.setattr(webbuild, "WEB", tmp_path)
    monkeypatch.setattr(webbuild, "DIST", tmp_path / "dist")
    monkeypatch.setattr(webbuild, "STAMP", tmp_path / "dist" / ".build-stamp")
    return tmp_path


def age(path, seconds):
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_stale_until_built_and_again_after_a_source_change(web):
    assert webbuild.is_stale()
    webbuild.STAMP.touch()
    for path in (web / "src" / "main.js", web / "package-lock.json"):
        age(path, 60)
    assert not webbuild.is_stale()
    (web / "src" / "main.js").write_text("changed")
    assert webbuild.is_stale()


def test_fresh_build_needs_no_npm(web, monkeypatch):
    webbuild.STAMP.touch()
    for path in (web / "src" / "main.js", web / "package-lock.json"):
        age(path, 60)
    monkeypatch.setattr(webbuild.shutil, "which", lambda name: None)
    assert webbuild.build() is True


def test_missing_npm_is_said_clearly_and_not_fatal(web, monkeypatch, capsys):
    monkeypatch.setattr(webbuild.shutil, "which", lambda name: None)
    assert webbuild.build() is False
    out = capsys.readouterr().out
    assert "npm not found" in out
    assert "API still runs" in out


def test_build_can_be_switched_off(web, monkeypatch, capsys):
    monkeypatch.setenv("WEB_BUILD", "false")
    assert webbuild.build() is False  # nothing built yet
    assert "WEB_BUILD is off" in capsys.readouterr().out
