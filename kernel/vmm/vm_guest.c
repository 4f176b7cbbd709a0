// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * Guests following the arm64 Image boot protocol (Linux booting.rst): the Image at
 * RAM + text_offset, MMU off, x0 = DTB address, x1-x3 = 0, entered at EL1h with interrupts
 * masked. The DTB is generated for the VM (kernel/guest_dtb.c).
 */
#include <stdatomic.h>

#include "kernel/arch/arch.h"
#include "kernel/console.h"
#include "kernel/lib/elf.h"
#include "kernel/lib/err.h"
#include "kernel/vmm/guest_dtb.h"
#include "kernel/vmm/mmio.h"
#include "kernel/hyp.h"
#include "kernel/init.h"
#include "kernel/smp.h"
#include "kernel/arch/timer.h"
#include "kernel/vmm/vpmu.h"
#include "kernel/vdev/vblk.h"
#include "kernel/vdev/vgic.h"
#include "kernel/vdev/vits.h"
#include "kernel/vmm/vm.h"
#include "kernel/vmm/vm_guest.h"
#include "kernel/vmm/vm_spec.h"
#include "kernel/vmm/vm_pci.h"
#include "kernel/vmm/vdisk.h"
#include "kernel/vmm/vring.h"
#include "mm/mmu.h"
#include "mm/zmap.h"
#include "kernel/lib/parse.h"

#define IMAGE_MAGIC 0x644d5241U /* "ARM\x64" at offset 0x38 */
#define DTB_SPACE   (2UL << 20) /* top 2 MiB of guest RAM: the DTB (at most 2 MiB by protocol) */
#define DTB_BUF	    65536
#define RAW_OFFSET  0x80000UL /* where QEMU's -kernel puts a raw binary on virt (hw/arm/boot.c) */

static uint8_t dtb_buf[DTB_BUF] __attribute__((aligned(8)));

