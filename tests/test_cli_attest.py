"""`veil attest verify`, `veil keys kek|data`, and `veil kbs serve` + `veil tee run` end to end."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from conftest import Veil, _console_script
from veil.attest import measure_program
from veil.keys import KeyStore
from veil.ledger import Event, Ledger

VECTORS = Path(__file__).parent / "vectors" / "attestation"


def test_verify_prints_claims_at_the_stated_time(veil_cmd: Veil):
    doc = VECTORS / "nitro" / "nitro_attestation.b64"
    done = veil_cmd("attest", "verify", doc, "--at", "2024-09-07T14:37:39.545Z")
    assert done.returncode == 0, done.stderr
    claims = json.loads(done.stdout)
    assert claims["platform"] == "aws-nitro"
    assert claims["debug"] is False
    assert claims["measurements"]["PCR0"].startswith("e72a46ca80a260fb")
    assert claims["chain"][-1] == "641a0321a3e244efe456463195d606317ed7cdcc3c1756e09893f3c68f79bb5b"


def test_verify_refuses_tersely_with_exit_code_7(veil_cmd: Veil):
    now = veil_cmd("attest", "verify", VECTORS / "nitro" / "nitro_attestation.b64")
    assert (now.returncode, now.stdout) == (7, "")
    assert "attestation refused: expired" in now.stderr
    snp = VECTORS / "snp"
    wrong_vcek = veil_cmd(
        "attest", "verify", snp / "gosev_attestation.bin",
        "--vcek", snp / "trustee_test-vcek.der", "--chain", snp / "ask_ark_milan.pem",
    )  # fmt: skip
    assert wrong_vcek.returncode == 7
    assert "attestation refused: signature" in wrong_vcek.stderr
    junk = veil_cmd("attest", "verify", VECTORS / "README.md")
    assert junk.returncode == 7
    assert "attestation refused: platform" in junk.stderr


def test_verify_dcap_with_collateral_reports_tcb_status(veil_cmd: Veil):
    dcap = VECTORS / "tdx" / "dcapqvl"
    done = veil_cmd(
        "attest", "verify", dcap / "sgx_quote", "--collateral", dcap / "sgx_quote_collateral.json",
        "--at", "2025-06-25T00:00:00Z",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    claims = json.loads(done.stdout)
    assert claims["platform"] == "intel-sgx"
    assert claims["tcb_status"] == "ConfigurationAndSWHardeningNeeded"
    assert set(claims["details"]["advisories"]) == {"INTEL-SA-00289", "INTEL-SA-00615"}


def test_key_commands_change_and_record(veil_cmd: Veil):
    assert veil_cmd("keys", "kek", "create", "eu").returncode == 0
    made = veil_cmd("keys", "data", "create", "dataset/claims", "--jurisdiction", "EU")
    assert made.returncode == 0
    assert "EU" in made.stdout
    missing = veil_cmd("keys", "data", "create", "x", "--jurisdiction", "US")
    assert missing.returncode == 2
    assert "veil keys kek create US" in missing.stderr
    listing = veil_cmd("keys", "list").stdout
    assert "dataset/claims" in listing
    assert "EU" in listing
    assert veil_cmd("keys", "data", "destroy", "dataset/claims").returncode == 2  # needs --yes
    assert veil_cmd("keys", "data", "destroy", "dataset/claims", "--yes").returncode == 0
    with KeyStore.open(veil_cmd.home) as ks:
        assert ks.data_keys() == []
    with Ledger.open(veil_cmd.home) as ledger:
        events = [Event.from_canonical(r.body) for r in ledger.store.entries()]
    assert [e.reasons for e in events] == [
        ("kek-create",),
        ("data-key-create",),
        ("data-key-destroy",),
    ]


WORKLOAD = """
import hashlib, os, pathlib
key = pathlib.Path(os.environ["VEIL_TEE_KEY_FILE"]).read_bytes()
print("key-sha256", hashlib.sha256(key).hexdigest())
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_kbs_serve_and_tee_run_end_to_end(veil_cmd: Veil, tmp_path: Path):
    """A developer's laptop: dev KEK, dev key, broker in dev mode, workload in the simulated TEE."""
    workload = tmp_path / "job.py"
    workload.write_text(WORKLOAD)
    config = tmp_path / "kbs.yaml"
    config.write_text(
        "policy: |\n"
        '  permit(principal, action == Action::"release", resource)\n'
        "  when { principal.simulated && resource.dev };\n"
        "reference_values:\n"
        "  - platform: simulated\n"
        f"    measurements: {{MEASUREMENT: {measure_program(workload)}}}\n"
    )
    assert veil_cmd("keys", "kek", "create", "EU", "--dev").returncode == 0
    assert (
        veil_cmd("keys", "data", "create", "model-key", "--jurisdiction", "EU", "--dev").returncode
        == 0
    )
    port = _free_port()
    env = {**os.environ, "VEIL_HOME": str(veil_cmd.home), "HOME": str(veil_cmd.user_home)}
    server = subprocess.Popen(
        [_console_script(), "kbs", "serve", "--config", str(config), "--dev", "--port", str(port)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        _wait_up(f"http://127.0.0.1:{port}/kbs/v1/healthz", server)
        url = f"http://127.0.0.1:{port}"
        done = veil_cmd("tee", "run", "--kbs", url, "--key", "model-key", "--region", "EU",
                        "--", sys.executable, workload)  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert "SIMULATED TEE - NOT FOR PRODUCTION" in done.stderr
        with KeyStore.open(veil_cmd.home) as ks:
            expected = hashlib.sha256(ks.release("model-key").reveal()).hexdigest()
        assert f"key-sha256 {expected}" in done.stdout
        # Another program is another measurement: refused, and the workload never runs.
        other = tmp_path / "other.py"
        other.write_text(WORKLOAD + "# changed\n")
        refused = veil_cmd("tee", "run", "--kbs", url, "--key", "model-key", "--region", "EU",
                           "--", sys.executable, other)  # fmt: skip
        assert refused.returncode == 8
        assert "key-sha256" not in refused.stdout
        assert "key release refused" in refused.stderr
    finally:
        server.terminate()
        server.communicate(timeout=10)  # reaps it and closes its pipes
    with Ledger.open(veil_cmd.home) as ledger:
        events = [Event.from_canonical(r.body) for r in ledger.store.entries()]
    releases = [e for e in events if e.action == "key_release"]
    assert [(e.decision, e.reasons) for e in releases] == [
        ("allow", ("SIMULATED", "released")),
        ("deny", ("SIMULATED", "measurement")),
    ]


def test_kbs_serve_insists_on_an_explicit_dev_flag(veil_cmd: Veil, tmp_path: Path):
    config = tmp_path / "kbs.yaml"
    config.write_text('dev: true\npolicy: "permit(principal, action, resource);"\n')
    done = veil_cmd("kbs", "serve", "--config", config)
    assert done.returncode == 2
    assert "pass --dev" in done.stderr
    config.write_text("policy: 'not cedar ('\n")
    bad = veil_cmd("kbs", "serve", "--config", config)
    assert bad.returncode == 2
    assert "release policy does not parse" in bad.stderr


def _wait_up(url: str, server: subprocess.Popen[str]) -> None:
    deadline = time.time() + 30
    while time.time() < deadline:
        if server.poll() is not None:
            pytest.fail(f"veil kbs serve exited: {server.stderr.read() if server.stderr else ''}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    pytest.fail("veil kbs serve did not start")
