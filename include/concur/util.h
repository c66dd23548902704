/* util.h - small helpers shared by every module: strings, time, files. */
#ifndef CONCUR_UTIL_H
#define CONCUR_UTIL_H

#include <stdbool.h>
#include <stddef.h>

#include "concur/log.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Monotonic clock in seconds (CLOCK_MONOTONIC, the clock the harness's time.monotonic() reads). */
double util_now(void);

/* snprintf into a caller buffer that never overflows; returns the buffer. */
char *util_fmt(char *buf, size_t len, const char *fmt, ...) CONCUR_PRINTF(3, 4);

/* A duration for a person: "12.3 us", "4.56 ms", "1.234 s", "123.4 s"; "-" for NAN. */
char *util_fmt_seconds(char *buf, size_t len, double s);
/* A size for a person: "512 B", "1.5 KiB", "3.2 MiB", "1.1 GiB"; "-" for NAN. */
char *util_fmt_bytes(char *buf, size_t len, double b);

/* malloc/realloc/strdup that abort with a message when memory is exhausted: concur cannot go on
 * without it and every caller would otherwise do the same. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);

/* Reads a whole file into a NUL-terminated buffer. On error returns NULL with errno set. */
char *util_read_file(const char *path, size_t *len_out);

/* Writes data to path atomically: path.tmp.<pid>, fsync, rename. On error returns -1 with errno
 * set and path unchanged. */
int util_write_atomic(const char *path, const char *data, size_t len);

/* mkdir -p. Returns 0, or -1 with errno set. */
int util_mkdir_p(const char *path, unsigned mode);

/* Directory that holds the running executable (from /proc/self/exe). Returns 0 or -1. */
int util_exe_dir(char *buf, size_t len);

/* Parses a comma-separated list of positive integers ("1,2,4"). Returns the count (>0) or -1 on a
 * malformed list; at most max values are stored. */
int util_parse_int_list(const char *s, int *out, int max);

/* An enum's names, as an array indexed by its values (from 0): the name of v, or fallback for a
 * value outside it. Every enum that results.json or a command line names uses these, so that a
 * name and its parse cannot drift apart. */
const char *util_enum_name(const char *const *names, size_t n, int v, const char *fallback);
/* The value named s, or -1. */
int util_enum_parse(const char *const *names, size_t n, const char *s);

#endif
