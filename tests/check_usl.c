/* check_usl.c - the Universal Scalability Law fit: exact curves recovered, noisy ones fitted by
 * least squares, too few points refused, invalid points ignored, extrapolation limits. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "check_concur.h"
#include "concur/usl.h"
#include "concur/util.h"

#define MAXN 16

/* The law itself, written out here so that the tests do not rely on the code under test. */
static double law(double lambda, double sigma, double kappa, double n)
{
    return lambda * n / (1.0 + sigma * (n - 1.0) + kappa * n * (n - 1.0));
}

/* |got - want| within rel of want, or within abs when want is 0. */
static bool near(double got, double want, double rel, double abs)
{
    if (want == 0.0)
        return fabs(got) <= abs;
    return fabs(got - want) <= rel * fabs(want);
}

/* The speedups of one curve at the given worker counts. */
static void make_curve(double lambda, double sigma, double kappa, const double *workers, int n, double *speedup)
{
    for (int i = 0; i < n; i++)
        speedup[i] = law(lambda, sigma, kappa, workers[i]);
}

/* Sum of squared speedup residuals of the curve (lambda, sigma, kappa) on the points. */
static double sse_of(double lambda, double sigma, double kappa, const double *workers, const double *speedup,
                     int n)
{
    double sse = 0.0;
    for (int i = 0; i < n; i++) {
        double r = law(lambda, sigma, kappa, workers[i]) - speedup[i];
        sse += r * r;
    }
    return sse;
}

static const struct {
    double lambda, sigma, kappa;
    double workers[MAXN];
    int n;
} exact_cases[] = {
    {1.0, 0.0, 0.0, {1, 2, 4, 8}, 4},                       /* linear */
    {1.0, 0.1, 0.0, {1, 2, 4, 8}, 4},                       /* Amdahl: 10 % serial */
    {1.0, 0.05, 0.01, {1, 2, 4, 8}, 4},                     /* peaks near 9.7 */
    {1.0, 0.05, 0.01, {1, 2, 3, 4, 6, 8, 12, 16}, 8},
    {0.9, 0.05, 0.01, {1, 2, 4, 8}, 4},                     /* a pool of one slower than the loop */
    {0.9, 0.05, 0.01, {1, 2, 3, 4, 6, 8, 12, 16}, 8},
    {0.9, 0.0, 0.0, {1, 2, 4, 8}, 4},
    {0.9, 0.1, 0.0, {1, 2, 3, 4, 6, 8, 12, 16}, 8},
    {0.9, 0.0, 0.002, {1, 2, 3, 4, 6, 8, 12, 16}, 8},       /* coherency only */
    {1.1, 0.3, 0.05, {1, 2, 4, 8}, 4},                      /* peaks at 3.7, falls after */
    {0.95, 0.03, 0.001, {2, 4, 8, 16}, 4},                  /* no single-worker pool measured */
    {0.8, 1.0, 0.0, {1, 2, 4, 8}, 4},                       /* flat: workers gain nothing */
    {1.0, 1.5, 0.0, {1, 2, 4, 8}, 4},                       /* falls from the start */
    {1.0, 0.5, 1.0, {1, 2, 3, 4}, 4},                       /* formula peak below 1 */
    {1.0, 0.05, 0.01, {1, 1, 2, 2, 4, 4, 8, 8}, 8},         /* repeats */
};

START_TEST(test_exact_curves)
{
    const double lambda = exact_cases[_i].lambda, sigma = exact_cases[_i].sigma, kappa = exact_cases[_i].kappa;
    const double *w = exact_cases[_i].workers;
    const int n = exact_cases[_i].n;
    double s[MAXN];
    make_curve(lambda, sigma, kappa, w, n, s);

    usl_fit f;
    ck_assert_int_eq(usl_fit_points(w, s, n, &f), 0);
    ck_assert(f.fitted);
    ck_assert_msg(near(f.sigma, sigma, 1e-6, 1e-9), "case %d: sigma %.12g, want %g", _i, f.sigma, sigma);
    ck_assert_msg(near(f.kappa, kappa, 1e-6, 1e-9), "case %d: kappa %.12g, want %g", _i, f.kappa, kappa);
    ck_assert_msg(near(f.lambda, lambda, 1e-6, 0), "case %d: lambda %.12g, want %g", _i, f.lambda, lambda);
    ck_assert_msg(f.r_squared > 1.0 - 1e-9 && f.r_squared <= 1.0, "case %d: R^2 %.12g", _i, f.r_squared);
    ck_assert_msg(f.rmse >= 0.0 && f.rmse < 1e-9, "case %d: rmse %g", _i, f.rmse);

    double want_peak = sigma >= 1.0 ? 1.0 : kappa == 0.0 ? INFINITY : fmax(1.0, sqrt((1.0 - sigma) / kappa));
    if (isinf(want_peak))
        ck_assert_msg(isinf(f.peak_workers) && f.peak_workers > 0, "case %d: peak %g, want inf", _i,
                      f.peak_workers);
    else
        ck_assert_msg(near(f.peak_workers, want_peak, 1e-6, 0), "case %d: peak %.12g, want %.12g", _i,
                      f.peak_workers, want_peak);

    for (double at = 1; at <= 32; at *= 2) {
        double got = usl_predict(&f, at), want = law(lambda, sigma, kappa, at);
        ck_assert_msg(near(got, want, 1e-6, 0), "case %d: S(%g) = %.12g, want %.12g", _i, at, got, want);
    }
}
END_TEST

