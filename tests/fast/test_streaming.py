"""The connector's streaming pieces, without a database: the SQL it sends, how NDJSON
becomes a JSON array, the format choice, the stream slots and the stall timeout."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime

import pytest

from fonte_api.errors import StreamSlotsBusy
from fonte_api.routes.data import choose_format
from fonte_api.streaming import BodyStream, GuardedStreamingResponse, OutputFormat, StreamSlots, build_copy
from fonte_api.streaming.response import ReadRate


def sql_text(fmt: OutputFormat, columns: list[str]) -> str:
    return build_copy(columns, fmt).as_string(None)


def test_json_query_selects_the_whitelisted_columns_in_order_with_bound_range():
    text = sql_text(OutputFormat.json, ["power", "wind_speed"])
    assert text.startswith('copy (select row_to_json(r) from (select "timestamp", "power", "wind_speed" from data')
    assert "where turbine_id = %s and timestamp >= %s and timestamp < %s order by timestamp" in text
    assert text.endswith("to stdout")


def test_csv_query_has_a_header_and_iso_timestamps():
    text = sql_text(OutputFormat.csv, ["ambient_temperature"])
    assert "to_json(timestamp) #>> '{}' as timestamp" in text
    assert text.endswith("to stdout (format csv, header)")


def test_a_column_name_is_quoted_as_an_identifier_never_spliced():
    assert '"pow""er"' in sql_text(OutputFormat.json, ['pow"er'])


@pytest.mark.parametrize("sizes", [[1], [3], [1, 1, 1], [2, 1], [1, 2], []])
def test_ndjson_batches_become_one_json_array(sizes):
    objects = [{"timestamp": f"2024-05-23T00:0{i}:00+00:00", "power": i * 1.5} for i in range(sum(sizes))]
    lines = [json.dumps(o).encode() + b"\n" for o in objects]
    batches, start = [], 0
    for size in sizes:
        batches.append(b"".join(lines[start : start + size]))
        start += size
    body = b"".join(BodyStream(iter(batches), OutputFormat.json))
    assert json.loads(body) == objects


def test_ndjson_and_csv_bodies_pass_through_untouched():
    batches = [b"a\n", b"b\n"]
    assert b"".join(BodyStream(iter(batches), OutputFormat.ndjson)) == b"a\nb\n"
    assert b"".join(BodyStream(iter(batches), OutputFormat.csv)) == b"a\nb\n"


def test_the_first_batch_is_read_at_once_and_close_ends_the_query():
    state = {"started": False, "closed": False}

    def batches():
        state["started"] = True
        try:
            yield b"x\n"
            yield b"y\n"
        finally:
            state["closed"] = True

    body = BodyStream(batches(), OutputFormat.ndjson)
    assert state["started"]  # a failing database fails here, before any 200 is sent
    assert next(body) == b"x\n"
    body.close()
    assert state["closed"]


@pytest.mark.parametrize(
    "explicit,accept,expected",
    [
        (None, None, OutputFormat.json),
        (None, "application/x-ndjson", OutputFormat.ndjson),
        (None, "text/csv, */*", OutputFormat.csv),
        (None, "TEXT/CSV", OutputFormat.csv),
        (OutputFormat.json, "text/csv", OutputFormat.json),
        (None, "text/html", OutputFormat.json),
    ],
)
def test_format_comes_from_the_parameter_then_the_accept_header(explicit, accept, expected):
    assert choose_format(explicit, accept) is expected


def test_slots_are_counted_and_a_request_waits_at_most_the_bounded_time():
    async def scenario():
        slots = StreamSlots(1, wait_seconds=0.2)
        first = await slots.acquire()
        assert (slots.in_use, slots.waiting) == (1, 0)
        started = time.monotonic()
        with pytest.raises(StreamSlotsBusy, match=r"every /data stream slot stayed busy for 0\.2 s"):
            await slots.acquire()
        assert 0.15 < time.monotonic() - started < 2
        assert slots.waiting == 0
        waiter = asyncio.create_task(slots.acquire())
        await asyncio.sleep(0.05)
        assert slots.waiting == 1
        await first.release()
        await first.release()  # twice is harmless: exactly one slot comes back
        second = await waiter
        assert (slots.in_use, slots.waiting) == (1, 0)
        await second.release()
        assert slots.in_use == 0

    asyncio.run(scenario())


async def guarded_response(batches, **limits) -> tuple[StreamSlots, GuardedStreamingResponse]:
    """The /data response over `batches`, holding the only slot of its StreamSlots."""
    slots = StreamSlots(1, wait_seconds=1)
    guard = await slots.acquire()
    guard.body = BodyStream(batches, OutputFormat.ndjson)
    return slots, GuardedStreamingResponse(guard, client="127.0.0.1:1", media_type="text/plain", **limits)


def test_a_client_that_stops_reading_ends_the_stream_and_frees_the_slot(caplog):
    closed = []

    def batches():
        try:
            while True:
                yield b"{}\n"
        finally:
            closed.append(datetime.now(UTC))

    async def scenario():
        slots, response = await guarded_response(batches(), stall_seconds=0.3, min_bytes_per_second=0)
        sent = []

        async def send(message):
            sent.append(message["type"])
            if len(sent) > 3:
                await asyncio.Event().wait()  # the socket's buffers are full: never drains

        async def receive():
            await asyncio.Event().wait()  # the client says nothing, and does not hang up

        started = time.monotonic()
        await asyncio.wait_for(response({"type": "http", "asgi": {"spec_version": "2.3"}}, receive, send), 5)
        assert time.monotonic() - started < 2
        assert slots.in_use == 0

    asyncio.run(scenario())
    assert closed, "the query behind the stream was not closed"
    assert "it read nothing for 0.3 s (FONTE_STREAM_STALL_SECONDS)" in caplog.text


def test_a_window_under_the_minimum_rate_ends_the_stream_and_one_at_it_does_not():
    rate = ReadRate(minimum=1000, window=10)
    rate.took(1, 9.9)  # a window not yet over is not judged, however slow
    rate.took(9_999, 0.1)  # exactly 1000 bytes/s over the window: kept, a new window starts
    with pytest.raises(Exception, match=r"it read 999 bytes/s over 10 s, under FONTE_STREAM_MIN_BYTES_PER_SECOND"):
        rate.took(9_990, 10)
    # Only the time spent waiting for the client counts (the caller measures its sends), so
    # a fast client behind a slow query is never judged, however long the stream lasts.
    fast = ReadRate(minimum=1000, window=10)
    for _ in range(1000):
        fast.took(64 * 1024, 0.001)
    ReadRate(minimum=0, window=10).took(0, 1e6)  # no minimum: never ends


def test_a_client_that_reads_a_trickle_ends_the_stream_and_frees_the_slot(caplog):
    """Every send completes (no stall), but the client takes 3 bytes per 0.05 s."""

    def batches():
        while True:
            yield b"{}\n"

    async def scenario():
        slots, response = await guarded_response(batches(), stall_seconds=0.5, min_bytes_per_second=1000)

        async def send(message):
            await asyncio.sleep(0.05)

        async def receive():
            await asyncio.Event().wait()

        started = time.monotonic()
        await asyncio.wait_for(response({"type": "http", "asgi": {"spec_version": "2.3"}}, receive, send), 5)
        assert 0.5 <= time.monotonic() - started < 2
        assert slots.in_use == 0

    asyncio.run(scenario())
    assert "under FONTE_STREAM_MIN_BYTES_PER_SECOND (1,000); its query is cancelled" in caplog.text
