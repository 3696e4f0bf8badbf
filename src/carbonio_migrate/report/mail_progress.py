"""Live progress of a mail run: a bar per account and one overall (bytes, messages, rate,
time left) on a terminal; one line per finished account elsewhere."""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
)
from rich.text import Text

from carbonio_migrate.mail.copy import AccountResult
from carbonio_migrate.report.units import human_size


@dataclass
class _Counts:
    """Messages and bytes found and done."""

    messages: int = 0
    done: int = 0
    size: int = 0
    size_done: int = 0


class _AccountProgress:
    """Progress of one account, fed by the copy engine."""

    def __init__(self, view: ProgressView, task: TaskID | None) -> None:
        self.view = view
        self.task = task
        self.counts = _Counts()

    def planned(self, messages: int, size: int) -> None:
        """More work was found."""
        self.view.change(self, _Counts(messages=messages, size=size))

    def advanced(self, messages: int, size: int) -> None:
        """Work was done."""
        self.view.change(self, _Counts(done=messages, size_done=size))


class _RateColumn(ProgressColumn):
    """Bytes per second since the bar started.

    Rich's own speed column restarts whenever the total grows, which here is every folder.
    """

    def render(self, task: Task) -> Text:
        """The average rate, e.g. ``12.3 MB/s``."""
        elapsed = task.elapsed or 0.0
        if elapsed < 0.5 or not task.completed:
            return Text("", style="progress.data.speed")
        return Text(f"{human_size(int(task.completed / elapsed))}/s", style="progress.data.speed")


class _EtaColumn(ProgressColumn):
    """Time left at the average rate so far."""

    def render(self, task: Task) -> Text:
        """``m:ss`` left, or nothing while there is no rate yet."""
        elapsed = task.elapsed or 0.0
        left = (task.total or 0) - task.completed
        if elapsed < 0.5 or not task.completed or left <= 0:
            return Text("", style="progress.remaining")
        seconds = int(left / (task.completed / elapsed))
        return Text(f"{seconds // 60}:{seconds % 60:02d} left", style="progress.remaining")


class ProgressView:
    """Rich progress bars (bytes, rate, ETA; messages as text) on a terminal, else one line
    per finished account."""

    def __init__(self, console: Console) -> None:
        self._console = console
        self._live = console.is_terminal
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.fields[done]}/{task.fields[messages]} msgs"),
            DownloadColumn(),
            _RateColumn(),
            _EtaColumn(),
            console=console,
            transient=True,
        )
        self._overall: TaskID | None = None
        self._counts = _Counts()

    def __enter__(self) -> ProgressView:
        if self._live:
            self._progress.start()
            self._overall = self._progress.add_task("all accounts", total=0, messages=0, done=0)
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._live:
            self._progress.stop()

    def account(self, address: str) -> _AccountProgress:
        """The progress sink of one account (a bar is shown while it is copied)."""
        task = None
        if self._live:
            task = self._progress.add_task(address, total=0, messages=0, done=0)
        return _AccountProgress(self, task)

    def change(self, sink: _AccountProgress, delta: _Counts) -> None:
        """Add work found or done to an account's bar and to the overall bar."""
        for counts, task in ((sink.counts, sink.task), (self._counts, self._overall)):
            counts.messages += delta.messages
            counts.done += delta.done
            counts.size += delta.size
            counts.size_done += delta.size_done
            if task is not None:
                self._progress.update(
                    task,
                    total=counts.size,
                    completed=counts.size_done,
                    messages=counts.messages,
                    done=counts.done,
                )

    def finished(self, sink: _AccountProgress, address: str, result: AccountResult) -> None:
        """Drop the account's bar; without a terminal, print one line instead."""
        if sink.task is not None:
            self._progress.remove_task(sink.task)
            return
        state = "failed" if result.error else "attention" if result.needs_attention else "done"
        self._console.print(
            f"{address}: {state}, {result.copied} copied, {result.present} already there, "
            f"{result.refused} refused"
        )
