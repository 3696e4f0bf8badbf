"""Phase 2-1 against mbsync: the lab's BENCH mail set copied IMAP to IMAP, full and no-op.

Builds a lab with the BENCH profile (4 accounts x 2,505 messages, about 737 MB: nested and
non-ASCII folders, duplicates, messages without Message-ID) plus one 50 MB message, then, in
the same run and against the same servers, times ``carbonio-migrate mail`` (4 workers in one
process) and mbsync (isync, 4 processes, one per account): a full pass into empty mailboxes
and a no-op pass right after. Wall time and peak resident memory (from wait4) are reported;
after our full pass ``verify`` checks the copy, and the no-op pass must store nothing.
Needs GNU time (Debian package ``time``) for the memory figures.

    .venv/bin/python -m bench.mail.bench_mail [--trials 3] [--tls] [--keep]

Plain IMAP on loopback by default, as the figures in lab-notes.md; --tls uses implicit TLS
on both legs for both tools.
"""

from __future__ import annotations

import argparse
import compileall
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import carbonio_migrate
from lab.dovecot import LabMessage
from lab.lab import IMPORT_ADMIN, SOURCE_ADMIN, Lab
from lab.sample import BENCH

HUGE = 50_000_000
TARGET_FULL = 0.9  # of mbsync's time
TARGET_NOOP = 0.5  # seconds
TARGET_MEMORY = 100  # MB per worker


@dataclass
class Timing:
    """One timed command: wall seconds and the largest resident set of its processes."""

    seconds: float
    peak_mb: float
    detail: str = ""


@dataclass
class Trials:
    """Every trial of one tool and one pass."""

    runs: list[Timing] = field(default_factory=list)

    def median(self) -> float:
        """The median wall time."""
        return statistics.median(run.seconds for run in self.runs)

    def peak(self) -> float:
        """The largest peak memory of any trial."""
        return max(run.peak_mb for run in self.runs)


def main() -> int:
    """Build the lab, time both tools, print the table; exit 1 when a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=1, help="full and no-op passes per tool")
    parser.add_argument("--tls", action="store_true", help="implicit TLS on both legs")
    parser.add_argument("--keep", action="store_true", help="keep the lab folder afterwards")
    args = parser.parse_args()

    # An installed package has its bytecode compiled by pip; a source checkout run with
    # PYTHONDONTWRITEBYTECODE would otherwise compile every module on every pass.
    compileall.compile_dir(Path(carbonio_migrate.__file__).parent, quiet=1)

    root = Path(tempfile.mkdtemp(prefix="bench-mail-", dir="/tmp"))
    print(f"Building the BENCH lab in {root} ...", flush=True)
    started = time.monotonic()
    try:
        with Lab(root, people=40, profile=BENCH) as lab:
            accounts = sorted(lab.mail.messages)
            add_huge_message(lab, accounts[0])
            lab.add_destination_accounts(accounts)
            messages = sum(lab.mail.messages.values()) + 1
            print(
                f"Lab ready in {time.monotonic() - started:.0f} s: {len(accounts)} accounts, "
                f"{messages} messages, {(sum(lab.mail.sizes.values()) + HUGE) / 1e6:.1f} MB",
                flush=True,
            )
            bench = Bench(lab, accounts, root / "bench", tls=args.tls)
            results = bench.run(args.trials)
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    return report(results, messages, tls=args.tls)


def add_huge_message(lab: Lab, address: str) -> None:
    """One 50 MB message (a large attachment) in the first account's INBOX."""
    assert lab.source is not None
    rng = random.Random(50)
    header = (
        "Date: Tue, 05 Mar 2024 09:30:00 +0000\r\nFrom: Archive <archive@example.net>\r\n"
        f"To: {address}\r\nSubject: The big one\r\nMessage-ID: <huge-50mb@example.net>\r\n"
        "MIME-Version: 1.0\r\nContent-Type: application/octet-stream\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n"
    ).encode()
    alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    table = bytes(alphabet[value % 64] for value in range(256))
    lines = (HUGE - len(header)) // 78
    body = bytearray(rng.randbytes(lines * 76)).translate(table)
    data = header + b"".join(body[i : i + 76] + b"\r\n" for i in range(0, len(body), 76))
    message = LabMessage(data, ("\\Seen",), datetime(2024, 3, 5, 9, 30))
    lab.source.deliver(address, "INBOX", [message])


