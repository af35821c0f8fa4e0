"""Training that goes wrong after the data is read: Ctrl-C before the first epoch ends, a loss that diverges, a
network too large for memory. Each ends with its exit code and one error line, saves nothing and leaves the
model already at `--out` (or under `--keep`) as it was."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import TINY_NEURAL, assert_error, cli, leftovers, snapshot


@pytest.fixture
def interrupt_in_epoch_1(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C at the second batch of the first epoch (as `tests/test_cli_models.py` simulates Ctrl-C)."""
    from sentikit.cli import progress

    original = progress.TrainingProgress.handle

    def handle(self: progress.TrainingProgress, event: dict[str, Any]) -> None:
        if event.get("event") == "batch" and event.get("epoch") == 1 and event.get("batch") == 2:
            raise KeyboardInterrupt
        original(self, event)

    monkeypatch.setattr(progress.TrainingProgress, "handle", handle)


@pytest.mark.usefixtures("interrupt_in_epoch_1")
def test_ctrl_c_before_the_first_epoch_ended_keeps_the_previous_model(model_copy: Path, corpus: Path) -> None:
    before = snapshot(model_copy)
    result = cli("-q", "train", corpus, "--arch", "gru", "--out", model_copy, "--force", *TINY_NEURAL)
    assert_error(result, 130, "interrupted before the first epoch ended; nothing was saved")
    assert result.stdout == ""
    assert snapshot(model_copy) == before
    assert leftovers(model_copy.parent) == []


@pytest.mark.usefixtures("interrupt_in_epoch_1")
def test_ctrl_c_before_the_first_epoch_ended_saves_nothing_new(corpus: Path, tmp_path: Path) -> None:
    assert_error(cli("-q", "train", corpus, "--arch", "conv1d", "--out", tmp_path / "m", *TINY_NEURAL), 130,
                 "nothing was saved")
    assert not (tmp_path / "m").exists() and leftovers(tmp_path) == []


@pytest.mark.usefixtures("interrupt_in_epoch_1")
def test_ctrl_c_in_compare_keeps_what_was_finished_and_touches_nothing_else(models: Path, corpus: Path,
                                                                            tmp_path: Path) -> None:
    kept = tmp_path / "kept"
    shutil.copytree(models / "nb", kept / "gru")  # an older comparison's model, replaced only by a finished run
    before = snapshot(kept / "gru")
    result = cli("-q", "compare", corpus, "--arch", "nb,gru", "--keep", kept, "--force", *TINY_NEURAL)
    assert_error(result, 130, "interrupted while training gru (finished: nb)")
    assert [json.loads(line)["arch"] for line in result.stdout.splitlines()] == ["nb"]  # the finished row
    assert snapshot(kept / "gru") == before
    assert (kept / "nb" / "manifest.json").is_file() and leftovers(kept) == []


@pytest.mark.parametrize("options", [["--arch", "gru"], ["--arch", "conv1d", "--clip", "0", "--refit"]])
def test_a_diverging_loss_is_an_error_and_saves_nothing(options: list[str], model_copy: Path,
                                                        corpus: Path) -> None:
    """--lr 1e30 is finite, so it is a valid setting; the NaN weights it trains must not replace a model."""
    before = snapshot(model_copy)
    result = cli("-q", "train", corpus, *options, "--lr", "1e30", "--out", model_copy, "--force", *TINY_NEURAL)
    assert_error(result, 1, "training diverged: the ", "became nan", "nothing was saved", "--lr")
    assert snapshot(model_copy) == before
    assert leftovers(model_copy.parent) == []


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_non_finite_word_vectors_are_refused_when_read(value: str, model_copy: Path, corpus: Path,
                                                       tmp_path: Path) -> None:
    """Such a row used to reach training and fail as "training diverged ... try a smaller --lr"."""
    vectors = tmp_path / "bad.vec"
    vectors.write_text(f"2 8\nthe {' '.join([value] * 8)}\ngood {' '.join(['0.5'] * 8)}\n", encoding="utf-8")
    before = snapshot(model_copy)
    result = cli("-q", "train", corpus, "--arch", "gru", "--vectors", vectors, "--out", model_copy, "--force",
                 *TINY_NEURAL)
    assert_error(result, 1, f"{vectors}:2: non-finite number in the vector of 'the'")
    assert result.stdout == "" and snapshot(model_copy) == before


