/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Minimal test harness. Each test case prints one line that tests/run.sh
 * counts: "PASS name", "FAIL name" or "SKIP name: reason"; failed checks
 * print their file:line and expression first.
 */
#ifndef BW_CHECK_H
#define BW_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_case_failed __attribute__((unused)), check_any_failed;
static const char *check_skip_reason __attribute__((unused));

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			printf("  %s:%d: check failed: %s\n", __FILE__, __LINE__, \
			       #cond);                                         \
			check_case_failed = 1;                                 \
		}                                                              \
	} while (0)

#define CHECK_EQ(a, b)                                                         \
	do {                                                                   \
		long long _a = (long long)(a), _b = (long long)(b);            \
		if (_a != _b) {                                                \
			printf("  %s:%d: check failed: %s == %s (%lld != %lld)\n", \
			       __FILE__, __LINE__, #a, #b, _a, _b);            \
			check_case_failed = 1;                                 \
		}                                                              \
	} while (0)

#define CHECK_STR(a, b)                                                        \
	do {                                                                   \
		const char *_a = (a), *_b = (b);                               \
		if (strcmp(_a, _b)) {                                          \
			printf("  %s:%d: check failed: %s == \"%s\" (got \"%s\")\n", \
			       __FILE__, __LINE__, #a, _b, _a);                \
			check_case_failed = 1;                                 \
		}                                                              \
	} while (0)

#define SKIP(reason)                                                           \
	do {                                                                   \
		check_skip_reason = (reason);                                  \
		return;                                                        \
	} while (0)

#define RUN(fn)                                                                \
	do {                                                                   \
		check_case_failed = 0;                                         \
		check_skip_reason = NULL;                                      \
		fn();                                                          \
		if (check_skip_reason)                                         \
			printf("SKIP %s: %s\n", #fn, check_skip_reason);      \
		else                                                           \
			printf("%s %s\n", check_case_failed ? "FAIL" : "PASS", #fn); \
		check_any_failed |= check_case_failed;                         \
		fflush(stdout);                                                \
	} while (0)

#define CHECK_EXIT() (check_any_failed ? 1 : 0)

#endif
