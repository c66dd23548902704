/* advise.c - the recommendation: the fastest measured configuration, or the cheapest one within the
 * noise of it, at the knee of its mode's curve; the chunksize and start method it should use, both
 * measured; what it costs in memory; and what the scalability law predicts for a bigger machine. */
#include "concur/advise.h"
#include "concur/classify.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "concur/results.h"
#include "concur/stats.h"
#include "concur/util.h"

/* Every number the advisor compares with, in one place. */
static const struct {
    double tie_ratio;
    double knee_share;
    double chunk_overhead_min;
    double chunk_target;
    int chunk_min_per_worker;
    double memory_warn_share;
    double usl_util_max;
    double capacity_share;
    double startup_share;
} limits = {
    /* Two configurations whose median wall times differ by at most this share are taken as equal
     * (so are two whose difference the repeats cannot show: the 95 % interval of the ratio of their
     * wall times contains 1); the cheaper one is recommended. */
    .tie_ratio = 0.10,
    /* The worker count recommended is the smallest that reaches this share of its mode's best
     * speedup: the knee, past which more workers buy little. */
    .knee_share = 0.90,
    /* A process pool's cost per task, over the work per task, from which a larger chunksize is
     * measured: below it, batching cannot gain more than this share. The pool's own noise raises
     * it: a gain smaller than the precision of the pool's median could not be seen. */
    .chunk_overhead_min = 0.10,
    /* The share of the work per task that the pool's cost per task should fall to with batching:
     * the chunksize measured is the one that would bring it there. */
    .chunk_target = 0.05,
    /* Chunks per worker the chunksize leaves at least, so that a slow chunk cannot leave the
     * others idle at the end (multiprocessing's own heuristic for Pool.map). */
    .chunk_min_per_worker = 4,
    /* Peak RSS above this share of the machine's memory is warned about: the rest of the system,
     * the page cache and a second job need some too. */
    .memory_warn_share = 0.50,
    /* Past the core count, a worker count joins the scalability fit only while its workers used
     * at most this share of the cores: beyond, the speedup measures oversubscription, not the job. */
    .usl_util_max = 0.80,
    /* The cores are taken to deliver their count when the capacity probe (all of them spinning at
     * once against one alone) reaches this share of it: a quiet 2-core guest read 1.80 to 2.11
     * over 64 probes, with one other busy process about 1.6. */
    .capacity_share = 0.85,
    /* A pool's start-up (pool created -> the last worker's setup() done) from this share of its
     * wall time is said to weigh, with what would cut it: below it, the tasks are what it costs. */
    .startup_share = 0.25,
};

double advise_capacity_short(const results *r)
{
    int cores = results_cores(r);
    double low = fmin(r->machine.capacity_start, r->machine.capacity_end); /* fmin skips a NAN */
    return cores >= 2 && low < limits.capacity_share * cores ? low : NAN;
}

/* ---- small helpers ---------------------------------------------------------------------------- */

static void add_text(char (*list)[ADVISE_TEXT_LEN], int *n, int max, const char *fmt, va_list ap)
{
    if (*n >= max)
        return;
    vsnprintf(list[*n], ADVISE_TEXT_LEN, fmt, ap);
    (*n)++;
}

static void reason(recommendation *rec, const char *fmt, ...) CONCUR_PRINTF(2, 3);
static void reason(recommendation *rec, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add_text(rec->reasons, &rec->nreasons, ADVISE_MAX_REASONS, fmt, ap);
    va_end(ap);
}

static void note(recommendation *rec, const char *fmt, ...) CONCUR_PRINTF(2, 3);
static void note(recommendation *rec, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add_text(rec->notes, &rec->nnotes, ADVISE_MAX_NOTES, fmt, ap);
    va_end(ap);
}

static void open_question(recommendation *rec, const char *fmt, ...) CONCUR_PRINTF(2, 3);
static void open_question(recommendation *rec, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add_text(rec->open_questions, &rec->nopen, ADVISE_MAX_NOTES, fmt, ap);
    va_end(ap);
}

/* A loop blocked this share of the time by its tasks' steps is worth a word. */
#define LOOP_BLOCKED_NOTE 0.05
/* A coroutine job whose single loop is blocked between these shares of the time both waits and
 * computes: each process of a pool, a loop of its own, can overlap both (processes x asyncio). */
#define LOOP_MIXED_LOW 0.10
#define LOOP_MIXED_HIGH 0.90

/* Measured, and safe for this job (a pool that returned what single does not, or hung, is never
 * recommended: results_summarize). */
static bool measured_safe(const config_summary *s)
{
    return s && s->runs_ok > 0 && isfinite(s->speedup) && s->speedup > 0 && !s->unsafe;
}

/* A configuration the advice may choose or compare with on this machine: measured and safe, and
 * not a cluster's (mode dask is advised apart, beyond this machine: advise_beyond). */
static bool usable(const config_summary *s)
{
    return measured_safe(s) && !mode_get(s->mode)->cluster;
}

/* The configuration whose own runs showed that its mode is unsafe for this job; NULL where none
 * did. mode MODE_COUNT: of any mode. */
static const config_summary *unsafe_evidence(const results *r, run_mode mode)
{
    for (int i = 0; i < r->nsummary; i++) {
        const config_summary *s = &r->summary[i];
        if (s->unsafe && s->unsafe_reason[0] && (mode == MODE_COUNT || s->mode == mode))
            return s;
    }
    return NULL;
}

/* "processes x2", "processes x2 chunksize 64", "processes x2 spawn" (variants say what differs). */
static char *config_name(char *buf, size_t len, const results *r, const config_summary *s)
{
    if (!s)
        return util_fmt(buf, len, "?");
    const config_summary *base = s->variant ? results_find_summary(r, s->mode, s->workers) : NULL;
    char extra[64] = "";
    if (s->variant && s->chunksize > 1)
        util_fmt(extra, sizeof(extra), " chunksize %d", s->chunksize);
    if (s->variant && base && strcmp(base->start_method, s->start_method) != 0)
        util_fmt(extra + strlen(extra), sizeof(extra) - strlen(extra), " %s", s->start_method);
    if (s->loop.concurrency > 0 && mode_get(s->mode)->pickles)
        util_fmt(extra + strlen(extra), sizeof(extra) - strlen(extra), " x asyncio %d",
                 s->loop.concurrency);
    if (s->native_limit > 0)
        util_fmt(extra + strlen(extra), sizeof(extra) - strlen(extra), " with %s=%d",
                 advise_native_var(r), s->native_limit);
    if (s->mode == MODE_SINGLE && s->native_limit > 0)
        return util_fmt(buf, len, "single%s", extra);
    if (s->mode == MODE_SINGLE)
        return util_fmt(buf, len, "single");
    return util_fmt(buf, len, "%s x%d%s", mode_name(s->mode), s->workers, extra);
}

/* What the choice k does without that the best of its mode has: fewer workers, or the follow-up
 * that made it faster (a chunksize, a native thread limit, a loop in each process). */
static const char *what_it_lacks(const config_summary *k, const config_summary *best)
{
    if (k->workers < best->workers)
        return "with fewer workers";
    if (best->native_limit > 0 && k->native_limit != best->native_limit)
        return "without its native thread limit";
    if (best->loop.concurrency > 0 && k->loop.concurrency != best->loop.concurrency)
        return "without its event loops";
    if (best->chunksize > 1 && k->chunksize != best->chunksize)
        return "without its batching";
    return "with another start method";
}

/* "1.94x [1.80-2.05]", "0.96x (2 runs: no interval)" where two runs cannot support one
 * (RESULTS_CI_MIN_RUNS), or "1.94x" without an interval. */
static char *fmt_speedup(char *buf, size_t len, const config_summary *s)
{
    if (s->runs_ok >= RESULTS_CI_MIN_RUNS && isfinite(s->speedup_low) &&
        isfinite(s->speedup_high))
        return util_fmt(buf, len, "%.2fx [%.2f-%.2f]", s->speedup, s->speedup_low, s->speedup_high);
    if (s->runs_ok >= 2)
        return util_fmt(buf, len, "%.2fx (%d runs: no interval)", s->speedup, s->runs_ok);
    return util_fmt(buf, len, "%.2fx", s->speedup);
}

static int mode_cost(run_mode m)
{
    return mode_get(m)->cost_rank;
}

/* Whether a is cheaper to run than b: single < threads < processes, then fewer workers, then the
 * default chunksize before a larger one. */
static bool cheaper(const config_summary *a, const config_summary *b)
{
    if (mode_cost(a->mode) != mode_cost(b->mode))
        return mode_cost(a->mode) < mode_cost(b->mode);
    if (a->workers != b->workers)
        return a->workers < b->workers;
    if (a->chunksize != b->chunksize)
        return a->chunksize < b->chunksize;
    return a->native_limit == 0 && b->native_limit > 0; /* nothing to set */
}

/* Whether the measurements cannot tell a and b apart: their medians within tie_ratio of each
 * other, or the 95 % interval of the ratio of their wall times (on the logarithms of the
 * repeats, with the whole run's pooled noise: results_compare_walls) containing 1. With fewer
 * than 2 repeats on a side only the first rule applies. */
static bool within_noise(const results *r, const config_summary *a, const config_summary *b)
{
    double q = b->wall_s / a->wall_s;
    if (!isfinite(q))
        return false;
    if (fabs(q - 1.0) <= limits.tie_ratio)
        return true;
    stats_welch w;
    if (results_compare_walls(r, a, b, 0.95, &w) < 0)
        return false;
    return w.low <= 0.0 && 0.0 <= w.high;
}

static double get_task_wall(const run_result *x)
{
    return x->task_wall.median;
}

/* The work in one task: the median task of the single runs, else their wall time over the tasks. */
static double work_per_task(const results *r, const config_summary *single)
{
    double w = results_config_median(r, single, get_task_wall);
    if (!(w > 0) && r->workload.tasks > 0)
        w = single->wall_s / r->workload.tasks;
    return w;
}

/* What a pool adds to each task, measured inside its own runs (pool_overhead_per_task): at one
 * worker, where nothing else hides in it; else at the fewest workers measured, an upper bound (idle
 * workers count too). NAN when neither was measured. */
