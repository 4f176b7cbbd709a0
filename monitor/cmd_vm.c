// SPDX-License-Identifier: BSD-2-Clause-Patent
/* `vm`: the VMs, their address spaces and their lifecycle (create, start, stop, destroy). */
#include "kernel/console.h"
#include "kernel/lib/err.h"
#include "kernel/arch/esr.h"
#include "kernel/arch/timer.h"
#include "kernel/vmm/vm_spec.h"
#include "kernel/vmm/vm.h"
#include "kernel/vmm/vm_guest.h"
#include "kernel/vmm/vm_pci.h"
#include "kernel/vmm/vdisk.h"
#include "kernel/vmm/vring.h"
#include "pci/pci.h"
#include "monitor/cmd_vm.h"
#include "kernel/lib/parse.h"
#include "monitor/shell.h"

/* A vCPU's registers as it left the guest, when it has left it (off, after running). */
static const struct vcpu_regs *stopped_regs(const struct vcpu *v)
{
	/* Acquire: pairs with the release that made the vCPU OFF after its registers were saved. */
	if (atomic_load_explicit(&v->state, memory_order_acquire) != VCPU_OFF ||
	    !atomic_load_explicit(&v->regs_valid, memory_order_relaxed))
		return NULL;
	return &v->regs;
}

static void regs_json(struct json *j, const struct vcpu_regs *r)
{
	unsigned int ec = FIELD_GET(r->esr, ESR_EC_SHIFT, ESR_EC_WIDTH);

	json_obj_begin(j, "regs");
	json_hex(j, "pc", r->elr);
	json_hex(j, "spsr", r->spsr);
	json_hex(j, "esr", r->esr);
	json_str(j, "exit", esr_ec_name(ec));
	json_hex(j, "far", r->far);
	json_arr_begin(j, "x");
	for (unsigned int i = 0; i < 31; i++)
		json_hex(j, NULL, r->x[i]);
	json_arr_end(j);
	json_obj_end(j);
}

static void regs_print(const struct vcpu_regs *r)
{
	unsigned int ec = FIELD_GET(r->esr, ESR_EC_SHIFT, ESR_EC_WIDTH);

	printk("  stopped at PC 0x%llx, SPSR 0x%llx; last exit ESR 0x%llx (%s), FAR 0x%llx\n",
	       (unsigned long long)r->elr, (unsigned long long)r->spsr, (unsigned long long)r->esr,
	       esr_ec_name(ec), (unsigned long long)r->far);
	for (unsigned int i = 0; i < 30; i += 3)
		printk("  x%-2u 0x%016llx  x%-2u 0x%016llx  x%-2u 0x%016llx\n", i,
		       (unsigned long long)r->x[i], i + 1, (unsigned long long)r->x[i + 1], i + 2,
		       (unsigned long long)r->x[i + 2]);
	printk("  x30 0x%016llx\n", (unsigned long long)r->x[30]);
}

