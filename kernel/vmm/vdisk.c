// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * Guests' disks: the controller the hypervisor keeps, each VM's share of a namespace, and the
 * guest's ring region handed to the block engine. The region is the guest's own RAM, reached
 * through the hypervisor's identity map; everything that steers an access (where the slots are,
 * how many, the share, the RAM bounds) is checked here once and kept in hypervisor memory.
 */
#include "kernel/vmm/vdisk.h"

#include "kernel/arch/arch.h"
#include "kernel/arch/spinlock.h"
#include "kernel/arch/timer.h"
#include "kernel/arch/sysregs.h"
#include "kernel/console.h"
#include "kernel/drivers/gic.h"
#include "kernel/drivers/gic_its.h"
#include "kernel/hyp.h"
#include "kernel/lib/err.h"
#include "kernel/lib/fmt.h"
#include "kernel/smp.h"
#include "kernel/vdev/vblk.h"
#include "kernel/vdev/vgic.h"
#include "kernel/vdev/vgic_regs.h"
#include "kernel/vmm/vcpu.h"
#include "kernel/vmm/vhyp.h"
#include "kernel/vmm/vm.h"
#include "kernel/vmm/vm_pci.h"
#include "kernel/platform.h"
#include "dataplane/service.h"
#include "dataplane/wait.h"
#include "mm/mem.h"
#include "pci/pci_host.h"
#include "pci/smmu_host.h"

#define VDISK_QUEUE_ENTRIES 256
#define VDISK_BURST	    32
#define VDISK_MAX_QD	    128
#define VDISK_SMMU_ASID	    (VM_MAX + 1) /* VMs use 1..VM_MAX */
#define VDISK_MAX_ENGINES   NVME_MAX_IOQ
/* A detach waits for commands at the controller: their timeout, a reset, and some slack. */
#define VDISK_DETACH_US ((BLK_TIMEOUT_MS + 3000) * 1000ULL)
/* An MSI-X table entry (PCI Local Bus 3.0, 6.8.2): address, data, vector control. */
#define MSIX_ENTRY_BYTES   16
#define MSIX_ENTRY_ADDR_LO 0
#define MSIX_ENTRY_ADDR_HI 4
#define MSIX_ENTRY_DATA	   8
#define MSIX_ENTRY_CTRL	   12
#define MSIX_VEC_MASKED	   1u	   /* Vector Control: Mask Bit */
#define MSIX_CTRL_ENABLE   0x8000u /* Message Control: MSI-X Enable */
#define MSIX_CTRL_MASK	   0x4000u /* Message Control: Function Mask */

/* The guest-facing layout (dataplane/blk_abi.h) spells out the ring's index blocks in bytes. */
_Static_assert(BLK_RING_CPL == sizeof(struct spsc_shared),
	       "completion ring after the request ring");
_Static_assert(BLK_RING_SLOTS == 2 * sizeof(struct spsc_shared), "slots after both index blocks");

/* One of a VM's queues at an engine: its disk slot there. */
struct vdisk_q {
	bool attached;
	bool served;	  /* attached at least once since the share was set: eng, idx are valid */
	unsigned int eng; /* the engine that serves it (or served it last) */
	unsigned int idx; /* its disk at that engine */
};

struct vdisk {
	bool set;
	bool virtio; /* a virtio-blk device, not the hypercall's rings */
	uint32_t nsid;
	uint64_t start, count;
	/* The rings, or the device's virtqueues: queue 0 is the rings' and the first queue. */
	struct vdisk_q q[VDISK_MAX_QUEUES];
	uint32_t intid; /* SPI to raise on completions, 0 for none */
	struct vm *vm;
	uint64_t attaches;
	_Atomic int busy; /* a vCPU is attaching or detaching: the others are told E_BUSY */
};

/*
 * The controller and its engines: engine i runs on cpu[i] and owns I/O queue pair i, alone (no
 * lock on the I/O path). Which engine serves which of a VM's queues is decided here, under
 * vdisk_lock, when the VM hands the queue over (blk_pick_engine): a VM's queues spread over the
 * engines first, then the engine serving the fewest disks. Each queue (the hypercall's rings
 * are one) goes to exactly one engine until it is taken back.
 */
static struct {
	bool claimed;
	uint16_t bdf;
	unsigned int n_eng;
	int cpu[VDISK_MAX_ENGINES];
	struct nvme_ctrl nvme;
	struct blk_engine eng[VDISK_MAX_ENGINES];
	struct blk_group grp;
	struct smmu_ctx smmu;
	uint32_t sid;
	struct blk_wake_ops wake[VDISK_MAX_ENGINES];
	/*
	 * The controller's MSI-X wakes a sleeping engine: entry i + 1 (the I/O CQ of engine i)
	 * sends event i + 1 of its DeviceID to the ITS, LPI lpi + i on the engine's CPU. Or why
	 * not ('msix_why'): the engines then sleep in WFI only with nothing at the controller.
	 */
	bool msix;
	const char *msix_why;
	uint32_t devid;
	unsigned int lpi;
	uintptr_t msix_table;
} ctl;
static struct vdisk disks[VM_MAX];
static struct spinlock vdisk_lock = SPINLOCK_INIT;

