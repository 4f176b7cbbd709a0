// SPDX-License-Identifier: BSD-2-Clause-Patent
/* Names for enum err, shared by the shell's "error: <what>: <why>" messages and the logs. */
#include "kernel/lib/err.h"

#include <stdarg.h>

#include "kernel/lib/fmt.h"

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

int err_fail(struct err_why *why, int err, const char *fmt, ...)
{
	va_list ap;

	if (!why || why->msg[0])
		return err;
	va_start(ap, fmt);
	fmt_vsnprintf(why->msg, sizeof(why->msg), fmt, ap);
	va_end(ap);
	return err;
}

const char *err_why_str(const struct err_why *why, int err)
{
	return why && why->msg[0] ? why->msg : err_str(err);
}
