/* check_runner.c - real runs of real Python: pinning read back from the kernel, counters that
 * agree with what the job does, every fault case, and no process left behind. */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_concur.h"
#include "concur/concur.h"
#include "concur/counters.h"
#include "concur/results.h"
#include "concur/runner.h"
#include "concur/topology.h"
#include "concur/util.h"

static topology *topo;
static counters_probe probe;
static python_info py;
static char harness[PATH_MAX];
static char log_dir[PATH_MAX];

static const char *fixture(const char *name)
{
    static char path[PATH_MAX];
    const char *src = getenv("CONCUR_SRC");
    snprintf(path, sizeof(path), "%s/tests/fixtures/%s", src ? src : ".", name);
    return path;
}

static void setup(void)
{
    char err[1024];
    /* Every process the runner starts from here on carries this test's mark. */
    test_mark_new();
    ck_assert_msg(runner_find_harness(harness, sizeof(harness), err, sizeof(err)) == 0, "%s", err);
    topo = topology_load(NULL, err, sizeof(err));
    ck_assert_msg(topo != NULL, "%s", err);
    counters_detect(COUNTERS_HARDWARE, &probe);
    workload_info wl;
    int rc = runner_probe("python3", harness, fixture("quick.py"), &py, &wl, err, sizeof(err));
    ck_assert_msg(rc == CONCUR_EXIT_OK, "probe failed: %s", err);
    ck_assert_int_eq(wl.setup, 0); /* quick.py has no setup() */
    snprintf(log_dir, sizeof(log_dir), "/tmp/concur-check-%d", (int)getpid());
    ck_assert_int_eq(util_mkdir_p(log_dir, 0755), 0);
    runner_install_signals();
}

static void teardown(void)
{
    topology_free(topo);
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", log_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", log_dir);
}



static void run_sampled(const char *name, run_mode mode, int workers, const char *start_method,
                        double timeout_s, int tasks, int sample_of, run_result *out)
{
    runner_env env = {
        .python = py.executable,
        .harness = harness,
        .workload = fixture(name),
        .start_method = start_method,
        .tasks = tasks,
        .sample_of = sample_of,
        .timeout_s = timeout_s,
        .log_dir = log_dir,
        .topo = topo,
        .counters = &probe,
    };
    ck_assert_int_eq(runner_run(&env, mode, workers, 1, out), 0);
    ck_assert_msg(count_own_children() == 0, "a process of the run is still a child of concur");
    ck_assert_msg(count_marked_processes(0) == 0, "a process of the run outlived it (%s)", name);
}

static void run(const char *name, run_mode mode, int workers, const char *start_method,
                double timeout_s, int tasks, run_result *out)
{
    run_sampled(name, mode, workers, start_method, timeout_s, tasks, 0, out);
}

/* The CPU time of a run of CPU-bound tasks adds up, whatever else the machine runs (a busy
 * machine only stretches the walls): each task's CPU time fits in its wall, the run's CPU time
 * covers its tasks' (the run's may come in clock ticks of 10 ms), and a run pinned to one PU used
 * no more than that PU could give (the slack is for the harness's own threads). */
static void assert_single_cpu_adds_up(const run_result *r, const char *what)
{
    double tasks_cpu = r->task_cpu.mean * r->task_cpu.n;
    ck_assert_msg(r->task_cpu.n == r->task_wall.n && r->task_cpu.min > 0,
                  "%s: %d task CPU times, %d task walls, the least CPU %.6f s", what,
                  r->task_cpu.n, r->task_wall.n, r->task_cpu.min);
    ck_assert_msg(r->task_cpu.max <= r->task_wall.max * 1.01 + 1e-4,
                  "%s: a task took %.6f s of CPU, the longest wall was %.6f s", what,
                  r->task_cpu.max, r->task_wall.max);
    ck_assert_msg(r->cpu_s >= tasks_cpu * 0.99 - 0.02,
                  "%s: the run's CPU %.3f s is less than its tasks' %.3f s", what, r->cpu_s,
                  tasks_cpu);
    ck_assert_msg(r->cpu_utilization > 0 && r->cpu_utilization <= 1.25,
                  "%s: utilization %.2f on one PU (cpu %.3f s, wall %.3f s)", what,
                  r->cpu_utilization, r->cpu_s, r->wall_s);
    ck_assert_msg(r->wall_s >= r->task_wall.max, "%s: run wall %.3f s, a task took %.3f s", what,
                  r->wall_s, r->task_wall.max);
}

/* Runs the harness directly with args (NULL-terminated, after the interpreter and harness.py),
 * its stderr captured into err. Returns its exit status, or -1. */
static int run_harness(const char *const *args, char *err, size_t errlen)
{
    int p[2];
    if (pipe(p) < 0)
        return -1;
    const char *argv[16];
    int a = 0;
    argv[a++] = py.executable;
    argv[a++] = harness;
    for (int i = 0; args[i] && a < 15; i++)
        argv[a++] = args[i];
    argv[a] = NULL;
    pid_t pid = fork();
    if (pid < 0) {
        close(p[0]), close(p[1]);
        return -1;
    }
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDWR);
        dup2(devnull, 0);
        dup2(devnull, 1);
        dup2(p[1], 2);
        close(p[0]);
        execv(py.executable, (char *const *)argv);
        _exit(127);
    }
    close(p[1]);
    size_t len = 0;
    ssize_t n;
    while (len + 1 < errlen && (n = read(p[0], err + len, errlen - len - 1)) > 0)
        len += (size_t)n;
    err[len] = '\0';
    close(p[0]);
    int st;
    if (waitpid(pid, &st, 0) != pid)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

START_TEST(test_probe_resolves_real_interpreter)
{
    /* python3 on PATH may be a launcher shim (pyenv's is a bash script): never measure it. */
    ck_assert_str_ne(py.executable, "python3");
    ck_assert_ptr_null(strstr(py.executable, "/shims/"));
    ck_assert_int_eq(access(py.executable, X_OK), 0);
    ck_assert_str_eq(py.implementation, "cpython");
    ck_assert_int_ne(py.version[0], '\0');
    /* Whether the workload defines setup(), for the advice on a long start-up. */
    workload_info wl;
    char err[1024];
    ck_assert_int_eq(runner_probe("python3", harness, fixture("setup_holds_gil.py"), &py, &wl,
                                  err, sizeof(err)), CONCUR_EXIT_OK);
    ck_assert_int_eq(wl.setup, 1);
}
END_TEST

static const struct {
    const char *fixture;
    int exit_code;
    const char *in_message;
} probe_errors[] = {
    {"no_task.py", CONCUR_EXIT_WORKLOAD, "task"},
    {"syntax_error.py", CONCUR_EXIT_WORKLOAD, "SyntaxError"},
    {"import_error.py", CONCUR_EXIT_WORKLOAD, "ModuleNotFoundError"},
};

START_TEST(test_probe_errors)
{
    python_info p;
    workload_info wl;
    char err[2048] = "";
    int rc = runner_probe("python3", harness, fixture(probe_errors[_i].fixture), &p, &wl, err,
                          sizeof(err));
    ck_assert_int_eq(rc, probe_errors[_i].exit_code);
    ck_assert_msg(strstr(err, probe_errors[_i].in_message), "message '%s' lacks '%s'", err,
                  probe_errors[_i].in_message);
}
END_TEST

