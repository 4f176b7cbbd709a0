/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * The physical GICv3 ITS and LPIs, owned by the hypervisor (IHI 0069, 5.1 LPIs, 5.2-5.3 the ITS,
 * 12.19 GITS_*): its device, collection and command tables in hypervisor memory, one LPI
 * property table and a pending table per redistributor, one collection per CPU, and LPIs taken
 * at EL2 and handed to whoever mapped them (the MSI mediation of passed-through functions).
 */
#ifndef KERNEL_GIC_ITS_H
#define KERNEL_GIC_ITS_H

#include <stdbool.h>
#include <stdint.h>

#define GIC_LPI_BASE 8192U /* the first LPI INTID (IHI 0069, 2.2.1) */
#define GIC_MAX_VPES 64U   /* vPEIDs handed out: one per vCPU of the running VMs */

/* Pages for the ITS's tables: 'pages' zeroed 4 KiB pages aligned to their size, or NULL. */
typedef void *(*gic_its_alloc_fn)(void *ctx, unsigned int pages, uint64_t *pa);
/* What an LPI the hypervisor took is for: called on the CPU that took it, after the EOI. */
typedef void (*gic_lpi_fn)(void *ctx, unsigned int intid);

/* What the probe found: shown by `gic` in the shell and used for the guests' doorbell. */
struct gic_its_info {
	bool on;		 /* the ITS is enabled and LPIs may be mapped */
	uint64_t base;		 /* ITS_base; GITS_TRANSLATER is at base + 0x10040 */
	uint64_t typer;		 /* GITS_TYPER as read */
	unsigned int devid_bits; /* DeviceIDs the device table covers: [0, 2^devid_bits) */
	unsigned int event_bits; /* GITS_TYPER.ID_bits + 1 */
	unsigned int itt_entry;	 /* bytes per ITT entry (GITS_TYPER.ITT_entry_size + 1) */
	unsigned int nr_lpis;	 /* LPIs the property table covers, from GIC_LPI_BASE */
	unsigned int lpis_used;
	unsigned int cpus_on;	   /* redistributors with EnableLPIs set by us */
	bool v4;		   /* GITS_TYPER.Virtual: GICv4 commands exist */
	bool vlpis;		   /* ...and every redistributor has GICR_TYPER.VLPIS */
	unsigned int vpes;	   /* vPEIDs the vPE table holds (0: no GICv4 here) */
	uint64_t commands, errors; /* commands issued; commands that stalled or timed out */
	uint64_t lpis_taken;	   /* LPIs dispatched at EL2 */
	uint64_t lpis_spurious;	   /* LPIs taken with no handler */
};

extern struct gic_its_info gic_its;

/*
 * Once, on the boot CPU, before gic_init_cpu() on any CPU: take the ITS at 'base' over (tables
 * from 'alloc', 'ncpus' pending tables for the redistributors, a command queue) and enable it;
 * 'dist' is the distributor (GICD_TYPER says whether there are LPIs). 0; E_NOENT without an
 * ITS, E_NOTSUP when the GIC has no LPIs or the ITS no physical LPIs, E_NOMEM, E_IO (firmware
 * left the ITS enabled).
 */
int gic_its_probe(uint64_t dist, uint64_t base, unsigned int ncpus, gic_its_alloc_fn alloc,
		  void *actx);
/*
 * On each CPU from gic_init_cpu(): LPIs on at its redistributor 'rd' (property and pending
 * table) and its collection mapped (MAPC, ICID the redistributor's processor number).
 */
int gic_its_cpu_init(uintptr_t rd);
/* The PA of GITS_TRANSLATER, the doorbell a device writes its EventID to; 0 without an ITS. */
uint64_t gic_its_translater(void);

/*
 * 'count' consecutive LPIs, enabled at the hypervisor's priority, each handled by fn(ctx, its
 * INTID): the first one's INTID, or 0 when no such run is free.
 */
