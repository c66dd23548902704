/* stats.c - medians, percentiles, the 95 % confidence interval of a median, and Welch's t-test. */
#include "concur/stats.h"

#include <math.h>
#include <stdbool.h>
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

double stats_median_precision(const double *x, int n)
{
    if (n <= 0)
        return NAN;
    if (n == 1)
        return INFINITY;
    double lo, hi, median = stats_median(x, n);
    stats_median_ci(x, n, &lo, &hi);
    if (!(median > 0))
        return NAN;
    return fmax(hi / median - 1.0, 1.0 - lo / median);
}

int stats_mad_outliers(const double *x, int n, double threshold, int *flags)
{
    if (flags)
        for (int i = 0; i < n; i++)
            flags[i] = 0;
    if (n < 3)
        return 0;
    double median = stats_median(x, n);
    double *dev = xmalloc(sizeof(double) * (size_t)n);
    for (int i = 0; i < n; i++)
        dev[i] = fabs(x[i] - median);
    double mad = stats_median(dev, n);
    int count = 0;
    if (mad > 0) {
        for (int i = 0; i < n; i++) {
            if (0.6745 * dev[i] / mad > threshold) {
                count++;
                if (flags)
                    flags[i] = 1;
            }
        }
    }
    free(dev);
    return count;
}

/* Never NULL: "unknown" for a value outside the enum. */
static const char *const ci_method_names[] = {
    [STATS_CI_NONE] = "none",     [STATS_CI_SINGLE] = "single",         [STATS_CI_ORDER] = "order",
    [STATS_CI_NORMAL] = "normal", [STATS_CI_LOG_NORMAL] = "log-normal",
};

const char *stats_ci_method_name(stats_ci_method m)
{
    return util_enum_name(ci_method_names, ARRAY_LEN(ci_method_names), (int)m, "unknown");
}

int stats_parse_ci_method(const char *s, stats_ci_method *out)
{
    int v = util_enum_parse(ci_method_names, ARRAY_LEN(ci_method_names), s);
    if (v < 0)
        return -1;
    *out = (stats_ci_method)v;
    return 0;
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

/* The continued fraction of I_x(a, b) stops when a step changes it by less than this. */
#define INCBETA_EPS 1e-15
/* Stands in for a zero denominator in Lentz's method. */
#define INCBETA_TINY 1e-300
/* Enough for a, b up to about 1e7 (the fraction needs O(sqrt(max(a, b))) steps). */
#define INCBETA_MAX_ITER 20000
/* Past this many degrees of freedom the t distribution is taken as the normal one: they differ by
 * less than 1e-7 there, and the continued fraction would need thousands of steps. */
#define T_NORMAL_DF 1e7

/* The continued fraction for I_x(a, b) (Numerical Recipes, betacf), evaluated with the modified
 * Lentz method. Converges fast for x < (a + 1) / (a + b + 2). */
static double incbeta_cf(double a, double b, double x)
{
    double qab = a + b, qap = a + 1.0, qam = a - 1.0;
    double c = 1.0, d = 1.0 - qab * x / qap;
    if (fabs(d) < INCBETA_TINY)
        d = INCBETA_TINY;
    d = 1.0 / d;
    double h = d;
    for (int m = 1; m <= INCBETA_MAX_ITER; m++) {
        double m2 = 2.0 * m;
        /* The even step d(2m), then the odd step d(2m+1). */
        double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        if (fabs(d) < INCBETA_TINY)
            d = INCBETA_TINY;
        c = 1.0 + aa / c;
        if (fabs(c) < INCBETA_TINY)
            c = INCBETA_TINY;
        d = 1.0 / d;
        h *= d * c;
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        if (fabs(d) < INCBETA_TINY)
            d = INCBETA_TINY;
        c = 1.0 + aa / c;
        if (fabs(c) < INCBETA_TINY)
            c = INCBETA_TINY;
        d = 1.0 / d;
        double step = d * c;
        h *= step;
        if (fabs(step - 1.0) < INCBETA_EPS)
            break;
    }
    return h;
}

/* NAN outside a, b > 0, 0 <= x <= 1. The fraction is used directly where it converges fast, and
 * through I_x(a, b) = 1 - I_{1-x}(b, a) elsewhere. */
double stats_incbeta(double a, double b, double x)
{
    if (!(a > 0) || !(b > 0) || !(x >= 0) || !(x <= 1) || isinf(a) || isinf(b))
        return NAN;
    if (x == 0.0 || x == 1.0)
        return x;
    /* x^a (1-x)^b / (a B(a, b)) is the fraction's prefactor; in logs so that large a, b do not
     * overflow. */
    double log_front = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x);
    double front = exp(log_front);
    if (x < (a + 1.0) / (a + b + 2.0))
        return front * incbeta_cf(a, b, x) / a;
    return 1.0 - front * incbeta_cf(b, a, 1.0 - x) / b;
}

