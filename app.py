"""The chat page: ask in Vietnamese or English, get the answering sentence highlighted in its quoted
passage with a citation, follow up, vote on answers; the operator adds articles.

Run: python app.py [--index DIR] [--host 127.0.0.1] [--port 7860] [--admin-token TOKEN]
(or: python -m qa serve). The page is qa/page.py; retrieval and quoting live in qa/.

Who may change the index: readers only ask and vote. Uploads exist only when the operator starts
the page with a token (--admin-token or $NEWSQA_ADMIN_TOKEN), and only whoever types that token
adds articles; they are indexed by a background worker while questions are answered. A page with
uploads on listens beyond this machine only with --allow-remote-uploads. A reader's error shows
its one-line message; an unexpected one shows a reference the server log has the traceback under.
"""

from __future__ import annotations

import argparse
import logging
import os

from qa import QAError
from qa.cli import add_operator_options
from qa.config import Settings
from qa.page import launch


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--index",
        default=None,
        help="index folder or postgresql:// URL (default: $NEWSQA_INDEX_URL, else the built-in articles)",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 7860)))
    parser.add_argument("--backend", default="onnx-int8", choices=["onnx-int8", "torch"])
    parser.add_argument("--model", default=None, help="another sentence-transformers model (path or hub id)")
    add_operator_options(parser)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    try:
        launch(
            args.index,
            args.host,
            args.port,
            args.backend,
            model_name=args.model,
            admin_token=args.admin_token or Settings.from_env().admin_token,
            allow_remote_uploads=args.allow_remote_uploads,
        )
    except QAError as exc:
        raise SystemExit(f"error: {exc}") from exc


if __name__ == "__main__":
    main()
