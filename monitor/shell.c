// SPDX-License-Identifier: BSD-2-Clause-Patent
/*
 * The monitor shell: read a line with the line editor, split it, find the command in the
 * registered table and run it under exc_try(), so a fault inside a command prints its dump and
 * comes back to the prompt.
 */
#include "monitor/shell.h"

#include <stdarg.h>
#include <stddef.h>

#include "kernel/arch/arch.h"
#include "kernel/console.h"
#include "kernel/lib/err.h"
#include "kernel/exception.h"
#include "kernel/hyp.h"
#include "kernel/init.h"
#include "kernel/vmm/vm.h"
#include "kernel/vmm/vm_guest.h"
#include "monitor/cmd_vm.h"
#include "monitor/line.h"
#include "kernel/lib/parse.h"

extern const struct shell_cmd __start_shell_cmds[], __stop_shell_cmds[];

static struct line_editor shell_le;
static bool error_printed;

/*
 * __start_shell_cmds and __stop_shell_cmds bound one linker section: comparing them is the
 * point, though to C (and cppcheck) they look like two different objects.
 */
static const struct shell_cmd *find_cmd(const char *name)
{
	// cppcheck-suppress comparePointers
	for (const struct shell_cmd *c = __start_shell_cmds; c < __stop_shell_cmds; c++)
		if (str_eq(c->name, name))
			return c;
	return NULL;
}

int shell_error(int err, const char *fmt, ...)
{
	va_list ap;

	console_puts("error: ");
	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
	console_puts("\n");
	error_printed = true;
	return err < 0 ? err : E_INVAL;
}

int shell_fail(int err, const struct err_why *why, const char *what, ...)
{
	va_list ap;

	console_puts("error: ");
	va_start(ap, what);
	vprintk(what, ap);
	va_end(ap);
	printk(": %s\n", err_why_str(why, err));
	error_printed = true;
	return err < 0 ? err : E_INVAL;
}

bool shell_take_json(int *argc, char **argv)
{
	bool found = false;
	int out = 0;

	for (int i = 0; i < *argc; i++) {
		if (i > 0 && str_eq(argv[i], "--json"))
			found = true;
		else
			argv[out++] = argv[i];
	}
	*argc = out;
	return found;
}

static void console_sink(void *ctx, char c)
{
	(void)ctx;
	console_putc(c);
}

void shell_json_begin(struct json *j)
{
	json_begin(j, console_sink, NULL);
}

static int name_cmp(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

static int cmd_help(int argc, char **argv)
{
	const struct shell_cmd *c;
	const char *last = "";

	if (argc > 2)
		return shell_error(E_INVAL, "usage: help [command]");
	if (argc == 2) {
		c = find_cmd(argv[1]);
		if (!c)
			return shell_error(E_NOENT, "help: no command '%s' (try 'help')", argv[1]);
		printk("usage: %s %s\n  %s\n", c->name, c->usage, c->summary);
		if (c->help)
			printk("%s\n", c->help);
		return 0;
	}
	/* Alphabetical order without sorting the read-only table: pick the next name each pass. */
	for (;;) {
		const struct shell_cmd *next = NULL;

		// cppcheck-suppress comparePointers
		for (c = __start_shell_cmds; c < __stop_shell_cmds; c++)
			if (name_cmp(c->name, last) > 0 &&
			    (!next || name_cmp(c->name, next->name) < 0))
				next = c;
		if (!next)
			break;
		printk("  %-10s %-24s %s\n", next->name, next->usage, next->summary);
		last = next->name;
	}
	printk("Numbers are decimal or 0x hex. Commands that report state accept --json.\n");
	return 0;
}
SHELL_COMMAND(help, "help", "[command]", "list commands, or show one command's usage", NULL,
	      cmd_help);

struct shell_call {
	const struct shell_cmd *cmd;
	int argc;
	char **argv;
};

static int call_cmd(void *arg)
{
	struct shell_call *call = arg;

	return call->cmd->fn(call->argc, call->argv);
}

static void execute(char *line)
{
	char *argv[SHELL_MAX_ARGS];
	struct shell_call call;
	int argc = parse_args(line, argv, SHELL_MAX_ARGS);
	int ret;

	if (argc == E_TOOLONG) {
		shell_error(E_TOOLONG, "too many arguments (at most %d words)", SHELL_MAX_ARGS);
		return;
	}
	if (argc < 0) {
		shell_error(argc, "unterminated quote");
		return;
	}
	if (argc == 0)
		return;
	call.cmd = find_cmd(argv[0]);
	if (!call.cmd) {
		shell_error(E_NOENT, "unknown command '%s' (try 'help')", argv[0]);
		return;
	}
	call.argc = argc;
	call.argv = argv;
	error_printed = false;
	ret = exc_try(call_cmd, &call);
	if (ret == E_FAULT && !error_printed)
		shell_error(ret, "%s: the command faulted and was abandoned", call.cmd->name);
	else if (ret < 0 && !error_printed)
		shell_error(ret, "%s: %s", call.cmd->name, err_str(ret));
}

/* The line editor speaks to the terminal directly: it already sends "\r\n" itself. */
static void echo(void *ctx, const char *s, size_t n)
{
	(void)ctx;
	console_write_raw(s, n);
}

void shell_run(void)
{
	line_init(&shell_le, SHELL_PROMPT, echo, NULL);
	console_flush_deferred();
	console_puts(SHELL_PROMPT);
	for (;;) {
		int c = console_getc();
		enum line_event ev;

		if (c < 0) {
			vm_service();
			/* Idle: zero a chunk of a stopped VM's RAM, or sleep until input comes. */
			if (!vm_scrub_some())
				console_wait_input();
			continue;
		}
		ev = line_feed(&shell_le, (char)c);
		if (ev == LINE_NONE)
			continue;
		if (ev == LINE_DONE) {
			if (shell_le.overflow) {
				shell_error(E_TOOLONG,
					    "line too long (%zu characters dropped; at most %d)",
					    shell_le.dropped, LINE_MAX - 1);
			} else {
				line_history_add(&shell_le, shell_le.buf);
				execute(shell_le.buf);
			}
		}
		line_reset(&shell_le);
		console_flush_deferred();
		console_puts(SHELL_PROMPT);
	}
}

/*
 * The boot CPU's last step: the guests named on the hypervisor's command line (vm=...), the
 * first one's console attached when it says "attach" (`make run GUEST=...`: until it powers
 * off), then the shell for good.
 */
static void shell_boot(void)
{
	bool attach;
	struct vm *first_vm = vm_boot_from_cmdline(hyp.plat.bootargs, &attach);

	if (first_vm && attach)
		vm_console(first_vm, true);
	shell_run();
}
INIT_STEP(INIT_ENTRY, shell_boot);
