// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * The scrub guest: every byte of its RAM outside its own image and the DTB must read zero when
 * it starts (nothing of an earlier run, or of another VM that had the memory, shows through);
 * then it fills all of that RAM with a pattern, reads it back and powers off. Run again, or as
 * a new VM on the same memory, it must find zeros again.
 */
#include "guest.h"
#include "kernel/lib/fdt.h"

#define PATTERN 0xa55aa55aa55aa55aULL

extern char __image_start[], __image_end[];

static bool skip(uint64_t a, uint64_t dtb, uint64_t dtb_end)
{
	return (a >= (uintptr_t)__image_start && a < (uintptr_t)__image_end) ||
	       (a >= dtb && a < dtb_end);
}

static bool is_memory(const char *s)
{
	const char *m = "memory";

	while (s && *s && *s == *m) {
		s++;
		m++;
	}
	return s && !*s && !*m;
}

void guest_main(void *dtb);
void guest_main(void *dtb)
{
	uint64_t base = 0, size = 0, dtb_end, nonzero = 0, first = 0, bad = 0, words = 0;
	const uint8_t *reg;
	struct fdt f;
	uint32_t len;
	int node;

	guest_console_init(dtb);
	if (!fdt_init(&f, dtb, 1 << 20)) {
		int depth = 0;

		for (node = fdt_root(&f); node >= 0 && !size;
		     node = fdt_next_node(&f, node, &depth)) {
			const char *type = fdt_getprop_str(&f, node, "device_type");

			reg = fdt_getprop(&f, node, "reg", &len);
			if (is_memory(type) && reg && len >= 16) {
				base = fdt_read_cells(reg, 2);
				size = fdt_read_cells(reg + 8, 2);
			}
		}
	}
	guest_check(size != 0, "ram-found", "no /memory node with a reg in the DTB");
	if (!size) {
		guest_summary();
		guest_hvc(PSCI_SYSTEM_OFF, 0, 0, 0);
	}
	dtb_end = (uintptr_t)dtb + f.size;
	for (uint64_t a = base; a < base + size; a += 8) {
		if (skip(a, (uintptr_t)dtb, dtb_end))
			continue;
		words++;
		if (*(volatile uint64_t *)a && !nonzero++)
			first = a;
	}
	guest_check(!nonzero, "ram-zero", "%llu of %llu words not zero, the first at 0x%llx",
		    (unsigned long long)nonzero, (unsigned long long)words,
		    (unsigned long long)first);
	for (uint64_t a = base; a < base + size; a += 8)
		if (!skip(a, (uintptr_t)dtb, dtb_end))
			*(volatile uint64_t *)a = PATTERN ^ a;
	for (uint64_t a = base; a < base + size; a += 8)
		if (!skip(a, (uintptr_t)dtb, dtb_end) && *(volatile uint64_t *)a != (PATTERN ^ a))
			bad++;
	guest_check(!bad, "ram-pattern", "%llu words did not keep the pattern",
		    (unsigned long long)bad);
	guest_printf("guest: scrub checked %llu MiB at 0x%llx\n", (unsigned long long)(size >> 20),
		     (unsigned long long)base);
	guest_summary();
	guest_hvc(PSCI_SYSTEM_OFF, 0, 0, 0);
	for (;;)
		;
}
