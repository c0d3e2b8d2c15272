"""The key broker end to end over HTTP, with the simulated TEE as the workload.

The simulated TEE is Veil's own development stand-in for TEE hardware (which
cannot run here); its signatures, the broker, the ledger and HTTP are all real.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from jwcrypto import jwe, jwk

from veil.attest import SimulatedCA, SimulatedTEE
from veil.errors import KeyReleaseRefused
from veil.kbs import (
    BrokerConfig,
    KeyBroker,
    ReleasePolicy,
    ReleaseRequest,
    fetch_key,
    report_data,
    simulated_evidence,
)
from veil.kbs._app import create_app
from veil.kbs._broker import b64url, unb64url
from veil.keys import KeyRing, KeyStore
from veil.ledger import Event, Ledger, verify_log
from veil.ledger._ledger import log_signer
from veil.testing.upstream import serve_app

VECTORS = Path(__file__).parent / "vectors" / "attestation"
MEASUREMENT = "ab" * 48
POLICY = """
permit(principal, action == Action::"release", resource)
when { principal.platform == "simulated" && resource.dev && principal.jurisdiction == "EU" };
forbid(principal, action, resource == Key::"forbidden-key");
"""


def config(**overrides: Any) -> BrokerConfig:
    fields: dict[str, Any] = {
        "dev": True,
        "policy": POLICY,
        "reference_values": [
            {"platform": "simulated", "measurements": {"MEASUREMENT": MEASUREMENT}}
        ],
    }
    return BrokerConfig.model_validate(fields | overrides)


@dataclass
class Kbs:
    url: str
    home: Path
    ca: SimulatedCA
    broker: KeyBroker
    ledger: Ledger

    def reasons(self) -> list[tuple[str, tuple[str, ...]]]:
        self.ledger.close()
        rows = list(Ledger.open(self.home).store.entries())
        events = [Event.from_canonical(r.body) for r in rows]
        return [(e.decision or "", e.reasons) for e in events if e.action == "key_release"]


def _home(tmp: Path) -> Path:
    home = tmp / "home"
    home.mkdir(mode=0o700)
    with KeyStore.open(home) as ks:
        ks.create_kek("EU", dev=True)
        ks.create_data_key("model-key", jurisdiction="EU", dev=True)
        ks.create_data_key("forbidden-key", jurisdiction="EU", dev=True)
        ks.create_kek("US")
        ks.create_data_key("prod-key", jurisdiction="US")
    return home


def _broker(home: Path, cfg: BrokerConfig, ca: SimulatedCA, **kw: Any) -> tuple[KeyBroker, Ledger]:
    ledger = Ledger.open(home)
    pins = {"simulated": [ca.fingerprint]}
    return KeyBroker(KeyStore.open(home), ReleasePolicy(cfg), ledger, pins=pins, **kw), ledger


@pytest.fixture
def kbs(tmp_path: Path) -> Iterator[Kbs]:
    home = _home(tmp_path)
    ca = SimulatedCA.open(home)
    broker, ledger = _broker(home, config(), ca)
    with serve_app(create_app(broker), name="veil-kbs-test") as port:
        yield Kbs(f"http://127.0.0.1:{port}", home, ca, broker, ledger)


def _evidence(tee: SimulatedTEE, **kw: Any) -> Any:
    return simulated_evidence(
        tee, kw.pop("measurements", {"MEASUREMENT": MEASUREMENT}), kw.pop("region", "EU")
    )


def test_release_to_an_attested_simulated_workload(kbs: Kbs):
    key = fetch_key(kbs.url, "model-key", _evidence(kbs.ca.device()))
    with KeyStore.open(kbs.home) as ks:
        assert key.reveal() == ks.release("model-key").reveal()
    assert kbs.reasons() == [("allow", ("SIMULATED", "released"))]
    with Ledger.open(kbs.home) as ledger:
        report = verify_log(ledger.store, [log_signer(KeyRing.open(kbs.home)).verifier()])
    assert report.size == 2  # the challenge and the release


class _Manual:
    """A workload speaking the protocol by hand, to send what fetch_key never would."""

    def __init__(self, kbs: Kbs) -> None:
        self.kbs, self.tee = kbs, kbs.ca.device()
        self.private = jwk.JWK.generate(kty="EC", crv="P-256")
        self.public = self.private.export_public(as_dict=True)

    def nonce(self, key: str = "model-key") -> str:
        r = httpx.post(f"{self.kbs.url}/kbs/v1/challenge", json={"key": key})
        assert r.status_code == 200
        assert r.json()["expires_in"] > 0
        return str(r.json()["nonce"])

    def body(self, nonce: str, *, bind: bytes | None = None, **kw: Any) -> dict[str, Any]:
        data = bind if bind is not None else report_data(unb64url(nonce), self.public)
        measurements = kw.pop("measurements", {"MEASUREMENT": MEASUREMENT})
        evidence = self.tee.evidence(
            data,
            measurements=measurements,
            region=kw.pop("region", "EU"),
            debug=kw.pop("debug", False),
        )
        return {
            "nonce": nonce,
            "platform": "simulated",
            "public_key": self.public,
            "evidence": base64.b64encode(kw.pop("raw", evidence)).decode(),
            **kw,
        }

    def post(self, body: dict[str, Any]) -> httpx.Response:
        return httpx.post(f"{self.kbs.url}/kbs/v1/release", json=body)


def _refused(response: httpx.Response) -> None:
    assert response.status_code == 403
    assert response.json()["error"] == "key release refused"  # uniform, whatever the reason


def test_a_nonce_is_single_use(kbs: Kbs):
    w = _Manual(kbs)
    body = w.body(w.nonce())
    first = w.post(body)
    assert first.status_code == 200
    _refused(w.post(body))  # the replay
    assert [r for _, r in kbs.reasons()] == [("SIMULATED", "released"), ("nonce",)]


def test_the_answer_opens_only_with_the_attested_key(kbs: Kbs):
    w = _Manual(kbs)
    token = w.post(w.body(w.nonce())).json()["jwe"]
    header = json.loads(unb64url(token.split(".")[0]))
    assert (header["alg"], header["enc"]) == ("ECDH-ES+A256KW", "A256GCM")
    other = jwk.JWK.generate(kty="EC", crv="P-256")
    with pytest.raises(jwe.InvalidJWEData):
        jwe.JWE().deserialize(token, key=other)
    opened = jwe.JWE()
    opened.deserialize(token, key=w.private)
    assert len(opened.payload) == 32


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"bind": b"\x00" * 32}, "binding"),  # evidence bound to some other nonce/key
        ({"debug": True}, "debug"),
        ({"measurements": {"MEASUREMENT": "cd" * 48}}, "measurement"),
        ({"region": "us-east-1"}, "region"),  # outside the key's jurisdiction
        ({"region": None}, "region"),  # no region claim at all
        ({"platform": "amd-sev-snp", "vcek": "AAAA"}, "attestation:malformed"),
        ({"raw": b'{"format": "nope"}'}, "attestation:malformed"),
    ],
)
def test_each_guard_refuses(kbs: Kbs, change: dict[str, Any], reason: str):
    w = _Manual(kbs)
    _refused(w.post(w.body(w.nonce(), **change)))
    assert kbs.reasons()[-1][1][-1] == reason


def test_tampered_evidence_and_foreign_ca_are_refused(kbs: Kbs, tmp_path: Path):
    w = _Manual(kbs)
    nonce = w.nonce()
    doc = json.loads(base64.b64decode(w.body(nonce)["evidence"]))
    doc["claims"]["measurements"]["MEASUREMENT"] = "cd" * 48  # edited after signing
    _refused(w.post(w.body(nonce, raw=json.dumps(doc).encode())))
    stranger = SimulatedCA.open(tmp_path / "elsewhere").device()  # a dev CA nobody pinned
    w.tee = stranger
    _refused(w.post(w.body(w.nonce())))
    assert [r[-1] for _, r in kbs.reasons()] == ["attestation:signature", "attestation:root"]


def test_public_key_must_be_public_and_strong(kbs: Kbs):
    w = _Manual(kbs)
    nonce = w.nonce()
    body = w.body(nonce)
    body["public_key"] = w.private.export_private(as_dict=True)
    _refused(w.post(body))
    assert kbs.reasons()[-1][1] == ("public-key",)


def test_policy_forbid_wins_and_unknown_keys_are_refused(kbs: Kbs):
    w = _Manual(kbs)
    _refused(w.post(w.body(w.nonce("forbidden-key"))))
    _refused(w.post(w.body(w.nonce("no-such-key"))))
    assert [r[-1] for _, r in kbs.reasons()] == ["policy", "unknown-key"]


def test_simulated_evidence_never_unlocks_a_production_key(kbs: Kbs):
    w = _Manual(kbs)
    _refused(w.post(w.body(w.nonce("prod-key"))))
    assert kbs.reasons()[-1][1][-1] == "simulated"


def test_a_broker_outside_dev_mode_refuses_simulated_evidence(tmp_path: Path):
    home = _home(tmp_path)
    ca = SimulatedCA.open(home)
    broker, ledger = _broker(home, config(dev=False), ca)
    with serve_app(create_app(broker)) as port, pytest.raises(KeyReleaseRefused):
        fetch_key(f"http://127.0.0.1:{port}", "model-key", _evidence(ca.device()))
    ledger.close()
    assert Kbs("", home, ca, broker, Ledger.open(home)).reasons()[-1][1] == (
        "SIMULATED",
        "simulated",
    )


def test_an_expired_challenge_is_refused(tmp_path: Path):
    home = _home(tmp_path)
    ca = SimulatedCA.open(home)
    now = [1_800_000_000.0]
    broker, ledger = _broker(home, config(challenge_ttl_s=5), ca, clock=lambda: now[0])
    private = jwk.JWK.generate(kty="EC", crv="P-256")
    public = private.export_public(as_dict=True)
    nonce = broker.challenge("model-key").nonce
    now[0] += 6
    evidence = ca.device(datetime.fromtimestamp(now[0], UTC)).evidence(
        report_data(nonce, public),
        measurements={"MEASUREMENT": MEASUREMENT},
        region="EU",
        now=datetime.fromtimestamp(now[0], UTC),
    )
    request = ReleaseRequest(
        nonce=b64url(nonce),
        platform="simulated",
        public_key=public,
        evidence=base64.b64encode(evidence).decode(),
    )
    with pytest.raises(KeyReleaseRefused) as caught:
        broker.release(request)
    assert caught.value.reason == "nonce"  # type: ignore[attr-defined]
    ledger.close()


def test_real_evidence_from_elsewhere_is_refused(kbs: Kbs):
    """A genuine SNP report still fails: it binds someone else's nonce and key (and is debug)."""
    pytest.importorskip("veil.attest._snp")
    w = _Manual(kbs)
    snp = VECTORS / "snp"
    body = w.body(
        w.nonce(),
        platform="amd-sev-snp",
        raw=(snp / "gosev_attestation.bin").read_bytes(),
        vcek=base64.b64encode((snp / "gosev_vcek.der").read_bytes()).decode(),
        chain=(snp / "ask_ark_milan.pem").read_text(),
    )
    _refused(w.post(body))
    assert kbs.reasons()[-1][1] == ("binding",)


