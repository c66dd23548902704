/* format.c - numbers and names as every report writes them (doc.h). */
#include "doc.h"

#include <math.h>
#include <string.h>

#include "concur/util.h"

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

/* "threads x2", and for a follow-up its native limit, or its chunksize and start method. */
static char *name_of(char *buf, size_t len, run_mode mode, int workers, bool variant,
                     int chunksize, const char *start_method, int concurrency, int native_limit)
{
    util_fmt(buf, len, "%s x%d", mode_name(mode), workers);
    if (variant && concurrency > 0 && mode_get(mode)->pickles)
        util_fmt(buf + strlen(buf), len - strlen(buf), " x asyncio %d", concurrency);
    if (native_limit > 0)
        util_fmt(buf + strlen(buf), len - strlen(buf), ", native threads %d", native_limit);
    if (variant && chunksize > 0 && native_limit <= 0)
        util_fmt(buf + strlen(buf), len - strlen(buf), ", chunksize %d", chunksize);
    if (variant && start_method[0])
        util_fmt(buf + strlen(buf), len - strlen(buf), ", %s", start_method);
    return buf;
}

char *report_config_name(char *buf, size_t len, const config_summary *s)
{
    return name_of(buf, len, s->mode, s->workers, s->variant, s->chunksize, s->start_method,
                   s->loop.concurrency, s->native_limit);
}

char *report_run_name(char *buf, size_t len, const run_result *x)
{
    return name_of(buf, len, x->mode, x->workers, x->variant, x->chunksize, x->start_method,
                   x->loop.concurrency, x->native_limit);
}

char *report_option_model(char *buf, size_t len, const advise_option *o)
{
    util_fmt(buf, len, "%s", mode_name(o->mode));
    if (mode_get(o->mode)->pickles && o->chunksize > 0)
        util_fmt(buf + strlen(buf), len - strlen(buf), ", chunksize %d", o->chunksize);
    if (mode_get(o->mode)->pickles && o->start_method[0])
        util_fmt(buf + strlen(buf), len - strlen(buf), ", %s", o->start_method);
    if (mode_get(o->mode)->pickles && o->concurrency > 0)
        util_fmt(buf + strlen(buf), len - strlen(buf), ", each an event loop of %d",
                 o->concurrency);
    if (o->native_limit > 0)
        util_fmt(buf + strlen(buf), len - strlen(buf), ", native threads %d", o->native_limit);
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

void report_state_shares(const config_summary *s, double share[TS_COUNT])
{
    share[TS_RUNNING] = s->running_fraction;
    share[TS_RUNNABLE] = s->runnable_fraction;
    share[TS_GIL_WAIT] = s->gil_wait_fraction;
    share[TS_LOCK_WAIT] = s->lock_wait_fraction;
    share[TS_IO_WAIT] = s->io_wait_fraction;
    share[TS_SLEEP] = s->sleep_fraction;
    share[TS_CHILD_WAIT] = s->child_wait_fraction;
    share[TS_OTHER] = s->other_fraction;
}

bool report_any_sampled(const results *r, bool *undistinguished)
{
    bool any = false;
    *undistinguished = false;
    for (int i = 0; i < r->nsummary; i++) {
        if (r->summary[i].state_samples > 0) {
            any = true;
            *undistinguished = *undistinguished || !r->summary[i].gil_distinguished;
        }
    }
    return any;
}

void doc_state_cells(report_doc *d, const config_summary *s, int nstates)
{
    bool sampled = s->state_samples > 0;
    double f[TS_COUNT];
    report_state_shares(s, f);
    char buf[32];
    doc_cell(d, sampled ? util_fmt(buf, sizeof(buf), "%.0f", s->state_samples) : "-");
    for (int k = 0; k < nstates && k < TS_COUNT; k++) {
        /* Where the GIL could not be told apart its waits are counted as lock waits, not zero. */
        bool hide = !sampled || (k == TS_GIL_WAIT && !s->gil_distinguished);
        doc_cell(d, report_fmt_share(buf, sizeof(buf), hide ? NAN : f[k]));
    }
}

void doc_safety(report_doc *d, const results *r)
{
    bool listed = false;
    for (int i = 0; i < r->nsummary; i++) {
        const config_summary *s = &r->summary[i];
        char name[96];
        if (!s->unsafe || !s->unsafe_reason[0])
            continue;
        if (!listed)
            doc_list(d, DOC_NORMAL, '-');
        listed = true;
        doc_itemf(d, "NOT SAFE: %s %s; never recommended",
                  report_config_name(name, sizeof(name), s), s->unsafe_reason);
    }
    const char *why = NULL;
    char buf[320];
    if (r->check == RESULTS_NOT_ASKED)
        why = "results were not compared (--results-vary)";
    else if (r->check == RESULTS_SINGLE_VARIES)
        why = util_fmt(buf, sizeof(buf), "results were not compared: single's own runs returned "
                       "different results for task %d, so the job's results vary by themselves "
                       "(random samples, timestamps; --results-vary says so up front)",
                       r->check_task);
    else if (r->check == RESULTS_NO_VALUES)
        why = "results were not compared: the tasks return None (or nothing that can be pickled)";
    if (!why)
        return;
    if (!listed)
        doc_list(d, DOC_NORMAL, '-');
    doc_itemf(d, "%s", why);
}
