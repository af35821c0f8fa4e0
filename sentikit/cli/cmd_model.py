"""`sentikit show`: the model card of a model folder."""

import json
import sys
from typing import Annotated, Any

import typer

from sentikit.cli.app import app
from sentikit.cli.cells import columns_that_fit, shown
from sentikit.cli.option_text import with_default
from sentikit.cli.output import render_table, stdout_all_or_nothing, stdout_console

SPARK = "▁▂▃▄▅▆▇█"


def sparkline(values: list[float]) -> str:
    """A compact terminal chart: one block character per value, scaled between min and max."""
    clean = [v for v in values if v is not None]
    if not clean:
        return ""
    low, high = min(clean), max(clean)
    span = (high - low) or 1.0
    return "".join(SPARK[int((v - low) / span * (len(SPARK) - 1))] if v is not None else " " for v in values)


def _flatten(prefix: str, data: Any, out: dict[str, Any]) -> None:
    if isinstance(data, dict):
        for key, value in data.items():
            _flatten(f"{prefix}.{key}" if prefix else key, value, out)
    else:
        out[prefix] = data


@app.command(epilog="Examples:\n\n  sentikit show models/reviews-gru\n\n"
                    "  sentikit show models/reviews-gru --format json\n\n"
                    "  sentikit show models/reviews-nbsvm --top 15")
def show(
    model: Annotated[str | None, typer.Argument(help=with_default(
        "Model folder.", "$SENTIKIT_MODEL, else the last model trained here"))] = None,
    format: Annotated[str | None, typer.Option("--format", "-f", help=with_default(
        "table or json.", "table on a terminal, else json"))] = None,
    top: Annotated[int | None, typer.Option("--top", min=1, help=(
        "Linear models: also list each label's N strongest terms, with their weights (json: top_terms)."))] = None,
) -> None:
    """Print the model card: architecture, parameters, options, metrics and training history."""
    from sentikit.errors import ModelError, UsageError
    from sentikit.predict import load_chosen_model

    fmt = format or ("table" if sys.stdout.isatty() else "json")
    if fmt not in ("table", "json"):
        raise UsageError(f"invalid --format {fmt!r}", hint="choose one of: table, json")
    # Rebuilt the way predict does (numpy only, no torch): a card for a model that predict would reject
    # would tell the user it is fine.
    path, loaded = load_chosen_model(model, option="MODEL", usage="the model folder (`sentikit show MODEL`)")
    manifest = loaded.manifest
    if top and manifest.get("kind") != "linear":  # before any output
        raise UsageError(f"--top needs a linear model (logreg, nbsvm or nb); {path} is {loaded.arch}",
                         hint="a neural network's weights do not belong to single words")
    strongest = loaded.top_terms(top) if top else None
    if fmt == "json":
        shown_terms = {} if strongest is None else {"top_terms": {
            label: [{"term": term, "weight": float(f"{weight:.4g}")} for term, weight in terms]
            for label, terms in strongest.items()}}
        sys.stdout.write(json.dumps({**manifest, **shown_terms}, ensure_ascii=False, indent=2) + "\n")
        return
    try:
        with stdout_all_or_nothing():
            _print_card(path, manifest)
            if strongest is not None:
                rows = _strongest_rows(strongest, stdout_console().width)
                render_table(rows, title=f"strongest terms per label (top {top})")
    except (AttributeError, KeyError, TypeError, ValueError, IndexError) as exc:
        # The model loads, but a part of the manifest only the card reads was edited into something unexpected.
        raise ModelError(f"{path}: the manifest has unexpected content ({type(exc).__name__}: {exc})",
                         hint="see it with --format json, or retrain the model") from exc


