#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# bench/medians.py RESULTS.tsv RUNS: prints median [min, max] per (tool, figure) from the
# TOOL<TAB>FIGURE<TAB>VALUE lines the bench scripts collect, in the order first seen.
import collections
import statistics
import sys

rows = collections.OrderedDict()
for line in open(sys.argv[1]):
    tool, key, value = line.rstrip("\n").split("\t")
    rows.setdefault((tool, key), []).append(float(value))
tool_width = max([len("tool")] + [len(tool) for tool, _ in rows])
key_width = max([len("figure")] + [len(key) for _, key in rows])
print(f"{'tool':<{tool_width}} {'figure':<{key_width}} {'median':>9} {'min':>9} {'max':>9}"
      f"   ({sys.argv[2]} runs)")
for (tool, key), values in rows.items():
    print(f"{tool:<{tool_width}} {key:<{key_width}} {statistics.median(values):>9.3f} "
          f"{min(values):>9.3f} {max(values):>9.3f}")
