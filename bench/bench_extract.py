"""Extraction and normalization speed, each beside a baseline measured in the same run.

    .venv/bin/python bench/bench_extract.py [--docs 2000] [--pages 400]

Prints per-core numbers (one process). The corpus is generated under bench/out/.
"""

from __future__ import annotations

import argparse
import io
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path

import lxml.html

from tenderwatch.extract import extract
from tenderwatch.normalize import normalize
from tenderwatch.settings import Settings

OUT = Path(__file__).parent / "out" / "extract"
FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
ROW = "<tr><td>{i}</td><td>人脸识别摄像机 DS-2CD{i:04d}</td><td>{i}台</td><td>{i}0000元</td></tr>"
NOTICE = (
    "<html><head><meta charset='utf-8'><title>某某县{i}号采购公告</title></head><body>"
    "<nav>" + "<a href='/x'>栏目</a>" * 40 + "</nav><div class='content'><h1>某某县公安局视频监控"
    "采购项目（第{i}号）公开招标公告</h1><p>采购人：某某县公安局。预算金额：玖佰万元整。"
    "项目内容：视频监控前端、人脸识别终端、存储服务器。</p><table>{rows}</table>"
    "<p>联系人：张三（虚构） 电话：000-00000000</p></div><footer>版权所有 ICP备00000000号"
    "</footer></body></html>"
)


def timed(function: Callable[[], object]) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def html_corpus(count: int) -> list[bytes]:
    rows = "".join(ROW.format(i=i) for i in range(12))
    return [NOTICE.format(i=i, rows=rows).encode() for i in range(count)]


def pdf_corpus(pages: int) -> bytes:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    path = OUT / f"notice-{pages}.pdf"
    if path.exists():
        return path.read_bytes()
    pdfmetrics.registerFont(TTFont("wqy", FONT))
    out = io.BytesIO()
    pdf = canvas.Canvas(out)
    for page in range(pages):
        pdf.setFont("wqy", 11)
        for line in range(40):
            pdf.drawString(
                40, 800 - 19 * line, f"第{page}页第{line}行 采购人：某某大学 预算金额玖佰万元整"
            )
        pdf.showPage()
    pdf.save()
    path.write_bytes(out.getvalue())
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--pages", type=int, default=400)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    settings = Settings(data_dir=OUT)

    docs = html_corpus(args.docs)
    ours = timed(lambda: [extract(d, settings=settings) for d in docs])
    base = timed(lambda: [lxml.html.fromstring(d).text_content() for d in docs])
    print(
        f"html: {len(docs) / ours:8.0f} docs/s  "
        f"(baseline lxml text_content: {len(docs) / base:.0f})"
    )

    data = pdf_corpus(args.pages)
    ours = timed(lambda: extract(data, settings=settings))
    print(f"pdf text layer: {args.pages / ours:8.0f} pages/s  (target >= 100)")

    chinese = "\n".join(extract(d, settings=settings).text for d in docs[:300]) * 4
    english = "Public tender notice for campus card systems, budget 900,000 yuan.\n" * 40_000
    for label, text in (("chinese", chinese), ("english", english)):
        size = len(text.encode()) / 1e6
        normalize(text)  # warm the tables
        ours = min(timed(lambda t=text: normalize(t)) for _ in range(3))
        base = min(timed(lambda t=text: unicodedata.normalize("NFKC", t)) for _ in range(3))
        print(
            f"normalize {label}: {size / ours:6.1f} MB/s  "
            f"(baseline unicodedata NFKC alone: {size / base:.1f} MB/s; {size:.1f} MB)"
        )


if __name__ == "__main__":
    main()
