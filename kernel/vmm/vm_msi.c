// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * MSI and MSI-X mediation for passed-through functions (see vm_msi.h), and the boot step that
 * takes the physical ITS over.
 *
 * Event n of a function (MSI-X vector n, or MSI vector n of 2^MME) is EventID n of its real
 * DeviceID at the physical ITS, mapped to the hypervisor's LPI lpi + n in the collection of the
 * CPU that runs the vCPU the guest's ITS routes the vector's message to (vCPU 0 until it routes
 * it anywhere; vm_msi_follow() moves it after each change). With GICv4 (vm_vpe.c) the event
 * is instead the guest's vLPI on its vCPU's vPE (event_follow()). The function's table holds the
 * doorbell and n, masked exactly when the guest's entry (or function mask) says so, and is
 * enabled when the guest's is; the events exist while the guest has MSI or MSI-X enabled.
 */
#include "kernel/vmm/vm_msi.h"
#include "kernel/vmm/vm_pci.h"

#include "kernel/arch/arch.h"
#include "kernel/console.h"
#include "kernel/drivers/gic_its.h"
#include "kernel/hyp.h"
#include "kernel/init.h"
#include "kernel/lib/err.h"
#include "kernel/smp.h"
#include "kernel/vdev/vits.h"
#include "kernel/vdev/vpci.h"
#include "kernel/vmm/mmio.h"
#include "kernel/vmm/vm.h"
#include "kernel/vmm/vm_vpe.h"
#include "mm/mem.h"
#include "pci/pci_host.h"

/* MSI Message Control and MSI-X Message Control bits (PCI Local Bus 3.0, 6.8.1.3, 6.8.2.3). */
#define MSI_CTRL_ENABLE	   0x0001u
#define MSI_CTRL_MME_SHIFT 4
#define MSI_CTRL_ADDR64	   0x0080u
#define MSI_CTRL_PVM	   0x0100u
#define MSIX_CTRL_ENABLE   0x8000u
#define MSIX_CTRL_MASK	   0x4000u
#define MSIX_ENTRY_BYTES   16
#define MSIX_VEC_MASKED	   1u

#define EV_NOT_DIRECT 0xffu /* vpci_msi.dvcpu[]: the event is a hypervisor LPI */

/* Where the guest's messages must go to be messages: its own ITS's GITS_TRANSLATER (IPA). */
#define GUEST_DOORBELL (GUEST_GITS_IPA + VITS_TRANSLATER)

uint64_t vm_msi_doorbell(const struct vm *vm)
{
	/*
	 * The address the function's DMA must name: under SMMU stage 2 an IPA the VM's Stage-2
	 * maps to the ITS's translation page; with identity RAM the physical GITS_TRANSLATER
	 * (docs/pcie-passthrough.md). One choice, in vm_pci.c.
	 */
	return vm_pci_msi_addr(vm);
}

/* The guest's RID for it, and so its DeviceID at the guest's ITS (msi-map is 1:1 there). */
static uint32_t guest_devid(const struct vpci_func *g)
{
	return (uint32_t)g->slot << 3;
}

static uint64_t bar_pa(const struct vpci_func *g, unsigned int bir)
{
	return bir < PCI_MAX_BARS ? g->bar[bir].addr : 0;
}

/* The function's MSI-X table in the hypervisor's view of its BAR (Device-nGnRE at EL2). */
static uintptr_t table_va(const struct vpci_func *g)
{
	return (uintptr_t)(bar_pa(g, g->msi.table_bir) + g->msi.table_off);
}

/* Which pCPU took a message delivered to 'to', and whether it was that vCPU's. */
static void msi_taken_at(struct vpci_func *g, const struct vcpu *to)
{
	unsigned int cpu = this_cpu()->id;

	g->msi.last_cpu = (uint16_t)cpu;
	if (to->pcpu != cpu)
		g->msi.remote++;
}

/* The message the guest programmed for event 'ev' (< m->n_lpi): its address and data. */
static void guest_message(const struct vpci_msi *m, unsigned int ev, uint64_t *addr, uint32_t *data)
{
	if (m->x_ctrl & MSIX_CTRL_ENABLE) {
		const struct vpci_msix_entry *e = &m->table[ev < VPCI_MSIX_MAX ? ev : 0];

		*addr = (uint64_t)e->dw[VPCI_MSIX_ADDR_HI] << 32 | e->dw[VPCI_MSIX_ADDR_LO];
		*data = e->dw[VPCI_MSIX_DATA];
	} else {
		/* Multiple Message: the function puts the vector in the data's low bits. */
		*addr = (uint64_t)m->addr_hi << 32 | m->addr_lo;
		*data = (m->data & ~(m->n_lpi - 1u)) | ev;
	}
}

