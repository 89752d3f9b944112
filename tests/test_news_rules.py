"""What real news needs: a lead that arrives as the title, the fact asked for as a short answer, the
sentence that holds it found elsewhere in the article, nonsense that is no question."""

from __future__ import annotations

import json

import pytest

from eval.runner import load_nonsense
from qa.analysis import analyze
from qa.checks import counts, holds_asked, holds_new, novel_kind, stated_numbers, states_asked, unit_measure
from qa.ingest import make_article

LEAD = (
    "Chiều 29/4, Sở Y tế TP Đà Nẵng cho biết đã xác định 12 trường hợp F1 liên quan đến ca bệnh ở Hà Nam, "
    "tất cả đều đã được cách ly (Ảnh: Hoài Sơn)."
)


def test_a_lead_that_came_as_the_title_is_the_first_paragraph_and_the_headline_its_first_sentence():
    article = make_article("dn", "Các trường hợp F1 được lấy mẫu xét nghiệm.", "feed", title=LEAD, when="20210429")
    assert article.text.startswith("Chiều 29/4, Sở Y tế TP Đà Nẵng")
    assert article.text.endswith("Các trường hợp F1 được lấy mẫu xét nghiệm.")
    assert article.title == LEAD.split(" (Ảnh")[0][:120].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    assert LEAD.startswith(article.title.rstrip("…"))  # verbatim, never invented
    headline = make_article("h", "Nội dung bài.", "feed", title="Vinamilk lọt Top 1.000 thương hiệu hàng đầu châu Á")
    assert headline.title == "Vinamilk lọt Top 1.000 thương hiệu hàng đầu châu Á" and headline.text == "Nội dung bài."


def indexed(assistant, path, rows: list[dict]):
    """`assistant` with `rows` ingested from a JSON Lines file at `path`."""
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    assistant.add([path], progress=False)
    return assistant


@pytest.fixture
def news_index(fresh, tmp_path):
    rows = [
        {
            "id": "f1",
            "date": "20210429",
            "url": "https://example.org/da-nang-f1",
            "title": LEAD,
            "text": "Các trường hợp này được lấy mẫu xét nghiệm và đều cho kết quả âm tính lần 1.\n"
            "Ngành y tế thành phố khuyến cáo người dân không chủ quan, thực hiện nghiêm quy định 5K.",
        },
        {
            "id": "gia-vang",
            "date": "20210428",
            "title": "Giá vàng hôm nay tăng nhẹ",
            "text": "Sáng 28/4, giá vàng SJC niêm yết ở mức 55,4 triệu đồng mỗi lượng, tăng 100.000 đồng "
            "so với hôm qua.",
        },
    ]
    return indexed(fresh, tmp_path / "feed.jsonl", rows)


def test_the_fact_in_the_lead_is_quoted_with_a_short_answer(news_index):
    answer = news_index.ask("Đà Nẵng xác định bao nhiêu trường hợp F1 liên quan ca bệnh ở Hà Nam?")
    assert answer.quotes[0].article_id == "f1" and answer.quotes[0].position == 0
    assert "12 trường hợp F1" in " ".join(answer.quotes[0].highlighted_text)
    short = answer.short_answer
    assert short is not None and short.kind == "number" and "12 trường hợp" in short.text
    assert answer.quotes[0].text[short.start : short.end] == short.text
    amount = news_index.ask("Giá vàng SJC sáng 28/4 là bao nhiêu?")
    assert amount.short_answer is not None and "55,4 triệu đồng" in amount.short_answer.text


def test_meaningless_inputs_are_not_in_the_articles(builtin):
    inputs = load_nonsense()
    assert len(inputs) >= 25
    for text in inputs:
        answer = builtin.ask(text)
        assert answer.abstained and not answer.quotes, text
        assert answer.decision is not None and answer.decision.reason == "no_content", text
    # markup around a question is not code; a question naming a table is no statement
    assert analyze("<b>Tô Lâm</b> là ai?").looks_like_text() and analyze("Who created the table?").looks_like_text()


