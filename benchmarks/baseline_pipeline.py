#!/usr/bin/env python3
"""Baseline of segpipe's demo pipeline in pandas or Polars, for the end-to-end benchmark (scripts/bench-e2e).

Does what pipelines/demo.yaml does with `dedupe: {rules: [email]}`:

- extract: reads customers.csv, orders.csv and email_events.csv as text (pandas C engine / Polars), trims the
  fields, parses dates (yyyy-MM-dd, dd.MM.yyyy, yyyyMMdd, MM/dd/yyyy), timestamps and decimals (1234.56,
  1.234,56, 1,234.56) like segpipe's ValueParser and rejects rows with a missing required or unparseable field;
- clean: customers without id or with a repeated id rejected (first kept); emails trimmed, lower-cased and
  validated (invalid becomes null); countries as ISO codes (Normalization.country), postal codes in each
  country's standard form or null (PostalCodeNormalizer), city and channel with collapsed whitespace, implausible
  birth dates null; orders of unknown customers, dated after as_of, with an unknown currency or status, or
  negative and completed rejected; repeated order ids kept once; amounts converted into EUR; events of unknown
  customers or types rejected;
- dedupe: customers with the same normalised email merged under the smallest id, orders and events remapped,
  survivorship as segpipe's defaults (earliest signup; other fields from the most recent signup with a value), the
  id map with its rule (email, identity);
- features (`--features all`, the default): every column of segpipe's customer_features, by its definitions
  (FeatureCatalog), the CLV predictions with the lifetimes library's BetaGeoFitter and GammaGammaFitter (the
  models and formulas segpipe follows, docs/clv.md); recency imputed as the largest + 1 when a customer has no
  order, log1p and z-score (population deviation) of recency, frequency and monetary for the clustering;
- segment: scikit-learn KMeans(n_clusters=5, n_init=4, random_state=42, algorithm="lloyd"), RFM quintile scores
  and the demo's business rules;
- load: customer_features, customer_segments and customer_id_map, each created anew, filled by psycopg binary COPY
  and then keyed and indexed as segpipe's partitions of them.

`--features core` keeps the earlier, lighter baseline: recency, frequency, monetary and tenure only, and
customer_segments alone loaded.

Differences from segpipe (documented in docs/benchmarks.md): no checkpoints, no reject table with reasons, no
phone or name normalisation, none of the small per-run tables (segments, segment_profiles, k_selection,
segment_attribute_shares) or the views, segment labels are `Segment n`.

Usage: baseline_pipeline.py --engine pandas|polars --data-dir DIR --as-of 2026-11-20 --database-url URL
       [--schema bench_baseline] [--features all|core] [--labels-out FILE.parquet] [--features-out FILE.parquet]
       [--summary-file FILE.json]
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
# Normalization.country: ISO 3166-1 alpha-2 code per lower-cased name or code; other two-letter values upper-cased.
COUNTRY_CODES = {name: code for code, names in {
    "DE": ["de", "deu", "ger", "deutschland", "germany", "bundesrepublik deutschland", "brd", "allemagne"],
    "AT": ["at", "aut", "österreich", "oesterreich", "austria", "autriche"],
    "CH": ["ch", "che", "schweiz", "switzerland", "suisse", "svizzera"],
    "NL": ["nl", "nld", "niederlande", "netherlands", "nederland", "holland", "pays-bas"],
    "FR": ["fr", "fra", "frankreich", "france"],
    "BE": ["be", "bel", "belgien", "belgium", "belgique", "belgië"],
    "LU": ["lu", "lux", "luxemburg", "luxembourg"],
    "IT": ["it", "ita", "italien", "italy", "italia"],
    "ES": ["es", "esp", "spanien", "spain", "españa"],
    "PL": ["pl", "pol", "polen", "poland", "polska"],
    "DK": ["dk", "dnk", "dänemark", "denmark", "danmark"],
    "CZ": ["cz", "cze", "tschechien", "czechia", "czech republic", "česko"],
    "GB": ["gb", "gbr", "uk", "großbritannien", "united kingdom", "great britain", "vereinigtes königreich"],
    "US": ["us", "usa", "vereinigte staaten", "united states", "united states of america"],
}.items() for name in names}
# PostalCodeNormalizer: after collapsing whitespace, upper-casing and dropping a country prefix such as "D-", the
# valid shapes per country (a pattern on the text as written, or on the text without spaces and hyphens) and the
# standard form; codes that do not fit are null, countries not listed keep the collapsed text.
POSTAL_PREFIX = r"^(D|A|CH|NL|F|B|L|I|E|PL|DK|CZ)-\s*"
POSTAL_RULES = {  # country: (pattern of the code as written, replacement giving the standard form)
    **{c: (r"^(\d{5})$", "$1") for c in ["DE", "FR", "IT"]},
    "ES": (r"^((0[1-9]|[1-4]\d|5[0-2])\d{3})$", "$1"),
    **{c: (r"^([1-9]\d{3})$", "$1") for c in ["AT", "CH", "BE", "LU", "DK"]},
    "NL": (r"^([1-9]\d{3}) ?((?:[A-RT-Z][A-Z])|(?:S[B-CE-RT-Z]))$", "$1 $2"),
    "PL": (r"^(\d{2})-?(\d{3})$", "$1-$2"),
    "CZ": (r"^(\d{3}) ?(\d{2})$", "$1 $2"),
}
AGE_BANDS = [(18, "under 18"), (25, "18-24"), (35, "25-34"), (45, "35-44"), (55, "45-54"), (65, "55-64")]
# The columns of segpipe's customer_features (its checkpoint and table), in its order.
FEATURE_COLUMNS = [
    "customer_id", "recency_days", "frequency", "monetary_total", "avg_order_value", "tenure_days", "return_rate",
    "email_open_rate", "email_click_rate", "unsubscribed", "first_order_date", "last_order_date", "purchase_days",
    "mean_days_between_purchases", "category_count", "top_category", "days_since_last_open", "age", "age_band",
    "postal_area", "clv_historical_12m", "predicted_clv_12m", "expected_purchases_12m", "probability_alive",
    "country", "city", "postal_code", "acquisition_channel",
]
# SHORT_ROWS: segpipe rejects rows with fewer fields than the header ("wrong field count"). pandas' C reader and
# Polars fill a missing trailing field with an empty string, which they cannot tell from an empty value. For
# customers.csv (acquisition_channel is often empty) the baselines count the fields of every line outside quotes in
# a second, vectorised pass. For orders.csv and email_events.csv Polars drops rows whose last field (status,
# event_time) is empty, which in the generated files are exactly the short rows; pandas reads them with its pyarrow
# engine, which skips rows of the wrong field count (`on_bad_lines="skip"`), and counts them as the lines of the
# file (no field spans lines there) minus the rows read.


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
    everything = args.features == "all"

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
        """1234.56 by a plain conversion of the values of that exact shape (no 1e5, inf, ...), the other shapes by
        the separator rules on the values left."""
        plain = series.str.fullmatch(r"[+-]?\d+(\.\d+)?")
        out = pd.to_numeric(series.where(plain), errors="coerce")
        rest = ~plain & (series != "")
        if rest.any():
            out[rest] = separated_decimals(series[rest])
        return out

    def separated_decimals(series):
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
        if name != "customers.csv":
            # The pyarrow engine reads on both cores: 2.7–3.9 s against 15–18 s for orders.csv at 1M. The skipped
            # rows are counted in a pass over the file's bytes (0.7 s): pyarrow's own reader with a row handler that
            # counts them took 6.4 s.
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, engine="pyarrow", usecols=columns,
                                on_bad_lines="skip")
            with open(path, "rb") as handle:
                lines = sum(block.count(b"\n") for block in iter(lambda: handle.read(1 << 24), b""))
            stats[f"{name}_short_rows"] = lines - 1 - len(frame)
            for column in columns:
                frame[column] = trimmed(frame[column])
            return frame
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, engine="c", usecols=columns)
        lines = pd.read_csv(path, header=None, sep="\x01", quoting=csv.QUOTE_NONE, dtype=str,
                            keep_default_na=False, engine="c")[0]
        fields = lines.str.replace(r'"[^"]*"', "", regex=True).str.count(",") + 1
        assert len(fields) == len(frame) + 1, "a quoted field spans lines"
        short = pd.Series(fields.to_numpy()[1:] != fields.iloc[0], index=frame.index)
        stats[f"{name}_short_rows"] = int(short.sum())
        frame = frame[~short]
        for column in columns:
            frame[column] = trimmed(frame[column])
        return frame

    def collapsed(series):
        """Whitespace runs as one space, trimmed; empty → null (TextNormalizer.collapsed)."""
        text = series.str.replace(r"\s+", " ", regex=True).str.strip(" ")
        return text.where(text != "")

    def postal_codes(raw, country):
        """PostalCodeNormalizer.normalized of each code in its customer's (normalised) country."""
        text = collapsed(raw).str.upper().str.replace(POSTAL_PREFIX, "", regex=True)
        text = text.where(text != "")
        out = text.where(~country.isin(list(POSTAL_RULES)) & country.notna())
        for code, (pattern, standard) in POSTAL_RULES.items():
            rows = (country == code) & text.notna()
            if rows.any():
                values = text[rows]
                out[rows] = values.str.replace(pattern, standard.replace("$", "\\"), regex=True).where(
                    values.str.match(pattern))
        return out

    stats = {}
    with timer.stage("extract"):
        customers = read("customers.csv", ["customer_id", "email", "birth_date", "city", "postal_code", "country",
                                           "signup_date", "acquisition_channel"] if everything else [
            "customer_id", "email", "birth_date", "signup_date", "acquisition_channel"])
        birth = dates(customers["birth_date"])
        signup = dates(customers["signup_date"])
        ok = (customers["customer_id"] != "") \
            & ~(birth.isna() & (customers["birth_date"] != "")) & ~(signup.isna() & (customers["signup_date"] != ""))
        customers = customers.assign(signup_date=signup, birth_date=birth)[ok]
        stats["customers_extract_rejected"] = int((~ok).sum())

        orders = read("orders.csv", ["order_id", "customer_id", "order_date", "amount", "currency"]
                      + (["category"] if everything else []) + ["quantity", "status"])
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
        events = events.assign(event_time=event_time)[ok]
        stats["events_extract_rejected"] = int((~ok).sum())

    with timer.stage("clean"):
        customers = customers[~customers["customer_id"].duplicated(keep="first")]
        email = customers["email"].str.lower()
        customers = customers.assign(email=email.where(email.str.match(EMAIL_PATTERN) & (email.str.len() <= 254)
                                                       & (email.str.split("@").str[0].str.len() <= 64)))
        if everything:
            # Each distinct value (country, city, channel) or pair (country, postal code) normalised once and
            # looked up for every row: 31,228 pairs at 1M.
            def country_codes(raw):
                country = collapsed(raw)
                code = country.str.lower().map(COUNTRY_CODES)
                return code.where(code.notna(), country.where(country.str.len() != 2, country.str.upper()))

            country = distinct_mapped_pandas(customers["country"], country_codes)
            pairs = pd.DataFrame({"country": country, "postal_code": customers["postal_code"]}).drop_duplicates()
            pairs["normalised"] = postal_codes(pairs["postal_code"], pairs["country"])
            postal = pd.MultiIndex.from_arrays([country, customers["postal_code"]]).map(
                pairs.set_index(["country", "postal_code"])["normalised"])
            birth = customers["birth_date"]
            plausible = (birth <= as_of) & (years_between(birth, as_of) <= 120)
            customers = customers.assign(
                country=country, city=distinct_mapped_pandas(customers["city"], collapsed),
                acquisition_channel=distinct_mapped_pandas(customers["acquisition_channel"], collapsed),
                postal_code=np.asarray(postal, dtype=object), birth_date=birth.where(plausible))
        known = customers["customer_id"]
        currency = orders["currency"].str.upper().replace("", "EUR")
        status = orders["status"].str.lower().map(STATUS_MAP)
        ok = orders["customer_id"].isin(known) & (orders["order_date"] <= as_of) & currency.isin(CURRENCY_RATES) \
            & status.notna() & ~((status == "completed") & (orders["amount"] < 0))
        orders = orders.assign(status=status, amount=orders["amount"] * currency.map(CURRENCY_RATES))[ok]
        orders = orders[~orders["order_id"].duplicated(keep="first")]
        if everything:
            orders = orders.assign(category=orders["category"].where(orders["category"] != ""))
        event_type = events["event_type"].str.lower()
        ok = events["customer_id"].isin(known) & event_type.isin(EVENT_TYPES)
        events = events.assign(event_type=event_type)[ok]

    with timer.stage("dedupe"):
        merged = customers.groupby("email", sort=False)["customer_id"].transform("min")
        customers = customers.assign(merged_id=merged.fillna(customers["customer_id"]))
        mapping = customers.set_index("customer_id")["merged_id"]
        orders = orders.assign(customer_id=orders["customer_id"].map(mapping))
        events = events.assign(customer_id=events["customer_id"].map(mapping))
        # Survivorship as segpipe's defaults: the earliest signup; every other field from the record with the most
        # recent signup that has a value (records without a signup last, ties in file order). The merged customers
        # in the order of their first record.
        by_signup = customers.sort_values("signup_date", ascending=False, na_position="last", kind="stable")
        attributes = ["birth_date", "country", "city", "postal_code", "acquisition_channel"] if everything else []
        groups = by_signup.groupby("merged_id", sort=False)
        deduped = pd.concat([groups["signup_date"].min()] + [groups[c].first() for c in attributes], axis=1)
        deduped = deduped.loc[customers["merged_id"].drop_duplicates()].rename_axis("customer_id").reset_index()
        group_size = customers.groupby("merged_id", sort=False)["customer_id"].transform("size")
        id_map = pd.DataFrame({"source_customer_id": customers["customer_id"], "customer_id": customers["merged_id"],
                               "rule": np.where(group_size > 1, "email", "identity"), "score": 1.0})

    with timer.stage("features"):
        if everything:
            features = pandas_features(pd, deduped, orders, events, as_of)
        else:
            completed = orders[orders["status"] == "completed"]
            grouped = completed.groupby("customer_id", sort=False).agg(
                frequency=("amount", "size"), monetary_total=("amount", "sum"), first=("order_date", "min"),
                last=("order_date", "max"))
            features = deduped.join(grouped, on="customer_id")
            features["frequency"] = features["frequency"].fillna(0).astype("int64")
            features["monetary_total"] = features["monetary_total"].fillna(0.0)
            # Through pandas' NaT, so customers without orders get NaN (a NumPy cast of NaT would give -2^63).
            features["recency_days"] = (pd.Timestamp(as_of) - features["last"]).dt.days.astype("float64")
            start = features["signup_date"].fillna(features["first"])
            features["tenure_days"] = (pd.Timestamp(as_of) - start).dt.days.astype("float64")
            features = features.drop(columns=["signup_date", "first", "last"])
        matrix = scaled_matrix(features[FEATURES].to_numpy(dtype="float64", na_value=np.nan))

    with timer.stage("segment"):
        labels, distance = kmeans(matrix)
        segments = segment_rows(features["customer_id"].to_numpy(), labels, distance,
                                features["recency_days"].to_numpy(dtype="float64", na_value=np.nan),
                                features["frequency"].to_numpy(), features["monetary_total"].to_numpy(),
                                features["tenure_days"].to_numpy(dtype="float64", na_value=np.nan))

    with timer.stage("load"):
        tables = {"customer_segments": [column.tolist() for column in segments]}
        if everything:
            tables["customer_features"] = [python_values(features[c]) for c in FEATURE_COLUMNS]
            tables["customer_id_map"] = [python_values(id_map[c]) for c in id_map.columns]
        copy_tables(args, tables)

    return finish(args, stats, features, labels)


