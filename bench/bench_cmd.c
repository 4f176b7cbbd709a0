// SPDX-License-Identifier: BSD-2-Clause-Patent
/* `bench <name> [options]`: run one benchmark, or all of them with `bench all`. */
#include "bench/bench.h"
#include "bench/bench_list.h"
#include "kernel/console.h"
#include "kernel/lib/err.h"
#include "kernel/lib/fmt.h"
#include "kernel/smp.h"
#include "kernel/lib/parse.h"
#include "monitor/json.h"
#include "monitor/shell.h"

struct bench_def {
	const char *name;
	int (*fn)(struct bench_opts *o);
	uint64_t default_iters;
	const char *summary;
	/* CPUs the machine needs besides the shell's (a guest benchmark: one per vCPU). */
	unsigned int vcpus;
};

static const struct bench_def benches[] = {
	{ "spsc-lat", bench_spsc_lat, 10000, "SPSC ring round trip between two cores", 0 },
	{ "spsc-tput", bench_spsc_tput, 200000, "SPSC ring messages per second, by burst size", 0 },
	{ "spsc-stress", bench_spsc_stress, 1000000, "sequence-checked transfer between two cores",
	  0 },
	{ "wfe", bench_wfe, 2000, "SEV to WFE wake-up latency", 0 },
	{ "c2c", bench_c2c, 2000, "cache-line ping-pong latency, every pair of cores", 0 },
	{ "atomics", bench_atomics, 100000, "LDAR/STLR vs DMB, LSE vs LDXR/STXR, per operation",
	  0 },
	{ "hvc", bench_hvc, 10000, "null hypercall round trip from a guest", 1 },
	{ "mmio", bench_mmio, 10000, "emulated MMIO read round trip from a guest", 1 },
	{ "virq", bench_virq, 2000, "virtual timer interrupt injection latency in a guest", 1 },
	{ "virq-msi", bench_virq_msi, 2000,
	  "device interrupt (MSI through the emulated ITS) latency in a guest", 1 },
	{ "virq-dev", bench_virq_dev, 2000,
	  "passed-through device's MSI (physical ITS, EL2, guest ITS) latency in a guest", 1 },
	{ "ipi", bench_ipi, 2000, "virtual IPI latency, one guest vCPU to another", 2 },
	{ "nvme", bench_nvme, 2000, "4 KiB random I/O from a guest through the block engine", 1 },
	{ "nvme-engine", bench_nvme_engine, 10000,
	  "the block engine's EL2 cost per I/O over --iters ms, any guest's I/O", 0 },
	{ "vblk", bench_vblk, 2000, "EL2 cost per 4 KiB virtio-blk read at queue depth 1", 1 },
	{ "ring", bench_ring, 2000, "a guest's ring round trip to the dp engine, both layouts", 2 },
};

static void defaults(struct bench_opts *o, const struct bench_def *b)
{
	*o = (struct bench_opts){
		.iters = b->default_iters,
		.cpu_a = smp_ncpus > 2 ? 1 : 0,
		.cpu_b = smp_ncpus > 2 ? 2 : 1,
	};
}

/* `bench all` on a machine too small for one benchmark: a line that is not a result. */
static void skipped(const struct bench_opts *o, const struct bench_def *b)
{
	char why[96];
	struct json j;

	fmt_snprintf(why, sizeof(why), "needs %u CPU%s besides the shell's; this machine has %u",
		     b->vcpus, b->vcpus == 1 ? "" : "s", smp_ncpus - 1);
	if (!o->json) {
		printk("== bench %s: skipped (%s)\n", b->name, why);
		return;
	}
	shell_json_begin(&j);
	json_str(&j, "skipped", b->name);
	json_str(&j, "reason", why);
	json_end(&j);
}

