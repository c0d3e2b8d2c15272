"""Intel DCAP quotes (TDX and SGX): real vectors, tampering, forged quotes, fuzzing.

Real quotes prove the parser and the signature links against production data;
quotes forged here under a test root (pinned explicitly) reach the checks that
no real quote can, such as a QE that is not Intel's or a debuggable TD.
"""

from __future__ import annotations

import base64
import hashlib
import json
import struct
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from cryptography.x509.oid import NameOID
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from veil.attest import Claims
from veil.attest._dcap import verify_dcap
from veil.attest._roots import AWS_NITRO_ROOT_G1, INTEL_SGX_ROOT_CA
from veil.attest._x509 import fingerprint
from veil.errors import AttestationFailed

VECTORS = Path(__file__).parent / "vectors" / "attestation"
SPR = VECTORS / "tdx" / "tdx_quote_v4_SPR_E4.dat"
V5 = VECTORS / "tdx" / "tdx_quote_v5_sample.dat"
OCCLUM = VECTORS / "sgx" / "occlum_sgx_quote_v3.dat"
QVL = VECTORS / "tdx" / "dcapqvl"

NOW = datetime.now(UTC)
IN_WINDOW = datetime(2025, 6, 25, tzinfo=UTC)  # TCB info issued 2025-06-19, next update 07-19


def read(path: Path) -> bytes:
    return path.read_bytes()


def qvl(name: str) -> tuple[bytes, bytes]:
    return read(QVL / name), read(QVL / f"{name}_collateral.json")


# Quotes that verify now without collateral, one per layout family.
GOOD = {"spr": read(SPR), "v5": read(V5), "occlum": read(OCCLUM), "qvl-sgx": qvl("sgx_quote")[0]}


def refused(quote: bytes, **kwargs: object) -> str:
    """The reason ``quote`` is refused, checking the message carries nothing else."""
    kwargs.setdefault("at", NOW)
    with pytest.raises(AttestationFailed) as info:
        verify_dcap(quote, **kwargs)  # type: ignore[arg-type]
    assert str(info.value) == f"attestation refused: {info.value.reason}"
    return info.value.reason


def flip(data: bytes, offset: int, mask: int = 0x01) -> bytes:
    out = bytearray(data)
    out[offset] ^= mask
    return bytes(out)


class Layout:
    """Offsets in a quote, computed independently of the module under test."""

    def __init__(self, quote: bytes) -> None:
        version, _, tee = struct.unpack_from("<HHI", quote, 0)
        if version == 5:
            _, size = struct.unpack_from("<HI", quote, 48)
            self.body, body_end = 54, 54 + size
        else:
            self.body = 48
            body_end = 48 + (384 if tee == 0 else 584)
        self.signature = body_end + 4
        self.attest_key = self.signature + 64
        self.qe_report = self.attest_key + 64 + (0 if version == 3 else 6)
        self.qe_signature = self.qe_report + 384
        auth_size = struct.unpack_from("<H", quote, self.qe_signature + 64)[0]
        self.qe_auth = self.qe_signature + 66
        self.pem = self.qe_auth + auth_size + 6
        self.pem_size = struct.unpack_from("<I", quote, self.pem - 4)[0]
        # Length fields that cover the PCK chain: signature data, then (v4/v5) type-6 data.
        self.lengths = [body_end] + ([] if version == 3 else [self.attest_key + 66])


def with_pem(quote: bytes, pem: bytes) -> bytes:
    """``quote`` with its PCK chain replaced and every enclosing length fixed up."""
    at = Layout(quote)
    delta = len(pem) - at.pem_size
    out = bytearray(quote[: at.pem] + pem + quote[at.pem + at.pem_size :])
    struct.pack_into("<I", out, at.pem - 4, len(pem))
    for offset in at.lengths:
        struct.pack_into("<I", out, offset, struct.unpack_from("<I", out, offset)[0] + delta)
    return bytes(out)