def test_bad_requests_get_clear_400s(kbs: Kbs):
    r = httpx.post(f"{kbs.url}/kbs/v1/release", content=b"not json")
    assert r.status_code == 400
    assert "JSON" in r.json()["error"]
    r = httpx.post(f"{kbs.url}/kbs/v1/release", json={"nonce": "x"})
    assert r.status_code == 400
    assert "platform" in r.json()["error"]
    r = httpx.post(f"{kbs.url}/kbs/v1/challenge", json={})
    assert r.status_code == 400


# -- the guards on real evidence (claims from the vectors, no HTTP) ------------------------------


def _key(jurisdiction: str = "EU", dev: bool = False) -> Any:
    from veil.keys import DataKeyInfo

    return DataKeyInfo(name="k", jurisdiction=jurisdiction, kek_id="kek-x", dev=dev, created_at="")


def _snp_claims(report: str, vcek: str, chain: str) -> Any:
    from veil.attest import decode, verify_evidence

    snp = VECTORS / "snp"
    return verify_evidence(
        "amd-sev-snp", decode((snp / report).read_bytes()), at=datetime.now(UTC),
        vcek=(snp / vcek).read_bytes(), chain=(snp / chain).read_bytes(),
    )  # fmt: skip


def test_guards_on_real_snp_evidence():
    good = _snp_claims(
        "virtee_report_milan.hex", "virtee_vcek_milan.der", "virtee_cert_chain_milan.pem"
    )
    debug = _snp_claims("gosev_attestation.bin", "gosev_vcek.der", "ask_ark_milan.pem")
    approved = [
        {
            "platform": "amd-sev-snp",
            "measurements": {"MEASUREMENT": good.measurements["MEASUREMENT"]},
        }
    ]
    inventory = {f"amd-sev-snp:{good.details['chip_id']}": "eu-central-1"}
    policy = ReleasePolicy(config(dev=False, reference_values=approved, inventory=inventory))
    assert policy.guards(debug, _key()) == ("debug", None)
    reason, region = policy.guards(good, _key())
    assert reason is None
    assert region is not None
    assert (region.value, region.source) == ("eu-central-1", "operator-inventory")
    assert policy.guards(good, _key("US"))[0] == "region"  # racked in the EU, key is US-only
    tight = [{**approved[0], "min_tcb": {"snp": 99}}]
    assert (
        ReleasePolicy(config(reference_values=tight, inventory=inventory)).guards(good, _key())[0]
        == "measurement"
    )
    no_site = ReleasePolicy(config(dev=False, reference_values=approved))
    assert no_site.guards(good, _key())[0] == "region"  # no inventory entry: no trusted region


