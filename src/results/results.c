/* results.c - what a run measured, its per-configuration summary, and results.json (concur.results/1). */
#include "concur/results.h"

#include <errno.h>
#include <signal.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "concur/concur.h"
#include "concur/util.h"

static const char *const status_names[] = {
    [RUN_OK] = "ok",
    [RUN_TASKS_FAILED] = "tasks_failed",
    [RUN_SETUP_FAILED] = "setup_failed",
    [RUN_WORKER_DIED] = "worker_died",
    [RUN_CRASHED] = "crashed",
    [RUN_TIMED_OUT] = "timed_out",
    [RUN_INTERRUPTED] = "interrupted",
    [RUN_ERROR] = "error",
};

static const char *const check_names[] = {
    [RESULTS_UNCHECKED] = "unchecked",
    [RESULTS_COMPARED] = "compared",
    [RESULTS_NOT_ASKED] = "results_vary",
    [RESULTS_SINGLE_VARIES] = "single_varies",
    [RESULTS_NO_VALUES] = "no_values",
};

/* The pooled state fractions of a configuration, in thread_state order, as results.json names them. */
static const struct {
    const char *key;
    size_t offset;
} fraction_fields[TS_COUNT] = {
    [TS_RUNNING] = {"running_fraction", offsetof(config_summary, running_fraction)},
    [TS_RUNNABLE] = {"runnable_fraction", offsetof(config_summary, runnable_fraction)},
    [TS_GIL_WAIT] = {"gil_wait_fraction", offsetof(config_summary, gil_wait_fraction)},
    [TS_LOCK_WAIT] = {"lock_wait_fraction", offsetof(config_summary, lock_wait_fraction)},
    [TS_IO_WAIT] = {"io_wait_fraction", offsetof(config_summary, io_wait_fraction)},
    [TS_SLEEP] = {"sleep_fraction", offsetof(config_summary, sleep_fraction)},
    [TS_CHILD_WAIT] = {"child_wait_fraction", offsetof(config_summary, child_wait_fraction)},
    [TS_OTHER] = {"other_fraction", offsetof(config_summary, other_fraction)},
};

static double *fraction_field(config_summary *s, int state)
{
    return (double *)((char *)s + fraction_fields[state].offset);
}

double *results_fraction(config_summary *s, thread_state state)
{
    return fraction_field(s, state);
}

/* Never NULL: "unknown" for a value outside the enum. */
const char *results_status_name(run_status s)
{
    return util_enum_name(status_names, ARRAY_LEN(status_names), (int)s, "unknown");
}

/* Returns -1 and leaves *out unchanged when s is no status name. */
int results_parse_status(const char *s, run_status *out)
{
    int v = util_enum_parse(status_names, ARRAY_LEN(status_names), s);
    if (v < 0)
        return -1;
    *out = (run_status)v;
    return 0;
}

/* Never NULL: "unknown" for a value outside the enum. */
const char *results_check_name(results_check c)
{
    return util_enum_name(check_names, ARRAY_LEN(check_names), (int)c, "unknown");
}

/* Returns -1 and leaves *out unchanged when s is no check name. */
int results_parse_check(const char *s, results_check *out)
{
    int v = util_enum_parse(check_names, ARRAY_LEN(check_names), s);
    if (v < 0)
        return -1;
    *out = (results_check)v;
    return 0;
}

/* Can't fail. */
void results_init(results *r)
{
    memset(r, 0, sizeof(*r));
    r->check_task = -1;
    r->python.gil = -1;
    r->workload.setup = -1;
    r->machine.capacity_start = r->machine.capacity_end = NAN;
    classification_init(&r->classification);
    recommendation_init(&r->recommendation);
}

/* Can't fail; the run itself is not freed, only what it owns. */
void results_run_free(run_result *run)
{
    free(run->placement);
    run->placement = NULL;
    run->nplacement = 0;
    free(run->worker_states);
    run->worker_states = NULL;
    run->nworker_states = 0;
    free(run->task_walls);
    run->task_walls = NULL;
    run->ntask_walls = 0;
    free(run->task_digests);
    run->task_digests = NULL;
    run->ntask_digests = 0;
}

/* Can't fail; leaves r as results_init does, ready for reuse. */
void results_free(results *r)
{
    for (int i = 0; i < r->nruns; i++)
        results_run_free(&r->runs[i]);
    free(r->runs);
    free(r->plan);
    free(r->summary);
    results_init(r);
}

/* Can't fail: aborts when memory is exhausted, like xmalloc. */
run_result *results_take_run(results *r, run_result *run)
{
    if (r->nruns == r->runs_cap) {
        r->runs_cap = r->runs_cap ? 2 * r->runs_cap : 8;
        r->runs = xrealloc(r->runs, (size_t)r->runs_cap * sizeof(*r->runs));
    }
    run_result *dst = &r->runs[r->nruns++];
    *dst = *run;
    run->placement = NULL;
    run->nplacement = 0;
    run->worker_states = NULL;
    run->nworker_states = 0;
    run->task_walls = NULL;
    run->ntask_walls = 0;
    run->task_digests = NULL;
    run->ntask_digests = 0;
    return dst;
}

run_result *results_add_run(results *r, const run_result *run)
{
    if (r->nruns == r->runs_cap) {
        r->runs_cap = r->runs_cap ? 2 * r->runs_cap : 8;
        r->runs = xrealloc(r->runs, (size_t)r->runs_cap * sizeof(*r->runs));
    }
    run_result *dst = &r->runs[r->nruns++];
    *dst = *run;
    dst->placement = NULL;
    dst->nplacement = 0;
    if (run->placement && run->nplacement > 0) {
        size_t size = (size_t)run->nplacement * sizeof(*run->placement);
        dst->placement = xmalloc(size);
        memcpy(dst->placement, run->placement, size);
        dst->nplacement = run->nplacement;
    }
    dst->worker_states = NULL;
    dst->nworker_states = 0;
    if (run->worker_states && run->nworker_states > 0) {
        size_t size = (size_t)run->nworker_states * sizeof(*run->worker_states);
        dst->worker_states = xmalloc(size);
        memcpy(dst->worker_states, run->worker_states, size);
        dst->nworker_states = run->nworker_states;
    }
    dst->task_walls = NULL;
    dst->ntask_walls = 0;
    if (run->task_walls && run->ntask_walls > 0) {
        size_t size = (size_t)run->ntask_walls * sizeof(*run->task_walls);
        dst->task_walls = xmalloc(size);
        memcpy(dst->task_walls, run->task_walls, size);
        dst->ntask_walls = run->ntask_walls;
    }
    dst->task_digests = NULL;
    dst->ntask_digests = 0;
    if (run->task_digests && run->ntask_digests > 0) {
        size_t size = (size_t)run->ntask_digests * sizeof(*run->task_digests);
        dst->task_digests = xmalloc(size);
        memcpy(dst->task_digests, run->task_digests, size);
        dst->ntask_digests = run->ntask_digests;
    }
    return dst;
}

