/* classify.c - the job's kind and its threads' GIL behaviour from this job's measurements: every
 * threshold in one table, every verdict with the numbers it rests on. */
#include "concur/classify.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "concur/results.h"
#include "concur/util.h"

/* Every number a measurement is compared with, in one place. The rules themselves are physics (what
 * a worker that computes, waits, or queues for the GIL must show); these say where one reading
 * turns into another, and how sure a reading near the line can be. */
static const struct {
    double cpu_bound_util;
    double io_bound_util;
    double pool_gain_min;
    double overhead_ratio_min;
    double discrimination_min;
    double scaling_releases;
    double gil_wait_expected_min;
    double gil_wait_ratio;
    double min_samples;
    double memory_bound_ipc;
    double memory_bound_mpki;
    double full_margin;
    double unrepeated_width;
    double disagree_factor;
    double lock_as_gil_factor;
    double task_phase_shown;
    double startup_samples_share;
} limits = {
    /* Share of its time the single thread wants a CPU (on one or queued for one; its CPU
     * utilization where it was not sampled) at or above which the job computes nearly all of its
     * time (CPU-bound); below it, waiting takes a share that threads could overlap (mixed). */
    .cpu_bound_util = 0.80,
    /* The same share at or below which the job waits most of its time (I/O-bound: more than half
     * of a worker's time can overlap with other workers' waits, so threads gain at least 2x while
     * the GIL is free); above it, computing takes a share that only parallel CPUs speed up (mixed). */
    .io_bound_util = 0.50,
    /* Speedup of the best pool below which no pool is faster than single (the first condition of
     * overhead-bound); at or above it, some pool gains. */
    .pool_gain_min = 1.10,
    /* Pool overhead per task, (wall(mode, 1) - wall(single)) / tasks, over the work per task (the
     * median task in single), at or above which the pool's own cost is of the order of the work
     * (overhead-bound when no pool gains); below it, the pool is cheap next to the work. */
    .overhead_ratio_min = 0.50,
    /* The speedup threads could reach if they ran at once, over the most they could reach if they
     * took turns on the GIL, below which the two predictions are too close for a measured
     * speedup to tell apart at that worker count (then only the samples can). */
    .discrimination_min = 1.50,
    /* Where the thread speedup lies between the GIL-holding bound (0) and the speedup of threads
     * running at once (1): at or above, threads scale like work that releases the GIL; below, like
     * work that holds it. */
    .scaling_releases = 0.50,
    /* The share of the samples in which threads want to run that a GIL-holding job spends waiting
     * for the GIL at this worker count (see gil_from_samples), below which holding and releasing
     * look alike to the sampler. */
    .gil_wait_expected_min = 0.20,
    /* Measured GIL-wait share over the share a GIL-holding job would show: at or above, the
     * threads queue for the GIL as a holding job does; below, they run without it. */
    .gil_wait_ratio = 0.50,
    /* Worker-thread samples below which a state fraction is too coarse to decide on (the binomial
     * error of a share near one half is then above 0.09). */
    .min_samples = 30,
    /* Instructions per cycle below which the cores stall more than they execute... */
    .memory_bound_ipc = 0.70,
    /* ...and last-level cache misses per 1000 instructions above which those stalls are waits for
     * memory: the memory-bound hint (more workers then share one memory bus). */
    .memory_bound_mpki = 5.0,

    /* Confidence, not verdicts. A deciding number's distance from its threshold, relative to the
     * threshold, at which that number alone is taken as certain (see decision_confidence). */
    .full_margin = 0.25,
    /* Relative width assumed for the speedup interval of a configuration measured once: its noise
     * is unknown, so it counts as a noisy one. */
    .unrepeated_width = 0.50,
    /* Factor on the confidence when the speedups and the samples point different ways (the verdict
     * follows the surer of the two). */
    .disagree_factor = 0.50,
    /* Factor on a "holds" read from lock waits where the GIL could not be told apart from other
     * locks: some of those waits may be the job's own locks or the pool's queue. */
    .lock_as_gil_factor = 0.70,
    /* Relative difference between a pool's speedup on the task phase and on the whole job from
     * which the evidence shows both (a start-up that weighs; below it they tell the same). */
    .task_phase_shown = 0.05,
    /* Share of a thread pool's wall time in start-up from which its samples, pooled over the
     * whole run, are left out of the GIL verdict where the task phase's speedups can tell. */
    .startup_samples_share = 0.25,
};

static const char *const kind_names[] = {
    [KIND_UNKNOWN] = "unknown", [KIND_CPU_BOUND] = "cpu-bound", [KIND_IO_BOUND] = "io-bound",
    [KIND_MIXED] = "mixed",     [KIND_OVERHEAD_BOUND] = "overhead-bound",
};

static const char *const gil_names[] = {
    [GIL_UNKNOWN] = "unknown", [GIL_HOLDS] = "holds", [GIL_RELEASES] = "releases", [GIL_NONE] = "none",
};

/* Never NULL: "unknown" out of range. */
const char *classify_kind_name(classify_kind k)
{
    return util_enum_name(kind_names, ARRAY_LEN(kind_names), (int)k, "unknown");
}

