// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * Host tests of dataplane/spsc.c from one thread: argument checks, layout, full and empty,
 * wrap-around of the 32-bit indices, every burst size and the zero-copy API, plus a random mix
 * of all of them checked against a model. test_spsc_tsan.c runs it with two threads.
 */
#include <stdalign.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataplane/spsc.h"
#include "kernel/lib/err.h"
#include "test.h"

#define CAP	 16
#define MAX_SLOT 64

static alignas(64) uint8_t slots[CAP * MAX_SLOT];
static struct spsc_ring ring;

/* A message of slot_size bytes whose every 8-byte word derives from its sequence number. */
static void msg_fill(uint64_t *m, uint32_t slot_size, uint64_t seq)
{
	uint32_t i;

	for (i = 0; i < slot_size / 8; i++)
		m[i] = seq * 0x9e3779b97f4a7c15ULL + i;
}

static bool msg_is(const uint64_t *m, uint32_t slot_size, uint64_t seq)
{
	uint32_t i;

	for (i = 0; i < slot_size / 8; i++)
		if (m[i] != seq * 0x9e3779b97f4a7c15ULL + i)
			return false;
	return true;
}

static void test_init_rejects(void)
{
	static alignas(64) uint8_t big[64];

	CHECK_EQ_U64(spsc_init(NULL, slots, CAP, 8), (uint64_t)E_INVAL);
	CHECK_EQ_U64(spsc_init(&ring, NULL, CAP, 8), (uint64_t)E_INVAL);
	CHECK_EQ_U64(spsc_init(&ring, big + 4, 4, 8), (uint64_t)E_INVAL); /* misaligned */
	CHECK_EQ_U64(spsc_init(&ring, slots, 0, 8), (uint64_t)E_INVAL);
	CHECK_EQ_U64(spsc_init(&ring, slots, 3, 8), (uint64_t)E_INVAL);
	CHECK_EQ_U64(spsc_init(&ring, slots, 12, 8), (uint64_t)E_INVAL);
	CHECK_EQ_U64(spsc_init(&ring, slots, 0x80000001U, 8), (uint64_t)E_INVAL);
	CHECK_EQ_U64(spsc_init(&ring, slots, 0xffffffffU, 8), (uint64_t)E_INVAL);
	CHECK_EQ_U64(spsc_init(&ring, slots, CAP, 0), (uint64_t)E_INVAL);
	CHECK_EQ_U64(spsc_init(&ring, slots, CAP, 4), (uint64_t)E_INVAL);
	CHECK_EQ_U64(spsc_init(&ring, slots, CAP, 12), (uint64_t)E_INVAL);
	/* A buffer whose end would wrap the address space. */
	CHECK_EQ_U64(spsc_init(&ring, (void *)(UINTPTR_MAX - 63), 16, 8), (uint64_t)E_INVAL);

	CHECK_EQ_U64(spsc_init(&ring, slots, 1, 8), 0);
	CHECK_EQ_U64(spsc_capacity(&ring), 1);
	CHECK_EQ_U64(spsc_init(&ring, slots, CAP, 24), 0); /* multiple of 8, not a power of two */
	CHECK_EQ_U64(spsc_init(&ring, big + 8, 2, 8), 0);  /* 8-byte alignment suffices */
	/* The largest capacity is accepted (init touches no slot). */
	CHECK_EQ_U64(spsc_init(&ring, slots, SPSC_MAX_CAPACITY, 8), 0);
	CHECK_EQ_U64(spsc_capacity(&ring), SPSC_MAX_CAPACITY);
	CHECK_EQ_U64(spsc_count(&ring), 0);
	CHECK_EQ_U64(spsc_free(&ring), SPSC_MAX_CAPACITY);
}

/* The header static_asserts these; check them at run time too, with the real addresses. */
static void test_layout(void)
{
	struct spsc_ring *r = &ring;
	uintptr_t base = (uintptr_t)r;

	CHECK_EQ_U64(base % SPSC_CACHE_LINE, 0);
	CHECK_EQ_U64(sizeof(*r), 4 * SPSC_CACHE_LINE);
	/* The two index lines: all that a peer in another protection domain would share. */
	CHECK_EQ_U64((uintptr_t)&r->sh.head.v - base, 0);
	CHECK_EQ_U64((uintptr_t)&r->sh.tail.v - base, SPSC_CACHE_LINE);
	/* Each side's private line: geometry, own index, cache of the other's, bookkeeping. */
	CHECK_EQ_U64((uintptr_t)&r->prod - base, 2 * SPSC_CACHE_LINE);
	CHECK_EQ_U64(((uintptr_t)&r->prod.bad_index - base) / SPSC_CACHE_LINE, 2);
	CHECK_EQ_U64((uintptr_t)&r->cons - base, 3 * SPSC_CACHE_LINE);
	CHECK_EQ_U64(((uintptr_t)&r->cons.bad_index - base) / SPSC_CACHE_LINE, 3);
	CHECK_EQ_U64(sizeof(struct spsc_shared), 2 * SPSC_CACHE_LINE);
	CHECK_EQ_U64(alignof(struct spsc_ring), SPSC_CACHE_LINE);
}

