/* compare.c - concur compare: two results of the same job, configuration by configuration, with
 * Welch's t-test on the logarithms of the wall times (times are positive and their noise
 * multiplicative; a ratio is what a user asks about). */
#include "concur/compare.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "concur/stats.h"
#include "concur/util.h"

/* ---- what a configuration is ------------------------------------------------------------------ */

/* Whether c is compared: the sweep's configurations, and the follow-ups with a native thread limit
 * (the job as it should run); the advisor's other follow-ups depend on what each run measured. */
static bool compared(const config_summary *c)
{
    return !c->variant || c->native_limit > 0;
}

/* Whether a and b (from two files) are the same configuration. The one place that says which
 * fields make a configuration; run_of_config must agree with it. */
static bool same_config(const config_summary *a, const config_summary *b)
{
    return compared(a) && compared(b) && a->mode == b->mode && a->workers == b->workers &&
           a->native_limit == b->native_limit &&
           (!a->variant || (a->chunksize == b->chunksize &&
                            strcmp(a->start_method, b->start_method) == 0));
}

/* Whether run is one of the runs c summarises. */
static bool run_of_config(const run_result *run, const config_summary *c)
{
    return results_run_in(c, run);
}

/* The runs the summary's median comes from (results_run_counts). */
static bool run_succeeded(const run_result *run)
{
    return results_run_counts(run);
}

static const config_summary *find_config(const results *r, const config_summary *c)
{
    for (int i = 0; i < r->nsummary; i++)
        if (same_config(&r->summary[i], c))
            return &r->summary[i];
    return NULL;
}

/* The logarithms of the wall times of c's successful runs (caller frees *out). Returns how many. */
static int log_walls(const results *r, const config_summary *c, double **out)
{
    *out = xmalloc(sizeof(double) * (size_t)(r->nruns > 0 ? r->nruns : 1));
    int n = 0;
    for (int i = 0; i < r->nruns; i++) {
        const run_result *run = &r->runs[i];
        if (run_of_config(run, c) && run_succeeded(run) && isfinite(run->wall_s) && run->wall_s > 0)
            (*out)[n++] = log(run->wall_s);
    }
    return n;
}

/* ---- one row ---------------------------------------------------------------------------------- */

/* Names and JSON identifiers of the verdicts, in enum order. */
static const struct {
    const char *name;
    const char *id;
} verdicts[] = {
    [COMPARE_UNCHANGED] = {"unchanged", "unchanged"},
    [COMPARE_SLOWER] = {"slower", "slower"},
    [COMPARE_FASTER] = {"faster", "faster"},
    [COMPARE_TOO_FEW] = {"too few repeats", "too_few_repeats"},
    [COMPARE_ONLY_OLD] = {"only in OLD", "only_old"},
    [COMPARE_ONLY_NEW] = {"only in NEW", "only_new"},
};

/* Never NULL: "unknown" outside the enum. */
const char *compare_verdict_name(compare_verdict v)
{
    return (unsigned)v < ARRAY_LEN(verdicts) ? verdicts[v].name : "unknown";
}

static const char *verdict_id(compare_verdict v)
{
    return (unsigned)v < ARRAY_LEN(verdicts) ? verdicts[v].id : "unknown";
}

static void row_init(compare_row *row, const config_summary *c)
{
    *row = (compare_row){.mode = c->mode, .workers = c->workers, .native_limit = c->native_limit};
    row->old_wall_s = row->new_wall_s = NAN;
    row->old_low_s = row->old_high_s = row->new_low_s = row->new_high_s = NAN;
    row->change = row->ratio = row->ratio_low = row->ratio_high = row->p_value = NAN;
}

/* The test and the verdict of a configuration measured on both sides, from the log wall times
 * of its runs, a[0..na-1] (old) and b[0..nb-1] (new). */
