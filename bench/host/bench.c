// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * Host-native benchmark of dataplane/spsc.c against ck_ring and boost::lockfree::spsc_queue,
 * and a raw cache-line ping-pong as the floor: throughput with bursts of 1 and 32, and round-trip
 * latency through two rings, with the producer and consumer pinned to two CPUs.
 *
 *   spsc-bench [--json] [--reps N] [--secs S] [--iters N] [--cpus A,B]
 */
#define _GNU_SOURCE /* pthread_setaffinity_np, CPU_SET */
#include <pthread.h>
#include <sched.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define CAPACITY 1024
#define MAX_REPS 9

static const struct bench_peer *const peers[] = { &peer_ours_copy, &peer_ours_zc, &peer_seq_copy,
						  &peer_seq_zc,	   &peer_ck,	  &peer_boost };
#define N_PEERS (sizeof(peers) / sizeof(peers[0]))
#define N_OURS	4 /* peers[0..N_OURS-1] are ours; the rest are the peers we compare against */
/* Round trips: the peers, the floor, the floor with a message, the seq ring's one-line slots. */
#define N_LAT	  (N_PEERS + 3)
#define LAT_SMALL (N_PEERS + 2)
static const uint32_t bursts[] = { 1, 32 };
#define N_BURSTS (sizeof(bursts) / sizeof(bursts[0]))

static struct {
	bool json;
	int reps;
	double secs;	/* per throughput run */
	uint64_t iters; /* round trips per latency run */
	int cpu[2];	/* producer/client, consumer/server; -1: not pinned */
} opt = { .reps = 5, .secs = 0.25, .iters = 100000, .cpu = { 0, 1 } };

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ volatile("yield");
#endif
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Cycle counter for per-round-trip samples (TSC on x86_64, calibrated below), else ns. */
static inline uint64_t ticks(void)
{
#if defined(__x86_64__)
	unsigned int aux;

	return __builtin_ia32_rdtscp(&aux); /* waits for earlier instructions to finish */
#else
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
#endif
}

static double ns_per_tick = 1.0;

/* CPU time of the calling thread: a spinning thread that got less than its wall time was preempted. */
static double thread_cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/*
 * Quiet or not: both threads of a run spin from start to end, so each should be on its CPU for
 * the whole run. A run in which either got less than QUIET_SHARE of the wall time shared its
 * CPU with something else (another process, the host), and its numbers say so little about the
 * rings that the report counts such runs.
 */
#define QUIET_SHARE 0.9
static struct {
	int runs, disturbed;
	double min_share;
} quiet = { .min_share = 1.0 };

/* A run's two threads had 'share0' and 'share1' of their wall time on their CPUs. */
static void quiet_note(double share0, double share1)
{
	double share = share0 < share1 ? share0 : share1;

	quiet.runs++;
	quiet.disturbed += share < QUIET_SHARE;
	if (share < quiet.min_share)
		quiet.min_share = share;
}

static void calibrate(void)
{
#if defined(__x86_64__)
	double t0 = now_s(), t1;
	uint64_t c0 = ticks(), c1;

	do {
		t1 = now_s();
	} while (t1 - t0 < 0.1);
	c1 = ticks();
	ns_per_tick = (t1 - t0) * 1e9 / (double)(c1 - c0);
#endif
}

static void pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set) != 0)
		fprintf(stderr, "spsc-bench: cannot pin to CPU %d\n", cpu);
}

/* Both threads check in, then the main thread starts the clock and lets them go. */
struct start {
	_Atomic int ready;
	_Atomic int go;
};

static void start_wait(struct start *s)
{
	atomic_fetch_add(&s->ready, 1);
	while (!atomic_load_explicit(&s->go, memory_order_acquire))
		cpu_relax();
}

static double start_release(struct start *s)
{
	double t0;

	while (atomic_load(&s->ready) < 2)
		cpu_relax();
	t0 = now_s();
	atomic_store_explicit(&s->go, 1, memory_order_release);
	return t0;
}

/* ---- throughput ---- */

/*
 * A throughput run lasts opt.secs: then the main thread raises 'stop', the producer publishes how
 * many it made in 'total', and the consumer drains up to that. Run time does not grow when the
 * machine is slow.
 */
