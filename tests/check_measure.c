/* check_measure.c - the measuring strategy driven by synthetic runs: no interpreter, no process,
 * milliseconds per test. A run is made by a function of this file that answers as a job of a
 * known shape would, failing as it is told to. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_concur.h"
#include "concur/advise.h"
#include "concur/classify.h"
#include "concur/log.h"
#include "concur/measure.h"
#include "concur/stats.h"

/* How the synthetic job behaves. */
typedef enum {
    FAIL_NONE,
    FAIL_CRASH,        /* the harness dies */
    FAIL_TIMEOUT,      /* the run is killed at its timeout */
    FAIL_ALL_RAISE,    /* every task raises */
    FAIL_SOME_RAISE,   /* one task in eight raises, in every run */
    FAIL_WORKER_DIED,  /* a process-pool worker dies */
    FAIL_KINDS,
} fail_kind;

typedef struct {
    unsigned long long seed;
    double fail_rate;   /* share of runs that fail (0..1) */
    fail_kind fail;     /* how they fail; FAIL_KINDS: a different way each time */
    bool pools_only;    /* single never fails */
    double task_s;      /* one task on one thread */
    double gil;         /* 1: threads gain nothing; 0: they scale like processes */
    double noise;       /* relative spread of the wall times */
    bool threads_hang;  /* a thread pool never finishes: every run of it times out */
    bool threads_differ;/* a thread pool returns other results than single for half the tasks */
    bool threads_raise; /* every task raises in a thread pool, none in single */
    double pool_limit;  /* the largest timeout a pool run was given */
    int calls;
} synth;

static double uniform(synth *s)
{
    s->seed = s->seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(s->seed >> 11) / (double)(1ULL << 53);
}

static int synth_run(void *ctx, const runner_env *env, run_mode mode, int workers, int repeat,
                     run_result *out)
{
    synth *s = ctx;
    s->calls++;
    memset(out, 0, sizeof(*out));
    out->mode = mode;
    out->workers = workers;
    out->repeat = repeat;
    out->chunksize = mode == MODE_PROCESSES ? (env->chunksize > 1 ? env->chunksize : 1) : 0;
    snprintf(out->start_method, sizeof(out->start_method), "%s",
             mode == MODE_PROCESSES ? (env->start_method ? env->start_method : "fork") : "");
    out->variant = env->variant;
    out->scale = 1.0;
    out->startup_s = out->teardown_s = out->first_ready_s = 0.001;
    out->cpu_s = out->cpu_utilization = out->peak_rss_bytes = NAN;
    out->io_read_bytes = out->io_write_bytes = NAN;
    out->pickle_arg_bytes = out->pickle_result_bytes = NAN;
    out->counters = (counters_values){NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN};
    int tasks = env->tasks > 0 ? env->tasks : 16;
    out->tasks = tasks;
    out->tasks_ok = tasks;
    out->sample_of = env->sample_of;
    double speed = mode == MODE_SINGLE ? 1.0
                   : mode == MODE_THREADS ? 1.0 + (1.0 - s->gil) * (workers > 2 ? 1 : workers - 1)
                                          : (workers > 2 ? 2.0 : workers) * 0.95;
    double noise = 1.0 + s->noise * (2.0 * uniform(s) - 1.0);
    out->wall_s = tasks * s->task_s / speed * noise + 0.002;
    out->harness_s = out->wall_s + 0.02;
    out->cpu_s = out->wall_s * (mode == MODE_SINGLE ? 1 : workers) * 0.9;
    out->cpu_utilization = 0.9;
    double walls[64];
    int n = tasks < 64 ? tasks : 64;
    for (int i = 0; i < n; i++)
        walls[i] = s->task_s * (1.0 + 0.05 * uniform(s));
    stats_summarize(walls, n, &out->task_wall);

    /* Each task's result: its index, as the harness digests it; wrong for every other task in
     * a thread pool that shares state it should not. */
    out->task_digests = malloc(sizeof(*out->task_digests) * (size_t)tasks);
    ck_assert_ptr_nonnull(out->task_digests);
    out->ntask_digests = tasks;
    for (int j = 0; j < tasks; j++)
        out->task_digests[j] = 1000 + results_task_index(out, j) +
                               (s->threads_differ && mode == MODE_THREADS && j % 2);
    if (mode != MODE_SINGLE && env->timeout_s > s->pool_limit)
        s->pool_limit = env->timeout_s;
    if (s->threads_raise && mode == MODE_THREADS) {
        for (int j = 0; j < tasks; j++)
            out->task_digests[j] = RESULT_RAISED;
        out->status = RUN_TASKS_FAILED;
        out->tasks_ok = 0;
        out->tasks_failed = tasks;
        return 0;
    }
    if (s->threads_hang && mode == MODE_THREADS) {
        out->status = RUN_TIMED_OUT;
        out->wall_s = NAN;
        snprintf(out->error, sizeof(out->error), "timed out after %g s", env->timeout_s);
        return 0;
    }
    bool fails = uniform(s) < s->fail_rate && !(s->pools_only && mode == MODE_SINGLE);
    if (!fails)
        return 0;
    fail_kind k = s->fail == FAIL_KINDS ? (fail_kind)(1 + (int)(uniform(s) * (FAIL_KINDS - 1)))
                                        : s->fail;
    switch (k) {
    case FAIL_CRASH:
        out->status = RUN_CRASHED;
        out->wall_s = NAN;
        snprintf(out->error, sizeof(out->error), "the harness died");
        break;
    case FAIL_TIMEOUT:
        out->status = RUN_TIMED_OUT;
        out->wall_s = NAN;
        snprintf(out->error, sizeof(out->error), "timed out");
        break;
    case FAIL_ALL_RAISE:
        out->status = RUN_TASKS_FAILED;
        out->tasks_ok = 0;
        out->tasks_failed = tasks;
        snprintf(out->error, sizeof(out->error), "%d of %d tasks raised", tasks, tasks);
        break;
    case FAIL_SOME_RAISE:
        out->status = RUN_TASKS_FAILED;
        out->tasks_failed = (tasks + 7) / 8;
        out->tasks_ok = tasks - out->tasks_failed;
        snprintf(out->error, sizeof(out->error), "%d of %d tasks raised", out->tasks_failed, tasks);
        break;
    case FAIL_WORKER_DIED:
        out->status = RUN_WORKER_DIED;
        out->wall_s = NAN;
        snprintf(out->error, sizeof(out->error), "a worker died");
        break;
    case FAIL_NONE:
    case FAIL_KINDS:
        break;
    }
    return 0;
}

