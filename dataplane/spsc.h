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

/*
 * The unit each writer's data is padded to. Neoverse N1 and x86_64 have 64-byte lines, but
 * adjacent-line prefetchers (Intel's L2 spatial prefetcher, which fetches 128-byte-aligned line
 * pairs) couple neighbours: a consumer that owns its tail line loses it to the producer's
 * prefetch and pays a transfer to write it back. Two lines per index keep each one alone in its
 * pair (docs/dataplane.md, "False sharing", has the measurement).
 */
#define SPSC_CACHE_LINE 128
/* Largest capacity: free-running 32-bit indices tell full from empty up to 2^31 slots. */
#define SPSC_MAX_CAPACITY (1U << 31)
/* Slots are copied in 8-byte words, so slot_size and message buffers are multiples of 8. */
#define SPSC_SLOT_ALIGN 8

/*
 * The ring is split by who may write what, so that it can live in memory shared with a guest
 * that does not follow the rules:
 *
 *   struct spsc_shared  the two index lines: 'head' written by the producer, 'tail' by the
 *                       consumer. With the slot array, the only thing both sides map.
 *   struct spsc_prod    the producer's private line: its copy of the geometry (slot base, mask,
 *                       slot size), its own index, its cache of the other's, its bookkeeping.
 *   struct spsc_cons    the same for the consumer.
 *
 * Each side trusts only its private line. It stores its own index to the shared line but never
 * reads it back; the other side's index is read from the shared line (acquire) and checked
 * before use: a fill level 'head - tail' above the capacity is impossible for an honest peer, so
 * the endpoint records a fault (sticky) and behaves as empty / full from then on. Slots are
 * always (index & private mask), and no run ever exceeds the private capacity, so nothing a peer
 * writes into shared memory can move an access outside the slot array.
 * Indices count slots since init and wrap at 2^32.
 */
struct spsc_index {
	alignas(SPSC_CACHE_LINE) _Atomic uint32_t v;
	uint8_t pad[SPSC_CACHE_LINE - sizeof(uint32_t)];
};

struct spsc_shared {
	struct spsc_index head; /* next slot to fill; release-stored by the producer */
	struct spsc_index tail; /* next slot to drain; release-stored by the consumer */
};

struct spsc_prod {
	alignas(SPSC_CACHE_LINE) struct spsc_shared *sh;
	uint8_t *slots;
	uint32_t mask; /* capacity - 1 */
	uint32_t slot_size;
	uint32_t head;	     /* our index: the copy we trust; published to sh->head */
	uint32_t tail_cache; /* our last checked view of sh->tail */
	uint32_t reserved;   /* slots handed out by spsc_prod_reserve() */
	uint32_t fault;	     /* 0, or 1 once the consumer published an impossible tail */
	uint32_t bad_index;  /* that tail */
};

struct spsc_cons {
	alignas(SPSC_CACHE_LINE) struct spsc_shared *sh;
	uint8_t *slots;
	uint32_t mask;
	uint32_t slot_size;
	uint32_t tail;	     /* our index; published to sh->tail */
	uint32_t head_cache; /* our last checked view of sh->head */
	uint32_t peeked;     /* slots handed out by spsc_cons_peek() */
	uint32_t fault;	     /* 0, or 1 once the producer published an impossible head */
	uint32_t bad_index;  /* that head */
};

/* Both ends and the index lines in one object: a ring between two CPUs of the hypervisor. */
struct spsc_ring {
	struct spsc_shared sh;
	struct spsc_prod prod;
	struct spsc_cons cons;
};

_Static_assert(offsetof(struct spsc_shared, head) == 0, "producer index line");
_Static_assert(offsetof(struct spsc_shared, tail) == SPSC_CACHE_LINE, "consumer index line");
_Static_assert(sizeof(struct spsc_shared) == 2 * SPSC_CACHE_LINE, "two index lines");
_Static_assert(sizeof(struct spsc_prod) == SPSC_CACHE_LINE, "producer's private line");
_Static_assert(sizeof(struct spsc_cons) == SPSC_CACHE_LINE, "consumer's private line");
_Static_assert(offsetof(struct spsc_ring, prod) == 2 * SPSC_CACHE_LINE, "producer line");
_Static_assert(offsetof(struct spsc_ring, cons) == 3 * SPSC_CACHE_LINE, "consumer line");
_Static_assert(sizeof(struct spsc_ring) == 4 * SPSC_CACHE_LINE, "four blocks, nothing shared");
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
 * One end of a ring whose index lines 'sh' (SPSC_CACHE_LINE-aligned) and slots live in memory the other
 * side also writes. The geometry given here is copied into the endpoint and never read from
 * shared memory again. Our own index starts at 'start' and is stored to its line; the other's is
 * assumed to be 'start' too until read (and checked). E_INVAL on bad geometry, as spsc_init().
 */
