/* document.c - report.md and report.html: the results in sections, built once (doc.h), rendered by
 * markdown.c and html.c; and both written to files. */
#include "doc.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "concur/classify.h"
#include "concur/counters.h"
#include "concur/util.h"

/* The legends the tables and charts share. */
static const char configurations_legend[] =
    "wall: median of the successful runs, with its 95 % confidence interval; speedup: against "
    "single, with its interval; efficiency: speedup / workers; CPU util.: CPU time / (wall x "
    "workers); peak RSS: all processes of a run together (median); pickled / task: argument and "
    "result of a task in a process pool (median).";
static const char states_legend[] =
    "Shares of the sampler's samples of the worker threads. running: on a CPU; runnable: waiting "
    "for one; GIL wait / lock wait: blocked on the GIL or another lock; I/O wait: in a read, "
    "write, poll...; sleep: in a sleep; child wait: waiting for a child process.";
static const char undistinguished_note[] =
    "GIL wait \"-\": the GIL could not be told apart from other locks; its waits are counted as "
    "lock waits.";

static void header(report_doc *d, const results *r)
{
    if (!r->complete) {
        const char *why = r->incomplete_reason[0] ? r->incomplete_reason : "the run did not finish";
        doc_paragraph(d, DOC_ALERT);
        doc_put(d, DOC_STRONG, "INCOMPLETE:");
        doc_put(d, DOC_PLAIN, " ");
        doc_put(d, DOC_PLAIN, why);
        doc_putf(d, DOC_PLAIN, "%s The numbers below come from the runs that finished.",
                 why[strlen(why) - 1] == '.' ? "" : ".");
    }
    doc_title(d);
    doc_put(d, DOC_PLAIN, d->title);
    if (r->workload.description[0]) {
        doc_put(d, DOC_PLAIN, ": ");
        doc_put(d, DOC_ASIDE, r->workload.description);
    }
    doc_paragraph(d, DOC_LEAD);
    doc_put(d, DOC_PLAIN, "concur report for ");
    doc_put(d, DOC_CODE, r->workload.spec[0] ? r->workload.spec : "-");
    doc_putf(d, DOC_PLAIN,
             ": %d %s, measured on this machine in a single thread, a thread pool "
             "and a process pool.",
             r->workload.tasks, doc_tasks_noun(r));
}

/* ---- the recommendation ---------------------------------------------------------------------- */

/* A new item of a list of facts, its label first: "Model: ...". */
static void fact(report_doc *d, const char *label)
{
    doc_item_start(d);
    doc_put(d, DOC_LABEL, label);
    doc_put(d, DOC_PLAIN, " ");
}

/* Items of plain text: the strings text[from] to text[n - 1]. */
#define ITEMS(d, text, from, n)                                                                    \
    do {                                                                                           \
        for (int i_ = (from); i_ < (n); i_++)                                                      \
            doc_item_text((d), (text)[i_]);                                                        \
    } while (0)

/* What was chosen: the model, the speedup, the confidence and the memory. */
static void choice_facts(report_doc *d, const recommendation *rec)
{
    const advise_option *c = &rec->choice;
    const mode_info *mi = mode_get(c->mode);
    char sp[64], rss[32], mem[32];
    doc_list(d, DOC_FACTS, '-');
    fact(d, "Model:");
    char count[32];
    doc_putf(d, DOC_PLAIN, "%s (%s), %s", mi->name, mi->title,
             mode_workers_text(c->mode, c->workers, count, sizeof(count)));
    if (mi->pickles && c->concurrency > 0)
        doc_putf(d, DOC_PLAIN, ", each process an event loop with %d tasks in flight",
                 c->concurrency);
    if (mi->pickles && c->chunksize > 0)
        doc_putf(d, DOC_PLAIN, ", chunksize %d", c->chunksize);
    if (mi->pickles && c->start_method[0]) {
        doc_put(d, DOC_PLAIN, ", start method ");
        doc_put(d, DOC_PLAIN, c->start_method);
    }
    fact(d, "Expected speedup:");
    doc_putf(d, DOC_PLAIN, "%s against a plain loop, on this machine",
             report_fmt_speedup(sp, sizeof(sp), c->speedup, c->ci_low, c->ci_high));
    fact(d, "Confidence:");
    doc_put(d, DOC_PLAIN, report_fmt_fixed(sp, sizeof(sp), rec->confidence, 2));
    util_fmt_bytes(rss, sizeof(rss), rec->peak_rss_bytes);
    if (rec->machine_memory_bytes > 0)
        util_fmt_bytes(mem, sizeof(mem), rec->machine_memory_bytes);
    else
        util_fmt(mem, sizeof(mem), "-");
    fact(d, "Peak memory:");
    doc_putf(d, DOC_PLAIN, "%s, all processes together (this machine: %s)%s", rss, mem,
             rec->memory_fits ? "" : ": more than this machine has");
}

