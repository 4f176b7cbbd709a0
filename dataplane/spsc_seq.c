// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * The sequence ring (spsc_seq.h). The consumer learns that a message is there from the sequence
 * word in the message's own slot, so with slots of one line a message costs one line transfer;
 * the index lines carry only the consumer's progress back to the producer, stored in batches.
 * Every cross-thread access is one acquire load or one release store: no seq_cst operation, no
 * fence, no read-modify-write. docs/dataplane.md, "The sequence ring", walks through each pair.
 */
#include "dataplane/spsc_seq.h"

#include "kernel/lib/err.h"
#include "dataplane/spsc_common.h"
#include "dataplane/wait.h"

/* A read prefetch of a slot line the consumer will want; see prefetch_next(). Tests may record. */
#ifndef SPSC_SEQ_PREFETCH
#define SPSC_SEQ_PREFETCH(addr) __builtin_prefetch((addr), 0, 3)
#endif

/*
 * The sequence word of slot 'index': in the slot's last 8 bytes, or in the trailer array after
 * the slots (spsc_seq_inline); 'trailers' and 'tstride' are the private geometry for either.
 */
SPSC_INLINE _Atomic uint32_t *seq_at(uint8_t *trailers, uint32_t mask, uint32_t tstride,
				     uint32_t index)
{
	return (_Atomic uint32_t *)(void *)slot_at(trailers, mask, tstride, index);
}

/* The run length beside it: how many slots the run starting at this one holds. */
SPSC_INLINE _Atomic uint32_t *len_at(uint8_t *trailers, uint32_t mask, uint32_t tstride,
				     uint32_t index)
{
	return seq_at(trailers, mask, tstride, index) + 1;
}

/*
 * Copy one message. 64 bytes (a line, and the benchmark's size) gets its own unrolled copy: a
 * loop whose count is a run-time value costs a setup and a tail per message, which at 32
 * messages a burst is a large part of the work.
 */
SPSC_INLINE void copy_msg(void *dst, const void *src, uint32_t size)
{
	if (size == 64)
		copy_words(dst, src, 64);
	else
		copy_words(dst, src, size);
}

/* ---- producer ---- */

/*
 * Free slots seen by the producer, as prod_free() in spsc.c: the cached tail is a lower bound
 * of the real one, reloaded (and checked) only when it shows fewer than 'want'. A faulted
 * producer sees a full ring.
 */
SPSC_INLINE uint32_t prod_free(struct spsc_seq_prod *p, uint32_t want)
{
	uint32_t cap = p->mask + 1, tail;
	uint32_t free = cap - (p->head - p->tail_cache);

	if (free < want && !p->fault) {
		/*
		 * Acquire pairs with the consumer's release store of tail (publish_tail): its
		 * reads of the slots below the new tail happen before our writes that reuse them.
		 */
		tail = atomic_load_explicit(&p->sh->tail.v, memory_order_acquire);
		if (p->head - tail > cap) {
			p->fault = 1;
			p->bad_index = tail;
			p->tail_cache = p->head - cap; /* looks full from now on */
			return 0;
		}
		p->tail_cache = tail;
		free = cap - (p->head - tail);
	}
	return free;
}

/*
 * Ring the doorbell of the run starting at 'index': store its sequence word. Release: the run's
 * messages, run length and other words, written before, are visible to a consumer no later than
 * this word (pairs with the acquire in cons_ready); and for reused slots, they come after our
 * acquire of the tail that freed them.
 */
SPSC_INLINE void publish_slot(struct spsc_seq_prod *p, uint32_t index)
{
	atomic_store_explicit(seq_at(p->trailers, p->mask, p->tstride, index), index + 1,
			      memory_order_release);
}

/*
 * Publish the n slots from our head as one run: every slot's word says i + 1, the first slot
 * also holds n, and its word is stored last (release), so it is the run's doorbell. The consumer
 * polls only doorbells and reads the run's other slots without touching their words, so it
 * never reads a line we are about to write: had it checked each next slot's word, it would take
 * every line of a burst away from us while we write it, a transfer each way per slot (measured
 * on the host benchmark: a quarter of the burst-32 throughput). The other words are relaxed:
 * they are only read as doorbells in a later lap, after this run's doorbell orders them.
 */
