/* measuring.c - "How it was measured": runs and time spent, the sample, the precision of the
 * recommended configuration, each decision of the sweep (results.plan: warm-up, skipped, stopped,
 * budget), outliers, processes left behind, tasks of very unequal cost. Every report says it the
 * same way. */
#include "doc.h"

#include <math.h>
#include <string.h>

#include "concur/advise.h"
#include "concur/plan.h"
#include "concur/util.h"

/* "34 runs in 8.1 s: 1 warm-up, 27 of the sweep, 6 of follow-ups". */
static void runs_line(report_doc *d, const results *r)
{
    int warm = 0, measured = 0, variants = 0;
    for (int i = 0; i < r->nruns; i++) {
        const run_result *x = &r->runs[i];
        if (x->warmup)
            warm++;
        else if (x->variant)
            variants++;
        else
            measured++;
    }
    char took[48] = "", extra[96] = "";
    if (isfinite(r->elapsed_s) && r->elapsed_s > 0)
        util_fmt(took, sizeof(took), " in %.1f s", r->elapsed_s);
    if (variants)
        util_fmt(extra, sizeof(extra), ", %d of follow-ups", variants);
    doc_itemf(d, "%d runs%s: %d warm-up, %d of the sweep%s%s", r->nruns, took, warm, measured,
              extra, r->fixed ? " (a fixed plan)" : "");
}

/* What the cores could do at once at the start and at the end, where it was probed. */
static void capacity_line(report_doc *d, const results *r)
{
    const topology_info *m = &r->machine;
    if (!isfinite(m->capacity_start) && !isfinite(m->capacity_end))
        return;
    char start[24] = "-", end[24] = "-";
    report_fmt_fixed(start, sizeof(start), m->capacity_start, 2);
    report_fmt_fixed(end, sizeof(end), m->capacity_end, 2);
    doc_itemf(d,
              "the cores did %s cores' worth of work at once at the start of the run and %s at "
              "the end (%d cores spinning together, against one alone)%s",
              start, end, results_cores(r),
              isfinite(advise_capacity_short(r)) ? ": the host held them back" : "");
}

/* Whether the probe's pace around each run explained its configuration's spread (find_pace). */
static void pace_line(report_doc *d, const results *r)
{
    const results_drift *dr = &r->drift;
    if (!isfinite(dr->pace_slope))
        return;
    if (r->back_to_back) {
        doc_itemf(d, "with --back-to-back each run's time is taken as it came, not at the pace "
                  "that loop kept on the run's own cores (slope %.2f +- %.2f over %d runs)",
                  dr->pace_slope,
                  dr->pace_slope_se, dr->pace_runs);
        return;
    }
    if (dr->pace_applied)
        doc_itemf(d, "that loop, timed on the run's own cores, followed the runs' times (slope "
                  "%.2f +- %.2f over %d runs of %d configurations): each run "
                  "is taken at the mean pace of its configuration's runs, which narrowed their "
                  "spread from +-%.0f %% to +-%.0f %% (one standard deviation)",
                  dr->pace_slope, dr->pace_slope_se, dr->pace_runs, dr->pace_configs,
                  100 * (exp(dr->pace_noise_raw) - 1), 100 * (exp(dr->pace_noise_paced) - 1));
    else
        doc_itemf(d, "that loop, timed on the run's own cores, did not follow the runs' times "
                  "(slope %.2f +- %.2f over %d runs): they are taken as they came",
                  dr->pace_slope, dr->pace_slope_se, dr->pace_runs);
}

/* How the host's pace moved over the run (results_drift), and what the speedups are against. */
static void drift_line(report_doc *d, const results *r)
{
    const results_drift *dr = &r->drift;
    char probe[256] = "", base[256] = "";
    if (dr->probes >= 3 && isfinite(dr->moved))
        util_fmt(probe, sizeof(probe), "a fixed loop timed before and after every run moved by "
                 "%.0f %% over the runs on one core (%.2f-%.2f ms), %s its jitter of %.0f %% from "
                 "one run to the next%s",
                 100 * dr->moved, 1e3 * dr->probe_fast_s, 1e3 * dr->probe_slow_s,
                 dr->probe_beyond_noise ? "beyond" : "within", 100 * dr->probe_jitter,
                 dr->job_ignores_probe ? ", which the job's times did not follow" : "");
    if (dr->reference_runs > 0 && isfinite(dr->baseline_moved)) {
        char fast[32], slow[32];
        util_fmt(base, sizeof(base), "single, measured %d times of which %d between the other "
                 "configurations' runs, took %s-%s, its pace (each run with its neighbours) "
                 "%.0f %% apart (%s)",
                 dr->baseline_runs, dr->reference_runs,
                 util_fmt_seconds(fast, sizeof(fast), dr->baseline_fast_s),
                 util_fmt_seconds(slow, sizeof(slow), dr->baseline_slow_s),
                 100 * dr->baseline_moved,
                 dr->baseline_beyond_noise ? "far beyond the noise of runs made one after the "
                                             "other"
                                           : "within what their noise explains");
    }
    if (!probe[0] && !base[0]) {
        if (r->back_to_back)
            doc_itemf(d, "with --back-to-back single is measured again only where a decision "
                      "needs more of its runs: a drift of the host's pace between "
                      "configurations may go unseen");
        return;
    }
    const char *so = dr->adjusted ? "the host drifted: each pool run is compared with the "
                                    "single runs just before and after it"
                     : dr->found ? "the host drifted, and single was measured in one spell "
                                   "(--back-to-back): the speedups carry the drift"
                     : r->back_to_back ? "with --back-to-back single is measured again only "
                                         "where a decision needs more of its runs: a drift "
                                         "between configurations may go unseen"
                                       : "within what the speedups can carry: they are against "
                                         "all of single's runs";
    doc_itemf(d, "the host's pace: %s%s%s; %s", probe, probe[0] && base[0] ? "; " : "", base,
              so);
    pace_line(d, r);
}