def distinct_mapped_pandas(series, normalise):
    """`normalise` (Series → Series) applied to the distinct values of `series` only, then looked up per row."""
    import pandas as pd

    values = pd.Series(series.unique())
    return series.map(pd.Series(normalise(values).to_numpy(), index=values.to_numpy()))


def years_between(birth, as_of):
    """Completed years from each date of `birth` (a pandas datetime Series) to as_of (BirthDatePlausibility.age)."""
    day = as_of.astype(object)
    return day.year - birth.dt.year - ((day.month * 100 + day.day) < (birth.dt.month * 100 + birth.dt.day))


def python_values(series):
    """A pandas column as Python values with None for missing (dates as datetime.date), for psycopg's COPY."""
    if series.dtype.kind == "M":
        return [None if value is None else value.date() for value in
                series.astype(object).where(series.notna(), None).tolist()]
    return series.astype(object).where(series.notna(), None).tolist()


def pandas_features(pd, customers, orders, events, as_of):
    """Every column of segpipe's customer_features (FeatureCatalog), CLV with lifetimes."""
    day = pd.Timestamp(as_of)
    completed = orders[orders["status"] == "completed"]
    per_customer = completed.groupby("customer_id", sort=False).agg(
        frequency=("amount", "size"), monetary_total=("amount", "sum"), first_order_date=("order_date", "min"),
        last_order_date=("order_date", "max"))
    returned_orders = orders.loc[orders["status"] == "returned", "customer_id"].value_counts().rename("returned")
    recent = completed.loc[completed["order_date"] > day - pd.Timedelta(days=365)].groupby(
        "customer_id", sort=False)["amount"].sum().rename("clv_historical_12m")
    categorised = completed.dropna(subset=["category"])
    category_orders = categorised.groupby(["customer_id", "category"], sort=False).size().rename("n").reset_index()
    top = category_orders.sort_values(["customer_id", "n", "category"], ascending=[True, False, True]) \
        .drop_duplicates("customer_id").set_index("customer_id")["category"].rename("top_category")
    category_count = category_orders.groupby("customer_id", sort=False).size().rename("category_count")
    # Days with a completed order and their amounts: purchase days and the CLV summary (lifetimes' daily periods).
    daily = completed.groupby(["customer_id", "order_date"], sort=False)["amount"].sum().reset_index()
    summary = daily.groupby("customer_id", sort=False).agg(
        purchase_days=("amount", "size"), first_day=("order_date", "min"), last_day=("order_date", "max"),
        total=("amount", "sum"))
    first_rows = daily.groupby("customer_id", sort=False)["order_date"].idxmin()
    summary["first_amount"] = pd.Series(daily.loc[first_rows, "amount"].to_numpy(), index=first_rows.index)
    counts = events.groupby(["customer_id", "event_type"], sort=False).size().unstack(fill_value=0)
    for kind in ["sent", "open", "click", "unsubscribe"]:
        if kind not in counts:
            counts[kind] = 0
    last_open = events.loc[events["event_type"] == "open"].groupby("customer_id", sort=False)["event_time"].max()
    frame = customers.set_index("customer_id").join(
        [per_customer, returned_orders, recent, top, category_count, summary,
         counts[["sent", "open", "click", "unsubscribe"]], last_open.rename("last_open")])

    def days(later, earlier):
        return (later - earlier).dt.days.astype("Int64")

    frequency = frame["frequency"].fillna(0).astype("int64")
    monetary = frame["monetary_total"].fillna(0.0)
    returned = frame["returned"].fillna(0)
    sent = frame["sent"].where(frame["sent"] > 0)
    purchase_days = frame["purchase_days"].fillna(0).astype("int64")
    birth = frame["birth_date"]
    age = years_between(birth, as_of).where(birth <= day).astype("Int64")
    band = np.select([age.isna().to_numpy()] + [(age < upper).fillna(False).to_numpy() for upper, _ in AGE_BANDS],
                     [None] + [name for _, name in AGE_BANDS], default="65+")
    postal = frame["postal_code"]
    x = (frame["purchase_days"] - 1).astype("float64")
    repeat_amount = ((frame["total"] - frame["first_amount"]) / x).where(x > 0, 0.0)
    predicted = lifetime_value(x.to_numpy(na_value=np.nan), days(frame["last_day"], frame["first_day"]).to_numpy(
        dtype="float64", na_value=np.nan), days(day, frame["first_day"]).to_numpy(dtype="float64", na_value=np.nan),
        repeat_amount.to_numpy(dtype="float64", na_value=np.nan))
    out = pd.DataFrame({
        "customer_id": frame.index.to_numpy(),
        "recency_days": days(day, frame["last_order_date"]).to_numpy(),
        "frequency": frequency.to_numpy(),
        "monetary_total": monetary.to_numpy(),
        "avg_order_value": (monetary / frequency.where(frequency > 0)).to_numpy(),
        "tenure_days": days(day, frame["signup_date"].fillna(frame["first_order_date"])).clip(lower=0).to_numpy(),
        "return_rate": (returned / (frequency + returned).where(frequency + returned > 0)).to_numpy(),
        "email_open_rate": (frame["open"] / sent).to_numpy(),
        "email_click_rate": (frame["click"] / sent).to_numpy(),
        "unsubscribed": (frame["unsubscribe"].fillna(0) > 0).to_numpy(),
        "first_order_date": frame["first_order_date"].to_numpy(),
        "last_order_date": frame["last_order_date"].to_numpy(),
        "purchase_days": purchase_days.to_numpy(),
        "mean_days_between_purchases": (days(frame["last_day"], frame["first_day"]) / (purchase_days - 1)).where(
            purchase_days >= 2).astype("float64").to_numpy(na_value=np.nan),
        "category_count": frame["category_count"].fillna(0).astype("int64").to_numpy(),
        "top_category": frame["top_category"].to_numpy(),
        "days_since_last_open": days(day, frame["last_open"].dt.tz_localize(None).dt.floor("D")).clip(
            lower=0).to_numpy(),
        "age": age.to_numpy(),
        "age_band": band,
        "postal_area": postal.str[:2].where(postal.str.len() >= 2).to_numpy(),
        "clv_historical_12m": frame["clv_historical_12m"].fillna(0.0).to_numpy(),
        **predicted,
        "country": frame["country"].to_numpy(),
        "city": frame["city"].to_numpy(),
        "postal_code": postal.to_numpy(),
        "acquisition_channel": frame["acquisition_channel"].to_numpy(),
    })
    for name in ["recency_days", "tenure_days", "days_since_last_open", "age"]:
        out[name] = out[name].astype("Int64")
    return out


