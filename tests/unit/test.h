/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * A minimal host-side test harness: CHECK() records a failure and goes on, each test is a
 * function registered in main() with RUN(). The last line printed is "N passed, N failed".
 */
#ifndef TESTS_UNIT_TEST_H
#define TESTS_UNIT_TEST_H

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Tests run from tests/unit, so the fixtures are one level up. */
#define TEST_FIXTURES "../fixtures/"

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

/*
 * A whole fixture file in a buffer of exactly its size, so ASan catches any overread. Exits
 * with status 2 when it cannot be read: a missing fixture is a broken tree, not a test result.
 */
static inline uint8_t *test_load_fixture(const char *name, size_t *size)
{
	char path[256];
	FILE *fp;
	uint8_t *buf;
	long len;

	snprintf(path, sizeof(path), TEST_FIXTURES "%s", name);
	fp = fopen(path, "rb");
	if (!fp) {
		fprintf(stderr, "cannot open %s\n", path);
		exit(2);
	}
	fseek(fp, 0, SEEK_END);
	len = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	buf = malloc(len > 0 ? (size_t)len : 1);
	if (!buf || fread(buf, 1, (size_t)len, fp) != (size_t)len) {
		fprintf(stderr, "cannot read %s\n", path);
		exit(2);
	}
	fclose(fp);
	*size = (size_t)len;
	return buf;
}

#define TEST_SUMMARY()                                                                         \
	(printf("%s: %d passed, %d failed\n", __FILE__, test_cases_passed, test_cases_failed), \
	 test_cases_failed ? 1 : 0)

#endif
