// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * Flattened device tree reader. fdt_init() walks the untrusted blob once and rejects anything
 * malformed; the accessors re-check bounds on every token so even a bad node offset stays inside.
 */
#include "kernel/lib/fdt.h"

#include "kernel/lib/err.h"

/* Header field offsets (Devicetree Specification v0.4, 5.2 "Header"). */
#define FDT_H_MAGIC	   0
#define FDT_H_TOTALSIZE	   4
#define FDT_H_OFF_STRUCT   8
#define FDT_H_OFF_STRINGS  12
#define FDT_H_OFF_RSVMAP   16
#define FDT_H_VERSION	   20
#define FDT_H_LAST_COMP	   24
#define FDT_H_SIZE_STRINGS 32
#define FDT_H_SIZE_STRUCT  36 /* only from version 17 on */

/* Oldest version we read and newest layout we understand (5.2: version, last_comp_version). */
#define FDT_MIN_VERSION	     16
#define FDT_MAX_COMP_VERSION 17

/* Structure block tokens (5.4.1). */
#define FDT_BEGIN_NODE 1U
#define FDT_END_NODE   2U
#define FDT_PROP       3U
#define FDT_NOP	       4U
#define FDT_END	       9U
/* fdt_tag()'s answer for a token that is unknown or does not fit in the structure block. */
#define FDT_TAG_BAD (-1)

/* A memory reservation entry is two 64-bit big-endian numbers (5.3.2). */
#define FDT_RSV_ENTRY_SIZE 16U

/* Node offsets are ints, so a blob must fit in their positive range. */
#define FDT_MAX_TOTALSIZE 0x7fffffffU

uint32_t fdt_be32(const void *p)
{
	const uint8_t *b = p;

	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | (uint32_t)b[3];
}

uint64_t fdt_read_cells(const void *p, unsigned int cells)
{
	const uint8_t *b = p;
	uint64_t v = 0;

	for (unsigned int i = 0; i < cells; i++)
		v = v << 32 | fdt_be32(b + 4 * i);
	return v;
}

static uint64_t fdt_be64(const uint8_t *p)
{
	return (uint64_t)fdt_be32(p) << 32 | fdt_be32(p + 4);
}

static uint64_t fdt_align4(uint64_t v)
{
	return (v + 3) & ~(uint64_t)3;
}

static void fdt_append(char *buf, size_t size, size_t *pos, const char *s)
{
	while (*s && *pos + 1 < size)
		buf[(*pos)++] = *s++;
	buf[*pos] = '\0';
}

/* Record why the blob is rejected and make every accessor refuse it from now on. */
static int fdt_fail_at(struct fdt *f, const char *msg, int64_t off)
{
	static const char hex[] = "0123456789abcdef";
	size_t pos = 0;

	f->blob = NULL;
	f->size_struct = 0;
	f->size_strings = 0;
	f->why[0] = '\0';
	fdt_append(f->why, sizeof(f->why), &pos, msg);
	if (off >= 0) {
		char num[sizeof(" at struct+0x") + 16] = " at struct+0x";
		size_t n = sizeof(" at struct+0x") - 1;
		int shift = 28;

		while (shift > 0 && !((uint64_t)off >> shift))
			shift -= 4;
		for (; shift >= 0; shift -= 4)
			num[n++] = hex[((uint64_t)off >> shift) & 0xf];
		num[n] = '\0';
		fdt_append(f->why, sizeof(f->why), &pos, num);
	}
	return E_BADFDT;
}

static int fdt_fail(struct fdt *f, const char *msg)
{
	return fdt_fail_at(f, msg, -1);
}

/* A block [off, off + size) lies after the header and inside the blob; 64-bit sums cannot wrap. */
static bool fdt_block_ok(uint32_t off, uint32_t size, uint32_t total)
{
	return off >= FDT_HEADER_SIZE && (uint64_t)off + size <= total;
}