/* The VM's disk: its share and where each of its queues (or its rings) is served. */
static void disk_json(struct json *j, const struct vm *vm)
{
	struct vdisk_queue_view q[VDISK_MAX_QUEUES];
	uint64_t start, count;
	unsigned int n;
	uint32_t nsid;
	int idx;

	if (!vdisk_get(vm, &nsid, &start, &count, &idx, NULL))
		return;
	json_obj_begin(j, "disk");
	json_u64(j, "nsid", nsid);
	json_u64(j, "start", start);
	json_u64(j, "count", count);
	json_str(j, "kind", vdisk_is_virtio(vm) ? "virtio" : "ring");
	json_arr_begin(j, "queues");
	n = vdisk_queues(vm, q, VDISK_MAX_QUEUES);
	for (unsigned int i = 0; i < n; i++) {
		json_obj_begin(j, NULL);
		json_u64(j, "queue", q[i].queue);
		json_u64(j, "engine", q[i].engine);
		json_u64(j, "disk", q[i].disk);
		json_u64(j, "cpu", (uint64_t)q[i].cpu);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_obj_end(j);
}

/* "ring": the guest's shared ring pair (kernel/vmm/vring.h), or null without one. */
static void ring_json(struct json *j, const struct vm *vm)
{
	const char *layout;
	unsigned int port;
	int state = vring_info(vm->id, &port, &layout);

	if (state == VRING_NONE) {
		json_null(j, "ring");
		return;
	}
	json_obj_begin(j, "ring");
	json_str(j, "state", vring_state_name(state));
	json_u64(j, "port", port);
	json_str(j, "layout", layout);
	json_obj_end(j);
}

static void ring_print(const struct vm *vm)
{
	const char *layout;
	unsigned int port;
	int state = vring_info(vm->id, &port, &layout);

	if (state != VRING_NONE)
		printk("ring: engine port %u, %s, %s layout\n", port, vring_state_name(state),
		       layout);
}

static void vm_json(struct json *j, const char *key, const struct vm *vm, bool detail)
{
	json_obj_begin(j, key);
	json_u64(j, "id", vm->id);
	json_str(j, "name", vm->name);
	json_str(j, "state", vm_state_name(atomic_load(&vm->state)));
	json_u64(j, "vmid", vm->s2.vmid);
	json_hex(j, "ram_ipa", vm->ram_ipa);
	json_hex(j, "ram_pa", vm->ram_pa);
	json_u64(j, "ram_size", vm->ram_size);
	json_u64(j, "vcpus", vm->n_vcpus);
	if (detail) {
		/* Not in the list: it changes while idle CPUs work, with nothing else changing. */
		json_u64(j, "ram_dirty", (uint64_t)vm_scrub_left(vm) * VM_SCRUB_CHUNK);
		json_u64(j, "resets", vm->resets);
		json_str(j, "stop_reason", vm->stop_reason);
		json_str(j, "kernel_format", vm_kernel_fmt_name(vm->kernel_fmt));
		json_hex(j, "entry", vm->entry_ipa);
		json_u64(j, "ipa_bits", vm->s2.pt.ia_bits);
		json_str(j, "device_dma", vm_pci_dma_mode(vm));
		json_hex(j, "dtb", vm->dtb_ipa);
		json_u64(j, "initrd_size", vm->initrd_size);
		ring_json(j, vm);
		json_u64(j, "aborts_injected", vm->aborts_injected);
		json_u64(j, "undefs_injected", vm->undefs_injected);
		json_u64(j, "bad_calls", vm->bad_calls);
		json_u64(j, "console_bytes", vm->uart.bytes_out);
		json_obj_begin(j, "its");
		json_u64(j, "commands", vm->its.commands);
		json_u64(j, "translations", vm->its.translations);
		json_u64(j, "errors", vm->its.errors);
		/* GICv4: events the physical ITS injects as vLPIs now, and VMAPTI/VMOVI this run. */
		json_u64(j, "direct_events", vm->msi_direct);
		json_u64(j, "direct_maps", vm->msi_direct_maps);
		json_obj_end(j);
		json_arr_begin(j, "vcpu");
		for (unsigned int c = 0; c < vm->n_vcpus; c++) {
			const struct vcpu *v = &vm->vcpus[c];
			const struct vcpu_regs *r = stopped_regs(v);

			json_obj_begin(j, NULL);
			json_u64(j, "id", c);
			json_u64(j, "pcpu", v->pcpu);
			json_str(j, "state", vcpu_state_name(atomic_load(&v->state)));
			json_u64(j, "irq_exits", v->irq_exits);
			/* GICv4: vLPIs that came while its vPE was not resident. */
			json_u64(j, "doorbells", v->vpe.doorbells);
			json_obj_begin(j, "virqs");
			json_u64(j, "sgi", atomic_load(&v->virqs[0]));
			json_u64(j, "ppi", atomic_load(&v->virqs[1]));
			json_u64(j, "spi", atomic_load(&v->virqs[2]));
			json_obj_end(j);
			json_obj_begin(j, "exits");
			for (unsigned int e = 0; e < EXIT_CLASSES; e++)
				if (v->exits[e])
					json_u64(j, esr_ec_name(e), v->exits[e]);
			json_obj_end(j);
			if (r)
				regs_json(j, r);
			json_obj_end(j);
		}
		json_arr_end(j);
		disk_json(j, vm);
		json_arr_begin(j, "pci");
		for (unsigned int i = 0; i < vm->pci.n; i++) {
			const struct vpci_func *g = &vm->pci.fn[i];
			char bdf[PCI_BDF_STRLEN];

			pci_format_bdf(bdf, sizeof(bdf), g->pbdf);
			json_obj_begin(j, NULL);
			json_str(j, "bdf", bdf);
			json_u64(j, "guest_slot", g->slot);
			json_u64(j, "pin", g->pin);
			json_u64(j, "intid", g->pintid);
			json_u64(j, "guest_intid", g->vintid);
			json_u64(j, "irqs", g->irqs);
			json_str(j, "msi_mode",
				 !g->msi.n_lpi		     ? "off"
				 : (g->msi.x_ctrl & 0x8000u) ? "msi-x"
							     : "msi");
			json_u64(j, "msi_vectors", g->msi.n_lpi);
			json_u64(j, "msis", g->msi.msgs);
			json_u64(j, "msi_dropped", g->msi.dropped);
			json_u64(j, "msi_last_cpu", g->msi.last_cpu);
			json_u64(j, "msi_remote", g->msi.remote);
			json_obj_end(j);
		}
		json_arr_end(j);
		json_hex(j, "vttbr", vm->s2.vttbr);
		json_u64(j, "s2_tables", vm->s2.pt.tables);
		json_arr_begin(j, "regions");
		for (unsigned int i = 0; i < vm->n_regions; i++) {
			const struct vm_region *r = &vm->regions[i];

			json_obj_begin(j, NULL);
			json_str(j, "name", r->name);
			json_hex(j, "ipa", r->ipa);
			json_hex(j, "pa", r->pa);
			json_hex(j, "size", r->size);
			json_str(j, "type", r->type == S2_DEVICE ? "device" : "normal");
			json_obj_end(j);
		}
		json_arr_end(j);
		json_arr_begin(j, "mmio");
		for (unsigned int i = 0; i < atomic_load(&vm->mmio.n); i++) {
			const struct mmio_region *r = &vm->mmio.region[i];

			json_obj_begin(j, NULL);
			json_str(j, "name", r->name);
			json_hex(j, "ipa", r->base);
			json_hex(j, "size", r->size);
			json_obj_end(j);
		}
		json_arr_end(j);
	}
	json_obj_end(j);
}

static int vm_list(bool as_json)
{
	struct json j;

	if (as_json) {
		shell_json_begin(&j);
		json_arr_begin(&j, "vms");
	} else {
		printk("id  name             state     VMID  RAM\n");
	}
	for (unsigned int i = 0; i < VM_MAX; i++) {
		const struct vm *vm = vm_get(i);

		if (!vm)
			continue;
		if (as_json)
			vm_json(&j, NULL, vm, false);
		else
			printk("%-3u %-16s %-9s %-5u %llu MiB at IPA 0x%llx (PA 0x%llx)\n", vm->id,
			       vm->name, vm_state_name(atomic_load(&vm->state)), vm->s2.vmid,
			       (unsigned long long)(vm->ram_size >> 20),
			       (unsigned long long)vm->ram_ipa, (unsigned long long)vm->ram_pa);
	}
	if (as_json) {
		json_arr_end(&j);
		json_end(&j);
	}
	return 0;
}

int shell_vm_arg(const char *arg, struct vm **vm)
{
	uint64_t id;
	int ret = parse_u64(arg, &id);

	if (ret)
		return shell_error(ret, "bad VM id '%s'", arg);
	*vm = id < VM_MAX ? vm_get((unsigned int)id) : NULL;
	if (!*vm)
		return shell_error(E_NOENT, "no VM %s (see 'vm list')", arg);
	return 0;
}

static void disk_show(const struct vm *vm)
{
	struct vdisk_queue_view q[VDISK_MAX_QUEUES];
	uint64_t start, count;
	unsigned int n;
	uint32_t nsid;
	int idx;

	if (!vdisk_get(vm, &nsid, &start, &count, &idx, NULL))
		return;
	n = vdisk_queues(vm, q, VDISK_MAX_QUEUES);
	printk("disk: namespace %u blocks %llu+%llu, %s, %u queue%s at the block engines%s", nsid,
	       (unsigned long long)start, (unsigned long long)count,
	       vdisk_is_virtio(vm) ? "virtio-blk" : "rings", n, n == 1 ? "" : "s", n ? ":" : "");
	for (unsigned int i = 0; i < n; i++)
		printk(" %u on engine %u (cpu%d, disk %u)", q[i].queue, q[i].engine, q[i].cpu,
		       q[i].disk);
	printk("\n");
}

static int vm_info(const char *arg, bool as_json)
{
	struct vm *vm;
	struct json j;
	int ret = shell_vm_arg(arg, &vm);

	if (ret)
		return ret;
	if (as_json) {
		shell_json_begin(&j);
		vm_json(&j, "vm", vm, true);
		json_end(&j);
		return 0;
	}
	printk("VM %u \"%s\": %s, VMID %u, VTTBR_EL2 0x%llx\n", vm->id, vm->name,
	       vm_state_name(atomic_load(&vm->state)), vm->s2.vmid,
	       (unsigned long long)vm->s2.vttbr);
	if (vm->stop_reason[0])
		printk("stopped: %s\n", vm->stop_reason);
	printk("RAM: %llu MiB, %llu MiB not yet scrubbed\n",
	       (unsigned long long)(vm->ram_size >> 20),
	       (unsigned long long)(((uint64_t)vm_scrub_left(vm) * VM_SCRUB_CHUNK) >> 20));
	if (vm->image_size)
		printk("kernel: %s, staged at PA 0x%llx (%llu KiB), entry IPA 0x%llx, DTB IPA "
		       "0x%llx, cmdline \"%s\"\n",
		       vm->kernel_fmt == VM_KERNEL_IMAGE ? "arm64 Image"
		       : vm->kernel_fmt == VM_KERNEL_ELF ? "ELF"
							 : "raw binary",
		       (unsigned long long)vm->image_pa, (unsigned long long)(vm->image_size >> 10),
		       (unsigned long long)vm->entry_ipa, (unsigned long long)vm->dtb_ipa,
		       vm->cmdline);
	printk("injected: %llu aborts, %llu UNDEFs; %llu unknown calls; console %llu bytes\n",
	       (unsigned long long)vm->aborts_injected, (unsigned long long)vm->undefs_injected,
	       (unsigned long long)vm->bad_calls, (unsigned long long)vm->uart.bytes_out);
	ring_print(vm);
	printk("ITS: %llu commands, %llu translations, %llu refused\n",
	       (unsigned long long)vm->its.commands, (unsigned long long)vm->its.translations,
	       (unsigned long long)vm->its.errors);
	for (unsigned int c = 0; c < vm->n_vcpus; c++) {
		const struct vcpu *v = &vm->vcpus[c];
		const struct vcpu_regs *r = stopped_regs(v);

		printk("vcpu%u on cpu%u: %s, %llu interrupt exits, virtual interrupts %llu SGI "
		       "%llu PPI %llu SPI; traps:",
		       c, v->pcpu, vcpu_state_name(atomic_load(&v->state)),
		       (unsigned long long)v->irq_exits,
		       (unsigned long long)atomic_load(&v->virqs[0]),
		       (unsigned long long)atomic_load(&v->virqs[1]),
		       (unsigned long long)atomic_load(&v->virqs[2]));
		for (unsigned int e = 0; e < EXIT_CLASSES; e++)
			if (v->exits[e])
				printk(" %s %llu;", esr_ec_name(e),
				       (unsigned long long)v->exits[e]);
		printk("\n");
		if (r)
			regs_print(r);
	}
	for (unsigned int i = 0; i < vm->pci.n; i++) {
		const struct vpci_func *g = &vm->pci.fn[i];
		char bdf[PCI_BDF_STRLEN];

		pci_format_bdf(bdf, sizeof(bdf), g->pbdf);
		if (g->pintid)
			printk("PCI %s as guest 00:%02x.0: INT%c, INTID %u -> guest INTID %u, "
			       "%llu interrupts delivered\n",
			       bdf, g->slot, 'A' + g->pin - 1, g->pintid, g->vintid,
			       (unsigned long long)g->irqs);
		else
			printk("PCI %s as guest 00:%02x.0: no INTx\n", bdf, g->slot);
		if (g->msi.cap || g->msi.cap_x)
			printk("  MSI%s%s: %u vectors on, %llu messages delivered, %llu dropped, "
			       "%llu taken off their vCPU's CPU, the last on CPU %u\n",
			       g->msi.cap ? "" : "-X", g->msi.cap && g->msi.cap_x ? ", MSI-X" : "",
			       g->msi.n_lpi, (unsigned long long)g->msi.msgs,
			       (unsigned long long)g->msi.dropped,
			       (unsigned long long)g->msi.remote, g->msi.last_cpu);
	}
	disk_show(vm);
	printk("Stage-2: IPA %u bits, start level %u, %u table pages; device DMA: %s\n",
	       vm->s2.pt.ia_bits, vm->s2.pt.start_level, vm->s2.pt.tables, vm_pci_dma_mode(vm));
	for (unsigned int i = 0; i < vm->n_regions; i++) {
		const struct vm_region *r = &vm->regions[i];

		printk("  %-12s IPA 0x%010llx PA 0x%010llx size 0x%llx %s\n", r->name,
		       (unsigned long long)r->ipa, (unsigned long long)r->pa,
		       (unsigned long long)r->size,
		       r->type == S2_DEVICE ? "Device-nGnRE" : "Normal WB");
	}
	if (atomic_load(&vm->mmio.n))
		printk("Emulated MMIO (trapped, not mapped):\n");
	for (unsigned int i = 0; i < atomic_load(&vm->mmio.n); i++) {
		const struct mmio_region *r = &vm->mmio.region[i];

		printk("  %-12s IPA 0x%010llx size 0x%llx\n", r->name, (unsigned long long)r->base,
		       (unsigned long long)r->size);
	}
	return 0;
}

/* vm create NAME IMAGE MEM [CPUS [CMDLINE]]: the same fields as the vm= boot word. */
static int vm_create_cmd(int argc, char **argv)
{
	char spec_text[256];
	struct vm_spec spec;
	struct err_why why = { 0 }, cwhy = { 0 };
	struct vm *vm;
	int ret;

	if (argc < 5 || argc > 7)
		return shell_error(
			E_INVAL,
			"usage: vm create <name> <image-pa>[:size] <mem> [cpus [cmdline]]");
	fmt_snprintf(spec_text, sizeof(spec_text), "%s,%s,%s%s%s%s%s", argv[2], argv[3], argv[4],
		     argc > 5 ? "," : "", argc > 5 ? argv[5] : "", argc > 6 ? "," : "",
		     argc > 6 ? argv[6] : "");
	ret = vm_spec_parse(spec_text, &spec, &why);
	if (ret)
		return shell_fail(ret, &why, "vm create");
	ret = vm_create_from_spec(&spec, &vm, &cwhy);
	if (ret)
		return shell_error(ret, "vm create: %s", err_why_str(&cwhy, ret));
	printk("vm%u (%s): %u vCPU%s, %llu MiB at IPA 0x%llx, entry 0x%llx\n", vm->id, vm->name,
	       vm->n_vcpus, vm->n_vcpus == 1 ? "" : "s", (unsigned long long)(vm->ram_size >> 20),
	       (unsigned long long)vm->ram_ipa, (unsigned long long)vm->entry_ipa);
	return 0;
}

static char emit_last = '\n';

static void emit(const char *s, uint32_t n)
{
	console_write_raw(s, n);
	if (n)
		emit_last = s[n - 1];
}

#define CONSOLE_ESCAPE 0x1d /* Ctrl-] */

/*
 * Attach the UART to the guest's console until Ctrl-], or (until_stop) until the VM stops: the
 * shell's CPU wakes on UART input and on the event stream, so it notices within ~100 us.
 */
int vm_console(struct vm *vm, bool until_stop)
{
	printk("[attached to vm%u (%s); Ctrl-] returns to the shell]\n", vm->id, vm->name);
	vpl011_replay(&vm->uart, emit);
	atomic_store(&vm->uart.attached, true);
	for (;;) {
		int c = console_getc();

		if (c < 0) {
			vm_service(); /* a guest's reset restarts it, console still attached */
			/* A VM that powered itself off hands the terminal back; a reset does not. */
			if (until_stop && (atomic_load(&vm->state) == VM_STOPPED ||
					   atomic_load(&vm->state) == VM_CREATED))
				break;
			console_wait_input();
			continue;
		}
		if (c == CONSOLE_ESCAPE)
			break;
		vpl011_push_rx(&vm->uart, (uint8_t)c);
		vm_update_irq_lines(vm); /* the guest may be waiting for this interrupt */
	}
	atomic_store(&vm->uart.attached, false);
	printk("\n[detached from vm%u: %s]\n", vm->id, vm_state_name(atomic_load(&vm->state)));
	return 0;
}

/* vm destroy <id>: everything the VM holds goes back; its id is free for a new VM. */
static int vm_destroy_cmd(const char *arg, bool as_json)
{
	struct err_why why = { 0 };
	uint64_t ram_size, ram_pa;
	unsigned int id;
	struct vm *vm;
	struct json j;
	int ret = shell_vm_arg(arg, &vm);

	if (ret)
		return ret;
	id = vm->id;
	ram_size = vm->ram_size;
	ram_pa = vm->ram_pa;
	ret = vm_destroy(vm, &why);
	if (ret)
		return shell_error(ret, "vm destroy: %s", err_why_str(&why, ret));
	if (as_json) {
		shell_json_begin(&j);
		json_u64(&j, "destroyed", id);
		json_hex(&j, "ram_pa", ram_pa);
		json_u64(&j, "ram_freed", ram_size);
		json_end(&j);
	} else {
		printk("vm%u destroyed: %llu MiB of RAM at PA 0x%llx free again\n", id,
		       (unsigned long long)(ram_size >> 20), (unsigned long long)ram_pa);
	}
	return 0;
}

/* vm stop <id>: the VM layer decides (a pending reset is cancelled); we wait, bounded. */
static int vm_stop_cmd(struct vm *vm)
{
	struct err_why why = { 0 };
	int ret = vm_request(vm, VM_REQ_STOP, "stopped from the shell", &why);

	if (ret)
		return shell_error(ret, "vm stop: %s", err_why_str(&why, ret));
	ret = vm_wait_stopped_why(vm, 1000000, &why);
	if (ret)
		return shell_error(ret, "vm stop: %s", err_why_str(&why, ret));
	return 0;
}

static int cmd_vm(int argc, char **argv)
{
	bool as_json = shell_take_json(&argc, argv);
	struct err_why why = { 0 };
	struct vm *vm;
	uint64_t t0;
	int ret;

	if (argc == 2 && str_eq(argv[1], "list"))
		return vm_list(as_json);
	if (argc == 3 && str_eq(argv[1], "info"))
		return vm_info(argv[2], as_json);
	if (argc >= 2 && str_eq(argv[1], "create"))
		return vm_create_cmd(argc, argv);
	if (argc == 3 && str_eq(argv[1], "destroy"))
		return vm_destroy_cmd(argv[2], as_json);
	if (argc == 5 && str_eq(argv[1], "initrd")) {
		uint64_t pa, size;

		ret = shell_vm_arg(argv[2], &vm);
		if (ret)
			return ret;
		if (parse_u64(argv[3], &pa) || parse_size(argv[4], &size))
			return shell_error(E_INVAL, "usage: vm initrd <id> <pa> <size>");
		ret = vm_check_idle(vm, "load an initrd", &why);
		if (ret)
			return shell_error(ret, "vm initrd: %s", err_why_str(&why, ret));
		ret = vm_load_initrd(vm, pa, size);
		if (ret)
			return shell_error(ret, "vm initrd: %s",
					   ret == E_FAULT   ? "not free RAM, or "
							      "not 4 KiB aligned"
					   : ret == E_RANGE ? "does not fit below the DTB"
					   : ret == E_NOENT ? "the VM has no Image yet"
							    : err_str(ret));
		printk("vm%u: initrd of %llu bytes from PA 0x%llx\n", vm->id,
		       (unsigned long long)size, (unsigned long long)pa);
		return 0;
	}
	if (argc == 4 && str_eq(argv[1], "pci")) {
		uint16_t bdf;

		ret = shell_vm_arg(argv[2], &vm);
		if (ret)
			return ret;
		ret = pci_parse_bdf(argv[3], &bdf);
		if (ret)
			return shell_error(ret, "vm pci: bad BDF '%s' (want bus:dev.fn, hex)",
					   argv[3]);
		ret = vm_check_idle(vm, "pass a function through", &why);
		if (ret)
			return shell_error(ret, "vm pci: %s", err_why_str(&why, ret));
		ret = vm_pci_assign(vm, bdf, &why);
		if (ret)
			return shell_fail(ret, &why, "vm pci: %s", argv[3]);
		printk("vm%u: PCI %s passed through as guest 00:%02x.0; RAM at IPA 0x%llx, PA "
		       "0x%llx; DMA: %s\n",
		       vm->id, argv[3], vm->pci.fn[vm->pci.n - 1].slot,
		       (unsigned long long)vm->ram_ipa, (unsigned long long)vm->ram_pa,
		       vm_pci_dma_mode(vm));
		return 0;
	}
	if ((argc == 5 || argc == 6 || argc == 7 || argc == 8) && str_eq(argv[1], "disk")) {
		uint64_t nsid, start = 0, count = 0;
		bool virtio = str_eq(argv[argc - 1], "--virtio");
		uint32_t ns;
		uint16_t bdf;
		int idx;

		if (virtio)
			argc--;
		if (argc != 5 && argc != 7)
			return shell_error(E_INVAL,
					   "usage: vm disk <id> <bdf> <nsid> [start count] "
					   "[--virtio]");
		ret = shell_vm_arg(argv[2], &vm);
		if (ret)
			return ret;
		if (pci_parse_bdf(argv[3], &bdf))
			return shell_error(E_INVAL, "vm disk: bad BDF '%s' (want bus:dev.fn, hex)",
					   argv[3]);
		if (parse_u64(argv[4], &nsid) || !nsid || nsid > 0xffffffffu ||
		    (argc == 7 &&
		     (parse_u64(argv[5], &start) || parse_u64(argv[6], &count) || !count)))
			return shell_error(E_INVAL,
					   "usage: vm disk <id> <bdf> <nsid> [start count] "
					   "[--virtio]");
		ret = vm_check_idle(vm, "give it a disk", &why);
		if (ret)
			return shell_error(ret, "vm disk: %s", err_why_str(&why, ret));
		ret = vdisk_set(vm, bdf, (uint32_t)nsid, start, count, virtio, &why);
		if (ret)
			return shell_fail(ret, &why, "vm disk: %s", argv[3]);
		vdisk_get(vm, &ns, &start, &count, &idx,
			  NULL); /* count 0 became the namespace's rest */
		printk("vm%u: disk on NVMe %s namespace %llu, blocks %llu+%llu%s\n", vm->id,
		       argv[3], (unsigned long long)nsid, (unsigned long long)start,
		       (unsigned long long)count, virtio ? ", as virtio-blk" : "");
		return 0;
	}
	if (argc == 3 && (str_eq(argv[1], "start") || str_eq(argv[1], "stop") ||
			  str_eq(argv[1], "log") || str_eq(argv[1], "console"))) {
		ret = shell_vm_arg(argv[2], &vm);
		if (ret)
			return ret;
		if (str_eq(argv[1], "log")) {
			/* A guest may be mid-line right now: end ours, so the prompt starts a line. */
			emit_last = '\n';
			vpl011_replay(&vm->uart, emit);
			if (emit_last != '\n')
				console_puts("\n");
			return 0;
		}
		if (str_eq(argv[1], "console"))
			return vm_console(vm, false);
		if (str_eq(argv[1], "stop"))
			return vm_stop_cmd(vm);
		t0 = timer_count();
		ret = vm_start(vm, &why);
		if (ret)
			return shell_error(ret, "vm start: %s", err_why_str(&why, ret));
		/* From the command to vCPU 0 handed to its CPU: what a start costs the operator. */
		printk("vm%u (%s) started on cpu%u in %llu us\n", vm->id, vm->name,
		       vm->vcpus[0].pcpu,
		       (unsigned long long)(timer_ticks_to_ns(timer_count() - t0) / 1000));
		return 0;
	}
	return shell_error(E_INVAL,
			   "usage: vm list | info <id> | create <name> <image-pa>[:size] <mem> "
			   "[cpus [cmdline]] | initrd <id> <pa> <size> | pci <id> <bdf> | "
			   "disk <id> <bdf> <nsid> [start count] [--virtio] | "
			   "start|stop|destroy|log|console <id>");
}
SHELL_COMMAND(
	vm, "vm", "list|info|create|initrd|pci|disk|start|stop|destroy|log|console",
	"virtual machines",
	"  vm list / vm info <id> [--json]   VMs, vCPUs, exits by class, Stage-2 regions\n"
	"  vm create <name> <image-pa>[:size] <mem> [cpus [cmdline]]   a VM for the kernel a\n"
	"      loader put at image-pa (QEMU: -device loader,file=...,addr=...,force-raw=on):\n"
	"      an arm64 Image or an ELF (told by their headers), else a raw binary of 'size'\n"
	"  vm initrd <id> <pa> <size>        an initrd a loader put at pa, for the next start\n"
	"  vm pci <id> <bdf>                 pass a PCIe function through (before a start)\n"
	"  vm disk <id> <bdf> <nsid> [start count]  blocks of an NVMe namespace for the VM, "
	"served\n"
	"                                    by the block engine (docs/block-service.md);\n"
	"                                    --virtio: as a virtio-blk device (virtio-mmio)\n"
	"  vm start|stop <id>                run it / stop every vCPU (cancels a guest's reset)\n"
	"  vm destroy <id> [--json]          free a created or stopped VM: RAM, Image, VMID\n"
	"  vm log <id>                       the guest's console output so far\n"
	"  vm console <id>                   attach the UART to the guest; Ctrl-] returns",
	cmd_vm);