/*
 * A hypervisor LPI of a function arrived: deliver the message the guest programmed for the
 * vector, as a write of its data to its ITS under the function's guest DeviceID. A vector the
 * guest aimed elsewhere cannot be delivered: dropped, as a write to nothing would be.
 */
static void msi_lpi(void *ctx, unsigned int intid)
{
	struct vpci_func *g = ctx;
	struct vpci_msi *m = &g->msi;
	struct vm *vm = m->owner;
	unsigned int ev = intid - m->lpi;
	uint64_t addr;
	uint32_t data;
	bool ok = false;

	if (!vm || ev >= m->n_lpi)
		return;
	guest_message(m, ev, &addr, &data);
	if (addr == GUEST_DOORBELL) {
		const struct vcpu *to;

		spin_lock(&vm->vgic_lock);
		to = vits_deliver(vm, guest_devid(g), data);
		spin_unlock(&vm->vgic_lock);
		if (to)
			msi_taken_at(g, to);
		ok = to != NULL;
	} else if (log_nth_ok(m->dropped + 1)) {
		pr_warn("vm%u: MSI vector %u of guest device %u aimed at 0x%llx, not its ITS: "
			"dropped\n",
			vm->id, ev, g->slot, (unsigned long long)addr);
	}
	if (ok)
		m->msgs++;
	else
		m->dropped++;
}

/*
 * Where event 'ev' of 'g' may go without EL2 (GICv4): the vCPU and vLPI the guest's message
 * for it and its ITS's tables name, when that vCPU's vPE can take it. Under pci_lock.
 */
static bool direct_target(struct vm *vm, struct vpci_func *g, unsigned int ev, unsigned int *vcpu,
			  unsigned int *vintid)
{
	struct vcpu *v = NULL;
	unsigned int intid = 0;
	uint64_t addr;
	uint32_t data;
	bool ok;

	if (!vm->vpes_on)
		return false;
	guest_message(&g->msi, ev, &addr, &data);
	if (addr != GUEST_DOORBELL)
		return false;
	spin_lock(&vm->vgic_lock);
	ok = vits_lookup(vm, guest_devid(g), data, &intid, &v) && vm_vpe_ready(v);
	spin_unlock(&vm->vgic_lock);
	if (!ok)
		return false;
	*vcpu = v->id;
	*vintid = intid;
	return true;
}

/*
 * Event 'ev' of 'g' at the physical ITS as direct_target() says: VMAPTI to the vLPI on the
 * vCPU's vPE, VMOVI when only the vCPU changed, or back to the hypervisor's LPI (the emulated
 * path) when the guest's tables no longer map it or a GICv4 command fails. Under pci_lock.
 */
static void event_follow(struct vm *vm, struct vpci_func *g, unsigned int ev)
{
	struct vpci_msi *m = &g->msi;
	unsigned int cur = m->dvcpu[ev], vc = EV_NOT_DIRECT, vintid = 0;
	int ret;

	if (!direct_target(vm, g, ev, &vc, &vintid))
		vc = EV_NOT_DIRECT;
	if (vc == cur && (vc == EV_NOT_DIRECT || vintid == m->dvintid[ev]))
		return;
	if (cur != EV_NOT_DIRECT && vc != EV_NOT_DIRECT && vintid == m->dvintid[ev]) {
		/* The same vLPI, another vCPU (the guest's MOVI): its pending state moves too. */
		ret = gic_its_vmovi(m->devid, ev, vm->vcpus[vc].vpe.id, vm->vcpus[vc].vpe.doorbell);
		if (!ret) {
			m->dvcpu[ev] = (uint8_t)vc;
			vm->msi_direct_maps++;
			return;
		}
	}
	/* Anything else: the old mapping goes, with what it had pending, and the new comes. */
	if (cur != EV_NOT_DIRECT) {
		(void)gic_its_vdiscard(m->devid, ev, vm->vcpus[cur].vpe.id);
		vm->msi_direct--;
	} else {
		(void)gic_its_discard_event(m->devid, ev);
	}
	m->dvcpu[ev] = EV_NOT_DIRECT;
	if (vc != EV_NOT_DIRECT) {
		const struct vcpu_vpe *p = &vm->vcpus[vc].vpe;

		ret = gic_its_vmapti(m->devid, ev, p->id, vintid, p->doorbell);
		if (!ret) {
			m->dvcpu[ev] = (uint8_t)vc;
			m->dvintid[ev] = vintid;
			vm->msi_direct++;
			vm->msi_direct_maps++;
			return;
		}
		if (log_nth_ok(m->dropped + 1))
			pr_warn("vm%u: guest device %u event %u: VMAPTI failed (%s): through EL2\n",
				vm->id, g->slot, ev, err_str(ret));
		(void)gic_its_vdiscard(m->devid, ev, p->id);
	}
	/* On vCPU 0's CPU, as events_up() maps it; follow_events() then moves it. */
	ret = gic_its_map_event(m->devid, ev, m->lpi + ev, percpu[vm->vcpus[0].pcpu].mpidr);
	if (!ret && ev < VPCI_MSIX_MAX)
		m->phys_cpu[ev] = (uint16_t)vm->vcpus[0].pcpu;
	if (ret && log_nth_ok(++m->dropped))
		pr_warn("vm%u: guest device %u event %u: no physical ITS mapping (%s)\n", vm->id,
			g->slot, ev, err_str(ret));
}

