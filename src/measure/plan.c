/* plan.c - which configurations a run measures: modes x worker counts x repeats. */
#include "concur/plan.h"
#include "concur/stats.h"
#include "concur/util.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* A step is worth taking again when the last one gained at least this much (and more than its
 * own noise): below it, more workers only cost memory and start-up time. */
#define PLAN_GROW_MIN_GAIN 1.10
/* Workers that keep their CPUs this busy saturate them: more workers than cores cannot overlap
 * anything more, whatever the last step gained. */
#define PLAN_GROW_MAX_UTILIZATION 0.80
/* Past the core count the sweep doubles up to this many workers per core. */
#define PLAN_GROW_MAX_PER_CORE 32

static const char *const action_names[] = {"ran", "warm-up", "skipped", "stopped", "budget"};

/* 1, 2, 4, ... up to cores, with cores itself last when it is not a power of two. */
static int sweep_counts(int cores, int *out)
{
    int n = 0;
    for (int w = 1; w <= cores && n < PLAN_MAX_WORKERS; w *= 2)
        out[n++] = w;
    if (n > 0 && out[n - 1] != cores && n < PLAN_MAX_WORKERS)
        out[n++] = cores;
    return n;
}

int plan_build(const plan_request *req, plan *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    if (req->modes == 0 || (req->modes & ~(MODE_BIT(MODE_COUNT) - 1u))) {
        snprintf(err, errlen, "no valid mode requested");
        return -1;
    }
    if (req->repeat < 1) {
        snprintf(err, errlen, "--repeat must be at least 1");
        return -1;
    }
    int counts[PLAN_MAX_WORKERS];
    int ncounts;
    if (req->nworkers > 0) {
        ncounts = req->nworkers;
        for (int i = 0; i < ncounts; i++) {
            if (req->workers[i] < 1 || req->workers[i] > PLAN_WORKER_CAP) {
                snprintf(err, errlen, "worker count %d is out of range (1 to %d)", req->workers[i],
                         PLAN_WORKER_CAP);
                return -1;
            }
            counts[i] = req->workers[i];
        }
        out->sweep = false;
    } else {
        ncounts = sweep_counts(req->cores > 0 ? req->cores : 1, counts);
        out->sweep = true;
    }

    /* single is the baseline of every speedup: measured whenever anything is. */
    out->configs[out->n++] = (plan_config){MODE_SINGLE, 1};
    for (int m = MODE_THREADS; m < MODE_COUNT; m++) {
        if (!(req->modes & MODE_BIT(m)))
            continue;
        for (int i = 0; i < ncounts; i++) {
            bool dup = false;
            for (int j = 0; j < i; j++)
                dup |= counts[j] == counts[i];
            if (!dup)
                out->configs[out->n++] = (plan_config){(run_mode)m, counts[i]};
        }
    }
    out->repeat = req->repeat;
    out->cores = req->cores > 0 ? req->cores : 1;
    return 0;
}

plan_repeat_verdict plan_repeat_next(const plan_repeat_rule *rule, int n, double precision,
                                     bool contended)
{
    if (n < rule->min_runs)
        return PLAN_REPEAT_MORE;
    if (!(rule->precision > 0))
        return PLAN_REPEAT_DECIDED; /* fixed repeats: exactly min_runs */
    if (precision <= rule->precision)
        return PLAN_REPEAT_PRECISE;
    if (n >= rule->max_runs)
        return PLAN_REPEAT_CAP;
    if (!contended)
        return PLAN_REPEAT_DECIDED;
    if (isfinite(precision) && plan_repeat_predict(n, precision, rule->max_runs) > rule->precision)
        return PLAN_REPEAT_OUT_OF_REACH;
    return PLAN_REPEAT_MORE;
}

double plan_repeat_predict(int n, double precision, int m)
{
    if (n < 2 || m <= n || !isfinite(precision) || !(precision >= 0))
        return precision;
    /* The log-normal interval's half-width: t(0.975, n - 1) * sd / sqrt(n), the sd as it is. */
    double half = log1p(precision) * sqrt((double)n / m) * stats_t975(m - 1) / stats_t975(n - 1);
    return expm1(half);
}

int plan_repeat_needed(int n, double precision, double target)
{
    if (!isfinite(precision) || !(target > 0) || n < 2)
        return 0;
    if (precision <= target)
        return n;
    for (int m = n + 1; m <= PLAN_REPEAT_NEEDED_MAX; m++)
        if (plan_repeat_predict(n, precision, m) <= target)
            return m;
    return 0;
}

