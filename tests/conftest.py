"""Shared fixtures: one NER model per session, the real console script, a private data directory.

The console script runs in a child process with ``HOME`` pointed into the test's
tmp_path, so a command that ignored ``--home``/``VEIL_HOME`` and fell back to
``~/.veil`` would show up there instead of touching the developer's real keys.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from veil._redactor import default_analyzer
from veil.detect import Analyzer
from veil.detect._model import NerDetector

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "tickets"


def _console_script() -> str:
    beside = Path(sys.executable).with_name("veil")  # the venv running pytest
    found = str(beside) if beside.exists() else shutil.which("veil")
    if found is None:
        pytest.fail("the `veil` console script is not installed: pip install -e '.[dev]'")
    return found


@pytest.fixture(scope="session")
def analyzer() -> Analyzer:
    """The default analyzer (patterns + model); loading the model costs ~0.3 s, so once."""
    return default_analyzer()


@pytest.fixture(scope="session")
def ner(analyzer: Analyzer) -> NerDetector:
    return next(d for d in analyzer.detectors if isinstance(d, NerDetector))


@dataclass
class Veil:
    """Runs the installed ``veil`` command with its data directory in ``home``."""

    home: Path
    cwd: Path
    user_home: Path

    def __call__(
        self, *args: str | Path, stdin: str | None = None, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        environ = {k: v for k, v in os.environ.items() if k != "VEIL_HOME"}
        environ |= {"VEIL_HOME": str(self.home), "HOME": str(self.user_home)}
        environ |= env or {}
        return subprocess.run(
            [_console_script(), *map(str, args)],
            input=stdin if stdin is not None else "",
            capture_output=True,
            text=True,
            encoding="utf-8",
            cwd=self.cwd,
            env=environ,
            timeout=120,
            check=False,
        )


@pytest.fixture
def veil_cmd(tmp_path: Path) -> Veil:
    """The real console script; ``veil_cmd.home`` is its (not yet created) data directory."""
    user_home = tmp_path / "user"
    user_home.mkdir()
    return Veil(home=tmp_path / "veil-home", cwd=tmp_path, user_home=user_home)