/* Every event of every function of 'vm' follows the guest's tables. Under pci_lock. */
static void events_follow(struct vm *vm)
{
	for (unsigned int i = 0; i < vm->pci.n; i++) {
		struct vpci_func *g = &vm->pci.fn[i];

		for (unsigned int e = 0; g->msi.owner && e < g->msi.n_lpi; e++)
			event_follow(vm, g, e);
	}
}

void vm_msi_its_changed(struct vm *vm, bool inv)
{
	if (!vm->vpes_on)
		return; /* no GICv4 for it: every event stays a hypervisor LPI */
	spin_lock(&vm->pci_lock);
	if (vm_devices_live(vm)) {
		events_follow(vm);
		if (inv)
			vm_vpe_invall(vm);
	}
	spin_unlock(&vm->pci_lock);
}

/* The events of 'g' at the physical ITS go, and their LPIs with them. */
static void events_down(struct vpci_func *g)
{
	struct vpci_msi *m = &g->msi;
	struct vm *vm = m->owner;

	if (!m->n_lpi)
		return;
	for (unsigned int e = 0; e < m->n_lpi; e++) {
		if (m->dvcpu[e] != EV_NOT_DIRECT && vm) {
			(void)gic_its_vdiscard(m->devid, e, vm->vcpus[m->dvcpu[e]].vpe.id);
			vm->msi_direct--;
		} else {
			(void)gic_its_discard_event(m->devid, e);
		}
		m->dvcpu[e] = EV_NOT_DIRECT;
	}
	(void)gic_its_unmap_device(m->devid);
	gic_lpi_free(m->lpi, m->n_lpi);
	m->lpi = m->n_lpi = 0;
}

/* 'n' events for 'g', each an LPI on the CPU of the VM's vCPU 0. 0 or an error. */
static int events_up(struct vm *vm, struct vpci_func *g, unsigned int n)
{
	struct vpci_msi *m = &g->msi;
	uint64_t mpidr = percpu[vm->vcpus[0].pcpu].mpidr;
	unsigned int bits = 0;
	int ret;

	while ((1u << bits) < n)
		bits++;
	ret = gic_its_map_device(m->devid, bits);
	if (ret)
		return ret;
	m->lpi = gic_lpi_alloc(n, msi_lpi, g);
	if (!m->lpi) {
		(void)gic_its_unmap_device(m->devid);
		return E_NOMEM;
	}
	m->n_lpi = n;
	for (unsigned int e = 0; e < n; e++)
		m->dvcpu[e] = EV_NOT_DIRECT;
	for (unsigned int e = 0; e < n; e++) {
		ret = gic_its_map_event(m->devid, e, m->lpi + e, mpidr);
		if (ret) {
			events_down(g);
			return ret;
		}
		if (e < VPCI_MSIX_MAX)
			m->phys_cpu[e] = (uint16_t)vm->vcpus[0].pcpu;
	}
	return 0;
}

