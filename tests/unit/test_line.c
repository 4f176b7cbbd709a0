// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * Host tests of the monitor's line editor: editing keys, line endings, overflow, escape
 * sequences, the history ring, and a byte fuzz that must never break the buffer's bounds.
 */
#include <stdint.h>
#include <stdlib.h>

#include "monitor/line.h"
#include "test.h"

/* Everything the editor echoed since the last clear. */
static char echoed[1 << 16];
static size_t echoed_len;

static void capture(void *ctx, const char *s, size_t n)
{
	(void)ctx;
	for (size_t i = 0; i < n; i++) {
		if (echoed_len < sizeof(echoed) - 1)
			echoed[echoed_len] = s[i];
		echoed_len++;
	}
	echoed[echoed_len < sizeof(echoed) ? echoed_len : sizeof(echoed) - 1] = '\0';
}

static void clear_echo(void)
{
	echoed_len = 0;
	echoed[0] = '\0';
}

static size_t count_char(const char *s, size_t n, char c)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		k += s[i] == c;
	return k;
}

/* Feed 'n' bytes; returns the last event that was not LINE_NONE (or LINE_NONE). */
static enum line_event feed_n(struct line_editor *le, const char *s, size_t n)
{
	enum line_event last = LINE_NONE;

	for (size_t i = 0; i < n; i++) {
		enum line_event e = line_feed(le, s[i]);

		if (e != LINE_NONE)
			last = e;
	}
	return last;
}

static enum line_event feed(struct line_editor *le, const char *s)
{
	return feed_n(le, s, strlen(s));
}

static void setup(struct line_editor *le, const char *prompt)
{
	memset(le, 0xa5, sizeof(*le)); /* line_init must not rely on zeroed memory */
	line_init(le, prompt, capture, NULL);
	clear_echo();
}

static void test_insert_echo(void)
{
	struct line_editor le;

	setup(&le, "> ");
	CHECK_EQ_U64(feed(&le, "ls -l /x"), LINE_NONE);
	CHECK_EQ_U64(le.len, 8);
	CHECK_STR(echoed, "ls -l /x");
	CHECK_EQ_U64(line_feed(&le, '\r'), LINE_DONE);
	CHECK_STR(le.buf, "ls -l /x");
	CHECK(!le.overflow);
	CHECK_STR(echoed, "ls -l /x\r\n");

	/* Other control bytes and bytes >= 0x7f (DEL aside) are ignored, not echoed. */
	line_reset(&le);
	clear_echo();
	CHECK_EQ_U64(feed(&le, "a\x01\x02\x07\tb\x80\xff\xc3\xa9"), LINE_NONE);
	CHECK_EQ_U64(le.len, 2);
	CHECK_STR(echoed, "ab");
	/* A null editor echo callback is allowed. */
	line_init(&le, NULL, NULL, NULL);
	CHECK_EQ_U64(feed(&le, "q\x7f"
			       "z\n"),
		     LINE_DONE);
	CHECK_STR(le.buf, "z");
}

static void test_backspace_ctrl(void)
{
	struct line_editor le;

	setup(&le, "> ");
	feed(&le, "abc\b\x7f");
	CHECK_EQ_U64(le.len, 1);
	CHECK_STR(echoed, "abc\b \b\b \b");
	/* Erasing past the start does nothing and echoes nothing. */
	clear_echo();
	feed(&le, "\b\b\x7f");
	CHECK_EQ_U64(le.len, 0);
	CHECK_STR(echoed, "\b \b");
	feed(&le, "xyz");
	CHECK_EQ_U64(line_feed(&le, '\n'), LINE_DONE);
	CHECK_STR(le.buf, "xyz");

	/* Ctrl-U clears the line and redraws the prompt. */
	line_reset(&le);
	feed(&le, "hello");
	clear_echo();
	CHECK_EQ_U64(line_feed(&le, 0x15), LINE_NONE);
	CHECK_EQ_U64(le.len, 0);
	CHECK_STR(echoed, "\r\x1b[K> ");
	feed(&le, "hi\r");
	CHECK_STR(le.buf, "hi");

	/* Ctrl-C abandons the line. */
	line_reset(&le);
	feed(&le, "rm");
	clear_echo();
	CHECK_EQ_U64(line_feed(&le, 0x03), LINE_CANCEL);
	CHECK_STR(echoed, "^C\r\n");
	CHECK_EQ_U64(le.len, 0);
	CHECK_STR(le.buf, "");
}