START_TEST(test_probe_missing_interpreter)
{
    python_info p;
    workload_info wl;
    char err[2048] = "";
    int rc = runner_probe("/nonexistent/python9", harness, fixture("quick.py"), &p, &wl, err,
                          sizeof(err));
    ck_assert_int_eq(rc, CONCUR_EXIT_ENV);
    ck_assert_ptr_nonnull(strstr(err, "/nonexistent/python9"));
    ck_assert_ptr_nonnull(strstr(err, "--python"));
}
END_TEST

/* single: one PU, read back from the kernel; its CPU time adds up. */
START_TEST(test_single_cpu_bound)
{
    run_result r;
    run("quick.py", MODE_SINGLE, 1, NULL, 60, 0, &r);
    ck_assert_msg(r.status == RUN_OK, "status %s: %s", results_status_name(r.status), r.error);
    ck_assert_int_eq(r.tasks_ok, 8);
    ck_assert_int_eq(r.tasks_failed, 0);
    ck_assert_int_eq(r.nplacement, 1);
    ck_assert_int_ge(r.placement[0].pu, 0);
    ck_assert_int_eq(r.placement[0].pu, r.placement[0].pu_planned);
    char buf[16];
    snprintf(buf, sizeof(buf), "%d", r.placement[0].pu);
    ck_assert_str_eq(r.placement[0].cpus_allowed, buf);
    ck_assert_int_eq(r.task_wall.n, 8);
    assert_single_cpu_adds_up(&r, "CPU-bound single run");
    ck_assert(r.task_wall.min > 0 && r.task_wall.median <= r.task_wall.p95);
    ck_assert(r.task_cpu.median > 0);
    ck_assert(r.peak_rss_bytes > 1e6);
    ck_assert(isnan(r.pickle_result_bytes)); /* measured in process mode only */
    results_run_free(&r);
}
END_TEST

/* Runs of no tasks or tiny ones, whose CPU time is mostly the harness's own work around the
 * window: their utilization is never shown above 1 per worker (NAN when too short to measure). */
static const struct {
    const char *fixture;
    run_mode mode;
    int workers;
} short_cases[] = {
    {"no_tasks.py", MODE_SINGLE, 1},
    {"no_tasks.py", MODE_THREADS, 2},
    {"no_tasks.py", MODE_PROCESSES, 2},
    {"tiny.py", MODE_SINGLE, 1},
    {"tiny.py", MODE_THREADS, 1},
    {"tiny.py", MODE_PROCESSES, 1},
};

START_TEST(test_short_runs_utilization_bounded)
{
    run_result r;
    run(short_cases[_i].fixture, short_cases[_i].mode, short_cases[_i].workers, NULL, 60, 0, &r);
    ck_assert_msg(r.status == RUN_OK, "status %s: %s", results_status_name(r.status), r.error);
    ck_assert(r.cpu_s > 0);
    ck_assert_msg(isnan(r.cpu_utilization) || (r.cpu_utilization >= 0 && r.cpu_utilization <= 1),
                  "%s %s: utilization %.2f (cpu %.6f s, wall %.6f s)", short_cases[_i].fixture,
                  mode_name(r.mode), r.cpu_utilization, r.cpu_s, r.wall_s);
    results_run_free(&r);
}
END_TEST

/* Each worker on its own PU, as planned, as the kernel reports it. */
static const struct {
    run_mode mode;
    const char *start_method;
} pinned_cases[] = {
    {MODE_THREADS, NULL},
    {MODE_PROCESSES, "fork"},
    {MODE_PROCESSES, "spawn"},
    {MODE_PROCESSES, "forkserver"},
};

START_TEST(test_pool_workers_pinned)
{
    topology_info info;
    topology_get_info(topo, &info);
    int workers = info.pus >= 2 ? 2 : 1;
    run_result r;
    run("quick.py", pinned_cases[_i].mode, workers, pinned_cases[_i].start_method, 60, 0, &r);
    ck_assert_msg(r.status == RUN_OK, "status %s: %s", results_status_name(r.status), r.error);
    ck_assert_int_eq(r.tasks_ok, 8);
    ck_assert_int_eq(r.nplacement, workers);
    for (int i = 0; i < r.nplacement; i++) {
        ck_assert_msg(r.placement[i].pu == r.placement[i].pu_planned,
                      "worker %d: planned PU %d, kernel says '%s'", i, r.placement[i].pu_planned,
                      r.placement[i].cpus_allowed);
        if (pinned_cases[_i].mode == MODE_PROCESSES)
            ck_assert_int_eq(r.placement[i].pid, r.placement[i].tid);
        for (int k = 0; k < i; k++) {
            ck_assert_int_ne(r.placement[i].pu, r.placement[k].pu);
            ck_assert_int_ne(r.placement[i].tid, r.placement[k].tid);
        }
    }
    if (pinned_cases[_i].mode == MODE_PROCESSES) {
        ck_assert(r.pickle_sampled > 0);
        ck_assert(r.pickle_arg_bytes > 0 && r.pickle_result_bytes > 0);
    }
    results_run_free(&r);
}
END_TEST

START_TEST(test_sleeping_low_utilization)
{
    run_result r;
    run("sleepy.py", MODE_THREADS, 2, NULL, 60, 0, &r);
    ck_assert_msg(r.status == RUN_OK, "status %s: %s", results_status_name(r.status), r.error);
    ck_assert_int_eq(r.task_wall.n, 8);
    /* time.sleep never returns early, and a task that sleeps hardly uses a CPU: a busy machine
     * makes the walls longer, not the CPU time. */
    ck_assert_msg(r.task_wall.min >= 0.0499, "a task of 50 ms took %.4f s", r.task_wall.min);
    ck_assert_msg(r.task_cpu.max < 0.01, "a task that sleeps 50 ms used %.4f s of CPU",
                  r.task_cpu.max);
    /* 8 tasks of 50 ms on 2 threads cannot end sooner than 0.2 s. */
    ck_assert_msg(r.wall_s > 0.19, "wall %.3f", r.wall_s);
    results_run_free(&r);
}
END_TEST

START_TEST(test_some_tasks_fail)
{
    run_result r;
    run("some_fail.py", MODE_PROCESSES, 2, NULL, 60, 0, &r);
    ck_assert_int_eq(r.status, RUN_TASKS_FAILED);
    ck_assert_int_eq(r.tasks, 20);
    ck_assert_int_eq(r.tasks_failed, 4);
    ck_assert_int_eq(r.tasks_ok, 16);
    ck_assert_ptr_nonnull(strstr(r.traceback, "ValueError"));
    ck_assert(r.wall_s > 0);
    results_run_free(&r);
}
END_TEST

static const struct {
    const char *fixture;
    run_mode mode;
    run_status status;
    const char *in_error;     /* in r.error */
    const char *in_traceback; /* in r.traceback, or NULL */
} fault_cases[] = {
    {"setup_raises.py", MODE_THREADS, RUN_SETUP_FAILED, "", "RuntimeError"},
    {"setup_raises.py", MODE_PROCESSES, RUN_SETUP_FAILED, "", "RuntimeError"},
    {"worker_exit.py", MODE_PROCESSES, RUN_WORKER_DIED, "", NULL},
    {"worker_exit.py", MODE_THREADS, RUN_CRASHED, "status 7", NULL},
    {"segfault.py", MODE_THREADS, RUN_CRASHED, "signal 11", NULL},
    {"segfault.py", MODE_PROCESSES, RUN_WORKER_DIED, "", NULL},
    {"closes_fds.py", MODE_SINGLE, RUN_CRASHED, "status 8 after its control channel closed early",
     NULL},
    {"closes_fds.py", MODE_THREADS, RUN_CRASHED, "status 8 after its control channel closed early",
     NULL},
    {"stderr_then_exit.py", MODE_THREADS, RUN_CRASHED, "status 3 before it finished", NULL},
};

