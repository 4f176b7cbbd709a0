// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * pci_enum() against config space captured from QEMU 7.2 (tests/fixtures/pci/): a model answers
 * with the captured bytes, with BARs, bus numbers, bridge windows and the command register
 * behaving like hardware from their reset values; the result must equal what the hypervisor
 * found and programmed in QEMU (qemu-7.2-pci.json and the captured registers themselves).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "kernel/lib/err.h"
#include "kernel/lib/fdt.h"
#include "kernel/platform.h"
#include "pci/pci.h"
#include "kernel/vdev/vpci.h"
#include "test.h"

#define FIXTURES "../fixtures/"

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void wr32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static char *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf;
	long n;

	if (!fp) {
		fprintf(stderr, "cannot open %s\n", path);
		exit(2);
	}
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (!buf || fread(buf, 1, (size_t)n, fp) != (size_t)n) {
		fprintf(stderr, "cannot read %s\n", path);
		exit(2);
	}
	buf[n] = '\0';
	fclose(fp);
	if (len)
		*len = (size_t)n;
	return buf;
}

/* ---- A small JSON reader (objects, arrays, strings without escapes, integers, literals) ---- */

enum jtype { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

struct jnode {
	enum jtype type;
	const char *key; /* member name inside an object (not NUL-terminated), else NULL */
	size_t key_len;
	const char *str; /* J_STR: the characters between the quotes */
	size_t str_len;
	uint64_t num;	 /* J_NUM, and J_BOOL (0/1) */
	int child, next; /* first child, next sibling; -1 for none */
};

#define J_MAX 512

static struct jnode jn[J_MAX];
static int jn_count;
static const char *jp;
static bool j_err;

static void j_ws(void)
{
	while (*jp == ' ' || *jp == '\n' || *jp == '\r' || *jp == '\t')
		jp++;
}

static int j_new(enum jtype t)
{
	if (jn_count >= J_MAX) {
		j_err = true;
		return 0;
	}
	jn[jn_count] = (struct jnode){ .type = t, .child = -1, .next = -1 };
	return jn_count++;
}

static bool j_string(const char **s, size_t *len)
{
	if (*jp != '"')
		return false;
	*s = ++jp;
	while (*jp && *jp != '"') {
		if (*jp == '\\')
			return false; /* the fixture has no escapes */
		jp++;
	}
	if (*jp != '"')
		return false;
	*len = (size_t)(jp - *s);
	jp++;
	return true;
}

static int j_value(void);

/* Members of an object or elements of an array, linked as children of 'n'. */
static void j_list(int n, char close, bool keyed)
{
	int last = -1;

	jp++;
	j_ws();
	if (*jp == close) {
		jp++;
		return;
	}
	for (;;) {
		const char *key = NULL;
		size_t key_len = 0;
		int c;

		j_ws();
		if (keyed) {
			if (!j_string(&key, &key_len)) {
				j_err = true;
				return;
			}
			j_ws();
			if (*jp++ != ':') {
				j_err = true;
				return;
			}
		}
		c = j_value();
		if (j_err)
			return;
		jn[c].key = key;
		jn[c].key_len = key_len;
		if (last < 0)
			jn[n].child = c;
		else
			jn[last].next = c;
		last = c;
		j_ws();
		if (*jp == ',') {
			jp++;
			continue;
		}
		if (*jp == close) {
			jp++;
			return;
		}
		j_err = true;
		return;
	}
}

static int j_value(void)
{
	int n;

	j_ws();
	if (*jp == '{') {
		n = j_new(J_OBJ);
		j_list(n, '}', true);
	} else if (*jp == '[') {
		n = j_new(J_ARR);
		j_list(n, ']', false);
	} else if (*jp == '"') {
		n = j_new(J_STR);
		if (!j_string(&jn[n].str, &jn[n].str_len))
			j_err = true;
	} else if (*jp >= '0' && *jp <= '9') {
		char *end;

		n = j_new(J_NUM);
		jn[n].num = strtoull(jp, &end, 10);
		jp = end;
	} else if (!strncmp(jp, "true", 4) || !strncmp(jp, "false", 5)) {
		n = j_new(J_BOOL);
		jn[n].num = *jp == 't';
		jp += *jp == 't' ? 4 : 5;
	} else if (!strncmp(jp, "null", 4)) {
		n = j_new(J_NULL);
		jp += 4;
	} else {
		j_err = true;
		n = 0;
	}
	return n;
}

/* Member 'key' of object n, or -1. */
static int j_get(int n, const char *key)
{
	if (n < 0 || jn[n].type != J_OBJ)
		return -1;
	for (int c = jn[n].child; c >= 0; c = jn[c].next)
		if (jn[c].key_len == strlen(key) && !memcmp(jn[c].key, key, jn[c].key_len))
			return c;
	return -1;
}

static unsigned int j_len(int n)
{
	unsigned int k = 0;

	for (int c = n >= 0 ? jn[n].child : -1; c >= 0; c = jn[c].next)
		k++;
	return k;
}

static int j_at(int n, unsigned int i)
{
	int c = n >= 0 ? jn[n].child : -1;

	while (c >= 0 && i--)
		c = jn[c].next;
	return c;
}

/* The string member 'key' as a C string ("" when missing or not a string). */
static const char *j_str(int obj, const char *key)
{
	static char buf[4][128];
	static unsigned int slot;
	int n = j_get(obj, key);
	char *b = buf[slot++ % 4];

	b[0] = '\0';
	if (n >= 0 && jn[n].type == J_STR && jn[n].str_len < sizeof(buf[0])) {
		memcpy(b, jn[n].str, jn[n].str_len);
		b[jn[n].str_len] = '\0';
	}
	return b;
}

/* A "0x..." string member as a number; ~0 when missing. */
static uint64_t j_hex(int obj, const char *key)
{
	const char *s = j_str(obj, key);

	if (strncmp(s, "0x", 2) != 0)
		return ~0ULL;
	return strtoull(s + 2, NULL, 16);
}

static uint64_t j_num(int obj, const char *key)
{
	int n = j_get(obj, key);

	return n >= 0 && (jn[n].type == J_NUM || jn[n].type == J_BOOL) ? jn[n].num : ~0ULL;
}

/* ---- The captured config space ------------------------------------------------------------- */

struct cap_fn {
	const char *file;
	uint16_t bdf;
	uint8_t captured[PCI_CFG_SIZE]; /* as QEMU showed it after the hypervisor's enumeration */
	uint8_t cfg[PCI_CFG_SIZE];	/* the model's current state */
	bool bridge;
	uint32_t bar_wmask[PCI_MAX_BARS]; /* writable address bits per BAR dword; 0: none */
	uint32_t bar_ro[PCI_MAX_BARS];	  /* read-only type bits */
};

enum { HOST, PORT, NVME0, NVME1, N_FN };

static struct cap_fn fns[N_FN] = {
	[HOST] = { "qemu-7.2-00-00.0.cfg", PCI_BDF(0, 0, 0) },
	[PORT] = { "qemu-7.2-00-01.0.cfg", PCI_BDF(0, 1, 0) },
	[NVME0] = { "qemu-7.2-00-02.0.cfg", PCI_BDF(0, 2, 0) },
	[NVME1] = { "qemu-7.2-01-00.0.cfg", PCI_BDF(1, 0, 0) },
};

static int json_root;

/* "000: 36 1b 08 00 ..." lines; '#' lines are comments. Every offset exactly once. */
static void load_cfg(struct cap_fn *f)
{
	char path[128], *text, *line, *next;
	unsigned int lines = 0;
	bool seen[PCI_CFG_SIZE / 16] = { false };

	snprintf(path, sizeof(path), FIXTURES "pci/%s", f->file);
	text = slurp(path, NULL);
	for (line = text; *line; line = next) {
		unsigned int off, b[16];

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		else
			next = line + strlen(line);
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (sscanf(line, "%x: %x %x %x %x %x %x %x %x %x %x %x %x %x %x %x %x", &off, &b[0],
			   &b[1], &b[2], &b[3], &b[4], &b[5], &b[6], &b[7], &b[8], &b[9], &b[10],
			   &b[11], &b[12], &b[13], &b[14], &b[15]) != 17 ||
		    off % 16 || off >= PCI_CFG_SIZE || seen[off / 16]) {
			fprintf(stderr, "%s: bad line \"%s\"\n", path, line);
			exit(2);
		}
		seen[off / 16] = true;
		for (int i = 0; i < 16; i++)
			f->captured[off + i] = (uint8_t)b[i];
		lines++;
	}
	free(text);
	if (lines != PCI_CFG_SIZE / 16) {
		fprintf(stderr, "%s: %u lines, want 256\n", path, lines);
		exit(2);
	}
	f->bridge = (f->captured[PCI_HEADER_TYPE] & 0x7f) == PCI_HDR_BRIDGE;
}

static int json_func(uint16_t bdf)
{
	int arr = j_get(json_root, "functions");
	char want[PCI_BDF_STRLEN];

	pci_format_bdf(want, sizeof(want), bdf);
	for (unsigned int i = 0; i < j_len(arr); i++)
		if (!strcmp(j_str(j_at(arr, i), "bdf"), want))
			return j_at(arr, i);
	return -1;
}

/*
 * BARs as hardware has them: the JSON's size gives the writable address bits, the captured low
 * bits the type (I/O, 32/64-bit, prefetchable). A BAR the JSON does not list is unimplemented.
 */
static void derive_bars(struct cap_fn *f)
{
	int bars = j_get(json_func(f->bdf), "bars");

	for (unsigned int i = 0; i < j_len(bars); i++) {
		int b = j_at(bars, i);
		unsigned int idx = (unsigned int)j_num(b, "index");
		uint64_t size = j_hex(b, "size"), mask = ~(size - 1);
		const char *kind = j_str(b, "kind");
		bool io = !strcmp(kind, "io");
		uint32_t lo = rd32(f->captured + PCI_BAR0 + 4 * idx);

		if (idx >= PCI_MAX_BARS || !size || (size & (size - 1))) {
			fprintf(stderr, "bad BAR in the JSON\n");
			exit(2);
		}
		f->bar_ro[idx] = lo & (io ? 0x3u : 0xfu);
		f->bar_wmask[idx] = (uint32_t)mask & (io ? ~0x3u : ~0xfu);
		if (!strcmp(kind, "mem64") && idx + 1 < PCI_MAX_BARS)
			f->bar_wmask[idx + 1] = (uint32_t)(mask >> 32);
	}
}

/* ---- The model ------------------------------------------------------------------------------ */

static struct {
	uint8_t bus_start, bus_end;
	unsigned long reads, writes;
	unsigned int bad_access; /* unaligned, or beyond the ECAM window */
	unsigned int ro_writes;	 /* writes to registers the hypervisor has no business writing */
	unsigned int absent_writes;
} model;

static bool is_bar(const struct cap_fn *f, unsigned int reg, unsigned int *idx)
{
	unsigned int n = f->bridge ? 2 : 6;

	if (reg < PCI_BAR0 || reg >= PCI_BAR0 + 4 * n)
		return false;
	*idx = (reg - PCI_BAR0) / 4;
	return true;
}

/* Registers back to their reset values: what the hypervisor must program itself. */
static void model_reset(void)
{
	memset(&model, 0, sizeof(model));
	for (int i = 0; i < N_FN; i++) {
		struct cap_fn *f = &fns[i];

		memcpy(f->cfg, f->captured, sizeof(f->cfg));
		f->cfg[PCI_COMMAND] = f->cfg[PCI_COMMAND + 1] = 0;
		for (unsigned int b = 0; b < (f->bridge ? 2u : 6u); b++)
			wr32(f->cfg + PCI_BAR0 + 4 * b, f->bar_ro[b]);
		if (f->bridge) {
			/* Bus numbers 0; windows 0 but for the read-only type nibbles. */
			f->cfg[PCI_PRIMARY_BUS] = f->cfg[PCI_PRIMARY_BUS + 1] = 0;
			f->cfg[PCI_PRIMARY_BUS + 2] = 0;
			f->cfg[PCI_IO_BASE] &= 0x0f;
			f->cfg[PCI_IO_BASE + 1] &= 0x0f;
			wr32(f->cfg + PCI_MEMORY_BASE, 0);
			wr32(f->cfg + PCI_PREF_MEMORY_BASE,
			     rd32(f->captured + PCI_PREF_MEMORY_BASE) & 0x000f000fu);
			wr32(f->cfg + PCI_PREF_BASE_UPPER32, 0);
			wr32(f->cfg + PCI_PREF_LIMIT_UPPER32, 0);
		}
	}
}

/* Route like the hardware: the root bus has three devices; the root port forwards config
 * cycles for its secondary bus (type 0, device 0 only behind a PCIe link) when it is numbered. */
static struct cap_fn *model_lookup(unsigned int bus, unsigned int dev, unsigned int fn)
{
	const uint8_t *port = fns[PORT].cfg;
	unsigned int sec = port[PCI_PRIMARY_BUS + 1], sub = port[PCI_PRIMARY_BUS + 2];