/* -1 with *out unchanged when s is no kind name. */
int classify_parse_kind(const char *s, classify_kind *out)
{
    int v = util_enum_parse(kind_names, ARRAY_LEN(kind_names), s);
    if (v < 0)
        return -1;
    *out = (classify_kind)v;
    return 0;
}

/* Never NULL: "unknown" out of range. */
const char *classify_gil_name(classify_gil g)
{
    return util_enum_name(gil_names, ARRAY_LEN(gil_names), (int)g, "unknown");
}

/* -1 with *out unchanged when s is no GIL behaviour name. */
int classify_parse_gil(const char *s, classify_gil *out)
{
    int v = util_enum_parse(gil_names, ARRAY_LEN(gil_names), s);
    if (v < 0)
        return -1;
    *out = (classify_gil)v;
    return 0;
}

/* Can't fail. */
bool classify_is_empty(const classification *c)
{
    return c->kind == KIND_UNKNOWN && c->gil == GIL_UNKNOWN && isnan(c->confidence) &&
           c->memory_bound < 0 && c->nevidence == 0;
}

/* ---- the working state of one classification -------------------------------------------------- */

typedef struct {
    const results *r;
    classification *out;
    double kind_confidence; /* of the kind verdict; NAN while unknown */
    double gil_confidence;  /* of the GIL verdict; NAN while unknown */
} ctx;

static void evidence(ctx *c, const char *fmt, ...) CONCUR_PRINTF(2, 3);

/* Drops the sentence when the list is full: the first ones carry the verdicts. */
static void evidence(ctx *c, const char *fmt, ...)
{
    classification *o = c->out;
    if (o->nevidence >= CLASSIFY_MAX_EVIDENCE)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(o->evidence[o->nevidence], sizeof(o->evidence[0]), fmt, ap);
    va_end(ap);
    o->nevidence++;
}

/* How sure one binary decision is, from the distance of its number x to its threshold t relative
 * to t: 0.5 (a coin toss) on the threshold, rising linearly to 1 at full_margin away. */
static double decision_confidence(double x, double t)
{
    double d = fabs(x - t) / t;
    return 0.5 + 0.5 * fmin(1.0, d / limits.full_margin);
}

/* A speedup with its interval: the whole job's, or its task phase's. */
typedef struct {
    double speedup, low, high;
    int runs_ok;
} speedup_view;

static speedup_view whole_view(const config_summary *s)
{
    return (speedup_view){s->speedup, s->speedup_low, s->speedup_high, s->runs_ok};
}

/* The speedup of the task phase (from the last worker's setup() done to the last task's end),
 * where it is known: what the pool does to the tasks, a setup() paid once per worker apart. A
 * setup() that holds the GIL queues the threads' start-ups one behind the other, whatever the
 * tasks do. Files written before it was kept have the whole job's only. */
static speedup_view task_view(const config_summary *s)
{
    if (isfinite(s->task_speedup) && s->task_speedup > 0)
        return (speedup_view){s->task_speedup, s->task_speedup_low, s->task_speedup_high,
                              s->runs_ok};
    return whole_view(s);
}

/* The width of a speedup's interval relative to the speedup: how far noisy repeats leave it open. */
static double view_width(speedup_view v)
{
    double w = (v.high - v.low) / v.speedup;
    if (!isfinite(w) || w < 0)
        w = limits.unrepeated_width;
    if (v.runs_ok < 2)
        w = fmax(w, limits.unrepeated_width);
    return w;
}

static double speedup_width(const config_summary *s)
{
    return view_width(whole_view(s));
}

/* The factor 1 / (1 + w) by which a verdict resting on speedups whose widest relative interval is
 * w is less sure, said in the evidence. */
static double noise_factor(ctx *c, double w, const char *what)
{
    double f = 1.0 / (1.0 + w);
    evidence(c, "repeat noise: the widest interval of %s is %.0f %% of the speedup (that verdict "
             "counts x%.2f)", what, 100 * w, f);
    return f;
}

/* "1.94x [1.80-2.05]", "0.96x (2 runs: no interval)" where two runs cannot support one
 * (RESULTS_CI_MIN_RUNS), or "1.94x" without an interval. */
static void fmt_view(char *buf, size_t len, speedup_view v)
{
    if (v.runs_ok >= RESULTS_CI_MIN_RUNS && isfinite(v.low) && isfinite(v.high))
        util_fmt(buf, len, "%.2fx [%.2f-%.2f]", v.speedup, v.low, v.high);
    else if (v.runs_ok >= 2)
        util_fmt(buf, len, "%.2fx (%d runs: no interval)", v.speedup, v.runs_ok);
    else
        util_fmt(buf, len, "%.2fx", v.speedup);
}

static void fmt_speedup(char *buf, size_t len, const config_summary *s)
{
    fmt_view(buf, len, whole_view(s));
}

/* A configuration that speaks for this machine: measured, and not a cluster's (mode dask is
 * advised apart: advise.c, beyond this machine). */
static bool measured(const config_summary *s)
{
    return s && s->runs_ok > 0 && isfinite(s->speedup) && s->speedup > 0 &&
           !mode_get(s->mode)->cluster;
}

