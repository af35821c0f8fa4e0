"""CLI tests for `sentikit vectorize`: what `--out` may write (and replace), and how `--show` prints its table
(a table that fits the terminal, JSON lines or CSV when piped)."""

from __future__ import annotations

import csv
import errno
import hashlib
import json
import os
from pathlib import Path

import pytest
from rich.cells import cell_len
from typer.testing import CliRunner, Result

from sentikit.cli.app import app
from tests.corpus_samples import english_sample

REPO = Path(__file__).resolve().parent.parent
OUTPUTS = ("matrix.npz", "vocabulary.json")


def invoke(*args: str | Path, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(app, [str(a) for a in args], prog_name="sentikit", env=env)


def one_error_line(result: Result) -> str:
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and "Traceback" not in result.output
    return lines[0]


def digests(folder: Path) -> dict[str, str]:
    """Every entry of `folder`, hidden ones (temporary files) included: name → sha256."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first 40 English reviews of the bundled corpus."""
    return english_sample(tmp_path_factory.mktemp("corpus"), first=40)


# -- --out -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("present", [("matrix.npz",), ("vocabulary.json",), OUTPUTS])
def test_existing_output_files_need_force(corpus: Path, tmp_path: Path, present: tuple[str, ...]) -> None:
    out = tmp_path / "precious"
    out.mkdir()
    for name in present:
        (out / name).write_text("my data\n")
    before = digests(out)
    refused = invoke("vectorize", corpus, "--out", out)
    assert refused.exit_code == 1 and refused.stdout == ""
    line = one_error_line(refused)
    assert all(name in line for name in present) and "--force" in line
    assert digests(out) == before
    forced = invoke("-q", "vectorize", corpus, "--out", out, "--force")
    assert (forced.exit_code, forced.stdout, forced.stderr) == (0, "", "")
    assert sorted(digests(out)) == sorted(OUTPUTS)  # both replaced, no temporary file left
    assert json.loads((out / "vocabulary.json").read_text(encoding="utf-8"))["terms"]


@pytest.mark.parametrize("force", [[], ["--force"]])
def test_out_that_is_a_file_is_refused_and_kept(corpus: Path, tmp_path: Path, force: list[str]) -> None:
    out = tmp_path / "notes.txt"
    out.write_text("mine\n")
    result = invoke("vectorize", corpus, "--out", out, *force)
    assert result.exit_code == 1 and result.stdout == ""
    assert one_error_line(result).startswith(f"error: {out}: a file already exists there; --out names a folder")
    assert out.read_text() == "mine\n"
    inside = invoke("vectorize", corpus, "--out", out / "sub", *force)
    assert inside.exit_code == 1 and inside.stdout == ""
    assert one_error_line(inside).startswith(f"error: {out / 'sub'}: {out} is a file, so no folder can be made")


def test_a_folder_without_earlier_output_is_written_without_force(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "features"
    out.mkdir()
    (out / "notes.txt").write_text("mine\n")
    result = invoke("-q", "vectorize", corpus, "--out", out)
    assert result.exit_code == 0, result.stderr
    assert sorted(digests(out)) == ["matrix.npz", "notes.txt", "vocabulary.json"]


@pytest.mark.parametrize("force", [[], ["--force"]])
def test_never_writes_into_a_model_folder(corpus: Path, tmp_path: Path, force: list[str]) -> None:
    model = tmp_path / "model"
    trained = invoke("-q", "train", corpus, "--arch", "nb", "--out", model)
    assert trained.exit_code == 0, trained.stderr
    before = digests(model)
    result = invoke("-q", "vectorize", corpus, "--out", model, *force)
    assert result.exit_code == 1 and result.stdout == ""
    assert "model folder" in one_error_line(result)
    assert digests(model) == before


def test_a_failed_write_keeps_the_previous_files(corpus: Path, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The disk fills up while the vocabulary is written: the previous matrix and vocabulary are both kept (not
    a new matrix next to the old vocabulary), and no temporary file is left."""
    import sentikit.features.workflow as workflow

    out = tmp_path / "features"
    assert invoke("-q", "vectorize", corpus, "--out", out).exit_code == 0
    before = digests(out)

    def full_disk(*args: object, **kwargs: object) -> str:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(workflow.json, "dumps", full_disk)
    result = invoke("-q", "vectorize", corpus, "--out", out, "--force", "--ngram-max", "1")
    assert result.exit_code == 1
    assert "No space left on device" in one_error_line(result)
    assert digests(out) == before


@pytest.mark.parametrize("below", ["model/features", "model/a/b", "link/features"])
def test_never_writes_below_a_model_folder(corpus: Path, tmp_path: Path, below: str) -> None:
    """A later `train --force` of the model would delete whatever vectorize wrote inside it, so --out is refused
    there as train's and compare --keep's are (also through a symlink to the model folder)."""
    model = tmp_path / "model"
    trained = invoke("-q", "train", corpus, "--arch", "nb", "--out", model)
    assert trained.exit_code == 0, trained.stderr
    (tmp_path / "link").symlink_to(model)
    before = digests(model)
    result = invoke("-q", "vectorize", corpus, "--out", tmp_path / below, "--force")
    assert result.exit_code == 1 and result.stdout == ""
    line = one_error_line(result)
    assert f"is inside the model folder {model}" in line and "choose a path outside it" in line
    assert digests(model) == before


def test_a_failed_replace_of_the_vocabulary_keeps_the_previous_matrix(corpus: Path, tmp_path: Path) -> None:
    """matrix.npz is renamed into place first: when vocabulary.json then cannot be replaced (here a folder of
    that name), the previous matrix is put back rather than left new next to the old vocabulary."""
    out = tmp_path / "features"
    assert invoke("-q", "vectorize", corpus, "--out", out).exit_code == 0
    (out / "vocabulary.json").unlink()
    (out / "vocabulary.json" / "mine").mkdir(parents=True)
    matrix = hashlib.sha256((out / "matrix.npz").read_bytes()).hexdigest()
    result = invoke("-q", "vectorize", corpus, "--out", out, "--force", "--ngram-max", "1")
    assert result.exit_code == 1
    assert "Is a directory" in one_error_line(result)
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUTS)  # no temporary or backup file left
    assert hashlib.sha256((out / "matrix.npz").read_bytes()).hexdigest() == matrix
    assert [p.name for p in (out / "vocabulary.json").iterdir()] == ["mine"]


@pytest.mark.parametrize("links", [True, False])
@pytest.mark.parametrize("earlier", [True, False])
def test_a_failed_second_rename_leaves_the_folder_as_it_was(corpus: Path, tmp_path: Path, earlier: bool,
                                                            links: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """The second rename fails (e.g. an immutable vocabulary.json): a matrix written by this run is removed
    again when there was none before, and the previous one restored when there was (kept by a hard link, or
    by a copy on a filesystem without them)."""
    import sentikit.features.workflow as workflow

    if not links:
        def no_links(*args: object, **kwargs: object) -> None:
            raise OSError(errno.EPERM, os.strerror(errno.EPERM))

        monkeypatch.setattr(workflow.os, "link", no_links)

    out = tmp_path / "features"
    if earlier:
        assert invoke("-q", "vectorize", corpus, "--out", out).exit_code == 0
    else:
        out.mkdir()
    before = digests(out)
    real_replace = os.replace

    def refuse_vocabulary(src: str, dst: str | Path) -> None:
        if Path(dst).name == "vocabulary.json":
            raise OSError(errno.EPERM, os.strerror(errno.EPERM))
        real_replace(src, dst)

    monkeypatch.setattr(workflow.os, "replace", refuse_vocabulary)
    result = invoke("-q", "vectorize", corpus, "--out", out, "--force", "--ngram-max", "1")
    assert result.exit_code == 1
    assert "Operation not permitted" in one_error_line(result)
    assert digests(out) == before


def test_a_failed_restore_names_the_kept_backup(corpus: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """If even putting the previous matrix back fails, the error says where it was kept."""
    import sentikit.features.workflow as workflow

    out = tmp_path / "features"
    assert invoke("-q", "vectorize", corpus, "--out", out).exit_code == 0
    old_matrix = digests(out)["matrix.npz"]
    real_replace = os.replace

    def refuse(src: str, dst: str | Path) -> None:
        if Path(dst).name == "vocabulary.json" or str(src).endswith(".old"):
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        real_replace(src, dst)

    monkeypatch.setattr(workflow.os, "replace", refuse)
    result = invoke("-q", "vectorize", corpus, "--out", out, "--force", "--ngram-max", "1")
    assert result.exit_code == 1
    line = one_error_line(result)
    kept = [p for p in out.iterdir() if p.name.endswith(".old")]
    assert len(kept) == 1 and digests(out)[kept[0].name] == old_matrix
    assert "Input/output error" in line and kept[0].name in line and "matrix.npz" in line


# -- --show ------------------------------------------------------------------------------------------------------


def test_show_is_json_lines_when_piped(corpus: Path) -> None:
    result = invoke("vectorize", corpus, "--show", "3", "--scheme", "count")
    assert result.exit_code == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [row["document"] for row in rows] == ["doc 1", "doc 2", "doc 3"]
    assert all(len(row) == 4 and all(isinstance(v, int) for k, v in row.items() if k != "document") for row in rows)
    assert "─" not in result.stdout and "━" not in result.stdout  # no table drawing
    assert result.stderr.startswith("40 documents × ")


@pytest.mark.parametrize(("show", "n_terms"), [(2, 2), (5, 5), (100000, 20)])
def test_show_caps_documents_and_terms_separately(tmp_path: Path, show: int, n_terms: int) -> None:
    small = tmp_path / "three.txt"
    small.write_text("very good film\nbad film and bad acting\nan average film at best\n", encoding="utf-8")
    result = invoke("vectorize", small, "--show", str(show), "--format", "csv")
    assert result.exit_code == 0, result.stderr
    table = list(csv.reader(result.stdout.splitlines()))
    assert len(table) == 1 + min(show, 3) and len(table[0]) == 1 + n_terms  # "document" + the terms
    assert table[0][:2] == ["document", "film"]
    assert result.stderr == "3 documents × 20 terms\n"


@pytest.mark.parametrize("fmt", ["tsv", "csv", "jsonl", "table"])
def test_show_values_are_rounded_once_to_four_decimals(tmp_path: Path, fmt: str) -> None:
    """tf of "good" in "good good bad" is 2/3: 0.6667, not 0.667 printed as 0.6670."""
    one = tmp_path / "one.txt"
    one.write_text("good good bad\n", encoding="utf-8")
    result = invoke("vectorize", one, "--scheme", "tf", "--ngram-max", "1", "--show", "2", "--format", fmt)
    assert result.exit_code == 0, result.stderr
    if fmt == "jsonl":
        assert json.loads(result.stdout) == {"document": "doc 1", "bad": 0.3333, "good": 0.6667}
    else:
        assert "0.3333" in result.stdout and "0.6667" in result.stdout and "0.667" + "0" not in result.stdout


@pytest.mark.parametrize("columns", [80, 120])
def test_terminal_table_keeps_the_terms_that_fit(corpus: Path, columns: int) -> None:
    result = invoke("vectorize", corpus, "--show", "30", "--format", "table", env={"COLUMNS": str(columns)})
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert max(cell_len(line) for line in lines) <= columns
    header = next(line for line in lines if line.startswith("┃"))
    cells = [cell.strip() for cell in header.strip("┃").split("┃")]
    assert cells[0] == "document" and all(cells), header  # no column squeezed to nothing
    shown = len(cells) - 1
    assert 1 <= shown < 30
    assert f"showing {shown} of 30 terms" in result.stderr
    assert sum(line.startswith("│ doc ") for line in lines) == 30


@pytest.mark.parametrize(("args", "fragment"), [(["--show", "2", "--format", "xml"], "invalid --format 'xml'"),
                                                (["--out", "{out}", "--format", "csv"], "--format applies to")])
def test_show_format_errors(corpus: Path, tmp_path: Path, args: list[str], fragment: str) -> None:
    result = invoke("vectorize", corpus, *[a.format(out=tmp_path / "x") for a in args])
    assert result.exit_code == 2 and result.stdout == ""
    assert fragment in one_error_line(result)
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_a_term_spelled_document_keeps_the_row_labels(tmp_path: Path, fmt: str) -> None:
    """The row-label column is "document": a term of that spelling is shown as term_document, with a warning,
    instead of replacing the labels (jsonl) or giving two columns of one name (csv)."""
    text = tmp_path / "docs.txt"
    text.write_text("this document is good\nbad document\n", encoding="utf-8")
    result = invoke("vectorize", text, "--ngram-max", "1", "--scheme", "binary", "--show", "2", "--format", fmt)
    assert result.exit_code == 0, result.stderr
    rows = ([json.loads(line) for line in result.stdout.splitlines()] if fmt == "jsonl"
            else list(csv.DictReader(result.stdout.splitlines())))
    assert [list(row) for row in rows] == [["document", "term_document", "bad"]] * 2
    assert [row["document"] for row in rows] == ["doc 1", "doc 2"]
    assert [int(row["bad"]) for row in rows] == [0, 1]
    assert "'document' as 'term_document'" in result.stderr


@pytest.mark.parametrize("value", ["5-2", "2-9", "0-3", "x"])
def test_char_ngram_errors_name_the_option_and_its_true_range(corpus: Path, value: str) -> None:
    from sentikit.features.vectorize import MAX_CHAR_NGRAM

    result = invoke("vectorize", corpus, "--char-ngrams", value, "--show", "1")
    assert result.exit_code == 2
    assert one_error_line(result) == (f"error: invalid --char-ngrams {value!r} "
                                      f"(write a range such as 2-5, within 1-{MAX_CHAR_NGRAM})")


def test_the_largest_char_ngram_range_is_accepted(corpus: Path) -> None:
    from sentikit.features.vectorize import MAX_CHAR_NGRAM

    result = invoke("vectorize", corpus, "--char-ngrams", f"1-{MAX_CHAR_NGRAM}", "--show", "1")
    assert result.exit_code == 0, result.stderr


@pytest.mark.parametrize("content", ["\n\n", "text\n\"\"\n \n"])
def test_only_blank_documents_name_the_input(tmp_path: Path, content: str) -> None:
    path = tmp_path / ("blank.txt" if content.startswith("\n") else "blank.csv")
    path.write_text(content, encoding="utf-8")
    result = invoke("vectorize", path, "--show", "2")
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.splitlines()[-1] == (f"error: {path}: no documents, only blank lines or empty texts "
                                              "(pass a file with one document per record)")
    assert "Traceback" not in result.output
