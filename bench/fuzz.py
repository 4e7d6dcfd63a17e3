"""Fuzz the inputs other people hand us — packages, workbooks, photos — through the real CLI (issue 21).

    python bench/fuzz.py [--cases 1000] [--seed 2026] [--kinds package,workbook,photo] [--json]

For each kind, ``--cases`` mutations of a valid input (byte flips, truncations, appended bytes, oversized and
deeply nested members, wrong types in every JSON field of a correctly re-signed package, hostile XML in xlsx
parts — billion laughs, XXE, deep nesting, huge attributes, broken cell types —, hostile image headers and
formats) are run by ``xueji county import`` / ``import-excel`` / ``check-excel`` / ``import-photos`` /
``check-photo`` in-process against real stores. Each case must end without a traceback, with exit code 0, 1
or 2, a refused input must leave the store byte-for-byte unchanged, an accepted one must leave it passing
``PRAGMA quick_check``, and no file may be left behind. Every signed-byte mutation of a package must be
refused. Prints the counts per kind and exits 1 if any case failed. The harness is tests/fuzz/harness.py; the
test suite runs a fixed-seed sample of it (tests/fuzz/test_fuzz_sample.py).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fuzz.harness import KINDS, Workspace, fast_cli, fuzz, summary

REQUIRED_CASES = 1000  # per kind (issue 21)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=REQUIRED_CASES, help="cases per kind")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = {}
    failed = 0
    with tempfile.TemporaryDirectory(prefix="xueji-fuzz-") as tmp, fast_cli():
        ws = Workspace(Path(tmp))
        for kind in args.kinds.split(","):
            start = time.perf_counter()
            outcomes = fuzz(ws, kind, args.cases, args.seed)
            result = summary(outcomes)
            result["seconds"] = round(time.perf_counter() - start, 1)
            results[kind] = result
            bad = [o for o in outcomes if o.problems]
            failed += len(bad)
            if not args.json:
                print(f"{kind}: {result['cases']} cases (required {REQUIRED_CASES}, ratio "
                      f"{result['cases'] / REQUIRED_CASES:.2f}) in {result['seconds']} s — "
                      f"refused {result['refused']}, accepted {result['accepted']}, "
                      f"failures {result['failures']}; exit codes {result['exit_codes']}")
                print(f"    mutations: {result['mutations']}")
                for o in bad[:20]:
                    print(f"    FAILED {o.mutation}: exit {o.exit_code}, {o.problems}")
                    if o.traceback:
                        print("      " + o.traceback.strip().splitlines()[-1])
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