/* Median over a mode's successful runs of a per-run value; NAN when none has it. */
static double run_median(const results *r, run_mode mode, int workers, double (*get)(const run_result *))
{
    double v[256];
    int n = 0;
    for (int i = 0; i < r->nruns && n < (int)ARRAY_LEN(v); i++) {
        const run_result *x = &r->runs[i];
        if (x->mode != mode || (workers > 0 && x->workers != workers) || !results_run_counts(x))
            continue;
        double y = get(x);
        if (isfinite(y))
            v[n++] = y;
    }
    return stats_median(v, n);
}

static double get_task_wall(const run_result *x)
{
    return x->task_wall.median;
}

static double get_tasks(const run_result *x)
{
    return x->tasks > 0 ? (double)x->tasks : NAN;
}

static double get_pickle_arg(const run_result *x)
{
    return x->pickle_arg_bytes;
}

static double get_pickle_result(const run_result *x)
{
    return x->pickle_result_bytes;
}

/* ---- the kind --------------------------------------------------------------------------------- */

/* The share of its time the single thread wanted a CPU: on one (its CPU utilization, counted
 * exactly by the counters) or queued for one (the runnable share of its samples: time spent queued
 * behind other load is computing the job could not do, not waiting the job does). Without CPU time
 * counted, the running and runnable shares of the samples; without samples, the utilization
 * alone. what says which, for the evidence. NAN when neither was measured. */
static double single_utilization(const config_summary *single, char *what, size_t len)
{
    bool sampled = isfinite(single->running_fraction) && isfinite(single->runnable_fraction) &&
                   single->state_samples >= limits.min_samples;
    bool counted = isfinite(single->cpu_utilization);
    if (counted && sampled) {
        double demand = fmin(1.0, single->cpu_utilization + single->runnable_fraction);
        util_fmt(what, len, "single thread on a CPU or queued for one %.0f %% of the time (CPU "
                 "utilization %.2f, queued in %.0f %% of %.0f samples)", 100 * demand,
                 single->cpu_utilization, 100 * single->runnable_fraction, single->state_samples);
        return demand;
    }
    if (sampled) {
        double demand = single->running_fraction + single->runnable_fraction;
        util_fmt(what, len, "single thread on a CPU or queued for one in %.0f %% of %.0f samples "
                 "(queued %.0f %%; CPU time not counted)", 100 * demand, single->state_samples,
                 100 * single->runnable_fraction);
        return demand;
    }
    if (counted) {
        util_fmt(what, len, "single-thread CPU utilization %.2f", single->cpu_utilization);
        return single->cpu_utilization;
    }
    what[0] = '\0';
    return NAN;
}

/* The largest waiting state of the single run, to say what the waiting is. */
static void single_waits(ctx *c, const config_summary *s)
{
    if (!(s->state_samples >= limits.min_samples))
        return;
    const struct {
        const char *what;
        double v;
    } waits[] = {
        {"in I/O", s->io_wait_fraction},       {"sleeping", s->sleep_fraction},
        {"waiting for a child", s->child_wait_fraction}, {"waiting on a lock", s->lock_wait_fraction},
        {"waiting for the GIL", s->gil_wait_fraction},
    };
    size_t best = 0;
    for (size_t i = 1; i < ARRAY_LEN(waits); i++)
        if (waits[i].v > waits[best].v)
            best = i;
    if (waits[best].v > 0)
        evidence(c, "the single thread was %s in %.0f %% of its samples", waits[best].what,
                 100 * waits[best].v);
}

/* Overhead-bound: no pool beats single, and some pool's cost per task is of the order of the task.
 * Returns true when it is; either way, *gate is how sure that answer is (NAN: not decidable). */
