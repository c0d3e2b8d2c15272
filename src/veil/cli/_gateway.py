"""`veil serve`, `veil keys ...`, `veil calls`: the privacy gateway's commands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from veil.cli._common import HomeOpt, console, errors_to_exit, out

keys_app = typer.Typer(
    help="Caller keys (gateway, stored hashed), KEKs and data keys.", no_args_is_help=True
)


def serve(
    upstream: Annotated[
        str | None, typer.Option(help="One OpenAI-compatible upstream base URL (quick start)")
    ] = None,
    config: Annotated[Path | None, typer.Option(help="Gateway config file (YAML)")] = None,
    policy: Annotated[
        str, typer.Option("--policy", "-p", help="Transformation policy")
    ] = "llm-prompt",
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8787,
    patterns_only: Annotated[bool, typer.Option("--patterns-only", help="No NER model")] = False,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Worker processes (each loads the model)")
    ] = 1,
    home: HomeOpt = None,
) -> None:
    """Run the gateway: pseudonymise out, restore in, decide every call, record it.

    Quick start: `veil keys create me` then `veil serve --upstream https://api.openai.com/v1`
    and point an OpenAI client at http://127.0.0.1:8787/v1 with the key.
    """
    import uvicorn

    from veil.gateway import GatewayConfig, create_app, load_config
    from veil.home import resolve_home

    with errors_to_exit():
        if (upstream is None) == (config is None):
            from veil.errors import ConfigError

            raise ConfigError("give exactly one of --upstream URL or --config FILE")
        if config is not None:
            settings = load_config(config)
        else:
            assert upstream is not None
            settings = GatewayConfig.quick(upstream, policy=policy, patterns_only=patterns_only)
        app = create_app(settings, resolve_home(home))
    names = ", ".join(f"{u.name} ({u.kind}, {u.jurisdiction})" for u in settings.upstreams)
    console.print(
        f"veil gateway on http://{host}:{port}  upstreams: {names}  policy: {settings.policy}"
    )
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)


def _check(settings: object) -> None:
    from pathlib import Path

    from veil.gateway._access import AccessPolicy
    from veil.policy import load_policy

    load_policy(settings.policy)  # type: ignore[attr-defined]
    if settings.access_policy:  # type: ignore[attr-defined]
        AccessPolicy.from_file(Path(settings.access_policy))  # type: ignore[attr-defined]


@keys_app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="Who the key is for (a person or a workload)")],
    jurisdiction: Annotated[
        list[str] | None,
        typer.Option(help="Jurisdictions it may act in, first = default (repeatable; 'any')"),
    ] = None,
    purpose: Annotated[list[str] | None, typer.Option(help="Allowed purposes ('*' = any)")] = None,
    model: Annotated[list[str] | None, typer.Option(help="Allowed models ('*' = any)")] = None,
    home: HomeOpt = None,
) -> None:
    """Create a caller key; it is printed once and stored only as a hash."""
    from veil.gateway import CallerStore
    from veil.home import resolve_home

    with errors_to_exit():
        store = CallerStore(resolve_home(home))
        key = store.create(
            name,
            jurisdictions=tuple(jurisdiction or ["any"]),
            purposes=tuple(purpose or ["*"]),
            models=tuple(model or ["*"]),
        )
        store.close()
    out.print(key)
    console.print(f"key for {name}: shown once, stored hashed; use it as the API key")


@keys_app.command("list")
def list_keys(home: HomeOpt = None) -> None:
    """List caller keys, KEKs and data keys with their jurisdictions (never key bytes)."""
    from veil.cli._keys import print_keys
    from veil.gateway import CallerStore
    from veil.home import resolve_home

    with errors_to_exit():
        store = CallerStore(resolve_home(home))
        rows = store.list()
        store.close()
        for name, jurisdictions, created, revoked in rows:
            flag = "  revoked" if revoked else ""
            out.print(f"caller {name:<23} {jurisdictions:<24} {created}{flag}")
        print_keys(home)


@keys_app.command("revoke")
def revoke(name: str, home: HomeOpt = None) -> None:
    """Revoke a caller's key."""
    from veil.errors import ConfigError
    from veil.gateway import CallerStore
    from veil.home import resolve_home

    with errors_to_exit():
        store = CallerStore(resolve_home(home))
        done = store.revoke(name)
        store.close()
        if not done:
            raise ConfigError(f"no caller named {name!r}")
    out.print(f"revoked {name}")


def calls(
    tail: Annotated[int, typer.Option(help="Show the last N calls")] = 20,
    home: HomeOpt = None,
) -> None:
    """List recent gateway calls from the ledger: caller, upstream, decision, counts."""
    from veil.cli._ledger import recent_entries

    with errors_to_exit():
        rows = recent_entries(home, tail, "model_call")
    for row in rows:
        event = json.loads(row.body)
        counts = ",".join(f"{k}={v}" for k, v in sorted(event.get("counts", {}).items()))
        who, where = event.get("actor", ""), event.get("destination", "")
        out.print(
            f"{row.idx:>8}  {row.time}  {who:<20} {where:<28} "
            f"{event.get('jurisdiction', ''):<6} {event.get('decision', ''):<5} {counts}",
            highlight=False,
        )