void results_add_plan(results *r, plan_action action, run_mode mode, int workers, const char *fmt,
                      ...)
{
    if (r->nplan == r->plan_cap) {
        r->plan_cap = r->plan_cap ? 2 * r->plan_cap : 16;
        r->plan = xrealloc(r->plan, (size_t)r->plan_cap * sizeof(*r->plan));
    }
    plan_entry *e = &r->plan[r->nplan++];
    memset(e, 0, sizeof(*e));
    e->action = action;
    e->mode = mode;
    e->workers = workers;
    e->precision = NAN;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->why, sizeof(e->why), fmt, ap);
    va_end(ap);
}

int results_cores(const results *r)
{
    return r->machine.allowed_cores > 0 ? r->machine.allowed_cores : r->machine.cores;
}

double results_cpu_utilization(double cpu_s, double wall_s, int workers, double outside_cpu_s)
{
    double capacity = wall_s * workers;
    if (!(capacity > 0) || !isfinite(cpu_s) || !(outside_cpu_s < capacity))
        return NAN;
    if (cpu_s <= capacity)
        return cpu_s / capacity;
    return cpu_s - capacity <= fmax(outside_cpu_s, 0.0) ? 1.0 : NAN;
}

/* results_run_wall before the host's drift is taken out. */
static double run_wall_as_measured(const run_result *run)
{
    if (!isfinite(run->wall_s))
        return NAN;
    if (!(run->scale > 0) || run->scale == 1.0)
        return run->wall_s;
    /* The part paid once, whatever the job's size. A thread pool's last worker is ready late
     * when the first ones hold the GIL: that wait is the job's own work going on, so its fixed
     * part ends with the first worker ready (mixed, 8 threads on 16 tasks: the last ready after
     * 0.16-0.35 s of a 0.33-0.42 s run, which scaled as if fixed put the whole job at 2.4x where
     * the GIL allows 1.5x). A process pool's workers start apart, each at its own cost. */
    double fixed = run->mode == MODE_THREADS && isfinite(run->first_ready_s)
                       ? run->first_ready_s
                       : run->startup_s;
    double start = isfinite(fixed) && fixed < run->wall_s ? fixed : 0.0;
    double end = isfinite(run->teardown_s) && run->teardown_s > 0 &&
                         start + run->teardown_s < run->wall_s
                     ? run->teardown_s
                     : 0.0;
    return start + (run->wall_s - start - end) * run->scale + end;
}

/* results_run_wall before the probe's pace is taken out. */
static double run_wall_drifted(const run_result *run)
{
    double wall = run_wall_as_measured(run);
    return run->drift_factor > 0 && isfinite(run->drift_factor) ? wall * run->drift_factor : wall;
}

double results_run_wall(const run_result *run)
{
    double wall = run_wall_drifted(run);
    return run->pace_factor > 0 && isfinite(run->pace_factor) ? wall * run->pace_factor : wall;
}

double results_run_task_s(const run_result *run)
{
    double wall = results_run_wall(run);
    double start = isfinite(run->startup_s) && run->startup_s > 0 ? run->startup_s : 0.0;
    double t = wall - start;
    return t > 0 ? t : NAN;
}

/* ---- whether the pools compute what single computes -------------------------------------------- */

int results_task_index(const run_result *run, int j)
{
    if (run->sample_of > run->tasks && run->tasks > 0)
        return (int)(((long long)j * run->sample_of) / run->tasks);
    return j;
}

/* No reference yet for a task index. */
#define REF_UNSET INT64_MIN

/* One comparison of a run's task with the reference: counted, and where they differ, named. */
static void count_task(run_result *run, int index, int64_t got, int64_t want)
{
    run->results_compared++;
    if (got == want)
        return;
    run->results_differ++;
    if (got == RESULT_RAISED)
        run->results_raised++;
    if (run->ndiffer_tasks < RESULTS_DIFFER_TASKS)
        run->differ_tasks[run->ndiffer_tasks++] = index;
}

/* Each run's task results against single's for the same task indices. The reference of a task is
 * its result in the first single run that computed it (the warm-up included); later single runs
 * are compared with it too, and where one differs the job's results vary by themselves (random
 * samples, timestamps): nothing is judged from them. A task single returns None for has no result
 * to compare, nor one whose result cannot be pickled. Runs without digests (read back from
 * results.json) keep the counts they were written with. */
/* A program's calls per run in single mode (its digests, sorted: compared as a whole list);
 * -1 for a workload, or before a single run of it said. */
static int program_single_calls(const results *r)
{
    if (!r->workload.program[0])
        return -1;
    for (int i = 0; i < r->nruns; i++)
        if (r->runs[i].mode == MODE_SINGLE && r->runs[i].task_digests)
            return r->runs[i].ntask_digests;
    return -1;
}

static void compare_tasks(results *r)
{
    int n = r->workload.tasks;
    bool digests = false;
    for (int i = 0; i < r->nruns; i++) {
        const run_result *run = &r->runs[i];
        if (!run->task_digests)
            continue;
        digests = true;
        for (int j = 0; j < run->ntask_digests; j++)
            if (results_task_index(run, j) >= n)
                n = results_task_index(run, j) + 1;
    }
    if (!digests)
        return;
    for (int i = 0; i < r->nruns; i++) {
        run_result *run = &r->runs[i];
        if (!run->task_digests)
            continue;
        run->results_compared = run->results_differ = run->results_raised = 0;
        run->ndiffer_tasks = 0;
    }
    r->check_task = -1;
    if (r->results_vary) {
        r->check = RESULTS_NOT_ASKED;
        return;
    }
    int64_t *ref = xmalloc(sizeof(*ref) * (size_t)(n > 0 ? n : 1));
    for (int k = 0; k < n; k++)
        ref[k] = REF_UNSET;
    bool values = false;
    for (int i = 0; i < r->nruns; i++) {
        run_result *run = &r->runs[i];
        if (run->mode != MODE_SINGLE || !run->task_digests)
            continue;
        for (int j = 0; j < run->ntask_digests; j++) {
            int k = results_task_index(run, j);
            int64_t d = run->task_digests[j];
            if (k < 0 || d == RESULT_UNPICKLABLE)
                continue;
            if (ref[k] == REF_UNSET) {
                ref[k] = d;
                values = values || d >= 0;
            } else if (!(d == RESULT_NONE && ref[k] == RESULT_NONE)) {
                count_task(run, k, d, ref[k]);
                if (d != ref[k] && r->check_task < 0)
                    r->check_task = k;
            }
        }
    }
    int single_calls = program_single_calls(r);
    for (int i = 0; i < r->nruns; i++) {
        run_result *run = &r->runs[i];
        if (run->mode == MODE_SINGLE || !run->task_digests)
            continue;
        /* A program whose calls differ in number (a pool used inside a process pool's worker
         * runs its calls there, uncounted): its results are not the same list to compare. */
        if (single_calls >= 0 && run->ntask_digests != single_calls)
            continue;
        for (int j = 0; j < run->ntask_digests; j++) {
            int k = results_task_index(run, j);
            int64_t d = run->task_digests[j];
            if (k < 0 || ref[k] == REF_UNSET || ref[k] == RESULT_NONE || d == RESULT_UNPICKLABLE)
                continue;
            count_task(run, k, d, ref[k]);
        }
    }
    free(ref);
    r->check = r->check_task >= 0 ? RESULTS_SINGLE_VARIES
               : values           ? RESULTS_COMPARED
                                  : RESULTS_NO_VALUES;
}

