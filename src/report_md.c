/* report_md.c - report.md: what a person reads, in GitHub-flavoured Markdown, rendered from the
 * results alone; also the formatting the renderers share and report_write_files. */
#include "concur/report.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "concur/classify.h"
#include "concur/counters.h"
#include "concur/plan.h"
#include "concur/util.h"

/* ---- formatting the renderers share ---------------------------------------------------------- */

char *report_fmt_speedup(char *buf, size_t len, double s, double lo, double hi)
{
    if (!isfinite(s))
        util_fmt(buf, len, "-");
    else if (!isfinite(lo) || !isfinite(hi))
        util_fmt(buf, len, "%.2fx", s);
    else
        util_fmt(buf, len, "%.2fx [%.2f-%.2f]", s, lo, hi);
    return buf;
}

char *report_fmt_fixed(char *buf, size_t len, double v, int decimals)
{
    if (!isfinite(v))
        util_fmt(buf, len, "-");
    else
        util_fmt(buf, len, "%.*f", decimals, v);
    return buf;
}

char *report_fmt_utilization(char *buf, size_t len, const config_summary *s)
{
    if (s->runs_ok > 0 && !isfinite(s->cpu_utilization))
        util_fmt(buf, len, "too short to measure");
    else
        report_fmt_fixed(buf, len, s->cpu_utilization, 2);
    return buf;
}

bool report_any_too_short(const results *r)
{
    for (int i = 0; i < r->nsummary; i++)
        if (r->summary[i].runs_ok > 0 && !isfinite(r->summary[i].cpu_utilization))
            return true;
    return false;
}

const char report_too_short_note[] =
    "too short to measure: the counters count a little before and after the window (the "
    "harness's own work around it), and here that could hold as much CPU time as the window "
    "itself.";

char *report_fmt_share(char *buf, size_t len, double f)
{
    if (!isfinite(f))
        util_fmt(buf, len, "-");
    else
        util_fmt(buf, len, "%.1f%%", 100 * f);
    return buf;
}

char *report_config_name(char *buf, size_t len, const config_summary *s)
{
    util_fmt(buf, len, "%s x%d", mode_name(s->mode), s->workers);
    if (s->variant && s->chunksize > 0)
        util_fmt(buf + strlen(buf), len - strlen(buf), ", chunksize %d", s->chunksize);
    if (s->variant && s->start_method[0])
        util_fmt(buf + strlen(buf), len - strlen(buf), ", %s", s->start_method);
    return buf;
}

char *report_option_model(char *buf, size_t len, const advise_option *o)
{
    util_fmt(buf, len, "%s", mode_name(o->mode));
    if (mode_get(o->mode)->pickles && o->chunksize > 0)
        util_fmt(buf + strlen(buf), len - strlen(buf), ", chunksize %d", o->chunksize);
    if (mode_get(o->mode)->pickles && o->start_method[0])
        util_fmt(buf + strlen(buf), len - strlen(buf), ", %s", o->start_method);
    return buf;
}

char *report_fmt_wall_ci(char *buf, size_t len, const config_summary *s)
{
    char lo[32], hi[32];
    if (s->runs_ok == 1)
        util_fmt(buf, len, "- (1 run)");
    else if (s->runs_ok == 0 || !isfinite(s->ci_low_s) || !isfinite(s->ci_high_s))
        util_fmt(buf, len, "-");
    else if (s->runs_ok < RESULTS_CI_MIN_RUNS)
        util_fmt(buf, len, "(%d runs: no interval)", s->runs_ok);
    else
        util_fmt(buf, len, "%s - %s", util_fmt_seconds(lo, sizeof(lo), s->ci_low_s),
                 util_fmt_seconds(hi, sizeof(hi), s->ci_high_s));
    return buf;
}

char *report_fmt_runs(char *buf, size_t len, const config_summary *s)
{
    if (s->runs_failed > 0)
        util_fmt(buf, len, "%d (%d failed)", s->runs_ok, s->runs_failed);
    else
        util_fmt(buf, len, "%d", s->runs_ok);
    return buf;
}

/* ---- Markdown text --------------------------------------------------------------------------- */

