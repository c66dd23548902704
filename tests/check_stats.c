/* check_stats.c - medians, percentiles, median intervals and the t-test against values worked out by hand
 * (or, for t tails, by numerical integration of the density). */
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

/* I_x(a, b) where it has a closed form: I_x(1, 1) = x, I_x(a, 1) = x^a, I_x(1, b) = 1 - (1-x)^b,
 * I_{1/2}(a, a) = 1/2, and I_x(2, 3) = the binomial tail P(B >= 2), B ~ binomial(4, x). */
static const struct {
    double a, b, x, want;
} incbeta_cases[] = {
    {1, 1, 0.3, 0.3},
    {3, 1, 0.5, 0.125},
    {1, 4, 0.2, 0.5904},
    {2.5, 2.5, 0.5, 0.5},
    {40, 40, 0.5, 0.5},
    {2, 3, 0.4, 0.5248},
    {2, 3, 0.9, 0.9963},              /* the other side of the continued fraction's switch */
    {0.5, 0.5, 0.5, 0.5},
    {3, 2, 0.0, 0.0},
    {3, 2, 1.0, 1.0},
};

START_TEST(test_incbeta)
{
    for (size_t i = 0; i < ARRAY_LEN(incbeta_cases); i++) {
        double got = stats_incbeta(incbeta_cases[i].a, incbeta_cases[i].b, incbeta_cases[i].x);
        ck_assert_msg(fabs(got - incbeta_cases[i].want) < 1e-12, "I_%g(%g, %g) = %.17g, want %.17g",
                      incbeta_cases[i].x, incbeta_cases[i].a, incbeta_cases[i].b, got, incbeta_cases[i].want);
    }
    /* I_x(a, b) = 1 - I_{1-x}(b, a). */
    ck_assert_double_eq_tol(stats_incbeta(3.7, 1.2, 0.35) + stats_incbeta(1.2, 3.7, 0.65), 1.0, 1e-12);
    ck_assert(isnan(stats_incbeta(0, 1, 0.5)));
    ck_assert(isnan(stats_incbeta(1, -1, 0.5)));
    ck_assert(isnan(stats_incbeta(1, 1, 1.5)));
    ck_assert(isnan(stats_incbeta(1, 1, NAN)));
}
END_TEST

/* Two-sided p-values: the t table's 0.975 quantiles give 0.05; t = 1 with df = 1 (Cauchy) gives
 * 1/2; the others from numerical integration of the t density. */
static const struct {
    double t, df, want, tol;
} t_p_cases[] = {
    {2.776445105, 4, 0.05, 1e-9},
    {2.228138852, 10, 0.05, 1e-9},
    {12.706204736, 1, 0.05, 1e-9},
    {2.776, 4, 0.05, 2e-4},
    {2.228, 10, 0.05, 2e-4},
    {1.0, 1, 0.5, 1e-12},
    {-1.0, 1, 0.5, 1e-12},
    {0.0, 3, 1.0, 1e-12},
    {1.5, 7.3, 0.17556309280307358, 1e-9},
    {2.5, 2.5, 0.10456996307816502, 1e-9},
    {1.959963984540054, 1e9, 0.05, 1e-9},  /* the normal limit */
};

START_TEST(test_t_p_value)
{
    for (size_t i = 0; i < ARRAY_LEN(t_p_cases); i++) {
        double got = stats_t_two_sided_p(t_p_cases[i].t, t_p_cases[i].df);
        ck_assert_msg(fabs(got - t_p_cases[i].want) < t_p_cases[i].tol, "t=%g df=%g: p %.12g, want %.12g",
                      t_p_cases[i].t, t_p_cases[i].df, got, t_p_cases[i].want);
    }
    /* A tiny p keeps its digits: no 1 - cdf cancellation. */
    double p = stats_t_two_sided_p(60.0, 8);
    ck_assert_msg(p > 0 && p < 1e-10, "p(60, 8) = %g", p);
    ck_assert(stats_t_two_sided_p(INFINITY, 3) == 0.0);
    ck_assert(isnan(stats_t_two_sided_p(1.0, 0)));
    ck_assert(isnan(stats_t_two_sided_p(NAN, 3)));
}
END_TEST