static double pool_cost_per_task(const results *r, run_mode mode)
{
    const config_summary *fewest = NULL;
    for (int i = 0; i < r->nsummary; i++) {
        const config_summary *s = &r->summary[i];
        bool ok = mode_get(mode)->cluster ? measured_safe(s) : usable(s);
        if (!s->variant && s->mode == mode && ok && isfinite(s->pool_overhead_per_task) &&
            (!fewest || s->workers < fewest->workers))
            fewest = s;
    }
    return fewest ? fmax(0.0, fewest->pool_overhead_per_task) : NAN;
}

/* The speedup of s's task phase (each run's start-up apart), where it is known; else the whole
 * job's. The knee is chosen on it: a setup() that costs as much as the tasks, paid once per
 * worker, says nothing about how the tasks spread over the workers. */
static double phase_speedup(const config_summary *s)
{
    return isfinite(s->task_speedup) && s->task_speedup > 0 ? s->task_speedup : s->speedup;
}

/* The best configuration of a mode (sweep and follow-ups); NULL when none was measured. */
static const config_summary *best_of(const results *r, run_mode mode)
{
    const config_summary *best = NULL;
    for (int i = 0; i < r->nsummary; i++) {
        const config_summary *s = &r->summary[i];
        if (usable(s) && s->mode == mode && (!best || s->speedup > best->speedup))
            best = s;
    }
    return best;
}

/* Whether some configuration of mode was measured, safe or not. */
static bool best_measured(const results *r, run_mode mode)
{
    for (int i = 0; i < r->nsummary; i++)
        if (r->summary[i].mode == mode)
            return true;
    return false;
}

/* ---- the choice ------------------------------------------------------------------------------- */

typedef struct {
    const config_summary *fastest; /* of everything measured */
    const config_summary *choice;  /* what is recommended */
    const config_summary *mode_best; /* the fastest of the chosen mode */
    bool by_cost;                  /* a cheaper configuration within the noise of the fastest */
    bool knee_by_noise;            /* the choice short of knee_share of mode_best by its medians,
                                    * but not by its repeats */
} choice;

/* Whether the repeats leave it open that s reaches knee_share of best: the 95 % interval of the
 * ratio of their wall times (results_compare_walls) reaches down to 1 / knee_share. The
 * medians of a flat stretch differ by chance: on 2 cores, processes x8 may come out 12 % ahead
 * of x2 on one sweep and behind it on the next; more workers are named only where the repeats
 * show them worth it. False with fewer than 2 repeats on a side. */
static bool may_reach_knee(const results *r, const config_summary *best, const config_summary *s)
{
    stats_welch w;
    if (results_compare_walls(r, best, s, 0.95, &w) < 0)
        return false;
    return w.low <= -log(limits.knee_share); /* w: mean log(s's wall) - mean log(best's) */
}

/* The fastest measured; the cheapest mode among those within its noise; in that mode the knee: the
 * fewest workers that reach knee_share of the mode's best, by their medians or within the noise of
 * their repeats (may_reach_knee), and there the default chunksize when it reaches that too, else
 * the fastest follow-up that does. */
static bool choose(const results *r, choice *ch)
{
    memset(ch, 0, sizeof(*ch));
    for (int i = 0; i < r->nsummary; i++) {
        const config_summary *s = &r->summary[i];
        if (usable(s) && (!ch->fastest || s->speedup > ch->fastest->speedup))
            ch->fastest = s;
    }
    if (!ch->fastest)
        return false;

    /* A mode stands for itself with its best configuration: a noisy one further along its
     * sweep (threads x8 at 1.38x with repeats from 0.71 to 1.00 s) is not evidence that the mode
     * is as fast as the fastest (processes x4 at 2.27x, where threads x4 reached 1.58x). */
    const config_summary *cheapest = ch->fastest;
    for (int i = 0; i < r->nsummary; i++) {
        const config_summary *s = &r->summary[i];
        if (usable(s) && s != ch->fastest && s == best_of(r, s->mode) && cheaper(s, cheapest) &&
            within_noise(r, ch->fastest, s))
            cheapest = s;
    }
    run_mode mode = cheapest->mode;
    ch->by_cost = cheapest != ch->fastest;

    for (int i = 0; i < r->nsummary; i++) {
        const config_summary *s = &r->summary[i];
        if (usable(s) && s->mode == mode && (!ch->mode_best || s->speedup > ch->mode_best->speedup))
            ch->mode_best = s;
    }
    /* The knee on the task phase: the ranking above is on the whole wall time a user pays. */
    double bar = limits.knee_share * phase_speedup(ch->mode_best);
    for (int i = 0; i < r->nsummary; i++) {
        const config_summary *s = &r->summary[i];
        if (!usable(s) || s->mode != mode ||
            (phase_speedup(s) < bar && !may_reach_knee(r, ch->mode_best, s)))
            continue;
        const config_summary *c = ch->choice;
        bool better = !c || s->workers < c->workers ||
                      (s->workers == c->workers &&
                       ((c->variant && !s->variant) ||
                        (c->variant == s->variant && s->speedup > c->speedup)));
        if (better)
            ch->choice = s;
    }
    /* The knee of a mode chosen for its cost may still be the fastest configuration itself. */
    if (!ch->choice)
        ch->choice = ch->mode_best;
    ch->knee_by_noise = phase_speedup(ch->choice) < bar;
    return true;
}

/* Whether spawn's extra pool start-up, which is measured precisely even where the wall times are
 * noisy, stays within tie_ratio of the job's wall time. */
static bool startup_affordable(const config_summary *spawn, const config_summary *c)
{
    if (!isfinite(spawn->startup_s) || !isfinite(c->startup_s))
        return true;
    return spawn->startup_s - c->startup_s <= limits.tie_ratio * c->wall_s;
}

/* The start method the advice names for a process pool: spawn where it was measured, is not
 * slower beyond the noise and its extra start-up is within tie_ratio of the wall time (it starts
 * workers clean), else the one the chosen runs used. */
static const config_summary *start_method_choice(const results *r, const config_summary *c)
{
    if (c->mode != MODE_PROCESSES)
        return c;
    for (int i = 0; i < r->nsummary; i++) {
        const config_summary *s = &r->summary[i];
        if (usable(s) && s->mode == MODE_PROCESSES && s->workers == c->workers &&
            s->chunksize == c->chunksize && strcmp(s->start_method, c->start_method) != 0 &&
            s->loop.concurrency == c->loop.concurrency &&
            strcmp(s->start_method, "spawn") == 0 && startup_affordable(s, c) &&
            (s->speedup >= c->speedup || within_noise(r, c, s)))
            return s;
    }
    return c;
}

/* ---- follow-ups ------------------------------------------------------------------------------- */

/* A measured configuration, sweep or follow-up; chunksize 0 and 1 alike (the default: single and
 * threads have none). */
static const config_summary *find_any(const results *r, run_mode mode, int workers, int chunksize,
                                      const char *start_method, int native_limit)
{
    int chunk = chunksize > 0 ? chunksize : 1;
    for (int i = 0; i < r->nsummary; i++) {
        const config_summary *s = &r->summary[i];
        if (s->mode == mode && s->workers == workers &&
            (s->chunksize > 0 ? s->chunksize : 1) == chunk && s->native_limit == native_limit &&
            strcmp(s->start_method, start_method) == 0)
            return s;
    }
    return NULL;
}

/* c's process pool under another start method, each process's loop as c's; NULL where not
 * measured. */
static const config_summary *find_same_loop(const results *r, const config_summary *c,
                                            const char *start_method)
{
    for (int i = 0; i < r->nsummary; i++) {
        const config_summary *s = &r->summary[i];
        if (s->mode == c->mode && s->workers == c->workers && s->chunksize == c->chunksize &&
            strcmp(s->start_method, start_method) == 0 &&
            s->loop.concurrency == c->loop.concurrency && s->native_limit == c->native_limit)
            return s;
    }
    return NULL;
}

/* The process pool at the largest worker count measured up to the core count. */
static const config_summary *process_reference(const results *r)
{
    int cores = results_cores(r);
    const config_summary *ref = NULL;
    for (int i = 0; i < r->nsummary; i++) {
        const config_summary *s = &r->summary[i];
        if (!s->variant && s->mode == MODE_PROCESSES && usable(s) && s->workers <= cores &&
            (!ref || s->workers > ref->workers))
            ref = s;
    }
    return ref;
}

/* The chunksize that would bring the pool's cost per task to chunk_target of the work, leaving
 * each of n workers chunk_min_per_worker chunks of the job at least, and
 * PLAN_SAMPLE_TASKS_PER_WORKER chunks of the sample the pool was measured on (sample: its tasks
 * per run), so that the batched pool runs on a sample as large as the one it is compared with: a larger one pays the pool's
 * start and its last uneven round on more tasks, and looks faster for it. 1 when batching is not
 * worth measuring: the cost under chunk_overhead_min of the work, or under the precision of the
 * pool's own median (noise: what batching could save would not show), or when the sample cannot
 * hold 2 chunks of 2 tasks for each worker. */
static int chunksize_to_try(const results *r, int workers, int sample, double cost, double work,
                            double noise)
{
    double share = limits.chunk_overhead_min;
    if (isfinite(noise) && noise > share)
        share = noise;
    if (!(cost >= share * work) || !(work > 0))
        return 1;
    double want = ceil(cost / (limits.chunk_target * work));
    double cap = floor((double)r->workload.tasks / (limits.chunk_min_per_worker * workers));
    if (sample > 0)
        cap = fmin(cap, floor((double)sample / (PLAN_SAMPLE_TASKS_PER_WORKER * workers)));
    double c = fmin(want, cap);
    return c >= 2 ? (int)c : 1;
}

/* processes x asyncio, where a coroutine job both waits and computes (its single loop blocked
 * between LOOP_MIXED_LOW and LOOP_MIXED_HIGH of the time): one loop cannot overlap its steps,
 * processes awaiting in turn cannot overlap its waits; each process of the pool ref a loop with
 * the concurrency the asyncio sweep found best may do both. Returns whether f was filled. */
