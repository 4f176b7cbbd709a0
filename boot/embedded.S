/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Guests carried inside the hypervisor image: the benchmark guest of `bench hvc|mmio`. */

	.section .rodata.embedded, "a"
	.balign	4096
	.globl	embedded_benchg_start
embedded_benchg_start:
	.incbin	"build/guests/benchg.bin"
	.globl	embedded_benchg_end
embedded_benchg_end:
	.balign	8
