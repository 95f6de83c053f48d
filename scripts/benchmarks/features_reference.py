#!/usr/bin/env python3
"""Reference side of the features benchmark (scripts/bench-features).

Subcommands:
  run TOOL DEDUPE_DIR AS_OF   Read the dedupe checkpoint's Arrow files with pyarrow and aggregate per customer with
                              TOOL (pandas, duckdb, duckdb-1-thread, pandas+events, duckdb+events, duckdb+all,
                              duckdb+events+lifetimes); print one JSON line with the read, conversion and aggregation
                              times, peak RSS and check sums.
  compare ...                 Run segpipe (`segpipe bench features`) and every tool round-robin, one process per run,
                              and print the side-by-side table.

The aggregation is segpipe's definition (Sources/Segmentation/Stages/FeaturesStage.swift) of: recency_days (as_of
minus the last completed order's date), frequency and monetary_total (completed orders), avg_order_value,
first_order_date and last_order_date (completed orders), return_rate (returned / (completed + returned)); one row per
merged customer, nulls where segpipe has nulls. The `+events` variants also count sent, opened and clicked emails,
the last open and unsubscribes per customer from email_events, as segpipe's stage does. `duckdb+all` computes every
feature of segpipe's stage except the CLV models in one query (also tenure, purchase days, mean days between
purchases, category count and top category, 12-month revenue, age, age band, postal area). `duckdb+events+lifetimes`
adds what segpipe's stage does besides: the CLV summary per customer in DuckDB (lifetimes' definitions with daily
periods: repeat purchase days, first-to-last and first-to-as_of days, mean amount of the repeat purchase days), then
the `lifetimes` library's BetaGeoFitter and GammaGammaFitter fits and 12-month customer_lifetime_value (1 % monthly
discount), as segpipe's stage computes predicted_clv_12m (docs/clv.md); its "aggregate" time is the whole of that.
"""

import argparse
import datetime
import json
import os
import resource
import statistics
import subprocess
import sys
import time

TOOLS = ["pandas", "duckdb", "duckdb-1-thread", "pandas+events", "duckdb+events", "duckdb+all", "duckdb+events+lifetimes"]


def _peak_rss_bytes():
    # Linux reports ru_maxrss in KiB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _read(directory, events, everything=False):
    import pyarrow.feather as feather

    customer_columns = ["customer_id"] + (["signup_date", "birth_date", "postal_code"] if everything else [])
    order_columns = ["customer_id", "order_date", "amount", "status"] + (["category"] if everything else [])
    tables = {
        "customers": feather.read_table(os.path.join(directory, "customers.arrow"), columns=customer_columns),
        "orders": feather.read_table(os.path.join(directory, "orders.arrow"), columns=order_columns),
    }
    if events:
        tables["email_events"] = feather.read_table(
            os.path.join(directory, "email_events.arrow"), columns=["customer_id", "event_type", "event_time"]
        )
    return tables


def aggregate_pandas(tables, as_of, events):
    """Returns (convert seconds, aggregate seconds, result DataFrame)."""
    import pandas as pd

    started = time.perf_counter()
    customers = tables["customers"].column("customer_id").to_pandas()
    orders = tables["orders"].to_pandas(date_as_object=False)
    email = tables["email_events"].to_pandas() if events else None
    converted = time.perf_counter()

    status = orders["status"]
    completed = orders[status == "completed"]
    per_customer = completed.groupby("customer_id", sort=False).agg(
        frequency=("amount", "size"),
        monetary_total=("amount", "sum"),
        first_order_date=("order_date", "min"),
        last_order_date=("order_date", "max"),
    )
    returned = orders.loc[status == "returned", "customer_id"].value_counts().rename("returned")
    features = pd.DataFrame(index=pd.Index(customers, name="customer_id")).join(per_customer).join(returned)
    features["frequency"] = features["frequency"].fillna(0).astype("int64")
    features["monetary_total"] = features["monetary_total"].fillna(0.0)
    features["returned"] = features["returned"].fillna(0).astype("int64")
    features["recency_days"] = (pd.Timestamp(as_of) - features["last_order_date"]).dt.days
    features["avg_order_value"] = features["monetary_total"] / features["frequency"].where(features["frequency"] > 0)
    decided = features["frequency"] + features["returned"]
    features["return_rate"] = features["returned"] / decided.where(decided > 0)
    if events:
        counts = email.groupby(["customer_id", "event_type"], sort=False).size().unstack(fill_value=0)
        last_open = email.loc[email["event_type"] == "open"].groupby("customer_id", sort=False)["event_time"].max()
        features = features.join(counts).join(last_open.rename("last_open"))
        for column in ["sent", "open", "click", "unsubscribe"]:
            if column in features:
                features[column] = features[column].fillna(0).astype("int64")
        sent = features["sent"].where(features["sent"] > 0)
        features["email_open_rate"] = features["open"] / sent
        features["email_click_rate"] = features["click"] / sent
        features["unsubscribed"] = features["unsubscribe"] > 0
        features["days_since_last_open"] = (pd.Timestamp(as_of, tz="UTC") - features["last_open"]).dt.days.clip(lower=0)
    finished = time.perf_counter()
    return converted - started, finished - converted, features


