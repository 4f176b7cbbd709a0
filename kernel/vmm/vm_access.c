// SPDX-License-Identifier: BSD-2-Clause-Patent
/* What code outside the VM model may ask of a VM (see vm_access.h). */
#include "kernel/vmm/vm_access.h"

#include "kernel/arch/arch.h"
#include "kernel/lib/err.h"
#include "kernel/vmm/vm.h"
#include "kernel/vmm/vm_guest.h"

/* arm64 Image header (Linux Documentation/arch/arm64/booting.rst): image_size at offset 16. */
#define IMAGE_HDR_SIZE	    64
#define IMAGE_HDR_IMAGE_LEN 0x10

static uint64_t le64_at(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

int vm_load_builtin_image(struct vm *vm, const void *image, uint64_t size, unsigned int cpus,
			  const char *cmdline)
{
	uint64_t image_size, staged, pa;
	int ret;

	if (size < IMAGE_HDR_SIZE)
		return E_INVAL;
	image_size = le64_at((const uint8_t *)image + IMAGE_HDR_IMAGE_LEN);
	staged = ((image_size > size ? image_size : size) + 0xfff) & ~0xfffUL;
	/* Find free RAM, then give it back: vm_load_image() reserves it as the VM's Image. */
	ret = pmem_alloc(&phys_mem, staged, 0x1000, "image staging", &pa);
	if (ret)
		return ret;
	pmem_free(&phys_mem, pa, staged);
	memcpy((void *)(uintptr_t)pa, image, size);
	ret = vm_load_image(vm, pa, 0, cpus, cmdline, NULL);
	/*
	 * A built-in guest leaves its results in its RAM, read after it stops (vm_read_results):
	 * no idle CPU zeroes that RAM before then. Whoever gets the RAM next finds it dirty
	 * (a created VM's RAM is scrubbed before its first start).
	 */
	if (!ret)
		vm_scrub_defer(vm);
	return ret;
}

int vm_read_ram(const struct vm *vm, uint64_t ipa, void *dst, uint64_t len)
{
	if (ipa < vm->ram_ipa || ipa + len < ipa || ipa + len > vm->ram_ipa + vm->ram_size)
		return E_FAULT;
	memcpy(dst, (const void *)(uintptr_t)(vm->ram_pa + (ipa - vm->ram_ipa)), len);
	return 0;
}

int vm_read_results(const struct vm *vm, uint64_t *dst, uint64_t n)
{
	uint64_t ipa = vm->result_ipa;

	/* What the guest passed is only recorded at the call: check it all here. */
	if (vm->result_count != n || (ipa & 7) || n > UINT64_MAX / sizeof(uint64_t))
		return E_FAULT;
	return vm_read_ram(vm, ipa, dst, n * sizeof(uint64_t));
}

unsigned int vm_vcpu_cpu(const struct vm *vm, unsigned int vcpu)
{
	return vm->vcpus[vcpu < vm->n_vcpus ? vcpu : 0].pcpu;
}

struct vm *vm_of_vcpu(const struct vcpu *v)
{
	return v->vm;
}

bool vm_stop_and_wait(struct vm *vm, const char *why, uint64_t timeout_us)
{
	vm_stop(vm, why);
	return vm_wait_stopped(vm, timeout_us);
}
