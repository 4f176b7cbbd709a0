// SPDX-License-Identifier: BSD-2-Clause-Patent
/* A sequential FDT writer with one sticky error, and the guest DTB built with it. */
#include "dtb_gen.h"

#include <stdbool.h>

#include "err.h"
#include "fmt.h"

#define FDT_MAGIC_BE   0xd00dfeedU
#define TOK_BEGIN_NODE 1
#define TOK_END_NODE   2
#define TOK_PROP       3
#define TOK_END	       9
#define HDR	       0x28
#define RSVMAP	       0x28 /* one empty reservation entry: 16 bytes of zero */
#define STRUCT_OFF     0x40

static size_t slen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void fail(struct dtbgen *g, int err)
{
	if (!g->err)
		g->err = err;
}

/* Append bytes to the structure block, padded to 4 bytes with zeros. */
static void emit(struct dtbgen *g, const void *data, size_t len)
{
	size_t padded = (len + 3) & ~(size_t)3;
	const uint8_t *d = data;

	if (g->err)
		return;
	if (STRUCT_OFF + g->struct_len + padded > g->size) {
		fail(g, E_NOMEM);
		return;
	}
	for (size_t i = 0; i < padded; i++)
		g->buf[STRUCT_OFF + g->struct_len + i] = i < len ? d[i] : 0;
	g->struct_len += padded;
}

static void emit_u32(struct dtbgen *g, uint32_t v)
{
	uint8_t b[4];

	put_be32(b, v);
	emit(g, b, 4);
}

void dtbgen_init(struct dtbgen *g, void *buf, size_t size)
{
	*g = (struct dtbgen){ .buf = buf, .size = size };
	if (!buf || size < STRUCT_OFF)
		g->err = E_NOMEM;
}

void dtbgen_begin_node(struct dtbgen *g, const char *name)
{
	if (slen(name) > 63)
		fail(g, E_INVAL);
	emit_u32(g, TOK_BEGIN_NODE);
	emit(g, name, slen(name) + 1);
	g->depth++;
}

void dtbgen_end_node(struct dtbgen *g)
{
	if (g->depth <= 0) {
		fail(g, E_INVAL);
		return;
	}
	emit_u32(g, TOK_END_NODE);
	g->depth--;
}

/* Offset of 'name' in the strings block, adding it the first time. */
static uint32_t string_off(struct dtbgen *g, const char *name)
{
	size_t n = slen(name);

	for (size_t off = 0; off < g->strings_len;) {
		size_t len = slen(g->strings + off);
		size_t k = 0;

		while (k < len && k < n && g->strings[off + k] == name[k])
			k++;
		if (k == len && k == n)
			return (uint32_t)off;
		off += len + 1;
	}
	if (g->strings_len + n + 1 > sizeof(g->strings)) {
		fail(g, E_NOMEM);
		return 0;
	}
	for (size_t i = 0; i <= n; i++)
		g->strings[g->strings_len + i] = name[i];
	g->strings_len += n + 1;
	return (uint32_t)(g->strings_len - n - 1);
}

void dtbgen_prop(struct dtbgen *g, const char *name, const void *data, size_t len)
{
	uint32_t off = string_off(g, name);

	if (g->depth <= 0)
		fail(g, E_INVAL);
	emit_u32(g, TOK_PROP);
	emit_u32(g, (uint32_t)len);
	emit_u32(g, off);
	emit(g, data, len);
}

void dtbgen_prop_u32(struct dtbgen *g, const char *name, uint32_t v)
{
	dtbgen_prop_cells(g, name, &v, 1);
}

void dtbgen_prop_cells(struct dtbgen *g, const char *name, const uint32_t *cells, size_t n)
{
	uint8_t b[4 * 32];

	if (n > 32) {
		fail(g, E_INVAL);
		return;
	}
	for (size_t i = 0; i < n; i++)
		put_be32(b + 4 * i, cells[i]);
	dtbgen_prop(g, name, b, 4 * n);
}

void dtbgen_prop_str(struct dtbgen *g, const char *name, const char *s)
{
	dtbgen_prop(g, name, s, slen(s) + 1);
}

