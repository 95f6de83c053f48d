#!/usr/bin/env python3
"""Baseline of segpipe's demo pipeline in pandas or Polars, for the end-to-end benchmark (scripts/bench-e2e).

Does what pipelines/demo.yaml does with `dedupe: {rules: [email]}`, as far as the comparison needs it:

- extract: reads customers.csv, orders.csv and email_events.csv as text (pandas C engine / Polars), trims the
  fields, parses dates (yyyy-MM-dd, dd.MM.yyyy, yyyyMMdd, MM/dd/yyyy), timestamps and decimals (1234.56,
  1.234,56, 1,234.56) like segpipe's ValueParser and rejects rows with a missing required or unparseable field;
- clean: customers without id or with a repeated id rejected (first kept); emails trimmed, lower-cased and
  validated (invalid becomes null); orders of unknown customers, dated after as_of, with an unknown currency or
  status, or negative and completed rejected; repeated order ids kept once; amounts converted into EUR; events of
  unknown customers or types rejected;
- dedupe: customers with the same normalised email merged under the smallest id, orders remapped;
- features: recency_days, frequency, monetary_total from completed orders (plus tenure_days for the rules),
  recency imputed as the largest + 1 when a customer has no order, log1p and z-score (population deviation);
- segment: scikit-learn KMeans(n_clusters=5, n_init=4, random_state=42, algorithm="lloyd"), RFM quintile scores
  and the demo's business rules;
- load: binary COPY of customer_segments-shaped rows into PostgreSQL with psycopg.

Differences from segpipe (documented in docs/benchmarks.md): no checkpoints, no reject table written, no phone,
postal-code or name normalisation, only the features above (segpipe computes about 30, CLV included), one table
loaded instead of eight, segment labels are `Segment n`.

Usage: baseline_pipeline.py --engine pandas|polars --data-dir DIR --as-of 2026-11-20 --database-url URL
       [--schema bench_baseline] [--labels-out FILE.parquet] [--summary-file FILE.json]
"""

import argparse
import csv
import datetime as dt
import json
import sys
import time

import numpy as np

CURRENCY_RATES = {"EUR": 1.0, "CHF": 1.04, "GBP": 1.17}
STATUS_MAP = {
    **{s: "completed" for s in ["completed", "complete", "paid", "shipped", "delivered", "abgeschlossen",
                                "bezahlt", "versendet", "geliefert", ""]},
    **{s: "returned" for s in ["returned", "return", "retoure", "zurückgesendet"]},
    **{s: "cancelled" for s in ["cancelled", "canceled", "storniert", "abgebrochen"]},
}
EVENT_TYPES = ["sent", "open", "click", "unsubscribe", "bounce"]
# Approximates segpipe's Normalization.email: allowed local-part characters, no leading, trailing or double dot,
# letter/digit/hyphen domain labels, a top-level label of two or more letters.
EMAIL_PATTERN = (
    r"^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$"
)
TRIM = " \t\u00a0"
# Decimal shapes in the order segpipe's auto style resolves them.
PLAIN_DECIMAL = r"^[+-]?\d+([.,]\d+)?$"  # one separator: it is the decimal separator
POINT_GROUPS = r"^[+-]?\d{1,3}(\.\d{3})+(,\d+)?$"  # 1.234.567,89
COMMA_GROUPS = r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$"  # 1,234,567.89
DATE_FORMATS = ["%Y-%m-%d", "%d.%m.%Y", "%Y%m%d", "%m/%d/%Y"]
FEATURES = ["recency_days", "frequency", "monetary_total"]
# SHORT_ROWS: segpipe rejects rows with fewer fields than the header ("wrong field count"). Both readers fill a
# missing trailing field with an empty string, which they cannot tell from an empty value. For customers.csv
# (acquisition_channel is often empty) the baselines count the fields of every line outside quotes in a second,
# vectorised pass; for orders.csv and email_events.csv they drop rows whose last field (status, event_time) is
# empty, which in the generated files are exactly the short rows.


