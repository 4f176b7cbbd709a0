/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * What code outside the VM model (benchmarks, the shell) may ask of a VM, so that it never
 * reads a VM's fields or walks its memory itself: load a built-in Image, read guest RAM by
 * IPA, the CPU a vCPU runs on, stop and wait.
 */
#ifndef KERNEL_VM_ACCESS_H
#define KERNEL_VM_ACCESS_H

#include <stdbool.h>
#include <stdint.h>

struct vm;
struct vcpu;

/*
 * Stage an arm64 Image that sits in the hypervisor's own memory (one built into the image) in
 * free RAM, as a loader would have, and give it to 'vm' with vm_load_image(). The room staged
 * is what the Image header's image_size says it occupies, BSS included, if more than the file.
 * Its RAM is kept from the background scrub, so its results can be read after it stops.
 */
int vm_load_builtin_image(struct vm *vm, const void *image, uint64_t size, unsigned int cpus,
			  const char *cmdline);
/* Copy [ipa, ipa + len) of the VM's RAM to 'dst'; E_FAULT unless the range lies in its RAM. */
int vm_read_ram(const struct vm *vm, uint64_t ipa, void *dst, uint64_t len);
/*
 * The n 64-bit samples the guest announced with MONADIC_HVC_RESULT. E_FAULT unless it
 * announced exactly n, 8-byte aligned, inside its RAM.
 */
int vm_read_results(const struct vm *vm, uint64_t *dst, uint64_t n);
/* The physical CPU that vCPU 'vcpu' of 'vm' is pinned to. */
unsigned int vm_vcpu_cpu(const struct vm *vm, unsigned int vcpu);
/* The VM that vCPU 'v' belongs to. */
struct vm *vm_of_vcpu(const struct vcpu *v);
/* Stop 'vm' (recording why) and wait up to timeout_us for its vCPUs to leave; false on timeout. */
bool vm_stop_and_wait(struct vm *vm, const char *why, uint64_t timeout_us);

#endif
