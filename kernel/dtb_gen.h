/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * Writing flattened device trees (Devicetree Specification v0.4, chapter 5), and the one a guest
 * boots with. Portable: tested on the host by parsing the output back with kernel/fdt.c.
 */
#ifndef KERNEL_DTB_GEN_H
#define KERNEL_DTB_GEN_H

#include <stddef.h>
#include <stdint.h>

struct dtbgen {
	uint8_t *buf;
	size_t size;
	size_t struct_len; /* structure block, built from offset 0x40 */
	char strings[512]; /* property names, deduplicated */
	size_t strings_len;
	int depth;
	int err; /* first error: E_NOMEM (buffer or strings too small) or E_INVAL (misuse) */
};

void dtbgen_init(struct dtbgen *g, void *buf, size_t size);
void dtbgen_begin_node(struct dtbgen *g, const char *name);
void dtbgen_end_node(struct dtbgen *g);
void dtbgen_prop(struct dtbgen *g, const char *name, const void *data, size_t len);
void dtbgen_prop_u32(struct dtbgen *g, const char *name, uint32_t v);
/* Big-endian cells from 32-bit values. */
void dtbgen_prop_cells(struct dtbgen *g, const char *name, const uint32_t *cells, size_t n);
void dtbgen_prop_str(struct dtbgen *g, const char *name, const char *s);
/* Several NUL-terminated strings in one property (compatible lists). */
void dtbgen_prop_strs(struct dtbgen *g, const char *name, const char *const *s, size_t n);
/* Lay out the blob; *size is its total size. Returns the first error, or 0. */
int dtbgen_finish(struct dtbgen *g, uint32_t *size);

#define GUEST_DTB_MAX_CPUS 8

struct guest_dtb_desc {
	const char *model;
	uint64_t ram_base, ram_size;
	unsigned int n_cpus;
	uint64_t mpidr[GUEST_DTB_MAX_CPUS];
	uint64_t gicd_base, gicd_size, gicr_base, gicr_size;
	uint32_t timer_intids[4]; /* secure, non-secure physical, virtual, hypervisor PPIs */
	uint64_t uart_base, uart_size;
	uint32_t uart_intid;
	uint32_t uart_clock_hz;
	const char *bootargs;
};

/* A guest's DTB: memory, cpus (PSCI), psci (hvc), GICv3, timer, clock, PL011, chosen. */
int guest_dtb_build(const struct guest_dtb_desc *d, void *buf, size_t size, uint32_t *out);

#endif
