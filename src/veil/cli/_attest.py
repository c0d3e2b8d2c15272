"""`veil attest verify`, `veil kbs serve`, `veil tee run|measure`: attestation and key release."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from veil.cli._common import HomeOpt, console, errors_to_exit, out

if TYPE_CHECKING:
    from veil.attest import SimulatedCA

attest_app = typer.Typer(help="Verify TEE attestation evidence.", no_args_is_help=True)
kbs_app = typer.Typer(
    help="The key broker: release keys to attested workloads.", no_args_is_help=True
)
tee_app = typer.Typer(
    help="A simulated TEE for development (SIMULATED - NOT FOR PRODUCTION).", no_args_is_help=True
)


@attest_app.command("verify")
def verify(
    evidence: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="Evidence file")],
    platform: Annotated[
        str | None,
        typer.Option(help="aws-nitro, amd-sev-snp, intel-tdx, intel-sgx, nvidia-gpu, simulated"),
    ] = None,
    at: Annotated[
        str | None, typer.Option(help="Verify as of this ISO 8601 time (default: now)")
    ] = None,
    collateral: Annotated[
        Path | None, typer.Option(exists=True, help="DCAP collateral JSON")
    ] = None,
    vcek: Annotated[Path | None, typer.Option(exists=True, help="SNP: the VCEK (DER)")] = None,
    chain: Annotated[
        Path | None, typer.Option(exists=True, help="SNP: ASK+ARK PEM; NVIDIA: device chain PEM")
    ] = None,
    nonce: Annotated[str | None, typer.Option(help="NVIDIA: the expected nonce (hex)")] = None,
    pin: Annotated[
        list[str] | None, typer.Option(help="Trusted root SHA-256 fingerprint (replaces defaults)")
    ] = None,
    home: HomeOpt = None,
) -> None:
    """Print the normalised claims as JSON, or a terse refusal (exit code 7)."""
    from veil.attest import decode, detect, verify_evidence

    with errors_to_exit():
        raw = decode(_read(evidence))
        name = platform or detect(raw)
        pins = pin or (_dev_pin(home) if name == "simulated" else None)
        claims = verify_evidence(
            name,
            raw,
            at=_time(at),
            vcek=_read(vcek) if vcek else None,
            chain=_read(chain) if chain else None,
            collateral=_read(collateral) if collateral else None,
            nonce=bytes.fromhex(nonce) if nonce else None,
            pins=pins,
        )
    out.print_json(json.dumps(claims.to_json()))


@kbs_app.command("serve")
def serve(
    config: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="Broker config YAML")],
    host: Annotated[str, typer.Option(help="Interface to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port")] = 8443,
    dev: Annotated[
        bool, typer.Option("--dev", help="Accept simulated TEEs for dev keys (never in production)")
    ] = False,
    home: HomeOpt = None,
) -> None:
    """Serve the key broker (challenge -> attest -> release), recording every step."""
    from veil.errors import ConfigError
    from veil.home import resolve_home
    from veil.kbs import BrokerConfig, KeyBroker, ReleasePolicy
    from veil.kbs._app import create_app
    from veil.keys import KeyStore
    from veil.ledger import Ledger

    with errors_to_exit():
        settings = BrokerConfig.load(config)
        if settings.dev and not dev:
            raise ConfigError("the config asks for dev mode: pass --dev to mean it")
        settings = settings.model_copy(update={"dev": dev})
        root = resolve_home(home)
        pins = dict(settings.pins)
        if dev:
            pins["simulated"] = [_dev_ca(root).fingerprint]
            console.print("[bold yellow]DEV MODE: simulated TEEs accepted for dev keys only[/]")
        broker = KeyBroker(
            KeyStore.open(root), ReleasePolicy(settings), Ledger.open(root), pins=pins
        )
        app = create_app(broker)
    import uvicorn

    console.print(f"key broker on http://{host}:{port}/kbs/v1 (ledger: {root})")
    uvicorn.run(app, host=host, port=port, log_level="warning")


@tee_app.command("measure")
def measure(program: Annotated[Path, typer.Argument(exists=True, dir_okay=False)]) -> None:
    """Print the simulated MEASUREMENT of a program (SHA-384 of its file) for reference values."""
    from veil.attest import measure_program

    out.print(measure_program(program))


@tee_app.command("run", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def run(
    ctx: typer.Context,
    kbs: Annotated[str, typer.Option(help="Key broker URL, e.g. http://127.0.0.1:8443")],
    key: Annotated[str, typer.Option(help="Name of the data key to fetch")],
    region: Annotated[str | None, typer.Option(help="Region the simulated TEE claims")] = None,
    home: HomeOpt = None,
) -> None:
    """Run a command as a simulated-TEE workload: attest, fetch KEY, pass it in a 0600 file.

    The command finds the key file's path in VEIL_TEE_KEY_FILE; the file is deleted when
    it exits. Usage: veil tee run --kbs URL --key NAME -- python job.py
    """
    from veil.attest import measure_program
    from veil.errors import ConfigError
    from veil.kbs import fetch_key, simulated_evidence

    with errors_to_exit():
        command = list(ctx.args)
        if not command:
            raise ConfigError("give the command to run after --, e.g. -- python job.py")
        console.print("[bold yellow]SIMULATED TEE - NOT FOR PRODUCTION[/]")
        with tempfile.TemporaryDirectory(prefix="veil-tee-") as folder:
            # Measure a private copy and run that copy: the file cannot change in between.
            command, program = _isolate(command, Path(folder))
            measurements = {"MEASUREMENT": measure_program(program)}
            tee = _dev_ca(home).device()
            secret = fetch_key(kbs, key, simulated_evidence(tee, measurements, region))
            code = _run_with_key(command, secret.reveal(), Path(folder))
    raise typer.Exit(code)


def _run_with_key(command: list[str], secret: bytes, folder: Path) -> int:
    path = folder / "data.key"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(secret)
    env = {**os.environ, "VEIL_TEE_KEY_FILE": str(path)}
    try:
        return subprocess.run(command, env=env, check=False).returncode  # noqa: S603 - the user's own command
    finally:
        with path.open("r+b") as fh:  # overwrite before the directory goes
            fh.write(os.urandom(len(secret)))


_INTERPRETER = re.compile(r"^python(\d+(\.\d+)?)?$")


def _isolate(command: list[str], folder: Path) -> tuple[list[str], Path]:
    """Copy the measured file into ``folder``: the script for `python x.py` (only when the
    program really is a Python interpreter), else the program itself."""
    from veil.errors import ConfigError

    found = shutil.which(command[0])
    if found is None:
        raise ConfigError(f"cannot find the program {command[0]!r} to measure")
    interpreter = _INTERPRETER.match(Path(found).resolve().name) is not None
    index = 1 if interpreter and len(command) > 1 and Path(command[1]).is_file() else 0
    source = Path(command[index] if index else found)
    copy = folder / f"measured-{source.name}"
    shutil.copy2(source, copy)
    return [*command[:index], str(copy), *command[index + 1 :]], copy


def _dev_ca(home: Path | None) -> SimulatedCA:
    from veil.attest import SimulatedCA
    from veil.home import resolve_home

    return SimulatedCA.open(resolve_home(home))


def _dev_pin(home: Path | None) -> list[str]:
    return [_dev_ca(home).fingerprint]


def _read(path: Path) -> bytes:
    from veil.errors import InputError

    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None


def _time(text: str | None) -> datetime:
    from veil.errors import ConfigError

    if text is None:
        return datetime.now(UTC)
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(
            f"--at {text!r} is not an ISO 8601 time, e.g. 2024-09-07T14:37:39Z"
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)