def test_guards_refuse_dcap_without_tcb_status_and_nitro_debug():
    from veil.attest import decode, verify_evidence

    quote = (VECTORS / "tdx" / "tdx_quote_v4_SPR_E4.dat").read_bytes()
    tdx = verify_evidence("intel-tdx", quote, at=datetime.now(UTC))
    approved = [{"platform": "intel-tdx", "measurements": {"MRTD": tdx.measurements["MRTD"]}}]
    assert tdx.tcb_status is None
    assert ReleasePolicy(config(reference_values=approved)).guards(tdx, _key())[0] == "tcb"
    doc = decode((VECTORS / "nitro" / "nitro_attestation_debug.b64").read_bytes())
    nitro = verify_evidence(
        "aws-nitro", doc, at=datetime.fromisoformat("2024-09-07T14:38:06.508+00:00")
    )
    assert nitro.debug
    assert ReleasePolicy(config()).guards(nitro, _key())[0] == "debug"


def test_keys_jwcrypto_cannot_encrypt_to_are_refused_and_recorded(kbs: Kbs):
    w = _Manual(kbs)
    for flag in ({"use": "sig"}, {"key_ops": ["verify"]}):
        body = w.body(w.nonce())
        body["public_key"] = {**w.public, **flag}
        _refused(w.post(body))
    assert [r for _, r in kbs.reasons()] == [("public-key",), ("public-key",)]


