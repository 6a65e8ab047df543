"""extract(): every format, every charset path, and every kind of bad input."""

from __future__ import annotations

import io

from tenderwatch.extract import extract
from tenderwatch.model import ExtractionStatus
from tenderwatch.settings import Settings

NOTICE = """<html><head><meta charset="{charset}"><title>某某大学智慧校园采购公告</title>
<style>.x {{color: red}}</style><script>var nav = "脚本";</script></head>
<body><nav><a href="/">首页</a> <a href="/x">通知公告</a></nav>
<div class="content"><h1>某某大学智慧校园采购项目公告</h1>
<p>采购人：某某大学</p>
<table><tr><th>序号</th><th>名称</th><th>数量</th></tr>
<tr><td>1</td><td>人脸识别终端</td><td>20台</td></tr></table></div>
<footer>版权所有 ICP备00000000号</footer></body></html>"""


def test_html_gbk_with_meta_main_text_and_table_rows(settings: Settings) -> None:
    data = NOTICE.format(charset="gbk").encode("gb18030")
    result = extract(data, settings=settings)
    assert result.status is ExtractionStatus.OK
    assert result.charset == "gb18030"
    assert result.title == "某某大学智慧校园采购公告"
    main = result.pages[0].text
    assert "1 | 人脸识别终端 | 20台" in main.splitlines()
    assert "首页" not in main and "ICP" not in main and "脚本" not in main
    assert result.full_text is not None and "ICP备" in result.full_text
    assert "color" not in result.full_text


def test_html_big5_and_utf8_bom(settings: Settings) -> None:
    traditional = (
        "<html><head><meta charset='big5'></head>"
        "<body><p>某某大學智慧校園採購：人臉識別終端</p></body></html>"
    )
    result = extract(traditional.encode("big5hkscs"), settings=settings)
    assert result.charset == "big5hkscs" and "人臉識別終端" in result.text
    bom = b"\xef\xbb\xbf" + NOTICE.format(charset="gbk").encode("utf-8")
    result = extract(bom, settings=settings)  # the BOM beats a lying <meta>
    assert result.charset == "utf-8-sig" and "人脸识别终端" in result.text


def test_http_header_beats_meta(settings: Settings) -> None:
    data = NOTICE.format(charset="utf-8").encode("gb18030")
    result = extract(data, settings=settings, charset_hint="GB2312")
    assert result.charset == "gb18030" and "人脸识别终端" in result.text


def test_html_without_label_is_detected(settings: Settings) -> None:
    data = NOTICE.replace('<meta charset="{charset}">', "").encode("gb18030")
    result = extract(data, settings=settings)
    assert "人脸识别终端" in result.text


def test_text_pdf_pages(settings: Settings, text_pdf) -> None:
    data = text_pdf(["采购公告 第一页\n预算金额：玖佰万元整", "第二页 中标供应商"])
    result = extract(data, settings=settings)
    assert result.status is ExtractionStatus.OK
    assert [p.number for p in result.pages] == [1, 2]
    assert "玖佰万元整" in result.pages[0].text and not result.pages[0].ocr
    assert "中标供应商" in result.pages[1].text


def test_max_pages_warns(settings: Settings, text_pdf) -> None:
    data = text_pdf([f"第{i}页的采购公告内容足够长以免被当作扫描页" for i in range(3)])
    result = extract(data, settings=settings.model_copy(update={"max_pages": 2}))
    assert len(result.pages) == 2 and "first 2 of 3" in result.warnings[0]


def test_scanned_pdf_is_read_by_tesseract(settings: Settings, scanned_pdf) -> None:
    data = scanned_pdf(["政府采购公告", "采购人：某某大学"])
    result = extract(data, settings=settings.model_copy(update={"ocr_dpi": 150}))
    assert result.status is ExtractionStatus.OK, result.error
    assert result.pages[0].ocr
    assert "采购" in "".join(result.pages[0].text.split())


def test_scan_without_ocr_needs_ocr(settings: Settings, scanned_pdf) -> None:
    data = scanned_pdf(["政府采购公告"])
    result = extract(data, settings=settings.model_copy(update={"ocr": False}))
    assert result.status is ExtractionStatus.NEEDS_OCR
    assert "page" in (result.error or "") and "switched off" in (result.error or "")