# ---------------------------------------------------------------------------------------------------------------
# Polars


def run_polars(args, timer):
    import polars as pl

    as_of = dt.date.fromisoformat(args.as_of)
    everything = args.features == "all"

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

    def collapsed(name):
        """Whitespace runs as one space, trimmed; empty → null (TextNormalizer.collapsed)."""
        text = pl.col(name).str.replace_all(r"\s+", " ").str.strip_chars(" ")
        return pl.when(text != "").then(text).otherwise(None)

    def postal_code():
        """PostalCodeNormalizer.normalized of postal_code in the customer's (normalised) country."""
        text = pl.col("postal_code").str.replace_all(r"\s+", " ").str.strip_chars(" ").str.to_uppercase() \
            .str.replace(POSTAL_PREFIX, "")
        text = pl.when(text != "").then(text).otherwise(None)
        rule = pl.when(pl.col("country").is_null()).then(None)
        for country, (pattern, standard) in POSTAL_RULES.items():
            rule = rule.when(pl.col("country") == country).then(
                pl.when(text.str.contains(pattern)).then(text.str.replace(pattern, standard)).otherwise(None))
        return rule.otherwise(text)

    stats = {}
    customer_columns = ["customer_id", "email", "birth_date", "city", "postal_code", "country", "signup_date",
                        "acquisition_channel"]
    with timer.stage("extract"):
        customers = read("customers.csv", customer_columns if everything else [
            "customer_id", "email", "birth_date", "signup_date", "acquisition_channel"])
        customers = customers.with_columns(
            birth=dates(customers["birth_date"]), signup=dates(customers["signup_date"]))
        ok = (pl.col("customer_id") != "") & ~(pl.col("birth").is_null() & (pl.col("birth_date") != "")) \
            & ~(pl.col("signup").is_null() & (pl.col("signup_date") != ""))
        stats["customers_extract_rejected"] = customers.height
        customers = customers.filter(ok).drop("birth_date", "signup_date").rename(
            {"birth": "birth_date", "signup": "signup_date"})
        stats["customers_extract_rejected"] -= customers.height

        orders = read("orders.csv", ["order_id", "customer_id", "order_date", "amount", "currency"]
                      + (["category"] if everything else []) + ["quantity", "status"])
        orders = orders.with_columns(date=dates(orders["order_date"]), value=decimals(orders["amount"]),
                                     qty=pl.col("quantity").cast(pl.Int64, strict=False))
        ok = (pl.col("order_id") != "") & (pl.col("customer_id") != "") & pl.col("date").is_not_null() \
            & pl.col("value").is_not_null() & ~(pl.col("qty").is_null() & (pl.col("quantity") != ""))
        stats["orders_extract_rejected"] = orders.height
        orders = orders.filter(ok).select("order_id", "customer_id", pl.col("date").alias("order_date"),
                                          pl.col("value").alias("amount"), "currency", "status",
                                          *(["category"] if everything else []))
        stats["orders_extract_rejected"] -= orders.height

        events = read("email_events.csv", ["customer_id", "event_type", "event_time"])
        events = events.with_columns(time=timestamps(events["event_time"]))
        stats["events_extract_rejected"] = events.height
        events = events.filter((pl.col("customer_id") != "") & (pl.col("event_type") != "")
                               & pl.col("time").is_not_null()).select("customer_id", "event_type", "time")
        stats["events_extract_rejected"] -= events.height

    with timer.stage("clean"):
        customers = customers.filter(pl.col("customer_id").is_first_distinct())
        email = pl.col("email").str.to_lowercase()
        customers = customers.with_columns(
            email=pl.when(email.str.contains(EMAIL_PATTERN) & (email.str.len_bytes() <= 254)
                          & (email.str.split("@").list.first().str.len_bytes() <= 64)).then(email).otherwise(None))
        if everything:
            # Each distinct value (country, city, channel) or pair (country, postal code) normalised once and
            # joined back: 31,228 pairs at 1M, so the per-country regular expressions run on 3 % of the rows.
            country = collapsed("country")
            lower = country.str.to_lowercase()
            country = pl.when(lower.is_in(list(COUNTRY_CODES))).then(lower.replace_strict(
                COUNTRY_CODES, default=None)).when(country.str.len_chars() == 2).then(country.str.to_uppercase()) \
                .otherwise(country)
            customers = customers.with_columns(
                country=distinct_mapped(pl, customers["country"], country),
                city=distinct_mapped(pl, customers["city"], collapsed("city")),
                acquisition_channel=distinct_mapped(pl, customers["acquisition_channel"],
                                                    collapsed("acquisition_channel")),
                # Implausible birth dates (after as_of, or more than 120 years before) become null.
                birth_date=pl.when((pl.col("birth_date") <= as_of) & (age_at(pl, pl.col("birth_date"), as_of) <= 120))
                .then(pl.col("birth_date")).otherwise(None),
            )
            pairs = customers.select("country", "postal_code").unique().with_columns(normalised=postal_code())
            customers = customers.join(pairs, on=["country", "postal_code"], how="left", nulls_equal=True,
                                       maintain_order="left").drop("postal_code").rename({"normalised": "postal_code"})
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
                    pl.col("canonical").alias("status"),
                    *([pl.when(pl.col("category") != "").then("category").alias("category")] if everything else []))
        )
        events = events.with_columns(event_type=pl.col("event_type").str.to_lowercase()).join(
            known, on="customer_id", how="semi").filter(pl.col("event_type").is_in(EVENT_TYPES))

    with timer.stage("dedupe"):
        customers = customers.with_columns(
            merged_id=pl.when(pl.col("email").is_null()).then(pl.col("customer_id"))
            .otherwise(pl.col("customer_id").min().over("email")))
        id_map = customers.select("customer_id", "merged_id")
        orders = orders.join(id_map, on="customer_id", how="left").drop("customer_id").rename(
            {"merged_id": "customer_id"})
        events = events.join(id_map, on="customer_id", how="left").drop("customer_id").rename(
            {"merged_id": "customer_id"})
        # Survivorship as segpipe's defaults: the earliest signup; every other field from the record with the most
        # recent signup that has a value (records without a signup last, ties in file order). The merged customers
        # in the order of their first record.
        attributes = ["birth_date", "country", "city", "postal_code", "acquisition_channel"] if everything else []
        deduped = customers.with_row_index("row") \
            .sort("signup_date", descending=True, nulls_last=True, maintain_order=True) \
            .group_by("merged_id") \
            .agg(pl.col("row").min(), pl.col("signup_date").min(),
                 *[pl.col(c).drop_nulls().first() for c in attributes]) \
            .sort("row").drop("row").rename({"merged_id": "customer_id"})
        group_size = pl.len().over("merged_id")
        id_map = customers.select(
            pl.col("customer_id").alias("source_customer_id"), pl.col("merged_id").alias("customer_id"),
            rule=pl.when(group_size > 1).then(pl.lit("email")).otherwise(pl.lit("identity")), score=pl.lit(1.0))

    with timer.stage("features"):
        if everything:
            features = polars_features(pl, deduped, orders, events, as_of)
        else:
            grouped = orders.filter(pl.col("status") == "completed").group_by("customer_id").agg(
                frequency=pl.len(), monetary_total=pl.col("amount").sum(), first=pl.col("order_date").min(),
                last=pl.col("order_date").max())
            features = deduped.join(grouped, on="customer_id", how="left", maintain_order="left").with_columns(
                frequency=pl.col("frequency").fill_null(0).cast(pl.Int64),
                monetary_total=pl.col("monetary_total").fill_null(0.0),
                recency_days=(pl.lit(as_of) - pl.col("last")).dt.total_days(),
                tenure_days=(pl.lit(as_of) - pl.coalesce("signup_date", "first")).dt.total_days())
        matrix = scaled_matrix(features.select(FEATURES).to_numpy().astype("float64"))

    with timer.stage("segment"):
        labels, distance = kmeans(matrix)
        segments = segment_rows(features["customer_id"].to_numpy(), labels, distance,
                                features["recency_days"].to_numpy().astype("float64"),
                                features["frequency"].to_numpy(), features["monetary_total"].to_numpy(),
                                features["tenure_days"].to_numpy().astype("float64"))

    with timer.stage("load"):
        tables = {"customer_segments": [column.tolist() for column in segments]}
        if everything:
            tables["customer_features"] = [features[c].to_list() for c in FEATURE_COLUMNS]
            tables["customer_id_map"] = [id_map[c].to_list() for c in id_map.columns]
        copy_tables(args, tables)

    return finish(args, stats, features, labels)


