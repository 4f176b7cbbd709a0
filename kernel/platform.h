/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* What the device tree says about the machine: everything the hypervisor may touch comes from here. */
#ifndef KERNEL_PLATFORM_H
#define KERNEL_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/arch/psci.h" /* enum psci_conduit */
#include "kernel/lib/fdt.h"

#define PLAT_MAX_MEM	     16
#define PLAT_MAX_CPUS	     64
#define PLAT_MAX_REDIST	     8
#define PLAT_MAX_DEVS	     64
#define PLAT_MAX_PCI_WINDOWS 4
#define PLAT_MAX_MSI_MAPS    8
/* Legacy INTx routes of the host bridge: QEMU virt's interrupt-map has 4 slots x 4 pins, an
 * ACPI _PRT lists all 32 devices x 4 pins of the root bus. */
#define PLAT_MAX_PCI_IMAP 128
#define PLAT_NAME_LEN	  48
#define PLAT_WARN_LEN	  160

struct plat_range {
	uint64_t base;
	uint64_t size;
};

/* PCI address space codes from the "ranges" phys.hi cell (IEEE 1275 PCI binding, ss field). */
enum pci_space { PCI_SPACE_CFG = 0, PCI_SPACE_IO = 1, PCI_SPACE_MEM32 = 2, PCI_SPACE_MEM64 = 3 };

struct pci_window {
	enum pci_space space;
	bool prefetchable;
	uint64_t pci_addr;
	uint64_t cpu_addr;
	uint64_t size;
};

struct plat_cpu {
	uint64_t mpidr; /* "reg" of the cpu node: MPIDR_EL1 affinity fields */
	bool psci;	/* enable-method = "psci" */
};

/* A device region to be mapped Device-nGnRE at EL2. */
struct plat_dev {
	char name[PLAT_NAME_LEN];
	struct plat_range reg;
};

/* Where the facts in struct platform came from. */
enum plat_source { PLAT_SRC_DT, PLAT_SRC_ACPI };

struct platform {
	/*
	 * Provenance: the DT or ACPI; UEFI's vendor when the image ran as an EFI application;
	 * SMBIOS strings (type 4 processor manufacturer and version, type 1 product name).
	 */
	struct {
		enum plat_source source;
		bool uefi;
		char vendor[PLAT_NAME_LEN];
		uint32_t revision;
		char cpu_manufacturer[PLAT_NAME_LEN];
		char cpu_version[PLAT_NAME_LEN];
		char product[PLAT_NAME_LEN];
		char acpi_oem[24];	       /* XSDT OEM ID and OEM table ID */
		char acpi_tables[64];	       /* signatures of the tables read, in order */
		char acpi_warn[PLAT_WARN_LEN]; /* the first optional table skipped, and why */
		char boot_warn[PLAT_WARN_LEN]; /* the first guest file UEFI could not load */
		bool firmware_bars; /* keep the BARs firmware assigned (ACPI: no _CRS windows) */
		unsigned int n_mem_dropped; /* free-RAM ranges of the EFI map beyond mem[] */
	} fw;
	/* PPTT (ACPI 6.5 5.2.30), when present: leaf processors, their parents, cache nodes. */
	struct {
		bool present;
		unsigned int cores, clusters, caches;
	} pptt;

	char model[PLAT_NAME_LEN];
	char compatible[PLAT_NAME_LEN];
	char bootargs[256];
	uint32_t dtb_size;

	struct plat_range mem[PLAT_MAX_MEM];
	unsigned int n_mem;
	struct plat_range reserved[PLAT_MAX_MEM]; /* /memreserve/ and /reserved-memory */
	unsigned int n_reserved;

	struct plat_cpu cpus[PLAT_MAX_CPUS];
	unsigned int n_cpus;

	struct {
		bool present;
		char node[PLAT_NAME_LEN];
		struct plat_range reg;
		uint32_t clock_hz; /* uartclk if the DTB names a fixed clock, else 0 */
		uint32_t intid;	   /* GIC INTID of its interrupt, or 0 when unknown */
		/* enum uart_kind (kernel/drivers/uart.h); 16550: register stride and width. */
		unsigned int kind;
		uint8_t reg_shift, reg_width;
		/* SPCR: the PCI function that is the UART (vendor 0xffff: not PCI). */
		uint16_t pci_vendor, pci_device;
		uint8_t pci_bus, pci_dev, pci_fn;
	} uart;

	struct {
		unsigned int version; /* 3 for arm,gic-v3; 2 for a GICv2; 0 none */
		struct plat_range dist;
		struct plat_range redist[PLAT_MAX_REDIST];
		unsigned int n_redist;
		struct plat_range its;
		uint32_t maint_irq; /* PPI number (INTID) of the maintenance interrupt, or 0 */
	} gic;

	struct {
		bool present;
		/* INTIDs of the secure physical, non-secure physical, virtual and hypervisor timers. */
		uint32_t intid_sec, intid_phys, intid_virt, intid_hyp;
		uint32_t clock_frequency; /* only when the DTB overrides CNTFRQ_EL0, else 0 */
	} timer;
	uint32_t pmu_intid; /* the PMU's overflow PPI (INTID) from arm,armv8-pmuv3, or 0 */

