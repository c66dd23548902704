/* counters.c - finds the counter level that works here and hands each call to its backend
 * (counters_papi.c, counters_perf.c, counters_kernel.c). */
#include <cjson/cJSON.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "concur/counters.h"
#include "concur/util.h"
#include "counters_impl.h"

/* What detection runs in its short-lived child: something that exists everywhere and exits at
 * once, exec'd as a real run's child is, since the perf counters start at exec. */
#define PROBE_EXE "/bin/true"

/* The order detection tries, best first. */
static const struct {
    counters_level level;
    const counters_ops *ops;
} ladder[] = {
    {COUNTERS_HARDWARE, &counters_papi_ops},
    {COUNTERS_SOFTWARE, &counters_papi_ops},
    {COUNTERS_SOFTWARE, &counters_perf_ops},
    {COUNTERS_KERNEL, &counters_kernel_ops},
};

static const counters_ops *ops_for(counters_backend b)
{
    switch (b) {
    case COUNTERS_BACKEND_PAPI:
        return &counters_papi_ops;
    case COUNTERS_BACKEND_PERF:
        return &counters_perf_ops;
    case COUNTERS_BACKEND_RUSAGE:
        return &counters_kernel_ops;
    }
    return NULL;
}

static const char *const level_names[] = {
    [COUNTERS_KERNEL] = "kernel", [COUNTERS_SOFTWARE] = "software", [COUNTERS_HARDWARE] = "hardware"};
static const char *const backend_names[] = {
    [COUNTERS_BACKEND_RUSAGE] = "rusage", [COUNTERS_BACKEND_PERF] = "perf",
    [COUNTERS_BACKEND_PAPI] = "papi"};

const char *counters_level_name(counters_level l)
{
    return util_enum_name(level_names, ARRAY_LEN(level_names), (int)l, "unknown");
}

const char *counters_backend_name(counters_backend b)
{
    return util_enum_name(backend_names, ARRAY_LEN(backend_names), (int)b, "unknown");
}

int counters_parse_level(const char *s, counters_level *out)
{
    /* auto: the highest level that works here, which detection steps down from */
    int v = s && strcmp(s, "auto") == 0 ? COUNTERS_HARDWARE
                                        : util_enum_parse(level_names, ARRAY_LEN(level_names), s);
    if (v < 0)
        return -1;
    *out = (counters_level)v;
    return 0;
}

void counters_values_clear(counters_values *v)
{
    v->task_clock_s = NAN;
    v->context_switches = NAN;
    v->voluntary_switches = NAN;
    v->involuntary_switches = NAN;
    v->cpu_migrations = NAN;
    v->page_faults = NAN;
    v->cycles = NAN;
    v->instructions = NAN;
    v->llc_misses = NAN;
}

double *counters_field_ptr(counters_values *v, counters_field f)
{
    switch (f) {
    case COUNTERS_FIELD_TASK_CLOCK:
        return &v->task_clock_s;
    case COUNTERS_FIELD_CONTEXT_SWITCHES:
        return &v->context_switches;
    case COUNTERS_FIELD_CPU_MIGRATIONS:
        return &v->cpu_migrations;
    case COUNTERS_FIELD_PAGE_FAULTS:
        return &v->page_faults;
    case COUNTERS_FIELD_CYCLES:
        return &v->cycles;
    case COUNTERS_FIELD_INSTRUCTIONS:
        return &v->instructions;
    case COUNTERS_FIELD_LLC_MISSES:
        break;
    }
    return &v->llc_misses;
}

void counters_diff(const counters_values *a, const counters_values *b, counters_values *out)
{
    out->task_clock_s = b->task_clock_s - a->task_clock_s;
    out->context_switches = b->context_switches - a->context_switches;
    out->voluntary_switches = b->voluntary_switches - a->voluntary_switches;
    out->involuntary_switches = b->involuntary_switches - a->involuntary_switches;
    out->cpu_migrations = b->cpu_migrations - a->cpu_migrations;
    out->page_faults = b->page_faults - a->page_faults;
    out->cycles = b->cycles - a->cycles;
    out->instructions = b->instructions - a->instructions;
    out->llc_misses = b->llc_misses - a->llc_misses;
}

