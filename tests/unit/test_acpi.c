// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * Host tests of the ACPI parser (kernel/lib/acpi.c, kernel/platform_acpi.c) on tables captured
 * from QEMU 7.2 virt through EDK2 (-cpu max -smp 2 -m 1G, iommu=smmuv3: tests/fixtures/acpi/,
 * dumped from Linux's /sys/firmware/acpi/tables), checked against the DT of the same machine
 * (virt-max-smmuv3-smp2-1G.dtb); and on corrupted copies: truncated, bad checksums, lengths
 * past the end, subtables that overrun, random bytes. Also the SMBIOS string reader, and the
 * _PRT reader on QEMU's DSDT (its INTx routes against the DT's interrupt-map).
 */
#include "kernel/drivers/uart.h"
#include "kernel/lib/acpi.h"
#include "kernel/lib/aml.h"
#include "kernel/lib/fdt.h"
#include "kernel/lib/smbios.h"
#include "kernel/platform.h"
#include "test.h"

static const char *const tables[] = {
	"APIC", "FACP", "GTDT", "IORT", "MCFG", "PPTT", "SPCR", "DBG2"
};
#define N_TABLES (sizeof(tables) / sizeof(tables[0]))

struct blob {
	uint8_t *p;
	size_t n;
};

static struct blob load(const char *sig)
{
	char name[64];
	struct blob b;

	snprintf(name, sizeof(name), "acpi/%s.bin", sig);
	b.p = test_load_fixture(name, &b.n);
	return b;
}

static void fix_checksum(uint8_t *t, size_t n)
{
	uint8_t s = 0;

	t[9] = 0;
	for (size_t i = 0; i < n; i++)
		s = (uint8_t)(s + t[i]);
	t[9] = (uint8_t)(0x100 - s);
}

/* The whole set through plat_acpi_table(), then the final checks. */
static int parse_all(struct platform *p, struct err_why *why)
{
	memset(p, 0, sizeof(*p));
	for (unsigned int i = 0; i < N_TABLES; i++) {
		struct blob b = load(tables[i]);
		int ret = plat_acpi_table(p, b.p, b.n, why);

		free(b.p);
		if (ret)
			return ret;
	}
	{
		struct blob b = load("DSDT");
		int ret = plat_acpi_table(p, b.p, b.n, why);

		free(b.p);
		if (ret)
			return ret;
	}
	return plat_acpi_finish(p, why);
}

/* The INTID INTx 'pin' of device 'dev' on the root bus raises, as pci_intx_intid() looks it
 * up in the platform's routes; 0 when there is none. */
static uint32_t intx_of(const struct platform *p, unsigned int dev, unsigned int pin)
{
	uint32_t hi = (uint32_t)dev << 11;

	for (unsigned int i = 0; i < p->pcie.n_imap; i++)
		if ((hi & p->pcie.imap_mask_hi) == (p->pcie.imap[i].hi & p->pcie.imap_mask_hi) &&
		    (pin & p->pcie.imap_mask_pin) == (p->pcie.imap[i].pin & p->pcie.imap_mask_pin))
			return p->pcie.imap[i].intid;
	return 0;
}

