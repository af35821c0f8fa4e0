"""Untrusted or broken model folders for predict, evaluate and show (refused with one line, never executed), and
model outputs that cannot be written (refused before training, the previous model untouched)."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import pickle
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import assert_error, cli, leftovers, snapshot

MARKER = "pwned.marker"


class _Payload:
    """Unpickling this creates MARKER in the working folder: proof that a pickle was loaded."""

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, (f"touch {MARKER}",))


def _relist(model: Path, name: str) -> None:
    """Make the manifest vouch for the current bytes of `name` (what an attacker replacing a file would do)."""
    manifest = json.loads((model / "manifest.json").read_text(encoding="utf-8"))
    data = (model / name).read_bytes()
    manifest["files"][name] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    (model / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def _edit_manifest(model: Path, change: Callable[[dict], object]) -> None:
    manifest = json.loads((model / "manifest.json").read_text(encoding="utf-8"))
    change(manifest)
    (model / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def _damage(model: Path, case: str) -> Path:
    """Turn a copy of a good model into case `case`; returns the path to pass as --model."""
    if case == "does-not-exist":
        return model.parent / "no-such-model"
    if case == "is-a-file":
        (model.parent / "model.txt").write_text("not a model")
        return model.parent / "model.txt"
    if case == "empty-folder":
        (model.parent / "empty").mkdir()
        return model.parent / "empty"
    if case == "file-missing":
        (model / "terms.txt").unlink()
    elif case == "truncated-weights":
        data = (model / "weights.safetensors").read_bytes()
        (model / "weights.safetensors").write_bytes(data[: len(data) // 2])
    elif case == "truncated-weights-relisted":
        data = (model / "weights.safetensors").read_bytes()
        (model / "weights.safetensors").write_bytes(data[: len(data) // 2])
        _relist(model, "weights.safetensors")
    elif case == "newer-format":
        _edit_manifest(model, lambda m: m.update(format_version=99))
    elif case == "manifest-not-json":
        (model / "manifest.json").write_text('{"format": "sentikit-model", ', encoding="utf-8")
    elif case == "manifest-not-object":
        (model / "manifest.json").write_text("[1, 2, 3]", encoding="utf-8")
    elif case == "foreign-manifest":
        (model / "manifest.json").write_text('{"format": "keras"}', encoding="utf-8")
    elif case == "pickle-weights":
        (model / "weights.safetensors").write_bytes(pickle.dumps(_Payload()))
        _relist(model, "weights.safetensors")
    elif case == "pickle-extra-file":
        (model / "model.pkl").write_bytes(pickle.dumps(_Payload()))
        _relist(model, "model.pkl")
        _edit_manifest(model, lambda m: m["files"].pop("terms.txt"))  # and hide a real file
    elif case == "path-traversal":
        _edit_manifest(model, lambda m: m["files"].update({"../../etc/passwd": m["files"]["terms.txt"]}))
    elif case == "unknown-kind":
        _edit_manifest(model, lambda m: m.update(kind="transformer"))
    return model


MODEL_CASES: dict[str, list[str]] = {
    "does-not-exist": ["no model at", "sentikit train"],
    "is-a-file": ["is a file, not a model folder"],
    "empty-folder": ["not a sentikit model folder", "no manifest.json"],
    "file-missing": ["incomplete", "terms.txt is missing"],
    "truncated-weights": ["weights.safetensors is corrupt"],
    "truncated-weights-relisted": ["cannot read", "as safetensors"],
    "newer-format": ["newer sentikit", "format 99", "upgrade"],
    "manifest-not-json": ["manifest.json is not valid JSON"],
    "manifest-not-object": ["not a JSON object"],
    "foreign-manifest": ["not a sentikit model folder"],
    "pickle-weights": ["is a pickle", "not opened"],
    "pickle-extra-file": ["terms"],
    "path-traversal": ["invalid file name", "../../etc/passwd"],
    "unknown-kind": ["unknown model kind 'transformer'"],
}


@pytest.mark.parametrize("command", ["predict", "evaluate", "show"])
@pytest.mark.parametrize("case", list(MODEL_CASES))
def test_bad_model_is_refused_cleanly(case: str, command: str, model_copy: Path, corpus: Path,
                                      tmp_path: Path) -> None:
    target = _damage(model_copy, case)
    before = snapshot(tmp_path)
    argv = {"predict": ["predict", "--model", target, "lovely"],
            "evaluate": ["evaluate", corpus, "--model", target, "--format", "json"],
            "show": ["show", target, "--format", "json"]}[command]
    result = cli("-q", *argv)
    assert not (tmp_path / MARKER).exists(), "a pickle was unpickled"
    assert snapshot(tmp_path) == before  # nothing written, nothing "repaired"
    assert_error(result, 1, *MODEL_CASES[case])
    assert result.stdout == ""


@pytest.mark.parametrize("edit", [{"metrics": {"dev": {"accuracy": "high"}}, "history": [{"x": None}]},
                                  {"history": "x"}, {"configs": None}])
def test_hand_edited_manifest_does_not_crash_show(model_copy: Path, edit: dict) -> None:
    """Parts only the card reads may fail late, after most of the card: then the error comes alone."""
    _edit_manifest(model_copy, lambda m: m.update(edit))
    result = cli("-q", "show", model_copy, "--format", "table")
    assert_error(result, 1, "unexpected content", "--format json")
    assert result.stdout == ""


def _set(path: str, value: object) -> Callable[[dict], object]:
    def change(manifest: dict) -> None:
        *parents, key = path.split(".")
        for parent in parents:
            manifest = manifest[parent]
        manifest[key] = value

    return change


# A hand-edited manifest (the files it vouches for still match) whose content no longer fits the model.
EDITED_MANIFESTS = [
    ("labels", ["a", "b"], "'labels' names 2 classes, the weights have 3"),
    ("labels", ["x", "x", "y"], "'labels' lists 'x' more than once"),
    ("labels", [1, 2, 3], "'labels' must be a list of non-empty strings"),
    ("labels", "negative", "'labels' must be a list"),
    ("preprocess_state.stopwords", 5, "stopwords must be a list of strings"),
    ("preprocess_state.stopwords", "abc", "stopwords must be a list of strings"),
    ("preprocess_state.stopword_sources", "x", "stopword_sources must map"),
    ("preprocess_state.en_lemmatizer", 5, "en_lemmatizer 5 is not one of"),
    ("preprocess_state", [], "preprocessing state must be a mapping"),
    ("preprocess.lowercase", "yes", "invalid lowercase 'yes'"),
    ("preprocess.extra_stopwords", "abc", "invalid extra_stopwords 'abc'"),
    ("predictor.n_classes", 2, "do not fit"),
    ("predictor.link", "binary_sigmoid", "3 classes do not fit link binary_sigmoid"),
]


@pytest.mark.parametrize("command", ["predict", "evaluate"])
@pytest.mark.parametrize(("field", "value", "fragment"), EDITED_MANIFESTS,
                         ids=[f"{field}={value!r}" for field, value, _ in EDITED_MANIFESTS])
def test_inconsistent_manifest_is_refused(field: str, value: object, fragment: str, command: str,
                                          model_copy: Path, corpus: Path) -> None:
    _edit_manifest(model_copy, _set(field, value))
    argv = {"predict": ["predict", "--model", model_copy, "lovely"],
            "evaluate": ["evaluate", corpus, "--model", model_copy, "--format", "json"]}[command]
    result = cli("-q", *argv)
    assert_error(result, 1, f"{model_copy}: ", fragment, "train")
    assert result.stdout == ""


# -- writing models --------------------------------------------------------------------------------------------

def test_existing_model_without_force_is_untouched(model_copy: Path, corpus: Path) -> None:
    before = snapshot(model_copy)
    assert_error(cli("-q", "train", corpus, "--arch", "logreg", "--out", model_copy), 1, "already exists", "--force")
    assert snapshot(model_copy) == before


@pytest.mark.parametrize(("what", "hint"), [
    ("model", "(pass --force to replace it, or choose another --out)"),
    ("empty", "(pass --force to save the model in it, or choose another --out)"),
    ("folder", "(sentikit never replaces it, not even with --force: choose another --out)"),
    ("file", "(sentikit never replaces it, not even with --force: choose another --out)"),
])
def test_an_existing_out_gets_the_hint_that_fits_it(what: str, hint: str, models: Path, tmp_path: Path) -> None:
    """--force replaces a model (or fills an empty folder): offering it for anything else sends the user into a
    second refusal."""
    out = tmp_path / "out"
    if what == "model":
        shutil.copytree(models / "nb", out)
    elif what == "file":
        out.write_text("x")
    else:
        out.mkdir()
        if what == "folder":
            (out / "notes.txt").write_text("x")
    assert_error(cli("-q", "train", "missing.csv", "--out", out), 1, "already exists there", hint)


@pytest.mark.parametrize(("command", "option"), [("train", "--out"), ("compare", "--keep"), ("vectorize", "--out")])
def test_an_empty_output_path_is_a_usage_error(command: str, option: str, tmp_path: Path) -> None:
    """`--out "$DIR"` with DIR unset: Path("") is the current folder, which must not be written to or blamed."""
    before = snapshot(tmp_path)
    assert_error(cli("-q", command, "missing.csv", option, ""), 2, f"an empty path '' was given for {option}")
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize(("args", "option"), [(("train", "data.csv", "--dev", ""), "--dev"),
                                              (("compare", "data.csv", "--dev", ""), "--dev"),
                                              (("predict", "--model", "m", "--input", ""), "--input"),
                                              (("preprocess", ""), "an input file")])
def test_an_empty_input_path_names_its_option(args: tuple[str, ...], option: str) -> None:
    assert_error(cli("-q", *args), 2, f"an empty path '' was given for {option}")


@pytest.mark.parametrize("args", [("predict", "--model", "", "good"), ("evaluate", "missing.csv", "--model", ""),
                                  ("show", ""), ("train", "missing.csv", "--arch", "gru", "--vectors", "")])
def test_an_empty_model_or_vectors_path_is_a_usage_error(args: tuple[str, ...], nb_model: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """`--model "$M"` with M unset must not fall back to $SENTIKIT_MODEL or the last model trained."""
    monkeypatch.setenv("SENTIKIT_MODEL", str(nb_model))
    option = "--vectors" if "--vectors" in args else "--model"
    result = cli("-q", *args)
    assert result.exit_code == 2 and result.stdout == ""
    assert "empty" in result.stderr and (option in result.stderr or args[0] == "show")


@pytest.mark.parametrize(("setup", "command", "fragments"), [
    ("parent-is-a-file", "train", ["is a file, not a folder"]),
    ("parent-is-a-file", "compare", ["is a file, not a folder"]),
    ("out-is-a-file", "train", ["already exists"]),
    ("out-is-a-file", "compare", ["is a file, not a folder"]),  # --keep names the folder the models go in
    ("foreign-folder-with-force", "train", ["not a sentikit model"]),
    ("read-only-folder", "train", ["cannot write to folder", "Read-only file system"]),
    ("read-only-folder", "compare", ["cannot write to folder", "Read-only file system"]),
])
def test_unwritable_output_fails_before_reading_data(setup: str, command: str, fragments: list[str],
                                                     tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The corpus does not exist: the output problem must be reported first, before any (long) training."""
    extra: list[str] = []
    if setup == "parent-is-a-file":
        (tmp_path / "plain").write_text("x")
        out = tmp_path / "plain" / "sub" / "model"
    elif setup == "out-is-a-file":
        out = tmp_path / "model"
        out.write_text("x")
    elif setup == "foreign-folder-with-force":
        out = tmp_path / "photos"
        out.mkdir()
        (out / "cat.jpg").write_bytes(b"\xff\xd8")
        extra = ["--force"]
    else:
        out = _read_only(tmp_path / "ro", monkeypatch) / "model"
    before = snapshot(tmp_path)
    argv = {"train": ["train", "missing.csv", "--out", out, *extra],
            "compare": ["compare", "missing.csv", "--arch", "nb,gru", "--keep", out, *extra]}[command]
    assert_error(cli("-q", *argv), 1, *fragments)
    assert snapshot(tmp_path) == before


