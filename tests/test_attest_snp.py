"""AMD SEV-SNP verification against real reports and a synthetic AMD-shaped chain.

The real vectors (tests/vectors/attestation/snp, see ../README.md) prove the
wire format: little-endian r‖s, RSA-PSS chain, serial-0 VCEKs. They cannot
exercise the hwID/TCB binding on their own (no report exists whose signature
is good but whose VCEK is for another chip), so a synthetic ARK → ASK → VCEK
with keys we hold signs reports that differ in exactly one respect.

Every test runs with warnings as errors: a CryptographyDeprecationWarning
escaping from the serial-0 VCEKs fails the suite.
"""

from __future__ import annotations

import ssl
import timeit
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
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
from hypothesis import given, settings
from hypothesis import strategies as st

from veil.attest import Claims, _x509
from veil.attest._roots import AMD_ARK_MILAN, AWS_NITRO_ROOT_G1
from veil.attest._snp import REPORT_SIZE, verify_snp
from veil.errors import AttestationFailed

pytestmark = pytest.mark.filterwarnings("error")

SNP = Path(__file__).parent / "vectors" / "attestation" / "snp"
NOW = datetime.now(UTC)
ASK_MILAN = "67d303bd3905fd38db8b20e0793699870e7fa612eaad5dec358293fd8c0bac1b"


@dataclass(frozen=True)
class Vector:
    report: bytes
    vcek: bytes
    chain: bytes

    def verify(self, **changes: Any) -> Claims:
        args: dict[str, Any] = {
            "report": self.report,
            "vcek": self.vcek,
            "chain": self.chain,
            "at": NOW,
        }
        args.update(changes)
        return verify_snp(**args)


ASK_ARK = (SNP / "ask_ark_milan.pem").read_bytes()
GOSEV = Vector(
    (SNP / "gosev_attestation.bin").read_bytes(), (SNP / "gosev_vcek.der").read_bytes(), ASK_ARK
)
VIRTEE = Vector(
    bytes.fromhex((SNP / "virtee_report_milan.hex").read_text().strip()),
    (SNP / "virtee_vcek_milan.der").read_bytes(),
    (SNP / "virtee_cert_chain_milan.pem").read_bytes(),
)
TRUSTEE = Vector(
    (SNP / "trustee_test-report.bin").read_bytes(),
    (SNP / "trustee_test-vcek.der").read_bytes(),
    ASK_ARK,
)
VECTORS = {"gosev": GOSEV, "virtee": VIRTEE, "trustee": TRUSTEE}

# Known answers, read from the reports with the ABI table and cross-checked by the
# VCEK extensions (hwID, SPLs) that AMD's KDS signed.
EXPECTED: dict[str, dict[str, Any]] = {
    "gosev": {
        "debug": True,
        "measurement": "b07af9620f3b839b47996422",
        "chip_id": "3ac3fe21e13fb0990eb28a80",
        "tcb": {"bootloader": 2, "tee": 0, "snp": 5, "microcode": 68},
        "policy": 0xB0000,
        "guest_svn": 0,
        "report_data": "0102030405",
        "leaf": "0d057f9b6e29a69e",
    },
    "virtee": {
        "debug": False,
        "measurement": "7a1e5c266c0108dbc9bb94fa",
        "chip_id": "d49554ec717f4e5b0fe6b143",
        "tcb": {"bootloader": 3, "tee": 0, "snp": 8, "microcode": 115},
        "policy": 0x30000,
        "guest_svn": 0,
        "report_data": "d447b55d197491bf",
        "leaf": "3bbfb6ee259f75a9",
    },
    "trustee": {
        "debug": False,
        "measurement": "a1f3930413247bb38cfc1715",
        "chip_id": "c38427a30d4c7af9d96f7a15",
        "tcb": {"bootloader": 3, "tee": 0, "snp": 8, "microcode": 115},
        "policy": 0x3001F,
        "guest_svn": 4,
        "report_data": "ec6c52d7533cc2c4",
        "leaf": "3430987528a9feeb",
    },
}


