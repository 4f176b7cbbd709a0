// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * The sequence ring (dataplane/spsc_seq.c), single-threaded under ASan/UBSan: geometry checks,
 * empty and full across the 2^32 wrap, every burst from every starting slot, the zero-copy
 * contract, the batched index stores, random steps against a model, and hostile peers. The
 * shared parts (index lines, slot array) are each an exactly-sized heap block, so ASan reports
 * any access outside them; a producer that writes sequence words out of order, stale or from the
 * future must be reported as a fault, never read past, and a possible word must never be one.
 */
#define _POSIX_C_SOURCE 200112L /* posix_memalign */
#include <stdalign.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "dataplane/spsc_seq.h"
#include "kernel/lib/err.h"
#include "test.h"

static uint64_t rng = 0x243f6a8885a308d3ULL;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 11);
}

/* Two ends over shared memory of exactly the size the geometry needs. */
struct pair {
	struct spsc_shared *sh;
	uint8_t *slots;
	uint32_t cap, msg, stride;
	bool inl; /* the trailers at the end of each slot, or in an array after the slots */
	struct spsc_seq_prod prod;
	struct spsc_seq_cons cons;
};

static void pair_open(struct pair *d, uint32_t cap, uint32_t msg, uint32_t start)
{
	d->cap = cap;
	d->msg = msg;
	d->stride = spsc_seq_stride(msg);
	/* Worked out here rather than taken from the ring: the test checks the layout. */
	d->inl = d->stride - msg >= 8;
	d->sh = aligned_alloc(SPSC_CACHE_LINE, sizeof(struct spsc_shared));
	/* posix_memalign: the trailer array makes sizes that are not multiples of 64. */
	CHECK(posix_memalign((void **)&d->slots, 64,
			     (size_t)cap * d->stride + (d->inl ? 0 : (size_t)cap * 8)) == 0);
	CHECK(d->sh && d->slots);
	CHECK_EQ_U64(spsc_seq_prod_attach(&d->prod, d->sh, d->slots, cap, msg, start), 0);
	CHECK_EQ_U64(spsc_seq_cons_attach(&d->cons, d->sh, d->slots, cap, msg, start), 0);
}

static void pair_close(struct pair *d)
{
	free(d->sh);
	free(d->slots);
}

/*
 * The sequence word of the slot for index i, as the test (playing a peer) sees it: the slot's
 * last 8 bytes when the message leaves them free, else the trailer array after the slots.
 */
static _Atomic uint32_t *word(const struct pair *d, uint32_t i)
{
	size_t slot = i & (d->cap - 1);

	if (d->inl)
		return (_Atomic uint32_t *)(void *)(d->slots + slot * d->stride + d->stride - 8);
	return (_Atomic uint32_t *)(void *)(d->slots + (size_t)d->cap * d->stride + slot * 8);
}

/* The run length beside slot i's word, as a peer writes it. */
static _Atomic uint32_t *run_len(const struct pair *d, uint32_t i)
{
	return word(d, i) + 1;
}

/* A pointer and run handed out by the ring: on a slot, inside the array; NULL for none. */
static bool in_array(const struct pair *d, const void *p, uint32_t n)
{
	uintptr_t a = (uintptr_t)p, lo = (uintptr_t)d->slots;

	if (n == 0)
		return p == NULL;
	return a >= lo && (a - lo) % d->stride == 0 &&
	       a - lo + (uint64_t)n * d->stride <= (uint64_t)d->cap * d->stride;
}

/* Message 'seq' of 'msg' bytes: every word derived from seq, so a torn or stale one shows. */
static void make(uint64_t *m, uint32_t msg, uint64_t seq)
{
	for (uint32_t w = 0; w < msg / 8; w++)
		m[w] = seq * 0x9e3779b97f4a7c15ULL + w;
}

static bool good(const uint64_t *m, uint32_t msg, uint64_t seq)
{
	for (uint32_t w = 0; w < msg / 8; w++)
		if (m[w] != seq * 0x9e3779b97f4a7c15ULL + w)
			return false;
	return true;
}