static bool loop_followup(const results *r, const config_summary *single,
                          const config_summary *ref, advise_followup *f)
{
    const config_summary *a = best_of(r, MODE_ASYNCIO);
    double blocked = single->loop.blocked_fraction;
    if (!r->workload.coroutine || !single->loop.measured || !a || a->workers < 2 ||
        !(blocked >= LOOP_MIXED_LOW && blocked <= LOOP_MIXED_HIGH) ||
        results_find_loop_variant(r, ref->workers, a->workers, NULL))
        return false;
    memset(f, 0, sizeof(*f));
    f->mode = MODE_PROCESSES;
    f->workers = ref->workers;
    f->chunksize = ref->chunksize > 0 ? ref->chunksize : 1;
    f->variant = true;
    f->concurrency = a->workers;
    snprintf(f->start_method, sizeof(f->start_method), "%s", ref->start_method);
    f->against_chunksize = f->chunksize;
    snprintf(f->against_method, sizeof(f->against_method), "%s", ref->start_method);
    char step[32];
    util_fmt(f->why, sizeof(f->why), "the event loop was blocked %.0f %% of the time by steps of "
             "up to %s, and the tasks wait too: measuring processes x%d, each an event loop with "
             "%d tasks in flight (asyncio's best)", 100 * blocked,
             util_fmt_seconds(step, sizeof(step), single->loop.max_step_s), ref->workers,
             a->workers);
    return true;
}

/* A follow-up that measures s again: more runs of the same configuration. */
static void again(advise_followup *f, const config_summary *s, int runs, const char *why)
{
    memset(f, 0, sizeof(*f));
    f->mode = s->mode;
    f->workers = s->workers;
    f->chunksize = s->chunksize;
    f->native_limit = s->native_limit;
    snprintf(f->start_method, sizeof(f->start_method), "%s", s->start_method);
    f->variant = s->variant;
    f->repeats = runs;
    snprintf(f->why, sizeof(f->why), "%s", why);
}

/* ---- native thread pools (docs/native-threads.md) ------------------------------------------- */

int advise_native_limit(int cores, run_mode mode, int workers)
{
    if (!mode_get(mode)->pool || workers < 1)
        return 1;
    int share = cores / workers;
    return share >= 1 ? share : 1;
}

const char *advise_native_var(const results *r)
{
    static const struct {
        const char *internal_api, *var;
    } vars[] = {{"openblas", "OPENBLAS_NUM_THREADS"}, {"mkl", "MKL_NUM_THREADS"},
                {"blis", "BLIS_NUM_THREADS"},         {"openmp", "OMP_NUM_THREADS"}};
    for (int i = 0; i < r->nruns; i++)
        for (int k = 0; k < r->runs[i].nthreadpools; k++)
            for (size_t v = 0; v < ARRAY_LEN(vars); v++)
                if (strcmp(r->runs[i].threadpools[k].internal_api, vars[v].internal_api) == 0)
                    return vars[v].var;
    return "OMP_NUM_THREADS";
}

/* The most threads a native pool of the job's runs was sized to (threadpoolctl's num_threads),
 * else the most native threads a run counted plus the thread that calls into it; 0: none seen. */
static int native_pool_size(const results *r)
{
    int most = 0;
    for (int i = 0; i < r->nruns; i++) {
        const run_result *x = &r->runs[i];
        /* A Dask run's harness imports what distributed imports (NumPy and its BLAS among
         * them): its pools are Dask's, not the job's. */
        if (mode_get(x->mode)->cluster)
            continue;
        for (int k = 0; k < x->nthreadpools; k++)
            if (x->threadpools[k].num_threads > most)
                most = x->threadpools[k].num_threads;
        if (x->native_threads > 0 && x->native_limit == 0 && x->native_threads + 1 > most &&
            x->nthreadpools <= 0)
            most = x->native_threads + 1;
    }
    return most;
}

/* Whether the job's libraries run thread pools of their own: a run counted native threads, or
 * threadpoolctl saw a pool of more than one thread. Pure-Python jobs get no native follow-up. */
static bool has_native_pools(const results *r)
{
    return results_native_threads(r) > 0 || native_pool_size(r) > 1;
}

/* The sweep's configurations the choice turns on, each measured with its native limit: single,
 * and of each pool mode the largest worker count measured up to the core count and the mode's
 * fastest. A limit as large as the pools are sized already changes nothing, and is not measured. */
static int native_followups(const results *r, advise_followup *out, int max)
{
    if (!has_native_pools(r) || results_cores(r) < 2)
        return 0;
    int cores = results_cores(r), size = native_pool_size(r), n = 0;
    const config_summary *cand[1 + 2 * MODE_COUNT];
    int ncand = 0;
    cand[ncand++] = results_find_summary(r, MODE_SINGLE, 1);
    for (int m = 0; m < MODE_COUNT; m++) {
        if (!mode_get((run_mode)m)->pool)
            continue;
        const config_summary *at = NULL, *best = NULL;
        for (int i = 0; i < r->nsummary; i++) {
            const config_summary *s = &r->summary[i];
            if (s->variant || (int)s->mode != m || !usable(s))
                continue;
            if (s->workers <= cores && (!at || s->workers > at->workers))
                at = s;
            if (!best || s->speedup > best->speedup)
                best = s;
        }
        cand[ncand++] = at;
        if (best != at)
            cand[ncand++] = best;
    }
    for (int i = 0; i < ncand && n < max; i++) {
        const config_summary *s = cand[i];
        if (!usable(s))
            continue;
        int limit = advise_native_limit(cores, s->mode, s->workers);
        if ((size > 0 && limit >= size) ||
            find_any(r, s->mode, s->workers, s->chunksize, s->start_method, limit))
            continue;
        advise_followup *f = &out[n++];
        memset(f, 0, sizeof(*f));
        f->mode = s->mode;
        f->workers = s->workers;
        f->chunksize = s->chunksize;
        snprintf(f->start_method, sizeof(f->start_method), "%s", s->start_method);
        f->native_limit = limit;
        f->variant = true;
        f->against_chunksize = s->chunksize > 0 ? s->chunksize : 1;
        snprintf(f->against_method, sizeof(f->against_method), "%s", s->start_method);
        char name[64];
        util_fmt(f->why, sizeof(f->why), "the job's libraries run native thread pools (%d "
                 "threads each as installed): measuring %s with %s=%d, %s", size,
                 config_name(name, sizeof(name), r, s), advise_native_var(r), limit,
                 mode_get(s->mode)->pool ? "its workers' share of the cores"
                                         : "one native thread beside the loop");
    }
    return n;
}
static bool dask_batch_followup(const results *r, const config_summary *single,
                                advise_followup *f);
static void advise_beyond(recommendation *rec, const results *r, const config_summary *single,
                          const config_summary *local);

int advise_followups(const results *r, advise_followup *out, int max)
{
    int n = 0;
    const config_summary *single = results_find_summary(r, MODE_SINGLE, 1);
    if (max <= 0 || !usable(single))
        return 0;
    /* The native limit first: it can change every speedup by a factor, the choice with it. */
    n = native_followups(r, out, max);
    if (n > 0)
        return n;

    /* The configurations the choice turns on: the one it would name and the fastest measured,
     * each run again, one run a round, until its median is known to the precision asked
     * (r->precision) or it reaches the cap (r->max_repeat). Nothing of the kind with fixed
     * repeats (precision 0). */
    choice ch;
    if (r->precision > 0 && choose(r, &ch)) {
        const config_summary *pair[2] = {ch.choice, ch.fastest};
        /* The fastest faster than the best of the cheaper mode chosen by more than a tie, yet
         * chosen against for its cost because the repeats cannot tell them apart: the choice
         * turns on telling them apart, so both run again up to the cap, whatever their own
         * precision. */
        bool undecided = ch.by_cost && ch.fastest->wall_s < (1.0 - limits.tie_ratio) *
                                                                ch.mode_best->wall_s;
        if (undecided)
            pair[0] = ch.mode_best;
        /* The knee named for want of proof that more workers gain, where the medians say they
         * gain more than a tie: the same, for the choice and its mode's best. */
        if (!undecided && ch.knee_by_noise &&
            ch.mode_best->wall_s < (1.0 - limits.tie_ratio) * ch.choice->wall_s) {
            pair[1] = ch.mode_best;
            undecided = true;
        }
        /* A pool chosen as the fastest whose speedup interval still reaches below 1: whether to
         * parallelize at all turns on it and on single, the baseline. */
        if (!undecided && ch.choice == ch.fastest && ch.choice->mode != MODE_SINGLE &&
            ch.choice->speedup_low < 1.0) {
            pair[1] = single;
            undecided = true;
        }
        for (int i = 0; i < 2 && n < max; i++) {
            const config_summary *s = pair[i];
            if (i == 1 && s == pair[0])
                break;
            char a[64], b[64], why[ADVISE_TEXT_LEN];
            if (undecided && s->runs_ok < r->max_repeat) {
                util_fmt(why, sizeof(why), "%s or %s: the repeats cannot tell them apart yet: "
                         "one more run of each (up to %d)",
                         config_name(a, sizeof(a), r, pair[0]),
                         config_name(b, sizeof(b), r, pair[1]), r->max_repeat);
                again(&out[n++], s, 1, why);
                continue;
            }
            plan_repeat_rule rule = {PLAN_MIN_RUNS, r->max_repeat, r->precision};
            if (plan_repeat_next(&rule, s->runs_ok, s->precision, true) != PLAN_REPEAT_MORE)
                continue;
            util_fmt(why, sizeof(why), "%s (%s) is known to +-%.0f %%: one more run "
                     "(until +-%.0f %% or %d runs)", config_name(a, sizeof(a), r, s),
                     i == 0 ? "the choice so far" : "the fastest so far",
                     100 * s->precision, 100 * r->precision, r->max_repeat);
            again(&out[n++], s, 1, why);
        }
        if (n > 0)
            return n;
    }

    if (n < max && dask_batch_followup(r, single, &out[n]))
        return n + 1;

    const config_summary *ref = process_reference(r);
    if (!ref)
        return 0;
    if (n < max && loop_followup(r, single, ref, &out[n]))
        return n + 1;

    /* Batching, where the pool's cost per task is of the order of the work. */
    double cost = pool_cost_per_task(r, MODE_PROCESSES);
    double work = work_per_task(r, single);
    /* With --chunksize the user chose it: every process pool ran at it. */
    int chunk = r->chunksize > 0 ? 0
                                 : chunksize_to_try(r, ref->workers, ref->sample_tasks, cost,
                                                    work, ref->precision);
    if (chunk > 1 && !find_any(r, MODE_PROCESSES, ref->workers, chunk, ref->start_method, 0)) {
        advise_followup *f = &out[n++];
        memset(f, 0, sizeof(*f));
        f->mode = MODE_PROCESSES;
        f->workers = ref->workers;
        f->chunksize = chunk;
        f->variant = true;
        snprintf(f->start_method, sizeof(f->start_method), "%s", ref->start_method);
        f->against_chunksize = ref->chunksize > 0 ? ref->chunksize : 1;
        snprintf(f->against_method, sizeof(f->against_method), "%s", ref->start_method);
        char c[32], w[32];
        util_fmt(f->why, sizeof(f->why),
                 "the process pool costs %s per task against %s of work: measuring chunksize %d",
                 util_fmt_seconds(c, sizeof(c), cost), util_fmt_seconds(w, sizeof(w), work), chunk);
        return n; /* the start method is measured for whatever batching turns out best */
    }

    /* The other start method, for the process pool that would be recommended. */
    if (n < max && choose(r, &ch) && ch.choice->mode == MODE_PROCESSES) {
        const config_summary *c = ch.choice;
        const char *other = strcmp(c->start_method, "fork") == 0 ? "spawn" : "fork";
        if (c->start_method[0] && !find_same_loop(r, c, other)) {
            advise_followup *f = &out[n++];
            memset(f, 0, sizeof(*f));
            f->concurrency = c->loop.concurrency; /* the pool as chosen, loops and all */
            f->mode = MODE_PROCESSES;
            f->workers = c->workers;
            f->chunksize = c->chunksize;
            f->native_limit = c->native_limit;
            f->against_limit = c->native_limit;
            f->variant = true;
            snprintf(f->start_method, sizeof(f->start_method), "%s", other);
            f->against_chunksize = c->chunksize > 0 ? c->chunksize : 1;
            snprintf(f->against_method, sizeof(f->against_method), "%s", c->start_method);
            util_fmt(f->why, sizeof(f->why), "measuring what %s costs next to %s", other,
                     c->start_method);
        }
    }
    return n;
}