counters_set *counters_attach(const counters_probe *probe, pid_t child, bool execs, char *err,
                              size_t errlen)
{
    const counters_ops *ops = ops_for(probe->backend);
    if (!ops || !ops->supports(probe->level)) {
        snprintf(err, errlen, "the %s backend has no %s level",
                 counters_backend_name(probe->backend), counters_level_name(probe->level));
        return NULL;
    }
    counters_set *s = xcalloc(1, sizeof *s);
    s->ops = ops;
    s->level = probe->level;
    s->child = child;
    s->execs = execs;
    if (ops->attach(s, err, errlen) < 0) {
        free(s);
        return NULL;
    }
    return s;
}

int counters_read(counters_set *s, pid_t child, counters_values *out)
{
    counters_values v;
    if (!s)
        return -1;
    s->child = child;
    counters_values_clear(&v);
    if (s->ops->read(s, &v) < 0)
        return -1;
    /* perf events have no voluntary/involuntary split: the kernel's accounting gives it, and
     * without it those two stay NAN, which is no reason to fail. */
    counters_values k;
    if (isnan(v.voluntary_switches) && counters_kernel_proc(child, &k) == 0) {
        v.voluntary_switches = k.voluntary_switches;
        v.involuntary_switches = k.involuntary_switches;
    }
    *out = v;
    return 0;
}

int counters_final(counters_set *s, const struct rusage *ru, counters_values *out)
{
    counters_values v;
    if (!s)
        return -1;
    counters_values_clear(&v);
    if (s->ops->final(s, ru, &v) < 0)
        return -1;
    if (isnan(v.voluntary_switches) && ru) {
        v.voluntary_switches = (double)ru->ru_nvcsw;
        v.involuntary_switches = (double)ru->ru_nivcsw;
    }
    *out = v;
    return 0;
}

void counters_close(counters_set *s)
{
    if (!s)
        return;
    s->ops->close(s);
    free(s);
}

/* ---- detection ---- */

/* True when CONCUR_COUNTERS_SKIP (a comma list: papi, perf) names this backend. */
static bool skipped(counters_backend b)
{
    const char *list = getenv("CONCUR_COUNTERS_SKIP");
    const char *name = counters_backend_name(b);
    size_t len = strlen(name);
    if (!list || b == COUNTERS_BACKEND_RUSAGE)
        return false;
    for (const char *p = list; *p;) {
        p += strspn(p, " ,");
        size_t n = strcspn(p, " ,");
        if (n == len && strncmp(p, name, len) == 0)
            return true;
        p += n;
    }
    return false;
}

/* Forks a child that waits for one byte on a socket, then execs PROBE_EXE; at end of file it
 * exits without exec'ing. Returns its pid and the sending end in *go, or -1 with errno set. A
 * socket rather than a pipe so that a child gone early cannot raise SIGPIPE here. */
static pid_t probe_fork(int *go)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0) {
        int saved = errno;
        close(sv[0]);
        close(sv[1]);
        errno = saved;
        return -1;
    }
    if (pid == 0) {
        char c;
        ssize_t n;
        close(sv[0]);
        do {
            n = read(sv[1], &c, 1);
        } while (n < 0 && errno == EINTR);
        if (n == 1) {
            char *const argv[] = {(char *)PROBE_EXE, NULL};
            execv(PROBE_EXE, argv);
            _exit(127);
        }
        _exit(0);
    }
    close(sv[1]);
    *go = sv[0];
    return pid;
}

/* Reaps pid. Returns 0 with its status and rusage, or -1 with errno set. */
static int probe_reap(pid_t pid, int *status, struct rusage *ru)
{
    pid_t r;
    do {
        r = wait4(pid, status, 0, ru);
    } while (r < 0 && errno == EINTR);
    return r == pid ? 0 : -1;
}

/* Whether the values a level gave for PROBE_EXE could be real; if not, why in detail. */
static bool plausible(counters_level level, const counters_values *v, char *detail, size_t len)
{
    if (level == COUNTERS_KERNEL)
        return true;
    if (!(v->task_clock_s > 0)) {
        snprintf(detail, len, "counters opened, but task-clock read %g for a real child",
                 v->task_clock_s);
        return false;
    }
    if (level == COUNTERS_HARDWARE && (!(v->cycles > 0) || !(v->instructions > 0))) {
        snprintf(detail, len,
                 "counters opened, but cycles read %g and instructions %g for a real child",
                 v->cycles, v->instructions);
        return false;
    }
    return true;
}

/* Tries one rung: attaches to a real child as a run would, lets it exec, reaps it and checks the
 * counts. Returns true with the events in *probe when the level works. */
