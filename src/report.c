/* report.c - what a person reads at the end of a run: every configuration with its evidence. */
#include "concur/report.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "concur/advise.h"
#include "concur/classify.h"
#include "concur/counters.h"
#include "concur/plan.h"
#include "concur/util.h"

/* The workers column: "2", or "2*" for a follow-up (another chunksize or start method), which the
 * legend under the table spells out. */
static void config_workers(char *buf, size_t len, const config_summary *s)
{
    util_fmt(buf, len, s->variant ? "%d*" : "%d", s->workers);
}

static bool any_variant(const results *r)
{
    for (int i = 0; i < r->nsummary; i++)
        if (r->summary[i].variant)
            return true;
    return false;
}

static const char variant_legend[] =
    "*: a follow-up the advisor measured (see the chunksize and start method notes below).";

/* The report fits a 100-column terminal. */
#define REPORT_WIDTH 100

/* text over lines of at most width columns, broken at spaces: first prefixes the first line, rest
 * the others. A word longer than a line stays whole. */
static void print_wrapped(FILE *out, const char *text, const char *first, const char *rest, int width)
{
    const char *prefix = first;
    const char *p = text;
    while (*p) {
        int room = width - (int)strlen(prefix);
        int len = (int)strlen(p);
        int cut = len;
        if (len > room) {
            cut = room;
            while (cut > 0 && p[cut] != ' ')
                cut--;
            if (cut == 0) { /* no space to break at: up to the next one */
                cut = room;
                while (p[cut] && p[cut] != ' ')
                    cut++;
            }
        }
        fprintf(out, "%s%.*s\n", prefix, cut, p);
        p += cut;
        while (*p == ' ')
            p++;
        prefix = rest;
    }
}

/* "12.3%", or "-" where nothing was sampled. */
static void fmt_share(char *buf, size_t len, double f)
{
    if (isnan(f))
        snprintf(buf, len, "-");
    else
        snprintf(buf, len, "%.1f%%", 100 * f);
}

/* What the worker threads were doing in each configuration, as shares of the sampler's samples.
 * Left out entirely when no configuration was sampled. */
static void report_states(const results *r, FILE *out)
{
    bool any = false, undistinguished = false;
    for (int i = 0; i < r->nsummary; i++) {
        if (r->summary[i].state_samples > 0) {
            any = true;
            undistinguished = undistinguished || !r->summary[i].gil_distinguished;
        }
    }
    if (!any)
        return;

    fprintf(out, "\nWhat the workers were doing (share of samples)\n");
    fprintf(out, "%-10s %7s %8s %8s %8s %7s %7s %7s %7s %7s\n", "mode", "workers", "samples",
            "running", "runnable", "gil", "lock", "io", "sleep", "child");
    for (int i = 0; i < r->nsummary; i++) {
        const config_summary *s = &r->summary[i];
        char v[7][16];
        const double f[7] = {s->running_fraction,   s->runnable_fraction, s->gil_wait_fraction,
                             s->lock_wait_fraction, s->io_wait_fraction,  s->sleep_fraction,
                             s->child_wait_fraction};
        bool sampled = s->state_samples > 0;
        for (int k = 0; k < 7; k++)
            fmt_share(v[k], sizeof(v[k]), sampled ? f[k] : NAN);
        /* Where the GIL could not be told apart its waits are counted as lock waits, not zero. */
        if (sampled && !s->gil_distinguished)
            snprintf(v[2], sizeof(v[2]), "-");
        char n[16];
        if (sampled)
            snprintf(n, sizeof(n), "%.0f", s->state_samples);
        else
            snprintf(n, sizeof(n), "-");
        char workers[32];
        config_workers(workers, sizeof(workers), s);
        fprintf(out, "%-10s %7s %8s %8s %8s %7s %7s %7s %7s %7s\n", mode_name(s->mode),
                workers, n, v[0], v[1], v[2], v[3], v[4], v[5], v[6]);
    }
    fprintf(out, "\nrunning: on a CPU; runnable: waiting for one; gil/lock: in futex on the GIL or "
                 "another lock;\nio: in a read, write, poll...; sleep: in nanosleep; child: waiting "
                 "for a child process.\n");
    if (undistinguished)
        fprintf(out, "gil '-': GIL waits could not be told apart from other locks and are counted "
                     "under lock.\n");
}