static void alternatives(report_doc *d, const recommendation *rec)
{
    static const doc_column cols[] = {
        {"model", 'l'}, {"workers", 'r'}, {"speedup [95% CI]", 'r'}, {"why not", 'l'}};
    doc_heading(d, "Alternatives");
    doc_table(d, cols, 4);
    for (int i = 0; i < rec->nalternatives; i++) {
        const advise_option *a = &rec->alternatives[i];
        char buf[96];
        doc_cell(d, report_option_model(buf, sizeof(buf), a));
        doc_cellf(d, "%d", a->workers);
        doc_cell(d, report_fmt_speedup(buf, sizeof(buf), a->speedup, a->ci_low, a->ci_high));
        doc_cell(d, a->why);
    }
}

static void section_recommendation(report_doc *d, const recommendation *rec)
{
    doc_section(d, "recommendation", "Recommendation");
    doc_paragraph(d, DOC_HEADLINE);
    if (!rec->made) {
        if (rec->nreasons > 0) {
            doc_put(d, DOC_STRONG, "No recommendation:");
            doc_put(d, DOC_PLAIN, " ");
            doc_put(d, DOC_PLAIN, rec->reasons[0]);
        } else {
            doc_put(d, DOC_STRONG, "No recommendation.");
            doc_put(d, DOC_PLAIN, " None was made for these results.");
        }
        if (rec->nreasons > 1) {
            doc_list(d, DOC_NORMAL, '-');
            ITEMS(d, rec->reasons, 1, rec->nreasons);
        }
        return;
    }
    doc_put(d, DOC_STRONG, rec->headline);
    choice_facts(d, rec);
    if (rec->nreasons > 0) {
        doc_heading(d, "Why");
        doc_list(d, DOC_NORMAL, '-');
        ITEMS(d, rec->reasons, 0, rec->nreasons);
    }
    if (rec->nnotes > 0) {
        doc_heading(d, "Notes");
        doc_list(d, DOC_NORMAL, '-');
        ITEMS(d, rec->notes, 0, rec->nnotes);
    }
    if (rec->nalternatives > 0)
        alternatives(d, rec);
    if (rec->nopen > 0) {
        doc_heading(d, "Open questions");
        doc_list(d, DOC_NORMAL, '-');
        ITEMS(d, rec->open_questions, 0, rec->nopen);
    }
    if (rec->nbeyond > 0) {
        doc_heading(d, "Beyond this machine (Dask)");
        doc_list(d, DOC_NORMAL, '-');
        ITEMS(d, rec->beyond, 0, rec->nbeyond);
    }
}

static void section_classification(report_doc *d, const classification *c)
{
    doc_section(d, "classification", "Classification");
    if (classify_is_empty(c)) {
        doc_say(d, DOC_NORMAL, "Not classified.");
        return;
    }
    char conf[32];
    doc_paragraph(d, DOC_NORMAL);
    doc_put(d, DOC_STRONG, classify_kind_name(c->kind));
    doc_put(d, DOC_PLAIN, ", GIL ");
    doc_put(d, DOC_STRONG, classify_gil_name(c->gil));
    if (c->native_threaded > 0) {
        doc_put(d, DOC_PLAIN, ", ");
        doc_put(d, DOC_STRONG, "native-threaded");
    }
    doc_putf(d, DOC_PLAIN, ", confidence %s%s",
             report_fmt_fixed(conf, sizeof(conf), c->confidence, 2),
             c->memory_bound > 0 ? "; memory-bound (low IPC, many last-level cache misses)" : "");
    if (c->nevidence > 0) {
        doc_say(d, DOC_NORMAL, "Evidence:");
        doc_list(d, DOC_NORMAL, '-');
        ITEMS(d, c->evidence, 0, c->nevidence);
    }
}

