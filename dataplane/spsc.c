// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * The single-producer/single-consumer ring (spsc.h). Every cross-thread access is one acquire
 * load or one release store of an index: no seq_cst operation, no fence, no read-modify-write.
 * Each end reads the other's index from shared memory and checks it before it indexes anything.
 * docs/dataplane.md walks through each pairing.
 */
#include "dataplane/spsc.h"

#include "kernel/lib/err.h"
#include "dataplane/spsc_common.h"
#include "dataplane/wait.h"

/*
 * A read prefetch of the next slot's line, issued by a consumer that finds the ring empty. The
 * only hint in the ring: a prefetch is no access in C's model (no data race with the producer's
 * writes, nothing TSan sees), and on AArch64 it is a PRFM PLDL1KEEP, which orders nothing. The
 * unit test tests/unit/test_spsc_prefetch.c defines it first to record every address.
 */
#ifndef SPSC_PREFETCH
#define SPSC_PREFETCH(addr) __builtin_prefetch((addr), 0, 3)
#endif

/*
 * Free slots seen by the producer. The cached tail is a lower bound of the real one (only the
 * consumer advances it), so trusting it can only under-count; reload it only when the cache
 * shows fewer than 'want', which in a ring that is not full is rare, and the consumer's line
 * stays in the consumer's cache. A reloaded tail is checked: head - tail above the capacity
 * cannot come from an honest consumer (it never passes a head it has not seen).
 */
SPSC_INLINE uint32_t prod_free(struct spsc_prod *p, uint32_t want)
{
	uint32_t cap = p->mask + 1, tail;
	uint32_t free = cap - (p->head - p->tail_cache);

	if (free < want) {
		/*
		 * Acquire pairs with the consumer's release store of tail (spsc_cons_dequeue*,
		 * spsc_cons_release): its reads of the slots below the new tail happen before our
		 * writes that reuse them.
		 */
		tail = atomic_load_explicit(&p->sh->tail.v, memory_order_acquire);
		if (p->head - tail > cap) {
			p->fault = 1;
			p->bad_index = tail;
			p->tail_cache = p->head - cap; /* looks full: every later call rechecks */
			return 0;
		}
		p->tail_cache = tail;
		free = cap - (p->head - tail);
	}
	return free;
}

/*
 * The consumer found the ring empty: fetch the line of the slot the next message will be in.
 * Without it a message costs two serial transfers each way: the poll sees the new head, and only
 * then (the branch on it was predicted "empty") does the slot's read miss go out. With it the
 * slot's line is requested on every empty poll; once the producer has written it, the copy in our
 * cache is invalidated and the next poll's prefetch brings it back beside the new head, so the
 * two transfers overlap. The address is from the private geometry and the private tail: nothing
 * the producer publishes steers it (a faulted consumer never gets here).
 */
SPSC_INLINE void prefetch_next(const struct spsc_cons *c)
{
	SPSC_PREFETCH(slot_at(c->slots, c->mask, c->slot_size, c->tail));
}

/* Filled slots seen by the consumer; the mirror image of prod_free(). */
SPSC_INLINE uint32_t cons_avail(struct spsc_cons *c, uint32_t want)
{
	uint32_t avail = c->head_cache - c->tail, head;

	if (avail < want) {
		/*
		 * Acquire pairs with the producer's release store of head (spsc_prod_enqueue*,
		 * spsc_prod_commit): its writes of the slots below the new head happen before our
		 * reads.
		 */
		head = atomic_load_explicit(&c->sh->head.v, memory_order_acquire);
		if (head - c->tail > c->mask + 1) {
			c->fault = 1;
			c->bad_index = head;
			c->head_cache = c->tail; /* looks empty */
			return 0;
		}
		c->head_cache = head;
		avail = head - c->tail;
		if (avail == 0)
			prefetch_next(c);
	}
	return avail;
}

/*
 * Publish n more filled slots. Release: the slot writes before it become visible to a consumer
 * no later than the new head (pairs with the acquire in cons_avail / spsc_cons_wait_nonempty).
 */
