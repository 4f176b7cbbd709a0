// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * Host tests of kernel/fmt.c: every flag, width, precision, length modifier and conversion
 * combination C11 defines is compared byte for byte with the host's snprintf.
 */
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/lib/fmt.h"
#include "test.h"

static int mismatches;

/* Format with both implementations through their va_list entries and compare. */
static void cmp_v(const char *f, ...)
{
	char want[512], got[512];
	va_list ap, aq;
	int nw, ng;

	va_start(ap, f);
	va_copy(aq, ap);
	nw = vsnprintf(want, sizeof(want), f, ap);
	ng = fmt_vsnprintf(got, sizeof(got), f, aq);
	va_end(aq);
	va_end(ap);
	if (nw != ng || strcmp(want, got) != 0) {
		if (mismatches++ < 20)
			fprintf(stderr, "  fmt \"%s\": host \"%s\" (%d), ours \"%s\" (%d)\n", f,
				want, nw, got, ng);
		test_failures_in_case++;
	}
}

enum lm { LM_NONE, LM_HH, LM_H, LM_L, LM_LL, LM_Z, LM_J, LM_T, LM__COUNT };
static const char *const lm_str[LM__COUNT] = { "", "hh", "h", "l", "ll", "z", "j", "t" };

/* Pass 'v' with the argument type the length modifier and conversion expect. */
static void cmp_int(const char *f, enum lm lm, int is_signed, int64_t v)
{
	switch (lm) {
	case LM_NONE:
	case LM_HH:
	case LM_H:
		if (is_signed)
			cmp_v(f, (int)v);
		else
			cmp_v(f, (unsigned int)v);
		break;
	case LM_L:
		if (is_signed)
			cmp_v(f, (long)v);
		else
			cmp_v(f, (unsigned long)v);
		break;
	case LM_LL:
		if (is_signed)
			cmp_v(f, (long long)v);
		else
			cmp_v(f, (unsigned long long)v);
		break;
	case LM_Z:
		if (is_signed)
			cmp_v(f, (ptrdiff_t)v); /* signed size_t */
		else
			cmp_v(f, (size_t)v);
		break;
	case LM_J:
		if (is_signed)
			cmp_v(f, (intmax_t)v);
		else
			cmp_v(f, (uintmax_t)v);
		break;
	case LM_T:
		if (is_signed)
			cmp_v(f, (ptrdiff_t)v);
		else
			cmp_v(f, (size_t)v); /* unsigned ptrdiff_t */
		break;
	default:
		break;
	}
}

static const int64_t int_values[] = {
	0,
	1,
	-1,
	7,
	8,
	9,
	10,
	15,
	16,
	-16,
	100,
	127,
	128,
	-128,
	200,
	255,
	256,
	0x1ff,
	32767,
	-32768,
	65535,
	65536,
	INT_MAX,
	INT_MIN,
	UINT_MAX,
	0x12345678,
	-123456789,
	INT64_MAX,
	INT64_MIN,
	INT64_MIN + 1,
	(int64_t)0x8000000000000000ULL + 7,
	0x0123456789abcdefLL,
	-0x0123456789abcdefLL,
	1000000000000LL,
};
#define N_INT_VALUES (sizeof(int_values) / sizeof(int_values[0]))

/*
 * Flags x widths x precisions x length modifiers x conversions x values. '#' is left out of
 * d, i and u, where C11 leaves it undefined.
 */
static void test_integer_matrix(void)
{
	static const char *const widths[] = { "", "1", "5", "22" };
	static const char *const precs[] = { "", ".", ".0", ".1", ".3", ".25" };
	static const char convs[] = "diuxXo";

	mismatches = 0;
	for (unsigned int fl = 0; fl < 32; fl++) {
		char flags[8];
		int nf = 0;

		if (fl & 1)
			flags[nf++] = '-';
		if (fl & 2)
			flags[nf++] = '0';
		if (fl & 4)
			flags[nf++] = '+';
		if (fl & 8)
			flags[nf++] = ' ';
		if (fl & 16)
			flags[nf++] = '#';
		flags[nf] = '\0';
		for (size_t w = 0; w < sizeof(widths) / sizeof(widths[0]); w++)
			for (size_t p = 0; p < sizeof(precs) / sizeof(precs[0]); p++)
				for (int lm = 0; lm < LM__COUNT; lm++)
					for (const char *c = convs; *c; c++) {
						int sgn = *c == 'd' || *c == 'i';
						char f[40];

						if ((fl & 16) && (sgn || *c == 'u'))
							continue;
						snprintf(f, sizeof(f), "[%%%s%s%s%s%c]", flags,
							 widths[w], precs[p], lm_str[lm], *c);
						for (size_t v = 0; v < N_INT_VALUES; v++)
							cmp_int(f, lm, sgn, int_values[v]);
					}
	}
	CHECK_EQ_U64(mismatches, 0);
}

