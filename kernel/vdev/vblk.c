// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * The guest's virtio-blk device over virtio-mmio (virtio 1.2, 4.2.2 and 5.2): feature
 * negotiation, the status register, the queues' registers and the configuration space. With
 * VIRTIO_BLK_F_MQ the device has num_queues virtqueues (5.2.3, 5.2.6.2), each set up and
 * checked on its own. When the driver is done (DRIVER_OK) each ready queue, checked against
 * Stage-2, goes to a block engine (kernel/vmm/vdisk.c), which serves it on its own core; a
 * notify is an SEV that wakes the engines. A reset takes every queue back before it returns.
 */
#include "kernel/vdev/vblk.h"

#include <stdatomic.h>

#include "dataplane/blk.h"
#include "dataplane/virtq.h"
#include "dataplane/wait.h"
#include "kernel/arch/spinlock.h"
#include "kernel/console.h"
#include "kernel/lib/err.h"
#include "kernel/vdev/vgic.h"
#include "kernel/vmm/mmio.h"
#include "kernel/vmm/vdisk.h"
#include "kernel/vmm/vm.h"

/* virtio-mmio registers (virtio 1.2, 4.2.2, Table 4.1). */
#define VMMIO_MAGIC	       0x000
#define VMMIO_VERSION	       0x004
#define VMMIO_DEVICE_ID	       0x008
#define VMMIO_VENDOR_ID	       0x00c
#define VMMIO_DEV_FEATURES     0x010
#define VMMIO_DEV_FEATURES_SEL 0x014
#define VMMIO_DRV_FEATURES     0x020
#define VMMIO_DRV_FEATURES_SEL 0x024
#define VMMIO_QUEUE_SEL	       0x030
#define VMMIO_QUEUE_NUM_MAX    0x034
#define VMMIO_QUEUE_NUM	       0x038
#define VMMIO_QUEUE_READY      0x044
#define VMMIO_QUEUE_NOTIFY     0x050
#define VMMIO_INT_STATUS       0x060
#define VMMIO_INT_ACK	       0x064
#define VMMIO_STATUS	       0x070
#define VMMIO_QUEUE_DESC_LO    0x080
#define VMMIO_QUEUE_DESC_HI    0x084
#define VMMIO_QUEUE_DRIVER_LO  0x090
#define VMMIO_QUEUE_DRIVER_HI  0x094
#define VMMIO_QUEUE_DEVICE_LO  0x0a0
#define VMMIO_QUEUE_DEVICE_HI  0x0a4
#define VMMIO_SHM_LEN_LO       0x0b0
#define VMMIO_SHM_BASE_HI      0x0bc
#define VMMIO_CONFIG_GEN       0x0fc
#define VMMIO_CONFIG	       0x100
#define VMMIO_MAGIC_VALUE      0x74726976U /* "virt" */
#define VMMIO_VERSION_MODERN   2U
#define VMMIO_VENDOR	       0x444e4f4dU /* "MOND" */
#define VMMIO_INT_VRING	       1U	   /* used buffer notification */
#define VMMIO_INT_CONFIG       2U	   /* configuration change (here: needs a reset) */
#define VIRTIO_ID_BLOCK	       2U

/* Device status bits (virtio 1.2, 2.1). */
#define VIRTIO_S_ACKNOWLEDGE 1U
#define VIRTIO_S_DRIVER	     2U
#define VIRTIO_S_DRIVER_OK   4U
#define VIRTIO_S_FEATURES_OK 8U
#define VIRTIO_S_NEEDS_RESET 64U
#define VIRTIO_S_FAILED	     128U