/* Distinct counts, the largest, and the note of a successful fit. */
START_TEST(test_fit_summary)
{
    const double w[] = {1, 2, 2, 4, 8, 8};
    double s[ARRAY_LEN(w)];
    make_curve(1.0, 0.05, 0.002, w, (int)ARRAY_LEN(w), s);
    usl_fit f;
    ck_assert_int_eq(usl_fit_points(w, s, (int)ARRAY_LEN(w), &f), 0);
    ck_assert_int_eq(f.npoints, 4);
    ck_assert_int_eq(f.max_workers, 8);
    ck_assert_str_eq(f.note, "fitted to 4 worker counts (1-8): contention 0.050, coherency 0.0020, R^2 1.000");
}
END_TEST

/* +-3 % perturbations, fixed so that the test is deterministic. */
static const double noise[] = {+0.03, -0.02, +0.01, -0.03, +0.02, +0.03, -0.01, -0.03};

static const struct {
    double lambda, sigma, kappa;
    double sigma_tol, kappa_tol, lambda_tol;
} noisy_cases[] = {
    {0.9, 0.05, 0.01, 0.03, 0.004, 0.05},
    {1.0, 0.1, 0.0, 0.03, 0.004, 0.05},
    {1.0, 0.0, 0.0, 0.03, 0.004, 0.05},
    {0.9, 0.3, 0.05, 0.06, 0.01, 0.05},
};

/* Noisy points: parameters near the truth, a fit that is good but not exact, and a true least-squares
 * minimum of the speedup residuals (no small step of any parameter lowers them). */
START_TEST(test_noisy_curves)
{
    const double w[] = {1, 2, 3, 4, 6, 8, 12, 16};
    const int n = (int)ARRAY_LEN(w);
    const double lambda = noisy_cases[_i].lambda, sigma = noisy_cases[_i].sigma, kappa = noisy_cases[_i].kappa;
    double s[ARRAY_LEN(w)];
    make_curve(lambda, sigma, kappa, w, n, s);
    for (int i = 0; i < n; i++)
        s[i] *= 1.0 + noise[i];

    usl_fit f;
    ck_assert_int_eq(usl_fit_points(w, s, n, &f), 0);
    ck_assert_msg(fabs(f.sigma - sigma) <= noisy_cases[_i].sigma_tol, "case %d: sigma %g, want %g", _i, f.sigma,
                  sigma);
    ck_assert_msg(fabs(f.kappa - kappa) <= noisy_cases[_i].kappa_tol, "case %d: kappa %g, want %g", _i, f.kappa,
                  kappa);
    ck_assert_msg(fabs(f.lambda - lambda) <= noisy_cases[_i].lambda_tol, "case %d: lambda %g, want %g", _i,
                  f.lambda, lambda);
    ck_assert_msg(f.sigma >= 0.0 && f.kappa >= 0.0, "case %d: negative coefficient", _i);
    ck_assert_msg(f.r_squared > 0.9 && f.r_squared < 1.0, "case %d: R^2 %g", _i, f.r_squared);
    if (kappa > 0.0) {
        double peak = sqrt((1.0 - sigma) / kappa);
        ck_assert_msg(fabs(f.peak_workers - peak) < 0.1 * peak, "case %d: peak %g, want %g", _i, f.peak_workers, peak);
    }

    double sse = sse_of(f.lambda, f.sigma, f.kappa, w, s, n);
    ck_assert_msg(fabs(f.rmse - sqrt(sse / n)) < 1e-12, "case %d: rmse %g, want %g", _i, f.rmse, sqrt(sse / n));
    ck_assert_msg(f.rmse > 0.001, "case %d: rmse %g for noisy points", _i, f.rmse);
    double mean = 0.0, sst = 0.0;
    for (int i = 0; i < n; i++)
        mean += s[i] / n;
    for (int i = 0; i < n; i++)
        sst += (s[i] - mean) * (s[i] - mean);
    ck_assert_msg(fabs(f.r_squared - (1.0 - sse / sst)) < 1e-12, "case %d: R^2 %.15g, want %.15g", _i, f.r_squared,
                  1.0 - sse / sst);

    const double p[3] = {f.lambda, f.sigma, f.kappa};
    for (int j = 0; j < 3; j++) {
        for (int sign = -1; sign <= 1; sign += 2) {
            double q[3] = {p[0], p[1], p[2]};
            q[j] += sign * 1e-4 * fmax(fabs(p[j]), 1e-3);
            if (q[j] < 0.0)
                continue; /* a bound: sigma and kappa stay >= 0 */
            double other = sse_of(q[0], q[1], q[2], w, s, n);
            ck_assert_msg(other >= sse * (1.0 - 1e-12), "case %d: moving parameter %d by %+g lowers the residuals "
                                                        "from %.15g to %.15g", _i, j, q[j] - p[j], sse, other);
        }
    }
}
END_TEST