def refused(reason: str, vector: Vector = TRUSTEE, **changes: Any) -> None:
    """Assert one refusal reason, and that the message is the fixed, byte-free sentence."""
    with pytest.raises(AttestationFailed) as caught:
        vector.verify(**changes)
    assert caught.value.reason == reason
    assert str(caught.value) == f"attestation refused: {reason}"


def flip(data: bytes, offset: int, mask: int = 0x01) -> bytes:
    out = bytearray(data)
    out[offset] ^= mask
    return bytes(out)


def vcek_not_before(der: bytes) -> datetime:
    return _x509.load_der(der).not_valid_before_utc  # serial 0: through the tolerant loader


# --- the real vectors ---------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(VECTORS))
def test_real_report_verifies_now(name: str) -> None:
    claims = VECTORS[name].verify()
    want = EXPECTED[name]
    assert claims.platform == "amd-sev-snp"
    assert claims.debug is want["debug"]
    assert claims.measurements["MEASUREMENT"].startswith(want["measurement"])
    assert len(claims.measurements["MEASUREMENT"]) == 96
    assert claims.measurements["HOST_DATA"] == "00" * 32
    assert claims.report_data.startswith(want["report_data"])
    assert len(claims.report_data) == 128
    assert claims.tcb_status is None
    assert claims.verified_at == NOW
    assert claims.details["chip_id"].startswith(want["chip_id"])
    assert len(claims.details["chip_id"]) == 128
    assert claims.details["reported_tcb"] == want["tcb"]
    assert claims.details["policy"] == want["policy"]
    assert claims.details["guest_svn"] == want["guest_svn"]
    assert (claims.details["vmpl"], claims.details["version"]) == (0, 2)
    assert claims.chain[0].startswith(want["leaf"])
    assert claims.chain[1:] == (ASK_MILAN, AMD_ARK_MILAN)


def test_details_carry_exactly_the_documented_fields() -> None:
    details = TRUSTEE.verify().details
    assert set(details) == {
        "chip_id",
        "reported_tcb",
        "policy",
        "vmpl",
        "guest_svn",
        "version",
        "id_key_digest",
        "author_key_digest",
    }
    assert details["id_key_digest"].startswith(
        "0356215882a82527"
    )  # trustee launched with an ID block
    assert details["author_key_digest"] == "00" * 48


def test_claims_serialise_to_json() -> None:
    doc = GOSEV.verify().to_json()
    assert doc["platform"] == "amd-sev-snp"
    assert doc["debug"] is True
    assert doc["details"]["reported_tcb"]["microcode"] == 68


def test_debug_is_policy_bit_19_not_a_neighbour() -> None:
    # gosev policy 0xB0000 has bits 16, 17, 19; virtee 0x30000 only 16, 17.
    assert GOSEV.report[0x0A] & 0x08
    assert not VIRTEE.report[0x0A] & 0x08


def test_trustee_binds_reported_not_current_tcb() -> None:
    # CURRENT_TCB (microcode 0xCE) moved on after launch; the VCEK is for REPORTED_TCB (0x73).
    assert TRUSTEE.report[0x3F] == 0xCE
    assert TRUSTEE.report[0x187] == 0x73
    assert TRUSTEE.verify().details["reported_tcb"]["microcode"] == 0x73


def test_byte_like_inputs_are_accepted() -> None:
    claims = TRUSTEE.verify(report=bytearray(TRUSTEE.report), vcek=memoryview(TRUSTEE.vcek))
    assert claims.details["guest_svn"] == 4


def test_chain_bundles_are_interchangeable() -> None:
    # virtee's bundle is AMD's same Milan ASK + ARK; any correct bundle closes any Milan VCEK.
    assert GOSEV.verify(chain=VIRTEE.chain).chain == GOSEV.verify().chain


