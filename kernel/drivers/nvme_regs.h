/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * NVMe controller register decoding (NVM Express Base Specification 2.0, 3.1.3 "Controller
 * Properties"; on PCIe they sit at the start of BAR0). Pure functions on register values: the
 * caller does the MMIO reads (CAP, ASQ and ACQ are 64-bit; read them as two 32-bit halves, low
 * first, if the interconnect wants 32-bit accesses).
 */
#ifndef KERNEL_DRIVERS_NVME_REGS_H
#define KERNEL_DRIVERS_NVME_REGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Register offsets in BAR0 (3.1.3, Figure 35). */
#define NVME_REG_CAP	0x00 /* 64-bit */
#define NVME_REG_VS	0x08
#define NVME_REG_INTMS	0x0c
#define NVME_REG_INTMC	0x10
#define NVME_REG_CC	0x14
#define NVME_REG_CSTS	0x1c
#define NVME_REG_NSSR	0x20
#define NVME_REG_AQA	0x24
#define NVME_REG_ASQ	0x28 /* 64-bit */
#define NVME_REG_ACQ	0x30 /* 64-bit */
#define NVME_REG_CMBLOC 0x38
#define NVME_REG_CMBSZ	0x3c
#define NVME_DOORBELL0	0x1000 /* SQ0 tail doorbell; the rest follow at (4 << CAP.DSTRD) steps */

/* CAP: Controller Capabilities (3.1.3.1). Raw fields, named as in the spec. */
struct nvme_cap {
	uint16_t mqes; /* [15:0] Maximum Queue Entries Supported, 0's based */
	bool cqr;      /* [16] Contiguous Queues Required */
	uint8_t ams;   /* [18:17] Arbitration Mechanism Supported: bit0 WRR+urgent, bit1 vendor */
	uint8_t to;    /* [31:24] Timeout, 500 ms units */
	uint8_t dstrd; /* [35:32] Doorbell Stride: 4 << DSTRD bytes */
	bool nssrs;    /* [36] NVM Subsystem Reset Supported */
	uint8_t css; /* [44:37] Command Sets Supported: bit0 NVM, bit6 I/O sets, bit7 admin only */
	bool bps;    /* [45] Boot Partition Support */
	uint8_t cps; /* [47:46] Controller Power Scope */
	uint8_t mpsmin; /* [51:48] Memory Page Size Minimum: 4 KiB << MPSMIN */
	uint8_t mpsmax; /* [55:52] Memory Page Size Maximum */
	bool pmrs;	/* [56] Persistent Memory Region Supported */
	bool cmbs;	/* [57] Controller Memory Buffer Supported */
	bool nsss;	/* [58] NVM Subsystem Shutdown Supported */
	uint8_t crms;	/* [60:59] Controller Ready Modes Supported: bit0 CRWMS, bit1 CRIMS */

	/* Derived. */
	uint32_t max_queue_entries;  /* MQES + 1 */
	uint32_t timeout_ms;	     /* TO * 500 */
	uint32_t doorbell_stride;    /* bytes */
	uint32_t page_min, page_max; /* bytes */
};

#define NVME_CAP_CSS_NVM    0x01u
#define NVME_CAP_CSS_IOCS   0x40u /* I/O Command Set specific (CC.CSS = 110b allowed) */
#define NVME_CAP_CSS_NOIOCS 0x80u /* no I/O command set: admin only */

/* VS: Version (3.1.3.2). */
struct nvme_vs {
	uint16_t mjr; /* [31:16] */
	uint8_t mnr;  /* [15:8] */
	uint8_t ter;  /* [7:0] */
};

/* CC: Controller Configuration (3.1.3.5). */
struct nvme_cc {
	bool en;     /* [0] Enable */
	uint8_t css; /* [6:4] I/O Command Set Selected: 000b NVM, 110b all I/O sets, 111b admin */
	uint8_t mps; /* [10:7] Memory Page Size: 4 KiB << MPS */
	uint8_t ams; /* [13:11] Arbitration Mechanism Selected: 000b RR, 001b WRR, 111b vendor */
	uint8_t shn; /* [15:14] Shutdown Notification: 01b normal, 10b abrupt */
	uint8_t iosqes; /* [19:16] I/O SQ entry size: 2^n bytes */
	uint8_t iocqes; /* [23:20] I/O CQ entry size: 2^n bytes */
	bool crime;	/* [24] Controller Ready Independent of Media Enable */
};

/* CSTS: Controller Status (3.1.3.6). */
struct nvme_csts {
	bool rdy;     /* [0] Ready */
	bool cfs;     /* [1] Controller Fatal Status */
	uint8_t shst; /* [3:2] Shutdown Status: 00b normal, 01b occurring, 10b complete */
	bool nssro;   /* [4] NVM Subsystem Reset Occurred */
	bool pp;      /* [5] Processing Paused */
	bool st;      /* [6] Shutdown Type: 1 = NVM subsystem shutdown */
};

/* AQA: Admin Queue Attributes (3.1.3.8). Both 0's based. */
struct nvme_aqa {
	uint16_t asqs; /* [11:0] Admin Submission Queue Size */
	uint16_t acqs; /* [27:16] Admin Completion Queue Size */
};

void nvme_decode_cap(uint64_t v, struct nvme_cap *cap);
void nvme_decode_vs(uint32_t v, struct nvme_vs *vs);
void nvme_decode_cc(uint32_t v, struct nvme_cc *cc);
void nvme_decode_csts(uint32_t v, struct nvme_csts *csts);
void nvme_decode_aqa(uint32_t v, struct nvme_aqa *aqa);

/*
 * One line each, no newline, snprintf semantics (return the length wanted), e.g.
 *   CAP  "mqes=2048 cqr+ ams=- to=7500ms dstrd=4 nssrs- css=nvm,iocs,admin bps- cps=0
 *         mps=4K..64K pmrs- cmbs- nsss- crms=-"
 *   VS   "1.4.0"
 *   CC   "en+ css=nvm mps=4K ams=rr shn=none iosqes=64 iocqes=16 crime-"
 *   CSTS "rdy+ cfs- shst=normal nssro- pp- st-"
 *   AQA  "asqs=32 acqs=32"   (entries, i.e. field + 1)
 */
int nvme_format_cap(char *buf, size_t len, uint64_t v);
int nvme_format_vs(char *buf, size_t len, uint32_t v);
int nvme_format_cc(char *buf, size_t len, uint32_t v);
int nvme_format_csts(char *buf, size_t len, uint32_t v);
int nvme_format_aqa(char *buf, size_t len, uint32_t v);

/* Identify Controller data structure (NVMe Base 2.0, 5.17.2.1, Figure 275): what we show. */
struct nvme_id_ctrl {
	uint16_t vid, ssvid;
	char sn[21], mn[41], fr[9]; /* ASCII, trailing spaces removed */
	uint8_t mdts;		    /* Maximum Data Transfer Size: 2^MDTS min pages, 0 = none */
	uint16_t cntlid;
	uint32_t ver;
	uint32_t nn; /* Number of Namespaces */
};

/* Decode a 4096-byte Identify Controller page. */
void nvme_decode_id_ctrl(const uint8_t *page, struct nvme_id_ctrl *id);

#endif
