"""CLI tests for `sentikit preprocess`, `sentikit stopwords`, `--version` and `--help`, through Typer's CliRunner.

In this Typer (0.29, with its vendored click) `CliRunner` always keeps the two streams apart: `result.stdout` and
`result.stderr` are separate, `result.output` is both interleaved. So every test checks the exit code, stdout and
stderr on their own.
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from sentikit import __version__
from sentikit.cli.app import app

CSV = "text,label,id\nОтличный фильм!,pos,1\nI don't like it :(,neg,2\n"


def invoke(*args: str, input: str | bytes | None = None) -> Result:
    return CliRunner().invoke(app, list(args), input=input, prog_name="sentikit")


def one_error_line(result: Result) -> str:
    """The stderr of a failed command: exactly one line, starting with 'error:', and no traceback anywhere."""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in result.output
    return lines[0]


def source(tmp_path: Path, via: str, name: str, data: str | bytes) -> tuple[list[str], str | bytes | None]:
    """(arguments, stdin) that give the command `data` as a file argument or on stdin."""
    if via == "stdin":
        return ["-"], data
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return [str(path)], None


# -- output formats ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("via", ["argument", "stdin"])
@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("txt", "отличный фильм\ni don't like it :(\n"),
        ("jsonl", '{"text": "отличный фильм", "label": "pos", "id": "1"}\n'
                  '{"text": "i don\'t like it :(", "label": "neg", "id": "2"}\n'),
        ("csv", "text,label,id\nотличный фильм,pos,1\ni don't like it :(,neg,2\n"),
    ],
)
def test_output_formats(tmp_path: Path, via: str, fmt: str, expected: str) -> None:
    args, stdin = source(tmp_path, via, "reviews.csv", CSV)
    result = invoke("preprocess", *args, "--format", fmt, input=stdin)
    assert result.exit_code == 0, result.output
    assert result.stdout == expected
    assert result.stderr == "preprocessed 2 document(s)\n"


@pytest.mark.parametrize("via", ["argument", "stdin"])
def test_gzip_input(tmp_path: Path, via: str) -> None:
    args, stdin = source(tmp_path, via, "reviews.csv.gz", gzip.compress(CSV.encode()))
    result = invoke("preprocess", *args, input=stdin)
    assert (result.exit_code, result.stdout) == (0, "отличный фильм\ni don't like it :(\n")


@pytest.mark.parametrize("fmt", ["txt", "csv", "jsonl"])
def test_trailing_newline_makes_no_difference(tmp_path: Path, fmt: str) -> None:
    data = {"txt": "Привет, мир!\r\nhello <br /> world", "csv": CSV.rstrip("\n"),
            "jsonl": '{"text": "Да"}\n{"text": "нет"}'}[fmt]
    with_newline = invoke("preprocess", "-", "--format", "jsonl", input=data + "\n")
    without = invoke("preprocess", "-", "--format", "jsonl", input=data)
    assert with_newline.exit_code == without.exit_code == 0
    assert with_newline.stdout == without.stdout != ""


def test_jsonl_input_keeps_label_and_other_fields() -> None:
    data = '{"review": "Так себе", "sentiment": "neutral", "stars": 3, "meta": {"src": "x"}}\n'
    result = invoke("preprocess", "-", "--format", "jsonl", "--morph", "none", input=data)
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"text": "так себе", "label": "neutral", "stars": 3, "meta": {"src": "x"}}


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_columns_called_text_or_label_are_kept_without_replacing_the_output(fmt: str) -> None:
    result = invoke("preprocess", "-", "--text-col", "review", "--label-col", "sentiment", "--format", fmt,
                    input="review,text,label,sentiment\nОчень Хорошо,raw,WRONG,pos\n")
    assert result.exit_code == 0, result.stderr
    expected = {"text": "очень хорошо", "label": "pos", "input_text": "raw", "input_label": "WRONG"}
    if fmt == "jsonl":
        assert json.loads(result.stdout) == expected
    else:
        assert result.stdout.splitlines() == [",".join(expected), ",".join(expected.values())]
    assert "'text' as 'input_text', 'label' as 'input_label'" in result.stderr
    plain = invoke("preprocess", "-", "--text-col", "review", input="review,text\nОчень Хорошо,raw\n")
    assert plain.stdout == "очень хорошо\n" and "input_text" not in plain.stderr  # txt has no other columns


def test_preprocessing_options() -> None:
    data = "Фильмы НЕ понравились, ничего хорошего :( https://x.ru\nThe movies weren't good\n"  # txt
    lemmas = invoke("preprocess", "-", "--lemmatize", "--remove-stopwords", input=data)
    assert lemmas.stdout == "фильм не понравиться ничего хороший :( <url>\nmovie weren't good\n"
    stems = invoke("preprocess", "-", "--stem", "--lang", "en", input=data)
    assert stems.stdout.splitlines()[1] == "the movi weren't good"
    default = invoke("preprocess", "-", input=data)  # --morph auto: Russian lemmas, English as written
    assert default.stdout == "фильм не понравиться ничего хороший :( <url>\nthe movies weren't good\n"
    forms = invoke("preprocess", "-", "--morph", "none", input=data)
    assert forms.stdout.splitlines()[0] == "фильмы не понравились ничего хорошего :( <url>"
    assert invoke("preprocess", "-", "--morph", "stem", "--lang", "en", input=data).stdout == stems.stdout
    chars = invoke("preprocess", "-", "--tokens", "char2", input="Не то\n")
    assert chars.stdout == "не е_ _т то\n"
    numbers = invoke("preprocess", "-", "--numbers-placeholder", input="10 из 10\n")
    assert numbers.stdout == "<num> из <num>\n"
    dropped = invoke("preprocess", "-", "--remove-stopwords", "--drop-negations", input="это не то\n")
    assert dropped.stdout == "\n"  # every word is a stopword: an empty line keeps the lines aligned


def test_extra_stopword_file(tmp_path: Path) -> None:
    words = tmp_path / "stop.txt"
    words.write_text("фильм # domain word\n", encoding="utf-8")
    result = invoke("preprocess", "-", "--stopwords", str(words), input="Фильм и кино\n")
    assert result.stdout == "кино\n"  # --stopwords implies --remove-stopwords ("и" is a built-in stopword)


def test_an_empty_stopword_file_still_implies_removal(tmp_path: Path) -> None:
    empty = tmp_path / "none.txt"
    empty.write_text("# nothing of my own\n", encoding="utf-8")
    result = invoke("preprocess", "-", "--stopwords", str(empty), input="Фильм и кино\n")
    assert (result.exit_code, result.stdout) == (0, "фильм кино\n")


@pytest.mark.parametrize(("name", "data", "message"), [
    ("missing.txt", None, "missing.txt: no such stopword file (check the path; --stopwords takes a UTF-8 text"),
    ("folder", "", "folder: is a folder, not a stopword file (--stopwords takes a UTF-8 text file"),
    ("cp1251.txt", "фильм".encode("cp1251"), "cp1251.txt: cannot read the stopword file as UTF-8 text (convert it"),
])
def test_stopword_file_errors_say_what_to_do(tmp_path: Path, name: str, data: bytes | str | None,
                                              message: str) -> None:
    path = tmp_path / name
    if data == "":
        path.mkdir()
    elif data is not None:
        path.write_bytes(data)  # type: ignore[arg-type]
    result = invoke("preprocess", "-", "--stopwords", str(path), input="text\n")
    assert (result.exit_code, result.stdout) == (1, "")
    line = one_error_line(result)
    assert message in line and line.endswith(")")


def test_two_jobs_give_the_same_output() -> None:
    data = "".join(f"Отзыв номер {i}: не понравилось, don't buy {i}\n" for i in range(2000))
    one = invoke("preprocess", "-", "--lemmatize", "--jobs", "1", input=data)
    two = invoke("preprocess", "-", "--lemmatize", "--jobs", "2", input=data)
    assert one.exit_code == two.exit_code == 0
    assert two.stdout == one.stdout
    assert len(one.stdout.splitlines()) == 2000


@pytest.mark.parametrize(("data", "expected"), [
    ("text,label\nok,pos\n,neg\nfine,pos\n", "ok\n\nfine\n"),
    ("ok\n\n   \nfine\n", "ok\n\n\nfine\n"),  # plain lines: output line N is input line N, as for predict
])
def test_empty_texts_keep_their_rows_and_strict_makes_them_an_error(data: str, expected: str) -> None:
    result = invoke("preprocess", "-", input=data)
    assert (result.exit_code, result.stdout) == (0, expected)
    assert result.stderr.splitlines() == [f"preprocessed {len(expected.splitlines())} document(s)"]
    strict = invoke("preprocess", "-", "--strict", input=data)
    assert strict.exit_code == 1
    assert one_error_line(strict).startswith("error: <stdin>: line ")
    assert one_error_line(strict).endswith(": empty text (drop --strict to keep it as a row with an empty text)")


@pytest.mark.parametrize("args", [["--quiet", "preprocess", "-"], ["preprocess", "-", "--quiet"],
                                  ["-q", "preprocess", "-q", "-"], ["preprocess", "-q", "-"]])
def test_quiet_keeps_only_results(args: list[str]) -> None:
    result = invoke(*args, input="text\nok\n\n")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "ok\n", "")
    failed = invoke(*args, "--strict", input="text,label\nok,pos\n,neg\n")  # errors are never silenced
    assert failed.exit_code == 1 and "empty text" in one_error_line(failed)


def test_quiet_is_an_option_of_every_command() -> None:
    import typer

    commands = typer.main.get_command(app).commands  # type: ignore[attr-defined]
    for name, command in commands.items():
        assert any(p.opts == ["--quiet", "-q"] for p in command.params), name
    assert invoke("preprocess", "-", input="text\nok\n").stderr == "preprocessed 1 document(s)\n"  # off by default


# -- errors ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "extra", "fragment"),
    [
        ("latin.csv", b"text\ncaf\xe9\n", [], "line 2 is not valid utf-8"),
        ("quote.csv", b'text,label\n"a"b,pos\n', [], "line 2: malformed CSV"),
        ("cols.csv", b"foo,bar\n1,2\n", ["--input-format", "csv"], "columns found: foo, bar"),
        ("empty.csv", b"", [], "the input is empty"),
        ("header.csv", b"text,label\n", [], "no documents after the header"),
        ("nul.txt", b"a\x00b\n", [], "NUL bytes"),
        ("bad.jsonl", b'{"text": 5}\n', [], "line 1: the 'text' field is the number 5"),
        ("bad.json", b'[{"text": oops}]\n', [], "line 1: not valid JSON"),
        ("ok.csv", b"text\nok\n", ["--text-col", "body"], "no column 'body'"),
        ("ok.csv", b"text\nok\n", ["--stopwords", "/nonexistent/stop.txt"], "no such stopword file"),
    ],
)
@pytest.mark.parametrize("via", ["argument", "stdin"])
def test_data_errors_exit_1_with_one_line(tmp_path: Path, via: str, name: str, data: bytes,
                                          extra: list[str], fragment: str) -> None:
    args, stdin = source(tmp_path, via, name, data)
    result = invoke("preprocess", *args, *extra, input=stdin)
    assert result.exit_code == 1
    assert fragment in one_error_line(result)
    assert result.stdout == ""


def test_missing_file_exits_1(tmp_path: Path) -> None:
    result = invoke("preprocess", str(tmp_path / "missing.csv"))
    assert result.exit_code == 1
    assert one_error_line(result) == f"error: {tmp_path / 'missing.csv'}: no such file"


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--format", "xml"], "invalid --format 'xml'"),
        (["--jobs", "0"], "--jobs"),
        (["--jobs", "two"], "--jobs"),
        (["--lang", "fr"], "invalid --lang 'fr'"),
        (["--tokens", "char9"], "invalid --tokens 'char9'"),
        (["--input-format", "xls"], "invalid --input-format 'xls'"),
        (["--lemmatize", "--stem"], "mutually exclusive"),
        (["--morph", "root"], "invalid --morph 'root'"),
        (["--morph", "none", "--stem"], "--stem contradicts --morph none"),
        (["--encoding", "klingon"], "unknown encoding 'klingon'"),
        # typer 0.16-0.24 (at least) word it "No such option '--bogus'", typer 0.28 "No such option: --bogus".
        (["--bogus"], ("No such option", "--bogus")),
        (["a.csv", "b.csv"], "unexpected extra argument"),
    ],
)
def test_bad_option_values_exit_2(args: list[str], fragment: str | tuple[str, ...]) -> None:
    result = invoke("preprocess", "-", *args, input="text\nok\n")
    assert result.exit_code == 2
    line = one_error_line(result)
    fragments = (fragment,) if isinstance(fragment, str) else fragment
    assert all(part in line for part in fragments), line
    assert result.stdout == ""


def test_unknown_command_exits_2() -> None:
    result = invoke("frobnicate")
    assert result.exit_code == 2
    assert "No such command" in one_error_line(result)


def test_no_arguments_prints_help_without_an_error_line() -> None:
    result = invoke()
    assert result.exit_code == 2
    assert "Usage" in result.stdout and "preprocess" in result.stdout
    assert "error" not in result.stderr


@pytest.mark.parametrize("args", [["--help"], ["-h"], ["preprocess", "--help"], ["stopwords", "--help"]])
def test_help(args: list[str]) -> None:
    result = invoke(*args)
    assert result.exit_code == 0
    assert "Usage" in result.stdout and result.stderr == ""
    if args[0] == "preprocess":
        for option in ("--lemmatize", "--stem", "--remove-stopwords", "--tokens", "--format", "--jobs",
                       "--encoding", "--text-col", "--strict"):
            assert option in result.stdout


def test_version() -> None:
    result = invoke("--version")
    assert (result.exit_code, result.stdout, result.stderr) == (0, f"sentikit {__version__}\n", "")


# -- stopwords --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("lang", "present", "negations"), [("ru", ["и", "в", "это"], ["не", "нет", "ни"]),
                                                            ("en", ["the", "and", "it's"], ["not", "no", "don't"])])
def test_stopwords_command(lang: str, present: list[str], negations: list[str]) -> None:
    for source_ in ("auto", "builtin"):
        result = invoke("stopwords", "--lang", lang, "--source", source_)
        assert result.exit_code == 0
        words = result.stdout.splitlines()
        assert set(present) <= set(words)
        assert not set(negations) & set(words)  # kept by default, so not part of the list in use
        (line,) = result.stderr.splitlines()
        assert f"{len(words)} {lang} stopwords from" in line and "negations kept" in line
        if source_ == "builtin":
            assert "built-in list" in line
    full = invoke("stopwords", "--lang", lang, "--source", "builtin", "--no-keep-negations")
    assert set(negations) <= set(full.stdout.splitlines())


def test_stopwords_by_default_lists_both_languages_as_preprocessing_uses_them() -> None:
    both = invoke("stopwords")
    ru, en = (invoke("stopwords", "--lang", lang).stdout for lang in ("ru", "en"))
    assert both.exit_code == 0 and both.stdout == ru + en
    assert [line.split(" stopwords")[0].split()[1] for line in both.stderr.splitlines()] == ["ru", "en"]


def test_stopwords_from_nltk_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "corpora" / "stopwords"
    folder.mkdir(parents=True)
    (folder / "russian").write_text("и\nне\nхорошо\nэтот\n", encoding="utf-8")
    monkeypatch.setenv("NLTK_DATA", str(tmp_path))
    result = invoke("stopwords", "--lang", "ru")
    assert (result.exit_code, result.stdout) == (0, "и\nэтот\n")  # не: a negation; хорошо: a polarity word
    assert "NLTK stopwords corpus (russian)" in result.stderr


@pytest.mark.parametrize(("args", "fragment"), [(["--lang", "de"], "invalid --lang 'de'"),
                                                (["--source", "web"], "invalid --source 'web'")])
def test_stopwords_bad_values(args: list[str], fragment: str) -> None:
    result = invoke("stopwords", *args)
    assert result.exit_code == 2
    assert fragment in one_error_line(result)


def test_missing_nltk_stopwords_hint_names_the_option_of_the_command(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from sentikit.errors import DataError
    from sentikit.text import stopwords as stopword_lists

    monkeypatch.setattr(stopword_lists, "nltk_data_dirs", lambda: [tmp_path])  # no NLTK data anywhere
    result = invoke("stopwords", "--lang", "en", "--source", "nltk")
    assert (result.exit_code, result.stdout) == (1, "")
    line = one_error_line(result)
    assert "NLTK's stopword corpus is not installed" in line and "--source builtin" in line
    assert "--stopword-source" not in line
    with pytest.raises(DataError, match="stopword_source='builtin'"):  # the library names its own setting
        stopword_lists.load_stopwords("en", "nltk")


# -- import cost ------------------------------------------------------------------------------------------------


def test_importing_the_cli_does_not_import_heavy_libraries() -> None:
    code = ("import sys, sentikit.cli.app; "
            "print(','.join(m for m in ('torch', 'sklearn', 'nltk') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_what_the_reader_guessed_is_said_as_information_not_as_a_warning() -> None:
    result = invoke("preprocess", "-", input="id,text\n1,good stuff\n")
    assert result.exit_code == 0 and result.stdout == "good stuff\n"
    assert result.stderr.startswith("<stdin>: read as CSV with the header id, text (line 1)")
    assert "warning" not in result.stderr


def test_csv_output_names_every_field_it_leaves_out() -> None:
    """The first field a later row brings is named at once; the ones after it, once, at the end."""
    rows = [{"text": "раз", "label": "a"}, {"text": "два", "label": "a", "id": "2"},
            {"text": "три", "label": "a", "id": "3", "source": "web"}]
    data = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    result = invoke("preprocess", "-", "--input-format", "jsonl", "--format", "csv", input=data)
    assert result.exit_code == 0 and result.stdout.splitlines()[0] == "text,label"
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 2 and "'id'" in warnings[0] and "'source'" in warnings[1]