/* Program MSI-X entry 'e' of the function: the doorbell, event e, the guest's mask. */
static void msix_entry(const struct vpci_func *g, unsigned int e, uint64_t doorbell, bool full)
{
	uintptr_t va = table_va(g) + (uintptr_t)e * MSIX_ENTRY_BYTES;
	const struct vpci_msi *m = &g->msi;
	bool masked = (m->table[e].dw[VPCI_MSIX_CTRL] & MSIX_VEC_MASKED) || e >= m->n_lpi;

	if (full) { /* masked while address and data change (6.8.2.9) */
		mmio_write32(va + 12, MSIX_VEC_MASKED);
		mmio_write32(va + 0, (uint32_t)doorbell);
		mmio_write32(va + 4, (uint32_t)(doorbell >> 32));
		mmio_write32(va + 8, e);
	}
	mmio_write32(va + 12, masked ? MSIX_VEC_MASKED : 0);
}

static void phys_msix(struct vm *vm, struct vpci_func *g, bool on, bool full)
{
	const struct pci_cfg_ops *c = &pci_topo.cfg;
	struct vpci_msi *m = &g->msi;
	uint16_t reg = (uint16_t)(m->cap_x + 2);
	uint16_t ctl = pci_cfg_read16(c, g->pbdf, reg);
	uint64_t doorbell = vm_msi_doorbell(vm);
	bool decodes = pci_cfg_read16(c, g->pbdf, PCI_COMMAND) & PCI_COMMAND_MEMORY;

	if (!on) {
		pci_cfg_write16(c, g->pbdf, reg,
				(uint16_t)((ctl & ~MSIX_CTRL_ENABLE) | MSIX_CTRL_MASK));
		return;
	}
	/* The table is in memory space: written only while the function decodes it. */
	if (decodes) {
		/* Function Mask while the entries change, so none fires half-written. */
		pci_cfg_write16(c, g->pbdf, reg,
				(uint16_t)(ctl | MSIX_CTRL_ENABLE | MSIX_CTRL_MASK));
		if (full || m->entry_changed < 0)
			for (unsigned int e = 0; e < m->x_n; e++)
				msix_entry(g, e, doorbell, full);
		else
			msix_entry(g, (unsigned int)m->entry_changed, doorbell, false);
	}
	pci_cfg_write16(c, g->pbdf, reg,
			(uint16_t)((ctl & ~MSIX_CTRL_MASK) | MSIX_CTRL_ENABLE |
				   (m->x_ctrl & MSIX_CTRL_MASK)));
}

static void phys_msi(struct vm *vm, struct vpci_func *g, bool on)
{
	const struct pci_cfg_ops *c = &pci_topo.cfg;
	struct vpci_msi *m = &g->msi;
	uint16_t reg = (uint16_t)(m->cap + 2);
	uint16_t ctl = pci_cfg_read16(c, g->pbdf, reg) & (uint16_t) ~(MSI_CTRL_ENABLE | 0x70u);
	bool a64 = ctl & MSI_CTRL_ADDR64;
	uint64_t doorbell = vm_msi_doorbell(vm);
	unsigned int mme = 0;

	if (!on) {
		pci_cfg_write16(c, g->pbdf, reg, ctl);
		return;
	}
	while ((1u << mme) < m->n_lpi)
		mme++;
	pci_cfg_write32(c, g->pbdf, (uint16_t)(m->cap + 4), (uint32_t)doorbell);
	if (a64)
		pci_cfg_write32(c, g->pbdf, (uint16_t)(m->cap + 8), (uint32_t)(doorbell >> 32));
	pci_cfg_write16(c, g->pbdf, (uint16_t)(m->cap + (a64 ? 0x0c : 0x08)), 0); /* event 0 */
	if (ctl & MSI_CTRL_PVM)
		pci_cfg_write32(c, g->pbdf, (uint16_t)(m->cap + (a64 ? 0x10 : 0x0c)), m->mask);
	pci_cfg_write16(c, g->pbdf, reg,
			(uint16_t)(ctl | MSI_CTRL_ENABLE | mme << MSI_CTRL_MME_SHIFT));
}

/*
 * Each event of 'g' to the pCPU of the vCPU its message is routed to now (under pci_lock). An
 * event whose message goes nowhere stays where it is: it is dropped when it comes anyway.
 */