def pem_of(ders: list[bytes]) -> bytes:
    lines = (textwrap.wrap(base64.b64encode(der).decode(), 64) for der in ders)
    blocks = (
        "\n".join(["-----BEGIN CERTIFICATE-----", *b, "-----END CERTIFICATE-----\n"]) for b in lines
    )
    return "".join(blocks).encode()


def chain_ders(quote: bytes) -> list[bytes]:
    at = Layout(quote)
    pem = quote[at.pem : at.pem + at.pem_size]
    return [c.public_bytes(Encoding.DER) for c in x509.load_pem_x509_certificates(pem)]


# --- good vectors ----------------------------------------------------------------------------


def test_tdx_v4_production_quote_verifies_now_without_collateral() -> None:
    claims = verify_dcap(read(SPR), at=NOW)
    assert claims.platform == "intel-tdx"
    assert claims.measurements["MRTD"].startswith("6363b8043668a3ad")
    assert set(claims.measurements) == {
        "MRTD", "RTMR0", "RTMR1", "RTMR2", "RTMR3", "MRSEAM", "MRSIGNERSEAM",
    }  # fmt: skip
    assert all(len(v) == 96 for v in claims.measurements.values())
    assert claims.debug is False
    assert claims.tcb_status is None
    assert claims.details["tcb_evaluated"] is False
    assert "advisories" not in claims.details  # not evaluated is not "none"
    assert claims.details["quote_version"] == 4
    assert claims.details["td_attributes"] == "0000004000000000"
    assert claims.details["tee_tcb_svn"].startswith("0300040000")
    assert claims.details["fmspc"] == "50806f000000"
    assert len(claims.report_data) == 128
    assert claims.chain[-1] == INTEL_SGX_ROOT_CA
    assert len(claims.chain) == 3
    assert claims.verified_at == NOW


def test_tdx_with_collateral_inside_its_window_is_up_to_date() -> None:
    quote, collateral = qvl("tdx_quote")
    claims = verify_dcap(quote, at=IN_WINDOW, collateral=collateral)
    assert claims.platform == "intel-tdx"
    assert claims.tcb_status == "UpToDate"
    assert claims.details["advisories"] == []
    assert claims.details["tcb_evaluated"] is True
    assert claims.details["fmspc"] == "b0c06f000000"
    assert claims.measurements["MRTD"].startswith("91eb2b44d141d4ece09f0c75")
    assert claims.measurements["RTMR0"].startswith("44c0197b39157fdd")
    assert claims.measurements["MRSEAM"].startswith("5b38e33a6487958b")
    assert claims.report_data.startswith("9a9d48e7f6799642")
    assert claims.details["td_attributes"] == "0000001000000000"  # SEPT_VE_DISABLE, not DEBUG
    assert claims.debug is False
    assert claims.chain[-1] == INTEL_SGX_ROOT_CA


def test_sgx_with_collateral_reports_status_and_advisories() -> None:
    quote, collateral = qvl("sgx_quote")
    claims = verify_dcap(quote, at=IN_WINDOW, collateral=collateral)
    assert claims.platform == "intel-sgx"
    assert claims.tcb_status == "ConfigurationAndSWHardeningNeeded"
    assert claims.details["advisories"] == ["INTEL-SA-00289", "INTEL-SA-00615"]
    assert claims.measurements == {
        "MRENCLAVE": "33d8736db756ed4997e04ba358d27833188f1932ff7b1d156904d3f560452fbb",
        "MRSIGNER": "815f42f11cf64430c30bab7816ba596a1da0130c3b028b673133a66cf9a3e0e6",
    }
    assert claims.report_data.startswith(b"Hello, world!".hex())
    assert claims.details["isv_prod_id"] == 0
    assert claims.details["isv_svn"] == 0
    assert claims.details["attributes"] == "0500000000000000e700000000000000"
    assert claims.details["quote_version"] == 3
    assert claims.details["fmspc"] == "00a067110000"
    assert claims.debug is False


@pytest.mark.parametrize("name", ["tdx_quote", "sgx_quote"])
def test_the_same_quotes_verify_now_without_collateral(name: str) -> None:
    quote, _ = qvl(name)
    claims = verify_dcap(quote, at=NOW)
    assert claims.tcb_status is None
    assert claims.details["tcb_evaluated"] is False