static int cmd_bench(int argc, char **argv)
{
	struct bench_opts o;
	int ret;

	if (argc < 2)
		return shell_error(E_INVAL,
				   "usage: bench <name>|all [options]; 'help bench' lists them");
	if (str_eq(argv[1], "all")) {
		int failures = 0;

		for (unsigned int i = 0; i < sizeof(benches) / sizeof(benches[0]); i++) {
			if (benches[i].fn == bench_nvme || benches[i].fn == bench_nvme_engine ||
			    benches[i].fn == bench_vblk || benches[i].fn == bench_virq_dev ||
			    benches[i].fn == bench_ring)
				continue; /* it needs a controller set up first, or the dp engine */
			defaults(&o, &benches[i]);
			ret = bench_parse_opts(argc, argv, 2, &o);
			if (ret)
				return ret;
			/* Not a failure: this machine cannot run it. Say so, and why. */
			if (smp_ncpus < benches[i].vcpus + 1) {
				skipped(&o, &benches[i]);
				continue;
			}
			if (!o.json)
				printk("== bench %s\n", benches[i].name);
			if (benches[i].fn(&o))
				failures++;
		}
		return failures ? shell_error(E_IO, "bench all: %d benchmark%s failed", failures,
					      failures == 1 ? "" : "s")
				: 0;
	}
	for (unsigned int i = 0; i < sizeof(benches) / sizeof(benches[0]); i++) {
		if (!str_eq(argv[1], benches[i].name))
			continue;
		defaults(&o, &benches[i]);
		ret = bench_parse_opts(argc, argv, 2, &o);
		return ret ? ret : benches[i].fn(&o);
	}
	return shell_error(E_NOENT, "no benchmark '%s' ('help bench' lists them)", argv[1]);
}
SHELL_COMMAND(bench, "bench", "<name>|all [options]", "run benchmarks (tables, or --json lines)",
	      "  spsc-lat     SPSC ring round trip between two cores (--cpus A,B --ring N)\n"
	      "  spsc-tput    SPSC ring messages/s for bursts 1..256 (--burst N for one size)\n"
	      "  spsc-stress  move --iters sequence-numbered messages and check every one\n"
	      "  wfe          SEV to WFE wake-up latency (--cpus A,B)\n"
	      "  c2c          cache-line ping-pong; every pair, or --cpus A,B\n"
	      "  atomics      LDAR/STLR vs DMB-fenced, LSE LDADD/CAS vs LDAXR/STLXR\n"
	      "  hvc          null hypercall round trip from a guest VM (built in)\n"
	      "  mmio         emulated MMIO read round trip from a guest VM\n"
	      "  virq         virtual interrupt latency: timer compare value to guest handler\n"
	      "  virq-msi     device interrupt latency: a GITS_TRANSLATER write through the\n"
	      "               emulated ITS to the guest's LPI handler\n"
	      "  virq-dev     device interrupt latency: a passed-through QEMU edu function's\n"
	      "               MSI through the physical ITS, EL2 and the guest's ITS to its\n"
	      "               handler (needs -device edu; not part of 'all')\n"
	      "  ipi          virtual IPI latency: SGI write on vCPU 0 to vCPU 1's handler\n"
	      "               (a two-vCPU VM: needs two CPUs besides the shell's)\n"
	      "  nvme         4 KiB random read/write IOPS and latency at queue depths 1..128\n"
	      "               from a guest through the block engine, EL2 cost per I/O\n"
	      "               (needs 'nvme claim <bdf>'; not part of 'all')\n"
	      "  nvme-engine  the engine's EL2 cost per I/O over the next --iters ms (or until\n"
	      "               no guest runs), whatever guest does the I/O; not part of 'all'\n"
	      "  vblk         EL2 instructions and cycles per 4 KiB virtio-blk read at queue\n"
	      "               depth 1, on the guest's core and the engines' (instructions under\n"
	      "               -icount; needs 'nvme claim <bdf>'; not part of 'all')\n"
	      "  ring         a guest's single-message round trip through its ring pair to the\n"
	      "               dp engine, in the index and the sequence layouts, and the\n"
	      "               engine's EL2 instructions and cycles per message (starts the\n"
	      "               engine on the last CPU unless 'dp start' did; not part of 'all')\n"
	      "  all          each of the above but nvme, nvme-engine, vblk, virq-dev, ring; one\n"
	      "               this machine has too few CPUs for is skipped, with the reason\n"
	      "options: --iters N (1-1000000) --cpus A,B --ring N (2-65536, power of two)\n"
	      "         --burst N (1-256) --path emulated|direct (virq-dev) --wait wfi|wfe\n"
	      "         (nvme: the guest sleeps on its completion interrupt, or polls)\n"
	      "         --json (one JSON line per result)",
	      cmd_bench);