def distinct_mapped(pl, series, expression):
    """`expression` (over a column of the series' name) evaluated on the distinct values of `series` only, then
    looked up for every row."""
    values = series.unique()
    mapped = pl.DataFrame({series.name: values}).select(expression.alias("mapped"))["mapped"]
    return pl.lit(series).replace_strict(values, mapped, return_dtype=mapped.dtype)


def age_at(pl, birth, as_of):
    """Completed years from `birth` (a date expression) to as_of (BirthDatePlausibility.age)."""
    before_birthday = (pl.lit(as_of.month) * 100 + as_of.day) < (birth.dt.month().cast(pl.Int32) * 100
                                                                 + birth.dt.day().cast(pl.Int32))
    return pl.lit(as_of.year) - birth.dt.year().cast(pl.Int32) - before_birthday.cast(pl.Int32)


def polars_features(pl, customers, orders, events, as_of):
    """Every column of segpipe's customer_features (FeatureCatalog), CLV with lifetimes."""
    completed = pl.col("status") == "completed"
    year_ago = as_of - dt.timedelta(days=365)
    per_customer = orders.group_by("customer_id").agg(
        frequency=completed.sum().cast(pl.Int64),
        monetary_total=pl.col("amount").filter(completed).sum(),
        first_order_date=pl.col("order_date").filter(completed).min(),
        last_order_date=pl.col("order_date").filter(completed).max(),
        returned=(pl.col("status") == "returned").sum().cast(pl.Int64),
        clv_historical_12m=pl.col("amount").filter(completed & (pl.col("order_date") > year_ago)).sum(),
        category_count=pl.col("category").filter(completed).drop_nulls().n_unique().cast(pl.Int64),
    )
    # Days with a completed order and their amounts: purchase days and the CLV summary (lifetimes' daily periods).
    daily = orders.filter(completed).group_by("customer_id", "order_date").agg(pl.col("amount").sum())
    summary = daily.group_by("customer_id").agg(
        purchase_days=pl.len().cast(pl.Int64),
        first_day=pl.col("order_date").min(), last_day=pl.col("order_date").max(),
        first_amount=pl.col("amount").get(pl.col("order_date").arg_min()), total=pl.col("amount").sum())
    top = orders.filter(completed & pl.col("category").is_not_null()).group_by("customer_id", "category") \
        .agg(n=pl.len()).group_by("customer_id").agg(
            top_category=pl.col("category").sort_by(["n", "category"], descending=[True, False]).first())
    email = events.group_by("customer_id").agg(
        sent=(pl.col("event_type") == "sent").sum(), opens=(pl.col("event_type") == "open").sum(),
        clicks=(pl.col("event_type") == "click").sum(),
        unsubscribed=(pl.col("event_type") == "unsubscribe").any(),
        last_open=pl.col("time").filter(pl.col("event_type") == "open").max())
    frame = customers.join(per_customer, on="customer_id", how="left", maintain_order="left") \
        .join(summary, on="customer_id", how="left", maintain_order="left") \
        .join(top, on="customer_id", how="left", maintain_order="left") \
        .join(email, on="customer_id", how="left", maintain_order="left")
    days = lambda later, earlier: (later - earlier).dt.total_days()  # noqa: E731
    sent = pl.when(pl.col("sent") > 0).then(pl.col("sent"))
    decided = pl.col("frequency") + pl.col("returned")
    age = pl.when(pl.col("birth_date") <= as_of).then(age_at(pl, pl.col("birth_date"), as_of).cast(pl.Int64))
    band = pl.when(age.is_null()).then(None)
    for upper, name in AGE_BANDS:
        band = band.when(age < upper).then(pl.lit(name))
    frame = frame.with_columns(
        frequency=pl.col("frequency").fill_null(0),
        monetary_total=pl.col("monetary_total").fill_null(0.0),
        recency_days=days(pl.lit(as_of), pl.col("last_order_date")),
        tenure_days=days(pl.lit(as_of), pl.coalesce("signup_date", "first_order_date")).clip(lower_bound=0),
        return_rate=pl.col("returned") / pl.when(decided > 0).then(decided),
        email_open_rate=pl.col("opens") / sent, email_click_rate=pl.col("clicks") / sent,
        unsubscribed=pl.col("unsubscribed").fill_null(False),
        purchase_days=pl.col("purchase_days").fill_null(0),
        mean_days_between_purchases=pl.when(pl.col("purchase_days") >= 2).then(
            days(pl.col("last_day"), pl.col("first_day")) / (pl.col("purchase_days") - 1)),
        category_count=pl.col("category_count").fill_null(0),
        days_since_last_open=days(pl.lit(as_of), pl.col("last_open").dt.date()).clip(lower_bound=0),
        age=age, age_band=band.otherwise(pl.lit("65+")),
        postal_area=pl.when(pl.col("postal_code").str.len_chars() >= 2).then(pl.col("postal_code").str.slice(0, 2)),
        clv_historical_12m=pl.col("clv_historical_12m").fill_null(0.0),
    ).with_columns(avg_order_value=pl.col("monetary_total") / pl.when(pl.col("frequency") > 0).then("frequency"))
    # The CLV summary per customer with a purchase day: x repeat days, t_x first to last day, T first day to as_of,
    # m the mean amount of the repeat days.
    x = pl.when(pl.col("purchase_days") > 0).then(pl.col("purchase_days") - 1).cast(pl.Float64)
    clv_inputs = frame.select(
        x=x, t_x=days(pl.col("last_day"), pl.col("first_day")).cast(pl.Float64),
        T=days(pl.lit(as_of), pl.col("first_day")).cast(pl.Float64),
        m=pl.when(x > 0).then((pl.col("total") - pl.col("first_amount")) / x).otherwise(0.0))
    predicted = lifetime_value(clv_inputs["x"].to_numpy(), clv_inputs["t_x"].to_numpy(),
                               clv_inputs["T"].to_numpy(), clv_inputs["m"].to_numpy())
    return frame.with_columns(**{name: pl.Series(values, nan_to_null=True) for name, values in predicted.items()}) \
        .select(FEATURE_COLUMNS)