@pytest.mark.parametrize("name", ["tdx_quote", "sgx_quote"])
def test_collateral_at_the_current_time_is_refused(name: str) -> None:
    quote, collateral = qvl(name)
    assert refused(quote, collateral=collateral) == "expired"  # CRL and TCB info out of date


def test_collateral_before_its_issue_date_is_refused() -> None:
    quote, collateral = qvl("tdx_quote")
    at = datetime(2025, 6, 18, tzinfo=UTC)
    assert refused(quote, at=at, collateral=collateral) == "expired"


def test_outdated_platform_matches_no_tcb_level() -> None:
    """dcap-qvl finds no TCB level for it (its upstream test adds a TCB override): ``tcb``."""
    quote, collateral = qvl("tdx_quote_outdated")
    at = datetime(2026, 3, 1, tzinfo=UTC)  # its collateral: 2026-02-18 to 2026-03-20
    assert refused(quote, at=at, collateral=collateral) == "tcb"
    assert verify_dcap(quote, at=at).details["quote_version"] == 5


def test_v5_sample_is_a_td15_quote_that_verifies_now() -> None:
    claims = verify_dcap(read(V5), at=NOW)
    assert claims.platform == "intel-tdx"
    assert claims.details["quote_version"] == 5
    assert claims.measurements["MRTD"].startswith("7348651a34b2d2d3")
    assert claims.details["tee_tcb_svn2"].startswith("0d0104")
    assert claims.details["mr_service_td"] == "00" * 48
    assert claims.details["fmspc"] == "90c06f000000"
    assert claims.debug is False


def test_td15_report_data_is_not_the_bodys_tail() -> None:
    """TD 1.5 appends TEE_TCB_SVN2 and MRSERVICETD after REPORTDATA."""
    assert verify_dcap(read(V5), at=NOW).report_data.startswith("945eaacf5abc1f719d8666a9")


_TD_FIELDS = {"MRTD": "mr_td", "MRSEAM": "mr_seam", "MRSIGNERSEAM": "mr_signer_seam"}
_TD_FIELDS |= {f"RTMR{i}": f"rt_mr{i}" for i in range(4)}


@pytest.mark.parametrize("vector", GOOD)
def test_claims_agree_with_dcap_qvls_parser(vector: str) -> None:
    """An independent parser (dcap-qvl's Rust one) reads the same fields at the same offsets."""
    dcap_qvl = pytest.importorskip("dcap_qvl")
    report = dcap_qvl.parse_quote(GOOD[vector]).report
    claims = verify_dcap(GOOD[vector], at=NOW)
    assert claims.report_data == report.report_data.hex()
    if claims.platform == "intel-sgx":
        assert claims.measurements["MRENCLAVE"] == report.mr_enclave.hex()
        assert claims.measurements["MRSIGNER"] == report.mr_signer.hex()
        assert claims.details["attributes"] == report.attributes.hex()
        return
    assert {k: claims.measurements[k] for k in _TD_FIELDS} == {
        k: getattr(report, a).hex() for k, a in _TD_FIELDS.items()
    }
    for field in ("td_attributes", "xfam", "tee_tcb_svn", "mr_config_id", "mr_owner"):
        assert claims.details[field] == getattr(report, field).hex()


def test_v5_sample_is_refused_before_its_pck_was_issued() -> None:
    assert refused(read(V5), at=IN_WINDOW) == "expired"  # PCK leaf issued 2026-01-27


def test_occlum_sgx_quote_is_a_debug_enclave() -> None:
    claims = verify_dcap(read(OCCLUM), at=NOW)
    assert claims.platform == "intel-sgx"
    assert claims.debug is True  # ATTRIBUTES.FLAGS = 0x07: INIT | DEBUG | MODE64BIT
    assert claims.measurements["MRENCLAVE"].startswith("8f173e4613ff05c5")
    assert claims.details["attributes"].startswith("07")
    assert claims.details["fmspc"] == "00606a000000"