def test_missing_language_data_needs_ocr(settings: Settings, scanned_pdf) -> None:
    data = scanned_pdf(["政府采购公告"])
    result = extract(data, settings=settings.model_copy(update={"ocr_languages": "zzz_none"}))
    assert result.status is ExtractionStatus.NEEDS_OCR
    assert "zzz_none" in (result.error or "")


def test_encrypted_truncated_and_garbage_pdfs_fail_clearly(settings: Settings, text_pdf) -> None:
    good = text_pdf(["采购公告 一二三四五六七八九十"])
    truncated = extract(good[: len(good) // 3], settings=settings, media_type="application/pdf")
    assert truncated.status is ExtractionStatus.FAILED and truncated.error
    garbage = extract(b"%PDF-1.4\n" + b"\x93garbage" * 100, settings=settings)
    assert garbage.status is ExtractionStatus.FAILED and "PDF" in (garbage.error or "")


def test_encrypted_pdf(settings: Settings, text_pdf) -> None:
    result = extract(
        text_pdf(["采购公告 一二三四五六七八九十"], encrypt="secret"), settings=settings
    )
    assert result.status is ExtractionStatus.FAILED
    assert "encrypted" in (result.error or "")


def test_docx_paragraphs_and_table_in_order(settings: Settings) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("某某县公安局视频监控项目")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "品目", "数量"
    table.cell(1, 0).text, table.cell(1, 1).text = "摄像机", "100"
    document.add_paragraph("联系人：张三（虚构）")
    out = io.BytesIO()
    document.save(out)
    result = extract(out.getvalue(), settings=settings)
    assert result.status is ExtractionStatus.OK
    assert result.text.splitlines() == [
        "某某县公安局视频监控项目",
        "品目 | 数量",
        "摄像机 | 100",
        "联系人：张三（虚构）",
    ]


def test_xlsx_two_sheets(settings: Settings) -> None:
    import openpyxl

    workbook = openpyxl.Workbook()
    first = workbook.active
    first.title = "清单"
    first.append(["名称", "单价"])
    first.append(["GPU服务器", 90000])
    second = workbook.create_sheet("供应商")
    second.append(["某某科技有限公司"])
    out = io.BytesIO()
    workbook.save(out)
    result = extract(out.getvalue(), settings=settings)
    assert [p.number for p in result.pages] == [1, 2]
    assert "GPU服务器 | 90000" in result.pages[0].text
    assert "某某科技有限公司" in result.pages[1].text


def test_zip_bomb_disguised_as_docx(settings: Settings, zip_bytes) -> None:
    data = zip_bytes({"word/document.xml": b"\0" * 50_000_000, "[Content_Types].xml": b"<x/>"})
    result = extract(data, settings=settings)
    assert result.status is ExtractionStatus.FAILED
    assert "zip bomb" in (result.error or "")


def test_damaged_docx_fails(settings: Settings, zip_bytes) -> None:
    data = zip_bytes({"word/document.xml": b"<not xml"})
    result = extract(data, settings=settings)
    assert result.status is ExtractionStatus.FAILED and result.error


def test_empty_unknown_and_oversized(settings: Settings) -> None:
    assert extract(b"", settings=settings).status is ExtractionStatus.EMPTY
    unknown = extract(b"\x00\x01\x02", settings=settings)
    assert unknown.status is ExtractionStatus.FAILED
    assert unknown.error == "unsupported media type application/octet-stream"
    big = extract(b"x" * 200, settings=settings.model_copy(update={"max_file_bytes": 100}))
    assert big.status is ExtractionStatus.FAILED and "limit 100" in (big.error or "")


def test_plain_text_gb18030(settings: Settings) -> None:
    result = extract("采购公告\f第二页".encode("gb18030"), settings=settings)
    assert [p.text for p in result.pages] == ["采购公告", "第二页"]


def test_deeply_nested_html_does_not_crash(settings: Settings) -> None:
    data = b"<html><body>" + b"<div>" * 100_000 + "采购".encode() + b"</div>" * 100_000
    result = extract(data, settings=settings)
    assert result.status is ExtractionStatus.FAILED
    assert "nests elements 100002 deep" in (result.error or "")
    ordinary = extract(
        b"<html><body>" + b"<div>" * 200 + "采购".encode() + b"</div>" * 200, settings=settings
    )
    assert ordinary.status is ExtractionStatus.OK and ordinary.text == "采购"