static bool is_alnum(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

static bool is_punct(unsigned char c)
{
    return c > 0x20 && c < 0x7f && !is_alnum(c);
}

/* Where text goes: inline in a paragraph, in a table cell ('|' is escaped), or at the start of a
 * block (a list item), where a leading '#', '>', '-', '+' or "1." would open another block. */
typedef enum { MD_INLINE, MD_CELL, MD_BLOCK } md_where;

/* Writes text so that Markdown shows it as it is: what would start emphasis, code, HTML, an entity
 * or a link is backslash-escaped; line breaks and other control characters become spaces (one item
 * stays one line). Plain-text readers see the text with at most a few backslashes. */
static void md_text(FILE *out, const char *s, md_where where)
{
    const unsigned char *p = (const unsigned char *)s;
    int tildes = 0;
    for (const char *t = s; *t; t++)
        tildes += *t == '~';
    if (where == MD_BLOCK) {
        if (*p == '#' || *p == '>' || *p == '-' || *p == '+' || *p == '=') {
            fputc('\\', out);
        } else if (*p >= '0' && *p <= '9') {
            const unsigned char *q = p;
            while (*q >= '0' && *q <= '9')
                q++;
            if ((*q == '.' || *q == ')') && (q[1] == ' ' || q[1] == '\0')) {
                fwrite(p, 1, (size_t)(q - p), out);
                fputc('\\', out);
                p = q;
            }
        }
    }
    for (; *p; p++) {
        unsigned char c = *p;
        unsigned char prev = p > (const unsigned char *)s ? p[-1] : ' ';
        unsigned char next = p[1];
        if (c < 0x20 || c == 0x7f) {
            fputc(' ', out);
            continue;
        }
        bool escape = false;
        switch (c) {
        case '`':
        case '*':
            escape = true;
            break;
        case '~': /* two of them could strike through what is between */
            escape = tildes > 1;
            break;
        case '\\': /* only where it would escape what follows */
            escape = is_punct(next);
            break;
        case '<': /* would open an HTML tag or an autolink */
            escape = is_alnum(next) || next == '/' || next == '!' || next == '?';
            break;
        case '&': /* would start an entity: &lt; */
            escape = is_alnum(next) || next == '#';
            break;
        case '|':
            escape = where == MD_CELL;
            break;
        case '_': /* inside a word it is no emphasis (GFM); at its edges it may be */
            escape = !is_alnum(prev) || !is_alnum(next);
            break;
        case '(': /* after ']' it would make a link */
            escape = prev == ']';
            break;
        default:
            break;
        }
        if (escape)
            fputc('\\', out);
        fputc(c, out);
    }
}

/* md_text into a string the caller frees. */
static char *md_cell(const char *s)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (f == NULL) {
        log_error("out of memory while rendering report.md");
        abort();
    }
    md_text(f, s, MD_CELL);
    fclose(f);
    return buf;
}

/* Columns a string takes in a fixed-width font: UTF-8 continuation bytes take none. */
static int text_width(const char *s)
{
    int n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        n += (*p & 0xC0) != 0x80;
    return n;
}

/* A table collected cell by cell, printed with every column padded to its widest cell so that it
 * reads as a table in plain text too. align: 'l' or 'r' per column. */
typedef struct {
    int ncols;
    const char *const *head;
    const char *align;
    char **cells; /* escaped, row after row */
    int ncells, cap;
} md_table;

static void table_init(md_table *t, const char *const *head, int ncols, const char *align)
{
    memset(t, 0, sizeof(*t));
    t->head = head;
    t->ncols = ncols;
    t->align = align;
}

static void table_cell(md_table *t, const char *raw)
{
    if (t->ncells == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 32;
        t->cells = xrealloc(t->cells, (size_t)t->cap * sizeof(*t->cells));
    }
    t->cells[t->ncells++] = md_cell(raw);
}

static void pad(FILE *out, int n)
{
    for (int i = 0; i < n; i++)
        fputc(' ', out);
}