def test_bytearray_and_memoryview_are_accepted() -> None:
    quote = read(SPR)
    expected = verify_dcap(quote, at=NOW)
    assert verify_dcap(bytearray(quote), at=NOW) == expected  # type: ignore[arg-type]
    assert verify_dcap(memoryview(quote), at=NOW) == expected  # type: ignore[arg-type]


def test_unsigned_trailing_bytes_are_ignored() -> None:
    quote = read(SPR)
    assert verify_dcap(quote + b"\x00" * 16, at=NOW) == verify_dcap(quote, at=NOW)


# --- tampering ------------------------------------------------------------------------------


def _tampered(quote: bytes, where: str) -> bytes:
    at = Layout(quote)
    mrtd_or_mrenclave = 136 if quote[4] == 0x81 else 64
    rtmr0_or_mrsigner = 328 if quote[4] == 0x81 else 128
    offsets = {
        "quote signature": at.signature + 5,
        "measurement": at.body + mrtd_or_mrenclave + 3,
        "second measurement": at.body + rtmr0_or_mrsigner,
        "report data": at.body + (520 if quote[4] == 0x81 else 320),
        "header": 30,
        "qe report": at.qe_report + 64,
        "qe report data": at.qe_report + 320,
        "qe signature": at.qe_signature + 40,
        "qe auth data": at.qe_auth + 1,
        "attestation key": at.attest_key + 10,
    }
    return flip(quote, offsets[where])


TAMPERED = {
    "quote signature": "signature",
    "measurement": "signature",
    "second measurement": "signature",
    "report data": "signature",
    "header": "signature",
    "qe report": "signature",
    "qe report data": "signature",
    "qe signature": "signature",
    "qe auth data": "binding",
    "attestation key": "binding",
}


@pytest.mark.parametrize("vector", GOOD)
@pytest.mark.parametrize(("where", "reason"), TAMPERED.items())
def test_tampered_quote_is_refused(vector: str, where: str, reason: str) -> None:
    assert refused(_tampered(GOOD[vector], where)) == reason


@pytest.mark.parametrize("name", ["tdx_quote", "sgx_quote"])
@pytest.mark.parametrize(("where", "reason"), TAMPERED.items())
def test_tampered_quote_fails_the_same_way_with_collateral(
    name: str, where: str, reason: str
) -> None:
    quote, collateral = qvl(name)
    assert refused(_tampered(quote, where), at=IN_WINDOW, collateral=collateral) == reason


def _swap_pem_char(quote: bytes, index: int) -> bytes:
    """Change one base64 character of the PCK chain to another valid one."""
    at = Layout(quote)
    pos = at.pem + index
    out = bytearray(quote)
    out[pos] = ord("B") if out[pos] != ord("B") else ord("C")
    return bytes(out)


@pytest.mark.parametrize(
    ("index", "reason"),
    [
        (400, "chain"),  # leaf TBS: the issuer's signature no longer matches
        (1300, "chain"),  # platform CA certificate
        # The leaf's "-----BEGIN" broken: the platform CA reads as the leaf, and its key
        # did not sign the QE report.
        (0, "signature"),
    ],
)
def test_tampered_pck_chain_is_refused(index: int, reason: str) -> None:
    assert refused(_swap_pem_char(read(SPR), index)) == reason


def test_pck_chain_without_any_certificate_is_malformed() -> None:
    quote = read(SPR)
    at = Layout(quote)
    junk = b"x" * at.pem_size
    assert refused(quote[: at.pem] + junk + quote[at.pem + at.pem_size :]) == "malformed"


def test_quote_with_pck_chain_tampered_is_refused_with_collateral() -> None:
    quote, collateral = qvl("tdx_quote")
    assert refused(_swap_pem_char(quote, 400), at=IN_WINDOW, collateral=collateral) == "chain"


def test_wrong_root_pin_is_refused() -> None:
    assert refused(read(SPR), pins=(AWS_NITRO_ROOT_G1,)) == "root"
    quote, collateral = qvl("tdx_quote")
    kwargs = {"at": IN_WINDOW, "collateral": collateral, "pins": (AWS_NITRO_ROOT_G1,)}
    assert refused(quote, **kwargs) == "root"