bool advise_followup_settled(const results *r, const advise_followup *f, const run_result *first,
                             char *why, size_t len)
{
    if (!f->variant || f->against_chunksize <= 0 || !results_run_counts(first))
        return false;
    const config_summary *a = find_any(r, f->mode, f->workers, f->against_chunksize,
                                       f->against_method, f->against_limit);
    if (!usable(a))
        return false;
    char x[32], y[32];
    /* Another start method: its pool start-up, measured to the millisecond in one run, is all it
     * adds; where that alone breaks the tie with the method measured, it cannot be chosen
     * (start_method_choice). */
    if (strcmp(f->start_method, f->against_method) != 0 && isfinite(first->startup_s) &&
        isfinite(a->startup_s) && first->startup_s - a->startup_s > limits.tie_ratio * a->wall_s) {
        util_fmt(why, len, "1 run: %s's pool start-up (%s) adds %.0f %% to %s's wall time by "
                 "itself, over the %.0f %% a tie allows: it cannot be chosen, not run again",
                 f->start_method, util_fmt_seconds(x, sizeof(x), first->startup_s),
                 100 * (first->startup_s - a->startup_s) / a->wall_s, f->against_method,
                 100 * limits.tie_ratio);
        return true;
    }
    /* Any follow-up whose first run is far slower than the other's interval reaches. */
    double w = results_run_wall(first);
    if (plan_variant_futile(w, a->ci_high_s)) {
        char an[96];
        if (f->native_limit != f->against_limit)
            config_name(an, sizeof(an), r, a);
        else
            util_fmt(an, sizeof(an), "chunksize %d, %s", f->against_chunksize, f->against_method);
        util_fmt(why, len, "1 run: %s, over %.0f %% beyond the interval of %s (up to %s): it "
                 "cannot win, not run again", util_fmt_seconds(x, sizeof(x), w),
                 100 * (PLAN_VARIANT_FUTILE - 1), an, util_fmt_seconds(y, sizeof(y), a->ci_high_s));
        return true;
    }
    return false;
}

/* ---- the recommendation ----------------------------------------------------------------------- */

/* The native limit chosen, as a line to set it; and every configuration measured as installed
 * that its limited run showed oversubscribed (slower beyond the noise), with its slowdown. */
static void explain_native(recommendation *out, const results *r, const config_summary *c)
{
    const char *var = advise_native_var(r);
    if (c->native_limit > 0)
        note(out, "native threads: set %s=%d before the library loads: `%s=%d python job.py`, or "
             "`os.environ[\"%s\"] = \"%d\"` at the top of the script before `import numpy`%s",
             var, c->native_limit, var, c->native_limit, var, c->native_limit,
             mode_get(c->mode)->pickles ? " (worker processes inherit it)" : "");
    for (int i = 0; i < r->nsummary; i++) {
        const config_summary *lim = &r->summary[i];
        if (lim->native_limit <= 0 || !usable(lim))
            continue;
        const config_summary *as = find_any(r, lim->mode, lim->workers, lim->chunksize,
                                            lim->start_method, 0);
        if (!usable(as) || !(as->wall_s > lim->wall_s) || within_noise(r, lim, as))
            continue;
        char an[64], asp[48], lsp[48];
        note(out, "as installed, %s runs %.1fx slower than with %s=%d (%s against %s): %.0f "
             "native thread%s beside its %d worker%s on %d cores", config_name(an, sizeof(an), r, as),
             as->wall_s / lim->wall_s, var, lim->native_limit, fmt_speedup(asp, sizeof(asp), as),
             fmt_speedup(lsp, sizeof(lsp), lim), as->native_threads,
             as->native_threads == 1 ? "" : "s", as->workers, as->workers == 1 ? "" : "s",
             results_cores(r));
    }
}

static void fill_option(advise_option *o, const config_summary *s)
{
    o->mode = s->mode;
    o->workers = s->workers;
    o->chunksize = mode_get(s->mode)->pickles ? (s->chunksize > 0 ? s->chunksize : 1) : 0;
    snprintf(o->start_method, sizeof(o->start_method), "%s",
             mode_get(s->mode)->pickles ? s->start_method : "");
    o->native_limit = s->native_limit;
    o->concurrency = mode_get(s->mode)->pickles ? s->loop.concurrency : 0;
    o->speedup = s->speedup;
    bool ci = s->runs_ok >= RESULTS_CI_MIN_RUNS;
    o->ci_low = ci ? s->speedup_low : NAN;
    o->ci_high = ci ? s->speedup_high : NAN;
}

/* What the threads of a configuration waited for, as a clause with its number, or "". */
static void thread_waits(char *buf, size_t len, const config_summary *t)
{
    buf[0] = '\0';
    if (!(t->state_samples > 0))
        return;
    double gil = t->gil_distinguished ? t->gil_wait_fraction : t->lock_wait_fraction;
    if (isfinite(gil) && gil >= 0.10)
        util_fmt(buf, len, "%.0f %% of thread samples wait for the GIL%s", 100 * gil,
                 t->gil_distinguished ? "" : " or a lock");
    else if (isfinite(t->runnable_fraction) && t->runnable_fraction >= 0.10)
        util_fmt(buf, len, "%.0f %% of thread samples wait for a CPU", 100 * t->runnable_fraction);
}

/* The sweep's configuration of mode at workers when it was measured and workers > 1, else the
 * mode's best. */
static const config_summary *same_count(const results *r, run_mode mode, int workers)
{
    const config_summary *s = workers > 1 ? results_find_summary(r, mode, workers) : NULL;
    return usable(s) ? s : best_of(r, mode);
}

/* Like same_count, for a choice measured with a native limit: the other mode at that count with the
 * same limit where it was measured (the like-for-like comparison), else same_count's. */
static const config_summary *same_count_as(const results *r, run_mode mode,
                                           const config_summary *c)
{
    for (int i = 0; c->native_limit > 0 && i < r->nsummary; i++) {
        const config_summary *s = &r->summary[i];
        if (s->mode == mode && s->workers == c->workers && s->native_limit == c->native_limit &&
            usable(s))
            return s;
    }
    return same_count(r, mode, c->workers);
}

static void add_alternative(recommendation *rec, const config_summary *s,
                            const config_summary *chosen, const char *why)
{
    if (rec->nalternatives >= ADVISE_MAX_ALTERNATIVES || s == chosen)
        return;
    advise_option *a = &rec->alternatives[rec->nalternatives++];
    fill_option(a, s);
    snprintf(a->why, sizeof(a->why), "%s", why);
}

/* Why a measured configuration s is not the one recommended (c). */
static void why_not(char *buf, size_t len, const results *r, const config_summary *s,
                    const config_summary *c)
{
    char sp[48], cn[64];
    fmt_speedup(sp, sizeof(sp), s);
    config_name(cn, sizeof(cn), r, c);
    bool tied = within_noise(r, c, s);
    if (s->speedup < c->speedup && !tied) {
        char waits[96];
        if (s->mode == MODE_THREADS)
            thread_waits(waits, sizeof(waits), s);
        else
            waits[0] = '\0';
        util_fmt(buf, len, "%s, slower than %s%s%s", sp, cn, waits[0] ? ": " : "", waits);
    } else if (s->speedup > c->speedup) {
        util_fmt(buf, len, "%s, within the noise of %s, which costs less to run", sp, cn);
    } else if (cheaper(s, c)) {
        /* Cheaper and not clearly slower, yet not chosen: the fastest configuration was clearly
         * faster than it, and c is within that one's noise. */
        util_fmt(buf, len, "%s, below %s's %.2fx in the median (their repeats overlap: more "
                 "--repeat would separate them)", sp, cn, c->speedup);
    } else {
        util_fmt(buf, len, "%s, no faster than %s, which costs less to run", sp, cn);
    }
}

