import unicodedata

from qa.analysis import analyze
from qa.text import detect_language, search_terms, split_sentences, strip_accents


def test_sentences_keep_offsets_and_split_on_lines():
    text = "Chiều 27/4/2022, tại Hà Nội, ông A đã tiếp ông B.\nẢnh chú thích\n\nCâu thứ ba. Câu thứ tư!"
    spans = split_sentences(text)
    pieces = [text[s:e] for s, e in spans]
    assert pieces == [
        "Chiều 27/4/2022, tại Hà Nội, ông A đã tiếp ông B.",
        "Ảnh chú thích",
        "Câu thứ ba.",
        "Câu thứ tư!",
    ]


def test_dates_and_decimals_do_not_end_sentences():
    text = "Giá tăng 1.030 đồng vào ngày 1/1/2019. Sau đó giảm."
    assert [text[s:e] for s, e in split_sentences(text)] == ["Giá tăng 1.030 đồng vào ngày 1/1/2019.", "Sau đó giảm."]


def test_titles_place_prefixes_and_initials_do_not_end_sentences():
    text = (
        "Theo PGS.TS. Vũ Thanh Ca, giá vàng tại TP. HCM tăng. Ông Nguyễn Văn H. (35 tuổi) bị bắt. "
        "John C. Messenger sống ở St. Johns. Khách vào sảnh B. Tuy nhiên, sảnh A đóng. "
        "Họ đến Đông Nam Á. Lúc 12h. Xong."
    )
    assert [text[s:e] for s, e in split_sentences(text)] == [
        "Theo PGS.TS. Vũ Thanh Ca, giá vàng tại TP. HCM tăng.",
        "Ông Nguyễn Văn H. (35 tuổi) bị bắt.",
        "John C. Messenger sống ở St. Johns.",
        "Khách vào sảnh B.",
        "Tuy nhiên, sảnh A đóng.",
        "Họ đến Đông Nam Á.",
        "Lúc 12h.",
        "Xong.",
    ]


def test_search_terms_keep_one_letter_words_and_add_accent_free_forms():
    terms = search_terms("Luật ở Việt Nam")
    assert "ở" in terms and "o" in terms
    assert terms[:2] == ["luật", "luat"]


def test_nfd_and_nfc_give_the_same_terms():
    nfc = "Luật An ninh mạng có hiệu lực"
    assert search_terms(unicodedata.normalize("NFD", nfc)) == search_terms(nfc)


def test_strip_accents_handles_d_bar():
    assert strip_accents("Đại tướng Tô Lâm") == "Dai tuong To Lam"


def test_language_detection():
    assert detect_language("Luật An ninh mạng có hiệu lực từ ngày nào?") == "vi"
    assert detect_language("luat an ninh mang co hieu luc khi nao") == "vi"
    assert detect_language("When did the Cybersecurity Law take effect?") == "en"
    assert detect_language("ESIWA la gi?") == "vi"
    # short plain questions whose only common word is one English has too ("do")
    assert detect_language("nguoi do ngoi ghe so may") == "vi"
    assert detect_language("Benh dich hach xay ra o Venice may lan?") == "vi"
    assert detect_language("What do they do in Venice?") == "en"
    # py3langid takes these for English; their words settle it
    assert detect_language("Tom tat bai viet ve World Cup 2022.") == "vi"
    assert detect_language("Ke ten mot benh tu mien dich thuong gap.") == "vi"
    assert detect_language("Who is Tom?") == "en"


def test_frame_phrases_leave_the_content_terms():
    assert list(analyze("Ông Pier Giorgio Aliberti giữ chức vụ gì?", "vi").content) == ["pier", "giorgio", "aliberti"]
    # a frame phrase is removed only as a whole: "dịch vụ" keeps both syllables
    assert list(analyze("Dịch vụ nào được nhắc đến?", "vi").content) == ["dịch", "vụ"]
    assert list(analyze("Hoi thao nham muc dich gi?", "vi").content) == ["hoi", "thao", "nham"]