def test_a_zero_padded_small_rsa_modulus_is_refused(kbs: Kbs):
    small = jwk.JWK.generate(kty="RSA", size=1024).export_public(as_dict=True)
    small["n"] = b64url(b"\x00" * 128 + unb64url(small["n"]))
    w = _Manual(kbs)
    w.public = small
    _refused(w.post(w.body(w.nonce())))
    assert kbs.reasons()[-1][1] == ("public-key",)


def test_an_erroring_forbid_does_not_fail_open(tmp_path: Path):
    """Cedar skips a policy whose evaluation errors; the broker must treat that as a deny."""
    home = _home(tmp_path)
    ca = SimulatedCA.open(home)
    policy = (
        'permit(principal, action == Action::"release", resource);\n'
        "forbid(principal, action, resource) when { principal.no_such_attribute == 1 };\n"
    )
    broker, ledger = _broker(home, config(policy=policy), ca)
    with serve_app(create_app(broker)) as port, pytest.raises(KeyReleaseRefused):
        fetch_key(f"http://127.0.0.1:{port}", "model-key", _evidence(ca.device()))
    ledger.close()
    assert Kbs("", home, ca, broker, Ledger.open(home)).reasons()[-1][1][-1] == "policy"


def test_flooding_challenges_gets_429_not_500(kbs: Kbs, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr("veil.kbs._broker._MAX_PENDING", 3)
    codes = [
        httpx.post(f"{kbs.url}/kbs/v1/challenge", json={"key": "k"}).status_code for _ in range(4)
    ]
    assert codes == [200, 200, 200, 429]
    deep = b"[" * 100_000 + b"]" * 100_000
    r = httpx.post(f"{kbs.url}/kbs/v1/release", content=deep)
    assert r.status_code == 400
