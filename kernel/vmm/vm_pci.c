// SPDX-License-Identifier: BSD-2-Clause-Patent
/* PCIe passthrough: assignment, the guest's ECAM window, INTx forwarding (see vm_pci.h). */
#include "kernel/vmm/vm_pci.h"

#include "kernel/arch/arch.h"
#include "kernel/console.h"
#include "kernel/lib/err.h"
#include "kernel/drivers/gic.h"
#include "kernel/hyp.h"
#include "kernel/smp.h"
#include "kernel/vdev/vgic.h"
#include "kernel/vmm/mmio.h"
#include "kernel/vmm/vm.h"
#include "pci/pci_host.h"
#include "pci/smmu_host.h"

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

static int assign(struct vm *vm, uint16_t bdf, const char **why)
{
	const struct pci_func *f = pci_present ? pci_find(&pci_topo, bdf) : NULL;
	const struct vm *owner = vm_pci_owner(bdf);
	uint32_t pintid = 0;
	uint8_t pin;
	struct vpci_func *g;
	int ret;

	*why = "";
	if (!f) {
		*why = "no such PCI function (see 'pci')";
		return E_NOENT;
	}
	if (owner) {
		*why = owner == vm ? "already passed through to this VM"
				   : "already passed through to another VM";
		return E_BUSY;
	}
	if (atomic_load(&vm->state) == VM_RUNNING) {
		*why = "the VM is running: stop it first";
		return E_BUSY;
	}
	/*
	 * The ECAM window is emulated from the first function on (vm_pci_assign() takes it away
	 * again if that one fails). Its emulated regions change only while no vCPU runs.
	 */
	if (!vm->pci.n && !mmio_find(&vm->mmio, vm_pci_ecam_ipa())) {
		ret = mmio_register(&vm->mmio, "pcie-ecam", vm_pci_ecam_ipa(), VPCI_ECAM_SIZE,
				    vm_pci_ecam_mmio, vm, NULL);
		if (ret) {
			*why = "its ECAM window overlaps an emulated device of the VM";
			return ret;
		}
	}
	if (f->hdr_type != PCI_HDR_NORMAL || f->class_code == 0x06) {
		*why = "bridges cannot be passed through, only endpoints";
		return E_INVAL;
	}
	if (!vm->pci.n && vm->ram_ipa != vm->ram_pa) {
		if (!identity_ram_ok(vm)) {
			*why = "the VM's RAM cannot be identity-mapped (it overlaps guest devices)";
			return E_RANGE;
		}
		ret = vm_ram_identity(vm);
		if (ret) {
			*why = "cannot move the VM's RAM to IPA = PA";
			return ret;
		}
	}
	pin = pci_cfg_read8(&pci_topo.cfg, bdf, 0x3d);
	if (pin >= 1 && pin <= 4 && pci_intx_intid(&pci_topo, &hyp.plat, bdf, pin, &pintid))
		pintid = 0;
	if (pintid && pintid == hyp.plat.uart.intid) {
		*why = "its INTx is shared with the hypervisor's UART";
		return E_BUSY;
	}
	for (unsigned int i = 0; pintid && i < VM_MAX; i++)
		if (&vms[i] != vm && atomic_load(&vms[i].state) != VM_FREE &&
		    vpci_by_pintid(&vms[i].pci, pintid)) {
			*why = "its INTx line is shared with a function of another VM";
			return E_BUSY;
		}
	ret = vpci_add(&vm->pci, &pci_topo.cfg, f, pintid, VM_PCI_SPI_BASE);
	if (ret) {
		*why = ret == E_NOMEM	? "the VM has no free PCI slot"
		       : ret == E_RANGE ? "a BAR's bus and CPU addresses differ"
		       : ret == E_IO	? "its capability list is malformed or too long"
					: "a memory BAR has no address (see 'pci')";
		return ret;
	}
	g = &vm->pci.fn[vm->pci.n - 1];
	for (unsigned int i = 0; i + 1 < vm->pci.n; i++) {
		const struct vpci_func *o = &vm->pci.fn[i];

		/* One guest INTID stands for one physical line, and the other way round. */
		if (g->pintid && o->pintid &&
		    (o->pintid == g->pintid) != (o->vintid == g->vintid)) {
			vm->pci.n--;
			*why = "its INTx would share a line with another function of this VM";
			return E_BUSY;
		}
	}
	for (unsigned int b = 0; b < PCI_MAX_BARS; b++) {
		const struct vpci_bar *vb = &g->bar[b];
		char name[24] = "pci ";

		if (vb->kind != PCI_BAR_MEM32 && vb->kind != PCI_BAR_MEM64)
			continue;
		pci_format_bdf(name + 4, sizeof(name) - 4, bdf);
		/* BARs smaller than a page share it with nothing else: QEMU and Linux align to
		 * 4 KiB at least, and the assignment here does too. */
		ret = vm_map_device(vm, name, vb->addr, vb->addr, (vb->size + 0xfff) & ~0xfffUL);
		if (ret) {
			/* Undo this function: the BARs mapped so far, and its slot. */
			for (unsigned int k = 0; k < b; k++)
				if (g->bar[k].kind == PCI_BAR_MEM32 ||
				    g->bar[k].kind == PCI_BAR_MEM64)
					vm_unmap_device(vm, g->bar[k].addr, g->bar[k].size);
			vm->pci.n--;
			*why = "cannot map a BAR into the VM's Stage-2";
			return ret;
		}
	}
	unmap_elsewhere(vm, f);
	return 0;
}

int vm_pci_assign(struct vm *vm, uint16_t bdf, const char **why)
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
	if (smmu_host_vm_start(vm))
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
	vpci_quiesce(&vm->pci, &pci_topo.cfg, true);
	spin_unlock(&vm->pci_lock);
	smmu_host_vm_stop(vm);
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
