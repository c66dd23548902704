/* usl.c - the Universal Scalability Law fitted to measured speedups.
 *
 * The fit minimises the sum of squared speedup residuals over (lambda, sigma, kappa) with sigma,
 * kappa >= 0, for each of four nested curves (both coefficients free, kappa = 0, sigma = 0, both
 * 0), and keeps the simplest one that fits as closely as the best to rounding. Each curve is fitted
 * in two stages:
 *
 * 1. A start. With lambda known the law is linear in its coefficients: for x = N - 1 and
 *    y = lambda * N / S - 1, y = sigma * x + kappa * x * (x + 1). For each lambda on a logarithmic
 *    grid the best non-negative (sigma, kappa) comes from that small weighted least-squares
 *    problem; the lambda whose curve has the smallest speedup residuals is refined by a
 *    golden-section search between its grid neighbours.
 * 2. Levenberg-Marquardt on all three parameters at once from that start, with sigma and kappa
 *    held at 0 while the gradient pushes them below it, until no step lowers the residuals.
 *
 * Everything is deterministic and every loop has a fixed bound. */
#include "concur/usl.h"

#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "concur/util.h"

/* Which coefficients a candidate curve leaves free (lambda always is). */
enum { FREE_SIGMA = 1u, FREE_KAPPA = 2u, FREE_BOTH = FREE_SIGMA | FREE_KAPPA };

/* Lambdas the start tries, logarithmically spaced over the bracket. */
#define LAMBDA_GRID 64
/* Bound on the golden-section steps; each narrows the bracket to 0.618 of itself, so 200 reach
 * the resolution of a double long before. */
#define GOLDEN_MAX_STEPS 200
/* Bound on Levenberg-Marquardt trials (accepted steps and rejected ones together). */
#define LM_MAX_TRIALS 2000
/* The damping at which no step is left to try: the residuals are at their minimum. */
#define LM_MAX_DAMPING 1e16
/* A simpler curve is kept when its squared residuals exceed the best curve's by no more than this
 * share of them, plus this share of the sum of the squared speedups (rounding of an exact fit). */
#define SIMPLER_REL_TOL 1e-9
#define SIMPLER_ABS_TOL 1e-20

typedef struct {
    double lambda, sigma, kappa;
} usl_params;

/* The valid points, copied out of the caller's arrays. */
typedef struct {
    double *n, *s;
    int count;
} usl_points;

/* The law's denominator 1 + sigma * (n - 1) + kappa * n * (n - 1). */
static double usl_denominator(double sigma, double kappa, double n)
{
    return 1.0 + sigma * (n - 1.0) + kappa * n * (n - 1.0);
}

static double usl_value(const usl_params *p, double n)
{
    return p->lambda * n / usl_denominator(p->sigma, p->kappa, n);
}

/* Sum of squared speedup residuals of curve p on the points. */
static double sum_squares(const usl_points *pts, const usl_params *p)
{
    double sse = 0.0;
    for (int i = 0; i < pts->count; i++) {
        double r = usl_value(p, pts->n[i]) - pts->s[i];
        sse += r * r;
    }
    return sse;
}

/* The best non-negative (sigma, kappa) for a given lambda, among the coefficients free in mask,
 * from the linear form y = sigma * x + kappa * x * (x + 1). Each equation is weighted by
 * S^2 / (lambda * N), the slope that turns an error in y into an error in the speedup, so that the
 * linear problem approximates the speedup residuals that are minimised. Points at N = 1 (x = 0)
 * say nothing about sigma and kappa. A convex problem in two unknowns: when the unconstrained
 * solution is negative somewhere, the constrained one lies on an edge, sigma = 0 or kappa = 0,
 * and the better edge is taken. */
