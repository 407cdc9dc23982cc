"""Run the fault scenarios against a daap binary; write results/latest.json; exit 1 on FAIL.

Usage: python3 reliability/main.py --daap BIN [--quick] [--only a,b] [--keep]
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import log  # noqa: E402
from scenarios import daap_kill, disk_full, load_test, pg_restart, pool_exhaustion  # noqa: E402

SCENARIOS = {"pg_restart": pg_restart, "daap_kill": daap_kill,
             "pool_exhaustion": pool_exhaustion, "load": load_test, "disk_full": disk_full}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--daap", required=True)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--only", default="")
    ap.add_argument("--keep", action="store_true", help="keep each scenario's temp dir")
    args = ap.parse_args()
    names = [n for n in args.only.split(",") if n] or list(SCENARIOS)
    env = {"daap_bin": os.path.abspath(args.daap), "keep": args.keep}
    results = []
    started = time.time()
    for name in names:
        log(f"== {name} ({'quick' if args.quick else 'full'})")
        t0 = time.monotonic()
        result = SCENARIOS[name].run(env, args.quick)
        result.figures["scenarioSec"] = round(time.monotonic() - t0, 1)
        results.append(result)
    out = {"startedAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
           "mode": "quick" if args.quick else "full", "daap": env["daap_bin"],
           "totalSec": round(time.time() - started, 1),
           "verdict": "PASS" if all(r.ok for r in results) else "FAIL",
           "scenarios": [r.to_dict() for r in results]}
    here = os.path.dirname(os.path.abspath(__file__))
    os.makedirs(os.path.join(here, "results"), exist_ok=True)
    path = os.path.join(here, "results", "latest.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=2)
    print("\n== summary")
    for r in results:
        failed = [c["check"] for c in r.checks if not c["ok"]]
        print(f"{'PASS' if r.ok else 'FAIL'}  {r.name:16} {r.title}"
              + (f"\n      failed: " + "; ".join(failed) if failed else ""))
    print(f"results: {path} ({out['totalSec']}s)")
    return 0 if out["verdict"] == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
