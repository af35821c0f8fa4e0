"""The optimiser, gradient clipping and learning-rate schedule of neural training: AdamW and a linear decay to 0.

They are written here rather than taken from `torch.optim`, because building any `torch.optim` optimiser imports
`torch._dynamo` (the compiler), which takes ~2-3 s on a 2-core CPU: a fixed cost of every `sentikit train` of a
neural network, and of the first one in `compare`. The arithmetic is `torch.optim.AdamW`'s one-tensor-at-a-time
path, operation for operation, so on the CPU the steps are bit-identical to it (tested).

Sparse gradients (the word tables of a one-hot convolution, tens of millions of weights of which a batch touches
a few thousand rows) are stepped lazily, as `torch.optim.SparseAdam` does: only the rows in the batch move, and
their moments and weight decay advance only on the steps where they occur. A dense step over every row would
cost more than the whole forward and backward pass.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn


class AdamW:
    """Adam with decoupled weight decay (Loshchilov & Hutter), over parameter groups that each carry their
    own `weight_decay`; `lr` is shared and may be changed between steps (see `LinearDecay`)."""

    def __init__(self, groups: list[dict[str, Any]], lr: float, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8) -> None:
        self.groups = [{"params": list(group["params"]), "weight_decay": float(group["weight_decay"])}
                       for group in groups]
        self.lr = lr
        self.betas = betas
        self.eps = eps
        self.steps = 0
        self.moments: dict[nn.Parameter, tuple[torch.Tensor, torch.Tensor]] = {}  # first and second

    def zero_grad(self) -> None:
        for group in self.groups:
            for param in group["params"]:
                param.grad = None

    @torch.no_grad()
    def step(self) -> None:
        self.steps += 1
        beta1, beta2 = self.betas
        step_size = self.lr / (1 - beta1**self.steps)
        correction2_sqrt = (1 - beta2**self.steps) ** 0.5
        for group in self.groups:
            decay = group["weight_decay"]
            for param in group["params"]:
                if param.grad is None:
                    continue
                if param not in self.moments:
                    self.moments[param] = (torch.zeros_like(param, memory_format=torch.preserve_format),
                                           torch.zeros_like(param, memory_format=torch.preserve_format))
                exp_avg, exp_avg_sq = self.moments[param]
                if param.grad.is_sparse:
                    grad = param.grad.coalesce()  # (R, ...) values of R distinct rows, repeated rows summed
                    rows = grad.indices()[0]
                    weights, first, second = param[rows], exp_avg[rows], exp_avg_sq[rows]  # copies of the rows
                    self._update(weights, first, second, grad.values(), decay, step_size, correction2_sqrt)
                    for full, part in ((param, weights), (exp_avg, first), (exp_avg_sq, second)):
                        full.index_copy_(0, rows, part)
                else:
                    self._update(param, exp_avg, exp_avg_sq, param.grad, decay, step_size, correction2_sqrt)

    def _update(self, param: torch.Tensor, exp_avg: torch.Tensor, exp_avg_sq: torch.Tensor, grad: torch.Tensor,
                decay: float, step_size: float, correction2_sqrt: float) -> None:
        """One AdamW step of `param` in place (torch.optim.AdamW's single-tensor arithmetic)."""
        beta1, beta2 = self.betas
        if decay != 0:
            param.mul_(1 - self.lr * decay)
        exp_avg.lerp_(grad, 1 - beta1)
        exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        denom = (exp_avg_sq.sqrt() / correction2_sqrt).add_(self.eps)
        param.addcdiv_(exp_avg, denom, value=-step_size)


@torch.no_grad()
def clip_gradients(params: list[nn.Parameter], max_norm: float) -> float:
    """Scale the gradients so that their global L2 norm is at most `max_norm` (`inf`: measure only); return the
    norm before clipping, as `nn.utils.clip_grad_norm_` does. That function refuses sparse gradients, so with
    any present they are coalesced and measured by their values."""
    grads = [p.grad for p in params if p.grad is not None]
    if not any(g.is_sparse for g in grads):
        return float(nn.utils.clip_grad_norm_(params, max_norm))
    for param in params:
        if param.grad is not None and param.grad.is_sparse:
            param.grad = param.grad.coalesce()
    grads = [p.grad for p in params if p.grad is not None]
    norms = [torch.linalg.vector_norm(g.values() if g.is_sparse else g) for g in grads]
    total = torch.linalg.vector_norm(torch.stack(norms))
    scale = torch.clamp(max_norm / (total + 1e-6), max=1.0)
    for grad in grads:
        (grad.values() if grad.is_sparse else grad).mul_(scale)
    return float(total)


class LinearDecay:
    """The learning rate from its initial value down to 0 over `total_steps` optimiser steps: call `step()`
    after each optimiser step."""

    def __init__(self, optimizer: AdamW, total_steps: int) -> None:
        self.optimizer = optimizer
        self.base_lr = optimizer.lr
        self.total_steps = total_steps
        self.steps = 0

    def step(self) -> None:
        self.steps += 1
        self.optimizer.lr = self.base_lr * max(0.0, 1.0 - self.steps / self.total_steps)

