"""Readers and cleaning: real files of every supported kind, good and bad."""

import json

from conftest import BUILTIN

from qa import builtin_articles
from qa.ingest import fold_captions, iso_date
from qa.readers import read_paths


def _read(paths):
    ok, failed = {}, {}
    for source, item in read_paths(paths):
        (failed if isinstance(item, str) else ok)[source] = item
    return ok, failed


def test_builtin_articles_get_titles_dates_and_lose_site_furniture():
    ok, failed = _read([builtin_articles()])
    assert not failed
    articles = {a.id: a for a in ok.values()}
    minister = articles[BUILTIN["minister"]]
    assert minister.title == "Bộ trưởng Tô Lâm tiếp Tổng Vụ trưởng phụ trách châu Á – Thái Bình Dương"
    assert minister.date == "2022-04-27"
    assert "Lượt xem" not in minister.text and not minister.text.rstrip().endswith("Tìm kiếm")
    assert minister.text.startswith("Chiều 27/4/2022")
    workshop = articles[BUILTIN["workshop"]]
    assert workshop.title == "Luật quốc tế về không gian mạng"
    assert workshop.date is None  # "27/8" has no year


def test_captions_are_folded_into_the_next_paragraph():
    text = "Đoạn một dài đủ để là một đoạn văn.\n\nẢnh: Các đại biểu dự hội thảo\n\nĐoạn hai cũng là văn bản."
    assert fold_captions(text).split("\n\n") == [
        "Đoạn một dài đủ để là một đoạn văn.",
        "Ảnh: Các đại biểu dự hội thảo\nĐoạn hai cũng là văn bản.",
    ]


def test_dates_in_three_formats():
    assert iso_date("2021-03-05") == iso_date("20210305") == iso_date("05/03/2021") == "2021-03-05"
    assert iso_date("31/02/2021") is None
    assert iso_date("") is None


def test_bad_files_are_reported_and_the_rest_goes_in(tmp_path):
    (tmp_path / "good.txt").write_text("Tiêu đề bài\n\nNội dung bài báo thật sự ở đây.", encoding="utf-8")
    (tmp_path / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00binary")
    (tmp_path / "latin1.txt").write_bytes("Hà Nội".encode("cp1258", errors="replace") + b"\xe0\xe1\xff")
    (tmp_path / "empty.md").write_text("", encoding="utf-8")
    (tmp_path / "notes.pdf").write_bytes(b"%PDF-1.4")
    lines = [
        json.dumps({"id": "a1", "title": "Một", "text": "Văn bản một.", "date": "20200102"}, ensure_ascii=False),
        "{not json",
        json.dumps({"id": "a2", "title": "Hai"}),
        json.dumps({"id": "a3", "text": "Văn bản ba.", "url": "https://example.org/3", "date": "03/04/2020"}),
    ]
    (tmp_path / "feed.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    ok, failed = _read([tmp_path, tmp_path / "missing.txt", tmp_path / "notes.pdf"])
    ids = sorted(a.id for a in ok.values())
    assert ids == ["a1", "a3", "good"]
    reasons = {k.split("/")[-1]: v for k, v in failed.items()}
    assert "binary" in reasons["binary.txt"]
    assert "UTF-8" in reasons["latin1.txt"]
    assert reasons["empty.md"] == "empty file"
    assert "malformed" in reasons["feed.jsonl:2"] and "malformed" in reasons["feed.jsonl:3"]
    assert reasons["missing.txt"] == "no such file"
    assert "unsupported" in reasons["notes.pdf"]
    a1 = next(a for a in ok.values() if a.id == "a1")
    assert a1.date == "2020-01-02" and a1.title == "Một"


def test_html_gives_text_title_and_date(tmp_path):
    page = """<html><head><title>Hội thảo an ninh mạng | Báo X</title>
    <meta property="article:published_time" content="2022-04-27T10:00:00+07:00">
    <link rel="canonical" href="https://example.org/bai-viet"></head>
    <body><nav>Trang chủ | Thời sự | Tìm kiếm</nav><article><h1>Hội thảo an ninh mạng</h1>
    <p>Chiều 27/4/2022, tại Hà Nội, Bộ Công an tổ chức hội thảo về an ninh mạng với sự tham dự của nhiều
    đại biểu quốc tế đến từ châu Âu và châu Á.</p>
    <p>Các đại biểu đã chia sẻ kinh nghiệm bảo vệ dữ liệu cá nhân và phòng chống tội phạm mạng.</p>
    </article><footer>Bản quyền thuộc về Báo X</footer></body></html>"""
    (tmp_path / "page.html").write_text(page, encoding="utf-8")
    ok, failed = _read([tmp_path / "page.html"])
    assert not failed
    article = next(iter(ok.values()))
    assert "Bộ Công an tổ chức hội thảo" in article.text
    assert "Bản quyền" not in article.text
    assert article.title.startswith("Hội thảo an ninh mạng")
    assert article.date == "2022-04-27"