	struct {
		bool present;
		enum psci_conduit conduit;
		char compatible[PLAT_NAME_LEN]; /* first compatible, e.g. "arm,psci-1.0" */
	} psci;

	struct {
		bool present;
		struct plat_range ecam;
		uint32_t bus_start, bus_end;
		struct pci_window windows[PLAT_MAX_PCI_WINDOWS];
		unsigned int n_windows;
		/*
		 * "interrupt-map" (DT spec 2.4.3, PCI binding 4.1.1): an INTx of a function on
		 * the root bus, identified by phys.hi & imap_mask_hi (device bits) and pin
		 * (1 INTA .. 4 INTD) & imap_mask_pin, raises GIC INTID 'intid'. Entries whose
		 * parent is not a GIC with a 3-cell specifier are skipped.
		 */
		struct {
			uint32_t hi, pin, intid;
		} imap[PLAT_MAX_PCI_IMAP];
		unsigned int n_imap;
		uint32_t imap_mask_hi, imap_mask_pin;
		/* First "iommu-map" entry (pci-iommu.txt): RIDs [rid_base, rid_base + len) are
		 * StreamIDs from sid_base, at the IOMMU whose phandle it names. */
		bool iommu_map;
		uint32_t iommu_phandle, rid_base, sid_base, iommu_len;
		/*
		 * How RIDs become ITS DeviceIDs: the "msi-map" entries (pci-msi.txt), or the IORT's
		 * root complex ID mappings followed to an ITS group, through an SMMU's where they
		 * lead to one. RIDs [rid_base, rid_base + len) are DeviceIDs from devid_base; the
		 * first entry that covers a RID decides. Without any, DeviceID = RID.
		 */
		struct plat_msi_map {
			uint32_t rid_base, devid_base;
			uint64_t len;
		} msi[PLAT_MAX_MSI_MAPS];
		unsigned int n_msi;
	} pcie;

	struct {
		bool present;
		struct plat_range reg;
		uint32_t phandle; /* 0 when it has none */
	} smmu;

	struct plat_dev devs[PLAT_MAX_DEVS];
	unsigned int n_devs;
	unsigned int n_devs_dropped; /* regions that did not fit in devs[] */
};

/*
 * Fill 'p' from a validated device tree. Returns 0, or a negative error with the reason in 'why'
 * (no memory node, no usable console, cells out of range, ...). 'why' is cleared first.
 */
struct err_why;
int plat_parse(struct platform *p, const struct fdt *f, struct err_why *why);

/*
 * Fill 'p' from ACPI tables, starting at the RSDP at physical address 'rsdp' (read through an
 * identity map). 'avail(ctx, pa)' says how many bytes are readable from 'pa' (0: none), so that
 * no table is read past the memory it lies in. MADT and SPCR are required; a bad optional table
 * (GTDT, MCFG, IORT, FADT, PPTT) is skipped with a note in p->fw.acpi_warn. RAM (p->mem) is
 * not described by ACPI: the caller fills it from the UEFI memory map. Returns 0, or a negative
 * error with the reason in 'why'.
 */
typedef uint64_t (*plat_acpi_avail_fn)(const void *ctx, uint64_t pa);
int plat_acpi_parse(struct platform *p, uint64_t rsdp, plat_acpi_avail_fn avail, const void *ctx,
		    struct err_why *why);
/* One table at 't', 'avail' bytes readable: the step plat_acpi_parse() takes for each entry of
 * the XSDT. Unknown signatures return 0 and change nothing. */
int plat_acpi_table(struct platform *p, const void *t, uint64_t avail, struct err_why *why);
/* The checks plat_acpi_parse() makes once every table is read (a GIC, CPUs, a console). */
int plat_acpi_finish(struct platform *p, struct err_why *why);

/*
 * The ITS DeviceID of the function with Requester ID 'rid' (p->pcie.msi): true with *devid
 * set, false when maps exist and none covers it (its messages reach no ITS).
 */
bool plat_pci_devid(const struct platform *p, uint32_t rid, uint32_t *devid);

/* Name of a PSCI conduit ("smc", "hvc", "none"). */
const char *plat_conduit_name(enum psci_conduit c);
/* Total bytes of RAM described. */
uint64_t plat_mem_total(const struct platform *p);

/* The architected timers, in the order of the arm,armv8-timer "interrupts" property. */
enum plat_timer { PLAT_TIMER_SEC, PLAT_TIMER_PHYS, PLAT_TIMER_VIRT, PLAT_TIMER_HYP };

/*
 * INTIDs the DTB gives for the GIC maintenance interrupt and the timers. A DTB may leave the
 * GIC's "interrupts" out (it is optional in arm,gic-v3.yaml) or list fewer timer interrupts;
 * only then do these answer the Arm Base System Architecture's recommended PPIs (maintenance
 * 25; secure 29, non-secure 30, virtual 27, hypervisor 26), which QEMU's virt board also uses.
 */
uint32_t plat_gic_maint_intid(const struct platform *p);
uint32_t plat_timer_intid(const struct platform *p, enum plat_timer t);
/* The PMU overflow interrupt's INTID: the DTB's, else the BSA's PPI 23 (QEMU virt's too). */
uint32_t plat_pmu_intid(const struct platform *p);

#endif