@pytest.mark.parametrize("name", sorted(VECTORS))
def test_after_the_roots_expire_it_fails(name: str) -> None:
    refused("expired", vector=VECTORS[name], at=datetime(2046, 1, 1, tzinfo=UTC))


@pytest.mark.parametrize("name", sorted(VECTORS))
def test_before_the_vcek_was_issued_it_fails(name: str) -> None:
    vector = VECTORS[name]
    before = vcek_not_before(vector.vcek) - timedelta(seconds=1)
    refused("expired", vector=vector, at=before)
    assert vector.verify(at=before + timedelta(seconds=1)).platform == "amd-sev-snp"


def test_naive_time_is_a_caller_bug_not_a_refusal() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        TRUSTEE.verify(at=datetime(2030, 1, 1))


def test_serial_zero_vceks_raise_no_warning_even_when_first_parsed() -> None:
    """The warning fires when cryptography first parses a VCEK: clear every cache and go again."""
    for cache in (_x509._load_der, _x509._signed_by, _x509.decoded, _x509.load_bundle):
        cache.cache_clear()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for vector in VECTORS.values():
            vector.verify()
            vector.verify()


# --- chain and root -----------------------------------------------------------------


def test_without_a_chain_the_vcek_cannot_reach_the_packaged_ark() -> None:
    refused("chain", chain=None)


def test_chain_missing_the_ask_fails() -> None:
    ark_only = ASK_ARK[ASK_ARK.index(b"-----END CERTIFICATE-----") + 26 :]
    refused("chain", chain=ark_only)


def test_chain_in_the_wrong_order_fails() -> None:
    end = ASK_ARK.index(b"-----END CERTIFICATE-----") + 26
    refused("root", chain=ASK_ARK[end:] + ASK_ARK[:end])


@pytest.mark.parametrize("pins", [(AWS_NITRO_ROOT_G1,), ("00" * 32,), ()])
def test_unpinned_root_fails(pins: tuple[str, ...]) -> None:
    refused("root", pins=pins)


def test_pin_is_case_insensitive() -> None:
    assert TRUSTEE.verify(pins=[AMD_ARK_MILAN.upper()]).chain[-1] == AMD_ARK_MILAN


@pytest.mark.parametrize(
    "chain", [b"", b"not pem", b"a str", b"-----BEGIN CERTIFICATE-----\nAAAA\n"]
)
def test_garbage_chain_is_malformed(chain: bytes) -> None:
    refused("malformed", chain=chain)


def test_tampered_ask_in_the_bundle_fails() -> None:
    ask, ark = _x509.load_pem(ASK_ARK)
    der = ask.public_bytes(Encoding.DER)
    modulus = ask.public_key().public_numbers().n.to_bytes(512, "big")  # type: ignore[union-attr]
    bad = flip(der, der.index(modulus[-32:]))  # the ASK's key, inside its signed TBS
    pem = ssl.DER_cert_to_PEM_cert(bad).encode() + ark.public_bytes(Encoding.PEM)
    refused("chain", chain=pem)


# --- tampered reports ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("offset", "what"),
    [
        (0x2A0, "signature r, lowest byte"),
        (0x2A0 + 47, "signature r, highest significant byte"),
        (0x2A0 + 72, "signature s"),
        (0x90, "measurement"),
        (0xBF, "measurement, last byte"),
        (0x50, "report_data"),
        (0x0C, "policy"),
        (0x180, "reported_tcb bootloader"),
        (0x1A0, "chip_id"),
        (0x04, "guest_svn"),
    ],
)
def test_any_signed_bit_flip_breaks_the_signature(offset: int, what: str) -> None:
    refused("signature", report=flip(TRUSTEE.report, offset))


def test_clearing_debug_does_not_launder_a_debug_report() -> None:
    refused("signature", vector=GOSEV, report=flip(GOSEV.report, 0x0A, 0x08))


