/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * A virtio-blk device for a VM (virtio 1.2 over virtio-mmio, 4.2.2; one split virtqueue) whose
 * requests the block engine serves from the VM's disk (kernel/vmm/vdisk.h): the driver's
 * registers and configuration space are emulated here, the virtqueue is read by the engine.
 */
#ifndef KERNEL_VDEV_VBLK_H
#define KERNEL_VDEV_VBLK_H

#include <stdbool.h>
#include <stdint.h>

struct vm;
struct err_why;

#define VBLK_MMIO_SIZE 0x200 /* registers 0x000-0x0ff, configuration space from 0x100 */

/* Put the device in the VM's MMIO table (it is not running), or take it out. */
int vblk_add(struct vm *vm, struct err_why *why);
void vblk_remove(struct vm *vm);
/* Back to its state after reset, the engine's hold on the queue already dropped (a start). */
void vblk_reset(struct vm *vm);
/* A trapped access at 'off' (an mmio_fn, kernel/vmm/mmio.h). */
int vblk_mmio(void *ctx, uint64_t off, bool write, unsigned int size, uint64_t *val);

#endif
