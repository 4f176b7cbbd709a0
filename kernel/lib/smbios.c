// SPDX-License-Identifier: BSD-2-Clause-Patent
/* SMBIOS structure table strings (kernel/lib/smbios.h). */
#include "kernel/lib/smbios.h"

/* Offset just past the string set that starts at 'off' (two NULs end it), or 0 if cut off. */
static uint32_t strings_end(const uint8_t *t, uint32_t len, uint32_t off)
{
	/* An empty string set is two NULs too. */
	for (; off + 1 < len; off++)
		if (!t[off] && !t[off + 1])
			return off + 2;
	return 0;
}

int smbios_string(const uint8_t *table, uint32_t len, uint8_t type, uint8_t field, char *out,
		  unsigned int out_size)
{
	uint32_t off = 0;

	if (!out_size)
		return -1;
	out[0] = '\0';
	/* Each structure: type, formatted length (header included), handle, fields, strings. */
	while (table && off + 4 <= len) {
		uint8_t stype = table[off], slen = table[off + 1];
		uint32_t str, end;

		if (slen < 4 || off + slen > len)
			return -1;
		end = strings_end(table, len, off + slen);
		if (!end)
			return -1;
		if (stype == type) {
			unsigned int n, o = 0;

			if (field >= slen || !table[off + field])
				return -1;
			/* String numbers count from 1 through the NUL-separated set. */
			str = off + slen;
			for (n = 1; n < table[off + field] && str < end; n++) {
				while (str < end && table[str])
					str++;
				str++;
			}
			if (str >= end - 1 || !table[str])
				return -1;
			for (; str < end && table[str] && o + 1 < out_size; str++)
				out[o++] = (table[str] >= 0x20 && table[str] < 0x7f)
						   ? (char)table[str]
						   : '?';
			while (o > 0 && out[o - 1] == ' ')
				o--;
			out[o] = '\0';
			return 0;
		}
		if (stype == SMBIOS_TYPE_END)
			return -1;
		off = end;
	}
	return -1;
}