class Bench:
    """Both tools against one lab: configuration files, wiping, timing."""

    def __init__(self, lab: Lab, accounts: list[str], folder: Path, *, tls: bool) -> None:
        assert lab.source is not None and lab.destination is not None
        self.lab = lab
        self.accounts = accounts
        self.folder = folder
        folder.mkdir(parents=True)
        self.tls = tls
        source_port = lab.source.imaps_port if tls else lab.source.imap_port
        destination_port = lab.destination.imaps_port if tls else lab.destination.imap_port
        mode = "implicit" if tls else "none"
        self.config = lab.write_config_copy(
            folder / "migration.toml",
            {
                "source.imap": {"tls": mode, "port": source_port},
                "destination.imap": {"tls": mode, "port": destination_port},
                "run": {"state": str(folder / "state.sqlite"), "workers": len(accounts)},
            },
        )
        self.mbsync = [self._mbsync_config(a, source_port, destination_port) for a in accounts]

    def _mbsync_config(self, address: str, source_port: int, destination_port: int) -> Path:
        local = address.partition("@")[0]
        state = self.folder / f"mbsync-{local}"
        state.mkdir()
        secrets = self.lab.root / "secrets"
        security = "IMAPS" if self.tls else "None"
        certificate = ""
        if self.tls:
            assert self.lab.certificates is not None
            certificate = f"CertificateFile {self.lab.certificates.cert_file}\n"
        stores = []
        for name, port, admin, secret in (
            ("source", source_port, SOURCE_ADMIN, "source_admin"),
            ("destination", destination_port, IMPORT_ADMIN, "import_admin"),
        ):
            # The password is read from its 0600 file by mbsync itself, never in argv.
            stores.append(
                f"IMAPAccount {name}\nHost localhost\nPort {port}\n"
                f'User "{address}*{admin}"\nPassCmd "cat {secrets / secret}"\n'
                f"SSLType {security}\n{certificate}AuthMechs LOGIN\n\n"
                f"IMAPStore {name}\nAccount {name}\n\n"
            )
        path = self.folder / f"{local}.mbsyncrc"
        path.write_text(
            "".join(stores) + "Channel copy\nFar :source:\nNear :destination:\nPatterns *\n"
            f"Create Near\nSync Pull\nSyncState {state}/\n"
        )
        return path

    def wipe(self) -> None:
        """Empty destination mailboxes and no state for either tool."""
        for address in self.accounts:
            self.lab.clear_destination_mail(address)
        for path in self.folder.glob("state.sqlite*"):
            path.unlink()
        for path in self.folder.glob("mbsync-*/*"):
            path.unlink()

    def saves(self) -> int:
        """Messages the destination stored so far (from its log)."""
        assert self.lab.destination is not None
        return self.lab.destination.count_saves()

    def run(self, trials: int) -> dict[tuple[str, str], Trials]:
        """Full and no-op passes of both tools, ``trials`` times."""
        results: dict[tuple[str, str], Trials] = {}
        for trial in range(1, trials + 1):
            # Alternate which tool goes first, so neither always finds a warmer cache.
            order = ("mbsync", "carbonio-migrate") if trial % 2 else ("carbonio-migrate", "mbsync")
            for tool in order:
                self.wipe()
                for kind in ("full", "no-op"):
                    before = self.saves()
                    timing = self.mbsync_pass() if tool == "mbsync" else self.our_pass()
                    stored = self.saves() - before
                    print(
                        f"trial {trial}: {tool} {kind}: {timing.seconds:.2f} s, "
                        f"peak {timing.peak_mb:.0f} MB, {stored} messages stored{timing.detail}",
                        flush=True,
                    )
                    if kind == "no-op" and stored:
                        raise SystemExit(f"{tool}: the no-op pass stored {stored} messages")
                    results.setdefault((tool, kind), Trials()).runs.append(timing)
                if tool == "carbonio-migrate" and trial == 1:
                    self.verify()
        return results

    def mbsync_pass(self) -> Timing:
        """One pass of mbsync: a process per account, all at once."""
        started = time.monotonic()
        processes = [
            _measured(["mbsync", "-q", "-c", str(config), "copy"], self.folder / f"rss{index}")
            for index, config in enumerate(self.mbsync)
        ]
        for process in processes:
            _check(process, process.communicate()[1])
        elapsed = time.monotonic() - started
        peaks = [_peak(self.folder / f"rss{index}") for index in range(len(processes))]
        return Timing(elapsed, max(peaks))

    def our_pass(self) -> Timing:
        """One pass of carbonio-migrate mail over every account (4 workers)."""
        command = [sys.executable, "-m", "carbonio_migrate", "mail", "-c", str(self.config)]
        for address in self.accounts:
            command += ["--account", address]
        started = time.monotonic()
        process = _measured(command, self.folder / "rss")
        output, error = process.communicate()
        _check(process, error)
        elapsed = time.monotonic() - started
        found = re.search(rb"copied in ([0-9.]+) s", output)
        engine = f" (engine {float(found.group(1)):.2f} s after start-up)" if found else ""
        return Timing(elapsed, _peak(self.folder / "rss"), engine)

    def verify(self) -> None:
        """carbonio-migrate verify; stops the benchmark when anything differs."""
        command = [sys.executable, "-m", "carbonio_migrate", "verify", "-c", str(self.config)]
        for address in self.accounts:
            command += ["--account", address]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        last = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
        print(f"verify after the full pass: {last}", flush=True)
        if result.returncode != 0:
            raise SystemExit(f"verify found differences:\n{result.stdout}{result.stderr}")