static int fdt_check_rsvmap(struct fdt *f, uint32_t off)
{
	if (off < FDT_HEADER_SIZE || off > f->size)
		return fdt_fail(f, "memory reservation map outside the blob");
	if (off % 8)
		return fdt_fail(f, "memory reservation map not 8-byte aligned");
	for (uint64_t o = off;; o += FDT_RSV_ENTRY_SIZE) {
		if (o + FDT_RSV_ENTRY_SIZE > f->size)
			return fdt_fail(f, "memory reservation map runs past the blob");
		if (!fdt_be64(f->blob + o) && !fdt_be64(f->blob + o + 8))
			return 0;
	}
}

/* Walk every token once: after this the accessors can trust names, lengths and nesting. */
static int fdt_check_struct(struct fdt *f)
{
	const uint8_t *sb = f->blob + f->off_struct;
	uint64_t end = f->size_struct, pos = 0;
	int64_t last_nul = -1; /* a property name is terminated iff a NUL follows its offset */
	bool root_closed = false;
	unsigned int depth = 0;

	for (uint32_t i = 0; i < f->size_strings; i++)
		if (!f->blob[f->off_strings + i])
			last_nul = i;

	for (;;) {
		uint64_t name, len, nameoff;
		uint32_t tok;

		if (pos + 4 > end)
			return fdt_fail(f, "structure block ends without FDT_END");
		tok = fdt_be32(sb + pos);
		if (!pos && tok != FDT_BEGIN_NODE)
			return fdt_fail(f, "first token is not the root FDT_BEGIN_NODE");
		switch (tok) {
		case FDT_BEGIN_NODE:
			if (root_closed)
				return fdt_fail_at(f, "node after the root node closed",
						   (int64_t)pos);
			name = pos + 4;
			for (len = 0; name + len < end && sb[name + len]; len++)
				;
			if (name + len >= end)
				return fdt_fail_at(f, "node name not terminated", (int64_t)pos);
			if (!pos && len)
				return fdt_fail(f, "root node name not empty");
			if (depth >= FDT_MAX_DEPTH)
				return fdt_fail_at(f, "nodes nested deeper than FDT_MAX_DEPTH",
						   (int64_t)pos);
			depth++;
			f->n_nodes++;
			pos = fdt_align4(name + len + 1);
			break;
		case FDT_END_NODE:
			if (!depth)
				return fdt_fail_at(f, "FDT_END_NODE without a node", (int64_t)pos);
			if (!--depth)
				root_closed = true;
			pos += 4;
			break;
		case FDT_PROP:
			if (!depth)
				return fdt_fail_at(f, "property outside any node", (int64_t)pos);
			if (pos + 12 > end)
				return fdt_fail_at(f, "property header runs past the block",
						   (int64_t)pos);
			len = fdt_be32(sb + pos + 4);
			nameoff = fdt_be32(sb + pos + 8);
			if (len > end - (pos + 12))
				return fdt_fail_at(f, "property value runs past the block",
						   (int64_t)pos);
			if (nameoff >= f->size_strings)
				return fdt_fail_at(f, "property name offset past strings",
						   (int64_t)pos);
			if ((int64_t)nameoff > last_nul)
				return fdt_fail_at(f, "property name not terminated", (int64_t)pos);
			pos = fdt_align4(pos + 12 + len);
			break;
		case FDT_NOP:
			pos += 4;
			break;
		case FDT_END:
			if (!root_closed)
				return fdt_fail_at(f, "FDT_END inside an open node", (int64_t)pos);
			return 0;
		default:
			return fdt_fail_at(f, "unknown token", (int64_t)pos);
		}
	}
}

