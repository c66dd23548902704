/* counters_kernel.c - the kernel level: the kernel's own accounting, /proc/<pid>/stat and
 * /proc/<pid>/status while the child runs, the wait4 rusage once it has been reaped. */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "concur/proc.h"
#include "concur/util.h"
#include "counters_impl.h"

static const char *const kernel_events[] = {
    "rusage:utime+stime",
    "rusage:nvcsw",
    "rusage:nivcsw",
    "rusage:minflt+majflt",
};

static double tv_seconds(struct timeval tv)
{
    return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

/* Reads /proc/<pid>/stat and /proc/<pid>/status. /proc/<pid>/stat counts CPU time in clock ticks
 * (1/100 s on most kernels), the resolution of this level while the child runs; the final
 * reading from rusage is in microseconds. The status switch counts are the main thread's, which
 * is the whole process while it is alone, the only time counters_read may be called. */
int counters_kernel_proc(pid_t pid, counters_values *out)
{
    proc_stat st;
    proc_status status;
    if (proc_read_stat(pid, 0, &st) < 0 || proc_read_status(pid, &status) < 0)
        return -1;
    if (status.voluntary_ctxt_switches < 0 || status.nonvoluntary_ctxt_switches < 0) {
        errno = EPROTO;
        return -1;
    }
    long ticks = sysconf(_SC_CLK_TCK);
    if (ticks <= 0)
        ticks = 100;

    /* Children the child has waited for count too, as they do in its wait4 rusage. */
    out->task_clock_s = (double)(st.utime + st.stime + (unsigned long long)st.cutime +
                                 (unsigned long long)st.cstime) /
                        (double)ticks;
    out->voluntary_switches = (double)status.voluntary_ctxt_switches;
    out->involuntary_switches = (double)status.nonvoluntary_ctxt_switches;
    out->context_switches =
        (double)(status.voluntary_ctxt_switches + status.nonvoluntary_ctxt_switches);
    out->page_faults = (double)(st.minflt + st.majflt + st.cminflt + st.cmajflt);
    return 0;
}

void counters_kernel_rusage(const struct rusage *ru, counters_values *out)
{
    out->task_clock_s = tv_seconds(ru->ru_utime) + tv_seconds(ru->ru_stime);
    out->voluntary_switches = (double)ru->ru_nvcsw;
    out->involuntary_switches = (double)ru->ru_nivcsw;
    out->context_switches = (double)(ru->ru_nvcsw + ru->ru_nivcsw);
    out->page_faults = (double)(ru->ru_minflt + ru->ru_majflt);
}

static bool kernel_supports(counters_level level)
{
    return level == COUNTERS_KERNEL;
}

static int kernel_attach(counters_set *s, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    for (size_t i = 0; i < ARRAY_LEN(kernel_events); i++)
        snprintf(s->events[i], sizeof s->events[i], "%s", kernel_events[i]);
    s->nevents = (int)ARRAY_LEN(kernel_events);
    s->impl = NULL;
    return 0;
}

static int kernel_read(counters_set *s, counters_values *out)
{
    return counters_kernel_proc(s->child, out);
}

static int kernel_final(counters_set *s, const struct rusage *ru, counters_values *out)
{
    (void)s;
    if (!ru)
        return -1;
    counters_kernel_rusage(ru, out);
    return 0;
}

static void kernel_close(counters_set *s)
{
    (void)s;
}

const counters_ops counters_kernel_ops = {
    .backend = COUNTERS_BACKEND_RUSAGE,
    .description = "the kernel's own accounting (wait4 rusage, /proc/<pid>/stat and status)",
    .supports = kernel_supports,
    .attach = kernel_attach,
    .read = kernel_read,
    .final = kernel_final,
    .close = kernel_close,
};
