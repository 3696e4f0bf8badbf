"""Lab processes: servers do not outlive a killed lab, and their ports cannot be raced for."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from lab.procs import free_port

REPOSITORY = Path(__file__).resolve().parents[2]


def alive(pid: int) -> bool:
    """Whether the process exists and is not a zombie waiting to be reaped."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def test_a_server_stops_when_the_lab_is_killed(tmp_path: Path) -> None:
    lab = (
        "import os, signal\n"
        "from pathlib import Path\n"
        "from lab.procs import BackgroundProcess\n"
        f"server = BackgroundProcess(['sleep', '60'], Path({str(tmp_path / 'log')!r}))\n"
        "server.start()\n"
        "print(server.pid, flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    killed = subprocess.run(
        [sys.executable, "-c", lab], cwd=REPOSITORY, capture_output=True, text=True, check=False
    )
    server = int(killed.stdout)

    deadline = time.monotonic() + 10
    while alive(server) and time.monotonic() < deadline:
        time.sleep(0.05)

    assert killed.returncode == -9
    assert not alive(server)


def test_free_ports_are_distinct_and_outside_the_ephemeral_range() -> None:
    start = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])

    ports = [free_port() for _ in range(50)]

    assert len(set(ports)) == len(ports)
    assert all(port < start for port in ports)