int spsc_prod_attach(struct spsc_prod *p, struct spsc_shared *sh, void *slots, uint32_t capacity,
		     uint32_t slot_size, uint32_t start);
int spsc_cons_attach(struct spsc_cons *c, struct spsc_shared *sh, void *slots, uint32_t capacity,
		     uint32_t slot_size, uint32_t start);

/*
 * Endpoint API. Copy calls: 'msg' / 'msgs' are 8-byte aligned; one message is slot_size bytes,
 * a burst is n messages back to back. Bursts are partial: they move as many as fit (enqueue) or
 * are there (dequeue), up to n, and return that number; 0 means full / empty (or a fault).
 *
 * Zero copy: spsc_prod_reserve() returns how many free slots, up to n, it hands out and sets
 * *first to the first; they are contiguous (slot i at (uint8_t *)*first + i * slot_size), so the
 * count stops at the end of the buffer: after a wrap, commit and reserve again for the rest.
 * 0 (and *first = NULL) when full. Fill them, then spsc_prod_commit(p, k) publishes the first k
 * (k above the reserved count is clamped to it); slots reserved but not committed are handed out
 * again by the next reserve. spsc_cons_peek()/spsc_cons_release() are the same on the consumer
 * side: the slots stay valid and unchanged until released (unless a hostile producer writes
 * into them: their contents are then whatever it wrote, never an access out of the array).
 *
 * Waits: until the ring holds one message (consumer) / one free slot (producer), for at most
 * max_waits WFEs (aarch64) or pause instructions (other hosts). True when the condition holds,
 * false when the budget ran out or the peer's index is impossible; 0 only checks once.
 */
bool spsc_prod_enqueue(struct spsc_prod *p, const void *msg);
uint32_t spsc_prod_enqueue_burst(struct spsc_prod *p, const void *msgs, uint32_t n);
uint32_t spsc_prod_reserve(struct spsc_prod *p, uint32_t n, void **first);
void spsc_prod_commit(struct spsc_prod *p, uint32_t n);
/* Commit, then wake any waiter with SEV (aarch64; nothing on other hosts). */
void spsc_prod_commit_notify(struct spsc_prod *p, uint32_t n);
bool spsc_prod_wait_free(struct spsc_prod *p, uint32_t max_waits);

bool spsc_cons_dequeue(struct spsc_cons *c, void *msg);
uint32_t spsc_cons_dequeue_burst(struct spsc_cons *c, void *msgs, uint32_t n);
uint32_t spsc_cons_peek(struct spsc_cons *c, uint32_t n, void **first);
void spsc_cons_release(struct spsc_cons *c, uint32_t n);
bool spsc_cons_wait_nonempty(struct spsc_cons *c, uint32_t max_waits);

/* The ring API: the endpoint calls on the ring's own two ends. */
static inline bool spsc_enqueue(struct spsc_ring *r, const void *msg)
{
	return spsc_prod_enqueue(&r->prod, msg);
}
static inline uint32_t spsc_enqueue_burst(struct spsc_ring *r, const void *msgs, uint32_t n)
{
	return spsc_prod_enqueue_burst(&r->prod, msgs, n);
}
static inline bool spsc_dequeue(struct spsc_ring *r, void *msg)
{
	return spsc_cons_dequeue(&r->cons, msg);
}
static inline uint32_t spsc_dequeue_burst(struct spsc_ring *r, void *msgs, uint32_t n)
{
	return spsc_cons_dequeue_burst(&r->cons, msgs, n);
}
static inline uint32_t spsc_reserve(struct spsc_ring *r, uint32_t n, void **first)
{
	return spsc_prod_reserve(&r->prod, n, first);
}
static inline void spsc_commit(struct spsc_ring *r, uint32_t n)
{
	spsc_prod_commit(&r->prod, n);
}
static inline void spsc_commit_notify(struct spsc_ring *r, uint32_t n)
{
	spsc_prod_commit_notify(&r->prod, n);
}
static inline uint32_t spsc_peek(struct spsc_ring *r, uint32_t n, void **first)
{
	return spsc_cons_peek(&r->cons, n, first);
}
static inline void spsc_release(struct spsc_ring *r, uint32_t n)
{
	spsc_cons_release(&r->cons, n);
}
static inline bool spsc_wait_nonempty(struct spsc_ring *r, uint32_t max_waits)
{
	return spsc_cons_wait_nonempty(&r->cons, max_waits);
}
static inline bool spsc_wait_free(struct spsc_ring *r, uint32_t max_waits)
{
	return spsc_prod_wait_free(&r->prod, max_waits);
}

/* Statistics, callable from either side or a third observer; a snapshot, soon stale. */
uint32_t spsc_count(const struct spsc_ring *r);
uint32_t spsc_free(const struct spsc_ring *r);
uint32_t spsc_capacity(const struct spsc_ring *r);

#endif
