// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * Sequential flattened device tree writer. The header, reservation map and structure block grow
 * up from the start of the buffer, the strings block grows down from its end (byte-reversed, so
 * offsets never move); fdt_w_finish() turns the strings block round and moves it into place.
 */
#include "kernel/lib/fdt_write.h"

#include <stdbool.h>

#include "kernel/lib/err.h"

/* Header field offsets (Devicetree Specification v0.4, 5.2 "Header"). */
#define FDTW_H_MAGIC	    0
#define FDTW_H_TOTALSIZE    4
#define FDTW_H_OFF_STRUCT   8
#define FDTW_H_OFF_STRINGS  12
#define FDTW_H_OFF_RSVMAP   16
#define FDTW_H_VERSION	    20
#define FDTW_H_LAST_COMP    24
#define FDTW_H_BOOT_CPUID   28
#define FDTW_H_SIZE_STRINGS 32
#define FDTW_H_SIZE_STRUCT  36

/* We write version 17, readable by anything that understands 16 (5.2). */
#define FDTW_VERSION	       17
#define FDTW_LAST_COMP_VERSION 16

/* Structure block tokens (5.4.1). */
#define FDTW_BEGIN_NODE 1U
#define FDTW_END_NODE	2U
#define FDTW_PROP	3U
#define FDTW_END	9U

/* A reservation entry is two big-endian 64-bit numbers; the map ends with a zero one (5.3.2). */
#define FDTW_RSV_ENTRY 16U
/* FDT_PROP is followed by the value length and the name's offset in the strings block (5.4.1). */
#define FDTW_PROP_HDR 12U

/* fdt_init() takes node offsets as ints, so a blob stays below 2 GiB. */
#define FDTW_MAX_TOTAL 0x7fffffffU

static size_t fdtw_strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

static size_t fdtw_align4(size_t v)
{
	return (v + 3) & ~(size_t)3;
}

static void fdtw_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void fdtw_put64(uint8_t *p, uint64_t v)
{
	fdtw_put32(p, (uint32_t)(v >> 32));
	fdtw_put32(p + 4, (uint32_t)v);
}

static uint32_t fdtw_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static int fdtw_fail(struct fdt_w *w, int err)
{
	if (!w->err)
		w->err = err;
	return w->err;
}

/* False (with the error recorded) once the writer must not change the buffer any more. */
static bool fdtw_usable(struct fdt_w *w)
{
	if (!w->err && w->finished)
		fdtw_fail(w, E_INVAL);
	return !w->err;
}

/*
 * Room for 'n' more bytes at pos plus 'strings' more bytes of strings block, or E_NOMEM.
 * Invariant: pos + strings_len <= size, so the subtraction cannot wrap.
 */
static bool fdtw_room(struct fdt_w *w, size_t n, size_t strings)
{
	size_t avail = w->size - w->strings_len - w->pos;

	if (n > avail || strings > avail - n) {
		fdtw_fail(w, E_NOMEM);
		return false;
	}
	return true;
}

/* Append 'len' bytes (zeros when data is NULL) padded with zeros to a multiple of 4. */
static void fdtw_emit(struct fdt_w *w, const void *data, size_t len)
{
	const uint8_t *d = data;
	size_t padded = fdtw_align4(len);

	for (size_t i = 0; i < padded; i++)
		w->buf[w->pos + i] = d && i < len ? d[i] : 0;
	w->pos += padded;
}

static void fdtw_emit32(struct fdt_w *w, uint32_t v)
{
	fdtw_put32(w->buf + w->pos, v);
	w->pos += 4;
}

/* Characters of node names (spec 2.2.1, Table 2.1); the unit address uses the same set. */
static bool fdtw_node_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       c == ',' || c == '.' || c == '_' || c == '+' || c == '-';
}

/* Characters of property names (2.2.4, Table 2.2). */
static bool fdtw_prop_char(char c)
{
	return fdtw_node_char(c) || c == '?' || c == '#';
}

/* "name" or "name@unit": both parts non-empty, one '@' at most, bounded length. */
static bool fdtw_node_name_ok(const char *name, size_t len)
{
	size_t at = len;

	if (!len || len > FDT_W_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (name[i] == '@' && at == len)
			at = i;
		else if (!fdtw_node_char(name[i]))
			return false;
	}
	return at != 0 && at != len - 1;
}

