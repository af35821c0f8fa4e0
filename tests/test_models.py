"""Neural networks: config round-trip, every registry entry's shapes, padding invariance, numpy/torch parity,
and that each architecture can actually learn a trivially separable task."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from sentikit.errors import UsageError
from sentikit.features.sequences import SequenceConfig
from sentikit.models.config import ARCH_NAMES, COMBINE_MODES, CONV_POOL_MODES, POOL_MODES, NeuralConfig
from sentikit.models.nets import ARCHITECTURES, PAD_ID, UNK_ID, build_model, count_parameters, word_dropout
from sentikit.models.numpy_forward import _distinct, forward_numpy, softmax, weight_shapes
from sentikit.text.config import PreprocessConfig
from sentikit.training.optim import AdamW

V, C = 40, 3
VOCAB = ["<pad>", "<unk>"] + [f"w{i}" for i in range(V - 2)]  # as build_vocabulary orders it


pytestmark = pytest.mark.usefixtures("torch_single_thread")


def tiny(arch: str, **overrides: object) -> NeuralConfig:
    base = {"embed_dim": 16, "hidden_size": 16, "conv_filters": 8, "conv_widths": (2, 3, 7), "dropout": 0.2}
    return NeuralConfig(arch=arch, **{**base, **overrides})


def random_batch(
    rng: np.random.Generator, lengths: list[int], pad_to: int | None = None
) -> tuple[np.ndarray, ...]:
    """Right-padded ids (B, T) with real tokens in 1..V-1 and PAD (0) after each length."""
    T = pad_to or max(lengths)
    ids = np.zeros((len(lengths), T), dtype=np.int64)
    for row, n in enumerate(lengths):
        ids[row, :n] = rng.integers(1, V, size=n)
    return ids, np.array(lengths, dtype=np.int64)


# Every architecture with its default readout, plus every pool x combine for one bidirectional net per cell.
VARIANTS = [(arch, {}) for arch in ARCH_NAMES] + [
    (arch, {"pool": pool, "combine": combine})
    for arch in ("birnn", "bilstm", "bigru")
    for pool in POOL_MODES
    for combine in COMBINE_MODES
]
VARIANTS += [(arch, {"num_layers": 2, "pool": "last"}) for arch in ("gru", "bilstm")]
VARIANTS += [("gru", {"bidirectional": True, "combine": "mean"}), ("lstm", {"pool": "last"})]
VARIANTS += [("conv1d", {"conv_pool": pool}) for pool in CONV_POOL_MODES]
VARIANTS += [("conv1d", {"conv_input": "embedding", "conv_pool": pool}) for pool in CONV_POOL_MODES]
IDS = [f"{arch}-{'-'.join(f'{k}={v}' for k, v in kw.items()) or 'default'}" for arch, kw in VARIANTS]


def test_registry_matches_arch_names() -> None:
    assert tuple(ARCHITECTURES) == ARCH_NAMES


def test_config_round_trip_and_validation() -> None:
    cfg = NeuralConfig(arch="bilstm", pool="last", conv_widths=(2, 3))
    data = json.loads(json.dumps(cfg.to_dict()))
    assert NeuralConfig.from_dict(data) == cfg
    assert NeuralConfig.from_dict({}) == NeuralConfig()
    with pytest.raises(UsageError, match="valid keys"):
        NeuralConfig.from_dict({"hidden": 3})
    # Conv1D models saved before `conv_pool` existed max-pooled; other architectures ignore the field.
    assert NeuralConfig.from_dict({"arch": "conv1d"}).conv_pool == "max"
    assert NeuralConfig.from_dict({"arch": "conv1d", "conv_pool": "mean"}).conv_pool == "mean"
    assert NeuralConfig.from_dict({"arch": "gru"}).conv_pool == NeuralConfig().conv_pool
    with pytest.raises(UsageError, match="conv1d"):
        NeuralConfig(arch="transformer")
    for bad in (
        {"pool": "first"},
        {"combine": "sum"},
        {"dropout": 1.0},
        {"hidden_size": 0},
        {"conv_widths": ()},
        {"num_layers": True},
        {"bidirectional": "yes"},
        {"conv_pool": "last"},
        {"embed_init": 0},
        {"embed_init": True},
        {"word_dropout": 1.0},
        {"word_dropout": -0.1},
    ):
        with pytest.raises(UsageError):
            NeuralConfig(**bad)


@pytest.mark.parametrize("arch", ARCH_NAMES)
def test_the_saved_config_records_the_direction_the_network_has(arch: str) -> None:
    bidirectional = arch.startswith("bi")
    cfg = NeuralConfig(arch=arch)
    assert cfg.to_dict()["bidirectional"] is bidirectional
    assert cfg.is_bidirectional is bidirectional
    assert NeuralConfig.from_dict(json.loads(json.dumps(cfg.to_dict()))) == cfg


@pytest.mark.parametrize("arch", ["birnn", "bilstm", "bigru"])
def test_a_bi_architecture_cannot_be_unidirectional(arch: str) -> None:
    with pytest.raises(UsageError, match=f"{arch} is bidirectional by definition"):
        NeuralConfig(arch=arch, bidirectional=False)
    # Folders saved before the direction was recorded say false for every bi* network: the name decides.
    assert NeuralConfig.from_dict({"arch": arch, "bidirectional": False}) == NeuralConfig(arch=arch)


def test_importing_models_package_does_not_import_torch() -> None:
    code = "import sys, sentikit.models, sentikit.models.numpy_forward; print('torch' in sys.modules)"
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")])}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    ).stdout
    assert out.strip() == "False"


@pytest.mark.parametrize(("arch", "overrides"), VARIANTS, ids=IDS)
def test_forward_backward_shapes_and_width(arch: str, overrides: dict) -> None:
    cfg = tiny(arch, **overrides)
    model = build_model(cfg, V, C)
    assert model.head.in_features == cfg.feature_width
    ids, lengths = random_batch(np.random.default_rng(0), [5, 1, 3, 2])
    logits = model(torch.from_numpy(ids), torch.from_numpy(lengths))
    assert logits.shape == (4, C)
    logits.sum().backward()
    first = model.embedding.weight if cfg.has_embedding else model.regions[0][0].weight
    assert first.grad is not None and first.grad.is_sparse == (not cfg.has_embedding)
    assert count_parameters(model) == sum(p.numel() for p in model.parameters())


def test_word_dropout_hits_real_tokens_only_and_only_in_training() -> None:
    ids = torch.tensor([[5, 6, 7, 8, 0, 0]] * 2000)  # (B, T), PAD after 4 tokens
    torch.manual_seed(0)
    dropped = word_dropout(ids, 0.25, training=True)
    real = ids != PAD_ID
    assert torch.equal(dropped[~real], ids[~real])  # padding stays padding
    changed = dropped[real] != ids[real]
    assert torch.all(dropped[real][changed] == UNK_ID)
    assert 0.23 < changed.float().mean().item() < 0.27
    assert torch.equal(word_dropout(ids, 0.25, training=False), ids)
    assert torch.equal(word_dropout(ids, 0.0, training=True), ids)


@pytest.mark.parametrize("arch", ["conv1d", "gru"])
def test_word_dropout_changes_training_forward_not_inference(arch: str) -> None:
    ids, lengths = (torch.from_numpy(a) for a in random_batch(np.random.default_rng(2), [9, 6, 12]))
    torch.manual_seed(0)
    plain = build_model(tiny(arch, dropout=0.0, embed_dropout=0.0), V, C)
    noisy = build_model(tiny(arch, dropout=0.0, embed_dropout=0.0, word_dropout=0.5), V, C)
    noisy.load_state_dict(plain.state_dict())  # same weights: only the dropout differs
    with torch.no_grad():
        assert torch.equal(noisy.eval()(ids, lengths), plain.eval()(ids, lengths))
        torch.manual_seed(1)
        assert not torch.equal(noisy.train()(ids, lengths), plain.train()(ids, lengths))


@pytest.mark.parametrize(("arch", "overrides"), VARIANTS, ids=IDS)
def test_padding_never_changes_the_result(arch: str, overrides: dict) -> None:
    torch.manual_seed(0)
    model = build_model(tiny(arch, **overrides), V, C).eval()
    rng = np.random.default_rng(1)
    ids, lengths = random_batch(rng, [4, 11, 1], pad_to=14)
    with torch.no_grad():
        batched = model(torch.from_numpy(ids), torch.from_numpy(lengths))
        # Garbage (non-PAD ids) behind each length must be ignored just like PAD is.
        noisy = ids.copy()
        noisy[ids == 0] = rng.integers(1, V, size=int((ids == 0).sum()))
        assert torch.equal(model(torch.from_numpy(noisy), torch.from_numpy(lengths)), batched)
        for row, n in enumerate(lengths):
            alone = model(torch.from_numpy(ids[row : row + 1, :n]), torch.from_numpy(lengths[row : row + 1]))
            # Equal up to float rounding (BLAS may block a 1-row batch differently).
            torch.testing.assert_close(alone[0], batched[row], atol=1e-5, rtol=0)


@pytest.mark.parametrize(("arch", "overrides"), VARIANTS, ids=IDS)
def test_numpy_forward_matches_torch(arch: str, overrides: dict) -> None:
    torch.manual_seed(2)
    cfg = tiny(arch, **overrides)
    model = build_model(cfg, V, C).eval()
    with torch.no_grad():
        for p in model.parameters():  # wider than default init, so saturation paths are exercised too
            p.uniform_(-0.6, 0.6)
        ids, lengths = random_batch(np.random.default_rng(3), [6, 1, 13, 2, 9, 13, 4])
        expected = model(torch.from_numpy(ids), torch.from_numpy(lengths)).numpy()
    weights = {name: t.numpy().copy() for name, t in model.state_dict().items()}
    got = forward_numpy(cfg, weights, ids, lengths)
    assert got.dtype == np.float32 and got.shape == expected.shape
    np.testing.assert_allclose(got, expected, atol=1e-4, rtol=0)
    np.testing.assert_allclose(softmax(got), torch.softmax(torch.from_numpy(expected), 1).numpy(), atol=1e-4)


def test_numpy_forward_rejects_bad_lengths() -> None:
    cfg = tiny("gru")
    weights = {k: v.numpy() for k, v in build_model(cfg, V, C).state_dict().items()}
    with pytest.raises(ValueError):
        forward_numpy(cfg, weights, np.ones((2, 3), dtype=np.int64), np.array([0, 3]))
    assert forward_numpy(cfg, weights, np.zeros((0, 3), dtype=np.int64), np.zeros(0)).shape == (0, C)


@pytest.mark.parametrize(("shape", "vocab"), [((1, 1), 50), ((3, 7), 50), ((40, 256), 50), ((1, 40), 5000)])
def test_distinct_ids_agree_with_np_unique(shape: tuple[int, int], vocab: int) -> None:
    """Both ways: marking (a batch large against the vocabulary) and sorting (a short text, large vocabulary)."""
    ids = np.random.default_rng(sum(shape)).integers(0, 50, size=shape)
    distinct, inverse = _distinct(ids, vocab)
    expected, expected_inverse = np.unique(ids, return_inverse=True)
    np.testing.assert_array_equal(distinct, expected)
    np.testing.assert_array_equal(inverse, expected_inverse.reshape(shape))
    np.testing.assert_array_equal(distinct[inverse], ids)


@pytest.mark.parametrize(("arch", "overrides"), VARIANTS, ids=IDS)
def test_weight_shapes_are_the_torch_state_dict(arch: str, overrides: dict) -> None:
    cfg = tiny(arch, **overrides)
    state = build_model(cfg, V, C).state_dict()
    assert weight_shapes(cfg, V, C) == {name: tuple(t.shape) for name, t in state.items()}


# What every saved model holds besides its predictor: the preprocessing settings and the fitted state.
_SAVED_PREPROCESSING = {"preprocess": PreprocessConfig().to_dict(),
                        "preprocess_state": {"stopwords": [], "stopword_sources": {}, "en_lemmatizer": "none"}}


def _neural_folder(tmp_path: Path, labels: list[str], edit: dict[str, object] | None = None,
                   arrays_edit: dict[str, np.ndarray] | None = None) -> Path:
    from sentikit.artifacts import save_model

    cfg = tiny("gru")
    arrays = {name: t.numpy().copy() for name, t in build_model(cfg, V, C).state_dict().items()}
    arrays.update(arrays_edit or {})
    manifest = {**_SAVED_PREPROCESSING, "kind": "neural", "labels": labels,
                "predictor": {"model": {**cfg.to_dict(), **(edit or {})}, "sequence": SequenceConfig().to_dict()}}
    return save_model(tmp_path / "m", manifest, arrays, {"vocab": VOCAB})


def test_neural_model_folder_loads(tmp_path: Path) -> None:
    from sentikit.model import load_model

    model = load_model(_neural_folder(tmp_path, ["a", "b", "c"]))
    assert model.predictor.n_classes == C and model.predict_proba(["w3 w4"]).shape == (1, C)


def test_bi_model_folder_saved_with_bidirectional_false_still_loads(tmp_path: Path) -> None:
    from sentikit.artifacts import save_model
    from sentikit.model import load_model

    torch.manual_seed(0)
    network = build_model(tiny("bigru"), V, C).eval()
    arrays = {name: t.numpy().copy() for name, t in network.state_dict().items()}
    old_config = {**tiny("bigru").to_dict(), "bidirectional": False}  # what bi* manifests used to hold
    manifest = {**_SAVED_PREPROCESSING, "kind": "neural", "labels": ["a", "b", "c"],
                "predictor": {"model": old_config, "sequence": SequenceConfig().to_dict()}}
    model = load_model(save_model(tmp_path / "m", manifest, arrays, {"vocab": VOCAB}))
    assert model.predictor.config.is_bidirectional
    ids, lengths = np.array([[3, 4]]), np.array([2])
    with torch.no_grad():
        expected = torch.softmax(network(torch.from_numpy(ids), torch.from_numpy(lengths)), 1).numpy()
    np.testing.assert_allclose(model.predict_proba(["w1 w2"]), expected, atol=1e-5)


@pytest.mark.parametrize(("labels", "edit", "fragment"), [
    (["a", "b"], None, "'labels' names 2 classes, the weights have 3"),
    (["a", "b", "c", "d"], None, "'labels' names 4 classes, the weights have 3"),
    (["x", "x", "y"], None, "'labels' lists 'x' more than once"),
    (["a", 1, "c"], None, "'labels' must be a list of non-empty strings"),
    ("abc", None, "'labels' must be a list"),
    (["a", "b", "c"], {"arch": "lstm"}, "weights do not fit the lstm network"),
    (["a", "b", "c"], {"arch": "conv1d", "conv_input": "embedding"}, "conv1d network of 9 weight tensors, but"),
    (["a", "b", "c"], {"arch": "conv1d"}, "conv1d network of 17 weight tensors, but the weights file holds 7"),
    # Fewer tensors than the network needs: refused from the count, before the shapes are listed.
    (["a", "b", "c"], {"bidirectional": True}, "a gru network of 11 weight tensors, but the weights file holds 7"),
    (["a", "b", "c"], {"num_layers": 2}, "a gru network of 11 weight tensors, but the weights file holds 7"),
    (["a", "b", "c"], {"pool": "last"}, "head.weight has shape (3, 32), expected (3, 16)"),
    (["a", "b", "c"], {"embed_dim": 8}, "embedding.weight has shape (40, 16), expected (40, 8)"),
])
def test_inconsistent_neural_manifest_is_refused(tmp_path: Path, labels: object, edit: dict | None,
                                                 fragment: str) -> None:
    from sentikit.errors import ModelError
    from sentikit.model import load_model

    with pytest.raises(ModelError, match="the manifest is incomplete or inconsistent") as info:
        load_model(_neural_folder(tmp_path, labels, edit))  # type: ignore[arg-type]
    assert fragment in str(info.value)


@pytest.mark.parametrize(("damaged", "fragment"), [
    (np.full((C,), np.nan, dtype=np.float32), "head.bias holds NaN or infinite values"),
    (np.full((C,), np.inf, dtype=np.float64), "head.bias holds NaN or infinite values"),
    (np.ones((C,), dtype=np.float16), "head.bias holds float16, not float32 or float64"),
    (np.ones((C,), dtype=np.int32), "head.bias holds int32, not float32 or float64"),
    (np.ones((C,), dtype=bool), "head.bias holds bool, not float32 or float64"),
])
def test_neural_weights_that_are_not_finite_floats_are_refused(tmp_path: Path, damaged: np.ndarray,
                                                               fragment: str) -> None:
    from sentikit.errors import ModelError
    from sentikit.model import load_model

    folder = _neural_folder(tmp_path, ["a", "b", "c"], arrays_edit={"head.bias": damaged})
    with pytest.raises(ModelError, match="the stored weights are invalid") as info:
        load_model(folder)
    assert fragment in str(info.value)


def test_bidirectional_flag_and_bi_names_build_the_same_network() -> None:
    a = build_model(tiny("gru", bidirectional=True), V, C)
    b = build_model(tiny("bigru"), V, C)
    assert [(k, v.shape) for k, v in a.state_dict().items()] == [
        (k, v.shape) for k, v in b.state_dict().items()
    ]
    assert tiny("bigru").is_bidirectional and not tiny("gru").is_bidirectional


def test_plain_rnn_is_an_elman_rnn() -> None:
    model = build_model(tiny("rnn"), V, C)
    assert isinstance(model.layers[0].fwd, torch.nn.RNN) and model.layers[0].fwd.nonlinearity == "tanh"
    assert model.layers[0].fwd.weight_hh_l0.shape == (16, 16)  # one gate, no LSTM/GRU machinery


def separable_task(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Docs of random filler ids; class 0 docs contain id 2 ("good"), class 1 docs contain id 3 ("bad")."""
    lengths = rng.integers(3, 12, size=n)
    ids, lengths = random_batch(rng, lengths.tolist())
    ids[ids == 2] = 4
    ids[ids == 3] = 4
    y = rng.integers(0, 2, size=n)
    where = rng.integers(0, lengths)  # the marker can be anywhere in the doc
    ids[np.arange(n), where] = np.where(y == 0, 2, 3)
    return ids, lengths, y


