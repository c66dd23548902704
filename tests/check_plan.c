/* check_plan.c - which configurations a run measures, and when a sweep goes past the cores. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "check_concur.h"
#include "concur/plan.h"
#include "concur/stats.h"

#define ALL (MODE_BIT(MODE_SINGLE) | MODE_BIT(MODE_THREADS) | MODE_BIT(MODE_PROCESSES))

static const struct {
    unsigned modes;
    int workers[4];
    int nworkers;
    int cores;
    const char *expected; /* "mode:workers" joined by spaces */
} build_cases[] = {
    {ALL, {0}, 0, 2, "single:1 threads:1 threads:2 processes:1 processes:2"},
    {ALL, {0}, 0, 6, "single:1 threads:1 threads:2 threads:4 threads:6 processes:1 processes:2 "
                     "processes:4 processes:6"},
    {ALL, {0}, 0, 1, "single:1 threads:1 processes:1"},
    {MODE_BIT(MODE_THREADS), {2, 4, 8}, 3, 2, "single:1 threads:2 threads:4 threads:8"},
    {MODE_BIT(MODE_PROCESSES), {4, 4, 2}, 3, 2, "single:1 processes:4 processes:2"},
    {MODE_BIT(MODE_SINGLE), {0}, 0, 8, "single:1"},
};

START_TEST(test_build_table)
{
    plan_request req = {.modes = build_cases[_i].modes, .nworkers = build_cases[_i].nworkers,
                        .repeat = 3, .cores = build_cases[_i].cores};
    memcpy(req.workers, build_cases[_i].workers, sizeof(build_cases[_i].workers));
    plan p;
    char err[128];
    ck_assert_int_eq(plan_build(&req, &p, err, sizeof(err)), 0);
    char got[512] = "";
    for (int i = 0; i < p.n; i++) {
        char one[32];
        snprintf(one, sizeof(one), "%s%s:%d", i ? " " : "", mode_name(p.configs[i].mode),
                 p.configs[i].workers);
        strcat(got, one);
    }
    ck_assert_str_eq(got, build_cases[_i].expected);
    ck_assert_int_eq(p.repeat, 3);
    ck_assert_int_eq(p.sweep, build_cases[_i].nworkers == 0);
}
END_TEST

START_TEST(test_build_rejects)
{
    plan p;
    char err[128] = "";
    plan_request bad_repeat = {.modes = ALL, .repeat = 0, .cores = 2};
    ck_assert_int_eq(plan_build(&bad_repeat, &p, err, sizeof(err)), -1);
    ck_assert_ptr_nonnull(strstr(err, "repeat"));
    plan_request bad_workers = {.modes = ALL, .repeat = 1, .cores = 2, .nworkers = 1,
                                .workers = {PLAN_WORKER_CAP + 1}};
    ck_assert_int_eq(plan_build(&bad_workers, &p, err, sizeof(err)), -1);
    ck_assert_ptr_nonnull(strstr(err, "out of range"));
    plan_request no_modes = {.modes = 0, .repeat = 1, .cores = 2};
    ck_assert_int_eq(plan_build(&no_modes, &p, err, sizeof(err)), -1);
}
END_TEST

START_TEST(test_parse_modes)
{
    unsigned m;
    char err[128];
    ck_assert_int_eq(mode_parse_list("threads,processes", &m, err, sizeof(err)), 0);
    ck_assert_uint_eq(m, MODE_BIT(MODE_THREADS) | MODE_BIT(MODE_PROCESSES));
    ck_assert_int_eq(mode_parse_list("single", &m, err, sizeof(err)), 0);
    ck_assert_uint_eq(m, MODE_BIT(MODE_SINGLE));
    ck_assert_int_eq(mode_parse_list("threads,asyncio", &m, err, sizeof(err)), 0);
    ck_assert_uint_eq(m, MODE_BIT(MODE_THREADS) | MODE_BIT(MODE_ASYNCIO));
    ck_assert_int_eq(mode_parse_list("threads,trio", &m, err, sizeof(err)), -1);
    ck_assert_ptr_nonnull(strstr(err, "trio"));
    ck_assert_ptr_nonnull(strstr(err, "asyncio")); /* the names that would do */
    ck_assert_int_eq(mode_parse_list("", &m, err, sizeof(err)), -1);
    ck_assert_int_eq(mode_parse_list(",", &m, err, sizeof(err)), -1);
}
END_TEST

