"""Follow-up detection and rewriting (pure functions; the end-to-end cases are in test_assistant.py)."""

import pytest

from qa.conversation import Turn, is_follow_up, rewrite
from qa.limits import check_history
from qa.people import names_in, persons_in


def turn(question: str) -> Turn:
    return Turn(question, question)


@pytest.mark.parametrize(
    "question",
    [
        "Ông ấy đề nghị gì?",
        "Còn Nhật Bản thì sao?",
        "What about Japan?",
        "What did he propose?",
        "Khi nào?",
        "Dự án đó kéo dài bao lâu?",
        "Cầu thủ đó mặc áo số mấy?",  # a demonstrative after any noun
        "Vậy chương trình ưu đãi ở đó áp dụng từ ngày nào?",
        "Trong số đó có mấy người được đưa xuống bằng xe thang?",
    ],
)
def test_follow_ups_are_detected(question):
    assert is_follow_up(question)


@pytest.mark.parametrize(
    "question",
    [
        "Luật An ninh mạng có bao nhiêu chương?",
        "What is the name of the workshop that was held in Hanoi?",
        "Ông Pier Giorgio Aliberti giữ chức vụ gì?",
        "Giá vàng SJC do ai niêm yết trong tuần qua?",  # typed plain, "do" is "by", not "that"
    ],
)
def test_stand_alone_questions_are_left_alone(question):
    assert not is_follow_up(question)
    assert rewrite(question, turn("ESIWA là gì?")) == question


def test_no_history_no_rewrite():
    assert rewrite("Ông ấy là ai?", None) == "Ông ấy là ai?"


def test_what_about_swaps_the_subject_in_both_languages():
    assert rewrite("Còn Trưởng phái đoàn EU thì sao?", turn("Đại sứ Hà Lan tại Việt Nam là ai?")) == (
        "Trưởng phái đoàn EU là ai? (Đại sứ Hà Lan tại Việt Nam)"
    )
    assert rewrite("What about the head of the EU delegation?", turn("Who is the Dutch ambassador to Vietnam?")) == (
        "Who is the head of the EU delegation? (Dutch ambassador Vietnam)"
    )


def test_what_about_replaces_the_name_of_the_same_kind():
    """The new subject takes the place of the name that shares its head noun, the rest of the
    question kept: English names end with it, Vietnamese ones start with it."""
    earlier = "Since what year has the Vietnam–EU Partnership and Cooperation Agreement been implemented?"
    assert rewrite("And what about the Free Trade Agreement?", turn(earlier)).startswith(
        "Since what year has the Free Trade Agreement been implemented? (year Vietnam EU Partnership"
    )
    earlier = "Hiệp định Đối tác và Hợp tác toàn diện Việt Nam - EU được thực hiện từ năm nào?"
    assert rewrite("Còn Hiệp định Thương mại tự do thì sao?", turn(earlier)).startswith(
        "Hiệp định Thương mại tự do được thực hiện từ năm nào?"
    )
    assert rewrite("What about Japan?", turn("What did Vietnam propose?")).startswith("What did Japan propose?")


def test_a_time_on_its_own_asks_the_previous_question_of_that_time():
    """The new time takes the place of the old one, which leaves the topic too: a rewritten query
    still naming 2016 would be searched, and year-checked, for 2016."""
    earlier = "What agreement did Vietnam and the EU implement in 2016?"
    assert rewrite("What about in 2023?", turn(earlier)) == (
        "What agreement did Vietnam and the EU implement in 2023? (agreement Vietnam and EU implement)"
    )
    earlier = "Việt Nam và EU triển khai hiệp định nào năm 2016?"
    asked_again = "Việt Nam và EU triển khai hiệp định nào năm 2023? (Việt Nam EU triển khai hiệp định)"
    for follow_up in ("Còn năm 2023 thì sao?", "Còn năm 2023?", "Và năm 2023?", "2023?"):
        assert rewrite(follow_up, turn(earlier)) == asked_again
    assert rewrite("And in 2016?", turn("Who won the AFF Cup?")) == "Who won the AFF Cup in 2016? (won AFF Cup)"
    assert rewrite("Còn tháng 5/2020 thì sao?", turn("Luật có hiệu lực từ ngày 1/1/2019?")).startswith(
        "Luật có hiệu lực từ tháng 5/2020?"
    )
    assert is_follow_up("In 2023?") and not is_follow_up("What happened in 2023?")


