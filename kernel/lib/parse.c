// SPDX-License-Identifier: BSD-2-Clause-Patent
/* Command-line words and numbers, with every malformed input rejected rather than guessed at. */
#include "kernel/lib/parse.h"

#include "kernel/lib/err.h"

int parse_args(char *line, char **argv, int max)
{
	int argc = 0;
	char *p = line;

	for (;;) {
		char *out;

		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			return argc;
		if (argc >= max)
			return E_TOOLONG;
		argv[argc++] = out = p;
		while (*p && *p != ' ' && *p != '\t') {
			if (*p == '"') {
				p++;
				while (*p && *p != '"')
					*out++ = *p++;
				if (*p != '"')
					return E_INVAL;
				p++;
			} else {
				*out++ = *p++;
			}
		}
		if (*p)
			p++;
		*out = '\0';
	}
}

int parse_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 99;
}

/* Parse digits up to 'end' (or NUL when end is NULL). */
static int parse_digits(const char *s, const char *end, uint64_t *out)
{
	unsigned int base = 10;
	uint64_t v = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (s == end || !*s)
		return E_INVAL;
	for (; *s && s != end; s++) {
		int d = parse_digit(*s);

		if (d >= (int)base)
			return E_INVAL;
		if (v > (UINT64_MAX - (uint64_t)d) / base)
			return E_RANGE;
		v = v * base + (uint64_t)d;
	}
	*out = v;
	return 0;
}

int parse_u64(const char *s, uint64_t *out)
{
	if (!s || !*s)
		return E_INVAL;
	return parse_digits(s, 0, out);
}

int parse_u64_list(const char *s, uint64_t *out, unsigned int max, unsigned int *n)
{
	const char *end;
	int ret;

	if (!s || !*s)
		return E_INVAL;
	for (*n = 0;; s = end + 1) {
		for (end = s; *end && *end != ','; end++)
			;
		if (*n == max)
			return E_RANGE;
		ret = parse_digits(s, end, &out[*n]);
		if (ret)
			return ret;
		++*n;
		if (!*end)
			return 0;
	}
}

int parse_size(const char *s, uint64_t *out)
{
	const char *end = s;
	unsigned int shift = 0;
	uint64_t v;
	int ret;

	if (!s || !*s)
		return E_INVAL;
	while (end[1])
		end++;
	/* A trailing K/M/G is a suffix unless it is a hex digit of a 0x number (none of them is). */
	switch (*end) {
	case 'k':
	case 'K':
		shift = 10;
		break;
	case 'm':
	case 'M':
		shift = 20;
		break;
	case 'g':
	case 'G':
		shift = 30;
		break;
	default:
		end++;
		break;
	}
	ret = parse_digits(s, end, &v);
	if (ret)
		return ret;
	if (shift && v > (UINT64_MAX >> shift))
		return E_RANGE;
	*out = v << shift;
	return 0;
}

bool str_eq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}