/* Every repeated point counts: two points at one count weigh like two at their mean, not like one. */
START_TEST(test_repeats_count)
{
    const double w[] = {1, 2, 4, 8, 8};
    double a[] = {0.95, 1.85, 3.3, 5.0, 5.6};
    double b[] = {0.95, 1.85, 3.3, 5.3, 5.3};
    usl_fit fa, fb, fone;
    ck_assert_int_eq(usl_fit_points(w, a, 5, &fa), 0);
    ck_assert_int_eq(usl_fit_points(w, b, 5, &fb), 0);
    ck_assert_int_eq(usl_fit_points(w, a, 4, &fone), 0);
    ck_assert_int_eq(fa.npoints, 4);
    ck_assert_msg(near(fa.sigma, fb.sigma, 1e-6, 1e-9) && near(fa.kappa, fb.kappa, 1e-6, 1e-9) &&
                      near(fa.lambda, fb.lambda, 1e-6, 0),
                  "repeats: (%g, %g, %g) vs their mean (%g, %g, %g)", fa.lambda, fa.sigma, fa.kappa, fb.lambda,
                  fb.sigma, fb.kappa);
    ck_assert_msg(fabs(usl_predict(&fa, 8) - usl_predict(&fone, 8)) > 0.01, "the second point at 8 was ignored");
    double sse = sse_of(fa.lambda, fa.sigma, fa.kappa, w, a, 5);
    ck_assert_msg(fabs(fa.rmse - sqrt(sse / 5)) < 1e-12, "rmse %g, want %g over all 5 points", fa.rmse, sqrt(sse / 5));
}
END_TEST

/* Speedups above linear: the law cannot follow them with sigma, kappa >= 0, so both stay at 0 and
 * lambda is the least-squares slope sum(S * N) / sum(N^2). */
START_TEST(test_superlinear)
{
    const double w[] = {1, 2, 4, 8};
    const double s[] = {1.0, 2.2, 4.8, 10.5};
    usl_fit f;
    ck_assert_int_eq(usl_fit_points(w, s, 4, &f), 0);
    double num = 0.0, den = 0.0;
    for (int i = 0; i < 4; i++) {
        num += s[i] * w[i];
        den += w[i] * w[i];
    }
    ck_assert_msg(f.sigma == 0.0 && f.kappa == 0.0, "sigma %g kappa %g", f.sigma, f.kappa);
    ck_assert_msg(near(f.lambda, num / den, 1e-9, 0), "lambda %.15g, want %.15g", f.lambda, num / den);
    ck_assert(isinf(f.peak_workers));
}
END_TEST

static const struct {
    double workers[MAXN], speedup[MAXN];
    int n;
    const char *note;
} refusal_cases[] = {
    {{1, 2}, {1, 1.9}, 2, "2 worker counts measured (1, 2): the scalability law needs at least 3 to fit"},
    {{1, 1, 2, 2}, {1, 0.98, 1.9, 1.95}, 4,
     "2 worker counts measured (1, 2): the scalability law needs at least 3 to fit"},
    {{1, 1, 1}, {1, 0.98, 1.02}, 3, "1 worker count measured (1): the scalability law needs at least 3 to fit"},
    {{2, 4, 4}, {1.9, 3.5, 3.6}, 3, "2 worker counts measured (2, 4): the scalability law needs at least 3 to fit"},
    /* the third count has no valid speedup */
    {{1, 2, 4, 8}, {1, 1.9, 0, NAN}, 4,
     "2 worker counts measured (1, 2): the scalability law needs at least 3 to fit"},
    {{0.5, 0, -1}, {1, 1, 1}, 3,
     "no valid point (worker count >= 1, speedup > 0): the scalability law needs at least 3 worker counts to fit"},
    {{0}, {0}, 0,
     "no valid point (worker count >= 1, speedup > 0): the scalability law needs at least 3 worker counts to fit"},
};