def test_a_demonstrative_after_any_noun_keeps_the_previous_topic():
    rewritten = rewrite("Cầu thủ đó mặc áo số mấy?", turn("Ai ghi bàn giúp HAGL thắng CLB Hà Nội ở vòng 10?"))
    assert rewritten.startswith("Cầu thủ đó mặc áo số mấy?") and "HAGL" in rewritten and "vòng 10" in rewritten


def test_new_question_about_the_same_subject_keeps_the_topic():
    rewritten = rewrite("Còn được thông qua ngày nào?", turn("Luật An ninh mạng có hiệu lực từ ngày nào?"))
    assert rewritten.startswith("được thông qua ngày nào") and "Luật An ninh mạng" in rewritten


def test_pronoun_resolves_to_the_person_in_the_previous_answer():
    answer = "Chiều 27/4/2022, tại Hà Nội, Đại tướng Tô Lâm, Bộ trưởng Bộ Công an đã tiếp ngài Gunnar Wiegand."
    rewritten = rewrite("Ông ấy đề nghị EU điều gì?", turn("Ai đã tiếp ngài Gunnar Wiegand?"), answer)
    # named, the person stands for themself: the previous topic ("đã tiếp …") would pull the search
    # back to the previous answer
    assert rewritten == "Tô Lâm đề nghị EU điều gì?"


def test_a_pronoun_for_a_person_is_never_a_country():
    """ "him" after a question about a Chinese actor is the actor, not "Trung Quốc", the name the
    answer's sentence opens with."""
    answer = "Trung Quốc: vợ ba của nam diễn viên Wang Gang là Lý Nhân, kém ông 20 tuổi."
    rewritten = rewrite("How much younger than him is she?", turn("Who is the third wife of Wang Gang?"), answer)
    assert "Trung Quốc" not in rewritten


def test_history_accepts_strings_and_chat_messages():
    history = [
        "Một?",
        {"role": "user", "content": "Hai?"},
        {"role": "assistant", "content": "trả lời"},
        {"role": "user", "content": [{"type": "text", "text": "Ba?"}]},
        {"role": "user", "content": "  "},
    ]
    assert check_history(history) == ["Một?", "Hai?", "Ba?"]


def test_a_noun_with_a_demonstrative_names_the_thing_not_a_person():
    """ "Luật đó" is the law asked about before; "Luật An" (its capitalised part) would lose it.
    Once named, the previous topic ("hiệu lực từ ngày") is left out: it pulled the highlight
    toward the previous answer."""
    rewritten = rewrite("Luật đó có bao nhiêu chương?", turn("Luật An ninh mạng có hiệu lực từ ngày nào?"))
    assert rewritten == "Luật An ninh mạng có bao nhiêu chương?"
    rewritten = rewrite("How many chapters does that law have?", turn("When did the Cybersecurity Law take effect?"))
    assert rewritten == "How many chapters does Cybersecurity Law have?"
    answer = "Đại tướng Tô Lâm tiếp ngài Gunnar Wiegand."
    rewritten = rewrite("Dự án đó kéo dài bao lâu?", turn("ESIWA là gì?"), answer)
    assert rewritten.startswith("Dự án kéo dài bao lâu?") and "ESIWA" in rewritten and "Tô Lâm" not in rewritten


