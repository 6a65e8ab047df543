"""`tenderwatch eval`: run the registered quality measurements and enforce their floors."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ..evaluation import EVALUATIONS, EvalReport
from .app import Exit, FormatOption, OutputFormat, app, console, emit_json


def _load_evaluations() -> None:
    # Importing an area registers its evaluation; areas that are not built yet are absent.
    import importlib

    for module in (
        "tenderwatch.detect.evaluation",
        "tenderwatch.facts.evaluation",
        "tenderwatch.vendors.evaluation",
    ):
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise


def _print_report(report: EvalReport) -> None:
    table = Table(title=f"{report.name} — {report.corpus}", show_lines=False)
    for column in ("measure", "support", "precision", "recall", "accuracy", "floor", "ok"):
        table.add_column(column, justify="right" if column != "measure" else "left")
    for row in report.rows:
        floors = [
            f"P≥{row.floor_precision}" if row.floor_precision is not None else "",
            f"R≥{row.floor_recall}" if row.floor_recall is not None else "",
            f"A≥{row.floor_accuracy}" if row.floor_accuracy is not None else "",
        ]
        table.add_row(
            row.name,
            str(row.support),
            f"{row.precision:.3f}",
            f"{row.recall:.3f}",
            "" if row.accuracy is None else f"{row.accuracy:.3f}",
            " ".join(f for f in floors if f),
            "[green]yes[/]" if row.passed else "[red]NO[/]",
        )
    console.print(table)
    for line in report.errors[:50]:
        console.print(f"  [dim]{line}[/]")
    if len(report.errors) > 50:
        console.print(f"  [dim]... and {len(report.errors) - 50} more[/]")


@app.command("eval")
def eval_command(
    rules: Annotated[
        bool, typer.Option("--rules", help="Detection rules vs the labelled corpus.")
    ] = False,
    facts: Annotated[
        bool, typer.Option("--facts", help="Procurement facts vs labelled notices.")
    ] = False,
    vendors: Annotated[
        bool, typer.Option("--vendors", help="Vendor matching vs labelled name pairs.")
    ] = False,
    corpus: Annotated[
        Path | None, typer.Option(help="Labelled corpus folder (default: the bundled one).")
    ] = None,
    output_format: FormatOption = OutputFormat.TEXT,
) -> None:
    """Measure quality against labelled data; exit 4 if any pinned floor is missed.

    With no selection flag, every registered evaluation runs.
    """
    _load_evaluations()
    chosen = [name for name, on in (("rules", rules), ("facts", facts), ("vendors", vendors)) if on]
    names = chosen or EVALUATIONS.names()
    missing = [n for n in names if n not in EVALUATIONS]
    if missing:
        raise typer.BadParameter(f"no evaluation for {', '.join(missing)} in this build")
    passed = True
    for name in names:
        report = EVALUATIONS.get(name)(corpus)
        passed = passed and report.passed
        if output_format is OutputFormat.JSON:
            emit_json(report.model_dump(mode="json") | {"passed": report.passed})
        else:
            _print_report(report)
    if not passed:
        raise typer.Exit(int(Exit.FAILED))