def test_pins_are_compared_case_insensitively() -> None:
    assert verify_dcap(read(SPR), at=NOW, pins=(INTEL_SGX_ROOT_CA.upper(),)).chain


@pytest.mark.parametrize("cut", [0, 1, 47, 48, 300, 632, 636, 700, 1000, 1300, 2000, 4000])
def test_truncated_quote_is_malformed(cut: int) -> None:
    assert refused(read(SPR)[:cut]) == "malformed"


@pytest.mark.parametrize("evidence", [b"", "not bytes", None, 42])
def test_empty_or_wrong_type_is_malformed(evidence: object) -> None:
    assert refused(evidence) == "malformed"  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("offset", "value"),
    [
        (0, b"\x02\x00"),  # version 2
        (0, b"\x06\x00"),  # version 6
        (0, b"\x03\x00"),  # a v3 header on a TDX quote
        (2, b"\x03\x00"),  # ECDSA P-384 attestation key
        (4, b"\x80\x00\x00\x00"),  # unknown TEE type
        (4, b"\x00\x00\x00\x00"),  # SGX with a TD report's layout
        (632, b"\xcc\x10\x00\x00"),  # signature data one byte longer than it is
        (632, b"\xca\x10\x00\x00"),  # one byte shorter
        (764, b"\x05\x00"),  # certification data type 5 where 6 belongs
        (1252, b"\x03\x00"),  # PCK chain as type 3 (PPID encrypted): needs a fetch
    ],
)
def test_layouts_other_than_the_announced_one_are_malformed(offset: int, value: bytes) -> None:
    quote = read(SPR)
    assert refused(quote[:offset] + value + quote[offset + len(value) :]) == "malformed"


@pytest.mark.parametrize(
    ("offset", "value"),
    [
        (48, b"\x01\x00"),  # body type SGX on a TDX quote
        (48, b"\x02\x00"),  # body type TD 1.0 but sized 648
        (48, b"\x09\x00"),  # unknown body type
        (50, b"\x49\x02\x00\x00"),  # TD 1.5 sized 585
    ],
)
def test_v5_body_descriptor_must_match(offset: int, value: bytes) -> None:
    quote = read(V5)
    assert refused(quote[:offset] + value + quote[offset + len(value) :]) == "malformed"


# --- collateral problems ---------------------------------------------------------------------


def _edit_collateral(collateral: bytes, key: str, old: str, new: str) -> bytes:
    data = json.loads(collateral)
    assert old in data[key]
    data[key] = data[key].replace(old, new, 1)
    return json.dumps(data).encode()


@pytest.mark.parametrize(
    "collateral",
    [b"", b"{}", b"null", b"[]", b"\xff\xfe", b'{"pck_crl_issuer_chain": 1}', b"not json"],
)
def test_unreadable_collateral_is_refused(collateral: bytes) -> None:
    quote, _ = qvl("tdx_quote")
    assert refused(quote, at=IN_WINDOW, collateral=collateral) == "collateral"


@pytest.mark.parametrize(
    ("key", "old", "new"),
    [
        ("tcb_info", '"UpToDate"', '"OutOfDate"'),  # the signed TCB info edited
        ("qe_identity", '"UpToDate"', '"OutOfDate"'),  # the signed QE identity edited
        ("tcb_info_signature", "0", "1"),
        ("qe_identity_signature", "d", "e"),
        ("root_ca_crl", "30", "31"),
    ],
)
def test_tampered_collateral_is_refused(key: str, old: str, new: str) -> None:
    quote, collateral = qvl("tdx_quote")
    bad = _edit_collateral(collateral, key, old, new)
    assert refused(quote, at=IN_WINDOW, collateral=bad) == "collateral"


def test_collateral_for_another_platform_is_refused() -> None:
    quote, _ = qvl("tdx_quote")
    _, sgx_collateral = qvl("sgx_quote")
    assert refused(quote, at=IN_WINDOW, collateral=sgx_collateral) == "collateral"


