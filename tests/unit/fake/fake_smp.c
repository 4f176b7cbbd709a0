// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * kernel/smp.h on the host: percpu[] as the real one, this_cpu() is the CPU the test says,
 * and work sent to another CPU is recorded (fake_smp.run) rather than run.
 */
#include <string.h>

#include "fake.h"
#include "kernel/lib/err.h"
#include "kernel/smp.h"

struct percpu percpu[PLAT_MAX_CPUS];
unsigned int smp_ncpus;
struct fake_smp fake_smp;

void fake_smp_reset(void);
void fake_smp_reset(void)
{
	memset(&fake_smp, 0, sizeof(fake_smp));
	memset(percpu, 0, sizeof(percpu));
	smp_ncpus = 4;
	for (unsigned int i = 0; i < PLAT_MAX_CPUS; i++) {
		percpu[i].id = i;
		percpu[i].mpidr = i; /* Aff0 = CPU number, as QEMU virt numbers them */
		percpu[i].state = i < smp_ncpus ? CPU_IDLE : CPU_OFF;
		percpu[i].vm_owner = -1;
		percpu[i].doing = "idle";
	}
}

struct percpu *this_cpu(void)
{
	return &percpu[fake_smp.cpu];
}

int smp_init_boot_cpu(const struct platform *p)
{
	(void)p;
	return 0;
}

unsigned int smp_start_secondaries(void)
{
	return smp_ncpus - 1;
}

int smp_run_on(unsigned int cpu, smp_work_fn fn, void *arg)
{
	if (cpu >= smp_ncpus)
		return E_NOENT;
	if (fake_smp.run_on_ret)
		return fake_smp.run_on_ret;
	if (fake_smp.n_run < FAKE_SMP_MAX) {
		fake_smp.run[fake_smp.n_run].cpu = cpu;
		fake_smp.run[fake_smp.n_run].fn = fn;
		fake_smp.run[fake_smp.n_run].arg = arg;
		fake_smp.n_run++;
	}
	return 0;
}

bool smp_wait(unsigned int cpu, uint64_t timeout_us)
{
	(void)cpu;
	(void)timeout_us;
	return true;
}

void smp_set_idle_work(bool (*fn)(void))
{
	(void)fn;
}

void smp_wake_idle(void)
{
	fake_smp.idle_wakes++;
}

const char *smp_state_name(int state)
{
	static const char *const names[] = { "off", "starting", "idle", "busy" };

	return state >= 0 && state <= CPU_BUSY ? names[state] : "?";
}