/* The verdict, then the numbers it rests on. Nothing when the results were not classified. */
static void report_classification(const classification *c, FILE *out)
{
    if (classify_is_empty(c))
        return;
    fprintf(out, "\nClassification: %s, GIL %s, confidence %.2f", classify_kind_name(c->kind),
            classify_gil_name(c->gil), c->confidence);
    if (c->memory_bound > 0)
        fprintf(out, ", memory-bound");
    fprintf(out, "\n");
    for (int i = 0; i < c->nevidence; i++)
        print_wrapped(out, c->evidence[i], "  - ", "    ", REPORT_WIDTH);
}

/* What to do, why, and what else was measured. */
void report_recommendation(const recommendation *rec, FILE *out)
{
    if (!rec->made && rec->nreasons == 0)
        return;
    bool c = out == stdout && isatty(fileno(out)) && log_color();
    fprintf(out, "\n%sRecommendation%s", c ? "\033[1m" : "", c ? "\033[0m" : "");
    if (rec->made && isfinite(rec->confidence))
        fprintf(out, " (confidence %.2f)", rec->confidence);
    fprintf(out, "\n");
    if (rec->made)
        print_wrapped(out, rec->headline, c ? "  \033[1m" : "  ", "  ", REPORT_WIDTH);
    if (c && rec->made)
        fprintf(out, "\033[0m");
    for (int i = 0; i < rec->nreasons; i++)
        print_wrapped(out, rec->reasons[i], "  - ", "    ", REPORT_WIDTH);
    for (int i = 0; i < rec->nnotes; i++)
        print_wrapped(out, rec->notes[i], "  * ", "    ", REPORT_WIDTH);
    if (rec->target_cores > 0)
        for (int i = 0; i < 2; i++)
            print_wrapped(out, rec->scaling[i].note, "  > ", "    ", REPORT_WIDTH);
    for (int i = 0; i < rec->nopen; i++)
        print_wrapped(out, rec->open_questions[i], "  ? ", "    ", REPORT_WIDTH);
}

/* Whether runs a and b are of the same configuration: the sweep's (mode, workers), or the same
 * follow-up. */
static bool same_configuration(const run_result *a, const run_result *b)
{
    if (a->mode != b->mode || a->workers != b->workers || a->variant != b->variant)
        return false;
    return !a->variant ||
           (a->chunksize == b->chunksize && strcmp(a->start_method, b->start_method) == 0);
}

/* "threads x2", or for a follow-up "processes x2, chunksize 8, spawn". */
static void run_configuration_name(char *buf, size_t len, const run_result *x)
{
    util_fmt(buf, len, "%s x%d", mode_name(x->mode), x->workers);
    if (x->variant && x->chunksize > 0)
        util_fmt(buf + strlen(buf), len - strlen(buf), ", chunksize %d", x->chunksize);
    if (x->variant && x->start_method[0])
        util_fmt(buf + strlen(buf), len - strlen(buf), ", %s", x->start_method);
}

int report_safety(const results *r, char (*lines)[REPORT_LINE_LEN], int max)
{
    int n = 0;
    for (int i = 0; i < r->nsummary && n < max; i++) {
        const config_summary *s = &r->summary[i];
        char name[96];
        if (s->unsafe && s->unsafe_reason[0])
            util_fmt(lines[n++], REPORT_LINE_LEN, "NOT SAFE: %s %s; never recommended",
                     report_config_name(name, sizeof(name), s), s->unsafe_reason);
    }
    if (n >= max)
        return n;
    if (r->check == RESULTS_NOT_ASKED)
        util_fmt(lines[n++], REPORT_LINE_LEN, "results were not compared (--results-vary)");
    else if (r->check == RESULTS_SINGLE_VARIES)
        util_fmt(lines[n++], REPORT_LINE_LEN, "results were not compared: single's own runs "
                 "returned different results for task %d, so the job's results vary by "
                 "themselves (random samples, timestamps; --results-vary says so up front)",
                 r->check_task);
    else if (r->check == RESULTS_NO_VALUES)
        util_fmt(lines[n++], REPORT_LINE_LEN, "results were not compared: the tasks return "
                 "None (or nothing that can be pickled)");
    return n;
}