static void linear_coefficients(const usl_points *pts, double lambda, unsigned mask, usl_params *out)
{
    double a11 = 0.0, a12 = 0.0, a22 = 0.0, b1 = 0.0, b2 = 0.0;
    for (int i = 0; i < pts->count; i++) {
        double n = pts->n[i], s = pts->s[i];
        double x = n - 1.0;
        if (x <= 0.0)
            continue;
        double y = lambda * n / s - 1.0;
        double weight = s * s / (lambda * n);
        double w = weight * weight;
        double c1 = x, c2 = x * n;
        a11 += w * c1 * c1;
        a12 += w * c1 * c2;
        a22 += w * c2 * c2;
        b1 += w * c1 * y;
        b2 += w * c2 * y;
    }
    out->lambda = lambda;
    out->sigma = out->kappa = 0.0;

    if (mask == FREE_BOTH) {
        double det = a11 * a22 - a12 * a12;
        if (det > 1e-12 * a11 * a22) {
            double sigma = (b1 * a22 - b2 * a12) / det;
            double kappa = (a11 * b2 - a12 * b1) / det;
            if (sigma >= 0.0 && kappa >= 0.0) {
                out->sigma = sigma;
                out->kappa = kappa;
                return;
            }
        }
    }
    /* One coefficient free: its least-squares value, not below 0. The objective, less its constant
     * term, is c^2 * a - 2 * c * b. */
    double sigma = (mask & FREE_SIGMA) && a11 > 0.0 ? fmax(0.0, b1 / a11) : 0.0;
    double kappa = (mask & FREE_KAPPA) && a22 > 0.0 ? fmax(0.0, b2 / a22) : 0.0;
    double q_sigma = sigma * sigma * a11 - 2.0 * sigma * b1;
    double q_kappa = kappa * kappa * a22 - 2.0 * kappa * b2;
    if (q_sigma <= q_kappa)
        out->sigma = sigma;
    else
        out->kappa = kappa;
}

/* Squared speedup residuals of the linear fit at lambda; the curve goes to *out. */
static double profile(const usl_points *pts, double lambda, unsigned mask, usl_params *out)
{
    linear_coefficients(pts, lambda, mask, out);
    return sum_squares(pts, out);
}

/* Stage 1: the start for curve mask. Every point has lambda = S * D(N) / N with D(N) >= 1, so
 * lambda is at least the largest S / N; at the smallest count measured, D(N) / N is rarely far
 * above 1. The bracket reaches a factor 4 past both, and the grid's best lambda is narrowed
 * between its neighbours by golden section. */
static void start_point(const usl_points *pts, unsigned mask, usl_params *out)
{
    double nmin = INFINITY, s_at_nmin = 0.0, ratio = 0.0;
    for (int i = 0; i < pts->count; i++) {
        ratio = fmax(ratio, pts->s[i] / pts->n[i]);
        if (pts->n[i] < nmin) {
            nmin = pts->n[i];
            s_at_nmin = pts->s[i];
        } else if (pts->n[i] == nmin) {
            s_at_nmin = fmax(s_at_nmin, pts->s[i]);
        }
    }
    double lo = fmin(ratio, s_at_nmin) / 4.0;
    double hi = fmax(ratio, s_at_nmin) * 4.0;
    double step = pow(hi / lo, 1.0 / (LAMBDA_GRID - 1));

    usl_params p;
    int best = 0;
    double best_sse = INFINITY;
    for (int k = 0; k < LAMBDA_GRID; k++) {
        double sse = profile(pts, lo * pow(step, k), mask, &p);
        if (sse < best_sse) {
            best_sse = sse;
            best = k;
        }
    }

    double a = lo * pow(step, best > 0 ? best - 1 : 0);
    double b = lo * pow(step, best < LAMBDA_GRID - 1 ? best + 1 : LAMBDA_GRID - 1);
    const double g = 0.6180339887498949; /* (sqrt(5) - 1) / 2 */
    double c = b - g * (b - a), d = a + g * (b - a);
    double fc = profile(pts, c, mask, &p), fd = profile(pts, d, mask, &p);
    for (int it = 0; it < GOLDEN_MAX_STEPS && b - a > 4.0 * DBL_EPSILON * b; it++) {
        if (fc <= fd) {
            b = d;
            d = c;
            fd = fc;
            c = b - g * (b - a);
            fc = profile(pts, c, mask, &p);
        } else {
            a = c;
            c = d;
            fc = fd;
            d = a + g * (b - a);
            fd = profile(pts, d, mask, &p);
        }
    }
    /* The golden-section point can only improve on the grid's best, but keep whichever is lower. */
    double lambda = fc <= fd ? c : d;
    usl_params grid_best;
    double grid_sse = profile(pts, lo * pow(step, best), mask, &grid_best);
    if (profile(pts, lambda, mask, out) > grid_sse)
        *out = grid_best;
}

/* Solves the k x k system m * x = v (row-major, k <= 3) by Gaussian elimination with partial
 * pivoting; m and v are overwritten. Returns 0, or -1 when the system is singular. */