def test_vietnamese_it_is_the_thing_the_previous_question_named():
    """ "nó" always points back: to the thing named by a head noun and a capital, read on up to the
    verb ("tự do" is free, not "do" = by; an acronym closes a name), else to the thing the question
    opened with; with neither, the previous topic carries it. It had not been read as a follow-up."""
    assert is_follow_up("Nó hợp tác với những quốc gia nào trong khuôn khổ chương trình hỗ trợ đa niên?")
    assert rewrite("Nó có bao nhiêu chương?", turn("Luật An ninh mạng có hiệu lực từ ngày nào?")) == (
        "Luật An ninh mạng có bao nhiêu chương?"
    )
    free_trade = turn("Hiệp định Thương mại tự do Việt Nam – EU được thực hiện từ khi nào?")
    assert rewrite("Nó đưa Việt Nam thành đối tác thế nào?", free_trade).startswith(
        "Hiệp định Thương mại tự do Việt Nam EU đưa"
    )
    assert rewrite("Nó có những nước nào?", turn("Dự án ESIWA kéo dài bao lâu?")) == "Dự án ESIWA có những nước nào?"
    assert rewrite("Nó do ai tổ chức?", turn("Hội thảo diễn ra ở đâu?")) == "Hội thảo do ai tổ chức?"
    assert rewrite("Nó do ai khởi xướng?", turn("ESIWA là gì?")) == "Nó do ai khởi xướng? (ESIWA)"


def test_english_it_is_the_thing_named_not_the_body_that_acted():
    """ "it" once became "National Assembly" (the first name); now it is the first name ending in a
    thing's head noun, and with none the previous topic carries it."""
    passed = turn("When did the National Assembly pass the Cybersecurity Law?")
    assert rewrite("And when did it take effect?", passed) == "And when did Cybersecurity Law take effect?"
    launched = turn("Who launched the ESIWA project?")
    assert rewrite("Which countries does it cooperate with?", launched) == (
        "Which countries does ESIWA project cooperate with?"
    )
    assert rewrite("When was it held?", turn("Where was the online workshop held?")) == (
        "When was it held? (online workshop held)"
    )


def test_lower_case_accented_words_are_not_names():
    """The range À-Ỹ holds lower-case letters too: "án Tăng" once passed for a name."""
    assert names_in("“Dự án Tăng cường hợp tác với Bộ Công an") == ["Bộ Công"]
    assert names_in("ông án Tăng gặp Bà Ánh Hồng tại Hà Nội") == ["Bà Ánh Hồng", "Hà Nội"]


def test_the_person_answered_is_the_one_the_question_described():
    """Two prime ministers in the answer: asked for the Dutch one, "ông ấy" is Mark Rutte."""
    answer = "cam kết hợp tác giữa hai Thủ tướng Nguyễn Xuân Phúc và Thủ tướng Hà Lan Mark Rutte"
    rewritten = rewrite("Ông ấy giữ chức vụ gì?", turn("Thủ tướng Hà Lan được nhắc đến trong bài là ai?"), answer)
    assert rewritten.startswith("Mark Rutte giữ chức vụ gì?")


def test_english_pronouns_keep_the_sentence_grammatical():
    answer = "bà Elsbeth Akkerman, Đại sứ Hà Lan tại Việt Nam"
    assert rewrite("What is her position?", turn("Who closed the workshop?"), answer).startswith(
        "What is Elsbeth Akkerman's position?"
    )
    assert rewrite("Where did the minister meet her?", turn("Who closed the workshop?"), answer).startswith(
        "Where did the minister meet Elsbeth Akkerman?"
    )
    # "the workshop" is not the reference when "she" is
    closing = rewrite("What did she say when closing the workshop?", turn("Who is the Dutch ambassador?"), answer)
    assert closing.startswith("What did Elsbeth Akkerman say when closing the workshop?")
    assert rewrite("Which countries does that project involve?", turn("What is ESIWA?")).startswith(
        "Which countries does the project involve?"
    )


def test_what_about_takes_the_place_of_the_which_phrase_that_opens_the_question():
    """ "Những quốc gia nào" / "Which countries" is the subject asked for: the new subject takes
    its place (before, "Ấn Độ gia nào tham gia …" and "Which countries take part in India?")."""
    assert rewrite("Còn Ấn Độ thì sao?", turn("Những quốc gia nào tham gia dự án ESIWA?")).startswith(
        "Ấn Độ tham gia dự án ESIWA?"
    )
    assert rewrite("What about India?", turn("Which countries take part in ESIWA?")).startswith(
        "India take part in ESIWA?"
    )
    # "What period does …": the phrase is the object, the name after the frame is swapped, with its noun
    assert rewrite("What about the programme?", turn("What period does the ESIWA project cover?")).startswith(
        "What period does the programme cover?"
    )


