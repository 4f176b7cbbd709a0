// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * The two-thread ThreadSanitizer harness both SPSC rings share (test_spsc_tsan.c,
 * test_spsc_seq_tsan.c). The including file defines the ring: RING_T (its struct name),
 * RING(op) (its function for op), MESSAGES, CAP, BURST, SLOT (the message size), STRIDE (a
 * slot's size in the ring), optionally SLOTS_BYTES (the shared memory, when it is more than
 * CAP * STRIDE), RING_INIT_CHECKS() and RING_EMPTY_CHECKS(), and calls test_two_threads().
 * For the sequence ring (dataplane/spsc_seq.h) it defines SPSC_SEQ_RING instead of RING_T,
 * RING(op), RING_INIT_CHECKS() and RING_EMPTY_CHECKS(), and optionally RING_LAYOUT_CHECKS()
 * (what its slot layout must be, checked before the ring is set up).
 */
#ifndef TESTS_UNIT_SPSC_TSAN_HARNESS_H
#define TESTS_UNIT_SPSC_TSAN_HARNESS_H

#ifdef SPSC_SEQ_RING
#define RING_T	 spsc_seq_ring
#define RING(op) spsc_seq_##op
#ifndef RING_LAYOUT_CHECKS
#define RING_LAYOUT_CHECKS() \
	do {                 \
	} while (0)
#endif
#define RING_INIT_CHECKS()                                               \
	do {                                                             \
		RING_LAYOUT_CHECKS();                                    \
		CHECK_EQ_U64(spsc_seq_stride(SLOT), STRIDE);             \
		CHECK_EQ_U64(spsc_seq_init(&ring, slots, CAP, SLOT), 0); \
	} while (0)
/* The threads are joined: each end's private index can be read here. */
#define RING_EMPTY_CHECKS()                                         \
	do {                                                        \
		CHECK_EQ_U64(ring.prod.head - ring.cons.tail, 0);   \
		CHECK_EQ_U64(ring.prod.fault + ring.cons.fault, 0); \
	} while (0)
#endif
/*
 * Each wait is up to WAIT_SPINS pauses, then a yield (the other thread may share the CPU), at
 * most WAIT_ROUNDS times in a row (some seconds): a hang fails the test instead of stalling it.
 */
#define WAIT_SPINS  1000U
#define WAIT_ROUNDS 100000U

/* The shared slot memory: CAP slots of STRIDE bytes, unless the ring needs more (SLOTS_BYTES). */
#ifndef SLOTS_BYTES
#define SLOTS_BYTES (CAP * STRIDE)
#endif
static alignas(64) uint64_t slots[SLOTS_BYTES / 8];
static struct RING_T ring;

struct side {
	pthread_t thread;
	int cpu;
	uint64_t done;	 /* messages moved */
	uint64_t errors; /* consumer: wrong sequence number or torn message */
	uint64_t first_bad;
	uint64_t timeouts; /* wait budget ran out */
	uint64_t paths[3]; /* messages moved by single / burst / zero-copy */
};

/*
 * TSan calls this (a weak hook in libtsan) for every report it prints: counting them lets the
 * harness fail the case, so the summary line agrees with TSan's exit status.
 */
static _Atomic unsigned int tsan_reports;
void __tsan_on_report(const void *report);
void __tsan_on_report(const void *report)
{
	(void)report;
	atomic_fetch_add_explicit(&tsan_reports, 1, memory_order_relaxed);
}

static void pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

/* Wait with the ring's bounded wait, yielding between rounds; false when it never came. */
static bool wait_for(struct RING_T *r, bool (*wait)(struct RING_T *, uint32_t))
{
	uint32_t i;

	for (i = 0; i < WAIT_ROUNDS; i++) {
		if (wait(r, WAIT_SPINS))
			return true;
		sched_yield();
	}
	return false;
}

static void put(uint64_t *m, uint64_t seq)
{
	m[0] = seq;
	m[1] = ~seq;
}