static void memory(recommendation *rec, const results *r, const config_summary *c, int target)
{
    rec->peak_rss_bytes = c->peak_rss_bytes;
    rec->machine_memory_bytes = r->machine.memory_bytes > 0 ? r->machine.memory_bytes : NAN;
    rec->memory_fits = true;
    if (!isfinite(rec->peak_rss_bytes))
        return;
    char peak[32], mach[32];
    util_fmt_bytes(peak, sizeof(peak), rec->peak_rss_bytes);
    util_fmt_bytes(mach, sizeof(mach), rec->machine_memory_bytes);
    if (isfinite(rec->machine_memory_bytes)) {
        rec->memory_fits = rec->peak_rss_bytes < rec->machine_memory_bytes;
        if (rec->peak_rss_bytes > limits.memory_warn_share * rec->machine_memory_bytes)
            note(rec, "memory: %s peak RSS over all processes, %s of this machine's %s: %s",
                 peak, rec->memory_fits ? "more than half" : "more than all", mach,
                 rec->memory_fits ? "little is left for anything else" : "it cannot fit");
        else
            note(rec, "memory: %s peak RSS over all processes (this machine has %s)", peak, mach);
    } else {
        note(rec, "memory: %s peak RSS over all processes", peak);
    }
    /* Each worker process holds a copy; threads share one. */
    if (!mode_get(c->mode)->shares_memory && target > c->workers &&
        isfinite(rec->machine_memory_bytes)) {
        double per = rec->peak_rss_bytes / (c->workers + 1);
        double need = per * (target + 1);
        if (need > limits.memory_warn_share * rec->machine_memory_bytes) {
            char n[32], p[32];
            note(rec, "memory at %d workers: about %s (%s per process), against this machine's %s: "
                 "check the target machine's memory", target, util_fmt_bytes(n, sizeof(n), need),
                 util_fmt_bytes(p, sizeof(p), per), mach);
        }
    }
}

/* The scalability law fitted to a mode's sweep, and its prediction at target cores. */
static void scaling(advise_scaling *sc, const results *r, int target)
{
    double n[PLAN_MAX_WORKERS * 2], s[PLAN_MAX_WORKERS * 2];
    int k = 0;
    int cores = results_cores(r);
    for (int i = 0; i < r->nsummary && k < (int)ARRAY_LEN(n); i++) {
        const config_summary *x = &r->summary[i];
        if (x->variant || x->mode != sc->mode || !measured_safe(x))
            continue;
        bool oversubscribed = x->workers > cores &&
                              !(x->cpu_utilization * x->workers <= limits.usl_util_max * cores);
        if (oversubscribed)
            continue;
        n[k] = x->workers;
        s[k] = x->speedup;
        k++;
    }
    usl_fit_points(n, s, k, &sc->fit);
    sc->predicted = NAN;
    if (!sc->fit.fitted) {
        util_fmt(sc->note, sizeof(sc->note), "%s: no prediction for %d cores: %s",
                 mode_name(sc->mode), target, sc->fit.note);
        return;
    }
    char why[160];
    if (!usl_can_extrapolate(&sc->fit, target, why, sizeof(why))) {
        util_fmt(sc->note, sizeof(sc->note), "%s: no prediction for %d cores: %s",
                 mode_name(sc->mode), target, why);
        return;
    }
    sc->predicted = usl_predict(&sc->fit, target);
    util_fmt(sc->note, sizeof(sc->note),
             "%s: %.2fx predicted at %d workers on %d cores (scalability law fitted to %d worker "
             "counts up to %d, R^2 %.3f)",
             mode_name(sc->mode), sc->predicted, target, target, sc->fit.npoints,
             sc->fit.max_workers, sc->fit.r_squared);
}

static void explain_single(recommendation *rec, const results *r, const config_summary *single,
                           const choice *ch)
{
    char fast[64], sp[48];
    config_name(fast, sizeof(fast), r, ch->fastest);
    fmt_speedup(sp, sizeof(sp), ch->fastest);
    double work = work_per_task(r, single);
    double cost = NAN;
    const char *pool = mode_get(MODE_PROCESSES)->pool_noun;
    for (int m = 0; m < MODE_COUNT; m++) {
        const mode_info *mi = mode_get((run_mode)m);
        double c = mi->pool && !mi->cluster ? pool_cost_per_task(r, (run_mode)m) : NAN;
        if (isfinite(c) && (!isfinite(cost) || c > cost)) {
            cost = c;
            pool = mode_get((run_mode)m)->pool_noun;
        }
    }
    const config_summary *unsafe = unsafe_evidence(r, MODE_COUNT);
    if (ch->choice->native_limit > 0) {
        char sp1[48];
        util_fmt(rec->headline, sizeof(rec->headline),
                 "Do not parallelize, but set %s=%d: the plain loop with it runs %s; no pool was "
                 "faster", advise_native_var(r), ch->choice->native_limit,
                 fmt_speedup(sp1, sizeof(sp1), ch->choice));
    } else if (ch->fastest == ch->choice && unsafe) {
        char un[64];
        util_fmt(rec->headline, sizeof(rec->headline),
                 "Do not parallelize: %s is not safe for this job, and no safe pool was faster "
                 "than a plain loop on this machine", config_name(un, sizeof(un), r, unsafe));
    } else if (ch->fastest == ch->choice) {
        util_fmt(rec->headline, sizeof(rec->headline),
                 "Do not parallelize: no pool was faster than a plain loop on this machine");
    } else if (ch->fastest->mode == MODE_SINGLE) {
        util_fmt(rec->headline, sizeof(rec->headline),
                 "Do not parallelize: no pool was faster than a plain loop on this machine, and "
                 "%s at %s is within the noise of it as installed", fast, sp);
    } else {
        util_fmt(rec->headline, sizeof(rec->headline),
                 "Do not parallelize: the fastest pool, %s at %s, is within the noise of a plain "
                 "loop", fast, sp);
    }
    if (ch->fastest != ch->choice)
        reason(rec, "the fastest %s, %s, gains %s: within the noise of single, which costs "
               "nothing to set up", ch->fastest->mode == MODE_SINGLE ? "configuration" : "pool",
               fast, sp);
    if (isfinite(cost) && isfinite(work)) {
        char c[32], w[32];
        reason(rec, "a %s costs %s per task against %s of work per task (%.1fx the work)", pool,
               util_fmt_seconds(c, sizeof(c), cost), util_fmt_seconds(w, sizeof(w), work),
               cost / work);
    }
    const config_summary *p = best_of(r, MODE_PROCESSES);
    if (p) {
        double pickled = p->pickle_bytes_per_task;
        if (isfinite(pickled) && pickled > 0) {
            char b[32];
            reason(rec, "a process pool pickles %s per task (argument and result) through a pipe",
                   util_fmt_bytes(b, sizeof(b), pickled));
        }
    }
}

/* The headline and the first reasons: what is chosen, and why over the rest. */
static void explain_choice(recommendation *out, const results *r, const choice *chp,
                           const config_summary *c, const config_summary *single,
                           const config_summary *threads)
{
    const choice ch = *chp;
    const classification *cl = &r->classification;
    char name[64], sp[48];
    config_name(name, sizeof(name), r, c);
    fmt_speedup(sp, sizeof(sp), c);
    if (c->mode == MODE_SINGLE) {
        explain_single(out, r, single, &ch);
    } else {
        char extra[96] = "";
        if (mode_get(c->mode)->pickles && c->chunksize > 1)
            util_fmt(extra, sizeof(extra), ", chunksize %d", c->chunksize);
        if (mode_get(c->mode)->pickles && c->start_method[0])
            util_fmt(extra + strlen(extra), sizeof(extra) - strlen(extra), ", %s", c->start_method);
        if (c->native_limit > 0)
            util_fmt(extra + strlen(extra), sizeof(extra) - strlen(extra), ", with %s=%d",
                     advise_native_var(r), c->native_limit);
        if (mode_get(c->mode)->pickles && c->loop.concurrency > 0)
            util_fmt(extra + strlen(extra), sizeof(extra) - strlen(extra), ", each an event loop "
                     "with %d tasks in flight", c->loop.concurrency);
        char why[160] = "", count[32];
        if (c->mode == MODE_PROCESSES && threads) {
            char tw[96];
            thread_waits(tw, sizeof(tw), threads);
            char tn[64];
            util_fmt(why, sizeof(why), "; %s give%s %.2fx%s%s",
                     config_name(tn, sizeof(tn), r, threads), threads->native_limit > 0 ? "s" : "",
                     threads->speedup, tw[0] ? " because " : "", tw);
        } else if (c->mode == MODE_ASYNCIO) {
            util_fmt(why, sizeof(why), "; its tasks wait, and one event loop on one thread "
                     "overlaps their waits");
        } else if (c->mode == MODE_THREADS && cl->kind == KIND_IO_BOUND) {
            util_fmt(why, sizeof(why), "; the job waits, and its waits overlap in threads");
        } else if (c->mode == MODE_THREADS && cl->gil == GIL_RELEASES) {
            util_fmt(why, sizeof(why), "; the work releases the GIL");
        }
        util_fmt(out->headline, sizeof(out->headline), "%s, %s%s: %s on this machine%s",
                 mode_get(c->mode)->title,
                 mode_workers_text(c->mode, c->workers, count, sizeof(count)), extra, sp, why);

        /* The configuration chosen before the start method was: spawn may stand in for it. */
        const config_summary *k = ch.choice;
        char kn[64], ksp[48];
        config_name(kn, sizeof(kn), r, k);
        fmt_speedup(ksp, sizeof(ksp), k);
        if (k == ch.fastest)
            reason(out, "%s: %s, the fastest configuration measured", kn, ksp);
        else if (ch.by_cost) {
            char fast[64], fsp[48];
            reason(out, "%s: %s, within the noise of the fastest, %s at %s, and cheaper to run",
                   kn, ksp, config_name(fast, sizeof(fast), r, ch.fastest),
                   fmt_speedup(fsp, sizeof(fsp), ch.fastest));
        }
        const char *pool = mode_get(k->mode)->pool_noun;
        char best[64], bsp[48];
        config_name(best, sizeof(best), r, ch.mode_best);
        fmt_speedup(bsp, sizeof(bsp), ch.mode_best);
        if (k != ch.fastest && !ch.by_cost && !ch.knee_by_noise)
            reason(out, "%s: %s, %.0f %% of the best %s (%s at %s) %s", kn, ksp,
                   100 * k->speedup / ch.mode_best->speedup, pool, best, bsp,
                   what_it_lacks(k, ch.mode_best));
        if (ch.knee_by_noise)
            reason(out, "%s: %s, the fewest workers not shown short of %.0f %% of the best %s: "
                   "%s at %s is %.0f %% faster by the medians, within the noise of the repeats",
                   kn, ksp, 100 * limits.knee_share, pool, best, bsp,
                   100 * (ch.mode_best->speedup / k->speedup - 1.0));
        if (c != k)
            reason(out, "%s: %s, within the noise of %s (%s), and spawn starts workers clean", name,
                   sp, kn, k->start_method);
    }

}