static uint64_t read_le64(uint64_t pa)
{
	const volatile uint8_t *p = (const volatile uint8_t *)(uintptr_t)pa;
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/*
 * The guest's emulated devices, at QEMU virt's addresses: the PL011 first (the device guests
 * trap on most, and the lookup goes in this order), then the GIC's distributor, one
 * redistributor frame per vCPU and the ITS. The DTB is written from these entries.
 */
static int register_devices(struct vm *vm, unsigned int cpus)
{
	int ret;

	ret = mmio_register(&vm->mmio, "pl011", GUEST_UART_IPA, VPL011_MMIO_SIZE, vpl011_access,
			    &vm->uart, NULL);
	if (!ret)
		ret = mmio_register(&vm->mmio, "gicd", GUEST_GICD_IPA, VGIC_GICD_SIZE,
				    vgic_mmio_gicd, vm, NULL);
	if (!ret)
		ret = mmio_register(&vm->mmio, "gicr", GUEST_GICR_IPA,
				    (uint64_t)VGIC_GICR_STRIDE * cpus, vgic_mmio_gicr, vm, NULL);
	if (!ret)
		ret = mmio_register(&vm->mmio, "gits", GUEST_GITS_IPA, VITS_MMIO_SIZE, vits_mmio,
				    vm, NULL);
	if (ret)
		mmio_init(&vm->mmio);
	return ret;
}

/* An arm64 Image: one piece at RAM + text_offset, image_size (BSS included) long. */
static int detect_image(struct vm *vm, const uint8_t *img, uint64_t *staged, struct err_why *why)
{
	uint64_t text_offset = read_le64((uintptr_t)img + 0x08);
	uint64_t image_size = read_le64((uintptr_t)img + 0x10);
	uint64_t room = vm->ram_size - DTB_SPACE;

	/* image_size 0 is a pre-3.17 Linux Image: no size to trust. */
	if (!image_size || image_size > room || text_offset > room - image_size)
		return err_fail(why, E_RANGE,
				"the Image (text_offset 0x%llx, image_size 0x%llx) does not fit in "
				"the VM's RAM below its DTB (0x%llx bytes)",
				(unsigned long long)text_offset, (unsigned long long)image_size,
				(unsigned long long)room);
	image_size = (image_size + 0xfff) & ~0xfffUL;
	vm->segs[0] = (struct vm_seg){ .src_off = 0, .ram_off = text_offset, .size = image_size };
	vm->n_segs = 1;
	vm->kernel_end = text_offset + image_size;
	vm->entry_ipa = vm->ram_ipa + text_offset;
	*staged = image_size;
	return 0;
}

/*
 * An ELF64 executable: every PT_LOAD at its physical address, which must lie in the VM's RAM
 * below where the DTB goes (the initrd, loaded later, is checked against kernel_end).
 */
static int detect_elf(struct vm *vm, const uint8_t *img, uint64_t len, uint64_t *staged,
		      struct err_why *why)
{
	static struct elf_image e; /* the shell's CPU loads one kernel at a time */
	uint64_t lo = vm->ram_ipa, dtb = vm->ram_ipa + vm->ram_size - DTB_SPACE;
	struct err_why ewhy = { 0 };
	int ret = elf_parse(img, len, &e, &ewhy);

	if (ret)
		return err_fail(why, ret, "bad ELF: %s", ewhy.msg);
	_Static_assert(VM_MAX_SEGS >= ELF_MAX_LOADS, "every PT_LOAD has its vm_seg");
	vm->n_segs = 0;
	vm->kernel_end = 0;
	for (unsigned int i = 0; i < e.n_loads; i++) {
		const struct elf_load *l = &e.load[i];
		uint64_t end = l->paddr + l->memsz;

		if (l->paddr < lo || end > vm->ram_ipa + vm->ram_size)
			return err_fail(why, E_RANGE,
					"ELF segment 0x%llx-0x%llx lies outside the VM's RAM "
					"(0x%llx-0x%llx)",
					(unsigned long long)l->paddr, (unsigned long long)end,
					(unsigned long long)lo,
					(unsigned long long)(vm->ram_ipa + vm->ram_size));
		if (end > dtb)
			return err_fail(why, E_RANGE,
					"ELF segment 0x%llx-0x%llx overlaps where the DTB goes "
					"(0x%llx-0x%llx)",
					(unsigned long long)l->paddr, (unsigned long long)end,
					(unsigned long long)dtb,
					(unsigned long long)(dtb + DTB_SPACE));
		vm->segs[vm->n_segs++] = (struct vm_seg){ .src_off = l->offset,
							  .ram_off = l->paddr - lo,
							  .size = l->filesz };
		if (end - lo > vm->kernel_end)
			vm->kernel_end = end - lo;
	}
	vm->entry_ipa = e.entry;
	*staged = (e.file_end + 0xfff) & ~0xfffUL;
	return 0;
}

/* A raw binary, as QEMU's -kernel places one on virt: at RAM + 0x80000, entered there. */
static int detect_raw(struct vm *vm, uint64_t size, uint64_t *staged, struct err_why *why)
{
	uint64_t room = vm->ram_size - DTB_SPACE - RAW_OFFSET;

	if (!size)
		return err_fail(why, E_INVAL,
				"no arm64 Image or ELF header there; a raw binary needs its size "
				"(IMAGE as ADDR:SIZE)");
	if (size > room)
		return err_fail(
			why, E_RANGE,
			"the raw binary (0x%llx bytes) does not fit in the VM's RAM between "
			"0x80000 and its DTB (0x%llx bytes)",
			(unsigned long long)size, (unsigned long long)room);
	vm->segs[0] = (struct vm_seg){ .src_off = 0, .ram_off = RAW_OFFSET, .size = size };
	vm->n_segs = 1;
	vm->kernel_end = RAW_OFFSET + size;
	vm->entry_ipa = vm->ram_ipa + RAW_OFFSET;
	*staged = (size + 0xfff) & ~0xfffUL;
	return 0;
}

int vm_load_image(struct vm *vm, uint64_t image_pa, uint64_t size, unsigned int cpus,
		  const char *cmdline, struct err_why *why)
{
	const uint8_t *img = (const uint8_t *)(uintptr_t)image_pa;
	const char *owner = pmem_owner(&phys_mem, image_pa);
	uint64_t staged = 0, extent = pmem_free_extent(&phys_mem, image_pa);
	enum vm_kernel_fmt fmt;
	char name[PMEM_OWNER_LEN];
	unsigned int i = 0;
	int ret;

	if (cpus < 1 || cpus > VCPU_MAX)
		return err_fail(why, E_RANGE, "CPUS: 1 to %u", VCPU_MAX);
	if (vm->image_size)
		return err_fail(why, E_EXIST, "vm%u has a kernel already", vm->id);
	if (!owner || owner[0] || (image_pa & 0xfff) || !mmu_va_readable(image_pa + 0x40, NULL) ||
	    extent < 0x40 || size > extent)
		return err_fail(why, E_FAULT,
				"the kernel is not in free RAM, or not 4 KiB aligned");
	/* What may be read of it: its size when given, else the free RAM it sits in. */
	if (!size)
		extent = extent < vm->ram_size ? extent : vm->ram_size;
	else
		extent = size;
	if ((uint32_t)read_le64(image_pa + 0x38) == IMAGE_MAGIC) {
		fmt = VM_KERNEL_IMAGE;
		ret = detect_image(vm, img, &staged, why);
	} else if (elf_is_elf(img, extent)) {
		fmt = VM_KERNEL_ELF;
		ret = detect_elf(vm, img, extent, &staged, why);
	} else {
		fmt = VM_KERNEL_RAW;
		ret = detect_raw(vm, size, &staged, why);
	}
	if (ret) {
		vm->n_segs = 0;
		return ret;
	}
	ret = register_devices(vm, cpus);
	if (ret)
		return err_fail(why, ret, "cannot register its emulated devices");
	fmt_snprintf(name, sizeof(name), "vm%u kernel", vm->id);
	ret = pmem_reserve(&phys_mem, image_pa, staged, name);
	if (ret) {
		mmio_init(&vm->mmio);
		return err_fail(why, ret, "the kernel's 0x%llx bytes are not all free RAM",
				(unsigned long long)staged);
	}
	vm->kernel_fmt = fmt;
	vm->image_pa = image_pa;
	vm->image_size = staged;
	vm->dtb_ipa = vm->ram_ipa + vm->ram_size - DTB_SPACE;
	vm->n_vcpus = cpus;
	for (; cmdline && cmdline[i] && i < sizeof(vm->cmdline) - 1; i++)
		vm->cmdline[i] = cmdline[i];
	vm->cmdline[i] = '\0';
	for (unsigned int c = 0; c < cpus; c++) {
		struct vcpu *v = &vm->vcpus[c];

		*v = (struct vcpu){ .vm = vm, .id = c, .vmpidr = BIT(31) | c };
		atomic_store(&v->state, VCPU_OFF);
	}
	vpl011_init(&vm->uart);
	return 0;
}

int vm_load_initrd(struct vm *vm, uint64_t pa, uint64_t size)
{
	const char *owner = pmem_owner(&phys_mem, pa);
	char name[PMEM_OWNER_LEN];
	uint64_t staged = (size + 0xfff) & ~0xfffUL;
	int ret;

	if (!vm->image_size)
		return E_NOENT;
	if (vm->initrd_size)
		return E_EXIST;
	if (!size || (pa & 0xfff) || !owner || owner[0])
		return E_FAULT;
	/* It goes right below the DTB and must leave the kernel all it occupies, BSS included. */
	if (staged > vm->dtb_ipa - (vm->ram_ipa + vm->kernel_end))
		return E_RANGE;
	fmt_snprintf(name, sizeof(name), "vm%u initrd", vm->id);
	ret = pmem_reserve(&phys_mem, pa, staged, name);
	if (ret)
		return ret;
	vm->initrd_pa = pa;
	vm->initrd_size = size;
	return 0;
}

/* Where the initrd sits in the guest: right below the DTB's 2 MiB, 4 KiB aligned. */
static uint64_t initrd_ipa(const struct vm *vm)
{
	return (vm->dtb_ipa - vm->initrd_size) & ~0xfffUL;
}

/*
 * The guest's PCIe host: its ECAM (emulated, one bus) and the host's memory windows, so the BARs
 * it sees are where the hypervisor put them; INTx as vm_pci.h says. The guest must not move
 * BARs (it cannot: writes are ignored), so /chosen says linux,pci-probe-only.
 */
static void guest_pcie(struct guest_dtb_desc *d, const struct mmio_region *ecam)
{
	d->pcie = true;
	d->ecam_base = ecam->base;
	d->ecam_size = ecam->size;
	d->bus_end = 0;
	d->pcie_spi_base = VM_PCI_SPI_BASE;
	for (unsigned int i = 0; i < hyp.plat.pcie.n_windows; i++) {
		const struct pci_window *w = &hyp.plat.pcie.windows[i];

		if (w->space == PCI_SPACE_MEM32 && !d->mmio32_size && w->cpu_addr == w->pci_addr) {
			d->mmio32_base = w->cpu_addr;
			d->mmio32_size = w->size;
		} else if (w->space == PCI_SPACE_MEM64 && !d->mmio64_size &&
			   w->cpu_addr == w->pci_addr) {
			d->mmio64_base = w->cpu_addr;
			d->mmio64_size = w->size;
		}
	}
}

/* The devices' addresses and sizes come from the VM's emulated regions, nowhere else. */
static int build_dtb(struct vm *vm, uint32_t *size)
{
	const struct mmio_region *gicd = mmio_find_handler(&vm->mmio, vgic_mmio_gicd);
	const struct mmio_region *gicr = mmio_find_handler(&vm->mmio, vgic_mmio_gicr);
	const struct mmio_region *uart = mmio_find_handler(&vm->mmio, vpl011_access);
	const struct mmio_region *its = mmio_find_handler(&vm->mmio, vits_mmio);
	const struct mmio_region *ecam = mmio_find_handler(&vm->mmio, vm_pci_ecam_mmio);
	const struct mmio_region *vblk = mmio_find_handler(&vm->mmio, vblk_mmio);
	struct guest_dtb_desc d = {
		.model = "monadic-hypervisor guest",
		.ram_base = vm->ram_ipa,
		.ram_size = vm->ram_size,
		.n_cpus = vm->n_vcpus,
		/* The hypervisor's own timer and maintenance PPIs: vgic.c injects under these. */
		.timer_intids = { plat_timer_intid(&hyp.plat, PLAT_TIMER_SEC),
				  plat_timer_intid(&hyp.plat, PLAT_TIMER_PHYS),
				  plat_timer_intid(&hyp.plat, PLAT_TIMER_VIRT),
				  plat_timer_intid(&hyp.plat, PLAT_TIMER_HYP) },
		.maint_intid = plat_gic_maint_intid(&hyp.plat),
		/* The core's PMU, where the guest has it (kernel/vmm/vpmu.c). */
		.pmu_intid = !vm->hyp_pmu && vpmu_present() ? plat_pmu_intid(&hyp.plat) : 0,
		.uart_spi = GUEST_UART_INTID,
		.uart_clock_hz = 24000000,
		.bootargs = vm->cmdline,
		.initrd_start = vm->initrd_size ? initrd_ipa(vm) : 0,
		.initrd_end = vm->initrd_size ? initrd_ipa(vm) + vm->initrd_size : 0,
	};

	if (!gicd || !gicr || !uart || (vm->pci.n && !ecam))
		return E_NOENT; /* a device missing from the table: vm_load_image never ran */
	d.gicd_base = gicd->base;
	d.gicd_size = gicd->size;
	d.gicr_base = gicr->base;
	d.gicr_size = gicr->size;
	d.uart_base = uart->base;
	d.uart_size = uart->size;
	if (its) {
		d.its_base = its->base;
		d.its_size = its->size;
	}
	if (vblk) {
		d.virtio_base = vblk->base;
		d.virtio_size = vblk->size;
		d.virtio_spi = GUEST_VBLK_INTID;
	}
	for (unsigned int c = 0; c < vm->n_vcpus; c++)
		d.mpidr[c] = vm->vcpus[c].vmpidr & MPIDR_AFF_MASK;
	if (vm->pci.n)
		guest_pcie(&d, ecam);
	return guest_dtb_build(&d, dtb_buf, sizeof(dtb_buf), size);
}

/*
 * The last vCPU to leave wakes the shell before its own CPU is back in the idle loop: a restart
 * right after a reset may find that CPU still busy for a few instructions. Wait for the CPUs the
 * VM ran on, at most a millisecond (a vCPU that never ran has pcpu 0, the shell's: skipped).
 */
static void wait_own_cpus_idle(const struct vm *vm)
{
	uint64_t deadline = timer_count() + timer_us_to_ticks(1000);

	for (unsigned int c = 0; c < vm->n_vcpus; c++) {
		const struct percpu *p = &percpu[vm->vcpus[c].pcpu];

		while (vm->vcpus[c].pcpu && p->vm_owner == -1 &&
		       atomic_load(&p->state) != CPU_IDLE && timer_count() < deadline)
			cpu_relax();
	}
}

/* Free CPUs for every vCPU: not the shell's, not running anything, not another VM's. */
static int place_vcpus(struct vm *vm)
{
	unsigned int n = 0;

	for (unsigned int c = 1; c < smp_ncpus && n < vm->n_vcpus; c++) {
		struct percpu *p = &percpu[c];

		if ((p->vm_owner == -1 || p->vm_owner == (int)vm->id) &&
		    atomic_load(&p->state) == CPU_IDLE)
			vm->vcpus[n++].pcpu = c;
	}
	if (n < vm->n_vcpus)
		return E_BUSY;
	for (unsigned int i = 0; i < vm->n_vcpus; i++)
		percpu[vm->vcpus[i].pcpu].vm_owner = (int)vm->id;
	return 0;
}

/*
 * Fresh RAM, the pristine Image, a new DTB, the vGIC reset, the devices given back to the guest:
 * everything a run needs before vCPU 0 goes to its CPU. The VM is "starting" meanwhile.
 */
static int prepare_run(struct vm *vm, struct err_why *why)
{
	uint64_t ram = vm->ram_pa;
	uint32_t dtb_size;
	int ret;

	ret = build_dtb(vm, &dtb_size);
	if (ret)
		return err_fail(why, ret, "cannot build its device tree");
	wait_own_cpus_idle(vm);
	ret = place_vcpus(vm);
	if (ret)
		return err_fail(why, ret, "not enough free CPUs for %u vCPU%s", vm->n_vcpus,
				vm->n_vcpus == 1 ? "" : "s");
	vm_pci_start(vm);
	/*
	 * The RAM is clean (the start request refuses it otherwise): zeroed and cleaned to the
	 * Point of Coherency since the last run, or since the create. Only what is copied in now
	 * needs the same: the guest starts with its MMU off, so its accesses are non-cacheable.
	 * Then drop stale instructions for these addresses.
	 */
	vring_detach(vm);
	vdisk_detach(vm);
	vblk_reset(vm);
	for (unsigned int i = 0; i < vm->n_segs; i++) {
		const struct vm_seg *s = &vm->segs[i];

		memcpy((void *)(uintptr_t)(ram + s->ram_off),
		       (const void *)(uintptr_t)(vm->image_pa + s->src_off), s->size);
		dcache_clean_range(ram + s->ram_off, s->size);
	}
	memcpy((void *)(uintptr_t)(ram + (vm->dtb_ipa - vm->ram_ipa)), dtb_buf, dtb_size);
	dcache_clean_range(ram + (vm->dtb_ipa - vm->ram_ipa), dtb_size);
	if (vm->initrd_size) {
		memcpy((void *)(uintptr_t)(ram + (initrd_ipa(vm) - vm->ram_ipa)),
		       (const void *)(uintptr_t)vm->initrd_pa, vm->initrd_size);
		dcache_clean_range(ram + (initrd_ipa(vm) - vm->ram_ipa), vm->initrd_size);
	}
	ic_ialluis();
	dsb(ish);
	isb();
	vgic_dist_reset(&vm->vgic);
	vits_reset(&vm->its);
	for (unsigned int c = 0; c < vm->n_vcpus; c++)
		vgic_redist_reset(&vm->vcpus[c].vgic_rd, vm->vcpus[c].vmpidr, c,
				  c + 1 == vm->n_vcpus);
	vm->stop_reason[0] = '\0';
	vm->aborts_injected = vm->undefs_injected = vm->bad_calls = 0;
	for (unsigned int c = 0; c < vm->n_vcpus; c++) {
		struct vcpu *v = &vm->vcpus[c];

		for (unsigned int e = 0; e < EXIT_CLASSES; e++)
			v->exits[e] = 0;
		v->irq_exits = 0;
		for (unsigned int k = 0; k < 3; k++)
			atomic_store(&v->virqs[k], 0);
	}
	return 0;
}

int vm_start(struct vm *vm, struct err_why *why)
{
	struct vcpu *v0 = &vm->vcpus[0];
	int ret;

	if (!vm->image_size)
		return err_fail(why, E_NOENT, "vm%u has no guest image ('vm create' loads one)",
				vm->id);
	/* The RAM must be clean: zero what the idle CPUs have not reached yet, here. */
	ret = vm_scrub_wait(vm, why);
	if (ret)
		return ret;
	/* Starting: every stop flag cleared here, never again by a vCPU on its way in. */
	ret = vm_request(vm, VM_REQ_START, NULL, why);
	if (ret)
		return ret;
	ret = prepare_run(vm, why);
	if (ret) {
		vm_request(vm, VM_REQ_START_FAILED, NULL, NULL);
		return ret;
	}
	v0->entry = vm->entry_ipa;
	v0->context = vm->dtb_ipa;
	/* A stop that came while we prepared ends the start here, before any vCPU runs. */
	ret = vm_request(vm, VM_REQ_HANDOFF, NULL, why);
	if (!ret && atomic_load(&vm->state) != VM_STARTING)
		ret = err_fail(why, E_BUSY, "vm%u was stopped while it started", vm->id);
	if (ret)
		return ret;
	/*
	 * vCPU 0 is on its way in: from here a stop kicks its CPU, and vCPU 0 itself decides
	 * (vm_vcpu_may_enter) whether it enters, which makes the VM running.
	 */
	atomic_store(&v0->state, VCPU_ON_PENDING);
	ret = smp_run_on(v0->pcpu, vcpu_run_work, v0);
	if (ret) {
		atomic_store(&v0->state, VCPU_OFF);
		vm_request(vm, VM_REQ_START_FAILED, NULL, NULL);
		return err_fail(why, ret, "cpu%u did not take vCPU 0", v0->pcpu);
	}
	return 0;
}

int vm_create_from_spec(const struct vm_spec *spec, struct vm **out, struct err_why *why)
{
	struct vm *vm;
	int ret = vm_build(spec->name, spec->mem, false, &vm, why);

	if (ret)
		return ret;
	/* Still building: invisible to every command until the kernel is in too. */
	ret = vm_load_image(vm, spec->image_pa, spec->image_size, spec->cpus, spec->cmdline, why);
	if (ret) {
		vm_destroy(vm, NULL);
		return ret;
	}
	vm_publish(vm);
	*out = vm;
	return 0;
}

void vm_service(void)
{
	for (unsigned int i = 0; i < VM_MAX; i++) {
		struct vm *vm = vm_get(i);
		struct err_why why = { 0 };
		int ret;

		/* Parked: every vCPU has left and the devices are back. A stop may still win. */
		if (!vm || !vm_reset_parked(vm))
			continue;
		ret = vm_start(vm, &why);
		vm->resets++;
		if (ret) {
			pr_async("vm%u (%s): restart after reset failed: %s\n", vm->id, vm->name,
				 err_why_str(&why, ret));
			/* Refused while still parked: end the reset, or it would be retried forever. */
			vm_request(vm, VM_REQ_STOP, NULL, NULL);
		} else {
			pr_async("vm%u (%s) restarted after a reset (%llu so far)\n", vm->id,
				 vm->name, (unsigned long long)vm->resets);
		}
	}
}

/* A VM is starting, running or on its way out: its vCPUs may be in the guest. */
static bool any_vm_live(void)
{
	for (unsigned int i = 0; i < VM_MAX; i++) {
		int s = atomic_load(&vms[i].state);

		if (s == VM_STARTING || s == VM_RUNNING || s == VM_STOPPING || s == VM_RESETTING)
			return true;
	}
	return false;
}

bool vm_idle_work(void)
{
	/*
	 * Reading never-owned RAM can wait: not while a guest runs, whose host CPU time (under
	 * an emulator) or instruction counts (a benchmark under -icount) it would take.
	 */
	return vm_scrub_some() || (!any_vm_live() && zmap_check_some());
}

/*
 * Idle secondary CPUs zero stopped VMs' RAM, a chunk at a time, so a start need not; with
 * nothing of that to do, and no guest running, they read never-owned RAM so that a VM given it
 * later finds it known zero.
 */
static void vm_scrub_setup(void)
{
	smp_set_idle_work(vm_idle_work);
}
INIT_STEP(INIT_VMS, vm_scrub_setup);

void vm_update_irq_lines(struct vm *vm)
{
	vgic_set_spi_line(vm, GUEST_UART_INTID, vpl011_irq_level(&vm->uart));
}

/* pci=NAME,BDF[,BDF...] words for 'vm': its functions passed through before the first start. */
static int vm_pci_from_cmdline(struct vm *vm, char **argv, int argc)
{
	for (int k = 0; k < argc; k++) {
		const char *w = argv[k];
		struct err_why why = { 0 };
		char name[VM_SPEC_NAME];
		uint16_t bdfs[VPCI_MAX_FUNCS];
		unsigned int n;
		int ret;

		if (w[0] != 'p' || w[1] != 'c' || w[2] != 'i' || w[3] != '=')
			continue;
		if (vm_pci_parse(w + 4, name, bdfs, VPCI_MAX_FUNCS, &n)) {
			pr_err("bootargs: '%s': want pci=NAME,BDF[,BDF...] (at most %u)\n", w,
			       VPCI_MAX_FUNCS);
			continue;
		}
		if (!str_eq(name, vm->name))
			continue;
		for (unsigned int i = 0; i < n; i++) {
			char bdf[PCI_BDF_STRLEN];

			ret = vm_pci_assign(vm, bdfs[i], &why);
			pci_format_bdf(bdf, sizeof(bdf), bdfs[i]);
			if (ret) {
				pr_err("bootargs: vm %s: PCI %s: %s\n", vm->name, bdf,
				       err_why_str(&why, ret));
				return ret;
			}
			printk("vm%u (%s): PCI %s passed through as 00:%02x.0\n", vm->id, vm->name,
			       bdf, vm->pci.fn[vm->pci.n - 1].slot);
		}
	}
	return 0;
}

/* disk=NAME,BDF[,NSID[,START,COUNT]][,virtio] words for 'vm': its share on the block engine. */
static int vm_disk_from_cmdline(struct vm *vm, char **argv, int argc)
{
	for (int k = 0; k < argc; k++) {
		const char *w = argv[k];
		struct err_why why = { 0 };
		char name[VM_SPEC_NAME], bdf[PCI_BDF_STRLEN];
		struct vm_disk_spec d;
		int ret;

		if (w[0] != 'd' || w[1] != 'i' || w[2] != 's' || w[3] != 'k' || w[4] != '=')
			continue;
		if (vm_disk_parse(w + 5, name, &d)) {
			pr_err("bootargs: '%s': want disk=NAME,BDF[,NSID[,START,COUNT]][,virtio]\n",
			       w);
			continue;
		}
		if (!str_eq(name, vm->name))
			continue;
		pci_format_bdf(bdf, sizeof(bdf), d.bdf);
		ret = vdisk_set(vm, d.bdf, d.nsid, d.start, d.count, d.virtio, &why);
		if (ret) {
			pr_err("bootargs: vm %s: disk on %s: %s\n", vm->name, bdf,
			       err_why_str(&why, ret));
			return ret;
		}
		printk("vm%u (%s): disk on NVMe %s namespace %u%s\n", vm->id, vm->name, bdf, d.nsid,
		       d.virtio ? " as virtio-blk" : "");
	}
	return 0;
}

/* nvme=BDF[,CPU...]: the controller the block engines keep, and their CPUs (one engine each). */
static void nvme_from_cmdline(char **argv, int argc)
{
	for (int k = 0; k < argc; k++) {
		const char *w = argv[k];
		struct err_why why = { 0 };
		char bdf_s[48], *comma;
		unsigned int n = 0, n_cpus = 0;
		uint64_t cpu[NVME_MAX_IOQ];
		int cpus[NVME_MAX_IOQ];
		uint16_t bdf;
		int ret;

		if (w[0] != 'n' || w[1] != 'v' || w[2] != 'm' || w[3] != 'e' || w[4] != '=')
			continue;
		while (w[5 + n] && n + 1 < sizeof(bdf_s)) {
			bdf_s[n] = w[5 + n];
			n++;
		}
		bdf_s[n] = '\0';
		comma = bdf_s;
		while (*comma && *comma != ',')
			comma++;
		if (*comma)
			*comma++ = '\0';
		if (pci_parse_bdf(bdf_s, &bdf) ||
		    (*comma && parse_u64_list(comma, cpu, NVME_MAX_IOQ, &n_cpus))) {
			pr_err("bootargs: '%s': want nvme=BDF[,CPU...] (at most %u CPUs)\n", w,
			       NVME_MAX_IOQ);
			continue;
		}
		for (unsigned int i = 0; i < n_cpus; i++)
			cpus[i] = cpu[i] < smp_ncpus ? (int)cpu[i] : -1;
		ret = vdisk_claim(bdf, cpus, n_cpus, &why);
		if (ret)
			pr_err("bootargs: nvme %s: %s\n", bdf_s, err_why_str(&why, ret));
		else
			printk("nvme: %s kept for the block engine\n", bdf_s);
	}
}

struct vm *vm_boot_from_cmdline(const char *bootargs, bool *attach)
{
	char copy[256], *argv[SHELL_MAX_ARGS];
	struct vm *first = NULL;
	int argc;

	*attach = false;
	for (unsigned int i = 0; i < sizeof(copy); i++) {
		copy[i] = bootargs[i];
		if (!bootargs[i])
			break;
	}
	copy[sizeof(copy) - 1] = '\0';
	argc = parse_args(copy, argv, SHELL_MAX_ARGS);
	nvme_from_cmdline(argv, argc);
	for (int i = 0; i < argc; i++) {
		struct vm_spec spec;
		struct err_why why = { 0 }, cwhy = { 0 };
		struct vm *vm;
		uint64_t t0;
		int ret;

		if (str_eq(argv[i], "attach"))
			*attach = true;
		if (argv[i][0] != 'v' || argv[i][1] != 'm' || argv[i][2] != '=')
			continue;
		ret = vm_spec_parse(argv[i] + 3, &spec, &why);
		if (ret) {
			pr_err("bootargs: '%s': %s\n", argv[i], err_why_str(&why, ret));
			continue;
		}
		ret = vm_create_from_spec(&spec, &vm, &cwhy);
		/* initrd=NAME,ADDR,SIZE words, anywhere on the line, for this VM. */
		for (int k = 0; !ret && k < argc; k++) {
			const char *w = argv[k];
			char name[VM_SPEC_NAME];
			uint64_t pa, size;

			if (w[0] != 'i' || w[1] != 'n' || w[2] != 'i' || w[3] != 't' ||
			    w[4] != 'r' || w[5] != 'd' || w[6] != '=')
				continue;
			if (vm_initrd_parse(w + 7, name, &pa, &size)) {
				pr_err("bootargs: '%s': want initrd=NAME,ADDR,SIZE\n", w);
				continue;
			}
			if (str_eq(name, spec.name))
				ret = vm_load_initrd(vm, pa, size);
		}
		if (!ret)
			ret = vm_pci_from_cmdline(vm, argv, argc);
		t0 = timer_count();
		if (!ret)
			ret = vm_disk_from_cmdline(vm, argv, argc);
		if (!ret)
			ret = vm_start(vm, &cwhy);
		if (ret)
			pr_err("bootargs: vm %s: %s\n", spec.name, err_why_str(&cwhy, ret));
		else
			printk("vm%u (%s) started from bootargs: %u vCPU%s, %llu MiB, in %llu us\n",
			       vm->id, vm->name, vm->n_vcpus, vm->n_vcpus == 1 ? "" : "s",
			       (unsigned long long)(vm->ram_size >> 20),
			       (unsigned long long)(timer_ticks_to_ns(timer_count() - t0) / 1000));
		if (!ret && !first)
			first = vm;
	}
	return first;
}
