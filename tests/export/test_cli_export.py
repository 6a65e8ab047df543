import json

from typer.testing import CliRunner

import tenderwatch.cli.facts  # noqa: F401  (registers `tenderwatch export` until the lead wires it in)
from tenderwatch.cli import app


def test_export_command_writes_each_format(stored, tmp_path):
    settings, _ = stored
    runner = CliRunner()
    out = tmp_path / "package.json"
    result = runner.invoke(
        app, ["export", "--format", "ocds", "-o", str(out), "-d", str(settings.data_dir)]
    )
    assert result.exit_code == 0, result.output
    assert len(json.loads(out.read_text("utf-8"))["releases"]) == 4
    result = runner.invoke(
        app, ["export", "--format", "jsonl", "-d", str(settings.data_dir), "--risk", "high"]
    )
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines and all(line["risk"] == "high" for line in lines)


def test_export_command_rejects_unknown_formats_and_documents(stored):
    settings, _ = stored
    runner = CliRunner()
    result = runner.invoke(app, ["export", "--format", "pdf", "-d", str(settings.data_dir)])
    assert result.exit_code == 2
    result = runner.invoke(
        app, ["export", "--format", "csv", "--doc", "ffff", "-d", str(settings.data_dir)]
    )
    assert result.exit_code == 3