def _read_only(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Simulate a read-only folder (we run as root, so chmod would not stop writes): creating anything inside
    fails with EROFS."""
    folder.mkdir()
    real_mkdir, real_open = os.mkdir, os.open

    def inside(path: object) -> bool:
        return Path(os.fsdecode(path)).resolve().parent == folder.resolve()  # type: ignore[arg-type]

    def mkdir(path: object, *args: object, **kwargs: object) -> None:
        if inside(path):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), os.fsdecode(path))  # type: ignore[arg-type]
        real_mkdir(path, *args, **kwargs)  # type: ignore[arg-type]

    def open_(path: object, flags: int, *args: object, **kwargs: object) -> int:
        if flags & os.O_CREAT and inside(path):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), os.fsdecode(path))  # type: ignore[arg-type]
        return real_open(path, flags, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "mkdir", mkdir)
    monkeypatch.setattr(os, "open", open_)
    return folder


def test_vectorize_into_read_only_folder(corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _read_only(tmp_path / "ro", monkeypatch)
    assert_error(cli("-q", "vectorize", corpus, "--out", folder), 1, "cannot write", "Read-only")
    assert list(folder.iterdir()) == []
    (tmp_path / "plain").write_text("x")
    assert_error(cli("-q", "vectorize", corpus, "--out", tmp_path / "plain" / "v"), 1,
                 f"{tmp_path / 'plain'} is a file, so no folder can be made inside it")


@pytest.mark.parametrize(("fault", "code", "fragments"), [
    (OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)), 1, ["No space left on device", "free space"]),
    (OSError(errno.EROFS, os.strerror(errno.EROFS)), 1, ["Read-only file system"]),
    (KeyboardInterrupt(), 130, ["interrupted"]),  # Ctrl-C while saving (a real SIGINT: test_processes.py)
])
def test_failure_while_saving_keeps_the_previous_model(fault: BaseException, code: int, fragments: list[str],
                                                       model_copy: Path, corpus: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The disk fills up, turns read-only or the user presses Ctrl-C halfway through `--force`: the old model
    survives intact and no temporary folder is left."""
    import sentikit.artifacts as artifacts

    before = snapshot(model_copy)
    real_write = artifacts._write_file

    def write(path: Path, data: bytes) -> None:
        if path.name == "manifest.json":
            raise fault
        real_write(path, data)

    monkeypatch.setattr(artifacts, "_write_file", write)
    assert_error(cli("-q", "train", corpus, "--arch", "nb", "--out", model_copy, "--force"), code, *fragments)
    assert snapshot(model_copy) == before
    assert leftovers(model_copy.parent) == []