static void test_row(compare_row *row, const double *a, int na, const double *b, int nb,
                     double threshold, double alpha)
{
    if (row->old_wall_s > 0 && isfinite(row->old_wall_s) && isfinite(row->new_wall_s))
        row->change = row->new_wall_s / row->old_wall_s - 1.0;

    stats_welch w;
    if (na < COMPARE_MIN_RUNS || nb < COMPARE_MIN_RUNS ||
        stats_welch_test(a, na, b, nb, 1.0 - alpha, &w) < 0) {
        row->verdict = COMPARE_TOO_FEW;
        return;
    }
    row->ratio = exp(w.diff);
    row->ratio_low = exp(w.low);
    row->ratio_high = exp(w.high);
    row->p_value = w.p;
    if (isnan(row->change)) /* no medians in the summary: the runs still say it */
        row->change = row->ratio - 1.0;
    bool significant = w.p < alpha;
    /* The test's direction must agree with the medians' for a verdict. */
    if (significant && w.diff > 0 && row->change > threshold)
        row->verdict = COMPARE_SLOWER;
    else if (significant && w.diff < 0 && row->change < -threshold)
        row->verdict = COMPARE_FASTER;
    else
        row->verdict = COMPARE_UNCHANGED;
}

/* One configuration: co in old, cn in new, either NULL when that side did not measure it. */
static void compare_config(const results *old, const config_summary *co, const results *new_,
                           const config_summary *cn, double threshold, double alpha, compare_row *row)
{
    double *a = NULL, *b = NULL;
    row_init(row, co ? co : cn);
    if (co) {
        row->n_old = log_walls(old, co, &a);
        row->old_wall_s = co->wall_s;
        row->old_low_s = co->ci_low_s;
        row->old_high_s = co->ci_high_s;
    }
    if (cn) {
        row->n_new = log_walls(new_, cn, &b);
        row->new_wall_s = cn->wall_s;
        row->new_low_s = cn->ci_low_s;
        row->new_high_s = cn->ci_high_s;
    }
    if (co == NULL)
        row->verdict = COMPARE_ONLY_NEW;
    else if (cn == NULL)
        row->verdict = COMPARE_ONLY_OLD;
    else
        test_row(row, a, row->n_old, b, row->n_new, threshold, alpha);
    free(a);
    free(b);
}

/* ---- warnings --------------------------------------------------------------------------------- */

static void warn(compare_report *rep, const char *fmt, ...) CONCUR_PRINTF(2, 3);
static void warn(compare_report *rep, const char *fmt, ...)
{
    if (rep->nwarnings >= COMPARE_MAX_WARNINGS)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rep->warnings[rep->nwarnings++], COMPARE_WARNING_LEN, fmt, ap);
    va_end(ap);
}

static const char *gil_word(int gil)
{
    return gil == 0 ? " (free-threaded)" : "";
}

static const char *reason_or_none(const char *reason)
{
    return reason[0] ? reason : "no reason given";
}

/* Everything that makes two results measure different things. */
static void check_comparable(const results *old, const results *new_, compare_report *rep)
{
    if (strcmp(old->workload.name, new_->workload.name) != 0 ||
        old->workload.tasks != new_->workload.tasks)
        warn(rep, "different workloads: OLD measured %s (%d tasks), NEW %s (%d tasks)",
             old->workload.name, old->workload.tasks, new_->workload.name, new_->workload.tasks);
    if (strcmp(old->python.implementation, new_->python.implementation) != 0 ||
        strcmp(old->python.version, new_->python.version) != 0 || old->python.gil != new_->python.gil)
        warn(rep, "different interpreters: OLD %s %s%s, NEW %s %s%s", old->python.implementation,
             old->python.version, gil_word(old->python.gil), new_->python.implementation,
             new_->python.version, gil_word(new_->python.gil));
    if (strcmp(old->machine.cpu_model, new_->machine.cpu_model) != 0 ||
        old->machine.cores != new_->machine.cores)
        warn(rep, "different machines: OLD '%s' with %d cores, NEW '%s' with %d cores",
             old->machine.cpu_model, old->machine.cores, new_->machine.cpu_model,
             new_->machine.cores);
    if (old->counters.level != new_->counters.level)
        warn(rep, "different counter levels: OLD %s, NEW %s",
             counters_level_name(old->counters.level), counters_level_name(new_->counters.level));
    if (!old->complete)
        warn(rep, "OLD is incomplete (%s)", reason_or_none(old->incomplete_reason));
    if (!new_->complete)
        warn(rep, "NEW is incomplete (%s)", reason_or_none(new_->incomplete_reason));
}

