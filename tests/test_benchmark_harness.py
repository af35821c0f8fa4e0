"""The benchmark harness (benchmarks/run.py) end to end on a tiny synthetic corpus folder: sentikit (one linear,
one neural architecture), fastText and scikit-learn; checks the JSON results and the Markdown report."""

from __future__ import annotations

import csv
import gzip
import json
import random
import sys
from pathlib import Path

import pytest

pytest.importorskip("fasttext")
pytest.importorskip("sklearn")

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from benchmarks import run  # noqa: E402
from benchmarks.best_settings import merge_options  # noqa: E402
from benchmarks.corpora import Split, stratified_sample  # noqa: E402
from benchmarks.tools import ROW_FIELDS  # noqa: E402

POSITIVE = ["good", "great", "love", "excellent", "wonderful"]
NEGATIVE = ["bad", "awful", "hate", "terrible", "boring"]
FILLER = ["the", "movie", "film", "plot", "actor", "scene", "story", "was", "is", "a", "and"]


def _document(rng: random.Random, cues: list[str]) -> str:
    words = [rng.choice(FILLER) for _ in range(8)] + [rng.choice(cues) for _ in range(2)]
    rng.shuffle(words)
    return " ".join(words)


def make_corpus(root: Path, name: str = "tiny") -> Path:
    """`root/name/{train,test}.csv.gz` in the shared corpora's layout (gzip CSV, text,label, CRLF), no dev."""
    rng = random.Random(7)
    folder = root / name
    folder.mkdir(parents=True)
    for split, n in (("train", 160), ("test", 60)):
        with gzip.open(folder / f"{split}.csv.gz", "wt", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)  # CRLF record separators by default
            writer.writerow(["text", "label"])
            for i in range(n):
                label = "pos" if i % 2 else "neg"
                text = _document(rng, POSITIVE if label == "pos" else NEGATIVE)
                writer.writerow([text + ("\nsecond line" if i % 9 == 0 else ""), label])
    return root


def test_harness_end_to_end(tmp_path: Path) -> None:
    corpora = make_corpus(tmp_path / "corpora")
    out, report = tmp_path / "results", tmp_path / "BENCHMARKS.md"
    argv = ["--corpus", "tiny", "--corpora", str(corpora), "--quick", "--archs", "logreg,conv1d",
            "--neural-options", "--epochs 1 --max-len 32", "--fasttext-grid", "lr=0.5;epoch=5",
            "--sklearn-grid", "C=1,10", "--cold-repeats", "1", "--throughput-docs", "40",
            "--out", str(out), "--markdown", str(report)]
    status = run.main(argv)

    files = list(out.glob("*.json"))
    assert len(files) == 1
    result = json.loads(files[0].read_text(encoding="utf-8"))
    rows = result["rows"]
    assert status == 0, [r["error"] for r in rows if r["error"]]
    assert [(r["tool"], r["arch"]) for r in rows] == [
        ("sentikit", "logreg"), ("sentikit", "conv1d"), ("fastText", "fasttext"), ("scikit-learn", "sklearn")]
    for row in rows:
        assert set(ROW_FIELDS) <= set(row)
        assert row["corpus"] == "tiny" and row["n_test"] == 60
        assert 0.0 <= row["accuracy"] <= 1.0 and 0.0 <= row["macro_f1"] <= 1.0
        for key in ("train_s", "predict_docs_s", "cold_start_s", "peak_rss_train_mb", "peak_rss_predict_mb",
                    "artifact_mb"):
            assert row[key] > 0, (row["model"], key)
        assert len(row["cold_start_runs"]) == 1
    assert rows[0]["accuracy"] >= 0.9  # the cue words separate the classes
    assert rows[1]["settings"] == "--epochs 1 --max-len 32" and rows[1]["epochs"] == 1
    assert rows[0]["predict_cli_docs_s"] > 0 and rows[2]["tune_s"] > 0

    meta = result["meta"]
    assert meta["quick"] is True and meta["machine"]["cores"] >= 1
    assert {"sentikit", "torch", "scikit-learn", "fasttext", "numpy"} <= set(meta["versions"])
    corpus = meta["corpora"][0]
    assert corpus["dev_source"].startswith("stratified 10%")
    assert corpus["sizes"] == {"train": 144, "dev": 16, "test": 60, "throughput": 40}
    goals = result["goals"]
    assert [g["corpus"] for g in goals["sentikit_best_vs_fasttext"]] == ["tiny"]
    assert goals["sentikit_best_vs_fasttext"][0]["met"] is None  # no goal outside IMDB and RuSentiTweet
    assert goals["defaults_vs_tuned"] == []  # no best settings for "tiny"

    text = report.read_text(encoding="utf-8")
    for heading in ("# Benchmarks", "## Measured", "## Goals", "## Published figures", "## Time budget"):
        assert heading in text
    assert "Quick run" in text and "91.22 %" in text and "0.6594" in text
    assert "| tiny | sentikit | logreg (defaults) |" in text
    assert "| tiny | fastText |" in text and "| tiny | scikit-learn |" in text
    assert meta["command"] in text
    assert not list((REPO_ROOT / "benchmarks").glob("tiny*"))  # nothing written into the repository


