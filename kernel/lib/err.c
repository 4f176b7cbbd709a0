// SPDX-License-Identifier: BSD-2-Clause-Patent
/* Names for enum err, shared by the shell's "error: <what>: <why>" messages and the logs. */
#include "kernel/lib/err.h"

static const char *const err_names[E__COUNT] = {
	[0] = "ok",
	[-E_INVAL] = "invalid argument",
	[-E_RANGE] = "out of range",
	[-E_NOENT] = "not found",
	[-E_NOMEM] = "out of memory",
	[-E_FAULT] = "bad address",
	[-E_NOTSUP] = "not supported",
	[-E_BUSY] = "busy",
	[-E_TOOLONG] = "too long",
	[-E_BADFDT] = "malformed device tree",
	[-E_EXIST] = "already exists",
	[-E_IO] = "I/O error",
};

const char *err_str(int err)
{
	if (err > 0 || err <= -E__COUNT)
		return "unknown error";
	return err_names[-err];
}
