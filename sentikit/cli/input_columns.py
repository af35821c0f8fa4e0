"""Input columns that a command copies into its output rows, renamed where they would clash with its own fields."""

from __future__ import annotations

from collections.abc import Iterable

from sentikit.cli.output import warn


class InputColumns:
    """The output names of the input columns a command copies into its rows beside fields of its own.

    An input column named like one of the command's own fields (`reserved`: the text, the prediction, its
    probabilities...) would silently replace that field or be replaced by it. It is written as `input_NAME`
    instead, or `input_NAME_2`, `input_NAME_3`... when that name is taken too, by another column or an earlier
    choice. Each input name is decided the first time it is seen and kept for the rest of the stream, so the
    rows of a JSONL input whose fields vary all use the same names; each rename is reported once on stderr.

    `prefix` and `what` serve other named columns that may clash with a command's own: `vectorize --show`
    writes its terms as `term_NAME` where a term is spelled like the row-label column ("document").
    """

    PREFIX = "input_"

    def __init__(self, reserved: Iterable[str], source: str, *, prefix: str = PREFIX,
                 what: str = "input column(s)") -> None:
        self.source = source
        self.prefix = prefix
        self.what = what
        self._reserved = set(reserved)
        self._names: dict[str, str] = {}  # input name -> output name
        self._taken = set(self._reserved)  # output names in use

    def rename(self, columns: dict[str, str]) -> dict[str, str]:
        """`columns` under their output names, in their order."""
        if any(key not in self._names for key in columns):
            self._decide(columns)
        return {self._names[key]: value for key, value in columns.items()}

    def _decide(self, columns: dict[str, str]) -> None:
        renamed: list[tuple[str, str]] = []
        for key in columns:
            if key in self._names:
                continue
            name = key
            if name in self._taken:
                # Not the name of another column of this row, nor of an input column seen before (even one
                # that was itself renamed): a reader should never find one column under another's name.
                name, n = f"{self.prefix}{key}", 2
                while name in self._taken or name in columns or name in self._names:
                    name, n = f"{self.prefix}{key}_{n}", n + 1
                renamed.append((key, name))
            self._names[key] = name
            self._taken.add(name)
        if renamed:
            pairs = ", ".join(f"{old!r} as {new!r}" for old, new in renamed)
            warn(f"{self.source}: {self.what} renamed, as the output has its own field(s) of the same name: "
                 f"{pairs}")