/* ---- the report ------------------------------------------------------------------------------- */

static bool row_before(const compare_row *a, const compare_row *b)
{
    if (a->native_limit != b->native_limit)
        return a->native_limit < b->native_limit;
    return a->mode != b->mode ? a->mode < b->mode : a->workers < b->workers;
}

/* Insertion sort: stable, and a report has a few dozen rows at most. */
static void sort_rows(compare_row *rows, int n)
{
    for (int i = 1; i < n; i++) {
        compare_row x = rows[i];
        int j = i;
        while (j > 0 && row_before(&x, &rows[j - 1])) {
            rows[j] = rows[j - 1];
            j--;
        }
        rows[j] = x;
    }
}

void compare_results(const results *old, const results *new_, double threshold, double alpha,
                     compare_report *out)
{
    memset(out, 0, sizeof(*out));
    out->threshold = threshold;
    out->alpha = alpha;
    out->rows = xcalloc((size_t)(old->nsummary + new_->nsummary + 1), sizeof(compare_row));

    /* The sweep's configurations; the advisor's follow-ups depend on what each run measured. */
    for (int i = 0; i < old->nsummary; i++) {
        const config_summary *co = &old->summary[i];
        if (!compared(co))
            continue;
        compare_config(old, co, new_, find_config(new_, co), threshold, alpha,
                       &out->rows[out->nrows++]);
    }
    for (int i = 0; i < new_->nsummary; i++) {
        const config_summary *cn = &new_->summary[i];
        if (compared(cn) && find_config(old, cn) == NULL)
            compare_config(old, NULL, new_, cn, threshold, alpha, &out->rows[out->nrows++]);
    }
    sort_rows(out->rows, out->nrows);
    for (int i = 0; i < out->nrows; i++)
        out->count[out->rows[i].verdict]++;
    check_comparable(old, new_, out);
}

void compare_report_free(compare_report *rep)
{
    free(rep->rows);
    rep->rows = NULL;
    rep->nrows = 0;
}

bool compare_has_slowdown(const compare_report *rep)
{
    return rep->count[COMPARE_SLOWER] > 0;
}

/* ---- output ----------------------------------------------------------------------------------- */

static void fmt_seconds(char *buf, size_t len, double s)
{
    if (isnan(s))
        snprintf(buf, len, "-");
    else if (s < 0.01)
        snprintf(buf, len, "%.2f ms", s * 1e3);
    else if (s < 100)
        snprintf(buf, len, "%.3f s", s);
    else
        snprintf(buf, len, "%.1f s", s);
}

/* A change as a signed percentage, "+20.1 %"; "-" for NAN. */
static void fmt_change(char *buf, size_t len, double change)
{
    if (isnan(change))
        snprintf(buf, len, "-");
    else
        snprintf(buf, len, "%+.1f %%", change * 100.0);
}

/* The ratio's interval as changes: "+15.0 % .. +25.4 %". */
static void fmt_interval(char *buf, size_t len, const compare_row *row)
{
    if (isnan(row->ratio_low) || isnan(row->ratio_high)) {
        snprintf(buf, len, "-");
        return;
    }
    char lo[32], hi[32];
    fmt_change(lo, sizeof(lo), row->ratio_low - 1.0);
    fmt_change(hi, sizeof(hi), row->ratio_high - 1.0);
    snprintf(buf, len, "%s .. %s", lo, hi);
}

static void fmt_p(char *buf, size_t len, double p)
{
    if (isnan(p))
        snprintf(buf, len, "-");
    else if (p < 0.0001)
        snprintf(buf, len, "<0.0001");
    else
        snprintf(buf, len, "%.4f", p);
}

static void fmt_config(char *buf, size_t len, const compare_row *row)
{
    if (row->native_limit > 0)
        snprintf(buf, len, "%s x%d n%d", mode_name(row->mode), row->workers, row->native_limit);
    else
        snprintf(buf, len, "%s x%d", mode_name(row->mode), row->workers);
}

/* "5" for 0.05: percentages without trailing zeros. */
static void fmt_percent(char *buf, size_t len, double fraction)
{
    snprintf(buf, len, "%g", fraction * 100.0);
}

