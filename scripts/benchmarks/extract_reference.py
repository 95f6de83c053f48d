#!/usr/bin/env python3
"""Reference side of the extract benchmark (scripts/bench-extract).

Subcommands:
  canonicalize IN OUT      Rewrite a generated orders.csv in the canonical format the reference readers can type:
                           ISO dates (yyyy-MM-dd) and point decimals without thousands separators. Rows that cannot
                           be converted (bad dates, bad amounts, wrong field count, missing ids) are dropped.
  read TOOL FILE           Read FILE once with TOOL (pandas, pyarrow, polars) into typed columns; print one JSON line.
  write TOOL FILE OUT      Convert FILE once with TOOL into the Arrow IPC file OUT, typed, uncompressed and fsynced
                           (the extract stage's job: CSV to a checkpoint file); print one JSON line.
                           pyarrow-stream: pyarrow.csv.open_csv, one record batch at a time, bounded memory;
                           pyarrow-table: pyarrow.csv.read_csv, then the whole table written;
                           polars-sink: polars.scan_csv(...).sink_ipc(...), Polars' streaming engine.
  compare ...              Run every tool round-robin, one process per run, and print the side-by-side tables.
"""

import argparse
import csv
import datetime
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import time

COLUMNS = ["order_id", "customer_id", "order_date", "amount", "currency", "category", "quantity", "status"]
TOOLS = ["pandas", "pyarrow", "polars"]
WRITERS = ["pyarrow-stream", "pyarrow-table", "polars-sink"]
# Single-threaded variants, to separate parallelism from per-core speed (segpipe too, with --threads 1).
SINGLE_THREADED = ["pyarrow-1-thread", "polars-1-thread"]


# MARK: - canonicalize

_PLAIN_DECIMAL = re.compile(r"^-?\d+(\.\d+)?$")
_GERMAN_DECIMAL = re.compile(r"^-?\d{1,3}(\.\d{3})*(,\d+)?$|^-?\d+(,\d+)?$")
_INTEGER = re.compile(r"^-?\d+$")


def _iso_date(text):
    """yyyy-MM-dd, dd.MM.yyyy or MM/dd/yyyy to yyyy-MM-dd; None when not a real date."""
    try:
        if len(text) == 10 and text[4] == "-" and text[7] == "-":
            year, month, day = int(text[0:4]), int(text[5:7]), int(text[8:10])
        elif len(text) == 10 and text[2] == "." and text[5] == ".":
            day, month, year = int(text[0:2]), int(text[3:5]), int(text[6:10])
        elif len(text) == 10 and text[2] == "/" and text[5] == "/":
            month, day, year = int(text[0:2]), int(text[3:5]), int(text[6:10])
        else:
            return None
        return datetime.date(year, month, day).isoformat()
    except ValueError:
        return None


def _point_decimal(text):
    """123.45, 1.234,56 or 83,90 to 123.45 / 1234.56 / 83.90; None when not a decimal."""
    if "," in text:
        if not _GERMAN_DECIMAL.match(text):
            return None
        return text.replace(".", "").replace(",", ".")
    return text if _PLAIN_DECIMAL.match(text) else None


def canonicalize(source, target):
    kept = dropped = 0
    with open(source, newline="", encoding="utf-8") as infile, open(target, "w", newline="", encoding="utf-8") as out:
        reader = csv.reader(infile)
        writer = csv.writer(out, lineterminator="\n")
        header = [name.strip().lower() for name in next(reader)]
        if header != COLUMNS:
            sys.exit(f"canonicalize: {source}: unexpected header {header}")
        writer.writerow(COLUMNS)
        for row in reader:
            if not row:
                continue
            if len(row) != len(COLUMNS):
                dropped += 1
                continue
            row = [field.strip() for field in row]
            date = _iso_date(row[2])
            amount = _point_decimal(row[3])
            if not row[0] or not row[1] or date is None or amount is None or (row[6] and not _INTEGER.match(row[6])):
                dropped += 1
                continue
            row[2], row[3] = date, amount
            writer.writerow(row)
            kept += 1
    print(json.dumps({"kept": kept, "dropped": dropped}))


# MARK: - read

