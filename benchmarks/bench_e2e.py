#!/usr/bin/env python3
"""End-to-end benchmark driver: segpipe's demo pipeline against the pandas and Polars baselines.

Called by scripts/bench-e2e. Per data size it runs segpipe, the pandas baseline and the Polars baseline
alternately (the starting tool rotates each round), each in its own process under /usr/bin/time -v, on the same
files and the same PostgreSQL server, then prints per-stage and total medians, peak RSS and the ratios, checks that
all three find the same customers and feature totals, and reports the adjusted Rand index between segmentations.
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

STAGES = ["extract", "clean", "dedupe", "features", "segment", "load"]
TOOLS = ["segpipe", "pandas", "polars"]
ROOT = Path(__file__).resolve().parent.parent


def log(message):
    print(f"bench-e2e: {message}", file=sys.stderr, flush=True)


def timed(command, rss_file, log_file):
    """Runs `command` under /usr/bin/time -v; returns (wall seconds, peak RSS in MiB)."""
    started = time.perf_counter()
    with open(log_file, "w") as output:
        result = subprocess.run(["/usr/bin/time", "-v", "-o", str(rss_file), *command], stdout=output,
                                stderr=subprocess.STDOUT, cwd=ROOT)
    wall = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"bench-e2e: {' '.join(command)} failed with exit code {result.returncode}; see {log_file}")
    match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", Path(rss_file).read_text())
    return wall, int(match.group(1)) / 1024 if match else float("nan")


def pipeline_copy(workdir, lean_dedupe=False):
    """The demo pipeline with its own schema; dedupe restricted to exact email (asserted); with `lean_dedupe`,
    `dedupe.write_orders_and_events: false`."""
    text = (ROOT / "pipelines/demo.yaml").read_text()
    text = re.sub(r"(?m)^(\s*schema:\s*)segpipe\s*$", r"\1bench_segpipe", text)
    text = re.sub(r"(?m)^(\s*rules:\s*)\[.*\](.*)$", r"\1[email]\2", text, count=1)
    if lean_dedupe:
        text = re.sub(r"(?m)^dedupe:\s*$", "dedupe:\n  write_orders_and_events: false", text, count=1)
    if "bench_segpipe" not in text or "rules: [email]" not in text or (
            lean_dedupe and "write_orders_and_events: false" not in text):
        sys.exit("bench-e2e: could not adapt pipelines/demo.yaml (schema, dedupe.rules or dedupe settings)")
    path = workdir / "pipeline.yaml"
    path.write_text(text)
    return path


def arrow_table(path):
    import pyarrow as pa

    with pa.memory_map(str(path)) as source:
        return pa.ipc.open_file(source).read_all()


def segpipe_results(checkpoint_dir, run_id):
    """Customers, feature totals and labels from a finished run's checkpoints."""
    import pyarrow.compute as pc

    from baseline_pipeline import feature_totals

    run = Path(checkpoint_dir) / run_id
    features = arrow_table(run / "features" / "customer_features.arrow")
    segments = arrow_table(run / "segment" / "customer_segments.arrow")
    return {
        "customers": features.num_rows,
        "feature_totals": feature_totals(features),
        "sum_frequency": int(pc.sum(features["frequency"]).as_py() or 0),
        "sum_monetary": float(pc.sum(features["monetary_total"]).as_py() or 0.0),
        "labels": segments.select(["customer_id", "segment_id"]).to_pandas(),
    }