/* The stopping rule for repeats: rows of (runs, precision reached, contended) -> verdict, with
 * the default rule (at least 3 runs, +-5 %, at most 6). */
static const struct {
    int n;
    double precision;
    bool contended;
    plan_repeat_verdict expected;
} repeat_cases[] = {
    {1, INFINITY, true, PLAN_REPEAT_MORE},     /* below the minimum: always more */
    {2, 0.01, false, PLAN_REPEAT_MORE},        /* even when already precise */
    {3, 0.02, true, PLAN_REPEAT_PRECISE},      /* a flat, quiet configuration stops at 3 */
    {3, 0.05, true, PLAN_REPEAT_PRECISE},      /* exactly the precision asked */
    {3, 0.10, true, PLAN_REPEAT_MORE},         /* a noisy one the choice turns on repeats */
    {4, 0.07, true, PLAN_REPEAT_MORE},
    {5, 0.055, true, PLAN_REPEAT_MORE},
    {6, 0.12, true, PLAN_REPEAT_CAP},          /* ... up to the cap */
    {3, 0.30, true, PLAN_REPEAT_OUT_OF_REACH}, /* so noisy that 6 runs would leave +-12 % */
    {5, 0.12, true, PLAN_REPEAT_OUT_OF_REACH}, /* one run more cannot halve it */
    {3, 0.30, false, PLAN_REPEAT_DECIDED},     /* noisy, but no decision turns on it */
    {4, NAN, true, PLAN_REPEAT_MORE},          /* precision unknown is not precise */
};

START_TEST(test_repeat_table)
{
    plan_repeat_rule rule = {PLAN_MIN_RUNS, PLAN_DEFAULT_MAX_RUNS, PLAN_DEFAULT_PRECISION};
    ck_assert_int_eq(plan_repeat_next(&rule, repeat_cases[_i].n, repeat_cases[_i].precision,
                                      repeat_cases[_i].contended),
                     repeat_cases[_i].expected);
}
END_TEST

/* The prediction against the interval stats computes: 3 runs at log-sd a, and 5 runs at the same
 * log-sd, give the precisions plan_repeat_predict relates. */
START_TEST(test_repeat_predict_matches_stats)
{
    double a = 0.08;
    double three[3] = {exp(-a), 1.0, exp(a)};                             /* log-sd a */
    double five[5] = {exp(-a), exp(-a), 1.0, exp(a), exp(a)};              /* log-sd a too */
    double p3 = stats_median_precision(three, 3);
    double p5 = stats_median_precision(five, 5);
    ck_assert(p5 < p3);
    ck_assert_double_eq_tol(plan_repeat_predict(3, p3, 5), p5, 1e-9);
    /* m <= n or too few runs: nothing to predict */
    ck_assert_double_eq_tol(plan_repeat_predict(3, p3, 3), p3, 1e-12);
    ck_assert_double_eq_tol(plan_repeat_predict(1, 0.3, 6), 0.3, 1e-12);
}
END_TEST

START_TEST(test_repeat_needed)
{
    ck_assert_int_eq(plan_repeat_needed(3, 0.02, 0.05), 3); /* there already */
    int m = plan_repeat_needed(3, 0.30, 0.05);
    ck_assert_int_gt(m, PLAN_DEFAULT_MAX_RUNS);
    ck_assert(plan_repeat_predict(3, 0.30, m) <= 0.05);
    ck_assert(plan_repeat_predict(3, 0.30, m - 1) > 0.05);
    ck_assert_int_eq(plan_repeat_needed(1, 0.30, 0.05), 0);     /* one run shows no noise */
    ck_assert_int_eq(plan_repeat_needed(3, 50.0, 0.0001), 0);   /* beyond any sane count */
}
END_TEST

START_TEST(test_repeat_fixed)
{
    /* precision 0: exactly min_runs, whatever the noise */
    plan_repeat_rule rule = {2, 2, 0.0};
    ck_assert_int_eq(plan_repeat_next(&rule, 1, 0.5, true), PLAN_REPEAT_MORE);
    ck_assert_int_eq(plan_repeat_next(&rule, 2, 0.5, true), PLAN_REPEAT_DECIDED);
}
END_TEST

/* The pruned sweep on 2 cores and 64 tasks: the step just measured -> the next count or 0, and a
 * word the reason must hold. */
