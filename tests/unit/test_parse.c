// SPDX-License-Identifier: BSD-2-Clause-Patent
/* Host tests of the shell's word splitting and number parsing, boundaries and junk included. */
#include <stdint.h>

#include "kernel/lib/err.h"
#include "kernel/lib/parse.h"
#include "test.h"

/* Split a copy of 'line'; return argc and fill 'argv'. */
static char split_buf[512];
static int split(const char *line, char **argv, int max)
{
	snprintf(split_buf, sizeof(split_buf), "%s", line);
	return parse_args(split_buf, argv, max);
}

static void test_args_basic(void)
{
	char *argv[SHELL_MAX_ARGS];

	CHECK_EQ_U64(split("", argv, SHELL_MAX_ARGS), 0);
	CHECK_EQ_U64(split("   \t  ", argv, SHELL_MAX_ARGS), 0);
	CHECK_EQ_U64(split("md", argv, SHELL_MAX_ARGS), 1);
	CHECK_STR(argv[0], "md");
	CHECK_EQ_U64(split("  md\t0x4000  16 ", argv, SHELL_MAX_ARGS), 3);
	CHECK_STR(argv[0], "md");
	CHECK_STR(argv[1], "0x4000");
	CHECK_STR(argv[2], "16");
	/* Words point into the buffer, split in place. */
	CHECK(argv[0] >= split_buf && argv[2] < split_buf + sizeof(split_buf));
}

static void test_args_quotes(void)
{
	char *argv[SHELL_MAX_ARGS];

	CHECK_EQ_U64(split("echo \"hello world\" x", argv, SHELL_MAX_ARGS), 3);
	CHECK_STR(argv[1], "hello world");
	CHECK_STR(argv[2], "x");
	/* Quotes glue to neighbouring text, and an empty pair is an empty word. */
	CHECK_EQ_U64(split("a\"b c\"d \"\" e", argv, SHELL_MAX_ARGS), 3);
	CHECK_STR(argv[0], "ab cd");
	CHECK_STR(argv[1], "");
	CHECK_STR(argv[2], "e");
	CHECK_EQ_U64(split("\"\t tab\"", argv, SHELL_MAX_ARGS), 1);
	CHECK_STR(argv[0], "\t tab");
	CHECK_EQ_U64(split("x\"\"", argv, SHELL_MAX_ARGS), 1);
	CHECK_STR(argv[0], "x");
	/* Unterminated quotes are refused. */
	CHECK_EQ_U64(split("echo \"oops", argv, SHELL_MAX_ARGS), (uint64_t)(int64_t)E_INVAL);
	CHECK_EQ_U64(split("\"", argv, SHELL_MAX_ARGS), (uint64_t)(int64_t)E_INVAL);
	CHECK_EQ_U64(split("a \"b\" \"c", argv, SHELL_MAX_ARGS), (uint64_t)(int64_t)E_INVAL);
}

static void test_args_too_many(void)
{
	char *argv[SHELL_MAX_ARGS + 1];
	char line[128] = "";

	argv[SHELL_MAX_ARGS] = (char *)"sentinel";
	for (int i = 0; i < SHELL_MAX_ARGS; i++)
		strcat(line, i ? " w" : "w");
	CHECK_EQ_U64(split(line, argv, SHELL_MAX_ARGS), SHELL_MAX_ARGS);
	strcat(line, "   ");
	CHECK_EQ_U64(split(line, argv, SHELL_MAX_ARGS), SHELL_MAX_ARGS); /* trailing blanks fine */
	strcat(line, "x");
	CHECK_EQ_U64(split(line, argv, SHELL_MAX_ARGS), (uint64_t)(int64_t)E_TOOLONG);
	CHECK_STR(argv[SHELL_MAX_ARGS], "sentinel"); /* never written past max */
	CHECK_EQ_U64(split("a b c", argv, 2), (uint64_t)(int64_t)E_TOOLONG);
	CHECK_EQ_U64(split("a", argv, 0), (uint64_t)(int64_t)E_TOOLONG);
	CHECK_EQ_U64(split("  ", argv, 0), 0);
}

struct u64_case {
	const char *s;
	int ret;
	uint64_t v;
};