START_TEST(test_faults)
{
    run_result r;
    run(fault_cases[_i].fixture, fault_cases[_i].mode, 2, NULL, 60, 0, &r);
    ck_assert_msg(r.status == fault_cases[_i].status, "%s %s: status %s (%s), expected %s",
                  fault_cases[_i].fixture, mode_name(fault_cases[_i].mode),
                  results_status_name(r.status), r.error,
                  results_status_name(fault_cases[_i].status));
    ck_assert_msg(strstr(r.error, fault_cases[_i].in_error), "error '%s' lacks '%s'", r.error,
                  fault_cases[_i].in_error);
    ck_assert_int_ne(r.error[0], '\0');
    if (fault_cases[_i].in_traceback)
        ck_assert_msg(strstr(r.traceback, fault_cases[_i].in_traceback),
                      "traceback '%s' lacks '%s'", r.traceback, fault_cases[_i].in_traceback);
    results_run_free(&r);
}
END_TEST

/* A harness that ends without its done line is explained by what was seen: its exit status or
 * signal, whether it said its control channel was closed first, and its last lines on stderr,
 * quoted from the log file the error names (which exists). */
static const struct {
    const char *fixture;
    run_mode mode;
    int exit_code;           /* run_result.exit_code: the status, or -signal */
    const char *in_error[2]; /* each in r.error */
    const char *stderr_says; /* the last stderr line, quoted and in the named log; NULL: none */
} death_cases[] = {
    {"closes_fds.py", MODE_SINGLE, 8,
     {"exited with status 8 after its control channel closed early", "file descriptors"},
     "the control channel (fd 3) was closed while the run went on"},
    {"closes_fds.py", MODE_THREADS, 8,
     {"exited with status 8 after its control channel closed early", "file descriptors"},
     "the control channel (fd 3) was closed while the run went on"},
    {"stderr_then_exit.py", MODE_THREADS, 3, {"exited with status 3 before it finished", "os._exit"},
     "giving up: no licence server at licence.invalid"},
    {"worker_exit.py", MODE_SINGLE, 7, {"exited with status 7 before it finished", "os._exit"},
     NULL},
    {"segfault.py", MODE_SINGLE, -SIGSEGV, {"killed by signal 11", "crashed the interpreter"}, NULL},
};

START_TEST(test_death_explained)
{
    run_result r;
    run(death_cases[_i].fixture, death_cases[_i].mode, 2, NULL, 60, 0, &r);
    ck_assert_msg(r.status == RUN_CRASHED, "%s: status %s (%s)", death_cases[_i].fixture,
                  results_status_name(r.status), r.error);
    ck_assert_int_eq(r.exit_code, death_cases[_i].exit_code);
    for (int k = 0; k < 2; k++)
        ck_assert_msg(strstr(r.error, death_cases[_i].in_error[k]), "error '%s' lacks '%s'",
                      r.error, death_cases[_i].in_error[k]);
    char log[PATH_MAX];
    snprintf(log, sizeof(log), "%s/%s-%d-r1.stderr", log_dir, mode_name(r.mode), r.workers);
    const char *says = death_cases[_i].stderr_says;
    if (says == NULL) {
        /* Nothing written: no log file is named, none is left. segfault.py may get a line from
         * faulthandler where PYTHONFAULTHANDLER is set: then it is quoted as below. */
        if (strstr(r.error, "; last stderr: ") == NULL) {
            ck_assert_msg(strstr(r.error, "it wrote nothing to stderr"), "error '%s'", r.error);
            ck_assert_int_ne(access(log, F_OK), 0);
        }
    } else {
        ck_assert_msg(strstr(r.error, "; last stderr: "), "error '%s' quotes no stderr", r.error);
        ck_assert_msg(strstr(r.error, says), "error '%s' lacks the last stderr line '%s'", r.error,
                      says);
        char named[PATH_MAX + 4];
        snprintf(named, sizeof(named), "(%s)", log);
        ck_assert_msg(strstr(r.error, named), "error '%s' does not name %s", r.error, log);
        char *text = util_read_file(log, NULL);
        ck_assert_msg(text != NULL, "%s, named in the error, is missing", log);
        ck_assert_msg(strstr(text, says), "%s lacks '%s': %s", log, says, text);
        free(text);
    }
    results_run_free(&r);
}
END_TEST

/* A task that closes the control channel's fd and opens a file in its place (it gets fd 3): the
 * harness writes no line into that file, and says the channel is gone. */
START_TEST(test_reused_control_fd_untouched)
{
    char file[PATH_MAX];
    snprintf(file, sizeof(file), "%s/fd3-file", log_dir);
    setenv("CONCUR_FIXTURE_FILE", file, 1);
    run_result r;
    run("reuses_fd3.py", MODE_THREADS, 2, NULL, 60, 0, &r);
    unsetenv("CONCUR_FIXTURE_FILE");
    ck_assert_msg(r.status == RUN_CRASHED, "status %s (%s)", results_status_name(r.status),
                  r.error);
    ck_assert_int_eq(r.exit_code, 8);
    ck_assert_msg(strstr(r.error, "control channel closed early"), "error '%s'", r.error);
    ck_assert_msg(strstr(r.error, "now refers to another file"), "error '%s'", r.error);
    struct stat st;
    ck_assert_msg(stat(file, &st) == 0, "the task did not open %s", file);
    ck_assert_msg(st.st_size == 0, "%lld bytes went into the workload's own file on fd 3",
                  (long long)st.st_size);
    results_run_free(&r);
}
END_TEST

START_TEST(test_timeout_kills_tree)
{
    run_result r;
    /* Tasks of an hour: only the timeout ends the run (the case's own timeout is the safety net),
     * and run() finds no process of it left. */
    run("hang.py", MODE_PROCESSES, 2, NULL, 1.5, 4, &r);
    ck_assert_int_eq(r.status, RUN_TIMED_OUT);
    ck_assert_ptr_nonnull(strstr(r.error, "timed out"));
    results_run_free(&r);
}
END_TEST

/* A setup() that never returns is named at the timeout (setup_hung, and which workers), in every
 * mode; the measuring loop stops there rather than wait out --timeout for each configuration. */
static const struct {
    run_mode mode;
    int workers;
    const char *in_error; /* which worker the error names */
} setup_hang_cases[] = {
    {MODE_SINGLE, 1, "the main thread (pid "},
    {MODE_THREADS, 2, "worker 0 (thread "},
    {MODE_PROCESSES, 2, "worker 0 (pid "},
};

START_TEST(test_setup_hang_named)
{
    run_result r;
    run("setup_hangs.py", setup_hang_cases[_i].mode, setup_hang_cases[_i].workers, "fork", 2, 0,
        &r);
    ck_assert_msg(r.status == RUN_TIMED_OUT, "status %s (%s)", results_status_name(r.status),
                  r.error);
    /* A machine so loaded that no worker announced itself within 2 s has nothing to say. */
    if (r.nplacement == 0) {
        results_run_free(&r);
        SKIP_TEST("no worker announced itself within the 2 s timeout (loaded machine)");
    }
    ck_assert(r.setup_hung);
    ck_assert_msg(strstr(r.error, "setup() did not finish within the --timeout of 2 s"),
                  "error '%s'", r.error);
    ck_assert_msg(strstr(r.error, setup_hang_cases[_i].in_error), "error '%s' lacks '%s'",
                  r.error, setup_hang_cases[_i].in_error);
    results_run_free(&r);
}
END_TEST