# ---------------------------------------------------------------------------------------------------------------
# Shared numeric part (NumPy / scikit-learn) and load


CLV_SECONDS = []  # the time of lifetime_value, reported beside the stages as features_clv_models


def lifetime_value(x, t_x, age, m):
    """lifetimes' BG/NBD and Gamma-Gamma fits and 12-month predictions, as segpipe's features stage (docs/clv.md):
    customers without a purchase day (x NaN) get NaN (null); the Gamma-Gamma fit uses the repeat customers with a
    positive mean amount."""
    import pandas as pd
    from lifetimes import BetaGeoFitter, GammaGammaFitter

    started = time.perf_counter()
    bought = ~np.isnan(x)
    summary = pd.DataFrame({"frequency": x[bought], "recency": t_x[bought], "T": age[bought],
                            "monetary_value": m[bought]})
    purchases = BetaGeoFitter(penalizer_coef=0.0).fit(summary["frequency"], summary["recency"], summary["T"])
    repeat = summary[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)]
    spend = GammaGammaFitter(penalizer_coef=0.0).fit(repeat["frequency"], repeat["monetary_value"])
    columns = {
        "predicted_clv_12m": spend.customer_lifetime_value(
            purchases, summary["frequency"], summary["recency"], summary["T"], summary["monetary_value"],
            time=12, discount_rate=0.01, freq="D"),
        "expected_purchases_12m": purchases.conditional_expected_number_of_purchases_up_to_time(
            365, summary["frequency"], summary["recency"], summary["T"]),
        "probability_alive": purchases.conditional_probability_alive(
            summary["frequency"], summary["recency"], summary["T"]),
    }
    out = {}
    for name, values in columns.items():
        full = np.full(len(x), np.nan)
        full[bought] = np.asarray(values, dtype="float64")
        out[name] = full
    CLV_SECONDS.append(time.perf_counter() - started)
    return out


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


