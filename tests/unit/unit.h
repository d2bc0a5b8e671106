/* A minimal test harness: CHECK fails the program with file:line. */
#ifndef UNIT_H
#define UNIT_H

#include <stdio.h>
#include <stdlib.h>

static int unit_checks;

#define CHECK(cond)                                                              \
	do {                                                                     \
		unit_checks++;                                                   \
		if (!(cond)) {                                                   \
			fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
			exit(1);                                                 \
		}                                                                \
	} while (0)

#define UNIT_DONE(name) (printf("ok %s: %d checks\n", name, unit_checks), 0)

#endif