/* The last line of a traceback: the exception itself; "" without one. */
static void exception_line(char *buf, size_t len, const char *tb)
{
    const char *end = tb + strlen(tb);
    while (end > tb && (end[-1] == '\n' || end[-1] == ' '))
        end--;
    const char *start = end;
    while (start > tb && start[-1] != '\n')
        start--;
    snprintf(buf, len, "%.*s", (int)(end - start), start);
}

/* What a pool's runs show where its results differ from single's, as a clause that follows the
 * configuration's name, with the numbers: "returned different results for 7 of the 36 tasks
 * compared with single's (tasks 3, 5, 9, 12): the job shares state between threads". */
static void unsafe_results_reason(char *buf, size_t len, const results *r, const config_summary *s,
                                  const int *tasks, int ntasks)
{
    char list[96] = "", exc[160] = "";
    for (int i = 0; i < ntasks; i++)
        util_fmt(list + strlen(list), sizeof(list) - strlen(list), "%s%d", i ? ", " : "", tasks[i]);
    if (s->results_raised > 0)
        for (int i = 0; i < r->nruns && !exc[0]; i++)
            if (results_run_in(s, &r->runs[i]) && r->runs[i].results_raised > 0)
                exception_line(exc, sizeof(exc), r->runs[i].traceback);
    const char *cause = mode_get(s->mode)->shares_memory
                            ? "the job shares state between threads"
                            : "its tasks depend on state that earlier tasks left in the "
                              "process, which each worker process keeps apart";
    int other = s->results_differ - s->results_raised;
    char what[160];
    if (other > 0 && s->results_raised > 0)
        util_fmt(what, sizeof(what), "returned different results for %d and raised in %d of the "
                 "%d tasks compared with single's", other, s->results_raised, s->results_compared);
    else if (other > 0)
        util_fmt(what, sizeof(what), "returned different results for %d of the %d tasks "
                 "compared with single's", other, s->results_compared);
    else
        util_fmt(what, sizeof(what), "raised in %d of the %d tasks compared, where single "
                 "returned", s->results_raised, s->results_compared);
    util_fmt(buf, len, "%s (%s%s%s%s): %s", what, exc[0] ? exc : "", exc[0] ? "; " : "",
             ntasks > 1 ? "tasks " : "task ", list, cause);
}

/* Whether each configuration is unsafe (results_summarize): its own evidence, then its mode's. */
static void judge_safety(const results *r, config_summary *list, int n)
{
    for (int c = 0; c < n; c++) {
        config_summary *s = &list[c];
        s->unsafe = false;
        s->unsafe_reason[0] = '\0';
        if (!mode_get(s->mode)->pool)
            continue;
        int tasks[RESULTS_DIFFER_TASKS], ntasks = 0;
        const run_result *hung = NULL;
        s->results_compared = s->results_differ = s->results_raised = 0;
        for (int i = 0; i < r->nruns; i++) {
            const run_result *run = &r->runs[i];
            if (!results_run_in(s, run))
                continue;
            if (run->hung && !hung)
                hung = run;
            s->results_compared += run->results_compared;
            s->results_differ += run->results_differ;
            s->results_raised += run->results_raised;
            for (int k = 0; k < run->ndiffer_tasks; k++) {
                bool known = false;
                for (int q = 0; q < ntasks && !known; q++)
                    known = tasks[q] == run->differ_tasks[k];
                if (!known && ntasks < RESULTS_DIFFER_TASKS)
                    tasks[ntasks++] = run->differ_tasks[k];
            }
        }
        if (r->check == RESULTS_COMPARED && s->results_differ > 0) {
            s->unsafe = true;
            unsafe_results_reason(s->unsafe_reason, sizeof(s->unsafe_reason), r, s, tasks,
                                  ntasks);
        } else if (hung) {
            s->unsafe = true;
            util_fmt(s->unsafe_reason, sizeof(s->unsafe_reason), "%s", hung->error);
        }
    }
    /* A race shows at one worker count by luck: the mode is unsafe at every count. */
    for (int c = 0; c < n; c++)
        for (int k = 0; k < n && !list[c].unsafe; k++)
            list[c].unsafe = list[k].unsafe && list[k].mode == list[c].mode;
}

bool results_speedup_ci_shown(const results *r, const config_summary *s)
{
    const config_summary *single = results_find_summary(r, MODE_SINGLE, 1);
    return s->runs_ok >= RESULTS_CI_MIN_RUNS && single && single->runs_ok >= RESULTS_CI_MIN_RUNS;
}

/* ---- the host's drift ------------------------------------------------------------------------ */

/* A run of single that can serve as the baseline: counted, not a warm-up or a follow-up. */
static bool baseline_run(const run_result *run)
{
    return run->mode == MODE_SINGLE && !run->warmup && !run->variant && results_run_counts(run) &&
           isfinite(run_wall_as_measured(run));
}

static double run_time(const results *r, int i)
{
    return isfinite(r->runs[i].at_s) ? r->runs[i].at_s : (double)i;
}

/* The host's pace around a run: the geometric mean of the probes before and after it, or the one
 * before where there is no other; NAN without either. */
static double run_pace(const run_result *run)
{
    double a = run->host_probe_s, b = run->host_probe_after_s;
    bool has_a = a > 0 && isfinite(a), has_b = b > 0 && isfinite(b);
    return has_a && has_b ? sqrt(a * b) : has_a ? a : NAN;
}

/* How far the probe's pace moved over the runs on one PU (single's, and any pool's of one
 * worker: a pool's PUs spinning together go at another pace): the median of each 3 neighbouring
 * probes, fastest against slowest. One burst of another process's work slows one probe, not
 * three; it counts where that is beyond 4 standard deviations of the probe's jitter from one
 * run to the next (from the squared differences of successive probes, which a slow drift hardly
 * enters): a virtual CPU whose pace jumps back and forth every fraction of a second does not
 * drift. */
static void probe_drift(const results *r, results_drift *d)
{
    double *p = xmalloc(sizeof(double) * (size_t)(r->nruns > 0 ? r->nruns : 1));
    int n = 0;
    for (int i = 0; i < r->nruns; i++) {
        const run_result *run = &r->runs[i];
        double pace = run_pace(run);
        if (!run->warmup && pace > 0 && mode_threads(run->mode, run->workers) == 1)
            p[n++] = pace;
    }
    d->probes = n;
    d->probe_fast_s = d->probe_slow_s = d->moved = d->probe_jitter = NAN;
    d->probe_beyond_noise = false;
    for (int i = 0; i + 2 < n; i++) {
        double m = stats_median(p + i, 3);
        d->probe_fast_s = i == 0 ? m : fmin(d->probe_fast_s, m);
        d->probe_slow_s = i == 0 ? m : fmax(d->probe_slow_s, m);
    }
    if (d->probe_fast_s > 0) {
        d->moved = d->probe_slow_s / d->probe_fast_s - 1.0;
        double ss = 0.0;
        for (int i = 1; i < n; i++) {
            double step = log(p[i] / p[i - 1]);
            ss += step * step;
        }
        d->probe_jitter = sqrt(ss / (2.0 * (n - 1)));
        d->probe_beyond_noise = log(d->probe_slow_s / d->probe_fast_s) > 4.0 * d->probe_jitter;
    }
    free(p);
}

