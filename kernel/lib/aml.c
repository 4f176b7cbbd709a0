// SPDX-License-Identifier: BSD-2-Clause-Patent
/* Static _PRT routes from a DSDT's AML byte encoding (see aml.h; ACPI 6.5 chapter 20). */
#include "kernel/lib/aml.h"

#include "kernel/lib/string.h"

/* AML opcodes and prefixes (ACPI 6.5 20.2). */
#define AML_ZERO       0x00
#define AML_ONE	       0x01
#define AML_NAME       0x08
#define AML_BYTE       0x0a
#define AML_WORD       0x0b
#define AML_DWORD      0x0c
#define AML_QWORD      0x0e
#define AML_BUFFER     0x11
#define AML_PACKAGE    0x12
#define AML_VARPACKAGE 0x13
#define AML_DUAL_NAME  0x2e
#define AML_MULTI_NAME 0x2f
#define AML_ROOT       0x5c
#define AML_PARENT     0x5e
#define AML_EXT	       0x5b
#define AML_EXT_DEVICE 0x82
#define AML_ONES       0xff
#define AML_SEG_LEN    4
/* Resource descriptors (6.4): large items have bit 7 set and a 16-bit length at byte 1. */
#define RES_LARGE	0x80
#define RES_END_TAG	0x79
#define RES_EXT_IRQ	0x89
#define RES_EXT_IRQ_MIN 6 /* flags, count, then at least one 32-bit interrupt number */
/* A _PRT entry is a package of Address, Pin, Source, Source Index (6.2.13). */
#define PRT_FIELDS   4
#define LINK_CACHE   8
#define MAX_SEGMENTS 32

struct aml {
	const struct acpi_table *t;
	struct err_why *why;
};

/*
 * PkgLength at 'off' (20.2.4): the object it opens spans [off, off + *len) and its contents
 * start at off + *hdr. The encoded length counts the PkgLength bytes themselves.
 */
static int pkg_length(const struct aml *a, uint32_t off, uint32_t end, uint32_t *len, uint32_t *hdr)
{
	uint8_t lead;
	uint32_t n, v;

	if (off >= end)
		return err_fail(a->why, E_INVAL, "%s: AML package length at %u is cut off",
				a->t->sig, off);
	lead = acpi_u8(a->t, off);
	n = lead >> 6;
	if (end - off < 1 + n)
		return err_fail(a->why, E_INVAL, "%s: AML package length at %u is cut off",
				a->t->sig, off);
	v = n ? lead & 0x0fu : lead & 0x3fu;
	for (uint32_t i = 1; i <= n; i++)
		v |= (uint32_t)acpi_u8(a->t, off + i) << (4 + 8 * (i - 1));
	if (v < 1 + n || v > end - off)
		return err_fail(a->why, E_INVAL,
				"%s: AML object at %u claims %u bytes, %u are left", a->t->sig, off,
				v, end - off);
	*len = v;
	*hdr = 1 + n;
	return 0;
}

/* A constant integer (ZeroOp, OneOp, OnesOp or a prefixed constant, 20.2.3) at *off. */
static int integer(const struct aml *a, uint32_t *off, uint32_t end, uint64_t *v)
{
	uint8_t op;
	uint32_t n;

	if (*off >= end)
		return err_fail(a->why, E_INVAL, "%s: AML integer at %u is cut off", a->t->sig,
				*off);
	op = acpi_u8(a->t, *off);
	switch (op) {
	case AML_ZERO:
	case AML_ONE:
		*v = op;
		*off += 1;
		return 0;
	case AML_ONES:
		*v = ~0ULL;
		*off += 1;
		return 0;
	case AML_BYTE:
		n = 1;
		break;
	case AML_WORD:
		n = 2;
		break;
	case AML_DWORD:
		n = 4;
		break;
	case AML_QWORD:
		n = 8;
		break;
	default:
		return err_fail(a->why, E_INVAL,
				"%s: AML opcode 0x%02x at %u where a constant integer belongs",
				a->t->sig, op, *off);
	}
	if (end - *off < 1 + n)
		return err_fail(a->why, E_INVAL, "%s: AML integer at %u is cut off", a->t->sig,
				*off);
	*v = 0;
	for (uint32_t i = n; i > 0; i--)
		*v = *v << 8 | acpi_u8(a->t, *off + i);
	*off += 1 + n;
	return 0;
}

