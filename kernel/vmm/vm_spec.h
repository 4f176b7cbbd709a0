/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * Guests described on the hypervisor's command line (/chosen/bootargs: QEMU -append, U-Boot
 * bootargs), one word per VM:
 *
 *	vm=NAME,IMAGE,MEM[,CPUS[,CMDLINE]]
 *
 * NAME 1-15 letters, digits, '-' or '_'; IMAGE the physical address where the loader put the
 * kernel (hex with 0x, or decimal), as ADDR or ADDR:SIZE (SIZE the file's size, K/M/G suffixes
 * allowed: a raw binary needs it; an arm64 Image or ELF is recognised by its header); MEM the VM's RAM (suffix K, M, G; a multiple of 2 MiB);
 * CPUS 1-8 (default 1); CMDLINE the rest, verbatim (quote the whole word when it has spaces:
 * vm=linux,0x48000000,256M,2,"console=ttyAMA0 earlycon"). Portable: tested on the host.
 */
#ifndef KERNEL_VM_SPEC_H
#define KERNEL_VM_SPEC_H

#include <stdbool.h>
#include <stdint.h>

#define VM_SPEC_NAME	16
#define VM_SPEC_CMDLINE 160

struct vm_spec {
	char name[VM_SPEC_NAME];
	uint64_t image_pa;
	uint64_t image_size; /* 0: not given */
	uint64_t mem;
	unsigned int cpus;
	char cmdline[VM_SPEC_CMDLINE];
};

/*
 * initrd=NAME,ADDR,SIZE: the initial RAM disk a loader put at ADDR (4 KiB aligned), SIZE bytes
 * (the file's size: K/M/G suffixes allowed), for the VM called NAME.
 */
int vm_initrd_parse(const char *s, char name[VM_SPEC_NAME], uint64_t *pa, uint64_t *size);

/*
 * pci=NAME,BDF[,BDF...]: PCIe functions ("bus:dev.fn", hex) passed through to the VM called
 * NAME. Up to 'max' of them into bdfs[]; 0, E_INVAL for a malformed word, E_RANGE for too many.
 */
int vm_pci_parse(const char *s, char name[VM_SPEC_NAME], uint16_t *bdfs, unsigned int max,
		 unsigned int *n);

/*
 * disk=NAME,BDF[,NSID[,START,COUNT]][,virtio]: blocks [START, START + COUNT) of namespace NSID
 * (default 1, all of it) of the NVMe controller at BDF, served by the block engine to the VM
 * called NAME; with ",virtio" the guest sees them as a virtio-blk device. 0 or E_INVAL. count 0
 * means to the end of the namespace.
 */
struct vm_disk_spec {
	uint16_t bdf;
	uint32_t nsid;
	uint64_t start, count;
	bool virtio;
};
int vm_disk_parse(const char *s, char name[VM_SPEC_NAME], struct vm_disk_spec *d);

/* Parse the part after "vm=". 0, or E_INVAL/E_RANGE with 'why' saying which field. */
struct err_why;
int vm_spec_parse(const char *s, struct vm_spec *spec, struct err_why *why);

#endif