def _failing_trainer(error: BaseException) -> Callable[[str], Callable[[Any], Any]]:
    def raise_error(inputs: Any) -> Any:
        raise error

    return lambda arch: raise_error


# torch's CPU allocator, verbatim from `sentikit train DATA --arch gru --embed-dim 100000000` (torch 2.x).
CPU_ALLOCATION_FAILURE = ("[enforce fail at alloc_cpu.cpp:127] err == 0. DefaultCPUAllocator: can't allocate memory: "
                          "you tried to allocate 238800000000 bytes. Error code 12 (Cannot allocate memory)")


def _gpu_out_of_memory() -> Exception:
    import torch

    return torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB")


@pytest.mark.parametrize("error", [lambda: MemoryError(), lambda: RuntimeError(CPU_ALLOCATION_FAILURE),
                                   _gpu_out_of_memory], ids=["MemoryError", "cpu-allocator", "gpu"])
def test_out_of_memory_is_one_clear_line(error: Callable[[], Exception], model_copy: Path, corpus: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from sentikit.training import pipeline

    before = snapshot(model_copy)
    monkeypatch.setattr(pipeline, "get_trainer", _failing_trainer(error()))
    result = cli("-q", "train", corpus, "--arch", "gru", "--out", model_copy, "--force")
    assert_error(result, 1, "out of memory (try a smaller ", "--batch-size", "--embed-dim")
    assert snapshot(model_copy) == before


def test_other_runtime_errors_are_still_reported_as_bugs(corpus: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from sentikit.training import pipeline

    monkeypatch.setattr(pipeline, "get_trainer", _failing_trainer(RuntimeError("shape mismatch")))
    result = cli("-q", "train", corpus, "--out", tmp_path / "m")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: internal error: RuntimeError: shape mismatch")
    assert "out of memory" not in result.stderr


def test_compare_goes_on_past_a_failing_architecture(corpus: Path, tmp_path: Path) -> None:
    """A bad row deep in the --vectors file fails gru when it reads it; nb and logreg are still worth their
    rows, which are written, and the failure is the one error line (exit 1)."""
    vectors = tmp_path / "late.vec"
    vectors.write_text("3 8\nthe " + " ".join(["0.5"] * 8) + "\ngood 1 2 3\n", encoding="utf-8")
    result = cli("-q", "compare", corpus, "--arch", "nb,gru,logreg", "--vectors", vectors, "-f", "jsonl",
                 *TINY_NEURAL)
    assert_error(result, 1, f"gru failed (finished: nb, logreg): {vectors}:3: expected a word and 8 numbers")
    assert [json.loads(line)["arch"] for line in result.stdout.splitlines()] == ["nb", "logreg"]


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "json"])
def test_compare_names_every_failure_and_keeps_what_finished(fmt: str, models: Path, corpus: Path, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from sentikit.errors import DataError
    from sentikit.training import compare, pipeline

    def get_trainer(arch: str) -> Callable[[Any], Any]:
        if arch == "nb":
            return pipeline.get_trainer(arch)
        return _failing_trainer(DataError(f"{arch} broke", hint="as it does"))(arch)

    monkeypatch.setattr(compare, "get_trainer", get_trainer)
    kept = tmp_path / "kept"
    shutil.copytree(models / "nb", kept / "logreg")  # an older comparison's model: a failed run leaves it be
    before = snapshot(kept / "logreg")
    result = cli("compare", corpus, "--arch", "logreg,nb,nbsvm", "--keep", kept, "--force", "-f", fmt)
    lines = result.stderr.splitlines()
    assert result.exit_code == 1 and lines[-1] == ("error: logreg and nbsvm failed (finished: nb): logreg: logreg "
                                                  "broke (as it does); nbsvm: nbsvm broke (as it does)")
    # Each failure is also said when it happens, and what comes next.
    assert "warning: logreg failed: logreg broke (as it does); going on with nb, nbsvm" in lines
    # ... but not the last one's: the error line says it, and nothing is left to go on with.
    assert not [line for line in lines if line.startswith("warning: nbsvm failed")]
    if fmt == "json":
        assert [row["arch"] for row in json.loads(result.stdout)] == ["nb"]
    elif fmt == "csv":
        assert [line.split(",")[0] for line in result.stdout.splitlines()] == ["arch", "nb"]
    else:
        assert [json.loads(line)["arch"] for line in result.stdout.splitlines()] == ["nb"]
    assert snapshot(kept / "logreg") == before and (kept / "nb" / "manifest.json").is_file()


def test_ctrl_c_during_a_linear_fit_in_compare_names_the_architecture(corpus: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from sentikit.training import compare, pipeline

    def get_trainer(arch: str) -> Callable[[Any], Any]:
        return _failing_trainer(KeyboardInterrupt())(arch) if arch == "logreg" else pipeline.get_trainer(arch)

    monkeypatch.setattr(compare, "get_trainer", get_trainer)
    result = cli("-q", "compare", corpus, "--arch", "nb,logreg,nbsvm", "-f", "jsonl")
    assert_error(result, 130, "interrupted while training logreg (finished: nb)")
    assert [json.loads(line)["arch"] for line in result.stdout.splitlines()] == ["nb"]


@pytest.mark.usefixtures("interrupt_in_epoch_1")
def test_ctrl_c_in_compare_names_what_failed_before(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Under -q the failure's warning is not shown: the interruption line is the only place that names it."""
    from sentikit.errors import DataError
    from sentikit.training import compare, pipeline

    def get_trainer(arch: str) -> Callable[[Any], Any]:
        return _failing_trainer(DataError("broke"))(arch) if arch == "logreg" else pipeline.get_trainer(arch)

    monkeypatch.setattr(compare, "get_trainer", get_trainer)
    result = cli("-q", "compare", corpus, "--arch", "nb,logreg,gru", "-f", "jsonl", *TINY_NEURAL)
    assert_error(result, 130, "interrupted while training gru (finished: nb; failed: logreg)")
    assert [json.loads(line)["arch"] for line in result.stdout.splitlines()] == ["nb"]


@pytest.mark.parametrize("error", [lambda: MemoryError(), lambda: RuntimeError(CPU_ALLOCATION_FAILURE),
                                   _gpu_out_of_memory], ids=["MemoryError", "cpu-allocator", "gpu"])
def test_compare_goes_on_past_an_architecture_out_of_memory(error: Callable[[], Exception], corpus: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """A network too large for memory says nothing about the smaller ones after it."""
    from sentikit.training import compare, pipeline

    def get_trainer(arch: str) -> Callable[[Any], Any]:
        return _failing_trainer(error())(arch) if arch == "logreg" else pipeline.get_trainer(arch)

    monkeypatch.setattr(compare, "get_trainer", get_trainer)
    result = cli("compare", corpus, "--arch", "nb,logreg,nbsvm", "-f", "jsonl")
    lines = result.stderr.splitlines()
    assert result.exit_code == 1 and lines[-1].startswith("error: logreg failed (finished: nb, nbsvm): out of "
                                                          "memory (try a smaller "), result.stderr
    assert [line for line in lines if line.startswith("warning: logreg failed: out of memory")]
    assert [json.loads(line)["arch"] for line in result.stdout.splitlines()] == ["nb", "nbsvm"]


def test_compare_stops_at_a_bug_but_still_writes_the_finished_rows(corpus: Path, monkeypatch: pytest.MonkeyPatch
                                                                   ) -> None:
    from sentikit.training import compare, pipeline

    def get_trainer(arch: str) -> Callable[[Any], Any]:
        return pipeline.get_trainer(arch) if arch == "nb" else _failing_trainer(RuntimeError("shape mismatch"))(arch)

    monkeypatch.setattr(compare, "get_trainer", get_trainer)
    result = cli("-q", "compare", corpus, "--arch", "nb,logreg,nbsvm", "-f", "jsonl")
    assert result.exit_code == 1 and result.stderr.startswith("error: internal error: RuntimeError: shape mismatch")
    assert [json.loads(line)["arch"] for line in result.stdout.splitlines()] == ["nb"]