static void test_geometry(void)
{
	static alignas(SPSC_CACHE_LINE) uint8_t lines[3 * SPSC_CACHE_LINE];
	static alignas(64) uint8_t slots[8 * 128];
	struct spsc_shared *sh = (struct spsc_shared *)lines;
	struct spsc_seq_prod p;
	struct spsc_seq_cons c;
	struct spsc_seq_ring r;

	CHECK_EQ_U64(spsc_seq_stride(8), 64);
	CHECK_EQ_U64(spsc_seq_stride(56), 64); /* one line: the message and its sequence word */
	CHECK_EQ_U64(spsc_seq_stride(64), 64); /* one line: the word goes in the trailer array */
	CHECK_EQ_U64(spsc_seq_stride(120), 128);
	CHECK_EQ_U64(spsc_seq_stride(128), 128);
	CHECK(spsc_seq_inline(8) && spsc_seq_inline(56) && spsc_seq_inline(120));
	CHECK(!spsc_seq_inline(64) && !spsc_seq_inline(128) && !spsc_seq_inline(1024));
	CHECK_EQ_U64(spsc_seq_bytes(8, 56), 8 * 64);
	CHECK_EQ_U64(spsc_seq_bytes(8, 64), 8 * 64 + 8 * 8);
	CHECK_EQ_U64(spsc_seq_bytes(2, 128), 2 * 128 + 2 * 8);
	CHECK_EQ_U64(spsc_seq_bytes(1U << 31, SPSC_SEQ_MAX_MSG), ((uint64_t)SPSC_SEQ_MAX_MSG + 8)
									 << 31);
	CHECK_EQ_U64(spsc_seq_prod_attach(&p, NULL, slots, 8, 64, 0), (uint64_t)E_INVAL);
	CHECK_EQ_U64(spsc_seq_prod_attach(&p, (struct spsc_shared *)(lines + 64), slots, 8, 64, 0),
		     (uint64_t)E_INVAL);
	CHECK_EQ_U64(spsc_seq_prod_attach(&p, sh, slots + 4, 8, 64, 0), (uint64_t)E_INVAL);
	CHECK_EQ_U64(spsc_seq_prod_attach(&p, sh, slots, 6, 64, 0), (uint64_t)E_INVAL);
	CHECK_EQ_U64(spsc_seq_prod_attach(&p, sh, slots, 0, 64, 0), (uint64_t)E_INVAL);
	CHECK_EQ_U64(spsc_seq_cons_attach(&c, sh, slots, 8, 12, 0), (uint64_t)E_INVAL);
	CHECK_EQ_U64(spsc_seq_cons_attach(&c, sh, slots, 8, 0, 0), (uint64_t)E_INVAL);
	CHECK_EQ_U64(spsc_seq_cons_attach(&c, sh, slots, 8, SPSC_SEQ_MAX_MSG + 8, 0),
		     (uint64_t)E_INVAL);
	CHECK_EQ_U64(spsc_seq_cons_attach(NULL, sh, slots, 8, 64, 0), (uint64_t)E_INVAL);
	CHECK_EQ_U64(spsc_seq_init(NULL, slots, 8, 64), (uint64_t)E_INVAL);
	/* A slot array that would wrap the address space, and one whose trailer array would. */
	CHECK_EQ_U64(spsc_seq_cons_attach(&c, sh, (void *)(UINTPTR_MAX - 511), 8, 64, 0),
		     (uint64_t)E_INVAL);
	CHECK_EQ_U64(spsc_seq_prod_attach(&p, sh, (void *)(UINTPTR_MAX - 543), 8, 64, 0),
		     (uint64_t)E_INVAL);
	CHECK_EQ_U64(spsc_seq_init(&r, slots, 8, 64), 0);
	CHECK_EQ_U64(spsc_seq_capacity(&r), 8);
	CHECK_EQ_U64(r.prod.stride, 64);
	/*
	 * The producer's attach leaves every slot empty for index 'start': start + i + 1 - cap,
	 * in the trailer array after the slots for 64-byte messages, in the slots for 120-byte ones.
	 */
	CHECK_EQ_U64(spsc_seq_prod_attach(&p, sh, slots, 8, 64, 0xfffffffeU), 0);
	for (uint32_t i = 0; i < 8; i++) {
		uint32_t idx = 0xfffffffeU + i;
		_Atomic uint32_t *w = (_Atomic uint32_t *)(void *)(slots + 8 * 64 + (idx & 7) * 8);

		CHECK_EQ_U64(atomic_load(w), idx + 1 - 8);
	}
	CHECK_EQ_U64(spsc_seq_prod_attach(&p, sh, slots, 8, 120, 0xfffffffeU), 0);
	for (uint32_t i = 0; i < 8; i++) {
		uint32_t idx = 0xfffffffeU + i;
		_Atomic uint32_t *w = (_Atomic uint32_t *)(void *)(slots + (idx & 7) * 128 + 120);

		CHECK_EQ_U64(atomic_load(w), idx + 1 - 8);
	}
	CHECK_EQ_U64(atomic_load(&sh->head.v), 0xfffffffeU);
	CHECK_EQ_U64(spsc_seq_cons_attach(&c, sh, slots, 8, 64, 0xfffffffeU), 0);
	CHECK_EQ_U64(atomic_load(&sh->tail.v), 0xfffffffeU);
}

