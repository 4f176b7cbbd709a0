/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * The sequence ring: a single-producer/single-consumer ring whose consumer polls a sequence word
 * in each slot instead of the producer's index line, so a message whose slot fits in one cache
 * line crosses in one line transfer. Portable C11, acquire/release only; docs/dataplane.md.
 */
#ifndef DATAPLANE_SPSC_SEQ_H
#define DATAPLANE_SPSC_SEQ_H

#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataplane/spsc.h"

/* Each slot's trailer: the 32-bit sequence word, then the 32-bit run length. */
#define SPSC_SEQ_TRAILER 8
/* Slots are whole lines, so no two slots share one (the consumer's line is the producer's next). */
#define SPSC_SEQ_LINE 64
/* Largest message: keeps every stride computation far from 32-bit overflow. */
#define SPSC_SEQ_MAX_MSG (1U << 20)
/* At most this many slots move before an end stores its index (and always when it goes idle). */
#define SPSC_SEQ_MAX_BATCH 32U

/*
 * Bytes from one slot's message to the next: msg_size rounded up to whole lines. The zero-copy
 * calls hand out messages this far apart.
 */
static inline uint32_t spsc_seq_stride(uint32_t msg_size)
{
	return (msg_size + SPSC_SEQ_LINE - 1) & ~(uint32_t)(SPSC_SEQ_LINE - 1);
}

/*
 * Where the trailers live. When the message leaves at least 8 bytes of its last line free
 * (56-byte messages, 120-byte ones), the trailer is at the end of the slot, in the message's
 * line: with one-line slots a message and its doorbell cross in one line transfer. Otherwise
 * (64-byte messages, 128-byte ones) a trailer in the slot would cost the slot a line of its own,
 * written for every message; the trailers are then an array of their own after the slots, eight
 * to a line, and the messages are contiguous.
 */
static inline bool spsc_seq_inline(uint32_t msg_size)
{
	return spsc_seq_stride(msg_size) - msg_size >= SPSC_SEQ_TRAILER;
}

/*
 * Bytes of shared memory the slots and trailers take: capacity * spsc_seq_stride(msg_size),
 * plus capacity * SPSC_SEQ_TRAILER when the trailers are not in the slots.
 */
static inline uint64_t spsc_seq_bytes(uint32_t capacity, uint32_t msg_size)
{
	uint64_t bytes = (uint64_t)capacity * spsc_seq_stride(msg_size);

	return spsc_seq_inline(msg_size) ? bytes : bytes + (uint64_t)capacity * SPSC_SEQ_TRAILER;
}

/*
 * Shared memory is the two index lines of struct spsc_shared (dataplane/spsc.h) and the slot
 * array. Slot i (a free-running 32-bit index; the slot is i & mask) is the message at offset
 * (i & mask) * stride, and its trailer -- the sequence word and the run length -- either at the
 * end of the slot or in the trailer array after the slots (spsc_seq_inline). The producer publishes what it
 * wrote in one call as a run: every slot's word becomes i + 1, the first slot's run length the
 * number of slots, and the first slot's word, stored last (release), is the run's doorbell.
 * The consumer polls the word of the slot after the last run it saw, t (acquire): t + 1 means a
 * run starts there, whose length must fit the ring; t + 1 - capacity (what the previous lap, or
 * the producer's attach, left there) means empty; anything else cannot come from an honest
 * producer (out of order, stale, from the future) and is a fault, as is an impossible run
 * length. The consumer never reads the producer's 'head' line: the
 * producer stores it at most every 'batch' slots, for observers. The consumer stores 'tail' at
 * most every 'batch' slots and whenever it finds the ring empty; the producer reads it, checked
 * as in spsc.c, only when its cached copy shows too little room.
 *
 * Private state, as in spsc.h: each end keeps the geometry and its own index in its own line and
 * never reads them from shared memory; a fault is sticky (every later call returns 0 / false).
 */
