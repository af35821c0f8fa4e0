"""`conv1d --conv-input onehot` (Johnson & Zhang's convolution over one-hot words): the lazy sparse AdamW step
and the clipping its tables need, that it learns and repeats with a seed, and how train/compare treat the
settings it does not read. Shapes, padding and the numpy/torch parity are in test_models.py (VARIANTS)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn
from typer.testing import CliRunner

from sentikit.cli.app import app
from sentikit.errors import UsageError
from sentikit.features.sequences import SequenceConfig, encode, pad_batch
from sentikit.models.config import NeuralConfig
from sentikit.models.numpy_forward import forward_numpy
from sentikit.training.neural import TrainConfig, train_neural
from sentikit.training.optim import AdamW, clip_gradients
from tests.corpus_samples import english_sample
from tests.test_training_neural import DEV, LABELS, TRAIN, strip_timing

pytestmark = pytest.mark.usefixtures("torch_single_thread")

ONEHOT = NeuralConfig(arch="conv1d", conv_input="onehot", conv_filters=8, conv_widths=(2, 3), dropout=0.1)


def twin_tables(rows: int = 12, width: int = 4) -> tuple[nn.Embedding, nn.Embedding]:
    """The same table twice, one with sparse and one with dense gradients."""
    torch.manual_seed(0)
    sparse, dense = nn.Embedding(rows, width, sparse=True), nn.Embedding(rows, width)
    dense.load_state_dict(sparse.state_dict())
    return sparse, dense


@pytest.mark.parametrize("weight_decay", [0.0, 0.1])
def test_a_sparse_step_is_the_dense_step_on_the_rows_in_the_batch(weight_decay: float) -> None:
    sparse, dense = twin_tables()
    optimizers = [AdamW([{"params": [t.weight], "weight_decay": weight_decay}], lr=0.05) for t in (sparse, dense)]
    every_row = torch.arange(12).repeat(2)  # each row twice: the sparse gradient must sum repeats
    for step in range(4):
        for table, optimizer in zip((sparse, dense), optimizers):
            optimizer.zero_grad()
            (table(every_row).square().sum() * (step + 1)).backward()
            optimizer.step()
        torch.testing.assert_close(sparse.weight, dense.weight, rtol=0, atol=1e-6)


def test_rows_outside_the_batch_keep_their_weights_and_moments() -> None:
    sparse, _ = twin_tables()
    optimizer = AdamW([{"params": [sparse.weight], "weight_decay": 0.5}], lr=0.05)
    before = sparse.weight.detach().clone()
    for rows in ([1, 2], [2, 5]):
        optimizer.zero_grad()
        sparse(torch.tensor(rows)).sum().backward()
        optimizer.step()
    moved = (sparse.weight != before).any(dim=1)
    assert moved.nonzero().flatten().tolist() == [1, 2, 5]  # no decay of the rest, unlike a dense AdamW step
    first_moment = optimizer.moments[sparse.weight][0]
    assert first_moment[[0, 3, 4, 6]].abs().sum() == 0


@pytest.mark.parametrize("max_norm", [0.5, float("inf")])
def test_clipping_sparse_gradients_is_clip_grad_norm_of_the_dense_ones(max_norm: float) -> None:
    (sparse, dense), bias = twin_tables(), nn.Parameter(torch.ones(3))
    twin_bias = nn.Parameter(torch.ones(3))
    ids = torch.tensor([1, 4, 4, 7])
    (sparse(ids).square().sum() + bias.square().sum() * 3).backward()
    (dense(ids).square().sum() + twin_bias.square().sum() * 3).backward()
    norm = clip_gradients([sparse.weight, bias], max_norm)
    expected = float(nn.utils.clip_grad_norm_([dense.weight, twin_bias], max_norm))
    assert norm == pytest.approx(expected, rel=1e-6)
    torch.testing.assert_close(sparse.weight.grad.to_dense(), dense.weight.grad)
    torch.testing.assert_close(bias.grad, twin_bias.grad)


def run(seed: int = 13) -> object:
    cfg = TrainConfig(epochs=6, batch_size=16, lr=0.02, refit=False, seed=seed)
    return train_neural(*TRAIN, *DEV, LABELS, ONEHOT, SequenceConfig(min_count=1, max_len=20), cfg)


def test_it_learns_the_task_repeatably_and_numpy_reproduces_the_dev_accuracy() -> None:
    a, b = run(), run()
    assert a.dev_metrics["accuracy"] >= 0.9
    assert strip_timing(a.history) == strip_timing(b.history)
    assert all(np.array_equal(a.weights[k], b.weights[k]) for k in a.weights)
    assert "embedding.weight" not in a.weights and a.weights["regions.1.2.weight"].shape == (len(a.vocab), 8)
    index = {w: i for i, w in enumerate(a.vocab)}
    ids, lengths = pad_batch(encode(DEV[0], index, SequenceConfig(min_count=1, max_len=20))[0])
    predicted = forward_numpy(ONEHOT, a.weights, ids, lengths).argmax(1)
    assert np.mean(predicted == np.array(DEV[1])) == pytest.approx(a.dev_metrics["accuracy"])


def test_config_checks_the_input_and_older_manifests_mean_embeddings() -> None:
    with pytest.raises(UsageError, match="invalid conv input 'words'"):
        NeuralConfig(arch="conv1d", conv_input="words")
    assert NeuralConfig.from_dict({"arch": "conv1d", "conv_pool": "max"}).conv_input == "embedding"
    assert NeuralConfig.from_dict(ONEHOT.to_dict()) == ONEHOT
    assert not ONEHOT.has_embedding and NeuralConfig(arch="gru", conv_input="onehot").has_embedding


TINY = ["--epochs", "1", "--conv-filters", "4", "--max-len", "20"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return english_sample(tmp_path_factory.mktemp("onehot"), per_label=10)


def test_train_names_the_embedding_settings_it_does_not_read_and_predicts(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "m"
    result = CliRunner().invoke(app, ["train", str(corpus), "--arch", "conv1d", "--conv-input", "onehot",
                                      "--embed-dim", "8", "--embed-dropout", "0.1", "--out", str(out), *TINY])
    assert result.exit_code == 0, result.stderr
    assert "warning: --embed-dim, --embed-dropout have no effect on conv1d over one-hot words" in result.stderr
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["configs"]["model"]["conv_input"] == "onehot"
    predicted = CliRunner().invoke(app, ["predict", "--model", str(out), "great", "awful"])
    assert predicted.exit_code == 0, predicted.stderr
    assert len(predicted.stdout.splitlines()) == 2


def test_vectors_are_not_read_for_it_but_still_are_for_a_recurrent_net(corpus: Path, tmp_path: Path) -> None:
    vectors = tmp_path / "v.vec"
    vectors.write_text("good " + " ".join(["0.5"] * 8) + "\n", encoding="utf-8")
    common = ["--conv-input", "onehot", "--vectors", str(vectors), "--embed-dim", "8", *TINY]
    alone = CliRunner().invoke(app, ["train", str(corpus), "--arch", "conv1d", "--out", str(tmp_path / "c"), *common])
    assert alone.exit_code == 0, alone.stderr
    assert ("warning: --vectors initialises the embeddings of neural architectures; conv1d does not use it "
            "(conv1d reads one-hot words; --conv-input embedding gives it embeddings)") in alone.stderr
    assert "vectors" not in json.loads((tmp_path / "c" / "manifest.json").read_text(encoding="utf-8"))["training"]
    both = CliRunner().invoke(app, ["compare", str(corpus), "--arch", "conv1d,gru", "--keep", str(tmp_path / "k"),
                                    "--format", "csv", *common])
    assert both.exit_code == 0, both.stderr
    assert "--vectors" not in both.stderr  # gru reads them, so no warning about them
    assert "vectors" in json.loads((tmp_path / "k" / "gru" / "manifest.json").read_text(encoding="utf-8"))["training"]


@pytest.mark.parametrize(("model", "vocab", "ema", "fits", "hint"), [
    # the tables (V x F per window offset) dominate
    (ONEHOT, 100, 0.0, 100 * 8 * 5 * 20 + 10_000, "--conv-filters, use fewer or narrower --conv-widths, or "
                                                  "--conv-input embedding"),
    (NeuralConfig(arch="conv1d", conv_input="embedding", embed_dim=8, conv_filters=8), 100, 0.0, 50_000,
     "lower --max-vocab, --embed-dim or --conv-filters, or use fewer or narrower --conv-widths"),
    (NeuralConfig(arch="gru", embed_dim=8, hidden_size=8), 100, 0.9, 2_000 * 24,
     "--hidden-size or --layers; --ema keeps one more copy of every weight"),
])
def test_a_network_that_cannot_fit_is_refused_before_it_is_built(model: NeuralConfig, vocab: int, ema: float,
                                                                 fits: int, hint: str) -> None:
    from sentikit.errors import DataError
    from sentikit.training.run import check_weights_fit

    cfg = TrainConfig(ema=ema)
    check_weights_fit(model, vocab, 2, cfg, None)  # unknown memory: no judgement
    check_weights_fit(model, vocab, 2, cfg, fits)
    with pytest.raises(DataError, match=r"has [\d,]+ weights, which need at least .* GiB to train") as info:
        check_weights_fit(model, vocab, 2, cfg, 1000)
    assert hint in info.value.hint and ("--ema" in info.value.hint) == (ema > 0)


def test_train_refuses_a_network_too_big_for_memory_with_one_line(corpus: Path, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import sentikit.training.run as run

    monkeypatch.setattr(run, "available_memory", lambda: 1000)
    out = tmp_path / "m"
    # The check is for host memory; on a GPU torch reports its own out-of-memory error as it allocates.
    result = CliRunner().invoke(app, ["train", str(corpus), "--arch", "conv1d", "--out", str(out), "--device", "cpu",
                                      *TINY])
    assert (result.exit_code, result.stdout, out.exists()) == (1, "", False)
    *progress, error = result.stderr.splitlines()
    assert error.startswith("error: conv1d has ") and "but only 0.0 GiB of memory is available" in error
    assert not any(line.startswith(("error", "Traceback")) for line in progress)