static void *producer(void *arg)
{
	struct side *s = arg;
	uint64_t burst[BURST][SLOT / 8];
	uint64_t seq = 0;
	uint32_t round = 0, i, n;
	void *p;

	pin(s->cpu);
	while (seq < MESSAGES) {
		uint32_t path = round++ % 3;
		uint32_t want = 1 + (round * 7) % BURST;

		if (want > MESSAGES - seq)
			want = (uint32_t)(MESSAGES - seq);
		if (!wait_for(&ring, RING(wait_free))) {
			s->timeouts++;
			break;
		}
		if (path == 0) {
			put(burst[0], seq);
			n = RING(enqueue)(&ring, burst[0]) ? 1 : 0;
		} else if (path == 1) {
			for (i = 0; i < want; i++)
				put(burst[i], seq + i);
			n = RING(enqueue_burst)(&ring, burst, want);
		} else {
			n = RING(reserve)(&ring, want, &p);
			for (i = 0; i < n; i++)
				put((uint64_t *)p + i * (STRIDE / 8), seq + i);
			RING(commit)(&ring, n);
		}
		seq += n;
		s->paths[path] += n;
	}
	s->done = seq;
	return NULL;
}

static void check(struct side *s, const uint64_t *m, uint64_t want)
{
	if (m[0] != want || m[1] != ~want) {
		if (!s->errors++)
			s->first_bad = want;
	}
}

static void *consumer(void *arg)
{
	struct side *s = arg;
	uint64_t burst[BURST][SLOT / 8];
	uint64_t seq = 0;
	uint32_t round = 0, i, n;
	void *p;

	pin(s->cpu);
	while (seq < MESSAGES) {
		uint32_t path = round++ % 3;
		uint32_t want = 1 + (round * 5) % BURST;

		if (!wait_for(&ring, RING(wait_nonempty))) {
			s->timeouts++;
			break;
		}
		if (path == 0) {
			n = RING(dequeue)(&ring, burst[0]) ? 1 : 0;
			if (n)
				check(s, burst[0], seq);
		} else if (path == 1) {
			n = RING(dequeue_burst)(&ring, burst, want);
			for (i = 0; i < n; i++)
				check(s, burst[i], seq + i);
		} else {
			n = RING(peek)(&ring, want, &p);
			for (i = 0; i < n; i++)
				check(s, (uint64_t *)p + i * (STRIDE / 8), seq + i);
			RING(release)(&ring, n);
		}
		seq += n;
		s->paths[path] += n;
	}
	s->done = seq;
	return NULL;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void test_two_threads(void)
{
	struct side prod = { .cpu = -1 }, cons = { .cpu = -1 };
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	double t0, dt;

	if (ncpu > 1) {
		prod.cpu = 0;
		cons.cpu = 1;
	}
	RING_INIT_CHECKS();
	t0 = now_s();
	CHECK(pthread_create(&cons.thread, NULL, consumer, &cons) == 0);
	CHECK(pthread_create(&prod.thread, NULL, producer, &prod) == 0);
	pthread_join(prod.thread, NULL);
	pthread_join(cons.thread, NULL);
	dt = now_s() - t0;

	printf("  %llu messages in %.2f s (%s), consumer paths single/burst/zero-copy "
	       "%llu/%llu/%llu\n",
	       (unsigned long long)cons.done, dt, ncpu > 1 ? "pinned to CPUs 0 and 1" : "one CPU",
	       (unsigned long long)cons.paths[0], (unsigned long long)cons.paths[1],
	       (unsigned long long)cons.paths[2]);
	if (cons.errors)
		fprintf(stderr, "  %llu bad messages, the first where %llu was due\n",
			(unsigned long long)cons.errors, (unsigned long long)cons.first_bad);
	CHECK_EQ_U64(prod.done, MESSAGES);
	CHECK_EQ_U64(cons.done, MESSAGES);
	CHECK_EQ_U64(cons.errors, 0);
	CHECK_EQ_U64(atomic_load(&tsan_reports), 0);
	CHECK_EQ_U64(prod.timeouts + cons.timeouts, 0);
	RING_EMPTY_CHECKS();
	/* Every path carried a real share on both sides. */
	CHECK(prod.paths[0] > MESSAGES / 100 && prod.paths[1] > MESSAGES / 10 &&
	      prod.paths[2] > MESSAGES / 10);
	CHECK(cons.paths[0] > MESSAGES / 100 && cons.paths[1] > MESSAGES / 10 &&
	      cons.paths[2] > MESSAGES / 10);
}

#endif /* TESTS_UNIT_SPSC_TSAN_HARNESS_H */
