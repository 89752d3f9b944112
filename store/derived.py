"""Files derived from an index's database (the FAISS and BM25 structures): written atomically under
the database's generation number, the stale ones of older generations removed, and what a killed
write left behind found and removed.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

# A temporary name carries the writer's process id ("vectors-3.faiss.4242.k2j1.tmp"), so the next
# open can tell a write in progress in another process from what a killed one left behind.
TMP_NAME = re.compile(r"\.(?P<pid>\d+)\.[^.]*\.tmp$")


def _tmp_prefix(path: Path) -> str:
    return f"{path.name}.{os.getpid()}."


def atomic_write(folder: Path, path: Path, write) -> None:
    """`write(tmp)` a file beside `path` under a temporary name, then rename it into place."""
    fd, tmp = tempfile.mkstemp(prefix=_tmp_prefix(path), suffix=".tmp", dir=folder)
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def atomic_write_dir(folder: Path, path: Path, write) -> None:
    """`write(tmp)` a folder beside `path` under a temporary name, then rename it into place."""
    tmp = Path(tempfile.mkdtemp(prefix=_tmp_prefix(path), suffix=".tmp", dir=folder))
    try:
        write(tmp)
        if path.exists():
            shutil.rmtree(path)
        os.replace(tmp, path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def remove_stale(folder: Path, pattern: str, keep: Path) -> None:
    """Delete the derived files or folders of older generations matching `pattern`."""
    for p in folder.glob(pattern):
        if p.name != keep.name:
            if p.is_dir():
                shutil.rmtree(p, ignore_errors=True)
            else:
                p.unlink(missing_ok=True)


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def remove_leftovers(folder: Path) -> list[Path]:
    """Delete the `*.tmp` files and folders a killed write left in `folder` (those of a process
    still running are its writes in progress, and stay); returns what was removed."""
    removed = []
    for p in folder.glob("*.tmp"):
        owner = TMP_NAME.search(p.name)
        if owner and _running(int(owner.group("pid"))):
            continue
        if p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)
        removed.append(p)
    return removed
