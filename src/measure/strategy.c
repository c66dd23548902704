/* measure.c - the measuring strategy (measure.h): warm-up, samples, each pool's sweep, the
 * repeats and the follow-ups, sequenced from plan.c's and advise.c's rules. */
#include "concur/measure.h"

#include <errno.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "concur/advise.h"
#include "concur/classify.h"
#include "concur/log.h"
#include "concur/stats.h"
#include "concur/util.h"
#include "concur/results_json.h"


/* A run that measured nothing of the job: it failed, or every one of its tasks raised. A run
 * whose tasks partly raised is data (results_run_counts): its wall time stands. */
static bool run_failed_hard(const run_result *r)
{
    if (r->status == RUN_TASKS_FAILED)
        return r->tasks_ok == 0;
    return r->status != RUN_OK;
}




/* The measuring loop's state: what was planned, what is done, for the progress lines. */
typedef struct {
    results *res;
    const measure_options *o;
    const measure_io *io;
    const plan *plan;
    double t0;
    int ceiling;          /* measure_run_ceiling: no run past it */
    bool ceiling_reached;
    bool setup_hung;      /* a run's setup() never finished: measuring more would hang again */
    bool write_failed;    /* results.json could not be rewritten */
    int total_runs, done;     /* total_runs 0: not known in advance (adaptive) */
    const runner_env *base_env; /* the session's: a reference run of single is made on it */
    bool interleave;   /* single is re-measured between the other configurations' runs */
    int since_single;  /* runs of other configurations since single's last one */
    int references;    /* runs of single made so (reference_run) */
    int total_configs, configs_done;
    int failed_configs;
    plan_repeat_rule rule;
    double pass_s;     /* one pass over every task on one thread, from the warm-up (NAN: unknown) */
    double task_cv;    /* coefficient of variation of the tasks' wall times in single runs */
    double deadline;   /* now() by which --budget ends; 0: none */
    unsigned unsafe_modes;     /* MODE_BIT mask: modes not measured any more, as not safe for
                                  this job (a pool returned what single does not, or hung) */
    char unsafe_why[MODE_COUNT][PLAN_WHY_LEN]; /* "threads x2 did not finish ...", per mode */
    struct {           /* configurations whose runs were too slow (plan_sample_shrink): the */
        plan_config cfg;   /* tasks their later runs measure */
        bool variant;
        int tasks;
    } shrunk[16];
    int nshrunk;
    bool long_program;  /* a program whose one run is long (PLAN_PROGRAM_LONG_S): pruned harder */
    bool program_failed;/* a program's first run failed: every other run would fail alike */
    bool chunksize_skipped; /* a program's chunksize follow-up was left out (said in the plan) */
    bool no_pool_said;  /* a program without a pool: its skipped sweeps are said (once) */
} session;

/* The strategy's clock: the caller's (measure_io.now), else the monotonic clock. */
static double now(const session *ss)
{
    return ss->io->now ? ss->io->now(ss->io->ctx) : util_now();
}

