"""thirdparty_data.py — where the third-party histories live and what their verdicts are.

  DATA                       tests/data/ in this checkout (copied from their upstreams; origin,
                             version and licence in tests/data/README.md). Nothing reads outside
                             the checkout.
  expected_verdicts(dir)     {file: "ok" | "illegal"} from VERDICTS.txt files and -ok/-bad names.
  history_files(dir)         every history file under dir's subfolders.
Used by the tests and by bench/bench_checker.py; not part of the installed package.
"""
from __future__ import annotations

from pathlib import Path
from typing import Dict, List

DATA = Path(__file__).resolve().parent / "data"
VERDICT_WORDS = {"linearizable": "ok", "not-linearizable": "illegal"}
NOT_HISTORIES = {"VERDICTS.txt"}


def expected_verdicts(data: Path = DATA) -> Dict[Path, str]:
    """{history file: "ok" | "illegal"} for every history under `data`. O(files)."""
    out: Dict[Path, str] = {}
    for d in sorted(p for p in data.iterdir() if p.is_dir()):
        table = d / "VERDICTS.txt"
        if table.exists():
            for no, line in enumerate(table.read_text().splitlines(), 1):
                if not line.strip():
                    continue
                name, verdict = line.split()
                if verdict not in VERDICT_WORDS:
                    raise ValueError("%s:%d: unknown verdict %r" % (table, no, verdict))
                out[d / name] = VERDICT_WORDS[verdict]
        for f in sorted(d.iterdir()):
            if f.stem.endswith("-ok"):
                out[f] = "ok"
            elif f.stem.endswith("-bad"):
                out[f] = "illegal"
    return out


def history_files(data: Path = DATA) -> List[Path]:
    """Every file under `data`'s subfolders that is a history (not VERDICTS.txt, README or LICENSE)."""
    return sorted(f for d in data.iterdir() if d.is_dir() for f in d.iterdir()
                  if f.is_file() and f.name not in NOT_HISTORIES
                  and not f.name.startswith(("README", "LICENSE")))