/* ---- the measurements ------------------------------------------------------------------------ */

/* Whether a configuration has a speedup to draw. */
static bool drawable(const config_summary *c)
{
    return c->runs_ok > 0 && isfinite(c->speedup) && c->speedup > 0 && c->workers >= 1;
}

static void speedup_point(report_doc *d, const config_summary *c)
{
    bool ci = c->runs_ok >= RESULTS_CI_MIN_RUNS && isfinite(c->speedup_low) &&
              isfinite(c->speedup_high);
    doc_point p = {c->mode, c->variant, c->workers, c->speedup, ci ? c->speedup_low : NAN,
                   ci ? c->speedup_high : NAN, NULL};
    char name[128], sp[64], label[200];
    util_fmt(label, sizeof(label), "%s: %s", report_config_name(name, sizeof(name), c),
             report_fmt_speedup(sp, sizeof(sp), p.speedup, p.lo, p.hi));
    doc_point_add(d, &p, label);
}

/* The speedup of every configuration that has one: each mode's sweep by worker count, then the
 * follow-ups in the order they were measured. */
static void speedup_chart(report_doc *d, const results *r)
{
    doc_chart(d, DOC_CHART_SPEEDUP,
              "Speedup against a plain loop (single, the point at 1 worker) for each worker "
              "count; the dashed line is the ideal, speedup = workers; the bands are the 95 % "
              "intervals; hollow markers are follow-ups (another chunksize or start method).");
    const config_summary **sweep = xcalloc((size_t)r->nsummary + 1, sizeof(*sweep));
    for (int m = 0; m < MODE_COUNT; m++) {
        int n = 0;
        for (int i = 0; i < r->nsummary; i++) {
            const config_summary *c = &r->summary[i];
            if (c->variant || (int)c->mode != m || !drawable(c))
                continue;
            int k = n++;
            for (; k > 0 && sweep[k - 1]->workers > c->workers; k--)
                sweep[k] = sweep[k - 1];
            sweep[k] = c;
        }
        for (int i = 0; i < n; i++)
            speedup_point(d, sweep[i]);
    }
    free(sweep);
    for (int i = 0; i < r->nsummary; i++)
        if (r->summary[i].variant && drawable(&r->summary[i]))
            speedup_point(d, &r->summary[i]);
}

/* The cells every configuration table shares, from runs to pickled bytes. */
static void config_cells(report_doc *d, const config_summary *s)
{
    char buf[96];
    doc_cell(d, report_fmt_runs(buf, sizeof(buf), s));
    doc_cell(d, s->runs_ok > 0 ? util_fmt_seconds(buf, sizeof(buf), s->wall_s) : "-");
    doc_cell(d, report_fmt_wall_ci(buf, sizeof(buf), s));
    bool ci = s->runs_ok >= RESULTS_CI_MIN_RUNS; /* two runs' interval says nothing */
    doc_cell(d, report_fmt_speedup(buf, sizeof(buf), s->speedup, ci ? s->speedup_low : NAN,
                                   ci ? s->speedup_high : NAN));
    doc_cell(d, report_fmt_fixed(buf, sizeof(buf), s->efficiency, 2));
    doc_cell(d, report_fmt_utilization(buf, sizeof(buf), s));
    doc_cell(d, util_fmt_bytes(buf, sizeof(buf), s->peak_rss_bytes));
    doc_cell(d, util_fmt_bytes(buf, sizeof(buf), s->pickle_bytes_per_task));
}

/* The columns every configuration table ends with: config_cells. */
#define CONFIG_COLUMNS                                                                             \
    {"runs", 'r'}, {"wall", 'r'}, {"95% CI", 'r'}, {"speedup [95% CI]", 'r'}, {"efficiency", 'r'}, \
        {"CPU util.", 'r'}, {"peak RSS", 'r'}, {"pickled / task", 'r'}

