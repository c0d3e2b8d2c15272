"""The pseudonym vault on real SQLite files: consistency, encryption at rest, erasure."""

from __future__ import annotations

import multiprocessing
import random
import re
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from veil._sensitive import Sensitive
from veil.errors import RestoreError, VaultError
from veil.keys import KeyRing
from veil.transform import Vault, normalise

CANARY = "Zebulon Quixotic-Canary 7731"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    tmp_path.chmod(0o700)
    return tmp_path


@pytest.fixture
def vault(home: Path) -> Iterator[Vault]:
    with Vault.open(home, KeyRing.open(home)) as v:
        yield v


def _db_bytes(home: Path) -> bytes:
    """Every byte SQLite keeps for the vault: main file, WAL and shared memory."""
    return b"".join(p.read_bytes() for p in sorted(home.glob("vault.db*")))


def test_same_value_same_surrogate(vault: Vault) -> None:
    first = vault.pseudonym("John Smith", "PERSON")
    assert first == "<PERSON_1>"
    assert vault.pseudonym("John Smith", "PERSON") == first
    assert vault.pseudonym("Jane Doe", "PERSON") == "<PERSON_2>"


@pytest.mark.parametrize(
    "variant", ["john smith", "JOHN SMITH", "John  Smith", " John\u00a0Smith\n"]
)
def test_normalisation_joins_spelling_variants(vault: Vault, variant: str) -> None:
    assert vault.pseudonym("John Smith", "PERSON") == vault.pseudonym(variant, "PERSON")
    assert normalise(variant) == "john smith"


def test_reveal_returns_the_first_spelling(vault: Vault) -> None:
    vault.pseudonym("John  Smith", "PERSON")
    vault.pseudonym("john smith", "PERSON")
    revealed = vault.reveal("<PERSON_1>")
    assert isinstance(revealed, Sensitive)
    assert revealed.reveal() == "John  Smith"


def test_labels_and_scopes_are_separate(vault: Vault) -> None:
    assert vault.pseudonym("jsmith", "USERNAME") == "<USERNAME_1>"
    assert vault.pseudonym("jsmith", "PERSON") == "<PERSON_1>"
    assert vault.pseudonym("jsmith", "PERSON", scope="tenant-b") == "<PERSON_1>"
    assert vault.pseudonym("other", "PERSON", scope="tenant-b") == "<PERSON_2>"
    with pytest.raises(RestoreError):
        vault.reveal("<PERSON_2>", scope="default")


def test_consistent_across_instances(home: Path) -> None:
    with Vault.open(home, KeyRing.open(home)) as v:
        surrogate = v.pseudonym("alice@example.org", "EMAIL")
    with Vault.open(home, KeyRing.open(home)) as v:
        assert v.pseudonym("alice@example.org", "EMAIL") == surrogate
        assert v.reveal(surrogate).reveal() == "alice@example.org"


def test_unknown_surrogate_is_a_terse_restore_error(vault: Vault) -> None:
    with pytest.raises(RestoreError) as err:
        vault.reveal("<PERSON_99>")
    assert "PERSON_99" not in str(err.value)


def test_bad_arguments_are_vault_errors(vault: Vault) -> None:
    with pytest.raises(VaultError, match="unknown label"):
        vault.pseudonym("x", "NOT_A_LABEL")
    with pytest.raises(VaultError, match="empty"):
        vault.pseudonym("   ", "PERSON")
    with pytest.raises(VaultError, match="scope"):
        vault.pseudonym("x", "PERSON", scope="")


def test_database_is_private(home: Path, vault: Vault) -> None:
    vault.pseudonym("x y", "PERSON")
    for path in home.glob("vault.db*"):
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path.name


def test_canary_never_reaches_the_database(home: Path, vault: Vault) -> None:
    vault.pseudonym(CANARY, "PERSON", style="placeholder")
    vault.pseudonym(CANARY, "PERSON", style="fake")
    vault.pseudonym(CANARY, "ID", scope="other")
    blob = _db_bytes(home)
    for needle in (CANARY, normalise(CANARY), "Quixotic", "7731"):
        for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
            assert needle.encode(encoding) not in blob
    vault.close()
    assert CANARY.encode() not in _db_bytes(home)


def _raw_entry(home: Path, surrogate: str) -> tuple[bytes, bytes]:
    with sqlite3.connect(home / "vault.db") as conn:
        row = conn.execute(
            "SELECT ciphertext, wrapped_dek FROM entries WHERE surrogate = ?", (surrogate,)
        ).fetchone()
    conn.close()
    return bytes(row[0]), bytes(row[1])


