/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Names for MIDR_EL1 values and decoders for the ID register fields the hypervisor reports. */
#ifndef KERNEL_CPUID_H
#define KERNEL_CPUID_H

#include <stdbool.h>
#include <stdint.h>

#define MIDR_IMPLEMENTER(midr)	(((midr) >> 24) & 0xff)
#define MIDR_VARIANT(midr)	(((midr) >> 20) & 0xf)
#define MIDR_ARCHITECTURE(midr) (((midr) >> 16) & 0xf)
#define MIDR_PARTNUM(midr)	(((midr) >> 4) & 0xfff)
#define MIDR_REVISION(midr)	((midr)&0xf)

/* "Arm", "Ampere", ...; "unknown" when not in the table. */
const char *cpuid_implementer_name(unsigned int implementer);
/* "Neoverse N1", ...; "unknown" when not in the table. */
const char *cpuid_core_name(unsigned int implementer, unsigned int partnum);
/* PA size in bits for ID_AA64MMFR0_EL1.PARange; 0 for a reserved encoding. */
unsigned int cpuid_parange_bits(unsigned int parange);
/* "PMUv3.4" etc. for ID_AA64DFR0_EL1.PMUVer; "none", "IMPLEMENTATION DEFINED". */
const char *cpuid_pmuver_name(unsigned int pmuver);
/* ID_AA64ISAR0_EL1.Atomic >= 2: LDADD/CAS and friends (FEAT_LSE). */
bool cpuid_has_lse(uint64_t isar0);
/* ID_AA64MMFR1_EL1.VH == 1 (FEAT_VHE). */
bool cpuid_has_vhe(uint64_t mmfr1);

#endif