@pytest.mark.parametrize(
    "offset", [0x2A0 + 48, 0x2A0 + 71, 0x2A0 + 72 + 48, 0x2A0 + 144, REPORT_SIZE - 1]
)
def test_nonzero_signature_padding_is_malformed(offset: int) -> None:
    # unsigned bytes: accepting them would let one signature stand for many reports
    refused("malformed", report=flip(TRUSTEE.report, offset))


@pytest.mark.parametrize("version", [0, 1, 6, 0xFFFFFFFF])
def test_unknown_report_version_is_malformed(version: int) -> None:
    refused("malformed", report=version.to_bytes(4, "little") + TRUSTEE.report[4:])


@pytest.mark.parametrize("algo", [0, 2, 0x100])
def test_unknown_signature_algorithm_is_malformed(algo: int) -> None:
    report = TRUSTEE.report[:0x34] + algo.to_bytes(4, "little") + TRUSTEE.report[0x38:]
    refused("malformed", report=report)


@pytest.mark.parametrize(
    "report",
    [
        b"",
        TRUSTEE.report[:-1],
        TRUSTEE.report[:0x2A0],
        TRUSTEE.report + b"\x00",
        TRUSTEE.report.hex().encode(),
        b"\x00" * REPORT_SIZE,
    ],
    ids=["empty", "one-short", "unsigned-part", "one-long", "hex-text", "zeros"],
)
def test_wrong_shape_is_malformed(report: bytes) -> None:
    refused("malformed", report=report)


@pytest.mark.parametrize("report", ["text", None, 1184, [1, 2]])
def test_non_bytes_evidence_is_malformed(report: object) -> None:
    refused("malformed", report=report)
    refused("malformed", vcek=report)


# --- tampered or wrong VCEK ---------------------------------------------------------


def test_another_chips_vcek_does_not_verify_the_report() -> None:
    # a genuine VCEK, genuinely chained: only the report signature can catch it
    refused("signature", vcek=GOSEV.vcek)
    refused("signature", vector=GOSEV, vcek=VIRTEE.vcek)


def test_rewriting_the_vceks_hwid_breaks_its_ask_signature() -> None:
    chip = TRUSTEE.report[0x1A0:0x1E0]
    at = TRUSTEE.vcek.index(chip)  # the hwID extension's value
    refused("chain", vcek=flip(TRUSTEE.vcek, at))


def test_rewriting_the_vceks_public_key_breaks_its_ask_signature() -> None:
    key = _x509.load_der(TRUSTEE.vcek).public_key()
    point = key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    at = TRUSTEE.vcek.index(point[-16:])  # low bytes of Y: the point may leave the curve, or not
    with pytest.raises(AttestationFailed) as caught:
        TRUSTEE.verify(vcek=flip(TRUSTEE.vcek, at))
    assert caught.value.reason in {"chain", "malformed"}


@pytest.mark.parametrize(
    "vcek", [b"", b"\x30\x03\x02\x01\x00", TRUSTEE.vcek[:-1], TRUSTEE.vcek[:100]]
)
def test_broken_vcek_der_is_malformed(vcek: bytes) -> None:
    refused("malformed", vcek=vcek)


def test_vcek_with_a_bad_version_is_malformed_not_invalidversion() -> None:
    # cryptography raises x509.InvalidVersion (not a ValueError) for version 4
    at = TRUSTEE.vcek.index(b"\xa0\x03\x02\x01\x02")  # [0] EXPLICIT INTEGER 2 (v3)
    refused("malformed", vcek=flip(TRUSTEE.vcek, at + 4, 0x01))


def test_caches_do_not_remember_a_good_answer_for_bad_input() -> None:
    TRUSTEE.verify()
    refused("chain", vcek=flip(TRUSTEE.vcek, TRUSTEE.vcek.index(TRUSTEE.report[0x1A0:0x1E0])))
    refused("signature", report=flip(TRUSTEE.report, 0x90))
    assert TRUSTEE.verify().details["guest_svn"] == 4