static bool overhead_bound(ctx *c, const config_summary *single, double *gate)
{
    const results *r = c->r;
    *gate = NAN;

    /* A one-worker pool does single's work plus its own cost: a speedup it shows is noise. */
    const config_summary *best = NULL;
    for (int i = 0; i < r->nsummary; i++) {
        const config_summary *s = &r->summary[i];
        if (s->mode != MODE_SINGLE && s->workers > 1 && !s->variant && measured(s) &&
            (!best || s->speedup > best->speedup))
            best = s;
    }
    if (!best)
        return false;
    double gain_conf = decision_confidence(best->speedup, limits.pool_gain_min);
    if (best->speedup >= limits.pool_gain_min) {
        *gate = gain_conf; /* one failed condition is enough */
        return false;
    }

    char sp[64];
    fmt_speedup(sp, sizeof(sp), best);
    evidence(c, "best pool %s x%d: %s, no faster than single (a pool gains from %.2fx)",
             mode_name(best->mode), best->workers, sp, limits.pool_gain_min);

    double tasks = r->workload.tasks > 0 ? r->workload.tasks : run_median(r, MODE_SINGLE, 1, get_tasks);
    double work = run_median(r, MODE_SINGLE, 1, get_task_wall);
    if (!isfinite(work) && tasks > 0)
        work = single->wall_s / tasks;

    double worst = NAN;
    char line[CLASSIFY_EVIDENCE_LEN] = "", part[96];
    const run_mode pools[] = {MODE_THREADS, MODE_PROCESSES};
    for (size_t m = 0; m < ARRAY_LEN(pools); m++) {
        /* One worker, where nothing else hides in the pool's cost; else the fewest measured (an
         * upper bound: idle workers count too). */
        const config_summary *one = results_find_summary(r, pools[m], 1);
        for (int i = 0; (!one || one->runs_ok == 0) && i < r->nsummary; i++) {
            const config_summary *s = &r->summary[i];
            if (!s->variant && s->mode == pools[m] && s->runs_ok > 0 &&
                isfinite(s->pool_overhead_per_task))
                one = s;
        }
        if (!one || one->runs_ok == 0 || !(tasks > 0))
            continue;
        /* Within the pool's own runs (no noise from another run's wall time), else against single. */
        double per_task = one->pool_overhead_per_task;
        if (!isfinite(per_task))
            per_task = (one->wall_s - single->wall_s) / tasks;
        double ratio = per_task / work;
        if (!isfinite(ratio))
            continue;
        if (isnan(worst) || ratio > worst)
            worst = ratio;
        char t[32];
        util_fmt_seconds(t, sizeof(t), per_task);
        util_fmt(part, sizeof(part), "%s%s x%d %s (%.2f of the work)", line[0] ? ", " : "",
                 mode_name(pools[m]), one->workers, t, ratio);
        strncat(line, part, sizeof(line) - strlen(line) - 1);
    }
    if (!isfinite(worst)) {
        evidence(c, "pool overhead per task unknown: no 1-worker pool or no task times measured");
        return false;
    }
    char w[32];
    util_fmt_seconds(w, sizeof(w), work);
    evidence(c, "work per task %s (single, median); pool overhead per task: %s", w, line);

    double ratio_conf = decision_confidence(worst, limits.overhead_ratio_min);
    if (worst < limits.overhead_ratio_min) {
        *gate = ratio_conf;
        evidence(c, "pool overhead below %.2f of the work: pools are slow for another reason",
                 limits.overhead_ratio_min);
        return false;
    }
    *gate = fmin(gain_conf, ratio_conf) * noise_factor(c, speedup_width(best), "the best pool");

    /* Large pickles say where a process pool's cost goes; the verdict above rests on time alone. */
    double arg = run_median(r, MODE_PROCESSES, 0, get_pickle_arg);
    double res = run_median(r, MODE_PROCESSES, 0, get_pickle_result);
    if (isfinite(arg) || isfinite(res)) {
        char a[32], b[32], t[32];
        util_fmt_bytes(a, sizeof(a), arg);
        util_fmt_bytes(b, sizeof(b), res);
        util_fmt_bytes(t, sizeof(t), (isfinite(arg) ? arg : 0) + (isfinite(res) ? res : 0));
        evidence(c, "processes pickle %s per task (argument %s, result %s)", t, a, b);
    }
    return true;
}

/* Returns the single-thread utilization the GIL rules build on (NAN when unknown). */
static double decide_kind(ctx *c, const config_summary *single)
{
    classification *o = c->out;
    if (!single || single->runs_ok == 0) {
        evidence(c, "kind unknown: no successful single run, the baseline every reading needs");
        return NAN;
    }
    char what[CLASSIFY_EVIDENCE_LEN];
    double u = single_utilization(single, what, sizeof(what));

    double gate;
    if (overhead_bound(c, single, &gate)) {
        o->kind = KIND_OVERHEAD_BOUND;
        c->kind_confidence = gate;
        if (what[0])
            evidence(c, "%s", what);
        return u;
    }
    if (!isfinite(u)) {
        evidence(c, "kind unknown: the single thread's CPU use was not measured (no CPU time, no "
                 "samples)");
        return NAN;
    }

    double conf;
    if (u >= limits.cpu_bound_util) {
        o->kind = KIND_CPU_BOUND;
        conf = decision_confidence(u, limits.cpu_bound_util);
        evidence(c, "%s: CPU-bound (>= %.2f)", what, limits.cpu_bound_util);
    } else if (u <= limits.io_bound_util) {
        o->kind = KIND_IO_BOUND;
        conf = decision_confidence(u, limits.io_bound_util);
        evidence(c, "%s: I/O-bound (<= %.2f)", what, limits.io_bound_util);
        single_waits(c, single);
    } else {
        o->kind = KIND_MIXED;
        conf = fmin(decision_confidence(u, limits.cpu_bound_util),
                    decision_confidence(u, limits.io_bound_util));
        evidence(c, "%s: mixed (between %.2f and %.2f)", what, limits.io_bound_util,
                 limits.cpu_bound_util);
        single_waits(c, single);
    }
    c->kind_confidence = isfinite(gate) ? fmin(conf, gate) : conf;
    return u;
}

/* ---- the GIL ---------------------------------------------------------------------------------- */

/* What threads at N workers can show about a job whose threads hold the GIL for a share h of
 * their time: if they take turns on it they gain at most bound = min(N, 1 / h); if they run at
 * once they gain up to ideal = min(N, cores / h) (CPU time is the other limit). */
typedef struct {
    const config_summary *t;
    double bound, ideal;
} gil_test;

static gil_test gil_test_at(const results *r, const config_summary *t, double h)
{
    double cores = r->machine.cores > 0 ? r->machine.cores : t->workers;
    gil_test g = {t, fmin(t->workers, 1.0 / h), fmin(t->workers, cores / h)};
    return g;
}