/* Whether a follow-up limited the native thread pools: its table and text say so. */
static bool any_native_limit(const results *r)
{
    for (int i = 0; i < r->nsummary; i++)
        if (r->summary[i].native_limit > 0)
            return true;
    return false;
}

/* The sweep (followups false) or the follow-ups, a configuration a row; nothing when none. */
static void config_table(report_doc *d, const results *r, bool followups)
{
    static const doc_column sweep[] = {{"mode", 'l'}, {"workers", 'r'}, CONFIG_COLUMNS};
    static const doc_column more[] = {{"mode", 'l'},         {"workers", 'r'}, {"chunksize", 'r'},
                                      {"start method", 'l'}, CONFIG_COLUMNS};
    static const doc_column native[] = {{"mode", 'l'},         {"workers", 'r'},
                                        {"chunksize", 'r'},    {"start method", 'l'},
                                        {"native threads", 'r'}, CONFIG_COLUMNS};
    bool limits = any_native_limit(r);
    bool table = false;
    for (int i = 0; i < r->nsummary; i++) {
        const config_summary *s = &r->summary[i];
        if (s->variant != followups)
            continue;
        if (!table)
            doc_table(d, followups ? (limits ? native : more) : sweep,
                      followups ? (limits ? 13 : 12) : 10);
        table = true;
        doc_cell(d, mode_name(s->mode));
        doc_cellf(d, "%d", s->workers);
        if (followups) {
            if (s->chunksize > 0)
                doc_cellf(d, "%d", s->chunksize);
            else
                doc_cell(d, "-");
            doc_cell(d, s->start_method[0] ? s->start_method : "-");
            if (limits && s->native_limit > 0)
                doc_cellf(d, "%d", s->native_limit);
            else if (limits)
                doc_cell(d, "as installed");
        }
        config_cells(d, s);
    }
}

/* A coroutine workload's event loops: how long its tasks' steps blocked them, per configuration
 * (docs/asyncio.md). Nothing for a plain workload. */
static void loop_table(report_doc *d, const results *r)
{
    static const doc_column cols[] = {{"configuration", 'l'}, {"loop blocked", 'r'},
                                      {"longest step", 'r'},  {"longest steps' tasks", 'l'},
                                      {"never awaited", 'r'}, {"left pending", 'r'}};
    bool table = false;
    for (int i = 0; i < r->nsummary; i++) {
        const config_summary *s = &r->summary[i];
        if (!s->loop.measured)
            continue;
        if (!table) {
            doc_heading(d, "The event loop");
            doc_say(d, DOC_NORMAL,
                    "How long the tasks' own steps held their event loop (steps of 1 ms or more, "
                    "over the wall time of every loop of the run): while a step runs, no other "
                    "coroutine of that loop can. In single, the share of the job that "
                    "concurrency on one loop cannot overlap.");
            doc_table(d, cols, 6);
            table = true;
        }
        char name[128], buf[64];
        doc_cell(d, report_config_name(name, sizeof(name), s));
        doc_cell(d, report_fmt_share(buf, sizeof(buf), s->loop.blocked_fraction));
        doc_cell(d, util_fmt_seconds(buf, sizeof(buf), s->loop.max_step_s));
        buf[0] = '\0';
        for (int k = 0; k < s->loop.nlongest; k++)
            util_fmt(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%d", k ? ", " : "",
                     s->loop.longest_tasks[k]);
        doc_cell(d, buf[0] ? buf : "-");
        doc_cellf(d, "%d", s->loop.one_step_tasks);
        doc_cellf(d, "%d", s->loop.pending_cancelled);
    }
}