def _measured(command: list[str], record: Path) -> subprocess.Popen[bytes]:
    """Start a command under GNU time, which writes its peak resident memory to ``record``.

    Measured from a small parent: a child forked from this large process would count the
    parent's memory in its own peak until it runs the command.
    """
    return subprocess.Popen(
        ["/usr/bin/time", "-f", "%M", "-o", str(record), *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _check(process: subprocess.Popen[bytes], error: bytes) -> None:
    if process.returncode != 0:
        text = error.decode(errors="replace")[-2000:]
        raise SystemExit(f"{process.args} failed with {process.returncode}: {text}")


def _peak(record: Path) -> float:
    """The peak resident memory GNU time recorded, in MB (it writes kilobytes)."""
    return int(record.read_text().split()[-1]) / 1024


def report(results: dict[tuple[str, str], Trials], messages: int, *, tls: bool) -> int:
    """The table of medians and peaks, and the targets of the work; 1 if one is missed."""
    ours_full = results[("carbonio-migrate", "full")]
    ours_noop = results[("carbonio-migrate", "no-op")]
    theirs_full = results[("mbsync", "full")]
    theirs_noop = results[("mbsync", "no-op")]
    transport = "implicit TLS" if tls else "plain IMAP"
    print(f"\n{messages} messages, {transport} on loopback, medians of {len(ours_full.runs)}")
    print(f"{'tool':<38} {'full pass':>10} {'no-op':>8} {'peak memory':>14}")
    print(
        f"{'carbonio-migrate mail (4 workers)':<38} {ours_full.median():>9.2f}s "
        f"{ours_noop.median():>7.2f}s {ours_full.peak():>8.0f} MB/4w"
    )
    print(
        f"{'mbsync (4 processes)':<38} {theirs_full.median():>9.2f}s "
        f"{theirs_noop.median():>7.2f}s {theirs_full.peak():>7.0f} MB/proc"
    )

    ratio = ours_full.median() / theirs_full.median()
    per_worker = ours_full.peak() / 4
    checks = [
        (f"full pass {ratio:.2f} x mbsync (target <= {TARGET_FULL})", ratio <= TARGET_FULL),
        (
            f"no-op pass {ours_noop.median():.2f} s (target <= {TARGET_NOOP} s)",
            ours_noop.median() <= TARGET_NOOP,
        ),
        (
            f"peak memory {ours_full.peak():.0f} MB for 4 workers, {per_worker:.0f} MB each "
            f"(target <= {TARGET_MEMORY} MB per worker)",
            per_worker <= TARGET_MEMORY,
        ),
    ]
    for text, met in checks:
        print(f"{'MET ' if met else 'MISSED'} {text}")
    return 0 if all(met for _, met in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
