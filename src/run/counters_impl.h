/* counters_impl.h - what each counter backend (PAPI, perf_event_open, kernel accounting) provides
 * to counters.c, which picks one per level. Not part of the public interface. */
#ifndef CONCUR_COUNTERS_IMPL_H
#define CONCUR_COUNTERS_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "concur/counters.h"

/* The fields a counted event can fill. */
typedef enum {
    COUNTERS_FIELD_TASK_CLOCK,
    COUNTERS_FIELD_CONTEXT_SWITCHES,
    COUNTERS_FIELD_CPU_MIGRATIONS,
    COUNTERS_FIELD_PAGE_FAULTS,
    COUNTERS_FIELD_CYCLES,
    COUNTERS_FIELD_INSTRUCTIONS,
    COUNTERS_FIELD_LLC_MISSES,
} counters_field;

struct counters_set {
    const struct counters_ops *ops;
    counters_level level;
    pid_t child;
    bool execs; /* the child has yet to exec (counting starts there); else it starts at attach */
    int nevents;
    char events[COUNTERS_MAX_EVENTS][64]; /* filled by the backend's attach */
    void *impl;                           /* the backend's own state */
};

typedef struct counters_ops {
    counters_backend backend;
    /* Plain words for `concur counters`: "perf software events through perf_event_open(2)". */
    const char *description;
    bool (*supports)(counters_level level);
    /* Opens the counters of s->level on s->child (forked and waiting; s->execs says whether it
     * will exec) and fills s->events and s->impl. Returns 0, or -1 with a reason in err and nothing left open. */
    int (*attach)(counters_set *s, char *err, size_t errlen);
    /* Fill what they count in out, whose fields start as NAN. Return 0 or -1. */
    int (*read)(counters_set *s, counters_values *out);
    int (*final)(counters_set *s, const struct rusage *ru, counters_values *out);
    void (*close)(counters_set *s);
} counters_ops;

extern const counters_ops counters_papi_ops;
extern const counters_ops counters_perf_ops;
extern const counters_ops counters_kernel_ops;

/* The field of v that f names. Cannot fail. */
double *counters_field_ptr(counters_values *v, counters_field f);

/* The kernel's own accounting, shared with the perf backends (which take the voluntary and
 * involuntary switch split from it). counters_kernel_proc reads /proc/<pid>/stat and
 * /proc/<pid>/status; returns 0, or -1 with errno set and out unchanged.
 * counters_kernel_rusage cannot fail. Both set task_clock_s, context_switches,
 * voluntary_switches, involuntary_switches and page_faults. */
int counters_kernel_proc(pid_t pid, counters_values *out);
void counters_kernel_rusage(const struct rusage *ru, counters_values *out);

#endif