@pytest.fixture
def counts_index(fresh, tmp_path):
    rows = [
        {
            "id": "du-lich",
            "date": "20210402",
            "title": "Hà Nam đón khách du lịch quý 1",
            "text": "Trong quý 1 năm 2021, lượng khách du lịch đến các điểm du lịch của Hà Nam đạt 1.490.300 lượt "
            "khách, trong đó khách quốc tế 19.000 lượt.",
        },
        {
            "id": "bangalore",
            "date": "20210425",
            "title": "Lò hỏa táng ở Ấn Độ quá tải",
            "text": "Bảy lò hỏa táng Covid-19 tại Bangalore hoạt động suốt ngày đêm để xử lý từ 20 đến 25 thi thể "
            "được chuyển đến mỗi ngày.",
        },
        {
            "id": "ngan-hang",
            "date": "20210510",
            "title": "TPBank mở rộng mạng lưới",
            "text": "Ngân hàng TPBank vừa khai trương thêm 3 chi nhánh. Với số lượng khách hàng hiện nay, hơn 4 "
            "triệu khách hàng, đa số là khách hàng cá nhân, ngân hàng vẫn muốn tăng thị phần.",
        },
        {
            "id": "goni",
            "date": "20201101",
            "title": "Siêu bão Goni đổ bộ Philippines",
            "text": "Cơ quan dự báo thời tiết Philippines cho hay siêu bão Goni vào 4h50 sáng ngày 1/11 đã đổ bộ vào "
            "đảo Catanduanes với sức gió tối đa 225 km/h.",
        },
        {
            "id": "hanh-tim",
            "date": "20210301",
            "title": "Giá hành tím xuống thấp",
            "text": "Theo bà Nguyễn Thị Tố Trân, Phó Giám đốc Sở NN&PTNT tỉnh Bình Định, năm nay diện tích hành "
            "tím tăng cao nên giá thu mua giảm xuống thấp.",
        },
        {
            "id": "alaves",
            "date": "20201101",
            "title": "Barcelona hòa Alaves",
            "text": "Trái với sự kỳ vọng, sau chiến thắng trước Juventus ở Champions League, Barcelona vẫn chưa "
            "thể tạo nên cú hích ở La Liga. Sau đó, mãi tới phút 63, họ mới có được bàn thắng gỡ hòa do công của "
            "Griezmann.",
        },
        {
            "id": "cao-toc",
            "date": "20210601",
            "title": "Cao tốc mới thông xe",
            "text": "Từ hôm nay, xe khách chạy tuyến Hà Nội – Hải Phòng đi trên cao tốc mới, rút ngắn hành trình "
            "còn 90 phút.",
        },
        {
            "id": "chia-tay",
            "date": "20210416",
            "title": "Jennifer Lopez chia tay",
            "text": "Jennifer Lopez và bạn trai kém 6 tuổi Alex Rodriguez vừa thông báo chia tay sau 4 năm hò hẹn.",
        },
        {
            "id": "o-to",
            "date": "20210310",
            "title": "Ô tô Trung Quốc",
            "text": "Từ con số hơn 10 triệu chiếc năm 2015, đến 2019 ngành xe hơi Trung Quốc đã đạt lượng sản xuất "
            "hơn 25,7 triệu chiếc, đứng số 1 thế giới về quy mô, sản lượng và sức tiêu thụ.",
        },
        {
            "id": "lich-su",
            "title": "Những ngày lịch sử",
            "text": "Vào ngày 8 tháng 2 năm 2007, BSkyB thông báo ý định thay thế ba kênh truyền hình mặt đất. "
            "Nhà Trần đã đánh bại quân Mông Cổ trong trận chiến Bạch Đằng (1288). "
            "Nhiệt độ không khí bề mặt trung bình toàn cầu đã tăng 0,3 đến 0,6 °C trong 100 năm qua.",
        },
        {
            "id": "cho-can",
            "date": "20210412",
            "title": "Bé trai bị chó cắn thủng khí quản",
            "text": "Bé trai 3 tuổi ở Hà Tĩnh bị chó nhà hàng xóm cắn thủng khí quản đã được chuyển đến Bệnh viện "
            "Sản nhi Nghệ An cấp cứu kịp thời.",
        },
        {
            "id": "rap-viet",
            "date": "20201225",
            "title": "Rap Việt: Nón Vàng",
            "text": "Chiếc Nón Vàng của giám khảo được kích hoạt khi kết thúc vòng Bứt phá, Justa Tee đã quyết định "
            "cứu TLinh, nữ thí sinh duy nhất. Cựu danh thủ của bóng đá Thái Lan Piyapong Pue-on tuyên bố HLV "
            "Kiatisuk sẽ dẫn dắt đội tuyển.",
        },
        {
            "id": "cach-ly",
            "date": "20210425",
            "title": "Bệnh nhân ở Hà Nam",
            "text": "Bệnh nhân N.V.Đ. nhập cảnh từ Nhật Bản về, cách ly đủ 14 ngày tại Đà Nẵng rồi về quê.",
        },
        {
            "id": "rau",
            "date": "20210412",
            "title": "Rau bông tuyết",
            "text": "Rau bông tuyết đang được bán với giá 120.000 đồng/kg, khách mua nguyên thùng được giảm giá.",
        },
        {
            "id": "marathon",
            "date": "20210427",
            "title": "Nhà vô địch siêu marathon",
            "text": "Hà Thị Hậu giành chức vô địch nữ ở cự ly siêu marathon 70km tại giải chạy đường mòn Mộc Châu.",
        },
        {
            "id": "iphone",
            "date": "20210430",
            "title": "Giá iPhone cũ",
            "text": "Chiếc iPhone 12 Pro Max cũ bản 128GB đang có giá khoảng 25,5 triệu đồng.",
        },
        {
            "id": "ca-mau",
            "date": "20210415",
            "title": "Cán bộ Cà Mau học ngoại ngữ",
            "text": "Tỉnh Cà Mau có 1.890 cán bộ, công chức cấp tỉnh và huyện, trong đó chỉ có 117 người có chứng chỉ "
            "ngoại ngữ B2.",
        },
        {
            "id": "benh-vien",
            "date": "20210419",
            "title": "Bệnh viện 108 kỷ niệm ngày thành lập",
            "text": "Ngày 19/4, Bệnh viện Trung ương Quân đội 108 đã tổ chức lễ kỷ niệm 70 năm ngày thành lập.",
        },
        {
            "id": "la-liga",
            "date": "20201101",
            "title": "Barcelona gây thất vọng",
            "text": "Dù thi đấu hơn người trong hơn 30 phút cuối trận, Barcelona chỉ hòa Alaves 1-1 ở vòng 7 La "
            "Liga. Trước đó 4 ngày, Barcelona thắng Juventus ở Champions League.",
        },
        {
            "id": "serie-a",
            "date": "20210419",
            "title": "Atalanta thắng Juventus",
            "text": "Chiến thắng này đã giúp Atalanta vượt qua Juventus để chiếm vị trí thứ 3 ở Serie A.",
        },
        {
            "id": "saki-sudo",
            "date": "20210429",
            "title": "Triệu phú Nhật bị đầu độc",
            "text": "Năm 2018, triệu phú Kosuke Nozaki qua đời; cảnh sát Nhật Bản vừa bắt giữ vợ ông, Saki Sudo, 25 "
            "tuổi. Năm 1999, Saki Sudo chuyển đến Tokyo.",
        },
        {
            "id": "vimc",
            "date": "20210428",
            "title": "Hàng hải chịu ảnh hưởng của dịch",
            "text": "Ông Nguyễn Cảnh Tĩnh - Tổng giám đốc VIMC - cho biết Covid-19 khiến ngành hàng hải Việt Nam chịu "
            "ảnh hưởng nặng nề.",
        },
        {
            "id": "fe-credit",
            "date": "20210429",
            "title": "VPBank bán vốn FE Credit",
            "text": "Ông Nguyễn Đức Vinh, CEO VPBank, cho biết ngân hàng đã hoàn tất việc bán 49% vốn FE Credit.",
        },
        {
            "id": "ban-dan",
            "date": "20210420",
            "title": "Ngành bán dẫn",
            "text": "Để tự chủ chuỗi cung ứng chip, ngành bán dẫn cần khoản đầu tư lên tới 1 nghìn tỷ USD.",
        },
    ]
    return indexed(fresh, tmp_path / "counts.jsonl", rows)