static void table_print(md_table *t, FILE *out)
{
    int *w = xcalloc((size_t)t->ncols, sizeof(int));
    char **head = xcalloc((size_t)t->ncols, sizeof(char *));
    for (int c = 0; c < t->ncols; c++) {
        head[c] = md_cell(t->head[c]);
        w[c] = text_width(head[c]);
        if (w[c] < 3)
            w[c] = 3;
    }
    for (int i = 0; i < t->ncells; i++) {
        int tw = text_width(t->cells[i]);
        if (tw > w[i % t->ncols])
            w[i % t->ncols] = tw;
    }
    int nrows = t->ncells / t->ncols;
    for (int row = -2; row < nrows; row++) {
        fputc('|', out);
        for (int c = 0; c < t->ncols; c++) {
            bool right = t->align[c] == 'r';
            if (row == -1) {
                fputc(' ', out);
                for (int k = 0; k < w[c]; k++)
                    fputc(right && k == w[c] - 1 ? ':' : '-', out);
                fputs(" |", out);
                continue;
            }
            const char *text = row == -2 ? head[c] : t->cells[row * t->ncols + c];
            int space = w[c] - text_width(text);
            fputc(' ', out);
            if (right)
                pad(out, space);
            fputs(text, out);
            if (!right)
                pad(out, space);
            fputs(" |", out);
        }
        fputc('\n', out);
    }
    fputc('\n', out);
    for (int c = 0; c < t->ncols; c++)
        free(head[c]);
    free(head);
    free(w);
    for (int i = 0; i < t->ncells; i++)
        free(t->cells[i]);
    free(t->cells);
    t->cells = NULL;
    t->ncells = t->cap = 0;
}

/* "- text" */
static void md_item(FILE *out, const char *text)
{
    fputs("- ", out);
    md_text(out, text, MD_BLOCK);
    fputc('\n', out);
}

/* A fenced code block inside a list item (indented by two spaces): the fence is longer than any
 * run of backticks in the text. */
static void md_code_block(FILE *out, const char *text)
{
    int longest = 0, run = 0;
    for (const char *p = text; *p; p++) {
        run = *p == '`' ? run + 1 : 0;
        if (run > longest)
            longest = run;
    }
    int fence = longest >= 3 ? longest + 1 : 3;
    fputs("  ", out);
    for (int i = 0; i < fence; i++)
        fputc('`', out);
    fputs("\n  ", out);
    const char *end = text + strlen(text);
    while (end > text && (end[-1] == '\n' || end[-1] == '\r'))
        end--;
    for (const char *p = text; p < end; p++) {
        if (*p == '\n')
            fputs("\n  ", out);
        else if (*p != '\r')
            fputc(*p, out);
    }
    fputs("\n  ", out);
    for (int i = 0; i < fence; i++)
        fputc('`', out);
    fputs("\n\n", out);
}

/* ---- sections -------------------------------------------------------------------------------- */