/* Feature bits (virtio 1.2, 5.2.3 and 6). */
#define VIRTIO_BLK_F_SIZE_MAX	  (1ULL << 1)
#define VIRTIO_BLK_F_SEG_MAX	  (1ULL << 2)
#define VIRTIO_BLK_F_BLK_SIZE	  (1ULL << 6)
#define VIRTIO_BLK_F_FLUSH	  (1ULL << 9)
#define VIRTIO_BLK_F_MQ		  (1ULL << 12)
#define VIRTIO_BLK_F_DISCARD	  (1ULL << 13)
#define VIRTIO_BLK_F_WRITE_ZEROES (1ULL << 14)
#define VIRTIO_F_INDIRECT_DESC	  (1ULL << 28)
#define VIRTIO_F_EVENT_IDX	  (1ULL << 29)
#define VIRTIO_F_VERSION_1	  (1ULL << 32)
#define VBLK_FEATURES                                                           \
	(VIRTIO_F_VERSION_1 | VIRTIO_BLK_F_SIZE_MAX | VIRTIO_BLK_F_SEG_MAX |    \
	 VIRTIO_BLK_F_BLK_SIZE | VIRTIO_BLK_F_FLUSH | VIRTIO_BLK_F_DISCARD |    \
	 VIRTIO_BLK_F_WRITE_ZEROES | VIRTIO_BLK_F_MQ | VIRTIO_F_INDIRECT_DESC | \
	 VIRTIO_F_EVENT_IDX)

/* struct virtio_blk_config (5.2.4): the fields we fill; the rest read as zero. */
#define VBLK_CFG_CAPACITY	     0x00
#define VBLK_CFG_SIZE_MAX	     0x08
#define VBLK_CFG_SEG_MAX	     0x0c
#define VBLK_CFG_BLK_SIZE	     0x14
#define VBLK_CFG_NUM_QUEUES	     0x22
#define VBLK_CFG_MAX_DISCARD_SECTORS 0x24
#define VBLK_CFG_MAX_DISCARD_SEG     0x28
#define VBLK_CFG_DISCARD_ALIGNMENT   0x2c
#define VBLK_CFG_MAX_WZ_SECTORS	     0x30
#define VBLK_CFG_MAX_WZ_SEG	     0x34
#define VBLK_CFG_SIZE		     0x40
#define VBLK_SEG_BYTES		     4096U /* size_max: one page per segment, so a chain fits PRPs */

/* One virtqueue's registers (4.2.2: QueueNum, QueueReady, QueueDesc, QueueDriver, QueueDevice). */
struct vblk_queue {
	uint32_t num;
	bool ready;  /* QueueReady */
	bool served; /* an engine has the queue */
	uint64_t desc, driver, device;
};

struct vblk {
	struct spinlock lock; /* the VM's vCPUs share the registers */
	struct vm *vm;
	bool on; /* in the VM's MMIO table */
	uint32_t status;
	bool needs_reset; /* the driver gave us something we cannot use */
	uint32_t dev_sel, drv_sel, queue_sel;
	uint64_t drv_features;
	unsigned int num_queues; /* what the configuration space offers */
	struct vblk_queue q[VDISK_MAX_QUEUES];
	_Atomic uint32_t isr;
	uint8_t cfg[VBLK_CFG_SIZE];
	uint64_t log_count;
};

static struct vblk vblks[VM_MAX];

