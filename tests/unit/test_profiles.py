import json

import keyring
import keyring.backends.fail
import keyring.backends.null
import pytest

from desktop_app.profiles import KEYRING_SERVICE, Profile, ProfileStore, TokenVault


def test_profiles_round_trip_rename_and_forget(tmp_path) -> None:
    path = tmp_path / "profiles.json"
    store = ProfileStore(path)
    store.save(Profile("School", "https://canvas.school.edu", "Ada"))
    store.save(Profile("Demo", "http://127.0.0.1:9000"))
    store.set_last_used("School")
    store.rename("School", "Main school")

    reloaded = ProfileStore(path)
    assert [p.name for p in reloaded.profiles()] == ["Demo", "Main school"]
    assert reloaded.last_used == "Main school"
    assert reloaded.get("Main school").user_name == "Ada"
    reloaded.forget("Main school")
    assert ProfileStore(path).last_used is None
    assert "token" not in path.read_text()


def test_corrupt_profiles_file_is_survived(tmp_path) -> None:
    path = tmp_path / "profiles.json"
    path.write_text("{not json")
    assert ProfileStore(path).profiles() == []


def test_tokens_live_in_the_keyring(memory_keyring) -> None:
    vault = TokenVault()
    assert vault.set("School", "secret-token") is True
    assert memory_keyring.secrets[(KEYRING_SERVICE, "School")] == "secret-token"
    vault.rename("School", "Main")
    assert TokenVault().get("Main") == "secret-token"
    assert TokenVault().get("School") is None
    vault.delete("Main")
    assert memory_keyring.secrets == {}


@pytest.mark.parametrize("backend", [keyring.backends.fail.Keyring, keyring.backends.null.Keyring])
def test_without_keyring_the_token_is_kept_for_the_session_only(tmp_path, backend) -> None:
    """No keyring at all (fail) or one that silently keeps nothing (null)."""
    keyring.set_keyring(backend())
    vault = TokenVault()
    assert vault.set("School", "secret-token") is False
    assert vault.keyring_available is False
    assert vault.get("School") == "secret-token"
    assert TokenVault().get("School") is None  # nothing persisted anywhere
    vault.delete("School")
    assert vault.get("School") is None


def test_profile_file_never_holds_tokens(tmp_path) -> None:
    path = tmp_path / "profiles.json"
    store = ProfileStore(path)
    store.save(Profile("S", "https://s.edu"))
    TokenVault().set("S", "tok-123")
    assert "tok-123" not in json.dumps(json.loads(path.read_text()))