START_TEST(test_refusals)
{
    usl_fit f;
    ck_assert_int_eq(usl_fit_points(refusal_cases[_i].workers, refusal_cases[_i].speedup, refusal_cases[_i].n, &f),
                     -1);
    ck_assert(!f.fitted);
    ck_assert_str_eq(f.note, refusal_cases[_i].note);
    ck_assert(isnan(f.sigma) && isnan(f.kappa) && isnan(f.lambda) && isnan(f.r_squared) && isnan(f.rmse));
    ck_assert(isnan(usl_predict(&f, 2)));
    char why[256];
    ck_assert(!usl_can_extrapolate(&f, 1, why, sizeof(why)));
    ck_assert_msg(strstr(why, refusal_cases[_i].note) != NULL, "why: %s", why);
}
END_TEST

START_TEST(test_refusal_null)
{
    const double w[] = {1, 2, 4};
    const double s[] = {1, 2, 4};
    usl_fit f;
    ck_assert_int_eq(usl_fit_points(NULL, s, 3, &f), -1);
    ck_assert(!f.fitted);
    ck_assert_int_eq(usl_fit_points(w, NULL, 3, &f), -1);
    ck_assert(!f.fitted);
    ck_assert_int_eq(usl_fit_points(w, s, -1, &f), -1);
    ck_assert(!f.fitted);
    ck_assert_int_eq(usl_fit_points(w, s, 3, NULL), -1);
    ck_assert(isnan(usl_predict(NULL, 2)));
    ck_assert(!usl_can_extrapolate(NULL, 2, NULL, 0));
}
END_TEST

/* Invalid points among valid ones change nothing: the fit equals the fit of the valid ones alone. */
START_TEST(test_invalid_points_ignored)
{
    const double vw[] = {1, 2, 4, 8};
    double vs[ARRAY_LEN(vw)];
    make_curve(0.9, 0.05, 0.01, vw, 4, vs);
    for (int i = 0; i < 4; i++)
        vs[i] *= 1.0 + noise[i];
    const double w[] = {0.5, 1, 2, 0, 4, 3, -2, 8, NAN, 16, 5, INFINITY, 6};
    const double s[] = {0.4, vs[0], vs[1], 1, vs[2], 0, 1, vs[3], 2, -1, NAN, 3, INFINITY};

    usl_fit want, got;
    ck_assert_int_eq(usl_fit_points(vw, vs, 4, &want), 0);
    ck_assert_int_eq(usl_fit_points(w, s, (int)ARRAY_LEN(w), &got), 0);
    ck_assert_int_eq(got.npoints, 4);
    ck_assert_int_eq(got.max_workers, 8);
    ck_assert_msg(got.sigma == want.sigma && got.kappa == want.kappa && got.lambda == want.lambda &&
                      got.r_squared == want.r_squared && got.rmse == want.rmse,
                  "with invalid points (%g, %g, %g), without (%g, %g, %g)", got.lambda, got.sigma, got.kappa,
                  want.lambda, want.sigma, want.kappa);
    ck_assert_str_eq(got.note, want.note);
}
END_TEST

/* Only the first n points are read: a point past n would raise max_workers and move the fit. */
START_TEST(test_reads_only_n)
{
    const double w[] = {1, 2, 4, 8, 64};
    double s[ARRAY_LEN(w)];
    make_curve(1.0, 0.1, 0.0, w, 4, s);
    s[4] = 0.5;
    usl_fit f;
    ck_assert_int_eq(usl_fit_points(w, s, 4, &f), 0);
    ck_assert_int_eq(f.npoints, 4);
    ck_assert_int_eq(f.max_workers, 8);
    ck_assert_msg(near(f.sigma, 0.1, 1e-6, 0) && fabs(f.kappa) < 1e-9, "sigma %g kappa %g", f.sigma, f.kappa);
}
END_TEST