/* What the worker threads were doing: a bar and a row per configuration. */
static void states(report_doc *d, const results *r)
{
    static const doc_column cols[] = {
        {"configuration", 'l'}, {"samples", 'r'},  {"running", 'r'}, {"runnable", 'r'},
        {"GIL wait", 'r'},      {"lock wait", 'r'}, {"I/O wait", 'r'}, {"sleep", 'r'},
        {"child wait", 'r'},    {"other", 'r'}};
    bool undistinguished;
    bool any = report_any_sampled(r, &undistinguished);
    doc_heading(d, "What the worker threads were doing");
    doc_chart(d, DOC_CHART_STATES, states_legend);
    for (int i = 0; i < r->nsummary; i++) {
        double f[TS_COUNT];
        char name[128];
        report_state_shares(&r->summary[i], f);
        doc_bar_add(d, report_config_name(name, sizeof(name), &r->summary[i]),
                    r->summary[i].state_samples > 0, f);
    }
    if (!any) {
        doc_say(d, DOC_NORMAL, "Nothing was sampled.");
        return;
    }
    doc_table(d, cols, 10);
    for (int i = 0; i < r->nsummary; i++) {
        char name[128];
        doc_cell(d, report_config_name(name, sizeof(name), &r->summary[i]));
        doc_state_cells(d, &r->summary[i], TS_COUNT);
    }
    /* Under the table in Markdown; the page has the legend on the chart. */
    doc_for(d, DOC_TO_MARKDOWN);
    doc_paragraph(d, DOC_NORMAL);
    doc_put(d, DOC_PLAIN, states_legend);
    if (undistinguished) {
        doc_put(d, DOC_PLAIN, " ");
        doc_put(d, DOC_PLAIN, undistinguished_note);
    }
    doc_for(d, DOC_TO_HTML);
    if (undistinguished)
        doc_say(d, DOC_NOTE, undistinguished_note);
    doc_for(d, DOC_TO_ALL);
}

static void section_measurements(report_doc *d, const results *r)
{
    doc_section(d, "measurements", "Measurements");
    speedup_chart(d, r);
    if (r->nsummary == 0) {
        doc_say(d, DOC_NORMAL, "Nothing was measured.");
        doc_for(d, DOC_TO_HTML); /* Markdown says no more; the page keeps its empty charts */
    }
    config_table(d, r, false);
    doc_paragraph(d, DOC_NOTE);
    doc_put(d, DOC_PLAIN, configurations_legend);
    if (report_any_too_short(r)) {
        doc_put(d, DOC_PLAIN, " CPU util. ");
        doc_put(d, DOC_PLAIN, report_too_short_note);
    }
    doc_safety(d, r);
    for (int i = 0; i < r->nsummary; i++) {
        if (r->summary[i].variant) {
            doc_heading(d, "Follow-ups");
            doc_say(d, DOC_NORMAL,
                    any_native_limit(r)
                        ? "Configurations measured after the sweep to settle the choice: another "
                          "chunksize or start method for a process pool, or a limit on the "
                          "native thread pools (OMP_NUM_THREADS, OPENBLAS_NUM_THREADS, ...)."
                    : r->workload.coroutine
                        ? "Configurations measured after the sweep to settle the choice: another "
                          "chunksize or start method for a process pool, or each of its "
                          "processes an event loop (x asyncio N: N tasks in flight on each)."
                        : "Configurations measured after the sweep to settle the choice: another "
                          "chunksize or start method for a process pool.");
            config_table(d, r, true);
            break;
        }
    }
    states(d, r);
    loop_table(d, r);
    doc_for(d, DOC_TO_ALL);
}

/* ---- beyond this machine, the machine, the failures ------------------------------------------ */

