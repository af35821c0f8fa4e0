"""Inference for the neural classifiers in plain numpy: the production prediction path; no torch import.

`forward_numpy` reproduces `sentikit.models.nets` from a state_dict-named weight dict (as loaded from a
safetensors file) and follows torch's cell equations exactly:

    RNN:  h' = tanh(W_ih x + b_ih + W_hh h + b_hh)
    LSTM: i, f, g, o = split(W_ih x + b_ih + W_hh h + b_hh); c' = σ(f) c + σ(i) tanh(g); h' = σ(o) tanh(c')
    GRU:  r, z, n = split(...);  r = σ(W_ir x + b_ir + W_hr h + b_hr),  z likewise,
          n = tanh(W_in x + b_in + r * (W_hn h + b_hn));  h' = (1 - z) n + z h

Speed comes from three things: (1) the input projection W_ih x + b_ih is one matmul per layer and
direction, and for the first layer it runs once per *distinct* token of the batch, not per position;
(2) the batch is sorted by length and time-major, so at step t only the prefix of rows still inside their
sequence is updated (no work is spent on padding, as with packed sequences); (3) the per-step gate
arithmetic runs in place on preallocated buffers. A GRU-128 runs at ~2,000 IMDB reviews/s per core.
"""

from __future__ import annotations

import numpy as np

from sentikit.models.config import NeuralConfig

Weights = dict[str, np.ndarray]


def softmax(logits: np.ndarray, dtype: type[np.floating] = np.float32) -> np.ndarray:
    """Row-wise softmax of (B, C) logits, computed stably in `dtype`."""
    z = np.asarray(logits, dtype=dtype)
    z = z - z.max(axis=-1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=-1, keepdims=True)
    return z


def _sigmoid_(x: np.ndarray) -> np.ndarray:
    """In-place logistic function via tanh (no overflow warnings, faster than exp + reciprocal)."""
    x *= 0.5
    np.tanh(x, out=x)
    x *= 0.5
    x += 0.5
    return x


def _distinct(ids: np.ndarray, vocab_size: int) -> tuple[np.ndarray, np.ndarray]:
    """`np.unique(ids, return_inverse=True)` for ids in [0, vocab_size), by marking instead of sorting: the
    sorted distinct ids (U,) and each position's index into them, shaped like `ids`. ~20x faster on a batch
    of 256 reviews (0.25 vs 5 ms), where the sort showed up in profiles of piped prediction. Marking costs
    O(vocab_size) whatever the batch, so a short text over a large vocabulary still sorts."""
    if ids.size * 16 < vocab_size:
        distinct, inverse = np.unique(ids, return_inverse=True)
        return distinct, inverse.reshape(ids.shape)
    seen = np.zeros(vocab_size, dtype=bool)
    seen[ids] = True
    rank = np.cumsum(seen, dtype=np.int32) - 1  # rank[i]: how many distinct ids are below i
    return np.flatnonzero(seen), rank[ids]


def _reverse_index(lengths: np.ndarray, T: int) -> np.ndarray:
    """(T, B) time index that reverses each column's first `length` steps and keeps its padding in place."""
    t = np.arange(T)[:, None]  # (T, 1)
    last = lengths[None, :] - 1  # (1, B)
    return np.where(t <= last, last - t, t)


def _reverse(x: np.ndarray, rev_index: np.ndarray) -> np.ndarray:
    """Apply `_reverse_index` to a time-major (T, B) or (T, B, D) array."""
    return x[rev_index, np.arange(x.shape[1])[None, :]]


