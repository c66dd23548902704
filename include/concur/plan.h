/* plan.h - which configurations a run measures: modes x worker counts x repeats. */
#ifndef CONCUR_PLAN_H
#define CONCUR_PLAN_H

#include <stdbool.h>
#include <stddef.h>

typedef enum { MODE_SINGLE = 0, MODE_THREADS = 1, MODE_PROCESSES = 2, MODE_COUNT = 3 } run_mode;

#define MODE_BIT(m) (1u << (m))
#define PLAN_MAX_WORKERS 32   /* distinct worker counts per mode */
#define PLAN_WORKER_CAP 256   /* the most workers one configuration may have */

const char *plan_mode_name(run_mode m);
/* Parses "single", "threads", "processes". Returns 0 or -1. */
int plan_parse_mode(const char *s, run_mode *out);
/* Parses "single,threads,processes" into a bit mask. Returns 0 or -1 with the bad word in err. */
int plan_parse_modes(const char *s, unsigned *mask, char *err, size_t errlen);

typedef struct {
    run_mode mode;
    int workers;
} plan_config;

typedef struct {
    unsigned modes;           /* MODE_BIT mask */
    int workers[PLAN_MAX_WORKERS];
    int nworkers;             /* 0: sweep 1, 2, 4, ... up to the core count, then extend while gaining */
    int repeat;
    int cores;                /* physical cores available to the run */
} plan_request;

typedef struct {
    plan_config configs[1 + 2 * PLAN_MAX_WORKERS];
    int n;
    int repeat;
    bool sweep;               /* worker counts were chosen by concur (may be extended) */
    int cores;
} plan;

/* Builds the configurations: single first (the baseline for every speedup, always measured when
 * threads or processes are, even if not asked for: then marked as added), then threads, then
 * processes, each over the worker counts. Returns 0, or -1 with a reason in err. */
int plan_build(const plan_request *req, plan *out, char *err, size_t errlen);

/* After a mode's last planned count was measured: the count to try next when the sweep should go
 * on past the core count, or 0 to stop. It goes on only while the workers are not keeping their
 * CPUs busy (last_cpu_utilization below PLAN_EXTEND_MAX_UTILIZATION: they wait, so more of them
 * can overlap) and the last step still gained more than its noise. speedup_prev/speedup_last are
 * the speedups at the last two counts, last_ci_low the lower bound of the last one. */
int plan_extend(const plan *p, int last_workers, double speedup_prev,
                double speedup_last, double last_ci_low, double last_cpu_utilization);

#endif
