"""``make demo``: a whole migration run against the lab, with the real command line.

Starts the lab in ./demo-lab, runs each phase's command as an administrator would, prints
what they print, and stops the lab. Exits 0 when every command did its job; the sample
organisation plants a few bad entries on purpose, so "needs attention" (1) is expected from
the commands that report them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from lab.lab import Lab

ROOT = Path("demo-lab")

# (arguments, exit statuses that mean the command did its job)
STEPS: list[tuple[list[str], set[int]]] = [
    (["check"], {0}),
    (["plan"], {0, 1}),
    (["provision", "--dry-run"], {0, 1}),
    (["provision"], {0, 1}),
    (["provision"], {0, 1}),  # the rerun: nothing left to change
    (["mail"], {0}),
    (["mail"], {0}),  # the rerun: every folder unchanged, nothing appended
    (["verify"], {0}),
    (["calendars"], {0, 1}),
    (["contacts"], {0, 1}),  # a contacts file of someone not in the directory is reported
    (["contacts"], {0, 1}),  # the rerun: nothing sent twice
]


def main() -> int:
    """Run the demo; the exit status says whether every step behaved."""
    if ROOT.exists():
        shutil.rmtree(ROOT)
    print("Starting the lab: OpenLDAP, two Dovecots and the Carbonio emulator ...", flush=True)
    started = time.monotonic()
    with Lab(ROOT.resolve()) as lab:
        print(
            f"Lab ready in {time.monotonic() - started:.1f} s; configuration: {lab.config_path}\n",
            flush=True,
        )
        failures = [args for args, expected in STEPS if run_step(lab, args) not in expected]
    if failures:
        print(f"\nDemo failed at: {', '.join(' '.join(args) for args in failures)}")
        return 1
    print("\nDemo complete. The lines marked for attention are planted in the sample data.")
    return 0


def run_step(lab: Lab, args: list[str]) -> int:
    """Run one carbonio-migrate command against the lab and show its output."""
    command = [sys.executable, "-m", "carbonio_migrate", *args, "-c", str(lab.config_path)]
    print(f"$ carbonio-migrate {' '.join(args)} -c {lab.config_path.name}", flush=True)
    environment = {**os.environ, "COLUMNS": os.environ.get("COLUMNS", "120")}
    status = subprocess.run(command, env=environment, check=False).returncode
    print(f"(exit status {status})\n", flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
