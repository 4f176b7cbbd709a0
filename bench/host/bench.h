/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * The host benchmark's interface to each ring it compares: every peer moves the same 64-byte
 * messages through produce()/consume() calls, so the harness (bench.c) times them alike.
 */
#ifndef BENCH_HOST_BENCH_H
#define BENCH_HOST_BENCH_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BENCH_MSG_BYTES 64
#define BENCH_BURST_MAX 64

/*
 * A 64-byte message: a sequence number and seven words derived from it, checked on arrival.
 * Line-aligned, so every peer's slots (C++ allocators included) start on a line.
 */
struct __attribute__((aligned(64))) bench_msg {
	uint64_t seq;
	uint64_t w[7];
};

static inline void bench_msg_make(struct bench_msg *m, uint64_t seq)
{
	m->seq = seq;
	for (int i = 0; i < 7; i++)
		m->w[i] = seq + (uint64_t)i;
}

static inline int bench_msg_bad(const struct bench_msg *m, uint64_t seq)
{
	return m->seq != seq || m->w[6] != seq + 6;
}

struct bench_peer {
	const char *name; /* short, for JSON */
	const char *desc; /* for the table */
	/* A ring holding at least 'capacity' - 1 messages; NULL when it cannot. */
	void *(*create)(uint32_t capacity);
	void (*destroy)(void *q);
	/* Make messages seq, seq+1, ... and enqueue up to n (1 <= n <= BENCH_BURST_MAX) of them;
	 * returns how many went in (0 when full). n == 1 uses the peer's single-message call. */
	uint32_t (*produce)(void *q, uint64_t seq, uint32_t n);
	/* Dequeue up to n, checking they are seq, seq+1, ...; adds mismatches to *bad. */
	uint32_t (*consume)(void *q, uint64_t seq, uint32_t n, uint64_t *bad);
};

extern const struct bench_peer peer_ours_copy, peer_ours_zc, peer_seq_copy, peer_seq_zc, peer_ck,
	peer_boost;
/* Round trips only: the sequence ring with 56-byte messages, one line per slot. */
extern const struct bench_peer peer_seq_small;

#ifdef __cplusplus
}
#endif

#endif
