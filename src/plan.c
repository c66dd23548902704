/* plan.c - which configurations a run measures: modes x worker counts x repeats. */
#include "concur/plan.h"

#include <stdio.h>
#include <string.h>

static const char *const mode_names[MODE_COUNT] = {"single", "threads", "processes"};

/* A step past the core count is worth taking only when the last one gained at least this much
 * (and more than its own noise): below it, more workers only cost memory and start-up time. */
#define PLAN_EXTEND_MIN_GAIN 1.10
/* Workers that keep their CPUs this busy saturate them: more workers than cores cannot overlap
 * anything more, whatever the last step gained. */
#define PLAN_EXTEND_MAX_UTILIZATION 0.80
/* Past the core count the sweep doubles up to this many workers per core. */
#define PLAN_EXTEND_MAX_PER_CORE 32

const char *plan_mode_name(run_mode m)
{
    return (m >= 0 && m < MODE_COUNT) ? mode_names[m] : "?";
}

int plan_parse_mode(const char *s, run_mode *out)
{
    for (int m = 0; m < MODE_COUNT; m++) {
        if (strcmp(s, mode_names[m]) == 0) {
            *out = (run_mode)m;
            return 0;
        }
    }
    return -1;
}

int plan_parse_modes(const char *s, unsigned *mask, char *err, size_t errlen)
{
    char buf[256];
    if (snprintf(buf, sizeof(buf), "%s", s) >= (int)sizeof(buf) || buf[0] == '\0') {
        snprintf(err, errlen, "empty or too long list of modes");
        return -1;
    }
    unsigned m = 0;
    char *save = NULL;
    for (char *w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
        run_mode mode;
        if (plan_parse_mode(w, &mode) < 0) {
            snprintf(err, errlen, "unknown mode '%s' (expected single, threads, processes)", w);
            return -1;
        }
        m |= MODE_BIT(mode);
    }
    if (m == 0) {
        snprintf(err, errlen, "no mode given (expected single, threads, processes)");
        return -1;
    }
    *mask = m;
    return 0;
}

/* 1, 2, 4, ... up to cores, with cores itself last when it is not a power of two. */
static int sweep_counts(int cores, int *out)
{
    int n = 0;
    for (int w = 1; w <= cores && n < PLAN_MAX_WORKERS; w *= 2)
        out[n++] = w;
    if (n > 0 && out[n - 1] != cores && n < PLAN_MAX_WORKERS)
        out[n++] = cores;
    return n;
}

int plan_build(const plan_request *req, plan *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    if (req->modes == 0 || (req->modes & ~(MODE_BIT(MODE_COUNT) - 1u))) {
        snprintf(err, errlen, "no valid mode requested");
        return -1;
    }
    if (req->repeat < 1) {
        snprintf(err, errlen, "--repeat must be at least 1");
        return -1;
    }
    int counts[PLAN_MAX_WORKERS];
    int ncounts;
    if (req->nworkers > 0) {
        ncounts = req->nworkers;
        for (int i = 0; i < ncounts; i++) {
            if (req->workers[i] < 1 || req->workers[i] > PLAN_WORKER_CAP) {
                snprintf(err, errlen, "worker count %d is out of range (1 to %d)", req->workers[i],
                         PLAN_WORKER_CAP);
                return -1;
            }
            counts[i] = req->workers[i];
        }
        out->sweep = false;
    } else {
        ncounts = sweep_counts(req->cores > 0 ? req->cores : 1, counts);
        out->sweep = true;
    }

    /* single is the baseline of every speedup: measured whenever anything is. */
    out->configs[out->n++] = (plan_config){MODE_SINGLE, 1};
    for (int m = MODE_THREADS; m < MODE_COUNT; m++) {
        if (!(req->modes & MODE_BIT(m)))
            continue;
        for (int i = 0; i < ncounts; i++) {
            bool dup = false;
            for (int j = 0; j < i; j++)
                dup |= counts[j] == counts[i];
            if (!dup)
                out->configs[out->n++] = (plan_config){(run_mode)m, counts[i]};
        }
    }
    out->repeat = req->repeat;
    out->cores = req->cores > 0 ? req->cores : 1;
    return 0;
}

int plan_extend(const plan *p, int last_workers, double speedup_prev,
                double speedup_last, double last_ci_low, double last_cpu_utilization)
{
    if (!p->sweep || last_workers < 1)
        return 0;
    if (!(last_cpu_utilization < PLAN_EXTEND_MAX_UTILIZATION))
        return 0;
    /* NaN compares false everywhere below: an unmeasured step never extends the sweep. */
    if (!(speedup_last >= speedup_prev * PLAN_EXTEND_MIN_GAIN) || !(last_ci_low > speedup_prev))
        return 0;
    int next = last_workers * 2;
    if (next > PLAN_WORKER_CAP || next > p->cores * PLAN_EXTEND_MAX_PER_CORE)
        return 0;
    return next;
}
