/* summary.c - what a person reads at the end of a run, on a 100-column terminal: every
 * configuration in one compact table, what the worker threads were doing, how it was measured
 * (the same list as the reports'), the classification, the recommendation and the problems.
 * Built as a document (doc.h) and rendered by terminal.c. */
#include "doc.h"

#include <math.h>
#include <string.h>
#include <unistd.h>

#include "concur/advise.h"
#include "concur/classify.h"
#include "concur/counters.h"
#include "concur/util.h"

static const char variant_legend[] =
    "*: a follow-up the advisor measured (see the chunksize and start method notes below).";

static void header(report_doc *d, const results *r)
{
    doc_title(d);
    doc_put(d, DOC_PLAIN, r->workload.name);
    if (r->workload.description[0])
        doc_putf(d, DOC_PLAIN, " - %s", r->workload.description);
    doc_paragraph(d, DOC_LEAD);
    doc_putf(d, DOC_PLAIN, "%d %s, %s %s (%s%s) on %d cores / %d PUs%s%s; "
                           "counters: %s",
             r->workload.tasks, doc_tasks_noun(r), r->python.implementation, r->python.version,
             r->python.executable, r->python.gil == 0 ? ", no GIL" : "", r->machine.cores,
             r->machine.pus, r->machine.cpu_model[0] ? ", " : "", r->machine.cpu_model,
             counters_level_name(r->counters.level));
    if (!r->complete) {
        doc_paragraph(d, DOC_ALERT);
        doc_putf(d, DOC_PLAIN, "INCOMPLETE: %s", r->incomplete_reason);
    }
}

/* One row: wall with its interval, speedup with its interval, CPU utilization, peak memory. The
 * workers column says "2*" for a follow-up (another chunksize or start method). */
static void configuration_row(report_doc *d, const results *r, const config_summary *s)
{
    char buf[64], lo[32], hi[32];
    doc_cell(d, mode_name(s->mode));
    if (s->native_limit > 0)
        doc_cellf(d, "%d*n%d", s->workers, s->native_limit);
    else
        doc_cellf(d, s->variant ? "%d*" : "%d", s->workers);
    doc_cell(d, s->runs_ok ? util_fmt_seconds(buf, sizeof(buf), s->wall_s) : "-");
    if (s->runs_ok == 0)
        doc_cell(d, "(failed)");
    else if (s->runs_ok == 1)
        doc_cell(d, "(1 run, no interval)");
    else if (s->runs_ok < RESULTS_CI_MIN_RUNS)
        doc_cellf(d, "(%d runs: no interval)", s->runs_ok);
    else
        doc_cellf(d, "%s - %s", util_fmt_seconds(lo, sizeof(lo), s->ci_low_s),
                  util_fmt_seconds(hi, sizeof(hi), s->ci_high_s));
    if (isnan(s->speedup))
        doc_cell(d, "-");
    else if (isnan(s->speedup_low) || !results_speedup_ci_shown(r, s))
        doc_cellf(d, "%.2fx", s->speedup);
    else
        doc_cellf(d, "%.2fx [%.2f-%.2f]", s->speedup, s->speedup_low, s->speedup_high);
    if (s->runs_ok > 0 && isnan(s->cpu_utilization))
        doc_cell(d, "short"); /* too short to measure: the legend says so */
    else if (isnan(s->cpu_utilization))
        doc_cell(d, "-");
    else
        doc_cellf(d, "%.2f", s->cpu_utilization);
    doc_cell(d, util_fmt_bytes(buf, sizeof(buf), s->peak_rss_bytes));
}

/* "*nK": a follow-up with the native thread pools limited to K threads, through the variable the
 * job's library reads; nothing where none was. */
static void native_legend(report_doc *d, const results *r)
{
    for (int i = 0; i < r->nsummary; i++)
        if (r->summary[i].native_limit > 0) {
            char text[200];
            util_fmt(text, sizeof(text), "*nK: the native thread pools limited to K threads "
                     "each (%s=K and the like).", advise_native_var(r));
            doc_say(d, DOC_NORMAL, text);
            return;
        }
}

static void configurations(report_doc *d, const results *r)
{
    static const doc_column cols[] = {
        {"mode", 'l', 10, 0},   {"workers", 'r', 7, 0}, {"wall", 'r', 11, 0},
        {"95% CI", 'l', 21, 1}, {"speedup", 'l', 20, 0}, {"cpu", 'r', 6, 0},
        {"peak RSS", 'r', 10, 0},
    };
    bool variants = false;
    doc_table(d, cols, 7);
    for (int i = 0; i < r->nsummary; i++) {
        configuration_row(d, r, &r->summary[i]);
        variants = variants || r->summary[i].variant;
    }
    if (variants)
        doc_say(d, DOC_NORMAL, variant_legend);
    native_legend(d, r);
    doc_say(d, DOC_NORMAL,
            "wall: median of the runs; speedup: against single; cpu: CPU time / (wall x "
            "workers),\n1.00 when every worker computes all the time.");
    if (report_any_too_short(r)) {
        doc_paragraph(d, DOC_NOTE);
        doc_putf(d, DOC_PLAIN, "cpu short: %s", report_too_short_note);
    }
    doc_safety(d, r);
}

/* What the worker threads were doing in each configuration, as shares of the sampler's samples.
 * Left out entirely when no configuration was sampled. */