static void *nvme_alloc(void *ctx, unsigned int pages, uint64_t *pa)
{
	uint64_t base;

	(void)ctx;
	if (pmem_alloc(&phys_mem, (uint64_t)pages * 4096, 4096, "nvme engine", &base))
		return NULL;
	mem_zero_range(base, (uint64_t)pages * 4096);
	*pa = base;
	return (void *)(uintptr_t)base;
}

static void engine_work(void *arg)
{
	blk_engine_run(arg);
}

/*
 * An idle engine's sleep (struct blk_wake_ops), on its own core with interrupts masked: WFI,
 * which a pending interrupt ends even masked. Its sources: the wake-up SGI (a kick from a
 * guest's core or the shell's), the EL2 physical timer (CNTHP, its PPI from the DTB) set to
 * the engine's next periodic check, so that no sleep outlasts it. The ctx is the engine's
 * index. Reading the timer's state and acknowledging what is pending says what woke it.
 */
static unsigned int hyp_timer_intid(void)
{
	return plat_timer_intid(&hyp.plat, PLAT_TIMER_HYP);
}

static void wake_setup(void *ctx)
{
	(void)ctx;
	write_sysreg(cnthp_ctl_el2, CNT_CTL_IMASK); /* off until a sleep arms it */
	isb();
	gic_enable_ppi(hyp_timer_intid());
}

static void wake_teardown(void *ctx)
{
	(void)ctx;
	write_sysreg(cnthp_ctl_el2, CNT_CTL_IMASK);
	isb();
	gic_disable_ppi(hyp_timer_intid());
}

static unsigned int wake_sleep(void *ctx, uint64_t deadline)
{
	unsigned int why = 0, intid, timer = hyp_timer_intid();

	(void)ctx;
	write_sysreg(cnthp_cval_el2, deadline);
	write_sysreg(cnthp_ctl_el2, CNT_CTL_ENABLE);
	isb(); /* the timer is armed before the WFI: its interrupt can end it */
	wfi();
	if (read_sysreg(cnthp_ctl_el2) & CNT_CTL_ISTATUS)
		why |= BLK_WAKE_TIMER;
	/* Off again before its PPI is acknowledged: the level is low by the EOI. */
	write_sysreg(cnthp_ctl_el2, CNT_CTL_IMASK);
	isb();
	while ((intid = gic_ack()) != GIC_INTID_SPURIOUS) {
		gic_eoi(intid);
		if (intid == GIC_SGI_WAKE)
			why |= BLK_WAKE_KICK;
		else if (intid == timer)
			why |= BLK_WAKE_TIMER;
		else if (ctl.msix && intid == ctl.lpi + (unsigned int)(uintptr_t)ctx)
			why |= BLK_WAKE_MSI; /* our completion queue's vector */
		else if (gic_lpi_dispatch(intid))
			continue; /* a message for whoever mapped it */
		else if (intid >= 32) {
			gic_disable_spi(intid); /* as an idle CPU does: nobody here takes it */
			pr_warn("nvme: INTID %u arrived at an engine's CPU: disabled\n", intid);
		}
	}
	return why;
}

/* Entry e of the controller's MSI-X table: masked or not (PCI Local Bus 3.0, 6.8.2.9). */
static void msix_vector_mask(unsigned int e, bool masked)
{
	mmio_write32(ctl.msix_table + (uintptr_t)e * MSIX_ENTRY_BYTES + MSIX_ENTRY_CTRL,
		     masked ? MSIX_VEC_MASKED : 0);
}

/* Engine i's interrupt: masked while it polls, so the fast path takes none. */
static void wake_msi_mask(void *ctx, bool masked)
{
	msix_vector_mask((unsigned int)(uintptr_t)ctx + 1, masked);
}

static void engine_lpi(void *ctx, unsigned int intid)
{
	(void)ctx;
	(void)intid; /* the engine's wake_sleep() recognises it: nothing more to do */
}

/*
 * Give each engine's I/O CQ an MSI-X vector routed through the ITS to the engine's CPU, all
 * masked (an engine unmasks its own only while it sleeps); c->irq_vec tells the driver. When
 * anything is missing the engines go without, and 'nvme engine' says why.
 */