static bool detect_try(counters_level level, const counters_ops *ops, counters_probe *probe,
                       counters_attempt *a)
{
    counters_probe want = {.level = level, .backend = ops->backend};
    counters_values before, after, d;
    counters_set *s = NULL;
    struct rusage ru;
    int go = -1, status;
    bool ok = false;

    counters_values_clear(&before);
    counters_values_clear(&after);
    a->level = level;
    a->backend = ops->backend;
    a->ok = false;
    a->detail[0] = '\0';
    if (skipped(ops->backend)) {
        snprintf(a->detail, sizeof a->detail, "skipped by CONCUR_COUNTERS_SKIP");
        return false;
    }

    pid_t child = probe_fork(&go);
    if (child < 0) {
        int saved = errno;
        snprintf(a->detail, sizeof a->detail, "fork: %s", strerror(saved));
        return false;
    }
    s = counters_attach(&want, child, true, a->detail, sizeof a->detail);
    if (s && counters_read(s, child, &before) < 0) {
        int saved = errno;
        snprintf(a->detail, sizeof a->detail, "reading the counters of a live child: %s",
                 strerror(saved));
    } else if (s && send(go, "x", 1, MSG_NOSIGNAL) != 1) {
        int saved = errno;
        snprintf(a->detail, sizeof a->detail, "starting the child: %s", strerror(saved));
    }
    /* Without the byte the child sees end of file and exits without exec'ing. */
    close(go);
    if (probe_reap(child, &status, &ru) < 0) {
        int saved = errno;
        snprintf(a->detail, sizeof a->detail, "wait4: %s", strerror(saved));
        goto out;
    }
    if (!s || a->detail[0])
        goto out;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        snprintf(a->detail, sizeof a->detail, "the test child (%s) did not run", PROBE_EXE);
        goto out;
    }
    if (counters_final(s, &ru, &after) < 0) {
        int saved = errno;
        snprintf(a->detail, sizeof a->detail, "reading the counters of a reaped child: %s",
                 strerror(saved));
        goto out;
    }
    counters_diff(&before, &after, &d);
    if (!plausible(level, &after, a->detail, sizeof a->detail))
        goto out;

    if (level == COUNTERS_HARDWARE)
        snprintf(a->detail, sizeof a->detail,
                 "%s: task-clock %.2f ms, %.0f instructions in %.0f cycles", PROBE_EXE,
                 d.task_clock_s * 1e3, d.instructions, d.cycles);
    else
        snprintf(a->detail, sizeof a->detail,
                 "%s: task-clock %.2f ms, page faults %.0f, context switches %.0f", PROBE_EXE,
                 d.task_clock_s * 1e3, d.page_faults, d.context_switches);
    probe->level = level;
    probe->backend = ops->backend;
    probe->nevents = s->nevents;
    for (int i = 0; i < s->nevents; i++)
        memcpy(probe->events[i], s->events[i], sizeof probe->events[i]);
    ok = true;
out:
    counters_close(s);
    a->ok = ok;
    return ok;
}

/* Why no hardware event can be opened, in plain words, from a direct try on this process: NULL
 * when one can (the PMU is visible and allowed). */