/* Empty, full, and many laps, from starting points on both sides of the 2^32 wrap. */
static void test_empty_full_wrap(void)
{
	static const uint32_t starts[] = { 0, 5, 0x7ffffffcU, 0xfffffff0U, 0xffffffffU };
	static const uint32_t caps[] = { 1, 2, 8, 64 };

	for (size_t s = 0; s < sizeof(starts) / sizeof(starts[0]); s++) {
		for (size_t k = 0; k < sizeof(caps) / sizeof(caps[0]); k++) {
			struct pair d;
			uint64_t m[8];
			uint64_t in = 0, out = 0;
			void *p;

			pair_open(&d, caps[k], 64, starts[s]);
			CHECK(!spsc_seq_cons_dequeue(&d.cons, m));
			CHECK_EQ_U64(spsc_seq_cons_peek(&d.cons, 4, &p), 0);
			CHECK(p == NULL);
			CHECK(!spsc_seq_cons_wait_nonempty(&d.cons, 0));
			CHECK(!spsc_seq_cons_wait_nonempty(&d.cons, 3)); /* bounded: returns */
			for (int lap = 0; lap < 5; lap++) {
				for (uint32_t i = 0; i < d.cap; i++) {
					make(m, 64, in);
					CHECK(spsc_seq_prod_enqueue(&d.prod, m));
					in++;
				}
				make(m, 64, in);
				CHECK(!spsc_seq_prod_enqueue(&d.prod, m)); /* full */
				CHECK(!spsc_seq_prod_wait_free(&d.prod, 2));
				for (uint32_t i = 0; i < d.cap; i++) {
					CHECK(spsc_seq_cons_wait_nonempty(&d.cons, 0));
					CHECK(spsc_seq_cons_dequeue(&d.cons, m));
					CHECK(good(m, 64, out));
					out++;
				}
				CHECK(!spsc_seq_cons_dequeue(&d.cons, m)); /* empty: tail stored */
				CHECK(spsc_seq_prod_wait_free(&d.prod, 0));
			}
			CHECK_EQ_U64(d.prod.head, starts[s] + 5 * caps[k]);
			CHECK_EQ_U64(d.cons.tail, d.prod.head);
			CHECK_EQ_U64(atomic_load(&d.sh->tail.v), d.cons.tail);
			CHECK(!d.prod.fault && !d.cons.fault);
			pair_close(&d);
		}
	}
}

/* Every burst size from every starting slot, with messages of one line and of two. */
static void test_bursts(void)
{
	static const uint32_t msgs[] = { 56, 64 };

	for (size_t k = 0; k < 2; k++) {
		uint32_t cap = 16, msg = msgs[k];

		for (uint32_t first = 0; first < cap; first++) {
			for (uint32_t n = 1; n <= cap; n++) {
				struct pair d;
				uint64_t buf[16 * 8], out[16 * 8];
				uint32_t got;

				pair_open(&d, cap, msg, 0xfffffff8U + first);
				for (uint32_t i = 0; i < cap; i++)
					make(buf + i * (msg / 8), msg, i);
				CHECK_EQ_U64(spsc_seq_prod_enqueue_burst(&d.prod, buf, n), n);
				/* Partial: only what fits goes in. */
				got = spsc_seq_prod_enqueue_burst(&d.prod, buf, cap);
				CHECK_EQ_U64(got, cap - n);
				CHECK_EQ_U64(spsc_seq_cons_dequeue_burst(&d.cons, out, cap), cap);
				for (uint32_t i = 0; i < n; i++)
					CHECK(good(out + i * (msg / 8), msg, i));
				for (uint32_t i = n; i < cap; i++)
					CHECK(good(out + i * (msg / 8), msg, i - n));
				CHECK_EQ_U64(spsc_seq_cons_dequeue_burst(&d.cons, out, cap), 0);
				CHECK(!d.prod.fault && !d.cons.fault);
				pair_close(&d);
			}
		}
	}
}

