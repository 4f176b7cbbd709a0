// SPDX-License-Identifier: BSD-2-Clause-Patent
/* JSON output for scripts: every shell command that reports state can print one line of it. */
#include "monitor/json.h"

static void out(struct json *j, const char *s)
{
	while (*s)
		j->sink(j->ctx, *s++);
}

static void out_fmt(struct json *j, const char *fmt, ...) FMT_PRINTF(2, 3);
static void out_fmt(struct json *j, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fmt_vformat(j->sink, j->ctx, fmt, ap);
	va_end(ap);
}

static void out_string(struct json *j, const char *s)
{
	j->sink(j->ctx, '"');
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			j->sink(j->ctx, '\\');
			j->sink(j->ctx, (char)c);
		} else if (c < 0x20 || c >= 0x7f) {
			out_fmt(j, "\\u%04x", c);
		} else {
			j->sink(j->ctx, (char)c);
		}
	}
	j->sink(j->ctx, '"');
}

/*
 * Levels from JSON_MAX_DEPTH - 1 down share the last need_comma slot, so nesting deeper than
 * the array still closes every bracket and separates every member (see json_close()).
 */
static bool *comma_slot(struct json *j)
{
	return &j->need_comma[j->depth < JSON_MAX_DEPTH ? j->depth : JSON_MAX_DEPTH - 1];
}

static void member(struct json *j, const char *key)
{
	bool *comma = comma_slot(j);

	if (*comma)
		j->sink(j->ctx, ',');
	*comma = true;
	if (key) {
		out_string(j, key);
		j->sink(j->ctx, ':');
	}
}

static void json_open(struct json *j, const char *key, char c)
{
	member(j, key);
	j->sink(j->ctx, c);
	j->depth++;
	*comma_slot(j) = false;
	if (j->depth < JSON_MAX_DEPTH)
		j->closer[j->depth] = c == '[' ? ']' : '}';
}

static void json_close(struct json *j, char c)
{
	j->sink(j->ctx, c);
	if (j->depth > 0)
		j->depth--;
	/* Back in a shared slot: the container just closed was a member there. */
	if (j->depth >= JSON_MAX_DEPTH - 1)
		*comma_slot(j) = true;
}

void json_begin(struct json *j, fmt_sink sink, void *ctx)
{
	j->sink = sink;
	j->ctx = ctx;
	j->depth = 0;
	j->need_comma[0] = false;
	j->sink(j->ctx, '{');
	j->depth = 1;
	j->need_comma[1] = false;
	j->closer[1] = '}';
}

void json_end(struct json *j)
{
	/* Close whatever the caller left open, each with its own kind of bracket. */
	while (j->depth > 0)
		json_close(j, j->depth < JSON_MAX_DEPTH ? j->closer[j->depth] : '}');
	out(j, "\n");
}

void json_str(struct json *j, const char *key, const char *val)
{
	member(j, key);
	out_string(j, val);
}

void json_u64(struct json *j, const char *key, uint64_t val)
{
	member(j, key);
	out_fmt(j, "%llu", (unsigned long long)val);
}

void json_null(struct json *j, const char *key)
{
	member(j, key);
	out_fmt(j, "null");
}

void json_i64(struct json *j, const char *key, int64_t val)
{
	member(j, key);
	out_fmt(j, "%lld", (long long)val);
}

void json_hex(struct json *j, const char *key, uint64_t val)
{
	member(j, key);
	out_fmt(j, "\"0x%llx\"", (unsigned long long)val);
}

void json_bool(struct json *j, const char *key, bool val)
{
	member(j, key);
	out(j, val ? "true" : "false");
}

void json_obj_begin(struct json *j, const char *key)
{
	json_open(j, key, '{');
}

void json_obj_end(struct json *j)
{
	json_close(j, '}');
}

void json_arr_begin(struct json *j, const char *key)
{
	json_open(j, key, '[');
}

void json_arr_end(struct json *j)
{
	json_close(j, ']');
}
