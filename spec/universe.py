"""universe.py — the sorts of the protocol model and the two ways of quantifying over them.

The same protocol text (model.py, invariants.py) is read in two universes:
  * unbounded: threads and nodes are uninterpreted sorts (any number of each, finite or not);
    "for all" is a Z3 quantifier. Used for the inductive proof (proof.py).
  * bounded: threads and nodes are small enumerations (T0..Tk, N0..Nm); "for all" is expanded
    into a conjunction. Used for bounded model checking with concrete traces (bounded.py).
Invariants: a Universe never changes after construction; `Choices` hands out fresh constants whose
names are unique within one Universe (one prefix per transition instance), so two transitions
never share a nondeterministic choice by accident.
"""
from __future__ import annotations

import itertools
from typing import Callable, List, Optional

import z3

Mode, (NONE, RD, WR) = z3.EnumSort("Mode", ["NONE", "R", "W"])
Op, (GET, PUT, DELETE, SCAN) = z3.EnumSort("Op", ["get", "put", "delete", "scan"])
St, (UNBORN, ALIVE, FREED) = z3.EnumSort("St", ["UNBORN", "ALIVE", "FREED"])

PC_NAMES = ["START", "PEND", "SWAP", "LOOP", "RD", "SLOOP", "FIN", "RESTART", "DN", "OVF",
            "S1", "S2", "S3", "S4", "F1", "F2", "DONE"]
PCSort, _pcs = z3.EnumSort("PC", PC_NAMES)
PC = dict(zip(PC_NAMES, _pcs))

OP_NAMES = {str(GET): "get", str(PUT): "put", str(DELETE): "delete", str(SCAN): "scan"}


class Universe:
    """Thread and node sorts plus quantifier helpers.

    :param threads: None for the unbounded universe, else the number of threads (bounded).
    :param nodes: None for unbounded, else the number of nodes (bounded).
    :param max_level: highest level in the bounded universe (ignored when unbounded).
    """

    def __init__(self, threads: Optional[int] = None, nodes: Optional[int] = None,
                 max_level: int = 1) -> None:
        self.bounded = threads is not None
        self._fresh = itertools.count()
        if self.bounded:
            assert nodes is not None and nodes >= max_level + 1
            self.T, self.threads = z3.EnumSort("Thread", ["T%d" % i for i in range(threads)])
            self.N, self.nodes = z3.EnumSort("Node", ["N%d" % i for i in range(nodes)])
            self.max_level: Optional[int] = max_level
        else:
            self.T = z3.DeclareSort("Thread")
            self.N = z3.DeclareSort("Node")
            self.threads, self.nodes = [], []
            self.max_level = None

    def fresh(self, sort: z3.SortRef, name: str) -> z3.ExprRef:
        """A constant of `sort` with a name not used before in this universe."""
        return z3.Const("%s!%d" % (name, next(self._fresh)), sort)

    def _all(self, elems: List[z3.ExprRef], sort: z3.SortRef,
             body: Callable[[z3.ExprRef], z3.BoolRef]) -> z3.BoolRef:
        if self.bounded:
            return z3.And([body(e) for e in elems])
        v = self.fresh(sort, "q")
        return z3.ForAll([v], body(v))

    def _any(self, elems: List[z3.ExprRef], sort: z3.SortRef,
             body: Callable[[z3.ExprRef], z3.BoolRef]) -> z3.BoolRef:
        if self.bounded:
            return z3.Or([body(e) for e in elems])
        v = self.fresh(sort, "e")
        return z3.Exists([v], body(v))

    def all_n(self, body: Callable[[z3.ExprRef], z3.BoolRef]) -> z3.BoolRef:
        """For every node n: body(n)."""
        return self._all(self.nodes, self.N, body)

    def any_n(self, body: Callable[[z3.ExprRef], z3.BoolRef]) -> z3.BoolRef:
        """For some node n: body(n)."""
        return self._any(self.nodes, self.N, body)

    def all_t(self, body: Callable[[z3.ExprRef], z3.BoolRef]) -> z3.BoolRef:
        """For every thread t: body(t)."""
        return self._all(self.threads, self.T, body)

    def any_t(self, body: Callable[[z3.ExprRef], z3.BoolRef]) -> z3.BoolRef:
        """For some thread t: body(t)."""
        return self._any(self.threads, self.T, body)


class Choices:
    """Fresh nondeterministic choices for one transition instance (the data the model abstracts:
    which child a search follows, whether a node overflows, which node a key lands in...)."""

    def __init__(self, u: Universe, prefix: str) -> None:
        self.u, self.prefix = u, prefix

    def node(self, name: str) -> z3.ExprRef:
        return self.u.fresh(self.u.N, "%s.%s" % (self.prefix, name))

    def int(self, name: str) -> z3.ArithRef:
        return self.u.fresh(z3.IntSort(), "%s.%s" % (self.prefix, name))

    def bool(self, name: str) -> z3.BoolRef:
        return self.u.fresh(z3.BoolSort(), "%s.%s" % (self.prefix, name))

    def pred(self, name: str) -> z3.FuncDeclRef:
        """A fresh node predicate (e.g. which entries move to a new node in a split)."""
        return z3.Function("%s.%s!%d" % (self.prefix, name, next(self.u._fresh)), self.u.N,
                           z3.BoolSort())
