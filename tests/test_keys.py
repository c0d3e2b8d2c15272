"""The key file provider: file safety, derivation, and that key bytes never escape."""

from __future__ import annotations

import copy
import multiprocessing
import os
import pickle
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

import veil.hazmat
import veil.keys
from veil._sensitive import SecretKey, Sensitive
from veil.errors import KeyMissing
from veil.hazmat import export_key, keyring_from_bytes
from veil.keys import KeyRing


def _key_file(home: Path) -> Path:
    return home / "keys" / "master.key"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_public_api_is_locked() -> None:  # veil.keys itself is locked in test_api.py
    assert {"KeyRing", "KeyStore"} <= set(veil.keys.__all__)
    assert veil.hazmat.__all__ == ["export_key", "keyring_from_bytes"]


def test_creates_a_private_32_byte_key(tmp_path: Path) -> None:
    KeyRing.open(tmp_path)
    path = _key_file(tmp_path)
    assert path.stat().st_size == 32
    assert _mode(path) == 0o600
    assert _mode(path.parent) == 0o700
    assert [p.name for p in path.parent.iterdir()] == ["master.key"]  # no temp file left


def test_key_is_0600_even_under_a_permissive_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        KeyRing.open(tmp_path)
    finally:
        os.umask(old)
    assert _mode(_key_file(tmp_path)) == 0o600


def test_reopening_loads_the_same_key(tmp_path: Path) -> None:
    first = KeyRing.open(tmp_path)
    second = KeyRing.open(tmp_path)
    assert first.key_id == second.key_id
    assert first.hmac("hash", b"x") == second.hmac("hash", b"x")


def test_two_homes_have_different_keys(tmp_path: Path) -> None:
    assert KeyRing.open(tmp_path / "a").key_id != KeyRing.open(tmp_path / "b").key_id


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_refuses_a_key_others_can_access(tmp_path: Path, mode: int) -> None:
    KeyRing.open(tmp_path)
    _key_file(tmp_path).chmod(mode)
    with pytest.raises(KeyMissing, match="chmod 600"):
        KeyRing.open(tmp_path)


@pytest.mark.parametrize("size", [0, 16, 31, 33, 64])
def test_refuses_a_key_of_the_wrong_size(tmp_path: Path, size: int) -> None:
    path = _key_file(tmp_path)
    path.parent.mkdir(mode=0o700)
    path.write_bytes(b"k" * size)
    path.chmod(0o600)
    with pytest.raises(KeyMissing, match="expected 32"):
        KeyRing.open(tmp_path)
    assert path.read_bytes() == b"k" * size  # never silently replaced


def test_refuses_a_directory_where_the_key_should_be(tmp_path: Path) -> None:
    _key_file(tmp_path).mkdir(parents=True, mode=0o700)
    with pytest.raises(KeyMissing):
        KeyRing.open(tmp_path)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files regardless of mode")
def test_refuses_an_unreadable_key(tmp_path: Path) -> None:
    KeyRing.open(tmp_path)
    _key_file(tmp_path).chmod(0o000)
    with pytest.raises(KeyMissing, match="cannot read"):
        KeyRing.open(tmp_path)


def _open_key_id(home: str) -> str:
    return KeyRing.open(Path(home)).key_id


def test_concurrent_first_use_agrees_on_one_key(tmp_path: Path) -> None:
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        ids = pool.map(_open_key_id, [str(tmp_path)] * 8)
    assert len(set(ids)) == 1
    assert ids[0] == KeyRing.open(tmp_path).key_id


def test_keyring_never_shows_or_pickles_its_bytes(tmp_path: Path) -> None:
    ring = KeyRing.open(tmp_path)
    raw = _key_file(tmp_path).read_bytes()
    for shown in (repr(ring), str(ring), f"{ring}", f"{ring!r}"):
        assert "[secure]" in shown
        assert raw.hex() not in shown
        assert repr(raw) not in shown
    for attempt in (pickle.dumps, copy.copy, copy.deepcopy):
        with pytest.raises(TypeError, match="pickle"):
            attempt(ring)
    assert not hasattr(ring, "__dict__")


