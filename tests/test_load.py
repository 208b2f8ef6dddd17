"""Load: bench/load.py's run, shortened for CI, and the checks it makes on each stream."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import load

CONCURRENCY = 100
DURATION_S = 10.0


def stream_events(marker: str, text: str | None = None) -> list[tuple[str, Any]]:
    """The events of a whole one-block stream answering ``marker``."""
    delta = {"type": "text_delta", "text": text if text is not None else load.reply_text(marker)}
    return [
        ("message_start", {"type": "message_start", "message": {"content": []}}),
        ("content_block_start", {"type": "content_block_start", "index": 0}),
        ("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": delta}),
        ("content_block_stop", {"type": "content_block_stop", "index": 0}),
        ("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn"}}),
        ("message_stop", {"type": "message_stop"}),
    ]


def test_a_hundred_concurrent_streams_arrive_whole_and_unmixed(tmp_path: Path) -> None:
    report = load.run_load(CONCURRENCY, DURATION_S, log_dir=tmp_path)

    assert dict(report.failed) == {}
    assert report.complete == report.sent
    assert report.sent > CONCURRENCY
    assert report.upstream_seen == report.sent
    assert report.duplicated == 0
    assert report.unseen == 0
    assert report.clean


class TestStreamCheck:
    def test_a_whole_stream_with_its_own_reply_passes(self) -> None:
        marker = "load-marker-3-14"

        assert load.check_stream(stream_events(marker), marker) is None

    def test_a_stream_with_another_requests_marker_is_crossed(self) -> None:
        events = stream_events("load-marker-3-14", text=load.reply_text("load-marker-9-2"))

        problem = load.check_stream(events, "load-marker-3-14")

        assert problem == "crossed: another request's marker"

    def test_a_stream_without_message_stop_is_cut(self) -> None:
        marker = "load-marker-3-14"

        problem = load.check_stream(stream_events(marker)[:-1], marker)

        assert problem == "cut: no message_start or message_stop"

    def test_a_stream_with_an_error_event_is_reported(self) -> None:
        marker = "load-marker-3-14"
        events = stream_events(marker)
        events.insert(3, ("error", {"type": "error", "error": {"type": "overloaded_error"}}))

        assert load.check_stream(events, marker) == "error event"

    @pytest.mark.parametrize("text", ["", "reply to something else"])
    def test_a_stream_with_other_text_is_crossed(self, text: str) -> None:
        marker = "load-marker-3-14"

        problem = load.check_stream(stream_events(marker, text=text), marker)

        assert problem == "crossed: text is not this request's reply"