def test_a_short_answer_is_the_whole_number_or_range_with_its_unit(counts_index):
    """Thousands groups stay one number, a range stays whole with the word that opens it, and the
    digits of a name ("Covid-19") are no count."""
    visitors = counts_index.ask("Quý 1/2021 Hà Nam đón bao nhiêu lượt khách du lịch?")
    assert visitors.short_answer is not None and visitors.short_answer.text == "1.490.300 lượt khách"
    bodies = counts_index.ask("Mỗi ngày các lò hỏa táng ở Bangalore xử lý bao nhiêu thi thể?")
    assert bodies.short_answer is not None and bodies.short_answer.text == "từ 20 đến 25 thi thể"
    quote = bodies.quotes[0]
    assert quote.text[bodies.short_answer.start : bodies.short_answer.end] == bodies.short_answer.text


# (question, short answer) over `counts_index`, each a rule of the short answer's
SHORT_ANSWERS = [
    # a number read with its scale ("4 triệu", not "triệu" beside it)
    ("TPBank hiện có bao nhiêu khách hàng?", "hơn 4 triệu khách hàng"),
    # the woman named after "bà" answers who, not the capitalised words of her office ("Phó Giám")
    ("Ai ở Sở Nông nghiệp Bình Định giải thích vì sao giá hành tím xuống thấp?", "bà Nguyễn Thị Tố Trân"),
    # a time of day read with its day, and a place with what it is
    ("Siêu bão Goni đổ bộ vào Philippines lúc mấy giờ?", "vào 4h50 sáng ngày 1/11"),
    ("Siêu bão Goni đổ bộ vào đảo nào của Philippines?", "đảo Catanduanes"),
    # a unit runs on to no name, and to no word that opens another value
    ("Bạn trai của Jennifer Lopez kém cô bao nhiêu tuổi?", "6 tuổi"),
    # a number in the measure asked before one in another: how long is not an age
    ("How long had Jennifer Lopez and Alex Rodriguez been dating when they split?", "4 năm hò hẹn"),
    # a count said in a clause naming another year than the question's is another year's count
    ("Năm 2015 ngành ô tô Trung Quốc sản xuất bao nhiêu chiếc xe?", "hơn 10 triệu chiếc"),
    ("Năm 2019 ngành xe hơi Trung Quốc sản xuất bao nhiêu chiếc?", "hơn 25,7 triệu chiếc"),
    # a day written out, a year before 1900 alone, a temperature with its unit
    ("BSkyB thông báo ý định thay thế các kênh truyền hình mặt đất khi nào?", "Vào ngày 8 tháng 2 năm 2007"),
    ("Nhà Trần đánh bại quân Mông Cổ ở Bạch Đằng khi nào?", "1288"),
    ("Nhiệt độ không khí bề mặt trung bình toàn cầu đã tăng bao nhiêu trong 100 năm qua?", "0,3 đến 0,6 °C"),
    # an organisation asked by what it is: its name, lower-case words inside it included
    ("Bé trai bị chó cắn thủng khí quản được điều trị tại bệnh viện nào?", "Bệnh viện Sản nhi Nghệ An"),
    # a dash between two places joins no range: the second is a place of its own
    ("Xe khách chạy cao tốc mới từ Hà Nội đến thành phố nào?", "Hải Phòng"),
    # a name the question says is none, however spaced ("JustaTee"); one word may be a name
    ("Giám khảo JustaTee đã dùng Nón Vàng cứu thí sinh nào?", "TLinh"),
    # a player named by one foreign word, not the competitions capitalised beside him
    ("Ai ghi bàn gỡ hòa cho Barcelona trước Alaves?", "Griezmann"),
    # a name without the country said before it, its hyphenated part kept
    ("Cựu danh thủ nào của Thái Lan nói Kiatisuk sẽ dẫn dắt đội tuyển?", "Piyapong Pue-on"),
    # an English question's place, in the articles' words ("Japan": "Nhật Bản"), is not its answer
    ("Where did the Ha Nam patient N.V.D. spend his 14-day quarantine after arriving from Japan?", "Đà Nẵng"),
    # what a sum is per, a unit glued to its number, scales in a row
    ("Rau bông tuyết bán giá bao nhiêu?", "120.000 đồng/kg"),
    ("Hà Thị Hậu vô địch cự ly bao nhiêu km ở Mộc Châu?", "70km"),
    ("Ngành bán dẫn cần đầu tư bao nhiêu tiền để tự chủ chuỗi cung ứng chip?", "lên tới 1 nghìn tỷ USD"),
    # a price asked in English is a sum, not the "128GB" it names; "1,890" is the papers' "1.890"
    ("How much does a used iPhone 12 Pro Max 128GB sell for?", "khoảng 25,5 triệu đồng"),
    ("How many of Ca Mau's 1,890 provincial and district officials hold a B2 language certificate?", "117 người"),
    # an ordinal with the noun it ranks, as the question names it
    ("Sau khi thắng Juventus, Atalanta lên vị trí thứ mấy ở Serie A?", "vị trí thứ 3"),
]