void dtbgen_prop_strs(struct dtbgen *g, const char *name, const char *const *s, size_t n)
{
	char b[128];
	size_t len = 0;

	for (size_t i = 0; i < n; i++) {
		size_t l = slen(s[i]) + 1;

		if (len + l > sizeof(b)) {
			fail(g, E_INVAL);
			return;
		}
		for (size_t k = 0; k < l; k++)
			b[len + k] = s[i][k];
		len += l;
	}
	dtbgen_prop(g, name, b, len);
}

int dtbgen_finish(struct dtbgen *g, uint32_t *size)
{
	size_t strings_off, total;

	if (g->depth != 0)
		fail(g, E_INVAL);
	emit_u32(g, TOK_END);
	if (g->err)
		return g->err;
	strings_off = STRUCT_OFF + g->struct_len;
	total = strings_off + g->strings_len;
	if (total > g->size)
		return E_NOMEM;
	for (size_t i = 0; i < g->strings_len; i++)
		g->buf[strings_off + i] = (uint8_t)g->strings[i];
	for (size_t i = 0; i < STRUCT_OFF; i++)
		g->buf[i] = 0; /* header and the empty reservation map */
	put_be32(g->buf + 0x00, FDT_MAGIC_BE);
	put_be32(g->buf + 0x04, (uint32_t)total);
	put_be32(g->buf + 0x08, STRUCT_OFF);		   /* off_dt_struct */
	put_be32(g->buf + 0x0c, (uint32_t)strings_off);	   /* off_dt_strings */
	put_be32(g->buf + 0x10, RSVMAP);		   /* off_mem_rsvmap */
	put_be32(g->buf + 0x14, 17);			   /* version */
	put_be32(g->buf + 0x18, 16);			   /* last_comp_version */
	put_be32(g->buf + 0x1c, 0);			   /* boot_cpuid_phys */
	put_be32(g->buf + 0x20, (uint32_t)g->strings_len); /* size_dt_strings */
	put_be32(g->buf + 0x24, (uint32_t)g->struct_len);  /* size_dt_struct */
	*size = (uint32_t)total;
	return 0;
}

/* <hi lo> cells of a 64-bit number. */
static void cells64(uint32_t *c, uint64_t v)
{
	c[0] = (uint32_t)(v >> 32);
	c[1] = (uint32_t)v;
}

#define PHANDLE_GIC 1
#define PHANDLE_CLK 2
/* GIC interrupt specifier flags: 4 = level-high; PPIs also carry a CPU mask (ignored on v3). */
#define IRQ_LEVEL_HIGH 4