SPSC_INLINE void publish_run(struct spsc_seq_prod *p, uint32_t n)
{
	uint8_t *trailers = p->trailers;
	uint32_t mask = p->mask, tstride = p->tstride, head = p->head, i;

	for (i = 1; i < n; i++)
		atomic_store_explicit(seq_at(trailers, mask, tstride, head + i), head + i + 1,
				      memory_order_relaxed);
	atomic_store_explicit(len_at(trailers, mask, tstride, head), n, memory_order_relaxed);
	publish_slot(p, head);
}

/*
 * The head line is for observers only (spsc_seq_count); the consumer never reads it, so it is
 * stored once per 'batch' slots. Release keeps spsc_seq_count's head from passing the runs'
 * doorbells (each stored, with release, before).
 */
SPSC_INLINE void publish_head(struct spsc_seq_prod *p, uint32_t n)
{
	p->head += n;
	if (p->head - p->head_pub >= p->batch) {
		p->head_pub = p->head;
		atomic_store_explicit(&p->sh->head.v, p->head, memory_order_release);
	}
}

/* ---- consumer ---- */

/*
 * The consumer found the ring empty at 'tail': unless the sequence word is in the message's
 * first line (one-line slots), the poll brings in only the word's line; fetch the message's
 * first line alongside, so that the two transfers overlap. Private geometry and index only.
 */
SPSC_INLINE void prefetch_next(const struct spsc_seq_cons *c)
{
	if (c->stride > SPSC_SEQ_LINE || c->tstride != c->stride)
		SPSC_SEQ_PREFETCH(slot_at(c->slots, c->mask, c->stride, c->tail));
}

/*
 * Hand drained slots back. Release: our reads of the slots below the new tail are complete
 * before the producer can see them free (pairs with the acquire in prod_free). Stored once per
 * 'batch' slots, or by flush_tail() when the ring is found empty.
 */
SPSC_INLINE void store_tail(struct spsc_seq_cons *c)
{
	c->tail_pub = c->tail;
	atomic_store_explicit(&c->sh->tail.v, c->tail, memory_order_release);
}

SPSC_INLINE void publish_tail(struct spsc_seq_cons *c, uint32_t n)
{
	c->tail += n;
	if (c->tail - c->tail_pub >= c->batch)
		store_tail(c);
}

/* Idle: nothing left to drain, so let the producer see every slot we freed. */
SPSC_INLINE void flush_tail(struct spsc_seq_cons *c)
{
	if (c->tail_pub != c->tail)
		store_tail(c);
}

SPSC_INLINE uint32_t cons_fault(struct spsc_seq_cons *c, uint32_t seq, uint32_t len, uint32_t at)
{
	c->fault = 1;
	c->bad_seq = seq;
	c->bad_len = len;
	c->bad_at = at;
	c->ready = c->tail;
	return 0;
}

/*
 * Messages ready for the consumer, up to 'want' (at most the capacity): those already seen,
 * then whole runs, doorbell by doorbell, until one is not yet rung. For an honest producer the
 * word of the doorbell slot i (tail <= i < tail + capacity) is i + 1 (published) or
 * i + 1 - capacity (the previous lap: empty), and a published run fits in what is left of the
 * ring past i; anything else is a fault, recorded with the slot, after which the ring reads as
 * empty. Only the private geometry and indices steer the loads, and no run passes tail + capacity.
 */