static bool fdtw_prop_name_ok(const char *name, size_t len)
{
	if (!len || len > FDT_W_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!fdtw_prop_char(name[i]))
			return false;
	return true;
}

/* Byte 'i' of the strings block, which is stored reversed at the top of the buffer. */
static uint8_t fdtw_strbyte(const struct fdt_w *w, size_t i)
{
	return w->buf[w->size - 1 - i];
}

/*
 * Offset of 'name' in the strings block, also as the tail of a longer name ("size-cells" inside
 * "#size-cells") exactly as dtc shares them, or -1 when it is not there yet.
 */
static int64_t fdtw_find_string(const struct fdt_w *w, const char *name, size_t len)
{
	for (size_t i = 0; i + len < w->strings_len; i++) {
		size_t k = 0;

		while (k < len && fdtw_strbyte(w, i + k) == (uint8_t)name[k])
			k++;
		if (k == len && !fdtw_strbyte(w, i + len))
			return (int64_t)i;
	}
	return -1;
}

/* Offset just after the FDT_BEGIN_NODE token and name at 'off'. */
static size_t fdtw_skip_begin(const struct fdt_w *w, size_t off)
{
	return off + 4 + fdtw_align4(fdtw_strlen((const char *)w->buf + off + 4) + 1);
}

/* A property of the innermost open node already uses the name at strings offset 'nameoff'. */
static bool fdtw_prop_exists(const struct fdt_w *w, uint32_t nameoff)
{
	/* Only properties follow the node's FDT_BEGIN_NODE while it has no subnode yet. */
	for (size_t off = fdtw_skip_begin(w, w->node_off[w->depth - 1]); off < w->pos;) {
		if (fdtw_get32(w->buf + off + 8) == nameoff)
			return true;
		off += FDTW_PROP_HDR + fdtw_align4(fdtw_get32(w->buf + off + 4));
	}
	return false;
}

static bool fdtw_streq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

/* The innermost open node already has a subnode called 'name'. */
static bool fdtw_child_exists(const struct fdt_w *w, const char *name)
{
	unsigned int level = 0;

	for (size_t off = fdtw_skip_begin(w, w->node_off[w->depth - 1]); off < w->pos;) {
		switch (fdtw_get32(w->buf + off)) {
		case FDTW_BEGIN_NODE:
			if (!level && fdtw_streq((const char *)w->buf + off + 4, name))
				return true;
			level++;
			off = fdtw_skip_begin(w, off);
			break;
		case FDTW_END_NODE:
			level--;
			off += 4;
			break;
		default: /* FDTW_PROP: nothing else is written inside a node */
			off += FDTW_PROP_HDR + fdtw_align4(fdtw_get32(w->buf + off + 4));
			break;
		}
	}
	return false;
}

int fdt_w_init(struct fdt_w *w, void *buf, size_t size)
{
	uint8_t *z = (uint8_t *)w;

	for (size_t i = 0; i < sizeof(*w); i++)
		z[i] = 0;
	w->buf = buf;
	w->size = size > FDTW_MAX_TOTAL ? FDTW_MAX_TOTAL : size;
	/* The header is written last, by fdt_w_finish(); the reservation map follows it. */
	w->pos = FDT_HEADER_SIZE;
	if (!buf)
		return fdtw_fail(w, E_INVAL);
	if (w->size < FDT_HEADER_SIZE)
		return fdtw_fail(w, E_NOMEM);
	return 0;
}

int fdt_w_reserve(struct fdt_w *w, uint64_t addr, uint64_t size)
{
	if (!fdtw_usable(w))
		return w->err;
	/* A zero entry would end the map early; a wrapping one describes no memory. */
	if (w->off_struct || !size || addr + (size - 1) < addr)
		return fdtw_fail(w, E_INVAL);
	if (!fdtw_room(w, FDTW_RSV_ENTRY, 0))
		return w->err;
	fdtw_put64(w->buf + w->pos, addr);
	fdtw_put64(w->buf + w->pos + 8, size);
	w->pos += FDTW_RSV_ENTRY;
	return 0;
}

