/* program.c - "Your program": what a program measured as it is (concur run --program) asked for
 * and did through its pools, where it created them and with what share of the calls, and how much
 * of it runs outside any pool (Amdahl's law on the measured parts). Shared by the terminal
 * summary and the reports. */
#include "doc.h"

#include <math.h>
#include <string.h>

#include "concur/stats.h"
#include "concur/util.h"

/* "threads" or "processes": what a pool of this kind runs its calls on. */
static const char *pool_workers_noun(const char *kind)
{
    return strstr(kind, "Thread") ? "threads" : "processes";
}

/* One line per pool: its kind, site, what it asks for and its share of the calls. */
static void pool_lines(report_doc *d, const program_run *g)
{
    int total = 0;
    for (int i = 0; i < g->npools && i < PROGRAM_MAX_POOLS; i++)
        total += g->pools[i].tasks;
    for (int i = 0; i < g->npools && i < PROGRAM_MAX_POOLS; i++) {
        const program_pool *p = &g->pools[i];
        char share[32] = "";
        if (total > 0)
            util_fmt(share, sizeof(share), " (%.0f %%)", 100.0 * p->tasks / total);
        doc_itemf(d, "%s at %s: your program asks for %d %s%s; %d of its %d calls into pools%s",
                  p->kind, p->site, p->asked, pool_workers_noun(p->kind),
                  p->asked_default ? " (the default: it names no count)" : "", p->tasks, total,
                  share);
    }
    if (g->npools > PROGRAM_MAX_POOLS)
        doc_itemf(d, "and %d more pools (only the first %d are listed)",
                  g->npools - PROGRAM_MAX_POOLS, PROGRAM_MAX_POOLS);
    if (g->npools > 1)
        doc_itemf(d, "each configuration measured applies to all %d pools alike", g->npools);
}

/* The share of the whole run spent outside every pool, from single's runs: before the first call
 * into a pool and after the last result. Returns the number of runs (0: not known), with the
 * median shares and the range of their sum. */
static int serial_shares(const results *r, double *before, double *after, double *lo,
                         double *hi)
{
    double b[64], a[64], sum[64];
    int n = 0;
    for (int i = 0; i < r->nruns && n < 64; i++) {
        const run_result *x = &r->runs[i];
        if (x->mode != MODE_SINGLE || x->warmup || !x->program.known || !results_run_counts(x) ||
            !(x->wall_s > 0) || !isfinite(x->program.before_s) || !isfinite(x->program.after_s))
            continue;
        b[n] = x->program.before_s / x->wall_s;
        a[n] = x->program.after_s / x->wall_s;
        sum[n] = b[n] + a[n];
        n++;
    }
    if (n == 0)
        return 0;
    *before = stats_median(b, n);
    *after = stats_median(a, n);
    *lo = *hi = sum[0];
    for (int i = 1; i < n; i++) {
        *lo = fmin(*lo, sum[i]);
        *hi = fmax(*hi, sum[i]);
    }
    return n;
}

/* "42 % of this program runs before any pool is used ...: no pool can make it more than 1.7x
 * faster". */
static void amdahl_line(report_doc *d, const results *r)
{
    double before, after, lo, hi;
    int n = serial_shares(r, &before, &after, &lo, &hi);
    if (n == 0)
        return;
    double serial = before + after;
    char bound[128];
    if (serial > 0.005)
        util_fmt(bound, sizeof(bound), "no pool can make it more than %.1fx faster (Amdahl's "
                 "law on the measured parts)", 1.0 / serial);
    else
        util_fmt(bound, sizeof(bound), "nearly all of it runs in its pools, so the serial part "
                 "sets no limit a pool on this machine would reach (Amdahl's law)");
    doc_itemf(d, "%.0f %% of this program runs before its first call into a pool and %.0f %% "
              "after its last result (%.0f-%.0f %% together over %d single runs): %s",
              100 * before, 100 * after, 100 * lo, 100 * hi, n, bound);
}

/* How the recommended configuration compares with the program as written (own), from their
 * runs: ", which is what concur recommends", faster by a factor with its interval, or not told
 * apart; "" without a recommendation. */
static void against_choice(char *buf, size_t len, const results *r, const config_summary *own)
{
    const recommendation *rec = &r->recommendation;
    buf[0] = '\0';
    if (!rec->made)
        return;
    const config_summary *c = results_find_summary(r, rec->choice.mode, rec->choice.workers);
    if (c == own) {
        util_fmt(buf, len, ", which is what concur recommends");
        return;
    }
    stats_welch w;
    if (!c || results_compare_walls(r, own, c, 0.95, &w) < 0)
        return;
    char name[48];
    if (c->mode == MODE_SINGLE)
        util_fmt(name, sizeof(name), "no pool");
    else
        util_fmt(name, sizeof(name), "%s x%d", mode_name(c->mode), c->workers);
    if (w.high < 0)
        util_fmt(buf, len, "; concur's choice, %s, is %.2fx faster than that [%.2f-%.2f]", name,
                 exp(-w.diff), exp(-w.high), exp(-w.low));
    else
        util_fmt(buf, len, "; concur's choice, %s, is not told apart from it by these runs", name);
}

/* What the program does today: its own configuration's wall time and speedup, where measured. */
static void own_line(report_doc *d, const results *r)
{
    run_mode mode;
    int workers;
    if (!results_program_config(r, &mode, &workers))
        return;
    const config_summary *s = results_find_summary(r, mode, workers);
    if (!s || s->runs_ok == 0) {
        doc_itemf(d, "as written (%s x%d) it was not measured", mode_name(mode), workers);
        return;
    }
    char wall[32], ci[64], speedup[64];
    util_fmt_seconds(wall, sizeof(wall), s->wall_s);
    report_fmt_wall_ci(ci, sizeof(ci), s);
    report_fmt_speedup(speedup, sizeof(speedup), s->speedup, s->speedup_low, s->speedup_high);
    char against[192];
    against_choice(against, sizeof(against), r, s);
    doc_itemf(d, "as written (%s x%d): %s (%s), %s against running its calls one at a time%s",
              mode_name(mode), workers, wall, ci, speedup, against);
}

void doc_program(report_doc *d, const results *r)
{
    if (!r->workload.program[0])
        return;
    doc_section(d, "program", "Your program");
    doc_list(d, DOC_NORMAL, '-');
    doc_itemf(d, "measured as it is: python %s%s%s%s, the whole program in every run, with the "
              "pools it creates swapped for each configuration (single runs each call at once, "
              "in the caller's thread)",
              strcmp(r->workload.program, "module") == 0 ? "-m " : "", r->workload.spec,
              r->workload.program_args[0] ? " " : "", r->workload.program_args);
    const run_result *x = results_program_run(r);
    if (!x)
        return;
    const program_run *g = &x->program;
    if (g->npools == 0 || r->workload.tasks == 0)
        doc_itemf(d, "your program made no call into a pool concur can swap (concurrent.futures' "
                  "ThreadPoolExecutor or ProcessPoolExecutor, multiprocessing's Pool or "
                  "ThreadPool): the runs measured stand as its single baseline");
    pool_lines(d, g);
    own_line(d, r);
    amdahl_line(d, r);
    for (int i = 0; i < g->nseen; i++)
        doc_itemf(d, "not swapped: %s; what it does is part of every run, alike in each "
                  "configuration", g->seen[i]);
}

const char *doc_tasks_noun(const results *r)
{
    return r->workload.program[0] ? "calls into the program's pools per run" : "tasks in the job";
}