# --- synthetic AMD-shaped chain: the binding and TCB checks ---------------------------

AMD_OID = "1.3.6.1.4.1.3704.1."
SPL_OIDS = {"bootloader": "3.1", "tee": "3.2", "snp": "3.3", "microcode": "3.8"}
EXTRA_OIDS = {"fmc": "3.9"}  # Turin only
CHIP = TRUSTEE.report[0x1A0:0x1E0]
TCB = {"bootloader": 3, "tee": 0, "snp": 8, "microcode": 115}  # TRUSTEE's reported TCB


def der_int(value: int) -> bytes:
    body = value.to_bytes(2, "big") if value >= 0x80 else bytes([value])
    return bytes([0x02, len(body)]) + body


def sign_report(body: bytes, key: ec.EllipticCurvePrivateKey) -> bytes:
    """A report as the AMD-SP writes it: r and s little-endian in 72-byte fields."""
    r, s = decode_dss_signature(key.sign(body, ec.ECDSA(hashes.SHA384())))
    tail = bytes(REPORT_SIZE - len(body) - 144)
    return body + r.to_bytes(72, "little") + s.to_bytes(72, "little") + tail


def patched(body: bytes, offset: int, data: bytes) -> bytes:
    return body[:offset] + data + body[offset + len(data) :]


def name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def certificate(
    subject: str,
    issuer: str,
    public: ec.EllipticCurvePublicKey,
    signer: ec.EllipticCurvePrivateKey,
    extensions: Sequence[x509.ExtensionType],
) -> x509.Certificate:
    builder = (
        x509.CertificateBuilder()
        .subject_name(name(subject))
        .issuer_name(name(issuer))
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(NOW + timedelta(days=365))
    )
    for extension in extensions:
        builder = builder.add_extension(extension, critical=False)
    return builder.sign(signer, hashes.SHA384())


@dataclass(frozen=True)
class FakeAmd:
    """ARK → ASK we hold the keys of, issuing VCEKs with chosen hwID and SPL extensions."""

    ask_key: ec.EllipticCurvePrivateKey
    bundle: bytes
    pin: str

    def vcek(
        self,
        chip: bytes | None = CHIP,
        tcb: dict[str, int | bytes | None] | None = None,
        curve: ec.EllipticCurve | None = None,
    ) -> tuple[bytes, ec.EllipticCurvePrivateKey]:
        """A VCEK whose SPLs are TRUSTEE's unless ``tcb`` overrides (None drops, bytes is raw)."""
        key = ec.generate_private_key(curve or ec.SECP384R1())
        spl: dict[str, int | bytes | None] = {**TCB, **(tcb or {})}
        oids = {**SPL_OIDS, **EXTRA_OIDS}
        raw = {AMD_OID + oids[n]: der_int(v) if isinstance(v, int) else v for n, v in spl.items()}
        raw[AMD_OID + "4"] = chip
        ext: list[x509.ExtensionType] = [
            x509.UnrecognizedExtension(x509.ObjectIdentifier(o), v)
            for o, v in raw.items()
            if v is not None
        ]
        cert = certificate("SEV-VCEK", "SEV-Fake", key.public_key(), self.ask_key, ext)
        return cert.public_bytes(Encoding.DER), key

    def verify(self, vcek: bytes, report: bytes, **changes: Any) -> Claims:
        args: dict[str, Any] = {
            "vcek": vcek,
            "chain": self.bundle,
            "at": NOW,
            "pins": [self.pin],
        }
        args.update(changes)
        return verify_snp(report, **args)


@pytest.fixture(scope="module")
def amd() -> FakeAmd:
    ark_key = ec.generate_private_key(ec.SECP384R1())
    ask_key = ec.generate_private_key(ec.SECP384R1())
    ca = [x509.BasicConstraints(ca=True, path_length=None)]
    ark = certificate("ARK-Fake", "ARK-Fake", ark_key.public_key(), ark_key, ca)
    ask = certificate("SEV-Fake", "ARK-Fake", ask_key.public_key(), ark_key, ca)
    bundle = ask.public_bytes(Encoding.PEM) + ark.public_bytes(Encoding.PEM)
    return FakeAmd(ask_key, bundle, _x509.fingerprint(ark))