int fdt_init(struct fdt *f, const void *blob, size_t max_size)
{
	const uint8_t *b = blob;
	uint32_t total, last_comp, off_rsv;
	int ret;

	f->blob = NULL;
	f->size = f->off_struct = f->size_struct = f->off_strings = f->size_strings = 0;
	f->version = f->n_nodes = 0;
	f->why[0] = '\0';

	if (!b)
		return fdt_fail(f, "no blob");
	if (max_size < FDT_HEADER_SIZE)
		return fdt_fail(f, "blob smaller than the 40-byte header");
	if (fdt_be32(b + FDT_H_MAGIC) != FDT_MAGIC)
		return fdt_fail(f, "bad magic (not a flattened device tree)");
	total = fdt_be32(b + FDT_H_TOTALSIZE);
	if (total < FDT_HEADER_SIZE)
		return fdt_fail(f, "totalsize smaller than the header");
	if (total > max_size)
		return fdt_fail(f, "totalsize larger than the memory holding the blob");
	if (total > FDT_MAX_TOTALSIZE)
		return fdt_fail(f, "totalsize above 2 GiB");
	f->version = fdt_be32(b + FDT_H_VERSION);
	last_comp = fdt_be32(b + FDT_H_LAST_COMP);
	if (f->version < FDT_MIN_VERSION)
		return fdt_fail(f, "version older than 16");
	if (last_comp > FDT_MAX_COMP_VERSION)
		return fdt_fail(f, "last_comp_version newer than 17");

	f->blob = b;
	f->size = total;
	f->off_struct = fdt_be32(b + FDT_H_OFF_STRUCT);
	f->off_strings = fdt_be32(b + FDT_H_OFF_STRINGS);
	f->size_strings = fdt_be32(b + FDT_H_SIZE_STRINGS);
	off_rsv = fdt_be32(b + FDT_H_OFF_RSVMAP);
	/* Version 16 has no size_dt_struct: the token walk finds the end, bounded by the blob. */
	if (f->version >= 17)
		f->size_struct = fdt_be32(b + FDT_H_SIZE_STRUCT);
	else if (f->off_struct <= total)
		f->size_struct = total - f->off_struct;

	if (!fdt_block_ok(f->off_struct, f->size_struct, total))
		return fdt_fail(f, "structure block outside the blob");
	if (f->off_struct % 4)
		return fdt_fail(f, "structure block not 4-byte aligned");
	if (!fdt_block_ok(f->off_strings, f->size_strings, total))
		return fdt_fail(f, "strings block outside the blob");
	ret = fdt_check_rsvmap(f, off_rsv);
	if (ret)
		return ret;
	return fdt_check_struct(f);
}

/*
 * Token at 'off' and the offset of the token after it, or FDT_TAG_BAD when the token is unknown
 * or does not fit. Checked every time so that a caller's bogus node offset cannot lead us out.
 */
static int fdt_tag(const struct fdt *f, int off, uint32_t *next)
{
	uint32_t end = f->size_struct, o, tok, len, p;
	const uint8_t *sb;

	if (!f->blob || off < 0 || off % 4)
		return FDT_TAG_BAD;
	o = (uint32_t)off;
	if (o > end || end - o < 4)
		return FDT_TAG_BAD;
	sb = f->blob + f->off_struct;
	tok = fdt_be32(sb + o);
	switch (tok) {
	case FDT_BEGIN_NODE:
		for (p = o + 4; p < end && sb[p]; p++)
			;
		if (p >= end)
			return FDT_TAG_BAD;
		*next = (uint32_t)fdt_align4((uint64_t)p + 1);
		break;
	case FDT_PROP:
		if (end - o < 12)
			return FDT_TAG_BAD;
		len = fdt_be32(sb + o + 4);
		if (len > end - o - 12)
			return FDT_TAG_BAD;
		*next = (uint32_t)fdt_align4((uint64_t)o + 12 + len);
		break;
	case FDT_END_NODE:
	case FDT_NOP:
	case FDT_END:
		*next = o + 4;
		break;
	default:
		return FDT_TAG_BAD;
	}
	return (int)tok;
}

int fdt_root(const struct fdt *f)
{
	uint32_t next;

	/* fdt_init() insists that the root's FDT_BEGIN_NODE is the very first token. */
	if (fdt_tag(f, 0, &next) != FDT_BEGIN_NODE)
		return E_BADFDT;
	return 0;
}

