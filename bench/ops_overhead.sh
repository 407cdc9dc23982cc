#!/usr/bin/env bash
# What the production duties cost a read: the same release build run twice, interleaved
# (bench/ab.sh), once bare and once as in production:
#
#   bare: no request lines (RUST_LOG=error), no metrics listener, rate limiting off;
#   ops:  a JSON line per request written to a file, the Prometheus recorder on, every request
#         spending from a rate-limit budget (large enough never to refuse wrk's one caller).
#         Logs use daap's default filter, as deployed (RUST_LOG unset): INFO for daap, WARN for
#         sqlx and the other libraries. (`RUST_LOG=info` alone would also enable sqlx's INFO
#         instrumentation on every query, which was measured to cost GET about 15 %.)
#
#   bash bench/ops_overhead.sh        # ROUNDS, BENCH_DURATION, SCENARIOS as for bench/ab.sh
#
# The target (docs/benchmarks.md): ops serves GET at no less than 0.90x the bare rate.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export SCENARIOS=${SCENARIOS:-get get_schema}
export BEFORE_ENV="DAAP_RATE_LIMIT=off RUST_LOG=error"
export AFTER_ENV="DAAP_RATE_LIMIT=on DAAP_RATE_LIMIT_READS_PER_MINUTE=1000000000 \
DAAP_RATE_LIMIT_WRITES_PER_MINUTE=1000000000 DAAP_METRICS_BIND=127.0.0.1:${BENCH_METRICS_PORT:-18091} \
RUST_LOG=info,sqlx=warn,tower_http=warn,opentelemetry_sdk=warn,opentelemetry-otlp=warn"
bash bench/ab.sh .
python3 - "$(git rev-parse --short HEAD)" <<'PY'
import json, sys, datetime
from pathlib import Path
data = json.loads(Path("bench/results/ab.json").read_text())
data["commit"] = sys.argv[1]
data["measured_at"] = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
Path("bench/results/ops_overhead.json").write_text(json.dumps(data, indent=2) + "\n")
PY
python3 bench/report.py markdown bench/results/latest.json >docs/benchmarks.md
echo "bench/results/ops_overhead.json and docs/benchmarks.md updated"