static void md_recommendation(const results *r, FILE *out)
{
    const recommendation *rec = &r->recommendation;
    fputs("## Recommendation\n\n", out);
    if (!rec->made) {
        fputs("**No recommendation", out);
        if (rec->nreasons > 0) {
            fputs(":** ", out);
            md_text(out, rec->reasons[0], MD_INLINE);
            fputs("\n\n", out);
        } else {
            fputs(".** None was made for these results.\n\n", out);
        }
        for (int i = 1; i < rec->nreasons; i++)
            md_item(out, rec->reasons[i]);
        if (rec->nreasons > 1)
            fputc('\n', out);
        return;
    }

    fputs("**", out);
    md_text(out, rec->headline, MD_INLINE);
    fputs("**\n\n", out);

    const advise_option *c = &rec->choice;
    char buf[96], sp[64], conf[32], rss[32], mem[32];
    fprintf(out, "- Model: %s (%s), %d worker%s", mode_name(c->mode), mode_get(c->mode)->title,
            c->workers, c->workers == 1 ? "" : "s");
    if (mode_get(c->mode)->pickles && c->chunksize > 0)
        fprintf(out, ", chunksize %d", c->chunksize);
    if (mode_get(c->mode)->pickles && c->start_method[0]) {
        fputs(", start method ", out);
        md_text(out, c->start_method, MD_INLINE);
    }
    fputc('\n', out);
    fprintf(out, "- Expected speedup: %s against a plain loop, on this machine\n",
            report_fmt_speedup(sp, sizeof(sp), c->speedup, c->ci_low, c->ci_high));
    fprintf(out, "- Confidence: %s\n", report_fmt_fixed(conf, sizeof(conf), rec->confidence, 2));
    util_fmt_bytes(rss, sizeof(rss), rec->peak_rss_bytes);
    if (rec->machine_memory_bytes > 0)
        util_fmt_bytes(mem, sizeof(mem), rec->machine_memory_bytes);
    else
        util_fmt(mem, sizeof(mem), "-");
    fprintf(out, "- Peak memory: %s, all processes together (this machine: %s)%s\n", rss, mem,
            rec->memory_fits ? "" : ": more than this machine has");
    fputc('\n', out);

    if (rec->nreasons > 0) {
        fputs("### Why\n\n", out);
        for (int i = 0; i < rec->nreasons; i++)
            md_item(out, rec->reasons[i]);
        fputc('\n', out);
    }
    if (rec->nnotes > 0) {
        fputs("### Notes\n\n", out);
        for (int i = 0; i < rec->nnotes; i++)
            md_item(out, rec->notes[i]);
        fputc('\n', out);
    }
    if (rec->nalternatives > 0) {
        fputs("### Alternatives\n\n", out);
        static const char *const head[] = {"model", "workers", "speedup [95% CI]", "why not"};
        md_table t;
        table_init(&t, head, 4, "lrrl");
        for (int i = 0; i < rec->nalternatives; i++) {
            const advise_option *a = &rec->alternatives[i];
            char w[16];
            table_cell(&t, report_option_model(buf, sizeof(buf), a));
            table_cell(&t, util_fmt(w, sizeof(w), "%d", a->workers));
            table_cell(&t, report_fmt_speedup(sp, sizeof(sp), a->speedup, a->ci_low, a->ci_high));
            table_cell(&t, a->why);
        }
        table_print(&t, out);
    }
    if (rec->nopen > 0) {
        fputs("### Open questions\n\n", out);
        for (int i = 0; i < rec->nopen; i++)
            md_item(out, rec->open_questions[i]);
        fputc('\n', out);
    }
}

static void md_classification(const classification *c, FILE *out)
{
    fputs("## Classification\n\n", out);
    if (classify_is_empty(c)) {
        fputs("Not classified.\n\n", out);
        return;
    }
    char conf[32];
    fprintf(out, "**%s**, GIL **%s**, confidence %s", classify_kind_name(c->kind),
            classify_gil_name(c->gil), report_fmt_fixed(conf, sizeof(conf), c->confidence, 2));
    if (c->memory_bound > 0)
        fputs("; memory-bound (low IPC, many last-level cache misses)", out);
    fputs("\n\n", out);
    if (c->nevidence > 0) {
        fputs("Evidence:\n\n", out);
        for (int i = 0; i < c->nevidence; i++)
            md_item(out, c->evidence[i]);
        fputc('\n', out);
    }
}

/* The cells every configuration table shares, from runs to pickled bytes. */
static void config_cells(md_table *t, const config_summary *s)
{
    char buf[96];
    table_cell(t, report_fmt_runs(buf, sizeof(buf), s));
    table_cell(t, s->runs_ok > 0 ? util_fmt_seconds(buf, sizeof(buf), s->wall_s) : "-");
    table_cell(t, report_fmt_wall_ci(buf, sizeof(buf), s));
    bool ci = s->runs_ok >= RESULTS_CI_MIN_RUNS; /* two runs' interval says nothing */
    table_cell(t, report_fmt_speedup(buf, sizeof(buf), s->speedup, ci ? s->speedup_low : NAN,
                                     ci ? s->speedup_high : NAN));
    table_cell(t, report_fmt_fixed(buf, sizeof(buf), s->efficiency, 2));
    table_cell(t, report_fmt_utilization(buf, sizeof(buf), s));
    table_cell(t, util_fmt_bytes(buf, sizeof(buf), s->peak_rss_bytes));
    table_cell(t, util_fmt_bytes(buf, sizeof(buf), s->pickle_bytes_per_task));
}