/* Whether runs a and b are of one configuration (the sweep's, or the same follow-up). */
static bool same_run_config(const run_result *a, const run_result *b)
{
    return a->mode == b->mode && a->workers == b->workers && a->variant == b->variant &&
           a->chunksize == b->chunksize && a->native_limit == b->native_limit &&
           strcmp(a->start_method, b->start_method) == 0 &&
           a->loop.concurrency == b->loop.concurrency;
}

/* The noise of runs made one after the other: the pooled variance of the logarithms of the wall
 * times within each spell of consecutive counted runs of one configuration, which no drift
 * between spells enters. *df gets its degrees of freedom. */
static double spell_noise(const results *r, double *df)
{
    double ss = 0.0, sum = 0.0;
    int n = 0, dfs = 0;
    for (int i = 0; i <= r->nruns; i++) {
        const run_result *run = i < r->nruns ? &r->runs[i] : NULL;
        bool counts = run && !run->warmup && results_run_counts(run) &&
                      run_wall_as_measured(run) > 0;
        const run_result *prev = i > 0 ? &r->runs[i - 1] : NULL;
        bool same = counts && n > 0 && prev && same_run_config(prev, run);
        if (!same && n > 0) { /* the spell ends */
            dfs += n - 1;
            n = 0;
            sum = 0.0;
        }
        if (!counts)
            continue;
        double x = log(run_wall_as_measured(run));
        /* Welford's update within the spell. */
        n++;
        double delta = x - sum;
        sum += delta / n;
        ss += delta * (x - sum);
    }
    *df = dfs;
    return dfs > 0 ? sqrt(ss / dfs) : NAN;
}

/* Single's runs in time order, each with its pace smoothed: the median of 3 neighbouring runs
 * (shifted at the ends). One stalled run of single (1.4 s among runs of 0.1 s on a busy host)
 * is not a drift, and must not be the baseline of the pool runs beside it; two slower runs in a
 * row are. */
typedef struct {
    int n;
    int *run;        /* index in r->runs */
    double *smooth;  /* smoothed whole-job time */
} baseline_series;

static void baseline_series_of(const results *r, baseline_series *b)
{
    size_t cap = (size_t)(r->nruns > 0 ? r->nruns : 1);
    b->run = xmalloc(sizeof(int) * cap);
    b->smooth = xmalloc(sizeof(double) * cap);
    double *w = xmalloc(sizeof(double) * cap);
    b->n = 0;
    for (int i = 0; i < r->nruns; i++)
        if (baseline_run(&r->runs[i])) {
            b->run[b->n] = i;
            w[b->n++] = run_wall_as_measured(&r->runs[i]);
        }
    for (int j = 0; j < b->n; j++) {
        int from = j - 1 < 0 ? 0 : j - 1;
        if (from + 3 > b->n)
            from = b->n - 3 < 0 ? 0 : b->n - 3;
        int k = b->n - from < 3 ? b->n - from : 3;
        b->smooth[j] = stats_median(w + from, k);
    }
    free(w);
}

static void baseline_series_free(baseline_series *b)
{
    free(b->run);
    free(b->smooth);
}

/* The baseline's runs over time: how many, when, how fast, how many were made after another
 * configuration's runs (re-measured through the run), and how far its smoothed pace moved. */
static void baseline_drift(const results *r, results_drift *d)
{
    d->baseline_runs = d->reference_runs = 0;
    d->baseline_first_at_s = d->baseline_last_at_s = NAN;
    d->baseline_fast_s = d->baseline_slow_s = d->span_s = d->baseline_moved = NAN;
    d->baseline_beyond_noise = false;
    double first = NAN, last = NAN;
    bool other_before = false;
    for (int i = 0; i < r->nruns; i++) {
        const run_result *run = &r->runs[i];
        if (!run->warmup && isfinite(run->at_s)) {
            if (!isfinite(first))
                first = run->at_s;
            last = run->at_s;
        }
        if (!baseline_run(run)) {
            other_before |= !run->warmup && results_run_counts(run);
            continue;
        }
        double w = run_wall_as_measured(run);
        if (d->baseline_runs++ == 0)
            d->baseline_first_at_s = run->at_s;
        d->baseline_last_at_s = run->at_s;
        d->reference_runs += other_before;
        d->baseline_fast_s = isfinite(d->baseline_fast_s) ? fmin(d->baseline_fast_s, w) : w;
        d->baseline_slow_s = isfinite(d->baseline_slow_s) ? fmax(d->baseline_slow_s, w) : w;
    }
    d->span_s = last - first;
    baseline_series b;
    baseline_series_of(r, &b);
    if (d->reference_runs > 0 && b.n >= 3) {
        double fast = b.smooth[0], slow = b.smooth[0];
        for (int j = 1; j < b.n; j++) {
            fast = fmin(fast, b.smooth[j]);
            slow = fmax(slow, b.smooth[j]);
        }
        d->baseline_moved = slow / fast - 1.0;
        /* Beyond the noise: 4 standard deviations of runs made one after the other, wide enough
         * for the fastest and slowest of several medians of 3 (with 3, a job whose runs vary
         * +-45 % at random was found drifting by 2.5x). */
        double df, sigma = spell_noise(r, &df);
        d->baseline_beyond_noise = isfinite(sigma) && log(slow / fast) > 4.0 * sigma;
    }
    baseline_series_free(&b);
}

/* Single's smoothed time near run i: between the baseline runs just before and just after it,
 * in proportion to when it ran; the nearest one where it has only one side. NAN with none. */
static double baseline_near(const results *r, const baseline_series *b, int i)
{
    int after = 0;
    while (after < b->n && b->run[after] < i)
        after++;
    int before = after - 1;
    if (b->n == 0)
        return NAN;
    if (before < 0 || after >= b->n)
        return b->smooth[before < 0 ? after : before];
    double tb = run_time(r, b->run[before]), ta = run_time(r, b->run[after]), t = run_time(r, i);
    double f = ta > tb ? (t - tb) / (ta - tb) : 0.5;
    return b->smooth[before] + (b->smooth[after] - b->smooth[before]) * fmin(fmax(f, 0.0), 1.0);
}

static void pace_of(const results *r, results_drift *d, double *factor, bool as_measured);

void results_find_drift(const results *r, results_drift *d)
{
    probe_drift(r, d);
    baseline_drift(r, d);
    /* A job whose times plainly do not follow the probe (one waiting on sleeps or a disk) is not
     * moved by the probe's drift: the slope of its runs on the probe's pace is not RESULTS_PACE_T
     * standard errors above 0, and with 2 standard errors stays under a half. */
    results_drift t;
    pace_of(r, &t, NULL, true);
    d->job_ignores_probe = isfinite(t.pace_slope) && isfinite(t.pace_slope_se) &&
                           t.pace_slope < RESULTS_PACE_T * t.pace_slope_se &&
                           t.pace_slope + 2.0 * t.pace_slope_se < 0.5;
    d->found = results_drift_moved(d) > 0;
    d->adjusted = d->found && d->reference_runs > 0;
}