static const struct {
    run_mode mode;
    int workers;
    double speedup, low, prev, util, threads; /* low: the step's gain_low */
    int cores, tasks;
    int expected;
    const char *why;
    double running, gil; /* threads: sampled on a CPU, waiting for the GIL (0 0: not sampled) */
    double high, waits;  /* the step's gain_high; its workers' wait share (0: none) */
} grow_cases[] = {
    /* GIL-bound threads: 2 gain nothing over single, stop at 2 */
    {MODE_THREADS, 2, 1.01, 0.90, 1.00, 0.50, NAN, 2, 64, 0, "no gain"},
    /* a rising curve goes on; I/O-bound threads past the core count while they wait and gain */
    {MODE_THREADS, 2, 1.95, 1.70, 1.00, 0.05, NAN, 2, 64, 4, "trying 4"},
    {MODE_THREADS, 8, 7.50, 1.60, 3.90, 0.05, NAN, 2, 64, 16, "wait"},
    /* a flat curve stops: 5 % more is under the 10 % a step needs */
    {MODE_THREADS, 16, 8.10, 1.02, 7.70, 0.05, NAN, 2, 64, 0, "no gain"},
    /* gained on the median but within the noise of the two steps' runs */
    {MODE_THREADS, 4, 3.80, 0.95, 1.90, 0.05, NAN, 2, 64, 0, "no gain"},
    /* a step's gain unknown (fewer than 2 runs a side) never grows the sweep */
    {MODE_THREADS, 4, 3.80, NAN, 1.90, 0.05, NAN, 2, 64, 0, "no gain"},
    /* CPU-bound processes stop at the core count */
    {MODE_PROCESSES, 2, 1.95, 1.70, 1.00, 0.97, 1.00, 2, 64, 0, "cores are busy"},
    /* ... unless the work waits */
    {MODE_PROCESSES, 2, 1.95, 1.70, 1.00, 0.40, 1.00, 2, 64, 4, "trying 4"},
    /* a process pool no faster than the thread pool of its size stops growing */
    {MODE_PROCESSES, 4, 3.60, 1.60, 1.90, 0.10, 3.70, 2, 64, 0, "no faster than threads"},
    {MODE_PROCESSES, 2, 1.50, 1.20, 1.00, 0.50, 1.43, 2, 64, 0, "no faster than threads"},
    /* ... judged on the medians: a noisy 1.43x thread pool does not stop a 2.72x process pool */
    {MODE_PROCESSES, 2, 2.72, 1.20, 1.00, 0.50, 1.43, 2, 64, 4, "trying 4"},
    /* on 6 cores the sweep lands on 6 after 4 */
    {MODE_PROCESSES, 4, 3.80, 1.80, 1.95, 0.97, NAN, 6, 64, 6, "trying 6"},
    /* never more workers than tasks, nor past 32 per core */
    {MODE_THREADS, 32, 30.0, 1.80, 15.0, 0.02, NAN, 2, 40, 0, "more than the 40 tasks"},
    {MODE_THREADS, 64, 60.0, 1.80, 30.0, 0.02, NAN, 2, 1000, 0, "per core"},
    /* threads that hold the GIL between them all the time and wait for it longer than they run
     * (1.5x at 4 threads on a job one third waiting): the GIL is busy */
    {MODE_THREADS, 4, 1.49, 1.05, 1.24, 0.24, NAN, 2, 40, 0, "the GIL is busy", 0.24, 0.54},
    /* ... at 2 threads, waiting less than they run: another may still overlap a wait */
    {MODE_THREADS, 2, 1.40, 1.20, 1.00, 0.42, NAN, 2, 40, 4, "trying 4", 0.42, 0.33},
    /* ... and threads on a CPU a fraction of the time between them wait for I/O, not the GIL */
    {MODE_THREADS, 8, 7.50, 1.60, 3.90, 0.05, NAN, 2, 64, 16, "wait", 0.04, 0.06},
    /* GIL waits not told apart: the rule cannot apply */
    {MODE_THREADS, 4, 1.49, 1.05, 1.24, 0.24, NAN, 2, 40, 8, "trying 8", 0.24, NAN},
    /* no speedup: nothing to judge */
    {MODE_THREADS, 2, NAN, NAN, 1.00, 0.5, NAN, 2, 64, 0, "no speedup"},
    /* a pool that waits on storage 46 % of the time, its step unsettled on noise (0.88x after
     * 1.00x, the gain anywhere in 0.60-1.30x): the next count is measured before deciding */
    {MODE_THREADS, 2, 0.88, 0.60, 1.00, 0.10, NAN, 2, 256, 4, "trying 4 before deciding", 0, 0,
     1.30, 0.46},
    {MODE_THREADS, 4, 1.70, 0.80, 0.88, 0.08, NAN, 2, 256, 8, "wait 46 %", 0, 0, 1.90, 0.46},
    {MODE_PROCESSES, 2, 0.95, 0.70, 1.00, 0.10, NAN, 2, 256, 4, "unsettled on noise", 0, 0,
     1.40, 0.50},
    /* ... not when its workers wait little */
    {MODE_THREADS, 2, 0.88, 0.60, 1.00, 0.10, NAN, 2, 256, 0, "no gain", 0, 0, 1.30, 0.20},
    /* ... but not shown to lose, it goes on */
    {MODE_THREADS, 2, 0.95, 0.85, 1.00, 0.10, NAN, 2, 256, 4, "trying 4", 0, 0, 1.05, 0.46},
    /* ... nor when the step loses beyond its noise */
    {MODE_THREADS, 2, 0.80, 0.70, 1.00, 0.10, NAN, 2, 256, 0, "no gain", 0, 0, 0.95, 0.46},
    {MODE_THREADS, 2, 0.90, 0.80, 1.00, 0.10, NAN, 2, 256, 0, "no gain", 0, 0, 1.00, 0.46},
    /* ... nor when the waits were not sampled, or the gain is unknown */
    {MODE_THREADS, 2, 0.88, 0.60, 1.00, 0.10, NAN, 2, 256, 0, "no gain", 0, 0, 1.30, NAN},
    {MODE_THREADS, 2, 0.88, NAN, 1.00, 0.10, NAN, 2, 256, 0, "no gain", 0, 0, NAN, 0.46},
    /* ... and the other limits still hold: no more workers than tasks */
    {MODE_THREADS, 4, 0.95, 0.60, 1.00, 0.10, NAN, 2, 6, 0, "more than the 6 tasks", 0, 0, 1.40,
     0.46},
};