/* A job of a known shape: each task computes compute_s (holding the GIL or not) and waits wait_s,
 * of which queue_s one task at a time (a disk's queue: no pool overlaps it); a process pool adds
 * ipc_s per task. Wall times follow from the cores, as on a quiet machine. */
typedef struct {
    double compute_s, wait_s, ipc_s, queue_s;
    bool holds_gil;
    int cores;
    unsigned long long seed;
    double noise;
    int calls;
    double clock; /* seconds the runs so far took: the strategy's clock (measure_io.now) */
    int slow_from; /* from this run on (0: never), the host is `slow` times slower */
    double slow;
    int deployed; /* runs measured as deployed (runner_env.native_deployed) */
} profile;

static double profile_now(void *ctx)
{
    return ((profile *)ctx)->clock;
}

/* How much slower the host is for the next run. */
static double profile_host(const profile *pr)
{
    return pr->slow_from > 0 && pr->calls >= pr->slow_from ? pr->slow : 1.0;
}

/* measure_io.probe: a fixed loop's time, as slow as the host is. */
static double profile_probe(void *ctx, int workers)
{
    (void)workers;
    return 0.0013 * profile_host(ctx);
}

static int profile_run(void *ctx, const runner_env *env, run_mode mode, int workers, int repeat,
                       run_result *out)
{
    profile *pr = ctx;
    double host = profile_host(pr);
    synth base = {.seed = pr->seed + (unsigned)pr->calls * 977, .task_s = 0.001};
    synth_run(&base, env, mode, workers, repeat, out);
    pr->calls++;
    pr->deployed += env->native_deployed;
    int n = out->tasks;
    double c = pr->compute_s, w = pr->wait_s;
    int busy = workers < pr->cores ? workers : pr->cores;
    double wall;
    if (mode == MODE_SINGLE)
        wall = n * (c + w);
    else if (mode == MODE_THREADS && pr->holds_gil)
        wall = fmax(n * c, n * (c + w) / workers);
    else
        wall = fmax(n * c / busy, n * (c + w) / workers);
    if (mode != MODE_SINGLE && pr->queue_s > 0)
        wall = fmax(wall, n * pr->queue_s + n * (c + w - pr->queue_s) / workers);
    if (mode == MODE_PROCESSES)
        wall += n * pr->ipc_s / (out->chunksize > 1 ? out->chunksize : 1) / busy + 0.002;
    double noise = 1.0 + pr->noise * (2.0 * uniform(&base) - 1.0);
    out->startup_s = mode == MODE_SINGLE ? 0.0 : 0.001;
    out->teardown_s = 0.0;
    out->wall_s = out->startup_s + wall * noise * host;
    out->harness_s = out->wall_s + 0.02;
    pr->clock += out->harness_s;
    int nw = mode == MODE_SINGLE ? 1 : workers;
    out->cpu_s = n * c;
    out->cpu_utilization = out->cpu_s / (out->wall_s * nw);
    double walls[256];
    int k = n < 256 ? n : 256;
    for (int i = 0; i < k; i++)
        walls[i] = (c + w) * (mode == MODE_THREADS && pr->holds_gil && workers > 1 ? 1.5 : 1.0);
    stats_summarize(walls, k, &out->task_wall);
    /* What the sampler would see of the workers: on a CPU, waiting for the GIL, or waiting. */
    double run = fmin(1.0, out->cpu_utilization);
    double gil = mode == MODE_THREADS && pr->holds_gil ? fmax(0.0, 1.0 - run) * (c > w) : 0.0;
    out->states.counts[TS_RUNNING] = 100 * run;
    out->states.counts[TS_GIL_WAIT] = 100 * gil;
    out->states.counts[TS_IO_WAIT] = 100 * (1.0 - run - gil);
    out->states.total = 100;
    out->gil_distinguished = true;
    return 0;
}

typedef struct {
    results res;
    plan p;
    runner_env env;
    measure_options o;
    measure_outcome out;
} fixture;

static void fixture_init(fixture *f, int tasks, int cores)
{
    log_init(LOG_QUIET); /* hundreds of progress lines otherwise */
    memset(f, 0, sizeof(*f));
    results_init(&f->res);
    f->res.workload.tasks = tasks;
    snprintf(f->res.workload.name, sizeof(f->res.workload.name), "synthetic");
    f->res.machine.cores = f->res.machine.allowed_cores = f->res.machine.pus = cores;
    f->res.python.gil = 1;
    plan_request req = {.modes = MODE_BIT(MODE_SINGLE) | MODE_BIT(MODE_THREADS) |
                                 MODE_BIT(MODE_PROCESSES),
                        .repeat = 3, .cores = cores};
    char err[256];
    ck_assert_int_eq(plan_build(&req, &f->p, err, sizeof(err)), 0);
    f->env = (runner_env){.tasks = tasks};
    f->o = (measure_options){.repeat = 3, .max_repeat = PLAN_DEFAULT_MAX_RUNS,
                             .precision = PLAN_DEFAULT_PRECISION};
}

static void fixture_run(fixture *f, synth *s)
{
    measure_io io = {.run = synth_run, .ctx = s};
    measure_strategy(&f->res, &f->p, &f->env, &f->o, &io, &f->out);
    ck_assert_int_eq(f->out.runs, s->calls);
    ck_assert_int_eq(f->out.runs, f->res.nruns);
}

