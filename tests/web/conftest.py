"""A small archive for the workbench tests: documents written here (one hostile), one WARC
from the bundled examples, ingested for real, with facts stored as the facts area does."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tenderwatch.facts import extract_facts
from tenderwatch.facts.storage import write_facts
from tenderwatch.ingest import ingest
from tenderwatch.review import connect
from tenderwatch.settings import Settings
from tenderwatch.sources import iter_inputs
from tenderwatch.store.base import open_store

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "corpus"

CAMPUS = """<!doctype html><html><head><meta charset="utf-8">
<title>福建省XX学院智慧校园平台采购项目招标公告</title></head><body>
<h1>福建省XX学院智慧校园平台采购项目招标公告</h1>
<p>项目编号：FJXX-2024-017</p>
<p>采购人：福建省XX学院</p>
<p>发布日期：2024年3月1日</p>
<p>三、技术要求</p>
<p>1. 斋月预警：根据就餐记录分析疑似封斋学生并推送辅导员。</p>
<p>2. 食堂消费数据按日汇总。</p>
<p>预算金额：1,280,000元</p>
</body></html>"""

COUNTY = """<!doctype html><html><head><meta charset="utf-8">
<title>海南省XX县公安局人像智能分析平台中标公告</title></head><body>
<h1>海南省XX县公安局人像智能分析平台中标公告</h1>
<p>采购人：海南省XX县公安局</p>
<p>中标供应商：海南XX信息技术有限公司</p>
<p>发布日期：2022年12月20日</p>
<p>技术参数：人脸抓拍机应支持识别少数民族特征并输出结构化结果，
配置海康威视 DS-IF0100-AI 分析服务器。</p>
<p>中标金额：3,450,000元</p>
</body></html>"""

# Plain text, so the hostile markup reaches the extracted text exactly as written.
HOSTILE = """新疆XX县公安局视频分析系统采购需求 <script>window.__pwned = 1</script>
<img src=x onerror="window.__pwned = 2"><b>bold?</b>
要求：支持分析人员目标的种族属性（如维族、汉族）以及人种肤色属性。
"""

NEGATIVE = """<!doctype html><html><head><meta charset="utf-8">
<title>XX大学清真餐厅食材采购项目</title></head><body>
<p>采购人：XX大学后勤管理处</p><p>采购内容：清真餐厅米面粮油及调味品。</p>
</body></html>"""

DOCUMENTS = {
    "campus-tender.html": CAMPUS,
    "county-award.html": COUNTY,
    "hostile-notice.txt": HOSTILE,
    "halal-canteen.html": NEGATIVE,
}


def settings_for(data_dir: Path) -> Settings:
    return Settings(data_dir=data_dir, ocr=False, workers=2)


@pytest.fixture(scope="session")
def archive_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    inputs = tmp_path_factory.mktemp("inputs")
    for name, text in DOCUMENTS.items():
        (inputs / name).write_text(text, encoding="utf-8")
    shutil.copy(EXAMPLES / "archives" / "ccgp-example-capture-2024-05.warc.gz", inputs)
    data_dir = tmp_path_factory.mktemp("archive")
    settings = settings_for(data_dir)
    store = open_store(settings)
    try:
        summary = ingest(
            iter_inputs([str(inputs)], settings=settings), settings=settings, store=store
        )
        assert summary.new >= 5, summary
        with connect(store) as db:
            for doc_id in store.document_ids():
                extraction = store.extraction(doc_id)
                if extraction.pages:
                    db.execute("BEGIN")
                    write_facts(db, doc_id, extract_facts(extraction))
                    db.execute("COMMIT")
    finally:
        store.close()
    return data_dir


@pytest.fixture
def settings(archive_template: Path, tmp_path: Path) -> Settings:
    """A private copy of the archive per test: decisions and accounts do not leak."""
    data_dir = tmp_path / "data"
    shutil.copytree(archive_template, data_dir)
    return settings_for(data_dir)


@pytest.fixture
def store(settings: Settings):
    s = open_store(settings)
    yield s
    s.close()


@pytest.fixture
def find_doc(store):
    """The id of the one document whose title or text contains a fragment."""

    def find(fragment: str) -> str:
        for doc_id in store.document_ids():
            record = store.document(doc_id)
            text = "".join(p.text for p in store.pages(doc_id))
            if fragment in (record.title or "") or fragment in text:
                return doc_id
        raise AssertionError(f"no document mentions {fragment!r}")

    return find
