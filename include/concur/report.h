/* report.h - what a person reads: the terminal summary of a run, report.md and report.html.
 *
 * All three are built as one document (src/report/doc.h: headings, paragraphs, lists, tables and
 * the charts' data) and rendered by a back end each; a section is written once. */
#ifndef CONCUR_REPORT_H
#define CONCUR_REPORT_H

#include <stdio.h>

#include "concur/results.h"

/* A table of every configuration (wall with its interval, speedup, CPU utilization), a table of
 * what the worker threads were doing where they were sampled, how it was measured, the
 * classification with its evidence once it is made, the recommendation (in bold on a colour
 * terminal) and the runs that failed with their reasons. Write errors are the stream's. */
void report_terminal(const results *r, FILE *out);

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

#endif