def test_kind_asked_reads_the_question_language():
    assert analyze("Luật có hiệu lực khi nào?", "vi").kind == "date"
    assert analyze("Luat co may chuong?", "vi").kind == "number"
    assert analyze("And when did it take effect?", "en").kind == "date"
    # "when" inside a clause, and "may" in English, ask for nothing of the kind
    assert analyze("What did she say when closing the workshop?", "en").kind is None
    assert analyze("What may the EU share with Vietnam?", "en").kind is None
    assert analyze("How many chapters does the law have?", "en").kind == "number"
    # a quantity asked by its name or its unit, as "Ngân sách … là bao nhiêu euro?" asks it
    assert analyze("What is the annual budget of the ESIWA project?", "en").kind == "amount"
    assert analyze("What was the cost of the project in euros?", "en").kind == "amount"
    assert analyze("What is the population of the city?", "en").kind == "number"
    assert analyze("What is the name of the project?", "en").kind == "name"
    # who wrote the article (its byline), in everyday words; a poem's author is any person
    assert analyze("Ai viết bài về buổi tiếp?", "vi").kind == analyze("Ai viết bài này?", "vi").kind == "author"
    assert analyze("Ai đã viết bài thơ “Cái mặt nạ của Tình trạng vô chính phủ”?", "vi").kind == "person"


def test_kind_asked_by_role_dimension_or_share():
    """A person asked by role, a year asked as "năm bao nhiêu", a count asked by its dimension or its
    share; a tournament asked after a coach's name is no person, "bao nhiêu năm" is a count."""
    assert analyze("Cầu thủ nào ghi bàn duy nhất cho SL Nghệ An?", "vi").kind == "person"
    assert analyze("Thứ trưởng Bộ Tư pháp nào đã kết luận cuộc họp?", "vi").kind == "person"
    assert analyze("Which Rap Viet contestant did judge Rhymastic bring back?", "en").kind == "person"
    assert analyze("HLV Park Hang-seo dẫn dắt đội tuyển Việt Nam ở giải đấu nào?", "vi").kind is None
    assert analyze("Bác sĩ Cấp sinh năm bao nhiêu?", "vi").kind == "date"
    assert analyze("Ông ấy làm việc ở đó bao nhiêu năm?", "vi").kind == "number"
    assert analyze("sieu bao goni do bo vao philippines luc may gio", "vi").kind == "date"
    assert analyze("What percentage of possession did Leeds have?", "en").kind == "number"
    assert analyze("How old was the boy whose windpipe was pierced?", "en").kind == "number"
    assert analyze("Between which dates will the lockdown apply?", "en").kind == "date"
    assert analyze("bao so 9 gay thiet hai bao nhieu ty dong", "vi").kind == "amount"
    # a place, after the kinds above; "where" inside a clause asks for none
    assert analyze("Siêu bão Goni đổ bộ vào đảo nào của Philippines?", "vi").kind == "place"
    assert analyze("loai mong bien california sinh san o dau", "vi").kind == "place"
    assert analyze("Which district of Thanh Hoa produced red lac?", "en").kind == "place"
    assert analyze("What did they find in the house where she lived?", "en").kind is None


def test_a_request_for_a_summary_is_told_apart_from_what_it_is_about():
    for question, language in (
        ("Tóm tắt bài này giúp tôi.", "vi"),
        ("tom tat bai nay", "vi"),  # typed without diacritics
        ("Bài viết nói về điều gì?", "vi"),
        ("Nội dung bài viết là gì?", "vi"),
        ("Can you summarise this article?", "en"),
        ("What is this article about?", "en"),
    ):
        assert analyze(question, language).kind == "summary", question
        assert analyze(question, language).topic() == "", question
    assert analyze("Tóm tắt bài viết về hội thảo Luật quốc tế về không gian mạng.", "vi").topic() == (
        "hội thảo Luật quốc tế về không gian mạng"
    )
    assert analyze("Bài báo về buổi tiếp ngài Gunnar Wiegand nói về điều gì?", "vi").topic() == (
        "buổi tiếp ngài Gunnar Wiegand"
    )
    assert analyze("Summarize the article about the 2022 World Cup.", "en").topic() == "2022 World Cup"
    # XQuAD questions that only look like one: a paper presented, a report named "Summary"
    assert (
        analyze("Năm 1785, James Hutton đã trình bày bài viết gì cho Hiệp hội Hoàng gia Edinburgh?", "vi").kind is None
    )
    assert analyze("Bản tóm tắt WG I dành cho các Nhà hoạch định chính sách cho biết điều gì?", "vi").kind is None
    assert analyze("What does the WG I Summary for Policymakers report say?", "en").kind is None