static bool seg_char(uint8_t c, bool lead)
{
	return c == '_' || (c >= 'A' && c <= 'Z') || (!lead && c >= '0' && c <= '9');
}

/*
 * A NameString (20.2.2) at *off: root and parent prefixes, then zero, one, two or more
 * NameSegs. 'last' gets the last segment ("" for the null name): names are matched by it.
 */
static int name_string(const struct aml *a, uint32_t *off, uint32_t end, char last[5])
{
	uint32_t o = *off, segs = 1;

	while (o < end && (acpi_u8(a->t, o) == AML_ROOT || acpi_u8(a->t, o) == AML_PARENT))
		o++;
	if (o >= end)
		return err_fail(a->why, E_INVAL, "%s: AML name at %u is cut off", a->t->sig, *off);
	switch (acpi_u8(a->t, o)) {
	case AML_ZERO:
		segs = 0;
		o++;
		break;
	case AML_DUAL_NAME:
		segs = 2;
		o++;
		break;
	case AML_MULTI_NAME:
		if (end - o < 2)
			return err_fail(a->why, E_INVAL, "%s: AML name at %u is cut off", a->t->sig,
					*off);
		segs = acpi_u8(a->t, o + 1);
		o += 2;
		break;
	default:
		break;
	}
	if (segs > MAX_SEGMENTS || end - o < segs * AML_SEG_LEN)
		return err_fail(a->why, E_INVAL, "%s: AML name at %u is cut off", a->t->sig, *off);
	last[0] = '\0';
	for (uint32_t s = 0; s < segs; s++, o += AML_SEG_LEN) {
		for (uint32_t i = 0; i < AML_SEG_LEN; i++) {
			uint8_t c = acpi_u8(a->t, o + i);

			if (!seg_char(c, i == 0))
				return err_fail(a->why, E_INVAL,
						"%s: AML name at %u has byte 0x%02x", a->t->sig,
						*off, c);
			last[i] = (char)c;
		}
		last[AML_SEG_LEN] = '\0';
	}
	*off = o;
	return 0;
}

/* Where NameOp 'name' is followed by 'op' in [from, end): the offset of 'op', or 0. */
static uint32_t find_named(const struct aml *a, uint32_t from, uint32_t end, const char *name,
			   uint8_t op)
{
	for (uint32_t o = from; o < end && end - o > 1 + AML_SEG_LEN; o++)
		if (acpi_u8(a->t, o) == AML_NAME && !memcmp(a->t->p + o + 1, name, AML_SEG_LEN) &&
		    acpi_u8(a->t, o + 1 + AML_SEG_LEN) == op)
			return o + 1 + AML_SEG_LEN;
	return 0;
}

/*
 * The interrupt of link device 'link': Device(link) somewhere in the table, with
 * Name(_CRS, ResourceTemplate () { ... }) whose descriptor number 'index' is an Extended
 * Interrupt descriptor (6.4.3.6); its first interrupt number. 0 when not statically there.
 */
static uint32_t link_gsiv(const struct aml *a, const char *link, uint64_t index)
{
	const struct acpi_table *t = a->t;
	struct err_why quiet = { { 0 } }; /* a link that cannot be read is skipped, not an error */
	struct aml q = { t, &quiet };

	for (uint32_t o = ACPI_HDR_LEN; o + 2 < t->len; o++) {
		uint32_t len, hdr, body, end, crs, blen, bhdr, bend, r;
		uint64_t size, n = 0;
		char name[5] = "";

		if (acpi_u8(t, o) != AML_EXT || acpi_u8(t, o + 1) != AML_EXT_DEVICE)
			continue;
		if (pkg_length(&q, o + 2, t->len, &len, &hdr))
			continue;
		end = o + 2 + len;
		body = o + 2 + hdr;
		if (name_string(&q, &body, end, name) || memcmp(name, link, sizeof(name)))
			continue;
		crs = find_named(&q, body, end, "_CRS", AML_BUFFER);
		if (!crs || pkg_length(&q, crs + 1, end, &blen, &bhdr))
			return 0;
		bend = crs + 1 + blen;
		r = crs + 1 + bhdr;
		if (integer(&q, &r, bend, &size) || size > bend - r)
			return 0;
		bend = r + (uint32_t)size;
		while (r < bend) {
			uint8_t tag = acpi_u8(t, r);
			uint32_t dlen;

			if (tag == RES_END_TAG)
				return 0;
			if (tag & RES_LARGE) {
				if (bend - r < 3)
					return 0;
				dlen = 3u + acpi_u16(t, r + 1);
			} else {
				dlen = 1u + (tag & 7u);
			}
			if (dlen > bend - r)
				return 0;
			if (n++ == index)
				return tag == RES_EXT_IRQ && dlen >= 3 + RES_EXT_IRQ_MIN &&
						       acpi_u8(t, r + 4) >= 1
					       ? acpi_u32(t, r + 5)
					       : 0;
			r += dlen;
		}
		return 0;
	}
	return 0;
}