static int solve_small(double m[3][3], double v[3], int k, double x[3])
{
    for (int col = 0; col < k; col++) {
        int piv = col;
        for (int r = col + 1; r < k; r++)
            if (fabs(m[r][col]) > fabs(m[piv][col]))
                piv = r;
        if (!(fabs(m[piv][col]) > 0.0) || !isfinite(m[piv][col]))
            return -1;
        if (piv != col) {
            for (int c = 0; c < k; c++) {
                double t = m[col][c];
                m[col][c] = m[piv][c];
                m[piv][c] = t;
            }
            double t = v[col];
            v[col] = v[piv];
            v[piv] = t;
        }
        for (int r = col + 1; r < k; r++) {
            double f = m[r][col] / m[col][col];
            for (int c = col; c < k; c++)
                m[r][c] -= f * m[col][c];
            v[r] -= f * v[col];
        }
    }
    for (int r = k - 1; r >= 0; r--) {
        double sum = v[r];
        for (int c = r + 1; c < k; c++)
            sum -= m[r][c] * x[c];
        x[r] = sum / m[r][r];
    }
    for (int r = 0; r < k; r++)
        if (!isfinite(x[r]))
            return -1;
    return 0;
}

/* Stage 2: Levenberg-Marquardt from *p over lambda and the coefficients free in mask, with
 * Marquardt's scaling (the damping adds to the diagonal of J^T J in proportion to it). Steps that
 * take sigma or kappa below 0 are clipped to 0; one held at 0 whose gradient points below 0 is left
 * out of the step. Returns the squared residuals of the final *p. */
static double refine(const usl_points *pts, unsigned mask, usl_params *p)
{
    double sse = sum_squares(pts, p);
    double damping = 1e-3;
    int trials = 0;

    while (trials < LM_MAX_TRIALS && sse > 0.0 && damping < LM_MAX_DAMPING) {
        /* J^T J and J^T r in the order lambda, sigma, kappa. */
        double jtj[3][3] = {{0}}, jtr[3] = {0};
        double value[3] = {p->lambda, p->sigma, p->kappa};
        for (int i = 0; i < pts->count; i++) {
            double n = pts->n[i];
            double den = usl_denominator(p->sigma, p->kappa, n);
            double r = p->lambda * n / den - pts->s[i];
            double common = -p->lambda * n / (den * den);
            double j[3] = {n / den, common * (n - 1.0), common * n * (n - 1.0)};
            for (int a = 0; a < 3; a++) {
                jtr[a] += j[a] * r;
                for (int b = 0; b < 3; b++)
                    jtj[a][b] += j[a] * j[b];
            }
        }
        /* The parameters this step moves. */
        int idx[3], k = 0;
        idx[k++] = 0;
        if ((mask & FREE_SIGMA) && !(p->sigma <= 0.0 && jtr[1] > 0.0))
            idx[k++] = 1;
        if ((mask & FREE_KAPPA) && !(p->kappa <= 0.0 && jtr[2] > 0.0))
            idx[k++] = 2;
        double maxdiag = 0.0;
        for (int a = 0; a < k; a++)
            maxdiag = fmax(maxdiag, jtj[idx[a]][idx[a]]);
        if (!(maxdiag > 0.0) || !isfinite(maxdiag))
            break;

        /* Raise the damping until a step lowers the residuals, or none is left to try. */
        bool moved = false;
        while (trials < LM_MAX_TRIALS && damping < LM_MAX_DAMPING) {
            trials++;
            double m[3][3], v[3], dx[3];
            for (int a = 0; a < k; a++) {
                for (int b = 0; b < k; b++)
                    m[a][b] = jtj[idx[a]][idx[b]];
                m[a][a] += damping * fmax(jtj[idx[a]][idx[a]], 1e-12 * maxdiag);
                v[a] = -jtr[idx[a]];
            }
            if (solve_small(m, v, k, dx) < 0) {
                damping *= 10.0;
                continue;
            }
            double next[3] = {value[0], value[1], value[2]};
            for (int a = 0; a < k; a++)
                next[idx[a]] += dx[a];
            usl_params trial = {next[0], fmax(0.0, next[1]), fmax(0.0, next[2])};
            double trial_sse = trial.lambda > 0.0 ? sum_squares(pts, &trial) : INFINITY;
            if (trial_sse < sse) {
                *p = trial;
                sse = trial_sse;
                damping = fmax(damping * 0.3, 1e-12);
                moved = true;
                break;
            }
            damping *= 10.0;
        }
        if (!moved)
            break;
    }
    return sse;
}

