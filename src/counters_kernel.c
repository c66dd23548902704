/* counters_kernel.c - the kernel level: the kernel's own accounting, /proc/<pid>/stat and
 * /proc/<pid>/status while the child runs, the wait4 rusage once it has been reaped. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* Finds "key:\t<number>" in a /proc status text. Returns 0, or -1 when the key is missing. */
static int status_field(const char *text, const char *key, unsigned long *out)
{
    size_t klen = strlen(key);
    for (const char *line = text; line && *line; line = strchr(line, '\n')) {
        if (*line == '\n')
            line++;
        if (strncmp(line, key, klen) == 0 && line[klen] == ':')
            return sscanf(line + klen + 1, "%lu", out) == 1 ? 0 : -1;
    }
    return -1;
}

/* Reads /proc/<pid>/stat and /proc/<pid>/status. /proc/<pid>/stat counts CPU time in clock ticks
 * (1/100 s on most kernels), the resolution of this level while the child runs; the final
 * reading from rusage is in microseconds. The status switch counts are the main thread's, which
 * is the whole process while it is alone, the only time counters_read may be called. */
int counters_kernel_proc(pid_t pid, counters_values *out)
{
    char path[64], *stat = NULL, *status = NULL;
    unsigned long minflt, cminflt, majflt, cmajflt, utime, stime, vol, invol;
    long cutime, cstime;
    int rc = -1, saved;

    snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
    stat = util_read_file(path, NULL);
    if (!stat)
        goto out;
    snprintf(path, sizeof path, "/proc/%ld/status", (long)pid);
    status = util_read_file(path, NULL);
    if (!status)
        goto out;

    /* The command name (field 2) may hold spaces and parentheses: parse after the last ')'. */
    const char *p = strrchr(stat, ')');
    if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %lu %lu %lu %lu %lu %lu %ld %ld",
                     &minflt, &cminflt, &majflt, &cmajflt, &utime, &stime, &cutime,
                     &cstime) != 8) {
        errno = EPROTO;
        goto out;
    }
    if (status_field(status, "voluntary_ctxt_switches", &vol) < 0 ||
        status_field(status, "nonvoluntary_ctxt_switches", &invol) < 0) {
        errno = EPROTO;
        goto out;
    }
    long ticks = sysconf(_SC_CLK_TCK);
    if (ticks <= 0)
        ticks = 100;

    /* Children the child has waited for count too, as they do in its wait4 rusage. */
    out->task_clock_s = (double)(utime + stime + (unsigned long)cutime + (unsigned long)cstime) /
                        (double)ticks;
    out->voluntary_switches = (double)vol;
    out->involuntary_switches = (double)invol;
    out->context_switches = (double)(vol + invol);
    out->page_faults = (double)(minflt + majflt + cminflt + cmajflt);
    rc = 0;
out:
    saved = errno;
    free(stat);
    free(status);
    errno = saved;
    return rc;
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