/* Tasks that hang after setup() returned are a plain timeout: not setup_hung. */
START_TEST(test_task_hang_not_setup)
{
    static const run_mode modes[] = {MODE_THREADS, MODE_PROCESSES};
    for (size_t i = 0; i < ARRAY_LEN(modes); i++) {
        run_result r;
        run("hang.py", modes[i], 2, NULL, 3, 4, &r);
        ck_assert_int_eq(r.status, RUN_TIMED_OUT);
        ck_assert_msg(!r.setup_hung, "%s: setup_hung with hang.py (%s)",
                      mode_name(modes[i]), r.error);
        ck_assert_ptr_nonnull(strstr(r.error, "timed out after"));
        ck_assert_ptr_null(strstr(r.error, "setup()"));
        results_run_free(&r);
    }
}
END_TEST

/* A task's child in a session of its own still dies with the run. */
START_TEST(test_escaped_grandchild_killed)
{
    run_result r;
    run("spawns_child.py", MODE_THREADS, 2, NULL, 3, 2, &r);
    ck_assert_int_eq(r.status, RUN_TIMED_OUT);
    /* run() found no process of the run left, the escaped `sleep 3600` included. */
    results_run_free(&r);
}
END_TEST

/* Processes a task started in a session of their own are counted in the run, with their command
 * name, whether the run timed out or finished (the children outlive their tasks either way): as
 * many as the tasks wrote to the pid file. */
START_TEST(test_escaped_recorded)
{
    char pidfile[PATH_MAX];
    snprintf(pidfile, sizeof(pidfile), "%s/escaped-pids", log_dir);
    setenv("CONCUR_FIXTURE_PIDFILE", pidfile, 1);
    bool finishes = _i == 1;
    if (finishes)
        setenv("SPAWNS_CHILD_SLEEP", "0.05", 1);
    run_result r;
    run("spawns_child.py", MODE_THREADS, 2, NULL, finishes ? 60 : 3, 2, &r);
    unsetenv("CONCUR_FIXTURE_PIDFILE");
    unsetenv("SPAWNS_CHILD_SLEEP");
    ck_assert_msg(r.status == (finishes ? RUN_OK : RUN_TIMED_OUT), "status %s (%s)",
                  results_status_name(r.status), r.error);
    int started = 0;
    char *text = util_read_file(pidfile, NULL);
    for (char *p = text; p && *p; p++)
        started += *p == '\n';
    free(text);
    if (started == 0) {
        results_run_free(&r);
        SKIP_TEST("no task started its child within the 3 s timeout (loaded machine)");
    }
    ck_assert_int_eq(r.escaped_killed, started);
    ck_assert_int_eq(r.nescaped_commands, 1);
    ck_assert_str_eq(r.escaped_commands[0], "sleep");
    results_run_free(&r);
}
END_TEST

/* peak_rss_bytes covers every process of the run's tree: a pool worker that filled 200 MiB, killed
 * at the timeout or not, and a task's child process. A lower bound: the run's other processes
 * add their own, whatever the load. */
static const struct {
    run_mode mode;
    const char *touch_in; /* NULL: the task's own process */
    const char *sleep_s;  /* after filling: "0" finishes, "3600" only the timeout ends it */
    double timeout_s;
} rss_cases[] = {
    {MODE_PROCESSES, NULL, "3600", 5},
    {MODE_PROCESSES, NULL, "0", 60},
    {MODE_THREADS, "child", "0.05", 5},
};

START_TEST(test_peak_rss_whole_tree)
{
    const double mib = 1024.0 * 1024.0, filled = 200 * mib;
    char pidfile[PATH_MAX];
    snprintf(pidfile, sizeof(pidfile), "%s/filled-pids", log_dir);
    setenv("CONCUR_FIXTURE_PIDFILE", pidfile, 1);
    setenv("TOUCH_MIB", "200", 1);
    setenv("TOUCH_SLEEP", rss_cases[_i].sleep_s, 1);
    if (rss_cases[_i].touch_in)
        setenv("TOUCH_IN", rss_cases[_i].touch_in, 1);
    run_result r;
    run("touches_memory.py", rss_cases[_i].mode, 1, NULL, rss_cases[_i].timeout_s, 0, &r);
    unsetenv("CONCUR_FIXTURE_PIDFILE");
    unsetenv("TOUCH_MIB");
    unsetenv("TOUCH_SLEEP");
    unsetenv("TOUCH_IN");
    char *text = util_read_file(pidfile, NULL);
    bool touched = text != NULL && text[0] != '\0';
    free(text);
    if (!touched) {
        results_run_free(&r);
        SKIP_TEST("the memory was not filled within the %.0f s timeout (loaded machine)",
                  rss_cases[_i].timeout_s);
    }
    ck_assert_msg(r.peak_rss_bytes >= filled,
                  "case %d (%s): peak RSS %.1f MiB, the tree filled 200 MiB (status %s: %s)", _i,
                  mode_name(r.mode), r.peak_rss_bytes / mib, results_status_name(r.status),
                  r.error);
    results_run_free(&r);
}
END_TEST

/* The workload's own output goes to the log files, never to concur's. */
START_TEST(test_workload_output_in_logs)
{
    run_result r;
    run("chatty.py", MODE_THREADS, 2, NULL, 60, 0, &r);
    ck_assert_msg(r.status == RUN_OK, "%s", r.error);
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/threads-2-r1.stdout", log_dir);
    char *text = util_read_file(path, NULL);
    ck_assert_msg(text != NULL, "%s missing", path);
    ck_assert_ptr_nonnull(strstr(text, "chatty"));
    free(text);
    snprintf(path, sizeof(path), "%s/threads-2-r1.stderr", log_dir);
    text = util_read_file(path, NULL);
    ck_assert_msg(text != NULL, "%s missing", path);
    free(text);
    results_run_free(&r);
}
END_TEST

/* With --sample-of, a run executes tasks (j * N) // K: 0, 10, 20, 30 of 40, whose walls (task i
 * sleeps i * 0.5 ms) grow with the index, in every mode. */
static const struct {
    run_mode mode;
    const char *start_method;
} sample_cases[] = {
    {MODE_SINGLE, NULL},
    {MODE_THREADS, NULL},
    {MODE_PROCESSES, "fork"},
};

START_TEST(test_sample_of_runs_spread_indices)
{
    run_result r;
    run_sampled("index_cost.py", sample_cases[_i].mode, 2, sample_cases[_i].start_method, 60, 4,
                40, &r);
    ck_assert_msg(r.status == RUN_OK, "status %s: %s", results_status_name(r.status), r.error);
    ck_assert_int_eq(r.tasks, 4);
    ck_assert_int_eq(r.tasks_ok, 4);
    ck_assert_int_eq(r.sample_of, 40);
    ck_assert_int_eq(r.ntask_walls, 4);
    ck_assert_ptr_nonnull(r.task_walls);
    ck_assert_int_eq(r.task_wall.n, 4);
    for (int k = 0; k < 4; k++) {
        /* time.sleep never returns early: task 10 * k takes at least 10 * k * 0.5 ms, far more
         * than task k's k * 0.5 ms would. */
        double least = 10 * k * 0.0005;
        ck_assert_msg(r.task_walls[k] >= least, "task %d of the sample: %.6f s, expected >= %.6f s",
                      k, r.task_walls[k], least);
        /* No check that they grow with k: a stalled host made a 10 ms sleep take 25 ms. The
         * lower bounds already tell index 10k from index k. */
    }
    results_run_free(&r);
    ck_assert_ptr_null(r.task_walls);
}
END_TEST