def test_stratified_sample_and_merge_options() -> None:
    split = Split([f"t{i}" for i in range(100)], ["a"] * 70 + ["b"] * 30)
    sample = stratified_sample(split, 10, seed=1)
    assert len(sample) == 10 and sample.labels.count("a") == 7
    assert stratified_sample(split, 10, seed=1).texts == sample.texts  # seeded
    assert stratified_sample(split, 500, seed=1) is split
    merged = merge_options(["--epochs", "1", "--max-len", "64"], ["--epochs", "5"])
    assert merged == ["--max-len", "64", "--epochs", "5"]
    assert run.parse_grid("lr=0.1,0.5;epoch=5,25", ("lr", "epoch")) == {"lr": [0.1, 0.5], "epoch": [5, 25]}


def _row(corpus: str, arch: str, kind: str, accuracy: float, dev: float, tool: str = "sentikit") -> dict:
    return {"corpus": corpus, "tool": tool, "arch": arch, "kind": kind, "model": f"{arch} ({kind})",
            "accuracy": accuracy, "macro_f1": accuracy, "dev_macro_f1": dev, "dev_accuracy": dev}


def test_goals_compare_each_default_with_the_tuned_row_of_its_own_architecture() -> None:
    from benchmarks.report import compute_goals

    rows = [_row("imdb", "logreg", "default", 0.90, 0.91), _row("imdb", "gru", "default", 0.85, 0.86),
            _row("imdb", "gru", "tuned", 0.88, 0.89), _row("imdb", "logreg", "tuned", 0.93, 0.90),
            _row("imdb", "fasttext", "peer", 0.89, 0.895, tool="fastText")]
    goals = compute_goals(rows)
    pairs = {(g["default"], g["tuned"]): (g["accuracy_points"], g["met"]) for g in goals["defaults_vs_tuned"]}
    assert pairs == {("logreg (default)", "logreg (tuned)"): (-3.0, False),
                     ("gru (default)", "gru (tuned)"): (-3.0, False)}
    best = goals["sentikit_best_vs_fasttext"][0]
    # chosen by dev macro-F1 (logreg default, 0.91), not by its test score
    assert best["sentikit"] == "logreg (default)" and best["accuracy_points"] == 1.0 and best["met"] is False


def test_merge_later_rows_win_and_tuned_rows_go_by_corpus() -> None:
    from benchmarks.merge import merge_rows

    def row(corpus: str, model: str, kind: str, accuracy: float) -> dict[str, object]:
        return {"corpus": corpus, "tool": "sentikit", "model": model, "kind": kind, "accuracy": accuracy}

    full = [row("imdb", "gru (defaults)", "default", 0.80), row("ru", "gru (defaults)", "default", 0.50),
            row("ru", "bigru (tuned)", "tuned", 0.51), row("sst2", "logreg (tuned)", "tuned", 0.81)]
    later = [row("ru", "gru (defaults)", "default", 0.60), row("ru", "conv1d (tuned)", "tuned", 0.62)]
    merged = merge_rows([full, later])
    assert [(r["corpus"], r["model"], r["accuracy"]) for r in merged] == [
        ("imdb", "gru (defaults)", 0.80),
        ("ru", "gru (defaults)", 0.60),  # replaced in place
        ("ru", "conv1d (tuned)", 0.62),  # the stale bigru (tuned) row of the same corpus is gone
        ("sst2", "logreg (tuned)", 0.81),  # other corpora keep their tuned rows
    ]


def test_neural_tuning_runs_every_variant_seed_and_arch_on_dev_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from benchmarks import neural_tuning

    corpora = make_corpus(tmp_path / "corpora")
    (corpora / "tiny" / "test.csv.gz").unlink()  # the grid must not need (or read) the test split
    tiny = '{"model": {"embed_dim": 8, "hidden_size": 8, "conv_filters": 4}, "train": {"epochs": 1}}'
    out = tmp_path / "grid.jsonl"
    assert neural_tuning.main(["--corpus", "tiny", "--corpora", str(corpora), "--arch", "gru", "conv1d",
                               "--seeds", "1", "2", "--threads", "1", "--out", str(out),
                               "--variant", f"small={tiny}"]) == 0
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [(r["variant"], r["seed"], r["arch"]) for r in records] == [
        (v, s, a) for v in ("defaults", "small") for s in (1, 2) for a in ("gru", "conv1d")]
    assert all(0.0 <= r["dev_macro_f1"] <= 1.0 and r["epochs_run"] >= 1 for r in records)
    assert all(r["epochs_run"] == 1 for r in records if r["variant"] == "small")  # overrides reach TrainConfig
    assert all(r["fit_rows"] is None for r in records)  # scored on its early-stopping dev: no refit
    table = capsys.readouterr().out
    assert "| gru | small |" in table and " of 2 |" in table
    with pytest.raises(SystemExit):
        neural_tuning.parse_variant('bad={"optimizer": {}}')


