// SPDX-License-Identifier: BSD-2-Clause-Patent
/* A small vsnprintf for a freestanding hypervisor: integers, strings, pointers, no floats. */
#include "kernel/lib/fmt.h"

#include <stdbool.h>
#include <stdint.h>

struct spec {
	bool left, zero, plus, space, alt;
	int width;
	int prec; /* -1: none */
};

struct out {
	fmt_sink sink;
	void *ctx;
	int n;
};

static void put(struct out *o, char c)
{
	o->sink(o->ctx, c);
	o->n++;
}

static void pad(struct out *o, char c, int count)
{
	while (count-- > 0)
		put(o, c);
}

static void emit_str(struct out *o, const struct spec *s, const char *str)
{
	int len = 0;

	if (!str)
		str = "(null)";
	while (str[len] && (s->prec < 0 || len < s->prec))
		len++;
	if (!s->left)
		pad(o, ' ', s->width - len);
	for (int i = 0; i < len; i++)
		put(o, str[i]);
	if (s->left)
		pad(o, ' ', s->width - len);
}

static void emit_num(struct out *o, const struct spec *s, uint64_t v, bool neg, unsigned int base,
		     bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int len = 0;
	char sign = 0;
	const char *prefix = "";
	int plen, zeros, total;

	/* base is 8, 10 or 16 at every call site, never 0. */
	while (v) {
		// cppcheck-suppress zerodivcond
		tmp[len++] = digits[v % base];
		v /= base;
	}
	/* Precision 0 with value 0 prints no digits (C11 7.21.6.1). */
	if (len == 0 && s->prec != 0)
		tmp[len++] = '0';
	if (neg)
		sign = '-';
	else if (s->plus)
		sign = '+';
	else if (s->space)
		sign = ' ';
	if (s->alt && base == 16 && len && !(len == 1 && tmp[0] == '0'))
		prefix = upper ? "0X" : "0x";
	/* '#' with o forces a leading 0 only when the digits lack one (C11 7.21.6.1). */
	else if (s->alt && base == 8 && (len == 0 || tmp[len - 1] != '0') && s->prec <= len)
		prefix = "0";
	plen = (sign ? 1 : 0) + (int)(prefix[0] ? (prefix[1] ? 2 : 1) : 0);
	zeros = s->prec > len ? s->prec - len : 0;
	total = plen + zeros + len;
	if (s->zero && !s->left && s->prec < 0 && s->width > total) {
		zeros += s->width - total;
		total = s->width;
	}
	if (!s->left)
		pad(o, ' ', s->width - total);
	if (sign)
		put(o, sign);
	for (const char *p = prefix; *p; p++)
		put(o, *p);
	pad(o, '0', zeros);
	while (len)
		put(o, tmp[--len]);
	if (s->left)
		pad(o, ' ', s->width - total);
}

enum lenmod { LEN_INT, LEN_CHAR, LEN_SHORT, LEN_LONG, LEN_LLONG, LEN_SIZE, LEN_PTRDIFF, LEN_MAX };

static uint64_t fetch_unsigned(va_list *ap, enum lenmod len)
{
	switch (len) {
	case LEN_CHAR:
		return (unsigned char)va_arg(*ap, unsigned int);
	case LEN_SHORT:
		return (unsigned short)va_arg(*ap, unsigned int);
	case LEN_LONG:
		return va_arg(*ap, unsigned long);
	case LEN_LLONG:
		return va_arg(*ap, unsigned long long);
	case LEN_SIZE:
		return va_arg(*ap, size_t);
	case LEN_PTRDIFF:
		return (uint64_t)va_arg(*ap, ptrdiff_t);
	case LEN_MAX:
		return va_arg(*ap, uintmax_t);
	default:
		return va_arg(*ap, unsigned int);
	}
}

static int64_t fetch_signed(va_list *ap, enum lenmod len)
{
	switch (len) {
	case LEN_CHAR:
		return (signed char)va_arg(*ap, int);
	case LEN_SHORT:
		return (short)va_arg(*ap, int);
	case LEN_LONG:
		return va_arg(*ap, long);
	case LEN_LLONG:
		return va_arg(*ap, long long);
	case LEN_SIZE:
	case LEN_PTRDIFF:
		return va_arg(*ap, ptrdiff_t);
	case LEN_MAX:
		return va_arg(*ap, intmax_t);
	default:
		return va_arg(*ap, int);
	}
}