static void test_integer_literals(void)
{
	const char *volatile unsigned_flags = "%+u % x";
	char buf[64];

	/* A few fixed expectations, so a host libc bug could not hide one of ours. */
	CHECK_EQ_U64(fmt_snprintf(buf, sizeof(buf), "%lld", (long long)INT64_MIN), 20);
	CHECK_STR(buf, "-9223372036854775808");
	fmt_snprintf(buf, sizeof(buf), "%llu", (unsigned long long)UINT64_MAX);
	CHECK_STR(buf, "18446744073709551615");
	fmt_snprintf(buf, sizeof(buf), "%d|%5d|%-5d|%05d|%+d|% d", -42, 42, 42, -42, 42, 42);
	CHECK_STR(buf, "-42|   42|42   |-0042|+42| 42");
	fmt_snprintf(buf, sizeof(buf), "%#x %#X %#o %x %.0x|", 255u, 255u, 8u, 0u, 0u);
	CHECK_STR(buf, "0xff 0XFF 010 0 |");
	fmt_snprintf(buf, sizeof(buf), "%#.0o %#.5o %#5o", 0u, 8u, 0u);
	CHECK_STR(buf, "0 00010     0");
	/* '+' and ' ' only apply to signed conversions (gcc refuses them in a literal). */
	fmt_snprintf(buf, sizeof(buf), unsigned_flags, 5u, 5u);
	CHECK_STR(buf, "5 5");
	fmt_snprintf(buf, sizeof(buf), "%zu %zx %zd", (size_t)4096, (size_t)0xdead, (ptrdiff_t)-3);
	CHECK_STR(buf, "4096 dead -3");
	fmt_snprintf(buf, sizeof(buf), "%hhd %hhu %hd %hu", 200, 0x1ff, 40000, 0x12345);
	CHECK_STR(buf, "-56 255 -25536 9029");
	fmt_snprintf(buf, sizeof(buf), "%016llx", 0xabcULL);
	CHECK_STR(buf, "0000000000000abc");
}

static void test_star(void)
{
	mismatches = 0;
	for (int w = -12; w <= 12; w += 3)
		for (int p = -2; p <= 6; p++) {
			cmp_v("[%*.*d]", w, p, -77);
			cmp_v("[%*.*x]", w, p, 0xbeefu);
			cmp_v("[%0*d]", w, 42);
			cmp_v("[%*.*s]", w, p, "hello");
			cmp_v("[%-*c]", w, 'q');
		}
	CHECK_EQ_U64(mismatches, 0);
}

static void test_strings_chars(void)
{
	static const char *const strs[] = { "", "a", "hello", "a longer string of text" };
	static const char *const fs[] = { "[%s]",    "[%10s]",	 "[%-10s]", "[%.3s]", "[%.0s]",
					  "[%8.2s]", "[%-8.2s]", "[%.30s]", "[%1s]" };
	const char *volatile null_str = NULL;
	char buf[32];

	mismatches = 0;
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		for (size_t j = 0; j < sizeof(fs) / sizeof(fs[0]); j++)
			cmp_v(fs[j], strs[i]);
	for (int c = 1; c < 128; c++) {
		cmp_v("[%c]", c);
		cmp_v("[%3c]", c);
		cmp_v("[%-3c]", c);
	}
	cmp_v("%% [%%] 100%%");
	CHECK_EQ_U64(mismatches, 0);

	/* NULL strings print "(null)" (glibc differs under a precision, so not compared). */
	CHECK_EQ_U64(fmt_snprintf(buf, sizeof(buf), "%s|%8s", null_str, null_str), 15);
	CHECK_STR(buf, "(null)|  (null)");
	/* %c with NUL writes the NUL and counts it. */
	CHECK_EQ_U64(fmt_snprintf(buf, sizeof(buf), "a%cb", 0), 3);
	CHECK(buf[0] == 'a' && buf[1] == '\0' && buf[2] == 'b' && buf[3] == '\0');
}