/* The sample of the tasks the runs measured, or that they measured them all. */
static void sample_line(report_doc *d, const results *r)
{
    int sampled = 0, sample_min = 0, sample_max = 0;
    for (int i = 0; i < r->nruns; i++) {
        const run_result *x = &r->runs[i];
        if (x->warmup || x->sample_of <= 0)
            continue;
        sampled++;
        if (!sample_min || x->tasks < sample_min)
            sample_min = x->tasks;
        if (x->tasks > sample_max)
            sample_max = x->tasks;
    }
    if (sampled == 0) {
        if (r->workload.tasks > 0)
            doc_itemf(d, "every run measured all %d tasks", r->workload.tasks);
        return;
    }
    char range[48];
    if (sample_min == sample_max)
        util_fmt(range, sizeof(range), "%d", sample_min);
    else
        util_fmt(range, sizeof(range), "%d to %d", sample_min, sample_max);
    double se = 0;
    for (int i = 0; i < r->nsummary; i++)
        if (r->summary[i].sample_se > se)
            se = r->summary[i].sample_se;
    doc_itemf(d,
              "%d runs measured a sample of %s of the %d tasks, spread over them; wall times are "
              "scaled to the whole job (start-up + the rest x tasks / sample). The tasks' cost "
              "spread puts up to +-%.1f %% on those whole-job times; it moves every configuration "
              "measured on the same tasks alike, so speedups do not carry it",
              sampled, range, r->workload.tasks, 100 * 1.96 * se);
}

/* That every pool computed what single computed, where the results were compared and none
 * differed (doc_safety says so where one did). */
static void results_line(report_doc *d, const results *r)
{
    if (r->check != RESULTS_COMPARED)
        return;
    int compared = 0, unsafe = 0;
    for (int i = 0; i < r->nsummary; i++) {
        compared += r->summary[i].results_compared;
        unsafe += r->summary[i].unsafe;
    }
    if (unsafe == 0 && compared > 0)
        doc_itemf(d, "every pool returned single's results for the %d task results compared "
                  "(each task's result digested, task by task)", compared);
}

/* How well the recommended configuration's wall time is known, where a precision was asked. */
static void precision_line(report_doc *d, const results *r)
{
    const recommendation *rec = &r->recommendation;
    if (!rec->made || r->precision <= 0)
        return;
    /* A follow-up when one matches the choice (another chunksize or start method). */
    const config_summary *c =
        rec->choice.native_limit > 0
            ? results_find_limited(r, rec->choice.mode, rec->choice.workers, rec->choice.chunksize,
                                   rec->choice.start_method, rec->choice.native_limit)
            : results_find_variant(r, rec->choice.mode, rec->choice.workers,
                                   rec->choice.chunksize, rec->choice.start_method);
    if (!c)
        c = results_find_summary(r, rec->choice.mode, rec->choice.workers);
    if (c && isfinite(c->precision))
        doc_itemf(d,
                  "the recommended configuration's median wall time is known to +-%.1f %% after "
                  "%d runs (+-%.0f %% asked, at most %d runs; 95 %% interval)",
                  100 * c->precision, c->runs_ok, 100 * r->precision, r->max_repeat);
}

/* Each decision of the sweep other than running a step. */
static void plan_lines(report_doc *d, const results *r)
{
    for (int i = 0; i < r->nplan; i++) {
        const plan_entry *e = &r->plan[i];
        if (e->action == PLAN_RAN)
            continue;
        char name[48];
        util_fmt(name, sizeof(name), "%s x%d", mode_name(e->mode), e->workers);
        size_t nl = strlen(name);
        if (e->workers > 0 && e->action == PLAN_STOPPED && strncmp(e->why, name, nl) == 0 &&
            e->why[nl] == ':') /* the reason names the step: "threads stopped at x8: ..." */
            doc_itemf(d, "%s stopped at x%d:%s", mode_name(e->mode), e->workers, e->why + nl + 1);
        else if (e->workers > 0)
            doc_itemf(d, "%s, %s: %s", name, plan_action_name(e->action), e->why);
        else
            doc_item_text(d, e->why);
    }
}

