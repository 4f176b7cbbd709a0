// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * The sequence ring (dataplane/spsc_seq.c) with two threads under ThreadSanitizer: a producer
 * and a consumer, pinned to different CPUs when there are two, move 2 * 10^6 sequence-numbered
 * messages through one ring, each side switching between the single, burst and zero-copy paths
 * and the bounded waits. The consumer checks that none is lost, duplicated, reordered or torn;
 * TSan checks that every slot access is ordered by the per-slot sequence words (producer to
 * consumer) and the batched tail (consumer to producer).
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

#define MESSAGES 2000000ULL
#define CAP	 256
#define BURST	 32
#define SLOT	 16 /* sequence number and its complement: a torn or stale slot shows */
#define STRIDE	 64 /* spsc_seq_stride(SLOT): the message, the ring's sequence word, padding */
#define SPSC_SEQ_RING

#include "spsc_tsan_harness.h"

int main(void)
{
	RUN(test_two_threads);
	return TEST_SUMMARY();
}
