"""testing.py — helpers shared by the checker's tests and benchmark (no test framework needed).

  data_dir()                 where the third-party histories live: $PYBSKIP_SHARED_DATA, else
                             <repo>/../shared/data (the repository root is this file's grandparent
                             when run from the source tree).
  expected_verdicts(dir)     {file: "ok" | "illegal"} from VERDICTS.txt files and -ok/-bad names.
  brute_force(ops, step, init)  the reference oracle: tries every real-time-respecting order of
                             the completed ops, with each pending op placed anywhere after its
                             call or left out. Exponential: for histories of <= 8 operations.
Invariant: nothing here imports the C engine, so the oracle is independent of it.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable, Dict, List, Sequence, Tuple

from .history import Operation

VERDICT_WORDS = {"linearizable": "ok", "not-linearizable": "illegal"}


def data_dir() -> Path:
    """The folder of third-party histories (see the module doc). O(1)."""
    env = os.environ.get("PYBSKIP_SHARED_DATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[1].parent / "shared" / "data"


def expected_verdicts(data: Path) -> Dict[Path, str]:
    """{history file: "ok" | "illegal"} for every history under `data`. O(files)."""
    out: Dict[Path, str] = {}
    for d in sorted(p for p in data.iterdir() if p.is_dir()):
        table = d / "VERDICTS.txt"
        if table.exists():
            for no, line in enumerate(table.read_text().splitlines(), 1):
                if line.strip():
                    name, verdict = line.split()
                    out[d / name] = VERDICT_WORDS[verdict]
        for f in sorted(d.iterdir()):
            if f.stem.endswith("-ok"):
                out[f] = "ok"
            elif f.stem.endswith("-bad"):
                out[f] = "illegal"
    return out


def history_files(data: Path) -> List[Path]:
    """Every file under `data`'s subfolders that is a history (not VERDICTS.txt or a README)."""
    return sorted(f for d in data.iterdir() if d.is_dir() for f in d.iterdir()
                  if f.is_file() and f.name != "VERDICTS.txt" and not f.name.startswith("README"))


def brute_force(ops: Sequence[Operation], init: Any,
                step: Callable[[Any, Operation], Tuple[bool, Any]]) -> bool:
    """Is there a legal order? step(state, op) -> (ok, new_state); for a pending op it must
    accept (ok True) and apply the effect. O(n! 2^p) — small histories only."""
    n = len(ops)
    completed = [i for i in range(n) if ops[i].ret is not None]

    def may_go_next(i: int, done: int) -> bool:
        # every op that returned before op i was called must already be linearized
        return all(done >> j & 1 for j in completed
                   if j != i and ops[j].ret < ops[i].call)  # type: ignore[operator]

    def search(state: Any, done: int) -> bool:
        if all(done >> j & 1 for j in completed):
            return True
        for i in range(n):
            if done >> i & 1 or not may_go_next(i, done):
                continue
            ok, new = step(state, ops[i])
            if ok and search(new, done | 1 << i):
                return True
        return False

    return search(init, 0)