def run_size(args, customers, rounds, segpipe):
    data = ROOT / "bench-data" / str(customers)
    if not (data / "orders.csv").exists():
        log(f"generating {customers} customers into {data}")
        subprocess.run([segpipe, "generate", "--customers", str(customers), "--out", str(data), "--seed", "7",
                        "--as-of", args.as_of], check=True, cwd=ROOT)
    workdir = ROOT / "bench-data" / "e2e" / str(customers)
    workdir.mkdir(parents=True, exist_ok=True)
    pipeline = pipeline_copy(workdir, lean_dedupe=args.lean_dedupe)
    measurements = {tool: [] for tool in TOOLS}
    results = {}
    for round_index in range(rounds):
        order = TOOLS[round_index % 3:] + TOOLS[:round_index % 3]
        for tool in order:
            stamp = time.strftime("%Y%m%dT%H%M%S")
            run_id = f"bench-{customers}-{round_index}-{stamp}"
            summary = workdir / f"{tool}-{round_index}.json"
            rss = workdir / f"{tool}-{round_index}.time"
            output = workdir / f"{tool}-{round_index}.log"
            if tool == "segpipe":
                checkpoints = workdir / f"checkpoints-{round_index}"
                shutil.rmtree(checkpoints, ignore_errors=True)
                command = [segpipe, "run", "--pipeline", str(pipeline), "--data-dir", str(data), "--database-url",
                           args.database_url, "--checkpoint-dir", str(checkpoints), "--as-of", args.as_of,
                           "--run-id", run_id, "--summary-file", str(summary), "--log-format", "json"]
            else:
                labels = workdir / f"{tool}-labels.parquet"
                command = [sys.executable, str(ROOT / "benchmarks/baseline_pipeline.py"), "--engine", tool,
                           "--data-dir", str(data), "--as-of", args.as_of, "--database-url", args.database_url,
                           "--schema", "bench_baseline", "--run-id", f"{tool}-{run_id}", "--labels-out",
                           str(labels), "--summary-file", str(summary), "--features", args.baseline_features]
            log(f"{customers}: round {round_index + 1}/{rounds}: {tool}")
            # A run right after one that held several GB was measured up to 1.3x slower on virtual machines (the
            # kernel still reclaiming and zeroing pages): every run starts after the same pause.
            time.sleep(args.pause)
            wall, peak = timed(command, rss, output)
            report = json.loads(summary.read_text())
            if tool == "segpipe":
                stages = {s["stage"]: s.get("duration_seconds") or 0.0 for s in report["stages"]}
                results[tool] = segpipe_results(checkpoints, run_id)
                if round_index < rounds - 1 or not args.keep_checkpoints:
                    shutil.rmtree(checkpoints, ignore_errors=True)
                else:
                    results["segpipe_run"] = {"checkpoint_dir": str(checkpoints), "run_id": run_id}
            else:
                import pandas as pd

                stages = report["stages"]
                results[tool] = {key: report.get(key) for key in ["customers", "sum_frequency", "sum_monetary",
                                                                  "feature_totals"]}
                results[tool]["labels"] = pd.read_parquet(labels)
            measurements[tool].append({"wall": wall, "peak_rss_mib": peak, "stages": stages})
            log(f"  {wall:.1f} s, {peak:.0f} MiB, " + ", ".join(f"{k} {v:.2f}" for k, v in stages.items()))
    return measurements, results


def same_totals(reference, other):
    """The feature columns whose value count and total (sum, or distinct texts) agree with segpipe's: counts and
    distinct counts exactly, sums to 1e-6 relative (the CLV predictions of two optimisers agree to about 1e-7)."""
    equal, different = [], []
    for name, expected in reference.items():
        found = other.get(name)
        ok = found is not None and found["count"] == expected["count"] and abs(found["total"] - expected["total"]) \
            <= 1e-6 * max(abs(expected["total"]), 1)
        (equal if ok else different).append(name)
    return equal, different


