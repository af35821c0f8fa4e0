"""Input that arrives as it is written (a pipe, a FIFO): each record is handed out as soon as it is in, whatever
the format, so `tail -f | sentikit predict --input -` answers every record at once."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from sentikit.corpus import read_corpus

# (the first record's text, the rest): the writer holds the rest back until the reader has the first record.
STREAMS = {
    "json array, one record per line": ('[{"text": "first"},\n', '{"text": "second"}\n]\n'),
    "json array, indented": ('[\n {\n  "text": "first"\n },\n', ' {\n  "text": "second"\n }\n]\n'),
    "json lines": ('{"text": "first"}\n', '{"text": "second"}\n'),
    "csv": ("text,label\nfirst,a\n", "second,b\n"),
}


@pytest.mark.parametrize("stream", list(STREAMS))
def test_a_record_is_read_before_the_writer_writes_the_next(tmp_path: Path, stream: str) -> None:
    head, rest = STREAMS[stream]
    fifo = tmp_path / "in"
    os.mkfifo(fifo)
    got_first, rest_written = threading.Event(), threading.Event()

    def write() -> None:
        with open(fifo, "w", encoding="utf-8") as pipe:
            pipe.write(head)
            pipe.flush()
            got_first.wait(10)  # a reader that reads ahead waits for the rest: after 10 s it comes anyway
            pipe.write(rest)
            rest_written.set()

    writer = threading.Thread(target=write)
    writer.start()
    texts, early = [], False
    for record in read_corpus(fifo):
        texts.append(record.text)
        if len(texts) == 1:
            early = not rest_written.is_set()
            got_first.set()
    writer.join()
    assert texts == ["first", "second"] and early
