"""python -m eval: score the assistant on its sets, fit its weights, measure how stable it is.

    python -m eval                      # every set: built-in, XQuAD (paragraphs, whole articles), news
    python -m eval --sets builtin news  # some of them
    python -m eval fit                  # fit the weights on the dev halves, write qa/weights.toml, report test
    python -m eval stability            # the answers under machine-sized noise, and with the fp32 backend
    python -m eval language-shift       # re-fit the en -> vi query offset (qa/language_shift.json)
    python -m eval beir DIR             # export the built-in set in BEIR format

Indexes are kept in $NEWSQA_CACHE/eval (the news corpus takes about 15 minutes to index once).
Results: results/eval.json, and the full report as results/eval-report.md.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from eval import sets as S
from eval.news import ask_news, report_news, restoration
from eval.report import write_report
from eval.runner import ask_nonsense, load_nonsense, run_questions
from eval.xquad import ask_xquad, summarize_xquad
from qa import QAError

SET_NAMES = ("builtin", "xquad", "news")


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sets", nargs="+", choices=SET_NAMES, default=list(SET_NAMES))
    parser.add_argument("--backend", default="onnx-int8", choices=["onnx-int8", "torch"])
    parser.add_argument("--cache", type=Path, default=None, help="where the sets' indexes are kept")
    parser.add_argument("--builtin-index", type=Path, default=None)
    parser.add_argument("--xquad-index", type=Path, default=None)
    parser.add_argument("--xquad-articles-index", type=Path, default=None)
    parser.add_argument("--news-index", type=Path, default=None)
    parser.add_argument("--xquad", type=Path, default=S.XQUAD, help="folder with xquad.vi.json and xquad.en.json")
    parser.add_argument("--corpus", type=Path, default=S.DANTRI, help="the news corpus (dantri JSONL)")
    parser.add_argument("--out", type=Path, default=Path("results/eval.json"))
    parser.add_argument("--quiet", action="store_true", help="no progress bars")


def options_of(args) -> S.Options:
    return S.Options(
        backend=args.backend,
        cache=args.cache,
        builtin_index=args.builtin_index,
        xquad_index=args.xquad_index,
        xquad_articles_index=args.xquad_articles_index,
        news_index=args.news_index,
        xquad=args.xquad,
        corpus=args.corpus,
        progress=not args.quiet,
    )


def evaluate(options: S.Options, names, weights=None) -> dict:
    """Every chosen set asked once; the report of each, with its per-question rows."""
    out: dict = {}
    progress = options.progress
    if "builtin" in names:
        assistant, questions = S.builtin(options)
        assistant = assistant.derive(weights=weights) if weights else assistant
        report = run_questions(assistant, questions, progress)
        for r in report["results"]:
            r["split"] = S.builtin_split(r)
        report["nonsense"] = ask_nonsense(assistant, load_nonsense())
        out["builtin"] = report
    if "xquad" in names:
        if not S.has_xquad(options):
            print(f"XQuAD skipped: no xquad.vi.json in {options.xquad}", file=sys.stderr)
        shifts = None
        for whole in (False, True):
            assistant, questions = S.xquad(options, whole)
            assistant = assistant.derive(weights=weights) if weights else assistant
            if shifts is None:
                from eval.xquad import cross_fitted_shifts

                shifts = cross_fitted_shifts(assistant, questions)
            rows = ask_xquad(assistant, questions, progress, shifts)
            key = "xquad_whole_articles" if whole else "xquad_paragraphs"
            out[key] = {
                "all": summarize_xquad(rows),
                "test": summarize_xquad([r for r in rows if r["split"] == "test"]),
                "rows": rows,
            }
    if "news" in names:
        if not S.has_news(options):
            print(f"news skipped: no corpus at {options.corpus}", file=sys.stderr)
        else:
            assistant, questions = S.news(options)
            assistant = assistant.derive(weights=weights) if weights else assistant
            rows = ask_news(assistant, questions, progress)
            out["news"] = {
                "report": report_news(rows),
                "rows": rows,
                "nonsense": ask_nonsense(assistant, load_nonsense()),
                "restoration": restoration(assistant, questions),
            }
    return out


def cmd_report(args) -> int:
    results = evaluate(options_of(args), args.sets)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=1))
    report = write_report(results, args.out.with_name("eval-report.md"))
    print(report)
    print(f"\nresults written to {args.out} and {args.out.with_name('eval-report.md')}")
    return 0


def cmd_fit(args) -> int:
    from eval import fitting

    return fitting.main(args, options_of(args))


def cmd_stability(args) -> int:
    from eval import stability

    return stability.main(args, options_of(args))


def cmd_language_shift(args) -> int:
    from embeddings import model_id
    from eval.xquad import load_xquad, xquad_language_shift
    from qa.retrieval import LANGUAGE_SHIFT, save_language_shift

    assistant, _ = S.builtin(options_of(args))
    _, questions = load_xquad(args.xquad)
    shift = {"en": xquad_language_shift(assistant, questions)}
    note = "XQuAD 1.0 en/vi question pairs (CC BY-SA 4.0), mean of vi minus en query vectors"
    save_language_shift(model_id(assistant.model), shift, note)
    print(f"language shift fitted on {len(questions) // 2} question pairs, written to {LANGUAGE_SHIFT}")
    return 0


def cmd_beir(args) -> int:
    from eval.beir import export_beir

    assistant, questions = S.builtin(options_of(args))
    counts = export_beir(assistant, questions, args.folder)
    print(f"BEIR export written to {args.folder}: {counts}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m eval", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command")
    p = sub.add_parser("report", help="ask every set and report (the default)")
    _common(p)
    p = sub.add_parser("fit", help="fit the weights on the dev halves and report the test halves")
    _common(p)
    p.add_argument("--remeasure", action="store_true", help="measure the features again (else the cached ones)")
    p.add_argument("--dry-run", action="store_true", help="report what the fit would choose, write nothing")
    p.add_argument("--only", choices=["scoring", "abstention"], default=None)
    p = sub.add_parser("stability", help="the answers under noise and with the fp32 backend")
    _common(p)
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--cosine", type=float, default=0.9985, help="cosine of a noisy question vector to its own")
    p.add_argument("--no-torch", action="store_true", help="skip the run with the fp32 torch backend")
    p = sub.add_parser("language-shift", help="re-fit the en -> vi query offset on XQuAD")
    _common(p)
    p = sub.add_parser("beir", help="export the built-in question set in BEIR format")
    _common(p)
    p.add_argument("folder", type=Path)
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0].startswith("-"):
        argv = ["report", *argv]
    args = parser.parse_args(argv)
    commands = {
        "report": cmd_report,
        "fit": cmd_fit,
        "stability": cmd_stability,
        "language-shift": cmd_language_shift,
        "beir": cmd_beir,
    }
    try:
        return commands[args.command](args)
    except (QAError, OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
