/* log.c - human-facing messages on stderr, with colour only where it helps and is wanted. */
#include "concur/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static log_level current = LOG_NORMAL;
static int color = -1; /* -1: not decided yet */

void log_init(log_level level)
{
    current = level;
    color = -1;
}

log_level log_get_level(void)
{
    return current;
}

/* https://no-color.org: any non-empty NO_COLOR disables colour. */
bool log_color(void)
{
    if (color < 0) {
        const char *nc = getenv("NO_COLOR");
        color = (nc == NULL || nc[0] == '\0') && isatty(STDERR_FILENO);
    }
    return color;
}

static void emit(const char *tag, const char *ansi, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
static void emit(const char *tag, const char *ansi, const char *fmt, va_list ap)
{
    /* One fprintf per piece on an unbuffered stream: build the line first so that messages from
     * the runner's threads are not interleaved mid-line. */
    char line[4096];
    vsnprintf(line, sizeof(line), fmt, ap);
    if (tag == NULL)
        fprintf(stderr, "%s\n", line);
    else if (log_color())
        fprintf(stderr, "concur: %s%s:\033[0m %s\n", ansi, tag, line);
    else
        fprintf(stderr, "concur: %s: %s\n", tag, line);
}

void log_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit("error", "\033[1;31m", fmt, ap);
    va_end(ap);
}

void log_warn(const char *fmt, ...)
{
    if (current < LOG_NORMAL)
        return;
    va_list ap;
    va_start(ap, fmt);
    emit("warning", "\033[1;33m", fmt, ap);
    va_end(ap);
}

void log_info(const char *fmt, ...)
{
    if (current < LOG_NORMAL)
        return;
    va_list ap;
    va_start(ap, fmt);
    emit(NULL, NULL, fmt, ap);
    va_end(ap);
}

void log_debug(const char *fmt, ...)
{
    if (current < LOG_VERBOSE)
        return;
    va_list ap;
    va_start(ap, fmt);
    emit("debug", "\033[2m", fmt, ap);
    va_end(ap);
}