def test_when_an_article_came_out_is_not_when_its_news_happened():
    assert analyze("Bài viết về buổi tiếp được đăng ngày nào?", "vi").kind == "published"
    assert analyze("Bài viết về buổi tiếp được đăng ngày nào?", "vi").topic() == "buổi tiếp"
    assert analyze("bai bao nay dang ngay nao", "vi").kind == "published"
    assert analyze("When was this article published?", "en").topic() == ""
    assert analyze("When was the article about the reception published?", "en").kind == "published"
    assert analyze("Luật được công bố ngày nào?", "vi").kind == "date"  # a law, not the article


def test_an_apposition_says_who_a_person_is():
    from qa.people import describes, person_asked_about

    assert person_asked_about("Tô Lâm là ai?") == "Tô Lâm"
    assert person_asked_about("Who is Pier Giorgio Aliberti?") == "Pier Giorgio Aliberti"
    assert person_asked_about("Ai là Bộ trưởng Bộ Ngoại giao Việt Nam?") is None  # an office, not a name
    # asked by office: the name after its title, typed without diacritics too
    assert person_asked_about("Thiếu tướng Nguyễn Thanh Sơn giữ chức vụ gì?") == "Nguyễn Thanh Sơn"
    assert person_asked_about("Gunnar Wiegand giu chuc vu gi?") == "Gunnar Wiegand"
    assert person_asked_about("Ong Nguyen Thanh Son la ai?") == "Nguyen Thanh Son"
    assert person_asked_about("What is Pier Giorgio Aliberti's position?") == "Pier Giorgio Aliberti"
    assert describes("có Thiếu tướng Nguyễn Thanh Sơn, Cục trưởng", "Major General Nguyen Thanh Son")
    assert describes("Đại tướng Tô Lâm, Bộ trưởng Bộ Công an đã tiếp", "To Lam")
    assert describes("Thiếu tướng Nguyễn Thanh Sơn - Cục trưởng Cục Đối ngoại", "Nguyễn Thanh Sơn")
    assert not describes("Phát biểu tại buổi tiếp, Bộ trưởng Tô Lâm nhấn mạnh, thời gian qua", "Tô Lâm")
    assert not describes("ông Tô Lâmson, Bộ trưởng", "Tô Lâm")


def test_a_highlight_answers_when_or_how_many_only_with_a_time_or_a_quantity():
    from qa.checks import holds

    for answers_when in ("Năm 1237, quân Mông Cổ …", "66 triệu năm trước", "xảy ra khi hệ thống yếu đi"):
        assert holds(answers_when, "date"), answers_when
    # a duration is not a date: "Sau hơn 1 năm có hiệu lực" does not say when a law passed
    assert not holds("Sau hơn 1 năm có hiệu lực, Luật An ninh mạng đã góp phần", "date")
    assert holds("được tái sinh, thường là nhiều lần", "number")
    assert not holds("các đại biểu đã chia sẻ các chuyên đề", "number")


def test_hyphenated_and_dotted_day_months_are_dates_but_scores_and_ranges_are_not():
    from qa.checks import has_kind

    for text in ("Sáng 6-2, Cameroon vô địch", "họp báo ngày 3.2 vừa qua", "từ 10-3-1975 đến nay", "ngày 27/4"):
        assert has_kind(text, "date"), text
    for text in ("Việt Nam thắng 2-1", "tỷ lệ 3-5% người bệnh", "đạt 1.085,5 tỷ đồng", "giá 3.2 triệu"):
        assert not has_kind(text, "date"), text


