/* log.h - the one place concur writes human-facing messages (stderr). */
#ifndef CONCUR_LOG_H
#define CONCUR_LOG_H

#include <stdbool.h>

#define CONCUR_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))

typedef enum { LOG_QUIET = 0, LOG_NORMAL = 1, LOG_VERBOSE = 2 } log_level;

/* Set once from the command line. Colour is used only on a TTY and never when NO_COLOR is set. */
void log_init(log_level level);
log_level log_get_level(void);
bool log_color(void);

/* "concur: error: ..." always printed, whatever the level. */
void log_error(const char *fmt, ...) CONCUR_PRINTF(1, 2);
/* "concur: warning: ..." printed unless --quiet. */
void log_warn(const char *fmt, ...) CONCUR_PRINTF(1, 2);
/* Plain progress line, printed unless --quiet. */
void log_info(const char *fmt, ...) CONCUR_PRINTF(1, 2);
/* Only with --verbose. */
void log_debug(const char *fmt, ...) CONCUR_PRINTF(1, 2);

#endif