bool plan_variant_futile(double first_wall, double against_high)
{
    return isfinite(first_wall) && isfinite(against_high) && against_high > 0 &&
           first_wall > against_high * PLAN_VARIANT_FUTILE;
}

double plan_hang_limit(double timeout_s, double single_s)
{
    if (!(timeout_s > 0) || !(single_s > 0) || !isfinite(single_s))
        return timeout_s;
    double limit = fmax(PLAN_HANG_MIN_S, PLAN_HANG_FACTOR * single_s);
    return limit < timeout_s ? limit : timeout_s;
}

bool plan_run_hung(double limit_s, double single_s)
{
    return limit_s > 0 && single_s > 0 && isfinite(single_s) &&
           limit_s >= PLAN_HANG_FACTOR * single_s;
}

bool plan_step_unsettled(const plan_step *s)
{
    return isfinite(s->speedup) && isfinite(s->prev_speedup) &&
           s->speedup >= s->prev_speedup * PLAN_GROW_MIN_GAIN && !(s->gain_low > 1.0);
}

bool plan_step_waits_unsettled(const plan_step *s)
{
    return isfinite(s->speedup) && isfinite(s->prev_speedup) && s->wait_fraction >=
           PLAN_GROW_WAIT_SHARE && !(s->gain_low > 1.0) && s->gain_high > 1.0;
}

int plan_grow(const plan_step *s, char *why, size_t len)
{
    const char *mode = mode_name(s->mode);
    if (!isfinite(s->speedup) || !isfinite(s->prev_speedup)) {
        snprintf(why, len, "%s x%d has no speedup to judge a next step by", mode, s->workers);
        return 0;
    }
    /* NaN compares false: an interval not measured never shows a gain. */
    bool gained = s->speedup >= s->prev_speedup * PLAN_GROW_MIN_GAIN &&
                  s->gain_low > 1.0;
    bool waits = !gained && plan_step_waits_unsettled(s);
    if (!gained && !waits) {
        snprintf(why, len, "%s x%d: %.2fx after %.2fx, no gain beyond its noise (a step needs "
                 "%.0f %% over the last, beyond the noise of both)", mode, s->workers, s->speedup,
                 s->prev_speedup, 100 * (PLAN_GROW_MIN_GAIN - 1));
        return 0;
    }
    /* The medians, not the intervals: a thread pool measured noisily must not hide a process
     * pool twice as fast, nor one within 10 % of it justify a larger process pool. */
    if (s->mode == MODE_PROCESSES && isfinite(s->threads_speedup) &&
        !(s->speedup > s->threads_speedup * PLAN_GROW_MIN_GAIN)) {
        snprintf(why, len, "processes x%d: %.2fx, no faster than threads x%d (%.2fx): a larger "
                 "process pool would cost more than the thread pool that matches it",
                 s->workers, s->speedup, s->workers, s->threads_speedup);
        return 0;
    }
    /* Threads that keep a CPU busy between them and wait for the GIL longer than they run: the
     * GIL is busy. Once it is held all the time, a thread's wait for it grows by its own running
     * time for every thread beyond the count that keeps it so: waiting longer than running, the
     * pool has a thread more than the GIL can serve already, and another would only queue. */
    double gil_held = s->workers * s->cpu_utilization;
    if (s->mode == MODE_THREADS && gil_held >= PLAN_GROW_MAX_UTILIZATION &&
        s->running_fraction > 0 && s->gil_wait_fraction >= s->running_fraction) {
        snprintf(why, len, "threads x%d: %.2fx; its threads used %.2f CPUs between them and each "
                 "waited for the GIL longer than it ran (%.0f %% of its samples against %.0f %%): "
                 "the GIL is busy, another thread would only queue for it", s->workers,
                 s->speedup, gil_held, 100 * s->gil_wait_fraction, 100 * s->running_fraction);
        return 0;
    }
    int next = s->workers * 2;
    if (s->workers < s->cores && next > s->cores)
        next = s->cores;
    if (next > s->tasks) {
        snprintf(why, len, "%s x%d: %.2fx; %d workers would be more than the %d tasks", mode,
                 s->workers, s->speedup, next, s->tasks);
        return 0;
    }
    if (next > s->cores && !(s->cpu_utilization < PLAN_GROW_MAX_UTILIZATION)) {
        snprintf(why, len, "%s x%d: %.2fx with the workers on a CPU %.0f %% of the time: the "
                 "cores are busy, more workers than cores cannot overlap anything more",
                 mode, s->workers, s->speedup, 100 * s->cpu_utilization);
        return 0;
    }
    if (next > PLAN_WORKER_CAP || next > s->cores * PLAN_GROW_MAX_PER_CORE) {
        snprintf(why, len, "%s x%d: %.2fx; the sweep stops at %d workers per core", mode,
                 s->workers, s->speedup, PLAN_GROW_MAX_PER_CORE);
        return 0;
    }
    if (waits)
        snprintf(why, len, "%s x%d: %.2fx after %.2fx, unsettled on noise (the gain %.2f-%.2fx) "
                 "while its workers wait %.0f %% of the time: more may overlap more waits; "
                 "trying %d before deciding", mode, s->workers, s->speedup, s->prev_speedup,
                 s->gain_low, s->gain_high, 100 * s->wait_fraction, next);
    else if (next > s->cores)
        snprintf(why, len, "%s x%d: %.2fx after %.2fx, its workers on a CPU %.0f %% of the time: "
                 "they wait, so more may overlap; trying %d", mode, s->workers, s->speedup,
                 s->prev_speedup, 100 * s->cpu_utilization, next);
    else
        snprintf(why, len, "%s x%d: %.2fx after %.2fx: trying %d", mode, s->workers, s->speedup,
                 s->prev_speedup, next);
    return next;
}