def test_a_short_answer_reads_a_number_with_its_scale_a_name_after_its_title_a_time_with_its_day_a_place(counts_index):
    """Every rule of `SHORT_ANSWERS`, over one index; an organisation's short answer says its kind."""
    for question, expected in SHORT_ANSWERS:
        short = counts_index.ask(question).short_answer
        assert short is not None and short.text == expected, (question, short)
    hospital = counts_index.ask(next(q for q, a in SHORT_ANSWERS if a.startswith("Bệnh viện"))).short_answer
    assert hospital is not None and hospital.kind == "organisation"


@pytest.mark.parametrize(
    ("question", "counted"),
    [
        ("Bé phải nằm viện bao nhiêu ngày thì được xuất viện?", ("ngày",)),
        ("TPBank chia cổ tức bao nhiêu phần trăm?", ("phần trăm", "%")),
        ("Trận đấu kết thúc với tỷ số bao nhiêu trong hiệp phụ?", ()),  # a function word counts nothing
        ("Giá vé bao nhiêu tiền?", ()),  # a sum: the amount kind's
        ("How many seriously ill Covid-19 patients did the doctor treat?", ("bệnh nhân",)),
        ("How many people did the Philippines evacuate?", ("người", "dân", "nhân dân")),
        ("How many did Bangalore record that day?", ()),
        ("Who scored the goal?", ()),
    ],
)
def test_a_count_question_knows_what_it_counts_in_the_articles_words(question, counted):
    assert analyze(question).counted == counted