static void msix_setup(const struct pci_func *f, const int *cpus, unsigned int n)
{
	const struct pci_cfg_ops *c = &pci_topo.cfg;
	uint16_t cap = pci_find_cap(f, PCI_CAP_ID_MSIX), reg = (uint16_t)(cap + 2);
	unsigned int bits = 0;
	struct pci_msix_info x;
	const struct pci_bar *b;
	uint64_t doorbell = gic_its_translater();

	ctl.msix = false;
	if (!gic_its.on || !doorbell) {
		ctl.msix_why = "no ITS";
		return;
	}
	if (!cap || pci_msix_decode(c, f->bdf, cap, &x)) {
		ctl.msix_why = "the controller has no MSI-X";
		return;
	}
	b = x.table_bir < PCI_MAX_BARS ? &f->bar[x.table_bir] : NULL;
	if (x.table_size < n + 1 || !b || !(b->flags & PCI_BAR_F_ASSIGNED) ||
	    b->kind == PCI_BAR_IO ||
	    x.table_offset + (uint64_t)x.table_size * MSIX_ENTRY_BYTES > b->size) {
		ctl.msix_why = "its MSI-X table is too small or not in an assigned BAR";
		return;
	}
	if (!plat_pci_devid(&hyp.plat, f->bdf, &ctl.devid)) {
		ctl.msix_why = "its RID maps to no ITS DeviceID";
		return;
	}
	while ((1u << bits) < n + 1)
		bits++;
	if (gic_its_map_device(ctl.devid, bits)) {
		ctl.msix_why = "the ITS did not map its DeviceID";
		return;
	}
	ctl.lpi = gic_lpi_alloc(n, engine_lpi, NULL);
	if (!ctl.lpi) {
		(void)gic_its_unmap_device(ctl.devid);
		ctl.msix_why = "no free LPIs";
		return;
	}
	for (unsigned int i = 0; i < n; i++)
		if (gic_its_map_event(ctl.devid, i + 1, ctl.lpi + i, percpu[cpus[i]].mpidr)) {
			gic_lpi_free(ctl.lpi, n);
			(void)gic_its_unmap_device(ctl.devid);
			ctl.msix_why = "the ITS did not map an event";
			return;
		}
	ctl.msix_table = (uintptr_t)(b->cpu_addr + x.table_offset);
	/* Function Mask while the entries are written, so none fires half-written. */
	pci_cfg_write16(
		c, f->bdf, reg,
		(uint16_t)(pci_cfg_read16(c, f->bdf, reg) | MSIX_CTRL_ENABLE | MSIX_CTRL_MASK));
	for (unsigned int e = 0; e < x.table_size; e++)
		msix_vector_mask(e, true);
	for (unsigned int i = 0; i < n; i++) {
		uintptr_t va = ctl.msix_table + (uintptr_t)(i + 1) * MSIX_ENTRY_BYTES;

		mmio_write32(va + MSIX_ENTRY_ADDR_LO, (uint32_t)doorbell);
		mmio_write32(va + MSIX_ENTRY_ADDR_HI, (uint32_t)(doorbell >> 32));
		mmio_write32(va + MSIX_ENTRY_DATA, i + 1); /* the EventID */
		ctl.nvme.irq_vec[i] = (uint16_t)(i + 1);
	}
	pci_cfg_write16(
		c, f->bdf, reg,
		(uint16_t)((pci_cfg_read16(c, f->bdf, reg) & ~MSIX_CTRL_MASK) | MSIX_CTRL_ENABLE));
	ctl.msix = true;
	ctl.msix_why = NULL;
}

/* The controller did not come up: its DeviceID and LPIs go back. */
static void msix_teardown(unsigned int n)
{
	if (!ctl.msix)
		return;
	gic_lpi_free(ctl.lpi, n);
	(void)gic_its_unmap_device(ctl.devid);
	ctl.msix = false;
	for (unsigned int i = 0; i < NVME_MAX_IOQ; i++)
		ctl.nvme.irq_vec[i] = 0;
}

static void wake_kick(void *ctx)
{
	unsigned int i = (unsigned int)(uintptr_t)ctx;

	gic_send_sgi(percpu[ctl.cpu[i]].mpidr, GIC_SGI_WAKE);
}

/* DMA of the engine's controller: anywhere in RAM (the engine checks every address itself). */
static int smmu_open(const struct pci_func *f, struct err_why *why)
{
	const struct plat_range *ram = &hyp.plat.mem[0];
	int ret;

	if (!smmu_host.on)
		return 0;
	if (!smmu_host_sid(f->bdf, &ctl.sid))
		return err_fail(why, E_NOENT, "no StreamID for it behind the SMMU");
	ret = smmu_host_ctx_build(&ctl.smmu, VDISK_SMMU_ASID, ram->base, ram->size);
	if (!ret)
		ret = smmu_host_attach(&ctl.smmu, &ctl.sid, 1);
	if (ret)
		return err_fail(why, ret, "cannot let it reach RAM through the SMMU");
	return 0;
}

/* Whether 'cpu' may run an engine: not cpu0, not a guest's, not the dp engine's. */
static int engine_cpu_ok(int cpu, const int *cpus, unsigned int n, struct err_why *why)
{
	if (cpu < 1 || cpu >= (int)smp_ncpus)
		return err_fail(why, E_RANGE, "cpu must be 1 to %u (cpu0 runs the shell)",
				smp_ncpus - 1);
	if (percpu[cpu].vm_owner >= 0 || cpu == dp_service_cpu())
		return err_fail(why, E_BUSY, "cpu%d is taken", cpu);
	for (unsigned int i = 0; i < n; i++)
		if (cpus[i] == cpu)
			return err_fail(why, E_INVAL, "cpu%d is named twice", cpu);
	return 0;
}