static void test_empty(void)
{
	uint64_t m[MAX_SLOT / 8] = { 0 };
	void *p = &p;

	CHECK_EQ_U64(spsc_init(&ring, slots, CAP, 16), 0);
	CHECK(!spsc_dequeue(&ring, m));
	CHECK_EQ_U64(spsc_dequeue_burst(&ring, m, 4), 0);
	CHECK_EQ_U64(spsc_peek(&ring, 4, &p), 0);
	CHECK(p == NULL);
	CHECK_EQ_U64(spsc_count(&ring), 0);
	CHECK_EQ_U64(spsc_free(&ring), CAP);
	CHECK(!spsc_wait_nonempty(&ring, 0));
	CHECK(!spsc_wait_nonempty(&ring, 3)); /* bounded: returns on its own */
	CHECK(spsc_wait_free(&ring, 0));
	/* Release with nothing peeked, commit with nothing reserved: no effect. */
	spsc_release(&ring, 5);
	spsc_commit(&ring, 5);
	CHECK_EQ_U64(spsc_count(&ring), 0);
	CHECK_EQ_U64(spsc_dequeue_burst(&ring, m, 0), 0);
	CHECK_EQ_U64(spsc_enqueue_burst(&ring, m, 0), 0);
	CHECK_EQ_U64(spsc_count(&ring), 0);
}

static void test_full(void)
{
	uint64_t m[MAX_SLOT / 8];
	uint32_t i;
	void *p = &p;

	CHECK_EQ_U64(spsc_init(&ring, slots, CAP, 64), 0);
	for (i = 0; i < CAP; i++) {
		msg_fill(m, 64, i);
		CHECK(spsc_enqueue(&ring, m));
		CHECK_EQ_U64(spsc_count(&ring), i + 1);
	}
	CHECK(!spsc_enqueue(&ring, m));
	CHECK_EQ_U64(spsc_enqueue_burst(&ring, m, 1), 0);
	CHECK_EQ_U64(spsc_reserve(&ring, 1, &p), 0);
	CHECK(p == NULL);
	CHECK_EQ_U64(spsc_free(&ring), 0);
	CHECK(!spsc_wait_free(&ring, 2));
	CHECK(spsc_wait_nonempty(&ring, 0));
	for (i = 0; i < CAP; i++) {
		CHECK(spsc_dequeue(&ring, m));
		CHECK(msg_is(m, 64, i));
	}
	CHECK(!spsc_dequeue(&ring, m));
	CHECK_EQ_U64(spsc_count(&ring), 0);
}

/* Indices that pass 2^32 while the ring is partly full: count, free and order must hold. */
static void test_wrap_u32(void)
{
	static const uint32_t starts[] = { 0xffffffffU - 5, 0xffffffffU, 0x7ffffffdU, 0xfffffff0U };
	uint64_t m[MAX_SLOT / 8];
	uint64_t in, out;
	size_t s;
	uint32_t i;

	for (s = 0; s < sizeof(starts) / sizeof(starts[0]); s++) {
		CHECK_EQ_U64(spsc_init_at(&ring, slots, 8, 16, starts[s]), 0);
		CHECK_EQ_U64(spsc_count(&ring), 0);
		CHECK_EQ_U64(spsc_free(&ring), 8);
		in = out = 0;
		/* Keep 0..7 messages in flight across 100 steps. */
		for (i = 0; i < 100; i++) {
			uint32_t want = (i * 7) % 9, have = (uint32_t)(in - out);

			while (have < want) {
				msg_fill(m, 16, in);
				CHECK(spsc_enqueue(&ring, m));
				in++, have++;
			}
			if (want == 8) {
				CHECK(!spsc_enqueue(&ring, m));
			}
			CHECK_EQ_U64(spsc_count(&ring), have);
			CHECK_EQ_U64(spsc_free(&ring), 8 - have);
			while (have > want / 2) {
				CHECK(spsc_dequeue(&ring, m));
				CHECK(msg_is(m, 16, out));
				out++, have--;
			}
		}
		while (spsc_dequeue(&ring, m)) {
			CHECK(msg_is(m, 16, out));
			out++;
		}
		CHECK_EQ_U64(out, in);
		CHECK(in > 8);
	}
}

