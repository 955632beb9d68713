"""state.py — one state of the protocol model: the shared skiplist shape, the locks, the threads.

A State is an immutable bag of arrays (Z3 arrays, or FiniteArray in a bounded universe); a
transition builds the next State by functional update (`with_`). Fields:
  shape   st[n] (UNBORN / ALIVE / FREED), nxt[n] + hasn[n] (right neighbour), par[n] + hasp[n]
          (the node whose entry's down pointer names n, if any: its "parent entry");
          ghost prv[n] (the left neighbour of a live non-head node: core_c keeps no such pointer,
          the proof needs it to speak of a list segment without reachability)
  locks   hold[t, n] in {NONE, R, W}: the mode in which thread t holds n's lock
  threads pc[t]; x[t] (the node it stands in) with mode xm[t]; a pending request req[t] in mode
          reqm[t], whose source is x[t], with rel[t] (if hasrel[t]) to release once it is granted
          and cont[t] the pc to continue at; above[t] (insert: the node with k's entry whose down
          pointer is not set yet); y[t], s[t] (+ has_s[t]): second and third nodes held by an
          insert or delete (y: also the successor an insert shifts entries into);
          lim[t]: the insert's height h, or the delete's write level t;
          res[t]: the spare nodes an insert still has of those it reserved before its first lock;
          ghost sfirst[t] (a scan's first level-0 node: lo's node, where its range phase begins).
Invariant: field names and sorts are fixed by FIELDS; every State has exactly these fields.
"""
from __future__ import annotations

from typing import Any, Dict, Tuple

import z3

from .universe import Mode, PCSort, St, Universe


def fields(u: Universe) -> Dict[str, Tuple[z3.SortRef, ...]]:
    """Field name -> (index sorts..., value sort)."""
    N, T, B, Z = u.N, u.T, z3.BoolSort(), u.int_sort
    return {
        "st": (N, St), "nxt": (N, N), "hasn": (N, B), "par": (N, N), "hasp": (N, B),
        "hold": (T, N, Mode),
        "pc": (T, PCSort), "x": (T, N), "xm": (T, Mode), "req": (T, N), "reqm": (T, Mode),
        "rel": (T, N), "hasrel": (T, B), "cont": (T, PCSort), "above": (T, N), "y": (T, N),
        "s": (T, N), "has_s": (T, B), "lim": (T, Z), "res": (T, Z), "prv": (N, N), "sfirst": (T, N),
    }


class State:
    """A protocol state: field name -> Z3 array term."""

    def __init__(self, f: Dict[str, Any], u: Universe) -> None:
        self.f, self.u = f, u

    @staticmethod
    def fresh(u: Universe, tag: str) -> "State":
        """A state whose every field is a new unconstrained array constant."""
        return State({name: u.array("%s.%s" % (tag, name), *sorts)
                      for name, sorts in fields(u).items()}, u)

    def __getattr__(self, name: str) -> z3.ExprRef:
        try:
            return self.__dict__["f"][name]
        except KeyError:
            raise AttributeError(name) from None

    def with_(self, **changes: z3.ExprRef) -> "State":
        """A copy with some fields replaced."""
        f = dict(self.f)
        for k, v in changes.items():
            assert k in f, k
            f[k] = v
        return State(f, self.u)

    def equals(self, other: "State") -> z3.BoolRef:
        """Field-by-field equality (the frame of a bounded-model-checking step)."""
        return z3.And([self.u.arr_eq(self.f[k], other.f[k]) for k in self.f])
