/* check_dask.c - mode dask end to end, on a real Dask cluster on loopback: a LocalCluster concur
 * starts and tears down itself, an existing scheduler and two workers this test starts with the
 * `dask` command line, a scheduler address that does not answer, a worker that dies, and an
 * interpreter without distributed. Skipped, with the reason, where no interpreter here imports
 * distributed (make deps installs python3-distributed). */
#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_concur.h"
#include "concur/concur.h"
#include "concur/util.h"

/* The interpreter Debian's python3-distributed is installed for; $CONCUR_DASK_PYTHON instead. */
#define DASK_PYTHON_DEFAULT "/usr/bin/python3"

static char tmp[PATH_MAX];

static const char *in_tmp(const char *name)
{
    return test_path_in(tmp, name);
}

static void setup(void)
{
    test_tmp_make(tmp, sizeof(tmp), "dask");
}

static void teardown(void)
{
    test_tmp_remove(tmp);
}

/* Whether python imports `module` (run quietly). */
static bool imports(const char *python, const char *module)
{
    char cmd[PATH_MAX + 128];
    snprintf(cmd, sizeof(cmd), "'%s' -c 'import %s' >/dev/null 2>&1", python, module);
    return system(cmd) == 0;
}

/* An interpreter that imports distributed, or NULL. */
static const char *dask_python(void)
{
    const char *p = getenv("CONCUR_DASK_PYTHON");
    if (!p)
        p = DASK_PYTHON_DEFAULT;
    return access(p, X_OK) == 0 && imports(p, "distributed") ? p : NULL;
}

static cJSON *load_json(const char *path)
{
    char *text = util_read_file(path, NULL);
    ck_assert_msg(text != NULL, "%s was not written", path);
    cJSON *j = cJSON_Parse(text);
    free(text);
    ck_assert_ptr_nonnull(j);
    return j;
}

static const cJSON *item(const cJSON *o, const char *key)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);
    ck_assert_msg(it != NULL, "no '%s' in results.json", key);
    return it;
}

/* The first run of results.json in mode `mode` that is not a warm-up. */
static const cJSON *first_run(const cJSON *root, const char *mode)
{
    const cJSON *run;
    cJSON_ArrayForEach(run, item(root, "runs"))
    {
        if (strcmp(item(run, "mode")->valuestring, mode) == 0 && !cJSON_IsTrue(item(run, "warmup")))
            return run;
    }
    ck_abort_msg("no %s run in results.json", mode);
    return NULL;
}

/* summary.MODE.WORKERS of results.json. */
static const cJSON *summary_of(const cJSON *root, const char *mode, int workers)
{
    char key[16];
    snprintf(key, sizeof(key), "%d", workers);
    return item(item(item(root, "summary"), mode), key);
}

/* A LocalCluster concur starts: the job measured in mode dask end to end, its workers bound
 * like a process pool's, its start-up and per-task overhead recorded, and nothing of it left. */
START_TEST(test_local_cluster_end_to_end)
{
    const char *py = dask_python();
    if (!py)
        SKIP_TEST("no interpreter here imports distributed (%s; install python3-distributed, or "
                  "set CONCUR_DASK_PYTHON)", DASK_PYTHON_DEFAULT);
    const char *args[] = {"run", test_fixture("quick.py"), "--python", py, "--modes",
                          "single,dask", "--fixed", "--workers", "2", "--repeat", "1", "--out",
                          in_tmp("out"), NULL};
    outcome r = run_concur(tmp, args);
    ck_assert_msg(r.code == CONCUR_EXIT_OK, "exit %d: %s", r.code, r.err);
    ck_assert_int_eq(count_marked_processes(0), 0);
    ck_assert_int_eq(count_own_children(), 0);
    ck_assert_msg(strstr(r.err, "leaked semaphore") == NULL, "%s", r.err);

    cJSON *root = load_json(in_tmp("out/results.json"));
    const cJSON *dask = item(root, "dask");
    ck_assert(cJSON_IsObject(dask));
    ck_assert(cJSON_IsString(item(dask, "distributed")));
    ck_assert(cJSON_IsNull(item(dask, "scheduler")));
    const cJSON *run = first_run(root, "dask");
    ck_assert_str_eq(item(run, "status")->valuestring, "ok");
    ck_assert_int_eq((int)item(run, "tasks_ok")->valuedouble, 8);
    ck_assert(item(run, "cluster_start_s")->valuedouble > 0);
    /* Each worker process announced itself and was bound to one CPU, as a process pool's. */
    ck_assert_int_eq(cJSON_GetArraySize(item(run, "placement")), 2);
    const cJSON *s = summary_of(root, "dask", 2);
    ck_assert(cJSON_IsNumber(item(s, "pool_overhead_per_task_s")));
    ck_assert(cJSON_IsNumber(item(s, "cluster_start_s")));
    ck_assert(item(s, "pickle_bytes_per_task")->valuedouble > 0);
    /* The local choice is never the cluster; what it says goes beyond this machine. */
    const cJSON *rec = item(root, "recommendation");
    ck_assert_str_ne(item(rec, "model")->valuestring, "dask");
    ck_assert_int_gt(cJSON_GetArraySize(item(rec, "beyond")), 0);
    cJSON_Delete(root);
    outcome_free(&r);
}
END_TEST

