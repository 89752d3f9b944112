"""`python -m eval fit`: the steps, over the sets (see eval/fit.py for the replay and the search)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from eval import fit as F
from eval import sets as S
from qa.lang import languages
from qa.weights import WEIGHTS, Weights


def jobs(options: S.Options, names) -> list[tuple]:
    """(assistant, question, dataset, split) for every question of the chosen sets."""
    out = []
    if "builtin" in names:
        assistant, questions = S.builtin(options)
        out += [(assistant, q, "builtin", S.builtin_split(q)) for q in questions]
    if "xquad" in names and S.has_xquad(options):
        shifts = None
        for whole in (False, True):
            assistant, questions = S.xquad(options, whole)
            by_fold = S.xquad_assistants(assistant, questions, shifts)
            shifts = {fold: a.retriever.language_shift for fold, a in by_fold.items()}
            dataset = "xquad-articles" if whole else "xquad-paragraphs"
            out += [(by_fold[q["fold"]], q, dataset, "dev" if q["fold"] == 0 else "test") for q in questions]
    if "news" in names and S.has_news(options):
        assistant, questions = S.news(options)
        out += [(assistant, q, "news", q["split"]) for q in questions]
    return out


def features_path(options: S.Options, names) -> Path:
    key = hashlib.sha1(f"{sorted(names)}|{options.backend}|{F.DEPTH}|{F.EXPAND}|{F.FORMAT}".encode()).hexdigest()[:10]
    return options.folder(None, f"features-{key}").with_suffix(".pkl")


def print_scores(title: str, before: dict, after: dict) -> None:
    print(f"\n{title}: dataset/group  quote  article  highlight  (before -> after)")
    for key in sorted(after):
        b, a = before.get(key, {}), after[key]
        cells = "  ".join(f"{b.get(m, 0):.3f}->{a[m]:.3f}" for m in ("quote", "article", "highlight"))
        print(f"  {key[0]:>17s} {key[1]:<9s} n={a['n']:<5d} {cells}")


def main(args, options: S.Options) -> int:
    if args.only != "abstention":
        fit_scoring(args, options)
    if args.only != "scoring":
        rows = signal_rows(options, args.sets, Weights.read(), remeasure=args.remeasure)
        table = fit_logistic(rows)
        if not args.dry_run and table["cutoff"]:
            Weights.read().write({("abstention", k): v for k, v in table.items()}, WEIGHTS)
            print(f"abstention model written to {WEIGHTS}")
    return 0


def fit_scoring(args, options: S.Options) -> None:
    samples = []
    for name in args.sets:  # each set's features are kept on their own, measured once
        path = features_path(options, [name])
        if path.exists() and not args.remeasure:
            mine = F.load(path)
            print(f"features of {len(mine)} {name} questions read from {path}")
        else:
            mine = F.measure_all(jobs(options, [name]), progress=options.progress)
            F.save(mine, path)
            print(f"features of {len(mine)} {name} questions written to {path}")
        samples += mine
    weights = Weights.read()
    fitted: dict[str, F.Params] = {}
    for pack in languages():
        mine = [s for s in samples if s.language == pack.code]
        dev = [s for s in mine if s.split == "dev"]
        if not dev:
            continue
        start = F.params_from(weights, pack.code)
        chosen, log = F.coordinate_search(dev, start, list(F.GRIDS), progress=options.progress)
        print(f"\n== {pack.code}: " + "; ".join(log))
        test = [s for s in mine if s.split == "test"]
        print_scores(f"{pack.code} dev", F.scores_of(dev, start), F.scores_of(dev, chosen))
        print_scores(f"{pack.code} test", F.scores_of(test, start), F.scores_of(test, chosen))
        fitted[pack.code] = chosen
    if not args.dry_run:
        weights.write(F.updates_from(fitted), WEIGHTS)
        print(f"\nscoring weights written to {WEIGHTS}; run `python -m eval` for the real figures")


# ------------------------------------------------------------------ abstention
SIGNALS = [
    "sentence_similarity",
    "coverage",
    "article_coverage",
    "score_margin",
    "alignment",
    "sentence_score",
    "passage_score",
    "glossary_share",
    "person_described",
    "asks_kind",
]
ABSTENTION_BUDGET = 0.03  # of answerable dev questions the cutoff may withhold (the target is 0.05)
XQUAD_WEIGHT = 0.2  # XQuAD has only answerable questions, and many: it counts this much per row


def never_abstaining(weights: Weights) -> Weights:
    codes = [p.code for p in languages()]
    w = weights.replace("abstention", "model", "threshold")
    return w.replace("abstention", "threshold", dict.fromkeys(codes, -9.0))


def signal_rows(options: S.Options, names, weights: Weights, remeasure: bool = False) -> list[dict]:
    """Every dev and test question asked without abstaining for confidence: (set, split, language,
    answerable, signals, the checks' verdicts). Kept in the cache under the scoring weights they
    were measured with, so a refit of the abstention model alone asks nothing again."""
    from eval.__main__ import evaluate

    measured_with = {s: weights.data.get(s) for s in ("retrieval", "scoring", "diacritics")}
    scoring = json.dumps(measured_with, sort_keys=True, default=str)
    key = hashlib.sha1(f"{sorted(names)}|{options.backend}|{scoring}".encode()).hexdigest()[:10]
    path = options.folder(None, f"signals-{key}").with_suffix(".json")
    if path.exists() and not remeasure:
        print(f"signals read from {path}")
        return json.loads(path.read_text())
    results = evaluate(options, names, weights=never_abstaining(weights))
    rows = []
    for r in results.get("builtin", {}).get("results", []):
        rows.append(("builtin", r["split"], r["answerable"], r["signals"], 1.0))
    for key in ("xquad_paragraphs", "xquad_whole_articles"):
        for r in results.get(key, {}).get("rows", []):
            rows.append(("xquad", r["split"], True, r["signals"], XQUAD_WEIGHT))
    for r in results.get("news", {}).get("rows", []):
        rows.append(("news", r["split"], r["answerable"], r["signals"], 1.0))
    out = []
    for dataset, split, answerable, signals, weight in rows:
        if not signals or not (signals["asked_kind_found"] and signals["years_found"]):
            continue  # withheld by the checks whatever the confidence
        out.append({"set": dataset, "split": split, "answerable": answerable, "signals": signals, "weight": weight})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out))
    return out


def fit_logistic(rows: list[dict]) -> dict:
    """Per language, a logistic model of "the question is answerable" over `SIGNALS` on the dev
    rows, and the cutoff: the highest-scoring (unanswerable withheld minus answerable withheld) of
    those that withhold at most `ABSTENTION_BUDGET` of the answerable dev questions, the middle of
    the plateau, to two decimals."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    table: dict = {"model": "logistic", "features": SIGNALS, "intercept": {}, "coefficients": {}, "mean": {},
                   "scale": {}, "cutoff": {}}  # fmt: skip
    for pack in languages():
        dev = [r for r in rows if r["split"] == "dev" and r["signals"]["language"] == pack.code]
        if not dev or all(r["answerable"] for r in dev):
            continue
        x = np.array([[float(r["signals"].get(f, 0.0)) for f in SIGNALS] for r in dev])
        y = np.array([r["answerable"] for r in dev], int)
        w = np.array([r["weight"] for r in dev])
        mean, scale = x.mean(axis=0), x.std(axis=0)
        scale[scale < 1e-6] = 1.0
        model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=1000)
        model.fit((x - mean) / scale, y, sample_weight=w)
        p = model.predict_proba((x - mean) / scale)[:, 1]
        grid = np.round(np.arange(0.05, 0.96, 0.01), 2)
        withheld = np.array([np.average(p[y == 1] < c, weights=w[y == 1]) for c in grid])
        caught = np.array([np.mean(p[y == 0] < c) for c in grid])
        score = np.where(withheld <= ABSTENTION_BUDGET, caught - withheld, -1.0)
        cutoff = float(F.plateau_middle(list(grid), list(score), 0.005))
        table["intercept"][pack.code] = round(float(model.intercept_[0]), 4)
        table["coefficients"][pack.code] = [round(float(c), 4) for c in model.coef_[0]]
        table["mean"][pack.code] = [round(float(m), 4) for m in mean]
        table["scale"][pack.code] = [round(float(s), 4) for s in scale]
        table["cutoff"][pack.code] = round(cutoff, 2)
        at = list(grid).index(round(cutoff, 2))
        print(
            f"abstention {pack.code}: {len(dev)} dev rows ({int((y == 0).sum())} unanswerable); cutoff {cutoff:.2f}: "
            f"answerable withheld {withheld[at]:.3f}, unanswerable withheld {caught[at]:.3f} (dev)"
        )
    return table
