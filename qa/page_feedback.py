"""The readers' votes on the page's answers, kept for evaluators in one JSON Lines file that no crowd
of voters can flood or grow without bound."""

from __future__ import annotations

import collections
import json
import logging
import threading
import time
from pathlib import Path

from qa.limits import MAX_FEEDBACK_BYTES

log = logging.getLogger(__name__)

FEEDBACK_PER_MINUTE = 60  # votes recorded a minute, all readers together


class FeedbackLog:
    """Votes appended to `path`: at most `per_minute` a minute, the file at most `max_bytes`.

    Example:
        >>> votes = FeedbackLog(Path("index/feedback.jsonl"))
        >>> votes.add(True, answer.to_dict(), ["Luật An ninh mạng có hiệu lực từ ngày nào?"])
        'thanks'
    """

    def __init__(self, path: Path, per_minute: int = FEEDBACK_PER_MINUTE, max_bytes: int = MAX_FEEDBACK_BYTES) -> None:
        self.path, self.per_minute, self.max_bytes = path, per_minute, max_bytes
        self._lock = threading.Lock()
        self._votes: collections.deque[float] = collections.deque()

    def add(self, liked: bool, answer: dict, history: list[str]) -> str:
        """Record a 👍 (`liked`) or 👎 on `answer` (Answer.to_dict()) asked after `history`.

        Returns:
            The [ui] label to tell the reader: "thanks", or "feedback_busy" / "feedback_full" when
            the vote was not recorded.
        """
        record = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "vote": "up" if liked else "down",
            "question": answer["question"],
            "history": [h[:2000] for h in history],
            "answer": answer,
        }
        line = json.dumps(record, ensure_ascii=False) + "\n"
        with self._lock:
            now = time.monotonic()
            while self._votes and now - self._votes[0] > 60:
                self._votes.popleft()
            if len(self._votes) >= self.per_minute:
                return "feedback_busy"
            size = self.path.stat().st_size if self.path.exists() else 0
            if size + len(line.encode()) > self.max_bytes:
                log.warning("%s is full (%d bytes): votes are no longer recorded", self.path, size)
                return "feedback_full"
            self._votes.append(now)
            with self.path.open("a", encoding="utf-8") as f:
                f.write(line)
        return "thanks"