/* k rounded up to a multiple of workers: a sample of whole rounds. With 5 tasks on 2 workers the
 * last round keeps one worker idle, and scaling that run by tasks / 5 counts the idle half-round
 * 8 times in a 40-task job, whose 20 rounds are all full. */
static long whole_rounds(long k, int workers)
{
    long w = workers > 0 ? workers : 1;
    return (k + w - 1) / w * w;
}

int plan_sample_tasks(int tasks, double pass_s, int workers, int requested)
{
    if (tasks <= 0)
        return tasks;
    if (requested < 0)
        return tasks;
    int k;
    if (requested > 0) {
        k = requested;
    } else {
        if (!(pass_s > PLAN_SAMPLE_WHOLE_S))
            return tasks; /* short, or not known yet */
        k = (int)ceil(tasks * PLAN_SAMPLE_RUN_S / pass_s);
        if (k < PLAN_SAMPLE_MIN_TASKS)
            k = PLAN_SAMPLE_MIN_TASKS;
    }
    long per_worker = (long)PLAN_SAMPLE_TASKS_PER_WORKER * (workers > 0 ? workers : 1);
    if (k < per_worker)
        k = (int)(per_worker < tasks ? per_worker : tasks);
    if (requested == 0)
        k = whole_rounds(k, workers);
    return k < tasks ? k : tasks;
}

int plan_sample_shrink(int tasks_run, double wall_s, int workers)
{
    if (!(wall_s > PLAN_SAMPLE_SLOW_FACTOR * PLAN_SAMPLE_RUN_S) || tasks_run <= 0)
        return 0;
    double want = PLAN_SAMPLE_RUN_S;
    long k = (long)ceil(tasks_run * want / wall_s);
    long floor_k = (long)PLAN_SAMPLE_TASKS_PER_WORKER * (workers > 0 ? workers : 1);
    if (floor_k < PLAN_SAMPLE_MIN_TASKS)
        floor_k = PLAN_SAMPLE_MIN_TASKS;
    if (k < floor_k)
        k = floor_k;
    k = whole_rounds(k, workers);
    return k < tasks_run ? (int)k : 0;
}

double plan_sample_se(int k, int n, double cv)
{
    if (k <= 0 || n <= 0 || k >= n)
        return 0.0;
    if (!(cv >= 0))
        return NAN;
    return cv / sqrt((double)k) * sqrt(1.0 - (double)k / n);
}

const char *plan_action_name(plan_action a)
{
    return util_enum_name(action_names, ARRAY_LEN(action_names), (int)a, "?");
}

int plan_parse_action(const char *s, plan_action *out)
{
    int v = util_enum_parse(action_names, ARRAY_LEN(action_names), s);
    if (v < 0)
        return -1;
    *out = (plan_action)v;
    return 0;
}

bool plan_pass_reestimate(int tasks, int run_tasks, double run_wall_s, int sample, double *pass_s,
                          int *sample_tasks)
{
    if (tasks <= 0 || run_tasks <= 0 || !(run_wall_s > 0))
        return false;
    double pass = run_wall_s * tasks / run_tasks;
    int k = plan_sample_tasks(tasks, pass, 1, sample);
    double q = (double)k / run_tasks;
    if (!(q > PLAN_PASS_OFF || q < 1.0 / PLAN_PASS_OFF))
        return false;
    *pass_s = pass;
    *sample_tasks = k;
    return true;
}