/* What measure_write_results makes of the runs: the summary, the classification, the advice. */
static void advise(results *r)
{
    results_summarize(r);
    classify_results(r, &r->classification);
    advise_recommend(r, 0, &r->recommendation);
}

static int max_workers(const results *r, run_mode mode)
{
    int most = 0;
    for (int i = 0; i < r->nruns; i++)
        if (r->runs[i].mode == mode && !r->runs[i].variant && r->runs[i].workers > most)
            most = r->runs[i].workers;
    return most;
}

static bool measured_start_method(const results *r)
{
    for (int i = 0; i < r->nruns; i++)
        if (r->runs[i].variant && r->runs[i].chunksize <= 1 &&
            strcmp(r->runs[i].start_method, "fork") != 0)
            return true;
    return false;
}

static bool measured_variant(const results *r)
{
    for (int i = 0; i < r->nruns; i++)
        if (r->runs[i].variant && r->runs[i].chunksize > 1)
            return true;
    return false;
}

/* Runs of one configuration (warm-up apart). */
static int runs_of(const results *r, run_mode mode, int workers, bool variant)
{
    int n = 0;
    for (int i = 0; i < r->nruns; i++)
        n += r->runs[i].mode == mode && r->runs[i].workers == workers && !r->runs[i].warmup &&
             r->runs[i].variant == variant;
    return n;
}

static int max_runs_per_config(const results *r)
{
    int most = 0;
    for (int i = 0; i < r->nruns; i++) {
        int n = runs_of(r, r->runs[i].mode, r->runs[i].workers, r->runs[i].variant);
        if (n > most)
            most = n;
    }
    return most;
}

/* The property: whatever fails, and however often, the strategy ends, within its ceiling, and no
 * configuration is run more than twice the cap (a step's runs while it is unsettled). */
START_TEST(test_strategy_always_ends)
{
    static const double rates[] = {0.0, 0.2, 0.5, 0.8, 1.0};
    int cases = 0;
    for (int kind = FAIL_CRASH; kind <= FAIL_KINDS; kind++)
        for (size_t ri = 0; ri < sizeof(rates) / sizeof(rates[0]); ri++)
            for (int mode = 0; mode < 3; mode++)
                for (unsigned long long seed = 1; seed <= 6; seed++) {
                    fixture f;
                    fixture_init(&f, 16 + (int)seed * 8, seed % 2 ? 2 : 8);
                    f.o.fixed = mode == 1;
                    f.o.classify = mode == 2;
                    synth s = {.seed = seed * 7919 + (unsigned)kind, .fail_rate = rates[ri],
                               .fail = (fail_kind)kind, .pools_only = seed % 3 == 0,
                               .task_s = 0.002, .gil = seed % 2 ? 1.0 : 0.0,
                               .noise = 0.05 * (double)seed};
                    fixture_run(&f, &s);
                    ck_assert_msg(f.out.runs <= f.out.ceiling,
                                  "kind %d rate %.1f seed %llu: %d runs, ceiling %d", kind,
                                  rates[ri], seed, f.out.runs, f.out.ceiling);
                    ck_assert_int_le(max_runs_per_config(&f.res), 2 * PLAN_DEFAULT_MAX_RUNS);
                    ck_assert(!f.out.ceiling_reached);
                    cases++;
                    results_free(&f.res);
                }
    ck_assert_int_gt(cases, 500);
}
END_TEST

/* A job whose every run fails hard: each configuration is tried once and not again. */
START_TEST(test_every_run_failing_tries_each_configuration_once)
{
    for (int kind = FAIL_CRASH; kind < FAIL_KINDS; kind++) {
        if (kind == FAIL_SOME_RAISE)
            continue;
        fixture f;
        fixture_init(&f, 16, 2);
        synth s = {.seed = 3, .fail_rate = 1.0, .fail = (fail_kind)kind, .task_s = 0.002};
        fixture_run(&f, &s);
        ck_assert_int_le(max_runs_per_config(&f.res), 1);
        ck_assert_int_gt(f.out.failed_configs, 0);
        /* warm-up, single, threads x2, processes x2 */
        ck_assert_int_le(f.out.runs, 4);
        results_free(&f.res);
    }
}
END_TEST

/* A task that raises in every run (the job's own failure) is data: the runs count, the sweep and
 * the recommendation go on as for a job without it. */
START_TEST(test_some_tasks_raising_is_measured_like_success)
{
    fixture f;
    fixture_init(&f, 32, 2);
    synth s = {.seed = 5, .fail_rate = 1.0, .fail = FAIL_SOME_RAISE, .task_s = 0.01,
               .gil = 0.0, .noise = 0.01};
    fixture_run(&f, &s);
    results_summarize(&f.res);
    const config_summary *single = results_find_summary(&f.res, MODE_SINGLE, 1);
    ck_assert_ptr_nonnull(single);
    ck_assert_int_ge(single->runs_ok, PLAN_MIN_RUNS);
    ck_assert_int_eq(single->runs_failed, 0);
    ck_assert_int_le(single->runs_ok, PLAN_DEFAULT_MAX_RUNS);
    const config_summary *t2 = results_find_summary(&f.res, MODE_THREADS, 2);
    ck_assert_ptr_nonnull(t2);
    ck_assert(t2->speedup > 1.5);
    ck_assert_int_eq(f.out.failed_configs, 0);
    results_free(&f.res);
}
END_TEST

/* --repeat N: exactly N runs of a configuration even when they fail softly, never more. */
START_TEST(test_fixed_repeat_is_exact)
{
    fixture f;
    fixture_init(&f, 16, 2);
    f.o.fixed = true;
    f.o.repeat_given = true;
    f.o.repeat = 4;
    f.p.repeat = 4;
    synth s = {.seed = 9, .fail_rate = 1.0, .fail = FAIL_SOME_RAISE, .task_s = 0.002};
    fixture_run(&f, &s);
    for (int i = 0; i < f.p.n; i++)
        ck_assert_int_eq(runs_of(&f.res, f.p.configs[i].mode, f.p.configs[i].workers, false), 4);
    ck_assert_int_eq(f.out.runs, f.p.n * 4);
    results_free(&f.res);
}
END_TEST

