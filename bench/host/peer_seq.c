// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * The sequence ring (dataplane/spsc_seq.c, the same source the hypervisor builds) through the
 * copy API and the zero-copy API. 64-byte messages take 64-byte slots, their sequence words an
 * array of their own (spsc_seq_inline()).
 */
#include <stdlib.h>

#include "bench.h"
#include "dataplane/spsc_seq.h"

struct seq {
	struct spsc_seq_ring ring; /* SPSC_CACHE_LINE-aligned: aligned_alloc below */
	_Alignas(128) unsigned char slots[];
};

static void *seq_create(uint32_t capacity)
{
	struct seq *s = aligned_alloc(
		SPSC_CACHE_LINE, sizeof(*s) + spsc_seq_bytes(capacity, sizeof(struct bench_msg)));

	if (s && spsc_seq_init(&s->ring, s->slots, capacity, sizeof(struct bench_msg)) != 0) {
		free(s);
		return NULL;
	}
	return s;
}

static void seq_destroy(void *q)
{
	free(q);
}

static uint32_t copy_produce(void *q, uint64_t seq, uint32_t n)
{
	struct spsc_seq_ring *r = q;
	struct bench_msg m[BENCH_BURST_MAX];

	for (uint32_t i = 0; i < n; i++)
		bench_msg_make(&m[i], seq + i);
	if (n == 1)
		return spsc_seq_enqueue(r, m);
	return spsc_seq_enqueue_burst(r, m, n);
}

static uint32_t copy_consume(void *q, uint64_t seq, uint32_t n, uint64_t *bad)
{
	struct spsc_seq_ring *r = q;
	struct bench_msg m[BENCH_BURST_MAX];
	uint32_t got = n == 1 ? spsc_seq_dequeue(r, m) : spsc_seq_dequeue_burst(r, m, n);

	for (uint32_t i = 0; i < got; i++)
		*bad += bench_msg_bad(&m[i], seq + i);
	return got;
}

/* Zero-copy: messages are made in their slots (one every stride bytes) and checked there. */
static uint32_t zc_produce(void *q, uint64_t seq, uint32_t n)
{
	struct spsc_seq_ring *r = q;
	void *p;
	uint32_t got = spsc_seq_reserve(r, n, &p);

	for (uint32_t i = 0; i < got; i++)
		bench_msg_make(
			(struct bench_msg *)((unsigned char *)p + (size_t)i * r->prod.stride),
			seq + i);
	spsc_seq_commit(r, got);
	return got;
}

static uint32_t zc_consume(void *q, uint64_t seq, uint32_t n, uint64_t *bad)
{
	struct spsc_seq_ring *r = q;
	void *p;
	uint32_t got = spsc_seq_peek(r, n, &p);

	for (uint32_t i = 0; i < got; i++)
		*bad += bench_msg_bad(
			(const struct bench_msg *)((unsigned char *)p + (size_t)i * r->cons.stride),
			seq + i);
	spsc_seq_release(r, got);
	return got;
}

const struct bench_peer peer_seq_copy = {
	.name = "monadic-seq-copy",
	.desc = "monadic seq ring (copy)",
	.create = seq_create,
	.destroy = seq_destroy,
	.produce = copy_produce,
	.consume = copy_consume,
};

const struct bench_peer peer_seq_zc = {
	.name = "monadic-seq-zerocopy",
	.desc = "monadic seq ring (zero-copy)",
	.create = seq_create,
	.destroy = seq_destroy,
	.produce = zc_produce,
	.consume = zc_consume,
};

/*
 * Round trips only: 56-byte messages, which fit one 64-byte slot with their sequence word, so a
 * message crosses in one line. Not comparable with the 64-byte peers' throughput, so the table
 * shows it beside the floors.
 */
#define SMALL_WORDS 7

static void *small_create(uint32_t capacity)
{
	uint32_t msg = SMALL_WORDS * 8;
	struct seq *s = aligned_alloc(SPSC_CACHE_LINE, sizeof(*s) + spsc_seq_bytes(capacity, msg));

	if (s && spsc_seq_init(&s->ring, s->slots, capacity, msg) != 0) {
		free(s);
		return NULL;
	}
	return s;
}

static uint32_t small_produce(void *q, uint64_t seq, uint32_t n)
{
	struct spsc_seq_ring *r = q;
	void *p;
	uint32_t got = spsc_seq_reserve(r, n, &p);

	for (uint32_t i = 0; i < got; i++) {
		uint64_t *m = (uint64_t *)(void *)((unsigned char *)p + (size_t)i * r->prod.stride);

		for (int w = 0; w < SMALL_WORDS; w++)
			m[w] = seq + i + (uint64_t)w;
	}
	spsc_seq_commit(r, got);
	return got;
}

static uint32_t small_consume(void *q, uint64_t seq, uint32_t n, uint64_t *bad)
{
	struct spsc_seq_ring *r = q;
	void *p;
	uint32_t got = spsc_seq_peek(r, n, &p);

	for (uint32_t i = 0; i < got; i++) {
		const uint64_t *m =
			(const uint64_t *)(void *)((unsigned char *)p + (size_t)i * r->cons.stride);

		*bad += m[0] != seq + i || m[SMALL_WORDS - 1] != seq + i + SMALL_WORDS - 1;
	}
	spsc_seq_release(r, got);
	return got;
}

const struct bench_peer peer_seq_small = {
	.name = "monadic-seq-zerocopy-56b",
	.desc = "  seq ring, 56-byte message",
	.create = small_create,
	.destroy = seq_destroy,
	.produce = small_produce,
	.consume = small_consume,
};