static void test_line_endings(void)
{
	struct line_editor le;
	int done = 0;
	const char *input = "a\rb\nc\r\nd\n\re\r\r\nf";
	static const char *const want[] = { "a", "b", "c", "d", "", "e", "" };

	setup(&le, NULL);
	for (const char *p = input; *p; p++) {
		enum line_event e = line_feed(&le, *p);

		if (e == LINE_DONE) {
			if (done < 7)
				CHECK_STR(le.buf, want[done]);
			done++;
			line_reset(&le);
		}
	}
	/* CR LF counts once; LF CR and CR CR count twice. */
	CHECK_EQ_U64(done, 7);
	CHECK_STR(echoed, "a\r\nb\r\nc\r\nd\r\n\r\ne\r\n\r\nf");
	/* A LF long after a CR (something else in between) is a line end of its own. */
	line_reset(&le);
	CHECK_EQ_U64(feed(&le, "\rx\n"), LINE_DONE);
	CHECK_STR(le.buf, "x");
}

static void test_overflow(void)
{
	struct line_editor le;
	char longline[400];

	for (size_t i = 0; i < sizeof(longline); i++)
		longline[i] = (char)('a' + i % 26);
	setup(&le, NULL);
	feed_n(&le, longline, 300);
	CHECK_EQ_U64(le.len, LINE_MAX - 1);
	CHECK_EQ_U64(le.dropped, 45);
	CHECK_EQ_U64(count_char(echoed, echoed_len, '\a'), 1);
	CHECK_EQ_U64(echoed_len, 255 + 1); /* the kept characters and one bell */
	CHECK_EQ_U64(line_feed(&le, '\r'), LINE_DONE);
	CHECK(le.overflow);
	CHECK_EQ_U64(strlen(le.buf), 255);
	CHECK(memcmp(le.buf, longline, 255) == 0);

	/* Backspace first takes back dropped characters, silently; then erases for real. */
	line_reset(&le);
	feed_n(&le, longline, 260);
	CHECK_EQ_U64(le.dropped, 5);
	clear_echo();
	feed(&le, "\b\b\b\b\b");
	CHECK_EQ_U64(le.dropped, 0);
	CHECK_EQ_U64(le.len, 255);
	CHECK_EQ_U64(echoed_len, 0);
	feed(&le, "\b");
	CHECK_EQ_U64(le.len, 254);
	CHECK_STR(echoed, "\b \b");
	/* Full again: the bell rings again once, since the overflow was taken back. */
	clear_echo();
	feed(&le, "XYZ");
	CHECK_EQ_U64(le.len, 255);
	CHECK_EQ_U64(le.dropped, 2);
	CHECK_STR(echoed, "X\a");
	CHECK_EQ_U64(line_feed(&le, '\n'), LINE_DONE);
	CHECK(le.overflow);
	CHECK_EQ_U64(le.buf[254], 'X');

	/* Dropped characters all erased before Enter: not an overflow. */
	line_reset(&le);
	feed_n(&le, longline, 257);
	feed(&le, "\b\b\r");
	CHECK(!le.overflow);
	CHECK_EQ_U64(strlen(le.buf), 255);
	/* A reset clears the overflow state. */
	line_reset(&le);
	CHECK(!le.overflow);
	CHECK_EQ_U64(le.dropped, 0);
}

static void test_history_keys(void)
{
	struct line_editor le;

	setup(&le, "$ ");
	/* No history: Up and Down do nothing at all. */
	feed(&le, "\x1b[A\x1b[B\x1bOA");
	CHECK_EQ_U64(le.len, 0);
	CHECK_EQ_U64(echoed_len, 0);

	line_history_add(&le, "first");
	line_history_add(&le, "second");
	line_history_add(&le, "third");
	CHECK_EQ_U64(le.hist_count, 3);
	feed(&le, "typed");
	clear_echo();
	feed(&le, "\x1b[A");
	CHECK_STR(le.buf, "third");
	CHECK_EQ_U64(le.len, 5);
	CHECK_STR(echoed, "\r\x1b[K$ third");
	feed(&le, "\x1bOA"); /* SS3 form, as sent in application cursor mode */
	CHECK_STR(le.buf, "second");
	feed(&le, "\x1b[A");
	CHECK_STR(le.buf, "first");
	/* Past the oldest: stays, no redraw. */
	clear_echo();
	feed(&le, "\x1b[A\x1b[A");
	CHECK_STR(le.buf, "first");
	CHECK_EQ_U64(echoed_len, 0);
	feed(&le, "\x1b[B");
	CHECK_STR(le.buf, "second");
	feed(&le, "\x1bOB\x1b[B");
	CHECK_EQ_U64(le.len, 0);
	CHECK_STR(le.buf, "");
	CHECK_EQ_U64(le.hist_pos, -1);
	clear_echo();
	feed(&le, "\x1b[B");
	CHECK_EQ_U64(echoed_len, 0);
	/* A recalled line can be edited and entered. */
	feed(&le, "\x1b[A\x1b[A\bX");
	CHECK_EQ_U64(line_feed(&le, '\r'), LINE_DONE);
	CHECK_STR(le.buf, "seconX");

	/* Ctrl-U after recalling returns to the newest end of the history. */
	line_reset(&le);
	feed(&le, "\x1b[A\x1b[A\x15\x1b[A");
	CHECK_STR(le.buf, "third");
	/* Recalling a line clears a pending overflow. */
	line_reset(&le);
	for (int i = 0; i < 300; i++)
		line_feed(&le, 'o');
	CHECK(le.dropped > 0);
	feed(&le, "\x1b[A");
	CHECK_EQ_U64(le.dropped, 0);
	CHECK_EQ_U64(line_feed(&le, '\r'), LINE_DONE);
	CHECK(!le.overflow);
	CHECK_STR(le.buf, "third");
}