def _peak_rss_bytes():
    # Linux reports ru_maxrss in KiB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def read_pandas(path):
    import pandas as pd

    def run():
        frame = pd.read_csv(
            path, engine="c",
            dtype={"order_id": "str", "customer_id": "str", "amount": "float64", "currency": "str",
                   "category": "str", "quantity": "Int64", "status": "str"},
            parse_dates=["order_date"], date_format="%Y-%m-%d")
        assert str(frame["order_date"].dtype).startswith("datetime64"), frame.dtypes
        return len(frame)
    return run, f"pandas {pd.__version__}"


def read_pyarrow(path, threads=True):
    import pyarrow as pa
    import pyarrow.csv as pacsv

    types = {"order_id": pa.string(), "customer_id": pa.string(), "order_date": pa.date32(),
             "amount": pa.float64(), "currency": pa.string(), "category": pa.string(),
             "quantity": pa.int64(), "status": pa.string()}

    def run():
        table = pacsv.read_csv(
            path, read_options=pacsv.ReadOptions(use_threads=threads),
            convert_options=pacsv.ConvertOptions(column_types=types))
        return table.num_rows
    return run, f"pyarrow {pa.__version__}" + ("" if threads else ", 1 thread")


def read_polars(path, threads=True):
    if not threads:
        os.environ["POLARS_MAX_THREADS"] = "1"  # read once, at import
    import polars as pl

    schema = {"order_id": pl.String, "customer_id": pl.String, "order_date": pl.Date, "amount": pl.Float64,
              "currency": pl.String, "category": pl.String, "quantity": pl.Int64, "status": pl.String}

    def run():
        frame = pl.read_csv(path, schema=schema)
        return frame.height
    return run, f"polars {pl.__version__}" + ("" if threads else ", 1 thread")


def read(tool, path):
    before = _peak_rss_bytes()
    run, version = {
        "pandas": read_pandas, "pyarrow": read_pyarrow, "polars": read_polars,
        "pyarrow-1-thread": lambda p: read_pyarrow(p, threads=False),
        "polars-1-thread": lambda p: read_polars(p, threads=False),
    }[tool](path)
    after_import = _peak_rss_bytes()
    start = time.perf_counter()
    rows = run()
    seconds = time.perf_counter() - start
    print(json.dumps({
        "tool": tool, "version": version, "file": path, "bytes": os.path.getsize(path), "rows": rows,
        "seconds": [seconds], "rss_before_read_bytes": max(before, after_import), "peak_rss_bytes": _peak_rss_bytes(),
    }))


# MARK: - write

def _pyarrow_types():
    import pyarrow as pa
    return {"order_id": pa.string(), "customer_id": pa.string(), "order_date": pa.date32(),
            "amount": pa.float64(), "currency": pa.string(), "category": pa.string(),
            "quantity": pa.int64(), "status": pa.string()}


def _fsync(path):
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def write(tool, path, out):
    before = _peak_rss_bytes()
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.feather as feather
    version = f"pyarrow {pa.__version__}"
    if tool == "polars-sink":
        import polars as pl
        version = f"polars {pl.__version__}"
    after_import = _peak_rss_bytes()
    start = time.perf_counter()
    if tool == "pyarrow-stream":
        reader = pacsv.open_csv(path, convert_options=pacsv.ConvertOptions(column_types=_pyarrow_types()))
        rows = 0
        with pa.ipc.new_file(out, reader.schema) as writer:
            for batch in reader:
                writer.write_batch(batch)
                rows += batch.num_rows
    elif tool == "pyarrow-table":
        table = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(column_types=_pyarrow_types()))
        feather.write_feather(table, out, compression="uncompressed")
        rows = table.num_rows
    else:
        schema = {"order_id": pl.String, "customer_id": pl.String, "order_date": pl.Date, "amount": pl.Float64,
                  "currency": pl.String, "category": pl.String, "quantity": pl.Int64, "status": pl.String}
        pl.scan_csv(path, schema=schema).sink_ipc(out, compression="uncompressed")
        rows = None
    _fsync(out)  # segpipe's checkpoint writer fsyncs too
    seconds = time.perf_counter() - start
    if rows is None:  # counted from the file's record batches, outside the timed part
        with pa.memory_map(out) as source:
            reader = pa.ipc.open_file(source)
            rows = sum(reader.get_batch(index).num_rows for index in range(reader.num_record_batches))
    print(json.dumps({
        "tool": tool, "version": version, "file": path, "bytes": os.path.getsize(path), "rows": rows,
        "seconds": [seconds], "rss_before_read_bytes": max(before, after_import), "peak_rss_bytes": _peak_rss_bytes(),
    }))


