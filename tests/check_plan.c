/* check_plan.c - which configurations a run measures, and when a sweep goes past the cores. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "check_concur.h"
#include "concur/plan.h"

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
        snprintf(one, sizeof(one), "%s%s:%d", i ? " " : "", plan_mode_name(p.configs[i].mode),
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
    ck_assert_int_eq(plan_parse_modes("threads,processes", &m, err, sizeof(err)), 0);
    ck_assert_uint_eq(m, MODE_BIT(MODE_THREADS) | MODE_BIT(MODE_PROCESSES));
    ck_assert_int_eq(plan_parse_modes("single", &m, err, sizeof(err)), 0);
    ck_assert_uint_eq(m, MODE_BIT(MODE_SINGLE));
    ck_assert_int_eq(plan_parse_modes("threads,asyncio", &m, err, sizeof(err)), -1);
    ck_assert_ptr_nonnull(strstr(err, "asyncio"));
    ck_assert_int_eq(plan_parse_modes("", &m, err, sizeof(err)), -1);
    ck_assert_int_eq(plan_parse_modes(",", &m, err, sizeof(err)), -1);
}
END_TEST

/* Rows: speedups at the last two counts, the last one's lower bound and CPU utilization -> next
 * count or 0. */
static const struct {
    bool sweep;
    int last;
    double prev, cur, cur_low, util;
    int expected;
} extend_cases[] = {
    {true, 2, 1.9, 3.8, 3.6, 0.05, 4},     /* I/O-bound threads still doubling: go on */
    {true, 2, 0.9, 1.9, 1.8, 0.97, 0},     /* CPU-bound processes: cores saturated, stop */
    {true, 2, 0.9, 1.9, 1.8, NAN, 0},      /* utilization unknown: no evidence of waiting */
    {true, 4, 3.8, 4.0, 3.9, 0.05, 0},     /* flat: gained 5 %, under the 10 % step */
    {true, 4, 3.8, 4.5, 3.7, 0.05, 0},     /* gained on the median but within its own noise */
    {true, 2, 1.0, 0.9, 0.8, 0.5, 0},      /* GIL-bound: slower, stop */
    {true, 2, NAN, 2.0, 1.9, 0.05, 0},     /* unmeasured step never extends */
    {false, 2, 1.9, 3.8, 3.6, 0.05, 0},    /* counts given by the user: never extended */
    {true, 64, 30.0, 60.0, 55.0, 0.05, 0}, /* cap: 32 per core on 2 cores */
};

START_TEST(test_extend_table)
{
    plan p;
    memset(&p, 0, sizeof(p));
    p.sweep = extend_cases[_i].sweep;
    p.cores = 2;
    int next = plan_extend(&p, extend_cases[_i].last, extend_cases[_i].prev,
                           extend_cases[_i].cur, extend_cases[_i].cur_low, extend_cases[_i].util);
    ck_assert_int_eq(next, extend_cases[_i].expected);
}
END_TEST

Suite *plan_suite(void)
{
    Suite *s = suite_create("plan");
    TCase *tc = tcase_create("build");
    tcase_add_loop_test(tc, test_build_table, 0, sizeof(build_cases) / sizeof(build_cases[0]));
    tcase_add_test(tc, test_build_rejects);
    tcase_add_test(tc, test_parse_modes);
    suite_add_tcase(s, tc);
    tc = tcase_create("extend");
    tcase_add_loop_test(tc, test_extend_table, 0, sizeof(extend_cases) / sizeof(extend_cases[0]));
    suite_add_tcase(s, tc);
    return s;
}