/* A program whose one run is long (PLAN_PROGRAM_LONG_S): every run is the whole program (no
 * sample), each configuration gets the fewest runs, no pool grows past the cores, and the plan
 * says why; its task count is what its first run made. A short one is measured as usual. */
START_TEST(test_long_program_is_pruned)
{
    for (int longer = 0; longer < 2; longer++) {
        fixture f;
        fixture_init(&f, 0, 2);
        f.env.tasks = 0;
        f.o.program = true;
        /* 16 tasks that mostly wait: a sweep grows past the 2 cores while they do. */
        profile pr = {.compute_s = 0.001, .wait_s = longer ? 0.4 : 0.01, .cores = 2,
                      .seed = 11, .noise = 0.02};
        measure_io io = {.run = profile_run, .ctx = &pr, .now = profile_now,
                         .probe = profile_probe};
        measure_strategy(&f.res, &f.p, &f.env, &f.o, &io, &f.out);
        ck_assert_int_eq(f.res.workload.tasks, 16);
        bool pruned_said = false;
        for (int i = 0; i < f.res.nplan; i++)
            pruned_said |= strstr(f.res.plan[i].why, "pruned harder") != NULL;
        ck_assert_int_eq(pruned_said, longer);
        int most = 0, widest = 0;
        for (int i = 0; i < f.res.nruns; i++) {
            const run_result *x = &f.res.runs[i];
            ck_assert_int_eq(x->sample_of, 0);
            if (x->warmup)
                continue;
            int n = runs_of(&f.res, x->mode, x->workers, x->variant);
            most = n > most ? n : most;
            widest = x->workers > widest ? x->workers : widest;
        }
        if (longer) {
            ck_assert_int_eq(most, PLAN_MIN_RUNS);
            ck_assert_int_le(widest, 2);
        } else {
            ck_assert_int_gt(most, PLAN_MIN_RUNS); /* single re-measured between the others */
            ck_assert_int_gt(widest, 2);
        }
        results_free(&f.res);
    }
}
END_TEST

/* --fixed measures in rounds: every configuration's first run, then every one's second, ...;
 * a configuration that fails sits out the rounds after it. */
START_TEST(test_fixed_plan_in_rounds)
{
    fixture f;
    fixture_init(&f, 16, 2);
    f.o.fixed = f.o.repeat_given = true;
    f.o.repeat = f.p.repeat = 3;
    synth s = {.seed = 4, .task_s = 0.002, .threads_hang = true};
    fixture_run(&f, &s);
    ck_assert_int_eq(f.res.runs[0].mode, MODE_SINGLE);
    for (int i = 1; i < f.res.nruns; i++)
        ck_assert_msg(f.res.runs[i].repeat >= f.res.runs[i - 1].repeat, "run %d: repeat %d after %d",
                      i, f.res.runs[i].repeat, f.res.runs[i - 1].repeat);
    for (int i = 0; i < f.p.n; i++) {
        int want = f.p.configs[i].mode == MODE_THREADS ? 1 : 3; /* a thread pool hangs */
        ck_assert_int_le(runs_of(&f.res, f.p.configs[i].mode, f.p.configs[i].workers, false),
                         want);
        if (f.p.configs[i].mode != MODE_THREADS)
            ck_assert_int_eq(runs_of(&f.res, f.p.configs[i].mode, f.p.configs[i].workers, false),
                             3);
    }
    results_free(&f.res);
}
END_TEST

/* The ceiling follows the plan and the cap. */
START_TEST(test_run_ceiling)
{
    fixture f;
    fixture_init(&f, 16, 2);
    f.o.fixed = true;
    ck_assert_int_eq(measure_run_ceiling(&f.p, &f.o), f.p.n * PLAN_DEFAULT_MAX_RUNS);
    f.o.fixed = false;
    int adaptive = measure_run_ceiling(&f.p, &f.o);
    ck_assert_int_gt(adaptive, f.p.n * PLAN_DEFAULT_MAX_RUNS);
    f.o.max_repeat = 2 * PLAN_DEFAULT_MAX_RUNS;
    ck_assert_int_gt(measure_run_ceiling(&f.p, &f.o), adaptive);
    results_free(&f.res);
}
END_TEST

/* The sweep's stopping rules, on jobs of known shapes: how far each pool grows, whether the runs
 * are samples, whether a chunksize is tried. */
static const struct {
    const char *job;
    profile pr;
    int tasks;
    int threads_min, threads_max;     /* the largest thread pool measured */
    int processes_min, processes_max; /* the largest process pool measured */
    bool chunksize;                   /* a batched process pool measured */
    bool sampled;                     /* runs measure a sample of the tasks */
} sweeps[] = {
    /* Holds the GIL: threads gain nothing, processes stop at the 2 busy cores. */
    {"cpu-bound, holds the GIL, 2 cores", {.compute_s = 0.004, .holds_gil = true, .cores = 2,
                                           .ipc_s = 0.00005}, 256, 2, 2, 2, 2, false, true},
    /* Waits: threads go on past the cores while they gain; processes are no faster than the
     * threads of their size, and stop. */
    {"waits, 2 cores", {.compute_s = 0.00005, .wait_s = 0.005, .holds_gil = true, .cores = 2,
                        .ipc_s = 0.00005}, 128, 16, 256, 2, 2, false, true},
    /* Releases the GIL on 8 cores: threads grow to the cores, processes stop where they are no
     * faster than threads. */
    {"cpu-bound, releases the GIL, 8 cores", {.compute_s = 0.004, .cores = 8, .ipc_s = 0.00005},
     128, 8, 8, 2, 2, false, true},
    /* Holds the GIL, with tiny tasks a process pool pays as much for as it computes: a larger
     * chunksize is tried. */
    {"tiny tasks, 2 cores", {.compute_s = 0.00005, .holds_gil = true, .cores = 2,
                             .ipc_s = 0.0001}, 2000, 2, 2, 2, 2, true, false},
    /* Waits on storage with wide noise (each run anywhere within +-45 % of its time): a step
     * unsettled on that noise does not stop the threads, which reach 8 or more. */
    {"waits on storage, wide noise, 2 cores", {.compute_s = 0.0002, .wait_s = 0.004,
                                               .queue_s = 0.0015, .holds_gil = true, .cores = 2, .ipc_s = 0.00005,
                                               .noise = 0.45}, 256, 8, 256, 2, 256, false, true},
    /* A short job is measured whole. */
    {"short job, 2 cores", {.compute_s = 0.002, .holds_gil = true, .cores = 2, .ipc_s = 0.00005},
     32, 2, 2, 2, 2, false, false},
};