def test_a_count_of_what_is_asked_is_not_any_number():
    assert counts("Bé phải nằm viện điều trị 45 ngày.", ("ngày",))
    assert counts("hơn 25,7 triệu chiếc xe", ("chiếc",)) and counts("khoảng 1.000-1.500 du khách", ("khách",))
    assert counts("cự ly 70km", ("km",)) and counts("tăng 14,3% so với năm trước", ("phần trăm", "%"))
    assert not counts("Bé trai 3 tuổi nhập viện ngày 8/5.", ("ngày",))  # a date, an age: no count of days
    assert not counts("biến thể Covid-19 ngày càng lan rộng", ("ngày",))  # the digits of a name


def test_a_number_the_question_says_or_one_of_another_measure_does_not_answer_it():
    """The highlight must hold a number other than those the question says with the same word beside
    them ("vòng 10"), and not one in a unit of another measure than the one asked ("3 tuổi" for "bao
    nhiêu ngày"); a number of a thing counted ("842 người") answers any count."""

    def answers(question: str, sentence: str) -> bool:
        asked = analyze(question)
        return holds_new(sentence, "number", stated_numbers(asked.effective), asked.measures)

    crowd = "Bao nhiêu khán giả đến sân Pleiku xem HAGL gặp CLB Hà Nội ở vòng 10 V-League 2021?"
    assert not answers(crowd, "Trận đấu được mong đợi nhất ở vòng 10 V-League 2021 là HAGL gặp CLB Hà Nội.")
    assert answers(crowd, "Có 10.000 khán giả đến sân Pleiku xem trận đấu ở vòng 10.")
    twice = "Năm 2020 Hải quân Mỹ mấy lần đưa cùng lúc 2 tàu sân bay tới Biển Đông?"
    assert answers(twice, "Năm 2020, Hải quân Mỹ đã 2 lần đưa cùng lúc 2 tàu sân bay tới Biển Đông.")
    days = "Bé trai bị chó cắn phải nằm viện điều trị bao nhiêu ngày?"
    assert analyze(days).measures == {"duration"}
    assert not answers(days, "Bé trai 3 tuổi ở Hà Tĩnh bị chó nhà hàng xóm cắn.")
    assert answers(days, "Sau 2 tuần nằm viện, bé đã được xuất viện.")
    assert not answers("How long was the doctor suspended for?", "Bác sĩ V.P. bị tố cáo bởi em L. (17 tuổi).")
    assert answers("How many staff attended the conference?", "Hội nghị có 842 người tham dự.")
    assert {"age", "duration"} <= analyze("How old are the fossils?").measures  # told in years
    assert unit_measure("4 tỷ năm tuổi", 0, 1) == "age" and unit_measure("năm thứ 3 liên tiếp", 8, 9) == "duration"


