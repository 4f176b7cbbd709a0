// SPDX-License-Identifier: BSD-2-Clause-Patent
/* PCIe passthrough: assignment, the guest's ECAM window, INTx forwarding (see vm_pci.h). */
#include "kernel/vmm/vm_pci.h"

#include "kernel/arch/arch.h"
#include "kernel/console.h"
#include "kernel/lib/err.h"
#include "kernel/drivers/gic.h"
#include "kernel/hyp.h"
#include "kernel/init.h"
#include "kernel/smp.h"
#include "kernel/vdev/vgic.h"
#include "kernel/vmm/mmio.h"
#include "kernel/vmm/vdisk.h"
#include "kernel/vmm/vm.h"
#include "kernel/vmm/vm_msi.h"
#include "pci/pci_host.h"
#include "pci/smmu_host.h"
#include "mm/vtcr.h"

uint64_t vm_pci_ecam_ipa(void)
{
	/* The host's own ECAM address: never RAM, never inside a BAR window. */
	return hyp.plat.pcie.ecam.base;
}

const struct vm *vm_pci_owner(uint16_t bdf)
{
	for (unsigned int i = 0; i < VM_MAX; i++) {
		const struct vm *vm = &vms[i];

		if (atomic_load(&vm->state) == VM_FREE)
			continue;
		for (unsigned int k = 0; k < vm->pci.n; k++)
			if (vm->pci.fn[k].pbdf == bdf)
				return vm;
	}
	return NULL;
}

static bool ranges_overlap(uint64_t a, uint64_t as, uint64_t b, uint64_t bs)
{
	return a < b + bs && b < a + as;
}

/*
 * May the VM's RAM sit at IPA = PA? Not where the guest's emulated devices (its ECAM window
 * included, registered before this is asked) or the PCI windows are.
 */
static bool identity_ram_ok(const struct vm *vm)
{
	uint64_t pa = vm->ram_pa, size = vm->ram_size;
	unsigned int n = atomic_load(&vm->mmio.n);

	for (unsigned int i = 0; i < n; i++)
		if (ranges_overlap(pa, size, vm->mmio.region[i].base, vm->mmio.region[i].size))
			return false;
	for (unsigned int i = 0; i < hyp.plat.pcie.n_windows; i++)
		if (ranges_overlap(pa, size, hyp.plat.pcie.windows[i].cpu_addr,
				   hyp.plat.pcie.windows[i].size))
			return false;
	return true;
}

/* One past the last byte of the function's assigned memory BARs (their IPAs are their PAs). */
static uint64_t bars_end(const struct pci_func *f)
{
	uint64_t end = 0;

	for (unsigned int b = 0; b < f->n_bars; b++)
		if ((f->bar[b].flags & PCI_BAR_F_ASSIGNED) && f->bar[b].kind != PCI_BAR_IO &&
		    f->bar[b].cpu_addr + f->bar[b].size > end)
			end = f->bar[b].cpu_addr + f->bar[b].size;
	return end;
}

/* One past the VM's largest IPA (VTCR_EL2.T0SZ). */
static uint64_t ipa_limit(const struct vm *vm)
{
	return 1ULL << (64 - (vm->s2.vtcr & 0x3f));
}

/* The VM's Stage-2 made for at most what the SMMU's stage 2 takes; false when it cannot be. */
static bool s2_vtcr(const struct vm *vm, uint64_t *vtcr)
{
	unsigned int max = smmu_host_s2_ipa_max();

	return max && !vtcr_limit_ipa(vm->s2.vtcr, max, vtcr) && !smmu_host_s2_unfit(*vtcr);
}

/*
 * May the VM's first function DMA through the VM's own Stage-2 (SMMU stage 2)? When the SMMU
 * has stage 2 and can walk tables of an IPA size that still holds the VM's layout (its RAM,
 * emulated devices, the ITS doorbell page and the function's BARs); otherwise the fallback is
 * identity RAM, and the log says why.
 */