/* Start engine i on its CPU over queue pair i. */
static int engine_start(unsigned int i, struct err_why *why)
{
	struct blk_engine *e = &ctl.eng[i];
	uint64_t pa, deadline;
	void *mem;
	int ret;

	mem = nvme_alloc(
		NULL, (unsigned int)((blk_engine_mem_size(ctl.nvme.io[i].entries) + 4095) / 4096),
		&pa);
	if (!mem)
		return err_fail(why, E_NOMEM, "no memory for engine %u", i);
	blk_engine_init(e, &ctl.nvme, &ctl.nvme.io[i], mem, pa, VDISK_BURST);
	blk_engine_join(e, &ctl.grp, i == 0);
	if (gic_redist_base(percpu[ctl.cpu[i]].mpidr)) {
		ctl.wake[i] = (struct blk_wake_ops){ .setup = wake_setup,
						     .sleep = wake_sleep,
						     .kick = wake_kick,
						     .teardown = wake_teardown,
						     .msi_mask = wake_msi_mask,
						     .ctx = (void *)(uintptr_t)i,
						     .msi = ctl.msix && ctl.nvme.irq_vec[i] };
		blk_engine_set_wake(e, &ctl.wake[i]);
	}
	ret = smp_run_on((unsigned int)ctl.cpu[i], engine_work, e);
	if (ret)
		return err_fail(why, ret, "cpu%d is not idle", ctl.cpu[i]);
	percpu[ctl.cpu[i]].doing = "nvme engine";
	deadline = timer_count() + timer_us_to_ticks(1000000);
	while (!atomic_load_explicit(&e->running, memory_order_acquire))
		if (timer_count() > deadline)
			break;
	return 0;
}

int vdisk_claim(uint16_t bdf, const int *cpus, unsigned int n_cpus, struct err_why *why)
{
	const struct pci_func *f = pci_present ? pci_find(&pci_topo, bdf) : NULL;
	int last[1] = { (int)smp_ncpus - 1 };
	const struct pci_bar *b;
	unsigned int n;
	int ret;

	if (ctl.claimed)
		return err_fail(why, E_BUSY, "the engine already has a controller");
	if (!f || !pci_is_nvme(f))
		return err_fail(why, E_NOENT, "no NVMe controller there (see 'pci')");
	b = &f->bar[0];
	if (!(b->flags & PCI_BAR_F_ASSIGNED) || b->kind == PCI_BAR_IO || b->size < 0x2000)
		return err_fail(why, E_NOENT, "its BAR0 is not assigned");
	if (vm_pci_owner(bdf))
		return err_fail(why, E_BUSY, "it is passed through to vm%u", vm_pci_owner(bdf)->id);
	if (!n_cpus) {
		cpus = last; /* one engine, on the last CPU */
		n_cpus = 1;
	}
	if (n_cpus > VDISK_MAX_ENGINES)
		return err_fail(why, E_RANGE, "at most %u engines (one I/O queue pair each)",
				VDISK_MAX_ENGINES);
	for (unsigned int i = 0; i < n_cpus; i++) {
		ret = engine_cpu_ok(cpus[i], cpus, i, why);
		if (ret)
			return ret;
	}
	for (unsigned int i = 0; i < VM_MAX; i++) {
		struct vm *vm = &vms[i];

		if (atomic_load(&vm->state) == VM_FREE)
			continue;
		if (vm_devices_live(vm))
			for (unsigned int r = 0; r < vm->n_regions; r++)
				if (vm->regions[r].pa == b->cpu_addr)
					return err_fail(why, E_BUSY,
							"vm%u runs with its BAR0 mapped", vm->id);
		vm_unmap_device(vm, b->cpu_addr, b->size);
	}
	pci_cfg_write16(&pci_topo.cfg, bdf, PCI_COMMAND,
			(uint16_t)(pci_cfg_read16(&pci_topo.cfg, bdf, PCI_COMMAND) |
				   PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER));
	ret = smmu_open(f, why);
	if (ret)
		return ret;
	for (unsigned int i = 0; i < NVME_MAX_IOQ; i++)
		ctl.nvme.irq_vec[i] = 0;
	msix_setup(f, cpus, n_cpus);
	if (!ctl.msix)
		pr_info("nvme: no MSI-X wake-up for the engines (%s): they sleep in WFI only with "
			"nothing at the controller\n",
			ctl.msix_why);
	ret = nvme_ctrl_init(&ctl.nvme, (uintptr_t)b->cpu_addr, n_cpus, VDISK_QUEUE_ENTRIES,
			     nvme_alloc, NULL, why);
	if (ret) {
		msix_teardown(n_cpus);
		return ret;
	}
	/* As many engines as the controller granted queue pairs, at most one per CPU named. */
	n = ctl.nvme.n_io;
	if (n < n_cpus)
		pr_warn("nvme: the controller grants %u I/O queue pair%s: %u engine%s, not %u\n",
			ctl.nvme.io_granted, ctl.nvme.io_granted == 1 ? "" : "s", n,
			n == 1 ? "" : "s", n_cpus);
	for (unsigned int i = 0; i < n; i++)
		ctl.cpu[i] = cpus[i];
	blk_group_init(&ctl.grp, n);
	for (unsigned int i = 0; i < n; i++) {
		ret = engine_start(i, why);
		if (ret) {
			/* The engines that run stay: the group waits for all of them at a reset. */
			if (!i)
				return ret;
			pr_warn("nvme: engine %u not started: %s\n", i, err_why_str(why, ret));
			n = i;
			ctl.grp.n = n;
			break;
		}
	}
	ctl.n_eng = n;
	ctl.claimed = true;
	ctl.bdf = bdf; /* the engines' CPUs are busy from now on: no VM is placed there */
	return 0;
}