/* The verdict without the other counts: what a CI log or a pull request shows first. */
static void headline(const compare_report *rep, char *buf, size_t len)
{
    char pct[32];
    fmt_percent(pct, sizeof(pct), rep->threshold);
    int slower = rep->count[COMPARE_SLOWER];
    if (slower > 0)
        snprintf(buf, len, "%d configuration%s slower beyond %s %%", slower, slower == 1 ? "" : "s",
                 pct);
    else
        snprintf(buf, len, "no significant slowdown beyond %s %%", pct);
}

/* The other counts, "1 faster, 3 unchanged"; "" when there is no other row. */
static void other_counts(const compare_report *rep, char *buf, size_t len)
{
    static const compare_verdict order[] = {COMPARE_FASTER, COMPARE_UNCHANGED, COMPARE_TOO_FEW,
                                            COMPARE_ONLY_OLD, COMPARE_ONLY_NEW};
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < ARRAY_LEN(order) && used < len; i++) {
        int n = rep->count[order[i]];
        if (n > 0)
            used += (size_t)snprintf(buf + used, len - used, "%s%d %s", used ? ", " : "", n,
                                     compare_verdict_name(order[i]));
    }
}

void compare_summary_line(const compare_report *rep, char *buf, size_t len)
{
    char head[128], rest[256];
    headline(rep, head, sizeof(head));
    other_counts(rep, rest, sizeof(rest));
    if (rest[0])
        snprintf(buf, len, "%s; %s", head, rest);
    else
        snprintf(buf, len, "%s", head);
}

/* The formatted cells of one row, shared by the text and the Markdown table. */
typedef struct {
    char config[64], old_wall[32], new_wall[32], runs[32], change[32], interval[64], p[32];
} row_cells;

static void format_row(const compare_row *row, row_cells *c)
{
    fmt_config(c->config, sizeof(c->config), row);
    fmt_seconds(c->old_wall, sizeof(c->old_wall), row->old_wall_s);
    fmt_seconds(c->new_wall, sizeof(c->new_wall), row->new_wall_s);
    snprintf(c->runs, sizeof(c->runs), "%d/%d", row->n_old, row->n_new);
    fmt_change(c->change, sizeof(c->change), row->change);
    fmt_interval(c->interval, sizeof(c->interval), row);
    fmt_p(c->p, sizeof(c->p), row->p_value);
}

/* "95" for alpha 0.05: the level of the intervals. */
static void fmt_level(char *buf, size_t len, double alpha)
{
    fmt_percent(buf, len, 1.0 - alpha);
}

void compare_print_text(const compare_report *rep, FILE *out)
{
    char level[32], interval_head[64], line[512];
    fmt_level(level, sizeof(level), rep->alpha);
    snprintf(interval_head, sizeof(interval_head), "%s%% interval", level);
    fprintf(out, "%-15s %10s %10s %7s %9s  %-20s %8s  %s\n", "configuration", "old wall",
            "new wall", "runs", "change", interval_head, "p", "verdict");
    for (int i = 0; i < rep->nrows; i++) {
        row_cells c;
        format_row(&rep->rows[i], &c);
        fprintf(out, "%-15s %10s %10s %7s %9s  %-20s %8s  %s\n", c.config, c.old_wall, c.new_wall,
                c.runs, c.change, c.interval, c.p, compare_verdict_name(rep->rows[i].verdict));
    }
    compare_summary_line(rep, line, sizeof(line));
    fprintf(out, "\nconcur compare: %s\n", line);
}

