// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * Host tests of the streaming JSON writer: exact output for every member type, escaping per
 * RFC 8259, nesting (also past JSON_MAX_DEPTH), and a small validator run over the results.
 */
#include <stdbool.h>
#include <stdint.h>

#include "monitor/json.h"
#include "test.h"

static char out[8192];
static size_t out_len;

static void sink(void *ctx, char c)
{
	(void)ctx;
	if (out_len < sizeof(out) - 1)
		out[out_len++] = c;
	out[out_len] = '\0';
}

static void start(struct json *j)
{
	out_len = 0;
	out[0] = '\0';
	memset(j, 0x5a, sizeof(*j)); /* json_begin must not rely on zeroed memory */
	json_begin(j, sink, NULL);
}

/* A strict RFC 8259 validator (ASCII output only, which is all the writer produces). */
static const char *vp;

static void ws(void)
{
	while (*vp == ' ' || *vp == '\t' || *vp == '\n' || *vp == '\r')
		vp++;
}

static bool value(int depth);

static bool string(void)
{
	if (*vp++ != '"')
		return false;
	while (*vp != '"') {
		unsigned char c = (unsigned char)*vp++;

		if (c < 0x20 || c >= 0x7f)
			return false;
		if (c == '\\') {
			c = (unsigned char)*vp++;
			if (c == 'u') {
				for (int i = 0; i < 4; i++, vp++)
					if (!((*vp >= '0' && *vp <= '9') ||
					      (*vp >= 'a' && *vp <= 'f') ||
					      (*vp >= 'A' && *vp <= 'F')))
						return false;
			} else if (!strchr("\"\\/bfnrt", c) || !c) {
				return false;
			}
		}
	}
	vp++;
	return true;
}

static bool number(void)
{
	if (*vp == '-')
		vp++;
	if (*vp == '0')
		vp++;
	else if (*vp >= '1' && *vp <= '9')
		while (*vp >= '0' && *vp <= '9')
			vp++;
	else
		return false;
	return true; /* the writer never emits fractions or exponents */
}

static bool container(int depth, char open, char close)
{
	bool first = true;

	if (*vp++ != open || depth > 100)
		return false;
	ws();
	if (*vp == close) {
		vp++;
		return true;
	}
	for (;;) {
		if (!first) {
			if (*vp++ != ',')
				return false;
			ws();
		}
		first = false;
		if (open == '{') {
			if (!string())
				return false;
			ws();
			if (*vp++ != ':')
				return false;
			ws();
		}
		if (!value(depth + 1))
			return false;
		ws();
		if (*vp == close) {
			vp++;
			return true;
		}
	}
}

static bool value(int depth)
{
	switch (*vp) {
	case '{':
		return container(depth, '{', '}');
	case '[':
		return container(depth, '[', ']');
	case '"':
		return string();
	case 't':
		return strncmp(vp, "true", 4) == 0 && (vp += 4);
	case 'f':
		return strncmp(vp, "false", 5) == 0 && (vp += 5);
	case 'n':
		return strncmp(vp, "null", 4) == 0 && (vp += 4);
	default:
		return number();
	}
}

/* One object, then exactly one newline, then the end. */
static bool valid_line(const char *s)
{
	vp = s;
	if (*vp != '{' || !value(0))
		return false;
	return vp[0] == '\n' && vp[1] == '\0';
}

static void test_validator(void)
{
	/* The validator must itself be able to say no. */
	CHECK(valid_line("{\"a\":[1,{\"b\":\"\\u00e9\"}],\"c\":true}\n"));
	CHECK(!valid_line("{\"a\":1,}\n"));
	CHECK(!valid_line("{\"a\":1\"b\":2}\n"));
	CHECK(!valid_line("{\"a\":[1}\n"));
	CHECK(!valid_line("{\"a\":\"\x01\"}\n"));
	CHECK(!valid_line("{\"a\":1}"));
	CHECK(!valid_line("{\"a\":01}\n"));
	CHECK(!valid_line("{\"a\":\"\\x\"}\n"));
}

static void test_scalars(void)
{
	struct json j;

	start(&j);
	json_end(&j);
	CHECK_STR(out, "{}\n");

	start(&j);
	json_u64(&j, "a", 1);
	json_i64(&j, "b", -5);
	json_hex(&j, "c", 0xff);
	json_bool(&j, "d", true);
	json_bool(&j, "e", false);
	json_str(&j, "f", "text");
	json_u64(&j, "max", UINT64_MAX);
	json_i64(&j, "min", INT64_MIN);
	json_hex(&j, "h0", 0);
	json_str(&j, "null", NULL);
	json_null(&j, "n");
	json_end(&j);
	CHECK_STR(out, "{\"a\":1,\"b\":-5,\"c\":\"0xff\",\"d\":true,\"e\":false,\"f\":\"text\","
		       "\"max\":18446744073709551615,\"min\":-9223372036854775808,\"h0\":\"0x0\","
		       "\"null\":\"\",\"n\":null}\n");
	CHECK(valid_line(out));
}