static void test_history_ring(void)
{
	struct line_editor le;
	char name[16], longname[300];

	setup(&le, NULL);
	line_history_add(&le, "");
	CHECK_EQ_U64(le.hist_count, 0);
	line_history_add(&le, "a");
	line_history_add(&le, "a");
	CHECK_EQ_U64(le.hist_count, 1);
	line_history_add(&le, "ab");
	line_history_add(&le, "a");
	CHECK_EQ_U64(le.hist_count, 3); /* only a repeat of the newest is skipped */

	setup(&le, NULL);
	for (int i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "cmd%d", i);
		line_history_add(&le, name);
	}
	CHECK_EQ_U64(le.hist_count, LINE_HISTORY);
	for (int i = 19; i >= 4; i--) {
		feed(&le, "\x1b[A");
		snprintf(name, sizeof(name), "cmd%d", i);
		CHECK_STR(le.buf, name);
	}
	feed(&le, "\x1b[A");
	CHECK_STR(le.buf, "cmd4"); /* the four oldest were overwritten */
	for (int i = 5; i <= 19; i++) {
		feed(&le, "\x1b[B");
		snprintf(name, sizeof(name), "cmd%d", i);
		CHECK_STR(le.buf, name);
	}
	/* The dedup check looks at the newest slot across the wrap point. */
	line_history_add(&le, "cmd19");
	CHECK_EQ_U64(le.hist_next, 20 % LINE_HISTORY);

	/* Entries longer than a line are cut to 255 characters. */
	memset(longname, 'L', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	line_reset(&le);
	line_history_add(&le, longname);
	feed(&le, "\x1b[A");
	CHECK_EQ_U64(le.len, 255);
	CHECK_EQ_U64(strlen(le.buf), 255);
}

static void test_escape_sequences(void)
{
	struct line_editor le;

	setup(&le, NULL);
	line_history_add(&le, "hist");
	/* Cursor keys with modifiers, function keys, Delete, Home/End: swallowed whole. */
	CHECK_EQ_U64(feed(&le, "a\x1b[1;5Cb\x1b[3~c\x1b[15~d\x1bOHe\x1b[Ff\x1b[C\x1b[D"),
		     LINE_NONE);
	CHECK_STR(echoed, "abcdef");
	/* ESC [ 1 A has a parameter: not a plain Up. */
	feed(&le, "\x1b[1A");
	CHECK_EQ_U64(le.len, 6);
	CHECK_EQ_U64(line_feed(&le, '\r'), LINE_DONE);
	CHECK_STR(le.buf, "abcdef");

	/* ESC followed by a printable byte other than '[' or 'O' drops both bytes. */
	line_reset(&le);
	clear_echo();
	feed(&le, "\x1bxy\x1bz[A");
	CHECK_STR(echoed, "y[A");
	CHECK_EQ_U64(le.len, 3);

	/* A second ESC starts a new sequence: ESC ESC [ A is still Up (history recall). */
	line_reset(&le);
	clear_echo();
	feed(&le, "\x1b\x1b[A");
	CHECK_STR(le.buf, "hist");

	/* A control byte inside a sequence is not lost: ESC then Enter ends the line. */
	line_reset(&le);
	feed(&le, "ab\x1b");
	CHECK_EQ_U64(line_feed(&le, '\r'), LINE_DONE);
	CHECK_STR(le.buf, "ab");
	line_reset(&le);
	feed(&le, "ab\x1b[1");
	CHECK_EQ_U64(line_feed(&le, 0x03), LINE_CANCEL);

	/* A sequence broken by a control byte ends there. */
	line_reset(&le);
	feed(&le, "\x1b[12\x01z");
	CHECK_EQ_U64(le.state, LE_NORMAL);
	CHECK_EQ_U64(le.len, 1);
	CHECK_EQ_U64(le.buf[0], 'z');

	/* An endless parameter string is given up after a bound: input flows again. */
	line_reset(&le);
	line_feed(&le, 0x1b);
	line_feed(&le, '[');
	for (int i = 0; i < 1000; i++)
		line_feed(&le, '0' + i % 10);
	CHECK_EQ_U64(le.state, LE_NORMAL);
	feed(&le, "\x15ok");
	CHECK_EQ_U64(line_feed(&le, '\r'), LINE_DONE);
	CHECK_STR(le.buf, "ok");

	/* Non-ASCII bytes in a sequence are malformed too. */
	line_reset(&le);
	feed(&le, "\x1b[\xc3q");
	CHECK_EQ_U64(le.state, LE_NORMAL);
	CHECK_STR((le.buf[le.len] = '\0', le.buf), "q");

	/* A line can still be finished straight after a complete sequence. */
	line_reset(&le);
	CHECK_EQ_U64(feed(&le, "\x1b[Z\r"), LINE_DONE);
	CHECK_STR(le.buf, "");
}