class Timer:
    """Wall-clock duration per stage."""

    def __init__(self):
        self.stages = {}

    def stage(self, name):
        timer = self

        class _Stage:
            def __enter__(self):
                self.start = time.perf_counter()

            def __exit__(self, *exc):
                timer.stages[name] = time.perf_counter() - self.start

        return _Stage()


# ---------------------------------------------------------------------------------------------------------------
# pandas


def run_pandas(args, timer):
    import pandas as pd

    as_of = np.datetime64(args.as_of, "D")

    def trimmed(series):
        return series.str.strip(TRIM)

    def dates(series):
        out = pd.Series(pd.NaT, index=series.index, dtype="datetime64[s]")
        for fmt in DATE_FORMATS:
            missing = out.isna() & (series != "")
            if not missing.any():
                break
            out[missing] = pd.to_datetime(series[missing], format=fmt, errors="coerce")
        return out

    def timestamps(series):
        out = pd.to_datetime(series, format="ISO8601", errors="coerce", utc=True)
        missing = out.isna() & (series != "")
        if missing.any():
            out[missing] = pd.to_datetime(series[missing], format="%d.%m.%Y %H:%M", errors="coerce", utc=True)
        return out

    def decimals(series):
        text = series.str.replace(",", ".", regex=False)
        point_groups = series.str.match(POINT_GROUPS) & ~series.str.match(PLAIN_DECIMAL)
        comma_groups = series.str.match(COMMA_GROUPS) & ~series.str.match(PLAIN_DECIMAL)
        text = text.where(~point_groups, series.str.replace(".", "", regex=False).str.replace(",", ".", regex=False))
        text = text.where(~comma_groups, series.str.replace(",", "", regex=False))
        valid = series.str.match(PLAIN_DECIMAL) | point_groups | comma_groups
        return pd.to_numeric(text.where(valid), errors="coerce")

    def read(name, columns):
        """Text columns, trimmed; short rows dropped (see SHORT_ROWS)."""
        path = f"{args.data_dir}/{name}"
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, engine="c", usecols=columns)
        if name == "customers.csv":
            lines = pd.read_csv(path, header=None, sep="\x01", quoting=csv.QUOTE_NONE, dtype=str,
                                keep_default_na=False, engine="c")[0]
            fields = lines.str.replace(r'"[^"]*"', "", regex=True).str.count(",") + 1
            assert len(fields) == len(frame) + 1, "a quoted field spans lines"
            short = pd.Series(fields.to_numpy()[1:] != fields.iloc[0], index=frame.index)
        else:
            short = frame[columns[-1]] == ""
        stats[f"{name}_short_rows"] = int(short.sum())
        frame = frame[~short]
        for column in columns:
            frame[column] = trimmed(frame[column])
        return frame

    stats = {}
    with timer.stage("extract"):
        customers = read("customers.csv", ["customer_id", "email", "birth_date", "signup_date",
                                               "acquisition_channel"])
        birth = dates(customers["birth_date"])
        signup = dates(customers["signup_date"])
        ok = (customers["customer_id"] != "") \
            & ~(birth.isna() & (customers["birth_date"] != "")) & ~(signup.isna() & (customers["signup_date"] != ""))
        customers = customers.assign(signup_date=signup)[ok].drop(columns=["birth_date"])
        stats["customers_extract_rejected"] = int((~ok).sum())

        orders = read("orders.csv", ["order_id", "customer_id", "order_date", "amount", "currency", "quantity",
                                     "status"])
        order_date = dates(orders["order_date"])
        amount = decimals(orders["amount"])
        quantity = pd.to_numeric(orders["quantity"].where(orders["quantity"].str.fullmatch(r"[+-]?\d+")),
                                 errors="coerce")
        ok = (orders["order_id"] != "") & (orders["customer_id"] != "") & order_date.notna() & amount.notna() \
            & ~(quantity.isna() & (orders["quantity"] != ""))
        orders = orders.assign(order_date=order_date, amount=amount)[ok].drop(columns=["quantity"])
        stats["orders_extract_rejected"] = int((~ok).sum())

        events = read("email_events.csv", ["customer_id", "event_type", "event_time"])
        event_time = timestamps(events["event_time"])
        ok = (events["customer_id"] != "") & (events["event_type"] != "") & event_time.notna()
        events = events[ok]
        stats["events_extract_rejected"] = int((~ok).sum())

    with timer.stage("clean"):
        customers = customers[~customers["customer_id"].duplicated(keep="first")]
        email = customers["email"].str.lower()
        customers = customers.assign(email=email.where(email.str.match(EMAIL_PATTERN) & (email.str.len() <= 254)
                                                       & (email.str.split("@").str[0].str.len() <= 64)))
        known = customers["customer_id"]
        currency = orders["currency"].str.upper().replace("", "EUR")
        status = orders["status"].str.lower().map(STATUS_MAP)
        ok = orders["customer_id"].isin(known) & (orders["order_date"] <= as_of) & currency.isin(CURRENCY_RATES) \
            & status.notna() & ~((status == "completed") & (orders["amount"] < 0))
        orders = orders.assign(status=status, amount=orders["amount"] * currency.map(CURRENCY_RATES))[ok]
        orders = orders[~orders["order_id"].duplicated(keep="first")]
        ok = events["customer_id"].isin(known) & events["event_type"].str.lower().isin(EVENT_TYPES)
        events = events[ok]

    with timer.stage("dedupe"):
        merged = customers.groupby("email", sort=False)["customer_id"].transform("min")
        customers = customers.assign(merged_id=merged.fillna(customers["customer_id"]))
        id_map = customers.set_index("customer_id")["merged_id"]
        orders = orders.assign(customer_id=orders["customer_id"].map(id_map))
        events = events.assign(customer_id=events["customer_id"].map(id_map))
        # Survivor: the record whose id is the merged id (signup: the earliest of the group, as segpipe's default).
        signup = customers.groupby("merged_id", sort=False)["signup_date"].min()
        deduped = pd.DataFrame({"customer_id": signup.index, "signup_date": signup.to_numpy()})

    with timer.stage("features"):
        completed = orders[orders["status"] == "completed"]
        grouped = completed.groupby("customer_id", sort=False).agg(
            frequency=("amount", "size"), monetary_total=("amount", "sum"), first=("order_date", "min"),
            last=("order_date", "max"))
        features = deduped.join(grouped, on="customer_id")
        features["frequency"] = features["frequency"].fillna(0).astype("int64")
        features["monetary_total"] = features["monetary_total"].fillna(0.0)
        features["recency_days"] = (as_of - features["last"].to_numpy().astype("datetime64[D]")).astype("float64")
        start = features["signup_date"].fillna(features["first"])
        features["tenure_days"] = (as_of - start.to_numpy().astype("datetime64[D]")).astype("float64")
        matrix = scaled_matrix(features[FEATURES].to_numpy(dtype="float64"))

    with timer.stage("segment"):
        labels, distance = kmeans(matrix)
        segments = segment_rows(features["customer_id"].to_numpy(), labels, distance,
                                features["recency_days"].to_numpy(), features["frequency"].to_numpy(),
                                features["monetary_total"].to_numpy(), features["tenure_days"].to_numpy())

    with timer.stage("load"):
        copy_rows(args, segments)

    return finish(args, stats, features["customer_id"].to_numpy(), features["frequency"].to_numpy(),
                  features["monetary_total"].to_numpy(), labels)


