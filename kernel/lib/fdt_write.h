/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * Sequential flattened device tree writer (Devicetree Specification v0.4, chapter 5; version 17,
 * last_comp_version 16) into a caller's buffer. The layout is the one dtc produces.
 */
#ifndef KERNEL_FDT_WRITE_H
#define KERNEL_FDT_WRITE_H

#include <stddef.h>
#include <stdint.h>

#include "kernel/lib/fdt.h"

/*
 * Longest node name (with its unit address) or property name accepted, in characters. The spec
 * recommends 31 (2.2.1, 2.2.4); real trees exceed that a little, so the hard bound is looser.
 */
#define FDT_W_NAME_MAX 63

/*
 * Writer state; the fields are private. Call order: fdt_w_init(), any fdt_w_reserve(), the root
 * node (name "") with its properties and subnodes, fdt_w_finish(). Properties of a node come
 * before its subnodes (spec 5.4.2).
 *
 * Every call returns the writer's first error (0 while there is none) and does nothing once an
 * error is recorded, so a caller may ignore the returns and check fdt_w_finish() alone:
 *   E_NOMEM  the buffer is too small (nothing is ever written past buf + size);
 *   E_INVAL  misuse: reservation after the first node, property outside a node or after a
 *            subnode, duplicate property or sibling name, bad or over-long name, unbalanced
 *            fdt_w_end_node(), more than FDT_MAX_DEPTH levels, a second root, finish with open
 *            nodes or no root, any call after fdt_w_finish().
 * The buffer holds a valid blob only after fdt_w_finish() returned 0.
 */
struct fdt_w {
	uint8_t *buf;
	size_t size;	     /* usable bytes of buf, at most 2 GiB (fdt_init()'s limit) */
	size_t pos;	     /* end of the header, reservation map and structure block so far */
	size_t off_struct;   /* 0 until the first node ends the reservation map */
	size_t strings_len;  /* strings block, stored byte-reversed at the top of buf */
	unsigned int depth;  /* open nodes */
	int err;	     /* first error, sticky */
	uint8_t root_done;   /* the root node has been closed */
	uint8_t finished;    /* fdt_w_finish() succeeded */
	uint8_t after_child; /* the innermost open node already has a subnode */
	uint32_t node_off[FDT_MAX_DEPTH]; /* FDT_BEGIN_NODE offset of each open node */
};

/* Start a blob in buf[0, size). */
int fdt_w_init(struct fdt_w *w, void *buf, size_t size);
/* Add a memory reservation entry (5.3); only before the root node, size non-zero. */
int fdt_w_reserve(struct fdt_w *w, uint64_t addr, uint64_t size);
/* Open a node: "" for the root, else "name" or "name@unit-address" (chars of spec 2.2.1). */
int fdt_w_begin_node(struct fdt_w *w, const char *name);
int fdt_w_end_node(struct fdt_w *w);
/* A property of the innermost open node with 'len' bytes of value ('data' may be NULL if 0). */
int fdt_w_prop(struct fdt_w *w, const char *name, const void *data, size_t len);
/* One big-endian 32-bit cell. */
int fdt_w_prop_u32(struct fdt_w *w, const char *name, uint32_t v);
/* A 64-bit number as two big-endian cells, high first. */
int fdt_w_prop_u64(struct fdt_w *w, const char *name, uint64_t v);
/* 'n' cells, each stored big-endian. */
int fdt_w_prop_cells(struct fdt_w *w, const char *name, const uint32_t *cells, size_t n);
/* One NUL-terminated string. */
int fdt_w_prop_str(struct fdt_w *w, const char *name, const char *s);
/* A string list (2.3.1): the 'n' >= 1 strings back to back, each with its NUL. */
int fdt_w_prop_strlist(struct fdt_w *w, const char *name, const char *const *strs, size_t n);
/* A property with no value, such as "interrupt-controller" or "dma-coherent". */
int fdt_w_prop_empty(struct fdt_w *w, const char *name);
/*
 * Close the structure block, move the strings block after it and write the header. On success
 * *total_size (if not NULL) is the blob's totalsize; otherwise the first error is returned.
 */
int fdt_w_finish(struct fdt_w *w, uint32_t *total_size);

#endif
