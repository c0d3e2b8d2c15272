"""`veil keys kek ...` and `veil keys data ...`: envelope keys and their jurisdictions.

Every change is recorded in the ledger (action ``key_manage``) before the
command reports success; key bytes are never printed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from veil.cli._common import HomeOpt, errors_to_exit, out

if TYPE_CHECKING:
    from veil.keys import DataKeyInfo, KekInfo, KeyStore

R = TypeVar("R")

kek_app = typer.Typer(
    help="Key-encryption keys: one active per jurisdiction; rotate re-wraps.", no_args_is_help=True
)
data_app = typer.Typer(
    help="Named data keys (datasets, subjects, broker keys); destroy crypto-shreds.",
    no_args_is_help=True,
)

JurisdictionArg = Annotated[str, typer.Argument(help="Jurisdiction code, e.g. EU, US, DE")]
YesOpt = Annotated[bool, typer.Option("--yes", help="Confirm: this cannot be undone")]


def _record(home: Path, what: str, name: str, jurisdiction: str | None) -> None:
    from veil.ledger import Action, Event, Ledger

    with Ledger.open(home) as ledger:
        ledger.append(
            Event(
                action=Action.KEY_MANAGE,
                purpose="key-management",
                destination=f"key:{name}"[:200],
                jurisdiction=jurisdiction,
                decision="allow",
                reasons=(what,),
            )
        )


def _change(home: Path | None, what: str, change: Callable[[KeyStore], R]) -> R:
    """Run one change on the key store, then record it (name and jurisdiction only)."""
    from veil.home import resolve_home
    from veil.keys import KeyStore

    root = resolve_home(home)
    with KeyStore.open(root) as store:
        result = change(store)
    name, jurisdiction = _subject(result)
    _record(root, what, name, jurisdiction)
    return result


def _subject(result: object) -> tuple[str, str | None]:
    from veil.keys import DataKeyInfo, KekInfo

    if isinstance(result, KekInfo):
        return result.id, result.jurisdiction
    if isinstance(result, DataKeyInfo):
        return result.name, result.jurisdiction
    raise TypeError(f"unexpected key store result {type(result).__name__}")


def _confirm(yes: bool, what: str) -> None:
    from veil.errors import ConfigError

    if not yes:
        raise ConfigError(f"destroying {what} cannot be undone: add --yes")


@kek_app.command("create")
def kek_create(
    jurisdiction: JurisdictionArg,
    provider: Annotated[str, typer.Option(help="local (a 0600 file), env, or aws-kms")] = "local",
    ref: Annotated[
        str | None, typer.Option(help="env: the variable's name; aws-kms: a key ARN to adopt")
    ] = None,
    dev: Annotated[bool, typer.Option("--dev", help="A development KEK (dev keys only)")] = False,
    home: HomeOpt = None,
) -> None:
    """Create the active KEK of a jurisdiction (the previous one retires; its keys re-wrap)."""
    with errors_to_exit():
        kek = _change(
            home,
            "kek-create",
            lambda s: s.create_kek(jurisdiction, provider=provider, ref=ref, dev=dev),
        )
    out.print(f"{kek.id}  {kek.jurisdiction}  {kek.provider}{'  dev' if kek.dev else ''}  active")


@kek_app.command("rotate")
def kek_rotate(
    jurisdiction: JurisdictionArg,
    dev: Annotated[bool, typer.Option("--dev", help="Rotate the dev KEK instead")] = False,
    home: HomeOpt = None,
) -> None:
    """Rotate a jurisdiction's local KEK: every data key is re-wrapped, no data re-encrypted."""
    with errors_to_exit():
        kek = _change(home, "kek-rotate", lambda s: s.rotate(jurisdiction, dev=dev))
    out.print(f"{kek.id} is now active for {kek.jurisdiction}; its data keys were re-wrapped")


@kek_app.command("destroy")
def kek_destroy(kek_id: str, yes: YesOpt = False, home: HomeOpt = None) -> None:
    """Destroy a KEK: every data key under it, and all data they sealed, is gone for good."""
    shredded: list[str] = []

    def destroy(store: KeyStore) -> KekInfo:
        shredded.extend(store.destroy_kek(kek_id))
        return store.kek(kek_id)

    with errors_to_exit():
        _confirm(yes, kek_id)
        _change(home, "kek-destroy", destroy)
    out.print(f"destroyed {kek_id}; crypto-shredded {len(shredded)} data key(s)")


@kek_app.command("list")
def kek_list(home: HomeOpt = None) -> None:
    """List KEKs and data keys with their jurisdictions (never key bytes)."""
    with errors_to_exit():
        print_keys(home)


def print_keys(home: Path | None) -> None:
    from veil.home import resolve_home
    from veil.keys import KeyStore

    with KeyStore.open(resolve_home(home)) as store:
        keks, data = store.keks(), store.data_keys()
    for k in keks:
        flag = "  dev" if k.dev else ""
        out.print(f"kek   {k.id:<24} {k.jurisdiction:<8} {k.provider:<8} {k.state}{flag}")
    for d in data:
        flag = "  dev" if d.dev else ""
        out.print(f"data  {d.name:<24} {d.jurisdiction:<8} {d.kek_id}{flag}")


@data_app.command("create")
def data_create(
    name: Annotated[str, typer.Argument(help="Key name, e.g. dataset/claims-2026 or model-key")],
    jurisdiction: Annotated[
        str | None, typer.Option(help="Jurisdiction (default VEIL_JURISDICTION or LOCAL)")
    ] = None,
    dev: Annotated[bool, typer.Option("--dev", help="A development key (simulated TEEs)")] = False,
    home: HomeOpt = None,
) -> None:
    """Create a named AES-256 data key, wrapped by its jurisdiction's active KEK."""
    with errors_to_exit():
        info = _change(
            home,
            "data-key-create",
            lambda s: s.create_data_key(name, jurisdiction=jurisdiction, dev=dev),
        )
    out.print(f"{info.name}  {info.jurisdiction}  wrapped by {info.kek_id}")


@data_app.command("destroy")
def data_destroy(name: str, yes: YesOpt = False, home: HomeOpt = None) -> None:
    """Crypto-shred a data key: whatever it sealed becomes unrecoverable."""

    def destroy(store: KeyStore) -> DataKeyInfo:
        info = store.data_key(name)
        store.destroy_data_key(name)
        return info

    with errors_to_exit():
        _confirm(yes, name)
        _change(home, "data-key-destroy", destroy)
    out.print(f"destroyed {name}")