SPSC_INLINE uint32_t cons_ready(struct spsc_seq_cons *c, uint32_t want)
{
	uint32_t cap = c->mask + 1, i = c->ready, seq, len;

	want = min_u32(want, cap);
	if (i - c->tail >= want)
		return i - c->tail;
	if (c->fault)
		return 0;
	while (i - c->tail < want) {
		/*
		 * Acquire pairs with the producer's release store of this doorbell (publish_slot
		 * in publish_run): its writes of the run's messages and run length happen before
		 * our reads of them.
		 */
		seq = atomic_load_explicit(seq_at(c->trailers, c->mask, c->tstride, i),
					   memory_order_acquire);
		if (seq != i + 1) {
			if (seq != i + 1 - cap)
				return cons_fault(c, seq, 0, i);
			break;
		}
		len = atomic_load_explicit(len_at(c->trailers, c->mask, c->tstride, i),
					   memory_order_relaxed);
		if (len == 0 || len > cap - (i - c->tail))
			return cons_fault(c, seq, len, i);
		i += len;
	}
	c->ready = i;
	if (i == c->tail) {
		flush_tail(c);
		prefetch_next(c);
	}
	return i - c->tail;
}

/* ---- set-up ---- */

static int check_geometry(const void *sh, const void *slots, uint32_t capacity, uint32_t msg_size)
{
	int ret;

	if (msg_size == 0 || msg_size > SPSC_SEQ_MAX_MSG || msg_size % SPSC_SLOT_ALIGN != 0)
		return E_INVAL;
	ret = spsc_check_geometry(sh, slots, capacity, spsc_seq_stride(msg_size));
	if (ret)
		return ret;
	/* The trailer array, when there is one, must fit the address space too. */
	if (spsc_seq_bytes(capacity, msg_size) > UINTPTR_MAX - (uintptr_t)slots)
		return E_INVAL;
	return 0;
}

/* Where slot 0's trailer is, and how far apart trailers are (spsc_seq_inline()). */
static uint8_t *trailers_for(void *slots, uint32_t capacity, uint32_t msg_size, uint32_t *tstride)
{
	uint32_t stride = spsc_seq_stride(msg_size);

	if (spsc_seq_inline(msg_size)) {
		*tstride = stride;
		return (uint8_t *)slots + stride - SPSC_SEQ_TRAILER;
	}
	*tstride = SPSC_SEQ_TRAILER;
	return (uint8_t *)slots + (size_t)capacity * stride;
}

/* Slots a side moves before it stores its index: a quarter of the ring, 1 to 32. */
static uint32_t batch_for(uint32_t capacity)
{
	uint32_t b = capacity / 4;

	return b == 0 ? 1 : min_u32(b, SPSC_SEQ_MAX_BATCH);
}

int spsc_seq_prod_attach(struct spsc_seq_prod *p, struct spsc_shared *sh, void *slots,
			 uint32_t capacity, uint32_t msg_size, uint32_t start)
{
	int ret = check_geometry(sh, slots, capacity, msg_size);
	uint32_t i, tstride;
	uint8_t *trailers;

	if (ret || !p)
		return ret ? ret : E_INVAL;
	trailers = trailers_for(slots, capacity, msg_size, &tstride);
	*p = (struct spsc_seq_prod){ .sh = sh,
				     .slots = slots,
				     .trailers = trailers,
				     .mask = capacity - 1,
				     .msg_size = msg_size,
				     .stride = spsc_seq_stride(msg_size),
				     .tstride = tstride,
				     .batch = batch_for(capacity),
				     .head = start,
				     .head_pub = start,
				     .tail_cache = start };
	/* Every slot empty for index 'start': it holds what the lap before would have left. */
	for (i = 0; i < capacity; i++)
		atomic_store_explicit(seq_at(p->trailers, p->mask, p->tstride, start + i),
				      start + i + 1 - capacity, memory_order_relaxed);
	/* Release: the sequence words above are visible to whoever acquires this head. */
	atomic_store_explicit(&sh->head.v, start, memory_order_release);
	return 0;
}

int spsc_seq_cons_attach(struct spsc_seq_cons *c, struct spsc_shared *sh, void *slots,
			 uint32_t capacity, uint32_t msg_size, uint32_t start)
{
	int ret = check_geometry(sh, slots, capacity, msg_size);
	uint32_t tstride;
	uint8_t *trailers;

	if (ret || !c)
		return ret ? ret : E_INVAL;
	trailers = trailers_for(slots, capacity, msg_size, &tstride);
	*c = (struct spsc_seq_cons){ .sh = sh,
				     .slots = slots,
				     .trailers = trailers,
				     .mask = capacity - 1,
				     .msg_size = msg_size,
				     .stride = spsc_seq_stride(msg_size),
				     .tstride = tstride,
				     .batch = batch_for(capacity),
				     .tail = start,
				     .tail_pub = start,
				     .ready = start };
	atomic_store_explicit(&sh->tail.v, start, memory_order_release);
	return 0;
}

