/* runner.h - runs one configuration for real: fork, bind with hwloc, attach counters, exec the
 * Python harness, bind every worker as it announces itself, read the harness's JSON lines,
 * enforce the timeout, and kill the whole process tree at the end, whatever happened. */
#ifndef CONCUR_RUNNER_H
#define CONCUR_RUNNER_H

#include <stdbool.h>
#include <stddef.h>

#include "concur/counters.h"
#include "concur/plan.h"
#include "concur/results.h"
#include "concur/topology.h"

/* A started interpreter that forks each run (harness --zygote; docs/protocol.md). */
typedef struct runner_zygote runner_zygote;

typedef struct {
    const char *python;        /* the resolved real interpreter (python_info.executable) */
    const char *harness;       /* path of harness.py */
    const char *workload;      /* spec: a path or package.module:function */
    const char *start_method;  /* fork | spawn | forkserver; NULL: the interpreter's default */
    int chunksize;             /* processes: map()'s chunksize; 0 or 1: the default, 1 */
    const char *loop;          /* a coroutine workload's event loop: "uvloop", or NULL/"asyncio" */
    int concurrency;           /* processes x asyncio: tasks in flight on each process's loop
                                  (harness --concurrency); 0: each awaits its tasks in turn */
    bool variant;              /* the runs are follow-ups (run_result.variant) */
    int native_limit;          /* > 0: OMP_NUM_THREADS, OPENBLAS_NUM_THREADS, ... set to it for
                                  the run (docs/native-threads.md); 0: the user's environment */
    bool native_deployed;      /* the job runs native thread pools: single is measured on the
                                  PUs a plain loop would have, not pinned to one */
    int tasks;                 /* 0: the workload's TASKS */
    int sample_of;             /* > tasks: run a sample of `tasks` indices spread over
                                  range(sample_of) (harness --sample-of); 0: range(tasks) */
    double timeout_s;          /* per run; 0: none */
    const char *log_dir;       /* the workload's stdout/stderr go here, one file pair per run */
    const topology *topo;
    const counters_probe *counters;
    const char *dask_scheduler; /* dask: the scheduler's address; NULL: a LocalCluster per run */
    double dask_timeout_s;     /* dask: how long a scheduler or LocalCluster has to answer */
    int dask_workers;          /* dask with a scheduler: its workers, the most a run can use */
    runner_zygote *zygote;     /* runs fork from this started interpreter; NULL, or once it has
                                  failed: every run executes a new one */
    const char *program;       /* "file" or "module": workload is a program run as it is
                                  (harness --program), its pools swapped; NULL: a task(i) workload */
    char *const *program_args; /* the program's own arguments, nprogram_args of them */
    int nprogram_args;
    const char *stdin_path;    /* the program's stdin; NULL: /dev/null */
} runner_env;

/* Finds harness.py: $CONCUR_HARNESS, then beside the executable, then ../lib/concur/. Returns 0
 * and the path in buf, or -1 with the places tried in err. */
int runner_find_harness(char *buf, size_t len, char *err, size_t errlen);

/* Runs the harness in probe mode: resolves `python` to the real interpreter (sys.executable, so a
 * launcher shim is never measured) and loads the workload once to check it. Returns
 * CONCUR_EXIT_OK, CONCUR_EXIT_WORKLOAD (with the reason and traceback's last lines in err) or
 * CONCUR_EXIT_ENV (interpreter missing or too old). */
int runner_probe(const char *python, const char *harness, const char *workload, python_info *py,
                 workload_info *wl, char *err, size_t errlen);
/* runner_probe, with --loop passed on: "uvloop" that the interpreter cannot import is
 * CONCUR_EXIT_ENV, with what to install in err. */
int runner_probe_loop(const char *python, const char *harness, const char *workload,
                      const char *loop, python_info *py, workload_info *wl, char *err,
                      size_t errlen);
/* runner_probe for a program run as it is: kind "file" (a script) or "module" (-m); the program
 * is only found, not run. */
int runner_probe_program(const char *python, const char *harness, const char *program,
                         const char *kind, python_info *py, workload_info *wl, char *err,
                         size_t errlen);

/* Runs the harness's --dask-probe: whether `python` imports Dask's distributed, and with a
 * scheduler address, connects to it within timeout_s and reads its workers, threads and hosts.
 * Returns CONCUR_EXIT_OK, or CONCUR_EXIT_ENV with one line in err (the package to install, or the
 * address that did not answer). */
int runner_probe_dask(const char *python, const char *harness, const char *scheduler,
                      double timeout_s, dask_cluster_info *out, char *err, size_t errlen);

/* Runs one configuration once. Always fills out (status says how it ended) and returns 0, or -1
 * when nothing could be started at all (out->error says why). No process it started is alive when
 * it returns. */
int runner_run(const runner_env *env, run_mode mode, int workers, int repeat, run_result *out);

/* Starts the harness in zygote mode: one interpreter that imports what every run needs, then
 * forks once per run. It saves each run the interpreter's start-up (tens of milliseconds, more
 * where site-packages has many .pth files), which is outside the measured window anyway. Returns
 * NULL, with err saying why, when it cannot start; runs then execute the harness each time. */
runner_zygote *runner_zygote_start(const char *python, const char *harness, char *err,
                                   size_t errlen);
/* true while runs still fork from it (a failed hand-over retires it for the rest of the run). */
bool runner_zygote_alive(const runner_zygote *z);
/* The pid of the zygote that will fork (and become) the next run; -1 when not alive. */
pid_t runner_zygote_pid(const runner_zygote *z);
/* Ends the zygote and reaps it; NULL is a no-op. */
void runner_zygote_stop(runner_zygote *z);

/* Whether a run of mode under env is single measured as deployed (env->native_deployed): bound to
 * every allowed PU, its main thread not narrowed to one. */
bool runner_deployed_single(const runner_env *env, run_mode mode);

/* SIGINT/SIGTERM handling: the handlers only set a flag; a run in progress sees it, kills its
 * process tree and returns RUN_INTERRUPTED. */
void runner_install_signals(void);
/* 0, or the signal that asked concur to stop. */
int runner_interrupted(void);

#endif