bool vdisk_claimed(uint16_t bdf)
{
	return ctl.claimed && ctl.bdf == bdf;
}

void vdisk_view(struct vdisk_view *v)
{
	v->claimed = ctl.claimed;
	v->bdf = ctl.bdf;
	v->n_eng = ctl.claimed ? ctl.n_eng : 0;
	for (unsigned int i = 0; i < v->n_eng; i++) {
		v->cpu[i] = ctl.cpu[i];
		v->eng[i] = &ctl.eng[i];
	}
	v->nvme = ctl.claimed ? &ctl.nvme : NULL;
}

struct blk_engine *vdisk_engine(unsigned int i)
{
	return ctl.claimed && i < ctl.n_eng ? &ctl.eng[i] : NULL;
}

int vdisk_reset(struct err_why *why)
{
	if (!ctl.claimed)
		return err_fail(why, E_NOENT, "the engine has no controller ('nvme claim')");
	blk_group_reset(&ctl.grp);
	for (unsigned int i = 0; i < ctl.n_eng; i++)
		blk_engine_kick(&ctl.eng[i]); /* the sleeping ones must take part */
	return 0;
}

int vdisk_set(struct vm *vm, uint16_t bdf, uint32_t nsid, uint64_t start, uint64_t count,
	      bool virtio, struct err_why *why)
{
	const struct nvme_ns *ns;
	int ret;

	if (!ctl.claimed) {
		ret = vdisk_claim(bdf, NULL, 0, why);
		if (ret)
			return ret;
		printk("nvme: the block engine serves its controller from cpu%d\n", ctl.cpu[0]);
	}
	if (ctl.bdf != bdf)
		return err_fail(why, E_BUSY, "the engine serves another controller");
	ns = nvme_ctrl_ns(&ctl.nvme, nsid);
	if (!ns)
		return err_fail(why, E_NOENT, "the controller has no namespace %u", nsid);
	if (!count && start < ns->nsze)
		count = ns->nsze - start;
	if (!count || start >= ns->nsze || count > ns->nsze - start)
		return err_fail(why, E_RANGE, "blocks %llu+%llu are not inside namespace %u (%llu)",
				(unsigned long long)start, (unsigned long long)count, nsid,
				(unsigned long long)ns->nsze);
	spin_lock(&vdisk_lock);
	for (unsigned int i = 0; i < VM_MAX; i++) {
		const struct vdisk *o = &disks[i];

		if (i == vm->id || !o->set || o->nsid != nsid)
			continue;
		if (start < o->start + o->count && o->start < start + count) {
			spin_unlock(&vdisk_lock);
			return err_fail(why, E_BUSY, "blocks overlap vm%u's share (%llu+%llu)", i,
					(unsigned long long)o->start, (unsigned long long)o->count);
		}
	}
	disks[vm->id] = (struct vdisk){ .set = true,
					.virtio = virtio,
					.nsid = nsid,
					.start = start,
					.count = count,
					.vm = vm };
	spin_unlock(&vdisk_lock);
	if (!virtio) {
		vblk_remove(vm);
		return 0;
	}
	ret = vblk_add(vm, why);
	if (ret)
		disks[vm->id].set = false;
	return ret;
}

bool vdisk_is_virtio(const struct vm *vm)
{
	return disks[vm->id].set && disks[vm->id].virtio;
}

bool vdisk_virtio_info(const struct vm *vm, uint64_t *sectors, uint32_t *lba_shift,
		       uint32_t *max_bytes, unsigned int *max_queues)
{
	const struct vdisk *d = &disks[vm->id];
	const struct nvme_ns *ns = d->set ? nvme_ctrl_ns(&ctl.nvme, d->nsid) : NULL;
	unsigned int nq;

	if (!ns)
		return false;
	*sectors = (d->count << ns->lba_shift) >> VIRTIO_BLK_SECTOR_SHIFT;
	*lba_shift = ns->lba_shift;
	*max_bytes = blk_engine_max_blocks(&ctl.eng[0], ns->lba_shift) << ns->lba_shift;
	/*
	 * A queue per vCPU (blk-mq then gives each its own), at most two per engine (more would
	 * only queue behind each other at the engine) and VDISK_MAX_QUEUES.
	 */
	nq = vm->n_vcpus;
	if (nq > 2 * ctl.n_eng)
		nq = 2 * ctl.n_eng;
	if (nq > VDISK_MAX_QUEUES)
		nq = VDISK_MAX_QUEUES;
	*max_queues = nq ? nq : 1;
	return true;
}

/* The first of the VM's queues the engine shut, or NULL. */
static const struct blk_disk *down_disk(const struct vdisk *d)
{
	for (unsigned int i = 0; i < VDISK_MAX_QUEUES; i++) {
		const struct blk_disk *b = &ctl.eng[d->q[i].eng].disks[d->q[i].idx];

		if (d->q[i].attached && atomic_load(&b->down))
			return b;
	}
	return NULL;
}

