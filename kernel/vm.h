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
#include "mm/pmem.h"
#include "mm/stage2.h"

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
	enum vm_state state;
	char name[VM_NAME_LEN];
	struct s2_space s2;
	uint64_t ram_ipa, ram_pa, ram_size;
	struct vm_region regions[VM_MAX_REGIONS];
	unsigned int n_regions;
};

extern struct vm vms[VM_MAX];
extern struct pmem phys_mem;
extern struct palloc hyp_pool;

/* Physical memory map and the hypervisor's page pool, from the platform (once, at boot). */
int mem_init(const struct platform *p, const void *dtb, uint32_t dtb_size);
/* Create a VM with 'ram_size' bytes of RAM; identity-mapped (IPA = PA) when 'identity'. */
int vm_create(const char *name, uint64_t ram_size, bool identity, struct vm **out);
/* Map a device region (Device-nGnRE, RW, XN) into the VM at 'ipa' and remember it. */
int vm_map_device(struct vm *vm, const char *name, uint64_t ipa, uint64_t pa, uint64_t size);
struct vm *vm_get(unsigned int id);
const char *vm_state_name(enum vm_state s);

#endif