unsigned int gic_lpi_alloc(unsigned int count, gic_lpi_fn fn, void *ctx);
/* Give them back (disabled; one still in flight is counted as spurious). */
void gic_lpi_free(unsigned int first, unsigned int count);
/*
 * A physical LPI acknowledged at EL2 (after its EOI): run its handler. True when 'intid' is an
 * LPI (handled or counted as spurious), false for any other INTID.
 */
bool gic_lpi_dispatch(unsigned int intid);

/*
 * Device 'devid' gets an ITT for 2^event_bits events (kept for the device's next MAPD), MAPD
 * V=1. 0, E_RANGE (DeviceID or event count beyond the ITS), E_NOMEM, E_BUSY.
 */
int gic_its_map_device(uint32_t devid, unsigned int event_bits);
/* MAPD V=0 and SYNC: every event of the device is forgotten. */
int gic_its_unmap_device(uint32_t devid);
/* MAPTI (devid, event) -> 'intid' in the collection of the CPU 'mpidr', INV, SYNC. */
int gic_its_map_event(uint32_t devid, uint32_t event, unsigned int intid, uint64_t mpidr);
/* MOVI: the event now interrupts the CPU 'mpidr'; SYNC. */
int gic_its_move_event(uint32_t devid, uint32_t event, uint64_t mpidr);
/* DISCARD: the event's mapping and pending state go; SYNC. */
int gic_its_discard_event(uint32_t devid, uint32_t event);

/*
 * GICv4.0 direct injection (IHI 0069, 5.4 and 6.3): the ITS turns a device's message straight
 * into a virtual LPI of a vPE, which the redistributor delivers to the virtual CPU interface
 * while the vPE is resident there, or records in its virtual pending table (VPT) and signals
 * with a physical doorbell LPI while it is not. True when this GIC can: an ITS with
 * GITS_TYPER.Virtual and a vPE table, and GICR_TYPER.VLPIS on every redistributor.
 */
bool gic_its_v4_ok(void);
/*
 * VMAPP: vPE 'vpeid' (below gic_its.vpes) lives at the redistributor of the CPU 'mpidr', its
 * VPT at 'vpt_pa' (64 KiB aligned, zeroed) covering vINTIDs below 2^id_bits; VSYNC. With
 * 'valid' false, the vPE is unmapped (SYNC). 0, E_NOENT, E_RANGE, or E_IO/E_BUSY from the ITS.
 */
int gic_its_vmapp(unsigned int vpeid, uint64_t mpidr, uint64_t vpt_pa, unsigned int id_bits,
		  bool valid);
/*
 * VMAPTI: event 'event' of device 'devid' becomes vLPI 'vintid' of vPE 'vpeid', with 'doorbell'
 * (a physical LPI, or 0 for none) raised when that vPE is not resident; VSYNC.
 */
int gic_its_vmapti(uint32_t devid, uint32_t event, unsigned int vpeid, unsigned int vintid,
		   unsigned int doorbell);
/* VMOVI: the event's vLPI now belongs to vPE 'vpeid' (its pending state along); VSYNC. */
int gic_its_vmovi(uint32_t devid, uint32_t event, unsigned int vpeid, unsigned int doorbell);
/* DISCARD of an event mapped to a vLPI of 'vpeid': mapping and pending state go; VSYNC. */
int gic_its_vdiscard(uint32_t devid, uint32_t event, unsigned int vpeid);
/* VINVALL: the redistributor re-reads every vLPI configuration of 'vpeid'; VSYNC. */
int gic_its_vinvall(unsigned int vpeid);
/*
 * On the CPU whose redistributor is 'rd': make a vPE resident (GICR_VPROPBASER = the property
 * table at 'prop_pa' for vINTIDs below 2^id_bits, GICR_VPENDBASER = its VPT, Valid), or not
 * (Valid cleared and GICR_VPENDBASER.Dirty waited out). gic_vpe_put() returns PendingLast: the
 * VPT may hold an enabled pending vLPI. 'first': the VPT was never resident (IDAI).
 */
void gic_vpe_load(uintptr_t rd, uint64_t prop_pa, unsigned int id_bits, uint64_t vpt_pa,
		  bool first);
bool gic_vpe_put(uintptr_t rd);

#endif
