// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * `bench nvme`: 4 KiB random reads and writes from a bare-metal guest through the block
 * engine's rings (docs/block-service.md), at queue depths 1 to 128. The guest (tests/guests/
 * disk.c, built in) times every request with CNTVCT_EL0 and leaves IOPS and latency
 * percentiles per point; around each point it tells us, and we read what the engine's passes
 * that did work cost at EL2 on its core (PMU cycles and, where the PMU counts them, retired
 * instructions), per I/O the engine completed.
 */
#include <stdatomic.h>

#include "bench/bench.h"
#include "bench/blk_cost.h"
#include "bench/bench_list.h"
#include "bench/pmu.h"
#include "kernel/arch/timer.h"
#include "kernel/console.h"
#include "kernel/lib/err.h"
#include "kernel/lib/parse.h"
#include "kernel/vmm/vdisk.h"
#include "kernel/vmm/vhyp.h"
#include "kernel/vmm/vm.h"
#include "kernel/vmm/vm_access.h"
#include "kernel/vmm/vm_guest.h"
#include "monitor/json.h"
#include "monitor/shell.h"

#define MONADIC_HVC_BENCH_NVME 0x86000011U /* x1 = 0 a point begins, 1 it ends; x2 = point */
#define NVME_MEM	       (32UL << 20)
#define NVME_POINTS	       16 /* reads, then writes, at queue depths 1, 2, 4 ... 128 */
#define NVME_FIELDS	       8  /* per point: qd, op, ios, ticks, p50, p99, p99.9, max */
#define NVME_MAX_IOS	       20000
#define NVME_TIMEOUT_US	       600000000UL

extern const char embedded_disk_start[], embedded_disk_end[];

/* Each point's engine cost: the sums at its end less those at its start (bench_blk_cost_sum). */
static struct bench_blk_sum cost[NVME_POINTS], begin_at[NVME_POINTS];
static bool cost_done[NVME_POINTS];
static struct vm *_Atomic bench_vm;
static bool insns_counted;

static bool point_call(struct vcpu *v)
{
	uint64_t op = v->regs.x[1], point = v->regs.x[2];
	struct bench_blk_sum now;

	if (vm_of_vcpu(v) != atomic_load(&bench_vm) || point >= NVME_POINTS || op > 1) {
		v->regs.x[0] = (uint64_t)SMCCC_NOT_SUPPORTED;
		return false;
	}
	bench_blk_cost_sum(&now);
	if (op == 0) {
		begin_at[point] = now;
	} else {
		cost[point].insns = now.insns - begin_at[point].insns;
		cost[point].cycles = now.cycles - begin_at[point].cycles;
		cost[point].ios = now.ios - begin_at[point].ios;
		cost[point].passes = now.passes - begin_at[point].passes;
		cost_done[point] = true;
	}
	v->regs.x[0] = 0;
	return false;
}
VHYP_CALL(MONADIC_HVC_BENCH_NVME, point_call);

static void print_results(const uint64_t *r, uint64_t iters)
{
	printk("4 KiB random I/O through the block engine's rings, %llu per point, timed in the "
	       "guest (CNTVCT_EL0, %llu ns resolution);\n",
	       (unsigned long long)iters, (unsigned long long)timer_ticks_to_ns(1));
	printk("EL2 cost: the engine core's passes that did work, per I/O it completed (PMU at "
	       "EL2)\n");
	printk("%-6s %4s %9s %9s %9s %9s %9s %11s %11s\n", "op", "qd", "IOPS", "p50 ns", "p99 ns",
	       "p99.9 ns", "max ns", "EL2 insns", "EL2 cycles");
	for (unsigned int i = 0; i < NVME_POINTS; i++) {
		const uint64_t *p = r + i * NVME_FIELDS;
		uint64_t ns = timer_ticks_to_ns(p[3]);
		char insns[24] = "n/a";

		if (insns_counted && cost_done[i])
			fmt_snprintf(insns, sizeof(insns), "%llu",
				     (unsigned long long)bench_per(cost[i].insns, cost[i].ios));
		printk("%-6s %4llu %9llu %9llu %9llu %9llu %9llu %11s %11llu\n",
		       p[1] == BLK_OP_READ ? "read" : "write", (unsigned long long)p[0],
		       (unsigned long long)(ns ? p[2] * 1000000000ULL / ns : 0),
		       (unsigned long long)timer_ticks_to_ns(p[4]),
		       (unsigned long long)timer_ticks_to_ns(p[5]),
		       (unsigned long long)timer_ticks_to_ns(p[6]),
		       (unsigned long long)timer_ticks_to_ns(p[7]), insns,
		       (unsigned long long)bench_per(cost[i].cycles, cost[i].ios));
	}
	if (!insns_counted)
		printk("(INST_RETIRED is not implemented by this PMU; QEMU counts instructions "
		       "only "
		       "with -icount)\n");
}