/* Both stages for curve mask; the squared residuals of the result go to *sse. */
static void fit_curve(const usl_points *pts, unsigned mask, usl_params *out, double *sse)
{
    start_point(pts, mask, out);
    *sse = refine(pts, mask, out);
}

/* Number of coefficients a curve leaves free. */
static int free_count(unsigned mask)
{
    return (mask & FREE_SIGMA ? 1 : 0) + (mask & FREE_KAPPA ? 1 : 0);
}

/* Ascending order of two worker counts (never NAN: only valid points are sorted). */
static int cmp_count(const void *pa, const void *pb)
{
    double a = *(const double *)pa;
    double b = *(const double *)pb;
    return (a > b) - (a < b);
}

/* The sorted distinct worker counts among the points, into out (room for pts->count); returns how
 * many. */
static int distinct_counts(const usl_points *pts, double *out)
{
    if (pts->count <= 0)
        return 0;
    memcpy(out, pts->n, (size_t)pts->count * sizeof(*out));
    qsort(out, (size_t)pts->count, sizeof(*out), cmp_count);
    int k = 1;
    for (int i = 1; i < pts->count; i++)
        if (out[i] != out[k - 1])
            out[k++] = out[i];
    return k;
}

/* Marks fit as not made: fitted false and its numbers NAN (the caller writes why into note). */
static void no_fit(usl_fit *fit)
{
    fit->fitted = false;
    fit->sigma = fit->kappa = fit->lambda = NAN;
    fit->r_squared = fit->rmse = fit->peak_workers = NAN;
}

/* Where the curve peaks for N >= 1. */
static double peak_of(double sigma, double kappa)
{
    if (sigma >= 1.0)
        return 1.0;
    if (kappa <= 0.0)
        return INFINITY;
    return fmax(1.0, sqrt((1.0 - sigma) / kappa));
}