/* Verdict from the speedups; GIL_UNKNOWN when they cannot tell (the evidence says why). */
static classify_gil gil_from_speedups(ctx *c, const gil_test *g, bool waiting, double *conf)
{
    const results *r = c->r;
    const config_summary *t = g->t;
    int n = t->workers;
    const config_summary *p = results_find_summary(r, MODE_PROCESSES, n);
    if (!measured(p))
        p = NULL;

    /* Judged on the task phase: a setup() that holds the GIL queues the start-ups of the threads
     * one behind the other, whatever the tasks do (start-up is reported beside it). */
    speedup_view tv = task_view(t), pv = p ? task_view(p) : (speedup_view){NAN, NAN, NAN, 0};
    char ts[64], ps[64] = "not measured";
    fmt_speedup(ts, sizeof(ts), t);
    if (p)
        fmt_speedup(ps, sizeof(ps), p);
    if (p && isfinite(t->gil_penalty))
        evidence(c, "threads at %d workers: %s (efficiency %.2f), processes: %s (gil_penalty %.2f)", n,
                 ts, t->efficiency, ps, t->gil_penalty);
    else
        evidence(c, "threads at %d workers: %s (efficiency %.2f), processes: %s", n, ts,
                 t->efficiency, ps);

    if (fabs(tv.speedup / t->speedup - 1) >= limits.task_phase_shown ||
        (p && fabs(pv.speedup / p->speedup - 1) >= limits.task_phase_shown)) {
        char tt[64], pt[64] = "not measured";
        fmt_view(tt, sizeof(tt), tv);
        if (p)
            fmt_view(pt, sizeof(pt), pv);
        evidence(c, "the task phase, each run's start-up apart (threads x%d's %s, processes': %s): "
                 "threads %s, processes %s; the GIL is judged on it", n,
                 util_fmt_seconds((char[32]){0}, 32, t->startup_s),
                 p ? util_fmt_seconds((char[32]){0}, 32, p->startup_s) : "-", tt, pt);
    }
    if (g->ideal / g->bound < limits.discrimination_min) {
        evidence(c, "at %d workers threads taking turns on the GIL would gain up to %.2fx and "
                 "threads running at once %.2fx: too close for the speedups to tell", n, g->bound,
                 g->ideal);
        return GIL_UNKNOWN;
    }
    evidence(c, "%s gains at most %.2fx with %d threads here, %s up to %.2fx",
             waiting ? "a job holding the GIL while it waits" : "a job holding the GIL", g->bound, n,
             waiting ? "one whose waits overlap" : "one releasing it", g->ideal);

    double span = g->ideal - g->bound;
    double pos = (tv.speedup - g->bound) / span;
    if (pos >= limits.scaling_releases) {
        *conf = decision_confidence(pos, limits.scaling_releases) *
                noise_factor(c, view_width(tv), "these speedups");
        if (waiting)
            evidence(c, "the threads' waits overlap: waiting releases the GIL");
        return GIL_RELEASES;
    }
    if (waiting)
        evidence(c, "I/O-bound, yet threads at %d workers gained only %.2fx: their waits do not "
                 "overlap", n, tv.speedup);

    /* An overhead-bound job's processes are held back by their own pool's cost (pickling, the
     * pipe), so they say nothing about what the GIL does to the threads. */
    if (p && c->out->kind != KIND_OVERHEAD_BOUND) {
        double ppos = (pv.speedup - g->bound) / span;
        if (ppos < limits.scaling_releases) {
            evidence(c, "processes do not scale either: the limit is not the GIL alone");
            return GIL_UNKNOWN;
        }
        *conf = fmin(decision_confidence(pos, limits.scaling_releases),
                     decision_confidence(ppos, limits.scaling_releases)) *
                noise_factor(c, fmax(view_width(tv), view_width(pv)), "these speedups");
        return GIL_HOLDS;
    }
    /* Computing threads that do not scale are stopped by the GIL or by shared hardware, which the
     * processes would show; waits that do not overlap are more often a resource outside the
     * process serving one request at a time (a disk's journal, a server), so where the job also
     * waits, without processes to compare only the samples may blame the GIL. */
    if (waiting || c->out->kind == KIND_MIXED) {
        evidence(c, "no process pool at %d workers to tell the GIL from a resource the waits "
                 "share", n);
        return GIL_UNKNOWN;
    }
    *conf = decision_confidence(pos, limits.scaling_releases) *
            noise_factor(c, view_width(tv), "these speedups");
    return GIL_HOLDS;
}

/* Verdict from the thread samples; GIL_UNKNOWN when they cannot tell. For the computing question
 * only the samples in which a thread wanted to run Python count (on a CPU, queued for one, or
 * waiting for the GIL): waits for work from the pool's queue, for I/O or at the end of the run say
 * nothing about it. If the job holds the GIL for a share h of its time, N threads keep it busy
 * (N h > 1) and wait for it in (N h - 1) / (N h - 1 + h) of those samples: the GIL is held the
 * whole wall time h W, the threads want it for N h W minus the (1 - h) W they spend elsewhere.
 * For the waiting question (h = 1: held even while waiting) every sample counts, as a thread
 * waiting with the GIL would hold it then. */
