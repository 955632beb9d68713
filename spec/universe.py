"""universe.py — the sorts of the protocol model and the two ways of quantifying over them.

The same protocol text (model.py, invariants.py) is read in two universes:
  * unbounded: threads and nodes are uninterpreted sorts (any number of each, finite or not);
    "for all" is a Z3 quantifier. Used for the inductive proof (proof.py).
  * bounded: threads and nodes are small enumerations (T0..Tk, N0..Nm); "for all" is expanded
    into a conjunction. Used for bounded model checking with concrete traces (bounded.py).
  * counterexample search: threads and nodes finite as in bounded, levels and positions integers
    as in unbounded: an obligation the proof could not discharge, asked again here, is decidable
    (quantifier-free), and a model of it is a concrete counterexample to induction (cti.py).
Invariants: a Universe never changes after construction; `Choices` hands out fresh constants whose
names are unique within one Universe (one prefix per transition instance), so two transitions
never share a nondeterministic choice by accident.
"""
from __future__ import annotations

import itertools
from typing import Any, Callable, Dict, List, Optional, Tuple, Union

import z3

Mode, (NONE, RD, WR) = z3.EnumSort("Mode", ["NONE", "R", "W"])
Op, (GET, PUT, DELETE, SCAN) = z3.EnumSort("Op", ["get", "put", "delete", "scan"])
St, (UNBORN, ALIVE, FREED) = z3.EnumSort("St", ["UNBORN", "ALIVE", "FREED"])

PC_NAMES = ["START", "PEND", "SWAP", "LOOP", "RD", "SLOOP", "FIN", "RESTART", "DN", "SH", "OVF",
            "S1", "S2", "S3", "S4", "F1", "F2", "DONE"]
PCSort, _pcs = z3.EnumSort("PC", PC_NAMES)
PC = dict(zip(PC_NAMES, _pcs))

OP_NAMES = {str(GET): "get", str(PUT): "put", str(DELETE): "delete", str(SCAN): "scan"}


_ENUMS: Dict[Tuple[str, int], Tuple[z3.SortRef, List[z3.ExprRef]]] = {}


def _enum(sort: str, prefix: str, size: int) -> Tuple[z3.SortRef, List[z3.ExprRef]]:
    """The enumeration sort `sort`_`size` (Z3 allows one declaration per name: cached)."""
    key = (sort, size)
    if key not in _ENUMS:
        so, elems = z3.EnumSort("%s%d" % (sort, size), ["%s%d" % (prefix, i) for i in range(size)])
        _ENUMS[key] = (so, list(elems))
    return _ENUMS[key]


class Universe:
    """Thread and node sorts plus quantifier helpers.

    :param threads: None for the unbounded universe, else the number of threads (bounded).
    :param nodes: None for unbounded, else the number of nodes (bounded).
    :param max_level: highest level in the bounded universe (ignored when unbounded); None with
        threads and nodes given: a counterexample-search universe (finite threads and nodes, but
        levels, positions and heights are unbounded integers, exactly as in the proof).
    """

    def __init__(self, threads: Optional[int] = None, nodes: Optional[int] = None,
                 max_level: Optional[int] = 1) -> None:
        self.bounded = threads is not None
        self._fresh = itertools.count()
        if threads is not None:
            assert nodes is not None and nodes >= (max_level or 0) + 1
            self.T, self.threads = _enum("Thread", "T", threads)
            self.N, self.nodes = _enum("Node", "N", nodes)
            self.max_level: Optional[int] = max_level
            # small signed bit-vectors for levels, positions and heights in concrete scenes: the
            # bounded queries then bit-blast to SAT (much faster than integer arithmetic there);
            # integers in a counterexample search, whose levels are the proof's
            self.int_sort: z3.SortRef = z3.BitVecSort(8) if max_level is not None else z3.IntSort()
        else:
            self.T = z3.DeclareSort("Thread")
            self.N = z3.DeclareSort("Node")
            self.threads, self.nodes = [], []
            self.max_level = None
            self.int_sort = z3.IntSort()

    def reseed(self, block: int) -> None:
        """Fresh names continue from block * 10**6: a builder that reseeds before each part gets
        the same names for a part whatever the other parts consumed (so two builds of the same
        text are the same Z3 terms; mutants.py compares obligations that way)."""
        self._fresh = itertools.count(block * 10 ** 6)

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

    # ---- arrays: Z3 arrays when unbounded, FiniteArray when bounded ------------------------
    def array(self, name: str, *sorts: z3.SortRef) -> Any:
        """A fresh unconstrained array from the index sorts to the last sort."""
        if not self.bounded:
            return z3.Array(name, *sorts)
        axes = tuple(self._elems(so) for so in sorts[:-1])
        keys = itertools.product(*axes)
        return FiniteArray(axes, {cell_key(key): z3.Const(
            "%s[%s]" % (name, ",".join(str(k) for k in key)), sorts[-1]) for key in keys})

    def _elems(self, sort: z3.SortRef) -> List[z3.ExprRef]:
        return self.threads if sort == self.T else self.nodes

    def store(self, arr: Any, *idx_val: z3.ExprRef) -> Any:
        """arr with the cell at idx_val[:-1] replaced by idx_val[-1]."""
        if not self.bounded:
            return z3.Store(arr, *idx_val)
        idx, val = idx_val[:-1], idx_val[-1]
        if isinstance(val, bool):
            val = z3.BoolVal(val)

        def cell(key: Tuple[z3.ExprRef, ...], old: z3.ExprRef) -> z3.ExprRef:
            hit = key_matches(idx, key)
            return val if z3.is_true(hit) else old if z3.is_false(hit) else z3.If(hit, val, old)
        return arr.map(cell)

    def ite(self, cond: z3.BoolRef, a: Any, b: Any) -> Any:
        """If-then-else between two arrays of the same shape."""
        if not self.bounded:
            return z3.If(cond, a, b)
        return a.map(lambda key, va: va if va.eq(b.cell(key)) else z3.If(cond, va, b.cell(key)))

    def lam(self, body: Callable[[z3.ExprRef], z3.ExprRef]) -> Any:
        """The node-indexed array n -> body(n)."""
        if not self.bounded:
            c = self.fresh(self.N, "c")
            return z3.Lambda([c], body(c))
        return FiniteArray((self.nodes,), {cell_key((n,)): body(n) for n in self.nodes})

    def arr_eq(self, a: Any, b: Any) -> z3.BoolRef:
        if not self.bounded:
            return a == b
        return z3.And([a.cell(k) == b.cell(k) for k in a.keys()])

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


