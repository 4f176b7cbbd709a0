/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* A streaming JSON writer: one object per line for `--json` output. Portable. */
#ifndef MONITOR_JSON_H
#define MONITOR_JSON_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/lib/fmt.h"

#define JSON_MAX_DEPTH 8

struct json {
	fmt_sink sink;
	void *ctx;
	int depth;
	bool need_comma[JSON_MAX_DEPTH];
	char closer[JSON_MAX_DEPTH]; /* ']' or '}' for each open container, for json_end() */
};

/* Start the top-level object. */
void json_begin(struct json *j, fmt_sink sink, void *ctx);
/* Close the top-level object and end the line. */
void json_end(struct json *j);
/* Members; 'key' is NULL inside an array. Strings are escaped per RFC 8259. */
void json_str(struct json *j, const char *key, const char *val);
void json_u64(struct json *j, const char *key, uint64_t val);
void json_i64(struct json *j, const char *key, int64_t val);
void json_hex(struct json *j, const char *key, uint64_t val); /* "0x..." string */
void json_bool(struct json *j, const char *key, bool val);
void json_null(struct json *j, const char *key); /* a value that does not exist here */
void json_obj_begin(struct json *j, const char *key);
void json_obj_end(struct json *j);
void json_arr_begin(struct json *j, const char *key);
void json_arr_end(struct json *j);

#endif
