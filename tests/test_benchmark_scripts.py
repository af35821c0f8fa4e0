"""Every benchmark script starts as documented (`python benchmarks/NAME.py ...`) from any working directory:
a script that imports `benchmarks.*` must put the repository on sys.path itself."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
SCRIPTS = sorted(p for p in BENCHMARKS.glob("*.py") if 'if __name__ == "__main__"' in p.read_text(encoding="utf-8"))


def test_the_benchmark_scripts_are_found() -> None:
    assert {"run.py", "neural_tuning.py", "purged_dev_split.py"} <= {p.name for p in SCRIPTS}


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_benchmark_script_help_runs_outside_the_repository(script: Path, tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, str(script), "--help"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert "usage" in done.stdout.lower()
    assert done.stderr == ""