static void json_results(const uint64_t *r, const struct bench_opts *o)
{
	struct json j;

	bench_json_begin(&j, "nvme", o);
	json_str(&j, "metric", "4 KiB random I/O through the block engine's rings");
	json_str(&j, "guest_wait", o->wait_wfe ? "wfe" : "wfi");
	json_bool(&j, "inst_retired", insns_counted);
	json_arr_begin(&j, "points");
	for (unsigned int i = 0; i < NVME_POINTS; i++) {
		const uint64_t *p = r + i * NVME_FIELDS;
		uint64_t ns = timer_ticks_to_ns(p[3]);

		json_obj_begin(&j, NULL);
		json_str(&j, "op", p[1] == BLK_OP_READ ? "read" : "write");
		json_u64(&j, "qd", p[0]);
		json_u64(&j, "ios", p[2]);
		json_u64(&j, "elapsed_ns", ns);
		json_u64(&j, "iops", ns ? p[2] * 1000000000ULL / ns : 0);
		json_u64(&j, "p50_ns", timer_ticks_to_ns(p[4]));
		json_u64(&j, "p99_ns", timer_ticks_to_ns(p[5]));
		json_u64(&j, "p999_ns", timer_ticks_to_ns(p[6]));
		json_u64(&j, "max_ns", timer_ticks_to_ns(p[7]));
		json_u64(&j, "engine_ios", cost[i].ios);
		json_u64(&j, "engine_passes", cost[i].passes); /* passes that did work */
		/* null, never a guess, when the PMU cannot count it. */
		if (insns_counted && cost_done[i])
			json_u64(&j, "el2_insns_per_io", bench_per(cost[i].insns, cost[i].ios));
		else
			json_null(&j, "el2_insns_per_io");
		if (cost_done[i])
			json_u64(&j, "el2_cycles_per_io", bench_per(cost[i].cycles, cost[i].ios));
		else
			json_null(&j, "el2_cycles_per_io");
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_end(&j);
}

int bench_nvme(struct bench_opts *o)
{
	// cppcheck-suppress comparePointers
	uint64_t size = (uint64_t)(embedded_disk_end - embedded_disk_start);
	uint64_t results[NVME_POINTS * NVME_FIELDS];
	struct blk_engine *e = vdisk_engine(0);
	struct err_why why = { 0 };
	struct vdisk_view view;
	char cmdline[32];
	struct vm *vm;
	int ret;

	if (!e)
		return shell_error(E_NOENT, "nvme: no controller for the block engine ('nvme claim "
					    "<bdf>' or bootargs nvme=)");
	if (o->iters > NVME_MAX_IOS)
		return shell_error(E_RANGE, "nvme: at most %d I/Os per point", NVME_MAX_IOS);
	vdisk_view(&view);
	ret = vm_create("bench-nvme", NVME_MEM, false, &vm);
	if (ret)
		return shell_error(ret, "nvme: cannot create the benchmark VM: %s", err_str(ret));
	fmt_snprintf(cmdline, sizeof(cmdline), "bench %llu%s", (unsigned long long)o->iters,
		     o->wait_wfe ? "" : " wfi");
	ret = vm_load_builtin_image(vm, embedded_disk_start, size, 1, cmdline);
	if (!ret)
		ret = vdisk_set(vm, view.bdf, 1, 0, 0, false, &why);
	if (ret) {
		vm_destroy(vm, NULL);
		return shell_fail(ret, &why,
				  "nvme: the benchmark VM's disk (namespace 1, all of it)");
	}
	for (unsigned int i = 0; i < NVME_POINTS; i++) {
		cost[i] = (struct bench_blk_sum){ 0 };
		cost_done[i] = false;
	}
	insns_counted = pmu_event_supported(PMU_EV_INST_RETIRED);
	bench_blk_cost_start(insns_counted);
	atomic_store(&bench_vm, vm);
	ret = bench_run_vm(vm, NVME_TIMEOUT_US, &why);
	atomic_store(&bench_vm, NULL);
	bench_blk_cost_stop();
	if (!ret)
		ret = vm_read_results(vm, results, NVME_POINTS * NVME_FIELDS);
	vm_destroy(vm, NULL);
	if (ret)
		return shell_error(ret, "nvme: the guest did not finish or left no results "
					"(see the engine's log lines)");
	if (o->json)
		json_results(results, o);
	else
		print_results(results, o->iters);
	return 0;
}

/* A VM other than VM 0 is on its way in, running, or on its way out. */
static bool guests_running(void)
{
	for (unsigned int i = 1; i < VM_MAX; i++) {
		struct vm *vm = vm_get(i);
		int st = vm ? atomic_load(&vm->state) : VM_FREE;

		if (st == VM_STARTING || st == VM_RUNNING || st == VM_RESETTING ||
		    st == VM_STOPPING)
			return true;
	}
	return false;
}

/*
 * `bench nvme-engine --iters MS`: what the engine's passes that did work cost at EL2, per I/O
 * it completed, over the next MS milliseconds or until no guest runs any more, whoever the I/O
 * came from (a Linux guest on virtio-blk started from bootargs, say). Under -icount the
 * instructions are counted too.
 */
int bench_nvme_engine(struct bench_opts *o)
{
	struct blk_engine *e = vdisk_engine(0);
	struct bench_blk_sum a, b;
	uint64_t passes, ios;

	if (!e)
		return shell_error(E_NOENT, "nvme-engine: no controller for the block engine "
					    "('nvme claim <bdf>' or bootargs nvme=)");
	insns_counted = pmu_event_supported(PMU_EV_INST_RETIRED);
	bench_blk_cost_start(insns_counted);
	bench_blk_cost_sum(&a);
	for (uint64_t ms = 0; ms < o->iters && guests_running(); ms++)
		udelay(1000);
	bench_blk_cost_sum(&b);
	passes = b.passes - a.passes;
	bench_blk_cost_stop();
	ios = b.ios - a.ios;
	if (o->json) {
		struct json j;

		bench_json_begin(&j, "nvme-engine", o);
		json_u64(&j, "ms", o->iters);
		json_u64(&j, "ios", ios);
		json_u64(&j, "busy_passes", passes);
		json_bool(&j, "inst_retired", insns_counted);
		if (insns_counted)
			json_u64(&j, "el2_insns_per_io", bench_per(b.insns - a.insns, ios));
		else
			json_null(&j, "el2_insns_per_io");
		json_u64(&j, "el2_cycles_per_io", bench_per(b.cycles - a.cycles, ios));
		json_end(&j);
		return 0;
	}
	printk("block engine over at most %llu ms: %llu I/Os completed in %llu passes that did "
	       "work\n",
	       (unsigned long long)o->iters, (unsigned long long)ios, (unsigned long long)passes);
	if (insns_counted)
		printk("EL2 instructions per I/O: %llu\n",
		       (unsigned long long)bench_per(b.insns - a.insns, ios));
	else
		printk("EL2 instructions per I/O: not counted (the PMU counts no INST_RETIRED)\n");
	printk("EL2 cycles per I/O: %llu\n",
	       (unsigned long long)bench_per(b.cycles - a.cycles, ios));
	return 0;
}
