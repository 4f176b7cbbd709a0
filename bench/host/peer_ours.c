// SPDX-License-Identifier: BSD-2-Clause-Patent
/* Our ring (dataplane/spsc.c, the same source the hypervisor builds) through the copy API and the
 * zero-copy API. */
#include <stdlib.h>

#include "bench.h"
#include "dataplane/spsc.h"

struct ours {
	struct spsc_ring ring; /* SPSC_CACHE_LINE-aligned: aligned_alloc below */
	_Alignas(64) struct bench_msg slots[];
};

static void *ours_create(uint32_t capacity)
{
	struct ours *o = aligned_alloc(SPSC_CACHE_LINE,
				       sizeof(*o) + (size_t)capacity * sizeof(struct bench_msg));

	if (o && spsc_init(&o->ring, o->slots, capacity, sizeof(struct bench_msg)) != 0) {
		free(o);
		return NULL;
	}
	return o;
}

static void ours_destroy(void *q)
{
	free(q);
}

static uint32_t copy_produce(void *q, uint64_t seq, uint32_t n)
{
	struct spsc_ring *r = q;
	struct bench_msg m[BENCH_BURST_MAX];

	for (uint32_t i = 0; i < n; i++)
		bench_msg_make(&m[i], seq + i);
	if (n == 1)
		return spsc_enqueue(r, m);
	return spsc_enqueue_burst(r, m, n);
}

static uint32_t copy_consume(void *q, uint64_t seq, uint32_t n, uint64_t *bad)
{
	struct spsc_ring *r = q;
	struct bench_msg m[BENCH_BURST_MAX];
	uint32_t got = n == 1 ? spsc_dequeue(r, m) : spsc_dequeue_burst(r, m, n);

	for (uint32_t i = 0; i < got; i++)
		*bad += bench_msg_bad(&m[i], seq + i);
	return got;
}

/* Zero-copy: messages are made in their slots and checked there. */
static uint32_t zc_produce(void *q, uint64_t seq, uint32_t n)
{
	struct spsc_ring *r = q;
	void *p;
	uint32_t got = spsc_reserve(r, n, &p);

	for (uint32_t i = 0; i < got; i++)
		bench_msg_make((struct bench_msg *)p + i, seq + i);
	spsc_commit(r, got);
	return got;
}

static uint32_t zc_consume(void *q, uint64_t seq, uint32_t n, uint64_t *bad)
{
	struct spsc_ring *r = q;
	void *p;
	uint32_t got = spsc_peek(r, n, &p);

	for (uint32_t i = 0; i < got; i++)
		*bad += bench_msg_bad((const struct bench_msg *)p + i, seq + i);
	spsc_release(r, got);
	return got;
}

const struct bench_peer peer_ours_copy = {
	.name = "monadic-copy",
	.desc = "monadic spsc (copy)",
	.create = ours_create,
	.destroy = ours_destroy,
	.produce = copy_produce,
	.consume = copy_consume,
};

const struct bench_peer peer_ours_zc = {
	.name = "monadic-zerocopy",
	.desc = "monadic spsc (zero-copy)",
	.create = ours_create,
	.destroy = ours_destroy,
	.produce = zc_produce,
	.consume = zc_consume,
};