static void test_fixtures_match_the_dt(void)
{
	static struct platform a, d;
	struct err_why why = { { 0 } };
	struct fdt f;
	size_t n;
	uint8_t *dtb = test_load_fixture("virt-max-smmuv3-smp2-1G.dtb", &n);

	CHECK_EQ_U64(parse_all(&a, &why), 0);
	CHECK_EQ_U64(fdt_init(&f, dtb, (uint32_t)n), 0);
	CHECK_EQ_U64(plat_parse(&d, &f, &why), 0);
	CHECK_EQ_U64(a.fw.source, PLAT_SRC_ACPI);
	CHECK_STR(a.fw.acpi_tables, "APIC FACP GTDT IORT MCFG PPTT SPCR DSDT");
	CHECK_EQ_U64(a.n_cpus, d.n_cpus);
	for (unsigned int i = 0; i < d.n_cpus; i++)
		CHECK_EQ_U64(a.cpus[i].mpidr, d.cpus[i].mpidr);
	CHECK_EQ_U64(a.gic.version, 3);
	CHECK_EQ_U64(a.gic.dist.base, d.gic.dist.base);
	CHECK_EQ_U64(a.gic.n_redist, 1);
	CHECK_EQ_U64(a.gic.redist[0].base, d.gic.redist[0].base);
	CHECK_EQ_U64(a.gic.its.base, d.gic.its.base);
	CHECK_EQ_U64(a.gic.maint_irq, plat_gic_maint_intid(&d));
	CHECK_EQ_U64(plat_timer_intid(&a, PLAT_TIMER_PHYS), plat_timer_intid(&d, PLAT_TIMER_PHYS));
	CHECK_EQ_U64(plat_timer_intid(&a, PLAT_TIMER_VIRT), plat_timer_intid(&d, PLAT_TIMER_VIRT));
	CHECK_EQ_U64(plat_timer_intid(&a, PLAT_TIMER_HYP), plat_timer_intid(&d, PLAT_TIMER_HYP));
	CHECK_EQ_U64(a.uart.reg.base, d.uart.reg.base);
	CHECK_EQ_U64(a.uart.intid, d.uart.intid);
	CHECK(a.pcie.present);
	CHECK_EQ_U64(a.pcie.ecam.base, d.pcie.ecam.base);
	CHECK_EQ_U64(a.pcie.bus_end, d.pcie.bus_end);
	CHECK(a.smmu.present);
	CHECK_EQ_U64(a.smmu.reg.base, d.smmu.reg.base);
	CHECK(a.pcie.iommu_map);
	CHECK_EQ_U64(a.pcie.iommu_phandle, a.smmu.phandle);
	CHECK_EQ_U64(a.pcie.rid_base, 0);
	CHECK_EQ_U64(a.psci.present, 1);
	CHECK_EQ_U64(a.psci.conduit, d.psci.conduit);
	CHECK(a.pptt.present);
	CHECK_EQ_U64(a.pptt.cores, 2);
	/* The DSDT's _PRT routes every device's pins as the DT's interrupt-map does. */
	CHECK_EQ_U64(a.pcie.n_imap, 128);
	for (unsigned int dev = 0; dev < 32; dev++)
		for (unsigned int pin = 1; pin <= 4; pin++) {
			CHECK(intx_of(&d, dev, pin) != 0);
			CHECK_EQ_U64(intx_of(&a, dev, pin), intx_of(&d, dev, pin));
		}
	free(dtb);
}

/* RSDP and XSDT built around the fixtures; readable sizes come from this list. */
static struct blob held[N_TABLES + 3];
static unsigned int n_held;

static uint64_t avail(const void *ctx, uint64_t pa)
{
	(void)ctx;
	for (unsigned int i = 0; i < n_held; i++)
		if (pa >= (uintptr_t)held[i].p && pa < (uintptr_t)held[i].p + held[i].n)
			return (uintptr_t)held[i].p + held[i].n - pa;
	return 0;
}

static uint8_t *build_rsdp(uint8_t *xsdt, size_t xsdt_len)
{
	uint8_t *r = calloc(1, ACPI_RSDP_LEN);
	uint8_t s = 0;

	memcpy(r, "RSD PTR ", 8);
	r[15] = 2;
	r[20] = ACPI_RSDP_LEN;
	for (int i = 0; i < 8; i++)
		r[24 + i] = (uint8_t)((uintptr_t)xsdt >> (8 * i));
	for (int i = 0; i < ACPI_RSDP_V1_LEN; i++)
		s = (uint8_t)(s + r[i]);
	r[8] = (uint8_t)(0x100 - s);
	s = 0;
	for (int i = 0; i < ACPI_RSDP_LEN; i++)
		s = (uint8_t)(s + r[i]);
	r[32] = (uint8_t)(0x100 - s);
	(void)xsdt_len;
	return r;
}

static int parse_via_rsdp(struct platform *p, struct err_why *why, uint8_t **xsdt_out)
{
	size_t xlen = ACPI_HDR_LEN + 8 * N_TABLES;
	uint8_t *x = calloc(1, xlen), *r;
	int ret;

	n_held = 0;
	memcpy(x, "XSDT", 4);
	x[4] = (uint8_t)xlen;
	x[8] = 1;
	memcpy(x + 10, "BOCHS BXPC    ", 14);
	for (unsigned int i = 0; i < N_TABLES; i++) {
		held[n_held] = load(tables[i]);
		for (int k = 0; k < 8; k++)
			x[ACPI_HDR_LEN + 8 * i + k] =
				(uint8_t)((uintptr_t)held[n_held].p >> (8 * k));
		n_held++;
	}
	/* The DSDT is named by the FADT's X_DSDT (offset 140), not by the XSDT. */
	held[n_held] = load("DSDT");
	for (unsigned int i = 0; i < n_held; i++)
		if (!memcmp(held[i].p, "FACP", 4)) {
			for (int k = 0; k < 8; k++)
				held[i].p[140 + k] =
					(uint8_t)((uintptr_t)held[n_held].p >> (8 * k));
			fix_checksum(held[i].p, held[i].n);
		}
	n_held++;
	fix_checksum(x, xlen);
	r = build_rsdp(x, xlen);
	held[n_held++] = (struct blob){ x, xlen };
	held[n_held++] = (struct blob){ r, ACPI_RSDP_LEN };
	if (xsdt_out)
		*xsdt_out = x;
	ret = plat_acpi_parse(p, (uintptr_t)r, avail, NULL, why);
	return ret;
}

