/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * Lock-free single-producer/single-consumer ring of fixed-size slots in caller-provided memory.
 * Portable C11 (<stdatomic.h>, acquire/release only); layout and ordering: docs/dataplane.md.
 */
#ifndef DATAPLANE_SPSC_H
#define DATAPLANE_SPSC_H

#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Neoverse N1 and x86_64 both have 64-byte lines; each index gets one to itself. */
#define SPSC_CACHE_LINE 64
/* Largest capacity: free-running 32-bit indices tell full from empty up to 2^31 slots. */
#define SPSC_MAX_CAPACITY (1U << 31)
/* Slots are copied in 8-byte words, so slot_size and message buffers are multiples of 8. */
#define SPSC_SLOT_ALIGN 8

/*
 * Three cache lines. The producer line is written only by the producer (the consumer polls
 * 'head' there), the consumer line only by the consumer, the last line by nobody after init.
 * Each side's bookkeeping shares its index line: moving 'reserved' and 'peeked' to lines of
 * their own measured no faster and made the zero-copy round trip slower (docs/dataplane.md).
 * Indices count slots since init and wrap at 2^32; a slot is (index & mask).
 */
struct spsc_ring {
	/* Producer line. */
	alignas(SPSC_CACHE_LINE) _Atomic uint32_t head; /* next slot to fill; release-stored */
	uint32_t tail_cache;				/* producer's last view of 'tail' */
	uint32_t reserved;				/* slots handed out by spsc_reserve() */
	uint8_t pad_prod[SPSC_CACHE_LINE - 3 * sizeof(uint32_t)];

	/* Consumer line. */
	alignas(SPSC_CACHE_LINE) _Atomic uint32_t tail; /* next slot to drain; release-stored */
	uint32_t head_cache;				/* consumer's last view of 'head' */
	uint32_t peeked;				/* slots handed out by spsc_peek() */
	uint8_t pad_cons[SPSC_CACHE_LINE - 3 * sizeof(uint32_t)];

	/* Read-only after init: shared clean by both caches, never invalidated. */
	alignas(SPSC_CACHE_LINE) uint8_t *slots;
	uint32_t mask; /* capacity - 1 */
	uint32_t slot_size;
	uint8_t pad_ro[SPSC_CACHE_LINE - sizeof(uint8_t *) - 2 * sizeof(uint32_t)];
};

_Static_assert(offsetof(struct spsc_ring, head) == 0, "producer line");
_Static_assert(offsetof(struct spsc_ring, tail_cache) < SPSC_CACHE_LINE, "producer line");
_Static_assert(offsetof(struct spsc_ring, reserved) < SPSC_CACHE_LINE, "producer line");
_Static_assert(offsetof(struct spsc_ring, tail) == SPSC_CACHE_LINE, "consumer line");
_Static_assert(offsetof(struct spsc_ring, head_cache) < 2 * SPSC_CACHE_LINE, "consumer line");
_Static_assert(offsetof(struct spsc_ring, peeked) < 2 * SPSC_CACHE_LINE, "consumer line");
_Static_assert(offsetof(struct spsc_ring, slots) == 2 * SPSC_CACHE_LINE, "read-only line");
_Static_assert(offsetof(struct spsc_ring, slot_size) < 3 * SPSC_CACHE_LINE, "read-only line");
_Static_assert(sizeof(struct spsc_ring) == 3 * SPSC_CACHE_LINE, "three lines, nothing shared");
_Static_assert(alignof(struct spsc_ring) == SPSC_CACHE_LINE, "line-aligned");
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "32-bit atomics must be lock-free");

/*
 * Set up 'r' over 'slots', which holds capacity * slot_size bytes, is 8-byte aligned (64 is
 * better: a slot then never straddles two lines) and outlives the ring. capacity is a power of
 * two from 1 to SPSC_MAX_CAPACITY, slot_size a non-zero multiple of 8. Returns 0 or E_INVAL.
 * Not thread-safe: finish it before either side starts.
 */
int spsc_init(struct spsc_ring *r, void *slots, uint32_t capacity, uint32_t slot_size);
/* spsc_init() with both indices at 'start': for tests that need the 2^32 wrap soon. */
int spsc_init_at(struct spsc_ring *r, void *slots, uint32_t capacity, uint32_t slot_size,
		 uint32_t start);

/*
 * Copy API. 'msg' / 'msgs' are 8-byte aligned; one message is slot_size bytes, a burst is n
 * messages back to back. Bursts are partial: they move as many as fit (enqueue) or are there
 * (dequeue), up to n, and return that number; 0 means full / empty.
 */
bool spsc_enqueue(struct spsc_ring *r, const void *msg);			/* producer */
uint32_t spsc_enqueue_burst(struct spsc_ring *r, const void *msgs, uint32_t n); /* producer */
bool spsc_dequeue(struct spsc_ring *r, void *msg);				/* consumer */
uint32_t spsc_dequeue_burst(struct spsc_ring *r, void *msgs, uint32_t n);	/* consumer */

/*
 * Zero-copy API. spsc_reserve() returns how many free slots, up to n, it hands out and sets
 * *first to the first; they are contiguous (slot i at (uint8_t *)*first + i * slot_size), so the
 * count stops at the end of the buffer: after a wrap, commit and reserve again for the rest.
 * 0 (and *first = NULL) when full. Fill them, then spsc_commit(r, k) publishes the first k
 * (k above the reserved count is clamped to it); slots reserved but not committed are handed out
 * again by the next spsc_reserve(). spsc_peek()/spsc_release() are the same on the consumer
 * side: the slots stay valid and unchanged until released.
 */
uint32_t spsc_reserve(struct spsc_ring *r, uint32_t n, void **first); /* producer */
void spsc_commit(struct spsc_ring *r, uint32_t n);		      /* producer */
uint32_t spsc_peek(struct spsc_ring *r, uint32_t n, void **first);    /* consumer */
void spsc_release(struct spsc_ring *r, uint32_t n);		      /* consumer */

/* spsc_commit(), then wake any waiter with SEV (aarch64; nothing on other hosts). */
void spsc_commit_notify(struct spsc_ring *r, uint32_t n);

/*
 * Wait until the ring holds at least one message (consumer) / one free slot (producer), for at
 * most max_waits WFEs (aarch64) or pause instructions (other hosts). Returns true when the
 * condition holds, false when the budget ran out; 0 only checks once. A WFE may return early
 * (any event, the timer's event stream): the condition is always rechecked.
 */
bool spsc_wait_nonempty(struct spsc_ring *r, uint32_t max_waits); /* consumer */
bool spsc_wait_free(struct spsc_ring *r, uint32_t max_waits);	  /* producer */

/* Statistics, callable from either side or a third observer; a snapshot, soon stale. */
uint32_t spsc_count(const struct spsc_ring *r);
uint32_t spsc_free(const struct spsc_ring *r);
uint32_t spsc_capacity(const struct spsc_ring *r);

#endif