def _run_cell(
    cell: str, table: np.ndarray, rows: np.ndarray, w_hh: np.ndarray, b_hh: np.ndarray, active: np.ndarray
) -> np.ndarray:
    """Run one direction of one layer; returns time-major outputs (T, B, H).

    The input side W_ih x + b_ih is precomputed: step t of row b reads `table[rows[t, b]]` (G = gates * H
    wide), gathered step by step into a small buffer rather than materialised for the whole (T, B, G) batch.
    Rows are sorted by length (longest first), so the `active[t]` rows still inside their sequence at step t
    form a prefix; outputs at padding positions stay zero.
    """
    T, B = rows.shape
    H = w_hh.shape[1]
    w_hh_t = np.ascontiguousarray(w_hh.T)  # (H, G)
    out = np.zeros((T, B, H), dtype=np.float32)
    h = np.zeros((B, H), dtype=np.float32)
    gates_h = np.empty((B, w_hh.shape[0]), dtype=np.float32)  # (B, G) scratch for W_hh h
    gates_x = np.empty_like(gates_h)  # (B, G) scratch for W_ih x
    if cell == "gru":
        # b_hr and b_hz can join the input side; b_hn must stay inside r * (W_hn h + b_hn).
        table = table.copy()
        table[:, : 2 * H] += b_hh[: 2 * H]
        b_hn = b_hh[2 * H :]
        for t in range(T):
            n = active[t]
            h_t, gh, gx = h[:n], gates_h[:n], gates_x[:n]
            np.matmul(h_t, w_hh_t, out=gh)  # (n, 3H)
            np.take(table, rows[t, :n], axis=0, out=gx, mode="clip")  # (n, 3H)
            rz = gx[:, : 2 * H]
            rz += gh[:, : 2 * H]
            _sigmoid_(rz)
            r, z = rz[:, :H], rz[:, H:]  # reset and update gates
            new = gh[:, 2 * H :]
            new += b_hn
            new *= r
            new += gx[:, 2 * H :]
            np.tanh(new, out=new)  # candidate state n
            # h' = (1 - z) * n + z * h  ==  n + z * (h - n)
            h_t -= new
            h_t *= z
            h_t += new
            out[t, :n] = h_t
    elif cell == "lstm":
        table = table + b_hh
        c = np.zeros((B, H), dtype=np.float32)
        for t in range(T):
            n = active[t]
            h_t, c_t, g, gx = h[:n], c[:n], gates_h[:n], gates_x[:n]
            np.matmul(h_t, w_hh_t, out=g)  # (n, 4H) in torch's i, f, g, o order
            g += np.take(table, rows[t, :n], axis=0, out=gx, mode="clip")
            _sigmoid_(g[:, : 2 * H])  # input and forget gates
            np.tanh(g[:, 2 * H : 3 * H], out=g[:, 2 * H : 3 * H])  # cell candidate
            _sigmoid_(g[:, 3 * H :])  # output gate
            c_t *= g[:, H : 2 * H]
            gx[:, :H] = g[:, :H] * g[:, 2 * H : 3 * H]
            c_t += gx[:, :H]
            np.tanh(c_t, out=h_t)
            h_t *= g[:, 3 * H :]
            out[t, :n] = h_t
    else:  # plain tanh RNN
        table = table + b_hh
        for t in range(T):
            n = active[t]
            h_t, gx = h[:n], gates_x[:n]
            np.matmul(h_t, w_hh_t, out=gates_h[:n])
            np.take(table, rows[t, :n], axis=0, out=gx, mode="clip")
            np.add(gates_h[:n], gx, out=h_t)
            np.tanh(h_t, out=h_t)
            out[t, :n] = h_t
    return out


def _combine(forward: np.ndarray, backward: np.ndarray | None, mode: str) -> np.ndarray:
    """Merge two directions' (..., H) features as `nets.combine_directions` does."""
    if backward is None:
        return forward
    if mode == "concat":
        return np.concatenate([forward, backward], axis=-1)
    if mode == "max":
        return np.maximum(forward, backward)
    return (forward + backward) * np.float32(0.5)


def _pool(x: np.ndarray, lengths: np.ndarray, active: np.ndarray, pool: str) -> np.ndarray:
    """Masked max and/or mean over time of length-sorted rows: (T, B, D) -> (B, D) or (B, 2D).

    Padding outputs are zero, so the mean is a plain sum; the max walks time over the active prefix of rows,
    which is ~5x cheaper than masking the whole (T, B, D) array.
    """
    parts = []
    if pool in ("max", "maxmean"):
        top = x[0].copy()  # (B, D); every row has at least one step
        for t in range(1, x.shape[0]):
            n = active[t]
            np.maximum(top[:n], x[t, :n], out=top[:n])
        parts.append(top)
    if pool in ("mean", "maxmean"):
        parts.append(x.sum(axis=0) / lengths[:, None].astype(np.float32))
    return parts[0] if len(parts) == 1 else np.concatenate(parts, axis=-1)