START_TEST(test_sweep_rules)
{
    fixture f;
    fixture_init(&f, sweeps[_i].tasks, sweeps[_i].pr.cores);
    profile pr = sweeps[_i].pr;
    pr.seed = 11;
    if (!(pr.noise > 0))
        pr.noise = 0.01;
    measure_io io = {.run = profile_run, .ctx = &pr};
    measure_strategy(&f.res, &f.p, &f.env, &f.o, &io, &f.out);
    const char *job = sweeps[_i].job;
    int t = max_workers(&f.res, MODE_THREADS), p = max_workers(&f.res, MODE_PROCESSES);
    ck_assert_msg(t >= sweeps[_i].threads_min && t <= sweeps[_i].threads_max,
                  "%s: threads grew to %d", job, t);
    ck_assert_msg(p >= sweeps[_i].processes_min && p <= sweeps[_i].processes_max,
                  "%s: processes grew to %d", job, p);
    ck_assert_msg(measured_variant(&f.res) == sweeps[_i].chunksize, "%s: chunksize %s", job,
                  measured_variant(&f.res) ? "tried" : "not tried");
    bool sampled = false;
    for (int i = 0; i < f.res.nruns; i++)
        sampled = sampled || (!f.res.runs[i].warmup && f.res.runs[i].sample_of > 0);
    ck_assert_msg(sampled == sweeps[_i].sampled, "%s: %s", job,
                  sampled ? "sampled" : "not sampled");
    ck_assert(f.res.recommendation.made || f.res.nruns > 0);
    /* Every thread count but the last says why the sweep went on past it; the last why it
     * stopped. */
    for (int n = 2; n < t; n *= 2) {
        bool said = false;
        for (int k = 0; k < f.res.nplan; k++) {
            const plan_entry *e = &f.res.plan[k];
            said = said || (e->action == PLAN_RAN && e->mode == MODE_THREADS && e->workers == n &&
                            strstr(e->why, "trying"));
        }
        ck_assert_msg(said, "%s: threads x%d does not say why the sweep went on", job, n);
    }
    results_free(&f.res);
}
END_TEST

/* A job that waits on storage with wide noise: the steps its sweep takes on the waits say so. */
START_TEST(test_sweep_waits_on_noise)
{
    fixture f;
    fixture_init(&f, 256, 2);
    profile pr = {.compute_s = 0.0002, .wait_s = 0.004, .queue_s = 0.0015, .holds_gil = true,
                  .cores = 2, .ipc_s = 0.00005, .noise = 0.45, .seed = 11};
    measure_io io = {.run = profile_run, .ctx = &pr};
    measure_strategy(&f.res, &f.p, &f.env, &f.o, &io, &f.out);
    ck_assert_int_ge(max_workers(&f.res, MODE_THREADS), 8);
    bool on_waits = false;
    for (int k = 0; k < f.res.nplan; k++)
        on_waits = on_waits || strstr(f.res.plan[k].why, "unsettled on noise");
    ck_assert_msg(on_waits, "no step went on for the waits");
    results_free(&f.res);
}
END_TEST

/* The most runs of other configurations between two runs of single, after single's first. */
static int longest_gap_without_single(const results *r)
{
    int gap = 0, most = 0;
    bool single_seen = false;
    for (int i = 0; i < r->nruns; i++) {
        if (r->runs[i].warmup)
            continue;
        if (r->runs[i].mode == MODE_SINGLE && !r->runs[i].variant) {
            single_seen = true;
            gap = 0;
        } else if (single_seen && ++gap > most) {
            most = gap;
        }
    }
    return most;
}

/* processes x2's speedup for a GIL-holding job measured on a host that becomes `slow` times
 * slower after the 5th run (0: never); back_to_back as --back-to-back. */
static double drifting_speedup(double slow, bool back_to_back, results *res)
{
    fixture f;
    fixture_init(&f, 256, 2);
    f.o.back_to_back = back_to_back;
    profile pr = {.compute_s = 0.004, .holds_gil = true, .cores = 2, .ipc_s = 0.00005,
                  .seed = 5, .noise = 0.03, .slow_from = slow > 0 ? 5 : 0, .slow = slow};
    measure_io io = {.run = profile_run, .ctx = &pr, .probe = profile_probe};
    measure_strategy(&f.res, &f.p, &f.env, &f.o, &io, &f.out);
    advise(&f.res);
    const config_summary *p = results_find_summary(&f.res, MODE_PROCESSES, 2);
    ck_assert_ptr_nonnull(p);
    double speedup = p->speedup;
    if (res)
        *res = f.res;
    else
        results_free(&f.res);
    return speedup;
}

/* Single is re-measured through the run, so that a host that slows down half-way moves single
 * and the pools alike: the speedup stays what a steady host gives, where runs made back to back
 * would put the whole slowdown on the pools measured after it. */