# Binary COPY types per loaded table; columns as in segpipe's tables (customer_features without the optional
# email_hash and phone_hash, which the demo does not write), each table keyed and indexed as segpipe's partitions.
TABLES = {
    "customer_segments": (
        [("customer_id", "text"), ("segment_id", "int8"), ("segment_label", "text"), ("distance", "float8"),
         ("rfm_score", "int8"), ("r_score", "int8"), ("f_score", "int8"), ("m_score", "int8"),
         ("rfm_segment", "text"), ("rule_segment", "text")],
        "customer_id, run_id", ["segment_id"]),
    "customer_features": (
        [("customer_id", "text"), ("recency_days", "int8"), ("frequency", "int8"), ("monetary_total", "float8"),
         ("avg_order_value", "float8"), ("tenure_days", "int8"), ("return_rate", "float8"),
         ("email_open_rate", "float8"), ("email_click_rate", "float8"), ("unsubscribed", "bool"),
         ("first_order_date", "date"), ("last_order_date", "date"), ("purchase_days", "int8"),
         ("mean_days_between_purchases", "float8"), ("category_count", "int8"), ("top_category", "text"),
         ("days_since_last_open", "int8"), ("age", "int8"), ("age_band", "text"), ("postal_area", "text"),
         ("clv_historical_12m", "float8"), ("predicted_clv_12m", "float8"), ("expected_purchases_12m", "float8"),
         ("probability_alive", "float8"), ("country", "text"), ("city", "text"), ("postal_code", "text"),
         ("acquisition_channel", "text")],
        "customer_id, run_id", []),
    "customer_id_map": (
        [("source_customer_id", "text"), ("customer_id", "text"), ("rule", "text"), ("score", "float8")],
        "source_customer_id, run_id", ["customer_id"]),
}
SQL_TYPES = {"text": "text", "int8": "bigint", "float8": "double precision", "bool": "boolean", "date": "date"}


