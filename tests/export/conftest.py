"""A real store holding a small procurement: tender, award and contract notices of one
project (linked by code) plus an unrelated notice. Invented organisations and numbers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tenderwatch.export import make_bundle, records_from_store
from tenderwatch.ingest import ingest
from tenderwatch.settings import Settings
from tenderwatch.sources import iter_inputs
from tenderwatch.store.sqlite import SQLiteStore

PAGE = (
    '<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head>'
    "<body><h1>{title}</h1>{body}</body></html>"
)
NOTICES = {
    "tender.html": (
        "莎车县公安局视频监控扩容项目招标公告",
        "<p>项目编号：XJKS-2024-0031</p><p>项目名称：莎车县公安局视频监控扩容项目</p>"
        "<p>预算金额：350万元</p><p>采购人：莎车县公安局</p><p>采购代理机构：新疆示例招标有限公司</p>"
        "<p>投标截止时间：2024年04月22日</p><p>发布日期：2024年04月01日</p>"
        "<table><tr><td>品名</td><td>规格型号</td><td>数量</td><td>单价（元）</td></tr>"
        "<tr><td>人脸识别服务器</td><td>配置NVIDIA T4 GPU 8块</td><td>2台</td>"
        "<td>480,000.00</td></tr>"
        "<tr><td>网络摄像机</td><td>DS-2CD3T47WD-L</td><td>200台</td><td>1,280.00</td></tr>"
        "</table>"
        "<p>功能要求：维族人员实时预警：配置维族人员模型，前端上报维族属性</p>",
    ),
    "award.html": (
        "莎车县公安局视频监控扩容项目中标结果公告",
        "<p>项目编号：XJKS-2024-0031</p><p>采购人：莎车县公安局</p>"
        "<table><tr><td>包号</td><td>中标供应商</td><td>中标金额（万元）</td></tr>"
        "<tr><td>1</td><td>新疆演示科技有限公司</td><td>298.6</td></tr>"
        "<tr><td>2</td><td>喀什示例网络工程有限公司</td><td>45</td></tr></table>"
        "<p>公告日期：2024年05月10日</p>",
    ),
    "contract.html": (
        "莎车县公安局视频监控扩容项目合同公告",
        "<p>项目编号：XJKS-2024-0031</p><p>采购人（甲方）：莎车县公安局</p>"
        "<p>供应商（乙方）：新疆演示科技有限公司</p><p>合同金额：¥2,986,000.00</p>"
        "<p>合同签订日期：2024年05月20日</p><p>公告日期：2024年05月22日</p>",
    ),
    "other.html": (
        "杭州市西湖区图书馆古籍数字化项目成交公告",
        "<p>项目编号：HZ-TSG-2024-9</p><p>采购人：杭州市西湖区图书馆</p>"
        "<p>成交供应商：浙江演示文化科技有限公司</p><p>成交金额：=HYPERLINK(x) 详见附件</p>"
        "<p>公告日期：2024年06月01日</p>",
    ),
}


@pytest.fixture(scope="package")
def stored(tmp_path_factory):
    root = tmp_path_factory.mktemp("export")
    folder = root / "notices"
    folder.mkdir()
    for name, (title, body) in NOTICES.items():
        (folder / name).write_text(PAGE.format(title=title, body=body), "utf-8")
    settings = Settings(data_dir=root / "data", workers=1)
    store = SQLiteStore(settings.data_dir / "tenderwatch.db")
    summary = ingest(iter_inputs([str(folder)], settings=settings), settings=settings, store=store)
    assert summary.new == 4 and not summary.failed
    yield settings, store
    store.close()


@pytest.fixture(scope="package")
def bundle(stored):
    _, store = stored
    return make_bundle(records_from_store(store), datetime(2024, 7, 1, tzinfo=UTC))
