#!/usr/bin/env python3
"""make_seeds.py — writes the seed inputs of fuzz_checker that reach what the one-partition target
could not (deterministic; `make seeds`): several partitions on 2..4 workers, stop_at_illegal,
the big partition (cancelled while it runs), memory limits, lossy-register and the callback
models, and raw inputs with every model, tiny limits and invalid arguments.

Each seed is written in fuzz_checker.c's input language (its LLVMFuzzerTestOneInput, generated()
and raw() read the bytes in this order); the op contents come from a seeded random.Random, so
the same files come out on every run. The corpus's other inputs (no `seed_` prefix) were found
by libFuzzer and are kept as they are.
Usage: python3 make_seeds.py DIR
"""
import importlib.util
import os
import random
import struct
import sys

REGISTER, CAS_REGISTER, KV, SORTEDMAP = range(4)  # generated(): models[byte % 4]


def gen_op(rnd, model, pending=False):
    """One op of a generated history: times, pending, kind and arguments, linearization point."""
    call, length = rnd.randrange(12), rnd.randrange(6)
    out = bytes([call | length << 4, 0 if pending else 1, rnd.randrange(256)])
    out += bytes([rnd.randrange(256), rnd.randrange(256)])
    if model == SORTEDMAP:
        out += bytes([rnd.randrange(256)])
    return out + bytes([rnd.randrange(256)])


def crafted_op(model, call, kind, arg, value):
    """An op of zero length at `call` (its point): kind 0 get, 1 put of key/value arg, value."""
    extra = bytes([0]) if model == SORTEDMAP else b""
    return bytes([call, 1, kind, arg, value]) + extra + bytes([0])


def generated(rnd, model, n_small, n_ops, lossy=False, big=None, big_last=False, workers=4,
              stop=False, mem=(0, 0), dup=0, corrupt=True, lost_every=3, illegal=None):
    """A generated input: n_ops ops over n_small partitions (first 8 in the old block).

    big: None, or (k, x) = (writes, value read: legal iff 1 <= x <= k, or x == 0 when lossy),
    the big partition first (or last: big_last); mem: (choice 0..3, u16); dup: 0..7
    (callback-sets: successors written 1 + 5 * dup times); illegal: None, or a small partition
    made illegal by construction (ops 0 and 2: put 1 at time 0, get at time 5 whose output is
    corrupted to 2; the partition has no other op), the others random and not corrupted.
    """
    ops, parts, others = [], [], [q for q in range(n_small) if q != illegal] or [0]
    for i in range(n_ops):
        if illegal is not None and i in (0, 2):
            ops.append(crafted_op(model, 0 if i == 0 else 5, 1 if i == 0 else 0, 0, 1))
            parts.append(illegal)
            continue
        ops.append(gen_op(rnd, model, pending=rnd.randrange(6) == 0))
        parts.append(others[(len(parts) - (illegal is not None and i > 2) - (illegal is not None and i > 0))
                            % len(others)])
    first = min(n_ops, 8)
    out = bytes([0, model, first - 1]) + b"".join(ops[:first])
    if illegal is not None:
        out += bytes([1 | 2 << 1, 0])  # corrupt op 2 once: output + 1
    elif corrupt:
        out += bytes([1 | 2 | rnd.randrange(64) << 2, rnd.randrange(256), rnd.randrange(256)])
    else:
        out += bytes([0])
    e0 = (n_small - 1) | (4 if lossy else 0) | (8 if big else 0) | (16 if big_last else 0)
    e1 = (workers - 2) | (4 if stop else 0) | mem[0] << 3 | dup << 5
    out += bytes([e0, e1, n_ops - first]) + b"".join(ops[first:])
    for i in range(n_ops):
        out += bytes([parts[i] | (16 if lossy and i % lost_every == 0 else 0)])
    k, x = big or (6, 0)
    out += bytes([(k - 6) | x << 3]) + struct.pack("<H", mem[1])
    return out


def small(v):
    """A raw field of value v in -2..9."""
    assert -2 <= v <= 9
    return bytes([v + 2])


