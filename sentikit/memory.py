"""Out of memory, however it shows: Python's MemoryError, or torch's allocation failures. `compare` skips an
architecture that ran out of memory, and the CLI turns it into its one error line, both through `is_out_of_memory`
and with `OUT_OF_MEMORY` as the message."""

from __future__ import annotations

import sys

OUT_OF_MEMORY = ("out of memory (try a smaller --batch-size, --max-len or --max-vocab, a smaller network: "
                 "--embed-dim, --hidden-size, --conv-filters; or, for features, a smaller --max-features)")


def is_out_of_memory(exc: BaseException) -> bool:
    """A MemoryError, or one of torch's allocation failures, which are RuntimeErrors rather than MemoryError: on
    a GPU its OutOfMemoryError, on the CPU a plain RuntimeError from its allocator, known only by its message.
    Looked up without importing torch: only a process that has imported it can raise them."""
    if isinstance(exc, MemoryError):
        return True
    torch = sys.modules.get("torch")
    gpu_error = getattr(getattr(torch, "cuda", None), "OutOfMemoryError", None)
    if isinstance(gpu_error, type) and isinstance(exc, gpu_error):
        return True
    return isinstance(exc, RuntimeError) and "DefaultCPUAllocator: can't allocate memory" in str(exc)


def available_memory() -> int | None:
    """Bytes the system can still hand out without swapping (Linux's MemAvailable); None where unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024  # reported in KiB
    except (OSError, ValueError, IndexError):
        return None
    return None
