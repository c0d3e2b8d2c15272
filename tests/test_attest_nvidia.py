"""NVIDIA H100 SPDM evidence: the nvtrust sample verifies, every tampering is refused.

The vector (tests/vectors/attestation/nvidia, from NVIDIA nvtrust) is the
37-byte GET_MEASUREMENTS request followed by the signed MEASUREMENTS response,
as hex text; its device certificates are valid until 9999, so it verifies now.
"""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from veil.attest._nvidia import verify_nvidia
from veil.attest._roots import NVIDIA_DEVICE_ROOT
from veil.attest._x509 import fingerprint, load_pem
from veil.errors import AttestationFailed

pytestmark = pytest.mark.filterwarnings("error")

NVIDIA = Path(__file__).parent / "vectors" / "attestation" / "nvidia"
REPORT = bytes.fromhex((NVIDIA / "hopperAttestationReport.hex").read_text())
CHAIN = (NVIDIA / "hopperCertChain.pem").read_bytes()
NOW = datetime.now(UTC)
NONCE = REPORT[4:36]  # the request's nonce
REQUEST = 37
HEADER = 8  # response: version, code, param1, param2, block count, record length (3)
BLOCK = 4 + 3 + 48  # index, spec, size(2); DMTF type, size(2); SHA-384 value


def _ders(bundle: bytes = CHAIN) -> list[bytes]:
    bodies = re.findall(rb"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", bundle, re.S)
    return [base64.b64decode(body) for body in bodies]


def _pem(ders: list[bytes]) -> bytes:
    return b"".join(
        b"-----BEGIN CERTIFICATE-----\n" + base64.encodebytes(der) + b"-----END CERTIFICATE-----\n"
        for der in ders
    )


def _flip(data: bytes, offset: int, bit: int = 0) -> bytes:
    out = bytearray(data)
    out[offset] ^= 1 << bit
    return bytes(out)


def _value_offset(index: int) -> int:
    """Where measurement block ``index`` (1-based) keeps its value in the report."""
    return REQUEST + HEADER + (index - 1) * BLOCK + 7


def _refused(
    report: bytes = REPORT,
    *,
    chain: bytes = CHAIN,
    at: datetime = NOW,
    nonce: bytes | None = None,
    pins: tuple[str, ...] = (NVIDIA_DEVICE_ROOT,),
) -> str:
    with pytest.raises(AttestationFailed) as info:
        verify_nvidia(report, chain=chain, at=at, nonce=nonce, pins=pins)
    assert str(info.value) == f"attestation refused: {info.value.reason}"  # no evidence bytes
    return info.value.reason


# -- the good vector ----------------------------------------------------------------------------


def test_good_report_verifies_now() -> None:
    claims = verify_nvidia(REPORT, chain=CHAIN, at=NOW)
    assert claims.platform == "nvidia-gpu"
    assert claims.debug is False
    assert claims.report_data == NONCE.hex()
    assert claims.report_data.startswith("931d8dd0add203ac")
    assert list(claims.measurements) == [str(i) for i in range(1, 65)]
    assert claims.measurements["1"] == "00" * 48
    assert claims.measurements["2"].startswith("8048dfd18fe229bf")
    assert claims.details == {
        "spdm_version": "1.1",
        "measurement_count": 64,
        "driver_version": "550.90.07",
        "vbios_version": "96.00.9f.00.01",
    }
    assert claims.tcb_status is None
    assert claims.public_key is None
    assert claims.verified_at == NOW


def test_chain_fingerprints_leaf_first_ending_at_the_pin() -> None:
    claims = verify_nvidia(REPORT, chain=CHAIN, at=NOW)
    assert claims.chain == tuple(fingerprint(cert) for cert in load_pem(CHAIN))
    assert len(claims.chain) == 5
    assert claims.chain[-1] == NVIDIA_DEVICE_ROOT


def test_vector_root_is_the_pinned_root() -> None:
    root = load_pem((NVIDIA / "verifier_device_root.pem").read_bytes())[0]
    assert fingerprint(root) == NVIDIA_DEVICE_ROOT


def test_bundle_without_the_root_gets_the_packaged_one() -> None:
    claims = verify_nvidia(REPORT, chain=_pem(_ders()[:-1]), at=NOW)
    assert claims.chain == verify_nvidia(REPORT, chain=CHAIN, at=NOW).chain


def test_matching_nonce_binds() -> None:
    assert verify_nvidia(REPORT, chain=CHAIN, at=NOW, nonce=NONCE).report_data == NONCE.hex()


def test_pins_may_be_any_iterable() -> None:
    pins = iter([NVIDIA_DEVICE_ROOT.upper()])
    assert verify_nvidia(REPORT, chain=_pem(_ders()[:-1]), at=NOW, pins=pins).chain


# -- binding and time -----------------------------------------------------------------------------


@pytest.mark.parametrize("nonce", [bytes(32), _flip(NONCE, 31), NONCE[:16], NONCE + b"\x00", b""])
def test_wrong_nonce(nonce: bytes) -> None:
    assert _refused(nonce=nonce) == "binding"


def test_before_the_device_certificates() -> None:
    assert _refused(at=datetime(2021, 1, 1, tzinfo=UTC)) == "expired"


def test_naive_time_is_a_caller_error() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        verify_nvidia(REPORT, chain=CHAIN, at=NOW.replace(tzinfo=None))


# -- tampering ----------------------------------------------------------------------------------


def test_signature_bit_flip() -> None:
    assert _refused(_flip(REPORT, len(REPORT) - 1)) == "signature"
    assert _refused(_flip(REPORT, len(REPORT) - 96, 7)) == "signature"


