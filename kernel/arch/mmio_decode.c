// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * Data-abort syndrome decoding for MMIO emulation. The definitions are the inline ones in
 * mmio_decode.h (the exit path inlines them); C11 asks one translation unit for the external
 * copies, and these declarations are that.
 */
#include "kernel/arch/mmio_decode.h"

extern inline int mmio_decode(uint64_t esr, struct mmio_access *a);
extern inline uint64_t mmio_load_value(const struct mmio_access *a, uint64_t raw);
extern inline uint64_t mmio_fault_ipa(uint64_t hpfar, uint64_t far);