static classify_gil gil_from_samples(ctx *c, const gil_test *g, double h, bool waiting, double *conf)
{
    const config_summary *t = g->t;
    int n = t->workers;
    if (!(t->state_samples >= limits.min_samples)) {
        evidence(c, "threads at %d workers: %.0f samples, fewer than the %.0f needed to read their "
                 "states", n, isfinite(t->state_samples) ? t->state_samples : 0.0, limits.min_samples);
        return GIL_UNKNOWN;
    }
    double load = n * h;
    double expected = load > 1.0 ? (load - 1.0) / (load - 1.0 + h) : 0.0;
    /* Where the GIL could not be told apart, its waits are among the lock waits. */
    double wait = t->gil_distinguished ? t->gil_wait_fraction : t->lock_wait_fraction;
    double counted = waiting ? 1.0 : t->running_fraction + t->runnable_fraction + wait;
    double share = wait / counted;
    const char *where = waiting ? "of their samples" : "of the samples where they wanted to run";
    if (!isfinite(share) || counted * t->state_samples < limits.min_samples) {
        evidence(c, "threads x%d wanted to run in %.0f of %.0f samples, fewer than the %.0f needed",
                 n, counted * t->state_samples, t->state_samples, limits.min_samples);
        return GIL_UNKNOWN;
    }
    if (t->gil_distinguished)
        evidence(c, "threads x%d waited for the GIL in %.0f %% %s; a job holding it would show "
                 "%.0f %%", n, 100 * share, where, 100 * expected);
    else
        evidence(c, "threads x%d waited on a lock in %.0f %% %s (the GIL not told apart from other "
                 "locks); a job holding the GIL would show %.0f %%", n, 100 * share, where,
                 100 * expected);
    if (expected < limits.gil_wait_expected_min) {
        evidence(c, "below %.0f %% expected, holding and releasing look alike in the samples",
                 100 * limits.gil_wait_expected_min);
        return GIL_UNKNOWN;
    }
    double q = share / expected;
    *conf = decision_confidence(q, limits.gil_wait_ratio);
    if (q >= limits.gil_wait_ratio) {
        if (!t->gil_distinguished)
            *conf *= limits.lock_as_gil_factor;
        return GIL_HOLDS;
    }
    return GIL_RELEASES;
}

static void decide_gil(ctx *c, double u)
{
    const results *r = c->r;
    classification *o = c->out;
    if (r->python.gil == 0) {
        o->gil = GIL_NONE;
        c->gil_confidence = 1.0;
        evidence(c, "the interpreter has no GIL (a free-threaded build): threads are not serialised "
                 "by it");
        return;
    }

    /* The question asked of the threads: for an I/O-bound job, whether its waits overlap (h = 1:
     * the GIL held the whole time would stop that); otherwise whether its computing does (h = the
     * share of time it computes). Without a utilization, the strictest case, h = 1. */
    bool waiting = o->kind == KIND_IO_BOUND;
    double h = waiting || !isfinite(u) ? 1.0 : fmin(1.0, fmax(u, 1e-3));

    /* The thread pool with 2 or more workers whose speedup tells the two apart best. */
    gil_test best = {NULL, NAN, NAN};
    bool any_threads = false;
    for (int i = 0; i < r->nsummary; i++) {
        const config_summary *t = &r->summary[i];
        if (t->mode != MODE_THREADS || t->workers < 2)
            continue;
        any_threads = true;
        if (!measured(t))
            continue;
        gil_test g = gil_test_at(r, t, h);
        if (!best.t || g.ideal / g.bound > best.ideal / best.bound)
            best = g;
    }
    if (!best.t) {
        evidence(c, any_threads ? "GIL unknown: no thread pool with 2 or more workers has a speedup "
                                  "(its runs failed, or there is no single baseline)"
                                : "GIL unknown: no thread pool with 2 or more workers was measured");
        return;
    }

    double cs = NAN, cq = NAN;
    classify_gil vs = gil_from_speedups(c, &best, waiting, &cs);
    classify_gil vq = GIL_UNKNOWN;
    /* Threads of an overhead-bound job spend their time in the pool's queue and hand-offs, so
     * their samples tell about the pool more than about the tasks: only the speedups speak. */
    /* The samples pool the whole run, start-up included: where the workers' setup() calls take
     * a large share of it, queueing for the GIL one behind the other, the samples show the
     * setups as much as the tasks. */
    double startup_share = best.t->startup_s / best.t->wall_s;
    if (o->kind == KIND_OVERHEAD_BOUND)
        evidence(c, "overhead-bound: the threads' samples show the pool's own work more than the "
                 "tasks', so the GIL verdict rests on the speedups");
    else if (vs != GIL_UNKNOWN && best.t->task_speedup > 0 &&
             startup_share >= limits.startup_samples_share)
        evidence(c, "threads x%d spent %.0f %% of their wall time starting (setup() in each "
                 "worker): their samples show the setups as much as the tasks, so the GIL "
                 "verdict rests on the speedups of the task phase", best.t->workers,
                 100 * startup_share);
    else
        vq = gil_from_samples(c, &best, h, waiting, &cq);
    if (vs != GIL_UNKNOWN && vq != GIL_UNKNOWN) {
        if (vs == vq) {
            o->gil = vs;
            c->gil_confidence = fmax(cs, cq);
        } else {
            /* Noisy repeats can move a speedup across its line: the surer reading decides (the
             * speedups on a tie: they are what a user gets). */
            bool speedups = cs >= cq;
            o->gil = speedups ? vs : vq;
            c->gil_confidence = fmax(cs, cq) * limits.disagree_factor;
            evidence(c, "the speedups (%s, confidence %.2f) and the samples (%s, %.2f) disagree; the "
                     "verdict follows the %s", classify_gil_name(vs), cs, classify_gil_name(vq), cq,
                     speedups ? "speedups" : "samples");
        }
    } else if (vs != GIL_UNKNOWN) {
        o->gil = vs;
        c->gil_confidence = cs;
    } else if (vq != GIL_UNKNOWN) {
        o->gil = vq;
        c->gil_confidence = cq;
    } else {
        evidence(c, "GIL unknown: neither the speedups nor the samples at %d workers can tell",
                 best.t->workers);
    }
}