static void put_le(uint8_t *p, uint64_t v, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* The configuration space from the VM's share; false when the VM has no disk. */
static bool fill_config(struct vblk *b)
{
	uint64_t sectors, range;
	uint32_t lba_shift, max_bytes, seg_max;
	unsigned int nq;

	if (!vdisk_virtio_info(b->vm, &sectors, &lba_shift, &max_bytes, &nq))
		return false;
	b->num_queues = nq;
	/* seg_max segments of size_max bytes each never exceed what one command moves. */
	seg_max = max_bytes / VBLK_SEG_BYTES > 1 ? max_bytes / VBLK_SEG_BYTES - 1 : 1;
	if (seg_max > VBLK_SEG_MAX)
		seg_max = VBLK_SEG_MAX;
	for (unsigned int i = 0; i < VBLK_CFG_SIZE; i++)
		b->cfg[i] = 0;
	put_le(b->cfg + VBLK_CFG_CAPACITY, sectors, 8);
	put_le(b->cfg + VBLK_CFG_SIZE_MAX, VBLK_SEG_BYTES, 4);
	put_le(b->cfg + VBLK_CFG_SEG_MAX, seg_max, 4);
	put_le(b->cfg + VBLK_CFG_BLK_SIZE, 1U << lba_shift, 4);
	put_le(b->cfg + VBLK_CFG_NUM_QUEUES, nq, 2);
	/*
	 * DISCARD and WRITE_ZEROES: one range per request (the engine makes it one deallocate
	 * or Write Zeroes command), whole blocks, at most the blocks one command names; the
	 * share's size bounds it too. write_zeroes_may_unmap stays 0: zeroes are written.
	 */
	range = sectors < ((uint64_t)BLK_MAX_RANGE_BLOCKS << (lba_shift - VIRTIO_BLK_SECTOR_SHIFT))
			? sectors
			: (uint64_t)BLK_MAX_RANGE_BLOCKS << (lba_shift - VIRTIO_BLK_SECTOR_SHIFT);
	put_le(b->cfg + VBLK_CFG_MAX_DISCARD_SECTORS, range, 4);
	put_le(b->cfg + VBLK_CFG_MAX_DISCARD_SEG, 1, 4);
	put_le(b->cfg + VBLK_CFG_DISCARD_ALIGNMENT, 1U << (lba_shift - VIRTIO_BLK_SECTOR_SHIFT), 4);
	put_le(b->cfg + VBLK_CFG_MAX_WZ_SECTORS, range, 4);
	put_le(b->cfg + VBLK_CFG_MAX_WZ_SEG, 1, 4);
	return true;
}

static void state_reset(struct vblk *b)
{
	b->status = 0;
	b->needs_reset = false;
	b->dev_sel = b->drv_sel = b->queue_sel = 0;
	b->drv_features = 0;
	b->num_queues = 1;
	for (unsigned int i = 0; i < VDISK_MAX_QUEUES; i++)
		b->q[i] = (struct vblk_queue){ 0 };
	atomic_store(&b->isr, 0);
	fill_config(b); /* a driver may read it before FEATURES_OK */
}

int vblk_add(struct vm *vm, struct err_why *why)
{
	struct vblk *b = &vblks[vm->id];
	int ret;

	if (mmio_find_handler(&vm->mmio, vblk_mmio))
		return 0;
	b->vm = vm;
	state_reset(b);
	ret = mmio_register(&vm->mmio, "virtio-blk", GUEST_VBLK_IPA, VBLK_MMIO_SIZE, vblk_mmio, b,
			    why);
	b->on = !ret;
	return ret;
}

void vblk_remove(struct vm *vm)
{
	if (mmio_find_handler(&vm->mmio, vblk_mmio))
		mmio_unregister(&vm->mmio, GUEST_VBLK_IPA);
	vblks[vm->id].on = false;
}

void vblk_reset(struct vm *vm)
{
	struct vblk *b = &vblks[vm->id];

	if (!b->on)
		return;
	spin_lock(&b->lock);
	state_reset(b);
	spin_unlock(&b->lock);
}

/* On the engine's core: used buffers were posted (or the queue was shut). */
static void vblk_notify(void *ctx)
{
	struct vblk *b = ctx;

	atomic_fetch_or(&b->isr, vdisk_faulted(b->vm) ? VMMIO_INT_CONFIG : VMMIO_INT_VRING);
	vgic_inject_spi(b->vm, GUEST_VBLK_INTID);
}

static void refuse(struct vblk *b, const char *what)
{
	b->needs_reset = true;
	if (log_nth_ok(++b->log_count))
		pr_warn("vm%u: virtio-blk: %s; the device needs a reset\n", b->vm->id, what);
}

/* The queues the driver may use: num_queues with VIRTIO_BLK_F_MQ, else queue 0 (5.2.6.2). */
static unsigned int queues(const struct vblk *b)
{
	return b->drv_features & VIRTIO_BLK_F_MQ ? b->num_queues : 1;
}

/*
 * QueueReady = 1: the queue's size and alignment (vq_layout_check) and its three parts inside
 * the VM's RAM as Stage-2 maps it. Each queue on its own: a broken one is refused whatever
 * the others are.
 */
static bool queue_check(struct vblk *b, const struct vblk_queue *q)
{
	const char *why = vq_layout_check(q->num, q->desc, q->driver, q->device);

	if (why) {
		refuse(b, why);
		return false;
	}
	if (!vgic_guest_ram(b->vm, q->desc, (uint64_t)q->num * VIRTQ_DESC_SIZE) ||
	    !vgic_guest_ram(b->vm, q->driver, VIRTQ_AVAIL_BYTES(q->num)) ||
	    !vgic_guest_ram(b->vm, q->device, VIRTQ_USED_BYTES(q->num))) {
		refuse(b, "queue areas outside the VM's RAM");
		return false;
	}
	return true;
}

/* DRIVER_OK with queue 'i' ready: an engine takes it. */
static void serve_queue(struct vblk *b, unsigned int i)
{
	struct vblk_queue *q = &b->q[i];
	struct vdisk_vq vq;
	int ret;

	if (q->served || !q->ready || !(b->status & VIRTIO_S_DRIVER_OK))
		return;
	vq = (struct vdisk_vq){ .queue = i,
				.n_queues = queues(b),
				.desc_pa = vgic_guest_ram(b->vm, q->desc, 1),
				.avail_pa = vgic_guest_ram(b->vm, q->driver, 1),
				.used_pa = vgic_guest_ram(b->vm, q->device, 1),
				.size = (uint16_t)q->num,
				.event_idx = (b->drv_features & VIRTIO_F_EVENT_IDX) != 0 };
	ret = vdisk_virtq_attach(b->vm, &vq, vblk_notify, b);
	if (ret) {
		refuse(b, "the block engine cannot take the queue");
		return;
	}
	q->served = true;
}

static void serve(struct vblk *b)
{
	for (unsigned int i = 0; i < queues(b); i++)
		serve_queue(b, i);
}

/* Take every queue back from the engines: nothing of them is read or written after this. */
static void unserve(struct vblk *b)
{
	vdisk_detach(b->vm);
	for (unsigned int i = 0; i < VDISK_MAX_QUEUES; i++)
		b->q[i].served = false;
}

static void write_status(struct vblk *b, uint32_t v)
{
	if (!v) { /* reset (2.4): the engines let go first */
		unserve(b);
		state_reset(b);
		return;
	}
	if ((v & VIRTIO_S_FEATURES_OK) && !(b->status & VIRTIO_S_FEATURES_OK)) {
		/* Only what we offer, and the modern interface (no legacy layout here). */
		if ((b->drv_features & ~VBLK_FEATURES) || !(b->drv_features & VIRTIO_F_VERSION_1) ||
		    !fill_config(b))
			v &= ~VIRTIO_S_FEATURES_OK;
	}
	b->status = v & ~VIRTIO_S_NEEDS_RESET;
	serve(b);
}

/* The selected queue, NULL past the queues the driver may use. */
static struct vblk_queue *sel_queue(struct vblk *b)
{
	return b->queue_sel < queues(b) ? &b->q[b->queue_sel] : NULL;
}

static uint32_t read_reg(struct vblk *b, uint64_t off)
{
	const struct vblk_queue *q = sel_queue(b);

	switch (off) {
	case VMMIO_MAGIC:
		return VMMIO_MAGIC_VALUE;
	case VMMIO_VERSION:
		return VMMIO_VERSION_MODERN;
	case VMMIO_DEVICE_ID:
		return VIRTIO_ID_BLOCK;
	case VMMIO_VENDOR_ID:
		return VMMIO_VENDOR;
	case VMMIO_DEV_FEATURES:
		return b->dev_sel < 2 ? (uint32_t)(VBLK_FEATURES >> (32 * b->dev_sel)) : 0;
	case VMMIO_QUEUE_NUM_MAX:
		return q ? VIRTQ_MAX_SIZE : 0; /* 0: no such queue (4.2.3.2) */
	case VMMIO_QUEUE_READY:
		return q && q->ready;
	case VMMIO_INT_STATUS:
		return atomic_load(&b->isr);
	case VMMIO_STATUS:
		return b->status |
		       (b->needs_reset || vdisk_faulted(b->vm) ? VIRTIO_S_NEEDS_RESET : 0);
	case VMMIO_QUEUE_DESC_LO:
		return q ? (uint32_t)q->desc : 0;
	case VMMIO_QUEUE_DESC_HI:
		return q ? (uint32_t)(q->desc >> 32) : 0;
	case VMMIO_QUEUE_DRIVER_LO:
		return q ? (uint32_t)q->driver : 0;
	case VMMIO_QUEUE_DRIVER_HI:
		return q ? (uint32_t)(q->driver >> 32) : 0;
	case VMMIO_QUEUE_DEVICE_LO:
		return q ? (uint32_t)q->device : 0;
	case VMMIO_QUEUE_DEVICE_HI:
		return q ? (uint32_t)(q->device >> 32) : 0;
	case VMMIO_CONFIG_GEN:
		return 0; /* the configuration never changes */
	default:
		/* SHMLen/SHMBase all ones: no shared memory region (4.2.2). */
		if (off >= VMMIO_SHM_LEN_LO && off <= VMMIO_SHM_BASE_HI)
			return 0xffffffffU;
		return 0;
	}
}

/* Queue registers may change only while the queue is not ready (4.2.2.2). */
static void set_half(uint64_t *reg, bool high, uint32_t v)
{
	*reg = high ? (*reg & 0xffffffffULL) | (uint64_t)v << 32 : (*reg & ~0xffffffffULL) | v;
}

static void write_reg(struct vblk *b, uint64_t off, uint32_t v)
{
	struct vblk_queue *q = sel_queue(b);
	bool idle = q && !q->ready;

	switch (off) {
	case VMMIO_DEV_FEATURES_SEL:
		b->dev_sel = v;
		break;
	case VMMIO_DRV_FEATURES:
		if (b->drv_sel < 2 && !(b->status & VIRTIO_S_FEATURES_OK))
			set_half(&b->drv_features, b->drv_sel == 1, v);
		break;
	case VMMIO_DRV_FEATURES_SEL:
		b->drv_sel = v;
		break;
	case VMMIO_QUEUE_SEL:
		b->queue_sel = v;
		break;
	case VMMIO_QUEUE_NUM:
		if (idle)
			q->num = v;
		break;
	case VMMIO_QUEUE_READY:
		if (!q)
			break; /* a queue the device does not have stays not ready */
		if (!v) {
			if (q->served)
				vdisk_detach_queue(b->vm, b->queue_sel);
			q->served = q->ready = false;
		} else if (!q->ready && queue_check(b, q)) {
			q->ready = true;
			serve_queue(b, b->queue_sel);
		}
		break;
	case VMMIO_INT_ACK:
		atomic_fetch_and(&b->isr, ~v);
		break;
	case VMMIO_STATUS:
		write_status(b, v);
		break;
	case VMMIO_QUEUE_DESC_LO:
	case VMMIO_QUEUE_DESC_HI:
		if (idle)
			set_half(&q->desc, off == VMMIO_QUEUE_DESC_HI, v);
		break;
	case VMMIO_QUEUE_DRIVER_LO:
	case VMMIO_QUEUE_DRIVER_HI:
		if (idle)
			set_half(&q->driver, off == VMMIO_QUEUE_DRIVER_HI, v);
		break;
	case VMMIO_QUEUE_DEVICE_LO:
	case VMMIO_QUEUE_DEVICE_HI:
		if (idle)
			set_half(&q->device, off == VMMIO_QUEUE_DEVICE_HI, v);
		break;
	default:
		break; /* read-only registers and SHMSel: ignored */
	}
}

int vblk_mmio(void *ctx, uint64_t off, bool write, unsigned int size, uint64_t *val)
{
	struct vblk *b = ctx;

	if (off >= VBLK_MMIO_SIZE || (off & (size - 1)))
		return E_INVAL;
	if (off >= VMMIO_CONFIG) {
		/* The configuration space: any naturally aligned width; writes ignored. */
		uint64_t v = 0, c = off - VMMIO_CONFIG;

		if (write)
			return 0;
		for (unsigned int i = 0; i < size; i++)
			if (c + i < VBLK_CFG_SIZE)
				v |= (uint64_t)b->cfg[c + i] << (8 * i);
		*val = v;
		return 0;
	}
	if (size != 4)
		return E_INVAL; /* registers are 32 bits wide, accessed as such (4.2.2.1) */
	if (write && off == VMMIO_QUEUE_NOTIFY) {
		/*
		 * The value is the queue's index (4.2.2; no VIRTIO_F_NOTIFICATION_DATA): its
		 * engine may wait in WFE, which the SEV ends for every engine, or sleep in WFI,
		 * which only an SGI to its core ends. A queue past the device's kicks nobody.
		 */
		spsc_wake();
		vdisk_kick(b->vm, (uint32_t)*val);
		return 0;
	}
	if (!write && off == VMMIO_INT_STATUS) {
		*val = atomic_load(&b->isr);
		return 0;
	}
	spin_lock(&b->lock);
	if (write)
		write_reg(b, off, (uint32_t)*val);
	else
		*val = read_reg(b, off);
	spin_unlock(&b->lock);
	return 0;
}
