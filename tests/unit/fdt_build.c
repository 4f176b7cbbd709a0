// SPDX-License-Identifier: BSD-2-Clause-Patent
/* The unit tests' FDT builder (fdt_build.h). */
#include "fdt_build.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/lib/fdt.h"

void fdtb_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

uint32_t fdtb_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

void fdtb_u32(struct fdtb *b, uint32_t v)
{
	fdtb_put32(b->st + b->st_len, v);
	b->st_len += 4;
}

void fdtb_bytes(struct fdtb *b, const void *p, size_t len)
{
	memcpy(b->st + b->st_len, p, len);
	b->st_len += len;
	while (b->st_len % 4)
		b->st[b->st_len++] = 0;
}

void fdtb_begin(struct fdtb *b, const char *name)
{
	fdtb_u32(b, 1);
	fdtb_bytes(b, name, strlen(name) + 1);
}

void fdtb_end(struct fdtb *b)
{
	fdtb_u32(b, 2);
}

uint32_t fdtb_string(struct fdtb *b, const char *name)
{
	uint32_t off = (uint32_t)b->str_len;

	memcpy(b->str + b->str_len, name, strlen(name) + 1);
	b->str_len += strlen(name) + 1;
	return off;
}

void fdtb_prop(struct fdtb *b, const char *name, const void *val, size_t len)
{
	fdtb_u32(b, 3);
	fdtb_u32(b, (uint32_t)len);
	fdtb_u32(b, fdtb_string(b, name));
	fdtb_bytes(b, val, len);
}

void fdtb_str(struct fdtb *b, const char *name, const char *s)
{
	fdtb_prop(b, name, s, strlen(s) + 1);
}

void fdtb_cells(struct fdtb *b, const char *name, int n, ...)
{
	uint8_t v[64 * 4];
	va_list ap;

	va_start(ap, n);
	for (int i = 0; i < n; i++)
		fdtb_put32(v + 4 * i, va_arg(ap, uint32_t));
	va_end(ap);
	fdtb_prop(b, name, v, 4 * (size_t)n);
}

uint8_t *fdtb_blob(const struct fdtb *b, size_t *size)
{
	size_t rsv = 40, st = rsv + 16 * ((size_t)b->n_rsv + 1), str = st + b->st_len;
	size_t total = str + b->str_len;
	uint8_t *blob = calloc(1, total);

	fdtb_put32(blob + 0, FDT_MAGIC);
	fdtb_put32(blob + 4, (uint32_t)total);
	fdtb_put32(blob + 8, (uint32_t)st);
	fdtb_put32(blob + 12, (uint32_t)str);
	fdtb_put32(blob + 16, (uint32_t)rsv);
	fdtb_put32(blob + 20, 17);
	fdtb_put32(blob + 24, 16);
	fdtb_put32(blob + 32, (uint32_t)b->str_len);
	fdtb_put32(blob + 36, (uint32_t)b->st_len);
	for (int i = 0; i < b->n_rsv; i++) {
		fdtb_put32(blob + rsv + 16 * i, (uint32_t)(b->rsv[i][0] >> 32));
		fdtb_put32(blob + rsv + 16 * i + 4, (uint32_t)b->rsv[i][0]);
		fdtb_put32(blob + rsv + 16 * i + 8, (uint32_t)(b->rsv[i][1] >> 32));
		fdtb_put32(blob + rsv + 16 * i + 12, (uint32_t)b->rsv[i][1]);
	}
	memcpy(blob + st, b->st, b->st_len);
	memcpy(blob + str, b->str, b->str_len);
	*size = total;
	return blob;
}