/* Every burst size 1..CAP from every starting slot, so each possible split at the buffer's end. */
static void test_bursts(void)
{
	static uint64_t in[CAP * 2][3], out[CAP * 2][3];
	uint32_t n, off, i, got;
	uint64_t seq = 0;

	for (n = 1; n <= CAP; n++) {
		for (off = 0; off < CAP; off++) {
			CHECK_EQ_U64(spsc_init_at(&ring, slots, CAP, 24, 0xfffffff8U + off), 0);
			for (i = 0; i < n; i++)
				msg_fill(in[i], 24, seq + i);
			CHECK_EQ_U64(spsc_enqueue_burst(&ring, in, n), n);
			CHECK_EQ_U64(spsc_count(&ring), n);
			memset(out, 0, sizeof(out));
			CHECK_EQ_U64(spsc_dequeue_burst(&ring, out, n), n);
			for (i = 0; i < n; i++)
				CHECK(msg_is(out[i], 24, seq + i));
			CHECK_EQ_U64(spsc_count(&ring), 0);
			seq += n;
		}
	}

	/* Partial bursts: the producer gets what fits, the consumer what is there. */
	CHECK_EQ_U64(spsc_init_at(&ring, slots, CAP, 24, 5), 0);
	for (i = 0; i < 2 * CAP; i++)
		msg_fill(in[i], 24, i);
	CHECK_EQ_U64(spsc_enqueue_burst(&ring, in, 3), 3);
	CHECK_EQ_U64(spsc_enqueue_burst(&ring, in[3], 2 * CAP), CAP - 3);
	CHECK_EQ_U64(spsc_enqueue_burst(&ring, in, 1), 0);
	got = spsc_dequeue_burst(&ring, out, 2 * CAP);
	CHECK_EQ_U64(got, CAP);
	for (i = 0; i < got; i++)
		CHECK(msg_is(out[i], 24, i));
	CHECK_EQ_U64(spsc_dequeue_burst(&ring, out, 1), 0);
}

static void test_zero_copy(void)
{
	uint64_t m[MAX_SLOT / 8];
	void *p, *q;
	uint32_t n, i;

	/* Start 3 slots before the end of the buffer: the wrap splits every long request. */
	CHECK_EQ_U64(spsc_init_at(&ring, slots, 8, 16, 0xfffffffdU), 0);
	n = spsc_reserve(&ring, 8, &p);
	CHECK_EQ_U64(n, 3); /* stops at the end of the buffer */
	CHECK(p == slots + 5 * 16);
	for (i = 0; i < n; i++)
		msg_fill((uint64_t *)((uint8_t *)p + i * 16), 16, i);
	CHECK_EQ_U64(spsc_count(&ring), 0); /* nothing visible before the commit */
	spsc_commit(&ring, 1);		    /* part of the reservation ... */
	CHECK_EQ_U64(spsc_count(&ring), 1);
	spsc_commit(&ring, 9); /* ... then the rest, clamped to what was reserved */
	CHECK_EQ_U64(spsc_count(&ring), 3);
	spsc_commit(&ring, 1); /* nothing left reserved */
	CHECK_EQ_U64(spsc_count(&ring), 3);

	/* After the wrap: the start of the buffer, up to the consumer's tail. */
	n = spsc_reserve(&ring, 8, &p);
	CHECK_EQ_U64(n, 5);
	CHECK(p == slots);
	for (i = 0; i < 4; i++)
		msg_fill((uint64_t *)((uint8_t *)p + i * 16), 16, 3 + i);
	spsc_commit(&ring, 4); /* one reserved slot left over, never committed */
	CHECK_EQ_U64(spsc_count(&ring), 7);
	/* A copy enqueue ends the left-over reservation and fills that slot itself. */
	msg_fill(m, 16, 7);
	CHECK(spsc_enqueue(&ring, m));
	spsc_commit(&ring, 1);
	CHECK_EQ_U64(spsc_count(&ring), 8);
	CHECK_EQ_U64(spsc_reserve(&ring, 1, &q), 0);
	CHECK(q == NULL);

	/* Consumer side: peek stops at the end of the buffer too. */
	n = spsc_peek(&ring, 8, &p);
	CHECK_EQ_U64(n, 3);
	CHECK(p == slots + 5 * 16);
	for (i = 0; i < n; i++)
		CHECK(msg_is((uint64_t *)((uint8_t *)p + i * 16), 16, i));
	/* Peeking again without releasing hands out the same slots. */
	CHECK_EQ_U64(spsc_peek(&ring, 2, &q), 2);
	CHECK(q == p);
	spsc_release(&ring, 2);
	CHECK_EQ_U64(spsc_count(&ring), 6);
	CHECK_EQ_U64(spsc_free(&ring), 2);
	spsc_release(&ring, 5); /* clamped: only 0 of the 2 peeked remain */
	CHECK_EQ_U64(spsc_count(&ring), 6);
	n = spsc_peek(&ring, 8, &p);
	CHECK_EQ_U64(n, 1);
	CHECK(msg_is(p, 16, 2));
	spsc_release(&ring, 1);
	/* The rest by copy, across the wrap. */
	for (i = 3; i < 8; i++) {
		CHECK(spsc_dequeue(&ring, m));
		CHECK(msg_is(m, 16, i));
	}
	CHECK_EQ_U64(spsc_count(&ring), 0);
	CHECK_EQ_U64(spsc_peek(&ring, 1, &p), 0);
	CHECK(p == NULL);
}

