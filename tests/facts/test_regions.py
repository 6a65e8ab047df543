import pytest

from tenderwatch.facts.regions import load_gazetteer, parse_gazetteer


@pytest.fixture(scope="module")
def gazetteer():
    return load_gazetteer()


def test_coverage(gazetteer):
    levels = [d.level for d in gazetteer.divisions.values()]
    assert levels.count("province") == 31
    assert levels.count("prefecture") >= 330
    # every county of the five autonomous regions is present
    for prefix, at_least in {"65": 90, "54": 70, "64": 20, "45": 100, "15": 100}.items():
        counties = [
            c
            for c, d in gazetteer.divisions.items()
            if c.startswith(prefix) and d.level == "county"
        ]
        assert len(counties) >= at_least, prefix


def test_autonomous_flags(gazetteer):
    assert gazetteer.divisions["650000"].autonomous
    assert gazetteer.divisions["652800"].autonomous  # 巴音郭楞蒙古自治州
    assert gazetteer.divisions["450328"].autonomous  # 龙胜各族自治县
    assert not gazetteer.divisions["653100"].autonomous  # 喀什地区
    assert not gazetteer.divisions["320000"].autonomous


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("新疆维吾尔自治区喀什地区莎车县公安局", "653125"),
        ("莎车县公安局", "653125"),
        ("伊犁州公安局", "654000"),
        ("巴州库尔勒市", "652801"),
        ("海南藏族自治州教育局", "632500"),
        ("海南省三亚市公安局", "460200"),
        ("甘孜州理塘县", "513334"),
        ("北京市朝阳区教育委员会", "110105"),
        ("吉林市公安局", "220200"),
        ("内蒙古自治区鄂尔多斯市", "150600"),
    ],
)
def test_locate(gazetteer, text, code):
    located = gazetteer.locate(text)
    assert located is not None
    path, start, end = located
    assert path[-1].code == code
    assert path[0].level == "province"
    assert 0 <= start < end <= len(text)


@pytest.mark.parametrize("text", ["朝阳区教育委员会", "某某大学", "长白县", ""])
def test_ambiguous_or_unknown_is_not_guessed(gazetteer, text):
    assert gazetteer.locate(text) is None


def test_bad_gazetteer_row_is_rejected():
    with pytest.raises(ValueError, match="bad row"):
        parse_gazetteer("code,name,level,parent,autonomous,short\n65,新疆,region,,1,\n")