static bool s2_shareable(const struct vm *vm, const struct pci_func *f)
{
	uint64_t vtcr, end = vm_ipa_end(vm), limit;

	if (!smmu_host.on)
		return false;
	if (!s2_vtcr(vm, &vtcr)) {
		if (smmu_host.s2p)
			pr_info("vm%u: device DMA through identity RAM: %s\n", vm->id,
				smmu_host_s2_unfit(vm->s2.vtcr));
		return false;
	}
	limit = 1ULL << (64 - (vtcr & 0x3f));
	if (bars_end(f) > end)
		end = bars_end(f);
	if (end > limit) {
		pr_info("vm%u: device DMA through identity RAM: its IPAs reach 0x%llx, past the "
			"SMMU's %u-bit stage-2 input\n",
			vm->id, (unsigned long long)end, 64 - (unsigned int)(vtcr & 0x3f));
		return false;
	}
	return true;
}

/*
 * The ITS's translation page (GITS_TRANSLATER) at VM_PCI_MSI_IPA, so MSI writes of the VM's
 * functions, translated by its Stage-2 at the SMMU, reach the physical ITS. Not in the guest's
 * DTB: like the MSI window Linux's VFIO reserves, it is a hole in the layout the guest is told.
 */
static int map_msi_doorbell(struct vm *vm)
{
	const struct plat_range *its = &hyp.plat.gic.its;

	if (!its->size || its->size < GITS_TRANSLATER_OFF + 4)
		return 0; /* no ITS: the functions' MSIs have nowhere to go anyway */
	return vm_map_device(vm, "msi doorbell", VM_PCI_MSI_IPA,
			     its->base + (GITS_TRANSLATER_OFF & ~0xfffUL), 0x1000);
}

/* The VM's devices DMA through its own Stage-2: the RAM stays where the guest expects it. */
static int share_s2(struct vm *vm, struct err_why *why)
{
	uint64_t vtcr;
	int ret;

	if (!s2_vtcr(vm, &vtcr))
		return err_fail(why, E_NOTSUP, "the SMMU cannot share the VM's Stage-2");
	ret = vm_set_vtcr(vm, vtcr);
	if (ret)
		return err_fail(why, ret, "cannot make the VM's Stage-2 again for %u-bit IPAs",
				64 - (unsigned int)(vtcr & 0x3f));
	ret = map_msi_doorbell(vm);
	if (ret)
		return err_fail(why, ret, "cannot map the ITS doorbell into the VM's Stage-2");
	vm->smmu_s2 = true;
	/* From now on every change to the tables is invalidated at the SMMU too. */
	vm->s2.dev_inval = smmu_host_s2_inval;
	return 0;
}

/* No SMMU stage 2: the VM's RAM moves to IPA = PA, so DMA addresses are right without one. */
static int identity_ram(struct vm *vm, struct err_why *why)
{
	int ret;

	if (vm->ram_ipa == vm->ram_pa)
		return 0;
	if (!identity_ram_ok(vm))
		return err_fail(why, E_RANGE,
				"the VM's RAM cannot be identity-mapped (it overlaps guest "
				"devices)");
	ret = vm_ram_identity(vm);
	if (ret)
		return err_fail(why, ret, "%s",
				ret == E_NOTSUP ? "its ELF kernel is linked for IPAs that would "
						  "move with the RAM to IPA = PA"
						: "cannot move the VM's RAM to IPA = PA");
	return 0;
}

const char *vm_pci_dma_mode(const struct vm *vm)
{
	if (!vm->pci.n)
		return "none";
	if (vm->smmu_s2)
		return "smmu stage 2";
	return smmu_host.on ? "smmu stage 1, identity RAM" : "identity RAM, untranslated";
}

uint64_t vm_pci_msi_addr(const struct vm *vm)
{
	const struct plat_range *its = &hyp.plat.gic.its;

	if (!its->size || its->size < GITS_TRANSLATER_OFF + 4)
		return 0;
	if (vm->smmu_s2)
		return VM_PCI_MSI_IPA + (GITS_TRANSLATER_OFF & 0xfffUL);
	return its->base + GITS_TRANSLATER_OFF;
}

