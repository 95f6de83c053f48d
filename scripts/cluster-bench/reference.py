#!/usr/bin/env python3
"""Reference side of scripts/bench-cluster: data generation, scikit-learn / fastcluster timings, the table.

  reference.py generate DIR            write kmeans.f64, uniform.f64 (1M x 8), ward.f64 (20k x 8),
                                       silhouette.f64/.i32 (100k x 8)
  reference.py run DIR CASE REPEATS    time one reference case, print one JSON line
  reference.py table RESULTS.jsonl     print the side-by-side table

Requires: pip install numpy scikit-learn fastcluster scipy
"""
import json
import resource
import sys
import time

import numpy as np


def generate(directory):
    from sklearn.datasets import make_blobs

    x, _ = make_blobs(n_samples=1_000_000, n_features=8, centers=8, cluster_std=4.0, random_state=1)
    x.astype(np.float64).tofile(f"{directory}/kmeans.f64")
    w, _ = make_blobs(n_samples=20_000, n_features=8, centers=8, cluster_std=4.0, random_state=2)
    w.astype(np.float64).tofile(f"{directory}/ward.f64")
    w50, _ = make_blobs(n_samples=50_000, n_features=8, centers=8, cluster_std=4.0, random_state=5)
    w50.astype(np.float64).tofile(f"{directory}/ward50k.f64")
    rng = np.random.RandomState(4)
    rng.uniform(0.0, 1.0, size=(1_000_000, 8)).tofile(f"{directory}/uniform.f64")
    s, labels = make_blobs(n_samples=100_000, n_features=8, centers=8, cluster_std=4.0, random_state=3)
    s.astype(np.float64).tofile(f"{directory}/silhouette.f64")
    labels.astype(np.int32).tofile(f"{directory}/silhouette.i32")


def load(directory, name):
    return np.fromfile(f"{directory}/{name}.f64", dtype=np.float64).reshape(-1, 8)


def run(directory, case, repeats):
    times = []
    quality = float("nan")
    detail = ""
    if case.startswith("sklearn-kmeans-"):
        from sklearn.cluster import KMeans

        _, _, algorithm, n_init = case.split("-")
        x = load(directory, "kmeans")
        for _ in range(repeats):
            start = time.perf_counter()
            model = KMeans(n_clusters=8, n_init=int(n_init), algorithm=algorithm, random_state=0).fit(x)
            times.append(time.perf_counter() - start)
            quality = float(model.inertia_)
            detail = f"iterations={model.n_iter_}"
    elif case == "sklearn-iteration":
        from sklearn.cluster import KMeans

        x = load(directory, "uniform")

        def fit(iterations):
            start = time.perf_counter()
            model = KMeans(n_clusters=8, init=x[:8], n_init=1, max_iter=iterations, tol=0.0,
                           algorithm="lloyd").fit(x)
            return time.perf_counter() - start, model.n_iter_

        for _ in range(repeats):
            short, short_iterations = fit(1)
            long, long_iterations = fit(21)
            times.append((long - short) / max(1, long_iterations - short_iterations))
            detail = f"iterations={long_iterations}"
    elif case in ("fastcluster-ward", "fastcluster-ward-50k"):
        import fastcluster

        x = load(directory, "ward50k" if case.endswith("50k") else "ward")
        for _ in range(repeats):
            start = time.perf_counter()
            z = fastcluster.linkage_vector(x, method="ward")
            times.append(time.perf_counter() - start)
            quality = float(z[-1, 2])
    elif case == "fastcluster-single":
        import fastcluster

        x = load(directory, "ward")
        for _ in range(repeats):
            start = time.perf_counter()
            z = fastcluster.linkage_vector(x, method="single")
            times.append(time.perf_counter() - start)
            quality = float(z[-1, 2])
    elif case == "sklearn-agglomerative-ward":
        from sklearn.cluster import AgglomerativeClustering

        x = load(directory, "ward")
        for _ in range(repeats):
            start = time.perf_counter()
            AgglomerativeClustering(n_clusters=8, linkage="ward").fit(x)
            times.append(time.perf_counter() - start)
    elif case == "sklearn-silhouette":
        from sklearn.metrics import silhouette_score

        x = load(directory, "silhouette")
        labels = np.fromfile(f"{directory}/silhouette.i32", dtype=np.int32)
        for _ in range(repeats):
            start = time.perf_counter()
            quality = float(silhouette_score(x, labels, sample_size=10_000, random_state=0))
            times.append(time.perf_counter() - start)
    else:
        raise SystemExit(f"unknown case {case}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"tool": case.split("-")[0], "case": case, "median": sorted(times)[len(times) // 2],
                      "times": times, "rss_mb": rss, "quality": quality, "detail": detail}))


def table(path):
    rows = [json.loads(line) for line in open(path) if line.startswith("{")]
    groups = {}
    for row in rows:
        groups.setdefault(row["group"], []).append(row)
    header = f"{'task':<34} {'implementation':<32} {'median s':>9} {'peak RSS MB':>12} {'x segpipe':>10} {'result':>16}"
    print(header)
    print("-" * len(header))
    for group, entries in groups.items():
        ours = [e["median"] for e in entries if e["tool"] == "segpipe"]
        base = min(ours) if ours else None
        for entry in entries:
            ratio = f"{entry['median'] / base:.2f}" if base else "-"
            quality = entry.get("quality")
            shown = f"{quality:.6g}" if isinstance(quality, float) and quality == quality else "-"
            print(f"{group:<34} {entry['label']:<32} {entry['median']:>9.4f} {entry['rss_mb']:>12.0f} "
                  f"{ratio:>10} {shown:>16}")
        print()
    print("x segpipe: the implementation's median time divided by the fastest segpipe variant of the same task.")
    print("result: k-means inertia, the last merge height (Ward/single), or the silhouette score.")
    print("Lloyd iteration: seconds per iteration from fits of 1 and 21 iterations on uniform data, same start.")


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "generate":
        generate(sys.argv[2])
    elif command == "run":
        run(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif command == "table":
        table(sys.argv[2])
    else:
        raise SystemExit(__doc__)