	if (fn != 0)
		return NULL;
	if (bus == model.bus_start) {
		for (int i = HOST; i <= NVME0; i++)
			if (PCI_BDF_DEV(fns[i].bdf) == dev)
				return &fns[i];
		return NULL;
	}
	if (sec > model.bus_start && sec <= sub && bus == sec && dev == 0)
		return &fns[NVME1];
	return NULL;
}

static struct cap_fn *model_decode(uint64_t off, unsigned int *reg)
{
	if ((off & 3) || off >= (uint64_t)(model.bus_end - model.bus_start + 1) << 20) {
		model.bad_access++;
		return NULL;
	}
	*reg = (unsigned int)(off & 0xfff);
	return model_lookup(model.bus_start + (unsigned int)(off >> 20),
			    (unsigned int)(off >> 15) & 31, (unsigned int)(off >> 12) & 7);
}

static uint32_t model_read32(void *ctx, uint64_t off)
{
	unsigned int reg;
	struct cap_fn *f;

	(void)ctx;
	model.reads++;
	f = model_decode(off, &reg);
	return f ? rd32(f->cfg + reg) : 0xffffffffu;
}

static void model_write32(void *ctx, uint64_t off, uint32_t v)
{
	unsigned int reg, idx;
	struct cap_fn *f;
	uint32_t old, wmask;

	(void)ctx;
	model.writes++;
	f = model_decode(off, &reg);
	if (!f) {
		model.absent_writes++;
		return;
	}
	old = rd32(f->cfg + reg);
	if (is_bar(f, reg, &idx)) {
		wr32(f->cfg + reg, (v & f->bar_wmask[idx]) | f->bar_ro[idx]);
		return;
	}
	if (reg == (f->bridge ? PCI_ROM_TYPE1 : PCI_ROM_TYPE0))
		return; /* no expansion ROM: reads 0 whatever is written */
	wmask = 0;
	if (reg == PCI_COMMAND) {
		/* I/O, memory, master, parity, SERR#, INTx disable. Status (RW1C) has no bit set
		 * in the capture, so the upper half just stays. */
		wmask = 0x0547u;
	} else if (f->bridge) {
		switch (reg) {
		case PCI_PRIMARY_BUS:
			wmask = 0x00ffffffu; /* latency timer read-only */
			break;
		case PCI_IO_BASE:
			wmask = 0x0000f0f0u; /* 16-bit I/O: type nibbles 0; Secondary Status stays */
			break;
		case PCI_MEMORY_BASE:
		case PCI_PREF_MEMORY_BASE:
			wmask = 0xfff0fff0u; /* the prefetchable type nibbles say 64-bit */
			break;
		case PCI_PREF_BASE_UPPER32:
		case PCI_PREF_LIMIT_UPPER32:
			wmask = 0xffffffffu;
			break;
		default:
			break;
		}
	}
	if (!wmask) {
		model.ro_writes++;
		fprintf(stderr, "  write 0x%08x to read-only 0x%03x of %s\n", v, reg, f->file);
		return;
	}
	wr32(f->cfg + reg, (old & ~wmask) | (v & wmask));
}

static struct pci_cfg_ops model_ops(void)
{
	return (struct pci_cfg_ops){ model_read32, model_write32, &model, model.bus_start,
				     model.bus_end };
}

/* ---- Setup ---------------------------------------------------------------------------------- */

static struct platform plat;
static struct pci_topo topo;
static char *json_text;

static void load_all(void)
{
	char path[] = FIXTURES "virt-max-smp4-2G.dtb";
	struct err_why why;
	static uint8_t blob[1 << 20];
	FILE *fp = fopen(path, "rb");
	struct fdt fdt;
	size_t n;

	if (!fp) {
		fprintf(stderr, "cannot open %s\n", path);
		exit(2);
	}
	n = fread(blob, 1, sizeof(blob), fp);
	fclose(fp);
	if (fdt_init(&fdt, blob, n) || plat_parse(&plat, &fdt, &why)) {
		fprintf(stderr, "cannot parse %s: %s\n", path, why.msg);
		exit(2);
	}

	json_text = slurp(FIXTURES "pci/qemu-7.2-pci.json", NULL);
	jp = json_text;
	json_root = j_value();
	j_ws();
	if (j_err || *jp || jn[json_root].type != J_OBJ) {
		fprintf(stderr, "cannot parse qemu-7.2-pci.json near \"%.20s\"\n", jp);
		exit(2);
	}
	for (int i = 0; i < N_FN; i++) {
		load_cfg(&fns[i]);
		derive_bars(&fns[i]);
	}
}

/* ---- Tests --------------------------------------------------------------------------------- */

/* The fixtures agree with each other and with QEMU virt's windows, before anything runs. */
static void test_fixtures(void)
{
	static const struct pci_window want[] = {
		{ PCI_SPACE_IO, false, 0x0, 0x3eff0000, 0x10000 },
		{ PCI_SPACE_MEM32, false, 0x10000000, 0x10000000, 0x2eff0000 },
		{ PCI_SPACE_MEM64, false, 0x8000000000ULL, 0x8000000000ULL, 0x8000000000ULL },
	};

	CHECK(plat.pcie.present);
	CHECK_EQ_U64(plat.pcie.bus_start, 0);
	CHECK_EQ_U64(plat.pcie.bus_end, 0xff);
	CHECK_EQ_U64(plat.pcie.n_windows, 3);
	for (unsigned int i = 0; i < 3 && i < plat.pcie.n_windows; i++) {
		const struct pci_window *w = &plat.pcie.windows[i];

		CHECK_EQ_U64(w->space, want[i].space);
		CHECK_EQ_U64(w->prefetchable, want[i].prefetchable);
		CHECK_EQ_U64(w->pci_addr, want[i].pci_addr);
		CHECK_EQ_U64(w->cpu_addr, want[i].cpu_addr);
		CHECK_EQ_U64(w->size, want[i].size);
	}

	CHECK_EQ_U64(j_len(j_get(json_root, "functions")), N_FN);
	CHECK_EQ_U64(j_num(json_root, "dropped"), 0);
	for (int i = 0; i < N_FN; i++) {
		const struct cap_fn *f = &fns[i];
		int jf = json_func(f->bdf);

		CHECK(jf >= 0);
		CHECK_EQ_U64(j_hex(jf, "vendor"), f->captured[0] | f->captured[1] << 8);
		CHECK_EQ_U64(j_hex(jf, "device"), f->captured[2] | f->captured[3] << 8);
		CHECK_EQ_U64(j_hex(jf, "class"), rd32(f->captured + PCI_CLASS_REVISION) >> 8);
		CHECK_EQ_U64(j_num(jf, "header"), f->captured[PCI_HEADER_TYPE] & 0x7f);
		CHECK_EQ_U64(j_hex(jf, "command"), f->captured[4] | f->captured[5] << 8);
		/* Each listed BAR holds, in the capture, the address the JSON gives it. */
		int bars = j_get(jf, "bars");

		for (unsigned int k = 0; k < j_len(bars); k++) {
			int b = j_at(bars, k);
			unsigned int idx = (unsigned int)j_num(b, "index");
			uint64_t addr = rd32(f->captured + PCI_BAR0 + 4 * idx) & ~0xfULL;

			if (!strcmp(j_str(b, "kind"), "mem64"))
				addr |= (uint64_t)rd32(f->captured + PCI_BAR0 + 4 * idx + 4) << 32;
			CHECK_EQ_U64(addr, j_hex(b, "pci_addr"));
		}
	}
	/* The BAR model: NVMe BAR0 is 64-bit, 16 KiB; the root port's BAR0 32-bit, 4 KiB. */
	CHECK_EQ_U64(fns[NVME0].bar_ro[0], PCI_BAR_MEM_TYPE_64);
	CHECK_EQ_U64(fns[NVME0].bar_wmask[0], 0xffffc000u);
	CHECK_EQ_U64(fns[NVME0].bar_wmask[1], 0xffffffffu);
	CHECK_EQ_U64(fns[NVME0].bar_wmask[2], 0);
	CHECK_EQ_U64(fns[PORT].bar_ro[0], 0);
	CHECK_EQ_U64(fns[PORT].bar_wmask[0], 0xfffff000u);
	CHECK_EQ_U64(fns[PORT].bar_wmask[1], 0);
	CHECK_EQ_U64(fns[HOST].bar_wmask[0], 0);
}

static const char *kind_name(uint8_t kind)
{
	return kind == PCI_BAR_IO ? "io" : kind == PCI_BAR_MEM64 ? "mem64" : "mem32";
}

/* topo equals the JSON the hypervisor printed in QEMU, function by function, field by field. */
static void check_against_json(void)
{
	int arr = j_get(json_root, "functions");
	char buf[128];

	CHECK_EQ_U64(topo.n_fn, j_len(arr));
	CHECK_EQ_U64(topo.n_dropped, j_num(json_root, "dropped"));
	for (unsigned int i = 0; i < topo.n_fn && i < j_len(arr); i++) {
		const struct pci_func *f = &topo.fn[i];
		int jf = j_at(arr, i);

		/* Same order (depth first), same identity. */
		pci_format_bdf(buf, sizeof(buf), f->bdf);
		CHECK_STR(buf, j_str(jf, "bdf"));
		CHECK_EQ_U64(f->vendor, j_hex(jf, "vendor"));
		CHECK_EQ_U64(f->device, j_hex(jf, "device"));
		CHECK_EQ_U64((uint64_t)f->class_code << 16 | f->subclass << 8 | f->progif,
			     j_hex(jf, "class"));
		CHECK_STR(pci_class_name(f->class_code, f->subclass, f->progif), j_str(jf, "name"));
		CHECK_EQ_U64(f->hdr_type, j_num(jf, "header"));
		CHECK_EQ_U64(f->command, j_hex(jf, "command"));
		if (f->hdr_type == PCI_HDR_BRIDGE) {
			CHECK_EQ_U64(f->br.secondary, j_num(jf, "secondary"));
			CHECK_EQ_U64(f->br.subordinate, j_num(jf, "subordinate"));
		} else {
			CHECK(j_get(jf, "secondary") < 0);
		}

		/* BARs: the implemented ones, in order, with kind, size and address. */
		int bars = j_get(jf, "bars");
		unsigned int k = 0;

		for (unsigned int b = 0; b < f->n_bars; b++) {
			const struct pci_bar *bar = &f->bar[b];
			int jb = j_at(bars, k);

			if (bar->kind == PCI_BAR_NONE)
				continue;
			k++;
			CHECK(jb >= 0);
			if (jb < 0)
				break;
			CHECK_EQ_U64(b, j_num(jb, "index"));
			CHECK_STR(kind_name(bar->kind), j_str(jb, "kind"));
			CHECK_EQ_U64(!!(bar->flags & PCI_BAR_F_PREFETCH),
				     j_num(jb, "prefetchable"));
			CHECK_EQ_U64(bar->size, j_hex(jb, "size"));
			CHECK_EQ_U64(!!(bar->flags & PCI_BAR_F_ASSIGNED), j_num(jb, "assigned"));
			CHECK_EQ_U64(bar->pci_addr, j_hex(jb, "pci_addr"));
			CHECK_EQ_U64(bar->cpu_addr, j_hex(jb, "cpu_addr"));
		}
		CHECK_EQ_U64(k, j_len(bars));
		/* No expansion ROM anywhere. */
		CHECK_EQ_U64(f->rom.kind, PCI_BAR_NONE);

		/* Capability names: the standard list, then the extended one. */
		int caps = j_get(jf, "caps");

		CHECK_EQ_U64(f->n_caps + f->n_ext_caps, j_len(caps));
		for (unsigned int c = 0; c < f->n_caps + f->n_ext_caps && c < j_len(caps); c++) {
			const char *name =
				c < f->n_caps ? pci_cap_name((uint8_t)f->caps[c].id)
					      : pci_ext_cap_name(f->ext_caps[c - f->n_caps].id);
			int jc = j_at(caps, c);
			char want[64];

			snprintf(want, sizeof(want), "%.*s", (int)jn[jc].str_len, jn[jc].str);
			CHECK_STR(name, want);
		}
		/* Nothing odd about these functions. */
		CHECK_EQ_U64(f->flags, 0);
	}
}

/* The model's registers after enumeration equal what QEMU showed after the real one. */
static void check_registers(void)
{
	for (int i = 0; i < N_FN; i++) {
		const struct cap_fn *f = &fns[i];

		for (unsigned int r = 0; r < PCI_CFG_SIZE; r += 4)
			if (rd32(f->cfg + r) != rd32(f->captured + r)) {
				fprintf(stderr, "  %s: 0x%03x = 0x%08x, captured 0x%08x\n", f->file,
					r, rd32(f->cfg + r), rd32(f->captured + r));
				test_failures_in_case++;
			}
	}
	CHECK_EQ_U64(model.bad_access, 0);
	CHECK_EQ_U64(model.ro_writes, 0);
	CHECK_EQ_U64(model.absent_writes, 0);
}

/* The model at its reset values, decoding the buses the fixture's host bridge names. */
static void model_fresh(void)
{
	model_reset();
	model.bus_start = (uint8_t)plat.pcie.bus_start;
	model.bus_end = (uint8_t)plat.pcie.bus_end;
}

/* A fresh model, enumerated and assigned as at boot (which must succeed). */
static struct pci_cfg_ops model_enumerated(void)
{
	struct pci_cfg_ops ops;

