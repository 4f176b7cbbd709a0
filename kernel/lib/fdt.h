/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * Flattened device tree reader (Devicetree Specification v0.4, chapter 5). fdt_init() checks the
 * whole blob once; the accessors then trust its structure and never read outside it.
 */
#ifndef KERNEL_FDT_H
#define KERNEL_FDT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FDT_MAGIC	0xd00dfeedU
#define FDT_MAX_DEPTH	32
#define FDT_HEADER_SIZE 40U

struct fdt {
	const uint8_t *blob;
	uint32_t size;	     /* totalsize from the header, checked against the caller's bound */
	uint32_t off_struct; /* structure block */
	uint32_t size_struct;
	uint32_t off_strings; /* strings block */
	uint32_t size_strings;
	uint32_t version;
	uint32_t n_nodes;
	char why[96]; /* why fdt_init() rejected the blob */
};

/*
 * Validate the blob at 'blob' that may occupy at most 'max_size' bytes. Returns 0, or E_BADFDT
 * with a human-readable reason in f->why (magic, version, offsets, tokens, names, nesting).
 */
int fdt_init(struct fdt *f, const void *blob, size_t max_size);

/* Nodes are named by their offset in the structure block; the root is fdt_root(). */
int fdt_root(const struct fdt *f);
/* First child / next sibling of a node, or E_NOENT. */
int fdt_first_child(const struct fdt *f, int node);
int fdt_next_sibling(const struct fdt *f, int node);
/* Next node in depth-first order after 'node' (-1 starts at the root), or E_NOENT. */
int fdt_next_node(const struct fdt *f, int node, int *depth);
/* Node name including any unit address ("pl011@9000000"); "" for the root. */
const char *fdt_node_name(const struct fdt *f, int node);
/* Look up an absolute path such as "/cpus" or "/pl011@9000000"; a name without '@' matches
 * the node whose name before '@' is equal when it is the only one. Returns offset or E_NOENT. */
int fdt_path_offset(const struct fdt *f, const char *path);
/* Property value and length, or NULL when absent. */
const void *fdt_getprop(const struct fdt *f, int node, const char *name, uint32_t *len);
/* Property as a NUL-terminated string within its length, or NULL. */
const char *fdt_getprop_str(const struct fdt *f, int node, const char *name);
/* One 32-bit cell, or 'dflt' when absent or short. */
uint32_t fdt_getprop_u32(const struct fdt *f, int node, const char *name, uint32_t dflt);
/* True when the node's "compatible" string list contains 'compat'. */
bool fdt_is_compatible(const struct fdt *f, int node, const char *compat);
/* Next node (in depth-first order after 'from', -1 for the start) compatible with 'compat'. */
int fdt_find_compatible(const struct fdt *f, int from, const char *compat);
/* Node whose "phandle" (or "linux,phandle") is 'phandle', or E_NOENT. */
int fdt_find_phandle(const struct fdt *f, uint32_t phandle);
/* "status" absent, "okay" or "ok". */
bool fdt_node_enabled(const struct fdt *f, int node);
/* Entry 'idx' of the memory reservation map (/memreserve/), or E_NOENT past the last one. */
int fdt_mem_rsv(const struct fdt *f, unsigned int idx, uint64_t *addr, uint64_t *size);

/* Big-endian cells, as stored in property values (which may be unaligned). */
uint32_t fdt_be32(const void *p);
/* Read 'cells' (1 or 2) big-endian cells as one number. */
uint64_t fdt_read_cells(const void *p, unsigned int cells);

#endif