int report_measuring(const results *r, char (*lines)[REPORT_LINE_LEN], int max)
{
    int n = 0;
#define LINE(...) (n < max ? (void)util_fmt(lines[n++], REPORT_LINE_LEN, __VA_ARGS__) : (void)0)
    int warm = 0, measured = 0, variants = 0, sampled = 0, sample_min = 0, sample_max = 0;
    for (int i = 0; i < r->nruns; i++) {
        const run_result *x = &r->runs[i];
        if (x->warmup) {
            warm++;
            continue;
        }
        if (x->variant)
            variants++;
        else
            measured++;
        if (x->sample_of > 0) {
            sampled++;
            if (!sample_min || x->tasks < sample_min)
                sample_min = x->tasks;
            if (x->tasks > sample_max)
                sample_max = x->tasks;
        }
    }
    if (r->nruns == 0)
        return 0;
    char took[48] = "", extra[96] = "";
    if (isfinite(r->elapsed_s) && r->elapsed_s > 0)
        util_fmt(took, sizeof(took), " in %.1f s", r->elapsed_s);
    if (variants)
        util_fmt(extra, sizeof(extra), ", %d of follow-ups", variants);
    LINE("%d runs%s: %d warm-up, %d of the sweep%s%s", r->nruns, took, warm, measured, extra,
         r->fixed ? " (a fixed plan)" : "");
    const topology_info *m = &r->machine;
    if (isfinite(m->capacity_start) || isfinite(m->capacity_end)) {
        char start[24] = "-", end[24] = "-";
        report_fmt_fixed(start, sizeof(start), m->capacity_start, 2);
        report_fmt_fixed(end, sizeof(end), m->capacity_end, 2);
        LINE("the cores did %s cores' worth of work at once at the start of the run and %s at the "
             "end (%d cores spinning together, against one alone)%s", start, end,
             results_cores(r),
             isfinite(advise_capacity_short(r)) ? ": the host held them back" : "");
    }
    if (sampled > 0) {
        char range[48];
        if (sample_min == sample_max)
            util_fmt(range, sizeof(range), "%d", sample_min);
        else
            util_fmt(range, sizeof(range), "%d to %d", sample_min, sample_max);
        double se = 0;
        for (int i = 0; i < r->nsummary; i++)
            if (r->summary[i].sample_se > se)
                se = r->summary[i].sample_se;
        LINE("%d runs measured a sample of %s of the %d tasks, spread over them; wall times are "
             "scaled to the whole job (start-up + the rest x tasks / sample). The tasks' cost "
             "spread puts up to +-%.1f %% on those whole-job times; it moves every configuration "
             "measured on the same tasks alike, so speedups do not carry it",
             sampled, range, r->workload.tasks, 100 * 1.96 * se);
    } else if (r->workload.tasks > 0) {
        LINE("every run measured all %d tasks", r->workload.tasks);
    }
    if (r->check == RESULTS_COMPARED) {
        int compared = 0, unsafe = 0;
        for (int i = 0; i < r->nsummary; i++) {
            compared += r->summary[i].results_compared;
            unsafe += r->summary[i].unsafe;
        }
        if (unsafe == 0 && compared > 0)
            LINE("every pool returned single's results for the %d task results compared (each "
                 "task's result digested, task by task)", compared);
    }
    const recommendation *rec = &r->recommendation;
    if (rec->made && r->precision > 0) {
        /* A follow-up when one matches the choice (another chunksize or start method). */
        const config_summary *c = results_find_variant(r, rec->choice.mode, rec->choice.workers,
                                                       rec->choice.chunksize,
                                                       rec->choice.start_method);
        if (!c)
            c = results_find_summary(r, rec->choice.mode, rec->choice.workers);
        if (c && isfinite(c->precision))
            LINE("the recommended configuration's median wall time is known to +-%.1f %% after "
                 "%d runs (+-%.0f %% asked, at most %d runs; 95 %% interval)", 100 * c->precision,
                 c->runs_ok, 100 * r->precision, r->max_repeat);
    }
    for (int i = 0; i < r->nplan; i++) {
        const plan_entry *e = &r->plan[i];
        if (e->action == PLAN_RAN)
            continue;
        char name[48];
        util_fmt(name, sizeof(name), "%s x%d", mode_name(e->mode), e->workers);
        size_t nl = strlen(name);
        if (e->workers > 0 && e->action == PLAN_STOPPED && strncmp(e->why, name, nl) == 0 &&
            e->why[nl] == ':') /* the reason names the step: "threads stopped at x8: ..." */
            LINE("%s stopped at x%d:%s", mode_name(e->mode), e->workers, e->why + nl + 1);
        else if (e->workers > 0)
            LINE("%s, %s: %s", name, plan_action_name(e->action), e->why);
        else
            LINE("%s", e->why);
    }
    for (int i = 0; i < r->nsummary; i++) {
        const config_summary *s = &r->summary[i];
        if (s->noutliers == 0)
            continue;
        char name[64], reps[64] = "";
        for (int k = 0; k < s->noutliers; k++)
            util_fmt(reps + strlen(reps), sizeof(reps) - strlen(reps), "%s%d", k ? ", " : "",
                     s->outliers[k]);
        LINE("%s: run%s %s far from the others (MAD outlier%s), kept in the median and its "
             "interval", report_config_name(name, sizeof(name), s), s->noutliers > 1 ? "s" : "",
             reps, s->noutliers > 1 ? "s" : "");
    }
    /* Processes the workload started outside its process group and left running: concur killed
     * them at the end of the run. One line per configuration where it happened. */
    for (int i = 0; i < r->nruns; i++) {
        const run_result *x = &r->runs[i];
        if (x->escaped_killed <= 0)
            continue;
        bool seen = false;
        for (int k = 0; k < i && !seen; k++)
            seen = r->runs[k].escaped_killed > 0 && same_configuration(&r->runs[k], x);
        if (seen)
            continue;
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
        run_configuration_name(name, sizeof(name), x);
        for (int q = 0; q < nnames; q++)
            util_fmt(list + strlen(list), sizeof(list) - strlen(list), "%s%s", q ? ", " : ": ",
                     names[q]);
        LINE("%s: %d of its %d runs ended with processes the workload had started outside its "
             "process group still running (%d in all%s); concur killed %s", name, runs, of, killed,
             list, killed == 1 ? "it" : "them");
    }
    /* Tasks of very unequal cost, from the single runs' task times. */
    double ratio = NAN;
    for (int i = 0; i < r->nruns; i++) {
        const run_result *x = &r->runs[i];
        if (x->mode == MODE_SINGLE && x->status == RUN_OK && x->task_wall.median > 0) {
            double q = x->task_wall.p95 / x->task_wall.median;
            if (isnan(ratio) || q > ratio)
                ratio = q;
        }
    }
    if (ratio > PLAN_UNEQUAL_P95_RATIO)
        LINE("tasks of very unequal cost: the slowest 5 %% took %.1fx the median task or more; "
             "that matters for chunking (a chunk of slow tasks finishes last) and for samples",
             ratio);
#undef LINE
    return n;
}