def copy_tables(args, tables):
    """Each table created anew, filled by psycopg binary COPY row by row (columns given as Python lists, None for
    null), then its primary key and indexes built, all in one transaction."""
    import psycopg
    from psycopg import sql

    schema = sql.Identifier(args.schema)
    with psycopg.connect(args.database_url) as connection:
        with connection.cursor() as cursor:
            cursor.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(schema))
            for name, columns in tables.items():
                spec, key, indexes = TABLES[name]
                table = sql.Identifier(args.schema, name)
                cursor.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(table))
                definitions = sql.SQL(", ").join(
                    sql.SQL("{} {}").format(sql.Identifier(column), sql.SQL(SQL_TYPES[kind])) for column, kind in spec)
                cursor.execute(sql.SQL("CREATE TABLE {} (run_id text NOT NULL, {})").format(table, definitions))
                names = sql.SQL(", ").join(sql.Identifier(column) for column in ["run_id"] + [c for c, _ in spec])
                with cursor.copy(sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(table, names)) as copy:
                    copy.set_types(["text"] + [kind for _, kind in spec])
                    run_id = args.run_id
                    for row in zip(*columns):
                        copy.write_row((run_id, *row))
                cursor.execute(sql.SQL("ALTER TABLE {} ADD PRIMARY KEY ({})").format(table, sql.SQL(key)))
                for column in indexes:
                    cursor.execute(sql.SQL("CREATE INDEX ON {} ({})").format(table, sql.Identifier(column)))
        connection.commit()