double results_drift_moved(const results_drift *d)
{
    double moved = d->probe_beyond_noise && !d->job_ignores_probe && d->moved > RESULTS_DRIFT_FOUND
                       ? d->moved
                       : 0.0;
    if (d->baseline_beyond_noise && d->baseline_moved > RESULTS_DRIFT_FOUND &&
        d->baseline_moved > moved)
        moved = d->baseline_moved;
    return moved;
}

static void find_drift(results *r)
{
    results_drift *d = &r->drift;
    for (int i = 0; i < r->nruns; i++)
        r->runs[i].drift_factor = r->runs[i].pace_factor = 1.0;
    results_find_drift(r, d);
    if (!d->adjusted)
        return;
    baseline_series b;
    baseline_series_of(r, &b);
    double *w = xmalloc(sizeof(double) * (size_t)(b.n > 0 ? b.n : 1));
    for (int j = 0; j < b.n; j++)
        w[j] = run_wall_as_measured(&r->runs[b.run[j]]);
    double median = stats_median(w, b.n);
    free(w);
    for (int i = 0; i < r->nruns; i++) {
        run_result *run = &r->runs[i];
        /* Single's follow-ups (a native limit, say) are compared like any other configuration. */
        if (baseline_run(run) || run->warmup || !results_run_counts(run))
            continue;
        double near = baseline_near(r, &b, i);
        if (near > 0 && median > 0)
            run->drift_factor = median / near;
    }
    baseline_series_free(&b);
}

/* The probe's pace as a control variate of each configuration's runs (results_drift.pace_*):
 * the slope of log time on log pace, pooled within configurations; where it is at least
 * RESULTS_PACE_T standard errors above 0, factor[i] (where given) gets what puts run i at its
 * configuration's mean pace, and 1 for the others. */
static void pace_of(const results *r, results_drift *d, double *factor, bool as_measured)
{
    d->pace_runs = d->pace_configs = 0;
    d->pace_slope = d->pace_slope_se = d->pace_noise_raw = d->pace_noise_paced = NAN;
    d->pace_applied = false;
    int n = r->nruns;
    for (int i = 0; factor && i < n; i++)
        factor[i] = 1.0;
    if (n < 2)
        return;
    int *group = xmalloc(sizeof(int) * (size_t)n);
    double *x = xmalloc(sizeof(double) * (size_t)n), *y = xmalloc(sizeof(double) * (size_t)n);
    double *mx = xmalloc(sizeof(double) * (size_t)n), *my = xmalloc(sizeof(double) * (size_t)n);
    int *count = xmalloc(sizeof(int) * (size_t)n);
    int ngroups = 0;
    for (int i = 0; i < n; i++) {
        const run_result *run = &r->runs[i];
        bool both = run->host_probe_after_s > 0 && isfinite(run->host_probe_after_s);
        double p = both ? run_pace(run) : NAN;
        double w = as_measured ? run_wall_as_measured(run) : run_wall_drifted(run);
        group[i] = -1;
        if (run->warmup || !results_run_counts(run) || !(p > 0) || !(w > 0) || !isfinite(w))
            continue;
        x[i] = log(p);
        y[i] = log(w);
        int g = 0;
        while (g < ngroups) {
            int j = 0;
            while (group[j] != g)
                j++;
            if (same_run_config(&r->runs[j], run))
                break;
            g++;
        }
        if (g == ngroups) {
            mx[g] = my[g] = 0.0;
            count[g] = 0;
            ngroups++;
        }
        group[i] = g;
        mx[g] += x[i];
        my[g] += y[i];
        count[g]++;
    }
    for (int g = 0; g < ngroups; g++) {
        mx[g] /= count[g];
        my[g] /= count[g];
        if (count[g] >= 2) {
            d->pace_configs++;
            d->pace_runs += count[g];
        }
    }
    double sxx = 0.0, sxy = 0.0, syy = 0.0;
    for (int i = 0; i < n; i++)
        if (group[i] >= 0 && count[group[i]] >= 2) {
            double dx = x[i] - mx[group[i]], dy = y[i] - my[group[i]];
            sxx += dx * dx;
            sxy += dx * dy;
            syy += dy * dy;
        }
    int df = d->pace_runs - d->pace_configs - 1;
    if (df >= RESULTS_PACE_MIN_DF && sxx > 0) {
        double slope = sxy / sxx;
        double resid = syy - slope * sxy;
        d->pace_slope = slope;
        d->pace_slope_se = sqrt(fmax(resid, 0.0) / df / sxx);
        d->pace_applied = !r->back_to_back && slope > 0 &&
                          slope >= RESULTS_PACE_T * d->pace_slope_se;
    }
    /* A slope above 1 would put more on the pace than the probe's own spell. */
    double slope = d->pace_applied ? fmin(d->pace_slope, 1.0) : 0.0;
    if (isfinite(d->pace_slope)) {
        int within = d->pace_runs - d->pace_configs;
        d->pace_noise_raw = sqrt(syy / within);
        double left = syy - 2.0 * slope * sxy + slope * slope * sxx;
        d->pace_noise_paced = sqrt(fmax(left, 0.0) / within);
    }
    for (int i = 0; factor && i < n; i++)
        factor[i] = d->pace_applied && group[i] >= 0 && count[group[i]] >= 2
                        ? exp(-slope * (x[i] - mx[group[i]]))
                        : 1.0;
    free(group);
    free(x);
    free(y);
    free(mx);
    free(my);
    free(count);
}

void results_find_pace(const results *r, results_drift *d)
{
    pace_of(r, d, NULL, false);
}

static void find_pace(results *r)
{
    if (r->nruns < 1)
        return;
    double *factor = xmalloc(sizeof(double) * (size_t)r->nruns);
    pace_of(r, &r->drift, factor, false);
    for (int i = 0; i < r->nruns; i++)
        r->runs[i].pace_factor = factor[i];
    free(factor);
}

/* ---- summary ---------------------------------------------------------------------------------- */

/* The sweep first (mode, then workers), the follow-ups after it in the same order. */
static int cmp_config(const void *pa, const void *pb)
{
    const config_summary *a = pa;
    const config_summary *b = pb;
    if (a->variant != b->variant)
        return (int)a->variant - (int)b->variant;
    if (a->mode != b->mode)
        return (int)a->mode - (int)b->mode;
    if (a->workers != b->workers)
        return (a->workers > b->workers) - (a->workers < b->workers);
    if (a->chunksize != b->chunksize)
        return (a->chunksize > b->chunksize) - (a->chunksize < b->chunksize);
    if (a->native_limit != b->native_limit)
        return (a->native_limit > b->native_limit) - (a->native_limit < b->native_limit);
    if (a->loop.concurrency != b->loop.concurrency)
        return (a->loop.concurrency > b->loop.concurrency) -
               (a->loop.concurrency < b->loop.concurrency);
    return strcmp(a->start_method, b->start_method);
}

