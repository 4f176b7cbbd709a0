// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * The consumer's prefetch of the next slot (dataplane/spsc.c, prefetch_next): this file includes
 * the ring's source with SPSC_PREFETCH defined to record each address, and checks that an empty
 * poll prefetches exactly the slot the next message goes to (across the end of the array and the
 * 2^32 wrap of the indices), that a poll with messages waiting prefetches nothing, and that no
 * head a hostile producer publishes makes the consumer prefetch outside the slot array.
 */
#include <stdalign.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#define MAX_PREFETCH 4096
static const void *prefetched[MAX_PREFETCH];
static unsigned int n_prefetched;

static void record_prefetch(const void *addr)
{
	if (n_prefetched < MAX_PREFETCH)
		prefetched[n_prefetched] = addr;
	n_prefetched++;
}

#define SPSC_PREFETCH(addr) record_prefetch(addr)
#include "dataplane/spsc.c"

#include "test.h"

#define CAP  8
#define SLOT 24 /* not a power of two: a slot address is index * size, not a shift */

static alignas(8) uint8_t slots[CAP * SLOT];

/* Every recorded address is the start of a slot inside the array. */
static void check_all_in_array(void)
{
	unsigned int n = n_prefetched < MAX_PREFETCH ? n_prefetched : MAX_PREFETCH;

	for (unsigned int i = 0; i < n; i++) {
		uintptr_t a = (uintptr_t)prefetched[i], lo = (uintptr_t)slots;

		CHECK(a >= lo && a < lo + sizeof(slots) && (a - lo) % SLOT == 0);
	}
}

static void fill(uint64_t *msg, uint64_t v)
{
	for (unsigned int w = 0; w < SLOT / 8; w++)
		msg[w] = v + w;
}

/* An empty poll prefetches the slot at tail & mask: through the array's end and the 2^32 wrap. */
static void test_empty_poll_prefetches_next_slot(void)
{
	static struct spsc_ring r;
	uint64_t msg[SLOT / 8], got[SLOT / 8];
	uint32_t start = 0xfffffffbU; /* five messages before the indices wrap */
	void *p;

	CHECK_EQ_U64(spsc_init_at(&r, slots, CAP, SLOT, start), 0);
	for (uint32_t i = 0; i < 3 * CAP; i++) {
		uint32_t tail = start + i;

		n_prefetched = 0;
		CHECK(!spsc_dequeue(&r, got));
		CHECK_EQ_U64(n_prefetched, 1);
		CHECK(prefetched[0] == slots + (tail & (CAP - 1)) * SLOT);
		n_prefetched = 0;
		CHECK_EQ_U64(spsc_peek(&r, 1, &p), 0);
		CHECK_EQ_U64(n_prefetched, 1);
		CHECK(prefetched[0] == slots + (tail & (CAP - 1)) * SLOT);
		n_prefetched = 0;
		CHECK(!spsc_wait_nonempty(&r, 0));
		CHECK_EQ_U64(n_prefetched, 1);
		CHECK(prefetched[0] == slots + (tail & (CAP - 1)) * SLOT);

		fill(msg, i);
		CHECK(spsc_enqueue(&r, msg));
		n_prefetched = 0;
		CHECK(spsc_dequeue(&r, got));
		CHECK_EQ_U64(got[0], i);
		CHECK_EQ_U64(n_prefetched, 0); /* a message was there: no hint */
	}
	CHECK_EQ_U64(r.cons.tail, start + 3 * CAP);
}

/* A full ring and a ring with messages cached: the consumer does not prefetch. */
static void test_nonempty_polls_do_not_prefetch(void)
{
	static struct spsc_ring r;
	uint64_t msg[SLOT / 8], got[SLOT / 8];
	void *p;

	CHECK_EQ_U64(spsc_init(&r, slots, CAP, SLOT), 0);
	for (uint32_t i = 0; i < CAP; i++) {
		fill(msg, i);
		CHECK(spsc_enqueue(&r, msg));
	}
	n_prefetched = 0;
	CHECK(spsc_wait_nonempty(&r, 0));
	CHECK_EQ_U64(spsc_peek(&r, CAP, &p), CAP);
	spsc_release(&r, CAP - 1);
	CHECK(spsc_dequeue(&r, got));
	CHECK_EQ_U64(got[0], CAP - 1);
	CHECK_EQ_U64(n_prefetched, 0);
}

/*
 * A producer in another domain publishes any head it likes: impossible ones fault the consumer
 * (no prefetch from then on), possible ones are honest-looking; either way every prefetch lies in
 * the array. The consumer drains what it is shown, so its tail moves over the whole array.
 */
static void test_hostile_heads_stay_in_array(void)
{
	static alignas(SPSC_CACHE_LINE) struct spsc_shared sh;
	struct spsc_cons c;
	uint64_t got[SLOT / 8];
	uint32_t x = 12345;
	void *p;

	for (int round = 0; round < 64; round++) {
		uint32_t start = x;

		CHECK_EQ_U64(spsc_cons_attach(&c, &sh, slots, CAP, SLOT, start), 0);
		n_prefetched = 0;
		for (int i = 0; i < 200 && !c.fault; i++) {
			x = x * 1103515245U + 12345U;
			/* Half near the tail (possible or just past the capacity), half anything. */
			uint32_t head = (x & 1) ? c.tail + (x >> 28) : x;

			atomic_store_explicit(&sh.head.v, head, memory_order_release);
			if (x & 2)
				(void)spsc_cons_dequeue(&c, got);
			else
				spsc_cons_release(&c, spsc_cons_peek(&c, 1 + (x >> 29), &p));
			(void)spsc_cons_wait_nonempty(&c, 0);
		}
		check_all_in_array();
		if (c.fault) {
			unsigned int before = n_prefetched;

			CHECK(!spsc_cons_dequeue(&c, got));
			CHECK(!spsc_cons_wait_nonempty(&c, 0));
			CHECK_EQ_U64(n_prefetched, before); /* a faulted end prefetches nothing */
		}
	}
}

int main(void)
{
	RUN(test_empty_poll_prefetches_next_slot);
	RUN(test_nonempty_polls_do_not_prefetch);
	RUN(test_hostile_heads_stay_in_array);
	return TEST_SUMMARY();
}