/* Without a sample (no sample_of, or one equal to tasks) the run is the plain one: sample_of 0,
 * one wall per task. */
START_TEST(test_no_sample_keeps_task_walls)
{
    const int sample_of[] = {0, 4};
    for (size_t i = 0; i < ARRAY_LEN(sample_of); i++) {
        run_result r;
        run_sampled("index_cost.py", MODE_THREADS, 2, NULL, 60, 4, sample_of[i], &r);
        ck_assert_msg(r.status == RUN_OK, "status %s: %s", results_status_name(r.status), r.error);
        ck_assert_int_eq(r.tasks, 4);
        ck_assert_int_eq(r.sample_of, 0);
        ck_assert_int_eq(r.ntask_walls, r.tasks);
        ck_assert_ptr_nonnull(r.task_walls);
        for (int k = 0; k < r.ntask_walls; k++)
            ck_assert(r.task_walls[k] >= k * 0.0005);
        results_run_free(&r);
    }
    run_result r;
    run("quick.py", MODE_SINGLE, 1, NULL, 60, 0, &r);
    ck_assert_msg(r.status == RUN_OK, "status %s: %s", results_status_name(r.status), r.error);
    ck_assert_int_eq(r.sample_of, 0);
    ck_assert_int_eq(r.ntask_walls, 8);
    ck_assert_int_eq(r.ntask_walls, r.tasks);
    ck_assert_int_eq(r.task_wall.n, 8);
    results_run_free(&r);
}
END_TEST

/* --sample-of below --tasks, below 1, or without --tasks is a usage error (exit 2). */
static const char *const bad_sample_args[][5] = {
    {"--tasks", "4", "--sample-of", "3", NULL},
    {"--tasks", "0", "--sample-of", "0", NULL},
    {"--sample-of", "40", NULL},
};

START_TEST(test_sample_of_refused)
{
    const char *args[16];
    int a = 0;
    args[a++] = "--workload";
    args[a++] = fixture("index_cost.py");
    args[a++] = "--mode";
    args[a++] = "single";
    for (int i = 0; bad_sample_args[_i][i]; i++)
        args[a++] = bad_sample_args[_i][i];
    args[a] = NULL;
    char err[4096];
    int code = run_harness(args, err, sizeof(err));
    ck_assert_msg(code == 2, "harness exited %d: %s", code, err);
    /* argparse's own line, not the usage synopsis (which names every option). */
    ck_assert_msg(strstr(err, "error: --sample-of"), "usage error lacks --sample-of: %s", err);
}
END_TEST

/* ---------------------------------------------------------------------------------------------
 * Runs forked from a started interpreter (the zygote)
 * ------------------------------------------------------------------------------------------- */

static runner_zygote *start_zygote(void)
{
    char err[512] = "";
    runner_zygote *zy = runner_zygote_start(py.executable, harness, err, sizeof(err));
    ck_assert_msg(zy != NULL, "the zygote did not start: %s", err);
    ck_assert(runner_zygote_alive(zy));
    ck_assert_int_gt(runner_zygote_pid(zy), 0);
    /* It waits for requests, a child of concur, and is the only one. */
    ck_assert_int_eq(count_own_children(), 1);
    return zy;
}

/* Like run(), from zy. Of the processes that carry the test's mark, only the next zygote may be
 * left, and it is the only child of concur (the subreaper). */
static void run_from(runner_zygote *zy, const char *name, run_mode mode, int workers,
                     const char *start_method, double timeout_s, int tasks, run_result *out)
{
    runner_env env = {
        .python = py.executable,
        .harness = harness,
        .workload = fixture(name),
        .start_method = start_method,
        .tasks = tasks,
        .timeout_s = timeout_s,
        .log_dir = log_dir,
        .topo = topo,
        .counters = &probe,
        .zygote = zy,
    };
    ck_assert_int_eq(runner_run(&env, mode, workers, 1, out), 0);
    int zygotes = runner_zygote_alive(zy) ? 1 : 0;
    ck_assert_msg(count_own_children() == zygotes,
                  "%d children of concur after the run, expected %d (the next zygote)",
                  count_own_children(), zygotes);
    int left = count_marked_processes(zygotes);
    ck_assert_msg(left == zygotes, "%d processes of the test after the run (%s), expected %d "
                  "(the next zygote)", left, name, zygotes);
}

/* Stopping the zygote leaves nothing: no child, no process of the test anywhere. */
static void stop_zygote(runner_zygote *zy)
{
    runner_zygote_stop(zy);
    ck_assert_msg(count_own_children() == 0, "a child of concur outlived the zygote");
    ck_assert_msg(count_marked_processes(0) == 0, "a zygote outlived runner_zygote_stop");
}

static const struct {
    run_mode mode;
    const char *start_method;
} zygote_cases[] = {
    {MODE_SINGLE, NULL},
    {MODE_THREADS, NULL},
    {MODE_PROCESSES, "fork"},
    {MODE_PROCESSES, "spawn"},
    {MODE_PROCESSES, "forkserver"},
};

/* Every mode runs from the zygote as from a harness of its own: the zygote becomes the run, its
 * workers are pinned as planned, the counters count (they cannot wait for an exec that never
 * comes), and a new zygote waits for the next run. */
START_TEST(test_zygote_runs)
{
    topology_info info;
    topology_get_info(topo, &info);
    run_mode mode = zygote_cases[_i].mode;
    const char *method = zygote_cases[_i].start_method;
    int workers = mode == MODE_SINGLE ? 1 : info.pus >= 2 ? 2 : 1;
    runner_zygote *zy = start_zygote();
    pid_t z = runner_zygote_pid(zy);
    run_result r;
    run_from(zy, "quick.py", mode, workers, method, 60, 0, &r);
    ck_assert_msg(r.status == RUN_OK, "%s %s: status %s: %s", mode_name(mode),
                  method ? method : "", results_status_name(r.status), r.error);
    ck_assert_int_eq(r.exit_code, 0);
    ck_assert_int_eq(r.tasks_ok, 8);
    ck_assert_int_eq(r.tasks_failed, 0);
    ck_assert_int_eq(r.nplacement, workers);
    for (int i = 0; i < r.nplacement; i++) {
        ck_assert_msg(r.placement[i].pu == r.placement[i].pu_planned,
                      "worker %d: planned PU %d, kernel says '%s'", i, r.placement[i].pu_planned,
                      r.placement[i].cpus_allowed);
        if (mode == MODE_PROCESSES) {
            /* Worker processes of the run's pool, not the run itself. */
            ck_assert_int_ne(r.placement[i].pid, z);
            ck_assert_int_eq(r.placement[i].pid, r.placement[i].tid);
        } else {
            /* Single's main thread and the pool's threads live in the run: the zygote was it. */
            ck_assert_msg(r.placement[i].pid == z, "worker %d in pid %d, the zygote was %d", i,
                          (int)r.placement[i].pid, (int)z);
        }
    }
    if (mode == MODE_PROCESSES)
        ck_assert_str_eq(r.start_method, method);
    ck_assert(runner_zygote_alive(zy));
    ck_assert_int_gt(runner_zygote_pid(zy), 0);
    ck_assert_int_ne(runner_zygote_pid(zy), z);
    if (mode == MODE_SINGLE)
        assert_single_cpu_adds_up(&r, "CPU-bound single run from the zygote");
    results_run_free(&r);
    stop_zygote(zy);
}
END_TEST

