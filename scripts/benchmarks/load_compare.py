#!/usr/bin/env python3
"""Driver of the load benchmark (scripts/bench-load): segpipe's binary COPY against psql's \\copy of a CSV file.

  load_compare.py --segpipe BIN --url URL --csv FILE [--rows N] [--rounds R] [--schema S] [--unlogged]
                  [--json-out FILE]

Both tools copy the same rows (segpipe builds them in memory, the CSV file holds the same values, written by
`segpipe bench load --write-csv`) into the same table SCHEMA.customer_segments, which is dropped once at the start
and emptied (TRUNCATE, untimed) before every run. The tools alternate: the order rotates every round and reverses
every other round. A third tool, psql's binary \\copy of the same rows (dumped once with `\\copy ... TO ...
(FORMAT binary)`: the same byte stream as segpipe's), shows what the server needs for binary COPY.
segpipe's time is connect + TRUNCATE + COPY inside the process (building the rows in memory excluded); psql's is
the wall clock of the whole `psql -c "\\copy ..."` process (start, connect, read and parse the file, COPY).
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

COLUMNS = "customer_id, segment_id, segment_label, distance, rfm_score, r_score, f_score, m_score, rfm_segment"


def _psql(url, *arguments):
    return subprocess.run(
        ["psql", url, "-qX", "-v", "ON_ERROR_STOP=1", *arguments], check=True, capture_output=True, text=True
    ).stdout


def _count(url, table):
    return int(_psql(url, "-At", "-c", f"SELECT count(*) FROM {table}").strip())


def run_segpipe(arguments, table):
    command = [arguments.segpipe, "bench", "load", "--rows", str(arguments.rows), "--database-url", arguments.url,
               "--schema", arguments.schema, "--json"]
    if arguments.unlogged:
        command.append("--unlogged")
    started = time.perf_counter()
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    process_seconds = time.perf_counter() - started
    measurement = json.loads(output.strip().splitlines()[-1])
    rows = _count(arguments.url, table)
    if rows != arguments.rows:
        sys.exit(f"load_compare: segpipe left {rows} rows, expected {arguments.rows}")
    return {"seconds": measurement["seconds"], "copy_seconds": measurement["copy_seconds"],
            "process_seconds": process_seconds, "unlogged": measurement["unlogged"]}


def run_psql(arguments, table, binary=None):
    _psql(arguments.url, "-c", f"TRUNCATE {table}")
    source = f"'{binary}' (FORMAT binary)" if binary else f"'{arguments.csv}' CSV HEADER"
    started = time.perf_counter()
    _psql(arguments.url, "-c", f"\\copy {table} ({COLUMNS}) FROM {source}")
    seconds = time.perf_counter() - started
    rows = _count(arguments.url, table)
    if rows != arguments.rows:
        sys.exit(f"load_compare: psql left {rows} rows, expected {arguments.rows}")
    return {"seconds": seconds}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--segpipe", required=True)
    parser.add_argument("--url", required=True)
    parser.add_argument("--csv", required=True)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--schema", default="segpipe_bench")
    parser.add_argument("--unlogged", action="store_true")
    parser.add_argument("--json-out")
    arguments = parser.parse_args()
    if shutil.which("psql") is None:
        sys.exit("load_compare: psql is not installed (apt-get install postgresql-client)")

    table = f'"{arguments.schema}".customer_segments'
    _psql(arguments.url, "-c", "SET client_min_messages = warning", "-c", f"DROP TABLE IF EXISTS {table}")
    # The same rows in binary COPY format (the stream segpipe sends), for psql's binary \copy: the server-side
    # floor of binary COPY.
    binary = arguments.csv + ".bin"
    run_segpipe(arguments, table)
    _psql(arguments.url, "-c", f"\\copy {table} ({COLUMNS}) TO '{binary}' (FORMAT binary)")
    tools = ["segpipe", "psql", "psql-binary"]
    runs = {tool: [] for tool in tools}
    for round_number in range(arguments.rounds):
        order = tools[round_number % 3:] + tools[:round_number % 3]
        if round_number % 2 == 1:
            order.reverse()
        for tool in order:
            if tool == "segpipe":
                result = run_segpipe(arguments, table)
            else:
                result = run_psql(arguments, table, binary if tool == "psql-binary" else None)
            runs[tool].append(result)
            print(f"load_compare: round {round_number + 1} {tool} {result['seconds']:.3f} s", file=sys.stderr)

    median = {tool: statistics.median(r["seconds"] for r in results) for tool, results in runs.items()}
    persistence = "UNLOGGED" if runs["segpipe"][0]["unlogged"] else "logged"
    print(f"{arguments.rows:,} customer_segments rows into a {persistence} table, {arguments.rounds} rounds "
          "(tools alternating), median")
    header = ["tool", "median s", "runs s", "M rows/s", "time vs segpipe"]
    rows = []
    labels = {"segpipe": "segpipe binary COPY (connect + COPY)", "psql": "psql \\copy CSV (whole process)",
              "psql-binary": "psql \\copy binary, the same bytes (whole process)"}
    for tool in tools:
        seconds = median[tool]
        rows.append([labels[tool], f"{seconds:.3f}", ", ".join(f"{r['seconds']:.3f}" for r in runs[tool]),
                     f"{arguments.rows / seconds / 1e6:.2f}", f"{seconds / median['segpipe']:.2f}x"])
    copy_only = statistics.median(r["copy_seconds"] for r in runs["segpipe"])
    process = statistics.median(r["process_seconds"] for r in runs["segpipe"])
    rows.append(["segpipe, COPY statement alone", f"{copy_only:.3f}",
                 ", ".join(f"{r['copy_seconds']:.3f}" for r in runs["segpipe"]),
                 f"{arguments.rows / copy_only / 1e6:.2f}", f"{copy_only / median['segpipe']:.2f}x"])
    rows.append(["segpipe, whole process (incl. building rows)", f"{process:.3f}",
                 ", ".join(f"{r['process_seconds']:.3f}" for r in runs["segpipe"]),
                 f"{arguments.rows / process / 1e6:.2f}", f"{process / median['segpipe']:.2f}x"])
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print(f"psql / segpipe: {median['psql'] / median['segpipe']:.2f} (above 1: segpipe faster)")
    os.remove(binary)
    if arguments.json_out:
        with open(arguments.json_out, "w") as out:
            json.dump({"rows": arguments.rows, "persistence": persistence, "runs": runs, "median": median}, out,
                      indent=2)


if __name__ == "__main__":
    main()
