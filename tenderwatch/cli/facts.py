"""`tenderwatch facts FILE...` (procurement facts of documents) and `tenderwatch export`
(OCDS, FollowTheMoney, CSV, JSON Lines, XLSX): thin shells over tenderwatch.facts and
tenderwatch.export."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from ..detect.check import walk
from ..export import EXPORTERS, Table, make_bundle, records_from_store
from ..facts.files import FileFacts, facts_for_file
from ..facts.model import NoticeFacts
from .app import (
    DataDirOption,
    Exit,
    FormatOption,
    OutputFormat,
    app,
    console,
    emit_json,
    fail,
    open_store_or_fail,
    settings_for,
)


def _print(result: FileFacts) -> None:
    console.print(f"[bold]{escape(str(result.path))}[/]")
    if result.facts is None:
        console.print(f"  [red]error[/] {escape(str(result.error))}")
        return
    facts: NoticeFacts = result.facts
    singles = {
        "type": facts.notice_type and facts.notice_type.value.value,
        "code": facts.project_code and facts.project_code.value,
        "project": facts.project_name and facts.project_name.value,
        "buyer": facts.buyer and facts.buyer.value,
        "agency": facts.agency and facts.agency.value,
    }
    for name, value in singles.items():
        if value:
            console.print(f"  {name}: {escape(value)}")
    for supplier in facts.suppliers:
        console.print(f"  winner: {escape(supplier.value)}")
    for amount in facts.amounts:
        shown = amount.error or f"{amount.value} {amount.currency}"
        lot = f" (lot {amount.lot})" if amount.lot else ""
        quote = f"[dim]p.{amount.source.page} “{escape(amount.source.text)}”[/]"
        console.print(f"  {amount.role.value}{lot}: {escape(shown)}  {quote}")
    for when in facts.dates:
        console.print(f"  {when.role.value}: {when.value or escape(str(when.error))}")
    for region in facts.regions:
        names = " > ".join(d.name for d in region.path)
        mark = " [yellow](autonomous)[/]" if region.autonomous else ""
        console.print(f"  {region.role} region: {region.division.code} {escape(names)}{mark}")
    for product in facts.products:
        console.print(
            f"  product: {product.maker} {escape(product.model)}  [dim]p.{product.source.page}[/]"
        )
    if facts.items:
        console.print(f"  items: {len(facts.items)}")
    for error in facts.errors:
        console.print(f"  [yellow]unreadable[/] {escape(error)}")


@app.command("facts")
def facts_command(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (walked) to read.")],
    data_dir: DataDirOption = None,
    output_format: FormatOption = OutputFormat.TEXT,
) -> None:
    """Read notices' procurement facts, each quoting the original text.

    Facts: notice type, parties, amounts, dates, regions, items and products. Exit 2 if a
    file could not be read."""
    settings = settings_for(data_dir)
    unreadable = False
    for path in walk(paths):
        result = facts_for_file(path, settings)
        unreadable = unreadable or result.facts is None
        if output_format is OutputFormat.JSON:
            facts = result.facts.model_dump(mode="json") if result.facts else None
            emit_json({"path": str(path), "error": result.error, "facts": facts})
        else:
            _print(result)
    if unreadable:
        raise typer.Exit(int(Exit.INPUT_ERROR))


@app.command("export")
def export_command(
    export_format: Annotated[
        str, typer.Option("--format", "-f", help=f"One of: {', '.join(EXPORTERS.names())}.")
    ],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")
    ] = None,
    table: Annotated[Table, typer.Option(help="Table for csv.")] = Table.FACTS,
    doc: Annotated[
        list[str] | None, typer.Option("--doc", help="Only these document ids (repeatable).")
    ] = None,
    risk: Annotated[
        list[str] | None, typer.Option(help="Only documents at these risks (repeatable).")
    ] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Export stored documents with their facts, processes and flags."""
    if export_format not in EXPORTERS:
        raise fail(
            f"unknown format {export_format!r}; one of {', '.join(EXPORTERS.names())}",
            Exit.INPUT_ERROR,
        )
    exporter = EXPORTERS.get(export_format)
    settings = settings_for(data_dir)
    with open_store_or_fail(settings) as store:
        ids = [store.resolve_id(d) for d in doc] if doc else None
        records = records_from_store(store, doc_ids=ids, risk=risk)
    bundle = make_bundle(records, datetime.now(UTC), settings)
    if output is None:
        exporter.write(bundle, sys.stdout.buffer, table)
        sys.stdout.buffer.flush()
        return
    with output.open("wb") as handle:
        exporter.write(bundle, handle, table)
    console.print(f"{len(records)} documents, {len(bundle.processes)} processes → {output}")
