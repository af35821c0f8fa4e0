"""Preprocessing in worker processes (`Preprocessor.iter_transform(jobs=N)`, `sentikit preprocess -j N`): the
pool, its bounded window of chunks (flat memory, input order kept), and Ctrl-C, which only the parent handles.
"""

from __future__ import annotations

import multiprocessing
import signal
from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from multiprocessing.pool import AsyncResult
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sentikit.text.config import PreprocessConfig
    from sentikit.text.pipeline import Preprocessor

_worker: Preprocessor | None = None  # each worker process's own, rebuilt from the parent's state


def parallel_tokens(config: PreprocessConfig, state: dict[str, Any], texts: Iterable[str], jobs: int,
                    chunk: int) -> Iterator[list[str]]:
    """Token lists of `texts` in input order, preprocessed by `jobs` worker processes in chunks of `chunk`."""
    ctx = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None)
    failed: list[Exception] = []  # what reading the input raised, kept until the texts before it are out
    pool = None
    try:
        with _sigint_held():  # until each worker has set Ctrl-C aside (`_init_worker`)
            pool = ctx.Pool(jobs, initializer=_init_worker, initargs=(config, state))
    except BaseException:  # a Ctrl-C held meanwhile, raised on leaving: the workers must not outlive it
        if pool is not None:
            pool.terminate()
        raise
    with pool:
        # Pool.imap would read the whole input ahead; a bounded window of chunks keeps memory flat.
        window: deque[AsyncResult[list[list[str]]]] = deque()
        for batch in _chunks_until_error(texts, chunk, failed):
            window.append(pool.apply_async(_work_chunk, (batch,)))
            if len(window) >= 4 * jobs:
                yield from window.popleft().get()
        while window:
            yield from window.popleft().get()
    if failed:  # as with one job: every text read before a bad line (a decoding error) is processed first
        raise failed[0]


@contextmanager
def _sigint_held() -> Iterator[None]:
    """Block SIGINT in this thread, and so in the processes and threads it starts, which inherit the mask. A
    Ctrl-C meanwhile waits and is raised here on leaving. A worker that got it before `_init_worker` ran
    would die, and a pool can hang on a task or a lock that a dead worker held."""
    if not hasattr(signal, "pthread_sigmask"):  # not POSIX: spawned workers start ignoring nothing
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)  # a caller's own blocked signals stay blocked


def _init_worker(config: PreprocessConfig, state: dict[str, Any]) -> None:
    from sentikit.text.pipeline import Preprocessor

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and tears the pool down
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # held by `_sigint_held` until now
    global _worker
    _worker = Preprocessor.from_state(config, state)


def _work_chunk(texts: list[str]) -> list[list[str]]:
    assert _worker is not None
    return [_worker.process(t) for t in texts]


def _chunks_until_error(items: Iterable[str], size: int, failed: list[Exception]) -> Iterator[list[str]]:
    """Lists of up to `size` items; when reading raises, the items before it still come as a last list and
    the exception goes into `failed` for the caller to raise once they are done."""
    iterator = iter(items)
    batch: list[str] = []
    while True:
        try:
            batch.append(next(iterator))
        except StopIteration:
            break
        except Exception as exc:  # re-raised by the caller, after the texts read before it
            failed.append(exc)
            break
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