bool vdisk_faulted(const struct vm *vm)
{
	return down_disk(&disks[vm->id]) != NULL;
}

/*
 * Hand queue 'qi' of a VM's disk to an engine (blk_pick_engine). The choice and the attached
 * flag change under vdisk_lock, so two VMs attaching at once see each other's choice.
 */
static int engine_attach(struct vdisk *d, unsigned int qi, const struct blk_disk *t)
{
	unsigned int load[VDISK_MAX_ENGINES] = { 0 }, mine[VDISK_MAX_ENGINES] = { 0 };
	struct vdisk_q *q = &d->q[qi];
	int best, ret;

	spin_lock(&vdisk_lock);
	for (unsigned int i = 0; i < VM_MAX; i++)
		for (unsigned int k = 0; k < VDISK_MAX_QUEUES; k++)
			if (disks[i].q[k].attached) {
				load[disks[i].q[k].eng]++;
				mine[disks[i].q[k].eng] += &disks[i] == d;
			}
	best = blk_pick_engine(load, mine, ctl.n_eng);
	ret = best < 0 ? E_NOMEM : blk_engine_attach(&ctl.eng[best], t, &q->idx);
	if (!ret) {
		q->eng = (unsigned int)best;
		q->attached = q->served = true;
	}
	spin_unlock(&vdisk_lock);
	return ret;
}

/*
 * GET_ID's answer (virtio 1.2, 5.2.6): at most 20 bytes, NUL-padded, no terminator needed:
 * the controller's serial number, the namespace and the share's first block.
 */
static void share_id(const struct vdisk *d, char out[VIRTIO_BLK_ID_BYTES])
{
	char id[VIRTIO_BLK_ID_BYTES + 1] = { 0 };

	fmt_snprintf(id, sizeof(id), "%s-%u-%llu", ctl.nvme.id.sn, d->nsid,
		     (unsigned long long)d->start);
	for (unsigned int i = 0; i < VIRTIO_BLK_ID_BYTES; i++)
		out[i] = id[i];
}

int vdisk_virtq_attach(struct vm *vm, const struct vdisk_vq *vq, void (*notify)(void *ctx),
		       void *ctx)
{
	struct vdisk *d = &disks[vm->id];
	const struct nvme_ns *ns = d->set ? nvme_ctrl_ns(&ctl.nvme, d->nsid) : NULL;
	unsigned int qi = vq->queue, nq = vq->n_queues, per_eng;
	struct blk_disk t = { 0 };
	int ret;

	if (!ns || !d->virtio)
		return E_NOENT;
	if (qi >= VDISK_MAX_QUEUES || !nq || nq > VDISK_MAX_QUEUES || qi >= nq)
		return E_RANGE;
	vdisk_detach_queue(vm, qi);
	if (d->q[qi].attached)
		return E_BUSY;
	t.kind = BLK_KIND_VIRTQ;
	t.queue = (uint16_t)qi;
	t.vq.desc = (struct virtq_desc *)(uintptr_t)vq->desc_pa;
	t.vq.avail = (uint8_t *)(uintptr_t)vq->avail_pa;
	t.vq.used = (uint8_t *)(uintptr_t)vq->used_pa;
	t.vq.size = vq->size;
	/* The driver starts both indices at 0 (2.7.6, 2.7.8) after a reset. */
	t.vq.last_avail = t.vq.used_idx = t.vq.signalled = 0;
	t.vq.event_idx = vq->event_idx;
	share_id(d, t.vq.id);
	t.share = (struct blk_share){
		.nsid = d->nsid, .lba_shift = ns->lba_shift, .start = d->start, .count = d->count
	};
	t.mem = (struct blk_mem){ .ipa = vm->ram_ipa, .size = vm->ram_size, .pa = vm->ram_pa };
	/*
	 * The VM's limits hold over all its queues, whichever engines serve them: the queue
	 * depth is split between the queues, and the queues that may share an engine share its
	 * burst per pass, so a VM with more queues gets no more turns than one with a single one.
	 */
	t.qd_limit = VDISK_MAX_QD / nq;
	if (t.qd_limit > vq->size)
		t.qd_limit = vq->size;
	per_eng = (nq + ctl.n_eng - 1) / ctl.n_eng;
	t.burst = VDISK_BURST / per_eng ? VDISK_BURST / per_eng : 1;
	t.vm_id = vm->id;
	t.notify = notify;
	t.ctx = ctx;
	ret = engine_attach(d, qi, &t);
	if (ret)
		return ret;
	if (log_nth_ok(++d->attaches))
		pr_info("vm%u: virtio-blk queue %u of %u (%u entries) at PA 0x%llx is engine %u's "
			"disk %u (cpu%d)\n",
			vm->id, qi, nq, vq->size, (unsigned long long)vq->desc_pa, d->q[qi].eng,
			d->q[qi].idx, ctl.cpu[d->q[qi].eng]);
	return 0;
}