/* Zero copy: runs stop at the end of the array, commits and releases in pieces and clamped. */
static void test_zero_copy(void)
{
	struct pair d;
	uint64_t m[8];
	void *p, *q;

	pair_open(&d, 8, 64, 5); /* slot 5: three slots to the end of the array */
	CHECK_EQ_U64(spsc_seq_prod_reserve(&d.prod, 8, &p), 3);
	CHECK(in_array(&d, p, 3));
	CHECK(p == d.slots + 5 * d.stride);
	for (uint32_t i = 0; i < 3; i++)
		make((uint64_t *)(void *)((uint8_t *)p + i * d.stride), 64, 100 + i);
	/* Not yet committed: the consumer sees nothing. */
	CHECK_EQ_U64(spsc_seq_cons_peek(&d.cons, 8, &q), 0);
	spsc_seq_prod_commit(&d.prod, 1);
	CHECK_EQ_U64(spsc_seq_cons_peek(&d.cons, 8, &q), 1);
	CHECK(q == p);
	spsc_seq_prod_commit_notify(&d.prod, 9); /* clamped to the 2 still reserved */
	CHECK_EQ_U64(d.prod.head, 8);
	spsc_seq_prod_commit(&d.prod, 1); /* nothing reserved: nothing happens */
	CHECK_EQ_U64(d.prod.head, 8);
	/* Peeking again without releasing hands out the same slots, now all three. */
	CHECK_EQ_U64(spsc_seq_cons_peek(&d.cons, 8, &q), 3);
	CHECK(q == p);
	for (uint32_t i = 0; i < 3; i++)
		CHECK(good((uint64_t *)(void *)((uint8_t *)q + i * d.stride), 64, 100 + i));
	spsc_seq_cons_release(&d.cons, 1);
	spsc_seq_cons_release(&d.cons, 5); /* clamped to the 2 left */
	CHECK_EQ_U64(d.cons.tail, 8);
	spsc_seq_cons_release(&d.cons, 1);
	CHECK_EQ_U64(d.cons.tail, 8);
	/* After the wrap the run starts at the beginning of the array. */
	CHECK_EQ_U64(spsc_seq_prod_reserve(&d.prod, 2, &p), 2);
	CHECK(p == d.slots);
	/* A new reservation, or a copy enqueue, ends the old one. */
	make(m, 64, 7);
	CHECK(spsc_seq_prod_enqueue(&d.prod, m));
	spsc_seq_prod_commit(&d.prod, 2);
	CHECK_EQ_U64(d.prod.head, 9);
	CHECK(spsc_seq_cons_dequeue(&d.cons, m));
	CHECK(good(m, 64, 7));
	CHECK(!spsc_seq_cons_dequeue(&d.cons, m));

	/* A peek holds its slots: a producer that fills the ring cannot reuse them. */
	for (uint32_t i = 0; i < 8; i++) {
		make(m, 64, 200 + i);
		CHECK(spsc_seq_prod_enqueue(&d.prod, m));
	}
	CHECK_EQ_U64(spsc_seq_cons_peek(&d.cons, 8, &q), 7); /* to the end of the array */
	CHECK(!spsc_seq_prod_enqueue(&d.prod, m));
	CHECK_EQ_U64(spsc_seq_prod_reserve(&d.prod, 1, &p), 0);
	CHECK(p == NULL);
	for (uint32_t i = 0; i < 7; i++)
		CHECK(good((uint64_t *)(void *)((uint8_t *)q + i * d.stride), 64, 200 + i));
	spsc_seq_cons_release(&d.cons, 7);
	CHECK_EQ_U64(spsc_seq_cons_peek(&d.cons, 8, &q), 1);
	CHECK(q == d.slots);
	spsc_seq_cons_release(&d.cons, 1);
	CHECK_EQ_U64(spsc_seq_cons_peek(&d.cons, 8, &q), 0); /* empty: the tail is stored */
	CHECK_EQ_U64(spsc_seq_prod_reserve(&d.prod, 8, &p), 7);
	pair_close(&d);
}

/*
 * The index lines are stored in batches: the tail once a quarter of the ring (at most 32
 * slots) has been freed, or when the consumer finds the ring empty; the head likewise, for
 * observers only. Until then the producer does not see the freed slots.
 */