int usl_fit_points(const double *workers, const double *speedup, int n, usl_fit *fit)
{
    if (!fit)
        return -1;
    memset(fit, 0, sizeof(*fit));
    no_fit(fit);

    usl_points pts = {NULL, NULL, 0};
    int room = (workers && speedup && n > 0) ? n : 0;
    if (room > 0) {
        pts.n = xmalloc((size_t)room * sizeof(double));
        pts.s = xmalloc((size_t)room * sizeof(double));
    }
    for (int i = 0; i < room; i++) {
        double w = workers[i], s = speedup[i];
        if (isfinite(w) && isfinite(s) && w >= 1.0 && s > 0.0) {
            pts.n[pts.count] = w;
            pts.s[pts.count] = s;
            pts.count++;
        }
    }

    double *counts = xmalloc((size_t)(pts.count > 0 ? pts.count : 1) * sizeof(double));
    int ncounts = distinct_counts(&pts, counts);
    fit->npoints = ncounts;
    if (ncounts > 0)
        fit->max_workers = counts[ncounts - 1] >= (double)INT_MAX ? INT_MAX : (int)counts[ncounts - 1];
    int rc = -1;

    if (ncounts == 0) {
        snprintf(fit->note, sizeof(fit->note),
                 "no valid point (worker count >= 1, speedup > 0): the scalability law needs at least %d "
                 "worker counts to fit",
                 USL_MIN_POINTS);
        goto out;
    }
    if (ncounts < USL_MIN_POINTS) {
        char list[64] = "";
        for (int i = 0; i < ncounts; i++) {
            size_t used = strlen(list);
            snprintf(list + used, sizeof(list) - used, "%s%g", i ? ", " : "", counts[i]);
        }
        snprintf(fit->note, sizeof(fit->note),
                 "%d worker count%s measured (%s): the scalability law needs at least %d to fit", ncounts,
                 ncounts == 1 ? "" : "s", list, USL_MIN_POINTS);
        goto out;
    }

    /* The four nested curves; the simplest within rounding of the best is kept. */
    static const unsigned masks[] = {FREE_BOTH, FREE_SIGMA, FREE_KAPPA, 0};
    usl_params curve[ARRAY_LEN(masks)];
    double sse[ARRAY_LEN(masks)];
    double best_sse = INFINITY, sum_s2 = 0.0;
    for (int i = 0; i < pts.count; i++)
        sum_s2 += pts.s[i] * pts.s[i];
    for (size_t m = 0; m < ARRAY_LEN(masks); m++) {
        fit_curve(&pts, masks[m], &curve[m], &sse[m]);
        if (!isfinite(sse[m]) || !isfinite(curve[m].lambda) || !isfinite(curve[m].sigma) ||
            !isfinite(curve[m].kappa))
            sse[m] = INFINITY;
        best_sse = fmin(best_sse, sse[m]);
    }
    if (!isfinite(best_sse)) {
        snprintf(fit->note, sizeof(fit->note),
                 "the scalability law could not be fitted to the %d worker counts measured", ncounts);
        goto out;
    }
    double tol = SIMPLER_REL_TOL * best_sse + SIMPLER_ABS_TOL * sum_s2;
    size_t chosen = 0;
    bool have = false;
    for (size_t m = 0; m < ARRAY_LEN(masks); m++) {
        if (!(sse[m] <= best_sse + tol))
            continue;
        if (!have || free_count(masks[m]) < free_count(masks[chosen]) ||
            (free_count(masks[m]) == free_count(masks[chosen]) && sse[m] < sse[chosen])) {
            chosen = m;
            have = true;
        }
    }

    const usl_params *p = &curve[chosen];
    double mean = 0.0;
    for (int i = 0; i < pts.count; i++)
        mean += pts.s[i];
    mean /= pts.count;
    double sst = 0.0;
    for (int i = 0; i < pts.count; i++)
        sst += (pts.s[i] - mean) * (pts.s[i] - mean);

    fit->fitted = true;
    fit->lambda = p->lambda;
    fit->sigma = p->sigma;
    fit->kappa = p->kappa;
    fit->rmse = sqrt(sse[chosen] / pts.count);
    /* Speedups that do not vary at all (the curve with sigma = 1 fits them) leave nothing to
     * explain: R^2 is 1 when the fit is exact to rounding, 0 otherwise. */
    if (sst > SIMPLER_ABS_TOL * sum_s2)
        fit->r_squared = 1.0 - sse[chosen] / sst;
    else
        fit->r_squared = sse[chosen] <= SIMPLER_ABS_TOL * sum_s2 ? 1.0 : 0.0;
    fit->peak_workers = peak_of(p->sigma, p->kappa);
    snprintf(fit->note, sizeof(fit->note),
             "fitted to %d worker counts (%g-%g): contention %.3f, coherency %.4f, R^2 %.3f", ncounts,
             counts[0], counts[ncounts - 1], fit->sigma, fit->kappa, fit->r_squared);
    rc = 0;

out:
    free(counts);
    free(pts.n);
    free(pts.s);
    return rc;
}

double usl_predict(const usl_fit *fit, double n)
{
    if (!fit || !fit->fitted || !isfinite(n) || n < 1.0)
        return NAN;
    usl_params p = {fit->lambda, fit->sigma, fit->kappa};
    return usl_value(&p, n);
}

bool usl_can_extrapolate(const usl_fit *fit, double n, char *why, size_t whylen)
{
    char reason[256];
    if (!fit || !fit->fitted) {
        snprintf(reason, sizeof(reason), "no scalability fit: %s",
                 fit && fit->note[0] ? fit->note : "none was made");
    } else if (!isfinite(n) || n < 1.0) {
        snprintf(reason, sizeof(reason), "%g is not a worker count", n);
    } else if (n <= (double)fit->max_workers) {
        reason[0] = '\0';
    } else if (n > USL_MAX_EXTRAPOLATION * fit->max_workers) {
        snprintf(reason, sizeof(reason),
                 "%g workers is more than %g times the largest count measured (%d): too far to extrapolate", n,
                 USL_MAX_EXTRAPOLATION, fit->max_workers);
    } else if (!(fit->r_squared >= USL_MIN_R2)) {
        snprintf(reason, sizeof(reason),
                 "the scalability fit is too loose to extrapolate: R^2 %.3f, below %.2f", fit->r_squared,
                 USL_MIN_R2);
    } else {
        reason[0] = '\0';
    }
    if (why && whylen > 0)
        snprintf(why, whylen, "%s", reason);
    return reason[0] == '\0';
}
