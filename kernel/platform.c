// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * Read the machine description out of a validated device tree: RAM, CPUs, console, GIC, timer,
 * PSCI, PCIe, SMMU and every MMIO region EL2 has to map. Follows the Linux DT bindings.
 */
#include "kernel/platform.h"

#include "kernel/drivers/uart.h"
#include "kernel/lib/err.h"
#include "kernel/lib/fmt.h"

/* PCIe Base Specification 7.2.2: ECAM gives each bus 1 MiB (32 devices x 8 functions x 4 KiB). */
#define PLAT_ECAM_BUS_SHIFT 20
#define PLAT_PCI_MAX_BUS    255

/* PCI bus binding (IEEE 1275), phys.hi cell "npt000ss bbbbbbbb dddddfff rrrrrrrr". */
#define PLAT_PCI_HI_SS_SHIFT 24
#define PLAT_PCI_HI_SS_MASK  0x3U
#define PLAT_PCI_HI_PREFETCH (1U << 30)
#define PLAT_PCI_ADDR_CELLS  3

/*
 * GIC interrupt specifier, first cell (Linux binding arm,gic-v3.yaml): 0 SPI, 1 PPI, 2 extended
 * SPI, 3 extended PPI. INTID bases from the GICv3 architecture specification, 2.2.1.
 */
#define PLAT_GIC_SPI	     0
#define PLAT_GIC_PPI	     1
#define PLAT_GIC_ESPI	     2
#define PLAT_GIC_EPPI	     3
#define PLAT_INTID_PPI_BASE  16
#define PLAT_INTID_SPI_BASE  32
#define PLAT_INTID_EPPI_BASE 1056
#define PLAT_INTID_ESPI_BASE 4096
#define PLAT_GIC_IRQ_CELLS   3

/* Timer "interrupts" order (arm,arch_timer.yaml): secure, non-secure, virtual, hypervisor. */
#define PLAT_TIMER_IRQS 4

/* Arm BSA (DEN 0094) recommended PPIs, for a DTB that does not name them (see platform.h). */
#define PLAT_BSA_MAINT_INTID	  25
#define PLAT_BSA_TIMER_SEC_INTID  29
#define PLAT_BSA_TIMER_PHYS_INTID 30
#define PLAT_BSA_TIMER_VIRT_INTID 27
#define PLAT_BSA_TIMER_HYP_INTID  26
#define PLAT_BSA_PMU_INTID	  23

/* Longest stdout-path we resolve; real ones are short ("/pl011@9000000", "serial0:115200n8"). */
#define PLAT_PATH_MAX 128

/* Addresses are read with at most two cells: 64 bits is the widest physical address. */
#define PLAT_MAX_CELLS 2

struct plat_ctx {
	struct platform *p;
	const struct fdt *f;
	struct err_why *why;
	int root;
	int reserved_memory; /* /reserved-memory, whose children are not devices */
};

/* The nodes from the root down to one node, as found by plat_path_to(). */
struct plat_path {
	int node[FDT_MAX_DEPTH];
	int n;
};

static int plat_fail(struct plat_ctx *c, int err, const char *fmt, ...) FMT_PRINTF(3, 4);

static int plat_fail(struct plat_ctx *c, int err, const char *fmt, ...)
{
	va_list ap;

	if (c->why && !c->why->msg[0]) {
		va_start(ap, fmt);
		fmt_vsnprintf(c->why->msg, sizeof(c->why->msg), fmt, ap);
		va_end(ap);
	}
	return err;
}

static void plat_memzero(void *dst, size_t n)
{
	uint8_t *d = dst;

	while (n--)
		*d++ = 0;
}

/* Copy at most size - 1 characters and always terminate. */
static void plat_strlcpy(char *dst, const char *src, size_t size)
{
	size_t i = 0;

	if (!size)
		return;
	if (src)
		for (; i + 1 < size && src[i]; i++)
			dst[i] = src[i];
	dst[i] = '\0';
}

