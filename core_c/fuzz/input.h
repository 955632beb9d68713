/* input.h — a byte reader for fuzz targets: turns the fuzzer's input into integers and keys.
 *
 * Every read is total: once the input is exhausted, reads return 0 and `input_done` is true, so a
 * target decodes any byte string into some well-defined sequence of operations.
 *
 * Keys come in three classes so that both node-splitting collisions and the int64 edges get hit:
 *   tag   0..159  a small key, tag - 80 (160 keys: dense, many collisions, many splits);
 *   tag 160..175  one of 16 extreme keys (INT64_MIN, INT64_MAX and their neighbours, 0, +-1, ...);
 *   tag 176..255  a raw 8-byte little-endian key (anything at all).
 */
#ifndef FUZZ_INPUT_H
#define FUZZ_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct input {
    const uint8_t *data;
    size_t size, pos;
} input;

static inline bool input_done(const input *in) { return in->pos >= in->size; }

static inline uint8_t input_u8(input *in) {
    return in->pos < in->size ? in->data[in->pos++] : 0;
}

static inline uint16_t input_u16(input *in) {
    uint16_t lo = input_u8(in);
    return (uint16_t)(lo | (uint16_t)input_u8(in) << 8);
}

static inline int64_t input_i64(input *in) {
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v |= (uint64_t)input_u8(in) << (8 * i);
    return (int64_t)v;
}

static const int64_t extreme_keys[16] = {
    INT64_MIN, INT64_MIN + 1, INT64_MIN + 2, INT64_MAX, INT64_MAX - 1, INT64_MAX - 2,
    0, -1, 1, INT32_MIN, INT32_MAX, (int64_t)1 << 62, -((int64_t)1 << 62),
    INT64_MIN / 2, INT64_MAX / 2, 0x5555555555555555LL,
};

static inline int64_t input_key(input *in) {
    uint8_t tag = input_u8(in);
    if (tag < 160) return (int64_t)tag - 80;
    if (tag < 176) return extreme_keys[tag - 160];
    return input_i64(in);
}

#endif /* FUZZ_INPUT_H */
