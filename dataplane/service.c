// SPDX-License-Identifier: BSD-2-Clause-Patent
/* The data-plane engine as a hypervisor service: one engine, one dedicated core, one lock. */
#include "dataplane/service.h"

#include "kernel/arch/arch.h"
#include "kernel/lib/err.h"
#include "kernel/smp.h"
#include "kernel/arch/spinlock.h"
#include "kernel/arch/timer.h"
#include "mm/mem.h"

#define DETACH_TIMEOUT_US 100000 /* an engine pass is bounded: it answers in microseconds */

static struct dp_engine dp;
static struct spsc_ring dp_to_engine, dp_from_engine;
static uint32_t dp_slot_size = DP_SERVICE_SLOT;
static uint8_t *dp_mem;
static uint64_t dp_mem_size;
static int dp_cpu = -1;
static uint64_t dp_epoch;
static struct spinlock dp_lock = SPINLOCK_INIT;

static void engine_work(void *arg)
{
	dp_engine_run(arg);
}

static uint64_t mem_pages(void)
{
	return (dp_mem_size + 4095) & ~4095UL;
}

int dp_service_start(unsigned int cpu, uint32_t ring, uint32_t burst)
{
	uint64_t deadline;
	int ret = 0;

	spin_lock(&dp_lock);
	if (dp_cpu >= 0) {
		ret = E_BUSY;
		goto out;
	}
	dp_mem_size = 2UL * ring * DP_SERVICE_SLOT;
	if (pmem_alloc(&phys_mem, mem_pages(), 4096, "dp rings", (uint64_t *)&dp_mem)) {
		ret = E_NOMEM;
		goto out;
	}
	spsc_init(&dp_to_engine, dp_mem, ring, DP_SERVICE_SLOT);
	spsc_init(&dp_from_engine, dp_mem + (uint64_t)ring * DP_SERVICE_SLOT, ring,
		  DP_SERVICE_SLOT);
	dp_engine_init(&dp, burst);
	dp_engine_add_port(&dp, &dp_to_engine, &dp_from_engine, dp_echo, &dp_slot_size);
	ret = smp_run_on(cpu, engine_work, &dp);
	if (ret) {
		pmem_free(&phys_mem, (uintptr_t)dp_mem, mem_pages());
		goto out;
	}
	percpu[cpu].doing = "dp engine";
	deadline = timer_count() + timer_us_to_ticks(1000000);
	while (!atomic_load_explicit(&dp.running, memory_order_acquire))
		if (timer_count() > deadline) {
			/* It may still start: leave it registered so that 'dp stop' can end it. */
			ret = E_BUSY;
			break;
		}
	dp_cpu = (int)cpu;
	dp_epoch++;
out:
	spin_unlock(&dp_lock);
	return ret;
}

int dp_service_stop(void)
{
	int ret = 0;

	spin_lock(&dp_lock);
	if (dp_cpu < 0) {
		ret = E_NOENT;
		goto out;
	}
	dp_engine_stop(&dp);
	sev(); /* wake it from WFE now rather than at the next event-stream tick */
	if (!smp_wait((unsigned int)dp_cpu, 2000000)) {
		ret = E_BUSY;
		goto out;
	}
	pmem_free(&phys_mem, (uintptr_t)dp_mem, mem_pages());
	dp_cpu = -1;
	dp_epoch++; /* guests' ports died with this engine */
out:
	spin_unlock(&dp_lock);
	return ret;
}

int dp_service_cpu(void)
{
	return dp_cpu;
}

uint64_t dp_service_epoch(void)
{
	return dp_epoch;
}

struct dp_engine *dp_service_engine(void)
{
	return &dp;
}

void dp_service_local(struct spsc_ring **to, struct spsc_ring **from)
{
	*to = &dp_to_engine;
	*from = &dp_from_engine;
}

int dp_service_attach(const struct dp_ends *ends, dp_handler fn, void *ctx, dp_fault_fn on_fault,
		      unsigned int *port, uint64_t *epoch)
{
	int ret;

	spin_lock(&dp_lock);
	if (dp_cpu < 0) {
		ret = E_NOENT;
	} else {
		ret = dp_engine_attach(&dp, ends, fn, ctx, on_fault, port);
		*epoch = dp_epoch;
	}
	spin_unlock(&dp_lock);
	return ret;
}

bool dp_service_detach(unsigned int port, uint64_t epoch)
{
	uint64_t deadline = timer_count() + timer_us_to_ticks(DETACH_TIMEOUT_US);
	bool done = true;

	spin_lock(&dp_lock);
	/* An engine that stopped since (or a new one) no longer has the port. */
	if (dp_cpu >= 0 && epoch == dp_epoch) {
		while (!(done = dp_engine_detach(&dp, port, true)) && timer_count() < deadline)
			;
	}
	spin_unlock(&dp_lock);
	return done;
}
