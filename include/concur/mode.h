/* mode.h - the concurrency models concur measures, as data.
 *
 * One row per mode says everything the rest of concur needs to know about it: its name (in
 * --modes, results.json, the harness's --mode and the reports), the model a user writes, its cost
 * rank for the advisor ("a cheaper mode within the noise"), whether its workers share memory (one
 * process, one GIL, nothing pickled) and how they are placed on the machine. Code that used to ask
 * "is this the process pool?" asks the property instead, so a new mode is one row here plus its
 * harness driver. */
#ifndef CONCUR_MODE_H
#define CONCUR_MODE_H

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    MODE_SINGLE = 0,
    MODE_THREADS = 1,
    MODE_PROCESSES = 2,
    MODE_ASYNCIO = 3, /* one event loop, the tasks under a Semaphore(workers): coroutine workloads */
    MODE_DASK = 4,    /* a Dask cluster's workers, through Client.get_executor() */
    MODE_COUNT = 5
} run_mode;

#define MODE_BIT(m) (1u << (m))

/* How the runner places a mode's workers once they announce themselves. */
typedef enum {
    PLACE_HARNESS,  /* no pool: the harness's own thread runs the tasks, bound with the process */
    PLACE_THREAD,   /* each worker is a thread of the harness: bound by its thread id */
    PLACE_PROCESS,  /* each worker is a process: bound whole, its threads with it */
} mode_placement;

typedef struct {
    const char *name;         /* "threads" */
    const char *title;        /* the model a user writes: "ThreadPoolExecutor" */
    const char *pool_noun;    /* "thread pool"; "loop" for single */
    int cost_rank;            /* cheaper to run (memory, start-up) ranks lower: single 0 */
    bool pool;                /* several workers; single is the loop itself, one worker */
    bool shares_memory;       /* the workers are threads of one process: one GIL, nothing pickled */
    bool pickles;             /* tasks and results cross processes: pickled sizes, chunksize and
                                 the start method apply */
    bool coroutines;          /* the workers are coroutines on the harness's one thread (workers
                                 is their concurrency): the runner places and samples one thread,
                                 and only a coroutine workload (async def task) runs in it */
    mode_placement placement;
    bool cluster;             /* its workers are a cluster's (Dask): measured here, but advised
                                 apart, beyond this machine, never as the local choice; the
                                 sweep includes it only when asked (--dask, --modes) */
} mode_info;

/* The row of m; a valid m always has one. */
const mode_info *mode_get(run_mode m);
/* "single", "threads", "processes", "asyncio", "dask"; "?" for a value that is not a mode. */
const char *mode_name(run_mode m);
/* Every mode's name, comma-separated, for messages ("single, threads, ..."). */
const char *mode_names_list(void);
/* Parses a mode's name. Returns 0 or -1. */
int mode_parse(const char *s, run_mode *out);
/* The threads a run of m with `workers` runs its tasks on: workers in a pool of threads or
 * processes, 1 in single and asyncio. */
int mode_threads(run_mode m, int workers);
/* "2 workers", "1 worker"; "concurrency 64" for asyncio, whose workers are coroutines. Returns buf. */
char *mode_workers_text(run_mode m, int workers, char *buf, size_t len);
/* Parses "single,threads,processes" into a MODE_BIT mask. Returns 0, or -1 with the bad word (and
 * the names that would do) in err. */
int mode_parse_list(const char *s, unsigned *mask, char *err, size_t errlen);

#endif