static void test_batched_indices(void)
{
	struct pair d;
	struct spsc_seq_ring *r;
	static alignas(SPSC_CACHE_LINE) uint8_t ring_mem[sizeof(struct spsc_seq_ring)];
	static alignas(64) uint8_t slots[64 * 64];
	uint64_t m[7];

	pair_open(&d, 64, 56, 0); /* batch 16 */
	CHECK_EQ_U64(d.prod.batch, 16);
	CHECK_EQ_U64(d.cons.batch, 16);
	for (uint32_t i = 0; i < 15; i++) {
		make(m, 56, i);
		CHECK(spsc_seq_prod_enqueue(&d.prod, m));
	}
	CHECK_EQ_U64(atomic_load(&d.sh->head.v), 0); /* not yet */
	make(m, 56, 15);
	CHECK(spsc_seq_prod_enqueue(&d.prod, m));
	CHECK_EQ_U64(atomic_load(&d.sh->head.v), 16);
	for (uint32_t i = 16; i < 64; i++) {
		make(m, 56, i);
		CHECK(spsc_seq_prod_enqueue(&d.prod, m));
	}
	CHECK_EQ_U64(atomic_load(&d.sh->head.v), 64);
	CHECK(!spsc_seq_prod_enqueue(&d.prod, m));
	/* The consumer frees 15: not stored, the producer still sees a full ring. */
	for (uint32_t i = 0; i < 15; i++) {
		CHECK(spsc_seq_cons_dequeue(&d.cons, m));
		CHECK(good(m, 56, i));
	}
	CHECK_EQ_U64(atomic_load(&d.sh->tail.v), 0);
	CHECK(!spsc_seq_prod_wait_free(&d.prod, 1));
	CHECK(spsc_seq_cons_dequeue(&d.cons, m));
	CHECK_EQ_U64(atomic_load(&d.sh->tail.v), 16);
	CHECK(spsc_seq_prod_wait_free(&d.prod, 0));
	CHECK_EQ_U64(spsc_seq_prod_enqueue_burst(&d.prod, m, 1), 1);
	/* Drain 5 more: not yet a batch, nothing stored. */
	for (uint32_t i = 16; i < 21; i++)
		CHECK(spsc_seq_cons_dequeue(&d.cons, m));
	CHECK_EQ_U64(atomic_load(&d.sh->tail.v), 16);
	/* Drain everything; the call that finds the ring empty stores the rest. */
	while (spsc_seq_cons_dequeue(&d.cons, m))
		;
	CHECK_EQ_U64(d.cons.tail, 65);
	CHECK_EQ_U64(atomic_load(&d.sh->tail.v), 65);
	pair_close(&d);

	/* The observer's count follows the stored indices, clamped, never negative. */
	r = (struct spsc_seq_ring *)ring_mem;
	CHECK_EQ_U64(spsc_seq_init(r, slots, 64, 56), 0);
	for (uint32_t i = 0; i < 20; i++)
		CHECK(spsc_seq_enqueue(r, m));
	CHECK_EQ_U64(spsc_seq_count(r), 16);
	for (uint32_t i = 0; i < 18; i++)
		CHECK(spsc_seq_dequeue(r, m));
	CHECK_EQ_U64(spsc_seq_count(r), 0); /* tail 16, head 16 */
	CHECK(spsc_seq_dequeue(r, m));
	CHECK(spsc_seq_dequeue(r, m));
	CHECK(!spsc_seq_dequeue(r, m)); /* stores tail 20 while head reads 16 */
	CHECK_EQ_U64(spsc_seq_count(r), 0);
}

/*
 * 100,000 random steps mixing every call, for four message sizes, against a model: what comes
 * out is what went in, in order; a producer refused is one that saw a full ring through the
 * stored tail; a consumer refused had nothing published.
 */
static void test_random_model(void)
{
	static const uint32_t msgs[] = { 8, 56, 64, 120, 128 };

	for (size_t k = 0; k < sizeof(msgs) / sizeof(msgs[0]); k++) {
		struct pair d;
		uint32_t msg = msgs[k], w = msg / 8;
		uint64_t buf[40 * 16], in = 0, out = 0;
		void *p;

		pair_open(&d, 32, msg, rnd());
		for (int step = 0; step < 25000; step++) {
			uint32_t n = 1 + rnd() % 40, got, i;
			uint64_t fill = in - out;

			switch (rnd() % 6) {
			case 0:
				make(buf, msg, in);
				got = spsc_seq_prod_enqueue(&d.prod, buf) ? 1 : 0;
				if (!got)
					CHECK_EQ_U64(d.prod.head - atomic_load(&d.sh->tail.v), 32);
				in += got;
				break;
			case 1:
				for (i = 0; i < n; i++)
					make(buf + i * w, msg, in + i);
				got = spsc_seq_prod_enqueue_burst(&d.prod, buf, n);
				CHECK(got <= n && fill + got <= 32);
				in += got;
				break;
			case 2:
				got = spsc_seq_prod_reserve(&d.prod, n, &p);
				CHECK(in_array(&d, p, got));
				for (i = 0; i < got; i++)
					make((uint64_t *)(void *)((uint8_t *)p + i * d.stride), msg,
					     in + i);
				got = rnd() % (got + 1);
				spsc_seq_prod_commit(&d.prod, got);
				in += got;
				break;
			case 3:
				got = spsc_seq_cons_dequeue(&d.cons, buf) ? 1 : 0;
				if (got)
					CHECK(good(buf, msg, out));
				else
					CHECK_EQ_U64(fill, 0);
				out += got;
				break;
			case 4:
				got = spsc_seq_cons_dequeue_burst(&d.cons, buf, n);
				CHECK_EQ_U64(got, n < fill ? n : fill);
				for (i = 0; i < got; i++)
					CHECK(good(buf + i * w, msg, out + i));
				out += got;
				break;
			default:
				got = spsc_seq_cons_peek(&d.cons, n, &p);
				CHECK(in_array(&d, p, got));
				CHECK(got <= fill);
				for (i = 0; i < got; i++)
					CHECK(good(
						(uint64_t *)(void *)((uint8_t *)p + i * d.stride),
						msg, out + i));
				got = rnd() % (got + 1);
				spsc_seq_cons_release(&d.cons, got);
				out += got;
				break;
			}
			CHECK(in - out <= 32);
			CHECK_EQ_U64(d.prod.head - d.cons.tail, in - out);
		}
		CHECK(in > 10000);
		CHECK(!d.prod.fault && !d.cons.fault);
		pair_close(&d);
	}
}

