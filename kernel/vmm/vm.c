// SPDX-License-Identifier: BSD-2-Clause-Patent
/* VM objects and the physical memory they are carved from. */
#include "kernel/vmm/vm.h"
#include "kernel/vmm/vm_pci.h"
#include "pci/smmu_host.h"

#include "kernel/console.h"
#include "kernel/lib/err.h"
#include "kernel/lib/fmt.h"
#include "kernel/drivers/gic.h"
#include "kernel/hyp.h"
#include "kernel/smp.h"
#include "kernel/vmm/vring.h"

#define RAM_ALIGN (2UL << 20) /* 2 MiB: Stage-2 can use block mappings */

struct vm vms[VM_MAX];

static void copy_name(char *dst, const char *src, unsigned int len)
{
	unsigned int i = 0;

	for (; src && src[i] && i < len - 1; i++)
		dst[i] = src[i];
	dst[i] = '\0';
}

const char *vm_state_name(enum vm_state s)
{
	switch (s) {
	case VM_CREATED:
		return "created";
	case VM_RUNNING:
		return "running";
	case VM_STOPPED:
		return "stopped";
	default:
		return "free";
	}
}

struct vm *vm_get(unsigned int id)
{
	if (id >= VM_MAX || vms[id].state == VM_FREE)
		return NULL;
	return &vms[id];
}

static int add_region(struct vm *vm, const char *name, uint64_t ipa, uint64_t pa, uint64_t size,
		      enum s2_type type, unsigned int perms)
{
	struct vm_region *r;
	int ret;

	if (vm->n_regions >= VM_MAX_REGIONS)
		return E_NOMEM;
	ret = s2_map(&vm->s2, ipa, pa, size, type, perms);
	if (ret)
		return ret;
	r = &vm->regions[vm->n_regions++];
	copy_name(r->name, name, sizeof(r->name));
	r->ipa = ipa;
	r->pa = pa;
	r->size = size;
	r->type = type;
	r->perms = perms;
	return 0;
}

int vm_create(const char *name, uint64_t ram_size, bool identity, struct vm **out)
{
	struct vm *vm = NULL;
	char owner[PMEM_OWNER_LEN];
	int ret;

	if (!ram_size || (ram_size & (RAM_ALIGN - 1)))
		return E_INVAL;
	for (unsigned int i = 0; i < VM_MAX && !vm; i++)
		if (vms[i].state == VM_FREE)
			vm = &vms[i];
	if (!vm)
		return E_NOMEM;
	*vm = (struct vm){ .id = (unsigned int)(vm - vms) };
	atomic_store(&vm->state, VM_CREATED);
	copy_name(vm->name, name, sizeof(vm->name));
	fmt_snprintf(owner, sizeof(owner), "vm%u RAM", vm->id);
	ret = pmem_alloc(&phys_mem, ram_size, RAM_ALIGN, owner, &vm->ram_pa);
	if (ret)
		return ret;
	vm->ram_size = ram_size;
	/* Identity: DMA addresses a guest programs into a device are then right without an SMMU. */
	vm->ram_ipa = identity ? vm->ram_pa : 0x40000000UL;
	ret = s2_init(&vm->s2, &hyp_pool, hyp.vtcr);
	if (!ret)
		ret = add_region(vm, "RAM", vm->ram_ipa, vm->ram_pa, ram_size, S2_NORMAL, S2_RWX);
	if (ret) {
		if (vm->s2.vmid)
			s2_destroy(&vm->s2);
		pmem_free(&phys_mem, vm->ram_pa, ram_size);
		atomic_store(&vm->state, VM_FREE);
		return ret;
	}
	*out = vm;
	return 0;
}

void vm_stop(struct vm *vm, const char *why)
{
	int expected = VM_RUNNING;

	/* The first reason wins: later ones are consequences of the stop itself. */
	if (!atomic_compare_exchange_strong(&vm->state, &expected, VM_STOPPED))
		return;
	copy_name(vm->stop_reason, why, sizeof(vm->stop_reason));
	pr_info("vm%u (%s) stopped: %s\n", vm->id, vm->name, why);
	vm_pci_stop(vm); /* no DMA into RAM that is about to be reused */
	for (unsigned int c = 0; c < vm->n_vcpus; c++)
		vcpu_kick_stop(&vm->vcpus[c]);
	/* The shell may sleep in WFI attached to this VM's console: wake it to notice. */
	if (this_cpu()->id != 0)
		gic_send_sgi(percpu[0].mpidr, GIC_SGI_WAKE);
}

void vm_destroy(struct vm *vm)
{
	vm_pci_release(vm);
	vring_detach(vm); /* the engine must be done with the VM's RAM before it goes */
	if (vm->s2.vmid)
		s2_destroy(&vm->s2);
	pmem_free(&phys_mem, vm->ram_pa, vm->ram_size);
	if (vm->image_size)
		pmem_free(&phys_mem, vm->image_pa, vm->image_size);
	/* vm_load_initrd() reserved the staged initrd in whole pages. */
	if (vm->initrd_size)
		pmem_free(&phys_mem, vm->initrd_pa, (vm->initrd_size + 0xfff) & ~0xfffUL);
	atomic_store(&vm->state, VM_FREE);
}

int vm_map_device(struct vm *vm, const char *name, uint64_t ipa, uint64_t pa, uint64_t size)
{
	return add_region(vm, name, ipa, pa, size, S2_DEVICE, S2_RW);
}

static void drop_region(struct vm *vm, unsigned int i)
{
	for (; i + 1 < vm->n_regions; i++)
		vm->regions[i] = vm->regions[i + 1];
	vm->n_regions--;
}

void vm_unmap_device(struct vm *vm, uint64_t pa, uint64_t size)
{
	for (unsigned int i = 0; i < vm->n_regions;) {
		struct vm_region *r = &vm->regions[i];

		if (r->type == S2_DEVICE && r->pa < pa + size && pa < r->pa + r->size &&
		    !s2_unmap(&vm->s2, r->ipa, r->size)) {
			drop_region(vm, i);
			continue;
		}
		i++;
	}
}

int vm_ram_identity(struct vm *vm)
{
	uint64_t delta = vm->ram_pa - vm->ram_ipa;
	int ret;

	if (!delta)
		return 0;
	for (unsigned int i = 0; i < vm->n_regions; i++) {
		struct vm_region *r = &vm->regions[i];

		if (r->type != S2_NORMAL || r->ipa != vm->ram_ipa)
			continue;
		ret = s2_unmap(&vm->s2, r->ipa, r->size);
		if (ret)
			return ret;
		ret = s2_map(&vm->s2, r->pa, r->pa, r->size, r->type, r->perms);
		if (ret) {
			/* Put it back where it was; the tables that held it are still there. */
			if (s2_map(&vm->s2, r->ipa, r->pa, r->size, r->type, r->perms))
				pr_err("vm%u: RAM unmapped and not mapped back\n", vm->id);
			return ret;
		}
		r->ipa = r->pa;
		vm->ram_ipa = vm->ram_pa;
		/* The Image and DTB keep their offsets into RAM. */
		if (vm->image_size) {
			vm->entry_ipa += delta;
			vm->dtb_ipa += delta;
		}
		return 0;
	}
	return E_NOENT;
}
