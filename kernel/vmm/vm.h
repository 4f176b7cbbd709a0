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
#include "kernel/vdev/vits.h"
#include "kernel/vdev/vpl011.h"
#include "mm/stage2.h"
#include "kernel/vdev/vpci.h"
#include "kernel/vmm/vm_state.h"
#include "kernel/lib/err.h"
#include "pci/smmu_host.h"
#include "kernel/vmm/mmio.h"

#define VM_MAX	       8
#define VM_MAX_REGIONS 16
#define VM_NAME_LEN    16

/* The kernel formats QEMU's -kernel starts on virt, as vm_load_image() recognised them. */
enum vm_kernel_fmt {
	VM_KERNEL_NONE,
	VM_KERNEL_IMAGE, /* arm64 Image (Linux booting.rst): at RAM + text_offset */
	VM_KERNEL_ELF,	 /* ELF64 executable: each PT_LOAD at its physical address */
	VM_KERNEL_RAW,	 /* anything else, given its size: at RAM + 0x80000, entered there */
};
#define VM_MAX_SEGS 8 /* ELF_MAX_LOADS */

/* A piece of the staged kernel copied into the VM's RAM at every start. */
struct vm_seg {
	uint64_t src_off; /* from image_pa + src_off */
	uint64_t ram_off; /* to the RAM's start + ram_off */
	uint64_t size;	  /* bytes copied; what lies past them up to kernel_end reads zero */
};

struct vm_region {
	char name[24];
	uint64_t ipa, pa, size;
	enum s2_type type;
	unsigned int perms;
};

struct vm {
	unsigned int id;
	/*
	 * The lifecycle (kernel/vmm/vm_state.h): 'life' is changed only under the VM's lifecycle
	 * lock (kernel/vmm/vm.c), by vm_request() and its kin; 'state' mirrors life.state for
	 * readers that take no lock.
	 */
	struct vm_life life;
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
	enum vm_kernel_fmt kernel_fmt;
	struct vm_seg segs[VM_MAX_SEGS];
	unsigned int n_segs;
	uint64_t kernel_end; /* offset into RAM past the kernel's last byte, BSS included */
	char cmdline[160];
	bool hyp_pmu; /* the hypervisor counts this VM with the PMU itself (bench): the guest has none */
	/*
	 * Its functions' MSIs: always through EL2 and the emulated ITS (msi_emulated), or, where
	 * the GIC has GICv4, injected directly into its vCPUs' vPEs (kernel/vmm/vm_vpe.c).
	 */
	bool msi_emulated;
	bool vpes_on;		  /* its vCPUs have vPEs for this run */
	unsigned int msi_direct;  /* events mapped to vLPIs now */
	uint64_t msi_direct_maps; /* VMAPTIs and VMOVIs issued this run */

	/* Emulated devices, and where the guest finds them: its trapped MMIO goes by this table. */
	struct mmio_table mmio;
	struct vpl011 uart;
	struct vgic_dist vgic;
	struct vits its;	   /* its ITS (kernel/vdev/vits.c), under vgic_lock too */
	struct spinlock vgic_lock; /* the distributor is shared by the VM's vCPUs */
	struct vpci pci;	   /* passed-through PCIe functions (kernel/vm_pci.c) */
	struct spinlock pci_lock;  /* their emulated config space */
	struct smmu_ctx smmu;	   /* their DMA's context at the SMMU, built at the first start */
	bool smmu_s2;		   /* their DMA goes through s2 itself (SMMU stage 2), not smmu */

	/* What happened: shown by `vm info`. */
	char stop_reason[96];
	uint64_t aborts_injected, undefs_injected, bad_calls;
	uint64_t result_ipa, result_count; /* MONADIC_HVC_RESULT: a guest's benchmark samples */
	uint64_t resets;		   /* restarts after a guest's PSCI SYSTEM_RESET */
};

extern struct vm vms[VM_MAX];
/*
 * Create a VM with 'ram_size' bytes of RAM; identity-mapped (IPA = PA) when 'identity'. All or
 * nothing: on failure no slot, RAM or VMID is left behind.
 */
int vm_create(const char *name, uint64_t ram_size, bool identity, struct vm **out);
/* The same, but the VM stays "building" (invisible) until vm_publish(); undo: vm_destroy(). */
int vm_build(const char *name, uint64_t ram_size, bool identity, struct vm **out,
	     struct err_why *why);
void vm_publish(struct vm *vm);
/* Map a device region (Device-nGnRE, RW, XN) into the VM at 'ipa' and remember it. */
int vm_map_device(struct vm *vm, const char *name, uint64_t ipa, uint64_t pa, uint64_t size);
/* Unmap device regions of 'vm' that overlap [pa, pa + size) (a BAR given to another VM). */
void vm_unmap_device(struct vm *vm, uint64_t pa, uint64_t size);
/* Move the RAM of a VM that is not running to IPA = PA (for DMA without an SMMU). */
int vm_ram_identity(struct vm *vm);
/*
 * Give a VM that is not running another VTCR_EL2 (a smaller IPA size, so an SMMU can share its
 * Stage-2): the tables are made again for it, with every region mapped as before. E_RANGE
 * when a region lies past the new IPA size (nothing changed then).
 */
