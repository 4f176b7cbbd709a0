// SPDX-License-Identifier: BSD-2-Clause-Patent
/* The fake hardware layer's state: system registers, the event log, MMIO, cache maintenance. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kernel/arch/arch.h"

#define FAKE_SYSREGS 256

static struct {
	char name[40];
	uint64_t val;
} regs[FAKE_SYSREGS];
static unsigned int n_regs;

struct fake_log fake_log;
void (*fake_hook)(unsigned int i);
uint64_t (*fake_mmio_handler)(uintptr_t addr, unsigned int size, bool write, uint64_t v);

/* Defined by fake_gic.c, fake_smp.c and fake_console.c. */
void fake_gic_reset(void);
void fake_smp_reset(void);
void fake_console_reset(void);

static unsigned int reg_slot(const char *name)
{
	for (unsigned int i = 0; i < n_regs; i++)
		if (!strcasecmp(regs[i].name, name))
			return i;
	if (n_regs == FAKE_SYSREGS || strlen(name) >= sizeof(regs[0].name)) {
		fprintf(stderr, "fake: register table full or name too long: %s\n", name);
		abort();
	}
	snprintf(regs[n_regs].name, sizeof(regs[n_regs].name), "%s", name);
	regs[n_regs].val = 0;
	return n_regs++;
}

void fake_reset(void)
{
	memset(regs, 0, sizeof(regs));
	n_regs = 0;
	memset(&fake_log, 0, sizeof(fake_log));
	fake_hook = NULL;
	fake_mmio_handler = NULL;
	fake_sysreg_set("CurrentEL", 2U << 2);
	fake_sysreg_set("cntfrq_el0", 62500000);
	fake_gic_reset();
	fake_smp_reset();
	fake_console_reset();
}

void fake_record(enum fake_op op, const char *what, uint64_t arg)
{
	if (fake_log.n == FAKE_LOG_MAX) {
		fake_log.lost++;
		return;
	}
	fake_log.ev[fake_log.n++] = (struct fake_event){ op, what, arg };
	if (fake_hook)
		fake_hook(fake_log.n - 1);
}

void fake_note(const char *what, uint64_t arg)
{
	fake_record(FAKE_NOTE, what, arg);
}

static bool matches(const struct fake_event *e, enum fake_op op, const char *what)
{
	return e->op == op && (!what || !strcasecmp(e->what, what));
}

int fake_find(unsigned int from, enum fake_op op, const char *what)
{
	for (unsigned int i = from; i < fake_log.n; i++)
		if (matches(&fake_log.ev[i], op, what))
			return (int)i;
	return -1;
}

int fake_find_arg(unsigned int from, enum fake_op op, const char *what, uint64_t arg)
{
	for (unsigned int i = from; i < fake_log.n; i++)
		if (matches(&fake_log.ev[i], op, what) && fake_log.ev[i].arg == arg)
			return (int)i;
	return -1;
}

unsigned int fake_count(enum fake_op op, const char *what)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < fake_log.n; i++)
		n += matches(&fake_log.ev[i], op, what);
	return n;
}

void fake_dump(void)
{
	static const char *const ops[] = { "isb", "dsb", "dmb", "tlbi", "ic",
					   "dc",  "at",	 "msr", "hint", "note" };

	for (unsigned int i = 0; i < fake_log.n; i++)
		fprintf(stderr, "  %4u %-4s %-14s 0x%llx\n", i, ops[fake_log.ev[i].op],
			fake_log.ev[i].what, (unsigned long long)fake_log.ev[i].arg);
}

uint64_t fake_sysreg_read(const char *name)
{
	unsigned int i = reg_slot(name);
	uint64_t v = regs[i].val;

	/* The counters move on, one microsecond per read, so that a polling loop ends. */
	if (!strcasecmp(name, "cntpct_el0") || !strcasecmp(name, "cntvct_el0"))
		regs[i].val += fake_sysreg_get("cntfrq_el0") / 1000000 + 1;
	return v;
}

void fake_sysreg_write(const char *name, uint64_t v)
{
	unsigned int i = reg_slot(name);

	regs[i].val = v;
	fake_record(FAKE_MSR, regs[i].name, v);
}

void fake_sysreg_set(const char *name, uint64_t v)
{
	regs[reg_slot(name)].val = v;
}

uint64_t fake_sysreg_get(const char *name)
{
	return regs[reg_slot(name)].val;
}

uint64_t fake_mmio(uintptr_t addr, unsigned int size, bool write, uint64_t v)
{
	if (fake_mmio_handler)
		return fake_mmio_handler(addr, size, write, v);
	switch (size) {
	case 1:
		if (write)
			*(volatile uint8_t *)addr = (uint8_t)v;
		return write ? 0 : *(volatile uint8_t *)addr;
	case 4:
		if (write)
			*(volatile uint32_t *)addr = (uint32_t)v;
		return write ? 0 : *(volatile uint32_t *)addr;
	default:
		if (write)
			*(volatile uint64_t *)addr = v;
		return write ? 0 : *(volatile uint64_t *)addr;
	}
}

/* One event per range (not per line): what the test wants is which range, and when. */
void dcache_inval_range(uintptr_t start, uintptr_t size)
{
	(void)size;
	fake_record(FAKE_DC, "ivac", start);
	dsb(sy);
}

void dcache_clean_inval_range(uintptr_t start, uintptr_t size)
{
	(void)size;
	fake_record(FAKE_DC, "civac", start);
	dsb(sy);
}

void dcache_clean_range(uintptr_t start, uintptr_t size)
{
	(void)size;
	fake_record(FAKE_DC, "cvac", start);
	dsb(sy);
}

void mem_zero_range(uintptr_t start, uintptr_t size)
{
	memset((void *)start, 0, size);
	fake_record(FAKE_DC, "zva", start);
}