int fdt_next_node(const struct fdt *f, int node, int *depth)
{
	int local = 0, *d = depth ? depth : &local;
	uint32_t off, next;

	if (node < 0) {
		if (fdt_root(f) < 0)
			return E_NOENT;
		*d = 0;
		return 0;
	}
	if (fdt_tag(f, node, &off) != FDT_BEGIN_NODE)
		return E_NOENT;
	for (;;) {
		if (off > FDT_MAX_TOTALSIZE)
			return E_NOENT;
		switch (fdt_tag(f, (int)off, &next)) {
		case (int)FDT_BEGIN_NODE:
			(*d)++;
			return (int)off;
		case (int)FDT_END_NODE:
			(*d)--;
			break;
		case (int)FDT_PROP:
		case (int)FDT_NOP:
			break;
		default:
			return E_NOENT;
		}
		off = next;
	}
}

int fdt_first_child(const struct fdt *f, int node)
{
	int depth = 0, n = fdt_next_node(f, node, &depth);

	return n >= 0 && depth == 1 ? n : E_NOENT;
}

int fdt_next_sibling(const struct fdt *f, int node)
{
	int depth = 0, n = node;

	/* Skip the node's own subtree (depth > 0); leaving the parent (< 0) ends the list. */
	do {
		n = fdt_next_node(f, n, &depth);
		if (n < 0 || depth < 0)
			return E_NOENT;
	} while (depth > 0);
	return n;
}

const char *fdt_node_name(const struct fdt *f, int node)
{
	uint32_t next;

	if (fdt_tag(f, node, &next) != FDT_BEGIN_NODE)
		return "";
	return (const char *)f->blob + f->off_struct + (uint32_t)node + 4;
}

/* 'name' is exactly the first 'len' characters of path component 'comp'. */
static bool fdt_name_is(const char *name, const char *comp, size_t len, char stop)
{
	for (size_t i = 0; i < len; i++)
		if (name[i] != comp[i])
			return false;
	return name[len] == stop;
}

static bool fdt_has_at(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] == '@')
			return true;
	return false;
}

/* Child of 'parent' called comp[0..len): exact name, else the only child with that base name. */
static int fdt_subnode(const struct fdt *f, int parent, const char *comp, size_t len)
{
	bool by_base = !fdt_has_at(comp, len);
	int found = E_NOENT, matches = 0;

	for (int n = fdt_first_child(f, parent); n >= 0; n = fdt_next_sibling(f, n)) {
		const char *name = fdt_node_name(f, n);

		if (fdt_name_is(name, comp, len, '\0'))
			return n;
		if (by_base && fdt_name_is(name, comp, len, '@')) {
			found = n;
			matches++;
		}
	}
	return matches == 1 ? found : E_NOENT;
}

int fdt_path_offset(const struct fdt *f, const char *path)
{
	int node = fdt_root(f);

	if (node < 0)
		return E_NOENT;
	if (!path || path[0] != '/')
		return E_NOENT;
	for (;;) {
		size_t len = 0;

		while (*path == '/')
			path++;
		if (!*path)
			return node;
		while (path[len] && path[len] != '/')
			len++;
		node = fdt_subnode(f, node, path, len);
		if (node < 0)
			return E_NOENT;
		path += len;
	}
}

/* The string at 'nameoff' in the strings block equals 'name', without reading past the block. */
static bool fdt_string_is(const struct fdt *f, uint32_t nameoff, const char *name)
{
	const char *s;
	uint32_t max;

	if (nameoff >= f->size_strings)
		return false;
	s = (const char *)f->blob + f->off_strings + nameoff;
	max = f->size_strings - nameoff;
	for (uint32_t i = 0; i < max; i++) {
		if (s[i] != name[i])
			return false;
		if (!s[i])
			return true;
	}
	return false;
}