static void section_beyond(report_doc *d, const recommendation *rec)
{
    static const doc_column cols[] = {{"mode", 'l'},  {"fitted to", 'l'}, {"sigma", 'r'},
                                      {"kappa", 'r'}, {"R^2", 'r'},       {"predicted", 'r'}};
    if (rec->target_cores <= 0)
        return;
    char heading[64];
    util_fmt(heading, sizeof(heading), "Beyond this machine: %d cores", rec->target_cores);
    doc_section(d, "beyond", heading);
    doc_say(d, DOC_NORMAL,
            "The Universal Scalability Law fitted to the speedups measured here: contention "
            "(sigma) is the share that runs one worker at a time, coherency (kappa) the cost of "
            "keeping workers consistent, which makes the speedup fall again past a peak.");
    doc_table(d, cols, 6);
    for (int i = 0; i < 2; i++) {
        const advise_scaling *sc = &rec->scaling[i];
        const usl_fit *f = &sc->fit;
        char buf[64];
        doc_cell(d, mode_name(sc->mode));
        if (f->fitted)
            doc_cellf(d, "%d worker count%s up to %d", f->npoints, f->npoints == 1 ? "" : "s",
                      f->max_workers);
        else
            doc_cell(d, "not fitted");
        doc_cell(d, report_fmt_fixed(buf, sizeof(buf), f->fitted ? f->sigma : NAN, 3));
        doc_cell(d, report_fmt_fixed(buf, sizeof(buf), f->fitted ? f->kappa : NAN, 4));
        doc_cell(d, report_fmt_fixed(buf, sizeof(buf), f->fitted ? f->r_squared : NAN, 3));
        doc_cell(d, report_fmt_speedup(buf, sizeof(buf), sc->predicted, NAN, NAN));
    }
    doc_list(d, DOC_NORMAL, '-');
    for (int i = 0; i < 2; i++)
        if (rec->scaling[i].note[0])
            doc_item_text(d, rec->scaling[i].note);
}

static const char *or_dash(const char *s)
{
    return s[0] ? s : "-";
}

static void python_fact(report_doc *d, const python_info *py)
{
    fact(d, "Python:");
    doc_put(d, DOC_PLAIN, or_dash(py->implementation));
    doc_put(d, DOC_PLAIN, " ");
    doc_put(d, DOC_PLAIN, or_dash(py->version));
    doc_put(d, DOC_PLAIN, ", ");
    doc_put(d, DOC_CODE, or_dash(py->executable));
    if (py->requested[0] && strcmp(py->requested, py->executable) != 0) {
        doc_put(d, DOC_PLAIN, " (asked for: ");
        doc_put(d, DOC_CODE, py->requested);
        doc_put(d, DOC_PLAIN, ")");
    }
    doc_putf(d, DOC_PLAIN, "; GIL: %s",
             py->gil == 1 ? "yes" : py->gil == 0 ? "no (free-threaded)" : "unknown");
}

static void counters_facts(report_doc *d, const counters_probe *c)
{
    fact(d, "Counters:");
    doc_putf(d, DOC_PLAIN, "%s (%s)", counters_level_name(c->level),
             counters_backend_name(c->backend));
    for (int i = 0; i < c->nevents; i++) {
        doc_put(d, DOC_PLAIN, i == 0 ? ": " : ", ");
        doc_put(d, DOC_PLAIN, c->events[i]);
    }
    if (c->why[0]) {
        fact(d, "Why this counter level:");
        doc_put(d, DOC_PLAIN, c->why);
    }
}

static void section_machine(report_doc *d, const results *r)
{
    const topology_info *m = &r->machine;
    char buf[64];
    doc_section(d, "machine", "Machine");
    doc_list(d, DOC_NORMAL, '-');
    fact(d, "CPU:");
    doc_put(d, DOC_PLAIN, m->cpu_model[0] ? m->cpu_model : "model unknown");
    doc_putf(d, DOC_PLAIN, "; %d package%s, %d NUMA node%s, %d cores, %d PUs", m->packages,
             m->packages == 1 ? "" : "s", m->numa_nodes, m->numa_nodes == 1 ? "" : "s",
             m->cores, m->pus);
    if (m->synthetic) {
        doc_put(d, DOC_PLAIN, " (synthetic: ");
        doc_put(d, DOC_PLAIN, m->synthetic_desc);
        doc_put(d, DOC_PLAIN, ")");
    }
    fact(d, "Memory:");
    doc_put(d, DOC_PLAIN,
            m->memory_bytes > 0 ? util_fmt_bytes(buf, sizeof(buf), m->memory_bytes) : "-");
    python_fact(d, &r->python);
    counters_facts(d, &r->counters);
    fact(d, "Runs per configuration:");
    doc_putf(d, DOC_PLAIN, "%d; start method: ", r->repeat);
    doc_put(d, DOC_PLAIN, or_dash(r->start_method));
    doc_putf(d, DOC_PLAIN, "; timeout per run: %s",
             r->timeout_s > 0 ? util_fmt_seconds(buf, sizeof(buf), r->timeout_s) : "none");
    fact(d, "concur");
    doc_put(d, DOC_PLAIN, or_dash(r->concur_version));
    doc_put(d, DOC_PLAIN, ", from ");
    doc_put(d, DOC_PLAIN, or_dash(r->started_at));
    doc_put(d, DOC_PLAIN, " to ");
    doc_put(d, DOC_PLAIN, or_dash(r->finished_at));
}