BODY = TRUSTEE.report[:0x2A0]


def fake_refused(amd: FakeAmd, reason: str, vcek: bytes, report: bytes, **changes: Any) -> None:
    with pytest.raises(AttestationFailed) as caught:
        amd.verify(vcek, report, **changes)
    assert caught.value.reason == reason


def test_synthetic_chain_accepts_a_well_bound_report(amd: FakeAmd) -> None:
    vcek, key = amd.vcek()
    claims = amd.verify(vcek, sign_report(BODY, key))
    assert claims.details["reported_tcb"] == TCB
    assert claims.chain[-1] == amd.pin


def test_synthetic_chain_is_not_amd(amd: FakeAmd) -> None:
    vcek, key = amd.vcek()
    fake_refused(amd, "root", vcek, sign_report(BODY, key), pins=[AMD_ARK_MILAN])


def test_vcek_of_another_chip_is_a_binding_failure(amd: FakeAmd) -> None:
    vcek, key = amd.vcek(chip=bytes(reversed(CHIP)))
    fake_refused(amd, "binding", vcek, sign_report(BODY, key))


def test_vcek_without_hwid_is_a_binding_failure(amd: FakeAmd) -> None:
    vcek, key = amd.vcek(chip=None)
    fake_refused(amd, "binding", vcek, sign_report(BODY, key))


def test_masked_chip_id_cannot_be_bound(amd: FakeAmd) -> None:
    # MASK_CHIP_ID zeroes CHIP_ID in the report: nothing ties the report to the VCEK's chip
    vcek, key = amd.vcek()
    fake_refused(amd, "binding", vcek, sign_report(patched(BODY, 0x1A0, bytes(64)), key))


def test_hwid_as_der_octet_string_is_accepted(amd: FakeAmd) -> None:
    vcek, key = amd.vcek(chip=b"\x04\x40" + CHIP)
    assert amd.verify(vcek, sign_report(BODY, key))


@pytest.mark.parametrize("spl", sorted(SPL_OIDS))
def test_vcek_for_another_tcb_is_a_tcb_failure(amd: FakeAmd, spl: str) -> None:
    vcek, key = amd.vcek(tcb={spl: TCB[spl] + 1})
    fake_refused(amd, "tcb", vcek, sign_report(BODY, key))


@pytest.mark.parametrize("spl", sorted(SPL_OIDS))
def test_vcek_missing_an_spl_is_a_tcb_failure(amd: FakeAmd, spl: str) -> None:
    vcek, key = amd.vcek(tcb={spl: None})
    fake_refused(amd, "tcb", vcek, sign_report(BODY, key))


@pytest.mark.parametrize(
    "value", [b"\x04\x01\x73", b"\x02\x01", b"\x02\x01\xff", b"\x02\x03\x00\x00\x73"]
)
def test_vcek_spl_that_is_not_a_small_integer_is_a_tcb_failure(amd: FakeAmd, value: bytes) -> None:
    vcek, key = amd.vcek(tcb={"microcode": value})
    fake_refused(amd, "tcb", vcek, sign_report(BODY, key))


def test_spl_above_127_uses_a_two_byte_integer(amd: FakeAmd) -> None:
    body = patched(BODY, 0x187, bytes([0xD1]))  # microcode 209, as on later Milan firmware
    vcek, key = amd.vcek(tcb={"microcode": 0xD1})
    assert amd.verify(vcek, sign_report(body, key)).details["reported_tcb"]["microcode"] == 209


