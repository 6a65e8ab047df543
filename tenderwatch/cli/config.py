"""`tenderwatch settings`: every setting with its current value, default and help."""

from __future__ import annotations

from rich.table import Table

from ..settings import settings_reference
from .app import DataDirOption, FormatOption, OutputFormat, app, console, emit_json, settings_for


@app.command("settings")
def settings_command(
    data_dir: DataDirOption = None, output_format: FormatOption = OutputFormat.TEXT
) -> None:
    """Show every setting: its environment variable, current value, default and meaning."""
    current = settings_for(data_dir)
    rows = settings_reference(current)
    if output_format is OutputFormat.JSON:
        for row in rows:
            emit_json(row)
        return
    table = Table(title="tenderwatch settings (set with environment variables)")
    for column in ("variable", "value", "default", "meaning"):
        table.add_column(column, overflow="fold")
    for row in rows:
        value = "[bold]" + row["value"] + "[/]" if row["value"] != row["default"] else row["value"]
        table.add_row(row["variable"], value, row["default"], row["help"])
    console.print(table)
