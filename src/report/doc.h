/* doc.h - the reports as one document: what they say is built once from the results, and each
 * back end (the terminal, Markdown, HTML) shows it its own way.
 *
 * A document is a list of blocks: a title, sections with their headings, headings inside them,
 * paragraphs, lists, tables and charts. Their text is plain text in spans, each with a mark
 * (strong, code, a label...); escaping and markup are the back ends' business. report.md and
 * report.html render one document (document.c); the terminal summary, narrower, another
 * (summary.c), which shares the sections the two say alike (measuring.c). A new section is
 * written once. Private to src/report/. */
#ifndef CONCUR_REPORT_DOC_H
#define CONCUR_REPORT_DOC_H

#include <stdbool.h>
#include <stdio.h>

#include "concur/log.h"
#include "concur/report.h"
#include "concur/sampler.h"

/* ---- inline text ----------------------------------------------------------------------------- */

typedef enum {
    DOC_PLAIN,  /* as it is */
    DOC_STRONG, /* Markdown **x**, HTML <strong>, bold on a colour terminal */
    DOC_CODE,   /* a path or a spec: HTML <code>, plain text elsewhere */
    DOC_LABEL,  /* what a fact is ("Model:"): HTML <strong>, plain text elsewhere */
    DOC_ASIDE,  /* the second part of a title, the description: quieter in HTML */
} doc_mark;

typedef struct {
    doc_mark mark;
    char *text;
} doc_span;

typedef struct {
    doc_span *spans;
    int n, cap;
} doc_text;

/* ---- blocks ---------------------------------------------------------------------------------- */

typedef enum {
    DOC_TITLE,     /* the report's heading (level 1); HTML keeps it and what follows in <header> */
    DOC_SECTION,   /* a section's heading (level 2): the section runs to the next one */
    DOC_HEADING,   /* a heading inside a section (level 3) */
    DOC_PARAGRAPH, /* with a style */
    DOC_LIST,      /* items, each with an optional preformatted block under it */
    DOC_TABLE,     /* columns and cells */
    DOC_CHART,     /* data drawn by HTML; the others leave it out */
} doc_kind;

/* How a paragraph or a list reads: each back end has its own way to set it apart. */
typedef enum {
    DOC_NORMAL,
    DOC_LEAD,     /* the introduction under the title */
    DOC_NOTE,     /* a legend under a table; wrapped on the terminal */
    DOC_HEADLINE, /* the recommendation, in bold */
    DOC_ALERT,    /* the run is incomplete, in bold */
    DOC_FACTS,    /* a list of label: value facts */
} doc_style;

/* The back ends a block is for: all of them unless doc_for says otherwise. */
enum { DOC_TO_TERMINAL = 1, DOC_TO_MARKDOWN = 2, DOC_TO_HTML = 4, DOC_TO_ALL = 7 };

typedef struct {
    doc_text text;
    char *pre; /* preformatted text under it (a traceback), or NULL */
} doc_item;

typedef struct {
    const char *head;
    char align; /* 'l' or 'r' */
    int width;  /* the terminal's: cells padded to it, a wider one not cut (Markdown and HTML size
                   their columns themselves) */
    int gap;    /* the terminal's: spaces before the column beyond the one every column has */
} doc_column;

typedef enum { DOC_CHART_SPEEDUP, DOC_CHART_STATES } doc_chart_kind;

/* A point of the speedup chart. The builder adds a mode's sweep by worker count, modes in order,
 * then the follow-ups. */
typedef struct {
    run_mode mode;
    bool followup;          /* another chunksize or start method: hollow, on no line */
    double workers, speedup;
    double lo, hi;          /* the 95 % interval; NAN without one */
    char *label;            /* "threads x2: 0.85x [0.27-1.78]" */
} doc_point;

/* A bar of the states chart: one configuration. */
typedef struct {
    char *label;            /* "threads x2" */
    bool sampled;
    double share[TS_COUNT]; /* by thread_state */
} doc_bar;

typedef struct {
    doc_kind kind;
    unsigned to;       /* DOC_TO_* */
    doc_style style;   /* paragraphs and lists */
    doc_text text;     /* title, headings, paragraphs; a chart's caption */
    const char *id;    /* a section's name in HTML (id="...") */
    char mark;         /* a list's marker on the terminal ('-'); 0: lines as they are, indented */
    doc_item *items;
    int nitems, itemcap;
    const doc_column *cols;
    int ncols;
    char **cells; /* row after row */
    int ncells, cellcap;
    doc_chart_kind chart;
    doc_point *points;
    int npoints, pointcap;
    doc_bar *bars;
    int nbars, barcap;
} doc_block;

typedef struct {
    char *title;       /* the page's title, HTML's <title> */
    doc_block *blocks;
    int nblocks, cap;
    unsigned to;       /* what new blocks are for */
} report_doc;