def _recurrent_features(
    config: NeuralConfig, weights: Weights, ids: np.ndarray, lengths: np.ndarray, active: np.ndarray
) -> np.ndarray:
    """Length-sorted (B, T) ids -> pooled features (B, D) of the recurrent classifier."""
    B, T = ids.shape
    rev_index = _reverse_index(lengths, T) if config.is_bidirectional else None
    # Layer inputs as a (R, D) table plus the (T, B) table row of each position. For the first layer the
    # table holds each distinct token once: 256 reviews have ~10k distinct ids against ~60k positions, so
    # projecting the table is several times cheaper than projecting every position.
    embedding = weights["embedding.weight"]
    distinct, rows = _distinct(ids.T, embedding.shape[0])  # rows: (T, B)
    inputs = embedding[distinct]  # (U, E)
    forward_out = backward_out = sequence = None
    for i in range(config.num_layers):
        directions = []
        for name in ("fwd", "bwd") if rev_index is not None else ("fwd",):
            p = f"layers.{i}.{name}."
            table = inputs @ weights[p + "weight_ih_l0"].T + weights[p + "bias_ih_l0"]  # (R, G)
            # Right-to-left: read each row's positions in reversed order, then put outputs back in place.
            step_rows = rows if name == "fwd" else _reverse(rows, rev_index)
            out = _run_cell(
                config.cell, table, step_rows, weights[p + "weight_hh_l0"], weights[p + "bias_hh_l0"], active
            )
            directions.append(out if name == "fwd" else _reverse(out, rev_index))  # (T, B, H)
        forward_out = directions[0]
        backward_out = directions[1] if len(directions) == 2 else None
        sequence = _combine(forward_out, backward_out, config.combine)  # (T, B, D)
        inputs = sequence.reshape(T * B, -1)  # (T * B, D): the next layer's table is every position
        rows = np.arange(T * B).reshape(T, B)
    if config.pool == "last":
        final = forward_out[lengths - 1, np.arange(B)]  # (B, H) state after each row's last token
        return final if backward_out is None else _combine(final, backward_out[0], config.combine)
    return _pool(sequence, lengths, active, config.pool)


def _vocab_size(config: NeuralConfig, weights: Weights) -> int:
    """Rows of the network's word table: the embedding's, or one offset's table of a one-hot conv1d."""
    return len(weights["embedding.weight" if config.has_embedding else "regions.0.0.weight"])


def _conv_features(
    config: NeuralConfig, weights: Weights, ids: np.ndarray, lengths: np.ndarray, active: np.ndarray
) -> np.ndarray:
    """Length-sorted (B, T) ids -> pooled convolution features (B, F * len(widths)), or twice that for maxmean.

    A convolution is linear in the embeddings, so each distinct token is multiplied once by every kernel
    offset (one matmul for all widths), and window j of width w sums the rows of tokens j..j+w-1, each at
    its offset. Over one-hot words the per-offset tables already are those rows. Padding, and the zero
    padding past T, read an all-zero row, as the masked embedding does in torch.
    """
    B, T = ids.shape
    widths = config.conv_widths
    vocab_size = _vocab_size(config, weights)
    distinct, inverse = _distinct(ids, vocab_size)  # inverse: (B, T)
    zero_row = len(distinct)
    rows = np.full((T + max(widths) - 1, B), zero_row)  # time-major, right-padded
    valid = np.arange(T)[:, None] < lengths[None, :]  # (T, B)
    rows[:T] = np.where(valid, inverse.T, zero_row)
    if config.has_embedding:
        # Column block (i, k) holds kernel i's weights for the token at offset k of a window: (E, F) each.
        kernels = [weights[f"convs.{i}.weight"] for i in range(len(widths))]  # (F, E, w) each
        blocks = np.concatenate([kernel[:, :, k].T for kernel in kernels for k in range(kernel.shape[2])], axis=1)
        table = weights["embedding.weight"][distinct] @ blocks  # (U, sum(w) * F)
    else:  # one-hot words: the blocks are the tables themselves
        table = np.concatenate([weights[f"regions.{i}.{k}.weight"][distinct]
                                for i, width in enumerate(widths) for k in range(width)], axis=1)
    table = np.concatenate([table, np.zeros((1, table.shape[1]), np.float32)])
    table = table.reshape(zero_row + 1, sum(widths), -1)  # (U + 1, blocks, F)
    pooled = []
    block = 0
    for i, width in enumerate(widths):
        acc = table[rows[:T], block]  # (T, B, F): offset 0 of every window
        for k in range(1, width):
            acc += table[rows[k : k + T], block + k]
        block += width
        acc += weights[f"convs.{i}.bias" if config.has_embedding else f"region_biases.{i}"]
        if config.conv_pool == "max":
            pooled.append(np.maximum(_pool(acc, lengths, active, "max"), 0))  # max then ReLU == ReLU then max
        else:
            np.maximum(acc, 0, out=acc)
            acc *= valid[:, :, None]  # the mean sums all T rows: windows past a row's length must add 0
            pooled.append(_pool(acc, lengths, active, config.conv_pool))
    return np.concatenate(pooled, axis=1)


