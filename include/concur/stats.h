/* stats.h - the statistics concur reports: medians, percentiles, confidence intervals, t-tests. */
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
/* Returns 0, or -1 with *out unchanged when s names no method. */
int stats_parse_ci_method(const char *s, stats_ci_method *out);

/* The precision of a median: the larger of hi / median - 1 and 1 - lo / median for the 95 %
 * interval stats_median_ci gives (0.05: the interval lies within +-5 % of the median). INFINITY
 * with fewer than 2 values (one run says nothing about its own noise), NAN for n == 0. */
double stats_median_precision(const double *x, int n);

/* Outliers by the median absolute deviation: value i is one when its modified z-score
 * 0.6745 |x_i - median| / MAD exceeds threshold (3.5 is Iglewicz and Hoaglin's). Sets flags[i]
 * (may be NULL) and returns how many. With MAD == 0 (more than half the values equal) or n < 3
 * nothing is flagged: there is no spread to measure a distance in. */
#define STATS_OUTLIER_Z 3.5
int stats_mad_outliers(const double *x, int n, double threshold, int *flags);

/* Two-sided Student t quantile t(0.975, df) for df >= 1. */
double stats_t975(int df);

/* Regularized incomplete beta function I_x(a, b) for a, b > 0 and x in [0, 1] (the continued
 * fraction of Numerical Recipes, evaluated with the modified Lentz method). NAN for arguments
 * outside those ranges. */
double stats_incbeta(double a, double b, double x);

/* Student t distribution with df > 0 degrees of freedom (not necessarily whole; INFINITY is the
 * normal distribution): P(T <= t), and the two-sided tail P(|T| >= |t|) computed directly (no
 * 1 - cdf cancellation, so small p-values keep their digits). NAN for df <= 0 or a NAN t. */
double stats_t_cdf(double t, double df);
double stats_t_two_sided_p(double t, double df);
/* The t with P(T <= t) = p, for 0 < p < 1 and df > 0; NAN otherwise. */
double stats_t_quantile(double p, double df);

/* Mean and sample variance (n - 1) of x[0..n-1], n >= 1 (variance 0 for n == 1). A constant sample
 * has variance exactly 0 (the two-pass sum could leave a rounding residue). */
void stats_mean_var(const double *x, int n, double *mean, double *var);

/* Welch's two-sample t-test of mean(b) - mean(a) (unequal variances). */
typedef struct {
    int n_a, n_b;
    double mean_a, mean_b;
    double diff;      /* mean_b - mean_a */
    double se;        /* sqrt(var_a / n_a + var_b / n_b) */
    double df;        /* Welch-Satterthwaite degrees of freedom */
    double t;         /* diff / se */
    double p;         /* two-sided */
    double low, high; /* confidence interval of diff at the level asked for */
} stats_welch;

/* Welch's test on a[0..na-1] and b[0..nb-1], with the interval diff -/+ t(1 - (1-level)/2, df) * se.
 * When both samples have zero variance there is no noise to test against: p is 0 when the means
 * differ and 1 when they are equal, and the interval is [diff, diff]. Returns 0, or -1 (out all
 * NAN, the counts set) when either sample has fewer than 2 values or level is not in (0, 1). */
int stats_welch_test(const double *a, int na, const double *b, int nb, double level, stats_welch *out);

/* mean(b) - mean(a) with a standard deviation common to both, sd, estimated on df degrees of
 * freedom from these and other samples of the same noise (a pooled variance, as in an analysis
 * of variance): the interval diff -/+ t(1 - (1-level)/2, df) * sd * sqrt(1/na + 1/nb). Fills out
 * as stats_welch_test does (se, df and t from the pooled sd). Returns 0, or -1 (out all NAN, the
 * counts set) when a side is empty, sd is negative or not finite, df < 1, or level is not in
 * (0, 1). */
int stats_pooled_test(const double *a, int na, const double *b, int nb, double sd, double df,
                      double level, stats_welch *out);

#endif
