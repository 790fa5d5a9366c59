#!/usr/bin/env python3
"""Load test of `POST /api/ingest` on loopback (standard library only).

Sends RECORDS production records (each with a small PNG image, one of
--images distinct ones, and a few boxes) from --clients concurrent clients
in batches of --batch, while one more client reads the UI's overview
endpoint twice a second. Prints one JSON object: records acknowledged,
wall time, records per second, acknowledgement latency percentiles per
batch, and the UI's latency meanwhile.

With --acked FILE, every acknowledged record id is appended to FILE as soon
as its batch is acknowledged (the kill -9 test reads it). A client whose
connection fails (the server was killed) stops; its batch is not counted.

    assay serve --project P --port 8123 &
    python3 scripts/load-ingest.py --url http://127.0.0.1:8123 --records 1000000
"""

import argparse
import base64
import http.client
import json
import random
import struct
import sys
import threading
import time
import urllib.parse
import zlib


def png(width, height, rgb):
    """A minimal truecolour PNG of one colour with a diagonal stripe."""
    rows = bytearray()
    for y in range(height):
        rows.append(0)
        for x in range(width):
            rows.extend(rgb if (x + y) % 7 else (255 - rgb[0], 255 - rgb[1], 255 - rgb[2]))

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(bytes(rows))) + chunk(b"IEND", b""))


def percentile(values, q):
    """NumPy's default (linear) percentile."""
    if not values:
        return None
    v = sorted(values)
    rank = q / 100 * (len(v) - 1)
    lo, hi = int(rank), min(int(rank) + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (rank - lo)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", required=True)
    ap.add_argument("--token")
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--batch", type=int, default=200)
    ap.add_argument("--images", type=int, default=1000)
    ap.add_argument("--prefix", default="load")
    ap.add_argument("--acked")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--rate", type=float,
                    help="send at this many records/s in all (open loop: batch k is due at "
                         "k * batch / rate s, and its latency counts from then); default: as fast "
                         "as acknowledgements allow (closed loop)")
    args = ap.parse_args()

    url = urllib.parse.urlparse(args.url)
    headers = {"Content-Type": "application/json"}
    if args.token:
        headers["Authorization"] = f"Bearer {args.token}"
    rng = random.Random(args.seed)
    images = [base64.b64encode(png(16, 12, (rng.randrange(256), rng.randrange(256), rng.randrange(256)))).decode()
              for _ in range(args.images)]
    classes = ["circle", "ellipse", "square", "triangle"]
    start_s = 1_793_577_600.0
    batches = [(b * args.batch, min((b + 1) * args.batch, args.records))
               for b in range((args.records + args.batch - 1) // args.batch)]
    next_batch = iter(range(len(batches)))
    take = threading.Lock()
    acked_lock = threading.Lock()
    acked_file = open(args.acked, "a") if args.acked else None
    latencies, ui_latencies = [], []
    clock = {"started": 0.0}
    counts = {"stored": 0, "duplicates": 0, "retries": 0, "failed_batches": 0}
    done = threading.Event()

    def body(lo, hi):
        r = random.Random(lo)
        records = []
        for i in range(lo, hi):
            boxes = [{"class": r.choice(classes), "score": round(r.random(), 4),
                      "box": [r.randrange(8), r.randrange(6), 4 + r.randrange(8), 4 + r.randrange(6)]}
                     for _ in range(r.randrange(4))]
            records.append({"id": f"{args.prefix}-{i:08d}", "time": start_s + i * 0.25,
                            "model": "load-detector", "stream": "load",
                            "image": {"base64": images[i % len(images)]},
                            "boxes": boxes, "latency_ms": round(20 + 30 * r.random(), 1)})
        return json.dumps({"records": records}).encode()

    def client():
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
        while True:
            with take:
                b = next(next_batch, None)
            if b is None:
                return
            lo, hi = batches[b]
            data = body(lo, hi)
            due = None
            if args.rate:
                due = clock["started"] + lo / args.rate
                time.sleep(max(0.0, due - time.perf_counter()))
            while True:
                t = time.perf_counter() if due is None else due
                try:
                    conn.request("POST", "/api/ingest", data, headers)
                    resp = conn.getresponse()
                    answer = resp.read()
                except (OSError, http.client.HTTPException):
                    with acked_lock:
                        counts["failed_batches"] += 1
                    return
                if resp.status == 503:
                    with acked_lock:
                        counts["retries"] += 1
                    time.sleep(float(resp.getheader("Retry-After", "1")))
                    continue
                break
            elapsed = time.perf_counter() - t
            if resp.status != 200:
                print(f"batch {b}: {resp.status} {answer[:300]!r}", file=sys.stderr)
                with acked_lock:
                    counts["failed_batches"] += 1
                continue
            got = json.loads(answer)
            with acked_lock:
                latencies.append(elapsed)
                counts["stored"] += got["stored"]
                counts["duplicates"] += got["duplicates"]
                if acked_file:
                    acked_file.write("".join(f"{args.prefix}-{i:08d}\n" for i in range(lo, hi)))
                    acked_file.flush()

    def ui():
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
        while not done.is_set():
            t = time.perf_counter()
            try:
                conn.request("GET", "/api/overview", headers=headers)
                resp = conn.getresponse()
                resp.read()
                if resp.status == 200:
                    ui_latencies.append(time.perf_counter() - t)
            except (OSError, http.client.HTTPException):
                conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
            time.sleep(0.5)

    threads = [threading.Thread(target=client) for _ in range(args.clients)]
    watcher = threading.Thread(target=ui)
    watcher.start()
    started = clock["started"] = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    done.set()
    watcher.join()
    ms = lambda v: None if v is None else round(v * 1000, 1)
    print(json.dumps({
        "records_acknowledged": counts["stored"] + counts["duplicates"],
        "stored": counts["stored"], "duplicates": counts["duplicates"],
        "batches": len(latencies), "batch_size": args.batch, "clients": args.clients,
        "retries_503": counts["retries"], "failed_batches": counts["failed_batches"],
        "wall_s": round(wall, 2),
        "records_per_s": round((counts["stored"] + counts["duplicates"]) / wall, 1),
        "ack_ms": {"p50": ms(percentile(latencies, 50)), "p95": ms(percentile(latencies, 95)),
                   "p99": ms(percentile(latencies, 99)), "max": ms(max(latencies, default=None))},
        "ui_ms": {"requests": len(ui_latencies), "p50": ms(percentile(ui_latencies, 50)),
                  "p99": ms(percentile(ui_latencies, 99)), "max": ms(max(ui_latencies, default=None))},
    }))


if __name__ == "__main__":
    main()