static void free_held(void)
{
	for (unsigned int i = 0; i < n_held; i++)
		free(held[i].p);
	n_held = 0;
}

static void test_rsdp_walk(void)
{
	static struct platform p;
	struct err_why why = { { 0 } };

	CHECK_EQ_U64(parse_via_rsdp(&p, &why, NULL), 0);
	CHECK_STR(p.fw.acpi_oem, "BOCHS BXPC");
	CHECK_EQ_U64(p.n_cpus, 2);
	CHECK_STR(p.compatible, "acpi");
	CHECK_STR(p.fw.acpi_warn, "");
	CHECK_EQ_U64(p.pcie.n_imap, 128);
	CHECK_EQ_U64(intx_of(&p, 3, 1), 32 + 3 + (3 + 1 - 1) % 4); /* QEMU virt: SPIs 3-6 */
	free_held();
}

static void test_rsdp_bad(void)
{
	uint8_t r[ACPI_RSDP_LEN] = "RSD PTR ";
	struct err_why why = { { 0 } };
	uint64_t x;

	CHECK(acpi_rsdp_check(r, sizeof(r), &x, &why) < 0); /* checksums and revision */
	CHECK(why.msg[0]);
	CHECK(acpi_rsdp_check(r, 10, &x, &why) < 0);
	CHECK(acpi_rsdp_check(NULL, 0, &x, &why) < 0);
}

/* Every table: truncated, checksum off by one, length past the end: refused with a reason. */
static void test_corrupt_tables(void)
{
	for (unsigned int i = 0; i + 1 < N_TABLES; i++) {
		struct blob b = load(tables[i]);
		static struct platform p;
		struct err_why why = { { 0 } };

		memset(&p, 0, sizeof(p));
		CHECK(plat_acpi_table(&p, b.p, b.n - 1, &why) < 0);
		CHECK(strstr(why.msg, "runs past") != NULL);
		CHECK(plat_acpi_table(&p, b.p, 20, &why) < 0);
		b.p[b.n - 1] ^= 1;
		why.msg[0] = '\0';
		CHECK(plat_acpi_table(&p, b.p, b.n, &why) < 0);
		CHECK(strstr(why.msg, "checksum") != NULL);
		b.p[b.n - 1] ^= 1;
		b.p[4] = (uint8_t)(b.p[4] + 16); /* Length past the end, checksum made right */
		fix_checksum(b.p, b.n);
		CHECK(plat_acpi_table(&p, b.p, b.n, &why) < 0);
		CHECK_EQ_U64(p.n_cpus, 0); /* nothing left behind */
		free(b.p);
	}
}

/* A MADT entry whose length is 0 or runs past the table: a reason, never a loop or overread. */
static void test_madt_bad_subtable(void)
{
	struct blob b = load("APIC");
	static struct platform p;
	struct err_why why = { { 0 } };

	memset(&p, 0, sizeof(p));
	b.p[44 + 1] = 0;
	fix_checksum(b.p, b.n);
	CHECK(plat_acpi_table(&p, b.p, b.n, &why) < 0);
	CHECK(strstr(why.msg, "subtable") != NULL);
	b.p[44 + 1] = 0xff;
	fix_checksum(b.p, b.n);
	CHECK(plat_acpi_table(&p, b.p, b.n, &why) < 0);
	free(b.p);
}

/* A broken optional table (IORT) is skipped with a note; a broken MADT stops discovery. */
static void test_optional_vs_required(void)
{
	static struct platform p;
	struct err_why why = { { 0 } };
	uint8_t *x;

	CHECK_EQ_U64(parse_via_rsdp(&p, &why, &x), 0);
	for (unsigned int i = 0; i < n_held; i++)
		if (!memcmp(held[i].p, "IORT", 4))
			held[i].p[20] ^= 0x55; /* checksum now wrong */
	CHECK_EQ_U64(plat_acpi_parse(&p, (uintptr_t)held[n_held - 1].p, avail, NULL, &why), 0);
	CHECK(strstr(p.fw.acpi_warn, "IORT") != NULL);
	CHECK(!p.smmu.present);
	for (unsigned int i = 0; i < n_held; i++)
		if (!memcmp(held[i].p, "APIC", 4))
			held[i].p[20] ^= 0x55;
	CHECK(plat_acpi_parse(&p, (uintptr_t)held[n_held - 1].p, avail, NULL, &why) < 0);
	CHECK(strstr(why.msg, "APIC") != NULL);
	free_held();
}

