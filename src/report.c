/* report.c - what a person reads at the end of a run: every configuration with its evidence. */
#include "concur/report.h"

#include <math.h>
#include <string.h>

#include "concur/counters.h"
#include "concur/plan.h"

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

static void fmt_bytes(char *buf, size_t len, double b)
{
    const char *unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    if (isnan(b)) {
        snprintf(buf, len, "-");
        return;
    }
    while (b >= 1024 && u < 4) {
        b /= 1024;
        u++;
    }
    snprintf(buf, len, u ? "%.1f %s" : "%.0f %s", b, unit[u]);
}

/* Median peak RSS over a configuration's successful runs. */
static double config_rss(const results *r, run_mode mode, int workers)
{
    double v[64];
    int n = 0;
    for (int i = 0; i < r->nruns && n < 64; i++) {
        const run_result *x = &r->runs[i];
        if (x->mode == mode && x->workers == workers && x->status == RUN_OK &&
            !isnan(x->peak_rss_bytes))
            v[n++] = x->peak_rss_bytes;
    }
    return n ? stats_median(v, n) : NAN;
}

void report_terminal(const results *r, FILE *out)
{
    fprintf(out, "\n%s", r->workload.name);
    if (r->workload.description[0])
        fprintf(out, " - %s", r->workload.description);
    fprintf(out, "\n%d tasks per run, %s %s (%s%s) on %d cores / %d PUs%s%s; counters: %s\n",
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
        fmt_seconds(wall, sizeof(wall), s->wall_s);
        fmt_seconds(lo, sizeof(lo), s->ci_low_s);
        fmt_seconds(hi, sizeof(hi), s->ci_high_s);
        if (s->runs_ok == 0)
            snprintf(ci, sizeof(ci), "(failed)");
        else if (s->runs_ok == 1)
            snprintf(ci, sizeof(ci), "(1 run, no interval)");
        else
            snprintf(ci, sizeof(ci), "%s - %s", lo, hi);
        if (isnan(s->speedup))
            snprintf(sp, sizeof(sp), "-");
        else if (isnan(s->speedup_low) || s->runs_ok < 2)
            snprintf(sp, sizeof(sp), "%.2fx", s->speedup);
        else
            snprintf(sp, sizeof(sp), "%.2fx [%.2f-%.2f]", s->speedup, s->speedup_low,
                     s->speedup_high);
        fmt_bytes(rss, sizeof(rss), config_rss(r, s->mode, s->workers));
        fprintf(out, "%-10s %7d %11s  %-21s %-20s %6.2f %10s\n", plan_mode_name(s->mode),
                s->workers, s->runs_ok ? wall : "-", ci, sp, s->cpu_utilization, rss);
    }

    fprintf(out, "\nwall: median of the runs; speedup: against single; cpu: CPU time / (wall x "
                 "workers),\n1.00 when every worker computes all the time.\n");

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
        fprintf(out, "  %s x%d run %d: %s: %s\n", plan_mode_name(x->mode), x->workers, x->repeat,
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
