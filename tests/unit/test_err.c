// SPDX-License-Identifier: BSD-2-Clause-Patent
/* Host tests of kernel/lib/err.c: error names and the reason channel (struct err_why). */
#include "kernel/lib/err.h"
#include "test.h"

static void test_names(void)
{
	CHECK_STR(err_str(0), "ok");
	CHECK_STR(err_str(E_BUSY), "busy");
	CHECK_STR(err_str(E_IO), "I/O error");
	CHECK_STR(err_str(1), "unknown error");
	CHECK_STR(err_str(-E__COUNT), "unknown error");
}

static void test_why(void)
{
	struct err_why why = { 0 };

	CHECK_STR(err_why_str(&why, E_NOMEM), "out of memory");
	CHECK_STR(err_why_str(NULL, E_NOMEM), "out of memory");
	CHECK(err_fail(&why, E_BUSY, "vm%u is %s", 3u, "running") == E_BUSY);
	CHECK_STR(err_why_str(&why, E_BUSY), "vm3 is running");
	/* The innermost layer speaks first: an outer reason does not overwrite it. */
	CHECK(err_fail(&why, E_INVAL, "outer") == E_INVAL);
	CHECK_STR(why.msg, "vm3 is running");
	CHECK(err_fail(NULL, E_RANGE, "nobody asks") == E_RANGE);
}

static void test_why_truncated(void)
{
	struct err_why why = { 0 };
	char longer[2 * ERR_WHY_LEN];

	memset(longer, 'x', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	err_fail(&why, E_TOOLONG, "%s", longer);
	CHECK(strlen(why.msg) == ERR_WHY_LEN - 1);
}

int main(void)
{
	RUN(test_names);
	RUN(test_why);
	RUN(test_why_truncated);
	return TEST_SUMMARY();
}
