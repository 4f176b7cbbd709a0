// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * Line editing: printable ASCII is inserted at the end, Backspace/DEL erase, Ctrl-U clears,
 * Ctrl-C cancels, Up/Down (ESC [ A / ESC [ B, or ESC O A/B) walk the history. Every other control
 * byte and every escape sequence is swallowed, so noise on the line cannot confuse the shell.
 */
#include "monitor/line.h"

#define CTRL_C	0x03
#define CTRL_H	0x08
#define CTRL_U	0x15
#define ESC	0x1b
#define DEL	0x7f
#define CSI_MAX 16 /* longest escape sequence we bother to parse before giving up */

static void echo(struct line_editor *le, const char *s, size_t n)
{
	if (le->echo)
		le->echo(le->ctx, s, n);
}

static void echo_str(struct line_editor *le, const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	echo(le, s, n);
}

static void copy_line(char *dst, const char *src)
{
	size_t i = 0;

	/* src is NUL-terminated: the loop stops there, even for a one-byte "" literal. */
	// cppcheck-suppress arrayIndexOutOfBoundsCond
	for (; i < LINE_MAX - 1 && src[i]; i++)
		dst[i] = src[i];
	dst[i] = '\0';
}

void line_reset(struct line_editor *le)
{
	le->len = 0;
	le->dropped = 0;
	le->overflow = false;
	le->buf[0] = '\0';
	le->state = LE_NORMAL;
	le->hist_pos = -1;
}

void line_init(struct line_editor *le, const char *prompt, line_echo_fn fn, void *ctx)
{
	le->hist_count = 0;
	le->hist_next = 0;
	le->last_cr = false;
	le->prompt = prompt;
	le->echo = fn;
	le->ctx = ctx;
	line_reset(le);
}

void line_history_add(struct line_editor *le, const char *line)
{
	unsigned int newest = (le->hist_next + LINE_HISTORY - 1) % LINE_HISTORY;
	size_t i;

	if (!line[0])
		return;
	if (le->hist_count) {
		for (i = 0; line[i] && line[i] == le->hist[newest][i]; i++)
			;
		if (!line[i] && !le->hist[newest][i])
			return;
	}
	copy_line(le->hist[le->hist_next], line);
	le->hist_next = (le->hist_next + 1) % LINE_HISTORY;
	if (le->hist_count < LINE_HISTORY)
		le->hist_count++;
}

/* Replace the visible line with 's': clear the terminal line, reprint the prompt and text. */
static void redraw(struct line_editor *le, const char *s)
{
	copy_line(le->buf, s);
	le->len = 0;
	while (le->buf[le->len])
		le->len++;
	le->dropped = 0;
	echo_str(le, "\r\x1b[K");
	if (le->prompt)
		echo_str(le, le->prompt);
	echo(le, le->buf, le->len);
}

static void history_step(struct line_editor *le, int dir)
{
	int pos = le->hist_pos + dir;

	if (pos < -1 || pos >= (int)le->hist_count)
		return;
	le->hist_pos = pos;
	if (pos == -1) {
		redraw(le, "");
		return;
	}
	redraw(le, le->hist[(le->hist_next + LINE_HISTORY - 1 - (unsigned int)pos) % LINE_HISTORY]);
}

enum line_event line_feed(struct line_editor *le, char c);

static enum line_event feed_escape(struct line_editor *le, char c)
{
	/*
	 * A control byte ends any escape sequence and then counts as itself: a stray ESC must not
	 * eat the Enter or Ctrl-C that follows it.
	 */
	if ((unsigned char)c < 0x20) {
		le->state = LE_NORMAL;
		return line_feed(le, c);
	}
	if (le->state == LE_ESC) {
		if (c == '[' || c == 'O') {
			le->state = LE_CSI;
			le->csi_len = 0;
		} else {
			le->state = LE_NORMAL; /* ESC x: drop both */
		}
		return LINE_NONE;
	}
	/* CSI: parameter and intermediate bytes 0x20-0x3f, then a final byte 0x40-0x7e. */
	if ((unsigned char)c >= 0x40 && (unsigned char)c <= 0x7e) {
		le->state = LE_NORMAL;
		if (le->csi_len == 0 && c == 'A')
			history_step(le, 1);
		else if (le->csi_len == 0 && c == 'B')
			history_step(le, -1);
		return LINE_NONE;
	}
	if ((unsigned char)c > 0x3f || ++le->csi_len > CSI_MAX)
		le->state = LE_NORMAL; /* malformed or endless: stop swallowing */
	return LINE_NONE;
}

enum line_event line_feed(struct line_editor *le, char c)
{
	bool was_cr = le->last_cr;

	le->last_cr = false;
	if (le->state != LE_NORMAL)
		return feed_escape(le, c);
	switch (c) {
	case '\r':
	case '\n':
		if (c == '\n' && was_cr)
			return LINE_NONE; /* second half of CR LF */
		le->last_cr = c == '\r';
		echo_str(le, "\r\n");
		le->buf[le->len] = '\0';
		le->overflow = le->dropped > 0;
		return LINE_DONE;
	case CTRL_C:
		echo_str(le, "^C\r\n");
		le->len = 0;
		le->buf[0] = '\0';
		return LINE_CANCEL;
	case CTRL_U:
		le->hist_pos = -1;
		redraw(le, "");
		return LINE_NONE;
	case CTRL_H:
	case DEL:
		if (le->dropped) {
			le->dropped--;
		} else if (le->len) {
			le->len--;
			echo_str(le, "\b \b");
		}
		return LINE_NONE;
	case ESC:
		le->state = LE_ESC;
		return LINE_NONE;
	default:
		break;
	}
	if ((unsigned char)c < 0x20 || (unsigned char)c > 0x7e)
		return LINE_NONE; /* other control bytes and non-ASCII are ignored */
	if (le->len >= LINE_MAX - 1) {
		if (!le->dropped)
			echo_str(le, "\a"); /* bell, once: the line is full */
		if (le->dropped < (size_t)-1)
			le->dropped++;
		return LINE_NONE;
	}
	le->buf[le->len++] = c;
	echo(le, &c, 1);
	return LINE_NONE;
}
