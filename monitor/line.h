/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/*
 * Line editor for a serial terminal: feed it one received byte at a time; it echoes through a
 * callback and reports when a line is complete. Portable (no hardware), tested on the host.
 */
#ifndef MONITOR_LINE_H
#define MONITOR_LINE_H

#include <stdbool.h>
#include <stddef.h>

#define LINE_MAX     256 /* including the terminating NUL: 255 characters */
#define LINE_HISTORY 16

enum line_event {
	LINE_NONE,   /* keep feeding */
	LINE_DONE,   /* Enter: the line is in le->buf (le->overflow says if it was cut) */
	LINE_CANCEL, /* Ctrl-C: the line was abandoned */
};

typedef void (*line_echo_fn)(void *ctx, const char *s, size_t n);

struct line_editor {
	char buf[LINE_MAX];
	size_t len;
	size_t dropped; /* characters typed past the end of buf */
	bool overflow;	/* set with LINE_DONE when dropped > 0 */
	enum { LE_NORMAL, LE_ESC, LE_CSI } state;
	unsigned int csi_len; /* bytes of the current escape sequence, to bound it */
	bool last_cr;	      /* swallow the LF of a CR LF pair */
	char hist[LINE_HISTORY][LINE_MAX];
	unsigned int hist_count; /* entries stored, at most LINE_HISTORY */
	unsigned int hist_next;	 /* slot the next entry goes into */
	int hist_pos;		 /* -1: editing a new line; else entries back from newest */
	const char *prompt;
	line_echo_fn echo;
	void *ctx;
};

void line_init(struct line_editor *le, const char *prompt, line_echo_fn echo, void *ctx);
/* Start a new line (after LINE_DONE or LINE_CANCEL); does not print the prompt. */
void line_reset(struct line_editor *le);
enum line_event line_feed(struct line_editor *le, char c);
/* Add a finished line to the history (empty lines and repeats of the newest are skipped). */
void line_history_add(struct line_editor *le, const char *line);

#endif
