// SPDX-License-Identifier: BSD-2-Clause-Patent
/* The list registers by number: n is part of the MRS/MSR encoding, so one case per register. */
#include "kernel/arch/gicv3_sysregs.h"

uint64_t read_ich_lr_el2(unsigned int n)
{
	switch (n) {
	case 0:
		return read_sysreg_s(SYS_ICH_LR_LO(0));
	case 1:
		return read_sysreg_s(SYS_ICH_LR_LO(1));
	case 2:
		return read_sysreg_s(SYS_ICH_LR_LO(2));
	case 3:
		return read_sysreg_s(SYS_ICH_LR_LO(3));
	case 4:
		return read_sysreg_s(SYS_ICH_LR_LO(4));
	case 5:
		return read_sysreg_s(SYS_ICH_LR_LO(5));
	case 6:
		return read_sysreg_s(SYS_ICH_LR_LO(6));
	case 7:
		return read_sysreg_s(SYS_ICH_LR_LO(7));
	case 8:
		return read_sysreg_s(SYS_ICH_LR_HI(0));
	case 9:
		return read_sysreg_s(SYS_ICH_LR_HI(1));
	case 10:
		return read_sysreg_s(SYS_ICH_LR_HI(2));
	case 11:
		return read_sysreg_s(SYS_ICH_LR_HI(3));
	case 12:
		return read_sysreg_s(SYS_ICH_LR_HI(4));
	case 13:
		return read_sysreg_s(SYS_ICH_LR_HI(5));
	case 14:
		return read_sysreg_s(SYS_ICH_LR_HI(6));
	case 15:
		return read_sysreg_s(SYS_ICH_LR_HI(7));
	default:
		return 0;
	}
}

void write_ich_lr_el2(unsigned int n, uint64_t v)
{
	switch (n) {
	case 0:
		write_sysreg_s(SYS_ICH_LR_LO(0), v);
		break;
	case 1:
		write_sysreg_s(SYS_ICH_LR_LO(1), v);
		break;
	case 2:
		write_sysreg_s(SYS_ICH_LR_LO(2), v);
		break;
	case 3:
		write_sysreg_s(SYS_ICH_LR_LO(3), v);
		break;
	case 4:
		write_sysreg_s(SYS_ICH_LR_LO(4), v);
		break;
	case 5:
		write_sysreg_s(SYS_ICH_LR_LO(5), v);
		break;
	case 6:
		write_sysreg_s(SYS_ICH_LR_LO(6), v);
		break;
	case 7:
		write_sysreg_s(SYS_ICH_LR_LO(7), v);
		break;
	case 8:
		write_sysreg_s(SYS_ICH_LR_HI(0), v);
		break;
	case 9:
		write_sysreg_s(SYS_ICH_LR_HI(1), v);
		break;
	case 10:
		write_sysreg_s(SYS_ICH_LR_HI(2), v);
		break;
	case 11:
		write_sysreg_s(SYS_ICH_LR_HI(3), v);
		break;
	case 12:
		write_sysreg_s(SYS_ICH_LR_HI(4), v);
		break;
	case 13:
		write_sysreg_s(SYS_ICH_LR_HI(5), v);
		break;
	case 14:
		write_sysreg_s(SYS_ICH_LR_HI(6), v);
		break;
	case 15:
		write_sysreg_s(SYS_ICH_LR_HI(7), v);
		break;
	default:
		break;
	}
}