def raw_part(rnd, n, n_aux, wild=False, kinds=None):
    """One raw partition: n ops of small fields, some wild; with `kinds`, fields that the models
    accept (kind from the list, call <= return, small arguments) so that the search runs."""
    out = bytes([n, n_aux])
    for _ in range(n):
        if kinds is None:
            for _ in range(10):
                if wild and rnd.randrange(20) == 0:
                    out += bytes([200]) + struct.pack("<q", rnd.choice([-(2 ** 63), 2 ** 63 - 1, 2 ** 40, -1]))
                else:
                    out += bytes([rnd.randrange(12)])
            continue
        call = rnd.randrange(7)
        fields = [rnd.randrange(8), call, call + rnd.randrange(3), rnd.choice(kinds), rnd.choice([0, 0, 0, 1, 2]),
                  rnd.randrange(4), rnd.randrange(4), rnd.randrange(-1, 4), rnd.randrange(4), rnd.randrange(3)]
        out += b"".join(small(v) for v in fields)
    return out + bytes(rnd.randrange(8) for _ in range(n_aux))


OVERRIDE = {"keep": 0, "lossy": 1, "callback": 2, "callback-sets": 3, "bad": 4, "cas": 6}
WORKERS = {1: 0, 2: 1, 3: 2, 4: 3, 0: 4, -1: 5, 64: 6, 1000: 7}


def raw(rnd, model_kv=False, override="keep", n_parts=1, workers=1, stop=False, mem=(0, 0),
        tiny_timeout=False, flags=0, null_cb=False, bad_model_neg=False, sizes=((6, 4),), wild=False,
        kinds=None, base=None):
    """A raw input; base: the model before `override` (0..3; kv: model_kv); mem: (mode 0..3, u16);
    flags: raw()'s x2 bits."""
    out = bytes([7]) + (bytes([4]) if model_kv else bytes([0, rnd.randrange(4) if base is None else base]))
    out += raw_part(rnd, *sizes[0], wild=wild, kinds=kinds)
    x0 = (n_parts - 1) | OVERRIDE[override] << 2 | (32 if bad_model_neg else 0) | (64 if null_cb else 0)
    x1 = WORKERS[workers] | (8 if stop else 0) | mem[0] << 4 | (64 if tiny_timeout else 0)
    out += bytes([x0, x1, flags]) + struct.pack("<H", mem[1])
    out += struct.pack("<H", rnd.randrange(65536)) + bytes([rnd.randrange(256)])
    for i in range(1, n_parts):
        out += raw_part(rnd, *sizes[i % len(sizes)], wild=wild, kinds=kinds)
    return out