struct tput {
	const struct bench_peer *p;
	void *q;
	uint32_t burst;
	struct start start;
	double t_end;
	double cpu[2]; /* seconds on CPU: producer, consumer */
	uint64_t bad;
	uint64_t moved;
	alignas(64) _Atomic int stop;
	_Atomic uint64_t total;
};

static void *tput_producer(void *arg)
{
	struct tput *t = arg;
	uint64_t seq = 0;

	double c0;

	pin(opt.cpu[0]);
	start_wait(&t->start);
	c0 = thread_cpu_s();
	while (!atomic_load_explicit(&t->stop, memory_order_relaxed)) {
		uint32_t got = t->p->produce(t->q, seq, t->burst);

		if (!got)
			cpu_relax();
		seq += got;
	}
	t->cpu[0] = thread_cpu_s() - c0;
	atomic_store_explicit(&t->total, seq, memory_order_release);
	return NULL;
}

static void *tput_consumer(void *arg)
{
	struct tput *t = arg;
	uint64_t seq = 0;

	double c0;

	pin(opt.cpu[1]);
	start_wait(&t->start);
	c0 = thread_cpu_s();
	while (seq < atomic_load_explicit(&t->total, memory_order_acquire)) {
		uint32_t got = t->p->consume(t->q, seq, t->burst, &t->bad);

		if (!got)
			cpu_relax();
		seq += got;
	}
	t->t_end = now_s();
	t->cpu[1] = thread_cpu_s() - c0;
	t->moved = seq;
	return NULL;
}

/* Messages per second for one run; exits when the consumer saw a wrong message. */
static double run_tput(const struct bench_peer *p, uint32_t burst)
{
	struct tput *t = aligned_alloc(64, sizeof(*t));
	struct timespec nap = { .tv_sec = (time_t)opt.secs,
				.tv_nsec = (long)((opt.secs - (double)(time_t)opt.secs) * 1e9) };
	pthread_t th[2];
	double t0, rate;

	if (!t)
		exit(1);
	memset(t, 0, sizeof(*t));
	t->p = p;
	t->burst = burst;
	atomic_init(&t->total, UINT64_MAX);
	t->q = p->create(CAPACITY);
	if (!t->q) {
		fprintf(stderr, "spsc-bench: %s: cannot create a ring\n", p->name);
		exit(1);
	}
	pthread_create(&th[1], NULL, tput_consumer, t);
	pthread_create(&th[0], NULL, tput_producer, t);
	t0 = start_release(&t->start);
	nanosleep(&nap, NULL);
	atomic_store_explicit(&t->stop, 1, memory_order_relaxed);
	pthread_join(th[0], NULL);
	pthread_join(th[1], NULL);
	p->destroy(t->q);
	if (t->bad) {
		fprintf(stderr, "spsc-bench: %s: %llu messages arrived wrong\n", p->name,
			(unsigned long long)t->bad);
		exit(1);
	}
	rate = (double)t->moved / (t->t_end - t0);
	quiet_note(t->cpu[0] / (t->t_end - t0), t->cpu[1] / (t->t_end - t0));
	free(t);
	return rate;
}

/* ---- round-trip latency ---- */

#define WARMUP 10000

struct lat {
	const struct bench_peer *p; /* NULL: raw cache-line ping-pong */
	void *q[2];		    /* client -> server, server -> client */
	struct start start;
	uint64_t *samples; /* ticks per round trip */
	uint64_t bad;
	double share[2]; /* client, server: CPU time / wall time */
	/* The floor: one line each way, 128 bytes apart so no adjacent-line prefetch couples them. */
	alignas(128) _Atomic uint64_t ping;
	alignas(128) _Atomic uint64_t pong;
	/*
	 * With 'message': a 64-byte message in a line of its own beside each flag, written before
	 * the flag is released and read after it is acquired, the receiver prefetching the message
	 * line while it polls: the least a 64-byte message and a separate signal can cost.
	 */
	alignas(128) uint64_t ping_msg[BENCH_MSG_BYTES / 8];
	alignas(128) uint64_t pong_msg[BENCH_MSG_BYTES / 8];
	bool message;
	alignas(128) char end;
};