int guest_dtb_build(const struct guest_dtb_desc *d, void *buf, size_t size, uint32_t *out)
{
	static const char *const gic_compat[] = { "arm,gic-v3" };
	static const char *const pl011_compat[] = { "arm,pl011", "arm,primecell" };
	static const char *const psci_compat[] = { "arm,psci-1.0", "arm,psci-0.2" };
	static const char *const timer_compat[] = { "arm,armv8-timer", "arm,armv7-timer" };
	static const char *const clock_names[] = { "uartclk", "apb_pclk" };
	struct dtbgen g;
	uint32_t c[16];
	char name[48];

	if (!d || !d->n_cpus || d->n_cpus > GUEST_DTB_MAX_CPUS || !d->ram_size ||
	    (d->ram_base & 0xfff) || !d->uart_base || d->uart_intid < 32 || !d->gicd_base)
		return E_INVAL;
	dtbgen_init(&g, buf, size);
	dtbgen_begin_node(&g, "");
	dtbgen_prop_u32(&g, "#address-cells", 2);
	dtbgen_prop_u32(&g, "#size-cells", 2);
	dtbgen_prop_str(&g, "compatible", "monadic,virt");
	dtbgen_prop_str(&g, "model", d->model ? d->model : "monadic-hypervisor guest");
	dtbgen_prop_u32(&g, "interrupt-parent", PHANDLE_GIC);

	dtbgen_begin_node(&g, "chosen");
	dtbgen_prop_str(&g, "bootargs", d->bootargs ? d->bootargs : "");
	fmt_snprintf(name, sizeof(name), "/pl011@%llx", (unsigned long long)d->uart_base);
	dtbgen_prop_str(&g, "stdout-path", name);
	dtbgen_end_node(&g);

	fmt_snprintf(name, sizeof(name), "memory@%llx", (unsigned long long)d->ram_base);
	dtbgen_begin_node(&g, name);
	dtbgen_prop_str(&g, "device_type", "memory");
	cells64(c, d->ram_base);
	cells64(c + 2, d->ram_size);
	dtbgen_prop_cells(&g, "reg", c, 4);
	dtbgen_end_node(&g);

	dtbgen_begin_node(&g, "cpus");
	dtbgen_prop_u32(&g, "#address-cells", 1);
	dtbgen_prop_u32(&g, "#size-cells", 0);
	for (unsigned int i = 0; i < d->n_cpus; i++) {
		fmt_snprintf(name, sizeof(name), "cpu@%llx", (unsigned long long)d->mpidr[i]);
		dtbgen_begin_node(&g, name);
		dtbgen_prop_str(&g, "device_type", "cpu");
		dtbgen_prop_str(&g, "compatible", "arm,armv8");
		dtbgen_prop_u32(&g, "reg", (uint32_t)d->mpidr[i]);
		dtbgen_prop_str(&g, "enable-method", "psci");
		dtbgen_end_node(&g);
	}
	dtbgen_end_node(&g);

	dtbgen_begin_node(&g, "psci");
	dtbgen_prop_strs(&g, "compatible", psci_compat, 2);
	dtbgen_prop_str(&g, "method", "hvc");
	dtbgen_end_node(&g);

	fmt_snprintf(name, sizeof(name), "intc@%llx", (unsigned long long)d->gicd_base);
	dtbgen_begin_node(&g, name);
	dtbgen_prop_strs(&g, "compatible", gic_compat, 1);
	dtbgen_prop_u32(&g, "#interrupt-cells", 3);
	dtbgen_prop(&g, "interrupt-controller", NULL, 0);
	dtbgen_prop_u32(&g, "#redistributor-regions", 1);
	cells64(c, d->gicd_base);
	cells64(c + 2, d->gicd_size);
	cells64(c + 4, d->gicr_base);
	cells64(c + 6, d->gicr_size);
	dtbgen_prop_cells(&g, "reg", c, 8);
	c[0] = 1; /* maintenance interrupt: PPI 9 */
	c[1] = 9;
	c[2] = IRQ_LEVEL_HIGH;
	dtbgen_prop_cells(&g, "interrupts", c, 3);
	dtbgen_prop_u32(&g, "phandle", PHANDLE_GIC);
	dtbgen_end_node(&g);

	dtbgen_begin_node(&g, "timer");
	dtbgen_prop_strs(&g, "compatible", timer_compat, 2);
	for (unsigned int i = 0; i < 4; i++) {
		c[3 * i] = 1; /* PPI */
		c[3 * i + 1] = d->timer_intids[i] - 16;
		c[3 * i + 2] = IRQ_LEVEL_HIGH;
	}
	dtbgen_prop_cells(&g, "interrupts", c, 12);
	dtbgen_prop(&g, "always-on", NULL, 0);
	dtbgen_end_node(&g);

	dtbgen_begin_node(&g, "apb-pclk");
	dtbgen_prop_str(&g, "compatible", "fixed-clock");
	dtbgen_prop_u32(&g, "#clock-cells", 0);
	dtbgen_prop_u32(&g, "clock-frequency", d->uart_clock_hz ? d->uart_clock_hz : 24000000);
	dtbgen_prop_str(&g, "clock-output-names", "clk24mhz");
	dtbgen_prop_u32(&g, "phandle", PHANDLE_CLK);
	dtbgen_end_node(&g);

	fmt_snprintf(name, sizeof(name), "pl011@%llx", (unsigned long long)d->uart_base);
	dtbgen_begin_node(&g, name);
	dtbgen_prop_strs(&g, "compatible", pl011_compat, 2);
	cells64(c, d->uart_base);
	cells64(c + 2, d->uart_size);
	dtbgen_prop_cells(&g, "reg", c, 4);
	c[0] = 0; /* SPI */
	c[1] = d->uart_intid - 32;
	c[2] = IRQ_LEVEL_HIGH;
	dtbgen_prop_cells(&g, "interrupts", c, 3);
	c[0] = PHANDLE_CLK;
	c[1] = PHANDLE_CLK;
	dtbgen_prop_cells(&g, "clocks", c, 2);
	dtbgen_prop_strs(&g, "clock-names", clock_names, 2);
	dtbgen_end_node(&g);

	dtbgen_end_node(&g);
	return dtbgen_finish(&g, out);
}