def test_a_year_asked_is_not_answered_by_a_day_without_one_nor_a_score_by_any_number(counts_index):
    """ "năm nào" asks for a year ([grain]): a day and month alone do not say it, though they
    answer "ngày nào"; a time of day answers "mấy giờ", a score "tỷ số bao nhiêu"."""
    year = counts_index.ask("Bệnh viện Trung ương Quân đội 108 được thành lập vào năm nào?")
    assert year.abstained and year.decision is not None and year.decision.reason == "kind_missing"
    day = counts_index.ask("Bệnh viện Trung ương Quân đội 108 tổ chức lễ kỷ niệm 70 năm thành lập vào ngày nào?")
    assert not day.abstained and day.short_answer is not None and day.short_answer.text == "Ngày 19/4"
    english = counts_index.ask("In what year was 108 Military Central Hospital founded?")
    assert english.abstained and english.decision.reason == "kind_missing"
    # a birth year asked is answered by a birth, not by another year of the person's story
    assert analyze("In what year was Minister To Lam born?").grain == "birth"
    born = counts_index.ask("Saki Sudo sinh năm nào?")
    assert born.abstained and born.decision is not None and born.decision.reason == "kind_missing"
    hour = counts_index.ask("Siêu bão Goni đổ bộ vào Philippines lúc mấy giờ?")
    assert not hour.abstained
    assert analyze("What time of year are the clams most plentiful?").grain is None  # a season, not a time of day
    # a score asked is a score, not another number of the same sentence; a quote without one is no answer
    score = counts_index.ask("Trận Barcelona gặp Alaves ở vòng 7 La Liga kết thúc với tỷ số bao nhiêu?")
    assert not score.abstained and score.short_answer is not None and score.short_answer.text == "1-1"
    other = counts_index.ask("Barcelona thắng Juventus ở Champions League với tỷ số bao nhiêu?")
    assert other.abstained and other.decision is not None and other.decision.reason == "kind_missing"
    # an age does not say how long the boy stayed in hospital
    stay = counts_index.ask("Bé trai bị chó cắn thủng khí quản phải nằm viện điều trị bao nhiêu ngày?")
    assert stay.quotes[0].article_id == "cho-can"
    assert stay.abstained and stay.decision is not None and stay.decision.reason == "kind_missing"


