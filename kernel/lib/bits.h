/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * Bit and field helpers that C and assembly share (after TF-A's include/export/lib/
 * utils_def_exp.h): a constant written with U()/UL() is one definition for both languages.
 */
#ifndef KERNEL_LIB_BITS_H
#define KERNEL_LIB_BITS_H

/*
 * Integer suffixes only where a C compiler reads them; the assembler takes plain numbers and
 * evaluates its expressions in 64 bits with a logical right shift, so BIT() and GENMASK()
 * give the same value in a .S file as in C.
 */
#ifdef __ASSEMBLER__
#define U(x)   (x)
#define UL(x)  (x)
#define ULL(x) (x)
#else
#define U(x)   (x##U)
#define UL(x)  (x##UL)
#define ULL(x) (x##ULL)
#endif

#define BIT(n) (UL(1) << (n))
/* Bits h down to l set, 0 <= l <= h <= 63. */
#define GENMASK(h, l) (((~UL(0)) << (l)) & (~UL(0) >> (63 - (h))))

/*
 * A field of 'width' bits at bit 'shift' (width < 64): its mask in place, its value taken out
 * of a register, and a value put into place (truncated to the field).
 */
#define FIELD_MASK(shift, width)      (((UL(1) << (width)) - 1) << (shift))
#define FIELD_GET(val, shift, width)  (((val) >> (shift)) & ((UL(1) << (width)) - 1))
#define FIELD_PREP(val, shift, width) (((val) & ((UL(1) << (width)) - 1)) << (shift))

#endif