def test_neural_tuning_held_out_scores_the_full_train_procedure(tmp_path: Path) -> None:
    """--held-out: each run carves its own dev split from the rest, refits when its settings say so, and is
    scored on the held-out 10 % with the returned weights."""
    from benchmarks import neural_tuning

    corpora = make_corpus(tmp_path / "corpora")
    tiny = {"model": {"embed_dim": 8, "hidden_size": 8}, "train": {"epochs": 2, "refit": True}}
    out = tmp_path / "grid.jsonl"
    assert neural_tuning.main(["--corpus", "tiny", "--corpora", str(corpora), "--arch", "gru", "--seeds", "1",
                               "--threads", "1", "--out", str(out), "--held-out",
                               "--variant", f"refit={json.dumps(tiny)}",
                               "--variant", f"no-refit={json.dumps({**tiny, 'train': {'refit': False}})}"]) == 0
    records = {r["variant"]: r for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    # The refit used all 144 documents outside the held-out 16 (its own dev split included).
    assert records["refit"]["held_out"] and records["refit"]["fit_rows"] == 144
    assert records["no-refit"]["fit_rows"] is None
    assert records["refit"]["dev_macro_f1"] is not None and records["no-refit"]["dev_macro_f1"] is not None


def test_cli_speed_times_each_variant_on_the_same_texts(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from typer.testing import CliRunner

    from benchmarks import cli_speed
    from sentikit.cli.app import app

    corpora = make_corpus(tmp_path / "corpora")
    model = tmp_path / "model"
    trained = CliRunner().invoke(app, ["train", str(corpora / "tiny" / "train.csv.gz"), "--arch", "nb",
                                       "--out", str(model)])
    assert trained.exit_code == 0, trained.stderr
    shadow = tmp_path / "shadow"  # an empty folder first on PYTHONPATH: the same code, timed as a variant
    shadow.mkdir()
    cli_speed.main(["--model", str(model), "--corpus", "tiny", "--corpora", str(corpora), "--docs", "25",
                    "--rounds", "2", "--compare", f"same={shadow}"])
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["variant"] for r in rows] == ["installed", "same"]
    for row in rows:
        assert row["docs"] == 25 and row["rounds"] == 2
        assert 0 < row["cold_min_max_s"][0] <= row["cold_start_s"] <= row["cold_min_max_s"][1]
        # piped_s is printed rounded to milliseconds, the rate from the unrounded time: allow that difference.
        assert abs(row["piped_docs_per_s"] - 25 / row["piped_s"]) <= 1
    assert rows[0]["cold_vs_installed"] == 1.0


def test_cli_speed_stops_with_the_failing_command(tmp_path: Path) -> None:
    from benchmarks import cli_speed

    corpora = make_corpus(tmp_path / "corpora")
    with pytest.raises(SystemExit, match="failed"):
        cli_speed.main(["--model", str(tmp_path / "missing"), "--corpus", "tiny", "--corpora", str(corpora),
                        "--docs", "5", "--rounds", "1"])


def test_purged_dev_split_keeps_name_linked_reviews_on_one_side() -> None:
    from benchmarks.purged_dev_split import purged_split

    # Reviews of film i mention its two leads and its title, four reviews each; nothing links two films.
    films = [("Alvarez", "Brannigan", "Quixote"), ("Cordova", "Delacroix", "Rimbaud"),
             ("Esposito", "Fairbanks", "Sorrento"), ("Gallagher", "Hargreaves", "Tolstoy"),
             ("Ingersoll", "Jablonski", "Umberto")]
    texts = [f"{a} and {b} in {c} were fine, review {k}." for a, b, c in films for k in range(4)]
    train, dev = purged_split(texts, dev_fraction=0.2, seed=1, max_df=10, link=3)
    film_of = [i // 4 for i in range(len(texts))]
    assert len(dev) == 4 and len({film_of[i] for i in dev}) == 1
    assert not {film_of[i] for i in dev} & {film_of[i] for i in train}
    assert len(train) == 16
