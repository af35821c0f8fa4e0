"""Real `sentikit` processes meeting real signals and pipes: Ctrl-C (SIGINT) while preprocessing, predicting,
training and saving, SIGTERM while saving, a reader that goes away (`| head -1`), closed streams, and an
interactive terminal on stdin."""

from __future__ import annotations

import dataclasses
import json
import signal
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import TINY_NEURAL, leftovers, run_python, sentikit_cmd, snapshot, subprocess_env

import sentikit


def _start(*args: str | Path, cwd: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(sentikit_cmd(*args), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, cwd=cwd, env=subprocess_env())


@pytest.mark.parametrize("command", ["preprocess", "predict"])
def test_ctrl_c_while_streaming_stdin(command: str, models: Path, tmp_path: Path) -> None:
    """The process is busy (it has answered, and waits on a pipe that stays open): SIGINT ends it with 130 and
    exactly `error: interrupted`."""
    before = snapshot(models / "nb")
    argv = ["preprocess", "-"] if command == "preprocess" else ["predict", "--model", models / "nb"]
    proc = _start(*argv, cwd=tmp_path)
    assert proc.stdin and proc.stdout
    proc.stdin.write(b"a fine first line\n" * 300)
    proc.stdin.flush()
    assert proc.stdout.readline()  # it is up and working
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert err.decode() == "error: interrupted\n"
    assert snapshot(models / "nb") == before


def test_ctrl_c_to_the_whole_process_group_with_worker_processes(tmp_path: Path) -> None:
    """A terminal's Ctrl-C reaches every process of the foreground group: the `-j 2` workers set it aside, the
    parent reports it once and tears the pool down."""
    import os

    proc = subprocess.Popen(sentikit_cmd("preprocess", "-", "-j", "2"), stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path, env=subprocess_env(),
                            start_new_session=True)
    assert proc.stdin and proc.stdout
    proc.stdin.write(b"a fine first line\n" * 5000)  # more than the pool's window, so output starts
    proc.stdin.flush()
    assert proc.stdout.readline()  # the workers are up and working; stdin stays open
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert (proc.returncode, err.decode()) == (130, "error: interrupted\n")


def test_ctrl_c_during_training_saves_the_best_model(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "gru"
    proc = _start("train", corpus, "--arch", "gru", "--out", out, *TINY_NEURAL, "--epochs", "400", "--patience",
                  "400", cwd=tmp_path)
    assert proc.stderr
    seen = b""
    for line in proc.stderr:  # wait until an epoch has finished, so there is a best model to keep
        seen += line
        if line.startswith(b"epoch 1:"):
            break
    proc.send_signal(signal.SIGINT)
    _, rest = proc.communicate(timeout=60)
    stderr = (seen + rest).decode()
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert stderr.splitlines()[-1] == f"error: interrupted: the best model so far was saved to {out}"
    model = sentikit.load(out)  # complete and verified
    assert model.manifest["training"]["interrupted"] is True
    assert 1 <= len(model.manifest["history"]) < 400
    assert leftovers(tmp_path) == []


_SIGNAL_WHILE_SAVING = """
import os, signal, sys
import sentikit.artifacts as artifacts
real = artifacts._write_file
def write(path, data):
    real(path, data)
    if path.name == "manifest.json":  # every file of the new model is written; the swap has not happened
        os.kill(os.getpid(), signal.{signal})
artifacts._write_file = write
sys.argv = ["sentikit", "-q", "train", {corpus!r}, "--arch", "nb", "--out", {out!r}, "--force"]
from sentikit.cli import main
main()
"""


@pytest.mark.parametrize(("signame", "previous"), [("SIGINT", False), ("SIGTERM", True)],
                         ids=["sigint-new-model", "sigterm-replacing"])
def test_signal_while_saving_leaves_no_half_model(signame: str, previous: bool, models: Path, corpus: Path,
                                                  tmp_path: Path) -> None:
    """Ctrl-C or SIGTERM between writing the files and swapping them in: the previous model (if any) is intact,
    no temporary folder is left, and nothing half-written sits at the target."""
    out = tmp_path / "model"
    if previous:
        import shutil

        shutil.copytree(models / "nb", out)
    before = snapshot(out) if previous else None
    done = run_python(_SIGNAL_WHILE_SAVING.format(signal=signame, corpus=str(corpus), out=str(out)), tmp_path)
    if signame == "SIGINT":
        assert done.returncode == 130 and done.stderr == "error: interrupted\n", done.stderr
    else:  # the default action of SIGTERM (the process ends by the signal) is kept, after the rollback
        assert done.returncode == -signal.SIGTERM, done.stderr
        assert "Traceback" not in done.stderr
    assert (snapshot(out) == before) if previous else not out.exists()
    assert leftovers(tmp_path) == []


_SIGINT_WHILE_IMPORTING = """
import os, signal, sys
class Finder:  # Ctrl-C while the command line's modules load, before any command runs
    def find_spec(self, name, path=None, target=None):
        if name == "rich":
            os.kill(os.getpid(), signal.SIGINT)
        return None
sys.meta_path.insert(0, Finder())
sys.argv = ["sentikit", "stopwords"]
from sentikit.cli import main
main()
"""

_SIGINT_WHILE_EXITING = """
import atexit, os, signal, sys, time
def late_ctrl_c():  # runs last, as the interpreter shuts down after a successful command
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(0.2)
    sys.stderr.write("shutdown went on\\n")
atexit.register(late_ctrl_c)
sys.argv = ["sentikit", "-q", "train", {corpus!r}, "--arch", "nb", "--out", {out!r}]
from sentikit.cli import main
main()
"""


def test_ctrl_c_while_loading_is_one_line(tmp_path: Path) -> None:
    done = run_python(_SIGINT_WHILE_IMPORTING, tmp_path)
    assert (done.returncode, done.stdout, done.stderr) == (130, "", "error: interrupted\n")


def test_ctrl_c_after_the_command_finished_changes_nothing(corpus: Path, tmp_path: Path) -> None:
    """The model is saved and the exit code decided: a Ctrl-C during shutdown neither breaks an atexit handler
    into a traceback nor kills the process."""
    done = run_python(_SIGINT_WHILE_EXITING.format(corpus=str(corpus), out=str(tmp_path / "m")), tmp_path)
    assert (done.returncode, done.stderr) == (0, "shutdown went on\n")
    sentikit.load(tmp_path / "m")


def _big_text(rows: list[tuple[str, str]], tmp_path: Path) -> Path:
    path = tmp_path / "big.txt"
    path.write_text("".join(text + "\n" for text, _ in rows) * 250, encoding="utf-8")  # ~1.4 MB, 15,000 lines
    return path


@pytest.mark.parametrize("command", ["preprocess-file", "predict-stdin", "predict-csv", "help"])
def test_reader_going_away_is_a_clean_exit(command: str, rows: list[tuple[str, str]], models: Path,
                                           tmp_path: Path) -> None:
    """`sentikit ... | head -1`: after the reader closes the pipe, exit 0 with nothing on stderr."""
    big = _big_text(rows, tmp_path)
    argv = {"preprocess-file": ["preprocess", big], "predict-stdin": ["predict", "--model", models / "nb"],
            "predict-csv": ["predict", "--model", models / "nb", "--format", "csv"],
            "help": ["train", "--help"]}[command]
    stdin = big.open("rb") if command.startswith("predict") else subprocess.DEVNULL
    proc = subprocess.Popen(sentikit_cmd("-q", *argv), stdin=stdin, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, cwd=tmp_path, env=subprocess_env())
    assert proc.stdout and proc.stderr
    if command == "help":
        proc.stdout.close()  # gone before the first byte: help (small) must hit the closed pipe too
    else:
        assert proc.stdout.readline()  # like head -1
        proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.wait(timeout=60)
    assert proc.returncode == 0, err
    assert err == ""


def _stderr_commands(corpus: Path, models: Path, tmp_path: Path) -> dict[str, tuple[list[str | Path], bytes]]:
    return {"train": (["train", corpus, "--arch", "nb", "--out", tmp_path / "m"], b""),
            "compare": (["compare", corpus, "--arch", "nb,logreg", "-f", "jsonl"], b""),
            "preprocess": (["preprocess", corpus], b""),
            "vectorize": (["vectorize", corpus, "--out", tmp_path / "v"], b""),
            "evaluate": (["evaluate", corpus, "--model", models / "nb", "-f", "json"], b""),
            # A first line that looks like a CSV header makes predict warn on stderr.
            "predict": (["predict", "--model", models / "nb"], b"text,label\nlovely,positive\n")}


@pytest.mark.parametrize("command", ["train", "compare", "preprocess", "vectorize", "evaluate", "predict"])
def test_broken_stderr_never_aborts_the_work(command: str, corpus: Path, models: Path, tmp_path: Path) -> None:
    """`sentikit train ... 2>&1 | head -1`: once the reader is gone, progress and warning lines fail with EPIPE.
    They are diagnostics: the command must still finish, write its results and save its model, and exit 0."""
    import os

    argv, stdin = _stderr_commands(corpus, models, tmp_path)[command]
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader went away before the first line: every write to stderr fails
    try:
        done = subprocess.run(sentikit_cmd(*argv), input=stdin, stdout=subprocess.PIPE, stderr=write_end,
                              cwd=tmp_path, env=subprocess_env(), timeout=120)
    finally:
        os.close(write_end)
    assert done.returncode == 0
    out = done.stdout.decode()
    if command == "train":
        assert (tmp_path / "m" / "manifest.json").is_file()
    elif command == "compare":
        assert [json.loads(line)["arch"] for line in out.splitlines()] == ["nb", "logreg"]
    elif command == "preprocess":
        assert len(out.splitlines()) == 60
    elif command == "vectorize":
        assert (tmp_path / "v" / "matrix.npz").is_file() and (tmp_path / "v" / "vocabulary.json").is_file()
    elif command == "evaluate":
        assert json.loads(out)["n"] == 60
    else:
        assert [json.loads(line)["text"] for line in out.splitlines()] == ["text,label", "lovely,positive"]


def test_closed_streams(models: Path, tmp_path: Path) -> None:
    """`>&-`, `2>&-`, `<&-`: Python gets None for the stream; results to a closed stdout are an error, a closed
    stderr only silences messages, a closed stdin reads as empty."""
    def run(redirect: str, *args: str | Path) -> subprocess.CompletedProcess[str]:
        script = f'exec "$@" {redirect}'
        return subprocess.run(["bash", "-c", script, "bash", *sentikit_cmd(*args)], capture_output=True, text=True,
                              cwd=tmp_path, env=subprocess_env(), timeout=60)

    closed_out = run(">&-", "predict", "--model", models / "nb", "lovely")
    assert closed_out.returncode == 1 and closed_out.stderr == (
        "error: standard output is closed; redirect it to a file or /dev/null instead\n")
    closed_err = run("2>&-", "predict", "--model", models / "nb", "lovely")
    assert closed_err.returncode == 0 and json.loads(closed_err.stdout)["text"] == "lovely"
    closed_in = run("<&-", "preprocess")
    assert closed_in.returncode == 1 and closed_in.stderr == (
        "error: <stdin>: the input is empty (pass a file with one document per row)\n")


def test_ctrl_c_during_compare_stops_the_comparison(corpus: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Neural training turns Ctrl-C into "stop, keep the best" (`Fitted.interrupted`); compare must then stop
    rather than go on to the next architecture. (Ctrl-C inside a neural trainer: tests/test_cli_models.py.)"""
    from conftest import cli

    from sentikit.training import compare, pipeline

    def get_trainer(arch: str) -> Callable[[Any], Any]:
        real = pipeline.get_trainer(arch)
        if arch != "logreg":
            return real
        return lambda inputs: dataclasses.replace(real(inputs), interrupted=True)

    monkeypatch.setattr(compare, "get_trainer", get_trainer)
    result = cli("-q", "compare", corpus, "--arch", "nb,logreg,nbsvm", "--keep", tmp_path / "kept", "-f", "jsonl")
    assert result.exit_code == 130
    assert result.stderr == "error: interrupted while training logreg (finished: nb)\n"
    # The architectures that finished before Ctrl-C are results: their rows are written.
    assert [json.loads(line)["arch"] for line in result.stdout.splitlines()] == ["nb"]
    assert (tmp_path / "kept" / "nb").is_dir()
    assert not (tmp_path / "kept" / "logreg").exists() and not (tmp_path / "kept" / "nbsvm").exists()


_TTY_STDIN = """
import json, os, pty, sys
master, slave = pty.openpty()
os.dup2(slave, 0)
sys.stdin = open(0, "r", closefd=False)
from sentikit.cli.app import app
results = []
for argv in json.loads(sys.argv[1]):
    try:
        app(argv)
    except SystemExit as exc:
        results.append(exc.code)
print(json.dumps(results))
"""

TTY_COMMANDS = [["predict", "--model", "{model}"], ["predict", "--model", "{model}", "--input", "-"],
                ["predict", "--model", "{model}", "-"], ["preprocess"], ["train", "-"],
                ["train", "{corpus}", "--dev", "-"], ["evaluate", "-", "--model", "{model}"],
                ["vectorize", "-", "--show", "2"], ["compare", "-"]]


def test_terminal_on_stdin_is_a_usage_error_not_a_hang(models: Path, corpus: Path, tmp_path: Path) -> None:
    argvs = [[a.format(model=models / "nb", corpus=corpus) for a in argv] for argv in TTY_COMMANDS]
    code = textwrap.dedent(_TTY_STDIN)
    done = subprocess.run([sys.executable, "-c", code, json.dumps(argvs)], capture_output=True, text=True,
                          cwd=tmp_path, env=subprocess_env(), timeout=60)
    assert json.loads(done.stdout) == [2] * len(argvs), done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == len(argvs) and all(line.startswith("error: no ") for line in lines), lines