/* Take the function's BARs out of every other VM (VM 0 maps NVMe BAR0 at boot). */
static void unmap_elsewhere(const struct vm *keep, const struct pci_func *f)
{
	for (unsigned int i = 0; i < VM_MAX; i++) {
		struct vm *vm = &vms[i];

		if (vm == keep || atomic_load(&vm->state) == VM_FREE)
			continue;
		for (unsigned int b = 0; b < f->n_bars; b++)
			if (f->bar[b].flags & PCI_BAR_F_ASSIGNED)
				vm_unmap_device(vm, f->bar[b].cpu_addr, f->bar[b].size);
	}
}

static int assign(struct vm *vm, uint16_t bdf, struct err_why *why)
{
	const struct pci_func *f = pci_present ? pci_find(&pci_topo, bdf) : NULL;
	const struct vm *owner = vm_pci_owner(bdf);
	uint64_t trap, trap_size;
	uint32_t pintid = 0;
	uint8_t pin;
	struct vpci_func *g;
	int ret;

	if (!f)
		return err_fail(why, E_NOENT, "no such PCI function (see 'pci')");
	if (vdisk_claimed(bdf))
		return err_fail(why, E_BUSY, "the hypervisor keeps it for the block engine");
	if (owner)
		return err_fail(why, E_BUSY, "%s",
				owner == vm ? "already passed through to this VM"
					    : "already passed through to another VM");
	if (atomic_load(&vm->state) == VM_RUNNING)
		return err_fail(why, E_BUSY, "the VM is running: stop it first");
	/*
	 * The ECAM window is emulated from the first function on (vm_pci_assign() takes it away
	 * again if that one fails). Its emulated regions change only while no vCPU runs.
	 */
	if (!vm->pci.n && !mmio_find(&vm->mmio, vm_pci_ecam_ipa())) {
		ret = mmio_register(&vm->mmio, "pcie-ecam", vm_pci_ecam_ipa(), VPCI_ECAM_SIZE,
				    vm_pci_ecam_mmio, vm, NULL);
		if (ret)
			return err_fail(why, ret,
					"its ECAM window overlaps an emulated device of the VM");
	}
	if (f->hdr_type != PCI_HDR_NORMAL || f->class_code == 0x06)
		return err_fail(why, E_INVAL, "bridges cannot be passed through, only endpoints");
	if (!vm->pci.n && !vm->smmu_s2 && s2_shareable(vm, f))
		ret = share_s2(vm, why);
	else if (!vm->pci.n && !vm->smmu_s2)
		ret = identity_ram(vm, why);
	else if (vm->smmu_s2 && bars_end(f) > ipa_limit(vm))
		ret = err_fail(why, E_RANGE, "its BARs lie past the VM's %u-bit IPA space",
			       64 - (unsigned int)(vm->s2.vtcr & 0x3f));
	else
		ret = 0;
	if (ret)
		return ret;
	pin = pci_cfg_read8(&pci_topo.cfg, bdf, 0x3d);
	if (pin >= 1 && pin <= 4 && pci_intx_intid(&pci_topo, &hyp.plat, bdf, pin, &pintid))
		pintid = 0;
	if (pintid && pintid == hyp.plat.uart.intid)
		return err_fail(why, E_BUSY, "its INTx is shared with the hypervisor's UART");
	for (unsigned int i = 0; pintid && i < VM_MAX; i++)
		if (&vms[i] != vm && atomic_load(&vms[i].state) != VM_FREE &&
		    vpci_by_pintid(&vms[i].pci, pintid))
			return err_fail(why, E_BUSY,
					"its INTx line is shared with a function of another VM");
	ret = vpci_add(&vm->pci, &pci_topo.cfg, f, pintid, VM_PCI_SPI_BASE);
	if (ret)
		return err_fail(why, ret, "%s",
				ret == E_NOMEM	 ? "the VM has no free PCI slot"
				: ret == E_RANGE ? "a BAR's bus and CPU addresses differ"
				: ret == E_IO	 ? "its capability list is malformed or too long"
						 : "a memory BAR has no address (see 'pci')");
	g = &vm->pci.fn[vm->pci.n - 1];
	for (unsigned int i = 0; i + 1 < vm->pci.n; i++) {
		const struct vpci_func *o = &vm->pci.fn[i];

		/* One guest INTID stands for one physical line, and the other way round. */
		if (g->pintid && o->pintid &&
		    (o->pintid == g->pintid) != (o->vintid == g->vintid)) {
			vm->pci.n--;
			return err_fail(
				why, E_BUSY,
				"its INTx would share a line with another function of this VM");
		}
	}
	/* Its MSI-X table's pages are emulated: left out of Stage-2 below. */
	ret = vm_msi_assign(vm, g, &trap, &trap_size);
	if (ret) {
		vm->pci.n--;
		return err_fail(why, ret, "no room for its MSI-X table among the VM's devices");
	}
	for (unsigned int b = 0; b < PCI_MAX_BARS; b++) {
		const struct vpci_bar *vb = &g->bar[b];
		uint64_t end = vb->addr + ((vb->size + 0xfff) & ~0xfffUL);
		char name[24] = "pci ";

		if (vb->kind != PCI_BAR_MEM32 && vb->kind != PCI_BAR_MEM64)
			continue;
		pci_format_bdf(name + 4, sizeof(name) - 4, bdf);
		/* BARs smaller than a page share it with nothing else: QEMU and Linux align to
		 * 4 KiB at least, and the assignment here does too. */
		if (trap_size && trap >= vb->addr && trap < end) {
			ret = trap > vb->addr
				      ? vm_map_device(vm, name, vb->addr, vb->addr, trap - vb->addr)
				      : 0;
			if (!ret && trap + trap_size < end)
				ret = vm_map_device(vm, name, trap + trap_size, trap + trap_size,
						    end - trap - trap_size);
		} else {
			ret = vm_map_device(vm, name, vb->addr, vb->addr, end - vb->addr);
		}
		if (ret) {
			if (trap_size)
				mmio_unregister(&vm->mmio, trap);
			/* Undo this function: the BARs mapped so far, and its slot. */
			for (unsigned int k = 0; k < b; k++)
				if (g->bar[k].kind == PCI_BAR_MEM32 ||
				    g->bar[k].kind == PCI_BAR_MEM64)
					vm_unmap_device(vm, g->bar[k].addr, g->bar[k].size);
			vm->pci.n--;
			return err_fail(why, ret, "cannot map a BAR into the VM's Stage-2");
		}
	}
	unmap_elsewhere(vm, f);
	return 0;
}