/* Whether a step needs more runs before the sweep decides: gained by the medians, not yet beyond
 * the noise. */
START_TEST(test_step_unsettled)
{
    plan_step s = {.mode = MODE_THREADS, .workers = 8, .speedup = 5.70, .prev_speedup = 3.25,
                   .gain_low = 0.60, .cpu_utilization = 0.05, .threads_speedup = NAN,
                   .cores = 2, .tasks = 40};
    ck_assert(plan_step_unsettled(&s)); /* 1.75x by the medians, a stalled run in the way */
    char why[PLAN_WHY_LEN];
    ck_assert_int_eq(plan_grow(&s, why, sizeof(why)), 0); /* as it stands, the sweep would stop */
    s.gain_low = 1.30;
    ck_assert(!plan_step_unsettled(&s)); /* settled: it gains */
    ck_assert_int_eq(plan_grow(&s, why, sizeof(why)), 16);
    s.gain_low = NAN;
    ck_assert(plan_step_unsettled(&s)); /* unknown yet */
    s.speedup = 3.40; /* 5 % over the last: settled, no gain worth a step */
    s.gain_low = 0.90;
    ck_assert(!plan_step_unsettled(&s));
    s.speedup = NAN;
    ck_assert(!plan_step_unsettled(&s));
}
END_TEST

START_TEST(test_grow_table)
{
    plan_step s = {.mode = grow_cases[_i].mode, .workers = grow_cases[_i].workers,
                   .speedup = grow_cases[_i].speedup, .gain_low = grow_cases[_i].low,
                   .prev_speedup = grow_cases[_i].prev, .cpu_utilization = grow_cases[_i].util,
                   .threads_speedup = grow_cases[_i].threads,
                   .running_fraction = grow_cases[_i].running,
                   .gil_wait_fraction = grow_cases[_i].gil,
                   .gain_high = grow_cases[_i].high, .wait_fraction = grow_cases[_i].waits,
                   .cores = grow_cases[_i].cores, .tasks = grow_cases[_i].tasks};
    char why[PLAN_WHY_LEN] = "";
    int next = plan_grow(&s, why, sizeof(why));
    ck_assert_msg(next == grow_cases[_i].expected, "next %d, expected %d (%s)", next,
                  grow_cases[_i].expected, why);
    ck_assert_msg(strstr(why, grow_cases[_i].why), "'%s' lacks '%s'", why, grow_cases[_i].why);
}
END_TEST