/* A line for whoever shows the progress: a decision and why, or a warning. */
static void note(const session *ss, bool warning, const char *fmt, ...) CONCUR_PRINTF(3, 4);
static void note(const session *ss, bool warning, const char *fmt, ...)
{
    const measure_observer *obs = ss->io->obs;
    if (!obs || !obs->note)
        return;
    char text[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    obs->note(obs->ctx, warning, text);
}

/* Runs much shorter than this are dominated by start-up and by the machine's noise. */
#define SHORT_RUN_S 0.25

/* Says so when the baseline is too short to time well, with the task count that would make it
 * about a second, from the time just measured. */
static void warn_if_short(const session *ss)
{
    results *res = ss->res;
    results_summarize(res);
    const config_summary *s = results_find_summary(res, MODE_SINGLE, 1);
    if (s == NULL || !(s->wall_s > 0) || s->wall_s >= SHORT_RUN_S || ss->o->program)
        return;
    double per_task = s->wall_s / res->workload.tasks;
    long suggest = (long)ceil(1.0 / per_task);
    note(ss, true, "one pass over %d tasks takes only %.3f s: start-up and noise weigh heavily at that "
             "length; --tasks %ld would take about 1 s",
             res->workload.tasks, s->wall_s, suggest);
}

/* Tasks per run for cfg after a slow run of it; 0: as plan_sample_tasks says. A thread pool keeps
 * its sample: its cost per task grows with the tasks queued (tiny_tasks, 2 threads: 60 us a task
 * with 1 200 queued, 160 us with 30 000), so a smaller sample would flatter it. A process pool's
 * cost is the same per task at any size (330 us there at 1 200, 6 000 and 30 000); one not yet
 * run starts where the thread pool of its size would have shrunk to: it pays the thread pool's
 * hand-off per task and pickling and a pipe on top. A first run too short loses some precision;
 * one too long costs seconds. */
static int shrunk_tasks(const session *ss, plan_config cfg, bool variant)
{
    if (cfg.mode == MODE_THREADS)
        return 0;
    for (int i = 0; i < ss->nshrunk; i++)
        if (ss->shrunk[i].cfg.mode == cfg.mode && ss->shrunk[i].cfg.workers == cfg.workers &&
            ss->shrunk[i].variant == variant)
            return ss->shrunk[i].tasks;
    if (cfg.mode == MODE_PROCESSES && !variant)
        for (int i = 0; i < ss->nshrunk; i++)
            if (ss->shrunk[i].cfg.mode == MODE_THREADS && ss->shrunk[i].cfg.workers == cfg.workers)
                return ss->shrunk[i].tasks;
    return 0;
}

/* Whether a run expected to take est seconds still fits the budget. */
static bool budget_allows(session *ss, double est)
{
    if (ss->deadline <= 0)
        return true;
    if (ss->res->budget_reached)
        return false;
    if (now(ss) + (isfinite(est) ? est : 0.0) <= ss->deadline)
        return true;
    ss->res->budget_reached = true;
    return false;
}

/* How long the next run of a configuration should take: its own runs so far (the median, harness
 * start-up included), else the last run of any. */
static double expected_run_s(const session *ss, plan_config cfg, bool variant)
{
    double v[64];
    int n = 0;
    const results *r = ss->res;
    for (int i = r->nruns - 1; i >= 0 && n < 64; i--) {
        const run_result *x = &r->runs[i];
        if (x->mode == cfg.mode && x->workers == cfg.workers && x->variant == variant &&
            !x->warmup && isfinite(x->harness_s))
            v[n++] = x->harness_s;
    }
    if (n > 0)
        return stats_median(v, n);
    for (int i = r->nruns - 1; i >= 0; i--)
        if (isfinite(r->runs[i].harness_s))
            return r->runs[i].harness_s;
    return NAN;
}

/* What single takes for `tasks` of the job's tasks: the median time per task of its runs (the
 * loop around the tasks included; the warm-up's where no other has finished) times tasks. NAN
 * before single has finished a run. */
static double single_time_for(const session *ss, int tasks)
{
    double v[64];
    int n = 0;
    const run_result *warm = NULL;
    const results *r = ss->res;
    for (int i = 0; i < r->nruns && n < 64; i++) {
        const run_result *x = &r->runs[i];
        if (x->mode != MODE_SINGLE || !results_run_counts(x) || x->tasks <= 0)
            continue;
        if (x->warmup)
            warm = x;
        else
            v[n++] = x->wall_s / x->tasks;
    }
    if (n == 0 && warm)
        v[n++] = warm->wall_s / warm->tasks;
    return n > 0 ? stats_median(v, n) * tasks : NAN;
}

/* No more runs of mode: it is not safe for this job (why says so, naming the configuration). */
static void mark_unsafe(session *ss, run_mode mode, const char *why)
{
    if (ss->unsafe_modes & MODE_BIT(mode))
        return;
    ss->unsafe_modes |= MODE_BIT(mode);
    util_fmt(ss->unsafe_why[mode], sizeof(ss->unsafe_why[mode]), "%s", why);
    note(ss, true, "%s: not safe for this job; no more %ss are measured", why,
         mode_get(mode)->pool_noun);
}

/* The tasks a run of cfg measures: all of them, or a sample (plan_sample_tasks). */
/* Who takes the tasks of a sample: a worker, or in a process pool that batches, a chunk of
 * chunksize tasks at a time (PLAN_SAMPLE_TASKS_PER_WORKER chunks each, in whole rounds of chunks):
 * chunksize 4 on a 4-task sample put every task on one of 2 workers, and measured 1.06x where
 * the pool gains 1.7x. */
static int sample_takers(plan_config cfg, const runner_env *env)
{
    /* processes x asyncio: each process's loop takes `concurrency` tasks at once. */
    if (mode_get(cfg.mode)->pickles && env->concurrency > 0)
        return cfg.workers * env->concurrency;
    return mode_get(cfg.mode)->pickles && env->chunksize > 1 ? cfg.workers * env->chunksize
                                                             : cfg.workers;
}

static void sample_env(const session *ss, runner_env *env, int takers)
{
    int tasks = ss->res->workload.tasks;
    int k = plan_sample_tasks(tasks, ss->pass_s, takers, ss->o->sample);
    env->tasks = k;
    env->sample_of = k < tasks ? tasks : 0;
}

/* Whether concur chooses the sample (not --sample, not --fixed, not a program). */
static bool adaptive_sample(const session *ss)
{
    return ss->o->sample == 0 && !ss->o->fixed && !ss->o->classify && !ss->o->program &&
           isfinite(ss->pass_s);
}

/* Coefficient of variation of a run's task wall times; NAN with fewer than 2. */
static double task_cv(const run_result *r)
{
    int n = r->ntask_walls;
    if (n < 2)
        return NAN;
    double mean = 0, var = 0;
    for (int i = 0; i < n; i++)
        mean += r->task_walls[i];
    mean /= n;
    for (int i = 0; i < n; i++)
        var += (r->task_walls[i] - mean) * (r->task_walls[i] - mean);
    var /= n - 1;
    return mean > 0 ? sqrt(var) / mean : NAN;
}

/* Whether no more runs are to be made: a signal, the budget, the ceiling, a hung setup(). */
static bool stop_measuring(const session *ss)
{
    return runner_interrupted() || ss->res->budget_reached || ss->ceiling_reached ||
           ss->setup_hung || ss->write_failed || ss->program_failed;
}

/* More runs of a configuration continue its repeat numbers: the next one. */
static int next_repeat(const results *r, run_mode mode, int workers, bool variant, int chunksize,
                       const char *start_method, int native_limit)
{
    int next = 1;
    for (int k = 0; k < r->nruns; k++) {
        const run_result *x = &r->runs[k];
        if (x->mode == mode && x->workers == workers && !x->warmup && x->variant == variant &&
            x->repeat >= next &&
            (!variant || (x->chunksize == chunksize && x->native_limit == native_limit &&
                          !strcmp(x->start_method, start_method))))
            next = x->repeat + 1;
    }
    return next;
}

static const run_result *run_once(session *ss, const runner_env *base, plan_config cfg, int rep,
                                  int repeat_total, bool warmup);

/* Single again, once REFERENCE_EVERY runs of other configurations went by since its last run:
 * the baseline re-measured through the run, so that a slower or faster spell of the host lands
 * on single too, and each pool run has single's runs on both sides of it (results_drift). Three
 * runs a configuration is the sweep's usual block: single then brackets each block. */
#define REFERENCE_EVERY 3

static void reference_run(session *ss)
{
    if (!ss->interleave || ss->since_single < REFERENCE_EVERY || stop_measuring(ss))
        return;
    results_summarize(ss->res);
    const config_summary *single = results_find_summary(ss->res, MODE_SINGLE, 1);
    if (!single || single->runs_ok == 0)
        return;
    if (ss->references == 0)
        note(ss, false, "single again after every %d runs of other configurations, to follow "
             "the host's pace (--back-to-back: not)", REFERENCE_EVERY);
    if (run_once(ss, ss->base_env, (plan_config){MODE_SINGLE, 1},
                 next_repeat(ss->res, MODE_SINGLE, 1, false, 0, "", 0), 0, false))
        ss->references++;
}

/* One run of cfg, stored in the results, which are rewritten. Returns the stored run, or NULL when
 * the budget has no room for it. Before a run of another configuration, single's reference run
 * where one is due (reference_run). */
static const run_result *run_once(session *ss, const runner_env *base, plan_config cfg, int rep,
                                  int repeat_total, bool warmup)
{
    if (!warmup && cfg.mode != MODE_SINGLE)
        reference_run(ss);
    runner_env env = *base;
    if (!warmup && !ss->o->program)
        sample_env(ss, &env, sample_takers(cfg, &env));
    int shrunk = warmup ? 0 : shrunk_tasks(ss, cfg, env.variant);
    if (shrunk > 0 && shrunk < env.tasks) {
        env.tasks = shrunk;
        env.sample_of = ss->res->workload.tasks;
    }
    if (!budget_allows(ss, expected_run_s(ss, cfg, env.variant)))
        return NULL;
    if (ss->done >= ss->ceiling) {
        ss->ceiling_reached = true;
        return NULL;
    }
    /* A pool far slower than single on the same tasks is stopped as hung (plan_hang_limit). */
    int run_tasks = env.tasks > 0 ? env.tasks : ss->res->workload.tasks;
    double single_s = !warmup && mode_get(cfg.mode)->pool ? single_time_for(ss, run_tasks) : NAN;
    env.timeout_s = plan_hang_limit(env.timeout_s, single_s);
    if (ss->deadline > 0) {
        /* A run that outlives the budget is stopped with it. */
        double left = ss->deadline - now(ss);
        if (left < 1.0)
            left = 1.0;
        if (env.timeout_s <= 0 || left < env.timeout_s)
            env.timeout_s = left;
    }
    const measure_observer *obs = ss->io->obs;
    if (obs && obs->run_starting)
        obs->run_starting(obs->ctx, cfg.mode, cfg.workers, rep, repeat_total, ss->done,
                          ss->total_runs, now(ss) - ss->t0);
    int on = mode_threads(cfg.mode, cfg.workers); /* the PUs the run's workers take */
    double probe = ss->io->probe ? ss->io->probe(ss->io->ctx, on) : NAN;
    double at = now(ss) - ss->t0;
    run_result r;
    ss->io->run(ss->io->ctx, &env, cfg.mode, cfg.workers, rep, &r);
    r.warmup = warmup;
    r.at_s = at;
    r.host_probe_s = probe;
    r.host_probe_after_s = ss->io->probe ? ss->io->probe(ss->io->ctx, on) : NAN;
    int tasks = ss->res->workload.tasks;
    if (r.tasks > 0 && r.tasks < tasks && !warmup && !ss->o->program) {
        double cv = cfg.mode == MODE_SINGLE || !isfinite(ss->task_cv) ? task_cv(&r) : ss->task_cv;
        r.scale = (double)tasks / r.tasks;
        r.scale_se = plan_sample_se(r.tasks, tasks, cv);
    }
    if (r.status == RUN_TIMED_OUT && ss->deadline > 0 && now(ss) >= ss->deadline - 0.05) {
        ss->res->budget_reached = true;
        util_fmt(r.error, sizeof(r.error), "stopped when the --budget of %g s ran out",
                 ss->o->budget_s);
    } else if (r.status == RUN_TIMED_OUT && !r.setup_hung &&
               plan_run_hung(env.timeout_s, single_s)) {
        char took[32];
        r.hung = true;
        util_fmt(r.error, sizeof(r.error), "did not finish within %.3g s, where single does these "
                 "%d tasks in %s: likely a race or deadlock on shared state%s", env.timeout_s,
                 run_tasks, util_fmt_seconds(took, sizeof(took), single_s),
                 mode_get(cfg.mode)->shares_memory ? " between threads" : "");
    }
    results_take_run(ss->res, &r);
    const run_result *stored = &ss->res->runs[ss->res->nruns - 1];
    if (ss->o->program && ss->res->workload.tasks == 0 && results_run_counts(stored))
        ss->res->workload.tasks = stored->tasks; /* a program's: the calls into its pools */
    if (stored->hung) {
        char why[PLAN_WHY_LEN];
        util_fmt(why, sizeof(why), "%s x%d %s", mode_name(cfg.mode), cfg.workers, stored->error);
        mark_unsafe(ss, cfg.mode, why);
    }
    if (stored->setup_hung && !ss->setup_hung) {
        ss->setup_hung = true;
        note(ss, true, "%s x%d: setup() never finished: measuring stops here, as every other "
             "configuration would wait out the same --timeout", mode_name(cfg.mode),
             cfg.workers);
    }
    ++ss->done;
    if (!warmup)
        ss->since_single = cfg.mode == MODE_SINGLE && !env.variant ? 0 : ss->since_single + 1;
    if (obs && obs->run_done)
        obs->run_done(obs->ctx, stored, ss->done, ss->total_runs, repeat_total);
    if (ss->io->json_path && measure_write_results(ss->res, ss->io->json_path,
                                                   ss->o->target_cores) < 0)
        ss->write_failed = true; /* said at once; measuring on would keep nothing */
    return stored;
}

/* The warm-up's few tasks time a task, but not what the loop around it costs: the first real run
 * of single, on its whole sample, tells the pass better (plan_pass_reestimate). Where the sample
 * it implies is that far off, later runs measure that one. */
static void reestimate_pass(session *ss, const run_result *stored)
{
    if (!adaptive_sample(ss) || !results_run_counts(stored) || stored->tasks <= 0)
        return;
    int tasks = ss->res->workload.tasks;
    double pass;
    int k;
    if (!plan_pass_reestimate(tasks, stored->tasks, stored->wall_s, ss->o->sample, &pass, &k))
        return;
    char was[32], now[32];
    note(ss, false, "one pass takes about %s, not %s: later runs measure %d tasks",
         util_fmt_seconds(now, sizeof(now), pass), util_fmt_seconds(was, sizeof(was), ss->pass_s),
         k);
    for (int i = 0; i < ss->res->nplan; i++)
        if (ss->res->plan[i].action == PLAN_WARMUP) {
            plan_entry *e = &ss->res->plan[i];
            size_t len = strlen(e->why);
            util_fmt(e->why + len, sizeof(e->why) - len, "; single's first run (%d tasks in %s) "
                     "put a pass at %s: later runs measure %d", stored->tasks,
                     util_fmt_seconds(was, sizeof(was), stored->wall_s), now, k);
        }
    ss->pass_s = pass;
}

/* A sample run far slower than planned (a pool slower than single): fewer tasks next
 * (plan_sample_shrink), remembered per configuration. */
static void note_sample_shrink(session *ss, const runner_env *env, plan_config cfg,
                               const run_result *stored)
{
    if (!adaptive_sample(ss) || stored->sample_of <= 0)
        return;
    int k = plan_sample_shrink(stored->tasks, stored->wall_s, sample_takers(cfg, env));
    int at = 0;
    while (at < ss->nshrunk &&
           !(ss->shrunk[at].cfg.mode == cfg.mode && ss->shrunk[at].cfg.workers == cfg.workers &&
             ss->shrunk[at].variant == env->variant))
        at++;
    if (k <= 0 || at >= (int)ARRAY_LEN(ss->shrunk) ||
        (at < ss->nshrunk && k >= ss->shrunk[at].tasks))
        return;
    ss->shrunk[at].cfg = cfg;
    ss->shrunk[at].variant = env->variant;
    ss->shrunk[at].tasks = k;
    if (at == ss->nshrunk)
        ss->nshrunk++;
    if (cfg.mode == MODE_PROCESSES)
        note(ss, false, "%s x%d took %.2f s for %d tasks: its next runs measure %d",
             mode_name(cfg.mode), cfg.workers, stored->wall_s, stored->tasks, k);
}

static const char *verdict_text(char *buf, size_t len, plan_repeat_verdict v, int n,
                                double precision, const plan_repeat_rule *rule)
{
    char p[32];
    if (isfinite(precision))
        util_fmt(p, sizeof(p), "+-%.1f %%", 100 * precision);
    else
        util_fmt(p, sizeof(p), "unknown precision");
    switch (v) {
    case PLAN_REPEAT_PRECISE:
        return util_fmt(buf, len, "%d runs: the median known to %s", n, p);
    case PLAN_REPEAT_CAP:
        return util_fmt(buf, len, "%d runs, the cap: the median known to %s (+-%.0f %% asked)", n,
                        p, 100 * rule->precision);
    case PLAN_REPEAT_DECIDED:
        if (!(rule->precision > 0))
            return util_fmt(buf, len, "%d runs as asked: the median known to %s", n, p);
        return util_fmt(buf, len, "%d runs: the median known to %s; more only if the "
                        "recommendation turns on it", n, p);
    case PLAN_REPEAT_OUT_OF_REACH:
        return util_fmt(buf, len, "%d runs: the median known to %s; at this noise %d runs would "
                        "not reach +-%.0f %%", n, p, rule->max_runs, 100 * rule->precision);
    case PLAN_REPEAT_MORE:
        break;
    }
    return util_fmt(buf, len, "%d runs: the median known to %s", n, p);
}

/* The summary a run of cfg under env went into: the sweep's configuration, or its follow-up
 * (stored: its run, for the start method the pool used; NULL where none ran). */
static const config_summary *measured_config(const results *res, plan_config cfg,
                                             const runner_env *env, const run_result *stored)
{
    if (!env->variant)
        return results_find_summary(res, cfg.mode, cfg.workers);
    if (env->native_limit > 0)
        return results_find_limited(res, cfg.mode, cfg.workers, stored ? stored->chunksize : 0,
                                    stored ? stored->start_method : "", env->native_limit);
    if (env->concurrency > 0)
        return results_find_loop_variant(res, cfg.workers, env->concurrency,
                                         stored ? stored->start_method : NULL);
    return results_find_variant(res, cfg.mode, cfg.workers, env->chunksize > 1 ? env->chunksize : 1,
                                stored ? stored->start_method : "");
}

static void plan_config_outcome(session *ss, const runner_env *env, plan_config cfg, int ran,
                                bool failed, bool unsafe, const char *futile,
                                plan_repeat_verdict v, const plan_repeat_rule *rule);

/* A run of cfg failed hard: counted, and where every task raised where single's returned, the
 * mode is unsafe (evidence, not only a failure); else it is not run again. */
static void config_failed(session *ss, const runner_env *env, plan_config cfg,
                          const run_result *stored)
{
    if (stored->status == RUN_INTERRUPTED || ss->res->budget_reached)
        return;
    ss->failed_configs++;
    results_summarize(ss->res);
    const config_summary *u = results_find_summary(ss->res, cfg.mode, cfg.workers);
    if (u && !env->variant && u->unsafe && u->unsafe_reason[0] && !stored->hung) {
        char why[PLAN_WHY_LEN];
        util_fmt(why, sizeof(why), "%s x%d %s", mode_name(cfg.mode), cfg.workers,
                 u->unsafe_reason);
        mark_unsafe(ss, cfg.mode, why);
    } else if (!stored->hung) {
        note(ss, false, "not running %s x%d again: it failed", mode_name(cfg.mode), cfg.workers);
    }
}

/* cfg's summary after a run of it that counted; a configuration that computes what single does
 * not makes its mode unsafe: how fast it is no longer matters. */
static const config_summary *config_after_run(session *ss, const runner_env *env,
                                              plan_config cfg, const run_result *stored)
{
    results_summarize(ss->res);
    const config_summary *s = measured_config(ss->res, cfg, env, stored);
    if (s && s->unsafe && s->unsafe_reason[0]) {
        char why[PLAN_WHY_LEN];
        util_fmt(why, sizeof(why), "%s x%d %s", mode_name(cfg.mode), cfg.workers,
                 s->unsafe_reason);
        mark_unsafe(ss, cfg.mode, why);
    }
    return s;
}

/* Runs of one configuration: exactly `count` when count > 0, else until the stopping rule says
 * enough (ss->rule), one at a time. Records the outcome in the plan. A configuration that fails
 * hard is not run again. first: the repeat number of the first new run. f: the follow-up these
 * runs measure (NULL for the sweep): one whose first run already shows it cannot be chosen is
 * not run again (advise_followup_settled). */
static void measure_config(session *ss, const runner_env *env, plan_config cfg, int first,
                           int count, const advise_followup *f)
{
    char futile[PLAN_WHY_LEN] = "";
    int rep = first;
    plan_repeat_rule rule = ss->rule;
    if (count > 0) {
        rule.min_runs = count;
        rule.precision = 0;
    }
    if (ss->unsafe_modes & MODE_BIT(cfg.mode)) {
        results_add_plan(ss->res, PLAN_SKIPPED, cfg.mode, cfg.workers, "not measured: %s",
                         ss->unsafe_why[cfg.mode]);
        return;
    }
    const config_summary *s = NULL;
    plan_repeat_verdict v = PLAN_REPEAT_MORE;
    int ran = 0;
    bool failed = false, unsafe = false;
    /* ran counts every run, failed or not: the loop ends at the cap even when no run counts. */
    while (!stop_measuring(ss) && ran < (count > 0 ? count : rule.max_runs)) {
        const run_result *stored = run_once(ss, env, cfg, rep, count > 0 ? first + count - 1 : 0,
                                            false);
        if (!stored)
            break;
        ran++;
        rep++;
        if (run_failed_hard(stored)) {
            config_failed(ss, env, cfg, stored);
            failed = true;
            break;
        }
        if (cfg.mode == MODE_SINGLE && ran == 1)
            reestimate_pass(ss, stored);
        note_sample_shrink(ss, env, cfg, stored);
        s = config_after_run(ss, env, cfg, stored);
        if (s && s->unsafe && s->unsafe_reason[0]) {
            unsafe = true;
            break;
        }
        int n = s ? s->runs_ok : 0;
        v = plan_repeat_next(&rule, count > 0 ? ran : n, s ? s->precision : NAN, false);
        if (count > 0 && ran < count)
            v = PLAN_REPEAT_MORE;
        if (v != PLAN_REPEAT_MORE)
            break;
        if (f && count == 0 && ran == 1 &&
            advise_followup_settled(ss->res, f, stored, futile, sizeof(futile)))
            break;
    }
    ss->configs_done++;
    plan_config_outcome(ss, env, cfg, ran, failed, unsafe, futile, v, &rule);
}

/* cfg's entry in the plan after its runs: how many, and why no more (the repeat rule's verdict v,
 * a failure, unsafe, a follow-up that cannot be chosen: futile). */
static void plan_config_outcome(session *ss, const runner_env *env, plan_config cfg, int ran,
                                bool failed, bool unsafe, const char *futile,
                                plan_repeat_verdict v, const plan_repeat_rule *rule)
{
    if (ran == 0 && !ss->res->budget_reached)
        return;
    char why[PLAN_WHY_LEN];
    if (ran == 0) {
        results_add_plan(ss->res, PLAN_BUDGET, cfg.mode, cfg.workers,
                         "not measured: the budget ran out before it");
        return;
    }
    const run_result *last = NULL; /* cfg's last run (another's may have followed it) */
    for (int i = ss->res->nruns - 1; i >= 0 && !last; i--)
        if (ss->res->runs[i].mode == cfg.mode && ss->res->runs[i].workers == cfg.workers &&
            ss->res->runs[i].variant == env->variant &&
            ss->res->runs[i].native_limit == env->native_limit && !ss->res->runs[i].warmup)
            last = &ss->res->runs[i];
    results_summarize(ss->res);
    const config_summary *s = measured_config(ss->res, cfg, env, last);
    if (failed)
        util_fmt(why, sizeof(why), "failed: %s", last ? last->error : "");
    else if (unsafe)
        util_fmt(why, sizeof(why), "%d run%s: not safe for this job (%s), not run again",
                 ran, ran == 1 ? "" : "s",
                 s && s->unsafe_reason[0] ? s->unsafe_reason : ss->unsafe_why[cfg.mode]);
    else if (!s)
        util_fmt(why, sizeof(why), "no successful run");
    else if (futile[0])
        util_fmt(why, sizeof(why), "%s", futile);
    else if (ss->res->budget_reached && v == PLAN_REPEAT_MORE)
        util_fmt(why, sizeof(why), "%d runs when the budget ran out: the median known to "
                 "+-%.1f %%", s->runs_ok, 100 * s->precision);
    else
        verdict_text(why, sizeof(why), v, s->runs_ok, s->precision, rule);
    if (env->variant && s && s->native_limit > 0)
        util_fmt(why + strlen(why), sizeof(why) - strlen(why), " (native threads limited to %d%s%s)",
                 s->native_limit, s->start_method[0] ? ", " : "", s->start_method);
    else if (env->variant && s)
        util_fmt(why + strlen(why), sizeof(why) - strlen(why), " (%s, chunksize %d%s)",
                 s->start_method, s->chunksize, env->concurrency > 0 ? ", each process an "
                 "event loop" : "");
    results_add_plan(ss->res, PLAN_RAN, cfg.mode, cfg.workers, "%s", why);
    plan_entry *e = &ss->res->plan[ss->res->nplan - 1];
    e->variant = env->variant;
    e->runs = s ? s->runs_ok : 0;
    e->precision = s ? s->precision : NAN;
}

/* The warm-up: one run of single on a few tasks. It loads the interpreter, the workload and its
 * files, and says what one pass over every task costs: enough to choose the sample. */
static const run_result *warm_up(session *ss, const runner_env *base)
{
    results *res = ss->res;
    runner_env env = *base;
    /* As deployed: a pinned loop would size a native pool (OpenBLAS reads its affinity) to one. */
    env.native_deployed = true;
    int tasks = res->workload.tasks;
    int k0 = tasks < PLAN_WARMUP_TASKS ? tasks : PLAN_WARMUP_TASKS;
    env.tasks = k0;
    env.sample_of = k0 < tasks ? tasks : 0;
    const run_result *w = run_once(ss, &env, (plan_config){MODE_SINGLE, 1}, 0, 0, true);
    if (!w)
        return NULL;
    if (!results_run_counts(w) || !(w->task_wall.median > 0)) {
        results_add_plan(res, PLAN_WARMUP, MODE_SINGLE, 1, "warm-up run failed: %s; every run is "
                         "measured on all %d tasks", w->error[0] ? w->error : "no task times",
                         tasks);
        return w;
    }
    /* The median task, not the mean: the first task may carry the job's own start-up. */
    ss->pass_s = w->task_wall.median * tasks;
    ss->task_cv = task_cv(w);
    char pass[32], first[96] = "";
    util_fmt_seconds(pass, sizeof(pass), ss->pass_s);
    if (w->ntask_walls >= 3 && w->task_walls[0] > 2.0 * w->task_wall.median)
        util_fmt(first, sizeof(first), "; its first task took %.1fx the median: a start-up cost "
                 "inside the job, which every run pays", w->task_walls[0] / w->task_wall.median);
    int k = plan_sample_tasks(tasks, ss->pass_s, 1, ss->o->sample);
    char sample[160];
    if (k < tasks)
        util_fmt(sample, sizeof(sample), "runs measure a sample of %d of the %d tasks (more with "
                 "more workers), scaled to the whole job", k, tasks);
    else
        util_fmt(sample, sizeof(sample), "every run measures all %d tasks", tasks);
    results_add_plan(res, PLAN_WARMUP, MODE_SINGLE, 1, "one warm-up run of %d tasks (kept apart): "
                     "it loads %sthe workload and its files; at %s a pass over "
                     "all %d tasks takes about %s, so %s%s", w->tasks,
                     runner_zygote_alive(base->zygote) ? "" : "the interpreter, ",
                     util_fmt_seconds((char[32]){0}, 32, w->task_wall.median), tasks, pass, sample,
                     first);
    note(ss, false, "warm-up: one pass would take about %s; %s", pass, sample);
    return w;
}

/* Whether the warm-up w saw native thread pools: threads that are not the interpreter's, or a pool
 * threadpoolctl sized to more than one thread. Then the job is measured as deployed (single on the
 * PUs a plain loop has: runner_env.native_deployed) and its native limit is a follow-up. */
static bool warmup_saw_native(session *ss, const run_result *w)
{
    int pool = 0;
    char libs[96] = "";
    for (int k = 0; k < w->nthreadpools; k++) {
        const run_threadpool *t = &w->threadpools[k];
        if (t->num_threads > pool)
            pool = t->num_threads;
        size_t len = strlen(libs);
        util_fmt(libs + len, sizeof(libs) - len, "%s%s %d", len ? ", " : "", t->internal_api,
                 t->num_threads);
    }
    if (!(w->native_threads > 0 || pool > 1))
        return false;
    char tpc[160];
    if (w->threadpoolctl == 0)
        util_fmt(tpc, sizeof(tpc), "threadpoolctl is not importable by this interpreter: the "
                 "libraries are not named");
    else
        util_fmt(tpc, sizeof(tpc), "threadpoolctl: %s", libs[0] ? libs : "no pool named");
    results_add_plan(ss->res, PLAN_WARMUP, MODE_SINGLE, 1, "the warm-up counted %d native "
                     "thread%s beside the interpreter's (%s): single is measured on every PU a "
                     "plain loop has, each pool worker on its share, and the native limit is "
                     "measured where the choice turns on it", w->native_threads,
                     w->native_threads == 1 ? "" : "s", tpc);
    note(ss, false, "native thread pools: %d thread%s beside the interpreter's (%s)",
         w->native_threads, w->native_threads == 1 ? "" : "s", tpc);
    return true;
}

/* A program's warm-up: one whole run of it in single mode, its pools run in place, as deployed
 * (warm_up). Its calls into them are the job's tasks from here on; a program that made none has
 * only its single baseline; one that failed stops the measuring (every run would fail alike); a
 * long one is measured with fewer runs (PLAN_PROGRAM_LONG_S). Returns the run, NULL when none
 * was made. */
static const run_result *warm_up_program(session *ss, const runner_env *base)
{
    results *res = ss->res;
    runner_env env = *base;
    env.native_deployed = true;
    const run_result *w = run_once(ss, &env, (plan_config){MODE_SINGLE, 1}, 0, 0, true);
    if (!w || w->status == RUN_INTERRUPTED || res->budget_reached)
        return w;
    if (!results_run_counts(w) && w->status != RUN_TASKS_FAILED) {
        ss->program_failed = true;
        ss->failed_configs++;
        results_add_plan(res, PLAN_STOPPED, MODE_SINGLE, 1, "the program's first run failed (%s): "
                         "every other run would fail alike, so nothing more was run", w->error);
        note(ss, true, "the program's first run failed: %s", w->error);
        return w;
    }
    res->workload.tasks = w->tasks;
    ss->pass_s = w->wall_s;
    ss->long_program = w->wall_s > PLAN_PROGRAM_LONG_S;
    char took[32];
    util_fmt_seconds(took, sizeof(took), w->wall_s);
    results_add_plan(res, PLAN_WARMUP, MODE_SINGLE, 1, "one warm-up run of the whole program "
                     "(kept apart), its pools running each call at once: it took %s and made "
                     "%d calls into %d pool(s); every run is the whole program (a program cannot "
                     "be sampled by tasks)", took, w->tasks, w->program.npools);
    note(ss, false, "warm-up: the program took %s and made %d calls into %d pool(s)", took,
         w->tasks, w->program.npools);
    if (ss->long_program) {
        ss->rule.max_runs = ss->rule.min_runs;
        ss->interleave = false;
        results_add_plan(res, PLAN_SKIPPED, MODE_SINGLE, 0, "one run of this program takes %s "
                         "(over %.0f s): the sweep is pruned harder, %d runs of each "
                         "configuration, no pool past the %d cores, and single is not "
                         "re-measured between the others' runs", took,
                         PLAN_PROGRAM_LONG_S, ss->rule.min_runs, res->machine.allowed_cores);
        note(ss, false, "one run takes %s: fewer configurations are measured (%d runs each, no "
                 "pool past the core count)", took, ss->rule.min_runs);
    }
    return w;
}

/* Whether a program leaves the pools nothing to measure: it made no call into a pool concur
 * swapped. */
static bool program_without_pool(const session *ss)
{
    return ss->o->program && ss->res->workload.tasks == 0;
}

/* The pool sweeps skipped for a program without a pool (said once), naming what it saw
 * instead. */
static void note_program_without_pool(session *ss, run_mode mode)
{
    results *res = ss->res;
    if (ss->no_pool_said)
        return;
    ss->no_pool_said = true;
    const run_result *w = results_program_run(res);
    char seen[PROGRAM_MAX_SEEN * (PROGRAM_TEXT_LEN + 2)] = "";
    for (int i = 0; w && i < w->program.nseen; i++)
        util_fmt(seen + strlen(seen), sizeof(seen) - strlen(seen), "%s%s", i ? "; " : "",
                 w->program.seen[i]);
    results_add_plan(res, PLAN_SKIPPED, mode, 0, "the program made no call into a pool concur "
                     "can swap (concurrent.futures' ThreadPoolExecutor or ProcessPoolExecutor, "
                     "multiprocessing's Pool or ThreadPool)%s%s: its measured runs are the "
                     "single baseline", seen[0] ? "; it used " : "", seen);
    note(ss, true, "the program made no call into a pool concur can swap%s%s: only its single "
         "runs are measured", seen[0] ? "; it used " : "", seen);
}

/* The step from before to s in mode: its speedup, and the low end of its gain from the two
 * configurations' runs with the whole run's pooled noise (results_compare_walls): the speedup
 * intervals carry single's noise twice, which would stop a sweep that is still gaining. */
/* The share of a configuration's worker samples spent waiting on I/O, sleep or a child; NAN when
 * nothing was sampled. */
static double wait_share(const config_summary *s)
{
    if (!s)
        return NAN;
    return s->io_wait_fraction + s->sleep_fraction + s->child_wait_fraction;
}

static plan_step judge_step(const results *res, run_mode mode, const config_summary *s,
                            const config_summary *before)
{
    double gain_low = NAN, gain_high = NAN;
    stats_welch w;
    if (before && results_compare_walls(res, s, before, 0.95, &w) == 0) {
        gain_low = exp(w.low); /* mean log(before) - mean log(now) */
        gain_high = exp(w.high);
    }
    double waits = wait_share(s), waits_before = wait_share(before);
    if (!(waits >= waits_before) && isfinite(waits_before))
        waits = waits_before;
    plan_step step = {.mode = mode, .workers = s->workers, .speedup = s->speedup,
                      .gain_low = gain_low, .gain_high = gain_high, .wait_fraction = waits,
                      .prev_speedup = before && before->mode != MODE_SINGLE ? before->speedup : 1.0,
                      .cpu_utilization = s->cpu_utilization,
                      .running_fraction = s->running_fraction,
                      .gil_wait_fraction = s->gil_distinguished ? s->gil_wait_fraction : NAN,
                      .threads_speedup = NAN,
                      .cores = res->machine.allowed_cores, .tasks = res->workload.tasks};
    const config_summary *t = mode == MODE_PROCESSES ? results_find_summary(res, MODE_THREADS,
                                                                            s->workers)
                                                     : NULL;
    if (t && t->runs_ok > 0 && !t->unsafe) /* an unsafe thread pool is no rival */
        step.threads_speedup = t->speedup;
    return step;
}

/* Whether a cluster's sweep stops before n workers: a LocalCluster at this machine's cores (more
 * workers than cores here say nothing about more machines: the scalability law fitted to the
 * counts up to the cores does), --dask-scheduler's at the workers it has. */
static bool cluster_sweep_done(session *ss, const runner_env *env, run_mode mode, int n)
{
    if (!mode_get(mode)->cluster)
        return false;
    int cores = results_cores(ss->res);
    int most = env->dask_scheduler ? env->dask_workers : cores;
    if (n <= most)
        return false;
    results_add_plan(ss->res, PLAN_STOPPED, mode, n, "%d workers would be more than %s %d",
                     n, env->dask_scheduler ? "the cluster's" : "this machine's cores,", most);
    return true;
}

/* The thread or process pool of one mode, 2, 4, ... workers while it gains (plan_grow). A step
 * whose medians gain but whose runs cannot yet show it (plan_step_unsettled) gets one more run
 * of the side with fewer, up to the cap, before the sweep decides: a stalled run among three
 * would otherwise end a sweep that gains 1.8x a step. */
static void sweep_mode(session *ss, const runner_env *env, run_mode mode)
{
    results *res = ss->res;
    /* A cluster's sweep starts at one worker: its cost per task there, where nothing hides in
     * it, and one more point for the scalability law that says how a larger cluster would do. */
    int n = mode_get(mode)->cluster ? 1 : 2;
    if (n == 2)
        results_add_plan(res, PLAN_SKIPPED, mode, 1, "a 1-worker pool does single's work plus the "
                         "pool's own cost, which every pool run measures "
                         "(pool_overhead_per_task_s)");
    plan_config before_cfg = {MODE_SINGLE, 1};
    while (n > 0 && !stop_measuring(ss)) {
        if (ss->long_program && before_cfg.workers >= res->machine.allowed_cores) {
            results_add_plan(res, PLAN_SKIPPED, mode, n, "a run of this program is long: no %s "
                             "past the %d cores", mode_get(mode)->pool_noun,
                             res->machine.allowed_cores);
            break;
        }
        if (cluster_sweep_done(ss, env, mode, n))
            break;
        if (n > res->workload.tasks) {
            results_add_plan(res, PLAN_SKIPPED, mode, n, "%d workers would be more than the %d "
                             "tasks", n, res->workload.tasks);
            break;
        }
        measure_config(ss, env, (plan_config){mode, n}, 1, ss->o->repeat_given ? ss->o->repeat : 0,
                       NULL);
        results_summarize(res);
        if (ss->unsafe_modes & MODE_BIT(mode)) {
            results_add_plan(res, PLAN_STOPPED, mode, n, "%s x%d: not safe for this job; no "
                             "larger %s is measured", mode_name(mode), n,
                             mode_get(mode)->pool_noun);
            break;
        }
        const config_summary *s = results_find_summary(res, mode, n);
        if (!s || s->runs_ok == 0 || res->budget_reached)
            break;
        if (n == 1) { /* a cluster's first point: the sweep grows from it, whatever it gained */
            before_cfg = (plan_config){mode, 1};
            n = 2;
            continue;
        }
        const config_summary *before = results_find_summary(res, before_cfg.mode,
                                                            before_cfg.workers);
        plan_step step = judge_step(res, mode, s, before);
        /* At most twice the cap: a run whose tasks failed adds nothing to runs_ok. */
        for (int extra = 0; extra < 2 * ss->rule.max_runs && !ss->o->repeat_given && before &&
                            plan_step_unsettled(&step) && !stop_measuring(ss);
             extra++) {
            const config_summary *more = s->runs_ok <= before->runs_ok ? s : before;
            if (more->runs_ok >= ss->rule.max_runs)
                more = more == s ? before : s;
            if (more->runs_ok >= ss->rule.max_runs)
                break;
            plan_config cfg = {more->mode, more->workers};
            note(ss, false, "%s x%d: %.2fx after %.2fx, within the noise so far: one more run of "
                     "%s x%d", mode_name(mode), n, step.speedup, step.prev_speedup,
                     mode_name(cfg.mode), cfg.workers);
            const run_result *x = run_once(ss, env, cfg,
                                           next_repeat(res, cfg.mode, cfg.workers, false, 0, "", 0),
                                           0, false);
            if (!x || run_failed_hard(x))
                break;
            results_summarize(res);
            s = results_find_summary(res, mode, n);
            before = results_find_summary(res, before_cfg.mode, before_cfg.workers);
            if (!s || !before)
                break;
            step = judge_step(res, mode, s, before);
        }
        if (!s)
            break;
        char why[PLAN_WHY_LEN];
        int next = plan_grow(&step, why, sizeof(why));
        if (next == 0) {
            results_add_plan(res, PLAN_STOPPED, mode, n, "%s", why);
        } else {
            note(ss, false, "%s", why);
            /* Why the sweep went on, beside the step's own runs in the plan. */
            for (int k = res->nplan - 1; k >= 0; k--) {
                plan_entry *e = &res->plan[k];
                if (e->action == PLAN_RAN && e->mode == mode && e->workers == n && !e->variant) {
                    char both[PLAN_WHY_LEN];
                    util_fmt(both, sizeof(both), "%s; %s", e->why, why);
                    memcpy(e->why, both, sizeof(e->why));
                    break;
                }
            }
        }
        before_cfg = (plan_config){mode, n};
        n = next;
    }
}

int measure_write_results(results *res, const char *path, int target_cores)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(res->finished_at, sizeof(res->finished_at), "%Y-%m-%dT%H:%M:%SZ", &tm);
    results_summarize(res);
    classify_results(res, &res->classification);
    advise_recommend(res, target_cores, &res->recommendation);
    if (results_write(res, path) < 0) {
        log_error("cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* Worker counts a sweep can reach in one mode: 2, 4, ... up to PLAN_WORKER_CAP, the core count
 * between two of them, and the thread count classify_more_threads asks for. */
static int sweep_steps(void)
{
    int steps = 0;
    for (int n = 2; n <= PLAN_WORKER_CAP; n *= 2)
        steps++;
    return steps + 2;
}

int measure_run_ceiling(const plan *p, const measure_options *o)
{
    int per_config = o->repeat_given ? o->repeat : o->max_repeat;
    if (per_config < 1)
        per_config = 1;
    if (o->fixed || o->classify)
        return p->n * per_config;
    int configs = 0, pools = 0;
    for (int i = 0; i < p->n; i++) {
        bool first_of_mode = i == 0 || p->configs[i - 1].mode != p->configs[i].mode;
        if (p->configs[i].mode == MODE_SINGLE || !p->sweep)
            configs++;
        else if (first_of_mode)
            pools++;
    }
    configs += pools * sweep_steps() + 1; /* + the GIL-telling thread count after --workers */
    configs += ADVISE_MAX_FOLLOWUPS;      /* a chunksize, a start method, ... */
    configs += o->program ? 1 : 0;        /* a program's own configuration, as written */
    configs += ADVISE_MAX_FOLLOWUPS;      /* native limits: single and each pool mode's */
    int runs = configs * 2 * per_config;  /* a step's runs while it is unsettled */
    /* The warm-up; single's reference runs, one after every REFERENCE_EVERY others, and the last. */
    return 1 + runs + runs / REFERENCE_EVERY + 1;
}

/* single (after one warm-up run), then each pool mode growing while it gains; with --workers,
 * exactly those counts. */
static void measure_sweep(session *ss, runner_env *env)
{
    results *res = ss->res;
    const plan *p = ss->plan;
    const measure_options *o = ss->o;
    const run_result *w = o->program ? warm_up_program(ss, env) : warm_up(ss, env);
    env->native_deployed = w && warmup_saw_native(ss, w);
    results_add_plan(res, PLAN_SKIPPED, MODE_THREADS, 0, "no warm-up for the pools: each run "
                     "is a new process %s, loading the workload from the files the warm-up "
                     "read, and a pool's own start-up is part of what a user pays",
                     runner_zygote_alive(env->zygote) ? "forked from an interpreter started "
                     "once" : "with an interpreter of its own");
    for (int ci = 0; ci < p->n && !stop_measuring(ss); ci++) {
        plan_config cfg = p->configs[ci];
        if (cfg.mode != MODE_SINGLE && program_without_pool(ss)) {
            if (ci == 0 || p->configs[ci - 1].mode != cfg.mode)
                note_program_without_pool(ss, cfg.mode);
            continue;
        }
        if (cfg.mode != MODE_SINGLE && p->sweep) {
            bool first_of_mode = ci == 0 || p->configs[ci - 1].mode != cfg.mode;
            if (first_of_mode)
                sweep_mode(ss, env, cfg.mode);
        } else {
            measure_config(ss, env, cfg, 1, o->repeat_given ? o->repeat : 0, NULL);
            if (cfg.mode == MODE_SINGLE) {
                results_summarize(res);
                /* The tasks' cost spread, from every single run: it sizes the error a sample
                 * adds to the pools' runs. */
                double cv[64];
                int ncv = 0;
                for (int i = 0; i < res->nruns && ncv < 64; i++)
                    if (res->runs[i].mode == MODE_SINGLE && !res->runs[i].warmup &&
                        results_run_counts(&res->runs[i]) && isfinite(task_cv(&res->runs[i])))
                        cv[ncv++] = task_cv(&res->runs[i]);
                if (ncv > 0)
                    ss->task_cv = stats_median(cv, ncv);
                if (o->tasks == 0 && !(ss->pass_s > PLAN_SAMPLE_WHOLE_S))
                    warn_if_short(ss);
            }
        }
        /* Threads too few to tell whether the job holds the GIL: the count that can tell. */
        bool last_threads = cfg.mode == MODE_THREADS &&
                            (ci + 1 == p->n || p->configs[ci + 1].mode != MODE_THREADS);
        if (last_threads && !stop_measuring(ss) &&
            !(ss->unsafe_modes & MODE_BIT(MODE_THREADS))) {
            results_summarize(res);
            int more = classify_more_threads(res);
            if (more > 0 && more <= res->workload.tasks &&
                !results_find_summary(res, MODE_THREADS, more)) {
                note(ss, false, "the threads measured cannot tell whether the job holds the "
                         "GIL: trying %d", more);
                measure_config(ss, env, (plan_config){MODE_THREADS, more}, 1,
                               o->repeat_given ? o->repeat : 0, NULL);
            }
        }
    }
}

/* A program's map() calls keep the chunksize they give: the follow-ups of another chunksize are
 * left out (said once in the plan). Returns how many follow-ups are left. */
static int drop_program_chunksizes(session *ss, advise_followup *f, int nf)
{
    if (!ss->o->program)
        return nf;
    int kept = 0;
    for (int i = 0; i < nf; i++) {
        if (!(f[i].variant && f[i].chunksize > 1)) {
            f[kept++] = f[i];
            continue;
        }
        if (!ss->chunksize_skipped)
            results_add_plan(ss->res, PLAN_SKIPPED, f[i].mode, f[i].workers, "chunksize %d "
                             "not measured: a program's own map() calls keep the chunksize they "
                             "give (%s)", f[i].chunksize, f[i].why);
        ss->chunksize_skipped = true;
    }
    return kept;
}

/* A program's own configuration, as written (results_program_config), where the sweep did not
 * reach it: what the program does today, beside what concur recommends. */
static void measure_program_own(session *ss, const runner_env *env)
{
    results *res = ss->res;
    run_mode mode;
    int workers;
    if (!ss->o->program || stop_measuring(ss) || !results_program_config(res, &mode, &workers))
        return;
    bool planned = false;
    for (int i = 0; i < ss->plan->n; i++)
        planned |= ss->plan->configs[i].mode == mode;
    if (!planned || workers > PLAN_WORKER_CAP || results_find_summary(res, mode, workers))
        return;
    note(ss, false, "your program asks for %s x%d: measuring it as written", mode_name(mode),
         workers);
    measure_config(ss, env, (plan_config){mode, workers}, 1,
                   ss->o->repeat_given ? ss->o->repeat : 0, NULL);
    for (int k = res->nplan - 1; k >= 0; k--) {
        plan_entry *e = &res->plan[k];
        if (e->action == PLAN_RAN && e->mode == mode && e->workers == workers) {
            char why[PLAN_WHY_LEN];
            util_fmt(why, sizeof(why), "the program's own configuration, as written; %s", e->why);
            memcpy(e->why, why, sizeof(e->why));
            break;
        }
    }
}

/* What the advisor wants measured before it decides: more runs of the configurations the choice
 * turns on, a chunksize, the other start method. Each round asks for something not yet measured,
 * or for a run of a configuration below its cap, so the rounds end. */
static void measure_followups(session *ss, const runner_env *env)
{
    results *res = ss->res;
    for (int round = 0; round < 64 && !stop_measuring(ss); round++) {
        results_summarize(res);
        classify_results(res, &res->classification);
        advise_followup f[ADVISE_MAX_FOLLOWUPS];
        int nf = drop_program_chunksizes(ss, f, advise_followups(res, f, ADVISE_MAX_FOLLOWUPS));
        if (nf == 0)
            break;
        for (int i = 0; i < nf && !stop_measuring(ss); i++) {
            if (i == 0 || strcmp(f[i].why, f[i - 1].why) != 0)
                note(ss, false, "%s", f[i].why);
            runner_env v = *env;
            v.variant = f[i].variant;
            if (f[i].variant) {
                v.concurrency = f[i].concurrency;
                v.chunksize = f[i].chunksize;
                v.start_method = f[i].start_method[0] ? f[i].start_method : env->start_method;
                v.native_limit = f[i].native_limit;
            }
            int first = next_repeat(res, f[i].mode, f[i].workers, f[i].variant, f[i].chunksize,
                                    f[i].start_method, f[i].native_limit);
            int count = f[i].repeats > 0 ? f[i].repeats
                                         : (ss->o->repeat_given ? ss->o->repeat : 0);
            if (f[i].repeats > 0) {
                /* One more run of a configuration the choice turns on. */
                const run_result *x = run_once(ss, &v, (plan_config){f[i].mode, f[i].workers},
                                               first, 0, false);
                if (x && run_failed_hard(x) && x->status != RUN_INTERRUPTED &&
                    !res->budget_reached)
                    ss->failed_configs++;
                if (!x || run_failed_hard(x))
                    break;
                continue;
            }
            measure_config(ss, &v, (plan_config){f[i].mode, f[i].workers}, first, count, &f[i]);
        }
    }
}

/* A warning where the host's pace moved beyond RESULTS_DRIFT_FOUND (results_drift). */
static void warn_if_drifted(const session *ss)
{
    const results_drift *d = &ss->res->drift;
    if (!d->found)
        return;
    note(ss, true, "the host's pace moved by %.0f %% during the run: %s",
         100 * results_drift_moved(d),
         d->adjusted ? "each pool run is compared with the single runs nearest in time"
                     : "single was measured in one spell, so the speedups carry the drift");
}

/* The plan as built (--fixed, concur classify): every configuration, exactly p->repeat runs, in
 * rounds of one run of each, the order turned by one each round, so that a drift of the host
 * moves them all alike (Google Benchmark's random interleaving, in a fixed order). A
 * configuration that failed or proved unsafe sits out the later rounds. */
static void measure_rounds(session *ss, const runner_env *env)
{
    const plan *p = ss->plan;
    int n = p->n;
    int ran[ARRAY_LEN(p->configs)] = {0};
    bool out[ARRAY_LEN(p->configs)] = {false}, failed[ARRAY_LEN(p->configs)] = {false};
    plan_repeat_rule rule = {.min_runs = p->repeat, .max_runs = p->repeat, .precision = 0};
    for (int rep = 1; rep <= p->repeat && !stop_measuring(ss); rep++)
        for (int k = 0; k < n && !stop_measuring(ss); k++) {
            int ci = rep == 1 ? k : (k + rep - 1) % n; /* single first in the first round */
            plan_config cfg = p->configs[ci];
            if (out[ci] || (ss->unsafe_modes & MODE_BIT(cfg.mode)))
                continue;
            const run_result *stored = run_once(ss, env, cfg, rep, p->repeat, false);
            if (!stored)
                break;
            ran[ci]++;
            if (run_failed_hard(stored)) {
                config_failed(ss, env, cfg, stored);
                out[ci] = failed[ci] = true;
                continue;
            }
            const config_summary *s = config_after_run(ss, env, cfg, stored);
            out[ci] = s && s->unsafe && s->unsafe_reason[0];
            if (cfg.mode == MODE_SINGLE && rep == 1 && ss->o->tasks == 0)
                warn_if_short(ss);
        }
    for (int ci = 0; ci < n; ci++) {
        plan_config cfg = p->configs[ci];
        if (ran[ci] == 0 && (ss->unsafe_modes & MODE_BIT(cfg.mode))) {
            results_add_plan(ss->res, PLAN_SKIPPED, cfg.mode, cfg.workers, "not measured: %s",
                             ss->unsafe_why[cfg.mode]);
            continue;
        }
        ss->configs_done++;
        bool unsafe = !failed[ci] && (out[ci] || (ss->unsafe_modes & MODE_BIT(cfg.mode)));
        plan_config_outcome(ss, env, cfg, ran[ci], failed[ci], unsafe, "",
                            ran[ci] < p->repeat ? PLAN_REPEAT_MORE : PLAN_REPEAT_DECIDED, &rule);
    }
}

/* Where the refinement left each configuration the choice turns on, in its plan entry; single's
 * says how many of its runs were references (reference_run). */
static void note_refinements(results *res, int references)
{
    results_summarize(res);
    for (int i = 0; i < res->nsummary; i++) {
        const config_summary *s = &res->summary[i];
        for (int k = res->nplan - 1; k >= 0; k--) {
            plan_entry *e = &res->plan[k];
            if (e->action == PLAN_RAN && e->mode == s->mode && e->workers == s->workers &&
                !e->variant && !s->variant && e->runs != s->runs_ok) {
                char why[PLAN_WHY_LEN];
                if (s->mode == MODE_SINGLE && references > 0)
                    util_fmt(why, sizeof(why), "%s; then %d more, %d of them between the other "
                             "configurations' runs to follow the host's pace: %d runs, +-%.1f %%",
                             e->why, s->runs_ok - e->runs, references, s->runs_ok,
                             100 * s->precision);
                else
                    util_fmt(why, sizeof(why), "%s; then %d more, as a decision turned on it "
                             "(a step of the sweep, or the recommendation): %d runs, +-%.1f %%",
                             e->why, s->runs_ok - e->runs, s->runs_ok, 100 * s->precision);
                memcpy(e->why, why, sizeof(e->why));
                e->runs = s->runs_ok;
                e->precision = s->precision;
                break;
            }
        }
    }
}

void measure_strategy(results *res, const plan *p, const runner_env *env,
                      const measure_options *o, const measure_io *io, measure_outcome *out)
{
    bool adaptive = !o->classify && !o->fixed;
    session ss = {.res = res, .o = o, .io = io, .plan = p, .base_env = env,
                  .interleave = adaptive && !o->back_to_back && !o->repeat_given,
                  .total_runs = adaptive ? 0 : p->n * p->repeat, .total_configs = p->n,
                  .pass_s = NAN, .task_cv = NAN, .ceiling = measure_run_ceiling(p, o),
                  .rule = {.min_runs = o->repeat_given ? o->repeat : PLAN_MIN_RUNS,
                           .max_runs = o->repeat_given ? o->repeat : o->max_repeat,
                           .precision = o->repeat_given ? 0.0 : o->precision}};
    ss.t0 = now(&ss);
    if (o->budget_s > 0)
        ss.deadline = ss.t0 + o->budget_s;
    if (!adaptive) {
        measure_rounds(&ss, env);
    } else {
        runner_env deployed = *env; /* as the warm-up finds the job: native_deployed */
        ss.base_env = &deployed;    /* single's reference runs too */
        measure_sweep(&ss, &deployed);
        measure_program_own(&ss, &deployed);
        measure_followups(&ss, &deployed);
        /* The last configuration's runs get single's on their other side too. */
        if (ss.since_single >= REFERENCE_EVERY - 1)
            ss.since_single = REFERENCE_EVERY;
        reference_run(&ss);
        note_refinements(res, ss.references);
        warn_if_drifted(&ss);
    }
    if (ss.ceiling_reached)
        results_add_plan(res, PLAN_STOPPED, MODE_SINGLE, 0, "stopped after %d runs, the most "
                         "these options allow: the runs kept failing", ss.done);
    *out = (measure_outcome){.runs = ss.done, .ceiling = ss.ceiling,
                             .ceiling_reached = ss.ceiling_reached,
                             .failed_configs = ss.failed_configs, .setup_hung = ss.setup_hung,
                             .write_failed = ss.write_failed,
                             .elapsed_s = now(&ss) - ss.t0};
}