static void md_configurations(const results *r, FILE *out)
{
    fputs("## Measurements\n\n", out);
    if (r->nsummary == 0) {
        fputs("Nothing was measured.\n\n", out);
        return;
    }
    static const char *const head[] = {"mode",     "workers",          "runs",       "wall",
                                       "95% CI",   "speedup [95% CI]", "efficiency", "CPU util.",
                                       "peak RSS", "pickled / task"};
    md_table t;
    table_init(&t, head, 10, "lrrrrrrrrr");
    bool variants = false;
    for (int i = 0; i < r->nsummary; i++) {
        const config_summary *s = &r->summary[i];
        if (s->variant) {
            variants = true;
            continue;
        }
        char w[16];
        table_cell(&t, mode_name(s->mode));
        table_cell(&t, util_fmt(w, sizeof(w), "%d", s->workers));
        config_cells(&t, s);
    }
    if (t.ncells > 0)
        table_print(&t, out);
    else
        free(t.cells);
    fputs(
        "wall: median of the successful runs, with its 95 % confidence interval; speedup: against "
        "single, with its interval; efficiency: speedup / workers; CPU util.: CPU time / (wall x "
        "workers); peak RSS: all processes of a run together (median); pickled / task: argument "
        "and result of a task in a process pool (median).",
        out);
    if (report_any_too_short(r)) {
        fputs(" CPU util. ", out);
        md_text(out, report_too_short_note, MD_INLINE);
    }
    fputs("\n\n", out);
    char safety[8][REPORT_LINE_LEN];
    int nsafety = report_safety(r, safety, 8);
    for (int i = 0; i < nsafety; i++)
        md_item(out, safety[i]);
    if (nsafety > 0)
        fputc('\n', out);

    if (variants) {
        fputs("### Follow-ups\n\n", out);
        fputs("Configurations measured after the sweep to settle the choice: another chunksize or "
              "start method for a process pool.\n\n",
              out);
        static const char *const vhead[] = {
            "mode",       "workers",   "chunksize", "start method",
            "runs",       "wall",      "95% CI",    "speedup [95% CI]",
            "efficiency", "CPU util.", "peak RSS",  "pickled / task"};
        md_table v;
        table_init(&v, vhead, 12, "lrrlrrrrrrrr");
        for (int i = 0; i < r->nsummary; i++) {
            const config_summary *s = &r->summary[i];
            if (!s->variant)
                continue;
            char w[16], c[16];
            table_cell(&v, mode_name(s->mode));
            table_cell(&v, util_fmt(w, sizeof(w), "%d", s->workers));
            table_cell(&v, s->chunksize > 0 ? util_fmt(c, sizeof(c), "%d", s->chunksize) : "-");
            table_cell(&v, s->start_method[0] ? s->start_method : "-");
            config_cells(&v, s);
        }
        table_print(&v, out);
    }

    /* What the worker threads were doing. */
    bool any = false, undistinguished = false;
    for (int i = 0; i < r->nsummary; i++) {
        if (r->summary[i].state_samples > 0) {
            any = true;
            undistinguished = undistinguished || !r->summary[i].gil_distinguished;
        }
    }
    fputs("### What the worker threads were doing\n\n", out);
    if (!any) {
        fputs("Nothing was sampled.\n\n", out);
        return;
    }
    static const char *const shead[] = {"configuration", "samples",  "running",    "runnable",
                                        "GIL wait",      "lock wait", "I/O wait",  "sleep",
                                        "child wait",    "other"};
    md_table st;
    table_init(&st, shead, 10, "lrrrrrrrrr");
    for (int i = 0; i < r->nsummary; i++) {
        const config_summary *s = &r->summary[i];
        bool sampled = s->state_samples > 0;
        const double f[8] = {s->running_fraction,   s->runnable_fraction, s->gil_wait_fraction,
                             s->lock_wait_fraction, s->io_wait_fraction,  s->sleep_fraction,
                             s->child_wait_fraction, s->other_fraction};
        char buf[128];
        table_cell(&st, report_config_name(buf, sizeof(buf), s));
        table_cell(&st, sampled ? util_fmt(buf, sizeof(buf), "%.0f", s->state_samples) : "-");
        for (int k = 0; k < 8; k++) {
            /* Where the GIL could not be told apart its waits are lock waits, not zero. */
            bool hide = !sampled || (k == 2 && !s->gil_distinguished);
            table_cell(&st, report_fmt_share(buf, sizeof(buf), hide ? NAN : f[k]));
        }
    }
    table_print(&st, out);
    fputs("Shares of the sampler's samples of the worker threads. running: on a CPU; runnable: "
          "waiting for one; GIL wait / lock wait: blocked on the GIL or another lock; I/O wait: in "
          "a read, write, poll...; sleep: in a sleep; child wait: waiting for a child process.",
          out);
    if (undistinguished)
        fputs(" GIL wait \"-\": the GIL could not be told apart from other locks; its waits are "
              "counted as lock waits.",
              out);
    fputs("\n\n", out);
}