struct spsc_seq_prod {
	alignas(SPSC_CACHE_LINE) struct spsc_shared *sh;
	uint8_t *slots;
	uint8_t *trailers;   /* slot 0's trailer */
	uint32_t mask;	     /* capacity - 1 */
	uint32_t msg_size;   /* bytes per message */
	uint32_t stride;     /* bytes per slot */
	uint32_t tstride;    /* bytes from one trailer to the next */
	uint32_t batch;	     /* head is stored once it is this far past the last store */
	uint32_t head;	     /* our index: next slot to fill */
	uint32_t head_pub;   /* the value last stored to sh->head */
	uint32_t tail_cache; /* our last checked view of sh->tail */
	uint32_t reserved;   /* slots handed out by spsc_seq_prod_reserve() */
	uint32_t fault;	     /* 0, or 1 once the consumer published an impossible tail */
	uint32_t bad_index;  /* that tail */
};

struct spsc_seq_cons {
	alignas(SPSC_CACHE_LINE) struct spsc_shared *sh;
	uint8_t *slots;
	uint8_t *trailers;
	uint32_t mask;
	uint32_t msg_size;
	uint32_t stride;
	uint32_t tstride;
	uint32_t batch; /* tail is stored once it is this far past the last store, or when idle */
	uint32_t tail;	/* our index: next slot to drain */
	uint32_t tail_pub; /* the value last stored to sh->tail */
	uint32_t ready;	   /* slots below this index were seen published (checked, acquire) */
	uint32_t peeked;   /* slots handed out by spsc_seq_cons_peek() */
	uint32_t fault;	   /* 0, or 1 once a slot held an impossible sequence word */
	uint32_t bad_seq;  /* the doorbell's word */
	uint32_t bad_len;  /* its run length, or 0 when the word itself was impossible */
	uint32_t bad_at;   /* the index of its slot */
};

/* Both ends and the index lines in one object: a ring between two CPUs of the hypervisor. */
struct spsc_seq_ring {
	struct spsc_shared sh;
	struct spsc_seq_prod prod;
	struct spsc_seq_cons cons;
};

_Static_assert(sizeof(struct spsc_seq_prod) == SPSC_CACHE_LINE, "producer's private line");
_Static_assert(sizeof(struct spsc_seq_cons) == SPSC_CACHE_LINE, "consumer's private line");
_Static_assert(offsetof(struct spsc_seq_ring, prod) == 2 * SPSC_CACHE_LINE, "producer line");
_Static_assert(offsetof(struct spsc_seq_ring, cons) == 3 * SPSC_CACHE_LINE, "consumer line");

/*
 * Set up 'r' over 'slots': spsc_seq_bytes(capacity, msg_size) bytes, 8-byte aligned (64 keeps
 * each slot in its own lines), outliving the ring. capacity is a power of two from 1 to
 * SPSC_MAX_CAPACITY, msg_size a non-zero multiple of 8 up to SPSC_SEQ_MAX_MSG. Writes every
 * slot's sequence word. Returns 0 or E_INVAL. Not thread-safe: finish it before either side
 * starts.
 */
int spsc_seq_init(struct spsc_seq_ring *r, void *slots, uint32_t capacity, uint32_t msg_size);
/* spsc_seq_init() with both indices at 'start': for tests that need the 2^32 wrap soon. */
int spsc_seq_init_at(struct spsc_seq_ring *r, void *slots, uint32_t capacity, uint32_t msg_size,
		     uint32_t start);

/*
 * One end of a ring whose index lines and slots live in memory the other side also writes.
 * The producer's attach writes every slot's sequence word (empty, for index 'start'), so it
 * must finish before the consumer first looks; the consumer's writes nothing but its tail line.
 */
int spsc_seq_prod_attach(struct spsc_seq_prod *p, struct spsc_shared *sh, void *slots,
			 uint32_t capacity, uint32_t msg_size, uint32_t start);
int spsc_seq_cons_attach(struct spsc_seq_cons *c, struct spsc_shared *sh, void *slots,
			 uint32_t capacity, uint32_t msg_size, uint32_t start);

