// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * Benchmarks that need a guest: `bench hvc` (null hypercall round trip from EL1) and `bench mmio`
 * (a trapped, emulated register read). The guest is built into the image (boot/embedded.S);
 * each run creates a VM for it, lets it time N operations with the virtual counter, reads the
 * samples it leaves in its RAM, and destroys the VM.
 */
#include <stdatomic.h>

#include "bench/bench.h"
#include "bench/bench_list.h"
#include "kernel/console.h"
#include "kernel/err.h"
#include "kernel/smp.h"
#include "kernel/timer.h"
#include "kernel/vm.h"
#include "monitor/parse.h"
#include "monitor/shell.h"

#define GUEST_MEM	(16UL << 20)
#define GUEST_MAX_ITERS 200000 /* the guest's sample array */

extern const char embedded_benchg_start[], embedded_benchg_end[];

/* A one-vCPU VM, then the embedded Image staged in free RAM and loaded into it. */
static int make_vm(const char *what, uint64_t iters, struct vm **out)
{
	/* The two symbols bound one .incbin: their difference is its size. */
	// cppcheck-suppress comparePointers
	uint64_t size = (uint64_t)(embedded_benchg_end - embedded_benchg_start), pa;
	uint64_t image_size = 0, staged;
	char name[24], cmdline[32];
	struct vm *vm;
	int ret;

	/* Reserve what the header says the Image occupies (its BSS included), not just the file. */
	for (int i = 7; i >= 0; i--)
		image_size = image_size << 8 | (uint8_t)embedded_benchg_start[0x10 + i];
	staged = ((image_size > size ? image_size : size) + 0xfff) & ~0xfffUL;
	fmt_snprintf(name, sizeof(name), "bench-%s", what);
	ret = vm_create(name, GUEST_MEM, false, &vm);
	if (ret)
		return ret;
	/* Find free RAM, then give it back: vm_load_image reserves it as the VM's Image. */
	ret = pmem_alloc(&phys_mem, staged, 0x1000, "bench staging", &pa);
	if (ret) {
		vm_destroy(vm);
		return ret;
	}
	pmem_free(&phys_mem, pa, staged);
	for (uint64_t i = 0; i < size; i++)
		((volatile char *)(uintptr_t)pa)[i] = embedded_benchg_start[i];
	fmt_snprintf(cmdline, sizeof(cmdline), "%s %llu", what, (unsigned long long)iters);
	ret = vm_load_image(vm, pa, 1, cmdline);
	if (ret) {
		vm_destroy(vm);
		return ret;
	}
	*out = vm;
	return 0;
}

/* Copy the guest's samples out of its RAM, checking the IPA range lies inside it. */
static int fetch_samples(struct vm *vm, uint64_t *dst, uint64_t n)
{
	uint64_t ipa = vm->result_ipa, bytes = n * sizeof(uint64_t);

	if (vm->result_count != n || ipa < vm->ram_ipa || ipa + bytes < ipa ||
	    ipa + bytes > vm->ram_ipa + vm->ram_size || (ipa & 7))
		return E_FAULT;
	for (uint64_t i = 0; i < n; i++)
		dst[i] = ((const volatile uint64_t *)(uintptr_t)(vm->ram_pa +
								 (ipa - vm->ram_ipa)))[i];
	return 0;
}

static int run_guest_bench(struct bench_opts *o, const char *what, const char *label)
{
	uint64_t *samples;
	struct stats ticks, ns;
	struct vm *vm;
	struct json j;
	unsigned int cpu;
	int ret;

	if (o->iters > GUEST_MAX_ITERS)
		return shell_error(E_RANGE, "%s: at most %d iterations", what, GUEST_MAX_ITERS);
	ret = make_vm(what, o->iters, &vm);
	if (ret)
		return shell_error(ret, "%s: cannot create the benchmark VM: %s", what,
				   err_str(ret));
	ret = vm_start(vm);
	if (ret) {
		vm_destroy(vm);
		return shell_error(ret, "%s: cannot start the benchmark VM: %s", what,
				   err_str(ret));
	}
	cpu = vm->vcpus[0].pcpu;
	if (!vm_wait_stopped(vm, BENCH_TIMEOUT_US)) {
		vm_stop(vm, "benchmark timed out");
		vm_wait_stopped(vm, 1000000);
		vm_destroy(vm);
		return shell_error(E_BUSY, "%s: the guest did not finish", what);
	}
	samples = bench_alloc_samples(o->iters);
	ret = samples ? fetch_samples(vm, samples, o->iters) : E_NOMEM;
	vm_destroy(vm);
	if (ret) {
		bench_free_samples(samples, o->iters);
		return shell_error(ret, "%s: no valid results from the guest", what);
	}
	stats_compute(samples, o->iters, &ticks);
	ns = ticks;
	bench_stats_ticks_to_ns(&ns);
	bench_free_samples(samples, o->iters);
	if (o->json) {
		struct bench_opts p = *o;

		p.cpu_a = p.cpu_b = cpu;
		bench_json_begin(&j, what, &p);
		json_str(&j, "metric", label);
		bench_json_stats(&j, "rtt_ns", "ns", &ns);
		bench_json_stats(&j, "rtt_ticks", "ticks", &ticks);
		json_end(&j);
		return 0;
	}
	printk("%s, guest vCPU on cpu%u, %llu iterations, timed in the guest with CNTVCT_EL0 "
	       "(%llu ns resolution)\n",
	       label, cpu, (unsigned long long)o->iters, (unsigned long long)timer_ticks_to_ns(1));
	printk("%-22s %-6s %8s %8s %8s %8s %8s %8s\n", "", "unit", "min", "p50", "p90", "p99",
	       "p99.9", "max");
	bench_print_stats(str_eq(what, "virq") ? "latency" : "round trip", "ns", &ns);
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

int bench_mmio(struct bench_opts *o)
{
	return run_guest_bench(o, "mmio", "emulated MMIO read round trip (PL011 FR)");
}
