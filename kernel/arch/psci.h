/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* PSCI calls to firmware (Arm DEN 0022, Power State Coordination Interface) via SMC or HVC. */
#ifndef KERNEL_PSCI_H
#define KERNEL_PSCI_H

#include <stdint.h>

/* How PSCI calls reach firmware: the DTB's /psci "method". */
enum psci_conduit { PSCI_CONDUIT_NONE, PSCI_CONDUIT_SMC, PSCI_CONDUIT_HVC };

/* Function IDs, SMC32/SMC64 calling convention (DEN 0022 section 5.1). */
#define PSCI_0_2_FN_PSCI_VERSION    0x84000000U
#define PSCI_0_2_FN_CPU_OFF	    0x84000002U
#define PSCI_0_2_FN64_CPU_ON	    0xc4000003U
#define PSCI_0_2_FN64_AFFINITY_INFO 0xc4000004U
#define PSCI_0_2_FN_SYSTEM_OFF	    0x84000008U
#define PSCI_0_2_FN_SYSTEM_RESET    0x84000009U
#define PSCI_1_0_FN_PSCI_FEATURES   0x8400000aU

/* Return codes (DEN 0022 section 5.2.2). */
#define PSCI_RET_SUCCESS	  0
#define PSCI_RET_NOT_SUPPORTED	  -1
#define PSCI_RET_INVALID_PARAMS	  -2
#define PSCI_RET_DENIED		  -3
#define PSCI_RET_ALREADY_ON	  -4
#define PSCI_RET_ON_PENDING	  -5
#define PSCI_RET_INTERNAL_FAILURE -6
#define PSCI_RET_INVALID_ADDRESS  -9

/* Choose the conduit; HVC is refused at EL2 (it would trap to ourselves). Returns 0 or E_NOTSUP. */
int psci_init(enum psci_conduit conduit);
int64_t psci_call(uint32_t fn, uint64_t a1, uint64_t a2, uint64_t a3);
/* PSCI_VERSION as major << 16 | minor, or a negative error. */
int64_t psci_version(void);
/* Return only when firmware refused. */
void psci_system_off(void);
void psci_system_reset(void);

#endif
