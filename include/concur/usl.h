/* usl.h - the Universal Scalability Law fitted to measured speedups, and what it predicts at more
 * workers than were measured.
 *
 * S(N) = lambda * N / (1 + sigma * (N - 1) + kappa * N * (N - 1)): sigma is the cost of contention
 * (the serial share, Amdahl's law when kappa is 0), kappa the cost of coherency (workers keeping
 * each other's data consistent, which makes the speedup fall again past a peak), lambda the scale
 * (a pool of one worker is seldom exactly as fast as the plain loop). */
#ifndef CONCUR_USL_H
#define CONCUR_USL_H

#include <stdbool.h>
#include <stddef.h>

#define USL_MIN_POINTS 3          /* distinct worker counts needed before a fit is trusted */
#define USL_MAX_EXTRAPOLATION 8.0 /* predictions reach at most this many times the largest count fitted */
#define USL_MIN_R2 0.9            /* and only from a fit at least this close to its points */

typedef struct {
    bool fitted;          /* false: too few points or the fit failed; note says why */
    double sigma;         /* contention, >= 0 */
    double kappa;         /* coherency, >= 0 */
    double lambda;        /* scale, > 0: the fitted speedup of one worker */
    double r_squared;     /* coefficient of determination of the fit on the points used */
    double rmse;          /* root mean square error of the speedups, same unit as speedup */
    int npoints;          /* distinct worker counts used */
    int max_workers;      /* the largest worker count fitted (rounded down when not whole) */
    double peak_workers;  /* N where the fitted curve peaks: sqrt((1 - sigma) / kappa), at least 1;
                             INFINITY when kappa == 0 (1 when sigma >= 1: it only falls) */
    char note[200];       /* one sentence for a human: the fit and its quality, or why there is none */
} usl_fit;

/* Fits the points (workers[i], speedup[i]), i < n (workers >= 1, speedup > 0, both finite; other
 * points are ignored; repeated worker counts are allowed and all count) by least squares on the
 * speedups, with sigma, kappa >= 0. Where a simpler curve (kappa or sigma or both 0) fits as
 * closely to rounding, it is the one returned. Returns 0 and fit->fitted = true, or -1 with
 * fit->fitted = false and fit->note saying why (fewer than USL_MIN_POINTS distinct worker counts,
 * or the fit did not converge); npoints and max_workers then describe the valid points and the
 * other numbers are NAN. Never reads past n; -1 without touching anything when fit is NULL. */
int usl_fit_points(const double *workers, const double *speedup, int n, usl_fit *fit);

/* The fitted speedup at n workers; NAN when fit is NULL or !fit->fitted, or n is not finite or
 * below 1. */
double usl_predict(const usl_fit *fit, double n);

/* Whether predicting at n is an extrapolation the fit can support: n <= max_workers is
 * interpolation (true); beyond, true only up to USL_MAX_EXTRAPOLATION times max_workers and only
 * when r_squared >= USL_MIN_R2. False as well without a fit, or when n is not finite or below 1.
 * When it returns false, it writes why into why (may be NULL; cut to whylen); when true, it leaves
 * why empty. */
bool usl_can_extrapolate(const usl_fit *fit, double n, char *why, size_t whylen);

#endif