/* A worker process that dies while it runs a task fails the run, as a broken process pool does;
 * nothing of the cluster is left. */
START_TEST(test_worker_death_fails_the_run)
{
    const char *py = dask_python();
    if (!py)
        SKIP_TEST("no interpreter here imports distributed (%s)", DASK_PYTHON_DEFAULT);
    const char *args[] = {"run", test_fixture("worker_exit.py"), "--python", py, "--modes",
                          "single,dask", "--fixed", "--workers", "2", "--repeat", "1", "--out",
                          in_tmp("out"), NULL};
    outcome r = run_concur(tmp, args);
    ck_assert_int_eq(count_marked_processes(0), 0);
    cJSON *root = load_json(in_tmp("out/results.json"));
    const cJSON *run = first_run(root, "dask");
    ck_assert_msg(strcmp(item(run, "status")->valuestring, "worker_died") == 0, "status %s: %s",
                  item(run, "status")->valuestring,
                  cJSON_IsString(item(run, "error")) ? item(run, "error")->valuestring : "");
    cJSON_Delete(root);
    outcome_free(&r);
}
END_TEST

/* An interpreter without distributed: one line naming the package, exit 4, before anything is
 * measured, and results.json says why. */
START_TEST(test_without_distributed)
{
    const char *py = getenv("CONCUR_NO_DASK_PYTHON");
    if (!py)
        py = "python3";
    if (imports(py, "distributed"))
        SKIP_TEST("%s imports distributed: no interpreter without it to test (set "
                  "CONCUR_NO_DASK_PYTHON)", py);
    const char *args[] = {"run", test_fixture("quick.py"), "--python", py, "--dask", "--out",
                          in_tmp("out"), NULL};
    outcome r = run_concur(tmp, args);
    ck_assert_int_eq(r.code, CONCUR_EXIT_ENV);
    ck_assert_msg(strstr(r.err, "python3-distributed") != NULL, "%s", r.err);
    ck_assert_int_eq(count_marked_processes(0), 0);
    cJSON *root = load_json(in_tmp("out/results.json"));
    ck_assert(cJSON_IsFalse(item(root, "complete")));
    ck_assert_int_eq(cJSON_GetArraySize(item(root, "runs")), 0);
    cJSON_Delete(root);
    outcome_free(&r);
}
END_TEST

/* A port on 127.0.0.1 that nothing listens on (bound, then closed). */
static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(fd, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    socklen_t len = sizeof(a);
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    return ntohs(a.sin_port);
}

/* A scheduler address that does not answer: one clear error within --timeout, exit 4. */
START_TEST(test_bad_scheduler_address)
{
    const char *py = dask_python();
    if (!py)
        SKIP_TEST("no interpreter here imports distributed (%s)", DASK_PYTHON_DEFAULT);
    char addr[64];
    snprintf(addr, sizeof(addr), "tcp://127.0.0.1:%d", free_port());
    const char *args[] = {"run", test_fixture("quick.py"), "--python", py, "--dask-scheduler",
                          addr, "--timeout", "3", "--out", in_tmp("out"), NULL};
    outcome r = run_concur(tmp, args);
    ck_assert_int_eq(r.code, CONCUR_EXIT_ENV);
    ck_assert_msg(strstr(r.err, addr) != NULL, "%s", r.err);
    ck_assert_msg(strstr(r.err, "within 3 s") != NULL, "%s", r.err);
    ck_assert_int_eq(count_marked_processes(0), 0);
    outcome_free(&r);
}
END_TEST

/* Starts `dask ARGS...` in a process group of its own, its output in log. Returns its pid. */
static pid_t start_dask(const char *const *args, const char *log)
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        setpgid(0, 0);
        FILE *f = freopen(log, "w", stdout);
        if (!f || dup2(1, 2) < 0)
            _exit(126);
        const char *argv[16] = {"dask"};
        int n = 1;
        for (int i = 0; args[i] && n < 15; i++)
            argv[n++] = args[i];
        argv[n] = NULL;
        execvp("dask", (char *const *)argv);
        _exit(127);
    }
    setpgid(pid, pid);
    return pid;
}

