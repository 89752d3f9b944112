"""python -m eval: score the assistant on eval/questions.jsonl (and XQuAD when its data is present).

Examples:
    python -m eval                          # built-in set + XQuAD from ../shared/benchmarks/xquad
    python -m eval --no-xquad --min-top-quote 0.9
    python -m eval --calibrate              # re-measure the abstention thresholds (qa/calibration.json)
    python -m eval --fit-language-shift     # re-fit the en -> vi query offset (qa/language_shift.json)
    python -m eval --beir out/beir          # export the question set in BEIR format
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from embeddings import model_id
from eval.beir import export_beir
from eval.runner import (
    QUESTIONS,
    calibrate,
    cross_fitted_shifts,
    cross_validated_abstention,
    load_questions,
    load_xquad,
    run_questions,
    run_xquad,
    typed_without_diacritics,
    xquad_language_shift,
)
from qa import Assistant, QAError
from qa.assistant import builtin_articles
from qa.lang import languages
from qa.retrieval import LANGUAGE_SHIFT, save_language_shift
from qa.weights import WEIGHTS

DEFAULT_XQUAD = Path(__file__).resolve().parent.parent.parent / "shared" / "benchmarks" / "xquad"
HEADLINE = [
    "recall@1",
    "recall@3",
    "recall@5",
    "mrr@10",
    "answer_in_top_quote",
    "answer_in_highlight",
    "highlight_token_f1",
    "abstention_precision",
    "abstention_recall",
    "answerable_abstained",
]


def _table(title: str, groups: dict[str, dict], columns: list[str]) -> str:
    lines = [
        f"\n{title}",
        "| group | n | " + " | ".join(columns) + " | p50 ms | p95 ms |",
        "|---" * (len(columns) + 4) + "|",
    ]
    for name, s in groups.items():
        cells = [f"{s[c]:.3f}" if isinstance(s.get(c), float) else "–" for c in columns]
        lat = s.get("latency_ms", {})
        lines.append(
            f"| {name} | {s.get('questions', '')} | "
            + " | ".join(cells)
            + f" | {lat.get('p50', 0):.1f} | {lat.get('p95', 0):.1f} |"
        )
    return "\n".join(lines)


def _run_xquad(args, index: Path, tmp: Path, whole_articles: bool, progress: bool, shifts: dict) -> dict:
    """XQuAD ingested into `index` (paragraphs, or whole articles), then asked."""
    articles, questions = load_xquad(args.xquad, whole_articles=whole_articles)
    assistant = Assistant.open(index, backend=args.backend)
    try:
        if assistant.store.count_articles() < len(articles):
            jsonl = tmp / f"xquad-{'articles' if whole_articles else 'paragraphs'}.jsonl"
            jsonl.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in articles), encoding="utf-8")
            assistant.add([jsonl], progress=progress)
        return run_xquad(assistant, questions + typed_without_diacritics(questions), progress, shifts)
    finally:
        assistant.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m eval", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--questions", default=str(QUESTIONS), help="question set (JSONL)")
    parser.add_argument("--index", default=None, help="index of the built-in articles (default: a temp folder)")
    parser.add_argument("--out", default="results/eval.json", help="where to write the JSON results")
    parser.add_argument("--xquad", default=str(DEFAULT_XQUAD), help="folder with xquad.vi.json and xquad.en.json")
    parser.add_argument("--xquad-index", default=None, help="index folder for XQuAD (default: a temp folder)")
    parser.add_argument(
        "--xquad-articles-index", default=None, help="index folder for XQuAD as whole articles (default: a temp folder)"
    )
    parser.add_argument("--no-xquad", action="store_true", help="skip XQuAD (both forms)")
    parser.add_argument("--backend", default="onnx-int8", choices=["onnx-int8", "torch"])
    parser.add_argument("--calibrate", action="store_true", help="write measured abstention thresholds")
    parser.add_argument(
        "--fit-language-shift", action="store_true", help="fit the en -> vi query offset on XQuAD and write it"
    )
    parser.add_argument("--beir", default=None, help="also export the question set in BEIR format to this folder")
    parser.add_argument(
        "--min-top-quote", type=float, default=None, help="exit 1 when answer-in-top-quote falls below this floor"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    args = parser.parse_args(argv)
    progress = not args.quiet

    try:
        questions = load_questions(args.questions)
        with tempfile.TemporaryDirectory() as tmp:
            assistant = Assistant.open(args.index or Path(tmp) / "builtin", backend=args.backend)
            if args.fit_language_shift:
                _, xq = load_xquad(args.xquad)
                shift = {"en": xquad_language_shift(assistant, xq)}
                note = "XQuAD 1.0 en/vi question pairs (CC BY-SA 4.0), mean of vi minus en query vectors"
                save_language_shift(model_id(assistant.model), shift, note)
                assistant = assistant.derive(language_shift=shift)
                print(f"language shift fitted on {len(xq) // 2} question pairs, written to {LANGUAGE_SHIFT}")
            if assistant.store.count_articles() == 0:
                assistant.add([builtin_articles()], progress=False)
            if args.calibrate:
                # measure every question's signals without abstaining, then fit
                codes = [p.code for p in languages()]
                never = assistant.weights.replace("abstention", "threshold", dict.fromkeys(codes, -9.0))
                never = never.replace("abstention", "coverage_weight", dict.fromkeys(codes, 0.0))
                measured = run_questions(assistant.derive(weights=never), questions, progress)["results"]
                fitted = calibrate(measured)
                for group, scores in cross_validated_abstention(measured).items():
                    print(
                        f"cross-validated abstention, {group}: {scores['abstention_recall']:.3f} of unanswerable"
                        f" abstain, {scores['answerable_abstained']:.3f} of answerable"
                    )
                updates = {
                    ("abstention", "threshold"): fitted.threshold,
                    ("abstention", "coverage_weight"): fitted.coverage_weight,
                }
                assistant = assistant.derive(weights=assistant.weights.write(updates))
                print(f"abstention {updates} written to {WEIGHTS}")
            report = run_questions(assistant, questions, progress)
            if args.beir:
                export_beir(assistant, questions, args.beir)
                print(f"BEIR export written to {args.beir}")
            with_xquad = not args.no_xquad and (Path(args.xquad) / "xquad.vi.json").exists()
            if not args.no_xquad and not with_xquad:
                print(f"XQuAD skipped: no xquad.vi.json in {args.xquad} (give --xquad PATH)")
            # both XQuAD forms ask the same question pairs: their language shifts are fitted once
            shifts = cross_fitted_shifts(assistant, load_xquad(args.xquad)[1]) if with_xquad else {}
            assistant.close()

            xquad = {}
            forms = ((False, args.xquad_index), (True, args.xquad_articles_index)) if with_xquad else ()
            for whole, index in forms:
                key = "whole_articles" if whole else "paragraphs"
                folder = index or Path(tmp) / f"xquad-{key}"
                xquad[key] = _run_xquad(args, folder, Path(tmp), whole, progress, shifts)
    except (QAError, OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1

    print(_table("Built-in question set, by language", {"all": report["overall"], **report["by_language"]}, HEADLINE))
    print(_table("By question type", report["by_type"], HEADLINE[:6]))
    print(_table("Follow-ups vs stand-alone (answerable)", report["follow_ups"], HEADLINE[:6]))
    titles = {
        "paragraphs": "XQuAD paragraph retrieval (questions -> Vietnamese paragraphs, one article each)",
        "whole_articles": "XQuAD passage retrieval within whole articles (the passage quoting the answer)",
    }
    for key, scores in xquad.items():
        columns = ["recall@1", "recall@5", "mrr@10", "answer_in_highlight"]
        print(_table(titles[key], scores, columns + ["article_recall@1"] * (key == "whole_articles")))
    fails = report["failures"]
    print(f"\n{len(fails)} failure(s):")
    for f in fails:
        print(
            f"  [{f['id']}] {f['why']} (conf {f['confidence']:.3f}): {f['question']}\n"
            f"      expected: {f['expected']}\n      got: {f['got'][:160]}"
        )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    results = {"builtin": report, "xquad": xquad.get("paragraphs"), "xquad_whole_articles": xquad.get("whole_articles")}
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2))
    print(f"\nresults written to {out}")
    floor = args.min_top_quote
    if floor is not None and report["overall"]["answer_in_top_quote"] < floor:
        print(
            f"FAIL: answer-in-top-quote {report['overall']['answer_in_top_quote']:.3f} < floor {floor}", file=sys.stderr
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
