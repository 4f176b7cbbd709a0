/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * A VM's guest (kernel/vmm/vm_guest.c): its Image, initrd and generated DTB, starting it, the
 * reset restart on the shell's CPU, its level-sensitive lines, and VMs from the bootargs.
 */
#ifndef KERNEL_VMM_VM_GUEST_H
#define KERNEL_VMM_VM_GUEST_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/lib/err.h"

struct vm;
/*
 * Give 'vm' a kernel staged in free RAM at 'image_pa' (QEMU -device loader, U-Boot load), in
 * any format QEMU's -kernel starts on virt: an arm64 Image (at RAM + text_offset), an ELF64
 * executable (each PT_LOAD at its physical address, inside the RAM below the DTB), or else a
 * raw binary of 'size' bytes (at RAM + 0x80000). 'size' 0: unknown (a raw binary is then
 * refused). The staged copy is kept (reserved) as the pristine one, copied in at every start,
 * with a generated DTB at the top of RAM. 'cpus' vCPUs (1-8). 0, or the reason in 'why'.
 */
int vm_load_image(struct vm *vm, uint64_t image_pa, uint64_t size, unsigned int cpus,
		  const char *cmdline, struct err_why *why);
/* Give a loaded VM an initrd staged in free RAM; copied below its DTB at every start. */
int vm_load_initrd(struct vm *vm, uint64_t pa, uint64_t size);
/* Pin the vCPUs to free CPUs, copy the Image and DTB afresh and start vCPU 0. */
int vm_start(struct vm *vm, struct err_why *why);
struct vm_spec;
/* Create a VM (RAM at GUEST_RAM_IPA), load the Image the spec names; not started. */
int vm_create_from_spec(const struct vm_spec *spec, struct vm **out, struct err_why *why);
/*
 * On the shell's CPU, between commands: restart VMs whose guest asked for a reset once their
 * vCPUs have all left (the last vCPU to leave wakes this CPU).
 */
void vm_service(void);
/* Re-evaluate the VM's level-sensitive device lines (its UART) and inject what is high. */
void vm_update_irq_lines(struct vm *vm);
/*
 * Create and start the VMs named by vm= words in the hypervisor's bootargs; returns the first
 * started (or NULL). *attach: the word "attach" asks for its console on the terminal.
 */
struct vm *vm_boot_from_cmdline(const char *bootargs, bool *attach);

#endif