/* Random bytes with the checksum made right: parsed or refused, never a crash (ASan). */
static void test_fuzz(void)
{
	unsigned int parsed = 0, refused = 0, seed = 12345;

	for (unsigned int i = 0; i + 1 < N_TABLES; i++) {
		struct blob orig = load(tables[i]);

		for (unsigned int round = 0; round < 2000; round++) {
			uint8_t *m = malloc(orig.n);
			static struct platform p;
			struct err_why why = { { 0 } };

			memcpy(m, orig.p, orig.n);
			for (unsigned int k = 0; k < 1 + round % 4; k++) {
				seed = seed * 1103515245u + 12345u;
				m[(seed >> 8) % orig.n] = (uint8_t)(seed >> 24);
			}
			fix_checksum(m, orig.n);
			memset(&p, 0, sizeof(p));
			if (plat_acpi_table(&p, m, orig.n, &why))
				refused++;
			else
				parsed++;
			free(m);
		}
		free(orig.p);
	}
	printf("     fuzz: %u parsed, %u refused\n", parsed, refused);
	CHECK(parsed > 0 && refused > 0);
}

/* QEMU's root complex maps RIDs 0-0x100 to the SMMU and the rest straight to the ITS; with the
 * two mappings swapped, the SMMU's is still the one taken. */
static void test_iort_smmu_mapping_not_first(void)
{
	static struct platform p;
	struct blob b = load("IORT");
	struct err_why why = { { 0 } };
	const uint32_t maps = 160 + 36; /* the root complex node's ID mappings (fixture layout) */
	uint8_t first[20];

	CHECK_EQ_U64(b.p[160], 2); /* IORT_RC */
	memcpy(first, b.p + maps, 20);
	memmove(b.p + maps, b.p + maps + 20, 20);
	memcpy(b.p + maps + 20, first, 20);
	fix_checksum(b.p, b.n);
	memset(&p, 0, sizeof(p));
	CHECK_EQ_U64(plat_acpi_table(&p, b.p, b.n, &why), 0);
	CHECK(p.smmu.present && p.pcie.iommu_map);
	CHECK_EQ_U64(p.pcie.rid_base, 0);
	CHECK_EQ_U64(p.pcie.iommu_len, 0x101);
	CHECK_EQ_U64(p.pcie.sid_base, 0);
	free(b.p);
}

/*
 * QEMU's IORT as DeviceIDs: RIDs 0-0x100 through the SMMU (StreamID = RID) to the ITS
 * (DeviceID = StreamID), the rest straight to the ITS; identity either way.
 */
static void test_iort_msi_qemu(void)
{
	static struct platform p;
	struct blob b = load("IORT");
	struct err_why why = { { 0 } };
	uint32_t devid = 0;

	memset(&p, 0, sizeof(p));
	CHECK_EQ_U64(plat_acpi_table(&p, b.p, b.n, &why), 0);
	CHECK_EQ_U64(p.pcie.n_msi, 2);
	CHECK_EQ_U64(p.pcie.msi[0].rid_base, 0);
	CHECK_EQ_U64(p.pcie.msi[0].len, 0x101);
	CHECK_EQ_U64(p.pcie.msi[0].devid_base, 0);
	CHECK_EQ_U64(p.pcie.msi[1].rid_base, 0x100);
	CHECK_EQ_U64(p.pcie.msi[1].len, 0xff00);
	CHECK_EQ_U64(p.pcie.msi[1].devid_base, 0x100);
	for (uint32_t rid = 0; rid <= 0xffff; rid += 0x17) {
		CHECK(plat_pci_devid(&p, rid, &devid));
		CHECK_EQ_U64(devid, rid);
	}
	free(b.p);
}

/*
 * A hand-built IORT: an ITS group, an SMMUv3 and a root complex. RIDs 0-0xff go through the
 * SMMU as StreamIDs 0x1000-0x10ff, which it maps to DeviceIDs from 0x20000 (and its own
 * interrupt, a single mapping, to DeviceID 7); RIDs 0x100-0x1ff go straight to the ITS as
 * DeviceIDs from 0x8000; the rest reach no ITS.
 */
#define T_ITS  48
#define T_SMMU (T_ITS + 24)
#define T_RC   (T_SMMU + 68 + 3 * 20)
#define T_LEN  (T_RC + 36 + 2 * 20)

static void put32(uint8_t *b, uint32_t off, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		b[off + i] = (uint8_t)(v >> (8 * i));
}

static void put_node(uint8_t *b, uint32_t off, uint8_t type, uint16_t len, uint32_t n_maps,
		     uint32_t maps)
{
	b[off] = type;
	b[off + 1] = (uint8_t)len;
	b[off + 2] = (uint8_t)(len >> 8);
	b[off + 3] = 0;
	put32(b, off + 8, n_maps);
	put32(b, off + 12, maps);
}

static void put_map(uint8_t *b, uint32_t off, uint32_t in, uint32_t n, uint32_t out, uint32_t ref,
		    uint32_t flags)
{
	put32(b, off, in);
	put32(b, off + 4, n);
	put32(b, off + 8, out);
	put32(b, off + 12, ref);
	put32(b, off + 16, flags);
}