/*
 * What the producer leaves in shared memory: one run per call, every slot's word i + 1, the run
 * length in the first slot, whose word is the doorbell. A run written but not rung is invisible.
 */
static void test_runs(void)
{
	struct pair d;
	uint64_t buf[8 * 8], m[8];
	void *p;

	pair_open(&d, 8, 64, 0);
	for (uint32_t i = 0; i < 3; i++)
		make(buf + i * 8, 64, i);
	CHECK_EQ_U64(spsc_seq_prod_enqueue_burst(&d.prod, buf, 3), 3);
	for (uint32_t i = 0; i < 3; i++)
		CHECK_EQ_U64(atomic_load(word(&d, i)), i + 1);
	CHECK_EQ_U64(atomic_load(run_len(&d, 0)), 3);
	CHECK_EQ_U64(atomic_load(word(&d, 3)), (uint32_t)(3 + 1 - 8)); /* still empty */
	/* Commits in pieces are runs of their own. */
	CHECK_EQ_U64(spsc_seq_prod_reserve(&d.prod, 4, &p), 4);
	spsc_seq_prod_commit(&d.prod, 1);
	spsc_seq_prod_commit(&d.prod, 3);
	CHECK_EQ_U64(atomic_load(run_len(&d, 3)), 1);
	CHECK_EQ_U64(atomic_load(run_len(&d, 4)), 3);
	CHECK_EQ_U64(atomic_load(word(&d, 6)), 7);
	/* The consumer takes whole runs: a peek of 2 has seen the first run of 3... */
	CHECK_EQ_U64(spsc_seq_cons_peek(&d.cons, 2, &p), 2);
	CHECK_EQ_U64(d.cons.ready, 3);
	spsc_seq_cons_release(&d.cons, 2);
	CHECK_EQ_U64(spsc_seq_cons_peek(&d.cons, 1, &p), 1); /* from the run already seen */
	spsc_seq_cons_release(&d.cons, 1);
	/* ... and one poll follows doorbells from run to run until it has what it wants. */
	CHECK_EQ_U64(spsc_seq_cons_dequeue_burst(&d.cons, buf, 8), 4);
	CHECK_EQ_U64(d.cons.ready, 7);
	/* A peer that writes a run and its words but has not rung the doorbell: nothing yet. */
	make(m, 64, 42);
	memcpy(d.slots + 7 * d.stride, m, 64);
	atomic_store(run_len(&d, 7), 1);
	CHECK(!spsc_seq_cons_dequeue(&d.cons, m));
	atomic_store(word(&d, 7), 8);
	CHECK(spsc_seq_cons_dequeue(&d.cons, m));
	CHECK(good(m, 64, 42));
	CHECK(!d.cons.fault);
	pair_close(&d);
}

/*
 * A copy burst that crosses the end of the array is two runs, as two reservations would be: up
 * to the end, then from the start, each with its own doorbell; the consumer takes both at once.
 */
static void test_burst_wrap_runs(void)
{
	static const uint32_t msgs[] = { 56, 64 }; /* trailers in the slots, in the array */

	for (size_t k = 0; k < 2; k++) {
		struct pair d;
		uint32_t msg = msgs[k], w = msg / 8;
		uint64_t buf[5 * 8], out[5 * 8];

		pair_open(&d, 8, msg, 6);
		for (uint32_t i = 0; i < 5; i++)
			make(buf + i * w, msg, i);
		CHECK_EQ_U64(spsc_seq_prod_enqueue_burst(&d.prod, buf, 5), 5);
		CHECK_EQ_U64(atomic_load(run_len(&d, 6)), 2);
		CHECK_EQ_U64(atomic_load(run_len(&d, 8)), 3);
		for (uint32_t i = 6; i < 11; i++)
			CHECK_EQ_U64(atomic_load(word(&d, i)), i + 1);
		CHECK_EQ_U64(spsc_seq_cons_dequeue_burst(&d.cons, out, 5), 5);
		for (uint32_t i = 0; i < 5; i++)
			CHECK(good(out + i * w, msg, i));
		CHECK(!d.prod.fault && !d.cons.fault);
		pair_close(&d);
	}
}

/* A sequence word a hostile producer might leave in the doorbell slot for index i. */
static uint32_t bad_word(uint32_t i, uint32_t cap)
{
	switch (rnd() % 6) {
	case 0:
		return i + 1 + cap; /* from the future: the next lap's message */
	case 1:
		return i + 1 - 2 * cap; /* stale: two laps old */
	case 2:
		return i + 2; /* out of order: the next slot's number */
	case 3:
		return i; /* out of order: the previous slot's number */
	case 4:
		return i + 1 + (rnd() % 1000) * cap + 2; /* anything */
	default:
		return rnd();
	}
}