int vm_set_vtcr(struct vm *vm, uint64_t vtcr);
/* One past the highest IPA the VM's guest may use: its Stage-2 regions and emulated devices. */
uint64_t vm_ipa_end(const struct vm *vm);
/* A VM commands may see (created or later), or NULL: never one being built. */
struct vm *vm_get(unsigned int id);
/*
 * Free a VM that is created, stopped or being built: its Stage-2 tables (after the TLBs are
 * invalidated), VMID, RAM, staged Image and initrd, SMMU context and ring ports.
 */
int vm_destroy(struct vm *vm, struct err_why *why);
/*
 * The RAM scrub (the state is the lifecycle's, vm_state.h). VM_SCRUB_CHUNK is what one claim
 * zeroes: small enough that an idle CPU doing one answers new work within a millisecond or so.
 */
#define VM_SCRUB_CHUNK (1UL << 20)
/*
 * Claim a chunk of 'vm' to zero ([*pa, *pa + VM_SCRUB_CHUNK)); false: none to give now.
 * 'for_start': the claim of a start, which a deferred scrub does not hold back.
 */
bool vm_scrub_claim(struct vm *vm, uint64_t *pa, bool for_start);
/*
 * Idle CPUs leave the RAM of the VM's runs alone until it is started again or destroyed: its
 * owner reads results the guest left there after it stopped (a benchmark's samples).
 */
void vm_scrub_defer(struct vm *vm);
/*
 * Make the claimed chunk at 'pa' zero and clean to the Point of Coherency, writing only what
 * needs it (nothing when the zero map knows it clean; else each page that is not zero).
 */
void vm_scrub_chunk(uint64_t pa);
/* The chunk claimed at 'pa' is zero and cleaned to the Point of Coherency. */
void vm_scrub_done(struct vm *vm, uint64_t pa);
/* Claim, zero and report one chunk of 'vm'; false if there was none to claim. */
bool vm_scrub_one(struct vm *vm, bool for_start);
/* One chunk of any VM (an idle CPU's work, so bounded); false when no VM has one. */
bool vm_scrub_some(void);
/* An idle CPU's step: a chunk of a VM's RAM, else a block of never-owned RAM to read. */
bool vm_idle_work(void);
/*
 * Before a start: zero what is left of the VM's RAM here, and wait for chunks other CPUs
 * hold. 0 once it is clean (or the VM is not idle: the start then says why); E_BUSY with a
 * reason if a CPU makes no progress for a second.
 */
int vm_scrub_wait(struct vm *vm, struct err_why *why);
/* Chunks of the VM's RAM still to zero (0: clean). */
unsigned int vm_scrub_left(const struct vm *vm);

/* "image", "elf", "raw" (or "none"). */
const char *vm_kernel_fmt_name(enum vm_kernel_fmt f);

/* Guest physical layout (IPAs) of VMs that are not identity-mapped: QEMU virt's, so guests
 * that know that board find what they expect; the generated DTB says the same. */
#define GUEST_RAM_IPA	 0x40000000UL
#define GUEST_GICD_IPA	 0x08000000UL
#define GUEST_GITS_IPA	 0x08080000UL
#define GUEST_GICR_IPA	 0x080a0000UL
#define GUEST_UART_IPA	 0x09000000UL
#define GUEST_UART_INTID 33	      /* SPI 1 */
#define GUEST_VBLK_IPA	 0x0a000000UL /* QEMU virt's first virtio-mmio slot */
#define GUEST_VBLK_INTID 48	      /* SPI 16, as that slot's on virt */

/*
 * Ask the VM for a lifecycle transition (vm_state.h) under its lock; 'reason' is recorded as
 * the stop reason when the request stops the VM (the first one wins). 0, or the refusal.
 */
int vm_request(struct vm *vm, enum vm_req req, const char *reason, struct err_why *why);
/* A fault path's stop (a guest's SYSTEM_OFF, a fatal trap): from any CPU, never waits. */
void vm_stop(struct vm *vm, const char *why);
/* May vCPU 'v' enter the guest? If so it is marked on; if not it must leave (vcpu_run). */
bool vm_vcpu_may_enter(struct vcpu *v);
/* A vCPU has left the guest and is off: the last one to leave finishes a stop or reset. */
void vm_vcpu_left(struct vm *vm);
/* True while the guest may use its passed functions (no stop has finished since its start);
 * takes no lock, so it may be called under the VM's pci_lock. */
bool vm_devices_live(struct vm *vm);
/* Resetting, every vCPU gone and the devices back: vm_service() may restart it. */
bool vm_reset_parked(struct vm *vm);
/* Refuse, with the state, unless the VM is created or stopped ('what': the refused action). */
int vm_check_idle(struct vm *vm, const char *what, struct err_why *why);
/* No vCPU of 'vm' is on or on its way in. */
bool vm_vcpus_all_off(const struct vm *vm);
const char *vcpu_state_name(int s);
/* Wait until a stopping VM is stopped (every vCPU left, devices back); false on timeout. */
bool vm_wait_stopped(struct vm *vm, uint64_t timeout_us);
/* The same, with a reason naming the vCPU that did not leave. */
int vm_wait_stopped_why(struct vm *vm, uint64_t timeout_us, struct err_why *why);

#endif
