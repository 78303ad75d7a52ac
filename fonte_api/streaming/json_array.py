"""JSON framing: NDJSON batches from COPY become one JSON array, without parsing them."""

from __future__ import annotations

from collections.abc import Iterator


def as_json_array(lines: Iterator[bytes]) -> Iterator[bytes]:
    """Turn NDJSON batches into one JSON array without parsing them."""
    yield b"["
    pending_newline = False
    for batch in lines:
        # Every newline ends an object; it becomes a comma only once another object follows.
        body = batch[:-1].replace(b"\n", b",") if batch.endswith(b"\n") else batch.replace(b"\n", b",")
        yield (b"," if pending_newline else b"") + body
        pending_newline = batch.endswith(b"\n")
    yield b"]"