/* The event loop of a coroutine workload, as measured: how long its steps blocked it (single's
 * loop: the share of the job concurrency on one loop cannot overlap) and what that did to the
 * asyncio mode. For a plain I/O-bound job, why asyncio was not measured. */
static void explain_asyncio(recommendation *out, const results *r, const config_summary *c)
{
    const classification *cl = &r->classification;
    if (!r->workload.coroutine) {
        if (cl->kind == KIND_IO_BOUND || cl->kind == KIND_MIXED)
            note(out, "asyncio: not measured: task is a plain def, and its blocking calls would "
                 "have to become async (an `async def task(i)` awaiting its I/O) for concur to "
                 "run it on an event loop");
        return;
    }
    const config_summary *single = results_find_summary(r, MODE_SINGLE, 1);
    const config_summary *a = best_of(r, MODE_ASYNCIO);
    char an[64], asp[48], step[32];
    if (a && c->mode != MODE_ASYNCIO) {
        char why[ADVISE_TEXT_LEN] = "";
        if (single && single->loop.measured && single->loop.blocked_fraction >= LOOP_BLOCKED_NOTE)
            util_fmt(why, sizeof(why), ": its loop was blocked %.0f %% of the time by the tasks' "
                     "own steps (up to %s), which one loop cannot overlap",
                     100 * single->loop.blocked_fraction,
                     util_fmt_seconds(step, sizeof(step), single->loop.max_step_s));
        reason(out, "%s: %s, the best of the asyncio mode%s", config_name(an, sizeof(an), r, a),
               fmt_speedup(asp, sizeof(asp), a), why);
    } else if (a && single && single->loop.measured) {
        reason(out, "asyncio x%d: one thread, one event loop, blocked %.0f %% of the time by "
               "steps of up to %s (a single loop: %.0f %%)", a->workers,
               100 * a->loop.blocked_fraction,
               util_fmt_seconds(step, sizeof(step), a->loop.max_step_s),
               100 * single->loop.blocked_fraction);
    }
    if (c->loop.pending_cancelled > 0)
        note(out, "%d tasks were still pending on the event loop when a run's tasks were done: "
             "concur cancelled them (asyncio.run would too); await what a task starts",
             c->loop.pending_cancelled);
}

/* The other modes, and what held them back. */
static void explain_alternatives(recommendation *out, const results *r, const choice *ch,
                                 const config_summary *c, const config_summary *single,
                                 const config_summary *threads, const config_summary *procs)
{
    const config_summary *others[3] = {threads, procs, same_count(r, MODE_ASYNCIO, c->workers)};
    for (int i = 0; i < 3; i++) {
        const config_summary *o = others[i];
        if (!o || o->mode == c->mode)
            continue;
        char why[ADVISE_TEXT_LEN], on[64];
        why_not(why, sizeof(why), r, o, c);
        add_alternative(out, o, c, why);
        reason(out, "%s: %s", config_name(on, sizeof(on), r, o), why);
        const config_summary *b = best_of(r, o->mode);
        if (b != o) {
            why_not(why, sizeof(why), r, b, c);
            add_alternative(out, b, c, why);
        }
    }
    /* A mode not safe for this job, with its evidence: never chosen, whatever its speed. */
    for (int m = 0; m < MODE_COUNT; m++) {
        const config_summary *u = unsafe_evidence(r, (run_mode)m);
        if (!u)
            continue;
        char why[ADVISE_TEXT_LEN], un[64];
        util_fmt(why, sizeof(why), "not safe for this job: it %s", u->unsafe_reason);
        add_alternative(out, u, c, why);
        reason(out, "%s is not safe for this job, never recommended: it %s",
               config_name(un, sizeof(un), r, u), u->unsafe_reason);
    }
    if (c->mode != MODE_SINGLE) {
        char why[ADVISE_TEXT_LEN];
        why_not(why, sizeof(why), r, single, c);
        add_alternative(out, single, c, why);
    }
    if (ch->mode_best != c && ch->mode_best->mode == c->mode) {
        char why[ADVISE_TEXT_LEN];
        why_not(why, sizeof(why), r, ch->mode_best, c);
        add_alternative(out, ch->mode_best, c, why);
    }

}

/* A process pool's chunksize and start method, as measured. */
static void explain_process_pool(recommendation *out, const results *r, const config_summary *c)
{
    if (c->mode != MODE_PROCESSES)
        return;
    for (int i = 0; i < r->nsummary; i++) {
        const config_summary *v = &r->summary[i];
        if (!v->variant || v->mode != MODE_PROCESSES || v->chunksize <= 1 || !usable(v))
            continue;
        const config_summary *b = results_find_summary(r, MODE_PROCESSES, v->workers);
        /* The batched pool under the other start method is the start method's note. */
        if (!usable(b) || strcmp(v->start_method, b->start_method) != 0)
            continue;
        char bs[48], vs[48];
        if (c->chunksize > 1)
            note(out, "chunksize: %d measured at %s against %s with chunksize 1: pass "
                 "chunksize=%d to map()", v->chunksize, fmt_speedup(vs, sizeof(vs), v),
                 fmt_speedup(bs, sizeof(bs), b), v->chunksize);
        else
            note(out, "chunksize: %d measured at %s against %s with chunksize 1: batching "
                 "%s", v->chunksize, fmt_speedup(vs, sizeof(vs), v),
                 fmt_speedup(bs, sizeof(bs), b),
                 v->speedup > b->speedup ? "gains too little here to be worth it"
                                         : "does not help here");
    }
    /* The start method, measured. */
    for (int i = 0; i < r->nsummary; i++) {
        const config_summary *v = &r->summary[i];
        if (!usable(v) || v == c || v->mode != MODE_PROCESSES || v->workers != c->workers ||
            v->chunksize != c->chunksize || strcmp(v->start_method, c->start_method) == 0 ||
            v->loop.concurrency != c->loop.concurrency)
            continue;
        char a[32], b[32];
        util_fmt_seconds(a, sizeof(a), c->startup_s);
        util_fmt_seconds(b, sizeof(b), v->startup_s);
        if (strcmp(c->start_method, "spawn") == 0)
            note(out, "start method: spawn (pool start-up %s) measured against %s (%s), wall "
                 "%.2fx vs %.2fx: spawn starts each worker clean, with no copy of the parent's "
                 "memory, secrets, locks or threads", a, v->start_method, b, c->speedup,
                 v->speedup);
        else
            note(out, "start method: %s (pool start-up %s) beat spawn (%s, %.0f %% of this "
                 "job's wall time; %.2fx vs %.2fx); use spawn if the parent holds secrets, locks "
                 "or threads, which %s copies", c->start_method, a, b,
                 100 * (v->startup_s - c->startup_s) / c->wall_s, c->speedup, v->speedup,
                 c->start_method);
    }
}

/* What the measurements left open. */
/* The share of a configuration's samples its workers spent waiting (I/O, sleep, a child); NAN
 * when nothing was sampled. */
static double wait_share(const config_summary *s)
{
    return s->io_wait_fraction + s->sleep_fraction + s->child_wait_fraction;
}

/* Where a pool's start-up (pool created -> the last worker's setup() done) is startup_share or
 * more of its wall time: what it cost, how the workers' setup() calls queued, and what would cut
 * it. The ranking stays on the whole wall time: that is what the job costs as written. A
 * program's start-up is its serial part, before its first call into a pool, and has no setup():
 * Amdahl's sentence of "Your program" says that instead. */
static void startup_weighs(recommendation *out, const results *r, const config_summary *single,
                           const config_summary *c)
{
    if (r->workload.program[0])
        return;
    const config_summary *seen[3] = {c, best_of(r, MODE_THREADS), best_of(r, MODE_PROCESSES)};
    bool said[MODE_COUNT] = {false};
    for (int i = 0; i < 3; i++) {
        const config_summary *s = seen[i];
        if (!s || s->mode == MODE_SINGLE || said[s->mode] || !(s->startup_s > 0) ||
            !(s->wall_s > 0) || s->startup_s < limits.startup_share * s->wall_s)
            continue;
        said[s->mode] = true;
        char n[64], st[32], wall[32], one[32], tp[48] = "";
        config_name(n, sizeof(n), r, s);
        util_fmt_seconds(st, sizeof(st), s->startup_s);
        util_fmt_seconds(wall, sizeof(wall), s->wall_s);
        if (isfinite(s->task_speedup) && s->task_speedup > 0)
            util_fmt(tp, sizeof(tp), ", its tasks alone %.2fx", s->task_speedup);
        /* One setup(): single's start-up is its only one. */
        double per = single && single->startup_s > 0 ? single->startup_s : NAN;
        char queue[128] = "";
        if (isfinite(per)) {
            double q = s->startup_s / per;
            util_fmt(queue, sizeof(queue), ": setup() costs %s a worker, and the %d %s",
                     util_fmt_seconds(one, sizeof(one), per), s->workers,
                     q >= 0.75 * s->workers ? "ran one after the other"
                     : q >= 1.5             ? "queued in part"
                                            : "ran at once");
        }
        if (r->workload.setup == 0) {
            /* No setup(): what start-up costs is the pool's own start of its workers. */
            note(out, "%s: start-up took %s of its %s (%.0f %%%s): the pool starting its "
                 "workers, as the job has no setup(); a longer job (more tasks per worker) "
                 "spreads it", n, st, wall, 100 * s->startup_s / s->wall_s, tp);
            continue;
        }
        char gil[64] = "";
        if (s->mode == MODE_THREADS && s->gil_distinguished && isfinite(s->gil_wait_fraction))
            util_fmt(gil, sizeof(gil), " (GIL waits in %.0f %% of the samples)",
                     100 * s->gil_wait_fraction);
        note(out, "%s: start-up took %s of its %s (%.0f %%%s)%s%s; build setup()'s data once "
             "before the pool (%s), or give each worker more tasks", n, st, wall,
             100 * s->startup_s / s->wall_s, tp, queue, gil,
             s->mode == MODE_THREADS ? "shared by the threads" : "inherited through fork");
    }
}