/* One zygote serves run after run, each in a process of its own, and nothing of a run stays. */
START_TEST(test_zygote_serves_many_runs)
{
    runner_zygote *zy = start_zygote();
    pid_t mains[3];
    for (int k = 0; k < 3; k++) {
        pid_t z = runner_zygote_pid(zy);
        run_result r;
        run_from(zy, "quick.py", MODE_THREADS, 2, NULL, 60, 0, &r);
        ck_assert_msg(r.status == RUN_OK, "run %d: status %s: %s", k,
                      results_status_name(r.status), r.error);
        ck_assert_int_eq(r.tasks_ok, 8);
        ck_assert_int_ge(r.nplacement, 1);
        mains[k] = r.placement[0].pid;
        ck_assert_msg(mains[k] == z, "run %d in pid %d, the zygote was %d", k, (int)mains[k],
                      (int)z);
        for (int j = 0; j < k; j++)
            ck_assert_int_ne(mains[k], mains[j]);
        ck_assert(runner_zygote_alive(zy));
        ck_assert_int_ne(runner_zygote_pid(zy), z);
        results_run_free(&r);
    }
    stop_zygote(zy);
}
END_TEST

/* A run from the zygote that times out, or whose task started a child in a session of its own,
 * still dies whole; the next zygote is spared and serves the next run. */
static const struct {
    const char *fixture;
    run_mode mode;
    double timeout_s;
    int tasks;
} zygote_fault_cases[] = {
    {"hang.py", MODE_PROCESSES, 1.5, 4},
    {"spawns_child.py", MODE_THREADS, 3, 2},
};

START_TEST(test_zygote_faults_kill_tree)
{
    runner_zygote *zy = start_zygote();
    run_result r;
    run_from(zy, zygote_fault_cases[_i].fixture, zygote_fault_cases[_i].mode, 2, NULL,
             zygote_fault_cases[_i].timeout_s, zygote_fault_cases[_i].tasks, &r);
    ck_assert_msg(r.status == RUN_TIMED_OUT, "%s: status %s: %s", zygote_fault_cases[_i].fixture,
                  results_status_name(r.status), r.error);
    ck_assert_ptr_nonnull(strstr(r.error, "timed out"));
    results_run_free(&r);

    ck_assert(runner_zygote_alive(zy));
    pid_t z = runner_zygote_pid(zy);
    run_from(zy, "quick.py", MODE_SINGLE, 1, NULL, 60, 0, &r);
    ck_assert_msg(r.status == RUN_OK, "after the fault: status %s: %s",
                  results_status_name(r.status), r.error);
    ck_assert_int_eq(r.tasks_ok, 8);
    ck_assert_int_eq(r.nplacement, 1);
    ck_assert_int_eq(r.placement[0].pid, z);
    ck_assert(runner_zygote_alive(zy));
    results_run_free(&r);
    stop_zygote(zy);
}
END_TEST

/* The run's output goes to its own log files, not to the zygote's /dev/null: what the workload
 * printed while loading (still buffered at exit) included. */
START_TEST(test_zygote_output_in_logs)
{
    runner_zygote *zy = start_zygote();
    run_result r;
    run_from(zy, "chatty.py", MODE_THREADS, 2, NULL, 60, 0, &r);
    ck_assert_msg(r.status == RUN_OK, "%s", r.error);
    const char *want[2][2] = {{"stdout", "chatty: loaded (stdout)"},
                              {"stderr", "chatty: task 3 (stderr)"}};
    for (int k = 0; k < 2; k++) {
        char path[PATH_MAX];
        snprintf(path, sizeof(path), "%s/threads-2-r1.%s", log_dir, want[k][0]);
        char *text = util_read_file(path, NULL);
        ck_assert_msg(text != NULL, "%s missing", path);
        ck_assert_msg(strstr(text, want[k][1]), "%s lacks '%s': %s", path, want[k][1], text);
        free(text);
    }
    results_run_free(&r);
    stop_zygote(zy);
}
END_TEST

/* A run forked from the zygote that cannot take the descriptors it was sent says why in its own
 * stderr log, the file an error names (before the hand-over, fd 2 is the zygote's /dev/null), and
 * on the control fd where it has one, then exits 6. The hand-over is driven directly: the control
 * descriptor given is one that is not open. */
START_TEST(test_zygote_handover_failure_in_log)
{
    char path[PATH_MAX], dir[PATH_MAX], fd_s[16];
    snprintf(path, sizeof(path), "%s/handover.stderr", log_dir);
    snprintf(dir, sizeof(dir), "%s", harness);
    char *slash = strrchr(dir, '/');
    if (slash != NULL)
        *slash = '\0';
    else
        snprintf(dir, sizeof(dir), ".");
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644); /* inherited by the interpreter */
    ck_assert_int_ge(fd, 0);
    snprintf(fd_s, sizeof(fd_s), "%d", fd);
    const char *code = "import sys; sys.path.insert(0, sys.argv[1]); import harness; "
                       "harness._become_run({}, [int(x) for x in sys.argv[2:]])";
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDWR);
        dup2(devnull, 0);
        dup2(devnull, 1);
        dup2(devnull, 2);
        execl(py.executable, py.executable, "-c", code, dir, "1000", fd_s, fd_s, fd_s, fd_s,
              (char *)NULL);
        _exit(127);
    }
    close(fd);
    int st;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    char *text = util_read_file(path, NULL);
    ck_assert_ptr_nonnull(text);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 6, "status 0x%x; the run's stderr: %s", st,
                  text);
    ck_assert_msg(strstr(text, "the warm interpreter could not become the run") &&
                      strstr(text, "Bad file descriptor"),
                  "the run's stderr does not say why: '%s'", text);
    free(text);
}
END_TEST

/* Every log file a run's error names exists, even where the run wrote nothing to it, whether the
 * run was forked from the zygote or started its own interpreter: worker_exit.py ends the harness
 * with os._exit(7) and segfault.py kills it, neither printing anything first. */
static const char *const silent_crashes[] = {"worker_exit.py", "segfault.py"};

START_TEST(test_named_logs_exist)
{
    for (int warm = 0; warm < 2; warm++) {
        /* No log of an earlier run under the same name may stand in for this run's. */
        char cmd[PATH_MAX + 16];
        snprintf(cmd, sizeof(cmd), "rm -f %s/*", log_dir);
        ck_assert_int_eq(system(cmd), 0);
        runner_zygote *zy = warm ? start_zygote() : NULL;
        run_result r;
        if (warm)
            run_from(zy, silent_crashes[_i], MODE_THREADS, 2, NULL, 60, 0, &r);
        else
            run(silent_crashes[_i], MODE_THREADS, 2, NULL, 60, 0, &r);
        ck_assert_msg(r.status == RUN_CRASHED, "%s: status %s: %s", silent_crashes[_i],
                      results_status_name(r.status), r.error);
        for (const char *p = strstr(r.error, log_dir); p != NULL; p = strstr(p + 1, log_dir)) {
            char path[PATH_MAX];
            size_t n = strcspn(p, " )\n,;'\"");
            snprintf(path, sizeof(path), "%.*s", (int)n, p);
            ck_assert_msg(access(path, R_OK) == 0, "%s (%s): the error names %s, which is missing",
                          silent_crashes[_i], warm ? "zygote" : "fresh", path);
        }
        results_run_free(&r);
        if (warm)
            stop_zygote(zy);
    }
}
END_TEST

