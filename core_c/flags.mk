# core_c/flags.mk — the one description of the core's version and compile flags.
#
# `include`d by core_c/Makefile, core_c/bench/Makefile and core_c/fuzz/Makefile, and read by
# read_flags() in pybskip/_cffi_build.py: the cffi build that setup.py runs, and ci/mutants.py's
# builds of mutated cores. So that both make and that parser read it the same way, it holds only
# comments, blank lines and `NAME := value` lines, where a value may use $(NAME) of an earlier
# line; no other make syntax, and no comment after a value (make would keep the blanks before it).
# No -D feature macros here: every core source defines its own (_POSIX_C_SOURCE or _GNU_SOURCE)
# before its first include, so it compiles with the flags a user would give.

# The library version, = pyproject.toml's `version` (`make -C core_c check-version` compares
# them); the shared library is libbskip.so.$(BSKIP_VERSION), soname libbskip.so.$(BSKIP_SOVERSION).
BSKIP_VERSION := 0.1.0
BSKIP_SOVERSION := 0

# Every compile of the core: language, threads, warnings. Our own builds add BSKIP_WERROR
# (warnings stay at zero); the cffi build does not, so that a newer compiler's new warning cannot
# break `pip install`.
BSKIP_CSTD := -std=c11
BSKIP_PTHREAD := -pthread
BSKIP_WARN := -Wall -Wextra
BSKIP_WERROR := -Werror
# The libraries export only the functions that the public headers mark BSKIP_API.
BSKIP_VISIBILITY := -fvisibility=hidden

# Optimisation: the release library and the cffi modules; the checking builds (sanitizers,
# instrumented) keep -O1 so that reports stay readable.
BSKIP_OPT := -O2 -g
BSKIP_OPT_CHECK := -O1 -g
BSKIP_ASAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
BSKIP_TSAN := -fsanitize=thread

# Test-only instrumentation (include/bskip_testing.h): failing allocator; plus lock tracing and
# schedule noise in the instrumented build (core_c `make trace`, pybskip._bskip_instrumented_cffi,
# ci/mutants.py's mutants).
BSKIP_FAILALLOC := -DBSKIP_FAILALLOC
BSKIP_INSTRUMENT := -DBSKIP_TRACE -DBSKIP_NOISE $(BSKIP_FAILALLOC)