def test_years_asked_are_the_ones_a_question_names_as_its_time():
    from qa.analysis import years_asked, years_in

    assert years_asked("What did Indonesia sign with the EU in 2023?") == {2023}
    assert years_asked("Hội nghị ASEAN năm 2022 diễn ra ở đâu?") == {2022}
    # bounds and eras name no year in particular
    for question in ("After 1935, who was banned?", "Sau năm 1935, ai bị cấm?", "những năm 1700", "the 1990s"):
        assert years_asked(question) == set(), question
    # counts, prices and decimals are not years
    assert years_in("1.500 người, 2,5 tỷ đồng, mã 20156") == set()
    assert years_in("tháng 8/2021, giai đoạn 2014-2020, từ năm 2000 đến năm 2002") == {
        2000,
        2001,
        2002,
        *range(2014, 2022),
    }


def test_a_sum_of_money_is_asked_by_its_name_or_currency_and_answered_by_a_currency_or_scale():
    from qa.checks import has_kind

    for question, language in (
        ("What is the maximum fine under the law?", "en"),
        ("How much did the bridge cost?", "en"),
        ("What is the budget of the project in euros?", "en"),
        ("Luật bị phạt tối đa bao nhiêu tiền?", "vi"),
        ("Tổng mức đầu tư của cầu là bao nhiêu?", "vi"),
    ):
        assert analyze(question, language).kind == "amount", question
    for question, language in (("How much land was flooded?", "en"), ("Đánh giá được bao nhiêu điểm?", "vi")):
        assert analyze(question, language).kind == "number", question
    for text in ("phạt 75 triệu", "5 triệu đô la tiền mặt", "$100", "2,5 tỷ đồng", "100 euro"):
        assert has_kind(text, "amount"), text
    for text in ("6 quốc gia", "hàng triệu người", "năm 2016"):
        assert not has_kind(text, "amount"), text


def test_a_person_is_named_by_title_family_name_or_foreign_spelling_not_by_any_capitals():
    """The names a "who" question's sentence must hold: competitions, venues, bodies, streets and
    places named like people are none; a lone foreign word (a player or a club) is only maybe one."""
    from qa.people import names_new_person, person_spans

    def people(text: str) -> list[tuple[str, bool]]:
        return [(text[a:b], sure) for a, b, sure in person_spans(text)]

    assert people("Chủ tịch UBND TP Hà Nội Chu Ngọc Anh đã ký quyết định.") == [("Chu Ngọc Anh", True)]
    assert people("Tiền đạo Griezmann ghi bàn ở La Liga sau trận thắng Juventus ở Champions League.") == [
        ("Griezmann", True),
        ("Juventus", False),
    ]
    assert people("Priyanka Chopra và Nick Jonas dự lễ tại nhà hát Royal Albert Hall ở London.") == [
        ("Priyanka Chopra", True),
        ("Nick Jonas", True),
        ("London", False),
    ]
    assert people("Trên tuyến đường Võ Văn Kiệt, gần trường THCS Hoàng Hoa Thám ở Hà Nội, Việt Nam.") == []
    assert people("CIO Lê Anh Vũ nhấn mạnh. Con trai của họ là bé Bom.") == [("Lê Anh Vũ", True), ("Bom", True)]
    # a name the question says is no new person, however it is accented
    assert not names_new_person("Ông Lê Anh Vũ phát biểu.", "Le Anh Vu la ai?")
    assert names_new_person("Ông Lê Anh Vũ phát biểu.", "Ai phát biểu?")


def test_a_thing_is_named_in_its_maker_s_spelling_with_digits_or_in_quotes_never_by_a_country():
    """The names a "which app / which film" question's sentence must hold."""
    from qa.people import thing_names

    def things(text: str) -> list[str]:
        return [text[a:b] for a, b in thing_names(text)]

    assert things("Nomadland thắng giải Phim hay nhất tại Việt Nam và Nhật Bản.") == ["Nomadland"]
    assert things("Mỹ bán 66 chiếc F-16 và hệ thống M109A6 cho Đài Loan.") == ["F-16", "M109A6"]
    assert things("Hãy thử ứng dụng “Hẹn giờ gọi” trên điện thoại.") == ["Hẹn giờ gọi"]
    assert things("Hội nghị diễn ra tại Hà Nội, do Bộ Y tế và WHO tổ chức.") == []