static void outlier_lines(report_doc *d, const results *r)
{
    for (int i = 0; i < r->nsummary; i++) {
        const config_summary *s = &r->summary[i];
        if (s->noutliers == 0)
            continue;
        char name[64], reps[64] = "";
        for (int k = 0; k < s->noutliers; k++)
            util_fmt(reps + strlen(reps), sizeof(reps) - strlen(reps), "%s%d", k ? ", " : "",
                     s->outliers[k]);
        doc_itemf(d,
                  "%s: run%s %s far from the others (MAD outlier%s), kept in the median and its "
                  "interval",
                  report_config_name(name, sizeof(name), s), s->noutliers > 1 ? "s" : "", reps,
                  s->noutliers > 1 ? "s" : "");
    }
}

/* Whether runs a and b are of the same configuration: the sweep's (mode, workers), or the same
 * follow-up. */
static bool same_configuration(const run_result *a, const run_result *b)
{
    if (a->mode != b->mode || a->workers != b->workers || a->variant != b->variant)
        return false;
    return !a->variant ||
           (a->chunksize == b->chunksize && a->native_limit == b->native_limit &&
            strcmp(a->start_method, b->start_method) == 0);
}

/* The configuration of x, once: how many of its runs left processes behind, how many in all, and
 * their distinct command names. */
static void escaped_line(report_doc *d, const results *r, const run_result *x)
{
    int killed = 0, runs = 0, of = 0, nnames = 0;
    const char *names[RUN_ESCAPED_COMMANDS];
    for (int k = 0; k < r->nruns; k++) {
        const run_result *y = &r->runs[k];
        if (!same_configuration(y, x))
            continue;
        of++;
        if (y->escaped_killed <= 0)
            continue;
        killed += y->escaped_killed;
        runs++;
        for (int c = 0; c < y->nescaped_commands; c++) {
            bool known = false;
            for (int q = 0; q < nnames && !known; q++)
                known = strcmp(names[q], y->escaped_commands[c]) == 0;
            if (!known && nnames < RUN_ESCAPED_COMMANDS)
                names[nnames++] = y->escaped_commands[c];
        }
    }
    char name[96], list[RUN_ESCAPED_COMMANDS * (RUN_COMMAND_LEN + 2) + 8] = "";
    report_run_name(name, sizeof(name), x);
    for (int q = 0; q < nnames; q++)
        util_fmt(list + strlen(list), sizeof(list) - strlen(list), "%s%s", q ? ", " : ": ",
                 names[q]);
    doc_itemf(d,
              "%s: %d of its %d runs ended with processes the workload had started outside its "
              "process group still running (%d in all%s); concur killed %s",
              name, runs, of, killed, list, killed == 1 ? "it" : "them");
}

/* Processes the workload started outside its process group and left running: concur killed them
 * at the end of the run. One line per configuration where it happened. */
static void escaped_lines(report_doc *d, const results *r)
{
    for (int i = 0; i < r->nruns; i++) {
        const run_result *x = &r->runs[i];
        if (x->escaped_killed <= 0)
            continue;
        bool seen = false;
        for (int k = 0; k < i && !seen; k++)
            seen = r->runs[k].escaped_killed > 0 && same_configuration(&r->runs[k], x);
        if (!seen)
            escaped_line(d, r, x);
    }
}

/* Tasks of very unequal cost, from the task times of the runs without a pool. */
static void unequal_line(report_doc *d, const results *r)
{
    double ratio = NAN;
    for (int i = 0; i < r->nruns; i++) {
        const run_result *x = &r->runs[i];
        if (!mode_get(x->mode)->pool && x->status == RUN_OK && x->task_wall.median > 0) {
            double q = x->task_wall.p95 / x->task_wall.median;
            if (isnan(ratio) || q > ratio)
                ratio = q;
        }
    }
    if (ratio > PLAN_UNEQUAL_P95_RATIO)
        doc_itemf(d,
                  "tasks of very unequal cost: the slowest 5 %% took %.1fx the median task or "
                  "more; that matters for chunking (a chunk of slow tasks finishes last) and for "
                  "samples",
                  ratio);
}

void doc_measuring(report_doc *d, const results *r)
{
    if (r->nruns == 0)
        return;
    doc_section(d, "measuring", "How it was measured");
    doc_list(d, DOC_NORMAL, '-');
    runs_line(d, r);
    capacity_line(d, r);
    drift_line(d, r);
    sample_line(d, r);
    results_line(d, r);
    precision_line(d, r);
    plan_lines(d, r);
    outlier_lines(d, r);
    escaped_lines(d, r);
    unequal_line(d, r);
}