def seeds():
    r = random.Random(20240611)
    # generated: every model over 2..3 partitions on 2..4 workers, stop_at_illegal; one partition
    # illegal by construction (the first, or the last: later ones cancelled or not)
    for model, name in ((REGISTER, "register"), (CAS_REGISTER, "cas"), (KV, "kv"), (SORTEDMAP, "sortedmap")):
        for n_small, workers, illegal in ((2, 2, 1), (3, 4, 0)):
            for stop in (False, True):
                yield (f"gen_{name}_p{n_small}_w{workers}_illegal{illegal}{'_stop' if stop else ''}",
                       generated(r, model, n_small, 2 + 7 * (n_small - 1), workers=workers, stop=stop,
                                 illegal=illegal))
        yield f"gen_{name}_p3_corrupted", generated(r, model, 3, 18, workers=3)
    # lossy-register, with lost writes; through callback-sets with duplicated successors
    for n_small in (1, 2, 3):
        for dup in (0, 7):
            yield (f"gen_lossy_p{n_small}_dup{dup}",
                   generated(r, REGISTER, n_small, 5 * n_small, lossy=True, dup=dup, workers=3))
    yield "gen_lossy_uncorrupted", generated(r, REGISTER, 2, 12, lossy=True, corrupt=False, lost_every=2)
    yield "gen_lossy_illegal_stop", generated(r, REGISTER, 3, 12, lossy=True, illegal=1, stop=True, dup=2)
    # the big partition first: legal, illegal (the others cancelled after it), lossy x = 0, legal
    # with a small illegal one after it (with stop_at_illegal: must not be cancelled)
    yield "gen_big_legal", generated(r, REGISTER, 3, 12, big=(8, 4), workers=4)
    yield "gen_big_illegal_stop", generated(r, REGISTER, 3, 12, big=(8, 9), workers=4, stop=True, illegal=2)
    yield "gen_big_cas_stop", generated(r, CAS_REGISTER, 2, 10, big=(7, 0), workers=3, stop=True)
    yield "gen_big_lossy_none", generated(r, REGISTER, 2, 8, lossy=True, big=(8, 0), dup=3, workers=2)
    for model, name in ((REGISTER, "register"), (CAS_REGISTER, "cas")):
        yield (f"gen_big_first_{name}_illegal_after",
               generated(r, model, 3, 12, big=(8, 1), workers=4, stop=True, illegal=2))
    yield ("gen_big_first_lossy_illegal_after",
           generated(r, REGISTER, 2, 8, lossy=True, big=(8, 9), workers=3, stop=True, illegal=1))
    # the big partition last, after an illegal one: cancelled while it runs, or before it starts
    for model, name in ((REGISTER, "register"), (CAS_REGISTER, "cas")):
        for workers in (2, 4):
            yield (f"gen_big_last_{name}_w{workers}",
                   generated(r, model, 2, 8, big=(8, 1), big_last=True, workers=workers, stop=True, illegal=0))
    yield ("gen_big_last_lossy", generated(r, REGISTER, 3, 12, lossy=True, big=(8, 9), big_last=True, stop=True,
                                           illegal=0))
    # memory limits: tiny, a few KiB, a few chunks; one worker and several
    for choice, val, name in ((1, 100, "tiny"), (2, 6000, "kib"), (3, 3, "chunks"), (3, 0x1003, "chunks_w1")):
        yield (f"gen_mem_{name}", generated(r, KV, 3, 18, mem=(choice, val), workers=4, stop=choice == 2,
                                            illegal=1 if choice == 2 else None))
    yield "gen_mem_big", generated(r, REGISTER, 3, 12, big=(8, 3), mem=(2, 20000), workers=3)
    yield "gen_mem_big_last", generated(r, REGISTER, 2, 8, big=(8, 3), big_last=True, mem=(3, 1), workers=3)
    # raw: every model, several partitions and worker counts, limits, invalid arguments
    yield "raw_lossy_p3_w4", raw(r, override="lossy", n_parts=3, workers=4, sizes=((8, 0), (5, 0)), kinds=[0, 1])
    for seed in range(3):
        yield (f"raw_callback_p3_w64_{seed}",
               raw(r, override="callback", n_parts=3, workers=64, sizes=((8, 2), (12, 0)), kinds=range(6)))
        yield (f"raw_callback_sets_p3_{seed}",
               raw(r, override="callback-sets", n_parts=3, workers=3, stop=seed == 1, sizes=((10, 0), (16, 0)),
                   kinds=range(6)))
    yield "raw_sortedmap_p3", raw(r, base=SORTEDMAP, n_parts=3, workers=2, sizes=((10, 6), (6, 12)),
                                  kinds=[0, 1, 4, 5])
    yield "raw_callback_null", raw(r, override="callback-sets", n_parts=2, workers=2, null_cb=True)
    yield "raw_bad_model", raw(r, override="bad", n_parts=2)
    yield "raw_bad_model_negative", raw(r, override="bad", bad_model_neg=True)
    yield "raw_kv_tiny_memory", raw(r, model_kv=True, n_parts=3, workers=1000, mem=(1, 700), sizes=((10, 0),),
                                    kinds=[0, 1, 3, 4])
    yield "raw_cas_memory", raw(r, override="cas", n_parts=3, workers=0, mem=(2, 900), sizes=((14, 4),),
                                kinds=[0, 1, 2])
    yield "raw_tiny_timeout", raw(r, n_parts=3, workers=-1, tiny_timeout=True, wild=True)
    for bit, name in ((1, "no_lin_out"), (2, "no_ops"), (4, "negative_ops"), (8, "negative_aux"),
                      (16, "huge_ops"), (32, "no_parts"), (64, "no_atoms"), (128, "no_options")):
        yield f"raw_invalid_{name}", raw(r, model_kv=bit == 64, base=REGISTER, n_parts=2, workers=2, flags=bit,
                                         sizes=((5, 2),), kinds=[0, 1, 4] if bit == 64 else [0, 1])


def main():
    # the seed writer is core_c/fuzz's (as input.h and replay_main.c are): loaded by path, since
    # both scripts are named make_seeds
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "core_c", "fuzz",
                        "make_seeds.py")
    spec = importlib.util.spec_from_file_location("core_fuzz_make_seeds", path)
    core = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(core)
    core.write_seeds(seeds(), sys.argv[1])


if __name__ == "__main__":
    main()