void report_terminal(const results *r, FILE *out)
{
    fprintf(out, "\n%s", r->workload.name);
    if (r->workload.description[0])
        fprintf(out, " - %s", r->workload.description);
    fprintf(out, "\n%d tasks in the job, %s %s (%s%s) on %d cores / %d PUs%s%s; counters: %s\n",
            r->workload.tasks, r->python.implementation, r->python.version,
            r->python.executable,
            r->python.gil == 0 ? ", no GIL" : "", r->machine.cores, r->machine.pus,
            r->machine.cpu_model[0] ? ", " : "", r->machine.cpu_model,
            counters_level_name(r->counters.level));
    if (!r->complete)
        fprintf(out, "INCOMPLETE: %s\n", r->incomplete_reason);

    fprintf(out, "\n%-10s %7s %11s  %-21s %-20s %6s %10s\n", "mode", "workers", "wall", "95% CI",
            "speedup", "cpu", "peak RSS");
    for (int i = 0; i < r->nsummary; i++) {
        const config_summary *s = &r->summary[i];
        char wall[32], lo[32], hi[32], ci[64], sp[64], rss[32];
        util_fmt_seconds(wall, sizeof(wall), s->wall_s);
        util_fmt_seconds(lo, sizeof(lo), s->ci_low_s);
        util_fmt_seconds(hi, sizeof(hi), s->ci_high_s);
        if (s->runs_ok == 0)
            snprintf(ci, sizeof(ci), "(failed)");
        else if (s->runs_ok == 1)
            snprintf(ci, sizeof(ci), "(1 run, no interval)");
        else if (s->runs_ok < RESULTS_CI_MIN_RUNS)
            snprintf(ci, sizeof(ci), "(%d runs: no interval)", s->runs_ok);
        else
            snprintf(ci, sizeof(ci), "%s - %s", lo, hi);
        if (isnan(s->speedup))
            snprintf(sp, sizeof(sp), "-");
        else if (isnan(s->speedup_low) || !results_speedup_ci_shown(r, s))
            snprintf(sp, sizeof(sp), "%.2fx", s->speedup);
        else
            snprintf(sp, sizeof(sp), "%.2fx [%.2f-%.2f]", s->speedup, s->speedup_low,
                     s->speedup_high);
        util_fmt_bytes(rss, sizeof(rss), s->peak_rss_bytes);
        char cpu[16];
        if (s->runs_ok > 0 && isnan(s->cpu_utilization))
            snprintf(cpu, sizeof(cpu), "short"); /* too short to measure: the legend says so */
        else if (isnan(s->cpu_utilization))
            snprintf(cpu, sizeof(cpu), "-");
        else
            snprintf(cpu, sizeof(cpu), "%.2f", s->cpu_utilization);
        char workers[32];
        config_workers(workers, sizeof(workers), s);
        fprintf(out, "%-10s %7s %11s  %-21s %-20s %6s %10s\n", mode_name(s->mode), workers,
                s->runs_ok ? wall : "-", ci, sp, cpu, rss);
    }
    if (any_variant(r))
        fprintf(out, "\n%s\n", variant_legend);

    fprintf(out, "\nwall: median of the runs; speedup: against single; cpu: CPU time / (wall x "
                 "workers),\n1.00 when every worker computes all the time.\n");
    if (report_any_too_short(r)) {
        char note[REPORT_LINE_LEN];
        util_fmt(note, sizeof(note), "cpu short: %s", report_too_short_note);
        print_wrapped(out, note, "", "", REPORT_WIDTH);
    }
    char safety[8][REPORT_LINE_LEN];
    for (int i = 0, n = report_safety(r, safety, 8); i < n; i++)
        print_wrapped(out, safety[i], i ? "" : "\n", "  ", REPORT_WIDTH);

    report_states(r, out);

    char lines[24][REPORT_LINE_LEN];
    int nl = report_measuring(r, lines, 24);
    if (nl > 0) {
        fprintf(out, "\nHow it was measured\n");
        for (int i = 0; i < nl; i++)
            print_wrapped(out, lines[i], "  - ", "    ", REPORT_WIDTH);
    }
    report_classification(&r->classification, out);
    report_recommendation(&r->recommendation, out);

    /* Runs that did not go as planned, each once per configuration and reason. */
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
            fprintf(out, "\nProblems:\n");
            header = true;
        }
        fprintf(out, "  %s x%d run %d: %s: %s\n", mode_name(x->mode), x->workers, x->repeat,
                results_status_name(x->status), x->error);
        if (x->traceback[0]) {
            /* Last line of the traceback: the exception itself. */
            const char *end = x->traceback + strlen(x->traceback);
            while (end > x->traceback && end[-1] == '\n')
                end--;
            const char *start = end;
            while (start > x->traceback && start[-1] != '\n')
                start--;
            fprintf(out, "    %.*s\n", (int)(end - start), start);
        }
    }
}