def summarise(customers, rounds, measurements, results, lean_dedupe=False, baseline_features="all"):
    from sklearn.metrics import adjusted_rand_score

    medians = {}
    for tool in TOOLS:
        runs = measurements[tool]
        medians[tool] = {stage: statistics.median(r["stages"].get(stage, 0.0) for r in runs) for stage in STAGES}
        medians[tool]["total"] = statistics.median(r["wall"] for r in runs)
        medians[tool]["peak_rss_mib"] = max(r["peak_rss_mib"] for r in runs)
        medians[tool]["total_spread"] = [min(r["wall"] for r in runs), max(r["wall"] for r in runs)]
    setting = " (segpipe with `dedupe.write_orders_and_events: false`)" if lean_dedupe else ""
    if baseline_features == "core":
        setting += " (baselines with `--features core`: four features, one table loaded)"
    lines = [f"### {customers:,} customers, {rounds} round(s), medians{setting}", "",
             "| stage | segpipe | pandas | polars | pandas / segpipe | polars / segpipe |",
             "|---|---:|---:|---:|---:|---:|"]
    for row in STAGES + ["total"]:
        s, p, q = (medians[t][row] for t in TOOLS)
        label = "total (process wall time)" if row == "total" else row
        lines.append(f"| {label} | {s:.2f} s | {p:.2f} s | {q:.2f} s | {p / s:.2f}× | {q / s:.2f}× |"
                     if s > 0 else f"| {label} | {s:.2f} s | {p:.2f} s | {q:.2f} s | – | – |")
    s, p, q = (medians[t]["peak_rss_mib"] for t in TOOLS)
    lines.append(f"| peak RSS | {s:.0f} MiB | {p:.0f} MiB | {q:.0f} MiB | {p / s:.2f}× | {q / s:.2f}× |")
    lines.append("")
    models = {t: [r["stages"]["features_clv_models"] for r in measurements[t]
                  if "features_clv_models" in r["stages"]] for t in ["pandas", "polars"]}
    if all(models.values()):
        lines.append("Of the baselines' features stage, the CLV models (lifetimes' fits and predictions) took "
                     + " and ".join(f"{statistics.median(models[t]):.2f} s ({t})" for t in models)
                     + " (medians); segpipe fits and predicts them inside its features stage too.")
        without = {t: statistics.median(r["wall"] - r["stages"]["features_clv_models"] for r in measurements[t])
                   for t in models}
        total = medians["segpipe"]["total"]
        lines.append("Without those models the baselines' whole runs take " + " and ".join(
            f"{without[t]:.2f} s ({t}, {without[t] / total:.2f}× segpipe's total)" for t in without) + ".")
        lines.append("")
    spreads = ", ".join(f"{t} {medians[t]['total_spread'][0]:.1f}–{medians[t]['total_spread'][1]:.1f} s"
                        for t in TOOLS)
    lines.append(f"Total time range over the rounds: {spreads}.")
    lines.append("")

    checks = {}
    reference = results["segpipe"]
    for tool in ["pandas", "polars"]:
        other = results[tool]
        same_customers = other["customers"] == reference["customers"]
        same_frequency = other["sum_frequency"] == reference["sum_frequency"]
        relative = abs(other["sum_monetary"] - reference["sum_monetary"]) / max(abs(reference["sum_monetary"]), 1)
        joined = reference["labels"].merge(other["labels"], on="customer_id", suffixes=("_segpipe", "_other"))
        ari = adjusted_rand_score(joined["segment_id_segpipe"], joined["segment_id_other"])
        checks[tool] = {"customers": other["customers"], "same_customers": same_customers,
                        "sum_frequency": other["sum_frequency"], "same_frequency": same_frequency,
                        "sum_monetary": other["sum_monetary"], "monetary_relative_difference": relative,
                        "monetary_ok": relative <= 1e-6, "ari": ari, "ari_customers": len(joined)}
        if other.get("feature_totals"):
            equal, different = same_totals(reference["feature_totals"], other["feature_totals"])
            checks[tool].update(feature_columns_equal=len(equal), feature_columns_different=different)
    lines.append("| check | segpipe | pandas | polars |")
    lines.append("|---|---:|---:|---:|")
    lines.append(f"| customers after email dedupe | {reference['customers']:,} | "
                 + " | ".join(f"{checks[t]['customers']:,} {'✓' if checks[t]['same_customers'] else '✗'}"
                              for t in ["pandas", "polars"]) + " |")
    lines.append(f"| sum of frequency | {reference['sum_frequency']:,} | "
                 + " | ".join(f"{checks[t]['sum_frequency']:,} {'✓' if checks[t]['same_frequency'] else '✗'}"
                              for t in ["pandas", "polars"]) + " |")
    lines.append(f"| sum of monetary_total (EUR) | {reference['sum_monetary']:,.2f} | "
                 + " | ".join(f"{checks[t]['sum_monetary']:,.2f} "
                              f"(rel. diff {checks[t]['monetary_relative_difference']:.1e}) "
                              f"{'✓' if checks[t]['monetary_ok'] else '✗'}" for t in ["pandas", "polars"]) + " |")
    if all("feature_columns_equal" in checks[t] for t in ["pandas", "polars"]):
        columns = len(reference["feature_totals"])
        lines.append("| feature columns with the same count and total (sum, or distinct values) | "
                     f"{columns} | " + " | ".join(
                         f"{checks[t]['feature_columns_equal']} "
                         + ("✓" if not checks[t]["feature_columns_different"]
                            else "✗ (" + ", ".join(checks[t]["feature_columns_different"]) + ")")
                         for t in ["pandas", "polars"]) + " |")
    lines.append("| adjusted Rand index against segpipe | – | "
                 + " | ".join(f"{checks[t]['ari']:.4f} ({checks[t]['ari_customers']:,} customers)"
                              for t in ["pandas", "polars"]) + " |")
    pandas_polars = results["pandas"]["labels"].merge(results["polars"]["labels"], on="customer_id")
    lines.append(f"| adjusted Rand index pandas against polars | – | – | "
                 f"{adjusted_rand_score(pandas_polars['segment_id_x'], pandas_polars['segment_id_y']):.4f} |")
    return "\n".join(lines), {"medians": medians, "checks": checks, "runs": measurements}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100000:3,1000000:1",
                        help="comma-separated CUSTOMERS:ROUNDS (default 100000:3,1000000:1)")
    parser.add_argument("--segpipe", required=True, help="release segpipe binary")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--as-of", default="2026-11-20")
    parser.add_argument("--json-out")
    parser.add_argument("--pause", type=float, default=10, help="seconds to wait before every run (default 10)")
    parser.add_argument("--lean-dedupe", action="store_true",
                        help="run segpipe with dedupe.write_orders_and_events: false (dedupe writes no orders or "
                             "events)")
    parser.add_argument("--baseline-features", choices=["all", "core"], default="all",
                        help="all (default): the baselines compute every feature segpipe does (CLV with lifetimes) "
                             "and load the same three per-customer tables; core: four features, customer_segments "
                             "alone")
    parser.add_argument("--keep-checkpoints", action="store_true",
                        help="keep the last segpipe round's checkpoints (for `segpipe run --stage` profiling)")
    args = parser.parse_args()

    output = {}
    tables = []
    for item in args.sizes.split(","):
        customers, rounds = (int(part) for part in item.split(":"))
        measurements, results = run_size(args, customers, rounds, args.segpipe)
        table, data = summarise(customers, rounds, measurements, results, lean_dedupe=args.lean_dedupe,
                                baseline_features=args.baseline_features)
        data["lean_dedupe"] = args.lean_dedupe
        data["baseline_features"] = args.baseline_features
        data["segpipe_run"] = results.get("segpipe_run")
        output[str(customers)] = data
        tables.append(table)
        print(table + "\n", flush=True)
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(output, indent=2, default=str) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