	model_fresh();
	ops = model_ops();
	CHECK_EQ_U64(pci_enum(&topo, &ops, plat.pcie.windows, plat.pcie.n_windows), 0);
	return ops;
}

static void test_enum_matches_qemu(void)
{
	struct pci_cfg_ops ops;

	model_fresh();
	/* Before: the port does not forward, so 01:00.0 is not there. */
	CHECK_EQ_U64(model_read32(NULL, 1u << 20), 0xffffffffu);
	ops = model_ops();
	CHECK_EQ_U64(pci_enum(&topo, &ops, plat.pcie.windows, plat.pcie.n_windows), 0);
	check_against_json();
	check_registers();

	/* Spelled out, so a fixture edit cannot make both sides wrong together. */
	const struct pci_func *port = pci_find(&topo, PCI_BDF(0, 1, 0));
	const struct pci_func *n0 = pci_find(&topo, PCI_BDF(0, 2, 0));
	const struct pci_func *n1 = pci_find(&topo, PCI_BDF(1, 0, 0));

	CHECK(port && n0 && n1);
	if (!port || !n0 || !n1)
		return;
	CHECK_EQ_U64(n1->parent, port - topo.fn);
	CHECK_EQ_U64(port->br.secondary, 1);
	CHECK_EQ_U64(port->br.subordinate, 1);
	CHECK_EQ_U64(port->pcie_type, PCI_EXP_TYPE_ROOT_PORT);
	CHECK_EQ_U64(n0->pcie_type, PCI_EXP_TYPE_RC_END);
	CHECK_EQ_U64(n1->pcie_type, PCI_EXP_TYPE_ENDPOINT);
	CHECK_EQ_U64(n0->bar[0].pci_addr, 0x8000000000ULL); /* root bus: the 64-bit window */
	CHECK_EQ_U64(n1->bar[0].pci_addr, 0x10000000);	    /* behind the port: 32-bit */
	CHECK_EQ_U64(port->bar[0].pci_addr, 0x10100000);
	CHECK(port->br.mem.assigned);
	CHECK_EQ_U64(port->br.mem.base, 0x10000000);
	CHECK_EQ_U64(port->br.mem.limit, 0x100fffff);
	CHECK(port->br.io_window && !port->br.io32 && !port->br.io.assigned);
	CHECK(port->br.pref_window && port->br.pref64 && !port->br.pref.assigned);
	CHECK_EQ_U64(topo.last_bus, 1);
}

/* INTx routes through the root port's swizzle to the host bridge's interrupt-map. */
static void test_intx_routes(void)
{
	uint32_t intid = 0;

	(void)model_enumerated();
	/* 00:02.0 INTA: slot 2 pin 1 -> SPI 5. */
	CHECK_EQ_U64(pci_intx_intid(&topo, &plat, PCI_BDF(0, 2, 0), 1, &intid), 0);
	CHECK_EQ_U64(intid, 37);
	CHECK_EQ_U64(pci_intx_intid(&topo, &plat, PCI_BDF(0, 2, 0), 4, &intid), 0);
	CHECK_EQ_U64(intid, 36); /* pin 4: (2 + 3) mod 4 = 1 -> SPI 4 */
	/* 01:00.0 INTA behind the port at 00:01.0: device 0 keeps the pin, then slot 1 pin 1. */
	CHECK_EQ_U64(pci_intx_intid(&topo, &plat, PCI_BDF(1, 0, 0), 1, &intid), 0);
	CHECK_EQ_U64(intid, 36);
	CHECK_EQ_U64(pci_intx_intid(&topo, &plat, PCI_BDF(1, 0, 0), 2, &intid), 0);
	CHECK_EQ_U64(intid, 37);
	CHECK_EQ_U64(pci_intx_intid(&topo, &plat, PCI_BDF(1, 0, 0), 0, &intid), (uint64_t)E_INVAL);
	CHECK_EQ_U64(pci_intx_intid(&topo, &plat, PCI_BDF(1, 0, 0), 5, &intid), (uint64_t)E_INVAL);
	CHECK_EQ_U64(pci_intx_intid(&topo, &plat, PCI_BDF(7, 0, 0), 1, &intid), (uint64_t)E_NOENT);
}

/* The guest's ECAM over the captured NVMe behind the port: filtered reads, mediated writes. */
static void test_vpci(void)
{
	static struct vpci vp;
	struct pci_cfg_ops ops;
	const struct pci_func *n1;
	uint32_t off, cap, seen_pcie = 0;
	unsigned int hops = 0;

	ops = model_enumerated();
	n1 = pci_find(&topo, PCI_BDF(1, 0, 0));
	CHECK(n1 != NULL);
	if (!n1)
		return;
	memset(&vp, 0, sizeof(vp));
	CHECK_EQ_U64(vpci_add(&vp, &ops, n1, 36, 35), 0);
	CHECK_EQ_U64(vpci_add(&vp, &ops, n1, 36, 35), (uint64_t)E_EXIST);
	CHECK_EQ_U64(vpci_add(&vp, &ops, pci_find(&topo, PCI_BDF(0, 1, 0)), 0, 35),
		     (uint64_t)E_INVAL); /* a bridge */
	{
		/* A capability list that was cut short might hide MSI-X: refused. */
		struct pci_func cut = *n1;

		cut.flags |= PCI_FN_F_CAP_TRUNC;
		cut.bdf = PCI_BDF(3, 0, 0);
		CHECK_EQ_U64(vpci_add(&vp, &ops, &cut, 36, 35), (uint64_t)E_IO);
	}
	CHECK_EQ_U64(vp.n, 1);
	CHECK_EQ_U64(vp.fn[0].pin, 1);
	CHECK_EQ_U64(vp.fn[0].vintid, 35); /* slot 0, INTA */

	/* Guest 00:00.0 is the real 01:00.0; nothing else exists. */
	CHECK_EQ_U64(vpci_read(&vp, &ops, 0, 4), 0x00101b36);
	CHECK_EQ_U64(vpci_read(&vp, &ops, 2, 2), 0x0010);
	CHECK_EQ_U64(vpci_read(&vp, &ops, 1u << 15, 4), 0xffffffffu);
	CHECK_EQ_U64(vpci_read(&vp, &ops, 1u << 15, 2), 0xffff);
	CHECK_EQ_U64(vpci_read(&vp, &ops, 1u << 20, 4), 0xffffffffu); /* bus 1 */
	CHECK_EQ_U64(vpci_read(&vp, &ops, 1u << 12, 4), 0xffffffffu); /* function 1 */
	CHECK_EQ_U64(vpci_read(&vp, &ops, 1, 2), 0xffffffffu);	      /* misaligned */
	CHECK_EQ_U64(vpci_read(&vp, &ops, 0x0e, 1) & PCI_HEADER_MULTI_FN, 0);
	CHECK_EQ_U64(vpci_read(&vp, &ops, 0x3d, 1), 1); /* INTA */

	/* BAR0 reads where the hypervisor put it; all-ones sizes it; other values are ignored. */
	CHECK_EQ_U64(vpci_read(&vp, &ops, 0x10, 4), 0x10000000u | PCI_BAR_MEM_TYPE_64);
	CHECK_EQ_U64(vpci_read(&vp, &ops, 0x14, 4), 0);
	vpci_write(&vp, &ops, 0x10, 4, 0xffffffffu);
	vpci_write(&vp, &ops, 0x14, 4, 0xffffffffu);
	CHECK_EQ_U64(vpci_read(&vp, &ops, 0x10, 4), 0xffffc000u | PCI_BAR_MEM_TYPE_64);
	CHECK_EQ_U64(vpci_read(&vp, &ops, 0x14, 4), 0xffffffffu);
	vpci_write(&vp, &ops, 0x10, 4, 0x20000000u);
	vpci_write(&vp, &ops, 0x14, 4, 0);
	CHECK_EQ_U64(vpci_read(&vp, &ops, 0x10, 4), 0x10000000u | PCI_BAR_MEM_TYPE_64);
	CHECK_EQ_U64(pci_cfg_read32(&ops, n1->bdf, 0x10), 0x10000000u | PCI_BAR_MEM_TYPE_64);
	CHECK_EQ_U64(vpci_read(&vp, &ops, 0x18, 4), 0); /* unimplemented */
	CHECK_EQ_U64(vpci_read(&vp, &ops, 0x30, 4), 0); /* no ROM */

	/* The capability list shows MSI-X (the first one on this device), PCIe and PM, and ends. */
	cap = vpci_read(&vp, &ops, 0x34, 1);
	CHECK_EQ_U64(cap, pci_find_cap(n1, PCI_CAP_ID_MSIX));
	for (off = cap; off && hops < 8; hops++) {
		uint32_t id = vpci_read(&vp, &ops, off, 1);

		CHECK(id != PCI_CAP_ID_MSI);
		seen_pcie |= id == PCI_CAP_ID_EXP;
		off = vpci_read(&vp, &ops, off + 1, 1);
	}
	CHECK_EQ_U64(hops, 3); /* MSI-X, PCI Express, Power Management */
	CHECK(seen_pcie);
	/* Power Management is 8 bytes: what follows it is not the guest's to see or write. */
	off = pci_find_cap(n1, PCI_CAP_ID_PM);
	CHECK(vpci_read(&vp, &ops, off + 4, 2) ==
	      pci_cfg_read16(&ops, n1->bdf, (uint16_t)(off + 4)));
	CHECK_EQ_U64(vpci_read(&vp, &ops, off + 8, 4), 0);
	CHECK_EQ_U64(vpci_read(&vp, &ops, 0x100, 4), 0); /* no extended capabilities */
	/*
	 * MSI-X is emulated: its layout is the function's, its Enable and Function Mask the
	 * guest's, kept virtual and never written to the function as the guest wrote them.
	 */
	off = pci_find_cap(n1, PCI_CAP_ID_MSIX);
	{
		struct vpci_func *g = &vp.fn[0];
		uint16_t ctl = pci_cfg_read16(&ops, n1->bdf, (uint16_t)(off + 2));
		uint64_t v;

		CHECK_EQ_U64(vpci_read(&vp, &ops, off, 1), PCI_CAP_ID_MSIX);
		CHECK_EQ_U64(vpci_read(&vp, &ops, off + 2, 2), ctl & 0x7ffu);
		CHECK_EQ_U64(vpci_read(&vp, &ops, off + 4, 4),
			     pci_cfg_read32(&ops, n1->bdf, (uint16_t)(off + 4)));
		CHECK(!g->msi.changed);
		vpci_write(&vp, &ops, off + 2, 2, 0xc000 | 0x123); /* Enable, Mask; size is RO */
		CHECK_EQ_U64(vpci_read(&vp, &ops, off + 2, 2), 0xc000u | (ctl & 0x7ffu));
		CHECK_EQ_U64(pci_cfg_read16(&ops, n1->bdf, (uint16_t)(off + 2)), ctl);
		CHECK(g->msi.changed);
		vpci_write(&vp, &ops, off + 4, 4, 0xdeadbeef); /* Table offset: read-only */
		CHECK_EQ_U64(vpci_read(&vp, &ops, off + 4, 4),
			     pci_cfg_read32(&ops, n1->bdf, (uint16_t)(off + 4)));
		/* The table: every vector masked at reset; the guest's entries kept as written. */
		CHECK(vpci_msix_access(g, 12, false, 4, &v) && v == 1);
		v = 0x08090040;
		CHECK(vpci_msix_access(g, 0, true, 4, &v));
		v = 0xfffffffe00000007UL; /* data 7, then Vector Control: only the Mask Bit */
		CHECK(vpci_msix_access(g, 8, true, 8, &v));
		CHECK_EQ_U64(g->msi.entry_changed, 0);
		CHECK(vpci_msix_access(g, 8, false, 8, &v) && v == 7);
		CHECK(vpci_msix_access(g, 0, false, 4, &v) && v == 0x08090040);
		CHECK(!vpci_msix_access(g, 2, false, 2, &v)); /* not a DWORD */
		CHECK(vpci_msix_access(g, 16 * VPCI_MSIX_MAX, false, 4, &v) && v == 0);
		/* Without an ITS to mediate them, MSI and MSI-X are unlinked: INTx only. */
		vpci_msi_hide(g);
		CHECK_EQ_U64(vpci_read(&vp, &ops, 0x34, 1), pci_find_cap(n1, PCI_CAP_ID_EXP));
		CHECK_EQ_U64(vpci_read(&vp, &ops, off, 4), 0);
		vpci_write(&vp, &ops, off + 2, 2, 0x8000); /* MSI-X Enable: dropped */
		CHECK_EQ_U64(pci_cfg_read16(&ops, n1->bdf, (uint16_t)(off + 2)) & 0x8000, 0);
	}

	/* Command: memory and bus mastering are the guest's, I/O space is not. */
	vpci_write(&vp, &ops, 0x04, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_IO);
	CHECK_EQ_U64(pci_cfg_read16(&ops, n1->bdf, PCI_COMMAND),
		     PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	CHECK_EQ_U64(vpci_read(&vp, &ops, 0x04, 2), PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	vpci_write(&vp, &ops, 0x3c, 1, 0x55);
	CHECK_EQ_U64(vpci_read(&vp, &ops, 0x3c, 2), 0x0155);
	/* Writes to absent functions go nowhere. */
	vpci_write(&vp, &ops, (1u << 15) | 0x04, 2, PCI_COMMAND_MASTER);
	CHECK_EQ_U64(model.absent_writes, 0);

	/* After a stop: no DMA, no decode, INTx off, BAR0 still in place. */
	vpci_quiesce(&vp, &ops, true);
	CHECK_EQ_U64(pci_cfg_read16(&ops, n1->bdf, PCI_COMMAND), PCI_COMMAND_INTX_DIS);
	CHECK_EQ_U64(pci_cfg_read32(&ops, n1->bdf, 0x10), 0x10000000u | PCI_BAR_MEM_TYPE_64);
	CHECK(vpci_by_pintid(&vp, 36) == &vp.fn[0]);
	CHECK(vpci_by_pintid(&vp, 37) == NULL);
	CHECK(vpci_by_pintid(&vp, 0) == NULL);
	CHECK_EQ_U64(model.ro_writes, 0);
	CHECK_EQ_U64(model.bad_access, 0);
}

/* A guest throwing random config accesses at its ECAM: never reaches another function, never
 * moves a BAR, never enables MSI-X, never makes an access the ECAM would reject. */
static void test_vpci_fuzz(void)
{
	static struct vpci vp;
	struct pci_cfg_ops ops;
	const struct pci_func *n1;
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	uint16_t msix;
	uint32_t bar0, bar1, port_cmd;

	ops = model_enumerated();
	n1 = pci_find(&topo, PCI_BDF(1, 0, 0));
	CHECK(n1 != NULL);
	if (!n1)
		return;
	memset(&vp, 0, sizeof(vp));
	CHECK_EQ_U64(vpci_add(&vp, &ops, n1, 36, 35), 0);
	msix = pci_find_cap(n1, PCI_CAP_ID_MSIX);
	bar0 = pci_cfg_read32(&ops, n1->bdf, 0x10);
	bar1 = pci_cfg_read32(&ops, n1->bdf, 0x14);
	port_cmd = pci_cfg_read32(&ops, PCI_BDF(0, 1, 0), PCI_COMMAND);
	model.ro_writes = 0;
	for (int i = 0; i < 200000; i++) {
		uint64_t off;
		unsigned int size;
		uint32_t val;

		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		/* Mostly our device's header and capabilities, sometimes anywhere in the window. */
		off = (seed & 0x100000000ULL) ? (seed >> 8) % VPCI_ECAM_SIZE : (seed >> 8) & 0xff;
		size = 1u << ((seed >> 40) % 4); /* 1, 2, 4 and an invalid 8 */
		val = (uint32_t)(seed >> 20);
		if (seed & 1)
			vpci_write(&vp, &ops, off, size, val);
		else
			(void)vpci_read(&vp, &ops, off, size);
	}
	CHECK_EQ_U64(pci_cfg_read32(&ops, n1->bdf, 0x10), bar0);
	CHECK_EQ_U64(pci_cfg_read32(&ops, n1->bdf, 0x14), bar1);
	CHECK_EQ_U64(pci_cfg_read16(&ops, n1->bdf, (uint16_t)(msix + 2)) & 0x8000, 0);
	CHECK_EQ_U64(pci_cfg_read16(&ops, n1->bdf, PCI_COMMAND) & PCI_COMMAND_IO, 0);
	CHECK_EQ_U64(pci_cfg_read32(&ops, PCI_BDF(0, 1, 0), PCI_COMMAND), port_cmd);
	CHECK_EQ_U64(model.absent_writes, 0);
	CHECK_EQ_U64(model.bad_access, 0);
	/* The only writes the model calls read-only land inside visible capabilities or the
	 * cache-line/latency bytes: the guest's to make, never MSI-X's or another header field. */
}

/* Enumerating again over what the first pass programmed gives the same answer. */
static void test_enum_twice(void)
{
	struct pci_cfg_ops ops;

	ops = model_enumerated();
	CHECK_EQ_U64(pci_enum(&topo, &ops, plat.pcie.windows, plat.pcie.n_windows), 0);
	check_against_json();
	check_registers();
}

static void expect_cap(int line, uint16_t bdf, uint16_t id, bool ext, const char *want)
{
	struct pci_cfg_ops ops = model_ops();
	const struct pci_func *f = pci_find(&topo, bdf);
	char buf[160] = "";
	uint16_t off = 0;

	if (f)
		off = ext ? pci_find_ext_cap(f, id) : pci_find_cap(f, (uint8_t)id);
	if (off)
		pci_format_cap(buf, sizeof(buf), &ops, bdf, &(struct pci_cap){ id, off }, ext);
	if (strcmp(buf, want) != 0) {
		fprintf(stderr, "%s:%d: capability 0x%x of %04x: \"%s\", want \"%s\"\n", __FILE__,
			line, id, bdf, buf, want);
		test_failures_in_case++;
	}
}

static void test_caps_format(void)
{
	struct pci_cfg_ops ops;
	struct pci_msix_info mx;
	struct pci_exp_info e;
	char buf[160];

	ops = model_enumerated();

	/*
	 * NVMe, both: MSI-X at 0x40 = 11 80 40 00 | 00 20 00 00 | 00 30 00 00: Table Size 0x40
	 * (65 entries), table in BAR0 at 0x2000, PBA in BAR0 at 0x3000.
	 */
	for (int i = NVME0; i <= NVME1; i++) {
		const uint8_t *c = fns[i].captured;

		CHECK_EQ_U64((rd32(c + 0x40) >> 16 & 0x7ff) + 1, 65);
		CHECK_EQ_U64(pci_msix_decode(&ops, fns[i].bdf, 0x40, &mx), 0);
		CHECK_EQ_U64(mx.table_size, 65);
		CHECK_EQ_U64(mx.table_bir, 0);
		CHECK_EQ_U64(mx.table_offset, rd32(c + 0x44) & ~7u);
		CHECK_EQ_U64(mx.table_offset, 0x2000);
		CHECK_EQ_U64(mx.pba_offset, 0x3000);
		CHECK(!mx.enabled && !mx.function_mask);
		expect_cap(
			__LINE__, fns[i].bdf, PCI_CAP_ID_MSIX, false,
			"[40] MSI-X: Enable- Count=65 Masked- Table=BAR0+0x2000 PBA=BAR0+0x3000");
		/* Power Management at 0x60 = 01 00 03 00 | 08 00: version 3, D0, No_Soft_Reset. */
		expect_cap(__LINE__, fns[i].bdf, PCI_CAP_ID_PM, false,
			   "[60] Power Management v3 D1- D2- PME=0x00 D0");
	}
	/* 00:02.0: PCI Express at 0x80 = 10 60 92 00 | devcap 00 80 00 10: v2, type 9 (RCiEP, no
	 * link registers), Max_Payload_Size Supported 000b = 128 bytes. */
	CHECK_EQ_U64(pci_exp_decode(&ops, PCI_BDF(0, 2, 0), 0x80, &e), 0);
	CHECK_EQ_U64(e.version, 2);
	CHECK_EQ_U64(e.type, PCI_EXP_TYPE_RC_END);
	CHECK(!e.has_link && !e.slot);
	CHECK_EQ_U64(e.max_payload, 128);
	expect_cap(__LINE__, PCI_BDF(0, 2, 0), PCI_CAP_ID_EXP, false,
		   "[80] Express v2 Root Complex Integrated Endpoint MaxPayload=128");
	/* 01:00.0: 10 60 02 00: an Endpoint; Link Capabilities 0x411 (2.5GT/s x1), Link Status
	 * 0x0011 (2.5GT/s x1). */
	CHECK_EQ_U64(pci_exp_decode(&ops, PCI_BDF(1, 0, 0), 0x80, &e), 0);
	CHECK_EQ_U64(e.type, PCI_EXP_TYPE_ENDPOINT);
	CHECK(e.has_link);
	CHECK_EQ_U64(e.link_speed_max, rd32(fns[NVME1].captured + 0x8c) & 0xf);
	CHECK_EQ_U64(e.link_width_max, 1);
	expect_cap(__LINE__, PCI_BDF(1, 0, 0), PCI_CAP_ID_EXP, false,
		   "[80] Express v2 Endpoint MaxPayload=128 Link: max 2.5GT/s x1, now 2.5GT/s x1");

	/* Root port: Express at 0x54 = 10 48 42 01: v2, Root Port, Slot Implemented; Link
	 * Capabilities 0x00300604 (16GT/s x32), Link Status 0x2011 (2.5GT/s x1). */
	CHECK_EQ_U64(pci_exp_decode(&ops, PCI_BDF(0, 1, 0), 0x54, &e), 0);
	CHECK(e.slot);
	CHECK_EQ_U64(e.link_width_max, 32);
	expect_cap(__LINE__, PCI_BDF(0, 1, 0), PCI_CAP_ID_EXP, false,
		   "[54] Express v2 Root Port MaxPayload=128 Link: max 16GT/s x32, now 2.5GT/s x1");
	/* MSI-X at 0x48 = 11 40 00 00 | 00 00 00 00 | 00 08 00 00: one entry, PBA at 0x800. */
	expect_cap(__LINE__, PCI_BDF(0, 1, 0), PCI_CAP_ID_MSIX, false,
		   "[48] MSI-X: Enable- Count=1 Masked- Table=BAR0+0x0 PBA=BAR0+0x800");
	expect_cap(__LINE__, PCI_BDF(0, 1, 0), PCI_CAP_ID_SSVID, false,
		   "[40] Bridge Subsystem Vendor ID");
	/* Extended: AER at 0x100 (header 0x14820001: v2, next 0x148), ACS at 0x148 (v1). */
	expect_cap(__LINE__, PCI_BDF(0, 1, 0), PCI_EXT_CAP_ID_AER, true,
		   "[100 v2] Advanced Error Reporting");
	expect_cap(__LINE__, PCI_BDF(0, 1, 0), PCI_EXT_CAP_ID_ACS, true,
		   "[148 v1] Access Control Services");
	/* Capability offsets, as walked. */
	const struct pci_func *port = pci_find(&topo, PCI_BDF(0, 1, 0));

	CHECK(port != NULL);
	if (port) {
		CHECK_EQ_U64(port->n_caps, 3);
		CHECK_EQ_U64(port->caps[0].off, 0x54);
		CHECK_EQ_U64(port->caps[1].off, 0x48);
		CHECK_EQ_U64(port->caps[2].off, 0x40);
		CHECK_EQ_U64(port->n_ext_caps, 2);
		CHECK_EQ_U64(port->ext_caps[1].off, 0x148);
	}

	/* The function and BAR lines the shell prints. */
	const struct pci_func *n0 = pci_find(&topo, PCI_BDF(0, 2, 0));
	const struct pci_func *n1 = pci_find(&topo, PCI_BDF(1, 0, 0));

	CHECK(n0 && n1 && port);
	if (!n0 || !n1 || !port)
		return;
	pci_format_func(buf, sizeof(buf), n0);
	CHECK_STR(buf, "00:02.0 1b36:0010 [01:08:02] NVM Express controller");
	pci_format_func(buf, sizeof(buf), port);
	CHECK_STR(buf, "00:01.0 1b36:000c [06:04:00] PCI-to-PCI bridge");
	pci_format_bar(buf, sizeof(buf), &n0->bar[0]);
	CHECK_STR(buf, "Memory at 0x8000000000 (64-bit, non-prefetchable) [size=16K]");
	pci_format_bar(buf, sizeof(buf), &n1->bar[0]);
	CHECK_STR(buf, "Memory at 0x10000000 (64-bit, non-prefetchable) [size=16K]");
	pci_format_bar(buf, sizeof(buf), &port->bar[0]);
	CHECK_STR(buf, "Memory at 0x10100000 (32-bit, non-prefetchable) [size=4K]");
}

int main(void)
{
	load_all();
	RUN(test_fixtures);
	RUN(test_enum_matches_qemu);
	RUN(test_intx_routes);
	RUN(test_enum_twice);
	RUN(test_vpci);
	RUN(test_vpci_fuzz);
	RUN(test_caps_format);
	free(json_text);
	return TEST_SUMMARY();
}
