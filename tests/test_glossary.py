"""The English -> Vietnamese news glossary that lets an English question search Vietnamese text."""

import unicodedata

from qa.glossary import GLOSSARY, Glossary, lemma
from qa.retrieval import ENGLISH_LEXICAL_WEIGHT, LEXICAL_WEIGHT, lexical_weight, query_terms


def test_english_words_come_out_in_the_articles_words():
    words = Glossary.default().translate("Who is the Dutch ambassador to Vietnam?")
    assert words[:2] == ["hà lan", "đại sứ"]


def test_a_phrase_is_translated_whole_before_its_words():
    words = Glossary.default().translate("Who is the current Prime Minister of Japan?")
    assert "thủ tướng" in words and "nhật bản" in words
    assert "bộ trưởng" not in words, "'minister' inside 'prime minister' is not translated alone"


def test_inflections_and_british_spelling_find_the_dictionary_form():
    assert lemma("delegates") == "delegate" and lemma("organised") == lemma("organize")
    glossary = Glossary.default()
    assert "đại biểu" in glossary.translate("Which delegates spoke?")
    assert "tổ chức" in glossary.translate("Who organised it?")


def test_function_words_are_not_translated():
    assert Glossary.default().translate("What did he do under the law?") == ["luật", "pháp luật", "luật pháp"]


def test_glossary_file_is_clean():
    seen = set()
    for number, line in enumerate(GLOSSARY.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith("#"):
            continue
        vietnamese, english = line.split("\t")
        assert vietnamese == unicodedata.normalize("NFC", vietnamese.lower()), number
        assert vietnamese not in seen, f"line {number}: {vietnamese} twice"
        assert all(g.strip() for g in english.split(",")), number
        seen.add(vietnamese)
    assert len(seen) > 1500


def test_english_bm25_terms_are_the_names_and_the_glossary_words():
    terms = query_terms("What did the minister ask the EU to transfer?", "en")
    assert {"bộ", "trưởng", "chuyển", "giao", "eu"} <= set(terms)
    assert "the" not in terms and "ask" not in terms
    assert len(terms) == len(set(terms))


def test_the_lexical_weight_of_an_english_question_follows_how_much_the_glossary_translates():
    glossary = Glossary.default()
    news = "Who is the Dutch ambassador to Vietnam?"  # every content word known
    science = "What is the Krebs cycle's role in aerobic respiration?"  # Wikipedia-style words it lacks
    assert glossary.translated_share(news) == 1.0
    assert 0.0 < glossary.translated_share(science) < 0.5
    assert glossary.translated_share("What is it?") == 1.0, "function words alone leave nothing untranslated"
    low, high = ENGLISH_LEXICAL_WEIGHT
    assert lexical_weight(news, "en") == high
    assert low < lexical_weight(science, "en") < (low + high) / 2
    assert lexical_weight(science, "vi") == LEXICAL_WEIGHT


def test_code_switching_puts_known_words_into_vietnamese_in_place():
    """The question keeps its shape, names and numbers; only the words the glossary knows change."""
    glossary = Glossary.default()
    assert glossary.code_switch("Who is the Dutch ambassador?") == "Who is the hà lan đại sứ?"
    assert glossary.code_switch("Where did Minister To Lam meet on 27/4/2022?").startswith("Where did bộ trưởng To Lam")
    assert glossary.code_switch("Where did Minister To Lam meet on 27/4/2022?").endswith("27/4/2022?")
    assert glossary.code_switch("Who is the current Prime Minister of Japan?").endswith("thủ tướng of nhật bản?")
    assert glossary.code_switch("What about him?") == "What about him?"
