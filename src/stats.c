/* stats.c - medians, percentiles and the 95 % confidence interval of a median. */
#include "concur/stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "concur/util.h"

/* sqrt(pi/2): for normal data the standard error of the median is this many times that of the mean. */
#define MEDIAN_SE_FACTOR 1.2533141373155003

/* Coverage the order-statistic interval must reach. */
#define CI_LEVEL 0.95

/* t(0.975, df) for df = 1..30. */
static const double t975_table[30] = {
    12.706204736, 4.302652730, 3.182446305, 2.776445105, 2.570581836, 2.446911851,
    2.364624252,  2.306004135, 2.262157163, 2.228138852, 2.200985160, 2.178812830,
    2.160368656,  2.144786688, 2.131449546, 2.119905299, 2.109815578, 2.100922040,
    2.093024054,  2.085963447, 2.079613845, 2.073873068, 2.068657610, 2.063898562,
    2.059538553,  2.055529439, 2.051830516, 2.048407142, 2.045229642, 2.042272456,
};

/* Total order with NAN last, so that qsort sees a consistent comparison whatever the input. */
static int cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa;
    double b = *(const double *)pb;
    if (isnan(a) || isnan(b))
        return isnan(a) - isnan(b);
    return (a > b) - (a < b);
}

/* A sorted copy of x[0..n-1]; n > 0. */
static double *sorted_copy(const double *x, int n)
{
    double *s = xmalloc((size_t)n * sizeof(*s));
    memcpy(s, x, (size_t)n * sizeof(*s));
    qsort(s, (size_t)n, sizeof(*s), cmp_double);
    return s;
}

/* Percentile of an already sorted array: the value at fractional rank (n-1)*p/100. */
static double percentile_sorted(const double *s, int n, double p)
{
    if (p < 0.0)
        p = 0.0;
    if (p > 100.0)
        p = 100.0;
    double h = (double)(n - 1) * p / 100.0;
    int lo = (int)floor(h);
    if (lo >= n - 1)
        return s[n - 1];
    double frac = h - (double)lo;
    return s[lo] + frac * (s[lo + 1] - s[lo]);
}

/* Sample standard deviation (n - 1 in the denominator); n >= 2. */
static double sample_sd(const double *x, int n)
{
    double mean = 0.0;
    for (int i = 0; i < n; i++)
        mean += x[i];
    mean /= n;
    double ss = 0.0;
    for (int i = 0; i < n; i++)
        ss += (x[i] - mean) * (x[i] - mean);
    return sqrt(ss / (n - 1));
}

/* The largest k such that [x(k), x(n-k+1)] covers the median with probability >= CI_LEVEL, that
 * is 1 - 2 * P(B <= k-1) >= CI_LEVEL for B ~ binomial(n, 1/2). 0 when even [x(1), x(n)] falls
 * short (n < 6). The binomial terms are summed in log space so that large n does not underflow. */
static int order_ci_rank(int n)
{
    double log_pmf = (double)n * log(0.5); /* P(B = 0) */
    double cdf = 0.0;
    int k = 0;
    for (int j = 1; j <= n / 2; j++) {
        int i = j - 1; /* cdf becomes P(B <= i) */
        cdf += exp(log_pmf);
        if (1.0 - 2.0 * cdf < CI_LEVEL)
            break;
        k = j;
        log_pmf += log((double)(n - i) / (double)(i + 1));
    }
    return k;
}

/* Can't fail: n == 0 gives every field NAN and n = 0. */
void stats_summarize(const double *x, int n, stats_summary *out)
{
    out->n = n > 0 ? n : 0;
    if (n <= 0) {
        out->min = out->median = out->p95 = out->max = out->mean = NAN;
        return;
    }
    double *s = sorted_copy(x, n);
    double sum = 0.0;
    for (int i = 0; i < n; i++)
        sum += s[i];
    out->min = s[0];
    out->max = s[n - 1];
    out->median = percentile_sorted(s, n, 50.0);
    out->p95 = percentile_sorted(s, n, 95.0);
    out->mean = sum / n;
    free(s);
}

/* NAN when n <= 0 or p is NAN. */
double stats_percentile(const double *x, int n, double p)
{
    if (n <= 0 || isnan(p))
        return NAN;
    double *s = sorted_copy(x, n);
    double v = percentile_sorted(s, n, p);
    free(s);
    return v;
}

/* NAN when n <= 0. */
double stats_median(const double *x, int n)
{
    return stats_percentile(x, n, 50.0);
}

/* n <= 0: lo = hi = NAN and STATS_CI_NONE. */
stats_ci_method stats_median_ci(const double *x, int n, double *lo, double *hi)
{
    if (n <= 0) {
        *lo = *hi = NAN;
        return STATS_CI_NONE;
    }
    if (n == 1) {
        *lo = *hi = x[0];
        return STATS_CI_SINGLE;
    }

    stats_ci_method method;
    double *s = sorted_copy(x, n);
    int k = order_ci_rank(n);
    if (k > 0) {
        *lo = s[k - 1];
        *hi = s[n - k];
        method = STATS_CI_ORDER;
    } else {
        double median = percentile_sorted(s, n, 50.0);
        double t = stats_t975(n - 1) * MEDIAN_SE_FACTOR / sqrt((double)n);
        if (s[0] > 0) {
            /* Times are positive and their noise multiplicative: the interval is built on the
             * log scale, so it never reaches below zero and a ratio of two keeps its meaning. */
            double *l = xmalloc(sizeof(double) * (size_t)n);
            for (int i = 0; i < n; i++)
                l[i] = log(s[i]);
            double half = t * sample_sd(l, n);
            free(l);
            *lo = median * exp(-half);
            *hi = median * exp(half);
            method = STATS_CI_LOG_NORMAL;
        } else {
            double half = t * sample_sd(s, n);
            *lo = median - half;
            *hi = median + half;
            method = STATS_CI_NORMAL;
        }
    }
    free(s);
    return method;
}

/* Never NULL: "unknown" for a value outside the enum. */
const char *stats_ci_method_name(stats_ci_method m)
{
    switch (m) {
    case STATS_CI_NONE:
        return "none";
    case STATS_CI_SINGLE:
        return "single";
    case STATS_CI_ORDER:
        return "order";
    case STATS_CI_NORMAL:
        return "normal";
    case STATS_CI_LOG_NORMAL:
        return "log-normal";
    }
    return "unknown";
}

/* NAN for df < 1. Beyond the table, the Cornish-Fisher expansion of t around the normal quantile,
 * which is within 1e-6 of the exact value from df = 31 on and tends to 1.96. */
double stats_t975(int df)
{
    if (df < 1)
        return NAN;
    if (df <= (int)ARRAY_LEN(t975_table))
        return t975_table[df - 1];

    const double z = 1.959963984540054;
    double z3 = z * z * z, z5 = z3 * z * z, z7 = z5 * z * z, z9 = z7 * z * z;
    double v = (double)df;
    double g1 = (z3 + z) / 4.0;
    double g2 = (5.0 * z5 + 16.0 * z3 + 3.0 * z) / 96.0;
    double g3 = (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * z) / 384.0;
    double g4 = (79.0 * z9 + 776.0 * z7 + 1482.0 * z5 - 1920.0 * z3 - 945.0 * z) / 92160.0;
    return z + g1 / v + g2 / (v * v) + g3 / (v * v * v) + g4 / (v * v * v * v);
}