static void build_iort(uint8_t *b)
{
	memset(b, 0, T_LEN);
	memcpy(b, "IORT", 4);
	put32(b, 4, T_LEN);
	b[8] = 3; /* revision */
	memcpy(b + 10, "MONADI", 6);
	put32(b, 36, 3);     /* nodes */
	put32(b, 40, T_ITS); /* node array */
	put_node(b, T_ITS, 0, 24, 0, 0);
	put32(b, T_ITS + 16, 1); /* one ITS, ID 0 */
	put_node(b, T_SMMU, 4, 68 + 3 * 20, 3, 68);
	put32(b, T_SMMU + 16, 0x09050000);	    /* base address */
	put_map(b, T_SMMU + 68, 0, 0, 7, T_ITS, 1); /* its own interrupt: single */
	put_map(b, T_SMMU + 88, 0x1000, 0xff, 0x20000, T_ITS, 0);
	put_map(b, T_SMMU + 108, 0x5000, 0xff, 0x30000, T_ITS, 0); /* no RID reaches these */
	put_node(b, T_RC, 2, 36 + 2 * 20, 2, 36);
	put_map(b, T_RC + 36, 0, 0xff, 0x1000, T_SMMU, 0);
	put_map(b, T_RC + 56, 0x100, 0xff, 0x8000, T_ITS, 0);
	fix_checksum(b, T_LEN);
}

static void test_iort_msi_through_smmu(void)
{
	static struct platform p;
	static uint8_t b[T_LEN];
	struct err_why why = { { 0 } };
	uint32_t devid = 0;

	build_iort(b);
	memset(&p, 0, sizeof(p));
	CHECK_EQ_U64(plat_acpi_table(&p, b, T_LEN, &why), 0);
	CHECK(p.smmu.present && p.pcie.iommu_map);
	CHECK_EQ_U64(p.pcie.rid_base, 0); /* StreamIDs: RID + 0x1000 */
	CHECK_EQ_U64(p.pcie.sid_base, 0x1000);
	CHECK_EQ_U64(p.pcie.iommu_len, 0x100);
	CHECK_EQ_U64(p.pcie.n_msi, 2);
	CHECK(plat_pci_devid(&p, 0x18, &devid));
	CHECK_EQ_U64(devid, 0x20018);
	CHECK(plat_pci_devid(&p, 0xff, &devid));
	CHECK_EQ_U64(devid, 0x200ff);
	CHECK(plat_pci_devid(&p, 0x118, &devid));
	CHECK_EQ_U64(devid, 0x8018);
	CHECK(!plat_pci_devid(&p, 0x200, &devid));
	/* Without any map, DeviceID = RID. */
	p.pcie.n_msi = 0;
	CHECK(plat_pci_devid(&p, 0x200, &devid));
	CHECK_EQ_U64(devid, 0x200);
}

/* Broken ID mappings: the IORT is refused, nothing of it kept, and the reason named. */
static void test_iort_msi_bad(void)
{
	static const struct {
		uint32_t off, value;
		const char *why;
	} cases[] = {
		{ T_RC + 36 + 12, 0x9999, "outside the nodes" },   /* output reference */
		{ T_RC + 56 + 12, T_ITS + 4, "bytes" },		   /* into a node's middle */
		{ T_RC + 36 + 4, 0xffffffffU, "run past 2^32" },   /* Number of IDs */
		{ T_SMMU + 88 + 8, 0xffffff80U, "run past 2^32" }, /* SMMU output base */
		{ T_RC + 56 + 16, 1, "single mapping" },	   /* Flags */
		{ T_SMMU + 12, 0x10000, "overrun" },		   /* SMMU's mapping array */
		{ T_RC + 56 + 12, T_RC, "neither an SMMU nor an ITS group" }, /* RC -> RC */
	};
	static uint8_t b[T_LEN];

	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		static struct platform p;
		struct err_why why = { { 0 } };

		build_iort(b);
		put32(b, cases[i].off, cases[i].value);
		fix_checksum(b, T_LEN);
		memset(&p, 0, sizeof(p));
		CHECK(plat_acpi_table(&p, b, T_LEN, &why) < 0);
		CHECK(strstr(why.msg, cases[i].why) != NULL);
		if (!strstr(why.msg, cases[i].why))
			printf("     case %u: %s\n", i, why.msg);
		CHECK(p.pcie.n_msi == 0 && !p.smmu.present);
	}
}

/* Offset of the byte after NameOp "_PRT" (the package opcode) in a DSDT. */
static size_t prt_at(const struct blob *b)
{
	for (size_t i = ACPI_HDR_LEN; i + 5 < b->n; i++)
		if (b->p[i] == 0x08 && !memcmp(b->p + i + 1, "_PRT", 4))
			return i + 5;
	return 0;
}

