"""Kill rate per rule module, from the last `mutmut run` (its `mutants/**/*.py.meta` files).

    .venv/bin/python -m tests.mutation_rates [mutants-folder]

A mutant "no test reaches" counts as surviving: nothing would notice it. Mutants listed in
tests/mutation-equivalents.md (judged to change nothing a user could notice) are left out of the rate."""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

from mutmut.stats import status_by_exit_code

EQUIVALENTS = Path(__file__).with_name("mutation-equivalents.md")


def equivalent_names() -> set[str]:
    if not EQUIVALENTS.exists():
        return set()
    return set(re.findall(r"`([\w.ǁ]+__mutmut_\d+)`", EQUIVALENTS.read_text()))


def rates(mutants: Path) -> dict[str, Counter]:
    equivalent = equivalent_names()
    by_module: dict[str, Counter] = {}
    for meta in sorted(mutants.rglob("*.py.meta")):
        module = str(meta.relative_to(mutants)).removesuffix(".meta")
        counts = by_module.setdefault(module, Counter())
        for name, exit_code in json.loads(meta.read_text())["exit_code_by_key"].items():
            counts["equivalent" if name in equivalent else status_by_exit_code[exit_code]] += 1
    return by_module


def main(argv: list[str]) -> int:
    mutants = Path(argv[0] if argv else "mutants")
    total = Counter()
    print(f"{'module':<40} {'mutants':>7} {'killed':>7} {'survived':>8} {'no test':>7} {'equiv':>5} {'unrun':>5} {'kill rate':>9}")
    for module, counts in rates(mutants).items():
        total.update(counts)
        print(_line(module, counts))
    print(_line("all rule modules", total))
    return 0


def _line(name: str, counts: Counter) -> str:
    killed = counts["killed"] + counts["timeout"] + counts["caught by type check"]
    judged = killed + counts["survived"] + counts["no tests"] + counts["suspicious"]
    rate = f"{100 * killed / judged:.1f}%" if judged else "-"
    return f"{name:<40} {sum(counts.values()):>7} {killed:>7} {counts['survived']:>8} {counts['no tests']:>7} {counts['equivalent']:>5} {counts['not checked']:>5} {rate:>9}"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
