/* report.h - what a person reads: the terminal summary of a run, report.md and report.html. */
#ifndef CONCUR_REPORT_H
#define CONCUR_REPORT_H

#include <stdio.h>

#include "concur/results.h"

/* A table of every configuration (wall with its interval, speedup, CPU utilization), a table of
 * what the worker threads were doing where they were sampled, the classification with its
 * evidence once it is made, and the runs that failed with their reasons. Write errors are the
 * stream's. */
void report_terminal(const results *r, FILE *out);

/* The recommendation alone: the headline, the reasons, the notes, the prediction for the target
 * machine and the open questions; nothing when none was made. Bold on a colour terminal. */
void report_recommendation(const recommendation *rec, FILE *out);

/* The reports rendered from results alone (what results.json holds), recommendation first: the
 * recommendation with its reasons, notes and alternatives; the classification with its evidence;
 * every configuration (wall with its 95 % interval, speedup with its interval, efficiency, CPU
 * utilization, what the worker threads were doing, peak memory, pickled bytes per task) and the
 * follow-ups apart; the prediction beyond this machine when one was asked for; the machine, the
 * interpreter and the counters; the runs that failed. An incomplete run says so on the first line.
 * Numbers that were not measured print as "-". Each returns 0, or -1 when writing to out failed. */

/* GitHub-flavoured Markdown, readable as plain text too (tables are aligned). */
int report_write_markdown(const results *r, FILE *out);

/* One self-contained HTML file: inline CSS and inline SVG charts (svg#chart-speedup: speedup
 * against workers per mode, with the ideal line and the 95 % band; svg#chart-states: what the
 * worker threads were doing in each configuration), no script, nothing fetched from anywhere
 * (a Content-Security-Policy says so to the browser too). Every string from the results is
 * escaped. */
int report_write_html(const results *r, FILE *out);

/* Writes dir/report.md (when md) and dir/report.html (when html), each rendered in memory first and
 * then written atomically (util_write_atomic), so a reader never sees half a report. dir must
 * exist. Returns 0, or -1 with a reason naming the file in err. */
int report_write_files(const results *r, const char *dir, bool md, bool html, char *err,
                       size_t errlen);

/* Renders into a string the caller frees: report_write_markdown or report_write_html into memory.
 * Never NULL. */
char *report_markdown_string(const results *r);
char *report_html_string(const results *r);

/* How the numbers were measured, as sentences every report prints the same: runs and time spent,
 * the sample, the precision of the recommended configuration, each decision of the sweep
 * (results.plan: warm-up, skipped, stopped, budget), outliers, tasks of very unequal cost. Returns
 * how many lines were written, at most max. */
#define REPORT_LINE_LEN 400
int report_measuring(const results *r, char (*lines)[REPORT_LINE_LEN], int max);

/* Whether the pools compute what single computes, as sentences every report prints under its
 * table of configurations: one per configuration whose runs showed it unsafe for this job, with
 * the evidence, and why the results were not compared where they were not. Nothing for a safe
 * job, or results written before concur compared them. Returns how many lines, at most max. */
int report_safety(const results *r, char (*lines)[REPORT_LINE_LEN], int max);

/* Formatting the report renderers share; each writes "-" for what was not measured (NAN) and
 * returns buf. */
/* "1.63x [0.72-3.70]", "1.63x" without an interval (lo or hi not a number). */
char *report_fmt_speedup(char *buf, size_t len, double s, double lo, double hi);
/* v with that many decimals: "0.42". */
char *report_fmt_fixed(char *buf, size_t len, double v, int decimals);
/* A share as a percentage: "31.4%". */
char *report_fmt_share(char *buf, size_t len, double f);
/* "threads x2"; a follow-up: "processes x2, chunksize 130, fork". */
char *report_config_name(char *buf, size_t len, const config_summary *s);
/* An option of the recommendation: "threads", "processes, chunksize 130, fork". */
char *report_option_model(char *buf, size_t len, const advise_option *o);
/* The wall time's 95 % interval, "97.38 ms - 133.55 ms"; "- (1 run)" where one run gave none,
 * "(2 runs: no interval)" where two cannot support one (RESULTS_CI_MIN_RUNS). */
char *report_fmt_wall_ci(char *buf, size_t len, const config_summary *s);
/* Successful runs, "3", and the failed ones: "2 (1 failed)". */
char *report_fmt_runs(char *buf, size_t len, const config_summary *s);
/* CPU utilization, "0.95"; "too short to measure" where runs succeeded and none could measure it
 * (results_cpu_utilization); "-" where none succeeded. */
char *report_fmt_utilization(char *buf, size_t len, const config_summary *s);
/* Whether some configuration's CPU utilization was too short to measure; the sentence that says
 * what that means, for under the tables. */
bool report_any_too_short(const results *r);
extern const char report_too_short_note[];

#endif