static int prt_of(struct blob *b, struct aml_prt_route *r, unsigned int max, unsigned int *skipped,
		  struct err_why *why)
{
	struct acpi_table t;

	fix_checksum(b->p, b->n);
	if (acpi_check(b->p, b->n, "DSDT", 1, ACPI_HDR_LEN, &t, why))
		return -1000;
	return aml_prt(&t, r, max, skipped, why);
}

/* QEMU's _PRT: 128 routes through the link devices GSI0-3, SPIs 3-6 swizzled by device. */
static void test_prt_qemu(void)
{
	static struct aml_prt_route r[200];
	struct blob b = load("DSDT");
	struct err_why why = { { 0 } };
	unsigned int skipped = 9;
	size_t at = prt_at(&b);

	CHECK(at != 0 && b.p[at] == 0x13); /* VarPackageOp */
	CHECK_EQ_U64(prt_of(&b, r, 200, &skipped, &why), 128);
	CHECK_EQ_U64(skipped, 0);
	for (unsigned int i = 0; i < 128; i++) {
		CHECK_EQ_U64(r[i].dev, i / 4);
		CHECK_EQ_U64(r[i].pin, i % 4 + 1);
		CHECK_EQ_U64(r[i].gsiv, 35 + (i / 4 + i % 4) % 4);
	}
	/* Fewer slots than routes: the rest are counted as skipped. */
	CHECK_EQ_U64(prt_of(&b, r, 16, &skipped, &why), 16);
	CHECK_EQ_U64(skipped, 112);
	free(b.p);
}

/* A link device that is not there: its routes are skipped, the others kept; a platform
 * parse says so in its warning. */
static void test_prt_missing_link(void)
{
	static struct aml_prt_route r[128];
	static struct platform p;
	struct blob b = load("DSDT");
	struct err_why why = { { 0 } };
	unsigned int skipped = 0;

	for (size_t i = 0; i + 7 < b.n; i++)
		if (b.p[i] == 0x5b && b.p[i + 1] == 0x82 && !memcmp(b.p + i + 4, "GSI2", 4))
			b.p[i + 7] = 'X'; /* Device (GSI2) (a 2-byte PkgLength) becomes GSIX */
	CHECK_EQ_U64(prt_of(&b, r, 128, &skipped, &why), 96);
	CHECK_EQ_U64(skipped, 32);
	memset(&p, 0, sizeof(p));
	CHECK_EQ_U64(plat_acpi_table(&p, b.p, b.n, &why), 0);
	CHECK_EQ_U64(p.pcie.n_imap, 96);
	CHECK(strstr(p.fw.acpi_warn, "32 _PRT entries") != NULL);
	free(b.p);
}

/* Lengths that run past the table or the package, and a table without a _PRT. */
static void test_prt_malformed(void)
{
	static struct aml_prt_route r[128];
	struct blob b = load("DSDT");
	struct err_why why = { { 0 } };
	unsigned int skipped;
	size_t at = prt_at(&b);
	uint8_t save[2] = { b.p[at + 1], b.p[at + 2] };

	b.p[at + 1] = 0x4f; /* the _PRT package claims 0xfff0-ish bytes */
	b.p[at + 2] = 0xff;
	CHECK(prt_of(&b, r, 128, &skipped, &why) == E_INVAL);
	CHECK(strstr(why.msg, "claims") != NULL);
	b.p[at + 1] = save[0];
	b.p[at + 2] = save[1];
	b.p[at + 6] = 0x4f; /* the first entry claims 4095 bytes, more than the _PRT holds */
	b.p[at + 7] = 0xff;
	why.msg[0] = '\0';
	CHECK(prt_of(&b, r, 128, &skipped, &why) == E_INVAL);
	CHECK(strstr(why.msg, "claims") != NULL);
	b.p[at + 6] = 0x0b;
	b.p[at + 7] = 0x04;
	b.p[at + 8] = 0x14; /* first entry's Address is a MethodOp, not a constant */
	why.msg[0] = '\0';
	CHECK(prt_of(&b, r, 128, &skipped, &why) == E_INVAL);
	CHECK(strstr(why.msg, "constant integer") != NULL);
	b.p[at + 8] = 0x0b;
	b.p[at - 3] = 'X'; /* "_XRT": no _PRT at all */
	CHECK(prt_of(&b, r, 128, &skipped, &why) == E_NOENT);
	free(b.p);
}

