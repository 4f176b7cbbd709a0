// SPDX-License-Identifier: BSD-2-Clause-Patent
/* MIDR_EL1 implementer and part numbers (from the cores' Technical Reference Manuals). */
#include "kernel/arch/cpuid.h"

#include <stddef.h>

#include "kernel/arch/sysregs.h"

struct cpuid_part {
	unsigned int implementer;
	unsigned int partnum;
	const char *name;
};

static const struct {
	unsigned int code;
	const char *name;
} implementers[] = {
	{ 0x00, "software (QEMU)" }, { 0x41, "Arm" },	    { 0x42, "Broadcom" },
	{ 0x43, "Cavium" },	     { 0x46, "Fujitsu" },   { 0x48, "HiSilicon" },
	{ 0x4e, "NVIDIA" },	     { 0x50, "APM" },	    { 0x51, "Qualcomm" },
	{ 0x61, "Apple" },	     { 0x6d, "Microsoft" }, { 0xc0, "Ampere" },
};

static const struct cpuid_part parts[] = {
	{ 0x41, 0xd03, "Cortex-A53" },	  { 0x41, 0xd04, "Cortex-A35" },
	{ 0x41, 0xd05, "Cortex-A55" },	  { 0x41, 0xd07, "Cortex-A57" },
	{ 0x41, 0xd08, "Cortex-A72" },	  { 0x41, 0xd09, "Cortex-A73" },
	{ 0x41, 0xd0a, "Cortex-A75" },	  { 0x41, 0xd0b, "Cortex-A76" },
	{ 0x41, 0xd0c, "Neoverse N1" },	  { 0x41, 0xd0d, "Cortex-A77" },
	{ 0x41, 0xd40, "Neoverse V1" },	  { 0x41, 0xd41, "Cortex-A78" },
	{ 0x41, 0xd44, "Cortex-X1" },	  { 0x41, 0xd46, "Cortex-A510" },
	{ 0x41, 0xd47, "Cortex-A710" },	  { 0x41, 0xd48, "Cortex-X2" },
	{ 0x41, 0xd49, "Neoverse N2" },	  { 0x41, 0xd4a, "Neoverse E1" },
	{ 0x41, 0xd4d, "Cortex-A715" },	  { 0x41, 0xd4e, "Cortex-X3" },
	{ 0x41, 0xd4f, "Neoverse V2" },	  { 0x41, 0xd80, "Cortex-A520" },
	{ 0x41, 0xd81, "Cortex-A720" },	  { 0x41, 0xd82, "Cortex-X4" },
	{ 0x41, 0xd83, "Neoverse V3AE" }, { 0x41, 0xd84, "Neoverse V3" },
	{ 0x41, 0xd85, "Cortex-X925" },	  { 0x41, 0xd87, "Cortex-A725" },
	{ 0x41, 0xd8e, "Neoverse N3" },	  { 0x6d, 0xd49, "Azure Cobalt 100 (Neoverse N2)" },
	{ 0xc0, 0xac3, "Ampere-1" },	  { 0xc0, 0xac4, "Ampere-1a" },
	{ 0x00, 0x051, "QEMU max" },
};

const char *cpuid_implementer_name(unsigned int implementer)
{
	for (size_t i = 0; i < sizeof(implementers) / sizeof(implementers[0]); i++)
		if (implementers[i].code == implementer)
			return implementers[i].name;
	return "unknown";
}

const char *cpuid_core_name(unsigned int implementer, unsigned int partnum)
{
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (parts[i].implementer == implementer && parts[i].partnum == partnum)
			return parts[i].name;
	return "unknown";
}

unsigned int cpuid_parange_bits(unsigned int parange)
{
	static const unsigned char bits[] = { 32, 36, 40, 42, 44, 48, 52, 56 };

	return parange < sizeof(bits) ? bits[parange] : 0;
}

const char *cpuid_pmuver_name(unsigned int pmuver)
{
	switch (pmuver) {
	case 0x0:
		return "none";
	case 0x1:
		return "PMUv3";
	case 0x4:
		return "PMUv3.1";
	case 0x5:
		return "PMUv3.4";
	case 0x6:
		return "PMUv3.5";
	case 0x7:
		return "PMUv3.7";
	case 0x8:
		return "PMUv3.8";
	case 0x9:
		return "PMUv3.9";
	case 0xf:
		return "IMPLEMENTATION DEFINED";
	default:
		return "reserved";
	}
}

bool cpuid_has_lse(uint64_t isar0)
{
	return FIELD_GET(isar0, ID_AA64ISAR0_ATOMIC_SHIFT, 4) >= 2;
}

bool cpuid_has_vhe(uint64_t mmfr1)
{
	return FIELD_GET(mmfr1, ID_AA64MMFR1_VH_SHIFT, 4) == 1;
}
