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

/*
 * Why a call failed, in words for the user: the one channel from the layer that knows (the VM
 * model, PCI assignment, the platform parser) up to the shell, which prints
 * "error: <what>: <msg>" and never guesses a reason from the code alone. The caller owns it
 * (usually on its stack) and passes it down; NULL where nobody asks.
 */
/*
 * Room for the longest reasons: the platform parser names the DTB node (a path) and what is
 * wrong with it, and the boot path prefixes "bad DTB at <address>: " to the FDT reader's.
 */
#define ERR_WHY_LEN 160
struct err_why {
	char msg[ERR_WHY_LEN]; /* empty: no reason recorded */
};

/*
 * Record the reason (printf format) in 'why' unless one is already there (the innermost layer,
 * which knows most, speaks first) and return 'err', so a failure reads
 * `return err_fail(why, E_BUSY, "vm%u is %s", id, state);`. 'why' may be NULL.
 */
int err_fail(struct err_why *why, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The recorded reason, or err_str(err) when no layer gave one. */
const char *err_why_str(const struct err_why *why, int err);

#endif