/*
 * The hypervisor consumes; the guest produces. Between the consumer's calls the guest rewrites
 * the slots from the consumer's index: runs an honest producer could have published (possibly
 * followed by a run it has written but not rung, doorbell last), or the same with one doorbell
 * holding an impossible word (out of order, stale, from the future) or an impossible run
 * length; it also scribbles on both index lines. Every slot handed out is inside the array and
 * was published, an impossible word or length faults with its value and slot, and a possible one
 * never does.
 */
static void hostile_producer(uint32_t msg)
{
	const uint32_t cap = 8;
	struct pair d;
	uint64_t buf[2 * 8 * 8];
	unsigned int faults = 0, served = 0, lies = 0, word_faults = 0;

	pair_open(&d, cap, msg, 0xfffffffaU);
	for (int step = 0; step < 200000; step++) {
		uint32_t t = d.cons.tail, i = t, published = 0, n = 0, bad_at = 0, bad_seq = 0;
		uint32_t bad_len = 0, req = 1 + rnd() % (2 * cap), want;
		int lie = rnd() % 3 == 0 ? (int)(rnd() % 2) + 1 : 0; /* 1: word, 2: length */
		bool lied = false;
		void *p;

		/* Every slot empty for this lap, then runs from t while they fit. */
		for (uint32_t k = 0; k < cap; k++)
			atomic_store(word(&d, t + k), t + k + 1 - cap);
		while (i - t < cap && rnd() % 4 != 0) {
			uint32_t len = 1 + rnd() % (cap - (i - t));
			bool ring = rnd() % 5 != 0; /* or written and not yet rung */

			for (uint32_t k = 1; k < len; k++)
				atomic_store(word(&d, i + k), i + k + 1);
			atomic_store(run_len(&d, i), len);
			if (lie && !lied && rnd() % 2 == 0) {
				lied = true;
				bad_at = i;
				if (lie == 1) {
					bad_seq = bad_word(i, cap);
					atomic_store(word(&d, i), bad_seq);
				} else {
					bad_seq = i + 1;
					bad_len = rnd() % 2 ? 0 : cap - (i - t) + 1 + rnd() % 100;
					atomic_store(run_len(&d, i), bad_len);
					atomic_store(word(&d, i), bad_seq);
				}
				break;
			}
			if (!ring)
				break;
			atomic_store(word(&d, i), i + 1);
			i += len;
			published = i - t;
		}
		lies += lied;
		atomic_store(&d.sh->head.v, rnd());
		atomic_store(&d.sh->tail.v, rnd()); /* the consumer's own line: ignored */
		d.cons.fault = 0;
		d.cons.ready = d.cons.tail; /* look again: the slots were rewritten */
		d.cons.peeked = 0;
		switch (rnd() % 4) {
		case 0:
			want = req < cap - (t & (cap - 1)) ? req : cap - (t & (cap - 1));
			n = spsc_seq_cons_peek(&d.cons, req, &p);
			CHECK(in_array(&d, p, n));
			for (uint32_t k = 0; k < n * d.stride; k++)
				(void)((volatile uint8_t *)p)[k];
			spsc_seq_cons_release(&d.cons, rnd() % (2 * cap));
			break;
		case 1:
			want = req < cap ? req : cap;
			n = spsc_seq_cons_dequeue_burst(&d.cons, buf, req);
			break;
		case 2:
			want = 1;
			n = spsc_seq_cons_dequeue(&d.cons, buf) ? 1 : 0;
			break;
		default:
			want = 1;
			n = spsc_seq_cons_wait_nonempty(&d.cons, 2) ? 1 : 0;
			break;
		}
		CHECK(n <= published);
		/* The consumer reaches the lie exactly when it wants more than was published before it. */
		if (lied)
			CHECK_EQ_U64(d.cons.fault, want > published);
		CHECK(d.cons.ready - d.cons.tail <= cap);
		if (d.cons.fault) {
			faults++;
			CHECK(lied);
			CHECK_EQ_U64(d.cons.bad_at, bad_at);
			CHECK_EQ_U64(d.cons.bad_seq, bad_seq);
			CHECK_EQ_U64(d.cons.bad_len, bad_len);
			CHECK_EQ_U64(n, 0);
			CHECK_EQ_U64(d.cons.tail, t); /* nothing consumed past a lie */
			word_faults += bad_len == 0 && bad_seq != bad_at + 1;
		} else {
			/* Only published runs were seen: the lie (if any) lies beyond them. */
			CHECK(d.cons.ready - t <= published);
		}
		served += n;
	}
	CHECK(lies > 10000);
	CHECK(faults > 10000);
	CHECK(word_faults > 5000);
	CHECK(served > 10000);
	pair_close(&d);
}

