"""The English -> Vietnamese news glossary that lets an English question search Vietnamese text."""

import unicodedata

from qa.analysis import analyze
from qa.glossary import DATA, Glossary, lemma
from qa.lang import languages
from qa.retrieval import lexical_weight
from qa.weights import Weights

ENGLISH = languages()["en"]
GLOSSARY = DATA / ENGLISH.get("glossary")


def test_english_words_come_out_in_the_articles_words():
    words = Glossary.for_pack(ENGLISH).translate("Who is the Dutch ambassador to Vietnam?")
    assert words[:2] == ["hà lan", "đại sứ"]


def test_a_phrase_is_translated_whole_before_its_words():
    words = Glossary.for_pack(ENGLISH).translate("Who is the current Prime Minister of Japan?")
    assert "thủ tướng" in words and "nhật bản" in words
    assert "bộ trưởng" not in words, "'minister' inside 'prime minister' is not translated alone"


def test_inflections_and_british_spelling_find_the_dictionary_form():
    assert lemma("delegates", "en") == "delegate" and lemma("organised", "en") == lemma("organize", "en")
    glossary = Glossary.for_pack(ENGLISH)
    assert "đại biểu" in glossary.translate("Which delegates spoke?")
    assert "tổ chức" in glossary.translate("Who organised it?")


def test_a_word_the_glossary_lacks_takes_the_senses_of_one_with_its_stem():
    """ "cultural" and "researchers" are not in the glossary, "culture" and "research" are (Snowball
    stems); a word it has keeps its own senses only, and a function word stays untranslated."""
    glossary = Glossary.for_pack(ENGLISH)
    assert ("cultural",) not in glossary.entries and "văn hóa" in glossary.translate("Which cultural sites?")
    assert "nghiên cứu" in glossary.translate("Which researchers found it?")
    assert glossary.translate("Who wrote the law?") == glossary.translate("Who wrote the law")
    assert glossary.translate("after") == []


def test_function_words_are_not_translated():
    assert Glossary.for_pack(ENGLISH).translate("What did he do under the law?") == ["luật", "pháp luật", "luật pháp"]


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
    terms = analyze("What did the minister ask the EU to transfer?", "en").terms
    assert {"bộ", "trưởng", "chuyển", "giao", "eu"} <= set(terms)
    assert "the" not in terms and "ask" not in terms
    assert len(terms) == len(set(terms))


def test_the_lexical_weight_of_an_english_question_follows_how_much_the_glossary_translates():
    glossary = Glossary.for_pack(ENGLISH)
    news = "Who is the Dutch ambassador to Vietnam?"  # every content word known
    science = "What does the Krebs cycle oxidize in aerobic glycolysis?"  # Wikipedia-style words it lacks
    assert glossary.translated_share(news) == 1.0
    assert 0.0 < glossary.translated_share(science) < 0.5
    assert glossary.translated_share("What is it?") == 1.0, "function words alone leave nothing untranslated"
    weights = Weights.read()
    low, high = weights.value("retrieval", "lexical_weight", "en")
    assert lexical_weight(analyze(news, "en"), weights) == high
    assert low < lexical_weight(analyze(science, "en"), weights) < (low + high) / 2
    assert lexical_weight(analyze(science, "vi"), weights) == weights.value("retrieval", "lexical_weight", "vi")[0]


def test_code_switching_puts_known_words_into_vietnamese_in_place():
    """The question keeps its shape, names and numbers; only the words the glossary knows change."""
    glossary = Glossary.for_pack(ENGLISH)
    assert glossary.code_switch("Who is the Dutch ambassador?") == "Who is the hà lan đại sứ?"
    assert glossary.code_switch("Where did Minister To Lam meet on 27/4/2022?").startswith("Where did bộ trưởng To Lam")
    assert glossary.code_switch("Where did Minister To Lam meet on 27/4/2022?").endswith("27/4/2022?")
    assert glossary.code_switch("Who is the current Prime Minister of Japan?").endswith("thủ tướng of nhật bản?")
    assert glossary.code_switch("What about him?") == "What about him?"