START_TEST(test_t_cdf_and_quantile)
{
    ck_assert_double_eq_tol(stats_t_cdf(0.0, 5), 0.5, 1e-15);
    ck_assert_double_eq_tol(stats_t_cdf(1.0, 1), 0.75, 1e-12);
    ck_assert_double_eq_tol(stats_t_cdf(-1.0, 1), 0.25, 1e-12);
    ck_assert_double_eq_tol(stats_t_cdf(2.776445105, 4), 0.975, 1e-9);
    /* The quantile inverts the CDF, and agrees with the t975 table for every df in it. */
    for (int df = 1; df <= 30; df++)
        ck_assert_msg(fabs(stats_t_quantile(0.975, df) - stats_t975(df)) < 1e-8, "df=%d: %.10f, want %.10f",
                      df, stats_t_quantile(0.975, df), stats_t975(df));
    ck_assert_double_eq_tol(stats_t_quantile(0.025, 4), -2.776445105, 1e-8);
    ck_assert_double_eq_tol(stats_t_quantile(0.75, 1), 1.0, 1e-10);
    ck_assert_double_eq_tol(stats_t_quantile(0.5, 7), 0.0, 1e-15);
    double q = stats_t_quantile(0.995, 5.882352941176471);
    ck_assert_double_eq_tol(stats_t_cdf(q, 5.882352941176471), 0.995, 1e-12);
    ck_assert(isnan(stats_t_quantile(0.0, 4)));
    ck_assert(isnan(stats_t_quantile(1.0, 4)));
    ck_assert(isnan(stats_t_quantile(0.9, 0)));
}
END_TEST

/* a = 1..5, b = 2a: means 3 and 6, variances 2.5 and 10; se = sqrt(0.5 + 2), df = 2.5^2 / (0.5^2/4
 * + 2^2/4) = 5.882...; p and the 95 % quantile from numerical integration of the t density. */
START_TEST(test_welch)
{
    double a[] = {1, 2, 3, 4, 5}, b[] = {2, 4, 6, 8, 10};
    stats_welch w;
    ck_assert_int_eq(stats_welch_test(a, 5, b, 5, 0.95, &w), 0);
    ck_assert_int_eq(w.n_a, 5);
    ck_assert_int_eq(w.n_b, 5);
    ck_assert_double_eq_tol(w.mean_a, 3.0, 1e-12);
    ck_assert_double_eq_tol(w.mean_b, 6.0, 1e-12);
    ck_assert_double_eq_tol(w.diff, 3.0, 1e-12);
    ck_assert_double_eq_tol(w.se, sqrt(2.5), 1e-12);
    ck_assert_double_eq_tol(w.df, 5.882352941176471, 1e-12);
    ck_assert_double_eq_tol(w.t, 1.8973665961010275, 1e-12);
    ck_assert_double_eq_tol(w.p, 0.10753119493063312, 1e-9);
    ck_assert_double_eq_tol(w.low, -0.8877416437369097, 1e-6);
    ck_assert_double_eq_tol(w.high, 6.887741643736909, 1e-6);

    /* Swapping the samples flips the sign, not the p-value. */
    stats_welch s;
    ck_assert_int_eq(stats_welch_test(b, 5, a, 5, 0.95, &s), 0);
    ck_assert_double_eq_tol(s.diff, -3.0, 1e-12);
    ck_assert_double_eq_tol(s.p, w.p, 1e-15);
    ck_assert_double_eq_tol(s.low, -w.high, 1e-9);

    /* A wider level, a wider interval. */
    stats_welch wide;
    stats_welch_test(a, 5, b, 5, 0.99, &wide);
    ck_assert(wide.low < w.low && wide.high > w.high);
}
END_TEST