int fdt_w_begin_node(struct fdt_w *w, const char *name)
{
	size_t len, start;

	if (!fdtw_usable(w))
		return w->err;
	if (!name)
		return fdtw_fail(w, E_INVAL);
	len = fdtw_strlen(name);
	if (!w->depth) {
		/* The root is the only top-level node and has an empty name (5.4.1). */
		if (w->root_done || len)
			return fdtw_fail(w, E_INVAL);
	} else if (w->depth >= FDT_MAX_DEPTH || !fdtw_node_name_ok(name, len) ||
		   fdtw_child_exists(w, name)) {
		return fdtw_fail(w, E_INVAL);
	}
	if (!w->off_struct) {
		/* The reservation map ends with a zero entry; the structure block follows. */
		if (!fdtw_room(w, FDTW_RSV_ENTRY + 4 + fdtw_align4(len + 1), 0))
			return w->err;
		fdtw_emit(w, NULL, FDTW_RSV_ENTRY);
		w->off_struct = w->pos;
	} else if (!fdtw_room(w, 4 + fdtw_align4(len + 1), 0)) {
		return w->err;
	}
	start = w->pos;
	fdtw_emit32(w, FDTW_BEGIN_NODE);
	fdtw_emit(w, name, len + 1);
	w->node_off[w->depth++] = (uint32_t)start;
	w->after_child = 0;
	return 0;
}

int fdt_w_end_node(struct fdt_w *w)
{
	if (!fdtw_usable(w))
		return w->err;
	if (!w->depth)
		return fdtw_fail(w, E_INVAL);
	if (!fdtw_room(w, 4, 0))
		return w->err;
	fdtw_emit32(w, FDTW_END_NODE);
	if (!--w->depth)
		w->root_done = 1;
	/* The parent now has a subnode: its properties are complete (5.4.2). */
	w->after_child = 1;
	return 0;
}

/*
 * Write the FDT_PROP header for a 'len'-byte value and return where the value goes (its padding
 * already zeroed), or NULL with the error recorded.
 */
static uint8_t *fdtw_prop_begin(struct fdt_w *w, const char *name, size_t len)
{
	size_t nlen, padded = fdtw_align4(len);
	int64_t found;
	uint32_t nameoff;
	uint8_t *value;

	if (!fdtw_usable(w))
		return NULL;
	if (!name || !w->depth || w->after_child) {
		fdtw_fail(w, E_INVAL);
		return NULL;
	}
	nlen = fdtw_strlen(name);
	if (!fdtw_prop_name_ok(name, nlen)) {
		fdtw_fail(w, E_INVAL);
		return NULL;
	}
	found = fdtw_find_string(w, name, nlen);
	if (found >= 0 && fdtw_prop_exists(w, (uint32_t)found)) {
		fdtw_fail(w, E_INVAL);
		return NULL;
	}
	/* padded < len only if align4 wrapped, which the room check then rejects as well. */
	if (padded < len || !fdtw_room(w, FDTW_PROP_HDR + padded, found >= 0 ? 0 : nlen + 1)) {
		fdtw_fail(w, E_NOMEM);
		return NULL;
	}
	if (found >= 0) {
		nameoff = (uint32_t)found;
	} else {
		nameoff = (uint32_t)w->strings_len;
		for (size_t k = 0; k <= nlen; k++)
			w->buf[w->size - 1 - (w->strings_len + k)] = (uint8_t)name[k];
		w->strings_len += nlen + 1;
	}
	fdtw_emit32(w, FDTW_PROP);
	fdtw_emit32(w, (uint32_t)len);
	fdtw_emit32(w, nameoff);
	value = w->buf + w->pos;
	fdtw_emit(w, NULL, len);
	return value;
}

int fdt_w_prop(struct fdt_w *w, const char *name, const void *data, size_t len)
{
	const uint8_t *d = data;
	uint8_t *v;

	if (!data && len && fdtw_usable(w))
		return fdtw_fail(w, E_INVAL);
	v = fdtw_prop_begin(w, name, len);
	if (!v)
		return w->err;
	for (size_t i = 0; i < len; i++)
		v[i] = d[i];
	return 0;
}

int fdt_w_prop_u32(struct fdt_w *w, const char *name, uint32_t v)
{
	return fdt_w_prop_cells(w, name, &v, 1);
}

