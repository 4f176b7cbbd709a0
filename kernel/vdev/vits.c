// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * The guest's GICv3 ITS (IHI 0069, 5.3 and 12.19): registers, the command queue and the
 * translation of a (DeviceID, EventID) message into an LPI for a vCPU. Commands run when the
 * guest writes GITS_CWRITER, to the end of the queue, so GITS_CREADR has caught up by the time
 * the write completes and SYNC has nothing left to wait for.
 *
 * The tables live in the guest's memory, as the architecture has them: GITS_BASER0 the device
 * table, GITS_BASER1 the collection table, each device's interrupt translation table (ITT)
 * where MAPD puts it. Their entry formats are IMPLEMENTATION DEFINED (5.2); ours, 8 bytes each:
 *   device:      [63] valid, [51:8] ITT address >> 8, [4:0] EventID bits - 1
 *   ITT:         [63] valid, [47:32] ICID, [31:0] LPI INTID
 *   collection:  [63] valid, [15:0] target (a vCPU's GICR_TYPER.Processor_Number; PTA is 0)
 * Each entry is read or written only after Stage-2 says it lies in the VM's RAM
 * (vgic_guest_ram()). A command the tables or its own fields make impossible stalls the queue
 * (GITS_CREADR.Stalled, CREADR naming the command), one of the two responses 5.3.2 allows, with
 * a rate-limited log line; the guest recovers by writing GITS_CWRITER.Retry or GITS_CBASER.
 */
#include "kernel/vdev/vits.h"

#include "kernel/console.h"
#include "kernel/lib/bits.h"
#include "kernel/lib/err.h"
#include "kernel/vdev/vgic.h"
#include "kernel/vmm/vcpu.h"
#include "kernel/vmm/vm.h"
#include "kernel/vmm/vm_msi.h"

/* ITS_base register offsets (12.19). */
#define GITS_CTLR    0x0000
#define GITS_IIDR    0x0004
#define GITS_TYPER   0x0008
#define GITS_CBASER  0x0080
#define GITS_CWRITER 0x0088
#define GITS_CREADR  0x0090
#define GITS_BASER   0x0100 /* GITS_BASER<n> at 0x100 + 8n, n 0-7 */
#define GITS_PIDR2   0xffe8

#define GITS_CTLR_ENABLED   BIT(0)
#define GITS_CTLR_QUIESCENT BIT(31)
/* GITS_TYPER (12.19.20): Physical, ITT_entry_size - 1, ID bits - 1, Devbits - 1, PTA 0. */
#define GITS_TYPER_VALUE                                                                         \
	(BIT(0) | (uint64_t)(VITS_ENTRY_BYTES - 1) << 4 | (uint64_t)(VITS_EVENT_BITS - 1) << 8 | \
	 (uint64_t)(VITS_DEVID_BITS - 1) << 13)
#define GITS_IIDR_VALUE	 0x43b /* ProductID 0, implementer Arm */
#define GITS_PIDR2_VALUE 0x3b  /* ArchRev 3 */

/* GITS_CBASER (12.19.6): Valid, Physical_Address [51:12], Size [7:0] in 4 KiB pages - 1. */
#define CBASER_VALID	 BIT(63)
#define CBASER_PA_MASK	 0x000ffffffffff000UL
#define CBASER_SIZE_MASK 0xffUL
#define CBASER_RW_MASK	 (CBASER_VALID | CBASER_PA_MASK | CBASER_SIZE_MASK | 0x3fUL << 53 | 0xc00UL)
/* GITS_CWRITER.Retry and GITS_CREADR.Stalled are bit 0; Offset is [19:5]. */
#define CQ_OFFSET_MASK 0xfffe0UL
#define CWRITER_RETRY  BIT(0)
#define CREADR_STALLED BIT(0)
#define CMD_BYTES      32

/* GITS_BASER<n> (12.19.3): Type [58:56], Entry_Size [52:48], Page_Size [9:8], Size [7:0]. */
#define BASER_VALID	   BIT(63)
#define BASER_INDIRECT	   BIT(62)
#define BASER_TYPE_SHIFT   56
#define BASER_ENTRY_SHIFT  48
#define BASER_TYPE_DEVICES 1UL
#define BASER_TYPE_COLL	   4UL
#define BASER_PA_MASK	   0x0000fffffffff000UL
#define BASER_PAGE_SHIFT   8
#define BASER_SIZE_MASK	   0xffUL
/* What the guest may set: Valid, InnerCache, OuterCache, PA, Shareability, Page_Size, Size. */
#define BASER_RW_MASK                                                                 \
	(BASER_VALID | 7UL << 59 | 7UL << 53 | BASER_PA_MASK | 3UL << 10 | 3UL << 8 | \
	 BASER_SIZE_MASK)

/* Command numbers (5.3, table 5-7). */
enum its_cmd {
	CMD_MOVI = 0x01,
	CMD_INT = 0x03,
	CMD_CLEAR = 0x04,
	CMD_SYNC = 0x05,
	CMD_MAPD = 0x08,
	CMD_MAPC = 0x09,
	CMD_MAPTI = 0x0a,
	CMD_MAPI = 0x0b,
	CMD_INV = 0x0c,
	CMD_INVALL = 0x0d,
	CMD_MOVALL = 0x0e,
	CMD_DISCARD = 0x0f,
};

#define ENTRY_VALID BIT(63)

void vits_reset(struct vits *its)
{
	*its = (struct vits){ 0 };
	its->baser[0] = BASER_TYPE_DEVICES << BASER_TYPE_SHIFT | (uint64_t)(VITS_ENTRY_BYTES - 1)
									 << BASER_ENTRY_SHIFT;
	its->baser[1] = BASER_TYPE_COLL << BASER_TYPE_SHIFT | (uint64_t)(VITS_ENTRY_BYTES - 1)
								      << BASER_ENTRY_SHIFT;
}

/* One command's reading: what it says, and why it cannot be done (NULL while it can). */
struct its_ctx {
	struct vm *vm;
	const char *why;
};

static uint64_t fail(struct its_ctx *c, const char *why)
{
	if (!c->why)
		c->why = why;
	return 0;
}

/* The PA of entry 'index' of the table GITS_BASER<n> describes, or 0 (with c->why). */
static uint64_t table_entry(struct its_ctx *c, unsigned int n, uint64_t index)
{
	uint64_t baser = c->vm->its.baser[n];
	static const uint64_t page_bytes[4] = { 0x1000, 0x4000, 0x10000, 0x10000 };
	uint64_t bytes =
		((baser & BASER_SIZE_MASK) + 1) * page_bytes[(baser >> BASER_PAGE_SHIFT) & 3];
	uint64_t pa;

	if (!(baser & BASER_VALID))
		return fail(c, n ? "no collection table (GITS_BASER1)"
				 : "no device table (GITS_BASER0)");
	if (index >= bytes / VITS_ENTRY_BYTES)
		return fail(c, n ? "ICID beyond the collection table"
				 : "DeviceID beyond the device table");
	pa = vgic_guest_ram(c->vm, (baser & BASER_PA_MASK) + index * VITS_ENTRY_BYTES,
			    VITS_ENTRY_BYTES);
	return pa ? pa : fail(c, "table outside the VM's RAM");
}

static uint64_t entry_read(uint64_t pa)
{
	return *(volatile uint64_t *)(uintptr_t)pa;
}

static void entry_write(uint64_t pa, uint64_t v)
{
	*(volatile uint64_t *)(uintptr_t)pa = v;
}

/* The PA of DeviceID's ITT entry for 'event' (with the device mapped), or 0. */
static uint64_t itt_entry(struct its_ctx *c, uint64_t devid, uint64_t event)
{
	uint64_t dte_pa, dte, ipa, pa;

	if (devid >= BIT(VITS_DEVID_BITS))
		return fail(c, "DeviceID out of range");
	dte_pa = table_entry(c, 0, devid);
	if (!dte_pa)
		return 0;
	dte = entry_read(dte_pa);
	if (!(dte & ENTRY_VALID))
		return fail(c, "device not mapped (MAPD)");
	if (event >= BIT((dte & 0x1f) + 1))
		return fail(c, "EventID beyond the device's ITT");
	ipa = (dte & 0x000fffffffffff00UL) + event * VITS_ENTRY_BYTES;
	pa = vgic_guest_ram(c->vm, ipa, VITS_ENTRY_BYTES);
	return pa ? pa : fail(c, "ITT outside the VM's RAM");
}

/* The vCPU a collection names, or NULL. */
static struct vcpu *collection_vcpu(struct its_ctx *c, uint64_t icid)
{
	uint64_t pa, cte;

	if (icid >= BIT(VITS_ICID_BITS)) {
		fail(c, "ICID out of range");
		return NULL;
	}
	pa = table_entry(c, 1, icid);
	if (!pa)
		return NULL;
	cte = entry_read(pa);
	if (!(cte & ENTRY_VALID)) {
		fail(c, "collection not mapped (MAPC)");
		return NULL;
	}
	if ((cte & 0xffff) >= c->vm->n_vcpus) { /* MAPC checked it; the guest may have since */
		fail(c, "collection's target is no vCPU");
		return NULL;
	}
	return &c->vm->vcpus[cte & 0xffff];
}

/* A mapped (DeviceID, EventID): its ITT entry's PA and contents, and its vCPU. */
struct its_map {
	uint64_t pa, ite;
	unsigned int intid;
	struct vcpu *v;
};

static bool lookup(struct its_ctx *c, uint64_t devid, uint64_t event, struct its_map *m)
{
	m->pa = itt_entry(c, devid, event);
	if (!m->pa)
		return false;
	m->ite = entry_read(m->pa);
	if (!(m->ite & ENTRY_VALID))
		return fail(c, "event not mapped (MAPTI)") != 0;
	m->intid = (uint32_t)m->ite;
	m->v = collection_vcpu(c, (m->ite >> 32) & 0xffff);
	return m->v != NULL;
}

/* A target RDbase (PTA 0: a processor number) as a vCPU, or NULL. */
static struct vcpu *rdbase_vcpu(struct its_ctx *c, uint64_t dw)
{
	uint64_t rd = (dw >> 16) & 0x7ffffffffUL; /* RDbase [50:16] */

	if (rd >= c->vm->n_vcpus) {
		fail(c, "RDbase names no vCPU");
		return NULL;
	}
	return &c->vm->vcpus[rd];
}

static bool lpi_ok(uint64_t intid)
{
	return intid >= VGIC_LPI_BASE && intid < VGIC_LPI_BASE + VGIC_NR_LPIS;
}

/* Carry out one command (5.3.x); c->why says why it could not be. */
static void its_command(struct its_ctx *c, const uint64_t cmd[4])
{
	uint64_t devid = cmd[0] >> 32, event = (uint32_t)cmd[1], icid = cmd[2] & 0xffff;
	struct its_map m;
	struct vcpu *to;
	uint64_t pa;

	switch (cmd[0] & 0xff) {
	case CMD_MAPD: { /* DW1 [4:0] Size, DW2 [51:8] ITT_addr, [63] V */
		uint64_t size = cmd[1] & 0x1f;

		if (devid >= BIT(VITS_DEVID_BITS)) {
			fail(c, "DeviceID out of range");
			return;
		}
		if (size >= VITS_EVENT_BITS) {
			fail(c, "ITT Size beyond GITS_TYPER.ID_bits");
			return;
		}
		pa = table_entry(c, 0, devid);
		if (!pa)
			return;
		if (!(cmd[2] & ENTRY_VALID)) {
			entry_write(pa, 0);
			return;
		}
		/* The whole ITT must be the VM's RAM before any event can be mapped in it. */
		if (!vgic_guest_ram(c->vm, cmd[2] & 0x000fffffffffff00UL,
				    BIT(size + 1) * VITS_ENTRY_BYTES)) {
			fail(c, "ITT outside the VM's RAM");
			return;
		}
		entry_write(pa, ENTRY_VALID | (cmd[2] & 0x000fffffffffff00UL) | size);
		return;
	}
	case CMD_MAPC: { /* DW2 [15:0] ICID, [50:16] RDbase, [63] V */
		if (icid >= BIT(VITS_ICID_BITS)) {
			fail(c, "ICID out of range");
			return;
		}
		pa = table_entry(c, 1, icid);
		if (!pa)
			return;
		if (!(cmd[2] & ENTRY_VALID)) {
			entry_write(pa, 0);
			return;
		}
		to = rdbase_vcpu(c, cmd[2]);
		if (to)
			entry_write(pa, ENTRY_VALID | to->id);
		return;
	}
	case CMD_MAPTI:
	case CMD_MAPI: { /* DW1 [31:0] EventID, [63:32] pINTID (MAPTI), DW2 [15:0] ICID */
		uint64_t intid = (cmd[0] & 0xff) == CMD_MAPI ? event : cmd[1] >> 32;

		if (!lpi_ok(intid)) {
			fail(c, "pINTID is not an LPI this GIC has");
			return;
		}
		if (icid >= BIT(VITS_ICID_BITS)) {
			fail(c, "ICID out of range");
			return;
		}
		pa = itt_entry(c, devid, event);
		if (pa)
			entry_write(pa, ENTRY_VALID | icid << 32 | intid);
		return;
	}
	case CMD_INT: /* DeviceID, EventID: as if the device had written GITS_TRANSLATER */
		if (lookup(c, devid, event, &m))
			vgic_inject_lpi(m.v, m.intid);
		return;
	case CMD_CLEAR:
		if (lookup(c, devid, event, &m))
			vgic_clear_lpi(m.v, m.intid);
		return;
	case CMD_DISCARD:
		if (!lookup(c, devid, event, &m))
			return;
		vgic_clear_lpi(m.v, m.intid);
		entry_write(m.pa, 0);
		return;
	case CMD_MOVI: /* DW2 [15:0] ICID: the event's new collection, its pending state along */
		if (!lookup(c, devid, event, &m))
			return;
		to = collection_vcpu(c, icid);
		if (!to)
			return;
		entry_write(m.pa, (m.ite & ~(0xffffUL << 32)) | icid << 32);
		vgic_move_lpis(m.v, to, m.intid);
		return;
	case CMD_MOVALL: { /* DW2 RDbase1, DW3 RDbase2: every pending LPI from one to the other */
		struct vcpu *from = rdbase_vcpu(c, cmd[2]);

		to = rdbase_vcpu(c, cmd[3]);
		if (from && to)
			vgic_move_lpis(from, to, 0);
		return;
	}
	case CMD_INV: /* the property table is read at each delivery: nothing cached to drop */
		if (lookup(c, devid, event, &m))
			vgic_inject_kick(m.v);
		c->vm->its.inv = true; /* a vPE's redistributor may have cached it (GICv4) */
		return;
	case CMD_INVALL:
		to = collection_vcpu(c, icid);
		if (to)
			vgic_inject_kick(to);
		c->vm->its.inv = true;
		return;
	case CMD_SYNC: /* every earlier command has taken effect already */
		(void)rdbase_vcpu(c, cmd[2]);
		return;
	default:
		fail(c, "unknown command");
		return;
	}
}

/* Commands after which an event may interrupt another vCPU (or none) than before. */
static bool moves_events(uint64_t dw0)
{
	switch (dw0 & 0xff) {
	case CMD_MAPD:
	case CMD_MAPC:
	case CMD_MAPTI:
	case CMD_MAPI:
	case CMD_MOVI:
	case CMD_MOVALL:
	case CMD_DISCARD:
		return true;
	default:
		return false;
	}
}

static uint64_t queue_bytes(const struct vits *its)
{
	return ((its->cbaser & CBASER_SIZE_MASK) + 1) * 0x1000;
}

/* Run the queue from CREADR to CWRITER, or until a command stalls it. */
static void its_process(struct vm *vm)
{
	struct vits *its = &vm->its;
	uint64_t size = queue_bytes(its);

	if (!(its->ctlr & GITS_CTLR_ENABLED) || !(its->cbaser & CBASER_VALID) ||
	    (its->creadr & CREADR_STALLED))
		return;
	/* At most one pass over the queue: CWRITER is within it (checked when written). */
	while ((its->creadr & CQ_OFFSET_MASK) != (its->cwriter & CQ_OFFSET_MASK)) {
		uint64_t off = its->creadr & CQ_OFFSET_MASK, cmd[4];
		uint64_t pa = vgic_guest_ram(vm, (its->cbaser & CBASER_PA_MASK) + off, CMD_BYTES);
		struct its_ctx c = { .vm = vm, .why = NULL };

		if (pa) {
			for (unsigned int i = 0; i < 4; i++)
				cmd[i] = entry_read(pa + 8 * i);
			its_command(&c, cmd);
			if (moves_events(cmd[0]))
				its->routes_changed = true;
		} else {
			cmd[0] = 0;
			fail(&c, "command queue outside the VM's RAM");
		}
		its->commands++;
		if (c.why) {
			its->creadr = off | CREADR_STALLED;
			if (log_nth_ok(++its->errors))
				pr_warn("vm%u: ITS command 0x%02llx at queue offset 0x%llx "
					"refused: %s; "
					"the queue stalls (GITS_CREADR.Stalled)\n",
					vm->id, (unsigned long long)(cmd[0] & 0xff),
					(unsigned long long)off, c.why);
			return;
		}
		its->creadr = (off + CMD_BYTES) % size;
	}
}

bool vits_translate(struct vm *vm, uint32_t devid, uint32_t event)
{
	return vits_deliver(vm, devid, event) != NULL;
}

struct vcpu *vits_deliver(struct vm *vm, uint32_t devid, uint32_t event)
{
	struct its_ctx c = { .vm = vm, .why = NULL };
	struct its_map m;

	vm->its.translations++;
	if ((vm->its.ctlr & GITS_CTLR_ENABLED) && lookup(&c, devid, event, &m)) {
		vgic_inject_lpi(m.v, m.intid);
		return m.v;
	}
	if (!c.why)
		c.why = "the ITS is disabled";
	/* 5.3.2: a translation that fails is ignored (no SError: GITS_TYPER.SEIS is 0). */
	if (log_nth_ok(++vm->its.errors))
		pr_warn("vm%u: MSI from DeviceID 0x%x EventID 0x%x dropped: %s\n", vm->id, devid,
			event, c.why);
	return NULL;
}

bool vits_lookup(struct vm *vm, uint32_t devid, uint32_t event, unsigned int *intid,
		 struct vcpu **v)
{
	struct its_ctx c = { .vm = vm, .why = NULL };
	struct its_map m;

	if (!(vm->its.ctlr & GITS_CTLR_ENABLED) || !lookup(&c, devid, event, &m) ||
	    !lpi_ok(m.intid))
		return false;
	*intid = m.intid;
	*v = m.v;
	return true;
}

/* A 32-bit half or a whole 64-bit register at 'off' within the 8 bytes of 'reg'. */
static uint64_t reg_read(uint64_t reg, uint64_t off, unsigned int size)
{
	return size == 8 ? reg : (uint32_t)(reg >> (8 * (off & 4)));
}

static uint64_t reg_write(uint64_t reg, uint64_t off, unsigned int size, uint64_t val)
{
	if (size == 8)
		return val;
	if (off & 4)
		return (reg & 0xffffffffUL) | val << 32;
	return (reg & ~0xffffffffUL) | (uint32_t)val;
}

static int its_regs(struct vm *vm, uint64_t off, bool write, unsigned int size, uint64_t *val)
{
	struct vits *its = &vm->its;
	uint64_t reg = off & ~7UL;

	switch (reg) {
	case GITS_CTLR: /* CTLR, then IIDR in the same doubleword */
		if (size != 4)
			return E_INVAL;
		if (off == GITS_IIDR) {
			if (!write)
				*val = GITS_IIDR_VALUE;
			return 0;
		}
		if (!write) {
			/* Quiescent: commands and translations complete within the access. */
			*val = its->ctlr | GITS_CTLR_QUIESCENT;
			return 0;
		}
		its->ctlr = (uint32_t)*val & GITS_CTLR_ENABLED;
		its_process(vm);
		return 0;
	case GITS_TYPER:
		if (!write)
			*val = reg_read(GITS_TYPER_VALUE, off, size);
		return 0;
	case GITS_CBASER:
		if (!write) {
			*val = reg_read(its->cbaser, off, size);
			return 0;
		}
		/* Writable while the ITS is disabled (12.19.6); CREADR then starts over at 0. */
		if (!(its->ctlr & GITS_CTLR_ENABLED)) {
			its->cbaser = reg_write(its->cbaser, off, size, *val) & CBASER_RW_MASK;
			its->creadr = 0;
		}
		return 0;
	case GITS_CWRITER:
		if (!write) {
			*val = reg_read(its->cwriter, off, size);
			return 0;
		}
		if (off & 4)
			return 0; /* the upper half is RES0 */
		/* An offset past the queue is UNPREDICTABLE (12.19.8): it is ignored here. */
		if ((*val & CQ_OFFSET_MASK) >= queue_bytes(its)) {
			if (log_nth_ok(++its->errors))
				pr_warn("vm%u: GITS_CWRITER 0x%llx lies outside the command queue: "
					"ignored\n",
					vm->id, (unsigned long long)*val);
			return 0;
		}
		its->cwriter = *val & CQ_OFFSET_MASK;
		if (*val & CWRITER_RETRY)
			its->creadr &= ~CREADR_STALLED; /* try the stalled command again */
		its_process(vm);
		return 0;
	case GITS_CREADR:
		if (!write)
			*val = reg_read(its->creadr, off, size);
		return 0;
	case GITS_PIDR2 & ~7UL:
		if (!write)
			*val = off == GITS_PIDR2 ? GITS_PIDR2_VALUE : 0;
		return 0;
	default:
		break;
	}
	if (reg >= GITS_BASER && reg < GITS_BASER + 8 * 8) {
		unsigned int n = (unsigned int)(reg - GITS_BASER) / 8;

		if (n >= 2) { /* Type None: RAZ/WI */
			if (!write)
				*val = 0;
			return 0;
		}
		if (!write) {
			*val = reg_read(its->baser[n], off, size);
			return 0;
		}
		/* Type and Entry_Size are read-only; Indirect is RAZ/WI (flat tables only). */
		if (!(its->ctlr & GITS_CTLR_ENABLED))
			its->baser[n] = (its->baser[n] & ~BASER_RW_MASK) |
					(reg_write(its->baser[n], off, size, *val) & BASER_RW_MASK);
		return 0;
	}
	if (!write)
		*val = 0; /* the rest of ITS_base: reserved, RAZ/WI */
	return 0;
}

int vits_mmio(void *ctx, uint64_t offset, bool write, unsigned int size, uint64_t *val)
{
	struct vm *vm = ctx;
	bool follow, inv = false;
	int err = 0;

	/* GITS_TRANSLATER also takes 16-bit writes (12.19.21); the rest 32 or 64 bits. */
	if ((size != 4 && size != 8 && !(size == 2 && offset == VITS_TRANSLATER)) ||
	    (offset & (size - 1)) || offset >= VITS_MMIO_SIZE)
		return E_INVAL;
	spin_lock(&vm->vgic_lock);
	if (offset == VITS_TRANSLATER) {
		/*
		 * A write from the guest's CPU. The DeviceID of a message is what the bus gives
		 * the ITS; a CPU has none, so its writes are DeviceID 0 (as QEMU's ITS treats them).
		 */
		if (write)
			vits_translate(vm, 0, (uint32_t)(size == 2 ? (uint16_t)*val : *val));
		else
			*val = 0; /* write-only */
	} else if (offset >= 0x10000) {
		if (!write)
			*val = 0; /* the rest of the translation frame */
	} else {
		err = its_regs(vm, offset, write, size, val);
		inv = vm->its.inv;
		vm->its.inv = false;
	}
	follow = vm->its.routes_changed;
	vm->its.routes_changed = false;
	spin_unlock(&vm->vgic_lock);
	/*
	 * Commands ran, or the ITS was switched on or off: the mappings of passed-through
	 * functions' events at the physical ITS follow the guest's tables (GICv4). Outside
	 * vgic_lock, which the VM model takes inside its pci_lock.
	 */
	if (write && (offset & ~7UL) == GITS_CWRITER)
		vm_msi_its_changed(vm, inv);
	else if (write && offset == GITS_CTLR)
		vm_msi_its_changed(vm, false);
	/* Likewise outside vgic_lock: each hypervisor LPI to the CPU its vCPU now runs on. */
	if (follow)
		vm_msi_follow(vm);
	return err;
}
