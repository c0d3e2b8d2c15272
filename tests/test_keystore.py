"""Envelope encryption: jurisdiction KEKs, rotation by re-wrap, crypto-shredding, providers."""

from __future__ import annotations

import base64
import os
import sqlite3
import stat
import threading
from pathlib import Path

import pytest

from veil.errors import ConfigError, KeyMissing
from veil.keys import AwsKmsProvider, EnvProvider, KeyStore, LocalProvider


@pytest.fixture
def store(tmp_path: Path) -> KeyStore:
    with KeyStore.open(tmp_path) as ks:
        yield ks


def test_default_jurisdiction_gets_a_local_kek_on_first_use(store: KeyStore, tmp_path: Path):
    info = store.create_data_key("dataset/a")
    assert info.jurisdiction == "LOCAL"
    (kek,) = store.keks()
    assert (kek.provider, kek.state, kek.jurisdiction) == ("local", "active", "LOCAL")
    blob = store.seal("dataset/a", b"row 1", b"ctx")
    assert store.open_sealed("dataset/a", blob, b"ctx") == b"row 1"
    assert stat.S_IMODE((tmp_path / "keystore.db").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "keys" / "kek" / f"{kek.id}.key").stat().st_mode) == 0o600


def test_sealed_values_bind_key_name_and_context(store: KeyStore):
    store.create_data_key("a")
    store.create_data_key("b")
    blob = store.seal("a", b"secret", b"ctx")
    for name, aad in (("b", b"ctx"), ("a", b"other")):
        with pytest.raises(KeyMissing, match="does not open"):
            store.open_sealed(name, blob, aad)
    tampered = blob[:-1] + bytes([blob[-1] ^ 1])
    with pytest.raises(KeyMissing):
        store.open_sealed("a", tampered, b"ctx")


def test_other_jurisdictions_need_their_own_kek(store: KeyStore):
    with pytest.raises(KeyMissing, match="veil keys kek create EU"):
        store.create_data_key("eu-data", jurisdiction="EU")
    eu = store.create_kek("eu")
    us = store.create_kek("US")
    info = store.create_data_key("eu-data", jurisdiction="EU")
    assert (info.jurisdiction, info.kek_id) == ("EU", eu.id)
    with pytest.raises(ConfigError, match="jurisdiction"):
        store.create_kek("not a code!")
    # A wrapped key moved under another jurisdiction's KEK is refused; an edited row (its
    # jurisdiction or dev flag, which the broker trusts) no longer unwraps: both are bound
    # into the wrap's associated data.
    store._conn.execute("UPDATE data_keys SET kek_id = ? WHERE name = 'eu-data'", (us.id,))
    with pytest.raises(KeyMissing, match="not allowed under KEK"):
        store.aead("eu-data")
    store._conn.execute("UPDATE data_keys SET jurisdiction = 'US' WHERE name = 'eu-data'")
    store._cache.clear()
    with pytest.raises(KeyMissing, match="does not unwrap"):
        store.aead("eu-data")
    store._conn.execute(
        "UPDATE data_keys SET kek_id = ?, jurisdiction = 'EU', dev = 1 WHERE name = 'eu-data'",
        (eu.id,),
    )
    with pytest.raises(KeyMissing, match="does not unwrap"):
        store.release("eu-data")


def test_rotation_rewraps_without_reencrypting(tmp_path: Path, store: KeyStore):
    store.create_kek("EU")
    store.create_data_key("d", jurisdiction="EU")
    blob = store.seal("d", b"payload")
    wrapped_before = _wrapped(tmp_path, "d")
    new = store.rotate("EU")
    assert store.data_key("d").kek_id == new.id
    assert _wrapped(tmp_path, "d") != wrapped_before
    states = {k.id: k.state for k in store.keks()}
    assert sorted(states.values()) == ["active", "retired"]
    with KeyStore.open(tmp_path) as fresh:  # a new process reads the old ciphertext
        assert fresh.open_sealed("d", blob) == b"payload"
    old = next(k for k in store.keks() if k.state == "retired")
    assert store.destroy_kek(old.id) == []  # nothing lives under the retired KEK any more
    assert store.open_sealed("d", blob) == b"payload"


def test_readers_keep_working_while_keks_rotate(tmp_path: Path, store: KeyStore):
    store.create_data_key("live")
    blob = store.seal("live", b"v")
    errors: list[BaseException] = []
    stop = threading.Event()

    def reader() -> None:
        with KeyStore.open(tmp_path) as mine:
            while not stop.is_set():
                try:
                    assert mine.open_sealed("live", blob) == b"v"
                except BaseException as exc:
                    errors.append(exc)
                    return

    thread = threading.Thread(target=reader)
    thread.start()
    for _ in range(15):
        store.rotate("LOCAL")
    stop.set()
    thread.join()
    assert errors == []
    assert len(store.keks()) == 16


def test_a_key_recreated_elsewhere_is_not_served_from_cache(tmp_path: Path, store: KeyStore):
    store.create_data_key("k")
    old = store.seal("k", b"shredded")
    with KeyStore.open(tmp_path) as other:  # another process destroys and re-creates "k"
        other.destroy_data_key("k")
        other.create_data_key("k")
        fresh = other.seal("k", b"new")
    store._cache["k"] = (*store._cache["k"][:2], 0.0)  # as if RECHECK_S had passed
    with pytest.raises(KeyMissing):
        store.open_sealed("k", old)
    assert store.open_sealed("k", fresh) == b"new"


