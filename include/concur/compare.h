/* compare.h - two results of the same job, configuration by configuration: did it get slower? */
#ifndef CONCUR_COMPARE_H
#define CONCUR_COMPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "concur/plan.h"
#include "concur/results.h"

/* Defaults of concur compare. */
#define COMPARE_DEFAULT_THRESHOLD 0.05 /* a change smaller than 5 % is not worth a verdict */
#define COMPARE_DEFAULT_ALPHA 0.05

/* A configuration needs this many successful runs on each side to be tested. */
#define COMPARE_MIN_RUNS 2

#define COMPARE_MAX_WARNINGS 8
#define COMPARE_WARNING_LEN 512

typedef enum {
    COMPARE_UNCHANGED = 0, /* not significant, or within the threshold */
    COMPARE_SLOWER,        /* significant and new / old - 1 above +threshold */
    COMPARE_FASTER,        /* significant and new / old - 1 below -threshold */
    COMPARE_TOO_FEW,       /* fewer than COMPARE_MIN_RUNS successful runs on a side: not tested */
    COMPARE_ONLY_OLD,      /* the configuration was measured in the old results only */
    COMPARE_ONLY_NEW,      /* ... in the new results only */
} compare_verdict;

/* "slower", "faster", "unchanged", "too few repeats", "only in OLD", "only in NEW". */
const char *compare_verdict_name(compare_verdict v);

/* One configuration. Numbers that a side lacks are NAN. */
typedef struct {
    run_mode mode;
    int workers;
    int native_limit;                /* a follow-up with the native pools limited; 0: the sweep */
    int n_old, n_new;                /* successful runs (ok or with failed tasks) with a wall time */
    double old_wall_s, new_wall_s;   /* median wall time over those runs */
    double old_low_s, old_high_s;    /* the medians' 95 % intervals, as results.json has them */
    double new_low_s, new_high_s;
    double change;                   /* new_wall_s / old_wall_s - 1 */
    double ratio;                    /* exp(mean log new - mean log old): the geometric-mean ratio */
    double ratio_low, ratio_high;    /* its (1 - alpha) interval from the Welch statistics */
    double p_value;                  /* Welch's t-test on the log wall times, two-sided */
    compare_verdict verdict;
} compare_row;

typedef struct {
    double threshold; /* as a fraction: 0.05 is 5 % */
    double alpha;
    compare_row *rows; /* in mode, then worker order */
    int nrows;
    int count[COMPARE_ONLY_NEW + 1]; /* rows per verdict */
    /* Why the two results may not be comparable (different workload, interpreter, machine,
     * counter level, an incomplete file): one sentence each, without a trailing period. */
    char warnings[COMPARE_MAX_WARNINGS][COMPARE_WARNING_LEN];
    int nwarnings;
} compare_report;

/* Compares every configuration of old and new: configurations are matched by mode and worker
 * count (and native thread limit: the limited follow-ups are compared too, the others are not), the medians come from each file's summary and the test from its runs' wall times.
 * threshold is a fraction (>= 0), alpha in (0, 1). Fills out (free it with compare_report_free).
 * Cannot fail. */
void compare_results(const results *old, const results *new_, double threshold, double alpha,
                     compare_report *out);
void compare_report_free(compare_report *rep);

/* True when some configuration is significantly slower beyond the threshold: what makes
 * concur compare exit 1. */
bool compare_has_slowdown(const compare_report *rep);

/* The one-line verdict, e.g. "1 configuration slower beyond 5 %" or "no significant slowdown
 * beyond 5 %", with the other counts after a semicolon. */
void compare_summary_line(const compare_report *rep, char *buf, size_t len);

/* The report as a plain-text table with the summary line under it (warnings are the caller's to
 * show), as GitHub-flavoured Markdown for a pull request comment (summary in bold on top, then
 * the warnings, then the table), or as a JSON object (schema concur.compare/1) with a newline. */
void compare_print_text(const compare_report *rep, FILE *out);
void compare_print_markdown(const compare_report *rep, FILE *out);
void compare_print_json(const compare_report *rep, FILE *out);

#endif
