/* check_stats.c - medians, percentiles and median intervals against values worked out by hand. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "check_concur.h"
#include "concur/stats.h"
#include "concur/util.h"

#define EPS 1e-9
#define MAXN 32

/* NumPy's default (linear) percentile: the value at rank (n - 1) * p / 100 of the sorted sample. */
static const struct {
    int n;
    double x[MAXN];
    double p;
    double want;
} percentile_cases[] = {
    {4, {1, 2, 3, 4}, 50, 2.5},
    {4, {1, 2, 3, 4}, 95, 3.85},
    {4, {1, 2, 3, 4}, 25, 1.75},
    {4, {1, 2, 3, 4}, 0, 1},
    {4, {1, 2, 3, 4}, 100, 4},
    {5, {15, 20, 35, 40, 50}, 40, 29},
    {5, {15, 20, 35, 40, 50}, 50, 35},
    {5, {15, 20, 35, 40, 50}, 95, 48},
    {6, {10, 7, 4, 3, 2, 1}, 50, 3.5},     /* unsorted input */
    {6, {10, 7, 4, 3, 2, 1}, 90, 8.5},
    {6, {10, 7, 4, 3, 2, 1}, 95, 9.25},
    {10, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 95, 9.55},
    {10, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 10, 1.9},
    {4, {-3, -3, 0, 2}, 50, -1.5},         /* negatives and ties */
    {4, {-3, -3, 0, 2}, 75, 0.5},
    {1, {5}, 37, 5},
    {3, {1, 2, 3}, -5, 1},                 /* p is clamped to [0, 100] */
    {3, {1, 2, 3}, 150, 3},
};

START_TEST(test_percentile)
{
    for (size_t i = 0; i < ARRAY_LEN(percentile_cases); i++) {
        double got = stats_percentile(percentile_cases[i].x, percentile_cases[i].n, percentile_cases[i].p);
        ck_assert_msg(fabs(got - percentile_cases[i].want) < EPS, "case %zu: p%g = %.17g, want %.17g", i,
                      percentile_cases[i].p, got, percentile_cases[i].want);
    }
}
END_TEST

START_TEST(test_percentile_does_not_modify_input)
{
    double x[] = {3, 1, 2};
    ck_assert_double_eq_tol(stats_median(x, 3), 2.0, EPS);
    ck_assert(x[0] == 3 && x[1] == 1 && x[2] == 2);
}
END_TEST

START_TEST(test_empty)
{
    ck_assert(isnan(stats_percentile(NULL, 0, 50)));
    ck_assert(isnan(stats_median(NULL, 0)));
    double x[] = {1, 2};
    ck_assert(isnan(stats_percentile(x, 2, NAN)));

    stats_summary s;
    stats_summarize(NULL, 0, &s);
    ck_assert_int_eq(s.n, 0);
    ck_assert(isnan(s.min) && isnan(s.median) && isnan(s.p95) && isnan(s.max) && isnan(s.mean));
}
END_TEST

static const struct {
    int n;
    double x[MAXN];
    stats_summary want;
} summary_cases[] = {
    {5, {3, 1, 2, 5, 4}, {5, 1, 3, 4.8, 5, 3}},
    {1, {0.25}, {1, 0.25, 0.25, 0.25, 0.25, 0.25}},
    {4, {1, 2, 3, 4}, {4, 1, 2.5, 3.85, 4, 2.5}},
    {6, {10, 7, 4, 3, 2, 1}, {6, 1, 3.5, 9.25, 10, 4.5}},
};

START_TEST(test_summarize)
{
    for (size_t i = 0; i < ARRAY_LEN(summary_cases); i++) {
        stats_summary s;
        const stats_summary *w = &summary_cases[i].want;
        stats_summarize(summary_cases[i].x, summary_cases[i].n, &s);
        ck_assert_int_eq(s.n, w->n);
        ck_assert_msg(fabs(s.min - w->min) < EPS, "case %zu min", i);
        ck_assert_msg(fabs(s.median - w->median) < EPS, "case %zu median", i);
        ck_assert_msg(fabs(s.p95 - w->p95) < EPS, "case %zu p95 %.17g", i, s.p95);
        ck_assert_msg(fabs(s.max - w->max) < EPS, "case %zu max", i);
        ck_assert_msg(fabs(s.mean - w->mean) < EPS, "case %zu mean", i);
    }
}
END_TEST

/* Expected intervals: n >= 6 from the binomial(n, 1/2) ranks (n = 10: x(2)..x(9), coverage
 * 1 - 2 * 11/1024 = 97.9 %; n = 6: x(1)..x(6), 96.9 %; n = 20: x(6)..x(15), 95.9 %). n = 2..5:
 * on the log scale, median * exp(-/+ t(0.975, n-1) * sqrt(pi/2) * s_log / sqrt(n)), and on the
 * linear scale when a value is not positive; worked out separately. */
static const struct {
    int n;
    double x[MAXN];
    stats_ci_method method;
    double lo, hi;
} ci_cases[] = {
    {1, {7}, STATS_CI_SINGLE, 7, 7},
    {2, {1, 3}, STATS_CI_LOG_NORMAL, 0.00031767567802912016, 12591.45813370495},
    {3, {4, 1, 2}, STATS_CI_LOG_NORMAL, 0.23110094861032576, 17.3084534012219},
    {5, {14, 10, 12, 11, 13}, STATS_CI_LOG_NORMAL, 9.756797736428148, 14.758940780575898},
    {3, {4, 0, 2}, STATS_CI_NORMAL, -4.226809826350535, 8.226809826350536},
    {6, {6, 1, 5, 2, 4, 3}, STATS_CI_ORDER, 1, 6},
    {7, {7, 1, 6, 2, 5, 3, 4}, STATS_CI_ORDER, 1, 7},
    {9, {9, 1, 8, 2, 7, 3, 6, 4, 5}, STATS_CI_ORDER, 2, 8},
    {10, {10, 3, 1, 9, 2, 8, 4, 7, 5, 6}, STATS_CI_ORDER, 2, 9},
    {20, {20, 1, 19, 2, 18, 3, 17, 4, 16, 5, 15, 6, 14, 7, 13, 8, 12, 9, 11, 10}, STATS_CI_ORDER, 6, 15},
};

