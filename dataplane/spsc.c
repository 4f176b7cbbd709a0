// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * The single-producer/single-consumer ring (spsc.h). Every cross-thread access is one acquire
 * load or one release store of an index: no seq_cst operation, no fence, no read-modify-write.
 * docs/dataplane.md walks through each pairing.
 */
#include "spsc.h"

#include "kernel/err.h"
#include "wait.h"

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

SPSC_INLINE uint32_t ring_capacity(const struct spsc_ring *r)
{
	return r->mask + 1;
}

SPSC_INLINE uint8_t *slot_at(const struct spsc_ring *r, uint32_t index)
{
	return r->slots + (size_t)(index & r->mask) * r->slot_size;
}

/* Slots from 'index' to the end of the buffer: where a zero-copy or burst run must stop. */
SPSC_INLINE uint32_t to_end(const struct spsc_ring *r, uint32_t index)
{
	return ring_capacity(r) - (index & r->mask);
}

SPSC_INLINE uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/*
 * Free slots seen by the producer at 'head'. The cached tail is a lower bound of the real one
 * (only the consumer advances it), so trusting it can only under-count; reload it only when the
 * cache shows fewer than 'want', which in a ring that is not full is rare, and the consumer's
 * line stays in the consumer's cache.
 */
SPSC_INLINE uint32_t prod_free(struct spsc_ring *r, uint32_t head, uint32_t want)
{
	uint32_t free = ring_capacity(r) - (head - r->tail_cache);

	if (free < want) {
		/*
		 * Acquire pairs with the consumer's release store of tail (spsc_dequeue*,
		 * spsc_release): its reads of the slots below the new tail happen before our
		 * writes that reuse them.
		 */
		r->tail_cache = atomic_load_explicit(&r->tail, memory_order_acquire);
		free = ring_capacity(r) - (head - r->tail_cache);
	}
	return free;
}

/* Filled slots seen by the consumer at 'tail'; the mirror image of prod_free(). */
SPSC_INLINE uint32_t cons_avail(struct spsc_ring *r, uint32_t tail, uint32_t want)
{
	uint32_t avail = r->head_cache - tail;

	if (avail < want) {
		/*
		 * Acquire pairs with the producer's release store of head (spsc_enqueue*,
		 * spsc_commit): its writes of the slots below the new head happen before our reads.
		 */
		r->head_cache = atomic_load_explicit(&r->head, memory_order_acquire);
		avail = r->head_cache - tail;
	}
	return avail;
}

/*
 * Publish n more filled slots. Release: the slot writes before it become visible to a consumer
 * no later than the new head (pairs with the acquire in cons_avail / spsc_wait_nonempty).
 */
SPSC_INLINE void publish_head(struct spsc_ring *r, uint32_t head, uint32_t n)
{
	atomic_store_explicit(&r->head, head + n, memory_order_release);
}

/*
 * Hand n drained slots back. Release: the slot reads before it are done before the producer
 * can see the new tail and overwrite them (pairs with the acquire in prod_free).
 */
SPSC_INLINE void publish_tail(struct spsc_ring *r, uint32_t tail, uint32_t n)
{
	atomic_store_explicit(&r->tail, tail + n, memory_order_release);
}

int spsc_init_at(struct spsc_ring *r, void *slots, uint32_t capacity, uint32_t slot_size,
		 uint32_t start)
{
	uint64_t bytes = (uint64_t)capacity * slot_size;

	if (!r || !slots || ((uintptr_t)slots % SPSC_SLOT_ALIGN) != 0)
		return E_INVAL;
	if (capacity == 0 || capacity > SPSC_MAX_CAPACITY || (capacity & (capacity - 1)) != 0)
		return E_INVAL;
	if (slot_size == 0 || slot_size % SPSC_SLOT_ALIGN != 0)
		return E_INVAL;
	if (bytes > SIZE_MAX || (uintptr_t)slots > UINTPTR_MAX - (uintptr_t)bytes)
		return E_INVAL;

	atomic_init(&r->head, start);
	r->tail_cache = start;
	r->reserved = 0;
	atomic_init(&r->tail, start);
	r->head_cache = start;
	r->peeked = 0;
	r->slots = slots;
	r->mask = capacity - 1;
	r->slot_size = slot_size;
	return 0;
}

int spsc_init(struct spsc_ring *r, void *slots, uint32_t capacity, uint32_t slot_size)
{
	return spsc_init_at(r, slots, capacity, slot_size, 0);
}

bool spsc_enqueue(struct spsc_ring *r, const void *msg)
{
	/* Relaxed: only this side stores head, so it reads back its own last store. */
	uint32_t head = atomic_load_explicit(&r->head, memory_order_relaxed);

	if (prod_free(r, head, 1) == 0)
		return false;
	r->reserved = 0; /* a copy ends any zero-copy reservation: it reuses the same slots */
	copy_words(slot_at(r, head), msg, r->slot_size);
	publish_head(r, head, 1);
	return true;
}

