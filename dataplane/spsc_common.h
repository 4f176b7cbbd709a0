// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * What the two SPSC rings' implementations share (spsc.c, spsc_seq.c): slot addressing under the
 * private geometry, the word copy, and the geometry check. Private to dataplane/; not an API.
 */
#ifndef DATAPLANE_SPSC_COMMON_H
#define DATAPLANE_SPSC_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "dataplane/spsc.h"
#include "kernel/lib/err.h"

/* The helpers must inline: scripts/check-hotpath.sh looks for each API function's own LDAR/STLR. */
#define SPSC_INLINE static inline __attribute__((always_inline))

/* Slots are copied as 8-byte words; may_alias because the caller's messages have any type. */
typedef uint64_t __attribute__((may_alias, aligned(SPSC_SLOT_ALIGN))) spsc_word;

SPSC_INLINE void copy_words(void *dst, const void *src, size_t bytes)
{
	spsc_word *d = dst;
	const spsc_word *s = src;
	size_t i = 0, n = bytes / sizeof(spsc_word);

	/* Four words a step: loads grouped ahead of stores pair up (LDP/STP, SSE moves). */
	for (; i + 4 <= n; i += 4) {
		spsc_word a = s[i], b = s[i + 1], c = s[i + 2], e = s[i + 3];

		d[i] = a;
		d[i + 1] = b;
		d[i + 2] = c;
		d[i + 3] = e;
	}
	for (; i < n; i++)
		d[i] = s[i];
}

SPSC_INLINE uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/* Slot 'index' of a ring whose private geometry is (slots, mask, stride): always in the array. */
SPSC_INLINE uint8_t *slot_at(uint8_t *slots, uint32_t mask, uint32_t stride, uint32_t index)
{
	return slots + (size_t)(index & mask) * stride;
}

/* Slots from 'index' to the end of the buffer: where a zero-copy or burst run must stop. */
SPSC_INLINE uint32_t to_end(uint32_t mask, uint32_t index)
{
	return mask + 1 - (index & mask);
}

/*
 * A ring's geometry: the shared indices on their own cache lines, aligned slots, a power-of-two
 * capacity, and 'capacity' slots of 'stride' bytes that fit the address space.
 */
static inline int spsc_check_geometry(const void *sh, const void *slots, uint32_t capacity,
				      uint32_t stride)
{
	uint64_t bytes = (uint64_t)capacity * stride;

	if (!sh || ((uintptr_t)sh % SPSC_CACHE_LINE) != 0)
		return E_INVAL;
	if (!slots || ((uintptr_t)slots % SPSC_SLOT_ALIGN) != 0)
		return E_INVAL;
	if (capacity == 0 || capacity > SPSC_MAX_CAPACITY || (capacity & (capacity - 1)) != 0)
		return E_INVAL;
	if (stride == 0 || stride % SPSC_SLOT_ALIGN != 0)
		return E_INVAL;
	if (bytes > SIZE_MAX || (uintptr_t)slots > UINTPTR_MAX - (uintptr_t)bytes)
		return E_INVAL;
	return 0;
}

#endif /* DATAPLANE_SPSC_COMMON_H */