# ---------------------------------------------------------------------------------------------------------------
# Polars


def run_polars(args, timer):
    import polars as pl

    as_of = dt.date.fromisoformat(args.as_of)

    def trimmed(name):
        return pl.col(name).str.strip_chars(TRIM)

    def fallback(series, parsers):
        """The first parser on every value, each next one only on the values still unparsed (as in pandas): the
        formats are tried in segpipe's order, without parsing every value in every format."""
        out = parsers[0](series)
        for parse in parsers[1:]:
            rows = (out.is_null() & (series != "")).arg_true()
            if len(rows) == 0:
                break
            out = out.scatter(rows, parse(series.gather(rows)))
        return out

    def dates(series):
        # Dates repeat a lot: Polars' cache of parsed strings pays off.
        return fallback(series, [lambda s, f=f: s.str.to_date(f, strict=False) for f in DATE_FORMATS])

    def timestamps(series):
        # Timestamps hardly repeat: parsing without the cache is about twice as fast.
        return fallback(series, [
            lambda s, f=f: s.str.to_datetime(f, strict=False, time_zone="UTC", cache=False)
            for f in ["%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%d %H:%M:%S", "%d.%m.%Y %H:%M"]])

    def decimals(series):
        def plain_point(s):  # 1234.56: a plain cast, but only of values of that exact shape (no 1e5, inf, ...)
            return pl.when(s.str.contains(r"^[+-]?\d+(\.\d+)?$")).then(s).otherwise(None).cast(
                pl.Float64, strict=False)

        def other_shapes(s):
            return pl.select(
                pl.when(s.str.contains(PLAIN_DECIMAL)).then(s.str.replace(",", ".", literal=True))
                .when(s.str.contains(POINT_GROUPS))
                .then(s.str.replace_all(".", "", literal=True).str.replace(",", ".", literal=True))
                .when(s.str.contains(COMMA_GROUPS)).then(s.str.replace_all(",", "", literal=True))
                .otherwise(None)
                .cast(pl.Float64, strict=False)).to_series()

        return fallback(series, [lambda s: pl.select(plain_point(s)).to_series(), other_shapes])

    def read(name, columns):
        """Text columns, trimmed; short rows dropped (see SHORT_ROWS)."""
        path = f"{args.data_dir}/{name}"
        frame = pl.read_csv(path, infer_schema=False, columns=columns, empty_string_is_null=False)
        if name == "customers.csv":
            lines = pl.read_csv(path, has_header=False, separator="\x01", quote_char=None, infer_schema=False,
                                new_columns=["line"])["line"]
            fields = lines.str.replace_all(r'"[^"]*"', "").str.count_matches(",") + 1
            assert len(fields) == frame.height + 1, "a quoted field spans lines"
            short = fields.slice(1) != fields[0]
        else:
            short = frame[columns[-1]] == ""
        stats[f"{name}_short_rows"] = int(short.sum())
        return frame.filter(~short).with_columns([trimmed(c).fill_null("") for c in columns])

    stats = {}
    with timer.stage("extract"):
        customers = read("customers.csv", ["customer_id", "email", "birth_date", "signup_date",
                                               "acquisition_channel"])
        customers = customers.with_columns(
            birth=dates(customers["birth_date"]), signup=dates(customers["signup_date"]))
        ok = (pl.col("customer_id") != "") & ~(pl.col("birth").is_null() & (pl.col("birth_date") != "")) \
            & ~(pl.col("signup").is_null() & (pl.col("signup_date") != ""))
        stats["customers_extract_rejected"] = customers.height
        customers = customers.filter(ok).select("customer_id", "email", pl.col("signup").alias("signup_date"))
        stats["customers_extract_rejected"] -= customers.height

        orders = read("orders.csv", ["order_id", "customer_id", "order_date", "amount", "currency", "quantity",
                                     "status"])
        orders = orders.with_columns(date=dates(orders["order_date"]), value=decimals(orders["amount"]),
                                     qty=pl.col("quantity").cast(pl.Int64, strict=False))
        ok = (pl.col("order_id") != "") & (pl.col("customer_id") != "") & pl.col("date").is_not_null() \
            & pl.col("value").is_not_null() & ~(pl.col("qty").is_null() & (pl.col("quantity") != ""))
        stats["orders_extract_rejected"] = orders.height
        orders = orders.filter(ok).select("order_id", "customer_id", pl.col("date").alias("order_date"),
                                          pl.col("value").alias("amount"), "currency", "status")
        stats["orders_extract_rejected"] -= orders.height

        events = read("email_events.csv", ["customer_id", "event_type", "event_time"])
        events = events.with_columns(time=timestamps(events["event_time"]))
        stats["events_extract_rejected"] = events.height
        events = events.filter((pl.col("customer_id") != "") & (pl.col("event_type") != "")
                               & pl.col("time").is_not_null())
        stats["events_extract_rejected"] -= events.height

    with timer.stage("clean"):
        customers = customers.filter(pl.col("customer_id").is_first_distinct())
        email = pl.col("email").str.to_lowercase()
        customers = customers.with_columns(
            email=pl.when(email.str.contains(EMAIL_PATTERN) & (email.str.len_bytes() <= 254)
                          & (email.str.split("@").list.first().str.len_bytes() <= 64)).then(email).otherwise(None))
        known = customers.select("customer_id")
        rates = pl.DataFrame({"currency": list(CURRENCY_RATES), "rate": list(CURRENCY_RATES.values())})
        statuses = pl.DataFrame({"status": list(STATUS_MAP), "canonical": list(STATUS_MAP.values())})
        orders = (
            orders.with_columns(currency=pl.col("currency").str.to_uppercase().replace("", "EUR"),
                                status=pl.col("status").str.to_lowercase())
            .join(known, on="customer_id", how="semi")
            .join(rates, on="currency", how="inner", maintain_order="left")
            .join(statuses, on="status", how="inner", maintain_order="left")
            .filter((pl.col("order_date") <= as_of) & ~((pl.col("canonical") == "completed")
                                                       & (pl.col("amount") < 0)))
            .filter(pl.col("order_id").is_first_distinct())
            .select("customer_id", "order_date", (pl.col("amount") * pl.col("rate")).alias("amount"),
                    pl.col("canonical").alias("status"))
        )
        events = events.join(known, on="customer_id", how="semi").filter(
            pl.col("event_type").str.to_lowercase().is_in(EVENT_TYPES))

    with timer.stage("dedupe"):
        customers = customers.with_columns(
            merged_id=pl.when(pl.col("email").is_null()).then(pl.col("customer_id"))
            .otherwise(pl.col("customer_id").min().over("email")))
        id_map = customers.select("customer_id", "merged_id")
        orders = orders.join(id_map, on="customer_id", how="left").drop("customer_id").rename(
            {"merged_id": "customer_id"})
        events = events.join(id_map, on="customer_id", how="left").drop("customer_id").rename(
            {"merged_id": "customer_id"})
        deduped = customers.group_by("merged_id", maintain_order=True).agg(pl.col("signup_date").min()).rename(
            {"merged_id": "customer_id"})

    with timer.stage("features"):
        grouped = orders.filter(pl.col("status") == "completed").group_by("customer_id").agg(
            frequency=pl.len(), monetary_total=pl.col("amount").sum(), first=pl.col("order_date").min(),
            last=pl.col("order_date").max())
        features = deduped.join(grouped, on="customer_id", how="left", maintain_order="left").with_columns(
            frequency=pl.col("frequency").fill_null(0).cast(pl.Int64),
            monetary_total=pl.col("monetary_total").fill_null(0.0),
            recency_days=(pl.lit(as_of) - pl.col("last")).dt.total_days().cast(pl.Float64),
            tenure_days=(pl.lit(as_of) - pl.coalesce("signup_date", "first")).dt.total_days().cast(pl.Float64))
        matrix = scaled_matrix(features.select(FEATURES).to_numpy().astype("float64"))

    with timer.stage("segment"):
        labels, distance = kmeans(matrix)
        segments = segment_rows(features["customer_id"].to_numpy(), labels, distance,
                                features["recency_days"].to_numpy(), features["frequency"].to_numpy(),
                                features["monetary_total"].to_numpy(), features["tenure_days"].to_numpy())

    with timer.stage("load"):
        copy_rows(args, segments)

    return finish(args, stats, features["customer_id"].to_numpy(), features["frequency"].to_numpy(),
                  features["monetary_total"].to_numpy(), labels)


