"""Background server processes for the lab: free ports, start by argv, stop by PID."""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import os
import random
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

LOOPBACK = "127.0.0.1"

_running: set[BackgroundProcess] = set()
_running_lock = threading.Lock()
_handed_out: set[int] = set()
_random = random.Random()  # its own generator: tests that seed the global one get no clashes
_FIRST_FIXED_PORT = 20000

# Loaded here, not in the forked child: loading a library there could wait forever on a lock
# that another thread of this process held at the fork.
_LIBC = ctypes.CDLL(None, use_errno=True)
_PR_SET_PDEATHSIG = 1


class LabError(RuntimeError):
    """A lab server or command did not do what the lab needs; the message says why."""


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now and not handed out before.

    The port is taken below the kernel's ephemeral range: outgoing connections and servers
    that bind port 0 take theirs from that range, so none of them can take this port in the
    moment between this check and the server binding it.
    """
    end = _ephemeral_start()
    while True:
        # Where the ephemeral range leaves no room below it, the kernel picks (and may race).
        port = _random.randrange(_FIRST_FIXED_PORT, end) if end > _FIRST_FIXED_PORT else 0
        with _running_lock:
            if port in _handed_out:
                continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind((LOOPBACK, port))
            except OSError:
                continue
            port = sock.getsockname()[1]
        with _running_lock:
            if port not in _handed_out:
                _handed_out.add(port)
                return port


def _ephemeral_start() -> int:
    """The first port of the kernel's ephemeral range (32768 where it cannot be read)."""
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def log_tail(path: Path, lines: int = 30) -> str:
    """Return the last lines of a log file, or a note when it does not exist yet."""
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return f"(no log file at {path})"

    return "\n".join(text.splitlines()[-lines:])


def run_command(
    argv: Sequence[str],
    *,
    input_text: str | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 60.0,
) -> str:
    """Run a short command and return its standard output; raise LabError with stderr on failure.

    Secrets must never be in argv: pass them through files the command reads.
    """
    completed = subprocess.run(
        list(argv),
        input=input_text,
        env=dict(env) if env is not None else None,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if completed.returncode != 0:
        raise LabError(
            f"{argv[0]} exited with status {completed.returncode}: "
            f"{completed.stderr.strip() or completed.stdout.strip()}"
        )

    return completed.stdout


class BackgroundProcess:
    """A server started from an argv list, logging to a file, stopped by its PID.

    Every started process is also stopped at interpreter exit, so none outlives the lab.
    """

    def __init__(
        self,
        argv: Sequence[str],
        log_path: Path,
        *,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
    ) -> None:
        self.argv = list(argv)
        self.log_path = log_path
        self.env = dict(env) if env is not None else None
        self.cwd = cwd
        self._popen: subprocess.Popen[bytes] | None = None
        self._stopped = False

    @property
    def pid(self) -> int | None:
        """The PID of the started process, or None before start()."""
        return self._popen.pid if self._popen is not None else None

    @property
    def running(self) -> bool:
        """Whether the process was started and has not exited."""
        return self._popen is not None and self._popen.poll() is None

    def start(self) -> None:
        """Start the process with its output appended to the log file."""
        if self.running:
            raise LabError(f"{self.argv[0]} is already running with PID {self.pid}")

        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            # Its own session keeps a terminal's Ctrl-C away from the server (the fixtures stop
            # it in order) and gives it a process group of its own for stop().
            self._popen = subprocess.Popen(
                self.argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.env,
                cwd=self.cwd,
                start_new_session=True,
                preexec_fn=_stopped_with(os.getpid()),
            )
        self._stopped = False
        with _running_lock:
            _running.add(self)

    def wait_for_port(self, port: int, timeout: float = 10.0) -> None:
        """Return once 127.0.0.1:port accepts connections; raise LabError with the log tail
        if the process exits first or the port stays closed for `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            if not self.running:
                code = self._popen.returncode if self._popen is not None else None
                raise LabError(
                    f"{self.argv[0]} exited (status {code}) before port {port} opened; "
                    f"log {self.log_path}:\n{log_tail(self.log_path)}"
                )

            with contextlib.suppress(OSError):
                socket.create_connection((LOOPBACK, port), timeout=0.5).close()
                return

            if time.monotonic() > deadline:
                raise LabError(
                    f"{self.argv[0]} (PID {self.pid}) did not open port {port} within "
                    f"{timeout:g} s; log {self.log_path}:\n{log_tail(self.log_path)}"
                )
            time.sleep(0.02)

    def stop(self, timeout: float = 10.0) -> None:
        """Send SIGTERM, wait, then SIGKILL; doing it twice is harmless.

        The signal goes to the process group whose ID is the PID: the process leads its own
        session, so the group holds only it and its children. A server's children then stop
        at once instead of being reaped one by one by their parent (Dovecot takes a second).
        """
        popen = self._popen
        if popen is None or self._stopped:
            return

        self._signal_group(signal.SIGTERM)
        try:
            popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self._signal_group(signal.SIGKILL)
            popen.wait()

        self._stopped = True
        with _running_lock:
            _running.discard(self)

    def _signal_group(self, signum: int) -> None:
        """Signal the process group led by our process, if anything of it is left."""
        if self._popen is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self._popen.pid, signum)


def _stopped_with(parent: int) -> Callable[[], None]:
    """What the child runs before the server: ask Linux for SIGTERM when the lab dies.

    The atexit handler below does not run when the lab's process is killed with SIGKILL; the
    kernel's parent-death signal does. It follows the thread that started the server, so a
    lab is started and stopped from one thread.
    """

    def arrange() -> None:
        _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent:  # the lab died before the request took effect
            os._exit(1)

    return arrange


@atexit.register
def _stop_all() -> None:
    """Stop whatever the lab left running when the interpreter exits."""
    with _running_lock:
        leftovers = list(_running)
    for process in leftovers:
        process.stop(timeout=5.0)