START_TEST(test_median_ci)
{
    for (size_t i = 0; i < ARRAY_LEN(ci_cases); i++) {
        double lo = 0, hi = 0;
        stats_ci_method m = stats_median_ci(ci_cases[i].x, ci_cases[i].n, &lo, &hi);
        ck_assert_msg(m == ci_cases[i].method, "n=%d: method %s, want %s", ci_cases[i].n,
                      stats_ci_method_name(m), stats_ci_method_name(ci_cases[i].method));
        ck_assert_msg(fabs(lo - ci_cases[i].lo) < 1e-6 * fmax(1.0, fabs(ci_cases[i].lo)) &&
                          fabs(hi - ci_cases[i].hi) < 1e-6 * fmax(1.0, fabs(ci_cases[i].hi)),
                      "n=%d: [%.17g, %.17g], want [%.17g, %.17g]", ci_cases[i].n, lo, hi, ci_cases[i].lo,
                      ci_cases[i].hi);
    }
    double lo = 0, hi = 0;
    ck_assert(stats_median_ci(NULL, 0, &lo, &hi) == STATS_CI_NONE);
    ck_assert(isnan(lo) && isnan(hi));
}
END_TEST

/* Large samples: ranks from the exact binomial sums, and no underflow where 0.5^n is below DBL_MIN. */
static const struct {
    int n, k; /* interval x(k)..x(n-k+1) */
} ci_rank_cases[] = {
    {50, 18}, {100, 40}, {1000, 469}, {2000, 956},
};

START_TEST(test_median_ci_large)
{
    for (size_t i = 0; i < ARRAY_LEN(ci_rank_cases); i++) {
        int n = ci_rank_cases[i].n, k = ci_rank_cases[i].k;
        double *x = xmalloc((size_t)n * sizeof(*x));
        for (int j = 0; j < n; j++)
            x[j] = (double)((j * 7919) % n + 1); /* a permutation of 1..n (7919 is prime) */
        double lo, hi;
        ck_assert(stats_median_ci(x, n, &lo, &hi) == STATS_CI_ORDER);
        ck_assert_msg(lo == k && hi == n - k + 1, "n=%d: [%g, %g], want [%d, %d]", n, lo, hi, k, n - k + 1);
        free(x);
    }
}
END_TEST

static const struct {
    int df;
    double want, tol;
} t_cases[] = {
    {1, 12.7062047, 1e-6}, {2, 4.3026527, 1e-6},  {3, 3.1824463, 1e-6},  {4, 2.7764451, 1e-6},
    {5, 2.5705818, 1e-6},  {9, 2.2621572, 1e-6},  {10, 2.2281389, 1e-6}, {20, 2.0859634, 1e-6},
    {30, 2.0422725, 1e-6}, {31, 2.0395134, 1e-6}, {40, 2.0210754, 1e-6}, {60, 2.0002978, 1e-6},
    {120, 1.9799304, 1e-6}, {1000, 1.9623391, 1e-6}, {1000000, 1.959966, 1e-5},
};

START_TEST(test_t975)
{
    for (size_t i = 0; i < ARRAY_LEN(t_cases); i++) {
        double got = stats_t975(t_cases[i].df);
        ck_assert_msg(fabs(got - t_cases[i].want) < t_cases[i].tol, "df=%d: %.9f, want %.9f", t_cases[i].df,
                      got, t_cases[i].want);
    }
    ck_assert(isnan(stats_t975(0)));
    /* Decreasing in df, across the end of the table too. */
    for (int df = 1; df < 200; df++)
        ck_assert_msg(stats_t975(df + 1) < stats_t975(df), "t975(%d) >= t975(%d)", df + 1, df);
}
END_TEST

START_TEST(test_method_names)
{
    ck_assert_str_eq(stats_ci_method_name(STATS_CI_NONE), "none");
    ck_assert_str_eq(stats_ci_method_name(STATS_CI_SINGLE), "single");
    ck_assert_str_eq(stats_ci_method_name(STATS_CI_ORDER), "order");
    ck_assert_str_eq(stats_ci_method_name(STATS_CI_NORMAL), "normal");
    ck_assert_str_eq(stats_ci_method_name(STATS_CI_LOG_NORMAL), "log-normal");
    ck_assert_str_eq(stats_ci_method_name((stats_ci_method)42), "unknown");
}
END_TEST

Suite *stats_suite(void)
{
    Suite *s = suite_create("stats");

    TCase *tc = tcase_create("percentile");
    tcase_add_test(tc, test_percentile);
    tcase_add_test(tc, test_percentile_does_not_modify_input);
    tcase_add_test(tc, test_empty);
    tcase_add_test(tc, test_summarize);
    suite_add_tcase(s, tc);

    tc = tcase_create("interval");
    tcase_add_test(tc, test_median_ci);
    tcase_add_test(tc, test_median_ci_large);
    tcase_add_test(tc, test_t975);
    tcase_add_test(tc, test_method_names);
    suite_add_tcase(s, tc);
    return s;
}