START_TEST(test_predict)
{
    usl_fit f = {.fitted = true, .sigma = 0.05, .kappa = 0.01, .lambda = 0.9, .max_workers = 8, .r_squared = 1};
    ck_assert(fabs(usl_predict(&f, 1) - 0.9) < 1e-15);
    ck_assert(fabs(usl_predict(&f, 32) - law(0.9, 0.05, 0.01, 32)) < 1e-12);
    ck_assert(fabs(usl_predict(&f, 10) - 0.9 * 10 / (1 + 0.05 * 9 + 0.01 * 90)) < 1e-12);
    ck_assert(isnan(usl_predict(&f, 0.5)));
    ck_assert(isnan(usl_predict(&f, NAN)));
    ck_assert(isnan(usl_predict(&f, INFINITY)));
    f.fitted = false;
    ck_assert(isnan(usl_predict(&f, 4)));
}
END_TEST

static const struct {
    double r_squared;
    int max_workers;
    double n;
    bool want;
    const char *why; /* a part of the reason when want is false */
} extrapolate_cases[] = {
    {0.99, 8, 1, true, NULL},
    {0.99, 8, 8, true, NULL},
    {0.99, 8, 32, true, NULL},
    {0.99, 8, 64, true, NULL},            /* exactly 8 times */
    {0.99, 8, 64.5, false, "more than 8 times the largest count measured (8)"},
    {0.99, 8, 1000, false, "too far to extrapolate"},
    {0.90, 8, 16, true, NULL},            /* R^2 exactly at the limit */
    {0.85, 8, 8, true, NULL},             /* interpolation needs no good fit */
    {0.85, 8, 4, true, NULL},
    {0.85, 8, 9, false, "R^2 0.850, below 0.90"},
    {NAN, 8, 9, false, "too loose"},
    {0.99, 8, 0.5, false, "not a worker count"},
    {0.99, 8, NAN, false, "not a worker count"},
    {0.99, 8, INFINITY, false, "not a worker count"},
    {0.99, 2, 17, false, "more than 8 times"},
};

START_TEST(test_can_extrapolate)
{
    usl_fit f = {.fitted = true, .sigma = 0.05, .kappa = 0.01, .lambda = 1, .npoints = 4};
    f.r_squared = extrapolate_cases[_i].r_squared;
    f.max_workers = extrapolate_cases[_i].max_workers;
    char why[256] = "untouched";
    bool got = usl_can_extrapolate(&f, extrapolate_cases[_i].n, why, sizeof(why));
    ck_assert_msg(got == extrapolate_cases[_i].want, "case %d: n %g: %d (%s)", _i, extrapolate_cases[_i].n, got, why);
    if (got)
        ck_assert_str_eq(why, "");
    else
        ck_assert_msg(strstr(why, extrapolate_cases[_i].why) != NULL, "case %d: why '%s'", _i, why);
    ck_assert(usl_can_extrapolate(&f, extrapolate_cases[_i].n, NULL, 0) == extrapolate_cases[_i].want);
}
END_TEST

START_TEST(test_can_extrapolate_short_buffer)
{
    usl_fit f = {.fitted = true, .sigma = 0.05, .kappa = 0.01, .lambda = 1, .max_workers = 8, .r_squared = 0.5};
    char why[8] = "xxxxxxx";
    ck_assert(!usl_can_extrapolate(&f, 9, why, 4));
    ck_assert_int_eq((int)strlen(why), 3);
    ck_assert(why[4] == 'x');
    f.fitted = false;
    ck_assert(!usl_can_extrapolate(&f, 2, why, sizeof(why)));
}
END_TEST

Suite *usl_suite(void)
{
    Suite *s = suite_create("usl");

    TCase *tc = tcase_create("fit");
    tcase_add_loop_test(tc, test_exact_curves, 0, (int)ARRAY_LEN(exact_cases));
    tcase_add_test(tc, test_fit_summary);
    tcase_add_loop_test(tc, test_noisy_curves, 0, (int)ARRAY_LEN(noisy_cases));
    tcase_add_test(tc, test_repeats_count);
    tcase_add_test(tc, test_superlinear);
    suite_add_tcase(s, tc);

    tc = tcase_create("input");
    tcase_add_loop_test(tc, test_refusals, 0, (int)ARRAY_LEN(refusal_cases));
    tcase_add_test(tc, test_refusal_null);
    tcase_add_test(tc, test_invalid_points_ignored);
    tcase_add_test(tc, test_reads_only_n);
    suite_add_tcase(s, tc);

    tc = tcase_create("predict");
    tcase_add_test(tc, test_predict);
    tcase_add_loop_test(tc, test_can_extrapolate, 0, (int)ARRAY_LEN(extrapolate_cases));
    tcase_add_test(tc, test_can_extrapolate_short_buffer);
    suite_add_tcase(s, tc);
    return s;
}