class FiniteArray:
    """An array over finite index sorts, one Z3 term per cell (bounded universe only). Reading at
    a symbolic index is an if-then-else over the cells; a store rewrites every cell. This keeps
    bounded model checking free of array theory (much faster than Z3 arrays there)."""

    def __init__(self, axes: Tuple[List[z3.ExprRef], ...], cells: Dict[Tuple[int, ...], z3.ExprRef]
                 ) -> None:
        self.axes, self.cells = axes, cells

    def keys(self) -> List[Tuple[z3.ExprRef, ...]]:
        return list(itertools.product(*self.axes))

    def cell(self, key: Tuple[z3.ExprRef, ...]) -> z3.ExprRef:
        return self.cells[cell_key(key)]

    def __getitem__(self, idx: Union[z3.ExprRef, Tuple[z3.ExprRef, ...]]) -> z3.ExprRef:
        idx = idx if isinstance(idx, tuple) else (idx,)
        keys = [k for k in self.keys() if not any(match(i, c) is False for i, c in zip(idx, k))]
        out = self.cell(keys[-1])
        for key in reversed(keys[:-1]):
            out = z3.If(key_matches(idx, key), self.cell(key), out)
        return out

    def map(self, f: Callable[[Tuple[z3.ExprRef, ...], z3.ExprRef], z3.ExprRef]) -> "FiniteArray":
        return FiniteArray(self.axes, {cell_key(key): f(key, self.cell(key)) for key in self.keys()})


def cell_key(key: Tuple[z3.ExprRef, ...]) -> Tuple[int, ...]:
    """The dictionary key of a cell: Z3's AST ids of its index values (terms are hash-consed, so
    equal values have equal ids; printing them, as str() does, cost half of a bounded check)."""
    return tuple(k.get_id() for k in key)


def match(i: z3.ExprRef, k: z3.ExprRef) -> Union[bool, z3.BoolRef]:
    """i == k, decided in Python when i is itself an enumeration value."""
    if i.eq(k):
        return True
    if z3.is_const(i) and i.sort().kind() == z3.Z3_DATATYPE_SORT and i.decl().kind() == \
            z3.Z3_OP_DT_CONSTRUCTOR:
        return False
    return i == k


def key_matches(idx: Tuple[z3.ExprRef, ...], key: Tuple[z3.ExprRef, ...]) -> z3.BoolRef:
    parts = [match(i, k) for i, k in zip(idx, key)]
    if any(p is False for p in parts):
        return z3.BoolVal(False)
    rest = [p for p in parts if p is not True]
    return z3.And(rest) if rest else z3.BoolVal(True)


class Choices:
    """Fresh nondeterministic choices for one transition instance (the data the model abstracts:
    which child a search follows, whether a node overflows, which node a key lands in...)."""

    def __init__(self, u: Universe, prefix: str) -> None:
        self.u, self.prefix = u, prefix

    def node(self, name: str) -> z3.ExprRef:
        return self.u.fresh(self.u.N, "%s.%s" % (self.prefix, name))

    def int(self, name: str) -> z3.ArithRef:
        return self.u.fresh(self.u.int_sort, "%s.%s" % (self.prefix, name))

    def bool(self, name: str) -> z3.BoolRef:
        return self.u.fresh(z3.BoolSort(), "%s.%s" % (self.prefix, name))

    def pred(self, name: str) -> z3.FuncDeclRef:
        """A fresh node predicate (e.g. which entries move to a new node in a split)."""
        return z3.Function("%s.%s!%d" % (self.prefix, name, next(self.u._fresh)), self.u.N,
                           z3.BoolSort())