# --- forged quotes: reach the checks no real quote can -------------------------------------

_NOT_BEFORE = datetime(2020, 1, 1, tzinfo=UTC)
_TD_QE_SIGNER = bytes.fromhex("dc9e2a7c6f948f17474e34a7fc43ed030f7c1563f1babddf6340c82e0e54a8c5")
_SGX_QE_SIGNER = bytes.fromhex("8c4f5775d796503e96137f77c68a829a0056ac8ded70140b081b094490c57bff")


def _cert(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: tuple[str, ec.EllipticCurvePrivateKey] | None,
    extra: x509.ExtensionType | None = None,
) -> x509.Certificate:
    issuer_name, issuer_key = issuer or (subject, key)
    builder = x509.CertificateBuilder()
    if extra is not None:
        builder = builder.add_extension(extra, critical=False)
    return (
        builder.subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer_name)]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(_NOT_BEFORE)
        .not_valid_after(_NOT_BEFORE + timedelta(days=365 * 30))
        .add_extension(x509.BasicConstraints(ca=issuer is None, path_length=None), critical=True)
        .sign(issuer_key, hashes.SHA256())
    )


class Forge:
    """A fake root, PCK leaf and attestation key, and a builder of quotes they sign."""

    def __init__(self) -> None:
        self.root_key = ec.generate_private_key(ec.SECP256R1())
        self.pck_key = ec.generate_private_key(ec.SECP256R1())
        self.attest_key = ec.generate_private_key(ec.SECP256R1())
        self.root = _cert("test root", self.root_key, None)
        self.leaf = _cert("test pck", self.pck_key, ("test root", self.root_key))
        self.pin = fingerprint(self.root)

    def pem(self) -> bytes:
        return b"".join(c.public_bytes(Encoding.PEM) for c in (self.leaf, self.root))

    def quote(
        self,
        *,
        version: int = 4,
        kind: str = "td10",
        td_attributes: int = 0,
        sgx_flags: int = 0x05,
        qe_signer: bytes = _TD_QE_SIGNER,
        qe_prod_id: int = 2,
        qe_flags: int = 0x15,
        raw_key: bytes | None = None,
        pem: bytes | None = None,
    ) -> bytes:
        tee = 0 if kind == "sgx" else 0x81
        header = struct.pack("<HHIHH", version, 2, tee, 0, 0) + b"\x93" * 16 + b"\x00" * 20
        body = _body(kind, td_attributes, sgx_flags)
        if version == 5:
            body = struct.pack("<HI", {"sgx": 1, "td10": 2, "td15": 3}[kind], len(body)) + body
        raw_key = raw_key or _raw(self.attest_key)
        qe = _qe_report(raw_key, qe_signer, qe_prod_id, qe_flags)
        qe_data = qe + _sign(self.pck_key, qe) + struct.pack("<H", 32) + b"\x00" * 32
        pem = pem or self.pem()
        qe_data += struct.pack("<HI", 5, len(pem)) + pem
        if version > 3:
            qe_data = struct.pack("<HI", 6, len(qe_data)) + qe_data
        sig_data = _sign(self.attest_key, header + body) + raw_key + qe_data
        return header + body + struct.pack("<I", len(sig_data)) + sig_data


def _raw(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)[1:]


def _sign(key: ec.EllipticCurvePrivateKey, data: bytes) -> bytes:
    r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def _body(kind: str, td_attributes: int, sgx_flags: int) -> bytes:
    if kind == "sgx":
        body = bytearray(384)
        body[48:56] = sgx_flags.to_bytes(8, "little")
        body[64:96] = b"\xe1" * 32
        return bytes(body)
    body = bytearray(584 if kind == "td10" else 648)
    body[120:128] = td_attributes.to_bytes(8, "little")
    body[136:184] = b"\x7d" * 48
    return bytes(body)


