"""Prove that a real OS keyring works for this build: store, read back and delete a secret.

Why this exists: a frozen (PyInstaller) app that lost keyring's backend modules or its
entry-point metadata does not crash; keyring quietly picks `fail.Keyring` and the app keeps
tokens for the session only. Only running the frozen binary against a real keyring shows
the difference, so the command line exposes this check (hidden subcommand
`canvas-exports keyring-check`), and the frozen smoke test runs it under a D-Bus session
with gnome-keyring unlocked.

The check goes through `TokenVault`, the very code the app uses for tokens, with a random
profile name and a random secret that is never printed. Exit status: 0 when the round trip
worked with a real backend, 1 otherwise (with the reason on stderr).
"""

from __future__ import annotations

import argparse
import secrets
import sys
from typing import TextIO

import keyring
import keyring.backend
import keyring.errors

from desktop_app.profiles import KEYRING_SERVICE, TokenVault

#: keyring's stand-ins for "no secret store": it picks them when nothing else works
_NOT_REAL = ("keyring.backends.fail.", "keyring.backends.null.")


def backend_name(backend: keyring.backend.KeyringBackend) -> str:
    return f"{type(backend).__module__}.{type(backend).__name__}"


def is_real(backend: keyring.backend.KeyringBackend) -> bool:
    """True for an actual secret store; a chainer counts when it chains at least one."""
    if backend_name(backend).startswith("keyring.backends.chainer."):
        return any(is_real(b) for b in getattr(backend, "backends", ()))
    return not backend_name(backend).startswith(_NOT_REAL)


def viable_backends() -> list[str]:
    """Names of all backends keyring considers viable here (diagnostics only)."""
    names = []
    for backend in keyring.backend.get_all_keyring():
        try:
            if backend.priority > 0:
                names.append(backend_name(backend))
        except Exception:  # noqa: BLE001 - a backend's priority probe may raise anything
            continue
    return names


def run(expect: str | None = None, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    """Round-trip a random secret through the active keyring. Returns the exit status."""
    active = keyring.get_keyring()
    active_name = backend_name(active)
    print(f"keyring-check: active backend {active_name}; viable: {', '.join(viable_backends()) or 'none'}", file=out)
    if not is_real(active):
        print(
            "keyring-check: FAILED: no real keyring backend (is the keyring daemon running and unlocked?"
            " in a frozen build: are keyring's backends and metadata bundled?)",
            file=err,
        )
        return 1
    if expect and expect.lower() not in active_name.lower():
        print(f"keyring-check: FAILED: expected a backend matching {expect!r}, got {active_name}", file=err)
        return 1

    profile = f"keyring-check-{secrets.token_hex(6)}"
    secret = secrets.token_urlsafe(24)
    writer = TokenVault()
    if not writer.set(profile, secret):
        print(
            f"keyring-check: FAILED: storing a secret in {active_name} did not work (refused, or read back different)",
            file=err,
        )
        return 1
    try:
        # A fresh vault has no session copy, so this read really comes from the keyring.
        if TokenVault().get(profile) != secret:
            print("keyring-check: FAILED: the secret read back differs from the one stored", file=err)
            return 1
    finally:
        writer.delete(profile)
    try:
        leftover = keyring.get_password(KEYRING_SERVICE, profile)
    except keyring.errors.KeyringError as exc:
        print(f"keyring-check: FAILED: reading after delete raised {type(exc).__name__}", file=err)
        return 1
    if leftover is not None:
        print("keyring-check: FAILED: the secret is still there after delete", file=err)
        return 1
    print(f"keyring-check: OK: stored, read back and deleted a secret with {active_name}", file=out)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="canvas-exports keyring-check",
        description="Store, read back and delete a random secret in the OS keyring (diagnostics).",
    )
    parser.add_argument(
        "--expect", metavar="NAME", help="fail unless the active backend's name contains NAME (e.g. SecretService)"
    )
    args = parser.parse_args(argv)
    return run(expect=args.expect)


if __name__ == "__main__":
    sys.exit(main())
