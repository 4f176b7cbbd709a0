// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * dataplane/spsc.c with two threads under ThreadSanitizer: a producer and a consumer, pinned to
 * different CPUs when there are two, move 10^7 sequence-numbered messages through one ring,
 * each side switching between the single, burst and zero-copy paths. The consumer checks that
 * none is lost, duplicated, reordered or torn; TSan checks that every slot access is ordered by
 * the ring's acquire/release pairs.
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

#include "dataplane/spsc.h"
#include "test.h"

#define MESSAGES	    10000000ULL
#define CAP		    256
#define BURST		    32
#define SLOT		    16 /* sequence number and its complement: a torn or stale slot shows */
#define STRIDE		    SLOT /* a slot holds the message only */
#define RING_T		    spsc_ring
#define RING(op)	    spsc_##op
#define RING_INIT_CHECKS()  CHECK_EQ_U64(spsc_init(&ring, slots, CAP, SLOT), 0)
#define RING_EMPTY_CHECKS() CHECK_EQ_U64(spsc_count(&ring), 0)

#include "spsc_tsan_harness.h"

int main(void)
{
	RUN(test_two_threads);
	return TEST_SUMMARY();
}
