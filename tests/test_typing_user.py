"""A user's script type-checks under `mypy --strict` against the installed pybskip (issue 17).

The good script uses the SortedDict surface of SkipMap (views, positions, bisect, slices, copies,
unions, batches) with the types a user would write down; mypy must accept it with no error. The bad
script holds one mistake per line a type checker should catch (a str key, update with keywords,
a value assigned where a key view was expected, ...); mypy must report an error on exactly those
lines. Both run from a temporary directory, so `pybskip` is the installed package and its
py.typed marker is what makes it checkable.
"""
from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from mypy import api

GOOD = """
from typing import Iterator, List, Optional, Tuple
import numpy as np
from pybskip import SkipMap
from pybskip._views import SortedItemsView, SortedKeysView, SortedValuesView

m: SkipMap = SkipMap({3: 30, 1: 10}, node_bytes=512)
m[2] = 20
v: int = m[2]
g: Optional[int] = m.get(5)
d: int = m.get(5, 0)
s: int = m.setdefault(7, 70)
p: int = m.pop(7)
q: Optional[int] = m.pop(8, None)
first: Tuple[int, int] = m.peekitem(0)
last: Tuple[int, int] = m.popitem()
i: int = m.bisect_left(2) + m.bisect_right(2) + m.bisect(2) + m.index(1)
fl: Optional[int] = m.floor_key(2)
ce: Optional[int] = m.ceiling_key(2)
ks: SortedKeysView = m.keys()
vs: SortedValuesView = m.values()
its: SortedItemsView = m.items()
k0: int = ks[0]
some: List[int] = list(ks[0:2])
pair: Tuple[int, int] = its[-1]
rev: Iterator[int] = reversed(m)
rng: List[int] = list(m.irange(1, 3, inclusive=(True, False), reverse=True))
sl: List[int] = list(m.islice(0, 2))
sc: List[Tuple[int, int]] = m.scan(0, 10, limit=5)
c: SkipMap = m.copy() | {9: 90}
c |= m
f: SkipMap = SkipMap.fromkeys([1, 2], 5)
n: int = m.put_many([4, 5], [40, 50]) + m.delete_many([4])
arr = m.get_many(np.array([1, 2], dtype=np.int64))
total: int = int(arr.sum())
m.update({6: 60})
m.update([(7, 70)])
same: bool = m == {1: 10}
"""

BAD = """
from pybskip import SkipMap
m = SkipMap()
m["a"] = 1  # E
m.update(a=1)  # E
x: str = m[1]  # E
y: str = m.peekitem(0)  # E
z: int = m.floor_key(1)  # E
m.scan("a")  # E
"""


def _mypy(tmp_path: Path, name: str, text: str) -> tuple[str, int]:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    out, err, status = api.run(["--strict", "--no-incremental",
                                "--cache-dir", str(tmp_path / ".mypy_cache"), str(path)])
    return out + err, status


def test_user_script_is_strict_clean(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    out, status = _mypy(tmp_path, "user_script.py", GOOD)
    assert status == 0, out


def test_type_errors_are_reported_where_they_are(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    out, status = _mypy(tmp_path, "user_errors.py", BAD)
    assert status == 1, out
    want = {i for i, line in enumerate(textwrap.dedent(BAD).splitlines(), 1) if line.endswith("# E")}
    got = {int(mo.group(1)) for mo in re.finditer(r"user_errors\.py:(\d+): error", out)}
    assert got == want, out
