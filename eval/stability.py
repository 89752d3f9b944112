"""How much the answers move when the question vectors move a little, as they do between machines.

An int8 model's vectors differ between CPUs (different kernels round differently, and activations
are re-quantized after every layer, so a rounding flip spreads): cosine 0.998-0.999 to each other
for the same question. A figure that changes under such noise is not a result. `NoisyEncoder`
reproduces it: every question's token states are moved by one random vector, scaled so the pooled
question vector keeps a chosen cosine to the original (the alignment states move alike); passages
stay as indexed. Runs with several seeds, and with the fp32 torch backend instead of int8, report
the headline figures and the share of answers that flip.
"""

from __future__ import annotations

import math

import numpy as np

from embeddings import OnnxEncoder
from embeddings.build import QUERY_PROMPT


class NoisyEncoder(OnnxEncoder):
    """The same int8 encoder (same session, no reload), its questions' states moved by noise."""

    def __init__(self, encoder: OnnxEncoder, cosine: float, seed: int) -> None:  # noqa: D107 - shares the session
        self.__dict__.update(encoder.__dict__)
        self.cosine = cosine
        self.rng = np.random.default_rng(seed)

    def _move(self, states: np.ndarray) -> np.ndarray:
        pooled = states.mean(axis=0)
        direction = self.rng.standard_normal(pooled.shape).astype(np.float32)
        direction -= direction @ pooled / (pooled @ pooled) * pooled  # orthogonal: the angle is exact
        direction /= np.linalg.norm(direction)
        step = np.linalg.norm(pooled) * math.tan(math.acos(self.cosine))
        return states + step * direction

    def token_embeddings(self, texts, prompt, batch_size=32, offsets=None, alignment=None):
        aligned: list | None = [] if alignment is not None else None
        out = super().token_embeddings(texts, prompt, batch_size, offsets=offsets, alignment=aligned)
        if prompt != QUERY_PROMPT:
            if alignment is not None:
                alignment.extend(aligned)
            return out
        moved = [self._move(s) for s in out]
        if alignment is not None:
            alignment.extend(self._move(a) for a in aligned)
        return moved


def answer_key(answer) -> tuple:
    """What a reader sees of an answer: withheld or not, which passage, which sentence."""
    top = answer.quotes[0] if answer.quotes else None
    return (answer.abstained, top.passage_id if top else None, tuple(map(tuple, top.highlights)) if top else ())


def flips(base: dict[str, tuple], other: dict[str, tuple]) -> float:
    """Share of questions whose answer differs (`answer_key`)."""
    shared = base.keys() & other.keys()
    return sum(base[k] != other[k] for k in shared) / max(len(shared), 1)


def headline(results: dict) -> dict[str, float]:
    """The figures the README reports, one number each."""
    out: dict[str, float] = {}
    if "builtin" in results:
        b = results["builtin"]["overall"]
        for key in ("answer_in_top_quote", "answer_in_highlight", "abstention_recall", "answerable_abstained"):
            out[f"builtin {key}"] = b.get(key, 0.0)
    for name in ("xquad_paragraphs", "xquad_whole_articles"):
        for lang, s in results.get(name, {}).get("test", {}).items():
            out[f"{name} {lang} R@1"] = s["recall@1"]
            out[f"{name} {lang} highlight"] = s["answer_in_highlight"]
    news = results.get("news", {}).get("report", {}).get("test", {}).get("overall")
    if news:
        for key in ("article_hit@1", "answer_in_highlight", "answerable_withheld", "unanswerable_withheld"):
            out[f"news test {key}"] = news.get(key, 0.0)
    return out


def keys_of(results: dict) -> dict[str, tuple]:
    out = {}
    for r in results.get("builtin", {}).get("results", []):
        out[f"builtin:{r['id']}"] = tuple(map(str, r["key"]))
    for name in ("xquad_paragraphs", "xquad_whole_articles"):
        for r in results.get(name, {}).get("rows", []):
            out[f"{name}:{r['id']}"] = tuple(map(str, r["key"]))
    for r in results.get("news", {}).get("rows", []):
        out[f"news:{r['id']}"] = tuple(map(str, r["key"]))
    return out


def main(args, options) -> int:
    """The sets asked as they are, under noise with `args.seeds` seeds, and with the fp32 backend."""
    import dataclasses
    import json

    from eval.__main__ import evaluate
    from eval.sets import builtin

    names = args.sets
    base = evaluate(options, names)
    runs = [("int8 (as shipped)", headline(base), 0.0)]
    base_keys = keys_of(base)
    encoder = builtin(options)[0].model
    for seed in range(args.seeds):
        noisy = dataclasses.replace(options, model=NoisyEncoder(encoder, args.cosine, seed))
        result = evaluate(noisy, names)
        runs.append((f"noise cos {args.cosine}, seed {seed}", headline(result), flips(base_keys, keys_of(result))))
    if not args.no_torch:
        result = evaluate(dataclasses.replace(options, backend="torch"), names)
        runs.append(("torch fp32 (its own index)", headline(result), flips(base_keys, keys_of(result))))
    figures = sorted(runs[0][1])
    lines = ["| run | answers flipped | " + " | ".join(figures) + " |", "|---" * (len(figures) + 2) + "|"]
    for name, values, flipped in runs:
        lines.append(f"| {name} | {flipped:.3f} | " + " | ".join(f"{values.get(f, 0):.3f}" for f in figures) + " |")
    spread = {f: max(v.get(f, 0) for _, v, _ in runs) - min(v.get(f, 0) for _, v, _ in runs) for f in figures}
    lines.append("| largest move | – | " + " | ".join(f"{spread[f]:.3f}" for f in figures) + " |")
    table = "\n".join(lines)
    print(table)
    out = args.out.with_name("stability.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"runs": runs, "spread": spread}, indent=1))
    out.with_suffix(".md").write_text(table + "\n")
    print(f"\nwritten to {out} and {out.with_suffix('.md')}")
    return 0