def feature_totals(table):
    """Per feature column of a pyarrow table: the number of values and their sum (numbers, dates as days, booleans
    as trues) or distinct count (text); the same for segpipe's checkpoint and the baselines."""
    import pyarrow as pa
    import pyarrow.compute as pc

    totals = {}
    for name in table.column_names:
        column = table[name]
        if name == "customer_id":
            continue
        kind = column.type
        if pa.types.is_date(kind):
            column = column.cast(pa.int32())
        if pa.types.is_boolean(kind):
            column = column.cast(pa.int64())
        if pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_dictionary(kind):
            total = pc.count_distinct(column).as_py()
        else:
            total = pc.sum(column).as_py() or 0
        totals[name] = {"count": pc.count(column).as_py(), "total": total}
    return totals


def finish(args, stats, features, labels):
    """The summary: customers, frequency and revenue sums, every feature column's totals (`--features all`)."""
    import pyarrow as pa

    table = features.to_arrow() if hasattr(features, "to_arrow") else pa.Table.from_pandas(features,
                                                                                         preserve_index=False)
    for index, name in enumerate(table.column_names):  # pandas holds dates as timestamps
        if pa.types.is_timestamp(table[name].type):
            table = table.set_column(index, name, table[name].cast(pa.date32()))
    result = {
        "engine": args.engine,
        "features": args.features,
        "customers": table.num_rows,
        "sum_frequency": int(np.sum(table["frequency"].to_numpy(), dtype="int64")),
        "sum_monetary": float(np.sum(table["monetary_total"].to_numpy(), dtype="float64")),
        **stats,
    }
    if args.features == "all":
        result["feature_totals"] = feature_totals(table)
    if args.labels_out:
        import pyarrow.parquet as pq

        pq.write_table(pa.table({"customer_id": table["customer_id"].cast(pa.string()),
                                 "segment_id": pa.array(labels.astype("int64"))}), args.labels_out)
    if args.features_out:
        import pyarrow.parquet as pq

        pq.write_table(table, args.features_out)
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
    parser.add_argument("--features", choices=["all", "core"], default="all",
                        help="all (default): every column of segpipe's customer_features, CLV with lifetimes, and "
                             "the three per-customer tables loaded; core: recency, frequency, monetary and tenure, "
                             "and customer_segments alone (the baseline before it did the same work)")
    parser.add_argument("--features-out", help="also write the feature table as Parquet (outside the timed stages)")
    args = parser.parse_args()

    timer = Timer()
    started = time.perf_counter()
    result = run_pandas(args, timer) if args.engine == "pandas" else run_polars(args, timer)
    result["stages"] = timer.stages
    if CLV_SECONDS:
        result["stages"]["features_clv_models"] = sum(CLV_SECONDS)
    result["total_seconds"] = time.perf_counter() - started
    text = json.dumps(result, indent=2)
    if args.summary_file:
        with open(args.summary_file, "w") as handle:
            handle.write(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
