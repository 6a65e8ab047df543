import json

from typer.testing import CliRunner

import tenderwatch.cli.facts  # noqa: F401  (registers `tenderwatch facts` until the lead wires it in)
from tenderwatch.cli import app

NOTICE_HTML = (
    '<html><head><meta charset="utf-8">'
    "<title>和田地区教育局校园安防项目中标公告</title></head><body>"
    "<h1>和田地区教育局校园安防项目中标公告</h1><p>项目编号：HT-2024-9</p>"
    "<table><tr><td>中标供应商</td><td>中标金额（万元）</td></tr>"
    "<tr><td>和田演示信息技术有限公司</td><td>231.65</td></tr></table>"
    "<p>采购人：和田地区教育局</p><p>公告日期：2024年05月20日</p></body></html>"
)


def test_facts_command_reads_a_real_html_file(tmp_path):
    (tmp_path / "notice.html").write_text(NOTICE_HTML, "utf-8")
    result = CliRunner().invoke(app, ["facts", str(tmp_path), "--format", "json"])
    assert result.exit_code == 0, result.output
    line = json.loads(result.stdout.splitlines()[0])
    facts = line["facts"]
    assert facts["buyer"]["value"] == "和田地区教育局"
    assert facts["suppliers"][0]["value"] == "和田演示信息技术有限公司"
    assert facts["amounts"][0]["value"] == "2316500"
    assert facts["regions"][0]["path"][-1]["code"] == "653200"


def test_facts_command_reports_unreadable_files(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    result = CliRunner().invoke(
        app, ["facts", str(tmp_path / "empty.txt"), str(tmp_path / "missing.pdf")]
    )
    assert result.exit_code == 2
    assert result.stdout.count("error") == 2


def test_eval_facts_passes_its_floors():
    result = CliRunner().invoke(app, ["eval", "--facts", "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout.splitlines()[0])
    assert report["passed"] and report["name"] == "facts"