SPSC_INLINE void publish_head(struct spsc_prod *p, uint32_t n)
{
	p->head += n;
	atomic_store_explicit(&p->sh->head.v, p->head, memory_order_release);
}

/*
 * Hand n drained slots back. Release: the slot reads before it are done before the producer
 * can see the new tail and overwrite them (pairs with the acquire in prod_free).
 */
SPSC_INLINE void publish_tail(struct spsc_cons *c, uint32_t n)
{
	c->tail += n;
	atomic_store_explicit(&c->sh->tail.v, c->tail, memory_order_release);
}

int spsc_prod_attach(struct spsc_prod *p, struct spsc_shared *sh, void *slots, uint32_t capacity,
		     uint32_t slot_size, uint32_t start)
{
	int ret = spsc_check_geometry(sh, slots, capacity, slot_size);

	if (ret || !p)
		return ret ? ret : E_INVAL;
	*p = (struct spsc_prod){ .sh = sh,
				 .slots = slots,
				 .mask = capacity - 1,
				 .slot_size = slot_size,
				 .head = start,
				 .tail_cache = start };
	atomic_store_explicit(&sh->head.v, start, memory_order_release);
	return 0;
}

int spsc_cons_attach(struct spsc_cons *c, struct spsc_shared *sh, void *slots, uint32_t capacity,
		     uint32_t slot_size, uint32_t start)
{
	int ret = spsc_check_geometry(sh, slots, capacity, slot_size);

	if (ret || !c)
		return ret ? ret : E_INVAL;
	*c = (struct spsc_cons){ .sh = sh,
				 .slots = slots,
				 .mask = capacity - 1,
				 .slot_size = slot_size,
				 .tail = start,
				 .head_cache = start };
	atomic_store_explicit(&sh->tail.v, start, memory_order_release);
	return 0;
}

int spsc_init_at(struct spsc_ring *r, void *slots, uint32_t capacity, uint32_t slot_size,
		 uint32_t start)
{
	int ret;

	if (!r)
		return E_INVAL;
	ret = spsc_check_geometry(&r->sh, slots, capacity, slot_size);
	if (ret)
		return ret;
	atomic_init(&r->sh.head.v, start);
	atomic_init(&r->sh.tail.v, start);
	spsc_prod_attach(&r->prod, &r->sh, slots, capacity, slot_size, start);
	spsc_cons_attach(&r->cons, &r->sh, slots, capacity, slot_size, start);
	return 0;
}

int spsc_init(struct spsc_ring *r, void *slots, uint32_t capacity, uint32_t slot_size)
{
	return spsc_init_at(r, slots, capacity, slot_size, 0);
}

bool spsc_prod_enqueue(struct spsc_prod *p, const void *msg)
{
	if (prod_free(p, 1) == 0)
		return false;
	p->reserved = 0; /* a copy ends any zero-copy reservation: it reuses the same slots */
	copy_words(slot_at(p->slots, p->mask, p->slot_size, p->head), msg, p->slot_size);
	publish_head(p, 1);
	return true;
}

uint32_t spsc_prod_enqueue_burst(struct spsc_prod *p, const void *msgs, uint32_t n)
{
	const uint8_t *src = msgs;
	uint32_t first;

	n = min_u32(n, prod_free(p, n));
	if (n == 0)
		return 0;
	p->reserved = 0;
	/* At most two runs: up to the end of the buffer, then from its start. */
	first = min_u32(n, to_end(p->mask, p->head));
	copy_words(slot_at(p->slots, p->mask, p->slot_size, p->head), src,
		   (size_t)first * p->slot_size);
	copy_words(p->slots, src + (size_t)first * p->slot_size,
		   (size_t)(n - first) * p->slot_size);
	publish_head(p, n);
	return n;
}

bool spsc_cons_dequeue(struct spsc_cons *c, void *msg)
{
	if (cons_avail(c, 1) == 0)
		return false;
	c->peeked = 0;
	copy_words(msg, slot_at(c->slots, c->mask, c->slot_size, c->tail), c->slot_size);
	publish_tail(c, 1);
	return true;
}