int spsc_seq_init_at(struct spsc_seq_ring *r, void *slots, uint32_t capacity, uint32_t msg_size,
		     uint32_t start)
{
	int ret;

	if (!r)
		return E_INVAL;
	ret = check_geometry(&r->sh, slots, capacity, msg_size);
	if (ret)
		return ret;
	atomic_init(&r->sh.head.v, start);
	atomic_init(&r->sh.tail.v, start);
	spsc_seq_prod_attach(&r->prod, &r->sh, slots, capacity, msg_size, start);
	spsc_seq_cons_attach(&r->cons, &r->sh, slots, capacity, msg_size, start);
	return 0;
}

int spsc_seq_init(struct spsc_seq_ring *r, void *slots, uint32_t capacity, uint32_t msg_size)
{
	return spsc_seq_init_at(r, slots, capacity, msg_size, 0);
}

/* ---- producer calls ---- */

bool spsc_seq_prod_enqueue(struct spsc_seq_prod *p, const void *msg)
{
	if (prod_free(p, 1) == 0)
		return false;
	p->reserved = 0; /* a copy ends any zero-copy reservation: it reuses the same slots */
	copy_msg(slot_at(p->slots, p->mask, p->stride, p->head), msg, p->msg_size);
	publish_run(p, 1);
	publish_head(p, 1);
	return true;
}

/*
 * Copy n messages into the slots from our head, which do not pass the end of the array, and
 * publish them as one run. With the trailers in the slots the first slot is written last: the
 * consumer may be polling its line, so write that line once, just before the doorbell, rather
 * than lose it back and forth while the others are written. With a trailer array the consumer
 * polls the trailer line instead, and the messages go in order.
 */
SPSC_INLINE void copy_run(struct spsc_seq_prod *p, const uint8_t *src, uint32_t n)
{
	/* Locals: the slot stores may alias *p as far as the compiler knows. */
	uint8_t *s = slot_at(p->slots, p->mask, p->stride, p->head);
	uint32_t stride = p->stride, size = p->msg_size, i;

	if (p->tstride == stride) {
		for (i = 1; i < n; i++)
			copy_msg(s + (size_t)i * stride, src + (size_t)i * size, size);
		copy_msg(s, src, size);
	} else if (stride == size) {
		copy_words(s, src, (size_t)n * size); /* contiguous messages: one copy */
	} else {
		for (i = 0; i < n; i++)
			copy_msg(s + (size_t)i * stride, src + (size_t)i * size, size);
	}
	publish_run(p, n);
	publish_head(p, n);
}

uint32_t spsc_seq_prod_enqueue_burst(struct spsc_seq_prod *p, const void *msgs, uint32_t n)
{
	const uint8_t *src = msgs;
	uint32_t first;

	n = min_u32(n, prod_free(p, n));
	if (n == 0)
		return 0;
	p->reserved = 0;
	/*
	 * At most two runs, as two reservations would be: up to the end of the array, then from
	 * its start. A run that wrapped would have its slots at both ends of the array.
	 */
	first = min_u32(n, to_end(p->mask, p->head));
	copy_run(p, src, first);
	if (n > first)
		copy_run(p, src + (size_t)first * p->msg_size, n - first);
	return n;
}

uint32_t spsc_seq_prod_reserve(struct spsc_seq_prod *p, uint32_t n, void **first)
{
	n = min_u32(n, to_end(p->mask, p->head));
	n = min_u32(n, prod_free(p, n));
	p->reserved = n;
	*first = n ? slot_at(p->slots, p->mask, p->stride, p->head) : NULL;
	return n;
}

SPSC_INLINE void commit(struct spsc_seq_prod *p, uint32_t n)
{
	n = min_u32(n, p->reserved);
	if (n == 0)
		return;
	p->reserved -= n; /* the rest stays reserved, now starting at the new head */
	publish_run(p, n);
	publish_head(p, n);
}