/*
 * As the spsc_prod_* / spsc_cons_* calls of spsc.h, with messages of msg_size bytes: copy calls
 * take msg_size-byte, 8-byte aligned messages back to back; zero-copy calls hand out contiguous
 * slots whose messages are at (uint8_t *)*first + i * stride, msg_size bytes each (the bytes
 * after them are the ring's), and stop at the end of the array. A freed slot reaches the
 * producer within 'batch' slots or when the consumer next finds the ring empty, whichever is
 * first.
 */
bool spsc_seq_prod_enqueue(struct spsc_seq_prod *p, const void *msg);
uint32_t spsc_seq_prod_enqueue_burst(struct spsc_seq_prod *p, const void *msgs, uint32_t n);
uint32_t spsc_seq_prod_reserve(struct spsc_seq_prod *p, uint32_t n, void **first);
void spsc_seq_prod_commit(struct spsc_seq_prod *p, uint32_t n);
void spsc_seq_prod_commit_notify(struct spsc_seq_prod *p, uint32_t n);
bool spsc_seq_prod_wait_free(struct spsc_seq_prod *p, uint32_t max_waits);

bool spsc_seq_cons_dequeue(struct spsc_seq_cons *c, void *msg);
uint32_t spsc_seq_cons_dequeue_burst(struct spsc_seq_cons *c, void *msgs, uint32_t n);
uint32_t spsc_seq_cons_peek(struct spsc_seq_cons *c, uint32_t n, void **first);
void spsc_seq_cons_release(struct spsc_seq_cons *c, uint32_t n);
bool spsc_seq_cons_wait_nonempty(struct spsc_seq_cons *c, uint32_t max_waits);

/* The ring API: the endpoint calls on the ring's own two ends. */
static inline bool spsc_seq_enqueue(struct spsc_seq_ring *r, const void *msg)
{
	return spsc_seq_prod_enqueue(&r->prod, msg);
}
static inline uint32_t spsc_seq_enqueue_burst(struct spsc_seq_ring *r, const void *msgs, uint32_t n)
{
	return spsc_seq_prod_enqueue_burst(&r->prod, msgs, n);
}
static inline bool spsc_seq_dequeue(struct spsc_seq_ring *r, void *msg)
{
	return spsc_seq_cons_dequeue(&r->cons, msg);
}
static inline uint32_t spsc_seq_dequeue_burst(struct spsc_seq_ring *r, void *msgs, uint32_t n)
{
	return spsc_seq_cons_dequeue_burst(&r->cons, msgs, n);
}
static inline uint32_t spsc_seq_reserve(struct spsc_seq_ring *r, uint32_t n, void **first)
{
	return spsc_seq_prod_reserve(&r->prod, n, first);
}
static inline void spsc_seq_commit(struct spsc_seq_ring *r, uint32_t n)
{
	spsc_seq_prod_commit(&r->prod, n);
}
static inline uint32_t spsc_seq_peek(struct spsc_seq_ring *r, uint32_t n, void **first)
{
	return spsc_seq_cons_peek(&r->cons, n, first);
}
static inline void spsc_seq_release(struct spsc_seq_ring *r, uint32_t n)
{
	spsc_seq_cons_release(&r->cons, n);
}
static inline bool spsc_seq_wait_nonempty(struct spsc_seq_ring *r, uint32_t max_waits)
{
	return spsc_seq_cons_wait_nonempty(&r->cons, max_waits);
}
static inline bool spsc_seq_wait_free(struct spsc_seq_ring *r, uint32_t max_waits)
{
	return spsc_seq_prod_wait_free(&r->prod, max_waits);
}

/*
 * Messages in the ring as the published indices say, for observers on any CPU: both indices are
 * batched, so it can be off by up to 2 * batch - 2 either way; clamped to 0..capacity.
 */
uint32_t spsc_seq_count(const struct spsc_seq_ring *r);
uint32_t spsc_seq_capacity(const struct spsc_seq_ring *r);

#endif