/* Every fault a run can end in is told apart as well when the run was forked from the zygote:
 * the exit status, the signal and the error lines come from the run, not from the zygote. */
START_TEST(test_zygote_fault_statuses)
{
    runner_zygote *zy = start_zygote();
    run_result r;
    run_from(zy, fault_cases[_i].fixture, fault_cases[_i].mode, 2, NULL, 60, 0, &r);
    ck_assert_msg(r.status == fault_cases[_i].status, "%s %s: status %s (%s), expected %s",
                  fault_cases[_i].fixture, mode_name(fault_cases[_i].mode),
                  results_status_name(r.status), r.error,
                  results_status_name(fault_cases[_i].status));
    ck_assert_msg(strstr(r.error, fault_cases[_i].in_error), "error '%s' lacks '%s'", r.error,
                  fault_cases[_i].in_error);
    if (fault_cases[_i].in_traceback)
        ck_assert_msg(strstr(r.traceback, fault_cases[_i].in_traceback),
                      "traceback '%s' lacks '%s'", r.traceback, fault_cases[_i].in_traceback);
    ck_assert(runner_zygote_alive(zy));
    results_run_free(&r);
    stop_zygote(zy);
}
END_TEST

/* A zygote killed from outside (before any run, or between runs): the next run executes the
 * harness itself and succeeds, with counters that count from its exec, and the zygote is retired
 * and reaped. */
START_TEST(test_zygote_killed_falls_back)
{
    runner_zygote *zy = start_zygote();
    run_result r;
    for (int k = 0; k < _i; k++) {
        run_from(zy, "quick.py", MODE_SINGLE, 1, NULL, 60, 0, &r);
        ck_assert_msg(r.status == RUN_OK, "status %s: %s", results_status_name(r.status), r.error);
        results_run_free(&r);
    }
    pid_t z = runner_zygote_pid(zy);
    ck_assert_int_gt(z, 0);
    ck_assert_int_eq(kill(z, SIGKILL), 0);
    /* Dead, a zombie for the runner to reap, before the next run asks it for one. */
    double deadline = util_now() + 20;
    for (;;) {
        char path[64], *stat;
        snprintf(path, sizeof(path), "/proc/%d/stat", (int)z);
        stat = util_read_file(path, NULL);
        const char *rp = stat ? strrchr(stat, ')') : NULL;
        bool dead = !rp || rp[1] != ' ' || rp[2] == 'Z' || rp[2] == 'X';
        free(stat);
        if (dead)
            break;
        ck_assert_msg(util_now() < deadline, "zygote %d still alive after SIGKILL", (int)z);
        usleep(5000);
    }
    for (int k = 0; k < 2; k++) {
        run_from(zy, "quick.py", MODE_SINGLE, 1, NULL, 60, 0, &r);
        ck_assert_msg(r.status == RUN_OK, "run %d after the kill: status %s: %s", k,
                      results_status_name(r.status), r.error);
        ck_assert_int_eq(r.tasks_ok, 8);
        ck_assert_int_eq(r.nplacement, 1);
        ck_assert_int_ne(r.placement[0].pid, z);
        ck_assert_int_eq(r.placement[0].pu, r.placement[0].pu_planned);
        assert_single_cpu_adds_up(&r, "CPU-bound single run in an interpreter of its own");
        ck_assert(!runner_zygote_alive(zy));
        ck_assert_int_eq(runner_zygote_pid(zy), -1);
        results_run_free(&r);
    }
    stop_zygote(zy);
}
END_TEST

/* A zygote that cannot start (no such harness, no such interpreter) says so at once and leaves no
 * process behind; the functions take NULL, as concur passes when there is none. */
static const struct {
    const char *python; /* NULL: the probed interpreter */
    const char *harness;
} zygote_bad_starts[] = {
    {NULL, "/nonexistent/harness.py"},
    {"/nonexistent/python9", NULL},
};

/* ---- native thread pools: Debian's /usr/bin/python3 with python3-numpy (make deps) ---------- */

#define NUMPY_PYTHON "/usr/bin/python3"

/* Why a native-pool test cannot run here: NUMPY_PYTHON cannot import numpy, or this process may
 * use fewer than 2 PUs (OpenBLAS then starts no thread of its own); NULL where it can. */
static const char *numpy_missing(void)
{
    static char why[128];
    if (system(NUMPY_PYTHON " -c 'import numpy' >/dev/null 2>&1") != 0)
        return NUMPY_PYTHON " cannot import numpy (make deps installs python3-numpy)";
    if (test_native_limit_set()) {
        snprintf(why, sizeof(why), "%s is set here: the native pools are limited as installed",
                 test_native_limit_set());
        return why;
    }
    topology_info info;
    topology_get_info(topo, &info);
    if (info.allowed_pus >= 2)
        return NULL;
    snprintf(why, sizeof(why), "only %d PU allowed: a native pool would have no thread of its own",
             info.allowed_pus);
    return why;
}

static bool threadpoolctl_importable(void)
{
    return system(NUMPY_PYTHON " -c 'import threadpoolctl' >/dev/null 2>&1") == 0;
}

static void run_numpy(runner_zygote *zy, run_mode mode, int workers, int limit, run_result *out)
{
    runner_env env = {.python = NUMPY_PYTHON, .harness = harness,
                      .workload = fixture("numpy_small.py"), .start_method = "fork",
                      .timeout_s = 60, .log_dir = log_dir, .topo = topo, .counters = &probe,
                      .zygote = zy, .native_limit = limit, .native_deployed = true};
    ck_assert_int_eq(runner_run(&env, mode, workers, 1, out), 0);
    ck_assert_msg(out->status == RUN_OK, "%s x%d limit %d: %s: %s", mode_name(mode), workers,
                  limit, results_status_name(out->status), out->error);
}

/* The largest num_threads threadpoolctl reported for the run; -1 where it reported none. */
static int pool_size(const run_result *r)
{
    int most = -1;
    for (int i = 0; i < r->nthreadpools; i++)
        if (r->threadpools[i].num_threads > most)
            most = r->threadpools[i].num_threads;
    return most;
}

/* Single as deployed: not pinned (the loop keeps every allowed PU), NumPy's BLAS threads counted
 * beside the interpreter's and named by threadpoolctl; with the native limit 1, set through the
 * environment a started harness and a forked run both get, no native thread at all. */
