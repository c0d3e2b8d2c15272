"""The data directory: every piece of Veil state (keys, vault, ledger, config) lives here.

Resolution order: an explicit ``--home``/``home=``, then ``$VEIL_HOME``, then
``~/.veil``. It is created on first use with mode 0700; a directory that
others can read is refused rather than silently used.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from veil.errors import ConfigError

ENV_VAR = "VEIL_HOME"


def resolve_home(home: str | os.PathLike[str] | None = None) -> Path:
    """Return the data directory, creating it privately when missing."""
    raw = home if home is not None else os.environ.get(ENV_VAR) or Path.home() / ".veil"
    path = Path(raw).expanduser()
    if path.exists() and not path.is_dir():
        raise ConfigError(f"data directory {path} is a file; pass --home DIR or set {ENV_VAR}")
    if not path.exists():
        try:
            path.mkdir(mode=0o700, parents=True)
        except OSError as exc:
            raise ConfigError(
                f"cannot create data directory {path} ({exc.strerror}); "
                f"pass --home DIR or set {ENV_VAR} to a writable place"
            ) from None
    _check_private(path)
    return path


def _check_private(path: Path) -> None:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise ConfigError(
            f"data directory {path} is readable by other users (mode {mode:o}); "
            f"run: chmod 700 {path}"
        )
