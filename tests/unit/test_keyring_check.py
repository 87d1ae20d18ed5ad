"""keyring_check must pass only on a real round trip, and fail loudly otherwise."""

from __future__ import annotations

import io

import keyring
import keyring.backends.fail
import pytest

from desktop_app import keyring_check
from desktop_app.profiles import KEYRING_SERVICE


def run(expect: str | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = keyring_check.run(expect=expect, out=out, err=err)
    return status, out.getvalue(), err.getvalue()


def test_round_trip_with_a_working_backend_leaves_nothing_behind(memory_keyring) -> None:
    status, out, err = run()
    assert status == 0, err
    assert "OK" in out
    assert memory_keyring.secrets == {}


def test_the_secret_is_never_printed(memory_keyring, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keyring_check.secrets, "token_urlsafe", lambda n: "SECRET-VALUE-123")
    status, out, err = run()
    assert status == 0
    assert "SECRET-VALUE-123" not in out + err


def test_fail_backend_is_reported_as_no_keyring() -> None:
    keyring.set_keyring(keyring.backends.fail.Keyring())
    status, _, err = run()
    assert status == 1
    assert "no real keyring backend" in err


def test_expect_names_the_backend(memory_keyring) -> None:
    status, _, err = run(expect="SecretService")
    assert status == 1
    assert "SecretService" in err


def test_a_backend_that_loses_secrets_fails(memory_keyring, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(type(memory_keyring), "get_password", lambda self, s, u: "something else")
    status, _, err = run()
    assert status == 1
    assert "read back different" in err  # TokenVault.set reads it back already


def test_a_backend_that_cannot_delete_fails(memory_keyring, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(type(memory_keyring), "delete_password", lambda self, s, u: None)
    status, _, err = run()
    assert status == 1
    assert "still there" in err
    assert any(service == KEYRING_SERVICE for service, _ in memory_keyring.secrets)
