// SPDX-License-Identifier: BSD-2-Clause-Patent
/* Concurrency Kit's ck_ring (libck-dev), SPSC variant, storing the 64-byte messages by value
 * through CK_RING_PROTOTYPE. It has no burst call: a burst is a loop of single enqueues. */
#include <stdlib.h>

#include <ck_ring.h>

#include "bench.h"

CK_RING_PROTOTYPE(bench_msg, bench_msg)

struct ckq {
	struct ck_ring ring;
	_Alignas(64) struct bench_msg buf[];
};

static void *ck_create(uint32_t capacity)
{
	struct ckq *q = aligned_alloc(64, sizeof(*q) + (size_t)capacity * sizeof(struct bench_msg));

	if (q)
		ck_ring_init(&q->ring, capacity);
	return q;
}

static void ck_destroy(void *q)
{
	free(q);
}

static uint32_t ck_produce(void *qv, uint64_t seq, uint32_t n)
{
	struct ckq *q = qv;
	struct bench_msg m[BENCH_BURST_MAX];
	uint32_t i;

	for (i = 0; i < n; i++)
		bench_msg_make(&m[i], seq + i);
	for (i = 0; i < n; i++)
		if (!CK_RING_ENQUEUE_SPSC(bench_msg, &q->ring, q->buf, &m[i]))
			break;
	return i;
}

static uint32_t ck_consume(void *qv, uint64_t seq, uint32_t n, uint64_t *bad)
{
	struct ckq *q = qv;
	struct bench_msg m[BENCH_BURST_MAX];
	uint32_t i, got;

	for (got = 0; got < n; got++)
		if (!CK_RING_DEQUEUE_SPSC(bench_msg, &q->ring, q->buf, &m[got]))
			break;
	for (i = 0; i < got; i++)
		*bad += bench_msg_bad(&m[i], seq + i);
	return got;
}

const struct bench_peer peer_ck = {
	.name = "ck_ring",
	.desc = "ck_ring spsc (libck 0.7)",
	.create = ck_create,
	.destroy = ck_destroy,
	.produce = ck_produce,
	.consume = ck_consume,
};