/* Whether run belongs to the configuration s summarises: a sweep run to its (mode, workers), a
 * follow-up to its (mode, workers, chunksize, start method). */
static bool same_config(const config_summary *s, const run_result *run)
{
    if (run->warmup)
        return false;
    if (s->mode != run->mode || s->workers != run->workers || s->variant != run->variant)
        return false;
    return !run->variant ||
           (s->chunksize == run->chunksize && s->native_limit == run->native_limit &&
            strcmp(s->start_method, run->start_method) == 0 &&
            s->loop.concurrency == run->loop.concurrency);
}

/* A configuration of the sweep. */
static config_summary *find_config(config_summary *list, int n, run_mode mode, int workers)
{
    for (int i = 0; i < n; i++) {
        if (!list[i].variant && list[i].mode == mode && list[i].workers == workers)
            return &list[i];
    }
    return NULL;
}

/* a / b where both are finite and b > 0 (a wall time or an interval bound), else NAN: a normal-theory
 * interval can reach below zero, and then the ratio has no upper bound worth reporting. */
static double ratio(double a, double b)
{
    if (!isfinite(a) || !isfinite(b) || b <= 0.0)
        return NAN;
    return a / b;
}

/* Adds the samples of one run; a run with nothing sampled adds nothing. */
static void pool_states(state_hist *sum, const state_hist *run)
{
    if (!(run->total > 0))
        return;
    for (int st = 0; st < TS_COUNT; st++)
        sum->counts[st] += run->counts[st];
    sum->total += run->total;
}

/* ((wall - startup) x workers - the tasks' own wall time) / tasks for one run; NAN without task
 * times. Single has no start-up: its loop's own cost per task. */
static double run_overhead_per_task(const run_result *run)
{
    int n = run->task_wall.n;
    if (n <= 0 || !isfinite(run->task_wall.mean) || !isfinite(run->wall_s))
        return NAN;
    double start = isfinite(run->startup_s) ? run->startup_s : 0.0;
    double end = isfinite(run->teardown_s) && run->teardown_s > 0 ? run->teardown_s : 0.0;
    return ((run->wall_s - start - end) * run->workers - run->task_wall.mean * n) / n;
}

/* The runs that enter the timings (runs_ok) are those results_run_counts takes: an ok run, or one
 * whose tasks partly raised (a failing task is data: the job's own failures, paid in every
 * configuration alike; its wall time stands, and tasks_failed says how many). Every other run
 * counts in runs_failed, and stays in r->runs, and so in results.json and the reports, with its
 * error. The medians
 * of cpu_utilization, startup_s, IPC and LLC MPKI, and the pooled sampler states, come from the same
 * runs, leaving out values not measured. */
/* Every configuration with a run (the warm-up apart), in results.json's order. */
static config_summary *list_configs(const results *r, int *count)
{
    config_summary *list = xcalloc((size_t)r->nruns, sizeof(*list));
    int n = 0;
    for (int i = 0; i < r->nruns; i++) {
        const run_result *run = &r->runs[i];
        if (run->warmup)
            continue; /* kept in runs[], in no summary */
        bool known = false;
        for (int c = 0; c < n && !known; c++)
            known = same_config(&list[c], run);
        if (known)
            continue;
        list[n].mode = run->mode;
        list[n].workers = run->workers;
        list[n].variant = run->variant;
        list[n].chunksize = run->chunksize;
        list[n].native_limit = run->native_limit;
        snprintf(list[n].start_method, sizeof(list[n].start_method), "%s", run->start_method);
        list[n].loop.concurrency = run->loop.concurrency;
        n++;
    }
    qsort(list, (size_t)n, sizeof(*list), cmp_config);
    *count = n;
    return list;

}

static double get_cluster_start(const run_result *run)
{
    return run->cluster_start_s;
}

/* One value per run of a configuration, for its medians: room for every run of the results. */
typedef struct {
    double *wall, *util, *startup, *ipc, *mpki, *over, *pick, *rss, *ntasks, *se, *task;
    int *repeats, *flags;
} summary_scratch;

/* s's medians, interval, outliers and pooled states from the runs that count
 * (results_run_counts); the others count in runs_failed. */
static void summarize_config(const results *r, config_summary *s, const summary_scratch *k)
{
    int nwall = 0, ntask = 0, nutil = 0, nstartup = 0, nipc = 0, nmpki = 0, nover = 0, npick = 0, nrss = 0;
    state_hist pooled = {{0}, 0};
    bool distinguished = true;
    for (int i = 0; i < r->nruns; i++) {
        const run_result *run = &r->runs[i];
        if (!same_config(s, run))
            continue;
        /* A sweep's runs agree on these; a run that failed early may not know them. */
        if (s->chunksize == 0)
            s->chunksize = run->chunksize;
        if (!s->start_method[0])
            snprintf(s->start_method, sizeof(s->start_method), "%s", run->start_method);
        if (!results_run_counts(run)) {
            s->runs_failed++;
            continue;
        }
        k->ntasks[nwall] = run->tasks;
        k->se[nwall] = isfinite(run->scale_se) ? run->scale_se : 0.0;
        k->repeats[nwall] = run->repeat;
        k->wall[nwall++] = results_run_wall(run);
        double tp = results_run_task_s(run);
        if (isfinite(tp))
            k->task[ntask++] = tp;
        if (isfinite(run->cpu_utilization))
            k->util[nutil++] = run->cpu_utilization;
        if (isfinite(run->startup_s))
            k->startup[nstartup++] = run->startup_s;
        pool_states(&pooled, &run->states);
        distinguished = distinguished && run->gil_distinguished;
        double v0 = run_overhead_per_task(run);
        if (isfinite(v0))
            k->over[nover++] = v0;
        if (!isnan(run->pickle_arg_bytes) || !isnan(run->pickle_result_bytes))
            k->pick[npick++] = (isnan(run->pickle_arg_bytes) ? 0 : run->pickle_arg_bytes) +
                            (isnan(run->pickle_result_bytes) ? 0 : run->pickle_result_bytes);
        if (isfinite(run->peak_rss_bytes))
            k->rss[nrss++] = run->peak_rss_bytes;
        double v = ratio(run->counters.instructions, run->counters.cycles);
        if (isfinite(v))
            k->ipc[nipc++] = v;
        v = ratio(run->counters.llc_misses, run->counters.instructions / 1000.0);
        if (isfinite(v))
            k->mpki[nmpki++] = v;
    }
    s->runs_ok = nwall;
    s->wall_s = stats_median(k->wall, nwall);
    s->ci_method = stats_median_ci(k->wall, nwall, &s->ci_low_s, &s->ci_high_s);
    s->precision = stats_median_precision(k->wall, nwall);
    s->task_s = stats_median(k->task, ntask);
    s->task_ci_low_s = s->task_ci_high_s = NAN;
    if (ntask > 0)
        stats_median_ci(k->task, ntask, &s->task_ci_low_s, &s->task_ci_high_s);
    s->sample_tasks = nwall > 0 ? (int)stats_median(k->ntasks, nwall) : 0;
    s->sample_se = nwall > 0 ? stats_median(k->se, nwall) : 0.0;
    s->noutliers = 0;
    if (stats_mad_outliers(k->wall, nwall, STATS_OUTLIER_Z, k->flags) > 0)
        for (int i = 0; i < nwall; i++)
            if (k->flags[i] && s->noutliers < (int)ARRAY_LEN(s->outliers))
                s->outliers[s->noutliers++] = k->repeats[i];
    s->cpu_utilization = stats_median(k->util, nutil);
    s->startup_s = stats_median(k->startup, nstartup);
    s->state_samples = pooled.total;
    for (int st = 0; st < TS_COUNT; st++)
        *fraction_field(s, st) = pooled.total > 0 ? pooled.counts[st] / pooled.total : NAN;
    s->gil_distinguished = nwall > 0 && distinguished;
    s->ipc = stats_median(k->ipc, nipc);
    s->llc_mpki = stats_median(k->mpki, nmpki);
    s->pool_overhead_per_task = stats_median(k->over, nover);
    s->pickle_bytes_per_task = stats_median(k->pick, npick);
    s->peak_rss_bytes = stats_median(k->rss, nrss);
    s->cluster_start_s = results_config_median(r, s, get_cluster_start);
}