START_TEST(test_drift_moves_every_configuration_alike)
{
    double steady = drifting_speedup(0, false, NULL);
    double blind = drifting_speedup(1.8, true, NULL);
    results r;
    double followed = drifting_speedup(1.8, false, &r);
    ck_assert_msg(fabs(blind / steady - 1.0) > 0.3, "back to back: %.2fx, steady %.2fx", blind,
                  steady);
    ck_assert_msg(fabs(followed / steady - 1.0) < 0.15, "followed: %.2fx, steady %.2fx", followed,
                  steady);
    ck_assert(r.drift.found);
    ck_assert(r.drift.adjusted);
    ck_assert_int_gt(r.drift.reference_runs, 0);
    ck_assert_int_le(longest_gap_without_single(&r), 3);
    ck_assert(r.recommendation.made);
    ck_assert_int_eq(r.recommendation.choice.mode, MODE_PROCESSES);
    bool asked = false;
    for (int i = 0; i < r.recommendation.nopen; i++)
        asked = asked || strstr(r.recommendation.open_questions[i], "drift");
    ck_assert_msg(asked, "no open question about the drift");
    results_free(&r);
}
END_TEST

/* On a steady host, the references find no drift and change no speedup's basis; with
 * --back-to-back single is measured in one spell. */
START_TEST(test_steady_host_finds_no_drift)
{
    results r;
    drifting_speedup(0, false, &r);
    ck_assert(!r.drift.found);
    ck_assert(!r.drift.adjusted);
    ck_assert_int_gt(r.drift.reference_runs, 0);
    for (int i = 0; i < r.nruns; i++)
        ck_assert(r.runs[i].drift_factor == 1.0);
    results_free(&r);
    drifting_speedup(0, true, &r);
    ck_assert_int_eq(r.drift.reference_runs, 0);
    results_free(&r);
}
END_TEST

/* A process pool chosen: the other start method is measured against it. */
START_TEST(test_start_method_followup)
{
    fixture f;
    fixture_init(&f, 256, 2);
    profile pr = {.compute_s = 0.004, .holds_gil = true, .cores = 2, .ipc_s = 0.00005,
                  .seed = 3, .noise = 0.01};
    measure_io io = {.run = profile_run, .ctx = &pr};
    measure_strategy(&f.res, &f.p, &f.env, &f.o, &io, &f.out);
    advise(&f.res);
    ck_assert(f.res.recommendation.made);
    ck_assert_int_eq(f.res.recommendation.choice.mode, MODE_PROCESSES);
    ck_assert(measured_start_method(&f.res));
    results_free(&f.res);
}
END_TEST

/* A job whose tasks run in a native library's thread pool (BLAS on small matrices): `pool`
 * threads per process as installed, each beyond the first costing half a task in hand-offs, and
 * twice the time again where the threads of all workers outnumber the cores. With a native limit
 * (runner_env.native_limit) the pools have that many threads. */
typedef struct {
    int pool, cores;
    int single_runs, single_deployed; /* single's runs, and those measured as deployed */
    int calls;
} native_job;

static int native_run(void *ctx, const runner_env *env, run_mode mode, int workers, int repeat,
                      run_result *out)
{
    native_job *j = ctx;
    synth base = {.seed = 11 + (unsigned)j->calls * 977, .task_s = 0.001};
    synth_run(&base, env, mode, workers, repeat, out);
    j->calls++;
    int k = env->native_limit > 0 ? env->native_limit : j->pool;
    int nw = mode == MODE_SINGLE ? 1 : workers;
    int busy = nw < j->cores ? nw : j->cores;
    double factor = (1.0 + 0.5 * (k - 1)) * (nw * k > j->cores ? 2.0 : 1.0);
    out->wall_s = out->tasks * 0.004 * factor / busy + 0.002;
    out->harness_s = out->wall_s + 0.02;
    out->native_limit = env->native_limit;
    out->native_threads = (k - 1) * (mode == MODE_PROCESSES ? workers : 1);
    out->threadpoolctl = 1;
    out->nthreadpools = 1;
    out->threadpools[0] = (run_threadpool){.user_api = "blas", .internal_api = "openblas",
                                           .num_threads = k};
    if (mode == MODE_SINGLE) {
        j->single_runs++;
        j->single_deployed += env->native_deployed;
    }
    return 0;
}

/* Whether a run of mode measured a native limit. */
static bool measured_limit(const results *r, run_mode mode)
{
    for (int i = 0; i < r->nruns; i++)
        if (r->runs[i].mode == mode && r->runs[i].native_limit > 0)
            return true;
    return false;
}

/* A job with native pools: measured as deployed, its limit measured for single and both pools,
 * and recommended with the line to set it; the oversubscribed configurations are warned about. */
START_TEST(test_native_limit_followup)
{
    fixture f;
    fixture_init(&f, 64, 2);
    native_job j = {.pool = 2, .cores = 2};
    measure_io io = {.run = native_run, .ctx = &j};
    measure_strategy(&f.res, &f.p, &f.env, &f.o, &io, &f.out);
    ck_assert(measured_limit(&f.res, MODE_SINGLE));
    ck_assert(measured_limit(&f.res, MODE_THREADS));
    ck_assert(measured_limit(&f.res, MODE_PROCESSES));
    ck_assert_int_eq(j.single_deployed, j.single_runs); /* the warm-up too */
    advise(&f.res);
    const recommendation *rec = &f.res.recommendation;
    ck_assert(rec->made);
    ck_assert_int_eq(rec->choice.native_limit, 1);
    ck_assert_msg(strstr(rec->headline, "OPENBLAS_NUM_THREADS=1"), "%s", rec->headline);
    bool line = false, warned = false;
    for (int i = 0; i < rec->nnotes; i++) {
        line |= strstr(rec->notes[i], "OPENBLAS_NUM_THREADS=1 python") != NULL;
        warned |= strstr(rec->notes[i], "as installed, threads x2 runs") != NULL;
    }
    ck_assert(line);
    ck_assert(warned);
    /* Classified as it should run, limited: as installed its pools gain nothing. */
    const classification *cl = &f.res.classification;
    ck_assert_int_eq(cl->native_threaded, 1);
    ck_assert_msg(cl->kind == KIND_CPU_BOUND && cl->gil == GIL_RELEASES, "%s, GIL %s",
                  classify_kind_name(cl->kind), classify_gil_name(cl->gil));
    ck_assert(f.out.runs <= f.out.ceiling);
    results_free(&f.res);
}
END_TEST