/* Where the chosen mode waits (I/O, sleep, a child) a large share of the time and its repeats
 * vary too much to rank its counts, the larger counts whose medians are ahead of the choice, as
 * open questions with those medians. Returns whether it named any. */
static bool waits_open(recommendation *out, const results *r, const config_summary *single,
                       const choice *ch)
{
    const config_summary *c = ch->choice;
    if (c->mode == MODE_SINGLE || c->variant)
        return false;
    double waits = fmax(wait_share(c), single ? wait_share(single) : NAN);
    bool io = r->classification.kind == KIND_IO_BOUND;
    double wanted = r->precision > 0 ? r->precision : PLAN_DEFAULT_PRECISION;
    bool noisy = ch->knee_by_noise || !(c->precision <= wanted);
    if (!(waits >= PLAN_GROW_WAIT_SHARE || io) || !noisy)
        return false;
    char list[ADVISE_TEXT_LEN / 2] = "";
    int named = 0;
    for (int i = 0; i < r->nsummary; i++) {
        const config_summary *s = &r->summary[i];
        if (!usable(s) || s->variant || s->mode != c->mode || s->workers <= c->workers ||
            !(s->speedup > c->speedup))
            continue;
        size_t len = strlen(list);
        util_fmt(list + len, sizeof(list) - len, "%sx%d at %.2fx", named ? ", " : "", s->workers,
                 s->speedup);
        named++;
    }
    if (named == 0)
        return false;
    char cn[64];
    char share[48] = "";
    if (isfinite(waits))
        util_fmt(share, sizeof(share), " %.0f %% of the time", 100 * waits);
    open_question(out, "whether more %s gain: the job waits%s, and by the medians %s %s, "
                  "against %.2fx at %s; the repeats vary too much to tell (more runs, "
                  "--max-repeat, or a quieter disk or network would)", mode_name(c->mode), share,
                  mode_name(c->mode), list, c->speedup, config_name(cn, sizeof(cn), r, c));
    return true;
}

/* Whether the host's drift (results_drift) was larger than what separates the choice from the
 * best other configuration (single included): then the answer may turn on when each ran. */
static void drift_open(recommendation *out, const results *r, const config_summary *c)
{
    const results_drift *d = &r->drift;
    if (!d->found)
        return;
    double moved = results_drift_moved(d);
    const config_summary *other = NULL;
    for (int i = 0; i < r->nsummary; i++) {
        const config_summary *s = &r->summary[i];
        if (s != c && usable(s) && (!other || s->speedup > other->speedup))
            other = s;
    }
    if (!other || !(c->speedup > 0))
        return;
    double margin = fabs(c->speedup / other->speedup - 1.0);
    if (!(moved > margin))
        return;
    char cn[64], on[64], csp[48], osp[48];
    open_question(out, "whether the host's drift turned this answer: its pace moved by %.0f %% "
                  "during the run, more than the %.0f %% between %s (%s) and %s (%s); %s; "
                  "measuring again on a quieter host would tell", 100 * moved, 100 * margin,
                  config_name(cn, sizeof(cn), r, c), fmt_speedup(csp, sizeof(csp), c),
                  config_name(on, sizeof(on), r, other), fmt_speedup(osp, sizeof(osp), other),
                  d->adjusted ? "the speedups are against the single runs nearest in time"
                              : "single was measured in one spell (--back-to-back), so the "
                                "speedups carry the drift");
}

static void open_questions(recommendation *out, const results *r, const choice *chp,
                           const config_summary *c, const config_summary *threads,
                           const config_summary *procs)
{
    const choice ch = *chp;
    for (int i = 0; i < r->nsummary; i++) {
        const config_summary *s = &r->summary[i];
        if (s->runs_ok == 0 && s->runs_failed > 0 && !s->unsafe) {
            char n[64];
            open_question(out, "%s failed in all %d of its runs: how it would do is unknown",
                          config_name(n, sizeof(n), r, s), s->runs_failed);
        }
    }
    if (ch.by_cost && ch.fastest->wall_s < (1.0 - limits.tie_ratio) * ch.mode_best->wall_s) {
        char fast[64], fsp[48], cn[64];
        open_question(out, "whether %s (%s) is really faster than %s: its repeats vary too much to "
                      "tell; more runs (--max-repeat) would settle it",
                      config_name(fast, sizeof(fast), r, ch.fastest),
                      fmt_speedup(fsp, sizeof(fsp), ch.fastest),
                      config_name(cn, sizeof(cn), r, ch.mode_best));
    }
    bool waits = waits_open(out, r, results_find_summary(r, MODE_SINGLE, 1), &ch);
    if (ch.knee_by_noise && !waits) {
        char best[64], bsp[48], cn[64];
        open_question(out, "whether %s (%s) is worth its extra workers over %s: the repeats vary "
                      "too much to tell; more runs (--max-repeat) would settle it",
                      config_name(best, sizeof(best), r, ch.mode_best),
                      fmt_speedup(bsp, sizeof(bsp), ch.mode_best),
                      config_name(cn, sizeof(cn), r, ch.choice));
    }
    if (r->precision > 0 && c->precision > r->precision && isfinite(c->precision)) {
        char cn[64], need[96];
        int m = plan_repeat_needed(c->runs_ok, c->precision, r->precision);
        if (m > 0)
            util_fmt(need, sizeof(need), "about %d runs would reach it", m);
        else
            util_fmt(need, sizeof(need), "no sane number of runs would reach it");
        open_question(out, "how fast %s is to within +-%.0f %%: %d runs left its median at "
                      "+-%.0f %% (the noise here: %s; --max-repeat is %d)",
                      config_name(cn, sizeof(cn), r, c), 100 * r->precision, c->runs_ok,
                      100 * c->precision, need, r->max_repeat);
    }
    for (int i = 0; i < r->nplan; i++) {
        const plan_entry *e = &r->plan[i];
        if (e->action != PLAN_BUDGET)
            continue;
        if (e->workers > 0)
            open_question(out, "%s x%d: not measured, the budget ran out before it",
                          mode_name(e->mode), e->workers);
        else
            open_question(out, "%s; larger worker counts and follow-up measurements (chunksize, "
                          "start method, more runs of close calls) may change the advice", e->why);
    }
    if (isfinite(advise_capacity_short(r))) {
        char start[32] = "not measured", end[32] = "not measured";
        if (isfinite(r->machine.capacity_start))
            util_fmt(start, sizeof(start), "%.2f", r->machine.capacity_start);
        if (isfinite(r->machine.capacity_end))
            util_fmt(end, sizeof(end), "%.2f", r->machine.capacity_end);
        int cores = results_cores(r);
        open_question(out, "what the pools gain on %d cores that work at once: the host gave "
                      "them %s cores' worth at the start of the run and %s at the end (all "
                      "spinning together against one alone), so every pool's speedup here is "
                      "held back by the host, not the job; run again when it is quiet", cores,
                      start, end);
    }
    drift_open(out, r, c);
    if (!r->complete && r->incomplete_reason[0] && !r->budget_reached)
        open_question(out, "the run is incomplete (%s): configurations not measured may change "
                      "the advice", r->incomplete_reason);
    if (!threads && !best_measured(r, MODE_THREADS))
        open_question(out, "thread pools were not measured");
    if (!procs && !best_measured(r, MODE_PROCESSES))
        open_question(out, "process pools were not measured");
}

void advise_recommend(const results *r, int target_cores, recommendation *out)
{
    recommendation_init(out);
    out->target_cores = target_cores > 0 ? target_cores : 0;
    const config_summary *single = results_find_summary(r, MODE_SINGLE, 1);
    choice ch;
    if (!usable(single) || !choose(r, &ch)) {
        reason(out, "no recommendation: there is no successful single run, the baseline every "
                    "speedup is measured against");
        return;
    }
    if (r->workload.program[0] && r->workload.tasks == 0) {
        reason(out, "the program made no call into a pool concur can swap, "
                    "so no configuration could be compared with its single baseline");
        return;
    }
    const config_summary *c = start_method_choice(r, ch.choice);
    out->made = true;
    fill_option(&out->choice, c);
    out->parallelize = c->mode != MODE_SINGLE;
    const classification *cl = &r->classification;

    /* The other pools are shown at the chosen worker count where they were measured there (the
     * like-for-like comparison), else at their best. */
    const config_summary *threads = same_count_as(r, MODE_THREADS, c);
    const config_summary *procs = same_count_as(r, MODE_PROCESSES, c);
    explain_choice(out, r, &ch, c, single, threads);
    explain_alternatives(out, r, &ch, c, single, threads, procs);

    /* What the classification rests on. */
    if (!classify_is_empty(cl) && (cl->kind != KIND_UNKNOWN || cl->gil != GIL_UNKNOWN))
        reason(out, "classified %s, GIL %s (confidence %.2f): %s", classify_kind_name(cl->kind),
               classify_gil_name(cl->gil), cl->confidence,
               cl->nevidence > 0 ? cl->evidence[0] : "no evidence");
    explain_process_pool(out, r, c);
    explain_native(out, r, c);
    startup_weighs(out, r, single, c);

    explain_asyncio(out, r, c);

    memory(out, r, c, out->target_cores);

    if (out->target_cores > 0)
        for (int i = 0; i < 2; i++)
            scaling(&out->scaling[i], r, out->target_cores);

    /* Confidence: the classification's, less where the chosen speedup is wide. */
    double base = !classify_is_empty(cl) && cl->kind != KIND_UNKNOWN ? cl->confidence : 0.5;
    double width = (c->speedup_high - c->speedup_low) / c->speedup;
    if (!isfinite(width) || c->runs_ok < 2)
        width = 0.5;
    out->confidence = fmax(0.0, fmin(1.0, base / (1.0 + width)));

    open_questions(out, r, &ch, c, threads, procs);
    advise_beyond(out, r, single, c);
}

