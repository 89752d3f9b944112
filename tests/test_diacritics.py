"""Diacritics put back on Vietnamese typed without them, with the shipped news counts."""

from qa.diacritics import NewsCounts, Restorer, SyllableCounts
from qa.weights import Weights

WEIGHTS = Weights.read()


def test_a_question_typed_without_diacritics_gets_them_back():
    restorer = Restorer(WEIGHTS)
    assert restorer.restore("Luat an ninh mang co hieu luc tu ngay 1/1/2019?") == (
        "Luật an ninh mạng có hiệu lực từ ngày 1/1/2019?"
    )
    # case, acronyms and punctuation as typed
    assert restorer.restore("EU da tham van du thao nao?") == "EU đã tham vấn dự thảo nào?"
    assert restorer.restore("Ai la Cuc truong Cuc Doi ngoai?") == "Ai là Cục trưởng Cục Đối ngoại?"


def test_words_typed_with_diacritics_or_unknown_stay_as_typed():
    restorer = Restorer(WEIGHTS)
    assert restorer.restore("Hội thảo to chuc o dau?") == "Hội thảo tổ chức ở đâu?"
    assert restorer.restore("Josh Norman da doat bong bao nhieu lan?") == "Josh Norman đã đoạt bóng bao nhiêu lần?"
    assert restorer.restore("") == ""


def test_a_question_phrase_is_put_back_as_it_is_written():
    """The news rarely asks: without the pack's question phrases, "bao nhieu khan gia" was "báo
    nhiều khán giả", "tong cong" the "tổng công" of "tổng công ty", which stays itself, and "thu may"
    the "thứ máy" (machine) of an ordinal asked."""
    restorer = Restorer(WEIGHTS)
    assert restorer.restore("bao nhieu khan gia da den san") == "bao nhiêu khán giả đã đến sân"
    assert restorer.restore("duoc binh chon o bao nhieu linh vuc") == "được bình chọn ở bao nhiêu lĩnh vực"
    assert restorer.restore("xu phat tong cong bao nhieu tien") == "xử phạt tổng cộng bao nhiêu tiền"
    assert restorer.restore("Tong cong ty Hang hai") == "Tổng công ty Hàng hải"
    assert restorer.restore("cau thu do mac ao so may").endswith("áo số mấy")
    assert restorer.restore("atalanta len vi tri thu may o serie a").endswith("vị trí thứ mấy ở serie a")
    assert restorer.restore("xep thu may chung cuoc") == "xếp thứ mấy chung cuộc"


def test_the_passages_found_settle_what_the_news_alone_gets_wrong():
    question = "Ngai Gunnar Wiegand giu chuc vu gi?"
    assert Restorer(WEIGHTS).restore(question).startswith("Ngại")  # "alarmed", the news' commoner reading here
    context = ["Đại tướng Tô Lâm, Bộ trưởng Bộ Công an đã tiếp ngài Gunnar Wiegand, Tổng Vụ trưởng."]
    assert Restorer(WEIGHTS, context).restore(question) == "Ngài Gunnar Wiegand giữ chức vụ gì?"


def test_counts_written_are_read_back(tmp_path):
    counts = SyllableCounts.of_texts(["Bộ trưởng Tô Lâm tiếp khách. Bộ trưởng phát biểu."] * 5)
    path = tmp_path / "counts.tsv.gz"
    counts.write(path, min_count=5)
    read = NewsCounts(path)
    assert read.unigram(["bộ", "trưởng", "khách", "không"]).tolist() == [10, 10, 5, 0]
    # "khách" and "bộ" meet across a full stop, which breaks the chain: no such bigram
    assert read.bigram(["bộ", "khách"], ["trưởng", "bộ"]).tolist() == [[10, 0], [0, 0]]
    assert read.forms["bo"] == ["bộ"]