const void *fdt_getprop(const struct fdt *f, int node, const char *name, uint32_t *len)
{
	const uint8_t *sb;
	uint32_t off, next;

	if (!name || fdt_tag(f, node, &off) != FDT_BEGIN_NODE)
		return NULL;
	sb = f->blob + f->off_struct;
	/* Properties come before the first subnode (5.4.2); stop at anything else. */
	for (;; off = next) {
		int tok;

		if (off > FDT_MAX_TOTALSIZE)
			return NULL;
		tok = fdt_tag(f, (int)off, &next);
		if (tok == (int)FDT_NOP)
			continue;
		if (tok != (int)FDT_PROP)
			return NULL;
		if (fdt_string_is(f, fdt_be32(sb + off + 8), name)) {
			if (len)
				*len = fdt_be32(sb + off + 4);
			return sb + off + 12;
		}
	}
}

const char *fdt_getprop_str(const struct fdt *f, int node, const char *name)
{
	uint32_t len;
	const char *s = fdt_getprop(f, node, name, &len);

	if (!s)
		return NULL;
	for (uint32_t i = 0; i < len; i++)
		if (!s[i])
			return s;
	return NULL;
}

uint32_t fdt_getprop_u32(const struct fdt *f, int node, const char *name, uint32_t dflt)
{
	uint32_t len;
	const void *v = fdt_getprop(f, node, name, &len);

	return v && len >= 4 ? fdt_be32(v) : dflt;
}

bool fdt_is_compatible(const struct fdt *f, int node, const char *compat)
{
	uint32_t len, pos = 0;
	const char *list = fdt_getprop(f, node, "compatible", &len);

	if (!list || !compat)
		return false;
	/* A string list is NUL-terminated strings back to back (2.3.1); skip a bare tail. */
	while (pos < len) {
		uint32_t i = 0;

		while (pos + i < len && list[pos + i] && compat[i] == list[pos + i])
			i++;
		if (pos + i < len && !list[pos + i] && !compat[i])
			return true;
		while (pos < len && list[pos])
			pos++;
		pos++;
	}
	return false;
}

int fdt_find_compatible(const struct fdt *f, int from, const char *compat)
{
	int n = from;

	for (;;) {
		n = fdt_next_node(f, n, NULL);
		if (n < 0)
			return E_NOENT;
		if (fdt_is_compatible(f, n, compat))
			return n;
	}
}

int fdt_find_phandle(const struct fdt *f, uint32_t phandle)
{
	/* 0 and ~0 are never valid phandles (2.3.3). */
	if (!phandle || phandle == 0xffffffffU)
		return E_NOENT;
	for (int n = fdt_next_node(f, -1, NULL); n >= 0; n = fdt_next_node(f, n, NULL)) {
		uint32_t len;
		const void *v = fdt_getprop(f, n, "phandle", &len);

		if (!v)
			v = fdt_getprop(f, n, "linux,phandle", &len);
		if (v && len == 4 && fdt_be32(v) == phandle)
			return n;
	}
	return E_NOENT;
}

static bool fdt_streq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

bool fdt_node_enabled(const struct fdt *f, int node)
{
	const char *status;

	if (!fdt_getprop(f, node, "status", NULL))
		return true;
	status = fdt_getprop_str(f, node, "status");
	return status && (fdt_streq(status, "okay") || fdt_streq(status, "ok"));
}

int fdt_mem_rsv(const struct fdt *f, unsigned int idx, uint64_t *addr, uint64_t *size)
{
	uint64_t o, a, s;

	if (!f->blob)
		return E_NOENT;
	/* fdt_init() checked that the map and its terminator lie inside the blob. */
	o = fdt_be32(f->blob + FDT_H_OFF_RSVMAP);
	for (unsigned int i = 0;; i++, o += FDT_RSV_ENTRY_SIZE) {
		if (o + FDT_RSV_ENTRY_SIZE > f->size)
			return E_NOENT;
		a = fdt_be64(f->blob + o);
		s = fdt_be64(f->blob + o + 8);
		if (!a && !s)
			return E_NOENT;
		if (i == idx) {
			*addr = a;
			*size = s;
			return 0;
		}
	}
}