def test_forget_crypto_shreds(home: Path, vault: Vault) -> None:
    surrogate = vault.pseudonym("Erase Me Please", "PERSON")
    fake = vault.pseudonym("erase me  please", "PERSON", style="fake")
    kept = vault.pseudonym("Keep Me", "PERSON")
    secrets = [*_raw_entry(home, surrogate), *_raw_entry(home, fake)]
    assert all(s in _db_bytes(home) for s in secrets)
    assert vault.forget("ERASE ME PLEASE") == 2
    for gone in (surrogate, fake):
        with pytest.raises(RestoreError):
            vault.reveal(gone)
    blob = _db_bytes(home)
    for secret in secrets:
        assert secret not in blob
    assert vault.reveal(kept).reveal() == "Keep Me"


def test_numbers_are_never_reused_after_forget(vault: Vault) -> None:
    assert vault.pseudonym("A B", "PERSON") == "<PERSON_1>"
    assert vault.forget("a b") == 1
    assert vault.pseudonym("A B", "PERSON") == "<PERSON_2>"


def test_forget_filters_by_label_and_scope(vault: Vault) -> None:
    vault.pseudonym("jdoe", "USERNAME")
    vault.pseudonym("jdoe", "PERSON")
    vault.pseudonym("jdoe", "PERSON", scope="b")
    assert vault.forget("jdoe", label="USERNAME") == 1
    assert vault.forget("jdoe", scope="b") == 1
    assert vault.forget("jdoe") == 1
    assert vault.forget("jdoe") == 0


def test_forget_surrogate(vault: Vault) -> None:
    surrogate = vault.pseudonym("x@y.z", "EMAIL")
    assert vault.forget_surrogate(surrogate, "default") == 1
    assert vault.forget_surrogate(surrogate, "default") == 0
    with pytest.raises(RestoreError):
        vault.reveal(surrogate)


def test_swapped_rows_do_not_decrypt(home: Path, vault: Vault) -> None:
    # The seal binds scope+label+surrogate, so moving a ciphertext onto another row fails.
    vault.pseudonym("Alice", "PERSON")
    vault.pseudonym("Bob", "PERSON")
    conn = sqlite3.connect(home / "vault.db")
    a, b = conn.execute("SELECT nonce, ciphertext, wrapped_dek FROM entries ORDER BY id").fetchall()
    conn.execute("UPDATE entries SET nonce=?, ciphertext=?, wrapped_dek=? WHERE id=1", b)
    conn.execute("UPDATE entries SET nonce=?, ciphertext=?, wrapped_dek=? WHERE id=2", a)
    conn.execute("UPDATE entries SET label='USERNAME' WHERE id=2")
    conn.commit()
    conn.close()
    for surrogate in ("<PERSON_1>", "<PERSON_2>"):
        with pytest.raises(RestoreError):
            vault.reveal(surrogate)


