"""Shared pieces of the adversarial suite: a tiny corpus, tiny trained models, CLI runners and the checks every
case makes (exit code, exactly one `error:` line on stderr, no traceback, nothing damaged)."""

from __future__ import annotations

import csv
import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from sentikit.cli.app import app

REPO = Path(__file__).resolve().parents[2]
TINY_NEURAL = ["--epochs", "1", "--embed-dim", "8", "--hidden-size", "8", "--max-len", "30", "--batch-size", "16"]
LABELS = ("negative", "neutral", "positive")


def cli(*args: str | Path, input: str | bytes | None = None) -> Result:
    """Run sentikit in-process; stdout and stderr come back separately."""
    return CliRunner().invoke(app, [str(a) for a in args], input=input)


def assert_error(result: Result, code: int, *needles: str) -> str:
    """Exit `code`, and stderr (run with -q) is exactly one line: `error: ...` holding every needle."""
    stderr = result.stderr
    assert result.exit_code == code, f"exit {result.exit_code}, stderr: {stderr!r}, stdout: {result.stdout[:300]!r}"
    assert "Traceback" not in stderr and "internal error" not in stderr, stderr
    assert stderr.startswith("error: ") and stderr.endswith("\n") and stderr.count("\n") == 1, repr(stderr)
    for needle in needles:
        assert needle in stderr, f"{needle!r} not in {stderr!r}"
    return stderr


def assert_last_line_error(stderr: str, *needles: str) -> None:
    """For runs without -q (progress lines first): the last line is the one error line."""
    assert "Traceback" not in stderr, stderr
    lines = stderr.splitlines()
    assert lines and lines[-1].startswith("error: "), repr(stderr[-500:])
    assert sum(line.startswith("error:") for line in lines) == 1
    for needle in needles:
        assert needle in lines[-1], f"{needle!r} not in {lines[-1]!r}"


def snapshot(folder: Path) -> dict[str, str]:
    """Every entry under `folder` and its parent's other hidden entries (leftover temp folders): path → sha256."""
    state: dict[str, str] = {}
    for path in sorted(folder.rglob("*")):
        rel = str(path.relative_to(folder))
        state[rel] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "<dir>"
    state["<siblings>"] = ",".join(sorted(p.name for p in folder.parent.iterdir() if p.name.startswith(".")))
    return state


def leftovers(folder: Path) -> list[str]:
    """Temporary or set-aside folders a save may leave next to its target."""
    return sorted(p.name for p in folder.iterdir() if ".tmp-" in p.name or ".old-" in p.name or ".probe-" in p.name)


def write_csv(path: Path, rows: Sequence[Sequence[str]], header: Sequence[str] = ("text", "label"),
              encoding: str = "utf-8", newline: str = "\n") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, lineterminator=newline)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def sentikit_cmd(*args: str | Path) -> list[str]:
    """A real `sentikit` process (same interpreter and install as the tests)."""
    return [sys.executable, "-m", "sentikit", *[str(a) for a in args]]


def subprocess_env() -> dict[str, str]:
    env = dict(os.environ, PYTHONUNBUFFERED="1", NO_COLOR="1", COLUMNS="200")
    env.pop("SENTIKIT_DEBUG", None)
    env.pop("SENTIKIT_MODEL", None)
    return env


def run_python(code: str, cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run a Python snippet in a fresh interpreter (for faults injected into a real sentikit process)."""
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env=subprocess_env())


@pytest.fixture(scope="session")
def rows() -> list[tuple[str, str]]:
    """60 English reviews from the bundled corpus, 20 per label."""
    with (REPO / "data" / "reviews_en.csv").open(encoding="utf-8", newline="") as handle:
        bundled = list(csv.DictReader(handle))
    return [(r["text"], r["label"]) for label in LABELS for r in [r for r in bundled if r["label"] == label][:20]]


@pytest.fixture(scope="session")
def corpus(rows: list[tuple[str, str]], tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_csv(tmp_path_factory.mktemp("corpus") / "reviews.csv", rows)


@pytest.fixture(scope="session")
def models(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding `nb`, a Naive Bayes model trained once for the session."""
    folder = tmp_path_factory.mktemp("models")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(folder)  # training remembers models/.latest in the working folder
        result = cli("-q", "train", corpus, "--arch", "nb", "--out", folder / "nb")
        assert result.exit_code == 0, result.stderr
    return folder


@pytest.fixture
def nb_model(models: Path) -> Iterator[Path]:
    """The session's Naive Bayes model, checked unchanged after the test."""
    model = models / "nb"
    before = snapshot(model)
    yield model
    assert snapshot(model) == before, "the model folder was modified"


@pytest.fixture
def model_copy(models: Path, tmp_path: Path) -> Path:
    """A private copy of the nb model, free to be damaged."""
    return Path(shutil.copytree(models / "nb", tmp_path / "model"))


@pytest.fixture(autouse=True)
def _hermetic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SENTIKIT_MODEL", raising=False)
    monkeypatch.delenv("SENTIKIT_DEBUG", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