def test_a_count_the_article_never_gives_is_withheld_though_it_gives_other_numbers(counts_index):
    """With `count_check` on (off by default: docs/abstention.md), the article counts visitors, not
    tourist sites: "how many sites" is not answered by a number of visitors."""
    counts_index = counts_index.derive(weights=counts_index.weights.replace("abstention", "count_check", True))
    sites = counts_index.ask("Hà Nam có bao nhiêu điểm du lịch đón khách trong quý 1 năm 2021?")
    assert sites.abstained and sites.decision is not None and sites.decision.reason == "kind_missing"
    assert sites.signals is not None and not sites.signals.count_found
    visitors = counts_index.ask("Quý 1/2021 Hà Nam đón bao nhiêu lượt khách du lịch?")
    assert not visitors.abstained and visitors.signals.count_found


def test_who_holds_an_office_is_answered_with_the_body_by_its_full_or_short_name(counts_index):
    """ "Tổng Công ty Hàng hải Việt Nam (VIMC)" is named by "VIMC" too; the CEO of VPBank is not the
    chief executive of FE Credit, whose stake the same sentence speaks of."""
    vimc = counts_index.ask("Ai đang là Tổng giám đốc Tổng Công ty Hàng hải Việt Nam (VIMC)?")
    assert not vimc.abstained and vimc.short_answer is not None and "Nguyễn Cảnh Tĩnh" in vimc.short_answer.text
    other = counts_index.ask("Who is the chief executive of FE Credit?")
    assert other.quotes[0].article_id == "fe-credit"
    assert other.abstained and other.decision is not None and other.decision.reason == "kind_missing"


def test_the_article_a_conversation_is_on_is_searched_whole(counts_index):
    """A follow-up's answer may share no word with the follow-up ("How much of it was in cash?"): the
    passages of the article the conversation is on join the candidates however few the searches
    bring, and are boosted."""
    narrow = counts_index.derive(weights=counts_index.weights.replace("retrieval", "candidates", 1))
    question = narrow.read("Rau bông tuyết bán giá bao nhiêu một cân?")
    on = set(narrow.store.article_passage_ids("cho-can"))
    vector = narrow.retriever.encode_question(question).search
    dense, lexical = narrow.store.search_dense(vector, 3)[0], narrow.store.search_lexical(list(question.terms), 3)[0]
    searched = {*dense.tolist(), *lexical.tolist()}
    assert not on & searched
    followed = narrow.retriever.run(question, top_k=3, prefer_article="cho-can")
    assert on <= {h.passage_id for h in followed}
    assert all(h.boosts.get("conversation") for h in followed if h.passage_id in on)


def test_a_sentence_away_from_the_quote_answers_only_by_stating_what_is_asked():
    """The kind search beyond the top highlight reads more strictly than the check: a number of what
    a count question counts, one in the measure a measure question asks, a sum; not some number."""

    def states(question: str, sentence: str) -> bool:
        return states_asked(sentence, analyze(question))

    crowd = "Hội thảo có bao nhiêu người tham dự?"
    assert states(crowd, "Hội thảo có hơn 200 người tham dự.")
    assert not states(crowd, "Sau hơn 1 năm có hiệu lực, Luật An ninh mạng đã góp phần bảo vệ người dân.")
    assert holds_asked("Sau hơn 1 năm có hiệu lực, Luật đã góp phần bảo vệ người dân.", "number", analyze(crowd))
    span = "Chiếc máy bay lớn nhất thế giới có sải cánh dài bao nhiêu?"
    assert states(span, "Máy bay có sải cánh dài 117 mét.")
    assert not states(span, "Chiếc máy bay 6 động cơ đã hạ cánh an toàn trên đường băng bằng 28 bánh xe.")
    assert states("Hòn đá dài chừng bao nhiêu?", "Nó dài khoảng 15cm.")  # "chừng" asks a length too
    assert states("Dự án có tổng vốn bao nhiêu?", "Dự án có tổng vốn đầu tư gần 4,2 tỷ USD.")
    assert not states("Dự án có tổng vốn bao nhiêu?", "Dự án động thổ vào tháng 10/2019.")
    assert not states("Con số đó là bao nhiêu?", "Có 12 trường hợp.")  # says neither what it counts nor measures