# MARK: - compare

def _run_json(command):
    completed = subprocess.run(command, check=True, capture_output=True, text=True)
    lines = [line for line in completed.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError(f"no JSON from {command}: {completed.stdout} {completed.stderr}")
    return json.loads(lines[-1])


def compare(arguments):
    runs = [  # (label, file kind, command)
        ("segpipe", "canonical", [arguments.segpipe, "bench", "extract", "--file", arguments.canonical, "--json"]),
    ] + [
        (tool, "canonical", [sys.executable, os.path.abspath(__file__), "read", tool, arguments.canonical])
        for tool in TOOLS + (SINGLE_THREADED if arguments.single_threaded else [])
    ] + ([
        ("segpipe, 1 thread", "canonical",
         [arguments.segpipe, "bench", "extract", "--file", arguments.canonical, "--threads", "1", "--json"]),
    ] if arguments.single_threaded else []) + [
        ("segpipe, one contiguous table", "canonical",
         [arguments.segpipe, "bench", "extract", "--file", arguments.canonical, "--contiguous", "--json"]),
        ("segpipe, original file", "original", [arguments.segpipe, "bench", "extract", "--file", arguments.original,
                                                  "--json"]),
    ]
    out = os.path.join(os.path.dirname(os.path.abspath(arguments.canonical)), "orders_bench_out.arrow")
    writes = [  # (label, file kind, command)
        ("segpipe", "canonical",
         [arguments.segpipe, "bench", "extract", "--file", arguments.canonical, "--arrow-out", out, "--json"]),
    ] + [
        (tool, "canonical", [sys.executable, os.path.abspath(__file__), "write", tool, arguments.canonical, out])
        for tool in WRITERS
    ]
    results = {label: [] for label, _, _ in runs}
    written = {label: [] for label, _, _ in writes}
    # Every run starts after the files written so far are flushed (`sync`) and a pause: on virtual machines a run
    # right after a process that held ~2 GB, or wrote an 800 MB file still being written back, was measured up to
    # 1.8x slower, whichever tool it was. The order of the tools rotates from round to round, so no tool always
    # runs first or right after the same one.
    for round_number in range(1, arguments.repeats + 1):
        shift = (round_number - 1) % len(writes)
        for label, _, command in writes[shift:] + writes[:shift]:
            print(f"bench-extract: round {round_number}/{arguments.repeats}: {label} to Arrow", file=sys.stderr,
                  flush=True)
            os.sync()
            time.sleep(arguments.pause)
            written[label].append(_run_json(command))
        shift = (round_number - 1) % len(runs)
        for label, _, command in runs[shift:] + runs[:shift]:
            print(f"bench-extract: round {round_number}/{arguments.repeats}: {label}", file=sys.stderr, flush=True)
            os.sync()
            time.sleep(arguments.pause)
            results[label].append(_run_json(command))
    if os.path.exists(out):
        os.remove(out)

    summary, table = _summarize(runs, results)
    write_summary, write_table = _summarize(writes, written)
    original = summary[-1]
    base = summary[0]
    notes = [
        f"canonical: {arguments.canonical} ({base['bytes'] / 1e6:.0f} MB), the generated orders.csv rewritten with "
        "ISO dates and point decimals and its unconvertible rows dropped, because pyarrow, Polars and pandas cannot "
        "type German amounts such as `1.234,56` or `dd.MM.yyyy` dates.",
        f"original: {arguments.original} ({original['bytes'] / 1e6:.0f} MB), the generated file as is (about 15% "
        f"German amounts, 20% dd.MM.yyyy dates, ~0.2% bad rows); only segpipe can type it "
        f"({original['rows']:,} rows, {original['rejects']:,} rejects).",
        "Times: wall clock of the read alone (process start and imports excluded), median of "
        f"{arguments.repeats} rounds run round-robin (the order rotating from round to round), each run in its own "
        f"process after a sync and a {arguments.pause:g} s pause. Peak RSS is the process "
        "high-water mark (getrusage ru_maxrss), including the runtime or interpreter; 'RSS before read' is that "
        "baseline. Ratios are against segpipe on the canonical file (>1x: slower / more memory than segpipe).",
        "segpipe holds the typed rows as the parts it read them in (record batches of ~130k rows, as pyarrow's "
        "read_csv returns its table in chunks); 'one contiguous table' also joins them into single columns, the "
        "layout of segpipe's in-memory tables, and the time includes that copy.",
        "Second table, CSV to Arrow file (the extract stage's job): the canonical file typed and written as an "
        "uncompressed Arrow IPC file on the same disk, fsynced (segpipe's checkpoint writer fsyncs and renames); "
        "segpipe streams parts into the file as the extract stage does, pyarrow-stream uses pyarrow.csv.open_csv "
        "batch by batch, pyarrow-table reads the whole table then writes it, polars-sink is scan_csv().sink_ipc().",
    ]
    print("Read into typed columns in memory:")
    print(table)
    print()
    print("CSV to an Arrow file:")
    print(write_table)
    print()
    for note in notes:
        print(f"- {note}")
    if arguments.json_out:
        with open(arguments.json_out, "w", encoding="utf-8") as out_file:
            json.dump({"summary": summary, "table": table, "write_summary": write_summary,
                       "write_table": write_table, "notes": notes}, out_file, indent=2)


def _summarize(runs, results):
    """Medians per tool and the markdown table, ratios against the first tool (segpipe)."""
    summary = []
    for label, kind, _ in runs:
        measurements = results[label]
        first = measurements[0]
        seconds = [s for m in measurements for s in m["seconds"]]
        median = statistics.median(seconds)
        summary.append({
            "tool": label, "file": kind, "version": first.get("version", ""), "rows": first["rows"],
            "rejects": first.get("rejects"), "bytes": first["bytes"], "seconds": seconds, "median_seconds": median,
            "rows_per_second": first["rows"] / median, "megabytes_per_second": first["bytes"] / 1e6 / median,
            "rss_before_read_bytes": max(m["rss_before_read_bytes"] for m in measurements),
            "peak_rss_bytes": max(m["peak_rss_bytes"] for m in measurements),
        })
    base = summary[0]
    header = ("| tool | file | rows | median s | runs s | M rows/s | MB/s | peak RSS MB | RSS before read MB "
              "| time vs segpipe | peak RSS vs segpipe |")
    lines = [header, "|" + "---|" * header.count(" | ") + "---|"]
    for entry in summary:
        lines.append(
            f"| {entry['tool'] + (' (' + entry['version'] + ')' if entry['version'] else '')} | {entry['file']} "
            f"| {entry['rows']:,} | {entry['median_seconds']:.2f} "
            f"| {', '.join(f'{s:.2f}' for s in entry['seconds'])} | {entry['rows_per_second'] / 1e6:.2f} "
            f"| {entry['megabytes_per_second']:.0f} | {entry['peak_rss_bytes'] / 1e6:.0f} "
            f"| {entry['rss_before_read_bytes'] / 1e6:.0f} "
            f"| {entry['median_seconds'] / base['median_seconds']:.2f}x "
            f"| {entry['peak_rss_bytes'] / base['peak_rss_bytes']:.2f}x |")
    return summary, "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    canonical = commands.add_parser("canonicalize")
    canonical.add_argument("source")
    canonical.add_argument("target")
    reading = commands.add_parser("read")
    reading.add_argument("tool", choices=TOOLS + SINGLE_THREADED)
    reading.add_argument("file")
    writing = commands.add_parser("write")
    writing.add_argument("tool", choices=WRITERS)
    writing.add_argument("file")
    writing.add_argument("out")
    comparing = commands.add_parser("compare")
    comparing.add_argument("--segpipe", required=True, help="the release segpipe binary")
    comparing.add_argument("--canonical", required=True)
    comparing.add_argument("--original", required=True)
    comparing.add_argument("--repeats", type=int, default=3)
    comparing.add_argument("--json-out")
    comparing.add_argument("--pause", type=float, default=5, help="seconds to wait before every run")
    comparing.add_argument("--single-threaded", action="store_true",
                           help="also run pyarrow and Polars restricted to one thread")
    arguments = parser.parse_args()
    if arguments.command == "canonicalize":
        canonicalize(arguments.source, arguments.target)
    elif arguments.command == "read":
        read(arguments.tool, arguments.file)
    elif arguments.command == "write":
        write(arguments.tool, arguments.file, arguments.out)
    else:
        compare(arguments)


if __name__ == "__main__":
    main()