static void test_pointer(void)
{
	int x;
	void *ps[] = { &x, (void *)0x1, (void *)0xffff000012345678UL, (void *)UINTPTR_MAX };
	char buf[64];

	mismatches = 0;
	for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
		cmp_v("[%p]", ps[i]);
		cmp_v("[%24p]", ps[i]);
		cmp_v("[%-24p]", ps[i]);
	}
	CHECK_EQ_U64(mismatches, 0);
	fmt_snprintf(buf, sizeof(buf), "%p", (void *)0xdeadbeef);
	CHECK_STR(buf, "0xdeadbeef");
	/* glibc says "(nil)"; we print the number (documented difference, not compared). */
	fmt_snprintf(buf, sizeof(buf), "%p", (void *)0);
	CHECK_STR(buf, "0");
}

/* Truncation: C99 semantics, never a byte past 'size', return value is the full length. */
static void test_truncation(void)
{
	const char *full = "value=-1234567890 name=abcdef";
	char buf[64];

	for (size_t size = 0; size <= 40; size++) {
		int n;

		memset(buf, 'Z', sizeof(buf));
		n = fmt_snprintf(size ? buf : NULL, size, "value=%d name=%s", -1234567890,
				 "abcdef");
		CHECK_EQ_U64(n, strlen(full));
		if (size) {
			size_t keep = size - 1 < strlen(full) ? size - 1 : strlen(full);

			CHECK(memcmp(buf, full, keep) == 0);
			CHECK_EQ_U64(buf[keep], '\0');
			CHECK_EQ_U64(strlen(buf), keep);
		}
		for (size_t i = size; i < sizeof(buf); i++)
			CHECK_EQ_U64(buf[i], 'Z');
	}
	/* Size 1 produces only the NUL. */
	buf[0] = 'x';
	CHECK_EQ_U64(fmt_snprintf(buf, 1, "%s", "abc"), 3);
	CHECK_EQ_U64(buf[0], '\0');
	/* A long width is counted even though it does not fit. */
	CHECK_EQ_U64(fmt_snprintf(buf, 4, "%300d", 1), 300);
	CHECK_STR(buf, "   ");
}

struct count_ctx {
	char s[64];
	int n;
};

static void count_sink(void *ctx, char c)
{
	struct count_ctx *cc = ctx;

	if (cc->n < (int)sizeof(cc->s) - 1)
		cc->s[cc->n] = c;
	cc->n++;
}

static int format_to_sink(struct count_ctx *cc, const char *f, ...)
{
	va_list ap;
	int n;

	va_start(ap, f);
	n = fmt_vformat(count_sink, cc, f, ap);
	va_end(ap);
	cc->s[cc->n < 63 ? cc->n : 63] = '\0';
	return n;
}

static void test_sink(void)
{
	struct count_ctx cc = { .n = 0 };

	CHECK_EQ_U64(format_to_sink(&cc, "%s=%#llx%c", "pc", 0xffff0000ULL, '!'), 14);
	CHECK_EQ_U64(cc.n, 14);
	CHECK_STR(cc.s, "pc=0xffff0000!");
	/* An unknown conversion is printed verbatim; a lone trailing '%' prints nothing. */
	cc.n = 0;
	CHECK_EQ_U64(format_to_sink(&cc, "a%qb%"), 4);
	CHECK_STR(cc.s, "a%qb");
}

int main(void)
{
	RUN(test_integer_matrix);
	RUN(test_integer_literals);
	RUN(test_star);
	RUN(test_strings_chars);
	RUN(test_pointer);
	RUN(test_truncation);
	RUN(test_sink);
	return TEST_SUMMARY();
}
