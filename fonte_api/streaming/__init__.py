"""Rows of Fonte as JSON, NDJSON or CSV, streamed straight from PostgreSQL, one job per module:

- `query`: the COPY statement and the output formats;
- `body`: COPY's rows forwarded in batches, closable mid-stream;
- `json_array`: NDJSON batches framed as one JSON array;
- `slots`: how many streams may hold a connection at once, and the bounded wait for one;
- `response`: the streaming response that frees its slot and ends a stalled stream.
"""

from .body import BATCH_BYTES, BodyStream, open_stream
from .query import MEDIA_TYPES, OutputFormat, build_copy
from .response import GuardedStreamingResponse
from .slots import StreamGuard, StreamSlots, StreamSlotsDep, get_stream_slots

__all__ = [
    "BATCH_BYTES",
    "MEDIA_TYPES",
    "BodyStream",
    "GuardedStreamingResponse",
    "OutputFormat",
    "StreamGuard",
    "StreamSlots",
    "StreamSlotsDep",
    "build_copy",
    "get_stream_slots",
    "open_stream",
]