/* P(|T| >= |t|) = I_{df/(df+t^2)}(df/2, 1/2). */
double stats_t_two_sided_p(double t, double df)
{
    if (isnan(t) || !(df > 0))
        return NAN;
    if (isinf(t))
        return 0.0;
    if (df > T_NORMAL_DF)
        return erfc(fabs(t) / sqrt(2.0));
    double x = df / (df + t * t);
    return stats_incbeta(df / 2.0, 0.5, x);
}

/* By symmetry from the two-sided tail. */
double stats_t_cdf(double t, double df)
{
    double p = stats_t_two_sided_p(t, df);
    if (isnan(p))
        return NAN;
    return t > 0 ? 1.0 - p / 2.0 : t < 0 ? p / 2.0 : 0.5;
}

/* Bisection on the two-sided tail, which falls monotonically in |t|: slow next to Newton's method
 * but it cannot diverge, and a quantile is needed once per comparison. */
double stats_t_quantile(double p, double df)
{
    if (!(p > 0) || !(p < 1) || !(df > 0))
        return NAN;
    if (p == 0.5)
        return 0.0;
    double tail = 2.0 * (p > 0.5 ? 1.0 - p : p); /* the two-sided tail beyond the answer */
    double lo = 0.0, hi = 1.0;
    while (stats_t_two_sided_p(hi, df) > tail && hi < 1e300) {
        lo = hi;
        hi *= 2.0;
    }
    for (int i = 0; i < 2000 && hi - lo > 1e-15 * hi; i++) {
        double mid = lo + (hi - lo) / 2.0;
        if (mid <= lo || mid >= hi)
            break;
        if (stats_t_two_sided_p(mid, df) > tail)
            lo = mid;
        else
            hi = mid;
    }
    double t = lo + (hi - lo) / 2.0;
    return p > 0.5 ? t : -t;
}

void stats_mean_var(const double *x, int n, double *mean, double *var)
{
    double m = 0.0;
    bool constant = true;
    for (int i = 0; i < n; i++) {
        m += x[i];
        constant = constant && x[i] == x[0];
    }
    m /= n;
    if (constant) {
        *mean = x[0];
        *var = 0.0;
        return;
    }
    double ss = 0.0;
    for (int i = 0; i < n; i++)
        ss += (x[i] - m) * (x[i] - m);
    *mean = m;
    *var = ss / (n - 1);
}

/* t, p and the interval of out->diff from its se and df. With no noise (se 0) there is nothing to
 * test against: p is 0 when the means differ and 1 when they are equal, the interval a point. */
static void t_interval(stats_welch *out, double level)
{
    if (out->se == 0.0) {
        out->t = out->diff == 0.0 ? 0.0 : copysign(INFINITY, out->diff);
        out->p = out->diff == 0.0 ? 1.0 : 0.0;
        out->low = out->high = out->diff;
        return;
    }
    out->t = out->diff / out->se;
    out->p = stats_t_two_sided_p(out->t, out->df);
    double q = stats_t_quantile(1.0 - (1.0 - level) / 2.0, out->df);
    out->low = out->diff - q * out->se;
    out->high = out->diff + q * out->se;
}

/* -1 with every statistic NAN for na < 2, nb < 2, or a level outside (0, 1). */
int stats_welch_test(const double *a, int na, const double *b, int nb, double level, stats_welch *out)
{
    *out = (stats_welch){na, nb, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN};
    if (na < 2 || nb < 2 || !(level > 0) || !(level < 1))
        return -1;
    double var_a, var_b;
    stats_mean_var(a, na, &out->mean_a, &var_a);
    stats_mean_var(b, nb, &out->mean_b, &var_b);
    out->diff = out->mean_b - out->mean_a;
    double ua = var_a / na, ub = var_b / nb; /* squared standard errors of the two means */
    out->se = sqrt(ua + ub);
    if (out->se == 0.0) {
        out->df = na + nb - 2;
    } else {
        /* Welch-Satterthwaite, with the weights scaled to sum to 1 so that tiny variances do not
         * underflow when squared. */
        double wa = ua / (ua + ub), wb = ub / (ua + ub);
        out->df = 1.0 / (wa * wa / (na - 1) + wb * wb / (nb - 1));
    }
    t_interval(out, level);
    return 0;
}

int stats_pooled_test(const double *a, int na, const double *b, int nb, double sd, double df,
                      double level, stats_welch *out)
{
    *out = (stats_welch){na, nb, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN};
    if (na < 1 || nb < 1 || !isfinite(sd) || sd < 0 || !(df >= 1) || !(level > 0) ||
        !(level < 1))
        return -1;
    double var;
    stats_mean_var(a, na, &out->mean_a, &var);
    stats_mean_var(b, nb, &out->mean_b, &var);
    out->diff = out->mean_b - out->mean_a;
    out->se = sd * sqrt(1.0 / na + 1.0 / nb);
    out->df = df;
    t_interval(out, level);
    return 0;
}
