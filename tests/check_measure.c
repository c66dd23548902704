/* check_measure.c - the measuring strategy driven by synthetic runs: no interpreter, no process,
 * milliseconds per test. A run is made by a function of this file that answers as a job of a
 * known shape would, failing as it is told to. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_concur.h"
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

Suite *measure_suite(void)
{
    Suite *s = suite_create("measure");
    TCase *tc = tcase_create("strategy");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_strategy_always_ends);
    tcase_add_test(tc, test_every_run_failing_tries_each_configuration_once);
    tcase_add_test(tc, test_some_tasks_raising_is_measured_like_success);
    tcase_add_test(tc, test_fixed_repeat_is_exact);
    tcase_add_test(tc, test_run_ceiling);
    suite_add_tcase(s, tc);
    return s;
}