/* A _PRT with Source 0 (Source Index is the GSIV), as firmware without link devices writes. */
static void test_prt_static(void)
{
	/* One AML object per line. */
	/* clang-format off */
	static const uint8_t aml[] = {
		/* Name (_PRT, Package (2) { ... }): PkgLength 28 covers itself, the count and both */
		0x08, '_', 'P', 'R', 'T', 0x12, 28, 0x02,
		/* Package (4) { 0x0002FFFF, Zero, Zero, 40 }: 12 bytes */
		0x12, 11, 0x04, 0x0c, 0xff, 0xff, 0x02, 0x00, 0x00, 0x00, 0x0a, 0x28,
		/* Package (4) { 0x001FFFFF, 3, Zero, 0x1234 }: 14 bytes */
		0x12, 13, 0x04, 0x0c, 0xff, 0xff, 0x1f, 0x00, 0x0a, 0x03, 0x00, 0x0b, 0x34, 0x12,
	};
	/* clang-format on */
	static struct aml_prt_route r[4];
	struct blob b = { calloc(1, ACPI_HDR_LEN + sizeof(aml)), ACPI_HDR_LEN + sizeof(aml) };
	struct err_why why = { { 0 } };
	unsigned int skipped;

	memcpy(b.p, "DSDT", 4);
	b.p[4] = (uint8_t)b.n;
	b.p[8] = 2;
	memcpy(b.p + ACPI_HDR_LEN, aml, sizeof(aml));
	CHECK_EQ_U64(prt_of(&b, r, 4, &skipped, &why), 2);
	CHECK_EQ_U64(skipped, 0);
	CHECK_EQ_U64(r[0].dev, 2);
	CHECK_EQ_U64(r[0].pin, 1);
	CHECK_EQ_U64(r[0].gsiv, 40);
	CHECK_EQ_U64(r[1].dev, 31);
	CHECK_EQ_U64(r[1].pin, 4);
	CHECK_EQ_U64(r[1].gsiv, 0x1234);
	b.p[ACPI_HDR_LEN + 6 + 2 + 12 + 9] = 0x04; /* pin 4: out of range, the whole _PRT refused */
	CHECK(prt_of(&b, r, 4, &skipped, &why) == E_INVAL);
	free(b.p);
}

/* Random bytes in and around the _PRT and the link devices: routes or a reason, never a crash
 * or an out-of-range route (ASan, UBSan). */
static void test_prt_fuzz(void)
{
	struct blob orig = load("DSDT");
	size_t at = prt_at(&orig);
	unsigned int seed = 777, found = 0, refused = 0;

	for (unsigned int round = 0; round < 3000; round++) {
		static struct aml_prt_route r[128];
		struct blob b = { malloc(orig.n), orig.n };
		struct err_why why = { { 0 } };
		unsigned int skipped = 0;
		int n;

		memcpy(b.p, orig.p, orig.n);
		for (unsigned int k = 0; k < 1 + round % 6; k++) {
			seed = seed * 1103515245u + 12345u;
			b.p[at - 5 + (seed >> 8) % (orig.n - at + 5)] = (uint8_t)(seed >> 24);
		}
		n = prt_of(&b, r, 128, &skipped, &why);
		CHECK(n <= 128);
		for (int i = 0; i < n; i++)
			CHECK(r[i].dev < 32 && r[i].pin >= 1 && r[i].pin <= 4 && r[i].gsiv);
		if (n < 0)
			refused++;
		else
			found++;
		free(b.p);
	}
	printf("     _PRT fuzz: %u read, %u refused\n", found, refused);
	CHECK(found > 0 && refused > 0);
	free(orig.p);
}

/* An SPCR variant of QEMU's: interface type, GAS access size, address, PCI IDs; checksum fixed. */
static int spcr_variant(struct platform *p, uint8_t type, uint8_t access, uint64_t addr,
			uint16_t vendor, uint16_t device, struct err_why *why)
{
	struct blob b = load("SPCR");
	int ret;

	memset(p, 0, sizeof(*p));
	why->msg[0] = '\0';
	b.p[36] = type;
	b.p[43] = access;
	for (int k = 0; k < 8; k++)
		b.p[44 + k] = (uint8_t)(addr >> (8 * k));
	b.p[64] = (uint8_t)device;
	b.p[65] = (uint8_t)(device >> 8);
	b.p[66] = (uint8_t)vendor;
	b.p[67] = (uint8_t)(vendor >> 8);
	b.p[68] = 0;
	b.p[69] = 5;
	b.p[70] = 0;
	fix_checksum(b.p, b.n);
	ret = plat_acpi_table(p, b.p, b.n, why);
	free(b.p);
	return ret;
}

/* Built like EC2's: a 16550 (type 0x12, with a GAS) that is PCI function 1d0f:8250, byte-wide
 * registers in memory space. */
