/* options.c - parsing helpers every command shares, and the shape of a usage error. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_int.h"

int usage_error(const char *cmd, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    log_error("%s", msg);
    fprintf(stderr, "Try 'concur %s%s--help'.\n", cmd ? cmd : "", cmd ? " " : "");
    return CONCUR_EXIT_USAGE;
}

int parse_positive(const char *s, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end != '\0' || errno || v < 1 || v > max)
        return -1;
    *out = v;
    return 0;
}

int parse_seconds(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || errno || !(v >= 0) || isinf(v))
        return -1;
    *out = v;
    return 0;
}

/* A number from a command line: the whole argument, finite. Returns 0 or -1. */
int parse_number(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || errno || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

/* getopt_long's own messages are replaced by ours (opterr = 0) so that every usage error has the
 * same shape. For a short option optopt holds it; for a long one the word is in argv. */
int bad_option(const char *cmd, char **argv)
{
    const char *arg = argv[optind - 1];
    if (optopt && (arg == NULL || strncmp(arg, "--", 2) != 0))
        return usage_error(cmd, "unknown option '-%c'", optopt);
    return usage_error(cmd, "unknown option '%s'", arg ? arg : "?");
}
