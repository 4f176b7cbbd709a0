// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * `bench vblk`: what EL2 spends per 4 KiB virtio-blk read at queue depth 1, all of it: on the
 * guest's core the trap of the queue notify and the interrupt's delivery (the kick, the
 * list-register update, the guest's INT_STATUS read and INT_ACK write), on the engines' cores
 * the descriptor walk, the checks, the NVMe submission, the completion, the used ring update and
 * the interrupt's injection. The virtio-blk test guest (tests/guests/vblk.c, built in) reads N
 * times and marks the start and the end with a hypercall; there we read this core's PMU,
 * counting at EL2 only, and the engines' own counts of their passes that did work (as `bench
 * nvme` does). Under -icount QEMU's PMU counts instructions; without it only cycles.
 */
#include <stdatomic.h>

#include "bench/bench.h"
#include "bench/blk_cost.h"
#include "bench/bench_list.h"
#include "bench/pmu.h"
#include "kernel/arch/timer.h"
#include "kernel/console.h"
#include "kernel/lib/err.h"
#include "kernel/lib/fmt.h"
#include "kernel/vmm/vdisk.h"
#include "kernel/vmm/vhyp.h"
#include "kernel/vmm/vm.h"
#include "kernel/vmm/vm_access.h"
#include "kernel/vmm/vm_guest.h"
#include "monitor/json.h"
#include "monitor/shell.h"

#define MONADIC_HVC_BENCH_VBLK 0x86000012U /* x1 = 0 the reads begin, 1 they end */
#define VBLK_MEM	       (32UL << 20)
#define VBLK_MAX_READS	       100000
#define VBLK_TIMEOUT_US	       600000000UL
#define VBLK_RESULTS	       3 /* reads, errors, CNTVCT ticks */

extern const char embedded_vblk_start[], embedded_vblk_end[];

/* Counts at the begin and end marks: this core's PMU at EL2, and the engines' sums. */
struct vblk_mark {
	uint64_t vcpu_insns, vcpu_cycles;
	struct bench_blk_sum eng;
};
static struct vblk_mark marks[2];
static _Atomic bool marked[2];
static struct vm *_Atomic vblk_vm;
static bool insns_counted;

/*
 * On the guest's core, at EL2. The begin mark sets this core's PMU up (the VM's PMU is the
 * hypervisor's: vm->hyp_pmu) and reads it last; the end mark reads it first, so what the two
 * marks themselves cost is about one hypercall's exit and entry, spread over all the reads.
 */
static bool mark_call(struct vcpu *v)
{
	uint64_t op = v->regs.x[1];
	struct vblk_mark m = { 0 };

	if (vm_of_vcpu(v) != atomic_load(&vblk_vm) || op > 1) {
		v->regs.x[0] = (uint64_t)SMCCC_NOT_SUPPORTED;
		return false;
	}
	if (op == 0)
		bench_blk_cost_setup();
	else
		bench_blk_cost_read(&m.vcpu_insns, &m.vcpu_cycles);
	bench_blk_cost_sum(&m.eng);
	if (op == 0)
		bench_blk_cost_read(&m.vcpu_insns, &m.vcpu_cycles);
	marks[op] = m;
	atomic_store(&marked[op], true);
	v->regs.x[0] = 0;
	return false;
}
VHYP_CALL(MONADIC_HVC_BENCH_VBLK, mark_call);

static void report(const struct bench_opts *o, const uint64_t *r)
{
	const struct vblk_mark *a = &marks[0], *b = &marks[1];
	uint64_t n = r[0], ns = timer_ticks_to_ns(r[2]);
	uint64_t vi = bench_per(b->vcpu_insns - a->vcpu_insns, n);
	uint64_t ei = bench_per(b->eng.insns - a->eng.insns, n);
	uint64_t vc = bench_per(b->vcpu_cycles - a->vcpu_cycles, n);
	uint64_t ec = bench_per(b->eng.cycles - a->eng.cycles, n);
	struct json j;

	if (o->json) {
		bench_json_begin(&j, "vblk", o);
		json_str(&j, "metric", "EL2 cost per 4 KiB virtio-blk read at queue depth 1");
		json_u64(&j, "reads", n);
		json_u64(&j, "errors", r[1]);
		json_u64(&j, "elapsed_ns", ns);
		json_u64(&j, "engine_ios", b->eng.ios - a->eng.ios);
		json_u64(&j, "engine_passes", b->eng.passes - a->eng.passes);
		json_bool(&j, "inst_retired", insns_counted);
		if (insns_counted) {
			json_u64(&j, "el2_insns_per_read", vi + ei);
			json_u64(&j, "vcpu_el2_insns_per_read", vi);
			json_u64(&j, "engine_el2_insns_per_read", ei);
		} else {
			/* null, never a guess, when the PMU cannot count them */
			json_null(&j, "el2_insns_per_read");
			json_null(&j, "vcpu_el2_insns_per_read");
			json_null(&j, "engine_el2_insns_per_read");
		}
		json_u64(&j, "vcpu_el2_cycles_per_read", vc);
		json_u64(&j, "engine_el2_cycles_per_read", ec);
		json_end(&j);
		return;
	}
	printk("%llu virtio-blk reads of 4 KiB at queue depth 1, %llu errors, %llu ns each in the "
	       "guest\n",
	       (unsigned long long)n, (unsigned long long)r[1],
	       (unsigned long long)(n ? ns / n : 0));
	printk("the engines completed %llu I/Os in %llu passes that did work\n",
	       (unsigned long long)(b->eng.ios - a->eng.ios),
	       (unsigned long long)(b->eng.passes - a->eng.passes));
	printk("EL2 per read: %-14s %12s %12s\n", "", "insns", "cycles");
	if (insns_counted) {
		printk("  %-26s %12llu %12llu\n", "guest's core (trap, irq)",
		       (unsigned long long)vi, (unsigned long long)vc);
		printk("  %-26s %12llu %12llu\n", "engine (virtq, NVMe)", (unsigned long long)ei,
		       (unsigned long long)ec);
		printk("  %-26s %12llu %12llu\n", "total", (unsigned long long)(vi + ei),
		       (unsigned long long)(vc + ec));
	} else {
		printk("  %-26s %12s %12llu\n", "guest's core (trap, irq)", "n/a",
		       (unsigned long long)vc);
		printk("  %-26s %12s %12llu\n", "engine (virtq, NVMe)", "n/a",
		       (unsigned long long)ec);
		printk("(INST_RETIRED is not implemented by this PMU; QEMU counts instructions "
		       "only "
		       "with -icount)\n");
	}
}

int bench_vblk(struct bench_opts *o)
{
	// cppcheck-suppress comparePointers
	uint64_t size = (uint64_t)(embedded_vblk_end - embedded_vblk_start);
	uint64_t results[VBLK_RESULTS];
	struct err_why why = { 0 };
	struct vdisk_view view;
	char cmdline[32];
	struct vm *vm;
	int ret;

	if (!vdisk_engine(0))
		return shell_error(E_NOENT, "vblk: no controller for the block engine ('nvme claim "
					    "<bdf>' or bootargs nvme=)");
	if (!o->iters || o->iters > VBLK_MAX_READS)
		return shell_error(E_RANGE, "vblk: 1 to %d reads", VBLK_MAX_READS);
	vdisk_view(&view);
	ret = vm_create("bench-vblk", VBLK_MEM, false, &vm);
	if (ret)
		return shell_error(ret, "vblk: cannot create the benchmark VM: %s", err_str(ret));
	vm->hyp_pmu = true; /* mark_call() counts with this VM's core's PMU from EL2 */
	fmt_snprintf(cmdline, sizeof(cmdline), "bench=%llu", (unsigned long long)o->iters);
	ret = vm_load_builtin_image(vm, embedded_vblk_start, size, 1, cmdline);
	if (!ret)
		ret = vdisk_set(vm, view.bdf, 1, 0, 0, true, &why);
	if (ret) {
		vm_destroy(vm, NULL);
		return shell_fail(ret, &why,
				  "vblk: the benchmark VM's disk (namespace 1, all of it)");
	}
	insns_counted = pmu_event_supported(PMU_EV_INST_RETIRED);
	atomic_store(&marked[0], false);
	atomic_store(&marked[1], false);
	bench_blk_cost_start(insns_counted);
	atomic_store(&vblk_vm, vm);
	ret = bench_run_vm(vm, VBLK_TIMEOUT_US, &why);
	atomic_store(&vblk_vm, NULL);
	bench_blk_cost_stop();
	if (!ret)
		ret = vm_read_results(vm, results, VBLK_RESULTS);
	vm_destroy(vm, NULL);
	if (!ret && (!atomic_load(&marked[0]) || !atomic_load(&marked[1])))
		ret = E_IO;
	if (ret)
		return shell_error(ret, "vblk: the guest did not finish or left no results (see "
					"'vm log' and the engine's log lines)");
	if (results[0] != o->iters || results[1])
		return shell_error(E_IO, "vblk: %llu of %llu reads done, %llu failed",
				   (unsigned long long)results[0], (unsigned long long)o->iters,
				   (unsigned long long)results[1]);
	report(o, results);
	return 0;
}
