// SPDX-License-Identifier: BSD-2-Clause-Patent
/* kernel/drivers/gic.h on the host: every call is recorded in fake_gic for the test to read. */
#include <string.h>

#include "fake.h"
#include "kernel/drivers/gic.h"
#include "kernel/drivers/gic_its.h"
#include "kernel/lib/err.h"

struct fake_gic fake_gic;

void fake_gic_reset(void);
void fake_gic_reset(void)
{
	memset(&fake_gic, 0, sizeof(fake_gic));
}

#define APPEND(arr, n, v)                   \
	do {                                \
		if ((n) < FAKE_GIC_MAX)     \
			(arr)[(n)++] = (v); \
	} while (0)

int gic_add_redist(uint64_t base, uint64_t size)
{
	(void)base;
	(void)size;
	return 0;
}

int gic_init(unsigned int version, uint64_t dist_base)
{
	(void)version;
	(void)dist_base;
	return 0;
}

int gic_init_cpu(void)
{
	return 0;
}

int gic_enable_spi(unsigned int intid, uint64_t mpidr, bool edge)
{
	(void)mpidr;
	(void)edge;
	if (intid < 32 || intid >= 1020)
		return E_INVAL;
	fake_gic.spi_enabled[intid] = 1;
	return 0;
}

void gic_disable_spi(unsigned int intid)
{
	if (intid < 1024)
		fake_gic.spi_enabled[intid] = 0;
}

void gic_set_eoi_split(bool split)
{
	fake_gic.eoi_split = split;
}

void gic_deactivate(unsigned int intid)
{
	APPEND(fake_gic.deactivated, fake_gic.n_deactivated, intid);
}

void gic_send_sgi(uint64_t mpidr, unsigned int intid)
{
	if (fake_gic.n_sgi < FAKE_GIC_MAX) {
		fake_gic.sgi[fake_gic.n_sgi].mpidr = mpidr;
		fake_gic.sgi[fake_gic.n_sgi].intid = intid;
		fake_gic.n_sgi++;
	}
}

void gic_enable_ppi(unsigned int intid)
{
	if (intid < 32)
		fake_gic.ppi_enabled |= 1U << intid;
}

void gic_disable_ppi(unsigned int intid)
{
	if (intid < 32)
		fake_gic.ppi_enabled &= ~(1U << intid);
}

unsigned int gic_ack(void)
{
	unsigned int intid;

	if (!fake_gic.n_pending)
		return GIC_INTID_SPURIOUS;
	intid = fake_gic.pending[0];
	memmove(fake_gic.pending, fake_gic.pending + 1,
		--fake_gic.n_pending * sizeof(fake_gic.pending[0]));
	return intid;
}

void gic_eoi(unsigned int intid)
{
	APPEND(fake_gic.eoi, fake_gic.n_eoi, intid);
}

/* No LPIs on the host: every INTID is an ordinary one. */
bool gic_lpi_dispatch(unsigned int intid)
{
	(void)intid;
	return false;
}