/* Every run that did not go as planned, with its error; a traceback once per configuration and
 * status. */
static void section_failures(report_doc *d, const results *r)
{
    bool header = false;
    for (int i = 0; i < r->nruns; i++) {
        const run_result *x = &r->runs[i];
        if (x->status == RUN_OK)
            continue;
        if (!header) {
            doc_section(d, "failures", "Runs that failed");
            doc_list(d, DOC_NORMAL, '-');
            header = true;
        }
        char name[96];
        doc_item_start(d);
        doc_put(d, DOC_PLAIN, report_run_name(name, sizeof(name), x));
        doc_putf(d, DOC_PLAIN, ", run %d: %s", x->repeat, results_status_name(x->status));
        if (x->error[0]) {
            doc_put(d, DOC_PLAIN, ": ");
            doc_put(d, DOC_PLAIN, x->error);
        }
        bool seen = false;
        for (int k = 0; k < i && !seen; k++)
            seen = r->runs[k].mode == x->mode && r->runs[k].workers == x->workers &&
                   r->runs[k].status == x->status && r->runs[k].variant == x->variant &&
                   strcmp(r->runs[k].traceback, x->traceback) == 0;
        if (x->traceback[0] && !seen)
            doc_item_pre(d, x->traceback);
    }
}

void doc_build_report(report_doc *d, const results *r)
{
    doc_init(d, r->workload.name[0] ? r->workload.name : "workload");
    header(d, r);
    section_recommendation(d, &r->recommendation);
    doc_program(d, r);
    section_classification(d, &r->classification);
    section_measurements(d, r);
    doc_measuring(d, r);
    section_beyond(d, &r->recommendation);
    section_machine(d, r);
    section_failures(d, r);
}

/* ---- into streams, memory and files ---------------------------------------------------------- */

/* The report of r, rendered by back_end into out. */
static int write_report(const results *r, FILE *out,
                        void (*back_end)(const report_doc *d, FILE *out))
{
    report_doc d;
    doc_build_report(&d, r);
    back_end(&d, out);
    doc_free(&d);
    fflush(out);
    return ferror(out) ? -1 : 0;
}

int report_write_markdown(const results *r, FILE *out)
{
    return write_report(r, out, doc_render_markdown);
}

int report_write_html(const results *r, FILE *out)
{
    return write_report(r, out, doc_render_html);
}

typedef int (*renderer)(const results *r, FILE *out);

static char *render(const results *r, renderer fn, size_t *len_out)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (f == NULL) {
        log_error("out of memory while rendering a report");
        abort();
    }
    fn(r, f);
    if (fclose(f) != 0 || buf == NULL) {
        log_error("out of memory while rendering a report");
        abort();
    }
    if (len_out)
        *len_out = len;
    return buf;
}

char *report_markdown_string(const results *r)
{
    return render(r, report_write_markdown, NULL);
}

char *report_html_string(const results *r)
{
    return render(r, report_write_html, NULL);
}

static int write_one(const results *r, renderer fn, const char *dir, const char *name, char *err,
                     size_t errlen)
{
    char path[4096];
    util_fmt(path, sizeof(path), "%s/%s", dir, name);
    size_t len;
    char *text = render(r, fn, &len);
    int rc = util_write_atomic(path, text, len);
    if (rc < 0)
        util_fmt(err, errlen, "cannot write %s: %s", path, strerror(errno));
    free(text);
    return rc;
}

int report_write_files(const results *r, const char *dir, bool md, bool html, char *err,
                       size_t errlen)
{
    if (errlen > 0)
        err[0] = '\0';
    if (md && write_one(r, report_write_markdown, dir, "report.md", err, errlen) < 0)
        return -1;
    if (html && write_one(r, report_write_html, dir, "report.html", err, errlen) < 0)
        return -1;
    return 0;
}