def test_sensitive_values_never_show_or_pickle() -> None:
    for value in (Sensitive("CANARY-4711"), SecretKey(b"\x01" * 32)):
        assert "CANARY" not in repr(value)
        assert "\\x01" not in repr(value)
        assert str(value) == f"{value}" == repr(value)
        with pytest.raises(TypeError):
            pickle.dumps(value)


def test_key_id_is_not_a_prefix_of_any_key(tmp_path: Path) -> None:
    ring = KeyRing.open(tmp_path)
    for purpose in ("master", "hash", "pseudonym-index", "fpe", "vault"):
        secret = export_key(ring, purpose, unsafe_i_know_this_leaks=True).reveal()
        assert ring.key_id not in secret.hex()


def test_each_purpose_gets_its_own_key(tmp_path: Path) -> None:
    ring = KeyRing.open(tmp_path)
    keys = {
        p: export_key(ring, p, unsafe_i_know_this_leaks=True).reveal() for p in veil.keys.PURPOSES
    }
    keys["master"] = export_key(ring, "master", unsafe_i_know_this_leaks=True).reveal()
    assert len(set(keys.values())) == len(keys)
    assert ring.hmac("hash", b"v") != ring.hmac("pseudonym-index", b"v")


def test_derivation_is_hkdf_sha256_with_versioned_info(tmp_path: Path) -> None:
    # Pins the derivation: changing it would orphan every vault and hash already written.
    ring = keyring_from_bytes(SecretKey(bytes(range(32))))
    for purpose in ("hash", "pseudonym-index", "vault"):
        hkdf = HKDF(hashes.SHA256(), 32, salt=None, info=f"veil/{purpose}/v1".encode())
        expected = hkdf.derive(bytes(range(32)))
        assert export_key(ring, purpose, unsafe_i_know_this_leaks=True).reveal() == expected
    assert ring.key_id == "39dda90113394069"  # HKDF(info=b"veil/key-id/v1")[:8]


def test_purposes_are_bound_to_one_primitive(tmp_path: Path) -> None:
    ring = KeyRing.open(tmp_path)
    with pytest.raises(ValueError, match="cannot be used"):
        ring.hmac("vault", b"x")
    with pytest.raises(ValueError, match="cannot be used"):
        ring.aead("hash")
    with pytest.raises(ValueError, match="cannot be used"):
        ring.hmac("ledger", b"x")  # type: ignore[arg-type]


def test_aead_round_trip(tmp_path: Path) -> None:
    aead = KeyRing.open(tmp_path).aead("vault")
    nonce = os.urandom(12)
    assert aead.decrypt(nonce, aead.encrypt(nonce, b"secret", b"ad"), b"ad") == b"secret"


def test_export_needs_the_unsafe_flag(tmp_path: Path) -> None:
    ring = KeyRing.open(tmp_path)
    with pytest.raises(ValueError, match="unsafe_i_know_this_leaks"):
        export_key(ring, "master")
    exported = export_key(ring, "master", unsafe_i_know_this_leaks=True)
    assert isinstance(exported, SecretKey)
    assert exported.reveal() == _key_file(tmp_path).read_bytes()
    assert keyring_from_bytes(exported).key_id == ring.key_id


def test_fpe_tweak_depends_on_context(tmp_path: Path) -> None:
    ring = KeyRing.open(tmp_path)
    assert ring.fpe(b"ID").encrypt("123456789") != ring.fpe(b"CREDIT_CARD").encrypt("123456789")
    assert ring.fpe(b"ID").decrypt(ring.fpe(b"ID").encrypt("123456789")) == "123456789"


def test_unreadable_key_message_names_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Root reads any file, so simulate the permission error the OS would raise.
    KeyRing.open(tmp_path)
    real_open = os.open

    def deny(path: str | os.PathLike[str], flags: int, mode: int = 0o777) -> int:
        if str(path).endswith("master.key"):
            raise PermissionError(13, "Permission denied")
        return real_open(path, flags, mode)

    monkeypatch.setattr(os, "open", deny)
    with pytest.raises(KeyMissing, match=r"cannot read key file .*chmod 600"):
        KeyRing.open(tmp_path)