@pytest.mark.parametrize(("arch", "overrides"), [(arch, {}) for arch in ARCH_NAMES] + [
    ("conv1d", {"conv_input": "embedding"})], ids=[*ARCH_NAMES, "conv1d-embedding"])
def test_learns_a_separable_task(arch: str, overrides: dict) -> None:
    torch.manual_seed(0)
    ids, lengths, y = separable_task(np.random.default_rng(4), 96)
    model = build_model(tiny(arch, dropout=0.0, **overrides), V, 2)
    # sentikit's AdamW, as training uses: torch.optim.Adam refuses the sparse gradients of one-hot conv1d tables.
    optimizer = AdamW([{"params": list(model.parameters()), "weight_decay": 0.0}], lr=0.02)
    ids_t, lengths_t, y_t = torch.from_numpy(ids), torch.from_numpy(lengths), torch.from_numpy(y)
    for _ in range(6):
        for batch in torch.arange(len(y)).split(16):
            loss = torch.nn.functional.cross_entropy(model(ids_t[batch], lengths_t[batch]), y_t[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    model.eval()
    with torch.no_grad():
        accuracy = (model(ids_t, lengths_t).argmax(1) == y_t).float().mean().item()
    assert accuracy >= 0.9


@pytest.mark.parametrize("arch", ["conv1d", "gru"])
@pytest.mark.parametrize("std", [0.05, 0.5])
def test_embeddings_start_at_the_configured_scale(arch: str, std: float) -> None:
    torch.manual_seed(0)
    network = ARCHITECTURES[arch](tiny(arch, embed_init=std), 2000, C)
    # conv1d reads one-hot words by default: its per-offset word tables start like an embedding.
    tables = [network.embedding] if arch != "conv1d" else [t for width in network.regions for t in width]
    for table in tables:
        weight = table.weight.detach()
        assert torch.all(weight[0] == 0)  # PAD
        assert weight[1:].std().item() == pytest.approx(std, rel=0.05)