_ORDERS_SQL = """
WITH o AS (
    SELECT customer_id,
        count(*) FILTER (WHERE status = 'completed') AS frequency,
        sum(amount) FILTER (WHERE status = 'completed') AS monetary,
        min(order_date) FILTER (WHERE status = 'completed') AS first_order_date,
        max(order_date) FILTER (WHERE status = 'completed') AS last_order_date,
        count(*) FILTER (WHERE status = 'returned') AS returned
    FROM orders GROUP BY customer_id
){events_cte}
SELECT c.customer_id,
    DATE '{as_of}' - o.last_order_date AS recency_days,
    coalesce(o.frequency, 0) AS frequency,
    coalesce(o.monetary, 0) AS monetary_total,
    o.monetary / nullif(o.frequency, 0) AS avg_order_value,
    o.first_order_date, o.last_order_date,
    o.returned / nullif(o.frequency + o.returned, 0) AS return_rate{events_columns}
FROM customers c LEFT JOIN o USING (customer_id){events_join}
"""

_EVENTS_CTE = """,
e AS (
    SELECT customer_id,
        count(*) FILTER (WHERE event_type = 'sent') AS sent,
        count(*) FILTER (WHERE event_type = 'open') AS opens,
        count(*) FILTER (WHERE event_type = 'click') AS clicks,
        bool_or(event_type = 'unsubscribe') AS unsubscribed,
        max(event_time) FILTER (WHERE event_type = 'open') AS last_open
    FROM email_events GROUP BY customer_id
)"""

_EVENTS_COLUMNS = """,
    e.opens / nullif(e.sent, 0) AS email_open_rate,
    e.clicks / nullif(e.sent, 0) AS email_click_rate,
    coalesce(e.unsubscribed, false) AS unsubscribed,
    greatest(0, DATE '{as_of}' - CAST(e.last_open AS DATE)) AS days_since_last_open"""


_ALL_FEATURES_SQL = """
WITH completed AS (
    SELECT customer_id, order_date, amount, nullif(category, '') AS category
    FROM orders WHERE status = 'completed' AND order_date <= DATE '{as_of}'
), o AS (
    SELECT customer_id,
        count(*) FILTER (WHERE status = 'completed') AS frequency,
        sum(amount) FILTER (WHERE status = 'completed') AS monetary,
        min(order_date) FILTER (WHERE status = 'completed') AS first_order_date,
        max(order_date) FILTER (WHERE status = 'completed') AS last_order_date,
        count(*) FILTER (WHERE status = 'returned') AS returned,
        sum(amount) FILTER (WHERE status = 'completed' AND order_date > DATE '{as_of}' - 365) AS revenue_12m
    FROM orders GROUP BY customer_id
), days AS (
    SELECT customer_id, count(DISTINCT order_date) AS purchase_days FROM completed GROUP BY customer_id
), category_orders AS (
    SELECT customer_id, category, count(*) AS n FROM completed WHERE category IS NOT NULL
    GROUP BY customer_id, category
), categories AS (
    SELECT customer_id, count(*) AS category_count,
        arg_max(category, (n, -rank)) AS top_category
    FROM (SELECT *, dense_rank() OVER (ORDER BY category COLLATE "C") AS rank FROM category_orders)
    GROUP BY customer_id
){events_cte}, ages AS (
    SELECT customer_id,
        CASE WHEN birth_date <= DATE '{as_of}' THEN
            year(DATE '{as_of}') - year(birth_date)
            - CASE WHEN (month(DATE '{as_of}'), day(DATE '{as_of}')) < (month(birth_date), day(birth_date))
                   THEN 1 ELSE 0 END
        END AS age
    FROM customers
)
SELECT c.customer_id,
    DATE '{as_of}' - o.last_order_date AS recency_days,
    coalesce(o.frequency, 0) AS frequency,
    coalesce(o.monetary, 0) AS monetary_total,
    o.monetary / nullif(o.frequency, 0) AS avg_order_value,
    greatest(0, DATE '{as_of}' - coalesce(c.signup_date, o.first_order_date)) AS tenure_days,
    o.returned / nullif(o.frequency + o.returned, 0) AS return_rate,
    e.opens / nullif(e.sent, 0) AS email_open_rate,
    e.clicks / nullif(e.sent, 0) AS email_click_rate,
    coalesce(e.unsubscribed, false) AS unsubscribed,
    o.first_order_date, o.last_order_date,
    coalesce(days.purchase_days, 0) AS purchase_days,
    CASE WHEN days.purchase_days >= 2
         THEN (o.last_order_date - o.first_order_date) / (days.purchase_days - 1) END AS mean_days_between_purchases,
    coalesce(categories.category_count, 0) AS category_count,
    categories.top_category,
    greatest(0, DATE '{as_of}' - CAST(e.last_open AS DATE)) AS days_since_last_open,
    ages.age,
    CASE WHEN ages.age < 18 THEN 'under 18' WHEN ages.age < 25 THEN '18-24' WHEN ages.age < 35 THEN '25-34'
         WHEN ages.age < 45 THEN '35-44' WHEN ages.age < 55 THEN '45-54' WHEN ages.age < 65 THEN '55-64'
         WHEN ages.age IS NOT NULL THEN '65+' END AS age_band,
    CASE WHEN length(c.postal_code) >= 2 THEN left(c.postal_code, 2) END AS postal_area,
    coalesce(o.revenue_12m, 0) AS clv_historical_12m
FROM customers c
LEFT JOIN o USING (customer_id) LEFT JOIN days USING (customer_id) LEFT JOIN categories USING (customer_id)
LEFT JOIN e USING (customer_id) LEFT JOIN ages USING (customer_id)
"""