def _qe_report(raw_key: bytes, signer: bytes, prod_id: int, flags: int) -> bytes:
    report = bytearray(384)
    report[48:56] = flags.to_bytes(8, "little")
    report[128:160] = signer
    report[256:258] = prod_id.to_bytes(2, "little")
    report[320:352] = hashlib.sha256(raw_key + b"\x00" * 32).digest()
    return bytes(report)


@pytest.fixture(scope="module")
def forge() -> Forge:
    return Forge()


def _forged(forge: Forge, quote: bytes) -> Claims:
    return verify_dcap(quote, at=NOW, pins=(forge.pin,))


def test_forged_quote_verifies_under_its_own_pinned_root(forge: Forge) -> None:
    claims = _forged(forge, forge.quote())
    assert claims.measurements["MRTD"] == "7d" * 48
    assert claims.chain == (fingerprint(forge.leaf), forge.pin)
    assert "fmspc" not in claims.details  # not a PCK certificate: no Intel SGX extension


def test_forged_quote_is_refused_under_intels_root(forge: Forge) -> None:
    assert refused(forge.quote()) == "root"


def test_debug_td_is_reported(forge: Forge) -> None:
    assert _forged(forge, forge.quote(td_attributes=1)).debug is True
    assert _forged(forge, forge.quote(td_attributes=1 << 28)).debug is False


@pytest.mark.parametrize(
    ("version", "kind", "platform"),
    [(3, "sgx", "intel-sgx"), (4, "sgx", "intel-sgx"), (5, "sgx", "intel-sgx"),
     (5, "td10", "intel-tdx"), (5, "td15", "intel-tdx")],
)  # fmt: skip
def test_every_supported_layout_parses(
    forge: Forge, version: int, kind: str, platform: str
) -> None:
    signer: dict[str, Any] = {"qe_signer": _SGX_QE_SIGNER, "qe_prod_id": 1} if kind == "sgx" else {}
    claims = _forged(forge, forge.quote(version=version, kind=kind, **signer))
    assert claims.platform == platform
    assert claims.details["quote_version"] == version


def test_debug_sgx_enclave_is_reported(forge: Forge) -> None:
    quote = forge.quote(kind="sgx", sgx_flags=0x07, qe_signer=_SGX_QE_SIGNER, qe_prod_id=1)
    claims = _forged(forge, quote)
    assert claims.debug is True
    assert claims.measurements["MRENCLAVE"] == "e1" * 32


@pytest.mark.parametrize(
    "qe",
    [
        {"qe_signer": b"\x11" * 32},  # not Intel's QE
        {"qe_signer": _SGX_QE_SIGNER, "qe_prod_id": 1},  # the SGX QE signing a TD quote
        {"qe_prod_id": 3},
        {"qe_flags": 0x17},  # a debuggable QE: its attestation key is readable
    ],
)
def test_quoting_enclave_must_be_intels_and_not_debug(forge: Forge, qe: dict[str, Any]) -> None:
    assert refused(forge.quote(**qe), pins=(forge.pin,)) == "binding"


def test_attestation_key_off_the_curve_is_a_bad_signature(forge: Forge) -> None:
    assert refused(forge.quote(raw_key=b"\x01" * 64), pins=(forge.pin,)) == "signature"


def test_single_certificate_chain_is_refused(forge: Forge) -> None:
    pem = forge.root.public_bytes(Encoding.PEM)
    assert refused(forge.quote(pem=pem), pins=(forge.pin,)) == "chain"


def test_non_p256_pck_key_is_refused(forge: Forge) -> None:
    other = ec.generate_private_key(ec.SECP384R1())
    leaf = _cert("p384 pck", other, ("test root", forge.root_key))
    pem = leaf.public_bytes(Encoding.PEM) + forge.root.public_bytes(Encoding.PEM)
    assert refused(forge.quote(pem=pem), pins=(forge.pin,)) == "chain"


def test_collateral_path_trusts_only_intels_root(forge: Forge) -> None:
    _, collateral = qvl("tdx_quote")
    kwargs = {"collateral": collateral, "pins": (forge.pin,)}
    assert refused(forge.quote(), **kwargs) == "root"


def test_naive_time_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        verify_dcap(read(SPR), at=datetime(2026, 1, 1))