int fmt_vformat(fmt_sink sink, void *ctx, const char *fmt, va_list ap_in)
{
	struct out o = { .sink = sink, .ctx = ctx, .n = 0 };
	va_list ap;

	va_copy(ap, ap_in);
	while (*fmt) {
		struct spec s = { .prec = -1 };
		enum lenmod len = LEN_INT;
		char c = *fmt++;

		if (c != '%') {
			put(&o, c);
			continue;
		}
		for (;; fmt++) {
			if (*fmt == '-')
				s.left = true;
			else if (*fmt == '0')
				s.zero = true;
			else if (*fmt == '+')
				s.plus = true;
			else if (*fmt == ' ')
				s.space = true;
			else if (*fmt == '#')
				s.alt = true;
			else
				break;
		}
		if (*fmt == '*') {
			s.width = va_arg(ap, int);
			if (s.width < 0) {
				s.left = true;
				/* -INT_MIN overflows; no sane width is that large anyway. */
				s.width = s.width < -10000 ? 10000 : -s.width;
			}
			if (s.width > 10000)
				s.width = 10000;
			fmt++;
		} else {
			while (*fmt >= '0' && *fmt <= '9' && s.width < 10000)
				s.width = s.width * 10 + (*fmt++ - '0');
		}
		if (*fmt == '.') {
			fmt++;
			s.prec = 0;
			if (*fmt == '*') {
				s.prec = va_arg(ap, int);
				if (s.prec < 0)
					s.prec = -1;
				fmt++;
			} else {
				while (*fmt >= '0' && *fmt <= '9' && s.prec < 10000)
					s.prec = s.prec * 10 + (*fmt++ - '0');
			}
		}
		switch (*fmt) {
		case 'h':
			len = LEN_SHORT;
			if (*++fmt == 'h') {
				len = LEN_CHAR;
				fmt++;
			}
			break;
		case 'l':
			len = LEN_LONG;
			if (*++fmt == 'l') {
				len = LEN_LLONG;
				fmt++;
			}
			break;
		case 'z':
			len = LEN_SIZE;
			fmt++;
			break;
		case 't':
			len = LEN_PTRDIFF;
			fmt++;
			break;
		case 'j':
			len = LEN_MAX;
			fmt++;
			break;
		default:
			break;
		}
		c = *fmt;
		if (!c)
			break;
		fmt++;
		switch (c) {
		case 'd':
		case 'i': {
			int64_t v = fetch_signed(&ap, len);
			uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

			emit_num(&o, &s, mag, v < 0, 10, false);
			break;
		}
		case 'u':
		case 'x':
		case 'X':
		case 'o':
			/* '+' and ' ' only apply to signed conversions (C11 7.21.6.1). */
			s.plus = false;
			s.space = false;
			if (c == 'x' || c == 'X')
				emit_num(&o, &s, fetch_unsigned(&ap, len), false, 16, c == 'X');
			else
				emit_num(&o, &s, fetch_unsigned(&ap, len), false, c == 'o' ? 8 : 10,
					 false);
			break;
		case 'p':
			s.alt = true;
			emit_num(&o, &s, (uintptr_t)va_arg(ap, void *), false, 16, false);
			break;
		case 'c': {
			char ch = (char)va_arg(ap, int);

			if (!s.left)
				pad(&o, ' ', s.width - 1);
			put(&o, ch);
			if (s.left)
				pad(&o, ' ', s.width - 1);
			break;
		}
		case 's':
			emit_str(&o, &s, va_arg(ap, const char *));
			break;
		case '%':
			put(&o, '%');
			break;
		default:
			/* Unknown conversion: print it verbatim so the mistake is visible. */
			put(&o, '%');
			put(&o, c);
			break;
		}
	}
	va_end(ap);
	return o.n;
}

struct bufctx {
	char *buf;
	size_t size;
	size_t pos;
};

static void buf_sink(void *ctx, char c)
{
	struct bufctx *b = ctx;

	if (b->size && b->pos < b->size - 1)
		b->buf[b->pos] = c;
	b->pos++;
}

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct bufctx b = { .buf = buf, .size = size, .pos = 0 };
	int n = fmt_vformat(buf_sink, &b, fmt, ap);

	if (size)
		buf[b.pos < size ? b.pos : size - 1] = '\0';
	return n;
}

int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