/* The ASID of a VM's SMMU context: VM ids from 1, as ASID 0 is left unused. */
static uint16_t vm_smmu_asid(const struct vm *vm)
{
	return (uint16_t)(vm->id + 1);
}

/* The StreamIDs of the VM's functions, through the host bridge's iommu-map; how many. */
static unsigned int vm_smmu_sids(const struct vm *vm, uint32_t sids[VPCI_MAX_FUNCS])
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < vm->pci.n; i++)
		if (smmu_host_sid(vm->pci.fn[i].pbdf, &sids[n]))
			n++;
	return n;
}

/*
 * Give the streams of the VM's functions its own Stage-2 (SMMU stage 2), or else its stage-1
 * context mapping exactly its RAM.
 */
static int vm_smmu_start(struct vm *vm)
{
	uint32_t sids[VPCI_MAX_FUNCS];
	int ret;

	if (!smmu_host.on || !vm->pci.n)
		return 0;
	if (vm->smmu_s2)
		return smmu_host_attach_s2(sids, vm_smmu_sids(vm, sids), vm->s2.vtcr,
					   vm->s2.pt.root_pa, vm->s2.vmid);
	ret = smmu_host_ctx_build(&vm->smmu, vm_smmu_asid(vm), vm->ram_pa, vm->ram_size);
	/* The functions' MSI writes are DMA too: the ITS's doorbell page, at IOVA = PA. */
	if (!ret && vm_msi_doorbell(vm))
		ret = smmu_host_ctx_map_mmio(&vm->smmu, vm_msi_doorbell(vm) & ~0xfffUL, 0x1000);
	if (ret)
		return ret;
	return smmu_host_attach(&vm->smmu, sids, vm_smmu_sids(vm, sids));
}

