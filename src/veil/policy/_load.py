"""Find a policy by path or builtin name and load it."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from veil.errors import ConfigError, PolicyError

from ._policy import Policy

_SUFFIXES = (".yaml", ".yml")


def list_builtin_policies() -> list[str]:
    """Names of the policies shipped with Veil (``load_policy`` accepts them)."""
    folder = resources.files("veil.policy") / "builtin"
    return sorted(
        p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml")
    )


def load_policy(name_or_path: str | os.PathLike[str]) -> Policy:
    """Load a policy file, or a builtin by name (``gdpr-strict``, ``pci``, ...)."""
    text = os.fspath(name_or_path)
    if (
        isinstance(name_or_path, os.PathLike)
        or "/" in text
        or os.sep in text
        or text.endswith(_SUFFIXES)
    ):
        return _load_file(Path(text))
    if text in list_builtin_policies():
        resource = resources.files("veil.policy") / "builtin" / f"{text}.yaml"
        return Policy.from_yaml(resource.read_text(encoding="utf-8"), source=f"builtin:{text}")
    builtins = ", ".join(list_builtin_policies())
    raise ConfigError(
        f"unknown policy '{text}': pass a path to a .yaml file or a builtin name ({builtins})"
    )


def _load_file(path: Path) -> Policy:
    file = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise PolicyError(f"cannot read the policy file ({reason})", file=file) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise PolicyError(
            "not UTF-8 text; save the policy as UTF-8", file=file, line=line
        ) from None
    return Policy.from_yaml(text, source=file)
