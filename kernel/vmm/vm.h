/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * Virtual machines: a VM owns a Stage-2 space (and so a VMID), its RAM and the devices passed
 * through to it. VM 0 is described and built at boot, so its address space can be inspected
 * before any guest runs.
 */
#ifndef KERNEL_VM_H
#define KERNEL_VM_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/platform.h"
#include "mm/mem.h" /* phys_mem, hyp_pool */
#include "mm/pmem.h"
#include "kernel/vmm/vcpu.h"
#include "kernel/arch/spinlock.h"
#include "kernel/vdev/vpl011.h"
#include "mm/stage2.h"
#include "kernel/vdev/vpci.h"
#include "pci/smmu_host.h"
#include "kernel/vmm/mmio.h"

#define VM_MAX	       8
#define VM_MAX_REGIONS 16
#define VM_NAME_LEN    16

enum vm_state { VM_FREE, VM_CREATED, VM_RUNNING, VM_STOPPED };

struct vm_region {
	char name[24];
	uint64_t ipa, pa, size;
	enum s2_type type;
	unsigned int perms;
};

struct vm {
	unsigned int id;
	_Atomic int state; /* enum vm_state */
	char name[VM_NAME_LEN];
	struct s2_space s2;
	uint64_t ram_ipa, ram_pa, ram_size;
	struct vm_region regions[VM_MAX_REGIONS];
	unsigned int n_regions;

	/* Guest set-up: where its Image and DTB sit (IPAs), and the pristine staged Image. */
	struct vcpu vcpus[VCPU_MAX];
	unsigned int n_vcpus;
	uint64_t entry_ipa, dtb_ipa;
	uint64_t image_pa, image_size;	 /* staged copy, kept for a reset; 0 when none */
	uint64_t initrd_pa, initrd_size; /* staged initrd (kept likewise); 0 when none */
	char cmdline[160];

	/* Emulated devices, and where the guest finds them: its trapped MMIO goes by this table. */
	struct mmio_table mmio;
	struct vpl011 uart;
	struct vgic_dist vgic;
	struct spinlock vgic_lock; /* the distributor is shared by the VM's vCPUs */
	struct vpci pci;	   /* passed-through PCIe functions (kernel/vm_pci.c) */
	struct spinlock pci_lock;  /* their emulated config space */
	struct smmu_ctx smmu;	   /* their DMA's context at the SMMU, built at the first start */

	/* What happened: shown by `vm info`. */
	char stop_reason[96];
	uint64_t aborts_injected, undefs_injected, bad_calls;
	uint64_t result_ipa, result_count; /* MONADIC_HVC_RESULT: a guest's benchmark samples */
	_Atomic bool reset_requested;	   /* PSCI SYSTEM_RESET: restart once every vCPU is off */
	uint64_t resets;
};

extern struct vm vms[VM_MAX];
/* Create a VM with 'ram_size' bytes of RAM; identity-mapped (IPA = PA) when 'identity'. */
int vm_create(const char *name, uint64_t ram_size, bool identity, struct vm **out);
/* Map a device region (Device-nGnRE, RW, XN) into the VM at 'ipa' and remember it. */
int vm_map_device(struct vm *vm, const char *name, uint64_t ipa, uint64_t pa, uint64_t size);
/* Unmap device regions of 'vm' that overlap [pa, pa + size) (a BAR given to another VM). */
void vm_unmap_device(struct vm *vm, uint64_t pa, uint64_t size);
/* Move the RAM of a VM that is not running to IPA = PA (for DMA without an SMMU). */
int vm_ram_identity(struct vm *vm);
struct vm *vm_get(unsigned int id);
/* Free a VM that is not running: its tables, VMID, RAM and staged Image and initrd. */
void vm_destroy(struct vm *vm);
/* Guest physical layout (IPAs) of VMs that are not identity-mapped: QEMU virt's, so guests
 * that know that board find what they expect; the generated DTB says the same. */
#define GUEST_RAM_IPA	 0x40000000UL
#define GUEST_GICD_IPA	 0x08000000UL
#define GUEST_GICR_IPA	 0x080a0000UL
#define GUEST_UART_IPA	 0x09000000UL
#define GUEST_UART_INTID 33 /* SPI 1 */

/*
 * Give 'vm' an arm64 Image staged in free RAM at 'image_pa' (QEMU -device loader, U-Boot
 * load): it is kept there (reserved) as the pristine copy, copied into the VM's RAM at
 * RAM + text_offset, with a generated DTB at the top of RAM. 'cpus' vCPUs (1-8).
 */
int vm_load_image(struct vm *vm, uint64_t image_pa, unsigned int cpus, const char *cmdline);
/* Give a loaded VM an initrd staged in free RAM; copied below its DTB at every start. */
int vm_load_initrd(struct vm *vm, uint64_t pa, uint64_t size);
/* Pin the vCPUs to free CPUs, copy the Image and DTB afresh and start vCPU 0. */
int vm_start(struct vm *vm);
/* Stop every vCPU of 'vm' and record why (called from any CPU, guest traps included). */
void vm_stop(struct vm *vm, const char *why);
const char *vm_state_name(enum vm_state s);
const char *vcpu_state_name(int s);
struct vm_spec;
/* Create a VM (RAM at GUEST_RAM_IPA), load the Image the spec names; not started. */
int vm_create_from_spec(const struct vm_spec *spec, struct vm **out);
/*
 * On the shell's CPU, between commands: restart VMs whose guest asked for a reset once their
 * vCPUs have all left (the stopping vCPU wakes this CPU).
 */
void vm_service(void);
/* Re-evaluate the VM's level-sensitive device lines (its UART) and inject what is high. */
void vm_update_irq_lines(struct vm *vm);
/* Once a stopped VM's vCPUs have all left, its CPUs are free for other work and VMs. */
void vm_release_cpus_if_stopped(struct vm *vm);
/* Wait until every vCPU of a stopped VM has left its CPU; false on timeout. */
bool vm_wait_stopped(struct vm *vm, uint64_t timeout_us);
/*
 * Create and start the VMs named by vm= words in the hypervisor's bootargs; returns the first
 * started (or NULL). *attach: the word "attach" asks for its console on the terminal.
 */
struct vm *vm_boot_from_cmdline(const char *bootargs, bool *attach);

#endif
