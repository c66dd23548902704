/* counters_perf.c - the software level through perf_event_open(2) directly: one inherited
 * counter per perf software event, enabled when the child execs. */
#include <errno.h>
#include <linux/perf_event.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "concur/util.h"
#include "counters_impl.h"

/* One fd per event, no group: a group read of inherited counters is refused by many kernels. */
static const struct {
    uint64_t config;
    const char *name;
    counters_field field;
} perf_events[] = {
    {PERF_COUNT_SW_TASK_CLOCK, "task-clock", COUNTERS_FIELD_TASK_CLOCK},
    {PERF_COUNT_SW_CONTEXT_SWITCHES, "context-switches", COUNTERS_FIELD_CONTEXT_SWITCHES},
    {PERF_COUNT_SW_CPU_MIGRATIONS, "cpu-migrations", COUNTERS_FIELD_CPU_MIGRATIONS},
    {PERF_COUNT_SW_PAGE_FAULTS, "page-faults", COUNTERS_FIELD_PAGE_FAULTS},
};

#define PERF_NEVENTS ARRAY_LEN(perf_events)

typedef struct {
    int fd[PERF_NEVENTS];
} perf_state;

static int perf_open_event(struct perf_event_attr *attr, pid_t pid)
{
    return (int)syscall(SYS_perf_event_open, attr, pid, -1, -1, PERF_FLAG_FD_CLOEXEC);
}

/* kernel.perf_event_paranoid, or -100 where it cannot be read. */
static int perf_paranoid(void)
{
    int level = -100;
    FILE *f = fopen("/proc/sys/kernel/perf_event_paranoid", "r");
    if (f) {
        if (fscanf(f, "%d", &level) != 1)
            level = -100;
        fclose(f);
    }
    return level;
}

/* Explains a failed perf_event_open in err; errnum is the errno it left. */
static void perf_explain(const char *event, int errnum, char *err, size_t errlen)
{
    int paranoid = perf_paranoid();
    switch (errnum) {
    case EACCES:
        snprintf(err, errlen,
                 "perf_event_open(%s): %s (kernel.perf_event_paranoid=%d); only root or "
                 "CAP_PERFMON may count kernel-side events such as context switches",
                 event, strerror(errnum), paranoid);
        break;
    case EPERM:
        snprintf(err, errlen,
                 "perf_event_open(%s): %s (a seccomp filter or security module, as in many "
                 "containers; kernel.perf_event_paranoid=%d)",
                 event, strerror(errnum), paranoid);
        break;
    case ENOSYS:
        snprintf(err, errlen, "perf_event_open(%s): %s (this kernel has no perf events)", event,
                 strerror(errnum));
        break;
    default:
        snprintf(err, errlen, "perf_event_open(%s): %s", event, strerror(errnum));
        break;
    }
}

static bool perf_supports(counters_level level)
{
    return level == COUNTERS_SOFTWARE;
}

static void perf_close(counters_set *s)
{
    perf_state *st = s->impl;
    if (!st)
        return;
    for (size_t i = 0; i < PERF_NEVENTS; i++)
        if (st->fd[i] >= 0)
            close(st->fd[i]);
    free(st);
    s->impl = NULL;
}

static int perf_attach(counters_set *s, char *err, size_t errlen)
{
    perf_state *st = xmalloc(sizeof *st);
    for (size_t i = 0; i < PERF_NEVENTS; i++)
        st->fd[i] = -1;
    s->impl = st;

    for (size_t i = 0; i < PERF_NEVENTS; i++) {
        struct perf_event_attr attr;
        memset(&attr, 0, sizeof attr);
        attr.size = sizeof attr;
        attr.type = PERF_TYPE_SOFTWARE;
        attr.config = perf_events[i].config;
        attr.read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
        attr.disabled = s->execs;
        attr.inherit = 1;
        attr.enable_on_exec = s->execs;
        attr.exclude_kernel = 0; /* context switches and migrations happen in the kernel */
        st->fd[i] = perf_open_event(&attr, s->child);
        if (st->fd[i] < 0) {
            int saved = errno;
            perf_explain(perf_events[i].name, saved, err, errlen);
            goto failed;
        }
        snprintf(s->events[i], sizeof s->events[i], "%s", perf_events[i].name);
    }
    s->nevents = (int)PERF_NEVENTS;
    return 0;

failed:
    perf_close(s);
    s->nevents = 0;
    return -1;
}

/* Reads one counter, scaled when the kernel multiplexed it (software events rarely are). */
static int perf_read_fd(int fd, double *out)
{
    uint64_t buf[3]; /* value, time enabled, time running */
    ssize_t n;
    do {
        n = read(fd, buf, sizeof buf);
    } while (n < 0 && errno == EINTR);
    if (n != (ssize_t)sizeof buf) {
        if (n >= 0)
            errno = EIO;
        return -1;
    }
    if (buf[1] == 0)
        *out = 0; /* not enabled yet: the child has not exec'd */
    else if (buf[2] == 0)
        *out = NAN; /* enabled but never scheduled onto the PMU */
    else if (buf[2] < buf[1])
        *out = (double)buf[0] * ((double)buf[1] / (double)buf[2]);
    else
        *out = (double)buf[0];
    return 0;
}

static int perf_read_all(counters_set *s, counters_values *out)
{
    perf_state *st = s->impl;
    for (size_t i = 0; i < PERF_NEVENTS; i++) {
        double v;
        if (perf_read_fd(st->fd[i], &v) < 0)
            return -1;
        if (perf_events[i].field == COUNTERS_FIELD_TASK_CLOCK)
            v /= 1e9; /* nanoseconds */
        *counters_field_ptr(out, perf_events[i].field) = v;
    }
    return 0;
}

static int perf_read(counters_set *s, counters_values *out)
{
    return perf_read_all(s, out);
}

static int perf_final(counters_set *s, const struct rusage *ru, counters_values *out)
{
    (void)ru;
    return perf_read_all(s, out);
}

const counters_ops counters_perf_ops = {
    .backend = COUNTERS_BACKEND_PERF,
    .description = "perf software events through perf_event_open(2)",
    .supports = perf_supports,
    .attach = perf_attach,
    .read = perf_read,
    .final = perf_final,
    .close = perf_close,
};