bool vdisk_get(const struct vm *vm, uint32_t *nsid, uint64_t *start, uint64_t *count,
	       int *engine_disk, int *engine)
{
	const struct vdisk *d = &disks[vm->id];

	if (!d->set)
		return false;
	*nsid = d->nsid;
	*start = d->start;
	*count = d->count;
	*engine_disk = d->q[0].attached ? (int)d->q[0].idx : -1;
	if (engine)
		*engine = d->q[0].attached ? (int)d->q[0].eng : -1;
	return true;
}

unsigned int vdisk_queues(const struct vm *vm, struct vdisk_queue_view *out, unsigned int max)
{
	const struct vdisk *d = &disks[vm->id];
	unsigned int n = 0;

	for (unsigned int i = 0; d->set && i < VDISK_MAX_QUEUES && n < max; i++)
		if (d->q[i].attached)
			out[n++] = (struct vdisk_queue_view){ .queue = i,
							      .engine = d->q[i].eng,
							      .disk = d->q[i].idx,
							      .cpu = ctl.cpu[d->q[i].eng] };
	return n;
}

bool vdisk_serves(unsigned int vm_id, unsigned int eng, unsigned int idx)
{
	const struct vdisk *d = vm_id < VM_MAX ? &disks[vm_id] : NULL;

	for (unsigned int i = 0; d && d->set && i < VDISK_MAX_QUEUES; i++)
		if (d->q[i].served && d->q[i].eng == eng && d->q[i].idx == idx)
			return true;
	return false;
}

/*
 * Take back the queues in 'mask': each engine is asked at once, then each is waited for, so
 * the wait is the slowest engine's, not their sum.
 */
static void detach_mask(struct vm *vm, uint32_t mask)
{
	struct vdisk *d = &disks[vm->id];
	uint64_t deadline = timer_count() + timer_us_to_ticks(VDISK_DETACH_US);
	uint32_t left = 0;

	for (unsigned int i = 0; i < VDISK_MAX_QUEUES; i++)
		if ((mask & (1U << i)) && d->q[i].attached)
			left |= 1U << i;
	while (left) {
		/* Whichever engine serves a queue: only that one has its requests. */
		for (unsigned int i = 0; i < VDISK_MAX_QUEUES; i++) {
			struct vdisk_q *q = &d->q[i];

			if (!(left & (1U << i)) ||
			    !blk_engine_detach(&ctl.eng[q->eng], q->idx, true))
				continue;
			spin_lock(&vdisk_lock);
			q->attached = false;
			spin_unlock(&vdisk_lock);
			left &= ~(1U << i);
		}
		if (!left)
			break;
		if (timer_count() > deadline) {
			for (unsigned int i = 0; i < VDISK_MAX_QUEUES; i++)
				if (left & (1U << i))
					pr_err("vm%u: block engine %u did not let go of its queue "
					       "%u\n",
					       vm->id, d->q[i].eng, i);
			return;
		}
		spsc_wake(); /* an engine may sleep in WFE: let it see the request now */
		for (unsigned int i = 0; i < VDISK_MAX_QUEUES; i++)
			if (left & (1U << i))
				blk_engine_kick(&ctl.eng[d->q[i].eng]); /* or in WFI */
	}
}

void vdisk_detach_queue(struct vm *vm, unsigned int queue)
{
	if (queue < VDISK_MAX_QUEUES)
		detach_mask(vm, 1U << queue);
}

void vdisk_detach(struct vm *vm)
{
	detach_mask(vm, (1U << VDISK_MAX_QUEUES) - 1);
}

/* The guest published work on a queue: kick its engine if it sleeps, and count it there. */
static void kick_queue(const struct vdisk_q *q)
{
	struct blk_engine *e = &ctl.eng[q->eng];

	/* Relaxed: a statistic. */
	if (blk_engine_kick(e))
		atomic_fetch_add_explicit(&e->disks[q->idx].kicks, 1, memory_order_relaxed);
}

void vdisk_kick(const struct vm *vm, unsigned int queue)
{
	const struct vdisk *d = &disks[vm->id];

	if (queue < VDISK_MAX_QUEUES && d->q[queue].attached)
		kick_queue(&d->q[queue]);
}

void vdisk_forget(struct vm *vm)
{
	vdisk_detach(vm);
	disks[vm->id].set = false;
	vblk_remove(vm);
}

/* On the engine's core: completions were posted for a guest that asked for an interrupt. */
static void vdisk_notify(void *ctx)
{
	struct vdisk *d = ctx;

	vgic_inject_spi(d->vm, d->intid);
}