static void vm_smmu_stop(struct vm *vm)
{
	uint32_t sids[VPCI_MAX_FUNCS];

	if (!smmu_host.on || !vm->pci.n)
		return;
	if (vm->smmu_s2)
		smmu_host_detach_s2(vm->s2.vmid, sids, vm_smmu_sids(vm, sids));
	else
		smmu_host_detach(vm_smmu_asid(vm), sids, vm_smmu_sids(vm, sids));
}

void vm_pci_release(struct vm *vm)
{
	/* Stage 2: the streams abort; s2_destroy() then drops the VMID at the SMMU as well. */
	if (vm->smmu_s2)
		vm_smmu_stop(vm);
	if (!vm->smmu.cd)
		return;
	vm_smmu_stop(vm);
	smmu_host_ctx_free(&vm->smmu);
}

int vm_pci_assign(struct vm *vm, uint16_t bdf, struct err_why *why)
{
	int ret = assign(vm, bdf, why);

	/* No function after all: no ECAM window either (an access there aborts, as before). */
	if (ret && !vm->pci.n && atomic_load(&vm->state) != VM_RUNNING)
		mmio_unregister(&vm->mmio, vm_pci_ecam_ipa());
	return ret;
}

void vm_pci_start(struct vm *vm)
{
	if (!vm->pci.n)
		return;
	spin_lock(&vm->pci_lock);
	vpci_quiesce(&vm->pci, &pci_topo.cfg, false);
	spin_unlock(&vm->pci_lock);
	for (unsigned int i = 0; i < vm->pci.n; i++)
		vm->pci.fn[i].irqs = 0;
	vm_msi_start(vm);
	if (vm_smmu_start(vm))
		pr_warn("vm%u: the SMMU cannot translate for it: its devices' DMA aborts\n",
			vm->id);
}

void vm_pci_route_here(struct vm *vm)
{
	uint64_t mpidr = this_cpu()->mpidr;

	/*
	 * On vCPU 0's CPU once it runs the vCPU (EOImode 1, list registers live): a line that
	 * is still asserted from an earlier run must not reach the idle loop, which would
	 * switch it off.
	 */
	for (unsigned int i = 0; i < vm->pci.n; i++) {
		const struct vpci_func *g = &vm->pci.fn[i];

		if (g->pintid && gic_enable_spi(g->pintid, mpidr, false))
			pr_warn("vm%u: cannot route INTID %u\n", vm->id, g->pintid);
	}
}

void vm_pci_stop(struct vm *vm)
{
	if (!vm->pci.n)
		return;
	for (unsigned int i = 0; i < vm->pci.n; i++)
		if (vm->pci.fn[i].pintid)
			gic_disable_spi(vm->pci.fn[i].pintid);
	spin_lock(&vm->pci_lock);
	vm_msi_stop(vm);
	vpci_quiesce(&vm->pci, &pci_topo.cfg, true);
	spin_unlock(&vm->pci_lock);
	vm_smmu_stop(vm);
}

int vm_pci_ecam_mmio(void *ctx, uint64_t offset, bool write, unsigned int size, uint64_t *val)
{
	struct vm *vm = ctx;

	spin_lock(&vm->pci_lock);
	/*
	 * A stop revokes the functions only after every vCPU has left, so a vCPU here normally
	 * finds them live, stopping or not; should one be here after the revoke anyway, it must
	 * not turn bus mastering back on.
	 */
	if (!vm_devices_live(vm)) {
		if (!write)
			*val = 0xffffffffu;
	} else if (write) {
		vpci_write(&vm->pci, &pci_topo.cfg, offset, size, (uint32_t)*val);
		for (unsigned int i = 0; i < vm->pci.n; i++) /* MSI or MSI-X changed: follow */
			vm_msi_sync(vm, &vm->pci.fn[i]);
	} else {
		*val = vpci_read(&vm->pci, &pci_topo.cfg, offset, size);
	}
	spin_unlock(&vm->pci_lock);
	return 0;
}

