// SPDX-License-Identifier: BSD-2-Clause-Patent
/* ACPI table checking and bounded reads (kernel/lib/acpi.h). */
#include "kernel/lib/acpi.h"

uint8_t acpi_u8(const struct acpi_table *t, uint32_t off)
{
	return t->p[off];
}

uint16_t acpi_u16(const struct acpi_table *t, uint32_t off)
{
	return (uint16_t)(t->p[off] | t->p[off + 1] << 8);
}

uint32_t acpi_u32(const struct acpi_table *t, uint32_t off)
{
	return (uint32_t)acpi_u16(t, off) | (uint32_t)acpi_u16(t, off + 2) << 16;
}

uint64_t acpi_u64(const struct acpi_table *t, uint32_t off)
{
	return (uint64_t)acpi_u32(t, off) | (uint64_t)acpi_u32(t, off + 4) << 32;
}

static uint8_t sum8(const uint8_t *p, uint32_t n)
{
	uint8_t s = 0;

	for (uint32_t i = 0; i < n; i++)
		s = (uint8_t)(s + p[i]);
	return s;
}

static void sig_copy(char out[5], const uint8_t *p)
{
	for (unsigned int i = 0; i < 4; i++)
		out[i] = (p[i] >= 0x20 && p[i] < 0x7f) ? (char)p[i] : '?';
	out[4] = '\0';
}

int acpi_check(const void *t, uint64_t avail, const char *sig, uint8_t min_rev, uint32_t min_len,
	       struct acpi_table *out, struct err_why *why)
{
	const uint8_t *p = t;
	struct acpi_table tab = { .p = p };
	char want[5];

	if (!p || avail < ACPI_HDR_LEN)
		return err_fail(why, E_INVAL, "%s table at %p: header not readable (%llu bytes)",
				sig ? sig : "ACPI", t, (unsigned long long)avail);
	sig_copy(tab.sig, p);
	if (sig) {
		sig_copy(want, (const uint8_t *)sig);
		for (unsigned int i = 0; i < 4; i++)
			if (tab.sig[i] != want[i])
				return err_fail(why, E_INVAL,
						"table at %p: signature '%s', not '%s'", t, tab.sig,
						want);
	}
	tab.len = acpi_u32(&tab, ACPI_HDR_LENGTH);
	tab.rev = p[ACPI_HDR_REVISION];
	if (tab.len < ACPI_HDR_LEN || tab.len < min_len)
		return err_fail(why, E_INVAL, "%s: length %u is shorter than its %u-byte minimum",
				tab.sig, tab.len, min_len > ACPI_HDR_LEN ? min_len : ACPI_HDR_LEN);
	if (tab.len > avail)
		return err_fail(why, E_INVAL, "%s: length %u runs past the %llu readable bytes",
				tab.sig, tab.len, (unsigned long long)avail);
	if (tab.rev < min_rev)
		return err_fail(why, E_INVAL, "%s: revision %u, at least %u needed", tab.sig,
				tab.rev, min_rev);
	if (sum8(p, tab.len))
		return err_fail(why, E_INVAL, "%s: checksum mismatch (sum 0x%02x, not 0)", tab.sig,
				sum8(p, tab.len));
	if (out)
		*out = tab;
	return 0;
}

int acpi_rsdp_check(const void *r, uint64_t avail, uint64_t *xsdt, struct err_why *why)
{
	static const char magic[8] = "RSD PTR ";
	struct acpi_table t = { .p = r, .len = ACPI_RSDP_LEN };
	uint32_t len;

	if (!r || avail < ACPI_RSDP_LEN)
		return err_fail(why, E_INVAL, "RSDP at %p not readable", r);
	for (unsigned int i = 0; i < 8; i++)
		if (t.p[i] != (uint8_t)magic[i])
			return err_fail(why, E_INVAL, "RSDP at %p: no 'RSD PTR ' signature", r);
	if (sum8(t.p, ACPI_RSDP_V1_LEN))
		return err_fail(why, E_INVAL, "RSDP: checksum of the first 20 bytes is not 0");
	/* Revision (offset 15) 0 is ACPI 1.0: an RSDT with 32-bit pointers, no XSDT. */
	if (t.p[15] < 2)
		return err_fail(why, E_INVAL,
				"RSDP revision %u: ACPI 2.0 or later (an XSDT) needed", t.p[15]);
	len = acpi_u32(&t, 20);
	if (len < ACPI_RSDP_LEN || len > avail)
		return err_fail(why, E_INVAL, "RSDP: length %u out of range", len);
	if (sum8(t.p, len))
		return err_fail(why, E_INVAL, "RSDP: extended checksum is not 0");
	*xsdt = acpi_u64(&t, 24);
	if (!*xsdt)
		return err_fail(why, E_INVAL, "RSDP: XsdtAddress is 0");
	return 0;
}

int acpi_next(struct acpi_iter *it, uint8_t *type, uint32_t *off, uint32_t *len,
	      struct err_why *why)
{
	uint32_t hdr = 1 + it->len_size, l;

	if (it->off >= it->t->len)
		return 0;
	if (it->t->len - it->off < hdr)
		return err_fail(why, E_INVAL, "%s: subtable header at offset %u is cut off",
				it->t->sig, it->off);
	l = it->len_size == 1 ? acpi_u8(it->t, it->off + 1) : acpi_u16(it->t, it->off + 1);
	if (l < hdr || l > it->t->len - it->off)
		return err_fail(why, E_INVAL,
				"%s: subtable at offset %u has length %u (table length %u)",
				it->t->sig, it->off, l, it->t->len);
	*type = acpi_u8(it->t, it->off);
	*off = it->off;
	*len = l;
	it->off += l;
	return 1;
}

void acpi_strcpy(char *dst, unsigned int dst_size, const uint8_t *src, unsigned int n)
{
	unsigned int i = 0;

	if (!dst_size)
		return;
	for (; i < n && i + 1 < dst_size && src[i]; i++)
		dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? (char)src[i] : '?';
	while (i > 0 && dst[i - 1] == ' ')
		i--;
	dst[i] = '\0';
}
