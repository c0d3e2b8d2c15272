"""AWS Nitro attestation documents: the real vectors verify, every tampering is refused.

The vectors (tests/vectors/attestation/nitro, from blocky/nitrite) verify only
while their leaf certificate is valid, three hours on 2024-09-07, so the time
is pinned; at the current time the same document must come back ``expired``.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import cbor2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from veil.attest._nitro import verify_nitro
from veil.attest._roots import AWS_NITRO_ROOT_G1
from veil.attest._x509 import fingerprint, load_pem
from veil.errors import AttestationFailed

pytestmark = pytest.mark.filterwarnings("error")

NITRO = Path(__file__).parent / "vectors" / "attestation" / "nitro"
GOOD = base64.b64decode((NITRO / "nitro_attestation.b64").read_text())
DEBUG = base64.b64decode((NITRO / "nitro_attestation_debug.b64").read_text())
AT = datetime(2024, 9, 7, 14, 37, 39, 545000, tzinfo=UTC)  # the good document's timestamp
DEBUG_AT = datetime(2024, 9, 7, 14, 38, 6, 508000, tzinfo=UTC)  # the debug document's
LEAF_NOT_AFTER = datetime(2024, 9, 7, 17, 37, 39, tzinfo=UTC)
_DROP = object()  # a payload field to leave out


def _payload(doc: bytes = GOOD) -> dict[str, Any]:
    payload: dict[str, Any] = cbor2.loads(cbor2.loads(doc)[2])
    return payload


def _flip(data: bytes, offset: int, bit: int = 0) -> bytes:
    out = bytearray(data)
    out[offset] ^= 1 << bit
    return bytes(out)


def _flip_inside(doc: bytes, part: bytes, offset: int) -> bytes:
    """Flip one bit of ``part`` where it sits in the encoded document."""
    start = doc.index(part)
    return _flip(doc, start + (offset % len(part)))


def _refused(doc: bytes, *, at: datetime = AT, pins: tuple[str, ...] = (AWS_NITRO_ROOT_G1,)) -> str:
    with pytest.raises(AttestationFailed) as info:
        verify_nitro(doc, at=at, pins=pins)
    assert str(info.value) == f"attestation refused: {info.value.reason}"  # no evidence bytes
    return info.value.reason


def _resigned_payload(**changes: Any) -> bytes:
    """The good document with payload fields changed (its signature no longer matches)."""
    protected, unprotected, _, signature = cbor2.loads(GOOD)
    payload = {**_payload(), **changes}
    payload = {k: v for k, v in payload.items() if v is not _DROP}
    return cbor2.dumps([protected, unprotected, cbor2.dumps(payload), signature])


# -- the good vectors ---------------------------------------------------------------------------


def test_good_document_verifies_at_its_timestamp() -> None:
    claims = verify_nitro(GOOD, at=AT)
    assert claims.platform == "aws-nitro"
    assert claims.debug is False
    assert claims.measurements["PCR0"].startswith("e72a46ca80a260fb044a125442f0c7e3")
    assert claims.measurements["PCR3"] == "00" * 48
    assert list(claims.measurements) == [f"PCR{i}" for i in range(16)]
    assert claims.details == {
        "module_id": "i-0a22e5c5f24d22174-enc0191cceb4289903f",
        "timestamp": "2024-09-07T14:37:39.545+00:00",
        "nonce": "01" * 1024,
        "digest": "SHA384",
    }
    assert claims.report_data == "01" * 1024
    assert claims.public_key == "01" * 1024
    assert claims.verified_at == AT
    assert claims.region is None
    assert claims.tcb_status is None


def test_chain_is_leaf_then_cabundle_reversed_ending_at_the_pin() -> None:
    claims = verify_nitro(GOOD, at=AT)
    payload = _payload()
    assert len(claims.chain) == 5
    assert claims.chain[0] == hashlib.sha256(payload["certificate"]).hexdigest()
    assert claims.chain[1] == hashlib.sha256(payload["cabundle"][-1]).hexdigest()
    assert claims.chain[-1] == AWS_NITRO_ROOT_G1


def test_vector_root_is_the_pinned_root() -> None:
    assert fingerprint(load_pem((NITRO / "root.pem").read_bytes())[0]) == AWS_NITRO_ROOT_G1


def test_debug_document_verifies_and_says_debug() -> None:
    claims = verify_nitro(DEBUG, at=DEBUG_AT)
    assert claims.debug is True
    assert all(claims.measurements[f"PCR{i}"] == "00" * 48 for i in range(3))
    assert claims.measurements["PCR4"].startswith("45706d7b621e4620")
    assert claims.details["module_id"] == "i-0a22e5c5f24d22174-enc0191ccebaf8feaba"


def test_debug_leaf_is_not_yet_valid_at_the_good_documents_time() -> None:
    # The debug document was made 27 s later; its leaf starts at 14:38:03Z.
    assert _refused(DEBUG, at=AT) == "expired"


def test_tagged_cose_sign1_is_accepted() -> None:
    assert verify_nitro(b"\xd2" + GOOD, at=AT).chain[-1] == AWS_NITRO_ROOT_G1


def test_pins_may_be_any_iterable() -> None:
    assert verify_nitro(GOOD, at=AT, pins=iter([AWS_NITRO_ROOT_G1.upper()])).debug is False


# -- time -----------------------------------------------------------------------------------------


def test_rejected_at_the_current_time() -> None:
    assert _refused(GOOD, at=datetime.now(UTC)) == "expired"


def test_leaf_validity_bounds() -> None:
    assert verify_nitro(GOOD, at=LEAF_NOT_AFTER).debug is False
    assert _refused(GOOD, at=LEAF_NOT_AFTER + timedelta(seconds=1)) == "expired"


def test_naive_time_is_a_caller_error() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        verify_nitro(GOOD, at=AT.replace(tzinfo=None))


# -- tampering ----------------------------------------------------------------------------------


def test_signature_bit_flip() -> None:
    assert _refused(_flip(GOOD, len(GOOD) - 1)) == "signature"
    assert _refused(_flip(GOOD, len(GOOD) - 96, 7)) == "signature"


def test_pcr_byte_flip() -> None:
    assert _refused(_flip_inside(GOOD, _payload()["pcrs"][0], 5)) == "signature"


def test_user_data_byte_flip() -> None:
    assert _refused(_resigned_payload(user_data=b"\x02" * 1024)) == "signature"


def test_leaf_certificate_bit_flip() -> None:
    assert _refused(_flip_inside(GOOD, _payload()["certificate"], -1)) == "chain"


def test_intermediate_in_cabundle_bit_flip() -> None:
    assert _refused(_flip_inside(GOOD, _payload()["cabundle"][-1], -1)) == "chain"


def test_root_in_cabundle_bit_flip() -> None:
    assert _refused(_flip_inside(GOOD, _payload()["cabundle"][0], -1)) == "root"


def test_wrong_root_pin() -> None:
    assert _refused(GOOD, pins=("00" * 32,)) == "root"


def test_cabundle_without_root() -> None:
    assert _refused(_resigned_payload(cabundle=_payload()["cabundle"][1:])) == "root"


def test_another_algorithm_is_refused() -> None:
    _, unprotected, payload, signature = cbor2.loads(GOOD)
    doc = cbor2.dumps([cbor2.dumps({1: -7}), unprotected, payload, signature])  # ES256
    assert _refused(doc) == "signature"


def test_short_signature_is_refused() -> None:
    protected, unprotected, payload, signature = cbor2.loads(GOOD)
    assert _refused(cbor2.dumps([protected, unprotected, payload, signature[:64]])) == "signature"


# -- malformed ------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 1, 4, 100, len(GOOD) // 2, len(GOOD) - 1])
def test_truncated(size: int) -> None:
    assert _refused(GOOD[:size]) == "malformed"


def test_trailing_bytes() -> None:
    assert _refused(GOOD + b"\x00") == "malformed"


def test_not_bytes() -> None:
    assert _refused("not a document") == "malformed"  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "changes",
    [
        {"timestamp": "1725719859545"},
        {"timestamp": True},
        {"timestamp": 10**20},  # past year 9999
        {"timestamp": 0},
        {"module_id": b"i-0a22"},
        {"module_id": ""},
        {"module_id": _DROP},
        {"digest": "SHA256"},
        {"pcrs": {0: b"\x00" * 32, 1: b"\x00" * 32, 2: b"\x00" * 32}},
        {"pcrs": {"0": b"\x00" * 48, 1: b"\x00" * 48, 2: b"\x00" * 48}},
        {"pcrs": {0: b"\x00" * 48, 1: b"\x00" * 48, 32: b"\x00" * 48}},
        {"pcrs": {1: b"\x00" * 48, 2: b"\x00" * 48}},  # no PCR0: debug undecidable
        {"pcrs": []},
        {"cabundle": []},
        {"cabundle": b"not a list"},
        {"cabundle": [b"", b"x"]},
        {"certificate": b"not DER"},
        {"certificate": _DROP},
        {"public_key": "01"},
        {"nonce": 1},
    ],
    ids=repr,
)
def test_payload_fields_are_strictly_typed(changes: dict[str, Any]) -> None:
    assert _refused(_resigned_payload(**changes)) == "malformed"


@pytest.mark.parametrize(
    "doc",
    [
        cbor2.dumps([]),
        cbor2.dumps({"not": "an array"}),
        cbor2.dumps(cbor2.CBORTag(17, [b"", {}, b"", b""])),
        cbor2.dumps([b"\xa1\x01\x38\x22", {}, b"\xa0", b"\x00" * 96, b""]),
        cbor2.dumps([b"\xa1\x01\x38\x22", [], b"\xa0", b"\x00" * 96]),
        cbor2.dumps([b"\xa1\x01\x38\x22", {}, "payload", b"\x00" * 96]),
        cbor2.dumps([b"\x80", {}, b"\xa0", b"\x00" * 96]),  # protected header not a map
        cbor2.dumps([b"\xa1\x01\x38\x22\x00", {}, b"\xa0", b"\x00" * 96]),  # trailing byte
        cbor2.dumps([b"\xa1\x01\x38\x22", {}, b"\xa0", b"\x00" * 96]),  # empty payload map
        b"\x84\x44\xa1\x01\x38\x22\xa0\x5f\x41\xa0\xff\x40",  # indefinite-length payload
        b"\x84\x46\xa2\x01\x38\x22\x01\x26\xa0\x41\xa0\x40",  # duplicate key in the header
        b"\x81" * 64,  # deep nesting
    ],
)
def test_cose_structure_is_strict(doc: bytes) -> None:
    assert _refused(doc) == "malformed"


# -- fuzz -----------------------------------------------------------------------------------------


def _only_attestation_failed(doc: bytes) -> None:
    try:
        verify_nitro(doc, at=AT)
    except AttestationFailed as failed:
        message = str(failed)
    else:
        return
    assert message.removeprefix("attestation refused: ") in AttestationFailed.REASONS


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2048))
def test_fuzz_random_bytes(doc: bytes) -> None:
    _only_attestation_failed(doc)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, len(GOOD) - 1), st.integers(0, 255), st.sampled_from("sdi")),
        min_size=1,
        max_size=4,
    )
)
def test_fuzz_mutations_of_the_good_document(edits: list[tuple[int, int, str]]) -> None:
    doc = bytearray(GOOD)
    for offset, value, kind in edits:
        if not doc:
            break
        at = min(offset, len(doc) - 1)
        if kind == "s":
            doc[at] = value
        elif kind == "d":
            del doc[at : at + value % 8 + 1]
        else:
            doc[at:at] = bytes([value])
    _only_attestation_failed(bytes(doc))
