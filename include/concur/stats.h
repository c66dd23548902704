/* stats.h - the statistics concur reports: medians, percentiles, confidence intervals. */
#ifndef CONCUR_STATS_H
#define CONCUR_STATS_H

#include <stddef.h>

typedef struct {
    int n;
    double min, median, p95, max, mean;
} stats_summary;

/* Summary of n values (the input is not modified). n == 0 gives all NAN and n = 0. */
void stats_summarize(const double *x, int n, stats_summary *out);

/* Percentile p in [0,100] by linear interpolation between order statistics (NumPy's default).
 * NAN when n == 0. */
double stats_percentile(const double *x, int n, double p);
double stats_median(const double *x, int n);

/* 95 % confidence interval of the median. n >= 6: the distribution-free interval between two order
 * statistics chosen from the binomial(n, 1/2) distribution (coverage >= 95 %). 2 <= n < 6: no
 * distribution-free 95 % interval exists, so normal theory: median times or divided by exp(t(0.975, n-1) *
 * 1.2533 * s_log / sqrt(n)) with s_log the standard deviation of the logarithms when every value is positive
 * (times: the interval stays positive), median -/+ t * 1.2533 * s / sqrt(n) otherwise.
 * n == 1: [x, x]. n == 0: NAN. Returns which method was used. */
typedef enum {
    STATS_CI_NONE = 0,
    STATS_CI_SINGLE,
    STATS_CI_ORDER,
    STATS_CI_NORMAL,
    STATS_CI_LOG_NORMAL,
} stats_ci_method;
stats_ci_method stats_median_ci(const double *x, int n, double *lo, double *hi);
const char *stats_ci_method_name(stats_ci_method m);

/* Two-sided Student t quantile t(0.975, df) for df >= 1. */
double stats_t975(int df);

#endif
