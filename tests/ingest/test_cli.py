from __future__ import annotations

import json

from typer.testing import CliRunner

from tenderwatch.cli import app

runner = CliRunner()


def tw(*args, data_dir):
    return runner.invoke(app, [*args, "--data-dir", str(data_dir)], catch_exceptions=False)


def lines(result):
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def test_archive_commands_end_to_end(tmp_path, folder):
    data = tmp_path / "data"
    (folder / "empty.html").write_bytes(b"")
    result = tw("ingest", str(folder), "--workers", "1", data_dir=data)
    assert result.exit_code == 2, result.output  # one input failed
    assert "empty file" in result.output and "new" in result.output

    listed = lines(tw("ls", "--format", "json", data_dir=data))
    assert len(listed) == 3 and {d["status"] for d in listed} == {"ok"}
    assert len(lines(tw("ls", "--format", "json", "--limit", "1", data_dir=data))) == 1
    assert lines(tw("ls", "--format", "json", "--status", "failed", data_dir=data)) == []

    hits = lines(tw("search", "监控", "--format", "json", data_dir=data))
    assert len(hits) == 1
    doc_id = hits[0]["doc_id"]
    assert "监控" in hits[0]["snippets"][0]["text"]
    assert "监控" in tw("search", "监控", data_dir=data).output

    shown = lines(tw("show", doc_id[:10], "--format", "json", data_dir=data))[0]
    assert shown["document"]["id"] == doc_id
    assert shown["captures"][0]["kind"] == "file" and shown["captures"][0]["source"].endswith(
        "b.html"
    )
    assert "人脸识别" in tw("show", doc_id[:10], "--text", data_dir=data).output
    assert "captures" in tw("show", doc_id, data_dir=data).output

    stats = lines(tw("stats", "--format", "json", data_dir=data))[0]
    assert stats["documents"] == 3 and stats["errors"] == 1
    assert "empty file" in tw("stats", data_dir=data).output

    scanned = lines(tw("scan", "--format", "json", data_dir=data))[0]
    assert scanned["documents"] == 3 and sum(scanned["by_risk"].values()) == 3

    again = tw("ingest", str(folder / "a.html"), data_dir=data)
    assert again.exit_code == 0 and "duplicate" in again.output


def test_errors_say_what_to_do(tmp_path):
    data = tmp_path / "data"
    missing = tw("show", "abc123", data_dir=data)
    assert missing.exit_code == 3 and "tenderwatch ls" in missing.output
    nothing = tw("ingest", data_dir=data)
    assert nothing.exit_code == 2 and "--urls" in nothing.output
