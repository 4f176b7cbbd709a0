/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * Guests' disks on the block engine (dataplane/blk.h): the NVMe controller the hypervisor keeps
 * for itself, each VM's share of one of its namespaces, the hypercall (dataplane/blk_abi.h)
 * through which a guest hands over its rings, and taking them back before its RAM is reused.
 */
#ifndef KERNEL_VMM_VDISK_H
#define KERNEL_VMM_VDISK_H

#include <stdbool.h>
#include <stdint.h>

#include "dataplane/blk.h"

struct vm;
struct err_why;

/* A VM's virtio-blk device has at most so many virtqueues (VIRTIO_BLK_F_MQ's num_queues). */
#define VDISK_MAX_QUEUES 8

/* The engines' controller and their state, for the shell; NULL / 0 until claimed. */
struct vdisk_view {
	bool claimed;
	uint16_t bdf;
	unsigned int n_eng;
	int cpu[NVME_MAX_IOQ];
	const struct blk_engine *eng[NVME_MAX_IOQ];
	const struct nvme_ctrl *nvme;
};

/*
 * Keep the NVMe function 'bdf' for the block engines: taken out of every VM (VM 0 maps every
 * NVMe BAR0 at boot), brought up with one I/O queue pair per engine, engine i started on
 * cpus[i] (n_cpus 0: one engine on the last CPU). There are as many engines as the controller
 * grants queue pairs, at most n_cpus; a CPU a guest holds is refused. One controller at a
 * time. 0 or an error with 'why'.
 */
int vdisk_claim(uint16_t bdf, const int *cpus, unsigned int n_cpus, struct err_why *why);
bool vdisk_claimed(uint16_t bdf);
void vdisk_view(struct vdisk_view *v);
/* Engine i, or NULL past the last or before a controller is claimed (a benchmark counts). */
struct blk_engine *vdisk_engine(unsigned int i);
/* Ask the engines to fail what is at the controller and reset it (a test of that path). */
int vdisk_reset(struct err_why *why);

/*
 * Give 'vm' (not running) blocks [start, start + count) of namespace 'nsid' on 'bdf' (claimed
 * here when it is not yet); count 0 means to the end of the namespace. Shares of two VMs never
 * overlap. 'virtio': the guest sees it as a virtio-blk device (kernel/vdev/vblk.h) instead of
 * reaching it through the hypercall's rings. 0 or an error with 'why'.
 */
int vdisk_set(struct vm *vm, uint16_t bdf, uint32_t nsid, uint64_t start, uint64_t count,
	      bool virtio, struct err_why *why);
/* Whether the VM's disk is a virtio-blk device. */
bool vdisk_is_virtio(const struct vm *vm);
/*
 * What the VM's virtio-blk device tells its driver: the share in 512-byte sectors, the block
 * size (as a shift), the most bytes per request and how many virtqueues it may have (one per
 * vCPU, at most two per engine and VDISK_MAX_QUEUES). False when the VM has no disk.
 */
bool vdisk_virtio_info(const struct vm *vm, uint64_t *sectors, uint32_t *lba_shift,
		       uint32_t *max_bytes, unsigned int *max_queues);
/* One virtqueue of the VM's device, its parts at these PAs (checked against Stage-2). */
struct vdisk_vq {
	unsigned int queue, n_queues; /* which one, of how many the driver may use */
	uint64_t desc_pa, avail_pa, used_pa;
	uint16_t size;
	bool event_idx; /* VIRTIO_F_EVENT_IDX negotiated */
};
/*
 * Hand one of the VM's virtqueues to an engine (the VM's queues spread over the engines; the
 * VM's queue-depth limit is split between its n_queues queues); notify(ctx) runs on that
 * engine's core after used buffers were posted or the queue was shut. GET_ID answers with the
 * share's name: the controller's serial number, the namespace and the share's first block.
 * 0 or a negative error.
 */
int vdisk_virtq_attach(struct vm *vm, const struct vdisk_vq *vq, void (*notify)(void *ctx),
		       void *ctx);
/* The engine shut one of the VM's queues or its rings: the guest broke them. */
bool vdisk_faulted(const struct vm *vm);
/*
 * The VM's share: false when it has none; the engine and disk there of its rings (or of its
 * first virtqueue), -1 when not attached.
 */
bool vdisk_get(const struct vm *vm, uint32_t *nsid, uint64_t *start, uint64_t *count,
	       int *engine_disk, int *engine);
/* Where each of the VM's queues is served now: up to 'max' of them, in queue order. */
struct vdisk_queue_view {
	unsigned int queue, engine, disk;
	int cpu;
};
unsigned int vdisk_queues(const struct vm *vm, struct vdisk_queue_view *out, unsigned int max);
/*
 * Whether engine 'eng''s disk 'idx' serves one of VM 'vm_id''s queues now, or served it last
 * (an engine's disk slot of the same VM id from before is someone else's, for example a
 * destroyed VM's).
 */
bool vdisk_serves(unsigned int vm_id, unsigned int eng, unsigned int idx);
/* Forget the VM's disk (it is being destroyed); its rings are taken back first. */
void vdisk_forget(struct vm *vm);
/*
 * Take the VM's rings (or every virtqueue) back from the engines: no new request is taken,
 * what is at the controller completes (or is failed by a reset), no completion is written
 * after. Every engine is asked at once; returns once all have let go, so the VM's RAM may be
 * reused; called when the VM's devices are revoked.
 */
void vdisk_detach(struct vm *vm);
/* The same for one virtqueue (the driver made it not ready). */
void vdisk_detach_queue(struct vm *vm, unsigned int queue);
/* The VM published work on a queue (0 for the rings): wake the engine serving it if it sleeps. */
void vdisk_kick(const struct vm *vm, unsigned int queue);

#endif