def aggregate_duckdb_all(tables, as_of):
    """Every feature of segpipe's stage except the CLV models, in one DuckDB query; returns like aggregate_duckdb."""
    import duckdb

    connection = duckdb.connect()
    connection.execute("SET TimeZone = 'UTC'")
    for name, table in tables.items():
        connection.register(name, table)
    started = time.perf_counter()
    result = connection.sql(_ALL_FEATURES_SQL.format(as_of=as_of, events_cte=_EVENTS_CTE)).to_arrow_table()
    return 0.0, time.perf_counter() - started, result


def aggregate_duckdb(tables, as_of, events, threads):
    """Returns (convert seconds, aggregate seconds, result pyarrow Table); DuckDB scans the Arrow tables directly."""
    import duckdb

    connection = duckdb.connect()
    connection.execute("SET TimeZone = 'UTC'")
    if threads:
        connection.execute(f"SET threads = {threads}")
    for name, table in tables.items():
        connection.register(name, table)
    sql = _ORDERS_SQL.format(
        as_of=as_of,
        events_cte=_EVENTS_CTE if events else "",
        events_columns=_EVENTS_COLUMNS.format(as_of=as_of) if events else "",
        events_join=" LEFT JOIN e USING (customer_id)" if events else "",
    )
    started = time.perf_counter()
    result = connection.sql(sql).to_arrow_table()
    return 0.0, time.perf_counter() - started, result


_CLV_SUMMARY_SQL = """
WITH daily AS (
    SELECT customer_id, order_date, sum(amount) AS amount
    FROM orders WHERE status = 'completed' AND order_date <= DATE '{as_of}'
    GROUP BY customer_id, order_date
)
SELECT customer_id,
    count(*) - 1 AS frequency,
    max(order_date) - min(order_date) AS recency,
    DATE '{as_of}' - min(order_date) AS T,
    coalesce((sum(amount) - arg_min(amount, order_date)) / nullif(count(*) - 1, 0), 0) AS monetary_value
FROM daily GROUP BY customer_id
"""