def test_refuses_a_different_key(home: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    Vault.open(home, KeyRing.open(home)).close()
    other = KeyRing.open(tmp_path_factory.mktemp("other"))
    with pytest.raises(VaultError, match=r"restore the matching keys/master\.key"):
        Vault.open(home, other)


def test_refuses_a_newer_schema(home: Path) -> None:
    Vault.open(home, KeyRing.open(home)).close()
    with sqlite3.connect(home / "vault.db") as conn:
        conn.execute("UPDATE meta SET value = '99' WHERE name = 'schema_version'")
    conn.close()
    with pytest.raises(VaultError, match="upgrade veil"):
        Vault.open(home, KeyRing.open(home))


def test_fake_surrogates_restore_and_differ_from_values(vault: Vault) -> None:
    names = [f"Person Number{i}" for i in range(300)]
    fakes = [vault.pseudonym(n, "PERSON", style="fake") for n in names]
    assert len(set(fakes)) == len(fakes)  # collisions are redrawn, never shared
    for name, fake in zip(names, fakes, strict=True):
        assert normalise(fake) != normalise(name)
        assert vault.reveal(fake).reveal() == name
    assert set(vault.fake_surrogates()) <= set(fakes)


def test_fake_formats(vault: Vault) -> None:
    email = vault.pseudonym("alice@corp.example", "EMAIL", style="fake")
    assert re.fullmatch(r"user\d+@example\.com", email)
    phone = vault.pseudonym("+44 20 7946 0958", "PHONE", style="fake")
    assert re.fullmatch(r"\+44 \d\d \d{4} \d{4}", phone)
    assert phone != "+44 20 7946 0958"
    card = vault.pseudonym("4111 1111 1111 1111", "CREDIT_CARD", style="fake")
    digits = [int(c) for c in card if c.isdigit()]
    assert len(card) == 19
    assert _luhn_ok(digits)
    # Labels without a realistic generator fall back to a placeholder, which still restores.
    assert vault.pseudonym("diabetes", "MEDICAL", style="fake") == "<MEDICAL_1>"


def _luhn_ok(digits: list[int]) -> bool:
    total = 0
    for k, d in enumerate(reversed(digits)):
        doubled = d * 2 if k % 2 else d
        total += doubled - 9 if doubled > 9 else doubled
    return total % 10 == 0


def _allocate(args: tuple[str, list[str]]) -> dict[str, str]:
    home, values = args
    with Vault.open(Path(home), KeyRing.open(Path(home))) as vault:
        return {v: vault.pseudonym(v, "PERSON") for v in values}


def test_concurrent_processes_never_share_a_number(home: Path) -> None:
    Vault.open(home, KeyRing.open(home)).close()  # key and schema exist before the race
    values = [f"Person {i}" for i in range(40)]
    jobs = [(str(home), random.Random(seed).sample(values, len(values))) for seed in range(6)]
    with multiprocessing.get_context("spawn").Pool(6) as pool:
        results = pool.map(_allocate, jobs)
    for result in results[1:]:
        assert result == results[0]  # same value -> same surrogate in every process
    surrogates = sorted(results[0].values(), key=lambda s: int(s[8:-1]))
    assert surrogates == [f"<PERSON_{n}>" for n in range(1, 41)]  # no duplicate, no gap


def test_a_batch_commits_its_pseudonyms_together_or_not_at_all(vault: Vault, home: Path) -> None:
    with vault.batch():
        first = vault.pseudonym("Jane Doe", "PERSON")
        again = vault.pseudonym("Jane Doe", "PERSON")  # seen inside the open transaction
        other = vault.pseudonym("jane@example.org", "EMAIL")
        with vault.batch():  # nests
            vault.pseudonym("John Roe", "PERSON")
    assert first == again == "<PERSON_1>"
    assert other == "<EMAIL_1>"
    assert vault.reveal("<PERSON_2>").reveal() == "John Roe"

    def failing_request() -> None:
        with vault.batch():
            vault.pseudonym("Lost Value", "PERSON")
            raise RuntimeError("the request failed")

    with pytest.raises(RuntimeError):
        failing_request()
    with pytest.raises(RestoreError):
        vault.reveal("<PERSON_3>")  # rolled back with the batch
    assert vault.pseudonym("Next One", "PERSON") == "<PERSON_3>"


def test_vault_values_live_under_the_key_store_and_survive_kek_rotation(home: Path) -> None:
    from veil.keys import KeyStore
    from veil.transform._vault import VAULT_KEY

    with Vault.open(home, KeyRing.open(home)) as v:
        s = v.pseudonym("Ada Lovelace", "PERSON")
    with KeyStore.open(home) as ks:
        assert ks.data_key(VAULT_KEY).jurisdiction == "LOCAL"
        ks.rotate("LOCAL")
    with Vault.open(home, KeyRing.open(home)) as v:
        assert v.reveal(s).reveal() == "Ada Lovelace"


def test_destroying_the_vault_key_shreds_every_value(home: Path) -> None:
    from veil.keys import KeyStore
    from veil.transform._vault import VAULT_KEY

    with Vault.open(home, KeyRing.open(home)) as v:
        s = v.pseudonym("Grace Hopper", "PERSON")
    with KeyStore.open(home) as ks:
        ks.destroy_data_key(VAULT_KEY)
    with Vault.open(home, KeyRing.open(home)) as v, pytest.raises(RestoreError):
        v.reveal(s)


def test_schema_v1_rows_keep_opening_after_upgrade(home: Path) -> None:
    keyring = KeyRing.open(home)
    with Vault.open(home, keyring) as v:
        s = v.pseudonym("Alan Turing", "PERSON")
        # Rewrite the row as schema v1 wrote it: DEK under the ring's derived vault key.
        conn = v._conn
        _nonce, _ct, wrapped = conn.execute(
            "SELECT nonce, ciphertext, wrapped_dek FROM entries"
        ).fetchone()
        from veil.transform._vault import _aad

        aad = _aad("default", "PERSON", s)
        dek = v._wrapper("veil/vault").decrypt(wrapped[:12], wrapped[12:], aad)
        legacy = wrapped[:12] + keyring.aead("vault").encrypt(wrapped[:12], dek, aad)
        conn.execute("ALTER TABLE entries DROP COLUMN wrapper")
        conn.execute("UPDATE entries SET wrapped_dek = ?", (legacy,))
        conn.execute("UPDATE meta SET value = '1' WHERE name = 'schema_version'")
    with Vault.open(home, KeyRing.open(home)) as v:
        assert v.reveal(s).reveal() == "Alan Turing"
        version = v._conn.execute("SELECT value FROM meta WHERE name='schema_version'").fetchone()
        assert version == ("2",)
        wrappers = v._conn.execute("SELECT DISTINCT wrapper FROM entries").fetchall()
        assert wrappers == [("veil/vault",)]  # re-wrapped on upgrade
    from veil.keys import KeyStore

    with KeyStore.open(home) as ks:
        ks.destroy_data_key("veil/vault")
    with Vault.open(home, KeyRing.open(home)) as v, pytest.raises(RestoreError):
        v.reveal(s)  # so destroying the vault key shreds upgraded rows as well