static bool plat_streq(const char *a, const char *b)
{
	if (!a || !b)
		return false;
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

/* For messages: the root has an empty name. */
static const char *plat_label(const struct fdt *f, int node)
{
	const char *name = fdt_node_name(f, node);

	return name[0] ? name : "/";
}

static bool plat_range_ok(const struct plat_range *r)
{
	return r->size && r->base + r->size - 1 >= r->base;
}

static bool plat_is_memory(const struct fdt *f, int node)
{
	return plat_streq(fdt_getprop_str(f, node, "device_type"), "memory");
}

static int plat_find_enabled(const struct fdt *f, const char *compat)
{
	int n;

	for (n = fdt_find_compatible(f, -1, compat); n >= 0 && !fdt_node_enabled(f, n);)
		n = fdt_find_compatible(f, n, compat);
	return n;
}

static int plat_path_to(const struct fdt *f, int node, struct plat_path *path)
{
	int depth = 0;

	/* The tree has no parent links; a depth-first walk keeps the current ancestry. */
	for (int n = fdt_next_node(f, -1, &depth); n >= 0; n = fdt_next_node(f, n, &depth)) {
		if (depth < 0 || depth >= FDT_MAX_DEPTH)
			return E_BADFDT;
		path->node[depth] = n;
		if (n == node) {
			path->n = depth + 1;
			return 0;
		}
	}
	return E_NOENT;
}

/* #address-cells and #size-cells that 'bus' gives its children (defaults from DT spec 2.3.5). */
static int plat_bus_cells(struct plat_ctx *c, int bus, uint32_t *ac, uint32_t *sc)
{
	*ac = fdt_getprop_u32(c->f, bus, "#address-cells", 2);
	*sc = fdt_getprop_u32(c->f, bus, "#size-cells", 1);
	if (*ac < 1 || *ac > PLAT_MAX_CELLS)
		return plat_fail(c, E_RANGE, "%s: #address-cells = %u, only 1 or 2 supported",
				 plat_label(c->f, bus), *ac);
	if (*sc < 1 || *sc > PLAT_MAX_CELLS)
		return plat_fail(c, E_RANGE, "%s: #size-cells = %u, only 1 or 2 supported",
				 plat_label(c->f, bus), *sc);
	return 0;
}

/*
 * Turn an address on the bus path->node[level] into a CPU physical address by climbing through
 * each bus's "ranges" (DT spec 2.3.8). An empty "ranges" is the identity; none means the bus is
 * not memory-mapped at all.
 */
static int plat_translate(struct plat_ctx *c, const struct plat_path *path, int level,
			  uint64_t addr, uint64_t size, struct plat_range *out)
{
	for (; level > 0; level--) {
		int bus = path->node[level], parent = path->node[level - 1];
		uint32_t len, cac, csc, pac, psc, stride, i;
		const uint8_t *ranges = fdt_getprop(c->f, bus, "ranges", &len);
		int ret;

		if (!ranges)
			return plat_fail(c, E_RANGE, "%s has no ranges: its children are not MMIO",
					 plat_label(c->f, bus));
		if (!len)
			continue;
		ret = plat_bus_cells(c, bus, &cac, &csc);
		if (!ret)
			ret = plat_bus_cells(c, parent, &pac, &psc);
		if (ret)
			return ret;
		stride = 4 * (cac + pac + csc);
		for (i = 0; len - i >= stride; i += stride) {
			uint64_t cbase = fdt_read_cells(ranges + i, cac);
			uint64_t pbase = fdt_read_cells(ranges + i + 4 * cac, pac);
			uint64_t rsize = fdt_read_cells(ranges + i + 4 * (cac + pac), csc);

			if (addr >= cbase && addr - cbase < rsize &&
			    size <= rsize - (addr - cbase)) {
				addr = pbase + (addr - cbase);
				break;
			}
		}
		if (len - i < stride)
			return plat_fail(c, E_RANGE, "%s: address 0x%llx not inside its ranges",
					 plat_label(c->f, bus), (unsigned long long)addr);
	}
	out->base = addr;
	out->size = size;
	return 0;
}

/* Entry 'idx' of the "reg" of the last node on 'path', as a CPU physical range, or E_NOENT. */
static int plat_reg_at(struct plat_ctx *c, const struct plat_path *path, unsigned int idx,
		       struct plat_range *out)
{
	uint32_t len, ac, sc, stride;
	const uint8_t *reg;
	int ret;

	if (path->n < 2)
		return E_NOENT;
	reg = fdt_getprop(c->f, path->node[path->n - 1], "reg", &len);
	if (!reg)
		return E_NOENT;
	ret = plat_bus_cells(c, path->node[path->n - 2], &ac, &sc);
	if (ret)
		return ret;
	stride = 4 * (ac + sc);
	if (idx >= len / stride)
		return E_NOENT;
	reg += (size_t)idx * stride;
	return plat_translate(c, path, path->n - 2, fdt_read_cells(reg, ac),
			      fdt_read_cells(reg + 4 * ac, sc), out);
}

/* Like plat_reg_at() for a node found anywhere; a missing entry is an error here. */
static int plat_reg_need(struct plat_ctx *c, int node, unsigned int idx, struct plat_range *out)
{
	struct plat_path path;
	int ret = plat_path_to(c->f, node, &path);

	if (!ret)
		ret = plat_reg_at(c, &path, idx, out);
	if (ret == E_NOENT)
		return plat_fail(c, E_BADFDT, "%s: reg entry %u missing", plat_label(c->f, node),
				 idx);
	return ret;
}

static int plat_memory(struct plat_ctx *c)
{
	struct platform *p = c->p;
	struct plat_path path = { .node = { c->root }, .n = 2 };

	for (int n = fdt_first_child(c->f, c->root); n >= 0; n = fdt_next_sibling(c->f, n)) {
		struct plat_range r;
		int ret;

		if (!plat_is_memory(c->f, n) || !fdt_node_enabled(c->f, n))
			continue;
		path.node[1] = n;
		/* RAM beyond PLAT_MAX_MEM ranges is left unused, which is safe. */
		for (unsigned int i = 0; p->n_mem < PLAT_MAX_MEM; i++) {
			ret = plat_reg_at(c, &path, i, &r);
			if (ret == E_NOENT)
				break;
			if (ret)
				return ret;
			if (plat_range_ok(&r))
				p->mem[p->n_mem++] = r;
		}
	}
	if (!p->n_mem)
		return plat_fail(c, E_NOENT, "no memory node in the device tree");
	return 0;
}

static int plat_add_reserved(struct plat_ctx *c, uint64_t base, uint64_t size)
{
	struct platform *p = c->p;
	struct plat_range r = { .base = base, .size = size };

	if (!plat_range_ok(&r))
		return 0;
	/* Forgetting a reservation could hand firmware memory to a guest: refuse instead. */
	if (p->n_reserved >= PLAT_MAX_MEM)
		return plat_fail(c, E_NOMEM, "more than %d reserved memory regions", PLAT_MAX_MEM);
	p->reserved[p->n_reserved++] = r;
	return 0;
}

static int plat_reserved(struct plat_ctx *c)
{
	struct plat_path path = { .node = { c->root, c->reserved_memory }, .n = 3 };
	uint64_t base, size;
	int ret;

	for (unsigned int i = 0; !fdt_mem_rsv(c->f, i, &base, &size); i++) {
		ret = plat_add_reserved(c, base, size);
		if (ret)
			return ret;
	}
	if (c->reserved_memory < 0)
		return 0;
	for (int n = fdt_first_child(c->f, c->reserved_memory); n >= 0;
	     n = fdt_next_sibling(c->f, n)) {
		struct plat_range r;

		if (!fdt_node_enabled(c->f, n))
			continue;
		path.node[2] = n;
		for (unsigned int i = 0;; i++) {
			ret = plat_reg_at(c, &path, i, &r);
			if (ret == E_NOENT)
				break;
			if (!ret)
				ret = plat_add_reserved(c, r.base, r.size);
			if (ret)
				return ret;
		}
	}
	return 0;
}

static int plat_cpus(struct plat_ctx *c)
{
	struct platform *p = c->p;
	int cpus = fdt_path_offset(c->f, "/cpus");
	uint32_t ac;

	if (cpus < 0)
		return 0;
	/* #size-cells is 0 under /cpus: "reg" is the MPIDR affinity alone (arm,cpus.yaml). */
	ac = fdt_getprop_u32(c->f, cpus, "#address-cells", 2);
	if (ac < 1 || ac > PLAT_MAX_CELLS)
		return plat_fail(c, E_RANGE, "/cpus: #address-cells = %u, only 1 or 2 supported",
				 ac);
	for (int n = fdt_first_child(c->f, cpus); n >= 0 && p->n_cpus < PLAT_MAX_CPUS;
	     n = fdt_next_sibling(c->f, n)) {
		uint32_t len;
		const void *reg = fdt_getprop(c->f, n, "reg", &len);
		struct plat_cpu *cpu = &p->cpus[p->n_cpus];

		if (!plat_streq(fdt_getprop_str(c->f, n, "device_type"), "cpu") ||
		    !fdt_node_enabled(c->f, n) || !reg || len < 4 * ac)
			continue;
		cpu->mpidr = fdt_read_cells(reg, ac);
		cpu->psci = plat_streq(fdt_getprop_str(c->f, n, "enable-method"), "psci");
		p->n_cpus++;
	}
	return 0;
}

/* Resolve a stdout-path ("/path", "alias" or "alias/rest", options after ':' dropped). */
static int plat_resolve(const struct fdt *f, const char *spec)
{
	char buf[PLAT_PATH_MAX], full[2 * PLAT_PATH_MAX];
	const char *target;
	size_t len = 0, alias_len, t;
	int aliases;

	while (spec[len] && spec[len] != ':') {
		if (len + 1 >= sizeof(buf))
			return E_NOENT;
		buf[len] = spec[len];
		len++;
	}
	buf[len] = '\0';
	if (buf[0] == '/')
		return fdt_path_offset(f, buf);
	/* An alias names a path in /aliases (DT spec 3.3); any "/rest" after it is kept. */
	for (alias_len = 0; alias_len < len && buf[alias_len] != '/'; alias_len++)
		;
	buf[alias_len] = '\0';
	aliases = fdt_path_offset(f, "/aliases");
	target = aliases >= 0 ? fdt_getprop_str(f, aliases, buf) : NULL;
	if (!target || target[0] != '/')
		return E_NOENT;
	/* Both parts are shorter than PLAT_PATH_MAX, so 'full' holds them and the '/'. */
	for (t = 0; target[t]; t++) {
		if (t >= PLAT_PATH_MAX)
			return E_NOENT;
		full[t] = target[t];
	}
	for (size_t i = alias_len; i < len; i++)
		full[t++] = i == alias_len ? '/' : buf[i];
	full[t] = '\0';
	return fdt_path_offset(f, full);
}

/* Index of 's' in a string-list property, or -1. */
static int plat_strlist_index(const char *list, uint32_t len, const char *s)
{
	int idx = 0;

	for (uint32_t pos = 0; pos < len; idx++) {
		uint32_t end = pos;

		while (end < len && list[end])
			end++;
		if (end == len)
			return -1;
		if (plat_streq(list + pos, s))
			return idx;
		pos = end + 1;
	}
	return -1;
}

/* The PL011's "uartclk" when it comes from a fixed-clock node (clock-bindings.txt), else 0. */
static uint32_t plat_uart_clock(const struct fdt *f, int node)
{
	uint32_t nlen, clen, off = 0;
	const char *names = fdt_getprop(f, node, "clock-names", &nlen);
	const uint8_t *clocks = fdt_getprop(f, node, "clocks", &clen);
	int want = names ? plat_strlist_index(names, nlen, "uartclk") : 0;

	if (!clocks || want < 0)
		return 0;
	/* Each specifier is a phandle followed by that provider's #clock-cells cells. */
	for (int i = 0; clen - off >= 4; i++) {
		int prov = fdt_find_phandle(f, fdt_be32(clocks + off));
		uint32_t cells;

		if (prov < 0)
			return 0;
		if (i == want)
			return fdt_is_compatible(f, prov, "fixed-clock")
				       ? fdt_getprop_u32(f, prov, "clock-frequency", 0)
				       : 0;
		cells = fdt_getprop_u32(f, prov, "#clock-cells", 0);
		if (cells > (clen - off - 4) / 4)
			return 0;
		off += 4 + 4 * cells;
	}
	return 0;
}

static uint32_t plat_gic_intid(const uint8_t *spec);

/* UARTs the console drives, by "compatible" (Linux bindings: serial/pl011.yaml,
 * serial/arm_sbsa_uart.txt, serial/8250.yaml). */
static const struct {
	const char *compat;
	enum uart_kind kind;
} plat_uarts[] = {
	{ "arm,pl011", UART_PL011 }, { "arm,sbsa-uart", UART_SBSA },
	{ "ns16550a", UART_16550 },  { "ns16550", UART_16550 },
	{ "ns8250", UART_16550 },    { "snps,dw-apb-uart", UART_16550 },
};

static int plat_uart_kind(const struct fdt *f, int node)
{
	for (unsigned int i = 0; i < sizeof(plat_uarts) / sizeof(plat_uarts[0]); i++)
		if (fdt_is_compatible(f, node, plat_uarts[i].compat))
			return (int)plat_uarts[i].kind;
	return -1;
}

static int plat_uart(struct plat_ctx *c)
{
	struct platform *p = c->p;
	int chosen = fdt_path_offset(c->f, "/chosen"), node = E_NOENT, ret, kind = -1;

	if (chosen >= 0) {
		const char *sp = fdt_getprop_str(c->f, chosen, "stdout-path");

		plat_strlcpy(p->bootargs, fdt_getprop_str(c->f, chosen, "bootargs"),
			     sizeof(p->bootargs));
		if (!sp)
			sp = fdt_getprop_str(c->f, chosen, "linux,stdout-path");
		if (sp)
			node = plat_resolve(c->f, sp);
		/* The console must be a UART we drive; otherwise pick one ourselves. */
		if (node >= 0 &&
		    ((kind = plat_uart_kind(c->f, node)) < 0 || !fdt_node_enabled(c->f, node)))
			node = E_NOENT;
	}
	if (node < 0) {
		node = plat_find_enabled(c->f, "arm,pl011");
		kind = UART_PL011;
	}
	if (node < 0)
		return plat_fail(c, E_NOENT, "no PL011 UART in the device tree");
	ret = plat_reg_need(c, node, 0, &p->uart.reg);
	if (ret)
		return ret;
	p->uart.present = true;
	p->uart.kind = (unsigned int)kind;
	p->uart.pci_vendor = 0xffff;
	if (kind == UART_16550) {
		uint32_t shift = fdt_getprop_u32(c->f, node, "reg-shift", 0);
		uint32_t width = fdt_getprop_u32(c->f, node, "reg-io-width", 1);

		if (shift > 3 || (width != 1 && width != 4))
			return plat_fail(c, E_NOTSUP,
					 "%s: reg-shift %u, reg-io-width %u: a shift up to 3 and "
					 "a width of 1 or 4 are supported",
					 fdt_node_name(c->f, node), shift, width);
		p->uart.reg_shift = (uint8_t)shift;
		p->uart.reg_width = (uint8_t)width;
	}
	plat_strlcpy(p->uart.node, fdt_node_name(c->f, node), sizeof(p->uart.node));
	p->uart.clock_hz = plat_uart_clock(c->f, node);
	{
		uint32_t len;
		const uint8_t *irq = fdt_getprop(c->f, node, "interrupts", &len);

		/* Only a 3-cell GIC specifier is understood; otherwise the console polls. */
		if (irq && len >= 4 * PLAT_GIC_IRQ_CELLS)
			p->uart.intid = plat_gic_intid(irq);
	}
	return 0;
}

/* INTID of a 3-cell GIC interrupt specifier, or 0 when the type is unknown. */
static uint32_t plat_gic_intid(const uint8_t *spec)
{
	uint32_t type = fdt_be32(spec), num = fdt_be32(spec + 4);

	switch (type) {
	case PLAT_GIC_SPI:
		return PLAT_INTID_SPI_BASE + num;
	case PLAT_GIC_PPI:
		return PLAT_INTID_PPI_BASE + num;
	case PLAT_GIC_ESPI:
		return PLAT_INTID_ESPI_BASE + num;
	case PLAT_GIC_EPPI:
		return PLAT_INTID_EPPI_BASE + num;
	default:
		return 0;
	}
}

static const char *const plat_gic_v2_compat[] = {
	"arm,gic-400",
	"arm,cortex-a15-gic",
	"arm,cortex-a9-gic",
	"arm,cortex-a7-gic",
};

static int plat_gic(struct plat_ctx *c)
{
	struct platform *p = c->p;
	int node = plat_find_enabled(c->f, "arm,gic-v3"), ret;
	const uint8_t *irq;
	uint32_t len, nr;

	if (node >= 0) {
		p->gic.version = 3;
	} else {
		for (size_t i = 0; node < 0 && i < sizeof(plat_gic_v2_compat) / sizeof(char *); i++)
			node = plat_find_enabled(c->f, plat_gic_v2_compat[i]);
		if (node < 0)
			return 0;
		p->gic.version = 2;
	}
	ret = plat_reg_need(c, node, 0, &p->gic.dist);
	if (ret)
		return ret;
	irq = fdt_getprop(c->f, node, "interrupts", &len);
	if (irq && len >= 4 * PLAT_GIC_IRQ_CELLS)
		p->gic.maint_irq = plat_gic_intid(irq);
	if (p->gic.version != 3)
		return 0;

	/* arm,gic-v3.yaml: reg is the distributor, then #redistributor-regions regions. */
	nr = fdt_getprop_u32(c->f, node, "#redistributor-regions", 1);
	if (!nr || nr > PLAT_MAX_REDIST)
		return plat_fail(c, E_RANGE, "%s: #redistributor-regions = %u, 1 to %d supported",
				 plat_label(c->f, node), nr, PLAT_MAX_REDIST);
	for (unsigned int i = 0; i < nr; i++) {
		ret = plat_reg_need(c, node, 1 + i, &p->gic.redist[i]);
		if (ret)
			return ret;
	}
	p->gic.n_redist = nr;
	for (int n = fdt_first_child(c->f, node); n >= 0; n = fdt_next_sibling(c->f, n))
		if (fdt_is_compatible(c->f, n, "arm,gic-v3-its") && fdt_node_enabled(c->f, n))
			return plat_reg_need(c, n, 0, &p->gic.its);
	return 0;
}

static void plat_timer(struct plat_ctx *c)
{
	struct platform *p = c->p;
	int node = plat_find_enabled(c->f, "arm,armv8-timer");
	uint32_t *intid[PLAT_TIMER_IRQS] = { &p->timer.intid_sec, &p->timer.intid_phys,
					     &p->timer.intid_virt, &p->timer.intid_hyp };
	const uint8_t *irq;
	uint32_t len;

	if (node < 0)
		node = plat_find_enabled(c->f, "arm,armv7-timer");
	if (node < 0)
		return;
	p->timer.present = true;
	irq = fdt_getprop(c->f, node, "interrupts", &len);
	for (unsigned int i = 0; irq && i < PLAT_TIMER_IRQS; i++)
		if (len / (4 * PLAT_GIC_IRQ_CELLS) > i)
			*intid[i] = plat_gic_intid(irq + i * 4 * PLAT_GIC_IRQ_CELLS);
	p->timer.clock_frequency = fdt_getprop_u32(c->f, node, "clock-frequency", 0);
}

/* The PMU's overflow interrupt: the first of arm,armv8-pmuv3's "interrupts" (arm,pmu.yaml). */
static void plat_pmu(struct plat_ctx *c)
{
	int node = plat_find_enabled(c->f, "arm,armv8-pmuv3");
	const uint8_t *irq;
	uint32_t len;

	if (node < 0)
		return;
	irq = fdt_getprop(c->f, node, "interrupts", &len);
	if (irq && len >= 4 * PLAT_GIC_IRQ_CELLS)
		c->p->pmu_intid = plat_gic_intid(irq);
}

static void plat_psci(struct plat_ctx *c)
{
	static const char *const compat[] = { "arm,psci-1.0", "arm,psci-0.2", "arm,psci" };
	struct platform *p = c->p;
	const char *method;
	int node = E_NOENT;

	for (size_t i = 0; node < 0 && i < sizeof(compat) / sizeof(compat[0]); i++)
		node = plat_find_enabled(c->f, compat[i]);
	if (node < 0)
		return;
	p->psci.present = true;
	plat_strlcpy(p->psci.compatible, fdt_getprop_str(c->f, node, "compatible"),
		     sizeof(p->psci.compatible));
	method = fdt_getprop_str(c->f, node, "method");
	if (plat_streq(method, "smc"))
		p->psci.conduit = PSCI_CONDUIT_SMC;
	else if (plat_streq(method, "hvc"))
		p->psci.conduit = PSCI_CONDUIT_HVC;
}

/* Host bridge INTx routes: "interrupt-map" entries that point at a GIC (see platform.h). */
static void plat_pcie_imap(struct plat_ctx *c, int node)
{
	struct platform *p = c->p;
	uint32_t len, mlen, off = 0;
	const uint8_t *v = fdt_getprop(c->f, node, "interrupt-map", &len);
	const uint8_t *m = fdt_getprop(c->f, node, "interrupt-map-mask", &mlen);

	if (!v || !m || mlen != 4 * (PLAT_PCI_ADDR_CELLS + 1))
		return;
	p->pcie.imap_mask_hi = fdt_be32(m);
	p->pcie.imap_mask_pin = fdt_be32(m + 4 * PLAT_PCI_ADDR_CELLS);
	/* Child unit address (3) + pin (1) + parent phandle (1), then the parent's cells. */
	while (len - off >= 4 * (PLAT_PCI_ADDR_CELLS + 2) && len >= off) {
		const uint8_t *e = v + off;
		int parent = fdt_find_phandle(c->f, fdt_be32(e + 4 * (PLAT_PCI_ADDR_CELLS + 1)));
		uint32_t pac, pic, entry;

		if (parent < 0)
			return; /* cannot know the entry's length: stop here */
		pac = fdt_getprop_u32(c->f, parent, "#address-cells", 0);
		pic = fdt_getprop_u32(c->f, parent, "#interrupt-cells", 0);
		if (pac > PLAT_MAX_CELLS || pic > 4)
			return;
		entry = 4 * (PLAT_PCI_ADDR_CELLS + 2 + pac + pic);
		if (len - off < entry)
			return;
		if (pic == 3 && p->pcie.n_imap < PLAT_MAX_PCI_IMAP &&
		    (fdt_is_compatible(c->f, parent, "arm,gic-v3") ||
		     fdt_is_compatible(c->f, parent, "arm,cortex-a15-gic"))) {
			uint32_t intid = plat_gic_intid(e + 4 * (PLAT_PCI_ADDR_CELLS + 2 + pac));

			if (intid) {
				p->pcie.imap[p->pcie.n_imap].hi = fdt_be32(e);
				p->pcie.imap[p->pcie.n_imap].pin =
					fdt_be32(e + 4 * PLAT_PCI_ADDR_CELLS);
				p->pcie.imap[p->pcie.n_imap].intid = intid;
				p->pcie.n_imap++;
			}
		}
		off += entry;
	}
}

static int plat_pcie(struct plat_ctx *c)
{
	struct platform *p = c->p;
	int node = plat_find_enabled(c->f, "pci-host-ecam-generic"), ret;
	uint32_t len, ac, sc, pac, psc, stride, nbus;
	const uint8_t *v;
	struct plat_path path;

	if (node < 0)
		return 0;
	ret = plat_path_to(c->f, node, &path);
	if (!ret)
		ret = plat_reg_need(c, node, 0, &p->pcie.ecam);
	if (ret)
		return ret;

	/* The ECAM window starts at the first bus of bus-range (host-generic-pci.yaml). */
	p->pcie.bus_start = 0;
	p->pcie.bus_end = PLAT_PCI_MAX_BUS;
	v = fdt_getprop(c->f, node, "bus-range", &len);
	if (v && len >= 8) {
		p->pcie.bus_start = fdt_be32(v);
		p->pcie.bus_end = fdt_be32(v + 4);
	}
	if (p->pcie.bus_start > p->pcie.bus_end || p->pcie.bus_end > PLAT_PCI_MAX_BUS)
		return plat_fail(c, E_RANGE, "%s: bus-range %u-%u invalid", plat_label(c->f, node),
				 p->pcie.bus_start, p->pcie.bus_end);
	nbus = PLAT_PCI_MAX_BUS + 1;
	if (p->pcie.ecam.size >> PLAT_ECAM_BUS_SHIFT < nbus)
		nbus = (uint32_t)(p->pcie.ecam.size >> PLAT_ECAM_BUS_SHIFT);
	if (!nbus)
		return plat_fail(c, E_RANGE, "%s: ECAM smaller than one bus",
				 plat_label(c->f, node));
	/* Never let the enumerator touch config space beyond the window the reg describes. */
	if (p->pcie.bus_end - p->pcie.bus_start + 1 > nbus)
		p->pcie.bus_end = p->pcie.bus_start + nbus - 1;
	p->pcie.ecam.size = (uint64_t)(p->pcie.bus_end - p->pcie.bus_start + 1)
			    << PLAT_ECAM_BUS_SHIFT;

	ac = fdt_getprop_u32(c->f, node, "#address-cells", 0);
	if (ac != PLAT_PCI_ADDR_CELLS)
		return plat_fail(c, E_RANGE, "%s: #address-cells = %u, PCI needs 3",
				 plat_label(c->f, node), ac);
	sc = fdt_getprop_u32(c->f, node, "#size-cells", 2);
	if (sc < 1 || sc > PLAT_MAX_CELLS)
		return plat_fail(c, E_RANGE, "%s: #size-cells = %u, only 1 or 2 supported",
				 plat_label(c->f, node), sc);
	ret = plat_bus_cells(c, path.node[path.n - 2], &pac, &psc);
	if (ret)
		return ret;
	v = fdt_getprop(c->f, node, "ranges", &len);
	stride = 4 * (PLAT_PCI_ADDR_CELLS + pac + sc);
	for (uint32_t off = 0; v && len - off >= stride; off += stride) {
		uint32_t hi = fdt_be32(v + off);
		struct plat_range cpu;
		struct pci_window *w;

		if (p->pcie.n_windows >= PLAT_MAX_PCI_WINDOWS)
			break;
		w = &p->pcie.windows[p->pcie.n_windows];
		ret = plat_translate(c, &path, path.n - 2, fdt_read_cells(v + off + 12, pac),
				     fdt_read_cells(v + off + 12 + 4 * pac, sc), &cpu);
		if (ret)
			return ret;
		w->space = (enum pci_space)(hi >> PLAT_PCI_HI_SS_SHIFT & PLAT_PCI_HI_SS_MASK);
		w->prefetchable = hi & PLAT_PCI_HI_PREFETCH;
		w->pci_addr = fdt_read_cells(v + off + 4, 2);
		w->cpu_addr = cpu.base;
		w->size = cpu.size;
		p->pcie.n_windows++;
	}
	plat_pcie_imap(c, node);
	v = fdt_getprop(c->f, node, "iommu-map", &len);
	if (v && len >= 16) {
		p->pcie.iommu_map = true;
		p->pcie.rid_base = fdt_be32(v);
		p->pcie.iommu_phandle = fdt_be32(v + 4);
		p->pcie.sid_base = fdt_be32(v + 8);
		p->pcie.iommu_len = fdt_be32(v + 12);
	}
	/* (rid-base, msi-controller, msi-base, length): an ITS's #msi-cells is 0. */
	v = fdt_getprop(c->f, node, "msi-map", &len);
	for (uint32_t i = 0; v && i + 16 <= len && p->pcie.n_msi < PLAT_MAX_MSI_MAPS; i += 16) {
		struct plat_msi_map *m = &p->pcie.msi[p->pcie.n_msi++];

		m->rid_base = fdt_be32(v + i);
		m->devid_base = fdt_be32(v + i + 8);
		m->len = fdt_be32(v + i + 12);
	}
	p->pcie.present = true;
	return 0;
}

static int plat_smmu(struct plat_ctx *c)
{
	int node = plat_find_enabled(c->f, "arm,smmu-v3"), ret;

	if (node < 0)
		return 0;
	ret = plat_reg_need(c, node, 0, &c->p->smmu.reg);
	if (!ret) {
		c->p->smmu.present = true;
		c->p->smmu.phandle = fdt_getprop_u32(c->f, node, "phandle", 0);
	}
	return ret;
}

/* Append every "reg" entry of the last node on 'path' to devs[]. */
static int plat_add_dev(struct plat_ctx *c, const struct plat_path *path)
{
	struct platform *p = c->p;
	int node = path->node[path->n - 1];

	if (!fdt_node_enabled(c->f, node) || plat_is_memory(c->f, node) ||
	    node == c->reserved_memory)
		return 0;
	for (unsigned int i = 0;; i++) {
		struct plat_range r;
		int ret = plat_reg_at(c, path, i, &r);

		if (ret == E_NOENT)
			return 0;
		if (ret)
			return ret;
		if (!plat_range_ok(&r))
			continue;
		if (p->n_devs >= PLAT_MAX_DEVS) {
			p->n_devs_dropped++;
			continue;
		}
		plat_strlcpy(p->devs[p->n_devs].name, fdt_node_name(c->f, node), PLAT_NAME_LEN);
		p->devs[p->n_devs++].reg = r;
	}
}

/*
 * MMIO regions: the root's children, plus the children of a root child whose empty "ranges"
 * puts them in the same address space (the GICv3 ITS under the GIC node, a simple-bus).
 */
static int plat_devs(struct plat_ctx *c)
{
	struct plat_path path = { .node = { c->root }, .n = 2 };
	int ret;

	for (int n = fdt_first_child(c->f, c->root); n >= 0; n = fdt_next_sibling(c->f, n)) {
		uint32_t len;

		path.n = 2;
		path.node[1] = n;
		ret = plat_add_dev(c, &path);
		if (ret)
			return ret;
		if (!fdt_node_enabled(c->f, n) || n == c->reserved_memory ||
		    !fdt_getprop(c->f, n, "ranges", &len) || len)
			continue;
		path.n = 3;
		for (int ch = fdt_first_child(c->f, n); ch >= 0; ch = fdt_next_sibling(c->f, ch)) {
			path.node[2] = ch;
			ret = plat_add_dev(c, &path);
			if (ret)
				return ret;
		}
	}
	return 0;
}

int plat_parse(struct platform *p, const struct fdt *f, struct err_why *why)
{
	struct plat_ctx c = { .p = p, .f = f, .why = why };
	uint32_t ac, sc;
	int ret;

	plat_memzero(p, sizeof(*p));
	if (why)
		why->msg[0] = '\0';
	c.root = fdt_root(f);
	if (c.root < 0)
		return plat_fail(&c, E_BADFDT, "device tree not validated");
	p->dtb_size = f->size;
	c.reserved_memory = fdt_path_offset(f, "/reserved-memory");
	plat_strlcpy(p->model, fdt_getprop_str(f, c.root, "model"), sizeof(p->model));
	plat_strlcpy(p->compatible, fdt_getprop_str(f, c.root, "compatible"),
		     sizeof(p->compatible));

	ret = plat_bus_cells(&c, c.root, &ac, &sc);
	if (!ret)
		ret = plat_memory(&c);
	if (!ret)
		ret = plat_reserved(&c);
	if (!ret)
		ret = plat_cpus(&c);
	if (!ret)
		ret = plat_uart(&c);
	if (!ret)
		ret = plat_gic(&c);
	if (!ret) {
		plat_timer(&c);
		plat_pmu(&c);
		plat_psci(&c);
		ret = plat_pcie(&c);
	}
	if (!ret)
		ret = plat_smmu(&c);
	if (!ret)
		ret = plat_devs(&c);
	return ret;
}

const char *plat_conduit_name(enum psci_conduit c)
{
	switch (c) {
	case PSCI_CONDUIT_SMC:
		return "smc";
	case PSCI_CONDUIT_HVC:
		return "hvc";
	default:
		return "none";
	}
}

uint64_t plat_mem_total(const struct platform *p)
{
	uint64_t total = 0;

	for (unsigned int i = 0; i < p->n_mem && i < PLAT_MAX_MEM; i++)
		total = total + p->mem[i].size < total ? UINT64_MAX : total + p->mem[i].size;
	return total;
}

uint32_t plat_gic_maint_intid(const struct platform *p)
{
	return p->gic.maint_irq ? p->gic.maint_irq : PLAT_BSA_MAINT_INTID;
}

uint32_t plat_pmu_intid(const struct platform *p)
{
	return p->pmu_intid ? p->pmu_intid : PLAT_BSA_PMU_INTID;
}

uint32_t plat_timer_intid(const struct platform *p, enum plat_timer t)
{
	switch (t) {
	case PLAT_TIMER_SEC:
		return p->timer.intid_sec ? p->timer.intid_sec : PLAT_BSA_TIMER_SEC_INTID;
	case PLAT_TIMER_PHYS:
		return p->timer.intid_phys ? p->timer.intid_phys : PLAT_BSA_TIMER_PHYS_INTID;
	case PLAT_TIMER_VIRT:
		return p->timer.intid_virt ? p->timer.intid_virt : PLAT_BSA_TIMER_VIRT_INTID;
	case PLAT_TIMER_HYP:
		return p->timer.intid_hyp ? p->timer.intid_hyp : PLAT_BSA_TIMER_HYP_INTID;
	}
	return 0;
}

bool plat_pci_devid(const struct platform *p, uint32_t rid, uint32_t *devid)
{
	if (!p->pcie.n_msi) {
		*devid = rid;
		return true;
	}
	for (unsigned int i = 0; i < p->pcie.n_msi; i++) {
		const struct plat_msi_map *m = &p->pcie.msi[i];

		if (rid >= m->rid_base && rid - m->rid_base < m->len) {
			*devid = (uint32_t)(m->devid_base + (rid - m->rid_base));
			return true;
		}
	}
	return false;
}