/* The producer must not see room freed by a peek before the matching release. */
static void test_peek_holds_slots(void)
{
	uint64_t m[MAX_SLOT / 8];
	void *p;
	uint32_t i;

	CHECK_EQ_U64(spsc_init(&ring, slots, 4, 8), 0);
	for (i = 0; i < 4; i++) {
		msg_fill(m, 8, i);
		CHECK(spsc_enqueue(&ring, m));
	}
	CHECK_EQ_U64(spsc_peek(&ring, 4, &p), 4);
	CHECK(!spsc_enqueue(&ring, m));
	spsc_release(&ring, 1);
	msg_fill(m, 8, 4);
	CHECK(spsc_enqueue(&ring, m)); /* reuses slot 0 only */
	CHECK(msg_is((uint64_t *)p + 1, 8, 1));
	CHECK(!spsc_enqueue(&ring, m));
}

/* A tiny deterministic generator, so a failure reproduces. */
static uint32_t rng_state = 12345;
static uint32_t rng(uint32_t bound)
{
	rng_state = rng_state * 1103515245U + 12345U;
	return (rng_state >> 8) % bound;
}

/* Random interleaving of every API from one thread, against a model of head and tail. */
static void test_random_mix(void)
{
	static uint64_t buf[CAP][MAX_SLOT / 8];
	static const uint32_t sizes[] = { 8, 16, 40, 64 };
	uint64_t in = 0, out = 0;
	uint32_t step, i, n, s, ss;
	void *p;
	int bad = 0;

	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		ss = sizes[s];
		CHECK_EQ_U64(spsc_init_at(&ring, slots, CAP, ss, 0xffffff00U + s * 5), 0);
		in = out = 0;
		for (step = 0; step < 20000; step++) {
			uint32_t room = CAP - (uint32_t)(in - out);
			uint32_t want = 1 + rng(CAP + 2);

			switch (rng(6)) {
			case 0:
				msg_fill(buf[0], ss, in);
				if (spsc_enqueue(&ring, buf[0]) != (room > 0))
					bad++;
				in += room > 0;
				break;
			case 1:
				n = want < CAP ? want : CAP;
				for (i = 0; i < n; i++)
					msg_fill((uint64_t *)((uint8_t *)buf + i * ss), ss, in + i);
				i = spsc_enqueue_burst(&ring, buf, n);
				if (i != (n < room ? n : room))
					bad++;
				in += i;
				break;
			case 2:
				n = spsc_reserve(&ring, want, &p);
				if (n > room || n > want)
					bad++;
				for (i = 0; i < n; i++)
					msg_fill((uint64_t *)((uint8_t *)p + i * ss), ss, in + i);
				n = n ? 1 + rng(n) : 0; /* commit a part */
				spsc_commit(&ring, n);
				in += n;
				break;
			case 3:
				if (spsc_dequeue(&ring, buf[0]) != (in > out))
					bad++;
				else if (in > out && !msg_is(buf[0], ss, out++))
					bad++;
				break;
			case 4:
				n = spsc_dequeue_burst(&ring, buf, want < CAP ? want : CAP);
				if (n > in - out)
					bad++;
				for (i = 0; i < n; i++)
					if (!msg_is((uint64_t *)((uint8_t *)buf + i * ss), ss,
						    out++))
						bad++;
				break;
			default:
				n = spsc_peek(&ring, want, &p);
				if (n > in - out)
					bad++;
				n = n ? 1 + rng(n) : 0;
				for (i = 0; i < n; i++)
					if (!msg_is((uint64_t *)((uint8_t *)p + i * ss), ss,
						    out + i))
						bad++;
				spsc_release(&ring, n);
				out += n;
				break;
			}
			if (spsc_count(&ring) != in - out)
				bad++;
		}
		CHECK(in > 10000);
	}
	CHECK_EQ_U64(bad, 0);
}

int main(void)
{
	RUN(test_init_rejects);
	RUN(test_layout);
	RUN(test_empty);
	RUN(test_full);
	RUN(test_wrap_u32);
	RUN(test_bursts);
	RUN(test_zero_copy);
	RUN(test_peek_holds_slots);
	RUN(test_random_mix);
	return TEST_SUMMARY();
}