void spsc_seq_prod_commit(struct spsc_seq_prod *p, uint32_t n)
{
	commit(p, n);
}

void spsc_seq_prod_commit_notify(struct spsc_seq_prod *p, uint32_t n)
{
	commit(p, n);
	spsc_wake();
}

bool spsc_seq_prod_wait_free(struct spsc_seq_prod *p, uint32_t max_waits)
{
	uint32_t tail, i;

	for (i = 0;; i++) {
		if (prod_free(p, 1) != 0)
			return true;
		if (p->fault || i == max_waits)
			return false;
		tail = p->tail_cache;
		spsc_wait_change32(&p->sh->tail.v, tail);
	}
}

/* ---- consumer calls ---- */

bool spsc_seq_cons_dequeue(struct spsc_seq_cons *c, void *msg)
{
	if (cons_ready(c, 1) == 0)
		return false;
	c->peeked = 0;
	copy_msg(msg, slot_at(c->slots, c->mask, c->stride, c->tail), c->msg_size);
	publish_tail(c, 1);
	return true;
}

uint32_t spsc_seq_cons_dequeue_burst(struct spsc_seq_cons *c, void *msgs, uint32_t n)
{
	uint8_t *dst = msgs, *slots = c->slots;
	uint32_t mask = c->mask, stride = c->stride, size = c->msg_size, tail = c->tail, i, first;

	n = min_u32(n, cons_ready(c, n));
	if (n == 0)
		return 0;
	c->peeked = 0;
	if (stride == size) {
		/* Contiguous messages: at most two copies, to the end of the array and from its start. */
		first = min_u32(n, to_end(mask, tail));
		copy_words(dst, slot_at(slots, mask, stride, tail), (size_t)first * size);
		copy_words(dst + (size_t)first * size, slots, (size_t)(n - first) * size);
	} else {
		for (i = 0; i < n; i++)
			copy_msg(dst + (size_t)i * size, slot_at(slots, mask, stride, tail + i),
				 size);
	}
	publish_tail(c, n);
	return n;
}

uint32_t spsc_seq_cons_peek(struct spsc_seq_cons *c, uint32_t n, void **first)
{
	n = min_u32(n, to_end(c->mask, c->tail));
	n = min_u32(n, cons_ready(c, n));
	c->peeked = n;
	*first = n ? slot_at(c->slots, c->mask, c->stride, c->tail) : NULL;
	return n;
}

void spsc_seq_cons_release(struct spsc_seq_cons *c, uint32_t n)
{
	n = min_u32(n, c->peeked);
	if (n == 0)
		return;
	c->peeked -= n;
	publish_tail(c, n);
}

bool spsc_seq_cons_wait_nonempty(struct spsc_seq_cons *c, uint32_t max_waits)
{
	uint32_t i;

	for (i = 0;; i++) {
		if (cons_ready(c, 1) != 0)
			return true;
		if (c->fault || i == max_waits)
			return false;
		/* The word reads "empty" (tail + 1 - capacity) until the producer publishes. */
		spsc_wait_change32(seq_at(c->trailers, c->mask, c->tstride, c->tail),
				   c->tail - c->mask);
	}
}

/* ---- observers ---- */

uint32_t spsc_seq_count(const struct spsc_seq_ring *r)
{
	/*
	 * Tail first, with acquire, then head: both are batched, so the head may trail the tail
	 * (read as 0) or the tail lag far behind (clamped to the capacity).
	 */
	uint32_t tail = atomic_load_explicit(&r->sh.tail.v, memory_order_acquire);
	uint32_t head = atomic_load_explicit(&r->sh.head.v, memory_order_acquire);
	uint32_t fill = head - tail;

	if (fill > UINT32_MAX - 2 * SPSC_SEQ_MAX_BATCH)
		return 0; /* a little negative: the head store is still pending */
	return min_u32(fill, r->prod.mask + 1);
}

uint32_t spsc_seq_capacity(const struct spsc_seq_ring *r)
{
	return r->prod.mask + 1;
}