static int64_t vdisk_attach(struct vm *vm, uint64_t ipa, uint64_t geometry)
{
	struct vdisk *d = &disks[vm->id];
	uint32_t cap = (uint32_t)(geometry & 0xffff), intid = (uint32_t)(geometry >> 32) & 0xffff;
	const struct nvme_ns *ns = nvme_ctrl_ns(&ctl.nvme, d->nsid);
	struct blk_disk t = { 0 };
	uint64_t size, pa;
	uint8_t *base;
	int ret;

	if (!d->set || !ns)
		return E_NOENT;
	if (d->virtio)
		return E_BUSY; /* the disk is the VM's virtio-blk device */
	vdisk_detach(vm);      /* a second attach replaces the first */
	if (d->q[0].attached)
		return E_BUSY;
	if (cap < 2 || cap > BLK_RING_MAX_CAP || (cap & (cap - 1)) ||
	    (geometry & 0xffffffffffff0000ULL & ~(0xffffULL << 32) & ~BLK_ATTACH_IRQ_ON_WAIT))
		return E_INVAL;
	if ((geometry & BLK_ATTACH_IRQ_ON_WAIT) && !intid)
		return E_INVAL;
	if (intid && (intid < 32 || intid >= VGIC_NR_IRQS))
		return E_INVAL;
	size = blk_region_size(cap);
	if ((ipa & 0xfff) || ipa < vm->ram_ipa || ipa - vm->ram_ipa >= vm->ram_size ||
	    size > vm->ram_size - (ipa - vm->ram_ipa))
		return E_RANGE;
	pa = vm->ram_pa + (ipa - vm->ram_ipa);
	base = (uint8_t *)(uintptr_t)pa;
	ret = spsc_cons_attach(&t.req, (struct spsc_shared *)base, base + BLK_RING_SLOTS, cap,
			       BLK_REQ_SIZE, 0);
	if (!ret)
		ret = spsc_prod_attach(&t.cpl, (struct spsc_shared *)(base + BLK_RING_CPL),
				       base + BLK_RING_SLOTS + (uint64_t)cap * BLK_REQ_SIZE, cap,
				       BLK_CPL_SIZE, 0);
	if (ret)
		return ret;
	t.share = (struct blk_share){
		.nsid = d->nsid, .lba_shift = ns->lba_shift, .start = d->start, .count = d->count
	};
	t.mem = (struct blk_mem){ .ipa = vm->ram_ipa, .size = vm->ram_size, .pa = vm->ram_pa };
	t.qd_limit = cap < VDISK_MAX_QD ? cap : VDISK_MAX_QD;
	t.vm_id = vm->id;
	d->intid = intid;
	t.notify = intid ? vdisk_notify : NULL;
	t.ctx = d;
	t.sleep_word = (_Atomic uint32_t *)(void *)(base + BLK_RING_SLEEP_WORD);
	if (geometry & BLK_ATTACH_IRQ_ON_WAIT)
		t.wait_word = (const _Atomic uint32_t *)(const void *)(base + BLK_RING_WAIT_WORD);
	ret = engine_attach(d, 0, &t);
	if (ret)
		return ret;
	if (log_nth_ok(++d->attaches))
		pr_info("vm%u: disk rings at IPA 0x%llx (%u slots) are engine %u's disk %u "
			"(cpu%d)\n",
			vm->id, (unsigned long long)ipa, cap, d->q[0].eng, d->q[0].idx,
			ctl.cpu[d->q[0].eng]);
	return 0;
}

static bool vdisk_call(struct vcpu *v)
{
	struct vm *vm = v->vm;
	struct vdisk *d = &disks[vm->id];
	const struct nvme_ns *ns = d->set ? nvme_ctrl_ns(&ctl.nvme, d->nsid) : NULL;
	int64_t ret = 0;

	switch (v->regs.x[1]) {
	case BLK_HVC_INFO:
		if (!ns) {
			ret = E_NOENT;
			break;
		}
		v->regs.x[1] = d->count;
		v->regs.x[2] = 1ULL << ns->lba_shift;
		v->regs.x[3] = blk_engine_max_blocks(&ctl.eng[0], ns->lba_shift) |
			       (uint64_t)VDISK_MAX_QD << 32;
		break;
	case BLK_HVC_ATTACH:
	case BLK_HVC_DETACH: {
		int idle = 0;

		/* Two vCPUs of one VM must not attach at once: one disk would be lost track of. */
		if (!atomic_compare_exchange_strong(&d->busy, &idle, 1)) {
			ret = E_BUSY;
			break;
		}
		if (v->regs.x[1] == BLK_HVC_ATTACH)
			ret = vdisk_attach(vm, v->regs.x[2], v->regs.x[3]);
		else
			vdisk_detach(vm);
		atomic_store(&d->busy, 0);
		break;
	}
	case BLK_HVC_KICK:
		/* Any vCPU; the engine's flag decides whether an SGI goes. */
		if (!d->q[0].attached)
			ret = E_NOENT;
		else
			kick_queue(&d->q[0]);
		break;
	case BLK_HVC_STATUS: {
		const struct blk_disk *e =
			d->q[0].attached ? &ctl.eng[d->q[0].eng].disks[d->q[0].idx] : NULL;
		uint64_t errors = 0;

		v->regs.x[1] = !e ? 0 : atomic_load(&e->down) ? 2 : 1;
		v->regs.x[2] = e ? e->st.completed : 0;
		for (unsigned int s = 1; e && s < BLK_STATUS__COUNT; s++)
			errors += e->st.errors[s];
		v->regs.x[3] = errors;
		break;
	}
	default:
		ret = E_INVAL;
		break;
	}
	v->regs.x[0] = (uint64_t)ret;
	return false;
}
VHYP_CALL(MONADIC_HVC_DISK, vdisk_call);
