/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * The emulated GICv3 Interrupt Translation Service a guest sees (IHI 0069, chapters 5.3 and
 * 12.19): GITS_* registers, the command queue, and the device, interrupt translation and
 * collection tables, kept in the guest's own memory, that turn a (DeviceID, EventID) message
 * into an LPI for one vCPU (kernel/vdev/vgic.c delivers it through the list registers).
 */
#ifndef KERNEL_VITS_H
#define KERNEL_VITS_H

#include <stdbool.h>
#include <stdint.h>

struct vm;
struct vcpu;

#define VITS_MMIO_SIZE	 0x20000 /* ITS_base (control) and its translation frame, 64 KiB each */
#define VITS_TRANSLATER	 0x10040 /* GITS_TRANSLATER, in the translation frame */
#define VITS_DEVID_BITS	 16
#define VITS_EVENT_BITS	 16
#define VITS_ICID_BITS	 16
#define VITS_ENTRY_BYTES 8 /* device, ITT and collection table entries */

struct vits {
	uint32_t ctlr; /* GITS_CTLR.Enabled */
	uint64_t cbaser, cwriter, creadr;
	uint64_t baser[2]; /* GITS_BASER0: devices, GITS_BASER1: collections */
	/* What the guest did with it: shown by `vm info`. */
	uint64_t commands, translations, errors;
	bool routes_changed; /* a command may have moved an event: its MSIs must follow */
	bool inv; /* an INV or INVALL ran since the VM model last looked (vm_msi_its_changed) */
};

/* At VM start: everything off, no table, an empty queue (the registers' reset values). */
void vits_reset(struct vits *its);
/* The MMIO handler (kernel/vmm/mmio.h) of a VM's ITS frames; 'ctx' is the struct vm. */
int vits_mmio(void *ctx, uint64_t offset, bool write, unsigned int size, uint64_t *val);
/*
 * An MSI: DeviceID 'devid' writes 'event' to GITS_TRANSLATER. True when it became an LPI for a
 * vCPU; a message the tables do not map is dropped, as the architecture says (5.3.2).
 */
bool vits_translate(struct vm *vm, uint32_t devid, uint32_t event);
/* vits_translate(), and which vCPU the LPI went to (NULL when the message was dropped). */
struct vcpu *vits_deliver(struct vm *vm, uint32_t devid, uint32_t event);
struct vcpu;
/*
 * Where the guest's tables send (devid, event), without delivering anything: its LPI and vCPU.
 * False when the ITS is disabled or they map nothing there. Under the VM's vgic_lock.
 */
bool vits_lookup(struct vm *vm, uint32_t devid, uint32_t event, unsigned int *intid,
		 struct vcpu **v);

#endif
