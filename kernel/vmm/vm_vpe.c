// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * GICv4.0 vPEs for a VM's vCPUs (see vm_vpe.h). The virtual LPI property table a vPE uses is
 * the guest's own (GICR_PROPBASER of its redistributor, which Stage-2 said is the VM's RAM when
 * the guest enabled its LPIs): the redistributor reads the guest's enables and priorities where
 * the guest writes them, and the guest's INV and INVALL become VINVALL.
 */
#include "kernel/vmm/vm_vpe.h"

#include "kernel/arch/spinlock.h"
#include "kernel/console.h"
#include "kernel/drivers/gic.h"
#include "kernel/drivers/gic_its.h"
#include "kernel/lib/err.h"
#include "kernel/smp.h"
#include "kernel/vmm/vcpu.h"
#include "kernel/vmm/vm.h"
#include "mm/mem.h"
#include "mm/palloc.h"

#define VPT_PAGES 16 /* GICR_VPENDBASER's address is 64 KiB aligned ([51:16]) */

static struct spinlock vpe_lock; /* the vPEID bitmap and the page pool */
static uint64_t vpe_used[(GIC_MAX_VPES + 63) / 64];

static int vpeid_alloc(unsigned int *id)
{
	int ret = E_NOMEM;

	spin_lock(&vpe_lock);
	for (unsigned int i = 0; i < gic_its.vpes && i < GIC_MAX_VPES; i++) {
		if (vpe_used[i / 64] & BIT(i % 64))
			continue;
		vpe_used[i / 64] |= BIT(i % 64);
		*id = i;
		ret = 0;
		break;
	}
	spin_unlock(&vpe_lock);
	return ret;
}

unsigned int vm_vpe_in_use(void)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < GIC_MAX_VPES; i++)
		n += (vpe_used[i / 64] & BIT(i % 64)) != 0;
	return n;
}

static void vpeid_free(unsigned int id)
{
	spin_lock(&vpe_lock);
	vpe_used[id / 64] &= ~BIT(id % 64);
	spin_unlock(&vpe_lock);
}

/*
 * A vLPI arrived for a vPE that was not resident: the ITS raised its doorbell at the vCPU's
 * CPU. Taking it has already woken the CPU from the vCPU's WFI, or made the running vCPU exit;
 * a vPE that is not resident while its vCPU runs (its LPIs were off when it started) is made
 * resident now, so the vLPI in its VPT reaches the guest at the ERET.
 */
static void vpe_doorbell(void *ctx, unsigned int intid)
{
	struct vcpu *v = ctx;

	(void)intid;
	v->vpe.doorbells++;
	if (vcpu_current() == v)
		vm_vpe_load(v);
}

/* Undo what vpe_up() did for 'v' (its vPE already unmapped, or never mapped). */
static void vpe_free(struct vcpu *v)
{
	struct vcpu_vpe *p = &v->vpe;

	if (p->doorbell)
		gic_lpi_free(p->doorbell, 1);
	if (p->vpt_pa) {
		spin_lock(&vpe_lock);
		palloc_free(&hyp_pool, p->vpt_pa, VPT_PAGES);
		spin_unlock(&vpe_lock);
	}
	if (p->on || p->vpt_pa || p->doorbell)
		vpeid_free(p->id);
	*p = (struct vcpu_vpe){ .doorbells = p->doorbells }; /* kept for a look after the stop */
}

static int vpe_up(struct vcpu *v)
{
	struct vcpu_vpe *p = &v->vpe;
	uint64_t mpidr = percpu[v->pcpu].mpidr;
	void *vpt;
	int ret;

	*p = (struct vcpu_vpe){ .doorbells = p->doorbells };
	ret = vpeid_alloc(&p->id);
	if (ret)
		return ret;
	spin_lock(&vpe_lock);
	vpt = palloc_pages(&hyp_pool, VPT_PAGES, &p->vpt_pa); /* zeroed: nothing pending */
	spin_unlock(&vpe_lock);
	p->doorbell = gic_lpi_alloc(1, vpe_doorbell, v);
	p->rd = gic_redist_base(mpidr);
	if (!vpt || !p->doorbell || !p->rd) {
		p->vpt_pa = vpt ? p->vpt_pa : 0;
		p->on = true; /* so that vpe_free() gives the vPEID back */
		vpe_free(v);
		return E_NOMEM;
	}
	/* The zeroed VPT reaches memory before the GIC is told where it is. */
	dcache_clean_range((uintptr_t)vpt, VPT_PAGES * 4096UL);
	dsb(ish);
	ret = gic_its_vmapp(p->id, mpidr, p->vpt_pa, VPE_ID_BITS, true);
	if (ret) {
		p->on = true;
		vpe_free(v);
		return ret;
	}
	p->on = true;
	return 0;
}

void vm_vpe_start(struct vm *vm)
{
	vm->vpes_on = false;
	vm->msi_direct = 0;
	vm->msi_direct_maps = 0;
	for (unsigned int c = 0; c < vm->n_vcpus; c++)
		vm->vcpus[c].vpe.doorbells = 0;
	if (vm->msi_emulated || !vm->pci.n || !gic_its_v4_ok())
		return;
	for (unsigned int c = 0; c < vm->n_vcpus; c++) {
		int ret = vpe_up(&vm->vcpus[c]);

		if (ret)
			pr_warn("vm%u vcpu%u: no GICv4 vPE (%s): its MSIs go through EL2\n", vm->id,
				c, err_str(ret));
		else
			vm->vpes_on = true;
	}
}

void vm_vpe_stop(struct vm *vm)
{
	for (unsigned int c = 0; c < vm->n_vcpus; c++) {
		struct vcpu *v = &vm->vcpus[c];
		int ret;

		if (!v->vpe.on)
			continue;
		/*
		 * No vCPU runs (the stop revokes devices only then), so the vPE is resident
		 * nowhere; its events were discarded. After VMAPP V=0 and its SYNC the GIC holds
		 * nothing of it, and the VPT and the doorbell may go to the next VM.
		 */
		ret = gic_its_vmapp(v->vpe.id, percpu[v->pcpu].mpidr, v->vpe.vpt_pa, VPE_ID_BITS,
				    false);
		if (ret)
			pr_warn("vm%u vcpu%u: VMAPP V=0 of vPE %u failed (%s): its VPT is kept\n",
				vm->id, c, v->vpe.id, err_str(ret));
		if (ret)
			v->vpe.vpt_pa =
				0; /* leaked rather than reused while the GIC may write it */
		vpe_free(v);
	}
	vm->vpes_on = false;
}

bool vm_vpe_ready(const struct vcpu *v)
{
	return v->vpe.on && v->vgic_rd.enable_lpis && v->vgic_rd.prop_n;
}

void vm_vpe_load(struct vcpu *v)
{
	struct vcpu_vpe *p = &v->vpe;

	if (p->resident || !vm_vpe_ready(v))
		return;
	gic_vpe_load(p->rd, v->vgic_rd.prop_pa, VPE_ID_BITS, p->vpt_pa, !p->loaded);
	p->resident = true;
	p->loaded = true;
}

bool vm_vpe_put(struct vcpu *v)
{
	if (!v->vpe.resident)
		return false;
	v->vpe.resident = false;
	return gic_vpe_put(v->vpe.rd);
}

void vm_vpe_invall(struct vm *vm)
{
	for (unsigned int c = 0; c < vm->n_vcpus; c++)
		if (vm->vcpus[c].vpe.on)
			(void)gic_its_vinvall(vm->vcpus[c].vpe.id);
}
