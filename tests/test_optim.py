"""sentikit's AdamW and linear decay take the very steps torch.optim.AdamW and a LambdaLR decay take (on the
CPU, bit for bit), without importing torch._dynamo."""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch
from torch import nn

from sentikit.training.optim import AdamW, LinearDecay


def groups(model: nn.Module, weight_decay: float) -> list[dict]:
    params = list(model.parameters())
    return [{"params": [p for p in params if p.dim() >= 2], "weight_decay": weight_decay},
            {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}]


@pytest.mark.parametrize("weight_decay", [0.0, 0.01, 0.3])
@pytest.mark.parametrize("decay", [False, True], ids=["constant", "linear"])
def test_the_steps_are_torch_adamw_steps(weight_decay: float, decay: bool, torch_single_thread: None) -> None:
    torch.manual_seed(0)
    ours_model = nn.Sequential(nn.Embedding(20, 6), nn.GRU(6, 5, batch_first=True))
    torch_model = nn.Sequential(nn.Embedding(20, 6), nn.GRU(6, 5, batch_first=True))
    torch_model.load_state_dict(ours_model.state_dict())
    ours = AdamW(groups(ours_model, weight_decay), lr=0.01)
    theirs = torch.optim.AdamW(groups(torch_model, weight_decay), lr=0.01)
    total = 12
    ours_decay = LinearDecay(ours, total) if decay else None
    theirs_decay = torch.optim.lr_scheduler.LambdaLR(theirs, lambda s: max(0.0, 1.0 - s / total)) if decay else None
    ids = torch.randint(0, 20, (4, 7))
    for step in range(total + 3):  # past the end of the decay too (lr 0)
        for model, optimizer, schedule in ((ours_model, ours, ours_decay), (torch_model, theirs, theirs_decay)):
            optimizer.zero_grad()
            out, _ = model(ids)
            (out.square().mean() * (step + 1)).backward()
            nn.utils.clip_grad_norm_(list(model.parameters()), 1.0)
            optimizer.step()
            if schedule is not None:
                schedule.step()
        for mine, reference in zip(ours_model.parameters(), torch_model.parameters()):
            assert torch.equal(mine, reference), step


def test_parameters_without_a_gradient_are_left_alone() -> None:
    used, unused = nn.Parameter(torch.ones(3)), nn.Parameter(torch.ones(3))
    optimizer = AdamW([{"params": [used, unused], "weight_decay": 0.5}], lr=0.1)
    used.sum().backward()
    optimizer.step()
    assert torch.equal(unused, torch.ones(3)) and not torch.equal(used, torch.ones(3))
    optimizer.zero_grad()
    assert used.grad is None


def test_training_does_not_import_the_torch_compiler(tmp_path) -> None:
    """Building a torch.optim optimiser imports torch._dynamo: ~2-3 s of every training command."""
    code = ("import sys\nfrom pathlib import Path\nfrom sentikit.training.pipeline import TrainSettings, train\n"
            f"train('bundled:en', out=Path({str(tmp_path / 'm')!r}), settings=TrainSettings(arch='gru'),"
            " overrides={'epochs': 1, 'embed_dim': 8, 'hidden_size': 8, 'max_len': 20})\n"
            "print('torch._dynamo' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