/* Floor with a message: fill *msg, release the flag; then wait for the reply's and check it. */
static void pingpong_send(uint64_t *msg, _Atomic uint64_t *flag, uint64_t v)
{
	for (int w = 0; w < BENCH_MSG_BYTES / 8; w++)
		msg[w] = v + (uint64_t)w;
	atomic_store_explicit(flag, v, memory_order_release);
}

static void pingpong_wait(const uint64_t *msg, _Atomic uint64_t *flag, uint64_t v, bool with_msg,
			  uint64_t *bad)
{
	while (atomic_load_explicit(flag, memory_order_acquire) != v)
		if (with_msg)
			__builtin_prefetch(msg, 0, 3);
	if (with_msg)
		*bad += msg[0] != v || msg[BENCH_MSG_BYTES / 8 - 1] != v + BENCH_MSG_BYTES / 8 - 1;
}

static void *lat_client(void *arg)
{
	struct lat *l = arg;
	uint64_t i, n = WARMUP + opt.iters;

	double w0, c0;

	pin(opt.cpu[0]);
	start_wait(&l->start);
	w0 = now_s();
	c0 = thread_cpu_s();
	for (i = 0; i < n; i++) {
		uint64_t t0 = ticks(), t1;

		if (l->p) {
			while (!l->p->produce(l->q[0], i, 1))
				;
			while (!l->p->consume(l->q[1], i, 1, &l->bad))
				;
		} else if (l->message) {
			pingpong_send(l->ping_msg, &l->ping, i + 1);
			pingpong_wait(l->pong_msg, &l->pong, i + 1, true, &l->bad);
		} else {
			atomic_store_explicit(&l->ping, i + 1, memory_order_release);
			pingpong_wait(NULL, &l->pong, i + 1, false, &l->bad);
		}
		t1 = ticks();
		if (i >= WARMUP)
			l->samples[i - WARMUP] = t1 - t0;
	}
	l->share[0] = (thread_cpu_s() - c0) / (now_s() - w0);
	return NULL;
}

static void *lat_server(void *arg)
{
	struct lat *l = arg;
	uint64_t i, n = WARMUP + opt.iters;
	double w0, c0;

	pin(opt.cpu[1]);
	start_wait(&l->start);
	w0 = now_s();
	c0 = thread_cpu_s();
	for (i = 0; i < n; i++) {
		if (l->p) {
			while (!l->p->consume(l->q[0], i, 1, &l->bad))
				;
			while (!l->p->produce(l->q[1], i, 1))
				;
		} else {
			pingpong_wait(l->ping_msg, &l->ping, i + 1, l->message, &l->bad);
			if (l->message)
				pingpong_send(l->pong_msg, &l->pong, i + 1);
			else
				atomic_store_explicit(&l->pong, i + 1, memory_order_release);
		}
	}
	l->share[1] = (thread_cpu_s() - c0) / (now_s() - w0);
	return NULL;
}

/*
 * Append opt.iters round-trip samples (ticks) for p to 'out'; p NULL: the floor, with a 64-byte
 * message beside each flag when 'message'.
 */
static void run_lat(const struct bench_peer *p, bool message, uint64_t *out)
{
	struct lat *l = aligned_alloc(128, sizeof(*l));
	pthread_t th[2];

	memset(l, 0, sizeof(*l));
	l->p = p;
	l->message = message;
	l->samples = out;
	if (p) {
		l->q[0] = p->create(CAPACITY);
		l->q[1] = p->create(CAPACITY);
		if (!l->q[0] || !l->q[1]) {
			fprintf(stderr, "spsc-bench: %s: cannot create a ring\n", p->name);
			exit(1);
		}
	}
	pthread_create(&th[1], NULL, lat_server, l);
	pthread_create(&th[0], NULL, lat_client, l);
	start_release(&l->start);
	pthread_join(th[0], NULL);
	pthread_join(th[1], NULL);
	quiet_note(l->share[0], l->share[1]);
	if (p) {
		p->destroy(l->q[0]);
		p->destroy(l->q[1]);
	}
	if (l->bad) {
		fprintf(stderr, "spsc-bench: %s: %llu messages arrived wrong\n",
			p ? p->name : "ping-pong", (unsigned long long)l->bad);
		exit(1);
	}
	free(l);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

struct lat_stats {
	double median, p99, min;
};

static struct lat_stats lat_stats(uint64_t *s, uint64_t n)
{
	struct lat_stats st;

	qsort(s, n, sizeof(*s), cmp_u64);
	st.min = (double)s[0] * ns_per_tick;
	st.median = (double)s[n / 2] * ns_per_tick;
	st.p99 = (double)s[n * 99 / 100] * ns_per_tick;
	return st;
}

/* ---- report ---- */

static void machine(char *model, size_t len)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[256];

	snprintf(model, len, "unknown");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *c = strchr(line, ':');

		if (c && strncmp(line, "model name", 10) == 0) {
			snprintf(model, len, "%s", c + 2);
			model[strcspn(model, "\n")] = '\0';
			break;
		}
	}
	fclose(f);
}