static const char *hardware_blocker(char *buf, size_t len)
{
    struct perf_event_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.size = sizeof attr;
    attr.type = PERF_TYPE_HARDWARE;
    attr.config = PERF_COUNT_HW_INSTRUCTIONS;
    attr.disabled = 1;
    attr.exclude_kernel = 1;
    attr.exclude_hv = 1;
    int fd = (int)syscall(SYS_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
    if (fd >= 0) {
        close(fd);
        return NULL;
    }
    int saved = errno;
    switch (saved) {
    case ENOENT:
    case ENODEV:
    case EOPNOTSUPP:
        snprintf(buf, len, "PAPI_TOT_CYC cannot be opened (no hardware PMU is visible, as in "
                 "most virtual machines)");
        break;
    case EACCES:
    case EPERM:
        snprintf(buf, len, "this user may not open hardware events (perf_event_open: %s)",
                 strerror(saved));
        break;
    default:
        snprintf(buf, len, "a hardware event cannot be opened (perf_event_open: %s)",
                 strerror(saved));
        break;
    }
    return buf;
}

static const counters_attempt *find_attempt(const counters_probe *p, counters_level level,
                                            counters_backend backend)
{
    for (int i = 0; i < p->ntried; i++)
        if (p->tried[i].level == level && p->tried[i].backend == backend)
            return &p->tried[i];
    return NULL;
}

/* An attempt's detail up to its first ';': the cause, without the explanation that follows. */
static void short_detail(const counters_attempt *a, char *buf, size_t len)
{
    size_t n = strcspn(a->detail, ";");
    snprintf(buf, len, "%.*s", (int)n, a->detail);
}

static void append(char *buf, size_t len, const char *fmt, ...) CONCUR_PRINTF(3, 4);
static void append(char *buf, size_t len, const char *fmt, ...)
{
    size_t used = strlen(buf);
    va_list ap;
    if (used >= len - 1)
        return;
    va_start(ap, fmt);
    vsnprintf(buf + used, len - used, fmt, ap);
    va_end(ap);
}

/* Writes probe->why: what the chosen level counts, then why no higher one. */
static void detect_explain(counters_level max, counters_probe *p)
{
    char reason[256], hw[192];
    const counters_attempt *a;
    char *why = p->why;
    size_t len = sizeof p->why;

    why[0] = '\0';
    switch (p->level) {
    case COUNTERS_HARDWARE:
        append(why, len, "hardware: cycles, instructions and last-level cache misses with the "
               "perf software events, through PAPI.");
        return;
    case COUNTERS_SOFTWARE:
        append(why, len, "software: perf software events (task-clock, context switches, CPU "
               "migrations, page faults) through %s.",
               p->backend == COUNTERS_BACKEND_PAPI ? "PAPI" : "perf_event_open(2)");
        break;
    case COUNTERS_KERNEL:
        append(why, len, "kernel: the kernel's own accounting (CPU time, context switches, page "
               "faults from wait4 and /proc); CPU migrations are not counted.");
        break;
    }

    if (max < COUNTERS_HARDWARE) {
        append(why, len, " Higher levels were not asked for (at most %s).",
               counters_level_name(max));
    } else {
        a = find_attempt(p, COUNTERS_HARDWARE, COUNTERS_BACKEND_PAPI);
        const char *blocker = hardware_blocker(hw, sizeof hw);
        if (a && strstr(a->detail, "CONCUR_COUNTERS_SKIP"))
            append(why, len, " Hardware events: PAPI skipped by CONCUR_COUNTERS_SKIP.");
        else if (blocker)
            append(why, len, " Hardware events are not available: %s.", blocker);
        else if (a) {
            short_detail(a, reason, sizeof reason);
            append(why, len, " Hardware events are not available through PAPI: %s.", reason);
        }
    }
    if (p->level == COUNTERS_KERNEL && max >= COUNTERS_SOFTWARE) {
        a = find_attempt(p, COUNTERS_SOFTWARE, COUNTERS_BACKEND_PERF);
        if (a) {
            short_detail(a, reason, sizeof reason);
            append(why, len, " perf software events are not available: %s.", reason);
        }
    }
    if (p->level == COUNTERS_SOFTWARE && p->backend == COUNTERS_BACKEND_PERF) {
        a = find_attempt(p, COUNTERS_SOFTWARE, COUNTERS_BACKEND_PAPI);
        if (a && !strstr(a->detail, "CONCUR_COUNTERS_SKIP")) {
            short_detail(a, reason, sizeof reason);
            append(why, len, " PAPI cannot count them on a child here (%s), so they are read "
                   "directly.", reason);
        }
    }
}

void counters_detect(counters_level max, counters_probe *out)
{
    memset(out, 0, sizeof *out);
    out->level = COUNTERS_KERNEL;
    out->backend = COUNTERS_BACKEND_RUSAGE;

    for (size_t i = 0; i < ARRAY_LEN(ladder) && out->ntried < COUNTERS_MAX_TRIED; i++) {
        if (ladder[i].level > max)
            continue;
        counters_attempt *a = &out->tried[out->ntried++];
        if (detect_try(ladder[i].level, ladder[i].ops, out, a))
            break;
        /* The kernel level works even where its test child could not be run. */
        if (ladder[i].level == COUNTERS_KERNEL) {
            char detail[sizeof a->detail];
            snprintf(detail, sizeof detail, "%s", a->detail);
            snprintf(a->detail, sizeof a->detail, "always available (its test child: %.200s)",
                     detail);
            a->ok = true;
        }
    }
    if (out->level == COUNTERS_KERNEL && out->nevents == 0) {
        counters_set k = {.ops = &counters_kernel_ops, .level = COUNTERS_KERNEL};
        char err[8];
        counters_kernel_ops.attach(&k, err, sizeof err);
        out->nevents = k.nevents;
        memcpy(out->events, k.events, sizeof out->events);
    }
    detect_explain(max, out);
}

/* ---- output ---- */

/* Prints text wrapped at width, every line after the first indented by indent spaces. */
static void print_wrapped(FILE *out, const char *text, int indent, int width)
{
    int col = indent;
    const char *p = text;
    while (*p) {
        size_t word = strcspn(p, " ");
        if (col > indent && col + 1 + (int)word > width) {
            fprintf(out, "\n%*s", indent, "");
            col = indent;
        } else if (col > indent) {
            fputc(' ', out);
            col++;
        }
        fprintf(out, "%.*s", (int)word, p);
        col += (int)word;
        p += word;
        p += strspn(p, " ");
    }
    fputc('\n', out);
}

void counters_describe(const counters_probe *p, FILE *out)
{
    const int indent = 10, width = 100;
    char line[256];

    fprintf(out, "%-*s%s (backend: %s)\n", indent, "counters", counters_level_name(p->level),
            counters_backend_name(p->backend));
    line[0] = '\0';
    for (int i = 0; i < p->nevents; i++)
        append(line, sizeof line, "%s%s", i ? ", " : "", p->events[i]);
    fprintf(out, "%-*s", indent, "events");
    print_wrapped(out, line, indent, width);
    fprintf(out, "%-*s", indent, "why");
    print_wrapped(out, p->why, indent, width);
    for (int i = 0; i < p->ntried; i++) {
        const counters_attempt *a = &p->tried[i];
        fprintf(out, "%-*s%-9s %-7s %-7s", indent, i == 0 ? "tried" : "",
                counters_level_name(a->level), counters_backend_name(a->backend),
                a->ok ? "ok" : "failed");
        print_wrapped(out, a->detail, indent + 25, width);
    }
}

cJSON *counters_probe_to_json(const counters_probe *p)
{
    cJSON *o = cJSON_CreateObject(), *events, *tried;
    if (!o)
        return NULL;
    if (!cJSON_AddStringToObject(o, "level", counters_level_name(p->level)) ||
        !cJSON_AddStringToObject(o, "backend", counters_backend_name(p->backend)) ||
        !(events = cJSON_AddArrayToObject(o, "events")) ||
        !cJSON_AddStringToObject(o, "why", p->why) ||
        !(tried = cJSON_AddArrayToObject(o, "tried")))
        goto failed;
    for (int i = 0; i < p->nevents; i++) {
        cJSON *e = cJSON_CreateString(p->events[i]);
        if (!e || !cJSON_AddItemToArray(events, e)) {
            cJSON_Delete(e);
            goto failed;
        }
    }
    for (int i = 0; i < p->ntried; i++) {
        const counters_attempt *a = &p->tried[i];
        cJSON *t = cJSON_CreateObject();
        if (!t || !cJSON_AddItemToArray(tried, t)) {
            cJSON_Delete(t);
            goto failed;
        }
        if (!cJSON_AddStringToObject(t, "level", counters_level_name(a->level)) ||
            !cJSON_AddStringToObject(t, "backend", counters_backend_name(a->backend)) ||
            !cJSON_AddBoolToObject(t, "ok", a->ok) ||
            !cJSON_AddStringToObject(t, "detail", a->detail))
            goto failed;
    }
    return o;

failed:
    cJSON_Delete(o);
    return NULL;
}

cJSON *counters_values_to_json(const counters_values *v)
{
    const struct {
        const char *name;
        double value;
    } fields[] = {
        {"task_clock_s", v->task_clock_s},
        {"context_switches", v->context_switches},
        {"voluntary_switches", v->voluntary_switches},
        {"involuntary_switches", v->involuntary_switches},
        {"cpu_migrations", v->cpu_migrations},
        {"page_faults", v->page_faults},
        {"cycles", v->cycles},
        {"instructions", v->instructions},
        {"llc_misses", v->llc_misses},
    };
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    for (size_t i = 0; i < ARRAY_LEN(fields); i++) {
        cJSON *item = isfinite(fields[i].value)
                          ? cJSON_AddNumberToObject(o, fields[i].name, fields[i].value)
                          : cJSON_AddNullToObject(o, fields[i].name);
        if (!item) {
            cJSON_Delete(o);
            return NULL;
        }
    }
    return o;
}