def test_destroying_a_data_key_makes_its_data_unrecoverable(tmp_path: Path, store: KeyStore):
    store.create_data_key("subject:42")
    blob = store.seal("subject:42", b"medical history")
    wrapped = _wrapped(tmp_path, "subject:42")
    store.destroy_data_key("subject:42")
    with pytest.raises(KeyMissing, match="destroyed"):
        store.open_sealed("subject:42", blob)
    with KeyStore.open(tmp_path) as fresh, pytest.raises(KeyMissing, match="destroyed"):
        fresh.open_sealed("subject:42", blob)
    for f in tmp_path.glob("keystore.db*"):  # no copy of the wrapped key survives on disk
        assert wrapped not in f.read_bytes(), f.name


def test_destroying_a_kek_shreds_every_key_under_it(tmp_path: Path, store: KeyStore):
    kek = store.create_kek("EU")
    store.create_data_key("x", jurisdiction="EU")
    store.create_data_key("y", jurisdiction="EU")
    blob = store.seal("x", b"data")
    assert sorted(store.destroy_kek(kek.id)) == ["x", "y"]
    assert not (tmp_path / "keys" / "kek" / f"{kek.id}.key").exists()
    with pytest.raises(KeyMissing, match="destroyed"):
        store.open_sealed("x", blob)
    with pytest.raises(KeyMissing, match="no active KEK for EU"):
        store.create_data_key("z", jurisdiction="EU")


def test_a_dev_kek_never_wraps_production_keys(store: KeyStore):
    store.create_kek("EU", dev=True)
    with pytest.raises(KeyMissing, match="no active KEK for EU"):
        store.create_data_key("prod", jurisdiction="EU")
    dev_key = store.create_data_key("sim", jurisdiction="EU", dev=True)
    prod_kek = store.create_kek("EU")  # a production KEK does not retire the dev one
    assert {k.state for k in store.keks()} == {"active"}
    prod = store.create_data_key("prod", jurisdiction="EU")
    assert (prod.kek_id, store.data_key("sim").kek_id) == (prod_kek.id, dev_key.kek_id)
    store.rotate("EU")  # rotating production leaves the dev line alone
    assert store.data_key("sim").kek_id == dev_key.kek_id


def test_env_provider(tmp_path: Path):
    env = {"KEK_EU": base64.b64encode(os.urandom(32)).decode(), "SHORT": "AAAA"}
    providers = {"local": LocalProvider(tmp_path), "env": EnvProvider(env)}
    with KeyStore.open(tmp_path, providers) as ks:
        with pytest.raises(KeyMissing, match="base64 of 32 bytes"):
            ks.create_kek("EU", provider="env", ref="SHORT")
        with pytest.raises(KeyMissing, match="not set"):
            ks.create_kek("EU", provider="env", ref="NOPE")
        kek = ks.create_kek("EU", provider="env", ref="KEK_EU")
        ks.create_data_key("k", jurisdiction="EU")
        blob = ks.seal("k", b"v")
        del env["KEK_EU"]
        ks._cache.clear()
        with pytest.raises(KeyMissing, match="KEK_EU"):
            ks.open_sealed("k", blob)
        with pytest.raises(ConfigError, match="--provider env --ref NEW"):
            ks.rotate("EU")
        assert kek.ref == "KEK_EU"


def test_repr_shows_no_key_material(store: KeyStore):
    store.create_data_key("r")
    raw = store.release("r").reveal()
    assert "[secure]" in repr(store)
    assert raw.hex() not in repr(store)
    assert repr(store.release("r")) == "[secure]" or "secure" in repr(store.release("r"))


def test_unknown_provider_and_bad_names_are_refused(store: KeyStore):
    with pytest.raises(ConfigError, match="unknown key provider"):
        store.create_kek("EU", provider="hsm")
    with pytest.raises(ConfigError, match="data key name"):
        store.create_data_key("bad name with spaces")
    store.create_data_key("dup")
    with pytest.raises(ConfigError, match="exists"):
        store.create_data_key("dup")


# -- AWS KMS, against moto's KMS server: a local emulator standing in for the AWS API -----------


@pytest.fixture(scope="module")
def kms_endpoint():
    pytest.importorskip("boto3")
    server_mod = pytest.importorskip("moto.server")
    server = server_mod.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    env = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "eu-west-1",
    }
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    yield f"http://{host}:{port}"
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    server.stop()


def test_aws_kms_provider_wraps_through_the_kms_api(tmp_path: Path, kms_endpoint: str):
    def providers() -> dict:
        return {
            "local": LocalProvider(tmp_path),
            "aws-kms": AwsKmsProvider(endpoint_url=kms_endpoint),
        }

    with KeyStore.open(tmp_path, providers()) as ks:
        kek = ks.create_kek("EU", provider="aws-kms")
        assert kek.ref.startswith("arn:aws:kms:")
        ks.create_data_key("cloud", jurisdiction="EU")
        blob = ks.seal("cloud", b"in kms")
        with pytest.raises(KeyMissing, match="describe_key"):
            ks.create_kek(
                "US", provider="aws-kms", ref="arn:aws:kms:eu-west-1:123456789012:key/none"
            )
    with KeyStore.open(tmp_path, providers()) as fresh:  # a new client unwraps via KMS Decrypt
        assert fresh.open_sealed("cloud", blob) == b"in kms"
        adopted = fresh.create_kek("EU", provider="aws-kms", ref=kek.ref)  # rotation by adoption
        assert fresh.data_key("cloud").kek_id == adopted.id
        fresh.destroy_kek(adopted.id)
        with pytest.raises(KeyMissing):
            fresh.open_sealed("cloud", blob)


def _wrapped(home: Path, name: str) -> bytes:
    conn = sqlite3.connect(home / "keystore.db")
    try:
        return bytes(
            conn.execute("SELECT wrapped FROM data_keys WHERE name = ?", (name,)).fetchone()[0]
        )
    finally:
        conn.close()