/* s's native pool threads per run (median of those reported) and the share of the sampled CPU
 * time the native pools took, pooled over the runs that count. */
static void summarize_native(const results *r, config_summary *s)
{
    double *v = xmalloc(sizeof(double) * (size_t)(r->nruns + 1));
    int n = 0;
    double native = 0, interp = 0;
    for (int i = 0; i < r->nruns; i++) {
        const run_result *run = &r->runs[i];
        if (!same_config(s, run) || !results_run_counts(run))
            continue;
        if (run->native_threads >= 0)
            v[n++] = run->native_threads;
        if (isfinite(run->cpu_native_s) && isfinite(run->cpu_interp_s)) {
            native += run->cpu_native_s;
            interp += run->cpu_interp_s;
        }
    }
    s->native_threads = stats_median(v, n);
    s->native_cpu_share = native + interp > 0 ? native / (native + interp) : NAN;
    free(v);
}

/* s's loop figures from the runs that count: the median blocked fraction, the run with the longest
 * step (its longest steps and their tasks), the most tasks that never awaited, the most left
 * pending. measured stays false for a plain workload. */
static void summarize_loop(const results *r, config_summary *s, double *scratch)
{
    int concurrency = s->loop.concurrency;
    s->loop = (loop_figures){.concurrency = concurrency, .blocked_fraction = NAN,
                             .max_step_s = NAN};
    int n = 0;
    for (int i = 0; i < r->nruns; i++) {
        const run_result *run = &r->runs[i];
        if (!same_config(s, run) || !results_run_counts(run) || !run->loop.measured)
            continue;
        s->loop.measured = true;
        if (isfinite(run->loop.blocked_fraction))
            scratch[n++] = run->loop.blocked_fraction;
        if (isfinite(run->loop.max_step_s) && !(run->loop.max_step_s <= s->loop.max_step_s)) {
            s->loop.max_step_s = run->loop.max_step_s;
            s->loop.nlongest = run->loop.nlongest;
            memcpy(s->loop.longest_tasks, run->loop.longest_tasks, sizeof(s->loop.longest_tasks));
            memcpy(s->loop.longest_s, run->loop.longest_s, sizeof(s->loop.longest_s));
        }
        if (run->loop.one_step_tasks > s->loop.one_step_tasks)
            s->loop.one_step_tasks = run->loop.one_step_tasks;
        if (run->loop.pending_cancelled > s->loop.pending_cancelled)
            s->loop.pending_cancelled = run->loop.pending_cancelled;
    }
    s->loop.blocked_fraction = stats_median(scratch, n);
}

/* Speedup against single with one worker; its interval pairs the extremes of both intervals.
 * Efficiency per row; the GIL penalty on both rows of a worker count that has both pools. */
/* Where the host drifted (results_drift.adjusted), a pool's speedup interval is that of the
 * median of its runs' own speedups against the single runs nearest in time: single's runs, spread
 * over the drift, would otherwise widen every interval by the drift itself. get: the whole run
 * or its task phase. */
static void drift_speedup_ci(const results *r, const config_summary *s, double base_s,
                             double (*get)(const run_result *), double *lo, double *hi)
{
    double x[64];
    int n = 0;
    for (int i = 0; i < r->nruns && n < 64; i++)
        if (results_run_in(s, &r->runs[i]) && results_run_counts(&r->runs[i]) &&
            get(&r->runs[i]) > 0)
            x[n++] = base_s / get(&r->runs[i]);
    if (n >= 2)
        stats_median_ci(x, n, lo, hi);
}

static void add_speedups(const results *r, config_summary *list, int n)
{
    const config_summary *base = find_config(list, n, MODE_SINGLE, 1);
    if (base && base->runs_ok == 0)
        base = NULL;
    for (int c = 0; c < n; c++) {
        config_summary *s = &list[c];
        if (!base || s->runs_ok == 0) {
            s->speedup = s->speedup_low = s->speedup_high = NAN;
            s->task_speedup = s->task_speedup_low = s->task_speedup_high = NAN;
            continue;
        }
        s->task_speedup = ratio(base->task_s, s->task_s);
        s->task_speedup_low = ratio(base->task_ci_low_s, s->task_ci_high_s);
        s->task_speedup_high = ratio(base->task_ci_high_s, s->task_ci_low_s);
        s->speedup = ratio(base->wall_s, s->wall_s);
        s->speedup_low = ratio(base->ci_low_s, s->ci_high_s);
        s->speedup_high = ratio(base->ci_high_s, s->ci_low_s);
        if (r->drift.adjusted && s != base) {
            drift_speedup_ci(r, s, base->wall_s, results_run_wall, &s->speedup_low,
                             &s->speedup_high);
            drift_speedup_ci(r, s, base->task_s, results_run_task_s, &s->task_speedup_low,
                             &s->task_speedup_high);
        }
    }

    /* Efficiency per row; the GIL penalty on both rows of a worker count that has both pools. */
    for (int c = 0; c < n; c++) {
        config_summary *s = &list[c];
        s->efficiency = ratio(s->speedup, (double)s->workers);
        s->gil_penalty = NAN;
        if (s->variant || !mode_get(s->mode)->pool || mode_get(s->mode)->coroutines)
            continue;
        const config_summary *t = find_config(list, n, MODE_THREADS, s->workers);
        const config_summary *p = find_config(list, n, MODE_PROCESSES, s->workers);
        if (t && p)
            s->gil_penalty = ratio(p->speedup, t->speedup);
    }

}