/* The pooled test: the same samples with a standard deviation known from elsewhere. */
START_TEST(test_pooled)
{
    double a[] = {1, 2, 3, 4, 5}, b[] = {2, 4, 6, 8, 10};
    stats_welch w;
    ck_assert_int_eq(stats_pooled_test(a, 5, b, 5, 2.0, 10.0, 0.95, &w), 0);
    ck_assert_double_eq_tol(w.diff, 3.0, 1e-12);
    ck_assert_double_eq_tol(w.se, 2.0 * sqrt(2.0 / 5.0), 1e-12);
    ck_assert_double_eq(w.df, 10.0);
    ck_assert_double_eq_tol(w.t, 2.3717082451262845, 1e-12);
    /* t(0.975, 10) = 2.2281388519649385 */
    ck_assert_double_eq_tol(w.low, 0.18160251387122184, 1e-6);
    ck_assert_double_eq_tol(w.high, 5.818397486128778, 1e-6);
    ck_assert_double_eq_tol(w.p, stats_t_two_sided_p(w.t, 10.0), 1e-15);
    ck_assert(w.p < 0.05);
    /* Welch on the same samples alone (their own variances, 2.5 and 10, on 5.9 df) cannot tell
     * them apart; the pooled sd of 2, known on 10 df, can. */
    stats_welch alone;
    stats_welch_test(a, 5, b, 5, 0.95, &alone);
    ck_assert(alone.low < 0.0 && w.low > 0.0);
    /* One run a side is enough when the noise is known. */
    ck_assert_int_eq(stats_pooled_test(a, 1, b + 4, 1, 2.0, 10.0, 0.95, &w), 0);
    ck_assert_double_eq_tol(w.diff, 9.0, 1e-12);
    ck_assert_double_eq_tol(w.se, 2.0 * sqrt(2.0), 1e-12);
    /* No noise: the means decide. */
    ck_assert_int_eq(stats_pooled_test(a, 5, b, 5, 0.0, 10.0, 0.95, &w), 0);
    ck_assert(w.p == 0.0 && w.low == 3.0 && w.high == 3.0);
    /* Refused: an empty side, no degrees of freedom, a bad sd or level. */
    ck_assert_int_eq(stats_pooled_test(a, 0, b, 5, 2.0, 10.0, 0.95, &w), -1);
    ck_assert(isnan(w.diff));
    ck_assert_int_eq(stats_pooled_test(a, 5, b, 5, 2.0, 0.5, 0.95, &w), -1);
    ck_assert_int_eq(stats_pooled_test(a, 5, b, 5, NAN, 10.0, 0.95, &w), -1);
    ck_assert_int_eq(stats_pooled_test(a, 5, b, 5, -1.0, 10.0, 0.95, &w), -1);
    ck_assert_int_eq(stats_pooled_test(a, 5, b, 5, 2.0, 10.0, 1.0, &w), -1);
}
END_TEST