/* xorshift64*: fixed seed, reproducible. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static unsigned char pick_byte(void)
{
	static const char interesting[] = "\x1b[OAB~;0123\r\n\b\x7f\x03\x15 ";
	uint64_t r = rnd();

	switch (r % 4) {
	case 0:
		return (unsigned char)(r >> 8);
	case 1:
		return (unsigned char)interesting[(r >> 8) % (sizeof(interesting) - 1)];
	default:
		return (unsigned char)(0x20 + (r >> 8) % 95);
	}
}

static void test_fuzz(void)
{
	struct line_editor le;
	unsigned int dones = 0, cancels = 0, bad = 0;

	setup(&le, "fuzz> ");
	for (int i = 0; i < 400000; i++) {
		enum line_event e = line_feed(&le, (char)pick_byte());

		if (le.len > LINE_MAX - 1 || le.hist_count > LINE_HISTORY ||
		    le.hist_next >= LINE_HISTORY || le.hist_pos < -1 ||
		    le.hist_pos >= (int)le.hist_count)
			bad++;
		if (e == LINE_DONE) {
			const char *nul = memchr(le.buf, '\0', LINE_MAX);
			size_t n = nul ? (size_t)(nul - le.buf) : LINE_MAX;

			dones++;
			if (n != le.len || n == LINE_MAX)
				bad++;
			for (size_t k = 0; k < n; k++)
				if ((unsigned char)le.buf[k] < 0x20 ||
				    (unsigned char)le.buf[k] > 0x7e)
					bad++;
			if (le.overflow != (le.dropped > 0))
				bad++;
			line_history_add(&le, le.buf);
			line_reset(&le);
		} else if (e == LINE_CANCEL) {
			cancels++;
			line_reset(&le);
		}
		if (echoed_len > sizeof(echoed) / 2)
			clear_echo();
	}
	CHECK_EQ_U64(bad, 0);
	CHECK(dones > 1000);
	CHECK(cancels > 100);
	CHECK_EQ_U64(le.hist_count, LINE_HISTORY);
	/* Still responsive after all that. */
	feed(&le, "\x03");
	line_reset(&le);
	/* ESC ESC drops both; the third ESC starts an Up that recalls the newest line. */
	CHECK_EQ_U64(feed(&le, "\x1b\x1b\x1b["
			       "A\r"),
		     LINE_DONE);
	CHECK_EQ_U64(le.len, strlen(le.hist[(le.hist_next + LINE_HISTORY - 1) % LINE_HISTORY]));
	line_reset(&le);
	CHECK_EQ_U64(feed(&le, "end\r"), LINE_DONE);
	CHECK_STR(le.buf, "end");
}

int main(void)
{
	RUN(test_insert_echo);
	RUN(test_backspace_ctrl);
	RUN(test_line_endings);
	RUN(test_overflow);
	RUN(test_history_keys);
	RUN(test_history_ring);
	RUN(test_escape_sequences);
	RUN(test_fuzz);
	return TEST_SUMMARY();
}
