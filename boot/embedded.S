/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Guests carried inside the hypervisor image: the benchmark guests of `bench hvc|mmio|nvme|vblk|ring`. */

	.section .rodata.embedded, "a"
	.balign	4096
	.globl	embedded_benchg_start
embedded_benchg_start:
	.incbin	"build/guests/benchg.bin"
	.globl	embedded_benchg_end
embedded_benchg_end:
	.balign	8

/* The disk test guest, as the benchmark guest of `bench nvme` (tests/guests/disk.c). */
	.balign	4096
	.globl	embedded_disk_start
embedded_disk_start:
	.incbin	"build/guests/disk.bin"
	.globl	embedded_disk_end
embedded_disk_end:
	.balign	8

/* The virtio-blk test guest, as the benchmark guest of `bench vblk` (tests/guests/vblk.c). */
	.balign	4096
	.globl	embedded_vblk_start
embedded_vblk_start:
	.incbin	"build/guests/vblk.bin"
	.globl	embedded_vblk_end
embedded_vblk_end:
	.balign	8

/* The ring test guest, as the benchmark guest of `bench ring` (tests/guests/ring.c). */
	.balign	4096
	.globl	embedded_ring_start
embedded_ring_start:
	.incbin	"build/guests/ring.bin"
	.globl	embedded_ring_end
embedded_ring_end:
	.balign	8