/* A pure-Python job gets no native follow-up (no time spent on it), is not native-threaded, and
 * only its warm-up runs unpinned: every measured run keeps one PU per worker. */
START_TEST(test_pure_python_gets_no_native_followup)
{
    fixture f;
    fixture_init(&f, 256, 2);
    profile pr = {.compute_s = 0.004, .holds_gil = true, .cores = 2, .ipc_s = 0.00005,
                  .seed = 3, .noise = 0.01};
    measure_io io = {.run = profile_run, .ctx = &pr};
    measure_strategy(&f.res, &f.p, &f.env, &f.o, &io, &f.out);
    for (int i = 0; i < f.res.nruns; i++)
        ck_assert_int_eq(f.res.runs[i].native_limit, 0);
    ck_assert_int_eq(pr.deployed, 1);
    advise(&f.res);
    ck_assert_int_eq(f.res.recommendation.choice.native_limit, 0);
    ck_assert_int_eq(f.res.classification.native_threaded, 0);

    /* A Dask run's harness imports NumPy with distributed: its BLAS pool is not the job's. */
    run_result d;
    memset(&d, 0, sizeof(d));
    d.mode = MODE_DASK;
    d.workers = 2;
    d.repeat = 1;
    d.wall_s = 1.0;
    d.native_threads = 3;
    d.threadpoolctl = 1;
    d.nthreadpools = 1;
    d.threadpools[0] = (run_threadpool){.user_api = "blas", .internal_api = "openblas",
                                        .num_threads = 2};
    results_add_run(&f.res, &d);
    advise(&f.res);
    ck_assert_int_le(results_native_threads(&f.res), 0);
    advise_followup fu[ADVISE_MAX_FOLLOWUPS];
    int nf = advise_followups(&f.res, fu, ADVISE_MAX_FOLLOWUPS);
    for (int i = 0; i < nf; i++)
        ck_assert_msg(fu[i].native_limit == 0, "a native follow-up: %s", fu[i].why);
    results_free(&f.res);
}
END_TEST

/* --budget: no run starts that would not fit, the strategy stops and says what it left. The
 * clock is the synthetic runs' own. */
START_TEST(test_budget_rule)
{
    /* The whole strategy's time without a budget, then budgets that cut it at a fifth, half and
     * four fifths. */
    fixture whole;
    fixture_init(&whole, 256, 2);
    profile wp = {.compute_s = 0.004, .holds_gil = true, .cores = 2, .ipc_s = 0.00005, .seed = 9,
                  .noise = 0.01};
    measure_io wio = {.run = profile_run, .ctx = &wp, .now = profile_now};
    measure_strategy(&whole.res, &whole.p, &whole.env, &whole.o, &wio, &whole.out);
    ck_assert(!whole.res.budget_reached);
    results_free(&whole.res);
    for (int b = 0; b < 3; b++) {
        double budget = wp.clock * (double[]){0.2, 0.5, 0.8}[b];
        fixture f;
        fixture_init(&f, 256, 2);
        f.o.budget_s = budget;
        profile pr = {.compute_s = 0.004, .holds_gil = true, .cores = 2, .ipc_s = 0.00005,
                      .seed = 9, .noise = 0.01};
        measure_io io = {.run = profile_run, .ctx = &pr, .now = profile_now};
        measure_strategy(&f.res, &f.p, &f.env, &f.o, &io, &f.out);
        ck_assert_msg(f.res.budget_reached, "budget %.1f s: not reached after %.2f s", budget,
                      pr.clock);
        /* A run is started only where it fits: the last may overrun by its own length alone. */
        double longest = 0;
        for (int i = 0; i < f.res.nruns; i++)
            longest = fmax(longest, f.res.runs[i].harness_s);
        ck_assert_msg(pr.clock <= budget + longest, "budget %.1f s: %.2f s of runs", budget,
                      pr.clock);
        bool said = false;
        for (int i = 0; i < f.res.nplan; i++)
            said = said || f.res.plan[i].action == PLAN_BUDGET;
        ck_assert_msg(said || f.res.nruns > 0, "budget %.1f s: nothing in the plan", budget);
        results_free(&f.res);
    }
}
END_TEST

/* Repeats: a quiet job's configurations stop at 3 runs; a noisy one's the choice turns on run
 * again, and no configuration passes the cap. */
START_TEST(test_repeat_rules)
{
    for (int noisy = 0; noisy < 2; noisy++) {
        fixture f;
        fixture_init(&f, 64, 2);
        f.o.back_to_back = true; /* single's reference runs apart (test_drift_*) */
        profile pr = {.compute_s = 0.004, .holds_gil = true, .cores = 2, .ipc_s = 0.00005,
                      .seed = 5, .noise = noisy ? 0.4 : 0.001};
        measure_io io = {.run = profile_run, .ctx = &pr};
        measure_strategy(&f.res, &f.p, &f.env, &f.o, &io, &f.out);
        int most = max_runs_per_config(&f.res);
        if (noisy) {
            ck_assert_int_gt(most, PLAN_MIN_RUNS);
            ck_assert_int_le(most, PLAN_DEFAULT_MAX_RUNS);
        } else
            ck_assert_int_eq(most, PLAN_MIN_RUNS);
        results_free(&f.res);
    }
}
END_TEST