def lifetime_value_lifetimes(tables, as_of):
    """The CLV summary in DuckDB, then lifetimes' BG/NBD and Gamma-Gamma fits and 12-month CLV.

    Returns (seconds, predicted CLV total, fitted parameters)."""
    import duckdb
    from lifetimes import BetaGeoFitter, GammaGammaFitter

    started = time.perf_counter()
    connection = duckdb.connect()
    connection.register("orders", tables["orders"])
    summary = connection.sql(_CLV_SUMMARY_SQL.format(as_of=as_of)).df()
    purchases = BetaGeoFitter(penalizer_coef=0.0)
    purchases.fit(summary["frequency"], summary["recency"], summary["T"])
    repeat = summary[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)]
    spend = GammaGammaFitter(penalizer_coef=0.0)
    spend.fit(repeat["frequency"], repeat["monetary_value"])
    value = spend.customer_lifetime_value(
        purchases, summary["frequency"], summary["recency"], summary["T"], summary["monetary_value"],
        time=12, discount_rate=0.01, freq="D")
    seconds = time.perf_counter() - started
    parameters = {name: float(purchases.params_[name]) for name in ["r", "alpha", "a", "b"]}
    parameters.update({name: float(spend.params_[name]) for name in ["p", "q", "v"]})
    return seconds, float(value.sum()), parameters


def run(tool, directory, as_of):
    lifetimes = tool.endswith("+lifetimes")
    if lifetimes:
        tool_events = tool.removesuffix("+lifetimes")
    else:
        tool_events = tool
    everything = tool_events == "duckdb+all"
    events = tool_events.endswith("+events") or everything
    baseline = _peak_rss_bytes()
    started = time.perf_counter()
    tables = _read(directory, events, everything)
    read_seconds = time.perf_counter() - started
    after_read = _peak_rss_bytes()
    if tool.startswith("pandas"):
        convert, aggregate, features = aggregate_pandas(tables, as_of, events)
        customers = len(features)
        with_orders = int((features["frequency"] > 0).sum())
        revenue = float(features["monetary_total"].sum())
    else:
        threads = 1 if tool == "duckdb-1-thread" else None
        if everything:
            convert, aggregate, features = aggregate_duckdb_all(tables, as_of)
        else:
            convert, aggregate, features = aggregate_duckdb(tables, as_of, events, threads)
        import pyarrow.compute as pc

        customers = features.num_rows
        with_orders = pc.sum(pc.greater(features.column("frequency"), 0)).as_py()
        revenue = pc.sum(features.column("monetary_total")).as_py()
    extra = {}
    if everything:
        import pyarrow.compute as pc

        extra = {
            "purchase_days_total": pc.sum(features.column("purchase_days")).as_py(),
            "category_count_total": pc.sum(features.column("category_count")).as_py(),
            "top_category_counts": {
                str(item["values"]): item["counts"] for item in features.column("top_category").value_counts().to_pylist()
            },
            "age_total": pc.sum(features.column("age")).as_py(),
            "tenure_total": pc.sum(features.column("tenure_days")).as_py(),
        }
    if lifetimes:
        clv_seconds, clv_total, parameters = lifetime_value_lifetimes(tables, as_of)
        aggregate += clv_seconds
        extra = {"clv_seconds": clv_seconds, "predicted_clv_total": clv_total, "clv_parameters": parameters}
    return {**extra,
        "tool": tool,
        "customers": customers,
        "orders": tables["orders"].num_rows,
        "customers_with_orders": with_orders,
        "revenue_total": revenue,
        "read_seconds": read_seconds,
        "convert_seconds": convert,
        "aggregate_seconds": aggregate,
        "rss_before_read_bytes": baseline,
        "rss_after_read_bytes": after_read,
        "peak_rss_bytes": _peak_rss_bytes(),
    }


# MARK: - compare


def _run_json(command):
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def _versions():
    import duckdb
    import pandas
    import pyarrow

    return {"pandas": pandas.__version__, "pyarrow": pyarrow.__version__, "duckdb": duckdb.__version__}