/* The fields every JSON result line starts with; the caller adds its own and the brace. */
static void json_head(const char *test, const char *impl)
{
	printf("{\"bench\":\"spsc-host\",\"test\":\"%s\",\"impl\":\"%s\"", test, impl);
	printf(",\"msg_bytes\":%d,\"capacity\":%d", BENCH_MSG_BYTES, CAPACITY);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: spsc-bench [--json] [--reps N] [--secs S] [--iters N] [--cpus A,B]\n"
		"  --json      one JSON object per result line instead of the table\n"
		"  --reps N    runs of each measurement, interleaved (1-%d, default 5)\n"
		"  --secs S    seconds per throughput run (default 0.25)\n"
		"  --iters N   round trips per latency run (default 100000)\n"
		"  --cpus A,B  producer and consumer CPUs (default 0,1; -1,-1 leaves them free)\n",
		MAX_REPS);
	exit(2);
}

static void parse(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--json")) {
			opt.json = true;
		} else if (!strcmp(a, "--reps") && v) {
			opt.reps = atoi(v), i++;
		} else if (!strcmp(a, "--secs") && v) {
			opt.secs = atof(v), i++;
		} else if (!strcmp(a, "--iters") && v) {
			opt.iters = strtoull(v, NULL, 0), i++;
		} else if (!strcmp(a, "--cpus") && v) {
			if (sscanf(v, "%d,%d", &opt.cpu[0], &opt.cpu[1]) != 2)
				usage();
			i++;
		} else {
			usage();
		}
	}
	if (opt.reps < 1 || opt.reps > MAX_REPS || !(opt.secs >= 0.01 && opt.secs <= 60) ||
	    opt.iters < 100)
		usage();
}