void results_summarize(results *r)
{
    free(r->summary);
    r->summary = NULL;
    r->nsummary = 0;
    if (r->nruns == 0)
        return;
    compare_tasks(r);
    find_drift(r);
    find_pace(r);
    int n = 0;
    config_summary *list = list_configs(r, &n);
    size_t d = (size_t)r->nruns * sizeof(double), i = (size_t)r->nruns * sizeof(int);
    summary_scratch k = {.wall = xmalloc(d), .util = xmalloc(d), .startup = xmalloc(d),
                         .ipc = xmalloc(d), .mpki = xmalloc(d), .over = xmalloc(d),
                         .pick = xmalloc(d), .rss = xmalloc(d), .ntasks = xmalloc(d),
                         .se = xmalloc(d), .task = xmalloc(d), .repeats = xmalloc(i),
                         .flags = xmalloc(i)};
    for (int c = 0; c < n; c++) {
        summarize_config(r, &list[c], &k);
        summarize_native(r, &list[c]);
        summarize_loop(r, &list[c], k.wall);
    }
    double *ds[] = {k.wall, k.util, k.startup, k.ipc, k.mpki, k.over, k.pick, k.rss, k.ntasks,
                    k.se, k.task};
    for (size_t j = 0; j < ARRAY_LEN(ds); j++)
        free(ds[j]);
    free(k.repeats);
    free(k.flags);
    add_speedups(r, list, n);
    judge_safety(r, list, n);
    r->summary = list;
    r->nsummary = n;
}

const run_result *results_program_run(const results *r)
{
    const run_result *any = NULL;
    for (int i = 0; i < r->nruns; i++) {
        const run_result *x = &r->runs[i];
        if (!x->program.known)
            continue;
        if (x->mode == MODE_SINGLE)
            return x;
        if (!any)
            any = x;
    }
    return any;
}

bool results_program_config(const results *r, run_mode *mode, int *workers)
{
    const run_result *x = results_program_run(r);
    if (!x || x->program.npools == 0)
        return false;
    const program_pool *busiest = &x->program.pools[0];
    for (int i = 1; i < x->program.npools && i < PROGRAM_MAX_POOLS; i++)
        if (x->program.pools[i].tasks > busiest->tasks)
            busiest = &x->program.pools[i];
    if (busiest->asked < 1)
        return false;
    *mode = strstr(busiest->kind, "Thread") ? MODE_THREADS : MODE_PROCESSES;
    *workers = busiest->asked;
    return true;
}

/* NULL when the configuration was not summarised. */
const config_summary *results_find_summary(const results *r, run_mode mode, int workers)
{
    for (int i = 0; i < r->nsummary; i++) {
        const config_summary *s = &r->summary[i];
        if (!s->variant && s->mode == mode && s->workers == workers)
            return s;
    }
    return NULL;
}

/* NULL when that follow-up was not measured. */
const config_summary *results_find_loop_variant(const results *r, int workers, int concurrency,
                                                const char *start_method)
{
    for (int i = 0; i < r->nsummary; i++) {
        const config_summary *s = &r->summary[i];
        if (s->variant && s->mode == MODE_PROCESSES && s->workers == workers &&
            s->loop.concurrency == concurrency &&
            (!start_method || strcmp(s->start_method, start_method) == 0))
            return s;
    }
    return NULL;
}

const config_summary *results_find_variant(const results *r, run_mode mode, int workers,
                                           int chunksize, const char *start_method)
{
    for (int i = 0; i < r->nsummary; i++) {
        const config_summary *s = &r->summary[i];
        if (s->variant && s->mode == mode && s->workers == workers && s->chunksize == chunksize &&
            s->native_limit == 0 && strcmp(s->start_method, start_method) == 0 &&
            s->loop.concurrency == 0)
            return s;
    }
    return NULL;
}

const config_summary *results_find_limited(const results *r, run_mode mode, int workers,
                                           int chunksize, const char *start_method,
                                           int native_limit)
{
    for (int i = 0; i < r->nsummary; i++) {
        const config_summary *s = &r->summary[i];
        if (s->variant && s->mode == mode && s->workers == workers && s->chunksize == chunksize &&
            s->native_limit == native_limit && strcmp(s->start_method, start_method) == 0)
            return s;
    }
    return NULL;
}

int results_native_threads(const results *r)
{
    int most = -1;
    for (int i = 0; i < r->nruns; i++)
        if (r->runs[i].native_threads > most && !mode_get(r->runs[i].mode)->cluster)
            most = r->runs[i].native_threads;
    return most;
}

bool results_run_in(const config_summary *s, const run_result *run)
{
    return same_config(s, run);
}

bool results_run_counts(const run_result *run)
{
    bool measured = run->status == RUN_OK ||
                    (run->status == RUN_TASKS_FAILED && run->tasks_ok > 0);
    return measured && isfinite(run->wall_s);
}

int results_config_walls(const results *r, const config_summary *s, double *out, int max)
{
    int n = 0;
    for (int i = 0; i < r->nruns && n < max; i++)
        if (same_config(s, &r->runs[i]) && results_run_counts(&r->runs[i]))
            out[n++] = results_run_wall(&r->runs[i]);
    return n;
}

/* The logarithms of the wall times of s's runs into out (at most max); returns how many. */
static int log_walls(const results *r, const config_summary *s, double *out, int max)
{
    int n = results_config_walls(r, s, out, max);
    for (int i = 0; i < n; i++)
        out[i] = log(out[i]);
    return n;
}

/* results_log_noise over the configurations run with a native limit (limited 1), without one
 * (0), or all of them (-1). */
static double log_noise_of(const results *r, int limited, double *df)
{
    double ss = 0.0, v[64];
    int dof = 0;
    for (int i = 0; i < r->nsummary; i++) {
        if (limited >= 0 && (r->summary[i].native_limit > 0) != (limited > 0))
            continue;
        int n = log_walls(r, &r->summary[i], v, 64);
        if (n < 2)
            continue;
        double mean, var;
        stats_mean_var(v, n, &mean, &var);
        ss += var * (n - 1);
        dof += n - 1;
    }
    *df = dof;
    return dof > 0 ? sqrt(ss / dof) : NAN;
}

double results_log_noise(const results *r, double *df)
{
    return log_noise_of(r, -1, df);
}

int results_compare_walls(const results *r, const config_summary *a, const config_summary *b,
                          double level, stats_welch *out)
{
    double wa[64], wb[64], df;
    int na = log_walls(r, a, wa, 64), nb = log_walls(r, b, wb, 64);
    if (na < 2 || nb < 2) {
        *out = (stats_welch){na, nb, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN};
        return -1;
    }
    /* Two configurations with their native pools limited, or two without, are compared with the
     * noise of their own kind: oversubscribed pools (threads spinning for cores they share)
     * spread their runs far wider than the limited ones, and would hide a 1.6x step there. */
    bool la = a->native_limit > 0, lb = b->native_limit > 0;
    double sd = log_noise_of(r, la == lb ? (int)la : -1, &df);
    if (df >= RESULTS_POOL_MIN_DF)
        return stats_pooled_test(wa, na, wb, nb, sd, df, level, out);
    return stats_welch_test(wa, na, wb, nb, level, out);
}

double results_config_median(const results *r, const config_summary *s,
                             double (*get)(const run_result *run))
{
    double *v = xmalloc(sizeof(double) * (size_t)(r->nruns ? r->nruns : 1));
    int n = 0;
    for (int i = 0; i < r->nruns; i++) {
        const run_result *run = &r->runs[i];
        if (!same_config(s, run) || !results_run_counts(run))
            continue;
        double x = get(run);
        if (!isnan(x))
            v[n++] = x;
    }
    double m = stats_median(v, n);
    free(v);
    return m;
}