/* Samples: (tasks, pass, workers, --sample) -> tasks per run. */
static const struct {
    int tasks;
    double pass_s;
    int workers, requested;
    int expected;
} sample_cases[] = {
    {40, 0.30, 1, 0, 40},     /* a short pass is measured whole */
    {40, NAN, 2, 0, 40},      /* pass unknown: whole */
    {40, 1.00, 1, 0, 4},      /* 0.1 s of a 1 s pass */
    {40, 1.00, 4, 0, 8},      /* 2 tasks per worker */
    {40, 0.50, 1, 0, 8},      /* 0.1 s of a 0.5 s pass */
    {40, 1.00, 32, 0, 40},    /* never more than the job has */
    {30000, 1.0, 2, 0, 3000}, /* tiny tasks: 0.1 s of them */
    {40, 100.0, 1, 0, 4},     /* a long job: the minimum */
    {40, 1.00, 1, -1, 40},    /* --sample all */
    {40, 0.10, 1, 10, 10},    /* --sample 10, even of a short pass */
    {40, 1.00, 8, 10, 16},    /* ... still 2 per worker */
    {40, 0.90, 2, 0, 6},      /* 5 tasks' worth on 2 workers: 3 whole rounds, not 2.5 */
    {40, 1.00, 3, 0, 6},      /* 2 per worker is whole rounds already */
    {64, 0.50, 4, 0, 16},     /* 13 tasks' worth on 4 workers: 4 rounds */
    {40, 0.90, 3, 10, 10},    /* --sample 10 is taken as asked */
    {50, 0.50, 4, 0, 12},     /* 10 tasks' worth on 4 workers: 3 rounds */
    {7, 5.00, 4, 0, 7},       /* rounding never passes the job */
};

START_TEST(test_sample_table)
{
    ck_assert_int_eq(plan_sample_tasks(sample_cases[_i].tasks, sample_cases[_i].pass_s,
                                       sample_cases[_i].workers, sample_cases[_i].requested),
                     sample_cases[_i].expected);
}
END_TEST

START_TEST(test_sample_error_and_shrink)
{
    /* the whole job carries no sampling error; a sample's shrinks as it grows */
    ck_assert_double_eq(plan_sample_se(40, 40, 0.3), 0.0);
    double se8 = plan_sample_se(8, 40, 0.3), se20 = plan_sample_se(20, 40, 0.3);
    ck_assert_double_eq_tol(se8, 0.3 / sqrt(8.0) * sqrt(1 - 8.0 / 40), 1e-12);
    ck_assert(se20 < se8);
    ck_assert_double_eq(plan_sample_se(8, 40, 0.0), 0.0); /* equal tasks: any sample is exact */
    /* a run of 1000 tasks that took 2 s (0.2 s was the limit): about 0.1 s of them next */
    ck_assert_int_eq(plan_sample_shrink(1000, 2.0, 2), 50);
    ck_assert_int_eq(plan_sample_shrink(1000, 0.15, 2), 0); /* not slow */
    ck_assert_int_eq(plan_sample_shrink(10, 5.0, 2), 4);    /* never below the minimum */
    ck_assert_int_eq(plan_sample_shrink(40, 5.0, 8), 16);   /* nor 2 per worker */
    ck_assert_int_eq(plan_sample_shrink(4, 5.0, 2), 0);     /* nothing left to shrink */
    ck_assert_int_eq(plan_sample_shrink(1000, 2.0, 4), 52); /* 50 is 12.5 rounds of 4: 13 */
    ck_assert_int_eq(plan_sample_shrink(200, 2.0, 3), 12);  /* 10 is 3.3 rounds of 3: 4 */
}
END_TEST

START_TEST(test_action_names)
{
    for (int a = PLAN_RAN; a <= PLAN_BUDGET; a++) {
        plan_action back;
        ck_assert_int_eq(plan_parse_action(plan_action_name((plan_action)a), &back), 0);
        ck_assert_int_eq(back, a);
    }
    plan_action x;
    ck_assert_int_eq(plan_parse_action("maybe", &x), -1);
}
END_TEST

/* single's first run against the warm-up's estimate of a pass: re-estimated only when far off. */
static const struct {
    int tasks, run_tasks;
    double wall;
    bool again;
} pass_cases[] = {
    {1000, 40, 0.10, false},  /* the 40-task sample took the 0.1 s it was sized for */
    {1000, 40, 0.30, true},   /* three times slower: a smaller sample */
    {1000, 40, 0.02, true},   /* five times faster: a larger one */
    {1000, 40, 0.12, false},  /* within 1.5x */
    {40, 40, 0.05, false},    /* the whole job, short: no sample either way */
    {1000, 0, 0.10, false},   /* nothing to go by */
    {1000, 40, 0.0, false},
};