/* ---- building one ---------------------------------------------------------------------------- */

void doc_init(report_doc *d, const char *title);
void doc_free(report_doc *d);
/* The blocks added from now on are for these back ends only (DOC_TO_*). */
void doc_for(report_doc *d, unsigned to);

/* Blocks. The text of a title, a heading or a paragraph, and of a list's item, is added after them
 * with doc_put and doc_putf (to the last block, or to the last item of the last list). */
void doc_title(report_doc *d);
void doc_section(report_doc *d, const char *id, const char *heading);
/* heading NULL: its text follows in spans. */
void doc_heading(report_doc *d, const char *heading);
void doc_paragraph(report_doc *d, doc_style style);
/* A paragraph of plain text. */
void doc_say(report_doc *d, doc_style style, const char *text);
void doc_list(report_doc *d, doc_style style, char mark);
void doc_item_start(report_doc *d);
/* An item of plain text. */
void doc_item_text(report_doc *d, const char *text);
void doc_itemf(report_doc *d, const char *fmt, ...) CONCUR_PRINTF(2, 3);
/* Preformatted text under the last item. */
void doc_item_pre(report_doc *d, const char *pre);
void doc_put(report_doc *d, doc_mark mark, const char *text);
void doc_putf(report_doc *d, doc_mark mark, const char *fmt, ...) CONCUR_PRINTF(3, 4);

/* A table of these columns (cols stays the caller's), then its cells row after row. */
void doc_table(report_doc *d, const doc_column *cols, int ncols);
void doc_cell(report_doc *d, const char *text);
void doc_cellf(report_doc *d, const char *fmt, ...) CONCUR_PRINTF(2, 3);

/* A chart with its caption, then its points or its bars. */
void doc_chart(report_doc *d, doc_chart_kind kind, const char *caption);
void doc_point_add(report_doc *d, const doc_point *p, const char *label);
void doc_bar_add(report_doc *d, const char *label, bool sampled, const double *share);

/* The text of a span run without its marks, into a string the caller frees. */
char *doc_text_plain(const doc_text *t);

/* ---- the documents --------------------------------------------------------------------------- */

/* report.md and report.html: the results in sections, recommendation first (document.c). */
void doc_build_report(report_doc *d, const results *r);
/* The terminal summary (summary.c). */
void doc_build_summary(report_doc *d, const results *r);

/* Shared by both: "How it was measured" as a list ('-' on the terminal), nothing when there are
 * no runs. */
void doc_measuring(report_doc *d, const results *r);

/* Shared by both: "Your program" (program.c) for a program measured as it is, nothing for a
 * workload. */
void doc_program(report_doc *d, const results *r);
/* What the task count counts: "tasks in the job", or a program's "calls into its pools per run". */
const char *doc_tasks_noun(const results *r);

/* ---- the back ends --------------------------------------------------------------------------- */

/* Each writes d to out, the blocks meant for it. */
void doc_render_terminal(const report_doc *d, FILE *out, bool color);
void doc_render_markdown(const report_doc *d, FILE *out);
void doc_render_html(const report_doc *d, FILE *out);

/* ---- formatting the documents share (format.c) ----------------------------------------------- */

/* Each writes "-" for what was not measured (NAN) and returns buf. */
/* "1.63x [0.72-3.70]", "1.63x" without an interval (lo or hi not a number). */
char *report_fmt_speedup(char *buf, size_t len, double s, double lo, double hi);
/* v with that many decimals: "0.42". */
char *report_fmt_fixed(char *buf, size_t len, double v, int decimals);
/* A share as a percentage: "31.4%". */
char *report_fmt_share(char *buf, size_t len, double f);
/* "threads x2"; a follow-up: "processes x2, chunksize 130, fork". */
char *report_config_name(char *buf, size_t len, const config_summary *s);
/* The same for a run. */
char *report_run_name(char *buf, size_t len, const run_result *x);
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
/* Whether the pools compute what single computes, as a list every report shows under its table
 * of configurations: one item per configuration whose runs showed it not safe for this job, with
 * the evidence, and why the results were not compared where they were not. Nothing for a safe job,
 * or results written before concur compared them. */
void doc_safety(report_doc *d, const results *r);

/* What the worker threads were doing, by thread_state: the shares of a configuration's samples. */
void report_state_shares(const config_summary *s, double share[TS_COUNT]);
/* Whether any configuration was sampled, and whether one of those could not tell the GIL apart. */
bool report_any_sampled(const results *r, bool *undistinguished);
/* A configuration's cells in a table of thread states: its samples, then its share in each of
 * the first nstates states ("-" where nothing was sampled, and for GIL waits where they could not
 * be told apart from other locks). */
void doc_state_cells(report_doc *d, const config_summary *s, int nstates);

#endif
