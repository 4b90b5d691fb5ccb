/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * TCP SYN classes from p0f's signature file (Debian package p0f,
 * /etc/p0f/p0f.fp, section [tcp:request]). The datapath records each
 * source's SYN traits (struct bw_syn_traits, botwall_abi.h) and attaches them
 * to its samples; bw_syn_from_traits() turns them into the observed form.
 * `botwall score --syn TRAITS` and the tests use the same text form as a p0f
 * signature with observed values:
 *     ver:ttl:olen:mss:wsize,scale:olayout:quirks:pclass
 *     4:57:0:1460:64240,7:mss,sok,ts,nop,ws:df,id+:0
 * (ttl is the TTL as received; the matcher allows the hops p0f allows).
 */
#ifndef BW_P0F_H
#define BW_P0F_H

#include <stdbool.h>
#include <stddef.h>

#include "botwall_abi.h"

#define BW_P0F_DEFAULT_PATH "/etc/p0f/p0f.fp"

struct bw_syn {                /* observed SYN traits */
	int ver;               /* 4 or 6 */
	int ttl;
	int olen;
	int mss;
	int win;
	int scale;
	char olayout[64];
	char quirks[64];
	bool payload;          /* pclass: SYN carried data */
};

struct bw_syn_class {
	char os[24];           /* p0f name: "Linux", "Windows", "Mac OS X", ... */
	char flavor[32];       /* "3.11 and newer", "7 or 8" */
	char cls[8];           /* "unix", "win", "other", "!" (tools)         */
	bool generic;          /* matched a g: (generic) signature            */
	int line;              /* line of the signature in the file           */
};

struct bw_p0f;

/* Returns NULL with a message naming file:line on error. */
struct bw_p0f *bw_p0f_load(const char *path, char *err, size_t errlen);
void bw_p0f_free(struct bw_p0f *db);
size_t bw_p0f_count(const struct bw_p0f *db);
/* Parses TRAITS text; -1 with a message naming the field on error. */
int bw_syn_parse(const char *s, struct bw_syn *out, char *err, size_t errlen);
/* The datapath's raw traits in the observed form (p0f's olayout names and
 * quirk order). */
void bw_syn_from_traits(const struct bw_syn_traits *t, struct bw_syn *out);
/* The observed form as text (what bw_syn_parse reads back). */
int bw_syn_format(const struct bw_syn *s, char *out, size_t len);
/* 1 and *out on a match (specific signatures first), 0 if none. */
int bw_p0f_match(const struct bw_p0f *db, const struct bw_syn *syn, struct bw_syn_class *out);
/* Does a user-agent OS family (uap: "Windows", "Mac OS X", "Linux",
 * "Android", "iOS", "Ubuntu", "Chrome OS", ...) contradict the SYN class?
 * False when either side is unknown. */
bool bw_p0f_os_mismatch(const struct bw_syn_class *c, const char *ua_os);

#endif