START_TEST(test_native_threads_counted)
{
    const char *why = numpy_missing();
    if (why)
        SKIP_TEST("%s", why);
    runner_zygote *zy = NULL;
    if (_i == 1) {
        char err[256];
        zy = runner_zygote_start(NUMPY_PYTHON, harness, err, sizeof(err));
        ck_assert_msg(zy != NULL, "%s", err);
    }
    bool tpc = threadpoolctl_importable();
    run_result r;
    run_numpy(zy, MODE_SINGLE, 1, 0, &r);
    ck_assert_int_eq(r.nplacement, 1);
    ck_assert_msg(r.placement[0].pu == -1, "single as deployed was pinned to '%s'",
                  r.placement[0].cpus_allowed);
    ck_assert_msg(r.native_threads >= 1, "%d native threads counted", r.native_threads);
    ck_assert_int_eq(r.threadpoolctl, tpc ? 1 : 0);
    if (tpc)
        ck_assert_msg(pool_size(&r) >= 2, "threadpoolctl: a pool of %d", pool_size(&r));
    results_run_free(&r);

    run_numpy(zy, MODE_SINGLE, 1, 1, &r);
    ck_assert_int_eq(r.native_limit, 1);
    ck_assert_msg(r.native_threads == 0, "%d native threads with the limit 1", r.native_threads);
    if (tpc)
        ck_assert_int_eq(pool_size(&r), 1);
    results_run_free(&r);
    if (zy)
        runner_zygote_stop(zy);
}
END_TEST

/* As deployed, a pool of fewer workers than PUs gives each worker its share of them (here, one
 * worker: every allowed PU), read back from the kernel, without the harness waiting out its bind
 * deadline: the run ends well. */
START_TEST(test_native_share_placement)
{
    const char *why = numpy_missing();
    if (why)
        SKIP_TEST("%s", why);
    topology_info info;
    topology_get_info(topo, &info);
    run_mode mode = _i == 0 ? MODE_THREADS : MODE_PROCESSES;
    run_result r;
    run_numpy(NULL, mode, 1, 0, &r);
    ck_assert_int_eq(r.nplacement, 1);
    char list[64];
    ck_assert_int_eq(topology_read_affinity(getpid(), list, sizeof(list)), info.allowed_pus);
    ck_assert_msg(strcmp(r.placement[0].cpus_allowed, list) == 0,
                  "%s x1: the worker got '%s', its share is every allowed PU '%s'",
                  mode_name(mode), r.placement[0].cpus_allowed, list);
    ck_assert_int_eq(r.placement[0].pu, -1);
    results_run_free(&r);
}
END_TEST

/* A process pool: each worker process reports its native threads, and the run's are their sum. */
START_TEST(test_native_threads_per_worker_process)
{
    const char *why = numpy_missing();
    if (why)
        SKIP_TEST("%s", why);
    run_result r;
    run_numpy(NULL, MODE_PROCESSES, 2, 0, &r);
    ck_assert_int_eq(r.nplacement, 2);
    int sum = 0;
    for (int i = 0; i < r.nplacement; i++) {
        ck_assert_msg(r.placement[i].native_threads >= 0, "worker %d reported none", i);
        sum += r.placement[i].native_threads;
    }
    ck_assert_int_eq(r.native_threads, sum);
    results_run_free(&r);
}
END_TEST

START_TEST(test_zygote_start_fails)
{
    const char *python = zygote_bad_starts[_i].python ? zygote_bad_starts[_i].python
                                                      : py.executable;
    const char *h = zygote_bad_starts[_i].harness ? zygote_bad_starts[_i].harness : harness;
    char err[512] = "";
    runner_zygote *zy = runner_zygote_start(python, h, err, sizeof(err));
    ck_assert_ptr_null(zy);
    /* At once, because the zygote was seen to exit: not after waiting out the time a zygote may
     * take to say hello (the reason would say so). */
    ck_assert_msg(strstr(err, "exited before its hello") != NULL, "reason: %s", err);
    ck_assert_int_eq(count_own_children(), 0);
    ck_assert_int_eq(count_marked_processes(0), 0);
    ck_assert(!runner_zygote_alive(NULL));
    ck_assert_int_eq(runner_zygote_pid(NULL), -1);
    runner_zygote_stop(NULL);
}
END_TEST

Suite *runner_suite(void)
{
    Suite *s = suite_create("runner");
    TCase *tc = tcase_create("probe");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_probe_resolves_real_interpreter);
    tcase_add_loop_test(tc, test_probe_errors, 0, sizeof(probe_errors) / sizeof(probe_errors[0]));
    tcase_add_test(tc, test_probe_missing_interpreter);
    suite_add_tcase(s, tc);

    tc = tcase_create("runs");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_single_cpu_bound);
    tcase_add_loop_test(tc, test_pool_workers_pinned, 0,
                        sizeof(pinned_cases) / sizeof(pinned_cases[0]));
    tcase_add_test(tc, test_sleeping_low_utilization);
    tcase_add_loop_test(tc, test_short_runs_utilization_bounded, 0,
                        sizeof(short_cases) / sizeof(short_cases[0]));
    tcase_add_test(tc, test_workload_output_in_logs);
    tcase_add_loop_test(tc, test_peak_rss_whole_tree, 0, sizeof(rss_cases) / sizeof(rss_cases[0]));
    tcase_add_loop_test(tc, test_sample_of_runs_spread_indices, 0,
                        sizeof(sample_cases) / sizeof(sample_cases[0]));
    tcase_add_test(tc, test_no_sample_keeps_task_walls);
    tcase_add_loop_test(tc, test_sample_of_refused, 0,
                        sizeof(bad_sample_args) / sizeof(bad_sample_args[0]));
    suite_add_tcase(s, tc);

    tc = tcase_create("faults");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_some_tasks_fail);
    tcase_add_loop_test(tc, test_faults, 0, sizeof(fault_cases) / sizeof(fault_cases[0]));
    tcase_add_loop_test(tc, test_death_explained, 0, sizeof(death_cases) / sizeof(death_cases[0]));
    tcase_add_test(tc, test_reused_control_fd_untouched);
    tcase_add_test(tc, test_timeout_kills_tree);
    tcase_add_test(tc, test_escaped_grandchild_killed);
    tcase_add_loop_test(tc, test_escaped_recorded, 0, 2);
    tcase_add_loop_test(tc, test_setup_hang_named, 0,
                        sizeof(setup_hang_cases) / sizeof(setup_hang_cases[0]));
    tcase_add_test(tc, test_task_hang_not_setup);
    suite_add_tcase(s, tc);

    tc = tcase_create("zygote");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_zygote_runs, 0, sizeof(zygote_cases) / sizeof(zygote_cases[0]));
    tcase_add_test(tc, test_zygote_serves_many_runs);
    tcase_add_test(tc, test_zygote_output_in_logs);
    tcase_add_test(tc, test_zygote_handover_failure_in_log);
    tcase_add_loop_test(tc, test_named_logs_exist, 0,
                        sizeof(silent_crashes) / sizeof(silent_crashes[0]));
    tcase_add_loop_test(tc, test_zygote_faults_kill_tree, 0,
                        sizeof(zygote_fault_cases) / sizeof(zygote_fault_cases[0]));
    tcase_add_loop_test(tc, test_zygote_fault_statuses, 0,
                        sizeof(fault_cases) / sizeof(fault_cases[0]));
    tcase_add_loop_test(tc, test_zygote_killed_falls_back, 0, 2);
    tcase_add_loop_test(tc, test_zygote_start_fails, 0,
                        sizeof(zygote_bad_starts) / sizeof(zygote_bad_starts[0]));
    tcase_add_loop_test(tc, test_native_threads_counted, 0, 2); /* started, and from a zygote */
    tcase_add_test(tc, test_native_threads_per_worker_process);
    tcase_add_loop_test(tc, test_native_share_placement, 0, 2); /* threads, processes */
    suite_add_tcase(s, tc);
    return s;
}
