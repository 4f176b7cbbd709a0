// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * Benchmarks that need a guest: `bench hvc` (null hypercall round trip from EL1), `bench mmio`
 * (a trapped, emulated register read), `bench virq` (the virtual timer's interrupt), `bench
 * virq-msi` and `bench virq-dev` (an LPI through the guest's ITS, from a GITS_TRANSLATER write
 * or from a passed-through device's MSI) and `bench ipi` (an SGI from one vCPU to another). The guest is built into the image (boot/embedded.S);
 * each run creates a VM for it, lets it time N operations with the virtual counter, reads the
 * samples it leaves in its RAM, and destroys the VM.
 */
#include <stdatomic.h>

#include "bench/bench.h"
#include "bench/bench_list.h"
#include "kernel/console.h"
#include "kernel/lib/err.h"
#include "kernel/smp.h"
#include "kernel/arch/timer.h"
#include "kernel/drivers/gic_its.h"
#include "kernel/vmm/vhyp.h"
#include "kernel/vmm/vm.h"
#include "kernel/vmm/vm_guest.h"
#include "kernel/vmm/vm_access.h"
#include "kernel/vmm/vm_pci.h"
#include "kernel/lib/parse.h"
#include "monitor/shell.h"
#include "pci/pci_host.h"

#define GUEST_MEM	(16UL << 20)
#define GUEST_MAX_ITERS 200000 /* the guest's sample array */

/* The benchmark guest's PMU control (tests/guests/benchg.c): x1 = 0 count, 1 stop; x2 = loop. */
#define MONADIC_HVC_BENCH_PMU 0x86000005U

extern const char embedded_benchg_start[], embedded_benchg_end[];

/*
 * Counting a guest's loops with the PMU of the CPU its vCPU runs on (MONADIC_HVC_BENCH_PMU):
 * loop 0 makes N null hypercalls, loop 1 is the same loop without the HVC; their difference
 * divided by N is what one round trip costs, loop overhead and the marking calls cancelled.
 * Only the benchmark VM that is running may ask.
 */
#define PMU_LOOPS 2
static struct vm *_Atomic pmu_vm;
struct pmu_counts {
	bool insns_supported;
	bool done[PMU_LOOPS];
	uint64_t insns[PMU_LOOPS], cycles[PMU_LOOPS];
};
static struct pmu_counts pmu_res;

static bool pmu_call(struct vcpu *v)
{
	uint64_t op = v->regs.x[1], loop = v->regs.x[2];

	if (vm_of_vcpu(v) != atomic_load(&pmu_vm) || loop >= PMU_LOOPS || op > 1) {
		v->regs.x[0] = (uint64_t)SMCCC_NOT_SUPPORTED;
		return false;
	}
	if (op == 0) {
		/* QEMU implements INST_RETIRED only with -icount: PMCEID0_EL0 says so. */
		pmu_res.insns_supported = pmu_event_supported(PMU_EV_INST_RETIRED);
		pmu_guest_begin(pmu_res.insns_supported);
	} else {
		pmu_guest_read(&pmu_res.insns[loop], &pmu_res.cycles[loop]);
		pmu_guest_end();
		pmu_res.done[loop] = true;
	}
	v->regs.x[0] = 0;
	return false;
}
VHYP_CALL(MONADIC_HVC_BENCH_PMU, pmu_call);

/* Per round trip, rounded: (loop 0 - loop 1) / n. False when a count is missing or odd. */
static bool per_rtt(const uint64_t *v, uint64_t n, uint64_t *out)
{
	if (!pmu_res.done[0] || !pmu_res.done[1] || !n || v[0] <= v[1])
		return false;
	*out = bench_per(v[0] - v[1], n);
	return true;
}

/* QEMU's educational device (-device edu, docs/specs/edu.txt): it raises an MSI on request. */
#define EDU_VENDOR 0x1234
#define EDU_DEVICE 0x11e8

/* A QEMU edu function no VM has, for virq-dev, or NULL. */
static const struct pci_func *free_edu(void)
{
	for (unsigned int i = 0; pci_present && i < pci_topo.n_fn; i++) {
		const struct pci_func *f = &pci_topo.fn[i];

		if (f->vendor == EDU_VENDOR && f->device == EDU_DEVICE && !vm_pci_owner(f->bdf))
			return f;
	}
	return NULL;
}

/* A VM of 'cpus' vCPUs with the embedded benchmark guest loaded into it. */
static int make_vm(const char *what, uint64_t iters, unsigned int cpus, struct vm **out,
		   struct err_why *why)
{
	/* The two symbols bound one .incbin: their difference is its size. */
	// cppcheck-suppress comparePointers
	uint64_t size = (uint64_t)(embedded_benchg_end - embedded_benchg_start);
	char name[24], cmdline[32];
	struct vm *vm;
	int ret;

	fmt_snprintf(name, sizeof(name), "bench-%s", what);
	ret = vm_create(name, GUEST_MEM, false, &vm);
	if (ret)
		return ret;
	vm->hyp_pmu = true; /* pmu_call() counts the guest with this core's PMU from EL2 */
	fmt_snprintf(cmdline, sizeof(cmdline), "%s %llu", what, (unsigned long long)iters);
	ret = vm_load_builtin_image(vm, embedded_benchg_start, size, cpus, cmdline);
	/* virq-dev: an edu function as the guest's device 0, its MSI mediated (kernel/vmm/vm_msi.c). */
	if (!ret && str_eq(what, "virq-dev")) {
		const struct pci_func *edu = free_edu();

		ret = edu ? vm_pci_assign(vm, edu->bdf, why)
			  : err_fail(why, E_NOENT,
				     "no free QEMU edu function (-device edu) to pass through");
	}
	if (ret) {
		vm_destroy(vm, NULL);
		return ret;
	}
	*out = vm;
	return 0;
}

static int run_guest_bench(struct bench_opts *o, const char *what, const char *label)
{
	uint64_t *samples, insns = 0, cycles = 0;
	bool ipi = str_eq(what, "ipi"), counted = !str_eq(what, "virq") && !ipi;
	bool have_insns, have_cycles;
	unsigned int cpus = ipi ? 2 : 1, cpu, cpu_b;
	struct err_why why = { 0 };
	struct stats ticks, ns;
	struct vm *vm;
	struct json j;
	int ret;
	bool dev = str_eq(what, "virq-dev");
	/* virq-dev: how the MSI went, read before the VM goes (kernel/vmm/vm_vpe.h). */
	bool direct = dev && o->path != BENCH_PATH_EMULATED && gic_its_v4_ok();
	uint64_t irq_exits = 0, el2_msis = 0, direct_maps = 0, doorbells = 0;

	if (dev && o->path == BENCH_PATH_DIRECT && !gic_its_v4_ok())
		return shell_error(E_NOTSUP,
				   "%s: --path direct: this GIC has no GICv4 direct injection "
				   "(GITS_TYPER.Virtual and GICR_TYPER.VLPIS; QEMU: -M "
				   "virt,gic-version=4)",
				   what);
	if (!dev && o->path != BENCH_PATH_AUTO)
		return shell_error(E_INVAL, "%s: --path is for virq-dev only", what);
	if (o->iters > GUEST_MAX_ITERS)
		return shell_error(E_RANGE, "%s: at most %d iterations", what, GUEST_MAX_ITERS);
	/* Every vCPU has a CPU of its own, and CPU 0 is the shell's. */
	if (smp_ncpus < cpus + 1)
		return shell_error(E_BUSY,
				   "%s: needs %u CPUs besides the shell's; this machine has %u",
				   what, cpus, smp_ncpus - 1);
	ret = make_vm(what, o->iters, cpus, &vm, &why);
	if (ret)
		return shell_error(ret, "%s: cannot create the benchmark VM: %s", what,
				   err_why_str(&why, ret));
	vm->msi_emulated = !direct;
	pmu_res = (struct pmu_counts){ 0 };
	atomic_store(&pmu_vm, vm);
	ret = vm_start(vm, NULL);
	if (ret) {
		atomic_store(&pmu_vm, NULL);
		vm_destroy(vm, NULL);
		return shell_error(ret, "%s: cannot start the benchmark VM: %s", what,
				   err_str(ret));
	}
	cpu = vm_vcpu_cpu(vm, 0);
	cpu_b = vm_vcpu_cpu(vm, cpus - 1);
	if (!vm_wait_stopped(vm, BENCH_TIMEOUT_US)) {
		vm_stop_and_wait(vm, "benchmark timed out", 1000000);
		atomic_store(&pmu_vm, NULL);
		vm_destroy(vm, NULL);
		return shell_error(E_BUSY, "%s: the guest did not finish", what);
	}
	atomic_store(&pmu_vm, NULL);
	samples = bench_alloc_samples(o->iters);
	ret = samples ? vm_read_results(vm, samples, o->iters) : E_NOMEM;
	if (dev) {
		irq_exits = vm->vcpus[0].irq_exits;
		doorbells = vm->vcpus[0].vpe.doorbells;
		direct_maps = vm->msi_direct_maps;
		el2_msis = vm->pci.n ? vm->pci.fn[0].msi.msgs : 0;
	}
	vm_destroy(vm, NULL);
	if (ret) {
		bench_free_samples(samples, o->iters);
		return shell_error(ret, "%s: no valid results from the guest", what);
	}
	stats_compute(samples, o->iters, &ticks);
	ns = ticks;
	bench_stats_ticks_to_ns(&ns);
	bench_free_samples(samples, o->iters);
	have_insns = counted && pmu_res.insns_supported && per_rtt(pmu_res.insns, o->iters, &insns);
	have_cycles = counted && per_rtt(pmu_res.cycles, o->iters, &cycles);
	if (o->json) {
		struct bench_opts p = *o;

		p.cpu_a = cpu; /* the vCPU that sends, for ipi; the only one otherwise */
		p.cpu_b = cpu_b;
		bench_json_begin(&j, what, &p);
		json_str(&j, "metric", label);
		if (dev) {
			/* What ran: the path asked for, and what EL2 saw of the MSIs. */
			json_str(&j, "path", direct ? "direct" : "emulated");
			json_u64(&j, "direct_maps", direct_maps);
			json_u64(&j, "el2_msis", el2_msis);
			json_u64(&j, "irq_exits", irq_exits);
			json_u64(&j, "doorbells", doorbells);
		}
		bench_json_stats(&j, "rtt_ns", "ns", &ns);
		bench_json_stats(&j, "rtt_ticks", "ticks", &ticks);
		if (counted) {
			/* null, never a guess, when the PMU cannot count it. */
			if (have_insns)
				json_u64(&j, "insns_per_rtt", insns);
			else
				json_null(&j, "insns_per_rtt");
			if (have_cycles)
				json_u64(&j, "cycles_per_rtt", cycles);
			else
				json_null(&j, "cycles_per_rtt");
			json_obj_begin(&j, "pmu");
			json_str(&j, "counted_at", "EL1+EL2");
			json_bool(&j, "inst_retired", pmu_res.insns_supported);
			json_arr_begin(&j, "insns");
			for (unsigned int i = 0; have_insns && i < PMU_LOOPS; i++)
				json_u64(&j, NULL, pmu_res.insns[i]);
			json_arr_end(&j);
			json_arr_begin(&j, "cycles");
			for (unsigned int i = 0; i < PMU_LOOPS && pmu_res.done[i]; i++)
				json_u64(&j, NULL, pmu_res.cycles[i]);
			json_arr_end(&j);
			json_obj_end(&j);
		}
		json_end(&j);
		return 0;
	}
	if (ipi)
		printk("%s, vCPU 0 on cpu%u to vCPU 1 on cpu%u, ", label, cpu, cpu_b);
	else
		printk("%s, guest vCPU on cpu%u, ", label, cpu);
	if (dev)
		printk("%s path (%llu VMAPTI/VMOVI, %llu MSIs through EL2, %llu IRQ exits, %llu "
		       "doorbells), ",
		       direct ? "direct (GICv4)" : "emulated", (unsigned long long)direct_maps,
		       (unsigned long long)el2_msis, (unsigned long long)irq_exits,
		       (unsigned long long)doorbells);
	printk("%llu iterations, timed in the guest with CNTVCT_EL0 (%llu ns resolution)\n",
	       (unsigned long long)o->iters, (unsigned long long)timer_ticks_to_ns(1));
	printk("%-22s %-6s %8s %8s %8s %8s %8s %8s\n", "", "unit", "min", "p50", "p90", "p99",
	       "p99.9", "max");
	bench_print_stats(counted && !str_eq(what, "virq-msi") && !str_eq(what, "virq-dev")
				  ? "round trip"
				  : "latency",
			  "ns", &ns);
	if (!counted)
		return 0;
	if (have_cycles)
		printk("%-22s %-6s %8llu   (PMU cycle counter at EL1+EL2, loop of N %s minus the "
		       "same loop without)\n",
		       "round trip", "cycles", (unsigned long long)cycles,
		       str_eq(what, "mmio")				      ? "reads"
		       : str_eq(what, "virq-msi") || str_eq(what, "virq-dev") ? "MSIs"
									      : "HVCs");
	else
		printk("%-22s %-6s %8s\n", "round trip", "cycles", "n/a");
	if (have_insns)
		printk("%-22s %-6s %8llu   (INST_RETIRED at EL1+EL2, counted the same way)\n",
		       "round trip", "insns", (unsigned long long)insns);
	else
		printk("%-22s %-6s %8s   (INST_RETIRED %s)\n", "round trip", "insns", "n/a",
		       pmu_res.insns_supported ? "gave no usable count"
					       : "not implemented by this PMU; QEMU counts "
						 "instructions only with -icount");
	return 0;
}

int bench_hvc(struct bench_opts *o)
{
	return run_guest_bench(o, "hvc", "null hypercall round trip (EL1 -> EL2 -> EL1)");
}

int bench_virq(struct bench_opts *o)
{
	return run_guest_bench(o, "virq",
			       "virtual timer interrupt: compare value to the guest's handler");
}

int bench_virq_msi(struct bench_opts *o)
{
	return run_guest_bench(
		o, "virq-msi",
		"device interrupt: an MSI (GITS_TRANSLATER write) through the emulated "
		"ITS to the guest's handler");
}

int bench_virq_dev(struct bench_opts *o)
{
	bool direct = o->path != BENCH_PATH_EMULATED && gic_its_v4_ok();

	return run_guest_bench(o, "virq-dev",
			       direct ? "device interrupt: a passed-through function's MSI "
					"injected by the GICv4 ITS as the guest's vLPI, to its "
					"handler"
				      : "device interrupt: a passed-through function's MSI "
					"through the physical ITS, EL2 and the guest's ITS to the "
					"guest's handler");
}

int bench_ipi(struct bench_opts *o)
{
	return run_guest_bench(o, "ipi",
			       "virtual IPI: SGI write on one vCPU to the other's handler");
}

int bench_mmio(struct bench_opts *o)
{
	return run_guest_bench(o, "mmio", "emulated MMIO read round trip (PL011 FR)");
}