bool vm_pci_irq(struct vm *vm, unsigned int intid)
{
	struct vpci_func *g = intid >= 32 ? vpci_by_pintid(&vm->pci, intid) : NULL;

	if (!g)
		return false;
	g->irqs++; /* only the CPU the line is routed to gets here */
	vgic_inject_spi(vm, g->vintid);
	return true;
}

unsigned int vm_pci_hw_intid(const struct vm *vm, unsigned int vintid)
{
	for (unsigned int i = 0; i < vm->pci.n; i++)
		if (vm->pci.fn[i].pintid && vm->pci.fn[i].vintid == vintid)
			return vm->pci.fn[i].pintid;
	return 0;
}

/* Map every NVMe controller's BAR0 into 'vm' (IPA = PA, Device-nGnRE). Returns how many. */
static int vm0_map_nvme(struct vm *vm)
{
	int n = 0;

	for (unsigned int i = 0; i < pci_topo.n_fn; i++) {
		const struct pci_func *f = &pci_topo.fn[i];
		const struct pci_bar *b = &f->bar[0];
		char name[24] = "nvme ";
		int ret;

		if (!pci_is_nvme(f))
			continue;
		if (!(b->flags & PCI_BAR_F_ASSIGNED) || b->kind == PCI_BAR_IO || !b->size) {
			pr_warn("pci: NVMe controller without an assigned memory BAR0; not passed "
				"through\n");
			continue;
		}
		pci_format_bdf(name + 5, sizeof(name) - 5, f->bdf);
		/* BAR0 is at least 16 KiB, so whole 4 KiB pages: the guest sees exactly BAR0. */
		ret = vm_map_device(vm, name, b->cpu_addr, b->cpu_addr, b->size);
		if (ret) {
			pr_warn("pci: cannot map %s BAR0 into vm%u: %s\n", name, vm->id,
				err_str(ret));
			continue;
		}
		n++;
	}
	return n;
}

/*
 * At boot, once memory is set up: VM 0's address space, built at boot so it can be inspected before guests run: RAM identity-mapped (IPA = PA,
 * so DMA addresses stay right without an SMMU), a quarter of free RAM up to 256 MiB, and every
 * NVMe controller's BAR0 once PCIe is enumerated. Then the SMMU is taken over.
 */
static void vm0_build(void)
{
	struct err_why why = { 0 };
	uint64_t size;
	struct vm *vm;
	int ret;

	size = pmem_free_bytes(&phys_mem) / 4;
	if (size > (256UL << 20))
		size = 256UL << 20;
	size &= ~((2UL << 20) - 1);
	ret = size ? vm_create("vm0", size, true, &vm) : E_NOMEM;
	if (ret) {
		pr_warn("vm0: cannot build its address space: %s\n", err_str(ret));
		return;
	}
	ret = pci_host_init(&hyp.plat, &why);
	if (ret && ret != E_NOENT)
		pr_warn("pci: enumeration incomplete: %s (see 'pci')\n", err_why_str(&why, ret));
	if (pci_present) {
		int n = vm0_map_nvme(vm);

		printk("PCIe: %u function%s, %d NVMe BAR0 mapped into vm0\n", pci_topo.n_fn,
		       pci_topo.n_fn == 1 ? "" : "s", n);
		ret = smmu_host_init();
		if (!ret)
			printk("SMMUv3: on, %u StreamIDs abort DMA until a VM owns them\n",
			       1u << smmu_host.sid_log2);
		else if (ret != E_NOENT)
			pr_warn("smmu: not used: %s (%s)\n", smmu_host.why_off, err_str(ret));
	}
}
INIT_STEP(INIT_VMS, vm0_build);
