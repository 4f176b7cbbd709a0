/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* One error-code space for the whole hypervisor: functions return 0 or a negative enum err. */
#ifndef KERNEL_ERR_H
#define KERNEL_ERR_H

enum err {
	E_OK = 0,
	E_INVAL = -1,	/* argument malformed */
	E_RANGE = -2,	/* number or address out of range */
	E_NOENT = -3,	/* no such thing (node, command, device) */
	E_NOMEM = -4,	/* pool exhausted */
	E_FAULT = -5,	/* access faulted or address unmapped */
	E_NOTSUP = -6,	/* not supported by this platform or build */
	E_BUSY = -7,	/* resource in use */
	E_TOOLONG = -8, /* input longer than the buffer */
	E_BADFDT = -9,	/* device tree blob malformed or truncated */
	E_EXIST = -10,	/* already present */
	E_IO = -11,	/* device reported an error */
	E__COUNT = 12,
};

/* Short lower-case name of an error code ("invalid argument"); never NULL. */
const char *err_str(int err);

#endif
