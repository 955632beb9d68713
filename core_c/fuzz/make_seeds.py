#!/usr/bin/env python3
"""make_seeds.py — writes the seed corpus of fuzz_api (deterministic; `make seeds`).

Each seed is a hand-written program in fuzz_api's input language (see input.h and the OP_* enum in
fuzz_api.c), chosen so that the fuzzer starts from inputs that already reach splits, merges, tall
towers, long scans, extreme keys, batch calls and failed allocations.
Usage: python3 make_seeds.py DIR
"""
import os
import struct
import sys

(PUT, GET, DELETE, PIA, SCAN, SCAN_CLOSED, FLOOR, CEILING, PUT_RUN, DELETE_RUN, PUT_MANY,
 GET_MANY, DELETE_MANY, VALIDATE, FAIL_NEXT, SCAN_NULLS) = range(16)
EXTREMES = {"MIN": 0, "MIN+1": 1, "MIN+2": 2, "MAX": 3, "MAX-1": 4, "MAX-2": 5, "0": 6, "-1": 7}


def small(k):
    assert -80 <= k < 80
    return bytes([k + 80])


def ext(name):
    return bytes([160 + EXTREMES[name]])


def raw(k):
    return bytes([176]) + struct.pack("<q", k)


def header(node_idx=0, promote_idx=0, fail_new=False, seed=1):
    return bytes([node_idx | promote_idx << 3 | (7 << 5 if fail_new else 0), seed])


def op(code, *parts):
    return bytes([code]) + b"".join(parts)


def run(code, start, count, step, down=False):
    return op(code, start, bytes([count - 1, step - 1, 1 if down else 0]))


def seeds():
    yield "basic", header() + b"".join([
        op(PUT, small(5)), op(PUT, small(-3)), op(GET, small(5)), op(GET, small(6)),
        op(PUT, small(5)), op(PIA, small(5)), op(PIA, small(7)), op(DELETE, small(-3)),
        op(DELETE, small(-3)), op(FLOOR, small(6)), op(CEILING, small(6)), op(VALIDATE)])
    yield "splits_merges", header(node_idx=0, promote_idx=1) + b"".join([
        run(PUT_RUN, small(-80), 256, 1), op(SCAN, small(-10), small(40), bytes([255])),
        op(SCAN_CLOSED, small(-80), small(79), bytes([100])), run(DELETE_RUN, small(0), 200, 3),
        op(VALIDATE), run(PUT_RUN, small(79), 150, 2, down=True), op(VALIDATE)])
    yield "extremes", header(node_idx=1) + b"".join([
        op(PUT, ext("MIN")), op(PUT, ext("MAX")), op(PUT, ext("MIN+1")), op(PUT, ext("MAX-1")),
        op(PUT, ext("0")), op(PUT, ext("-1")), op(FLOOR, ext("MIN")), op(CEILING, ext("MAX")),
        op(SCAN, ext("MIN"), ext("MAX"), bytes([10])),
        op(SCAN_CLOSED, ext("MIN"), ext("MAX"), bytes([10])),
        op(SCAN_CLOSED, ext("MAX"), ext("MAX"), bytes([1])), op(SCAN, ext("MAX"), ext("MIN"), b"\x05"),
        op(DELETE, ext("MIN")), op(DELETE, ext("MAX")), op(GET, ext("MAX")),
        op(SCAN_NULLS, ext("0"), ext("MAX"), b"\x00"), op(SCAN_NULLS, ext("0"), ext("MAX"), b"\x01"),
        op(PUT, raw(-(2 ** 63))), op(PUT, raw(2 ** 63 - 1)), op(PUT, raw(123456789012345)),
        run(PUT_RUN, ext("MAX-2"), 8, 1), op(VALIDATE)])
    yield "tall", header(node_idx=4, promote_idx=3, seed=7) + b"".join([
        run(PUT_RUN, small(-60), 120, 1), op(VALIDATE), run(DELETE_RUN, small(-60), 120, 2),
        op(VALIDATE), run(PUT_RUN, small(-60), 120, 1), op(FLOOR, small(0))])
    yield "batch", header(node_idx=3, promote_idx=2) + b"".join([
        op(PUT_MANY, bytes([8]), *(small(k) for k in (1, 2, 3, 2, -5, 9, 70, -70))),
        op(GET_MANY, bytes([5]), *(small(k) for k in (1, 4, 2, 70, 71))),
        op(DELETE_MANY, bytes([4]), *(small(k) for k in (2, 2, 3, 50))), op(VALIDATE)])
    yield "oom", header(node_idx=0, fail_new=True, seed=3) + b"".join([
        op(FAIL_NEXT, b"\x01", bytes([PUT]), small(1)),
        op(FAIL_NEXT, b"\x02", bytes([PUT_RUN]), small(-80), bytes([99, 0, 0])),
        op(FAIL_NEXT, b"\x81", bytes([PUT_MANY]), bytes([4]), *(small(k) for k in (10, 11, 12, 13))),
        run(PUT_RUN, small(-80), 255, 1), run(PUT_RUN, raw(1000), 255, 1),
        run(PUT_RUN, raw(100000), 255, 1),
        op(FAIL_NEXT, b"\x01", bytes([SCAN_CLOSED]), ext("MIN"), ext("MAX"), bytes([255])),
        op(FAIL_NEXT, b"\x03", bytes([PIA]), small(40)), op(VALIDATE)])


def write_seeds(named, out):
    """Writes each (name, bytes) of `named` as out/seed_<name>: the one seed writer of both fuzz
    corpora (checkers/engine/fuzz/make_seeds.py loads it from here)."""
    os.makedirs(out, exist_ok=True)
    for name, data in named:
        with open(os.path.join(out, "seed_" + name), "wb") as f:
            f.write(data)


def main():
    write_seeds(seeds(), sys.argv[1])


if __name__ == "__main__":
    main()
