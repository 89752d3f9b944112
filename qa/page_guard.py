"""What stands between the chat page and a stranger: the request size cap, the operator's token and
host checks, and an unexpected error shown to a reader only as a reference into the server log."""

from __future__ import annotations

import hmac
import logging
import time
import uuid

import gradio as gr

from qa.errors import BadArgument
from qa.limits import MAX_REQUEST_BYTES

log = logging.getLogger(__name__)

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
MIN_TOKEN_CHARS = 8
WRONG_TOKEN_DELAY = 1.0  # seconds, on the operator's queue only: guessing the token stays slow


class RequestSizeLimit:
    """Refuse a request whose body is over `limit` bytes with 413, before it is read (ASGI).

    Why: Gradio reads and parses a request whole before any handler can look at it; a 6.5 MB /chat
    request cost the server 1.2 s of CPU just to be refused. File uploads (Gradio's own route,
    capped by max_file_size) pass through.

    Example:
        >>> demo.launch(app_kwargs={"middleware": [Middleware(RequestSizeLimit)]})
    """

    def __init__(self, app, limit: int = MAX_REQUEST_BYTES, exempt: tuple[str, ...] = ("/upload",)) -> None:
        self.app, self.limit, self.exempt = app, limit, exempt

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or any(part in scope["path"] for part in self.exempt):
            return await self.app(scope, receive, send)
        length = dict(scope.get("headers") or []).get(b"content-length", b"0")
        if not length.isdigit() or int(length) > self.limit:
            body = f"request over {self.limit // 2**20} MiB".encode()
            await send({"type": "http.response.start", "status": 413, "headers": [(b"content-type", b"text/plain")]})
            return await send({"type": "http.response.body", "body": body})
        received = 0

        async def counted():  # a body sent without its length (chunked) is cut off at the limit
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            return {"type": "http.disconnect"} if received > self.limit else message

        return await self.app(scope, counted, send)


def check_operator(host: str, admin_token: str | None, allow_remote_uploads: bool) -> None:
    """Refuse a page that would take uploads from beyond this machine unless the operator says so.

    Raises:
        BadArgument: a token too short to guess slowly, or uploads on a remote-facing host.
    """
    if admin_token is None:
        return
    if len(admin_token) < MIN_TOKEN_CHARS:
        raise BadArgument(f"the admin token is {len(admin_token)} characters; use at least {MIN_TOKEN_CHARS}")
    if host not in LOCAL_HOSTS and not allow_remote_uploads:
        raise BadArgument(
            f"uploads are on and the page would listen on {host}, beyond this machine: add "
            "--allow-remote-uploads to mean it (behind HTTPS: the token travels with each upload), "
            "or serve it on 127.0.0.1"
        )


def token_matches(token: object, admin_token: str) -> bool:
    """Whether `token` is the operator's, compared in constant time; a wrong one first waits
    WRONG_TOKEN_DELAY seconds."""
    if isinstance(token, str) and hmac.compare_digest(token.encode(), admin_token.encode()):
        return True
    time.sleep(WRONG_TOKEN_DELAY)
    return False


def internal_error(where: str) -> gr.Error:
    """What a reader sees of an unexpected exception: a reference, the traceback in the log."""
    reference = uuid.uuid4().hex[:8]
    log.exception("internal error %s in %s", reference, where)
    return gr.Error(f"internal error (reference {reference}); the server log has the details")