/* The limit of a pool run, and whether one that reached it hung: a table of cases. */
START_TEST(test_hang_limit)
{
    static const struct {
        double timeout_s, single_s, limit;
        bool hung_at_limit;
    } cases[] = {
        {600, 0.1, PLAN_HANG_MIN_S, true},       /* a short job: the floor */
        {600, 10.0, 200.0, true},                /* 20 x single */
        {600, 60.0, 600.0, false},               /* 20 x single is past --timeout, which then */
        {600, 40.0, 600.0, false},               /* proves nothing: a slow pool, maybe */
        {5, 0.1, 5.0, true},                     /* a tight --timeout, still 20 x single */
        {3, 0.5, 3.0, false},                    /* tighter than 20 x single: proves nothing */
        {0, 0.1, 0.0, false},                    /* --timeout 0: none, and no limit either */
        {600, NAN, 600.0, false},                /* single not measured yet */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        double limit = plan_hang_limit(cases[i].timeout_s, cases[i].single_s);
        ck_assert_msg(fabs(limit - cases[i].limit) < 1e-9, "case %zu: limit %g, want %g", i,
                      limit, cases[i].limit);
        ck_assert_msg(plan_run_hung(limit, cases[i].single_s) == cases[i].hung_at_limit,
                      "case %zu: hung %d", i, !cases[i].hung_at_limit);
    }
}
END_TEST

/* A thread pool that never finishes costs one run, at the hang limit rather than --timeout: the
 * mode is marked unsafe and measured no further (no repeats, no larger pools, no thread count to
 * tell the GIL), the process pool goes on, and threads are never recommended. */
START_TEST(test_hanging_threads_cost_one_run)
{
    for (int fixed = 0; fixed < 2; fixed++) {
        fixture f;
        fixture_init(&f, 16, 4);
        f.env.timeout_s = 600;
        f.o.fixed = fixed;
        synth s = {.seed = 4, .task_s = 0.01, .gil = 0.0, .noise = 0.01, .threads_hang = true};
        fixture_run(&f, &s);
        int threads = 0;
        for (int i = 0; i < f.res.nruns; i++)
            if (f.res.runs[i].mode == MODE_THREADS) {
                threads++;
                ck_assert(f.res.runs[i].hung);
                ck_assert_ptr_nonnull(strstr(f.res.runs[i].error, "likely a race or deadlock"));
            }
        ck_assert_int_eq(threads, 1);
        ck_assert_msg(s.pool_limit <= PLAN_HANG_MIN_S, "a pool run was given %g s",
                      s.pool_limit);
        ck_assert_int_ge(runs_of(&f.res, MODE_PROCESSES, 2, false), PLAN_MIN_RUNS);
        advise(&f.res);
        for (int i = 0; i < f.res.nsummary; i++)
            ck_assert(f.res.summary[i].unsafe == (f.res.summary[i].mode == MODE_THREADS));
        ck_assert(f.res.recommendation.made);
        ck_assert_int_ne(f.res.recommendation.choice.mode, MODE_THREADS);
        results_free(&f.res);
    }
}
END_TEST

/* A thread pool whose results differ from single's, or whose every task raises where single's
 * return: one run shows it, the sweep stops there, and threads are never recommended though
 * they are the fastest. */
START_TEST(test_differing_threads_stop_the_mode)
{
    for (int raise = 0; raise < 2; raise++) {
        fixture f;
        fixture_init(&f, 16, 4);
        synth s = {.seed = 6, .task_s = 0.01, .gil = 0.0, .noise = 0.01,
                   .threads_differ = !raise, .threads_raise = raise};
        fixture_run(&f, &s);
        ck_assert_int_eq(runs_of(&f.res, MODE_THREADS, 2, false), 1);
        ck_assert_int_eq(max_workers(&f.res, MODE_THREADS), 2);
        bool said = false; /* the plan says why the sweep stopped */
        for (int i = 0; i < f.res.nplan; i++)
            said = said || (f.res.plan[i].action == PLAN_STOPPED &&
                            f.res.plan[i].mode == MODE_THREADS &&
                            strstr(f.res.plan[i].why, "not safe for this job"));
        ck_assert_msg(said, "raise %d: no plan entry says threads are not safe", raise);
        advise(&f.res);
        const config_summary *t = results_find_summary(&f.res, MODE_THREADS, 2);
        ck_assert(t->unsafe);
        ck_assert_int_eq(t->results_differ, raise ? t->results_compared
                                                  : t->results_compared / 2);
        ck_assert_int_eq(t->results_raised, raise ? t->results_compared : 0);
        ck_assert(!results_find_summary(&f.res, MODE_PROCESSES, 2)->unsafe);
        ck_assert(f.res.recommendation.made);
        ck_assert_int_eq(f.res.recommendation.choice.mode, MODE_PROCESSES);
        results_free(&f.res);
    }
}
END_TEST

Suite *measure_suite(void)
{
    Suite *s = suite_create("measure");
    TCase *tc = tcase_create("strategy");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_strategy_always_ends);
    tcase_add_test(tc, test_every_run_failing_tries_each_configuration_once);
    tcase_add_test(tc, test_some_tasks_raising_is_measured_like_success);
    tcase_add_test(tc, test_fixed_repeat_is_exact);
    tcase_add_test(tc, test_fixed_plan_in_rounds);
    tcase_add_test(tc, test_run_ceiling);
    tcase_add_test(tc, test_long_program_is_pruned);
    tcase_add_test(tc, test_sweep_waits_on_noise);
    tcase_add_loop_test(tc, test_sweep_rules, 0, (int)(sizeof(sweeps) / sizeof(sweeps[0])));
    tcase_add_test(tc, test_repeat_rules);
    tcase_add_test(tc, test_start_method_followup);
    tcase_add_test(tc, test_native_limit_followup);
    tcase_add_test(tc, test_pure_python_gets_no_native_followup);
    tcase_add_test(tc, test_drift_moves_every_configuration_alike);
    tcase_add_test(tc, test_steady_host_finds_no_drift);
    tcase_add_test(tc, test_budget_rule);
    tcase_add_test(tc, test_hang_limit);
    tcase_add_test(tc, test_hanging_threads_cost_one_run);
    tcase_add_test(tc, test_differing_threads_stop_the_mode);
    suite_add_tcase(s, tc);
    return s;
}