/* Trailers in the slots (56-byte messages) and in their own array (64-byte ones). */
static void test_hostile_producer(void)
{
	hostile_producer(56);
	hostile_producer(64);
}

/* A fault is sticky: the consumer reads empty until it is attached again. */
static void test_fault_sticky(void)
{
	struct pair d;
	uint64_t m[8];
	void *p;

	pair_open(&d, 8, 64, 0);
	make(m, 64, 1);
	CHECK(spsc_seq_prod_enqueue(&d.prod, m));
	CHECK(spsc_seq_cons_dequeue(&d.cons, m));
	atomic_store(word(&d, 1), 1 + 1 + 8); /* slot 1 claims a message from the next lap */
	CHECK(!spsc_seq_cons_dequeue(&d.cons, m));
	CHECK_EQ_U64(d.cons.fault, 1);
	CHECK_EQ_U64(d.cons.bad_seq, 10);
	CHECK_EQ_U64(d.cons.bad_len, 0);
	CHECK_EQ_U64(d.cons.bad_at, 1);
	/* Even once the producer writes honest words again. */
	CHECK(spsc_seq_prod_enqueue(&d.prod, m));
	CHECK_EQ_U64(spsc_seq_cons_peek(&d.cons, 4, &p), 0);
	CHECK(p == NULL);
	CHECK(!spsc_seq_cons_wait_nonempty(&d.cons, 5));
	CHECK_EQ_U64(spsc_seq_cons_dequeue_burst(&d.cons, m, 1), 0);
	CHECK_EQ_U64(spsc_seq_cons_attach(&d.cons, d.sh, d.slots, 8, 64, 1), 0);
	CHECK(spsc_seq_cons_dequeue(&d.cons, m));
	CHECK(good(m, 64, 1));
	pair_close(&d);
}

/* The mirror: the hypervisor produces; the guest consumes, publishing garbage tails. */
static void test_hostile_consumer(void)
{
	const uint32_t cap = 8;
	struct pair d;
	uint64_t buf[2 * 8 * 8] = { 0 };
	unsigned int faults = 0, served = 0;

	pair_open(&d, cap, 64, 0x7ffffffcU);
	for (int step = 0; step < 200000; step++) {
		uint32_t h = d.prod.head, tail, n = 0;
		bool possible;
		void *p;

		switch (rnd() % 4) {
		case 0:
			tail = h - rnd() % (cap + 1); /* possible */
			break;
		case 1:
			tail = h - cap - 1 - rnd() % 3; /* more than a ring behind */
			break;
		case 2:
			tail = h + 1 + rnd() % 3; /* past the head */
			break;
		default:
			tail = rnd();
			break;
		}
		possible = h - tail <= cap;
		atomic_store(&d.sh->tail.v, tail);
		atomic_store(&d.sh->head.v, rnd()); /* the producer's own line: ignored */
		for (uint32_t i = 0; i < cap; i++)  /* the slots' words: never read back */
			atomic_store(word(&d, i), rnd());
		d.prod.fault = 0;
		d.prod.tail_cache = h - cap; /* force a reload */
		switch (rnd() % 4) {
		case 0:
			n = spsc_seq_prod_reserve(&d.prod, 1 + rnd() % (2 * cap), &p);
			CHECK(in_array(&d, p, n));
			for (uint32_t i = 0; i < n * d.stride; i++)
				((volatile uint8_t *)p)[i] = (uint8_t)i;
			spsc_seq_prod_commit_notify(&d.prod, rnd() % (2 * cap));
			break;
		case 1:
			n = spsc_seq_prod_enqueue_burst(&d.prod, buf, 1 + rnd() % (2 * cap));
			break;
		case 2:
			n = spsc_seq_prod_enqueue(&d.prod, buf) ? 1 : 0;
			break;
		default:
			n = spsc_seq_prod_wait_free(&d.prod, 2) ? 1 : 0;
			break;
		}
		CHECK(n <= cap);
		CHECK(d.prod.head - d.prod.tail_cache <= cap);
		if (d.prod.fault) {
			faults++;
			CHECK(!possible);
			CHECK_EQ_U64(d.prod.bad_index, tail);
			CHECK_EQ_U64(d.prod.head, h);
		} else {
			CHECK(possible);
			CHECK(d.prod.head - h <= cap - (h - tail));
		}
		served += n;
	}
	CHECK(faults > 10000);
	CHECK(served > 10000);
	pair_close(&d);
}

int main(void)
{
	RUN(test_geometry);
	RUN(test_empty_full_wrap);
	RUN(test_bursts);
	RUN(test_zero_copy);
	RUN(test_batched_indices);
	RUN(test_runs);
	RUN(test_burst_wrap_runs);
	RUN(test_random_model);
	RUN(test_hostile_producer);
	RUN(test_fault_sticky);
	RUN(test_hostile_consumer);
	return TEST_SUMMARY();
}
