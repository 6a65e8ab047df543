"""`tenderwatch rules ...` and `tenderwatch check` through the real typer application."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tenderwatch.cli import app
from tenderwatch.cli.app import console

from .conftest import RULES

runner = CliRunner()


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    # Rich wraps at the terminal width; a wide console keeps each report line whole.
    monkeypatch.setattr(console, "width", 200)


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout


def test_rules_ls_json_and_category_filter() -> None:
    code, out = run(
        "rules", "ls", "--rules", str(RULES), "--format", "json", "--category", "context"
    )
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert {r["id"] for r in rows} == {
        "context.capability.face",
        "context.region.autonomous",
        "context.hardware.gpu_server",
        "context.genre.report",  # a category's sub-categories are listed with it
    }
    assert all(r["signal"] for r in rows)


def test_rules_ls_text_shows_titles_and_references() -> None:
    code, out = run("rules", "ls", "--rules", str(RULES))
    assert code == 0
    assert "ethnic.attribute.face" in out and "Test Publisher" in out


def test_rules_show_and_missing_rule() -> None:
    code, out = run("rules", "show", "ethnic.attribute.model", "--rules", str(RULES))
    assert code == 0 and "ds-[i1la]f0100-ai" in out
    code, _ = run("rules", "show", "no.such.rule", "--rules", str(RULES))
    assert code == 3


def test_rules_test_passes_and_fails(tmp_path: Path) -> None:
    code, out = run("rules", "test", str(RULES))
    assert code == 0, out
    broken = (
        (RULES / "context.yaml")
        .read_text(encoding="utf-8")
        .replace("match: [人脸识别门禁]", "match: [指纹门禁]")
    )
    (tmp_path / "context.yaml").write_text(broken, encoding="utf-8")
    code, out = run("rules", "test", str(tmp_path))
    assert code == 4
    assert "context.capability.face should flag: '指纹门禁'" in out


def test_invalid_rules_fail_with_the_reason(tmp_path: Path) -> None:
    (tmp_path / "context.yaml").write_text("category: context\n", encoding="utf-8")
    result = runner.invoke(app, ["rules", "ls", "--rules", str(tmp_path)])
    assert result.exit_code == 4
    assert "context.yaml: field title" in result.stderr


def write_docs(folder: Path) -> dict[str, Path]:
    folder.mkdir()
    docs = {
        "clean": "某某大学图书馆空调维修项目公开招标公告",
        "signal": "某某中学人脸识别门禁系统采购",
        "finding": "第一章\f第二章 服务器：DS-1F0100-AI 一台，人脸识别，某某自治县",
    }
    paths = {}
    for name, text in docs.items():
        paths[name] = folder / f"{name}.txt"
        paths[name].write_text(text, encoding="utf-8")
    return paths


def test_check_exit_codes_and_json(tmp_path: Path) -> None:
    paths = write_docs(tmp_path / "docs")
    code, out = run("check", str(paths["clean"]), str(paths["signal"]), "--rules", str(RULES))
    assert code == 0
    code, out = run("check", str(tmp_path / "docs"), "--rules", str(RULES), "--format", "json")
    assert code == 1
    lines = {Path(r["path"]).stem: r for r in map(json.loads, out.splitlines())}
    assert [lines[n]["risk"] for n in ("clean", "finding", "signal")] == ["none", "high", "low"]
    finding = lines["finding"]
    assert finding["error"] is None and len(finding["sha256"]) == 64
    model = [f for f in finding["flags"] if f["rule"] == "ethnic.attribute.model"]
    assert model == [
        {
            "rule": "ethnic.attribute.model",
            "category": "ethnic.attribute",
            "severity": "medium",
            "signal": False,
            "text": "DS-1F0100-AI",
            "page": 2,
            "start": 12,
            "end": 24,
        }
    ]


def test_check_unreadable_input_wins(tmp_path: Path) -> None:
    paths = write_docs(tmp_path / "docs")
    missing = tmp_path / "missing.txt"
    code, out = run(
        "check", str(paths["finding"]), str(missing), "--rules", str(RULES), "-f", "json"
    )
    assert code == 2
    rows = [json.loads(line) for line in out.splitlines()]
    assert rows[1]["error"] and rows[1]["risk"] is None and rows[1]["flags"] == []


def test_check_text_report_highlights_evidence(tmp_path: Path) -> None:
    paths = write_docs(tmp_path / "docs")
    code, out = run("check", str(paths["finding"]), "--rules", str(RULES))
    assert code == 1
    assert "high" in out
    assert "p.2 [signal] context.region.autonomous" in out
    assert (
        "p.2 [medium] ethnic.attribute.model — Camera models marketed with minority detection"
        in out
    )
    assert "DS-1F0100-AI" in out


def test_check_reads_any_supported_format_and_records_bad_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    html = tmp_path / "notice.html"
    html.write_text(
        "<html><body><h1>采购公告</h1><p>智能分析服务器 DS-IF0100-AI 一台</p></body></html>",
        encoding="utf-8",
    )
    garbage = tmp_path / "scan.bin"
    garbage.write_bytes(bytes(range(256)) * 4)
    broken_pdf = tmp_path / "notice.pdf"
    broken_pdf.write_bytes(b"%PDF-1.7\n1 0 obj <<")
    code, out = run("check", str(tmp_path), "--rules", str(RULES), "-f", "json")
    assert code == 2
    rows = {Path(r["path"]).name: r for r in map(json.loads, out.splitlines())}
    assert rows["notice.html"]["risk"] == "medium"
    assert rows["notice.html"]["flags"][0]["text"] == "DS-IF0100-AI"
    for name in ("scan.bin", "notice.pdf"):
        assert rows[name]["error"] and rows[name]["risk"] is None, rows[name]
        assert len(rows[name]["sha256"]) == 64
    monkeypatch.setenv("TENDERWATCH_MAX_FILE_BYTES", "50")
    code, out = run("check", str(html), "--rules", str(RULES), "-f", "json")
    assert code == 2
    assert "over max_file_bytes (50)" in json.loads(out)["error"]