static void states(report_doc *d, const results *r)
{
    static const doc_column cols[] = {
        {"mode", 'l', 10, 0}, {"workers", 'r', 7, 0}, {"samples", 'r', 8, 0},
        {"running", 'r', 8, 0}, {"runnable", 'r', 8, 0}, {"gil", 'r', 7, 0},
        {"lock", 'r', 7, 0},  {"io", 'r', 7, 0},      {"sleep", 'r', 7, 0},
        {"child", 'r', 7, 0},
    };
    bool undistinguished;
    if (!report_any_sampled(r, &undistinguished))
        return;
    doc_heading(d, "What the workers were doing (share of samples)");
    doc_table(d, cols, 10);
    for (int i = 0; i < r->nsummary; i++) {
        const config_summary *s = &r->summary[i];
        doc_cell(d, mode_name(s->mode));
        doc_cellf(d, s->variant ? "%d*" : "%d", s->workers);
        doc_state_cells(d, s, TS_OTHER); /* "other" would not fit */
    }
    doc_say(d, DOC_NORMAL,
            "running: on a CPU; runnable: waiting for one; gil/lock: in futex on the GIL or "
            "another lock;\nio: in a read, write, poll...; sleep: in nanosleep; child: waiting "
            "for a child process.");
    if (undistinguished)
        doc_say(d, DOC_NOTE, "gil '-': GIL waits could not be told apart from other locks and "
                             "are counted under lock.");
}

/* The verdict, then the numbers it rests on. Nothing when the results were not classified. */
static void classification_lines(report_doc *d, const classification *c)
{
    if (classify_is_empty(c))
        return;
    char heading[160];
    util_fmt(heading, sizeof(heading), "Classification: %s, GIL %s%s, confidence %.2f%s",
             classify_kind_name(c->kind), classify_gil_name(c->gil),
             c->native_threaded > 0 ? ", native-threaded" : "", c->confidence,
             c->memory_bound > 0 ? ", memory-bound" : "");
    doc_heading(d, heading);
    doc_list(d, DOC_NORMAL, '-');
    for (int i = 0; i < c->nevidence; i++)
        doc_item_text(d, c->evidence[i]);
}

/* A list of texts[0..n-1] under mark. */
static void text_list(report_doc *d, char mark, const char (*texts)[ADVISE_TEXT_LEN], int n)
{
    doc_list(d, DOC_NORMAL, mark);
    for (int i = 0; i < n; i++)
        if (texts[i][0])
            doc_item_text(d, texts[i]);
}

/* What to do, why, and what else is worth knowing. */
static void recommendation_lines(report_doc *d, const recommendation *rec)
{
    if (!rec->made && rec->nreasons == 0)
        return;
    doc_heading(d, NULL);
    doc_put(d, DOC_STRONG, "Recommendation");
    if (rec->made && isfinite(rec->confidence))
        doc_putf(d, DOC_PLAIN, " (confidence %.2f)", rec->confidence);
    if (rec->made) {
        doc_paragraph(d, DOC_HEADLINE);
        doc_put(d, DOC_STRONG, rec->headline);
    }
    text_list(d, '-', rec->reasons, rec->nreasons);
    text_list(d, '*', rec->notes, rec->nnotes);
    if (rec->target_cores > 0) {
        doc_list(d, DOC_NORMAL, '>');
        for (int i = 0; i < 2; i++)
            if (rec->scaling[i].note[0])
                doc_item_text(d, rec->scaling[i].note);
    }
    text_list(d, '?', rec->open_questions, rec->nopen);
    if (rec->nbeyond > 0) {
        doc_heading(d, NULL);
        doc_put(d, DOC_STRONG, "Beyond this machine (Dask)");
        text_list(d, '-', rec->beyond, rec->nbeyond);
    }
}

/* The last line of a traceback: the exception itself. */
static void last_line(char *buf, size_t len, const char *traceback)
{
    const char *end = traceback + strlen(traceback);
    while (end > traceback && end[-1] == '\n')
        end--;
    const char *start = end;
    while (start > traceback && start[-1] != '\n')
        start--;
    util_fmt(buf, len, "%.*s", (int)(end - start), start);
}

/* Runs that did not go as planned, each once per configuration and reason. */
static void problems(report_doc *d, const results *r)
{
    bool header = false;
    for (int i = 0; i < r->nruns; i++) {
        const run_result *x = &r->runs[i];
        if (x->status == RUN_OK)
            continue;
        bool seen = false;
        for (int k = 0; k < i && !seen; k++)
            seen = r->runs[k].mode == x->mode && r->runs[k].workers == x->workers &&
                   r->runs[k].status == x->status;
        if (seen)
            continue;
        if (!header) {
            doc_heading(d, "Problems:");
            doc_list(d, DOC_NORMAL, 0);
            header = true;
        }
        char which[24];
        if (x->warmup)
            util_fmt(which, sizeof(which), "warm-up");
        else
            util_fmt(which, sizeof(which), "run %d", x->repeat);
        doc_itemf(d, "%s x%d %s: %s: %s", mode_name(x->mode), x->workers, which,
                  results_status_name(x->status), x->error);
        if (x->traceback[0]) {
            char line[sizeof(x->traceback)];
            last_line(line, sizeof(line), x->traceback);
            doc_item_pre(d, line);
        }
    }
}

void doc_build_summary(report_doc *d, const results *r)
{
    doc_init(d, r->workload.name);
    header(d, r);
    doc_program(d, r);
    configurations(d, r);
    states(d, r);
    doc_measuring(d, r);
    classification_lines(d, &r->classification);
    recommendation_lines(d, &r->recommendation);
    problems(d, r);
}

void report_terminal(const results *r, FILE *out)
{
    report_doc d;
    doc_build_summary(&d, r);
    doc_render_terminal(&d, out, out == stdout && isatty(fileno(out)) && log_color());
    doc_free(&d);
}
