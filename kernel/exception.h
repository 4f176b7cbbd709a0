/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* EL2 exception entry: the saved register frame, the C handler, and fault recovery for the shell. */
#ifndef KERNEL_EXCEPTION_H
#define KERNEL_EXCEPTION_H

/* Byte offsets used by boot/vectors.S; checked against the struct with _Static_assert. */
#define EXC_FRAME_X    0
#define EXC_FRAME_SP   248
#define EXC_FRAME_ELR  256
#define EXC_FRAME_SPSR 264
#define EXC_FRAME_ESR  272
#define EXC_FRAME_FAR  280
#define EXC_FRAME_SIZE 288

/* Vector slot numbers, in VBAR_EL2 order (Arm ARM D1.3.1, "Exception vectors"). */
#define EXC_CUR_SP0_SYNC   0
#define EXC_CUR_SPX_SYNC   4
#define EXC_CUR_SPX_IRQ	   5
#define EXC_CUR_SPX_FIQ	   6
#define EXC_CUR_SPX_SERROR 7
#define EXC_LOWER64_SYNC   8
#define EXC_LOWER64_IRQ	   9
#define EXC_LOWER64_FIQ	   10
#define EXC_LOWER64_SERROR 11
#define EXC_LOWER32_SYNC   12
#define EXC_LOWER32_IRQ	   13
#define EXC_LOWER32_FIQ	   14

/* Set in a guest exit's code when the guest left an SError behind (VCPU_EXIT_SERROR). */
#define EXC_GUEST_EXIT_SERROR 0x100

#ifndef __ASSEMBLER__
#include <stdbool.h>
#include <stdint.h>

struct exc_frame {
	uint64_t x[31];
	uint64_t sp; /* SP_EL2 before the exception */
	uint64_t elr;
	uint64_t spsr;
	uint64_t esr;
	uint64_t far;
};

/* Callee-saved state for exc_setjmp/exc_longjmp: x19-x30 and sp. */
struct exc_jmpbuf {
	uint64_t regs[13];
};

int exc_setjmp(struct exc_jmpbuf *jb) __attribute__((returns_twice));
__attribute__((noreturn)) void exc_longjmp(struct exc_jmpbuf *jb, int val);

/* boot/vectors.S, when an exception at EL2 finds SP off its CPU's stack: report and park. */
__attribute__((noreturn)) void el2_stack_overflow(uint64_t sp, uint64_t elr, uint64_t far,
						  uint64_t esr);

/* Called from boot/vectors.S with the saved frame; may edit elr/spsr to resume elsewhere. */
void el2_exception(struct exc_frame *f, unsigned int vector);

/*
 * Run fn(arg) such that an unexpected synchronous exception or SError at EL2 inside it prints
 * the register dump and returns E_FAULT here instead of parking the CPU. Not reentrant.
 */
int exc_try(int (*fn)(void *arg), void *arg);

/* Name of a vector slot ("current EL, SP_ELx, synchronous"). */
const char *exc_vector_name(unsigned int vector);

/* Print a register dump of 'f' taken through 'vector', with ESR_EL2 decoded. */
void exc_dump(const struct exc_frame *f, unsigned int vector);

__attribute__((noreturn)) void park(void);
#endif

#endif