static void md_beyond(const recommendation *rec, FILE *out)
{
    if (rec->target_cores <= 0)
        return;
    fprintf(out, "## Beyond this machine: %d cores\n\n", rec->target_cores);
    fputs("The Universal Scalability Law fitted to the speedups measured here: contention (sigma) "
          "is the share that runs one worker at a time, coherency (kappa) the cost of keeping "
          "workers consistent, which makes the speedup fall again past a peak.\n\n",
          out);
    static const char *const head[] = {"mode", "fitted to", "sigma", "kappa", "R^2", "predicted"};
    md_table t;
    table_init(&t, head, 6, "llrrrr");
    for (int i = 0; i < 2; i++) {
        const advise_scaling *sc = &rec->scaling[i];
        const usl_fit *f = &sc->fit;
        char buf[64];
        table_cell(&t, mode_name(sc->mode));
        if (f->fitted)
            util_fmt(buf, sizeof(buf), "%d worker count%s up to %d", f->npoints,
                     f->npoints == 1 ? "" : "s", f->max_workers);
        else
            util_fmt(buf, sizeof(buf), "not fitted");
        table_cell(&t, buf);
        table_cell(&t, report_fmt_fixed(buf, sizeof(buf), f->fitted ? f->sigma : NAN, 3));
        table_cell(&t, report_fmt_fixed(buf, sizeof(buf), f->fitted ? f->kappa : NAN, 4));
        table_cell(&t, report_fmt_fixed(buf, sizeof(buf), f->fitted ? f->r_squared : NAN, 3));
        table_cell(&t, report_fmt_speedup(buf, sizeof(buf), sc->predicted, NAN, NAN));
    }
    table_print(&t, out);
    for (int i = 0; i < 2; i++)
        if (rec->scaling[i].note[0])
            md_item(out, rec->scaling[i].note);
    fputc('\n', out);
}

static void md_machine(const results *r, FILE *out)
{
    const topology_info *m = &r->machine;
    char buf[64];
    fputs("## Machine\n\n", out);
    fputs("- CPU: ", out);
    md_text(out, m->cpu_model[0] ? m->cpu_model : "model unknown", MD_INLINE);
    fprintf(out, "; %d package%s, %d NUMA node%s, %d cores, %d PUs", m->packages,
            m->packages == 1 ? "" : "s", m->numa_nodes, m->numa_nodes == 1 ? "" : "s", m->cores,
            m->pus);
    if (m->synthetic) {
        fputs(" (synthetic: ", out);
        md_text(out, m->synthetic_desc, MD_INLINE);
        fputc(')', out);
    }
    fputc('\n', out);
    fprintf(out, "- Memory: %s\n",
            m->memory_bytes > 0 ? util_fmt_bytes(buf, sizeof(buf), m->memory_bytes) : "-");

    const python_info *py = &r->python;
    fputs("- Python: ", out);
    md_text(out, py->implementation[0] ? py->implementation : "-", MD_INLINE);
    fputc(' ', out);
    md_text(out, py->version[0] ? py->version : "-", MD_INLINE);
    fputs(", ", out);
    md_text(out, py->executable[0] ? py->executable : "-", MD_INLINE);
    if (py->requested[0] && strcmp(py->requested, py->executable) != 0) {
        fputs(" (asked for: ", out);
        md_text(out, py->requested, MD_INLINE);
        fputc(')', out);
    }
    fprintf(out, "; GIL: %s\n",
            py->gil == 1   ? "yes"
            : py->gil == 0 ? "no (free-threaded)"
                           : "unknown");

    const counters_probe *c = &r->counters;
    fprintf(out, "- Counters: %s (%s)", counters_level_name(c->level),
            counters_backend_name(c->backend));
    for (int i = 0; i < c->nevents; i++) {
        fputs(i == 0 ? ": " : ", ", out);
        md_text(out, c->events[i], MD_INLINE);
    }
    fputc('\n', out);
    if (c->why[0]) {
        fputs("- Why this counter level: ", out);
        md_text(out, c->why, MD_INLINE);
        fputc('\n', out);
    }
    fprintf(out, "- Runs per configuration: %d; start method: ", r->repeat);
    md_text(out, r->start_method[0] ? r->start_method : "-", MD_INLINE);
    fprintf(out, "; timeout per run: %s\n",
            r->timeout_s > 0 ? util_fmt_seconds(buf, sizeof(buf), r->timeout_s) : "none");
    fputs("- concur ", out);
    md_text(out, r->concur_version[0] ? r->concur_version : "-", MD_INLINE);
    fputs(", from ", out);
    md_text(out, r->started_at[0] ? r->started_at : "-", MD_INLINE);
    fputs(" to ", out);
    md_text(out, r->finished_at[0] ? r->finished_at : "-", MD_INLINE);
    fputs("\n\n", out);
}