int classify_more_threads(const results *r)
{
    classification c;
    classify_results(r, &c);
    if (c.gil != GIL_UNKNOWN || c.kind == KIND_UNKNOWN || c.kind == KIND_OVERHEAD_BOUND ||
        r->python.gil == 0)
        return 0;
    const config_summary *single = results_find_summary(r, MODE_SINGLE, 1);
    char what[CLASSIFY_EVIDENCE_LEN];
    double u = single ? single_utilization(single, what, sizeof(what)) : NAN;
    if (!isfinite(u))
        return 0;
    bool waiting = c.kind == KIND_IO_BOUND;
    double h = waiting ? 1.0 : fmin(1.0, fmax(u, 1e-3));
    int cores = r->machine.cores > 0 ? r->machine.cores : 1;

    int measured_max = 0;
    for (int i = 0; i < r->nsummary; i++) {
        const config_summary *t = &r->summary[i];
        if (!t->variant && t->mode == MODE_THREADS && t->workers > measured_max)
            measured_max = t->workers;
    }
    if (measured_max < 2)
        return 0;
    /* The fewest threads, doubling, at which both readings can tell: the speedups' two
     * predictions far enough apart, and a holding job's GIL waits common enough to see. */
    for (int n = 2 * measured_max; n <= PLAN_WORKER_CAP && n <= 8 * cores; n *= 2) {
        double bound = fmin(n, 1.0 / h), ideal = fmin(n, cores / h);
        double load = n * h;
        double expected = load > 1.0 ? (load - 1.0) / (load - 1.0 + h) : 0.0;
        if (ideal / bound >= limits.discrimination_min && expected >= limits.gil_wait_expected_min)
            return n;
    }
    return 0;
}

/* ---- hardware counters ------------------------------------------------------------------------ */

static void memory_hint(ctx *c, const config_summary *single)
{
    const results *r = c->r;
    const config_summary *s = single && isfinite(single->ipc) ? single : NULL;
    for (int i = 0; !s && i < r->nsummary; i++)
        if (isfinite(r->summary[i].ipc) && isfinite(r->summary[i].llc_mpki))
            s = &r->summary[i];
    if (!s || !isfinite(s->ipc) || !isfinite(s->llc_mpki))
        return;
    bool mem = s->ipc < limits.memory_bound_ipc && s->llc_mpki > limits.memory_bound_mpki;
    c->out->memory_bound = mem ? 1 : 0;
    evidence(c, "IPC %.2f and %.1f LLC misses per 1000 instructions (%s x%d): %s (memory-bound "
             "takes IPC below %.2f and MPKI above %.1f)", s->ipc, s->llc_mpki,
             mode_name(s->mode), s->workers,
             mem ? "memory-bound, more workers would share one memory bus" : "not memory-bound",
             limits.memory_bound_ipc, limits.memory_bound_mpki);
}

/* Whether the job's work runs in native thread pools, and where its CPU time went: the share of
 * the on-CPU time the kernel accounted per thread (schedstat, in the sampler's running samples)
 * that single's native pool threads took against its interpreter thread. */
static void native_evidence(ctx *c, const config_summary *single)
{
    const results *r = c->r;
    int most = results_native_threads(r);
    c->out->native_threaded = most < 0 ? -1 : most > 0;
    if (most <= 0)
        return;
    char libs[96] = "";
    for (int i = 0; i < r->nruns && !libs[0]; i++)
        for (int k = 0; k < r->runs[i].nthreadpools && r->runs[i].native_limit == 0; k++) {
            size_t len = strlen(libs);
            util_fmt(libs + len, sizeof(libs) - len, "%s%s, %d threads", len ? "; " : "",
                     r->runs[i].threadpools[k].internal_api,
                     r->runs[i].threadpools[k].num_threads);
        }
    char where[160] = "";
    if (single && isfinite(single->native_cpu_share))
        util_fmt(where, sizeof(where), "; single's CPU time: %.0f %% native pool, %.0f %% "
                 "interpreter thread (schedstat)",
                 100 * single->native_cpu_share, 100 * (1 - single->native_cpu_share));
    evidence(c, "native-threaded: up to %d native thread%s beside the interpreter's (%s)%s", most, most == 1 ? "" : "s", libs[0] ? libs : "threadpoolctl named none",
             where);
}

/* A pool that computed what single does not, or hung (results_summarize): the speeds above are
 * a job's that does something else in it. */
static void safety_evidence(ctx *c)
{
    const results *r = c->r;
    for (int i = 0; i < r->nsummary; i++) {
        const config_summary *s = &r->summary[i];
        if (!s->unsafe || !s->unsafe_reason[0])
            continue;
        if (s->results_differ > 0)
            evidence(c, "%s x%d: %d of the %d task results compared differ from single's: not "
                     "safe for this job", mode_name(s->mode), s->workers, s->results_differ,
                     s->results_compared);
        else
            evidence(c, "%s x%d did not finish where single does: likely a race or deadlock, "
                     "not safe for this job", mode_name(s->mode), s->workers);
    }
}