def compare(arguments):
    with open(os.path.join(arguments.checkpoint, "_run.json")) as file:
        as_of = json.load(file)["as_of"]
    dedupe = os.path.join(arguments.checkpoint, "dedupe")
    tools = ["segpipe"] + TOOLS
    runs = {tool: [] for tool in tools}
    for round_number in range(arguments.repeats):
        for tool in tools:
            if tool == "segpipe":
                result = _run_json([arguments.segpipe, "bench", "features", "--checkpoint", arguments.checkpoint,
                                    "--repeats", "1", "--json"])
                result["aggregate_seconds"] = result["median_seconds"]
                result["clv_seconds_run"] = result["median_clv_seconds"]
                result["convert_seconds"] = 0.0
                model = result.get("clv_model") or {}
                result["clv_parameters"] = {**model.get("bg_nbd", {}), **model.get("gamma_gamma", {})}
            else:
                result = _run_json([sys.executable, __file__, "run", tool, dedupe, as_of])
            runs[tool].append(result)
            print(f"features_reference: round {round_number + 1} {tool}: read {result['read_seconds']:.2f} s, "
                  f"aggregate {result['aggregate_seconds']:.2f} s", file=sys.stderr)

    def median(tool, key):
        return statistics.median(r[key] for r in runs[tool])

    orders = runs["segpipe"][0]["orders"]
    base = median("segpipe", "aggregate_seconds")
    base_rss = median("segpipe", "peak_rss_bytes")
    clv = median("segpipe", "clv_seconds_run")
    no_clv = median("segpipe", "median_seconds_without_clv")
    versions = _versions()
    print(f"{runs['segpipe'][0]['customers']:,} customers, {orders:,} orders; medians of {arguments.repeats} "
          f"rounds, one process per run; pandas {versions['pandas']}, pyarrow {versions['pyarrow']}, "
          f"DuckDB {versions['duckdb']}")
    header = ["tool", "read s", "convert s", "aggregate s", "runs (aggregate) s", "M orders/s", "peak RSS MB",
              "aggregate vs segpipe", "peak RSS vs segpipe"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))

    def line(label, tool, aggregate, runs_text):
        rss = median(tool, "peak_rss_bytes")
        print("| " + " | ".join([
            label, f"{median(tool, 'read_seconds'):.2f}", f"{median(tool, 'convert_seconds'):.2f}",
            f"{aggregate:.2f}", runs_text, f"{orders / aggregate / 1e6:.1f}", f"{rss / 1e6:.0f}",
            f"{aggregate / base:.2f}x", f"{rss / base_rss:.2f}x"]) + " |")

    line("segpipe features stage (all features + CLV)", "segpipe", base,
         ", ".join(f"{r['aggregate_seconds']:.2f}" for r in runs["segpipe"]))
    line("segpipe stage without the CLV models", "segpipe", no_clv,
         ", ".join(f"{r['median_seconds_without_clv']:.2f}" for r in runs["segpipe"]))
    print(f"| (segpipe CLV models alone) | | | {clv:.2f} | "
          + ", ".join(f"{r['clv_seconds_run']:.2f}" for r in runs["segpipe"]) + " | | | | |")
    for tool in TOOLS:
        line(tool, tool, median(tool, "aggregate_seconds"),
             ", ".join(f"{r['aggregate_seconds']:.2f}" for r in runs[tool]))
    checks = {tool: (runs[tool][0].get("customers_with_orders"), round(runs[tool][0].get("revenue_total", 0), 2))
              for tool in tools}
    print("check (customers with orders, revenue total): "
          + "; ".join(f"{tool} {value[0]:,} / {value[1]:,.2f}" for tool, value in checks.items()))
    if "duckdb+all" in runs:
        mine = runs["segpipe"][0]
        theirs = runs["duckdb+all"][0]
        same = all(mine["feature_totals"][key] == theirs[key] for key in mine["feature_totals"]) and \
            mine["top_category_counts"] == theirs["top_category_counts"]
        print("check (every other feature) segpipe against duckdb+all: "
              + ", ".join(f"{key} {mine['feature_totals'][key]:,} / {theirs[key]:,}"
                          for key in sorted(mine["feature_totals"]))
              + f"; customers per top category {'equal' if mine['top_category_counts'] == theirs['top_category_counts'] else 'DIFFERENT'}"
              + ("" if same else " — MISMATCH"))
    for tool in tools:
        result = runs[tool][0]
        if "predicted_clv_total" in result:
            parameters = ", ".join(f"{name} {value:.6g}" for name, value in sorted(result["clv_parameters"].items()))
            print(f"check (CLV) {tool}: predicted 12-month CLV total {result['predicted_clv_total']:,.2f}; "
                  f"{parameters}")
    if arguments.json_out:
        with open(arguments.json_out, "w") as file:
            json.dump({"runs": runs, "versions": versions}, file, indent=2)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser("run")
    run_parser.add_argument("tool", choices=TOOLS)
    run_parser.add_argument("directory")
    run_parser.add_argument("as_of")
    compare_parser = commands.add_parser("compare")
    compare_parser.add_argument("--segpipe", required=True)
    compare_parser.add_argument("--checkpoint", required=True, help="run folder <checkpoint_dir>/<run_id>")
    compare_parser.add_argument("--repeats", type=int, default=3)
    compare_parser.add_argument("--json-out")
    arguments = parser.parse_args()
    if arguments.command == "run":
        print(json.dumps(run(arguments.tool, arguments.directory, arguments.as_of)))
    else:
        compare(arguments)


if __name__ == "__main__":
    main()