def test_rebuilt_pck_chain_still_verifies() -> None:
    """The helper below re-encodes the chain; unchanged DER must still verify."""
    quote = read(SPR)
    assert verify_dcap(with_pem(quote, pem_of(chain_ders(quote))), at=NOW).chain


def _garbled(der: bytes, old: bytes, new: bytes) -> bytes:
    assert der.count(old) == 1
    return der.replace(old, new)


def test_garbled_certificates_are_malformed_not_crashes(forge: Forge) -> None:
    """cryptography parses versions and extensions lazily, raising non-ValueErrors."""
    leaf, root = (c.public_bytes(Encoding.DER) for c in (forge.leaf, forge.root))
    ku = x509.KeyUsage(True, False, False, False, False, False, False, False, False)
    two = _cert("two extensions", forge.pck_key, ("test root", forge.root_key), ku)
    chains = [
        [_garbled(leaf, b"\xa0\x03\x02\x01\x02", b"\xa0\x03\x02\x01\x4e"), root],  # version 79
        [leaf, _garbled(root, b"\x30\x03\x01\x01\xff", b"\x30\x03\x01\x01\x01")],  # BER bool
        # KeyUsage's OID rewritten to BasicConstraints': a duplicate extension
        [_garbled(two.public_bytes(Encoding.DER), b"\x55\x1d\x0f", b"\x55\x1d\x13"), root],
    ]
    for ders in chains:
        assert refused(forge.quote(pem=pem_of(ders)), pins=(forge.pin,)) == "malformed"


# --- fuzzing ---------------------------------------------------------------------------------


def _outcome(quote: bytes, at: datetime = NOW, collateral: bytes | None = None) -> str:
    """ "ok" or the refusal's reason: any exception other than AttestationFailed fails the test."""
    try:
        verify_dcap(quote, at=at, collateral=collateral)
    except AttestationFailed as exc:
        return exc.reason
    return "ok"


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=6000))
def test_fuzz_random_bytes(data: bytes) -> None:
    assert _outcome(data) == "malformed"


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(GOOD)), st.data())
def test_fuzz_mutated_quotes(vector: str, data: st.DataObject) -> None:
    quote = bytearray(GOOD[vector])
    for _ in range(data.draw(st.integers(1, 4))):
        action = data.draw(st.sampled_from(["set", "cut", "insert", "delete"]))
        at = data.draw(st.integers(0, len(quote)))
        if action == "set" and at < len(quote):
            quote[at] = data.draw(st.integers(0, 255))
        elif action == "cut":
            del quote[at:]
        elif action == "insert":
            quote[at:at] = data.draw(st.binary(min_size=1, max_size=8))
        else:
            del quote[at : at + data.draw(st.integers(1, 8))]
    assert _outcome(bytes(quote)) in {"ok", *AttestationFailed.REASONS}


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_fuzz_mutated_collateral(data: st.DataObject) -> None:
    quote, collateral = qvl("tdx_quote")
    mutable = bytearray(collateral)
    for _ in range(data.draw(st.integers(1, 3))):
        at = data.draw(st.integers(0, len(mutable) - 1))
        mutable[at] = data.draw(st.integers(0, 255))
    outcome = _outcome(quote, IN_WINDOW, bytes(mutable))
    assert outcome in {"ok", *AttestationFailed.REASONS}


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["spr", "occlum"]), st.data())
def test_fuzz_mutated_pck_certificates(vector: str, data: st.DataObject) -> None:
    """Mutate the chain's DER, not its base64, so the mutations reach the X.509 parser."""
    quote = GOOD[vector]
    ders = [bytearray(der) for der in chain_ders(quote)]
    for _ in range(data.draw(st.integers(1, 3))):
        der = ders[data.draw(st.integers(0, len(ders) - 1))]
        der[data.draw(st.integers(0, len(der) - 1))] = data.draw(st.integers(0, 255))
    outcome = _outcome(with_pem(quote, pem_of([bytes(d) for d in ders])))
    assert outcome in {"ok", *AttestationFailed.REASONS}
