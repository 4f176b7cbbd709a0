/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * A tiny FDT builder for the unit tests, token by token, so a test can make well-formed trees
 * and malformed ones alike. Same layout as dtc: header, reservation map, structure, strings
 * (Devicetree Specification 5). Nothing is checked: that is the reader's job under test.
 */
#ifndef TESTS_UNIT_FDT_BUILD_H
#define TESTS_UNIT_FDT_BUILD_H

#include <stddef.h>
#include <stdint.h>

struct fdtb {
	uint8_t st[16384]; /* structure block */
	size_t st_len;
	char str[4096]; /* strings block */
	size_t str_len;
	uint64_t rsv[8][2]; /* reservation map entries: address, size */
	int n_rsv;
};

/* Big-endian 32-bit cells at any byte address. */
void fdtb_put32(uint8_t *p, uint32_t v);
uint32_t fdtb_get32(const uint8_t *p);

/* A raw token or cell in the structure block (FDT_NOP is 4, FDT_END 9). */
void fdtb_u32(struct fdtb *b, uint32_t v);
/* Bytes, padded with zeroes to 4. */
void fdtb_bytes(struct fdtb *b, const void *p, size_t len);
void fdtb_begin(struct fdtb *b, const char *name); /* FDT_BEGIN_NODE and its name */
void fdtb_end(struct fdtb *b);			   /* FDT_END_NODE */
/* Append 'name' to the strings block (always, no sharing); its offset. */
uint32_t fdtb_string(struct fdtb *b, const char *name);
void fdtb_prop(struct fdtb *b, const char *name, const void *val, size_t len);
void fdtb_str(struct fdtb *b, const char *name, const char *s);
/* A property of 'n' cells, each given as a uint32_t argument. */
void fdtb_cells(struct fdtb *b, const char *name, int n, ...);
/*
 * Lay out header (version 17, last compatible 16), reservation map, structure and strings in
 * a calloc'd blob of exactly the total size; the caller appends FDT_END (9) before this and
 * frees the blob.
 */
uint8_t *fdtb_blob(const struct fdtb *b, size_t *size);

#endif
