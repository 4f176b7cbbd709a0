// SPDX-License-Identifier: BSD-2-Clause-Patent
/* Stage-2 descriptor attributes (Arm ARM D8.5.5, "Stage 2 memory type and Cacheability"). */
#include "mm/stage2.h"

#include "kernel/lib/fmt.h"

uint64_t s2_leaf_attrs(enum s2_type type, unsigned int perms)
{
	uint64_t a = PTE_AF;

	if (type == S2_DEVICE) {
		/* Device memory is Outer Shareable whatever SH says; SH = 0 keeps that explicit. */
		a |= PTE_S2_MEMATTR(S2_MEMATTR_DEVICE_nGnRE);
	} else {
		a |= PTE_S2_MEMATTR(S2_MEMATTR_NORMAL_WB) | PTE_SH_INNER;
	}
	if ((perms & S2_RW) == S2_RW)
		a |= PTE_S2_S2AP_RW;
	else if (perms & S2_R)
		a |= PTE_S2_S2AP_RO;
	else if (perms & S2_W)
		a |= PTE_S2_S2AP_WO;
	if (!(perms & S2_X) || type == S2_DEVICE)
		a |= PTE_S2_XN;
	return a;
}

const char *s2_memattr_name(unsigned int memattr)
{
	static const char *const device[4] = { "Device-nGnRnE", "Device-nGnRE", "Device-nGRE",
					       "Device-GRE" };
	static const char *const cache[4] = { "?", "NC", "WT", "WB" };
	static char buf[4][40];
	static unsigned int slot;
	unsigned int outer = (memattr >> 2) & 3, inner = memattr & 3;
	char *b;

	if (outer == 0)
		return device[inner];
	if (inner == 0)
		return "reserved";
	/* Up to four names may be in use in one printk: rotate the buffers. */
	b = buf[slot++ % 4];
	fmt_snprintf(b, sizeof(buf[0]), "Normal Outer %s Inner %s", cache[outer], cache[inner]);
	return b;
}

const char *s2_describe_leaf(uint64_t desc, char *buf, size_t len)
{
	static const char *const s2ap[4] = { "none", "RO", "WO", "RW" };
	static const char *const sh[4] = { "non", "reserved", "outer", "inner" };
	static const char *const xn[4] = { "exec", "XN(EL0 only: PXN)", "XN", "XN(EL1 only: UXN)" };
	unsigned int memattr = (desc >> 2) & 0xf;

	fmt_snprintf(buf, len, "%s, S2AP %s, SH %s, AF %u, %s", s2_memattr_name(memattr),
		     s2ap[(desc >> 6) & 3], sh[(desc >> 8) & 3], (unsigned int)((desc >> 10) & 1),
		     xn[(desc >> 53) & 3]);
	return buf;
}
