#!/usr/bin/env python3
"""Open-loop writer for scripts/bench-nation: POST /api/v1/entries RATE times a
second for SECONDS, cycling through the writers' API tokens (one operator in
each of many kab/kota) and their targets.

Open loop: request i is sent at t0 + i/RATE whatever became of the earlier
ones (each on a keep-alive connection of its own while it is in flight, new
ones opened when all are busy), so slow answers do not slow the writes down.

    bench-nation-writes.py HOST PORT RATE SECONDS WRITERS_FILE OUT

WRITERS_FILE: one "TOKEN UNIT" line per writer; targets are UNIT-01 ..
UNIT-10 (PANTAU_TARGETS), activity dates 2025-04-01 .. 2025-04-20, inside the
generated program. OUT gets one "STATUS SECONDS" line per request (status 000:
no answer within 10 s, or a broken connection), and a last line
"# sent=N rate=X late_ms=X": the send rate achieved and the worst lateness of
a send against its schedule.
"""

import asyncio
import json
import os
import sys
import time


class Conn:
    def __init__(self, reader, writer):
        self.reader = reader
        self.writer = writer


async def read_response(reader):
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length = None
    chunked = False
    close = False
    for line in lines[1:]:
        if ":" not in line:
            continue
        name, value = line.split(":", 1)
        name = name.strip().lower()
        value = value.strip()
        if name == "content-length":
            length = int(value)
        elif name == "transfer-encoding" and "chunked" in value.lower():
            chunked = True
        elif name == "connection" and value.lower() == "close":
            close = True
    if chunked:
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length is not None:
        await reader.readexactly(length)
    else:
        close = True
        await reader.read()
    return status, close


async def main():
    host, port, rate, seconds, writers_file, out_path = sys.argv[1:7]
    port = int(port)
    rate = float(rate)
    seconds = float(seconds)
    targets = int(os.environ.get("PANTAU_TARGETS", "10"))
    program = os.environ.get("PANTAU_PROGRAM", "100HK")
    writers = []
    with open(writers_file) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 2:
                writers.append(parts)
    if not writers:
        sys.exit("bench-nation-writes: no writers")

    idle = []
    results = []
    n = int(rate * seconds)
    late = 0.0

    async def send(i):
        token, unit = writers[i % len(writers)]
        # Cycle the targets and days per writer, so that each region gets
        # writes on several targets.
        k = i // len(writers)
        body = json.dumps(
            {
                "program": program,
                "target": "%s-%02d" % (unit, k % targets + 1),
                "activity_date": "2025-04-%02d" % (k % 20 + 1),
                "value": 1,
                "note": "bench",
            }
        ).encode()
        request = (
            "POST /api/v1/entries HTTP/1.1\r\nHost: %s:%d\r\nAuthorization: Bearer %s\r\n"
            "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n"
            % (host, port, token, len(body))
        ).encode() + body
        start = time.monotonic()
        status = 0
        conn = idle.pop() if idle else None
        try:
            async def exchange(conn):
                conn.writer.write(request)
                await conn.writer.drain()
                return await read_response(conn.reader)

            async def attempt():
                nonlocal conn
                if conn is not None:
                    try:
                        return await exchange(conn)
                    except (ConnectionError, asyncio.IncompleteReadError):
                        # A kept-alive connection the server closed: once more on a new one.
                        conn.writer.close()
                        conn = None
                reader, writer = await asyncio.open_connection(host, port)
                conn = Conn(reader, writer)
                return await exchange(conn)

            status, close = await asyncio.wait_for(attempt(), 10)
            if close:
                conn.writer.close()
            else:
                idle.append(conn)
        except Exception:
            status = 0
            if conn is not None:
                conn.writer.close()
        results.append("%03d %.6f" % (status, time.monotonic() - start))

    tasks = []
    t0 = time.monotonic()
    last = t0
    for i in range(n):
        due = t0 + i / rate
        now = time.monotonic()
        if due > now:
            await asyncio.sleep(due - now)
        last = time.monotonic()
        late = max(late, last - due)
        tasks.append(asyncio.create_task(send(i)))
    await asyncio.gather(*tasks)
    for conn in idle:
        conn.writer.close()
    achieved = (n - 1) / (last - t0) if n > 1 and last > t0 else 0.0
    with open(out_path, "w") as f:
        for line in results:
            f.write(line + "\n")
        f.write("# sent=%d rate=%.1f late_ms=%.0f\n" % (n, achieved, late * 1000))


asyncio.run(main())