def _print_card(path: Any, manifest: dict[str, Any]) -> None:
    from rich.markup import escape

    def quoted(value: Any) -> str:
        """Paths, labels, sources and whatever else the manifest holds are user data: escaped, so "[/]" in a
        label cannot break the markup, and their control characters kept off the terminal."""
        return escape(shown(str(value)))

    console = stdout_console()
    dev = manifest.get("metrics", {}).get("dev", {})
    data = manifest.get("training", {}).get("data", {})
    device = manifest.get("training", {}).get("device")
    device = f" on {quoted(device)}" if device else ""
    console.print(f"[bold]{quoted(path)}[/]  {quoted(manifest.get('arch'))} "
                  f"({quoted(manifest.get('kind'))}), {manifest.get('n_parameters', 0):,} parameters, "
                  f"sentikit {quoted(manifest.get('sentikit_version'))}, created {quoted(manifest.get('created'))}")
    console.print(f"labels: {quoted(', '.join(map(str, manifest.get('labels', []))))}  ·  trained on "
                  f"{quoted(data.get('source'))} ({quoted(data.get('train_rows'))} train / "
                  f"{quoted(data.get('dev_rows'))} dev rows, sha256 {quoted(str(data.get('sha256', ''))[:12])}…) in "
                  f"{quoted(manifest.get('training', {}).get('seconds'))} s{device}")
    vectors = manifest.get("training", {}).get("vectors")
    if vectors:
        words = vectors.get("vocabulary") or 0
        share = f" ({vectors.get('found', 0) / words:.1%})" if words else ""
        console.print(f"embedding started from {quoted(vectors.get('file'))} ({quoted(vectors.get('dim'))}-dim, "
                      f"sha256 {quoted(str(vectors.get('sha256', ''))[:12])}…): vectors for "
                      f"{quoted(vectors.get('found'))} of {quoted(words)} vocabulary words{share}")
    history = manifest.get("history") or []
    if manifest.get("training", {}).get("interrupted"):
        epochs = f" after {len(history)} epoch{'s' if len(history) != 1 else ''}" if history else ""
        console.print(f"[bold]interrupted[/] (Ctrl-C){epochs}: the saved weights are the best ones so far, "
                      "training did not finish")
    if dev:
        console.print(f"dev accuracy [bold]{dev.get('accuracy', 0):.4f}[/]  ·  dev macro-F1 "
                      f"[bold]{dev.get('macro_f1', 0):.4f}[/]")
        render_table([{"label": k, **v} for k, v in dev.get("per_class", {}).items()], title="dev, per class")
    if (data.get("fit_rows") or 0) > (data.get("train_rows") or 0):
        console.print(f"saved weights fitted again on train + dev ({data['fit_rows']} rows); the dev figures "
                      "are the first fit's")
    configs = dict(manifest.get("configs", {}))
    if isinstance(configs.get("linear"), dict):
        from sentikit.models.linear import resolved_settings

        configs["linear"] = resolved_settings(configs["linear"])  # older models saved None for the defaults
    options: dict[str, Any] = {}
    _flatten("", {"preprocess": manifest.get("preprocess", {}), **configs}, options)
    unused = _settings_without_effect(str(manifest.get("arch")), configs)
    render_table([{"option": k, "value": v} for k, v in options.items() if k not in unused], title="options")
    if unused:
        console.print(f"[dim]not shown: {len(unused)} setting{'s' if len(unused) != 1 else ''} with no effect on "
                      f"{quoted(manifest.get('arch'))} ({', '.join(sorted(unused))}); --format json lists "
                      "every setting[/]")
    if history:
        from sentikit.training.metrics import stopping_summary

        training = manifest.get("training", {})
        stopping = stopping_summary(history, configs.get("training") or {}, training.get("best_epoch"),
                                    interrupted=bool(training.get("interrupted")))
        if stopping:
            console.print(stopping)
        render_table([_history_row(h) for h in history], title="training history")
        for key in ("train_loss", "dev_loss", "dev_macro_f1", "grad_norm"):
            values = [h.get(key) for h in history]
            if any(v is not None for v in values):
                console.print(f"{key:>13} {sparkline(values)}  {values[0]:.4f} → {values[-1]:.4f}")


def _strongest_rows(strongest: dict[str, list[tuple[str, float]]], width: int) -> list[dict[str, Any]]:
    """Rank by rank, each label's term and weight in one cell ("great +1.269"); on a terminal too narrow for
    a column per label, one row per label and rank instead, so that no label is left out."""
    depth = max((len(terms) for terms in strongest.values()), default=0)
    wide = [{"rank": rank + 1, **{label: f"{terms[rank][0]} {terms[rank][1]:+.4g}" if rank < len(terms) else ""
                                  for label, terms in strongest.items()}} for rank in range(depth)]
    if not wide or columns_that_fit(wide, list(wide[0]), width) == len(wide[0]):
        return wide
    return [{"label": label, "rank": rank + 1, "term": term, "weight": float(f"{weight:.4g}")}
            for label, terms in strongest.items() for rank, (term, weight) in enumerate(terms)]


def _settings_without_effect(arch: str, configs: dict[str, Any]) -> set[str]:
    """Card options ("model.hidden_size") that `arch` does not read: every config records all of its fields
    (one command line serves `compare --arch conv1d,gru,logreg`), so a conv1d card would otherwise list a
    hidden size and a logreg card an nb_alpha. Empty for a manifest whose settings do not resolve."""
    from sentikit.errors import SentikitError
    from sentikit.models.config import NeuralConfig
    from sentikit.training.trainers import ARCHITECTURES, settings_used

    if arch not in ARCHITECTURES:
        return set()
    model, features = configs.get("model"), configs.get("features")
    try:  # resolved as loading does: a conv1d saved before conv_input existed reads embeddings
        settings = NeuralConfig.from_dict(dict(model)).to_dict() if isinstance(model, dict) else {}
        used = settings_used(arch, {**(features if isinstance(features, dict) else {}), **settings})
    except (SentikitError, TypeError, ValueError):
        return set()
    return {f"{section}.{name}" for section in ("model", "sequence", "training", "features", "linear")
            if isinstance(configs.get(section), dict)
            for name in configs[section] if name != "arch" and name not in used}


# The history table's leading columns: a narrow terminal keeps the leading ones, and early stopping chose the
# kept epoch by dev macro-F1, so that goes first; timings go last.
_HISTORY_FIRST = ("epoch", "dev_macro_f1", "dev_accuracy", "train_loss", "dev_loss", "grad_norm")


def _history_row(epoch: dict[str, Any]) -> dict[str, Any]:
    return {**{key: epoch[key] for key in _HISTORY_FIRST if key in epoch}, **epoch}