/* ---------------------------------------------------------------------------------------------
 * Beyond this machine: mode dask (docs/dask.md)
 * ------------------------------------------------------------------------------------------- */

/* A Dask cluster's per-task overhead is under this share of a task's work once batched. */
#define DASK_OVERHEAD_SHARE 0.10
/* Tasks shorter than this many times the per-task overhead are dominated by it. */
#define DASK_OVERHEAD_DOMINATES 3.0

/* The fastest dask configuration of the sweep (no batch), NULL where none was measured. */
static const config_summary *dask_best(const results *r)
{
    const config_summary *best = NULL;
    for (int i = 0; i < r->nsummary; i++) {
        const config_summary *s = &r->summary[i];
        if (!s->variant && s->mode == MODE_DASK && measured_safe(s) &&
            (!best || s->speedup > best->speedup))
            best = s;
    }
    return best;
}

/* Tasks per Dask task that bring a per-task overhead `cost` under DASK_OVERHEAD_SHARE of `work`;
 * 0 where it already is (or either is unknown). */
static int dask_batch_for(double cost, double work)
{
    if (!(cost > 0) || !(work > 0) || cost <= DASK_OVERHEAD_SHARE * work)
        return 0;
    double b = ceil(cost / (DASK_OVERHEAD_SHARE * work));
    return b > PLAN_WORKER_CAP * 64 ? PLAN_WORKER_CAP * 64 : (int)b;
}

/* The batch size to measure for the Dask cluster: where its per-task overhead is over
 * DASK_OVERHEAD_SHARE of the work, the fastest dask configuration again with tasks in batches. */
static bool dask_batch_followup(const results *r, const config_summary *single,
                                advise_followup *f)
{
    const config_summary *ref = dask_best(r);
    if (!ref || !measured_safe(single))
        return false;
    double cost = pool_cost_per_task(r, MODE_DASK), work = work_per_task(r, single);
    int batch = dask_batch_for(cost, work);
    /* At least one batch per worker of the job's tasks. */
    int most = r->workload.tasks / ref->workers;
    if (batch > most)
        batch = most;
    if (batch < 2 || find_any(r, MODE_DASK, ref->workers, batch, "", 0))
        return false;
    memset(f, 0, sizeof(*f));
    f->mode = MODE_DASK;
    f->workers = ref->workers;
    f->chunksize = batch;
    f->variant = true;
    f->against_chunksize = 1;
    char c[32], w[32];
    util_fmt(f->why, sizeof(f->why), "the Dask cluster costs %s per task against %s of work: "
             "measuring batches of %d tasks per Dask task", util_fmt_seconds(c, sizeof(c), cost),
             util_fmt_seconds(w, sizeof(w), work), batch);
    return true;
}

static void beyond(recommendation *rec, const char *fmt, ...) CONCUR_PRINTF(2, 3);
static void beyond(recommendation *rec, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add_text(rec->beyond, &rec->nbeyond, ADVISE_MAX_NOTES, fmt, ap);
    va_end(ap);
}

/* What Dask costs per task against the work in one, its start-up and what crosses the wire. */
static void beyond_costs(recommendation *rec, const results *r, const config_summary *single,
                         const config_summary *best)
{
    double cost = pool_cost_per_task(r, MODE_DASK), work = work_per_task(r, single);
    char c[32], w[32], st[32], b[32];
    if (isfinite(cost) && work > 0)
        beyond(rec, "Dask costs %s per task in scheduling and transfer (measured in its own "
               "runs), against %s of work in a task: %.0f %% of it%s",
               util_fmt_seconds(c, sizeof(c), cost), util_fmt_seconds(w, sizeof(w), work),
               100 * cost / work, cost * DASK_OVERHEAD_DOMINATES > work
               ? "; the tasks are shorter than 3 times that cost, which dominates on a cluster"
               : "");
    if (isfinite(best->cluster_start_s))
        beyond(rec, "a LocalCluster of %d worker%s took %s to start (not in the job's times: a "
               "cluster is kept across jobs; a job run once pays it)", best->workers,
               best->workers == 1 ? "" : "s",
               util_fmt_seconds(st, sizeof(st), best->cluster_start_s));
    if (isfinite(best->pickle_bytes_per_task))
        beyond(rec, "%s cross to and from the workers per task (Dask's own pickling of the "
               "argument and the result)", util_fmt_bytes(b, sizeof(b), best->pickle_bytes_per_task));
}

/* The fastest batched dask configuration measured; NULL where none was. */
static const config_summary *dask_batched(const results *r)
{
    const config_summary *v = NULL;
    for (int i = 0; i < r->nsummary; i++) {
        const config_summary *s = &r->summary[i];
        if (s->variant && s->mode == MODE_DASK && measured_safe(s) && s->chunksize > 1 &&
            (!v || s->speedup > v->speedup))
            v = s;
    }
    return v;
}

/* The batch size that brings the per-task overhead under DASK_OVERHEAD_SHARE, and how its runs
 * went, where it was measured. */
static void beyond_batch(recommendation *rec, const results *r, const config_summary *single,
                         const config_summary *best)
{
    double work = work_per_task(r, single);
    int need = dask_batch_for(pool_cost_per_task(r, MODE_DASK), work);
    if (need < 2)
        return;
    int most = r->workload.tasks / best->workers;
    char bound[160] = "";
    if (need > most)
        util_fmt(bound, sizeof(bound), " (%d would be needed; the job's %d tasks on %d workers "
                 "allow at most %d a batch)", need, r->workload.tasks, best->workers, most);
    const config_summary *v = dask_batched(r);
    if (!v) {
        beyond(rec, "batches of about %d tasks per Dask task (client.map over lists of task "
               "indices) would bring the overhead under %.0f %% of the work%s: not measured",
               need > most ? most : need, 100 * DASK_OVERHEAD_SHARE, bound);
        return;
    }
    char sp[48], bsp[48], o[32];
    double per = fmax(0.0, v->pool_overhead_per_task);
    rec->dask_batch = v->chunksize;
    beyond(rec, "batches of %d tasks per Dask task (client.map over lists of task indices)%s, "
           "measured: dask x%d %s against %s one task at a time; the overhead comes to %s per "
           "task, %.0f %% of the work", v->chunksize, bound, v->workers,
           fmt_speedup(sp, sizeof(sp), v), fmt_speedup(bsp, sizeof(bsp), best),
           util_fmt_seconds(o, sizeof(o), per), 100 * per / work);
}

/* The scalability law fitted to the dask sweep: from how many workers a cluster beats this
 * machine's best local configuration, or why that cannot be said. */
static void beyond_scaling(recommendation *rec, const results *r, const config_summary *local)
{
    advise_scaling sc = {.mode = MODE_DASK};
    scaling(&sc, r, results_cores(r));
    if (!sc.fit.fitted) {
        beyond(rec, "whether a larger cluster beats this machine: no scalability fit of the dask "
               "sweep (%s)", sc.fit.note);
        return;
    }
    double target = local ? local->speedup_high : 1.0;
    char lname[64] = "single";
    if (local)
        config_name(lname, sizeof(lname), r, local);
    for (int n = 1; n <= PLAN_WORKER_CAP; n++) {
        double s = usl_predict(&sc.fit, n);
        if (!(s > target))
            continue;
        char why[160];
        if (!usl_can_extrapolate(&sc.fit, n, why, sizeof(why))) {
            beyond(rec, "a cluster would beat %s (%.2fx at best) from about %d workers by the "
                   "scalability law fitted to the dask sweep, but that is beyond what the fit "
                   "supports: %s", lname, target, n, why);
            return;
        }
        beyond(rec, "a cluster beats %s (%.2fx at best) from %d workers: %.2fx predicted by the "
               "scalability law fitted to %d dask worker counts (R^2 %.3f)", lname, target, n, s,
               sc.fit.npoints, sc.fit.r_squared);
        return;
    }
    beyond(rec, "no cluster size beats %s (%.2fx at best) by the scalability law fitted to the "
           "dask sweep (it peaks at %.1f workers): stay on this machine", lname, target,
           sc.fit.peak_workers);
}

/* Beyond this machine: what the Dask runs say, apart from the local choice they never enter. */
static void advise_beyond(recommendation *rec, const results *r, const config_summary *single,
                          const config_summary *local)
{
    const config_summary *best = dask_best(r);
    if (!best || !measured_safe(single))
        return;
    char sp[48];
    beyond(rec, "on a Dask cluster here: dask x%d %s, the best of the sweep%s", best->workers,
           fmt_speedup(sp, sizeof(sp), best),
           r->dask.scheduler[0] ? " on the cluster at --dask-scheduler" : " on a LocalCluster");
    if (r->dask.scheduler[0])
        beyond(rec, "the cluster at %s had %d workers (%d threads) on %d host%s (%s): their CPU "
               "time, counters and thread states were not counted (they are not concur's "
               "processes), nor the cluster's start", r->dask.scheduler, r->dask.workers,
               r->dask.threads, r->dask.nhosts, r->dask.nhosts == 1 ? "" : "s", r->dask.hosts);
    beyond_costs(rec, r, single, best);
    beyond_batch(rec, r, single, best);
    beyond_scaling(rec, r, local && local->mode != MODE_SINGLE ? local : NULL);
}