static void stop_dask(pid_t pid)
{
    if (pid <= 0)
        return;
    kill(-pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

/* The scheduler's address from its scheduler file, or "" (not written yet). */
static void scheduler_address(const char *file, char *addr, size_t len)
{
    addr[0] = '\0';
    char *text = util_read_file(file, NULL);
    cJSON *j = text ? cJSON_Parse(text) : NULL;
    const cJSON *a = j ? cJSON_GetObjectItemCaseSensitive(j, "address") : NULL;
    if (cJSON_IsString(a))
        snprintf(addr, len, "%s", a->valuestring);
    cJSON_Delete(j);
    free(text);
}

/* Waits, through Dask's own client, until the scheduler in `file` has `n` workers. */
static bool wait_for_workers(const char *py, const char *file, int n)
{
    char cmd[PATH_MAX * 2];
    snprintf(cmd, sizeof(cmd), "'%s' -c 'import distributed; c = distributed.Client("
             "scheduler_file=\"%s\", timeout=60); c.wait_for_workers(%d, timeout=120)' "
             ">/dev/null 2>&1", py, file, n);
    return system(cmd) == 0;
}

/* An existing cluster (a scheduler and two workers started here with the `dask` command line, on
 * 127.0.0.1): concur measures on it, records its workers, threads and hosts, and starts and stops
 * nothing of it. */
START_TEST(test_existing_scheduler)
{
    const char *py = dask_python();
    if (!py)
        SKIP_TEST("no interpreter here imports distributed (%s)", DASK_PYTHON_DEFAULT);
    if (system("command -v dask >/dev/null 2>&1") != 0)
        SKIP_TEST("no `dask` command line here (python3-distributed brings it)");
    test_mark_new();
    char file[PATH_MAX], wdir[PATH_MAX];
    snprintf(file, sizeof(file), "%s", in_tmp("scheduler.json"));
    snprintf(wdir, sizeof(wdir), "%s", in_tmp("workers"));
    const char *sargs[] = {"scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                           "--scheduler-file", file, NULL};
    pid_t sched = start_dask(sargs, in_tmp("scheduler.log"));
    pid_t workers[2] = {-1, -1};
    char addr[256] = "";
    /* The scheduler writes its file once it listens. */
    for (int i = 0; i < 600 && !addr[0]; i++) {
        scheduler_address(file, addr, sizeof(addr));
        if (!addr[0])
            usleep(100 * 1000);
    }
    ck_assert_msg(addr[0], "the scheduler did not write %s", file);
    for (int i = 0; i < 2; i++) {
        const char *wargs[] = {"worker", "--scheduler-file", file, "--nthreads", "1",
                               "--no-dashboard", "--host", "127.0.0.1", "--local-directory",
                               wdir, NULL};
        workers[i] = start_dask(wargs, in_tmp(i ? "worker1.log" : "worker0.log"));
    }
    bool up = wait_for_workers(py, file, 2);
    outcome r = {0, NULL, NULL};
    if (up) {
        const char *args[] = {"run", test_fixture("quick.py"), "--python", py, "--dask-scheduler",
                              addr, "--modes", "single", "--fixed", "--workers", "2", "--repeat",
                              "1", "--out", in_tmp("out"), NULL};
        r = run_concur(tmp, args);
    }
    /* concur stopped nothing of the cluster. */
    bool alive = kill(sched, 0) == 0 && kill(workers[0], 0) == 0 && kill(workers[1], 0) == 0;
    for (int i = 0; i < 2; i++)
        stop_dask(workers[i]);
    stop_dask(sched);
    ck_assert_msg(up, "the two workers did not join the scheduler");
    ck_assert_msg(r.code == CONCUR_EXIT_OK, "exit %d: %s", r.code, r.err);
    ck_assert(alive);
    ck_assert_int_eq(count_marked_processes(0), 0);

    cJSON *root = load_json(in_tmp("out/results.json"));
    const cJSON *dask = item(root, "dask");
    ck_assert_str_eq(item(dask, "scheduler")->valuestring, addr);
    ck_assert_int_eq((int)item(dask, "workers")->valuedouble, 2);
    ck_assert_int_eq((int)item(dask, "threads")->valuedouble, 2);
    ck_assert_int_eq((int)item(dask, "hosts")->valuedouble, 1);
    const cJSON *run = first_run(root, "dask");
    ck_assert_str_eq(item(run, "status")->valuestring, "ok");
    ck_assert_int_eq((int)item(run, "tasks_ok")->valuedouble, 8);
    /* A cluster concur did not start has no start-up of its own here, and what could not be
     * counted on it is said. */
    ck_assert(cJSON_IsNull(item(run, "cluster_start_s")));
    bool said = false;
    const cJSON *line;
    cJSON_ArrayForEach(line, item(item(root, "recommendation"), "beyond"))
    said = said || strstr(line->valuestring, "were not counted") != NULL;
    ck_assert(said);
    cJSON_Delete(root);
    outcome_free(&r);
}
END_TEST

Suite *dask_suite(void)
{
    Suite *s = suite_create("dask");
    TCase *tc = tcase_create("dask");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_local_cluster_end_to_end);
    tcase_add_test(tc, test_worker_death_fails_the_run);
    tcase_add_test(tc, test_without_distributed);
    tcase_add_test(tc, test_bad_scheduler_address);
    tcase_add_test(tc, test_existing_scheduler);
    suite_add_tcase(s, tc);
    return s;
}