# ---------------------------------------------------------------------------------------------------------------
# Shared numeric part (NumPy / scikit-learn) and load


def scaled_matrix(raw):
    """Recency imputed as the largest observed + 1, log1p of values clipped at 0, population z-score."""
    matrix = raw.copy()
    recency = matrix[:, 0]
    largest = np.nanmax(recency) if np.isfinite(recency).any() else 0.0
    recency[np.isnan(recency)] = largest + 1
    matrix = np.log1p(np.maximum(matrix, 0))
    mean = matrix.mean(axis=0)
    std = matrix.std(axis=0)
    return np.where(std > 0, (matrix - mean) / np.where(std > 0, std, 1), 0.0)


def kmeans(matrix):
    from sklearn.cluster import KMeans

    model = KMeans(n_clusters=5, n_init=4, random_state=42, algorithm="lloyd").fit(matrix)
    labels = model.labels_
    distance = np.sqrt(((matrix - model.cluster_centers_[labels]) ** 2).sum(axis=1))
    return labels, distance


def quintile(values, higher_is_better=True):
    """RFM score 1–5 from the rank (ties share the lower rank)."""
    order = values if higher_is_better else -values
    ranks = np.argsort(np.argsort(order, kind="stable"), kind="stable")
    return (ranks * 5 // max(len(values), 1) + 1).astype("int64")


def segment_rows(ids, labels, distance, recency, frequency, monetary, tenure):
    recency_filled = np.where(np.isnan(recency), np.inf, recency)
    r_score = quintile(recency_filled, higher_is_better=False)
    f_score = quintile(frequency.astype("float64"))
    m_score = quintile(monetary)
    rfm = r_score * 100 + f_score * 10 + m_score
    rfm_segment = np.where((r_score >= 4) & (f_score >= 4), "Champions",
                           np.where(r_score <= 2, "At Risk", "Others"))
    rule = np.select(
        [frequency == 0, (monetary >= 1000) & (frequency >= 5), recency_filled > 180, tenure < 90],
        ["Never Bought", "VIP", "Reactivate", "New"], default="Regular")
    return [ids, labels.astype("int64"), np.char.add("Segment ", labels.astype(str)), distance, rfm, r_score,
            f_score, m_score, rfm_segment, rule]


def copy_rows(args, columns):
    import psycopg

    schema = args.schema
    with psycopg.connect(args.database_url) as connection:
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
            cursor.execute(
                f"CREATE TABLE IF NOT EXISTS {schema}.customer_segments (run_id text NOT NULL, customer_id text "
                "NOT NULL, segment_id integer, segment_label text, distance double precision, rfm_score integer, "
                "r_score integer, f_score integer, m_score integer, rfm_segment text, rule_segment text, "
                "PRIMARY KEY (run_id, customer_id))")
            cursor.execute(f"DELETE FROM {schema}.customer_segments WHERE run_id = %s", (args.run_id,))
            rows = zip(*[column.tolist() for column in columns])
            with cursor.copy(
                f"COPY {schema}.customer_segments (run_id, customer_id, segment_id, segment_label, distance, "
                "rfm_score, r_score, f_score, m_score, rfm_segment, rule_segment) FROM STDIN (FORMAT BINARY)"
            ) as copy:
                copy.set_types(["text", "text", "int4", "text", "float8", "int4", "int4", "int4", "int4", "text",
                                "text"])
                run_id = args.run_id
                for row in rows:
                    copy.write_row((run_id, *row))
        connection.commit()


def finish(args, stats, ids, frequency, monetary, labels):
    result = {
        "engine": args.engine,
        "customers": int(len(ids)),
        "sum_frequency": int(frequency.sum()),
        "sum_monetary": float(np.sum(monetary, dtype="float64")),
        **stats,
    }
    if args.labels_out:
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.table({"customer_id": ids.astype(str), "segment_id": labels.astype("int64")}),
                       args.labels_out)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--engine", choices=["pandas", "polars"], required=True)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--as-of", required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--schema", default="bench_baseline")
    parser.add_argument("--run-id", default="baseline")
    parser.add_argument("--labels-out")
    parser.add_argument("--summary-file")
    args = parser.parse_args()

    timer = Timer()
    started = time.perf_counter()
    result = run_pandas(args, timer) if args.engine == "pandas" else run_polars(args, timer)
    result["stages"] = timer.stages
    result["total_seconds"] = time.perf_counter() - started
    text = json.dumps(result, indent=2)
    if args.summary_file:
        with open(args.summary_file, "w") as handle:
            handle.write(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