int main(int argc, char **argv)
{
	static double tput[N_PEERS][N_BURSTS][MAX_REPS], ratio[N_OURS][N_BURSTS][MAX_REPS];
	double rmed[N_OURS][N_BURSTS], rlo[N_OURS][N_BURSTS], rhi[N_OURS][N_BURSTS];
	/* [N_PEERS]: the floor; [N_PEERS + 1]: the floor with a 64-byte message each way */
	static struct lat_stats lat[N_LAT];
	double med[N_PEERS][N_BURSTS], lo[N_PEERS][N_BURSTS], hi[N_PEERS][N_BURSTS];
	uint64_t *samples[N_LAT];
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	char model[128];
	size_t i, b;
	int rep;

	parse(argc, argv);
	if (ncpu < 2 && opt.cpu[0] >= 0) {
		fprintf(stderr, "spsc-bench: one CPU: threads not pinned, numbers meaningless\n");
		opt.cpu[0] = opt.cpu[1] = -1;
	}
	calibrate();
	machine(model, sizeof(model));
	for (i = 0; i < N_LAT; i++) {
		samples[i] = malloc(sizeof(uint64_t) * opt.iters * (size_t)opt.reps);
		if (!samples[i])
			return 1;
	}

	/* Interleave the rings within each rep, so a noisy second hurts them alike. */
	for (rep = 0; rep < opt.reps; rep++) {
		for (b = 0; b < N_BURSTS; b++)
			for (i = 0; i < N_PEERS; i++)
				tput[i][b][rep] = run_tput(peers[i], bursts[b]);
		for (i = 0; i < N_LAT; i++)
			run_lat(i < N_PEERS	 ? peers[i]
				: i == LAT_SMALL ? &peer_seq_small
						 : NULL,
				i == N_PEERS + 1, samples[i] + opt.iters * (size_t)rep);
	}
	/*
	 * Ours against the best peer of the same rep, then the median over reps: the machine's speed
	 * drifts between reps (a shared VM), and a ratio taken within one rep cancels most of that.
	 */
	for (rep = 0; rep < opt.reps; rep++) {
		for (b = 0; b < N_BURSTS; b++) {
			double best = 0;

			for (i = N_OURS; i < N_PEERS; i++)
				best = tput[i][b][rep] > best ? tput[i][b][rep] : best;
			for (i = 0; i < N_OURS; i++)
				ratio[i][b][rep] = tput[i][b][rep] / best;
		}
	}
	for (i = 0; i < N_OURS; i++) {
		for (b = 0; b < N_BURSTS; b++) {
			qsort(ratio[i][b], (size_t)opt.reps, sizeof(double), cmp_double);
			rmed[i][b] = ratio[i][b][opt.reps / 2];
			rlo[i][b] = ratio[i][b][0];
			rhi[i][b] = ratio[i][b][opt.reps - 1];
		}
	}
	for (i = 0; i < N_PEERS; i++) {
		for (b = 0; b < N_BURSTS; b++) {
			qsort(tput[i][b], (size_t)opt.reps, sizeof(double), cmp_double);
			med[i][b] = tput[i][b][opt.reps / 2] / 1e6;
			lo[i][b] = tput[i][b][0] / 1e6;
			hi[i][b] = tput[i][b][opt.reps - 1] / 1e6;
		}
	}
	for (i = 0; i < N_LAT; i++)
		lat[i] = lat_stats(samples[i], opt.iters * (uint64_t)opt.reps);

	/* Best peer: highest median throughput per burst, lowest median round trip. */
	double best_tput[N_BURSTS] = { 0 }, best_lat = 1e30;
	const char *best_tput_name[N_BURSTS] = { 0 }, *best_lat_name = "";

	for (i = N_OURS; i < N_PEERS; i++) {
		for (b = 0; b < N_BURSTS; b++)
			if (med[i][b] > best_tput[b]) {
				best_tput[b] = med[i][b];
				best_tput_name[b] = peers[i]->name;
			}
		if (lat[i].median < best_lat) {
			best_lat = lat[i].median;
			best_lat_name = peers[i]->name;
		}
	}

	if (opt.json) {
		printf("{\"bench\":\"spsc-host\",\"test\":\"machine\",\"cpus\":%ld,", ncpu);
		printf("\"model\":\"%s\",\"ns_per_tick\":%.4f,", model, ns_per_tick);
		printf("\"msg_bytes\":%d,\"capacity\":%d,\"reps\":%d,", BENCH_MSG_BYTES, CAPACITY,
		       opt.reps);
		printf("\"secs\":%.3f,\"iters\":%llu,", opt.secs, (unsigned long long)opt.iters);
		printf("\"cpu\":[%d,%d],", opt.cpu[0], opt.cpu[1]);
		printf("\"runs\":%d,\"disturbed_runs\":%d,\"min_cpu_share\":%.3f}\n", quiet.runs,
		       quiet.disturbed, quiet.min_share);
		for (i = 0; i < N_PEERS; i++) {
			for (b = 0; b < N_BURSTS; b++) {
				json_head("throughput", peers[i]->name);
				printf(",\"burst\":%u,\"mmsgs_per_s\":%.2f", bursts[b], med[i][b]);
				printf(",\"min\":%.2f,\"max\":%.2f", lo[i][b], hi[i][b]);
				if (i < N_OURS) {
					printf(",\"vs_best_peer\":%.3f", rmed[i][b]);
					printf(",\"vs_best_peer_min\":%.3f", rlo[i][b]);
					printf(",\"vs_best_peer_max\":%.3f", rhi[i][b]);
					printf(",\"best_peer\":\"%s\"", best_tput_name[b]);
				}
				printf("}\n");
			}
		}
		for (i = 0; i < N_LAT; i++) {
			json_head("round_trip", i < N_PEERS    ? peers[i]->name
						: i == N_PEERS ? "cacheline-pingpong"
						: i == LAT_SMALL
							? peer_seq_small.name
							: "cacheline-pingpong-64b-message");
			printf(",\"median_ns\":%.1f,\"p99_ns\":%.1f", lat[i].median, lat[i].p99);
			printf(",\"min_ns\":%.1f", lat[i].min);
			if (i < N_OURS) {
				printf(",\"vs_best_peer\":%.3f", lat[i].median / best_lat);
				printf(",\"best_peer\":\"%s\"", best_lat_name);
			}
			if (i != N_PEERS)
				printf(",\"vs_floor\":%.3f", lat[i].median / lat[N_PEERS].median);
			/* Against the two-line floor: what a 64-byte message and a signal cost. */
			if (i < N_PEERS || i == LAT_SMALL)
				printf(",\"vs_floor_2line\":%.3f",
				       lat[i].median / lat[N_PEERS + 1].median);
			printf("}\n");
		}
		return 0;
	}

	printf("SPSC rings: %d-byte messages, %d slots, %ld CPUs (%s)\n", BENCH_MSG_BYTES, CAPACITY,
	       ncpu, model);
	printf("producer CPU %d, consumer CPU %d; %d interleaved reps\n", opt.cpu[0], opt.cpu[1],
	       opt.reps);
	printf("throughput: median [min-max] of %.2f s runs; round trip: %llu samples\n\n",
	       opt.secs, (unsigned long long)opt.iters * (unsigned long long)opt.reps);
	printf("%-30s %24s %24s\n", "throughput (Mmsg/s)", "burst 1", "burst 32");
	for (i = 0; i < N_PEERS; i++) {
		printf("%-30s", peers[i]->desc);
		for (b = 0; b < N_BURSTS; b++) {
			char cell[64];

			snprintf(cell, sizeof(cell), "%.1f [%.1f-%.1f]", med[i][b], lo[i][b],
				 hi[i][b]);
			printf(" %24s", cell);
		}
		printf("\n");
	}
	for (i = 0; i < N_OURS; i++) {
		static const char *const label[N_OURS] = { "  copy / best peer",
							   "  zero-copy / best peer",
							   "  seq copy / best peer",
							   "  seq zero-copy / best peer" };

		printf("%-30s", label[i]);
		for (b = 0; b < N_BURSTS; b++) {
			char cell[64];

			snprintf(cell, sizeof(cell), "%.2fx [%.2f-%.2f]", rmed[i][b], rlo[i][b],
				 rhi[i][b]);
			printf(" %24s", cell);
		}
		printf("\n");
	}

	printf("\n%-30s %9s %9s %9s %11s %9s %9s\n", "round trip, burst 1 (ns)", "median", "p99",
	       "min", "/best peer", "/floor", "/2-line");
	for (i = 0; i < N_LAT; i++) {
		printf("%-30s %9.0f %9.0f %9.0f",
		       i < N_PEERS	? peers[i]->desc
		       : i == N_PEERS	? "cache-line ping-pong (floor)"
		       : i == LAT_SMALL ? peer_seq_small.desc
					: "  ping-pong, 64-byte message",
		       lat[i].median, lat[i].p99, lat[i].min);
		if (i < N_OURS)
			printf(" %10.2fx", lat[i].median / best_lat);
		else
			printf(" %11s", "");
		if (i != N_PEERS)
			printf(" %8.2fx", lat[i].median / lat[N_PEERS].median);
		else
			printf(" %9s", "");
		if (i < N_PEERS || i == LAT_SMALL)
			printf(" %8.2fx", lat[i].median / lat[N_PEERS + 1].median);
		printf("\n");
	}
	printf("\nbest peer by median: %s (burst 1), %s (burst 32), %s (round trip)\n",
	       best_tput_name[0], best_tput_name[1], best_lat_name);
	printf("throughput ratios: ours / the best peer of the same rep, median [min-max];\n");
	printf("disturbed runs (a thread off its CPU for more than %.0f%% of the run): %d of %d,\n",
	       (1 - QUIET_SHARE) * 100, quiet.disturbed, quiet.runs);
	printf("lowest share of a run on its CPU %.2f: numbers from a disturbed run mean little\n",
	       quiet.min_share);
	printf("round-trip ratios: pooled medians; /floor against the cache-line ping-pong,\n");
	printf("/2-line against the ping-pong with a 64-byte message (two lines each way)\n");
	return 0;
}
