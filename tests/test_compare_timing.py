"""`compare`'s predict_docs_per_s: measured warm, over enough calls, not on one cold call."""

from __future__ import annotations

import time
from collections.abc import Sequence

import pytest

from sentikit.training.compare import predict_docs_per_s


class ColdStart:
    """A model whose first call pays a one-off cost (lazy imports, first allocations); later ones take 2 ms."""

    def __init__(self) -> None:
        self.calls = 0

    def predict_proba(self, texts: Sequence[str]) -> list[list[float]]:
        self.calls += 1
        time.sleep(0.2 if self.calls == 1 else 0.002)
        return [[0.5, 0.5] for _ in texts]


@pytest.mark.parametrize("seconds", [0.05, 0.1])
def test_the_speed_is_measured_warm_over_repeated_calls(seconds: float) -> None:
    model = ColdStart()
    started = time.perf_counter()
    speed = predict_docs_per_s(model, ["text"] * 36, seconds=seconds)
    assert time.perf_counter() - started >= 0.2 + seconds
    assert model.calls >= 3  # the warm-up, then several timed calls
    assert speed > 36 / 0.05  # 36 documents per ~2 ms call; the cold call alone would give < 180 docs/s


def test_no_documents_no_speed() -> None:
    model = ColdStart()
    assert predict_docs_per_s(model, []) == 0.0 and model.calls == 0
