/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * A minimal host-side test harness: CHECK() records a failure and goes on, each test is a
 * function registered in main() with RUN(). The last line printed is "N passed, N failed".
 */
#ifndef TESTS_UNIT_TEST_H
#define TESTS_UNIT_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int test_failures_in_case;
static int test_cases_passed;
static int test_cases_failed;

#define CHECK(cond)                                                                              \
	do {                                                                                     \
		if (!(cond)) {                                                                   \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
			test_failures_in_case++;                                                 \
		}                                                                                \
	} while (0)

#define CHECK_EQ_U64(a, b)                                                                       \
	do {                                                                                     \
		unsigned long long va_ = (unsigned long long)(a), vb_ = (unsigned long long)(b); \
		if (va_ != vb_) {                                                                \
			fprintf(stderr, "%s:%d: CHECK_EQ failed: %s == 0x%llx, %s == 0x%llx\n",  \
				__FILE__, __LINE__, #a, va_, #b, vb_);                           \
			test_failures_in_case++;                                                 \
		}                                                                                \
	} while (0)

#define CHECK_STR(a, b)                                                                     \
	do {                                                                                \
		const char *sa_ = (a), *sb_ = (b);                                          \
		if (!sa_ || !sb_ || strcmp(sa_, sb_) != 0) {                                \
			fprintf(stderr,                                                     \
				"%s:%d: CHECK_STR failed: %s == \"%s\", expected \"%s\"\n", \
				__FILE__, __LINE__, #a, sa_ ? sa_ : "(null)",               \
				sb_ ? sb_ : "(null)");                                      \
			test_failures_in_case++;                                            \
		}                                                                           \
	} while (0)

#define RUN(fn)                                            \
	do {                                               \
		test_failures_in_case = 0;                 \
		fn();                                      \
		if (test_failures_in_case) {               \
			test_cases_failed++;               \
			fprintf(stderr, "FAIL %s\n", #fn); \
		} else {                                   \
			test_cases_passed++;               \
			printf("ok   %s\n", #fn);          \
		}                                          \
	} while (0)

#define TEST_SUMMARY()                                                                         \
	(printf("%s: %d passed, %d failed\n", __FILE__, test_cases_passed, test_cases_failed), \
	 test_cases_failed ? 1 : 0)

#endif