/* A coroutine workload's event loop (results.h loop_figures): how long the tasks' own steps held
 * single's loop, the share of the job that concurrency on one loop cannot overlap, and the tasks
 * that never let the loop go. */
static void loop_evidence(ctx *c, const config_summary *single)
{
    if (!single || !single->loop.measured || !isfinite(single->loop.blocked_fraction))
        return;
    const loop_figures *l = &single->loop;
    char step[32];
    util_fmt_seconds(step, sizeof(step), l->max_step_s);
    if (l->one_step_tasks > 0 && l->one_step_tasks >= single->sample_tasks)
        evidence(c, "every task ran in one step of the event loop: task never awaits anything "
                 "that waits, so concurrency on one loop overlaps nothing");
    else if (l->blocked_fraction >= 0.05)
        evidence(c, "the event loop was blocked %.0f %% of the time by steps of up to %s (task "
                 "%d): concurrency cannot overlap that part; processes, each with its own loop, "
                 "can", 100 * l->blocked_fraction, step,
                 l->nlongest > 0 ? l->longest_tasks[0] : 0);
    else
        evidence(c, "the event loop was blocked %.1f %% of the time (longest step %s): the tasks "
                 "wait, and one loop can overlap their waits", 100 * l->blocked_fraction, step);
}

/* ---- the whole ---------------------------------------------------------------------------------- */

/* confidence = the smaller of the kind's and the GIL's confidence (a verdict not made, unknown, does
 * not count; 0 when neither was made). A verdict's confidence is the smallest decision_confidence
 * of the numbers that decided it, times 1 / (1 + w) when it rests on speedups whose widest
 * interval is w times the speedup (unrepeated_width for a configuration measured once); when the
 * speedups and the samples disagree on the GIL, the surer of the two, times disagree_factor. */
/* Whether r has a run of mode with workers measured with a native thread limit. */
static bool has_limited(const results *r, run_mode mode, int workers)
{
    for (int i = 0; i < r->nruns; i++)
        if (r->runs[i].mode == mode && r->runs[i].workers == workers &&
            r->runs[i].native_limit > 0 && !r->runs[i].warmup)
            return true;
    return false;
}

/* The job as it should run, where its native pools were limited (single's among them): a view of
 * r whose sweep is the limited runs (single, the pools at the counts measured so), the same
 * configurations as installed moved aside as follow-ups, summarised afresh. As installed, the
 * pools oversubscribe the cores, and their speedups say how badly, not whether the job holds the
 * GIL or what bounds it. The runs are shallow copies (what they own stays r's): free view->runs
 * and view->summary only. Returns false where there is no such view. */
static bool limited_view(const results *r, results *view)
{
    if (!has_limited(r, MODE_SINGLE, 1))
        return false;
    *view = *r;
    view->runs = xmalloc(sizeof(*view->runs) * (size_t)(r->nruns ? r->nruns : 1));
    memcpy(view->runs, r->runs, sizeof(*view->runs) * (size_t)r->nruns);
    view->runs_cap = r->nruns;
    for (int i = 0; i < view->nruns; i++) {
        run_result *x = &view->runs[i];
        if (x->warmup)
            continue;
        if (x->native_limit > 0) {
            /* The native follow-up itself, not a start method tried on top of it. */
            const config_summary *as = results_find_summary(r, x->mode, x->workers);
            x->variant = !(as && as->chunksize == x->chunksize &&
                           strcmp(as->start_method, x->start_method) == 0);
        } else if (!x->variant && has_limited(r, x->mode, x->workers)) {
            x->variant = true;
        }
    }
    view->summary = NULL;
    view->nsummary = 0;
    results_summarize(view);
    return true;
}

/* The verdicts on r, the native evidence from `installed` (r itself, or the job as installed where
 * r is its limited view). */
static void classify_view(const results *r, const results *installed, classification *out)
{
    ctx c = {r, out, NAN, NAN};
    const config_summary *single = results_find_summary(r, MODE_SINGLE, 1);

    double u = decide_kind(&c, single);
    decide_gil(&c, u);
    memory_hint(&c, single);
    loop_evidence(&c, single);
    ctx ci = {installed, out, NAN, NAN};
    native_evidence(&ci, results_find_summary(installed, MODE_SINGLE, 1));
    if (r != installed)
        evidence(&c, "judged with the native pools limited (single and the pools measured so): "
                 "the job as it should run; as installed its pools oversubscribe the cores");
    safety_evidence(&ci);

    double conf = fmin(out->kind != KIND_UNKNOWN ? c.kind_confidence : INFINITY,
                       out->gil != GIL_UNKNOWN ? c.gil_confidence : INFINITY);
    out->confidence = isfinite(conf) ? conf : 0.0;
}

void classify_results(const results *r, classification *out)
{
    classification_init(out);
    results view;
    if (limited_view(r, &view)) {
        classify_view(&view, r, out);
        free(view.summary);
        free(view.runs);
        return;
    }
    classify_view(r, r, out);
}