uint32_t spsc_cons_dequeue_burst(struct spsc_cons *c, void *msgs, uint32_t n)
{
	uint8_t *dst = msgs;
	uint32_t first;

	n = min_u32(n, cons_avail(c, n));
	if (n == 0)
		return 0;
	c->peeked = 0;
	first = min_u32(n, to_end(c->mask, c->tail));
	copy_words(dst, slot_at(c->slots, c->mask, c->slot_size, c->tail),
		   (size_t)first * c->slot_size);
	copy_words(dst + (size_t)first * c->slot_size, c->slots,
		   (size_t)(n - first) * c->slot_size);
	publish_tail(c, n);
	return n;
}

uint32_t spsc_prod_reserve(struct spsc_prod *p, uint32_t n, void **first)
{
	n = min_u32(n, to_end(p->mask, p->head));
	n = min_u32(n, prod_free(p, n));
	p->reserved = n;
	*first = n ? slot_at(p->slots, p->mask, p->slot_size, p->head) : NULL;
	return n;
}

void spsc_prod_commit(struct spsc_prod *p, uint32_t n)
{
	n = min_u32(n, p->reserved);
	if (n == 0)
		return;
	p->reserved -= n; /* the rest stays reserved, now starting at the new head */
	publish_head(p, n);
}

void spsc_prod_commit_notify(struct spsc_prod *p, uint32_t n)
{
	spsc_prod_commit(p, n);
	spsc_wake();
}

uint32_t spsc_cons_peek(struct spsc_cons *c, uint32_t n, void **first)
{
	n = min_u32(n, to_end(c->mask, c->tail));
	n = min_u32(n, cons_avail(c, n));
	c->peeked = n;
	*first = n ? slot_at(c->slots, c->mask, c->slot_size, c->tail) : NULL;
	return n;
}

void spsc_cons_release(struct spsc_cons *c, uint32_t n)
{
	n = min_u32(n, c->peeked);
	if (n == 0)
		return;
	c->peeked -= n;
	publish_tail(c, n);
}

bool spsc_cons_wait_nonempty(struct spsc_cons *c, uint32_t max_waits)
{
	uint32_t head, i;

	for (i = 0;; i++) {
		/* Acquire, as in cons_avail: a later dequeue may trust head_cache without reloading. */
		head = atomic_load_explicit(&c->sh->head.v, memory_order_acquire);
		if (head - c->tail > c->mask + 1) {
			c->fault = 1;
			c->bad_index = head;
			c->head_cache = c->tail;
			return false;
		}
		if (head != c->tail) {
			c->head_cache = head;
			return true;
		}
		prefetch_next(c);
		if (i == max_waits)
			return false;
		spsc_wait_change32(&c->sh->head.v, head);
	}
}

bool spsc_prod_wait_free(struct spsc_prod *p, uint32_t max_waits)
{
	uint32_t cap = p->mask + 1, tail, i;

	for (i = 0;; i++) {
		/* Acquire, as in prod_free: a later enqueue may trust tail_cache. */
		tail = atomic_load_explicit(&p->sh->tail.v, memory_order_acquire);
		if (p->head - tail > cap) {
			p->fault = 1;
			p->bad_index = tail;
			p->tail_cache = p->head - cap;
			return false;
		}
		if (p->head - tail < cap) {
			p->tail_cache = tail;
			return true;
		}
		if (i == max_waits)
			return false;
		spsc_wait_change32(&p->sh->tail.v, tail);
	}
}

uint32_t spsc_count(const struct spsc_ring *r)
{
	/*
	 * Tail first, with acquire: the consumer saw head at or past this tail before storing it,
	 * so the head loaded after it is too, and head - tail cannot go negative. It can exceed
	 * the capacity when the consumer moves between the loads: clamp.
	 */
	uint32_t tail = atomic_load_explicit(&r->sh.tail.v, memory_order_acquire);
	uint32_t head = atomic_load_explicit(&r->sh.head.v, memory_order_acquire);

	return min_u32(head - tail, r->prod.mask + 1);
}

uint32_t spsc_free(const struct spsc_ring *r)
{
	return spsc_capacity(r) - spsc_count(r);
}

uint32_t spsc_capacity(const struct spsc_ring *r)
{
	return r->prod.mask + 1;
}