_GATES = {"rnn": 1, "gru": 3, "lstm": 4}  # gate blocks stacked in torch's weight_ih / weight_hh rows


def weight_shapes(config: NeuralConfig, vocab_size: int, n_classes: int) -> dict[str, tuple[int, ...]]:
    """Every array `forward_numpy` reads for `config`, with its shape: the state_dict of
    `nets.build_model(config, vocab_size, n_classes)`, so a loaded model can be checked against its manifest."""
    shapes: dict[str, tuple[int, ...]] = {}
    if config.has_embedding:
        shapes["embedding.weight"] = (vocab_size, config.embed_dim)
    if config.cell is None:
        for i, width in enumerate(config.conv_widths):
            if config.has_embedding:
                shapes[f"convs.{i}.weight"] = (config.conv_filters, config.embed_dim, width)
                shapes[f"convs.{i}.bias"] = (config.conv_filters,)
            else:
                shapes.update({f"regions.{i}.{k}.weight": (vocab_size, config.conv_filters) for k in range(width)})
                shapes[f"region_biases.{i}"] = (config.conv_filters,)
    else:
        gates = _GATES[config.cell] * config.hidden_size
        for i in range(config.num_layers):
            width = config.embed_dim if i == 0 else config.layer_width
            for name in ("fwd", "bwd") if config.is_bidirectional else ("fwd",):
                p = f"layers.{i}.{name}."
                shapes.update({p + "weight_ih_l0": (gates, width), p + "weight_hh_l0": (gates, config.hidden_size),
                               p + "bias_ih_l0": (gates,), p + "bias_hh_l0": (gates,)})
    shapes["head.weight"] = (n_classes, config.feature_width)
    shapes["head.bias"] = (n_classes,)
    return shapes


def forward_numpy(config: NeuralConfig, weights: Weights, ids: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Logits (B, C) float32 for right-padded ids (B, T) with true lengths (B,), eval mode (no dropout).

    `weights` uses the torch state_dict names of the `sentikit.models.nets` module for `config.arch`.
    Any batch order works; rows are sorted by length internally and the logits come back in input order.
    """
    ids = np.asarray(ids)
    lengths = np.asarray(lengths, dtype=np.int64)
    if ids.ndim != 2 or lengths.shape != (ids.shape[0],):
        raise ValueError(f"expected ids (B, T) and lengths (B,), got {ids.shape} and {lengths.shape}")
    if ids.shape[0] == 0:
        return np.zeros((0, weights["head.bias"].shape[0]), dtype=np.float32)
    if lengths.min() < 1 or lengths.max() > ids.shape[1]:
        raise ValueError("every length must be between 1 and the padded width")
    weights = {name: np.asarray(value, dtype=np.float32) for name, value in weights.items()}
    order = np.argsort(-lengths, kind="stable")  # longest first
    sorted_lengths = lengths[order]
    sorted_ids = ids[order, : sorted_lengths[0]].astype(np.int64, copy=False)  # drop all-padding columns
    steps = np.arange(sorted_ids.shape[1])
    active = (sorted_lengths[None, :] > steps[:, None]).sum(axis=1)  # (T,) rows still running at step t
    if config.cell is None:
        features = _conv_features(config, weights, sorted_ids, sorted_lengths, active)
    else:
        features = _recurrent_features(config, weights, sorted_ids, sorted_lengths, active)
    logits = features @ weights["head.weight"].T + weights["head.bias"]  # (B, C)
    result = np.empty_like(logits)
    result[order] = logits
    return result