int aml_prt(const struct acpi_table *t, struct aml_prt_route *out, unsigned int max,
	    unsigned int *skipped, struct err_why *why)
{
	struct aml a = { t, why };
	struct {
		char name[5];
		uint64_t index;
		uint32_t gsiv;
	} cache[LINK_CACHE];
	unsigned int n_cache = 0, n = 0;
	uint32_t op, len, hdr, end, o;
	uint64_t count;
	int ret;

	*skipped = 0;
	op = find_named(&a, ACPI_HDR_LEN, t->len, "_PRT", AML_PACKAGE);
	if (!op)
		op = find_named(&a, ACPI_HDR_LEN, t->len, "_PRT", AML_VARPACKAGE);
	if (!op)
		return err_fail(why, E_NOENT, "%s: no static _PRT package", t->sig);
	ret = pkg_length(&a, op + 1, t->len, &len, &hdr);
	if (ret)
		return ret;
	end = op + 1 + len;
	o = op + 1 + hdr;
	if (acpi_u8(t, op) == AML_PACKAGE) {
		if (o >= end)
			return err_fail(why, E_INVAL, "%s: _PRT at %u is cut off", t->sig, op);
		count = acpi_u8(t, o++);
	} else {
		ret = integer(&a, &o, end, &count);
		if (ret)
			return ret;
	}
	for (uint64_t e = 0; e < count && o < end; e++) {
		uint32_t elen, ehdr, eend, f;
		uint64_t addr, pin, index, gsiv = 0;
		char link[5] = "";

		if (acpi_u8(t, o) != AML_PACKAGE)
			return err_fail(why, E_INVAL, "%s: _PRT entry %llu at %u is not a package",
					t->sig, (unsigned long long)e, o);
		ret = pkg_length(&a, o + 1, end, &elen, &ehdr);
		if (ret)
			return ret;
		eend = o + 1 + elen;
		f = o + 1 + ehdr;
		if (f >= eend || acpi_u8(t, f) < PRT_FIELDS)
			return err_fail(why, E_INVAL, "%s: _PRT entry %llu has too few fields",
					t->sig, (unsigned long long)e);
		f++;
		ret = integer(&a, &f, eend, &addr);
		if (!ret)
			ret = integer(&a, &f, eend, &pin);
		if (!ret && f < eend && acpi_u8(t, f) == AML_ZERO)
			f++;
		else if (!ret)
			ret = name_string(&a, &f, eend, link);
		if (!ret)
			ret = integer(&a, &f, eend, &index);
		if (ret)
			return ret;
		o = eend;
		if (pin > 3 || (addr & 0xffff) != 0xffff || (addr >> 16) > 31)
			return err_fail(why, E_INVAL,
					"%s: _PRT entry %llu: address 0x%llx pin %llu out of range",
					t->sig, (unsigned long long)e, (unsigned long long)addr,
					(unsigned long long)pin);
		if (!link[0]) {
			gsiv = index; /* Source 0: Source Index is the GSIV itself */
		} else {
			unsigned int c = 0;

			while (c < n_cache && (memcmp(cache[c].name, link, sizeof(link)) ||
					       cache[c].index != index))
				c++;
			if (c == n_cache) {
				c = n_cache < LINK_CACHE ? n_cache++ : 0;
				memcpy(cache[c].name, link, sizeof(link));
				cache[c].index = index;
				cache[c].gsiv = link_gsiv(&a, link, index);
			}
			gsiv = cache[c].gsiv;
		}
		if (!gsiv || gsiv > UINT32_MAX || n >= max) {
			(*skipped)++;
			continue;
		}
		out[n].dev = (uint8_t)(addr >> 16);
		out[n].pin = (uint8_t)(pin + 1);
		out[n].gsiv = (uint32_t)gsiv;
		n++;
	}
	return (int)n;
}