static void test_spcr_ec2_16550(void)
{
	static struct platform p;
	struct err_why why = { { 0 } };

	CHECK_EQ_U64(spcr_variant(&p, 0x12, 1, 0x80118000, 0x1d0f, 0x8250, &why), 0);
	CHECK(p.uart.present);
	CHECK_EQ_U64(p.uart.kind, UART_16550);
	CHECK_EQ_U64(p.uart.reg.base, 0x80118000);
	CHECK_EQ_U64(p.uart.reg_shift, 0);
	CHECK_EQ_U64(p.uart.reg_width, 1);
	CHECK_EQ_U64(p.uart.pci_vendor, 0x1d0f);
	CHECK_EQ_U64(p.uart.pci_device, 0x8250);
	CHECK_EQ_U64(p.uart.pci_dev, 5);
	CHECK_STR(p.uart.node, "16550 (SPCR)");
}

static void test_spcr_variants(void)
{
	static struct platform p;
	struct err_why why = { { 0 } };

	/* A 16550 with 32-bit registers four bytes apart (DesignWare style). */
	CHECK_EQ_U64(spcr_variant(&p, 0x00, 3, 0x1c021000, 0xffff, 0xffff, &why), 0);
	CHECK_EQ_U64(p.uart.kind, UART_16550);
	CHECK_EQ_U64(p.uart.reg_shift, 2);
	CHECK_EQ_U64(p.uart.reg_width, 4);
	/* The SBSA generic UART, and QEMU's own PL011. */
	CHECK_EQ_U64(spcr_variant(&p, 0x0e, 3, 0x9000000, 0xffff, 0xffff, &why), 0);
	CHECK_EQ_U64(p.uart.kind, UART_SBSA);
	CHECK_EQ_U64(spcr_variant(&p, 0x03, 3, 0x9000000, 0xffff, 0xffff, &why), 0);
	CHECK_EQ_U64(p.uart.kind, UART_PL011);
	/* A 16550 with 16-bit access, an interface this build lacks, address 0: refused. */
	CHECK(spcr_variant(&p, 0x12, 2, 0x80118000, 0xffff, 0xffff, &why) < 0);
	CHECK(strstr(why.msg, "access size 2") != NULL);
	CHECK(spcr_variant(&p, 0x10, 1, 0x80118000, 0xffff, 0xffff, &why) < 0);
	CHECK(strstr(why.msg, "interface type 0x10") != NULL);
	CHECK(!p.uart.present);
	CHECK(spcr_variant(&p, 0x03, 3, 0, 0xffff, 0xffff, &why) < 0);
}

static void test_smbios_strings(void)
{
	/* type 4 (processor) with manufacturer = string 1, version = string 2; then type 1. */
	uint8_t t[128] = { 0 };
	char out[48];
	size_t o = 0;

	t[o] = 4;
	t[o + 1] = 0x20;
	t[o + 7] = 1;
	t[o + 0x10] = 2;
	o += 0x20;
	memcpy(t + o, "AWS\0AWS Graviton3\0\0", 19);
	o += 19;
	t[o] = 1;
	t[o + 1] = 8;
	t[o + 5] = 1;
	o += 8;
	memcpy(t + o, "c7g.metal \0\0", 12);
	o += 12;
	t[o] = 127;
	t[o + 1] = 4;
	o += 6;
	CHECK_EQ_U64(smbios_string(t, (uint32_t)o, 4, 7, out, sizeof(out)), 0);
	CHECK_STR(out, "AWS");
	CHECK_EQ_U64(smbios_string(t, (uint32_t)o, 4, 0x10, out, sizeof(out)), 0);
	CHECK_STR(out, "AWS Graviton3");
	CHECK_EQ_U64(smbios_string(t, (uint32_t)o, 1, 5, out, sizeof(out)), 0);
	CHECK_STR(out, "c7g.metal");
	CHECK(smbios_string(t, (uint32_t)o, 17, 5, out, sizeof(out)) < 0);
	/* Cut inside the strings of the first structure: refused, no overread. */
	CHECK(smbios_string(t, 0x24, 1, 5, out, sizeof(out)) < 0);
	CHECK_STR(out, "");
}

int main(void)
{
	RUN(test_fixtures_match_the_dt);
	RUN(test_rsdp_walk);
	RUN(test_rsdp_bad);
	RUN(test_corrupt_tables);
	RUN(test_madt_bad_subtable);
	RUN(test_optional_vs_required);
	RUN(test_fuzz);
	RUN(test_spcr_ec2_16550);
	RUN(test_spcr_variants);
	RUN(test_smbios_strings);
	RUN(test_iort_smmu_mapping_not_first);
	RUN(test_iort_msi_qemu);
	RUN(test_iort_msi_through_smmu);
	RUN(test_iort_msi_bad);
	RUN(test_prt_qemu);
	RUN(test_prt_missing_link);
	RUN(test_prt_malformed);
	RUN(test_prt_static);
	RUN(test_prt_fuzz);
	return TEST_SUMMARY();
}