static void test_escaping(void)
{
	struct json j;

	start(&j);
	json_str(&j, "q", "say \"hi\"");
	json_str(&j, "bs", "C:\\dir\\");
	json_str(&j, "ctl", "a\nb\tc\r\x01\x1f");
	json_str(&j, "del", "\x7f");
	json_str(&j, "utf8", "caf\xc3\xa9");
	json_str(&j, "k\"e\\y\n", "v");
	json_str(&j, "slash", "/");
	json_end(&j);
	CHECK_STR(out,
		  "{\"q\":\"say \\\"hi\\\"\",\"bs\":\"C:\\\\dir\\\\\","
		  "\"ctl\":\"a\\u000ab\\u0009c\\u000d\\u0001\\u001f\",\"del\":\"\\u007f\","
		  "\"utf8\":\"caf\\u00c3\\u00a9\",\"k\\\"e\\\\y\\u000a\":\"v\",\"slash\":\"/\"}\n");
	CHECK(valid_line(out));

	/* Every byte value comes out as valid JSON. */
	for (int c = 1; c < 256; c++) {
		char s[4] = { 'x', (char)c, 'y', 0 };

		start(&j);
		json_str(&j, s, s);
		json_end(&j);
		if (!valid_line(out)) {
			fprintf(stderr, "  byte 0x%02x: %s", c, out);
			test_failures_in_case++;
		}
	}
}

static void test_nesting(void)
{
	struct json j;

	start(&j);
	json_obj_begin(&j, "cpu");
	json_u64(&j, "id", 0);
	json_arr_begin(&j, "regs");
	json_u64(&j, NULL, 1);
	json_str(&j, NULL, "x");
	json_obj_begin(&j, NULL);
	json_obj_end(&j);
	json_arr_begin(&j, NULL);
	json_arr_end(&j);
	json_obj_begin(&j, NULL);
	json_bool(&j, "k", true);
	json_obj_end(&j);
	json_arr_end(&j);
	json_obj_end(&j);
	json_arr_begin(&j, "empty");
	json_arr_end(&j);
	json_u64(&j, "after", 2);
	json_end(&j);
	CHECK_STR(out, "{\"cpu\":{\"id\":0,\"regs\":[1,\"x\",{},[],{\"k\":true}]},\"empty\":[],"
		       "\"after\":2}\n");
	CHECK(valid_line(out));

	/* json_end closes objects still open. */
	start(&j);
	json_obj_begin(&j, "a");
	json_obj_begin(&j, "b");
	json_u64(&j, "c", 3);
	json_end(&j);
	CHECK_STR(out, "{\"a\":{\"b\":{\"c\":3}}}\n");
	CHECK_EQ_U64(j.depth, 0);
}

/* Nest 'levels' arrays inside the top object, with siblings at every level on the way out. */
static void deep(struct json *j, int levels)
{
	start(j);
	for (int i = 0; i < levels; i++) {
		json_u64(j, i ? NULL : "x", (uint64_t)i);
		json_arr_begin(j, i ? NULL : "deep");
	}
	for (int i = levels - 1; i >= 0; i--) {
		json_u64(j, NULL, (uint64_t)i);
		json_arr_end(j);
		json_u64(j, i ? NULL : "y", 100 + (uint64_t)i);
	}
	json_end(j);
}

static void test_deep(void)
{
	struct json j;

	deep(&j, 2);
	CHECK_STR(out, "{\"x\":0,\"deep\":[1,[1],101,0],\"y\":100}\n");
	for (int levels = 1; levels <= 3 * JSON_MAX_DEPTH; levels++) {
		size_t opens = 0, closes = 0;

		deep(&j, levels);
		for (size_t i = 0; i < out_len; i++) {
			opens += out[i] == '[' || out[i] == '{';
			closes += out[i] == ']' || out[i] == '}';
		}
		if (!valid_line(out) || opens != closes || opens != (size_t)levels + 1) {
			fprintf(stderr, "  %d levels: %s", levels, out);
			test_failures_in_case++;
		}
	}
}

int main(void)
{
	RUN(test_validator);
	RUN(test_scalars);
	RUN(test_escaping);
	RUN(test_nesting);
	RUN(test_deep);
	return TEST_SUMMARY();
}