START_TEST(test_pass_reestimate)
{
    double pass = -1;
    int k = -1;
    bool again = plan_pass_reestimate(pass_cases[_i].tasks, pass_cases[_i].run_tasks,
                                      pass_cases[_i].wall, 0, &pass, &k);
    ck_assert_int_eq(again, pass_cases[_i].again);
    if (!again) {
        ck_assert_double_eq(pass, -1);
        return;
    }
    ck_assert_double_eq_tol(pass, pass_cases[_i].wall * pass_cases[_i].tasks /
                                      pass_cases[_i].run_tasks, 1e-12);
    ck_assert_int_eq(k, plan_sample_tasks(pass_cases[_i].tasks, pass, 1, 0));
}
END_TEST

/* The mode table: every row named and parsed back, cost ranks in order, and the properties code
 * asks instead of the mode agreeing with each other. */
START_TEST(test_mode_table)
{
    for (int m = 0; m < MODE_COUNT; m++) {
        const mode_info *mi = mode_get((run_mode)m);
        run_mode back;
        ck_assert_int_eq(mode_parse(mi->name, &back), 0);
        ck_assert_int_eq(back, m);
        ck_assert_str_eq(mode_name((run_mode)m), mi->name);
        ck_assert_ptr_nonnull(mi->title);
        ck_assert(!(mi->pickles && mi->shares_memory));
        /* The harness's own thread runs the tasks exactly where the run has one thread. */
        ck_assert_int_eq(mi->placement == PLACE_HARNESS, mode_threads((run_mode)m, 4) == 1);
        ck_assert(!mi->coroutines || (mi->pool && mi->shares_memory));
        for (int k = 0; k < m; k++)
            ck_assert_int_ne(mode_get((run_mode)k)->cost_rank, mi->cost_rank);
    }
    /* single < asyncio < threads < processes < a Dask cluster, in memory and start-up. */
    const run_mode by_cost[] = {MODE_SINGLE, MODE_ASYNCIO, MODE_THREADS, MODE_PROCESSES,
                                MODE_DASK};
    for (int i = 1; i < MODE_COUNT; i++)
        ck_assert_int_lt(mode_get(by_cost[i - 1])->cost_rank, mode_get(by_cost[i])->cost_rank);
    char text[32];
    ck_assert_str_eq(mode_workers_text(MODE_ASYNCIO, 64, text, sizeof(text)), "concurrency 64");
    ck_assert_str_eq(mode_workers_text(MODE_THREADS, 1, text, sizeof(text)), "1 worker");
    ck_assert_str_eq(mode_name((run_mode)MODE_COUNT), "?");
    run_mode x;
    ck_assert_int_eq(mode_parse("asyncio?", &x), -1);
}
END_TEST

Suite *plan_suite(void)
{
    Suite *s = suite_create("plan");
    TCase *tc = tcase_create("build");
    tcase_add_loop_test(tc, test_build_table, 0, sizeof(build_cases) / sizeof(build_cases[0]));
    tcase_add_test(tc, test_build_rejects);
    tcase_add_test(tc, test_parse_modes);
    tcase_add_test(tc, test_mode_table);
    suite_add_tcase(s, tc);
    tc = tcase_create("stopping");
    tcase_add_loop_test(tc, test_repeat_table, 0, sizeof(repeat_cases) / sizeof(repeat_cases[0]));
    tcase_add_test(tc, test_repeat_fixed);
    tcase_add_test(tc, test_repeat_predict_matches_stats);
    tcase_add_test(tc, test_repeat_needed);
    tcase_add_loop_test(tc, test_grow_table, 0, sizeof(grow_cases) / sizeof(grow_cases[0]));
    tcase_add_test(tc, test_step_unsettled);
    tcase_add_loop_test(tc, test_sample_table, 0, sizeof(sample_cases) / sizeof(sample_cases[0]));
    tcase_add_test(tc, test_sample_error_and_shrink);
    tcase_add_loop_test(tc, test_pass_reestimate, 0, sizeof(pass_cases) / sizeof(pass_cases[0]));
    tcase_add_test(tc, test_action_names);
    suite_add_tcase(s, tc);
    return s;
}
