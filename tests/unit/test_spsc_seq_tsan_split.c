// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * The sequence ring with its trailers in an array of their own (64-byte messages, which leave
 * no room for a trailer in their line) with two threads under ThreadSanitizer, as
 * test_spsc_seq_tsan.c does for trailers inside the slots: 10^6 messages, every path and wait,
 * none lost, duplicated, reordered or torn, and no data race on the slots or the trailers.
 */
#define _GNU_SOURCE /* pthread_setaffinity_np, CPU_SET */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdalign.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include "dataplane/spsc_seq.h"
#include "test.h"

#define MESSAGES    1000000ULL
#define CAP	    256
#define BURST	    32
#define SLOT	    64 /* a whole line: the sequence words go to the trailer array */
#define STRIDE	    64
#define SLOTS_BYTES (CAP * (STRIDE + SPSC_SEQ_TRAILER))
#define SPSC_SEQ_RING
#define RING_LAYOUT_CHECKS()                                          \
	do {                                                          \
		CHECK(!spsc_seq_inline(SLOT));                        \
		CHECK_EQ_U64(spsc_seq_bytes(CAP, SLOT), SLOTS_BYTES); \
	} while (0)

#include "spsc_tsan_harness.h"

int main(void)
{
	RUN(test_two_threads);
	return TEST_SUMMARY();
}