/* Every run that did not go as planned, with its error; a traceback once per configuration and
 * status. */
static void md_failures(const results *r, FILE *out)
{
    bool header = false, blank = false; /* a blank line ends what was written last */
    for (int i = 0; i < r->nruns; i++) {
        const run_result *x = &r->runs[i];
        if (x->status == RUN_OK)
            continue;
        if (!header) {
            fputs("## Runs that failed\n\n", out);
            header = true;
        }
        fprintf(out, "- %s x%d", mode_name(x->mode), x->workers);
        if (x->variant) {
            if (x->chunksize > 0)
                fprintf(out, ", chunksize %d", x->chunksize);
            if (x->start_method[0]) {
                fputs(", ", out);
                md_text(out, x->start_method, MD_INLINE);
            }
        }
        fprintf(out, ", run %d: %s", x->repeat, results_status_name(x->status));
        if (x->error[0]) {
            fputs(": ", out);
            md_text(out, x->error, MD_INLINE);
        }
        fputc('\n', out);
        blank = false;
        bool seen = false;
        for (int k = 0; k < i && !seen; k++)
            seen = r->runs[k].mode == x->mode && r->runs[k].workers == x->workers &&
                   r->runs[k].status == x->status && r->runs[k].variant == x->variant &&
                   strcmp(r->runs[k].traceback, x->traceback) == 0;
        if (x->traceback[0] && !seen) {
            fputc('\n', out);
            md_code_block(out, x->traceback);
            blank = true;
        }
    }
    if (header && !blank)
        fputc('\n', out);
}

static void md_measuring(const results *r, FILE *out)
{
    char lines[24][REPORT_LINE_LEN];
    int n = report_measuring(r, lines, 24);
    if (n == 0)
        return;
    fputs("## How it was measured\n\n", out);
    for (int i = 0; i < n; i++)
        md_item(out, lines[i]);
    fputc('\n', out);
}

int report_write_markdown(const results *r, FILE *out)
{
    if (!r->complete) {
        fputs("**INCOMPLETE:** ", out);
        const char *why = r->incomplete_reason[0] ? r->incomplete_reason : "the run did not finish";
        md_text(out, why, MD_INLINE);
        fputs(why[strlen(why) - 1] == '.' ? "" : ".", out);
        fputs(" The numbers below come from the runs that finished.\n\n", out);
    }
    fputs("# ", out);
    md_text(out, r->workload.name[0] ? r->workload.name : "workload", MD_INLINE);
    if (r->workload.description[0]) {
        fputs(": ", out);
        md_text(out, r->workload.description, MD_INLINE);
    }
    fputs("\n\n", out);
    fputs("concur report for ", out);
    md_text(out, r->workload.spec[0] ? r->workload.spec : "-", MD_INLINE);
    fprintf(out, ": %d tasks in the job, measured on this machine in a single thread, a thread pool "
                 "and a process pool.\n\n",
            r->workload.tasks);

    md_recommendation(r, out);
    md_classification(&r->classification, out);
    md_configurations(r, out);
    md_measuring(r, out);
    md_beyond(&r->recommendation, out);
    md_machine(r, out);
    md_failures(r, out);
    fflush(out);
    return ferror(out) ? -1 : 0;
}

/* ---- into memory, and into files ------------------------------------------------------------- */

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