@pytest.mark.parametrize("index", [1, 2, 64])
def test_measurement_byte_flip(index: int) -> None:
    assert _refused(_flip(REPORT, _value_offset(index) + 5)) == "signature"


def test_request_nonce_flip() -> None:
    assert _refused(_flip(REPORT, 4)) == "signature"


def test_opaque_driver_version_flip() -> None:
    assert _refused(_flip(REPORT, REPORT.index(b"550.90.07") + 4)) == "signature"


def test_signature_over_another_request_is_refused() -> None:
    param2 = 3  # request: measurement operation (0xff: all)
    assert _refused(_flip(REPORT, param2)) == "signature"


@pytest.mark.parametrize("position", [0, 1, 2, 3])
def test_certificate_bit_flip(position: int) -> None:
    ders = _ders()
    ders[position] = _flip(ders[position], len(ders[position]) - 1)  # in its signature
    assert _refused(chain=_pem(ders)) == "chain"


def test_root_in_bundle_bit_flip() -> None:
    # The altered root is not pinned; the packaged root is appended and does not sign it.
    ders = _ders()
    ders[-1] = _flip(ders[-1], len(ders[-1]) - 1)
    assert _refused(chain=_pem(ders)) == "chain"


def test_wrong_root_pin() -> None:
    assert _refused(pins=("00" * 32,)) == "root"
    assert _refused(chain=_pem(_ders()[:-1]), pins=("00" * 32,)) == "root"


def test_bundle_in_the_wrong_order() -> None:
    assert _refused(chain=_pem(_ders()[::-1])) == "root"
    ders = _ders()
    assert _refused(chain=_pem([ders[1], ders[0], *ders[2:]])) == "chain"


def test_chain_of_another_device_key() -> None:
    # The intermediate's key is a valid P-384 key but did not sign the report.
    assert _refused(chain=_pem(_ders()[1:])) == "signature"


# -- malformed ------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 1, 36, 37, 45, 1000, len(REPORT) - 97, len(REPORT) - 1])
def test_truncated(size: int) -> None:
    assert _refused(REPORT[:size]) == "malformed"


def test_trailing_bytes() -> None:
    assert _refused(REPORT + b"\x00") == "malformed"


@pytest.mark.parametrize("chain", [b"", b"not a pem", CHAIN[:100]])
def test_bad_chain_bundle(chain: bytes) -> None:
    assert _refused(chain=chain) == "malformed"


@pytest.mark.parametrize(
    ("offset", "value"),
    [
        (0, 0x12),  # request: SPDM 1.2 signs a different transcript
        (1, 0xE1),  # request: not GET_MEASUREMENTS
        (2, 0x00),  # request: no signature asked for
        (REQUEST, 0x10),  # response version differs from the request's
        (REQUEST + 1, 0x61),  # response: not MEASUREMENTS
        (REQUEST + 4, 63),  # block count disagrees with the record
        (REQUEST + 4, 0),  # no blocks
        (REQUEST + 5, 0x01),  # record length
        (REQUEST + HEADER + 1, 0x02),  # block 1: not a DMTF measurement
        (REQUEST + HEADER + BLOCK, 1),  # block 2 claims index 1 again
        (REQUEST + HEADER + 2, 52),  # block 1: size disagrees with its DMTF value
        (REQUEST + HEADER + 5, 49),  # block 1: DMTF value size
    ],
)
def test_report_structure_is_strict(offset: int, value: int) -> None:
    report = bytearray(REPORT)
    report[offset] = value
    assert _refused(bytes(report)) == "malformed"


def test_opaque_length_is_checked() -> None:
    at = REQUEST + HEADER + 64 * BLOCK + 32  # the opaque length field
    report = bytearray(REPORT)
    report[at] += 1
    assert _refused(bytes(report)) == "malformed"


def test_not_bytes() -> None:
    assert _refused("not a report") == "malformed"  # type: ignore[arg-type]


# -- fuzz -----------------------------------------------------------------------------------------


def _only_attestation_failed(report: bytes, chain: bytes = CHAIN) -> None:
    try:
        verify_nvidia(report, chain=chain, at=NOW)
    except AttestationFailed as failed:
        message = str(failed)
    else:
        return
    assert message.removeprefix("attestation refused: ") in AttestationFailed.REASONS


def _edited(data: bytes, edits: list[tuple[int, int, str]]) -> bytes:
    out = bytearray(data)
    for offset, value, kind in edits:
        if not out:
            break
        at = min(offset, len(out) - 1)
        if kind == "s":
            out[at] = value
        elif kind == "d":
            del out[at : at + value % 8 + 1]
        else:
            out[at:at] = bytes([value])
    return bytes(out)


_EDITS = st.lists(
    st.tuples(st.integers(0, len(REPORT) - 1), st.integers(0, 255), st.sampled_from("sdi")),
    min_size=1,
    max_size=4,
)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=4200))
def test_fuzz_random_bytes(report: bytes) -> None:
    _only_attestation_failed(report)


@settings(max_examples=300, deadline=None)
@given(_EDITS)
def test_fuzz_mutations_of_the_report(edits: list[tuple[int, int, str]]) -> None:
    _only_attestation_failed(_edited(REPORT, edits))


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 4), _EDITS)
def test_fuzz_mutations_of_a_certificate(position: int, edits: list[tuple[int, int, str]]) -> None:
    ders = _ders()
    ders[position] = _edited(ders[position], edits)
    _only_attestation_failed(REPORT, _pem(ders))