def test_the_sum_two_sentences_from_the_topic_is_quoted_and_a_count_the_article_lacks_is_withheld(fresh, tmp_path):
    """The sentence naming the project holds no sum; the one that does is two sentences on: it is
    quoted, not withheld. A count of people the article never gives is still "not in the articles"."""
    text = (
        "Cũng trong năm 2019, SMBC bắt tay với Tập đoàn BRG thành lập liên doanh để triển khai dự án Thành phố "
        "Thông minh Bắc Hà Nội nằm trong quy hoạch hai bên bờ sông Hồng.\n"
        "Tới cuối năm 2020, lần hợp tác này giữa Bảo Việt và SMBC được diễn đàn M&A Việt Nam bình chọn là thương "
        "vụ tiêu biểu của năm.\n"
        "Dự án có tổng vốn đầu tư gần 4,2 tỷ USD, đã chính thức động thổ vào tháng 10/2019."
    )
    row = {"id": "smbc", "date": "20210420", "title": "SMBC và những thương vụ lớn ở Việt Nam", "text": text}
    assistant = indexed(fresh, tmp_path / "smbc.jsonl", [row])
    project = "Dự án thành phố thông minh Bắc Hà Nội của SMBC liên doanh với BRG"
    answer = assistant.ask(f"{project} có tổng vốn bao nhiêu?")
    assert not answer.abstained and answer.short_answer is not None
    assert answer.quotes[0].highlighted_text == [
        "Dự án có tổng vốn đầu tư gần 4,2 tỷ USD, đã chính thức động thổ vào tháng 10/2019."
    ]
    assert answer.short_answer.text == "gần 4,2 tỷ USD"
    staff = assistant.ask(f"{project} có bao nhiêu người làm việc?")
    assert staff.abstained and staff.decision is not None and staff.decision.reason == "kind_missing"


def test_a_fitting_feature_reads_the_question_s_own_numbers_as_the_check_does():
    """novel_kind (a feature the weights fit may use) and the kind check say alike which numbers
    are the question's own: "vòng 10" is, "10 đội" is not."""
    question = "Năm 2020 Samsung chiếm bao nhiêu phần trăm thị phần TV toàn cầu ở vòng 10?"
    assert novel_kind("Đến năm 2020, Samsung dẫn đầu với 32,4%.", "number", question)
    assert not novel_kind("Trận đấu ở vòng 10.", "number", question)
    assert novel_kind("Có 10 đội tham dự.", "number", question)


def test_which_thing_is_answered_by_the_sentence_naming_it_and_the_name_is_the_short_answer(fresh, tmp_path):
    """The sentence like the question describes the app; the one after names it: that one is quoted,
    its name in bold."""
    rows = [
        {
            "id": "goi-gia",
            "date": "20210420",
            "title": "Ứng dụng tạo cuộc gọi giả",
            "text": "Đây là ứng dụng miễn phí, cho phép người dùng hẹn giờ để tạo ra các cuộc gọi điện thoại ảo đến "
            "smartphone của mình. Không cần phải làm phiền người thân, bạn có thể tự tạo ra cuộc gọi ngay trên "
            "smartphone của mình nhờ vào ứng dụng Do It Later.",
        }
    ]
    assistant = indexed(fresh, tmp_path / "apps.jsonl", rows)
    for question in (
        "Ứng dụng miễn phí nào cho phép tự tạo cuộc gọi giả đến điện thoại?",
        "Which free app fakes a phone call?",
    ):
        answer = assistant.ask(question)
        assert not answer.abstained and answer.short_answer is not None, question
        assert answer.quotes[0].highlighted_text[0].startswith("Không cần phải làm phiền"), question
        assert answer.short_answer.text == "Do It Later"