def test_what_about_after_a_vietnamese_question_word_that_opens_the_question():
    assert rewrite("Còn Đại sứ Hà Lan thì sao?", turn("Ai đã tiếp ngài Gunnar Wiegand?")).startswith(
        "Ai đã tiếp Đại sứ Hà Lan?"
    )
    # a Vietnamese name runs on past its capitals, up to the verb
    assert rewrite("Còn Nghị định 53 thì sao?", turn("Khi nào Luật An ninh mạng có hiệu lực?")).startswith(
        "Khi nào Nghị định 53 có hiệu lực?"
    )
    assert rewrite("Còn Bộ Ngoại giao thì sao?", turn("Ai là Bộ trưởng Bộ Công an?")).startswith("Ai là Bộ Ngoại giao?")


def test_after_who_is_a_name_the_pronoun_is_that_person():
    """The answer also names "Đại sứ Hà Lan": a country after a title, once taken for the person."""
    answer = "Phát biểu bế mạc hội thảo, bà Elsbeth Akkerman, Đại sứ Hà Lan tại Việt Nam khẳng định"
    assert rewrite("What did she say?", turn("Who is Elsbeth Akkerman?"), answer).startswith(
        "What did Elsbeth Akkerman say?"
    )
    assert rewrite("Bà ấy phát biểu gì?", turn("Elsbeth Akkerman là ai?"), answer).startswith(
        "Elsbeth Akkerman phát biểu gì?"
    )


def test_countries_and_ministries_after_a_title_are_not_people():
    text = (
        "bà Elsbeth Akkerman, Đại sứ Hà Lan tại Việt Nam; Thủ tướng Hà Lan Mark Rutte; "
        "Đại tướng Tô Lâm, Bộ trưởng Bộ Công an; the Ambassador Mr. John Smith"
    )
    assert persons_in(text) == ["Elsbeth Akkerman", "Mark Rutte", "Tô Lâm", "John Smith"]


def test_people_are_read_after_their_role_too():
    text = "Tiến sĩ Shundong Bi thuộc Trung tâm Sinh học; HLV Tan Cheng Hoe; Giám đốc Sở Y tế Hà Nội"
    assert persons_in(text) == ["Shundong Bi", "Tan Cheng Hoe"]


def test_a_pronoun_agrees_with_how_the_text_marks_the_person():
    """The previous answer (wrong, as it happens) names only General Tô Lâm: "she" is not him, so
    the question keeps its topic instead of a wrong name; "bà Elsbeth Akkerman" and a Vietnamese
    "Thị" name are women; "he" takes anyone not marked a woman."""
    wrong_answer = "Chiều 27/4/2022, tại Hà Nội, Đại tướng Tô Lâm, Bộ trưởng Bộ Công an đã tiếp ngài Gunnar Wiegand"
    asked = turn("Who is the Dutch ambassador to Vietnam?")
    assert rewrite("What did she say?", asked, wrong_answer) == "What did she say? (Dutch ambassador Vietnam)"
    answer = "bà Elsbeth Akkerman, Đại sứ Hà Lan tại Việt Nam"
    assert rewrite("What did she say?", asked, answer).startswith("What did Elsbeth Akkerman say?")
    spoke = turn("Ai phát biểu?")
    assert rewrite("Bà ấy nói gì?", spoke, "Thứ trưởng Nguyễn Thị Thanh Hà phát biểu").startswith("Nguyễn Thị Thanh Hà")
    assert rewrite("Ông ấy đề nghị gì?", turn("Ai đã tiếp ngài Gunnar Wiegand?"), wrong_answer).startswith("Tô Lâm")