uint32_t spsc_enqueue_burst(struct spsc_ring *r, const void *msgs, uint32_t n)
{
	uint32_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	const uint8_t *src = msgs;
	uint32_t first;

	n = min_u32(n, prod_free(r, head, n));
	if (n == 0)
		return 0;
	r->reserved = 0;
	/* At most two runs: up to the end of the buffer, then from its start. */
	first = min_u32(n, to_end(r, head));
	copy_words(slot_at(r, head), src, (size_t)first * r->slot_size);
	copy_words(r->slots, src + (size_t)first * r->slot_size,
		   (size_t)(n - first) * r->slot_size);
	publish_head(r, head, n);
	return n;
}

bool spsc_dequeue(struct spsc_ring *r, void *msg)
{
	/* Relaxed: only this side stores tail. */
	uint32_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);

	if (cons_avail(r, tail, 1) == 0)
		return false;
	r->peeked = 0;
	copy_words(msg, slot_at(r, tail), r->slot_size);
	publish_tail(r, tail, 1);
	return true;
}

uint32_t spsc_dequeue_burst(struct spsc_ring *r, void *msgs, uint32_t n)
{
	uint32_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	uint8_t *dst = msgs;
	uint32_t first;

	n = min_u32(n, cons_avail(r, tail, n));
	if (n == 0)
		return 0;
	r->peeked = 0;
	first = min_u32(n, to_end(r, tail));
	copy_words(dst, slot_at(r, tail), (size_t)first * r->slot_size);
	copy_words(dst + (size_t)first * r->slot_size, r->slots,
		   (size_t)(n - first) * r->slot_size);
	publish_tail(r, tail, n);
	return n;
}

uint32_t spsc_reserve(struct spsc_ring *r, uint32_t n, void **first)
{
	uint32_t head = atomic_load_explicit(&r->head, memory_order_relaxed);

	n = min_u32(n, to_end(r, head));
	n = min_u32(n, prod_free(r, head, n));
	r->reserved = n;
	*first = n ? slot_at(r, head) : NULL;
	return n;
}

void spsc_commit(struct spsc_ring *r, uint32_t n)
{
	uint32_t head = atomic_load_explicit(&r->head, memory_order_relaxed);

	n = min_u32(n, r->reserved);
	if (n == 0)
		return;
	r->reserved -= n; /* the rest stays reserved, now starting at the new head */
	publish_head(r, head, n);
}

void spsc_commit_notify(struct spsc_ring *r, uint32_t n)
{
	spsc_commit(r, n);
	spsc_wake();
}

uint32_t spsc_peek(struct spsc_ring *r, uint32_t n, void **first)
{
	uint32_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);

	n = min_u32(n, to_end(r, tail));
	n = min_u32(n, cons_avail(r, tail, n));
	r->peeked = n;
	*first = n ? slot_at(r, tail) : NULL;
	return n;
}

void spsc_release(struct spsc_ring *r, uint32_t n)
{
	uint32_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);

	n = min_u32(n, r->peeked);
	if (n == 0)
		return;
	r->peeked -= n;
	publish_tail(r, tail, n);
}

bool spsc_wait_nonempty(struct spsc_ring *r, uint32_t max_waits)
{
	uint32_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	uint32_t head, i;

	for (i = 0;; i++) {
		/* Acquire, as in cons_avail: a later dequeue may trust head_cache without reloading. */
		head = atomic_load_explicit(&r->head, memory_order_acquire);
		if (head != tail) {
			r->head_cache = head;
			return true;
		}
		if (i == max_waits)
			return false;
		spsc_wait_change32(&r->head, head);
	}
}

bool spsc_wait_free(struct spsc_ring *r, uint32_t max_waits)
{
	uint32_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	uint32_t tail, i;

	for (i = 0;; i++) {
		/* Acquire, as in prod_free: a later enqueue may trust tail_cache. */
		tail = atomic_load_explicit(&r->tail, memory_order_acquire);
		if (head - tail < ring_capacity(r)) {
			r->tail_cache = tail;
			return true;
		}
		if (i == max_waits)
			return false;
		spsc_wait_change32(&r->tail, tail);
	}
}

uint32_t spsc_count(const struct spsc_ring *r)
{
	/*
	 * Tail first, with acquire: the consumer saw head at or past this tail before storing it,
	 * so the head loaded after it is too, and head - tail cannot go negative. It can exceed
	 * the capacity when the consumer moves between the loads: clamp.
	 */
	uint32_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
	uint32_t head = atomic_load_explicit(&r->head, memory_order_acquire);

	return min_u32(head - tail, ring_capacity(r));
}

uint32_t spsc_free(const struct spsc_ring *r)
{
	return ring_capacity(r) - spsc_count(r);
}

uint32_t spsc_capacity(const struct spsc_ring *r)
{
	return ring_capacity(r);
}