static void test_u64(void)
{
	static const struct u64_case cases[] = {
		{ "0", 0, 0 },
		{ "7", 0, 7 },
		{ "007", 0, 7 },
		{ "4096", 0, 4096 },
		{ "0x0", 0, 0 },
		{ "0x1000", 0, 0x1000 },
		{ "0XaBcDeF", 0, 0xabcdef },
		{ "18446744073709551615", 0, UINT64_MAX },
		{ "18446744073709551616", E_RANGE, 0 },
		{ "18446744073709551620", E_RANGE, 0 },
		{ "99999999999999999999", E_RANGE, 0 },
		{ "0xffffffffffffffff", 0, UINT64_MAX },
		{ "0x0000000000000000ffffffffffffffff", 0, UINT64_MAX },
		{ "0x10000000000000000", E_RANGE, 0 },
		{ "1844674407370955161", 0, 1844674407370955161ULL },
		{ "", E_INVAL, 0 },
		{ "0x", E_INVAL, 0 },
		{ "0X", E_INVAL, 0 },
		{ "x10", E_INVAL, 0 },
		{ "-1", E_INVAL, 0 },
		{ "+1", E_INVAL, 0 },
		{ " 1", E_INVAL, 0 },
		{ "1 ", E_INVAL, 0 },
		{ "12a", E_INVAL, 0 },
		{ "0x12g", E_INVAL, 0 },
		{ "0x-1", E_INVAL, 0 },
		{ "0xx1", E_INVAL, 0 },
		{ "1K", E_INVAL, 0 },
		{ "0b101", E_INVAL, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t v = 0x5a5a5a5a5a5a5a5aULL;
		int ret = parse_u64(cases[i].s, &v);

		if (ret != cases[i].ret || (ret == 0 && v != cases[i].v) ||
		    (ret != 0 && v != 0x5a5a5a5a5a5a5a5aULL)) {
			fprintf(stderr, "  parse_u64(\"%s\") = %d, 0x%llx\n", cases[i].s, ret,
				(unsigned long long)v);
			test_failures_in_case++;
		}
	}
	CHECK_EQ_U64(parse_u64(NULL, &(uint64_t){ 0 }), (uint64_t)(int64_t)E_INVAL);
}

static void test_size(void)
{
	static const struct u64_case cases[] = {
		{ "0", 0, 0 },
		{ "4096", 0, 4096 },
		{ "1K", 0, 1024 },
		{ "1k", 0, 1024 },
		{ "4K", 0, 4096 },
		{ "2M", 0, 2 << 20 },
		{ "3m", 0, 3 << 20 },
		{ "1G", 0, 1ULL << 30 },
		{ "16g", 0, 16ULL << 30 },
		{ "0K", 0, 0 },
		{ "0x10K", 0, 16 << 10 },
		{ "0x10", 0, 16 },
		{ "0x1b", 0, 0x1b },
		{ "0x10M", 0, 16 << 20 },
		{ "18446744073709551615", 0, UINT64_MAX },
		{ "18446744073709551616", E_RANGE, 0 },
		{ "17179869183G", 0, 17179869183ULL << 30 },
		{ "17179869184G", E_RANGE, 0 },
		{ "0x3ffffffffG", 0, 0x3ffffffffULL << 30 },
		{ "0x400000000G", E_RANGE, 0 },
		{ "18014398509481983K", 0, 18014398509481983ULL << 10 },
		{ "18014398509481984K", E_RANGE, 0 },
		{ "99999999999999999999K", E_RANGE, 0 },
		{ "", E_INVAL, 0 },
		{ "K", E_INVAL, 0 },
		{ "0xK", E_INVAL, 0 },
		{ "0x", E_INVAL, 0 },
		{ "1KK", E_INVAL, 0 },
		{ "1KB", E_INVAL, 0 },
		{ "1T", E_INVAL, 0 },
		{ "-1K", E_INVAL, 0 },
		{ "1.5G", E_INVAL, 0 },
		{ "K1", E_INVAL, 0 },
		{ " 1K", E_INVAL, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t v = 0x5a5a5a5a5a5a5a5aULL;
		int ret = parse_size(cases[i].s, &v);

		if (ret != cases[i].ret || (ret == 0 && v != cases[i].v) ||
		    (ret != 0 && v != 0x5a5a5a5a5a5a5a5aULL)) {
			fprintf(stderr, "  parse_size(\"%s\") = %d, 0x%llx\n", cases[i].s, ret,
				(unsigned long long)v);
			test_failures_in_case++;
		}
	}
	CHECK_EQ_U64(parse_size(NULL, &(uint64_t){ 0 }), (uint64_t)(int64_t)E_INVAL);
}

static void test_u64_list(void)
{
	uint64_t v[3] = { 0 };
	unsigned int n = 9;

	CHECK_EQ_U64(parse_u64_list("3", v, 3, &n), 0);
	CHECK_EQ_U64(n, 1);
	CHECK_EQ_U64(v[0], 3);
	CHECK_EQ_U64(parse_u64_list("2,0x3,4", v, 3, &n), 0);
	CHECK_EQ_U64(n, 3);
	CHECK_EQ_U64(v[0] * 100 + v[1] * 10 + v[2], 234);
	CHECK_EQ_U64(parse_u64_list("1,2,3,4", v, 3, &n), (uint64_t)(int64_t)E_RANGE);
	CHECK_EQ_U64(parse_u64_list("1,,2", v, 3, &n), (uint64_t)(int64_t)E_INVAL);
	CHECK_EQ_U64(parse_u64_list("1,", v, 3, &n), (uint64_t)(int64_t)E_INVAL);
	CHECK_EQ_U64(parse_u64_list(",1", v, 3, &n), (uint64_t)(int64_t)E_INVAL);
	CHECK_EQ_U64(parse_u64_list("1,x", v, 3, &n), (uint64_t)(int64_t)E_INVAL);
	CHECK_EQ_U64(parse_u64_list("", v, 3, &n), (uint64_t)(int64_t)E_INVAL);
}

static void test_str_eq(void)
{
	CHECK(str_eq("", ""));
	CHECK(str_eq("help", "help"));
	CHECK(!str_eq("help", "hel"));
	CHECK(!str_eq("hel", "help"));
	CHECK(!str_eq("", "a"));
	CHECK(!str_eq("Help", "help"));
}

int main(void)
{
	RUN(test_args_basic);
	RUN(test_args_quotes);
	RUN(test_args_too_many);
	RUN(test_u64);
	RUN(test_size);
	RUN(test_u64_list);
	RUN(test_str_eq);
	return TEST_SUMMARY();
}
