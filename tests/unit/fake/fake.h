/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * What a host test sees of the fake hardware layer (tests/unit/fake/): the system-register
 * table, the log of barriers and maintenance in program order, MMIO, and the fake GIC, CPUs
 * and console that stand in for kernel/drivers/gic.c, kernel/smp.c and kernel/console.c.
 */
#ifndef TESTS_UNIT_FAKE_H
#define TESTS_UNIT_FAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum fake_op {
	FAKE_ISB,
	FAKE_DSB,  /* what: the option, "ish", "ishst", "sy" ... */
	FAKE_DMB,  /* likewise */
	FAKE_TLBI, /* what: the operation, "ipas2e1is" ...; arg: its operand (IPA >> 12) */
	FAKE_IC,   /* what: "ialluis" */
	FAKE_DC,   /* what: "ivac", "civac", "cvac", "zva"; arg: start of the range */
	FAKE_AT,   /* what: "s1e2r"; arg: the VA */
	FAKE_MSR,  /* what: the register name or encoding; arg: the value written */
	FAKE_HINT, /* what: "wfe", "wfi", "yield", "sev" */
	FAKE_NOTE, /* written by the test itself (fake_note): "free", "alloc" ... */
};

struct fake_event {
	enum fake_op op;
	const char *what; /* a string literal or a name from the register table */
	uint64_t arg;
};

#define FAKE_LOG_MAX (1U << 18)

struct fake_log {
	struct fake_event ev[FAKE_LOG_MAX];
	unsigned int n;
	unsigned int lost; /* events past FAKE_LOG_MAX: a test that sees this is too big */
};

extern struct fake_log fake_log;

/*
 * Called after each event is appended (NULL: none), e.g. to look at the page tables as they
 * are at that point of the program. Index 'i' into fake_log.ev.
 */
extern void (*fake_hook)(unsigned int i);

/* Forget every register, event, MMIO handler, GIC and CPU state: a fresh machine. */
void fake_reset(void);
void fake_record(enum fake_op op, const char *what, uint64_t arg);
/* A test's own marker in the log (the page pool freeing a table, say). */
void fake_note(const char *what, uint64_t arg);
/* Index of the first event at or after 'from' with this op and 'what' (NULL: any), or -1. */
int fake_find(unsigned int from, enum fake_op op, const char *what);
/* Same, with this arg too. */
int fake_find_arg(unsigned int from, enum fake_op op, const char *what, uint64_t arg);
unsigned int fake_count(enum fake_op op, const char *what);
/* Print the log to stderr (for a failing test). */
void fake_dump(void);

/*
 * System registers by name (read_sysreg(vttbr_el2) is "vttbr_el2", case ignored) or by the
 * encoding string read_sysreg_s() gets. A register never written reads as 0, except the few
 * fake_reset() gives a value: CurrentEL (EL2), CNTFRQ_EL0 (62.5 MHz). CNTPCT_EL0 and
 * CNTVCT_EL0 advance by one microsecond at every read, so polling loops end.
 */
uint64_t fake_sysreg_read(const char *name);
void fake_sysreg_write(const char *name, uint64_t v);
/* Set a register without logging an MSR (the test arranging the machine). */
void fake_sysreg_set(const char *name, uint64_t v);
uint64_t fake_sysreg_get(const char *name);

/*
 * MMIO: when fake_mmio_handler is set every access goes to it; otherwise 'addr' is a host
 * address and the access is a plain load or store of that size.
 */
extern uint64_t (*fake_mmio_handler)(uintptr_t addr, unsigned int size, bool write, uint64_t v);
uint64_t fake_mmio(uintptr_t addr, unsigned int size, bool write, uint64_t v);

/* ---- kernel/drivers/gic.h, faked in fake_gic.c ---- */
#define FAKE_GIC_MAX 64

struct fake_gic {
	unsigned int n_sgi;
	struct {
		uint64_t mpidr;
		unsigned int intid;
	} sgi[FAKE_GIC_MAX];
	uint32_t ppi_enabled; /* bit n: SGI/PPI n enabled at this CPU's redistributor */
	bool eoi_split;
	unsigned int n_deactivated;
	unsigned int deactivated[FAKE_GIC_MAX];
	unsigned int n_eoi;
	unsigned int eoi[FAKE_GIC_MAX];
	unsigned int n_pending; /* what gic_ack() hands out next, oldest first */
	unsigned int pending[FAKE_GIC_MAX];
	uint8_t spi_enabled[1024];
};

extern struct fake_gic fake_gic;

/* ---- kernel/smp.h, faked in fake_smp.c ---- */
#define FAKE_SMP_MAX 16

struct fake_smp {
	unsigned int cpu; /* what this_cpu() returns: &percpu[cpu] */
	int run_on_ret;	  /* what smp_run_on() answers (0: accepted) */
	unsigned int n_run;
	struct {
		unsigned int cpu;
		void (*fn)(void *arg);
		void *arg;
	} run[FAKE_SMP_MAX];	 /* accepted smp_run_on() calls, not run: the test runs them */
	unsigned int idle_wakes; /* smp_wake_idle() calls */
};

extern struct fake_smp fake_smp;

/* ---- kernel/console.h, faked in fake_console.c: everything printed, in one buffer ---- */
#define FAKE_CONSOLE_SIZE 16384

struct fake_console {
	char out[FAKE_CONSOLE_SIZE];
	size_t n;
};

extern struct fake_console fake_console;

#endif