int fdt_w_prop_u64(struct fdt_w *w, const char *name, uint64_t v)
{
	uint32_t cells[2] = { (uint32_t)(v >> 32), (uint32_t)v };

	return fdt_w_prop_cells(w, name, cells, 2);
}

int fdt_w_prop_cells(struct fdt_w *w, const char *name, const uint32_t *cells, size_t n)
{
	uint8_t *v;

	if (!fdtw_usable(w))
		return w->err;
	if (!cells && n)
		return fdtw_fail(w, E_INVAL);
	/* More cells than any blob can hold; also keeps 4 * n from wrapping. */
	if (n > FDTW_MAX_TOTAL / 4)
		return fdtw_fail(w, E_NOMEM);
	v = fdtw_prop_begin(w, name, 4 * n);
	if (!v)
		return w->err;
	for (size_t i = 0; i < n; i++)
		fdtw_put32(v + 4 * i, cells[i]);
	return 0;
}

int fdt_w_prop_str(struct fdt_w *w, const char *name, const char *s)
{
	return fdt_w_prop_strlist(w, name, &s, 1);
}

int fdt_w_prop_strlist(struct fdt_w *w, const char *name, const char *const *strs, size_t n)
{
	size_t len = 0;
	uint8_t *v;

	if (!fdtw_usable(w))
		return w->err;
	if (!strs || !n)
		return fdtw_fail(w, E_INVAL);
	for (size_t i = 0; i < n; i++) {
		if (!strs[i])
			return fdtw_fail(w, E_INVAL);
		len += fdtw_strlen(strs[i]) + 1;
		if (len > FDTW_MAX_TOTAL)
			return fdtw_fail(w, E_NOMEM);
	}
	v = fdtw_prop_begin(w, name, len);
	if (!v)
		return w->err;
	for (size_t i = 0; i < n; i++) {
		size_t l = fdtw_strlen(strs[i]) + 1;

		for (size_t k = 0; k < l; k++)
			v[k] = (uint8_t)strs[i][k];
		v += l;
	}
	return 0;
}

int fdt_w_prop_empty(struct fdt_w *w, const char *name)
{
	return fdt_w_prop(w, name, NULL, 0);
}

int fdt_w_finish(struct fdt_w *w, uint32_t *total_size)
{
	uint8_t *b = w->buf, *top;
	size_t len = w->strings_len, total;

	if (!fdtw_usable(w))
		return w->err;
	if (w->depth || !w->root_done)
		return fdtw_fail(w, E_INVAL);
	if (!fdtw_room(w, 4, 0))
		return w->err;
	fdtw_emit32(w, FDTW_END);

	/* Turn the strings block round in place, then move it down to follow the structure. */
	top = b + w->size - len;
	for (size_t i = 0; i < len / 2; i++) {
		uint8_t t = top[i];

		top[i] = top[len - 1 - i];
		top[len - 1 - i] = t;
	}
	/* Copying upwards is safe: the destination never lies above the source. */
	for (size_t i = 0; i < len; i++)
		b[w->pos + i] = top[i];
	total = w->pos + len;

	for (size_t i = 0; i < FDT_HEADER_SIZE; i++)
		b[i] = 0;
	fdtw_put32(b + FDTW_H_MAGIC, FDT_MAGIC);
	fdtw_put32(b + FDTW_H_TOTALSIZE, (uint32_t)total);
	fdtw_put32(b + FDTW_H_OFF_STRUCT, (uint32_t)w->off_struct);
	fdtw_put32(b + FDTW_H_OFF_STRINGS, (uint32_t)w->pos);
	fdtw_put32(b + FDTW_H_OFF_RSVMAP, FDT_HEADER_SIZE);
	fdtw_put32(b + FDTW_H_VERSION, FDTW_VERSION);
	fdtw_put32(b + FDTW_H_LAST_COMP, FDTW_LAST_COMP_VERSION);
	fdtw_put32(b + FDTW_H_BOOT_CPUID, 0);
	fdtw_put32(b + FDTW_H_SIZE_STRINGS, (uint32_t)len);
	fdtw_put32(b + FDTW_H_SIZE_STRUCT, (uint32_t)(w->pos - w->off_struct));
	w->finished = 1;
	if (total_size)
		*total_size = (uint32_t)total;
	return 0;
}