def test_tcb_layout_reads_byte_6_as_snp_and_ignores_reserved_bytes(amd: FakeAmd) -> None:
    body = patched(BODY, 0x180, bytes([1, 2, 0xAA, 0xBB, 0xCC, 0xDD, 3, 4]))
    vcek, key = amd.vcek(tcb={"bootloader": 1, "tee": 2, "snp": 3, "microcode": 4})
    claims = amd.verify(vcek, sign_report(body, key))
    assert claims.details["reported_tcb"] == {"bootloader": 1, "tee": 2, "snp": 3, "microcode": 4}


@pytest.mark.parametrize("signing_key", [1, 7])
def test_vlek_signed_or_unsigned_reports_are_refused(amd: FakeAmd, signing_key: int) -> None:
    vcek, key = amd.vcek()
    body = patched(BODY, 0x48, (signing_key << 2).to_bytes(4, "little"))
    fake_refused(amd, "signature", vcek, sign_report(body, key))


def test_turin_vcek_is_refused_rather_than_misread(amd: FakeAmd) -> None:
    # Turin's TCB_VERSION puts FMC in byte 0; reading it as Milan's would compare the wrong SPLs
    vcek, key = amd.vcek(tcb={"fmc": 0})
    fake_refused(amd, "platform", vcek, sign_report(BODY, key))


def test_vcek_on_another_curve_is_refused(amd: FakeAmd) -> None:
    vcek, key = amd.vcek(curve=ec.SECP256R1())
    fake_refused(amd, "signature", vcek, sign_report(BODY, key))


def test_version_5_report_is_accepted(amd: FakeAmd) -> None:
    vcek, key = amd.vcek()
    body = patched(BODY, 0, (5).to_bytes(4, "little"))
    assert amd.verify(vcek, sign_report(body, key)).details["version"] == 5


def test_debug_flag_follows_the_signed_policy(amd: FakeAmd) -> None:
    vcek, key = amd.vcek()
    body = patched(BODY, 0x08, (0x30000 | 1 << 19).to_bytes(8, "little"))
    assert amd.verify(vcek, sign_report(body, key)).debug is True


# --- fuzz ---------------------------------------------------------------------------


def _only_refusals(**changes: Any) -> None:
    """Success or a clean refusal; any other exception (or warning) fails the test."""
    try:
        TRUSTEE.verify(**changes)
    except AttestationFailed as failure:
        message, reason = str(failure), failure.reason
    else:
        return
    assert message == f"attestation refused: {reason}"


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.binary(max_size=2 * REPORT_SIZE), st.binary(min_size=REPORT_SIZE, max_size=REPORT_SIZE)
    )
)
def test_fuzz_random_reports(report: bytes) -> None:
    _only_refusals(report=report)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, REPORT_SIZE - 1), st.integers(1, 255)), min_size=1, max_size=8
    )
)
def test_fuzz_mutated_reports(edits: list[tuple[int, int]]) -> None:
    report = TRUSTEE.report
    for offset, mask in edits:
        report = flip(report, offset, mask)
    _only_refusals(report=report)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, len(TRUSTEE.vcek) - 1), st.integers(1, 255)),
        min_size=1,
        max_size=4,
    )
)
def test_fuzz_mutated_vceks(edits: list[tuple[int, int]]) -> None:
    vcek = TRUSTEE.vcek
    for offset, mask in edits:
        vcek = flip(vcek, offset, mask)
    _only_refusals(vcek=vcek)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, len(ASK_ARK) - 1), st.integers(1, 255)), min_size=1, max_size=4
    )
)
def test_fuzz_mutated_chains(edits: list[tuple[int, int]]) -> None:
    chain = ASK_ARK
    for offset, mask in edits:
        chain = flip(chain, offset, mask)
    _only_refusals(chain=chain)


# --- speed --------------------------------------------------------------------------


def test_repeat_verification_is_cheap() -> None:
    TRUSTEE.verify()  # warm the chain cache
    best = min(timeit.repeat(TRUSTEE.verify, number=20, repeat=5)) / 20
    assert best < 0.005, f"{best * 1000:.2f} ms per verification"
