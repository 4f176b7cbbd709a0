// SPDX-License-Identifier: BSD-2-Clause-Patent
// boost::lockfree::spsc_queue (libboost-dev), the only C++ in the tree: a peer for bench.c.
// Run-time capacity, so it sizes like the others; bursts use its push/pop of an array.
#include <boost/lockfree/spsc_queue.hpp>
#include <new>

#include "bench.h"

typedef boost::lockfree::spsc_queue<bench_msg> boost_q;

static void *boost_create(uint32_t capacity)
{
	// spsc_queue keeps one slot empty, as ck_ring does: capacity - 1 usable.
	return new (std::nothrow) boost_q(capacity - 1);
}

static void boost_destroy(void *q)
{
	delete static_cast<boost_q *>(q);
}

static uint32_t boost_produce(void *q, uint64_t seq, uint32_t n)
{
	bench_msg m[BENCH_BURST_MAX];

	for (uint32_t i = 0; i < n; i++)
		bench_msg_make(&m[i], seq + i);
	if (n == 1)
		return static_cast<boost_q *>(q)->push(m[0]) ? 1 : 0;
	return static_cast<uint32_t>(static_cast<boost_q *>(q)->push(m, n));
}

static uint32_t boost_consume(void *q, uint64_t seq, uint32_t n, uint64_t *bad)
{
	bench_msg m[BENCH_BURST_MAX];
	uint32_t got;

	if (n == 1)
		got = static_cast<boost_q *>(q)->pop(m[0]) ? 1 : 0;
	else
		got = static_cast<uint32_t>(static_cast<boost_q *>(q)->pop(m, n));
	for (uint32_t i = 0; i < got; i++)
		*bad += bench_msg_bad(&m[i], seq + i);
	return got;
}

extern "C" const struct bench_peer peer_boost = {
	"boost-spsc",
	"boost::lockfree::spsc_queue",
	boost_create,
	boost_destroy,
	boost_produce,
	boost_consume,
};