static void follow_events(struct vm *vm, struct vpci_func *g)
{
	struct vpci_msi *m = &g->msi;

	for (unsigned int e = 0; e < m->n_lpi && e < VPCI_MSIX_MAX; e++) {
		struct vcpu *to = NULL;
		unsigned int intid;
		uint64_t addr;
		uint32_t data;
		bool routed;
		int ret;

		if (m->dvcpu[e] != EV_NOT_DIRECT)
			continue; /* a vLPI on its vCPU's vPE: VMOVI follows it (event_follow) */
		guest_message(m, e, &addr, &data);
		if (addr != GUEST_DOORBELL)
			continue;
		spin_lock(&vm->vgic_lock);
		routed = vits_lookup(vm, guest_devid(g), data, &intid, &to);
		spin_unlock(&vm->vgic_lock);
		if (!routed || to->pcpu == m->phys_cpu[e])
			continue;
		ret = gic_its_move_event(m->devid, e, percpu[to->pcpu].mpidr);
		if (!ret)
			m->phys_cpu[e] = (uint16_t)to->pcpu;
		else if (log_nth_ok(gic_its.errors))
			pr_warn("vm%u: guest device %u: its event %u stays on CPU %u (%s)\n",
				vm->id, g->slot, e, m->phys_cpu[e], err_str(ret));
	}
}

void vm_msi_follow(struct vm *vm)
{
	spin_lock(&vm->pci_lock);
	for (unsigned int i = 0; i < vm->pci.n; i++)
		if (vm->pci.fn[i].msi.owner == vm && vm->pci.fn[i].msi.n_lpi)
			follow_events(vm, &vm->pci.fn[i]);
	spin_unlock(&vm->pci_lock);
}

void vm_msi_sync(struct vm *vm, struct vpci_func *g)
{
	struct vpci_msi *m = &g->msi;
	bool want_x = m->cap_x && (m->x_ctrl & MSIX_CTRL_ENABLE);
	bool want_msi = !want_x && m->cap && (m->ctrl & MSI_CTRL_ENABLE);
	unsigned int n = want_x	    ? m->x_n
			 : want_msi ? 1u << ((m->ctrl >> MSI_CTRL_MME_SHIFT) & 7u)
				    : 0;
	bool full = false;

	if (!m->changed && m->entry_changed == -1)
		return;
	if (!m->owner)
		return; /* hidden: no ITS */
	if (n != m->n_lpi) {
		/* Off first: no message may use an event while it is remapped. */
		if (m->cap_x)
			phys_msix(vm, g, false, false);
		if (m->cap)
			phys_msi(vm, g, false);
		events_down(g);
		if (n) {
			int ret = events_up(vm, g, n);

			if (ret && log_nth_ok(m->dropped + 1))
				pr_warn("vm%u: guest device %u: no physical ITS events for its MSI "
					"(%s): its vectors stay masked\n",
					vm->id, g->slot, err_str(ret));
			if (ret) {
				m->dropped++;
				want_x = want_msi = false;
			}
		}
		full = true;
	}
	if (m->cap_x)
		phys_msix(vm, g, want_x, full || m->changed);
	/* MSI off at the function while MSI-X is on, should the guest have enabled both. */
	if (m->cap && (!want_x || m->changed))
		phys_msi(vm, g, want_msi);
	m->changed = false;
	m->entry_changed = -1;
	/* A message the guest re-aimed: its event follows (GICv4), or its LPI's CPU does. */
	for (unsigned int e = 0; vm->vpes_on && e < m->n_lpi; e++)
		event_follow(vm, g, e);
	follow_events(vm, g);
}

/*
 * The guest's accesses to the pages of the BAR holding the MSI-X table: the table is the
 * guest's virtual one; the PBA (and anything else sharing those pages) is the function's, read
 * through, with writes to the PBA ignored (it is read-only, 6.8.2.10).
 */
static int msix_mmio(void *ctx, uint64_t offset, bool write, unsigned int size, uint64_t *val)
{
	struct vpci_func *g = ctx;
	struct vpci_msi *m = &g->msi;
	struct vm *vm = m->owner;
	uint64_t table = table_va(g), pa = (table & ~0xfffUL) + offset;
	uint64_t pba = bar_pa(g, m->pba_bir) + m->pba_off;
	bool ok;

	if (pa >= table && pa < table + (uint64_t)m->x_n * MSIX_ENTRY_BYTES) {
		spin_lock(&vm->pci_lock);
		ok = vpci_msix_access(g, pa - table, write, size, val);
		if (ok && write && vm_devices_live(vm))
			vm_msi_sync(vm, g);
		spin_unlock(&vm->pci_lock);
		return ok ? 0 : E_INVAL;
	}
	if (size != 1 && size != 4 && size != 8)
		return E_INVAL;
	if (write) {
		if (pa >= pba && pa < pba + (VPCI_MSIX_MAX + 63) / 64 * 8)
			return 0;
		if (size == 1)
			mmio_write8((uintptr_t)pa, (uint8_t)*val);
		else if (size == 4)
			mmio_write32((uintptr_t)pa, (uint32_t)*val);
		else
			mmio_write64((uintptr_t)pa, *val);
		return 0;
	}
	*val = size == 1   ? mmio_read8((uintptr_t)pa)
	       : size == 4 ? mmio_read32((uintptr_t)pa)
			   : mmio_read64((uintptr_t)pa);
	return 0;
}

