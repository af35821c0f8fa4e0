"""Measuring child processes: wall time and peak RSS of one subprocess, cold starts, folder sizes, and the
machine and library versions a benchmark report names.

Peak RSS comes from `os.wait4`, which returns the resource usage of exactly the child waited for (its own
`ru_maxrss`, and that of any grandchildren it waited for), so one large run never masks the figures of the
runs after it, as `getrusage(RUSAGE_CHILDREN)` would.
"""

from __future__ import annotations

import datetime as _dt
import importlib.metadata
import os
import platform
import statistics
import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Proc:
    """What a measured subprocess did."""

    cmd: list[str]
    returncode: int
    wall_s: float
    cpu_s: float  # user + system CPU seconds of the child (and its waited-for children)
    peak_rss_mb: float
    stdout: str
    stderr: str
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out

    def failure(self, lines: int = 6) -> str:
        """A short description of why the command failed: its exit status and the end of its stderr."""
        tail = " | ".join(line.strip() for line in self.stderr.strip().splitlines()[-lines:])
        status = "timed out" if self.timed_out else f"exit {self.returncode}"
        return f"{Path(self.cmd[0]).name} {' '.join(self.cmd[1:3])}: {status}: {tail}"


def _drain(stream: object, sink: list[bytes]) -> None:
    sink.append(stream.read())  # type: ignore[attr-defined]


def _feed(stream: object, data: bytes) -> None:
    try:
        stream.write(data)  # type: ignore[attr-defined]
    except (BrokenPipeError, OSError):
        pass  # the child exited early; its exit status tells why
    finally:
        try:
            stream.close()  # type: ignore[attr-defined]
        except OSError:
            pass


def run_measured(cmd: Sequence[str], *, stdin_data: bytes | None = None, cwd: Path | str | None = None,
                 env: dict[str, str] | None = None, timeout: float | None = None) -> Proc:
    """Run `cmd` to completion; return its exit status, wall seconds, peak RSS (MB) and decoded output."""
    cmd = [str(c) for c in cmd]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE if stdin_data is not None else subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd, env=env)
    out: list[bytes] = []
    err: list[bytes] = []
    threads = [threading.Thread(target=_drain, args=(proc.stdout, out), daemon=True),
               threading.Thread(target=_drain, args=(proc.stderr, err), daemon=True)]
    if stdin_data is not None:
        threads.append(threading.Thread(target=_feed, args=(proc.stdin, stdin_data), daemon=True))
    for thread in threads:
        thread.start()
    timed_out = threading.Event()

    def kill() -> None:
        timed_out.set()
        proc.kill()

    timer = threading.Timer(timeout, kill) if timeout else None
    if timer:
        timer.start()
    try:
        _, status, usage = os.wait4(proc.pid, 0)
    finally:
        if timer:
            timer.cancel()
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)  # Popen must not wait for a reaped child
    for thread in threads:
        thread.join()
    for stream in (proc.stdout, proc.stderr):
        if stream:
            stream.close()
    return Proc(cmd=cmd, returncode=proc.returncode, wall_s=wall, cpu_s=usage.ru_utime + usage.ru_stime,
                peak_rss_mb=usage.ru_maxrss / 1024,
                stdout=b"".join(out).decode("utf-8", "replace"), stderr=b"".join(err).decode("utf-8", "replace"),
                timed_out=timed_out.is_set())


def cold_start(cmd: Sequence[str], repeats: int, *, cwd: Path | str | None = None,
               env: dict[str, str] | None = None, timeout: float = 300) -> tuple[float | None, list[float], str]:
    """Median wall seconds of `repeats` fresh runs of `cmd` (a one-text prediction), every run, and an error."""
    runs: list[float] = []
    for _ in range(max(1, repeats)):
        proc = run_measured(cmd, cwd=cwd, env=env, timeout=timeout)
        if not proc.ok:
            return None, runs, proc.failure()
        runs.append(round(proc.wall_s, 4))
    return statistics.median(runs), runs, ""


def folder_bytes(path: Path) -> int:
    """Bytes of a file, or of every file under a folder."""
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024**2, 1)
    except (OSError, ValueError, IndexError):
        pass
    return None


def machine_info() -> dict[str, object]:
    """CPU model, core count, memory, OS and Python of this machine."""
    return {"cpu": _cpu_model(), "cores": os.cpu_count(), "memory_gib": _memory_gib(),
            "os": f"{platform.system()} {platform.release()}", "python": platform.python_version()}


def library_versions() -> dict[str, str | None]:
    """Installed versions of the libraries the benchmark compares or depends on (None: not installed)."""
    names = {"sentikit": ["sentikit"], "torch": ["torch"], "scikit-learn": ["scikit-learn"],
             "fasttext": ["fasttext-wheel", "fasttext"], "numpy": ["numpy"]}
    versions: dict[str, str | None] = {}
    for label, candidates in names.items():
        versions[label] = None
        for name in candidates:
            try:
                versions[label] = importlib.metadata.version(name)
                break
            except importlib.metadata.PackageNotFoundError:
                continue
    return versions


def load_average() -> list[float] | None:
    """1, 5 and 15-minute load averages: above the core count, other work competed for the CPUs."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def now_stamp() -> tuple[str, str]:
    """(ISO date-time for reports, file-name-safe timestamp) in local time."""
    now = _dt.datetime.now().astimezone()
    return now.isoformat(timespec="seconds"), now.strftime("%Y%m%d-%H%M%S")
