"""Helpers for tests: running the command line as an administrator would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """carbonio-migrate as an administrator runs it: a separate process, no terminal."""
    return subprocess.run(
        [sys.executable, "-m", "carbonio_migrate", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "COLUMNS": "200"},
    )
