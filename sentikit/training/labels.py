"""Labels that look alike: ones that differ only in case or spacing ('Pos' and 'pos'), which are different
classes to a model but usually one class typed two ways to the person who wrote them. Training warns about
such groups in its data and names them when a dev file's labels are not the training data's; `evaluate` names
them when a file's labels are not the model's. Torch- and scikit-learn-free: `evaluate` imports it."""

from __future__ import annotations

import logging
from collections.abc import Iterable

log = logging.getLogger("sentikit")

VARIANTS_SHOWN = 5  # groups of near-identical labels named one per line; a label column of ids would flood stderr


def _label_key(label: str) -> str:
    """What a person reading the label sees: case and runs of spaces do not count. (The reader has already
    stripped surrounding whitespace, so ' pos' is 'pos' by the time it gets here.)"""
    return " ".join(label.split()).casefold()


def label_variants(labels: list[str]) -> list[list[str]]:
    """Groups of two or more distinct labels that differ only in case or spacing ('Pos' and 'pos')."""
    groups: dict[str, list[str]] = {}
    for label in labels:
        groups.setdefault(_label_key(label), []).append(label)
    return [sorted(group) for group in groups.values() if len(group) > 1]


def warn_label_variants(labels: list[str], source: str) -> None:
    """Warn about labels that look like one class typed two ways. They stay separate classes: merging them
    would change the user's data behind their back (and 'US' and 'us' may well be two classes), but a model
    silently splitting one class in two is worse than a line on stderr."""
    groups = label_variants(labels)
    for group in groups[:VARIANTS_SHOWN]:
        if len({label.casefold() for label in group}) == 1:
            how = "case"
        elif len({" ".join(label.split()) for label in group}) == 1:
            how = "spacing"
        else:
            how = "case and spacing"
        named = ", ".join(repr(label) for label in group[:-1]) + f" and {group[-1]!r}"
        log.warning("%s: labels %s differ only in %s; they are treated as different classes", source, named, how)
    if len(groups) > VARIANTS_SHOWN:
        log.warning("%s: %d more groups of labels differ only in case or spacing", source,
                    len(groups) - VARIANTS_SHOWN)


def near_misses(unknown: Iterable[str], known: Iterable[str]) -> list[str]:
    """For each label of `unknown` that differs from one of `known` only in case or spacing, "'Pos' vs 'pos'"
    (the unknown one first), in the order of `unknown`."""
    keyed = {_label_key(label): label for label in known}
    return [f"{label!r} vs {keyed[_label_key(label)]!r}" for label in unknown if _label_key(label) in keyed]