int vm_msi_assign(struct vm *vm, struct vpci_func *g, uint64_t *trap, uint64_t *trap_size)
{
	struct vpci_msi *m = &g->msi;
	uint64_t start, end;
	int ret;

	*trap = *trap_size = 0;
	if (!gic_its.on) {
		vpci_msi_hide(g);
		return 0;
	}
	/* Its DeviceID at the physical ITS: the RID through msi-map or the IORT's ID mappings. */
	if (!plat_pci_devid(&hyp.plat, g->pbdf, &m->devid)) {
		pr_warn("vm%u: guest device %u: its RID 0x%x maps to no ITS DeviceID (msi-map, "
			"IORT): MSI and MSI-X hidden, INTx only\n",
			vm->id, g->slot, g->pbdf);
		vpci_msi_hide(g);
		return 0;
	}
	m->owner = vm;
	m->lpi = m->n_lpi = 0;
	m->msgs = m->dropped = 0;
	for (unsigned int e = 0; e < VPCI_MSIX_MAX; e++)
		m->dvcpu[e] = EV_NOT_DIRECT;
	if (!m->cap_x)
		return 0;
	start = table_va(g) & ~0xfffUL;
	end = (table_va(g) + (uint64_t)m->x_n * MSIX_ENTRY_BYTES + 0xfff) & ~0xfffUL;
	if (m->table_bir >= PCI_MAX_BARS || !g->bar[m->table_bir].addr ||
	    m->table_off + (uint64_t)m->x_n * MSIX_ENTRY_BYTES > g->bar[m->table_bir].size) {
		vpci_msi_hide(g); /* a table outside its BAR: MSI-X unusable, INTx and MSI remain */
		return 0;
	}
	ret = mmio_register(&vm->mmio, "msix", start, end - start, msix_mmio, g, NULL);
	if (ret)
		return ret;
	*trap = start;
	*trap_size = end - start;
	return 0;
}

void vm_msi_start(struct vm *vm)
{
	for (unsigned int i = 0; i < vm->pci.n; i++) {
		vpci_msi_reset(&vm->pci.fn[i]);
		vm->pci.fn[i].msi.msgs = vm->pci.fn[i].msi.dropped = 0;
		vm->pci.fn[i].msi.remote = 0;
	}
	vm_vpe_start(vm); /* its vCPUs are placed: each vPE goes to its CPU's redistributor */
}

void vm_msi_stop(struct vm *vm)
{
	for (unsigned int i = 0; i < vm->pci.n; i++) {
		struct vpci_func *g = &vm->pci.fn[i];

		if (!g->msi.owner)
			continue;
		if (g->msi.cap_x)
			phys_msix(vm, g, false, false);
		if (g->msi.cap)
			phys_msi(vm, g, false);
		events_down(g);
		vpci_msi_reset(g);
	}
	/* Nothing maps to its vPEs any more: they go, and their tables with them. */
	vm_vpe_stop(vm);
}

/* Before the GIC is brought up on any CPU: the ITS's tables from the page pool. */
static void its_boot(void)
{
	int ret = gic_its_probe(hyp.plat.gic.dist.base, hyp.plat.gic.its.base, hyp.plat.n_cpus,
				palloc_pt_alloc, &hyp_pool);

	if (!ret)
		printk("ITS at 0x%llx: %u-bit DeviceIDs, %u-bit EventIDs, %u LPIs%s\n",
		       (unsigned long long)gic_its.base, gic_its.devid_bits, gic_its.event_bits,
		       gic_its.nr_lpis, gic_its.v4 ? ", GICv4" : "");
	else if (ret != E_NOENT)
		pr_warn("ITS at 0x%llx not used (%s): passed-through functions use INTx only\n",
			(unsigned long long)hyp.plat.gic.its.base, err_str(ret));
}
INIT_STEP(INIT_VMS, its_boot);