START_TEST(test_welch_degenerate)
{
    stats_welch w;
    /* No noise on either side: the means decide. */
    double c1[] = {2, 2, 2}, c2[] = {3, 3, 3, 3};
    ck_assert_int_eq(stats_welch_test(c1, 3, c2, 4, 0.95, &w), 0);
    ck_assert(w.p == 0.0);
    ck_assert(isinf(w.t) && w.t > 0);
    ck_assert(w.low == 1.0 && w.high == 1.0);
    ck_assert_int_eq(stats_welch_test(c1, 3, c1, 2, 0.95, &w), 0);
    ck_assert(w.p == 1.0 && w.t == 0.0 && w.diff == 0.0);
    /* Values that do not average exactly ((0.1 + 0.1 + 0.1) / 3 != 0.1) are still constant. */
    double tenth[] = {0.1, 0.1, 0.1}, fifth[] = {0.2, 0.2, 0.2};
    ck_assert_int_eq(stats_welch_test(tenth, 3, tenth, 3, 0.95, &w), 0);
    ck_assert(w.p == 1.0);
    ck_assert_int_eq(stats_welch_test(tenth, 3, fifth, 3, 0.95, &w), 0);
    ck_assert(w.p == 0.0);

    /* Noise on one side only: df is that side's n - 1. */
    double n3[] = {1, 2, 3};
    ck_assert_int_eq(stats_welch_test(c1, 3, n3, 3, 0.95, &w), 0);
    ck_assert_double_eq_tol(w.df, 2.0, 1e-12);
    ck_assert_double_eq_tol(w.p, 1.0, 1e-12);

    /* Too few values, or a level outside (0, 1): -1, every statistic NAN. */
    ck_assert_int_eq(stats_welch_test(c1, 1, c2, 4, 0.95, &w), -1);
    ck_assert_int_eq(w.n_a, 1);
    ck_assert(isnan(w.p) && isnan(w.diff) && isnan(w.low));
    ck_assert_int_eq(stats_welch_test(c1, 3, c2, 4, 1.0, &w), -1);
    ck_assert_int_eq(stats_welch_test(c1, 3, c2, 4, 0.0, &w), -1);
}
END_TEST

/* The precision the stopping rule reads, against samples worked out by hand. */
START_TEST(test_median_precision)
{
    const double quiet[] = {1.0, 1.0, 1.0};
    ck_assert_double_eq(stats_median_precision(quiet, 3), 0.0);
    /* n = 3, log-normal interval: exp(t(0.975, 2) * 1.2533 * sd(log x) / sqrt(3)) - 1 */
    const double three[] = {0.9, 1.0, 1.1};
    ck_assert_double_eq_tol(stats_median_precision(three, 3), 0.3668586268101912, 1e-9);
    /* n = 6, order statistics: the interval is [min, max] around a median of 3.5 */
    const double six[] = {4, 1, 6, 2, 5, 3};
    ck_assert_double_eq_tol(stats_median_precision(six, 6), 6.0 / 3.5 - 1.0, 1e-12);
    const double one[] = {2.0};
    ck_assert(isinf(stats_median_precision(one, 1))); /* one run knows nothing of its noise */
    ck_assert(isnan(stats_median_precision(one, 0)));
    /* a noisier sample of the same size is less precise */
    const double noisy[] = {0.7, 1.0, 1.4};
    ck_assert(stats_median_precision(noisy, 3) > stats_median_precision(three, 3));
}
END_TEST

START_TEST(test_mad_outliers)
{
    const double x[] = {1.0, 1.01, 0.99, 1.02, 0.98, 3.0};
    int flags[6];
    ck_assert_int_eq(stats_mad_outliers(x, 6, STATS_OUTLIER_Z, flags), 1);
    for (int i = 0; i < 6; i++)
        ck_assert_int_eq(flags[i], i == 5);
    /* a slow run among quiet ones is flagged, a merely spread sample is not */
    const double spread[] = {0.8, 0.9, 1.0, 1.1, 1.2};
    ck_assert_int_eq(stats_mad_outliers(spread, 5, STATS_OUTLIER_Z, NULL), 0);
    /* no spread to measure a distance in: nothing flagged */
    const double same[] = {1, 1, 1, 1, 5};
    ck_assert_int_eq(stats_mad_outliers(same, 5, STATS_OUTLIER_Z, flags), 0);
    ck_assert_int_eq(stats_mad_outliers(x, 2, STATS_OUTLIER_Z, NULL), 0);
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
    tcase_add_test(tc, test_median_precision);
    tcase_add_test(tc, test_mad_outliers);
    suite_add_tcase(s, tc);

    tc = tcase_create("t-test");
    tcase_add_test(tc, test_incbeta);
    tcase_add_test(tc, test_t_p_value);
    tcase_add_test(tc, test_t_cdf_and_quantile);
    tcase_add_test(tc, test_welch);
    tcase_add_test(tc, test_welch_degenerate);
    tcase_add_test(tc, test_pooled);
    suite_add_tcase(s, tc);
    return s;
}