void compare_print_markdown(const compare_report *rep, FILE *out)
{
    char head[128], rest[256], level[32], pct[32];
    headline(rep, head, sizeof(head));
    other_counts(rep, rest, sizeof(rest));
    fmt_level(level, sizeof(level), rep->alpha);
    fmt_percent(pct, sizeof(pct), rep->threshold);

    fprintf(out, "**concur compare: %s**%s%s%s\n\n", head, rest[0] ? " (" : "", rest,
            rest[0] ? ")" : "");
    for (int i = 0; i < rep->nwarnings; i++) /* one quote each: lines in one quote would join */
        fprintf(out, "> **Warning:** %s.\n\n", rep->warnings[i]);
    fprintf(out, "| configuration | old wall | new wall | runs | change | %s %% interval | p | "
                 "verdict |\n",
            level);
    fprintf(out, "|:--|--:|--:|--:|--:|:-:|--:|:--|\n");
    for (int i = 0; i < rep->nrows; i++) {
        const compare_row *row = &rep->rows[i];
        row_cells c;
        format_row(row, &c);
        bool strong = row->verdict == COMPARE_SLOWER || row->verdict == COMPARE_FASTER;
        fprintf(out, "| %s | %s | %s | %s | %s | %s | %s | %s%s%s |\n", c.config, c.old_wall,
                c.new_wall, c.runs, c.change, c.interval, c.p, strong ? "**" : "",
                compare_verdict_name(row->verdict), strong ? "**" : "");
    }
    fprintf(out, "\nWall times are medians over the successful runs (runs: old/new). p is Welch's "
                 "t-test on the logarithms of the wall times; the interval is that of the ratio of "
                 "their geometric means. Slower or faster: p < %g and a change beyond %s %%.\n",
            rep->alpha, pct);
}

/* A number, or null where it is NAN or infinite (JSON has neither). */
static void add_number(cJSON *obj, const char *key, double v)
{
    if (isfinite(v))
        cJSON_AddNumberToObject(obj, key, v);
    else
        cJSON_AddNullToObject(obj, key);
}

static void add_side(cJSON *obj, const char *key, int n, double wall, double low, double high,
                     bool present)
{
    if (!present) {
        cJSON_AddNullToObject(obj, key);
        return;
    }
    cJSON *s = cJSON_AddObjectToObject(obj, key);
    cJSON_AddNumberToObject(s, "runs", n);
    add_number(s, "wall_s", wall);
    add_number(s, "ci_low_s", low);
    add_number(s, "ci_high_s", high);
}

static cJSON *row_to_json(const compare_row *row)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "mode", mode_name(row->mode));
    cJSON_AddNumberToObject(o, "workers", row->workers);
    if (row->native_limit > 0)
        cJSON_AddNumberToObject(o, "native_limit", row->native_limit);
    else
        cJSON_AddNullToObject(o, "native_limit");
    cJSON_AddStringToObject(o, "verdict", verdict_id(row->verdict));
    add_side(o, "old", row->n_old, row->old_wall_s, row->old_low_s, row->old_high_s,
             row->verdict != COMPARE_ONLY_NEW);
    add_side(o, "new", row->n_new, row->new_wall_s, row->new_low_s, row->new_high_s,
             row->verdict != COMPARE_ONLY_OLD);
    add_number(o, "change", row->change);
    add_number(o, "ratio", row->ratio);
    add_number(o, "ratio_low", row->ratio_low);
    add_number(o, "ratio_high", row->ratio_high);
    add_number(o, "p_value", row->p_value);
    return o;
}

void compare_print_json(const compare_report *rep, FILE *out)
{
    char line[512];
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "schema", "concur.compare/1");
    cJSON_AddNumberToObject(root, "threshold", rep->threshold);
    cJSON_AddNumberToObject(root, "alpha", rep->alpha);
    cJSON_AddBoolToObject(root, "slowdown", compare_has_slowdown(rep));
    headline(rep, line, sizeof(line));
    cJSON_AddStringToObject(root, "summary", line);
    cJSON *counts = cJSON_AddObjectToObject(root, "counts");
    for (int v = 0; v <= COMPARE_ONLY_NEW; v++)
        cJSON_AddNumberToObject(counts, verdict_id((compare_verdict)v), rep->count[v]);
    cJSON *warnings = cJSON_AddArrayToObject(root, "warnings");
    for (int i = 0; i < rep->nwarnings; i++)
        cJSON_AddItemToArray(warnings, cJSON_CreateString(rep->warnings[i]));
    cJSON *configs = cJSON_AddArrayToObject(root, "configurations");
    for (int i = 0; i < rep->nrows; i++)
        cJSON_AddItemToArray(configs, row_to_json(&rep->rows[i]));
    char *text = cJSON_Print(root);
    fputs(text, out);
    fputc('\n', out);
    free(text);
    cJSON_Delete(root);
}
