/* check_proc.c - the procfs reader: stat lines whose command name holds spaces and parentheses,
 * malformed lines refused, status texts, and real reads of this process, one of its threads and a
 * child while it lives, as a zombie and once it is gone. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check_concur.h"
#include "concur/proc.h"
#include "concur/util.h"

/* Fields 4 to 52 of the stat lines below: ppid 77, pgrp 88, session 99, faults 10 11 12 13,
 * utime 140, stime 150, cutime 16, cstime 17, 5 threads, starttime 220, vsize 230000, rss 240,
 * processor 3; tpgid, priority and nice negative, rsslim the largest unsigned 64-bit value. */
#define STAT_TAIL                                                                                  \
    "77 88 99 34816 -1 4194560 10 11 12 13 140 150 16 17 -2 -5 5 0 220 230000 240 "               \
    "18446744073709551615 1 1 0 0 0 0 0 16781312 2 0 0 0 17 3 0 0 0 0 0 0 0 0 0 0 0 0 0\n"

static void stat_line(char *buf, size_t len, const char *comm, char state)
{
    snprintf(buf, len, "1234 (%s) %c " STAT_TAIL, comm, state);
}

static void assert_tail(const proc_stat *st)
{
    ck_assert_int_eq(st->ppid, 77);
    ck_assert_int_eq(st->pgrp, 88);
    ck_assert_int_eq(st->session, 99);
    ck_assert_uint_eq(st->minflt, 10);
    ck_assert_uint_eq(st->cminflt, 11);
    ck_assert_uint_eq(st->majflt, 12);
    ck_assert_uint_eq(st->cmajflt, 13);
    ck_assert_uint_eq(st->utime, 140);
    ck_assert_uint_eq(st->stime, 150);
    ck_assert_int_eq(st->cutime, 16);
    ck_assert_int_eq(st->cstime, 17);
    ck_assert_int_eq(st->num_threads, 5);
    ck_assert_uint_eq(st->starttime, 220);
    ck_assert_uint_eq(st->vsize, 230000);
    ck_assert_int_eq(st->rss, 240);
    ck_assert_int_eq(st->processor, 3);
}

#define LONG_NAME "0123456789012345678901234567890123456789012345678901234567890123456789"

/* Command names that a careless parser splits in the wrong place, and what is kept of each. */
static const struct {
    const char *comm, *kept;
    char state;
} name_cases[] = {
    {"python3", "python3", 'S'},
    {"a b", "a b", 'R'},
    {"(a) b)", "(a) b)", 'S'},
    {"", "", 'D'},
    {")", ")", 'Z'},
    {"(", "(", 't'},
    {") S 1 2 3", ") S 1 2 3", 'I'},
    {"x\ny", "x\ny", 'S'},
    {LONG_NAME, "012345678901234567890123456789012345678901234567890123456789012", 'R'},
};

START_TEST(test_parse_names)
{
    char line[512];
    stat_line(line, sizeof line, name_cases[_i].comm, name_cases[_i].state);
    proc_stat st;
    memset(&st, 0xff, sizeof st);
    ck_assert_int_eq(proc_parse_stat(line, strlen(line), &st), 0);
    ck_assert_int_eq(st.pid, 1234);
    ck_assert_str_eq(st.comm, name_cases[_i].kept);
    ck_assert_int_eq(st.state, name_cases[_i].state);
    assert_tail(&st);

    /* The head alone: the same three fields, the rest untouched. */
    proc_stat head;
    memset(&head, 0, sizeof head);
    ck_assert_int_eq(proc_parse_stat_head(line, strlen(line), &head), 0);
    ck_assert_int_eq(head.pid, 1234);
    ck_assert_str_eq(head.comm, name_cases[_i].kept);
    ck_assert_int_eq(head.state, name_cases[_i].state);
    ck_assert_int_eq(head.ppid, 0);
}
END_TEST

/* Lines refused, whole (EPROTO); head_ok where fields 1 to 3 alone are well formed. */
static const struct {
    const char *line;
    bool head_ok;
} bad_cases[] = {
    {"", false},
    {"1234", false},
    {"1234 (x", false},
    {"1234 x) S " STAT_TAIL, false},
    {"(x) S " STAT_TAIL, false},
    {" (x) S " STAT_TAIL, false},
    {"12a4 (x) S " STAT_TAIL, false},
    {"1234(x) S " STAT_TAIL, false},
    {"1234 (x)", false},
    {"1234 (x) ", false},
    {"1234 (x)S " STAT_TAIL, false},
    {"1234 (x) SS " STAT_TAIL, false},
    {"1234 (x)  S " STAT_TAIL, false},
    {"1234 (x) S", true},
    {"1234 (x) S\n", true},
    {"1234 (x) S  " STAT_TAIL, true},
    {"1234 (x) S abc 88 99 34816 -1 4194560 10 11 12 13 140 150 16 17 -2 -5 5 0 220 230000 240",
     true},
    {"1234 (x) S 77 88 99 34816 -1 4194560 -10 11 12 13 140 150 16 17 -2 -5 5 0 220 230000 240",
     true},
    {"1234 (x) S 77 88 99 34816 -1 4194560 10 11 12 13 99999999999999999999999 150 16 17 -2 -5 5 "
     "0 220 230000 240",
     true},
    {"1234 (x) S 77 88 99 34816 -1 4194560 10 11 12 13 140 150 16 17 -2 -5 5 0 220 230000", true},
    {"1234 (x) S 77 88 99 34816 -1 4194560 10 11 12 13 140 150 16 17 -2 -5 5 0 220 230000 2x0",
     true},
};

START_TEST(test_parse_refused)
{
    const char *line = bad_cases[_i].line;
    proc_stat st;
    errno = 0;
    ck_assert_int_eq(proc_parse_stat(line, strlen(line), &st), -1);
    ck_assert_int_eq(errno, EPROTO);
    errno = 0;
    int head = proc_parse_stat_head(line, strlen(line), &st);
    if (bad_cases[_i].head_ok) {
        ck_assert_int_eq(head, 0);
        ck_assert_int_eq(st.state, 'S');
    } else {
        ck_assert_int_eq(head, -1);
        ck_assert_int_eq(errno, EPROTO);
    }
}
END_TEST

START_TEST(test_parse_null)
{
    proc_stat st;
    ck_assert_int_eq(proc_parse_stat(NULL, 0, &st), -1);
    ck_assert_int_eq(proc_parse_stat_head(NULL, 0, &st), -1);
    ck_assert_int_eq(proc_parse_stat("1 (x) S", 7, NULL), -1);
}
END_TEST

/* Fields past 24 are optional: a line that stops there, or within them, keeps what it has. */
START_TEST(test_parse_short_line)
{
    const char *lines[] = {
        "1234 (x) S 77 88 99 34816 -1 4194560 10 11 12 13 140 150 16 17 -2 -5 5 0 220 230000 240",
        "1234 (x) S 77 88 99 34816 -1 4194560 10 11 12 13 140 150 16 17 -2 -5 5 0 220 230000 240\n",
        "1234 (x) S 77 88 99 34816 -1 4194560 10 11 12 13 140 150 16 17 -2 -5 5 0 220 230000 240 "
        "18446744073709551615 1 1 0",
    };
    for (size_t i = 0; i < ARRAY_LEN(lines); i++) {
        proc_stat st;
        ck_assert_int_eq(proc_parse_stat(lines[i], strlen(lines[i]), &st), 0);
        ck_assert_int_eq(st.rss, 240);
        ck_assert_int_eq(st.processor, -1);
    }
}
END_TEST

/* Only len bytes are read: what follows in the buffer (another ')', another state) is not. */
START_TEST(test_parse_reads_only_len)
{
    char line[512];
    stat_line(line, sizeof line, "x", 'S');
    size_t len = strlen(line);
    snprintf(line + len, sizeof line - len, "junk) Z 1 2 3");
    proc_stat st;
    ck_assert_int_eq(proc_parse_stat(line, len, &st), 0);
    ck_assert_str_eq(st.comm, "x");
    ck_assert_int_eq(st.state, 'S');
    assert_tail(&st);

    /* Cut inside the name: no ')' within len. */
    ck_assert_int_eq(proc_parse_stat_head(line, 7, &st), -1);
}
END_TEST

#define STATUS_TEXT                                                                                \
    "Name:\tVmHWM: 99\n"                                                                           \
    "Umask:\t0022\n"                                                                               \
    "State:\tS (sleeping)\n"                                                                       \
    "Tgid:\t1234\n"                                                                                \
    "VmPeak:\t   20000 kB\n"                                                                       \
    "VmHWMx:\t      1 kB\n"                                                                        \
    "VmHWM:\t    5120 kB\n"                                                                        \
    "VmRSS:\t    4096 kB\n"                                                                        \
    "Threads:\t3\n"                                                                                \
    "Cpus_allowed_list:\t0-1\n"                                                                    \
    "voluntary_ctxt_switches:\t150\n"                                                              \
    "nonvoluntary_ctxt_switches:\t7"

START_TEST(test_parse_status)
{
    proc_status st;
    proc_parse_status(STATUS_TEXT, strlen(STATUS_TEXT), &st);
    ck_assert_int_eq(st.vm_hwm_kb, 5120);
    ck_assert_int_eq(st.vm_rss_kb, 4096);
    ck_assert_int_eq(st.threads, 3);
    ck_assert_int_eq(st.voluntary_ctxt_switches, 150);
    ck_assert_int_eq(st.nonvoluntary_ctxt_switches, 7);

    /* Cut before Threads: what follows is missing, not read past len. */
    const char *cut = strstr(STATUS_TEXT, "Threads");
    proc_parse_status(STATUS_TEXT, (size_t)(cut - STATUS_TEXT), &st);
    ck_assert_int_eq(st.vm_rss_kb, 4096);
    ck_assert_int_eq(st.threads, -1);
    ck_assert_int_eq(st.voluntary_ctxt_switches, -1);
}
END_TEST

/* A zombie's status has no Vm lines; an empty or malformed text gives nothing. */
START_TEST(test_parse_status_missing)
{
    const char *zombie = "Name:\tx\nState:\tZ (zombie)\nThreads:\t1\n"
                         "voluntary_ctxt_switches:\t3\nnonvoluntary_ctxt_switches:\t0\n";
    proc_status st;
    proc_parse_status(zombie, strlen(zombie), &st);
    ck_assert_int_eq(st.vm_hwm_kb, -1);
    ck_assert_int_eq(st.vm_rss_kb, -1);
    ck_assert_int_eq(st.threads, 1);
    ck_assert_int_eq(st.nonvoluntary_ctxt_switches, 0);

    const char *bad = "VmHWM:\tabc kB\nVmRSS:\n";
    proc_parse_status(bad, strlen(bad), &st);
    ck_assert_int_eq(st.vm_hwm_kb, -1);
    ck_assert_int_eq(st.vm_rss_kb, -1);

    proc_parse_status("", 0, &st);
    ck_assert_int_eq(st.threads, -1);
    proc_parse_status(NULL, 0, &st);
    ck_assert_int_eq(st.voluntary_ctxt_switches, -1);
}
END_TEST

static pid_t gettid_(void)
{
    return (pid_t)syscall(SYS_gettid);
}

START_TEST(test_read_self)
{
    proc_stat st;
    ck_assert_int_eq(proc_read_stat(getpid(), 0, &st), 0);
    ck_assert_int_eq(st.pid, getpid());
    ck_assert_int_eq(st.ppid, getppid());
    ck_assert_int_eq(st.pgrp, getpgrp());
    ck_assert_int_eq(st.session, getsid(0));
    ck_assert_int_eq(st.state, 'R');
    ck_assert_int_ge(st.num_threads, 1);
    ck_assert_int_ge(st.processor, 0);
    ck_assert_int_gt(st.rss, 0);
    char comm[16] = "";
    prctl(PR_GET_NAME, comm, 0, 0, 0);
    ck_assert_str_eq(st.comm, comm);

    proc_status status;
    ck_assert_int_eq(proc_read_status(getpid(), &status), 0);
    ck_assert_int_gt(status.vm_rss_kb, 0);
    ck_assert_int_ge(status.vm_hwm_kb, status.vm_rss_kb);
    ck_assert_int_ge(status.threads, 1);
    ck_assert_int_ge(status.voluntary_ctxt_switches, 0);
    ck_assert_int_ge(status.nonvoluntary_ctxt_switches, 0);

    char name[64];
    ck_assert_int_eq(proc_read_name(getpid(), name, sizeof name), 0);
    ck_assert_ptr_eq(strchr(name, '/'), NULL);
    ck_assert_int_gt(strlen(name), 0);
}
END_TEST

static int tid_pipe[2], stop_pipe[2];

/* Says its tid, then blocks until stop_pipe is closed (no assertion here: not the test's
 * thread). */
static void *blocked_thread(void *arg)
{
    (void)arg;
    pid_t tid = gettid_();
    char c;
    if (write(tid_pipe[1], &tid, sizeof tid) == (ssize_t)sizeof tid)
        (void)!read(stop_pipe[0], &c, 1);
    return NULL;
}

/* A second thread: listed in the task directory, its own stat readable by tid, through a
 * descriptor kept open as the sampler keeps it; gone once joined. */
START_TEST(test_read_thread)
{
    ck_assert_int_eq(pipe(tid_pipe), 0);
    ck_assert_int_eq(pipe(stop_pipe), 0);
    pthread_t th;
    ck_assert_int_eq(pthread_create(&th, NULL, blocked_thread, NULL), 0);
    pid_t tid = 0;
    ck_assert_int_eq(read(tid_pipe[0], &tid, sizeof tid), (ssize_t)sizeof tid);

    DIR *d = proc_open_tasks(getpid());
    ck_assert_ptr_nonnull(d);
    bool main_seen = false, thread_seen = false;
    pid_t id;
    while (proc_next_task(d, &id) > 0) {
        main_seen |= id == getpid();
        thread_seen |= id == tid;
    }
    closedir(d);
    ck_assert(main_seen && thread_seen);

    proc_stat st;
    ck_assert_int_eq(proc_read_stat(getpid(), tid, &st), 0);
    ck_assert_int_eq(st.pid, tid);
    ck_assert_int_eq(st.ppid, getppid());
    ck_assert_int_eq(proc_read_stat(getpid(), 0, &st), 0);
    ck_assert_int_ge(st.num_threads, 2);

    int fd = proc_open(getpid(), tid, "stat");
    ck_assert_int_ge(fd, 0);
    char buf[1024];
    for (int i = 0; i < 2; i++) {
        ssize_t n = pread(fd, buf, sizeof buf, 0);
        ck_assert_int_gt(n, 0);
        ck_assert_int_eq(proc_parse_stat_head(buf, (size_t)n, &st), 0);
        ck_assert_int_eq(st.pid, tid);
    }

    close(stop_pipe[1]);
    pthread_join(th, NULL);
    /* The join returns as the thread exits, a moment before the kernel has let it go. */
    int rc = 0;
    for (int i = 0; i < 10000 && (rc = proc_read_stat(getpid(), tid, &st)) == 0; i++)
        nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
    ck_assert_int_eq(rc, -1);
    ck_assert(errno == ENOENT || errno == ESRCH);
    /* The kept descriptor reads nothing, or fails, once the thread is gone. */
    ck_assert_int_le(pread(fd, buf, sizeof buf, 0), 0);
    close(fd);
    close(tid_pipe[0]);
    close(tid_pipe[1]);
    close(stop_pipe[0]);
}
END_TEST

/* Waits (at most 10 s) until process pid is in state `state`. Returns true when it is. */
static bool wait_state(pid_t pid, char state)
{
    for (int i = 0; i < 10000; i++) {
        proc_stat st;
        if (proc_read_stat(pid, 0, &st) == 0 && st.state == state)
            return true;
        nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
    }
    return false;
}

#define CHILD_NAME "(a) b)"

/* A child named "(a) b)" through its lives: running, a zombie, reaped and gone. */
START_TEST(test_read_child)
{
    int ready[2], go[2];
    ck_assert_int_eq(pipe(ready), 0);
    ck_assert_int_eq(pipe(go), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        char c = 'r';
        prctl(PR_SET_NAME, CHILD_NAME, 0, 0, 0);
        close(ready[0]);
        close(go[1]);
        if (write(ready[1], &c, 1) != 1)
            _exit(2);
        /* Until the parent closes go. */
        _exit(read(go[0], &c, 1) == 0 ? 0 : 1);
    }
    close(ready[1]);
    close(go[0]);
    char c;
    ck_assert_int_eq(read(ready[0], &c, 1), 1);
    close(ready[0]);

    proc_stat st;
    ck_assert_int_eq(proc_read_stat(pid, 0, &st), 0);
    ck_assert_int_eq(st.pid, pid);
    ck_assert_int_eq(st.ppid, getpid());
    ck_assert_int_eq(st.pgrp, getpgrp());
    ck_assert_str_eq(st.comm, CHILD_NAME);
    ck_assert_int_eq(st.num_threads, 1);

    proc_status status;
    ck_assert_int_eq(proc_read_status(pid, &status), 0);
    ck_assert_int_gt(status.vm_hwm_kb, 0);
    ck_assert_int_eq(status.threads, 1);

    /* Its command line is still this program's: the name comes from argv[0], not comm. */
    char name[64], mine[64];
    ck_assert_int_eq(proc_read_name(pid, name, sizeof name), 0);
    ck_assert_int_eq(proc_read_name(getpid(), mine, sizeof mine), 0);
    ck_assert_str_eq(name, mine);

    pid_t kids[64];
    int n = proc_find_children(getpid(), kids, (int)ARRAY_LEN(kids));
    bool found = false;
    for (int i = 0; i < n; i++)
        found |= kids[i] == pid;
    ck_assert_msg(found, "proc_find_children did not find child %d among %d", (int)pid, n);
    n = proc_read_children(getpid(), gettid_(), kids, (int)ARRAY_LEN(kids));
    found = false;
    for (int i = 0; i < n; i++)
        found |= kids[i] == pid;
    ck_assert_msg(found, "task/%d/children did not list child %d", (int)gettid_(), (int)pid);

    /* A zombie: stat readable, no Vm lines, no command line left, so its comm names it. */
    close(go[1]);
    ck_assert(wait_state(pid, 'Z'));
    ck_assert_int_eq(proc_read_status(pid, &status), 0);
    ck_assert_int_eq(status.vm_hwm_kb, -1);
    ck_assert_int_eq(proc_read_name(pid, name, sizeof name), 0);
    ck_assert_str_eq(name, CHILD_NAME);

    /* Reaped: every read fails cleanly. */
    int wstatus;
    ck_assert_int_eq(waitpid(pid, &wstatus, 0), pid);
    ck_assert(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0);
    errno = 0;
    ck_assert_int_eq(proc_read_stat(pid, 0, &st), -1);
    ck_assert(errno == ENOENT || errno == ESRCH);
    errno = 0;
    ck_assert_int_eq(proc_read_stat(pid, pid, &st), -1);
    ck_assert(errno == ENOENT || errno == ESRCH);
    errno = 0;
    ck_assert_int_eq(proc_read_status(pid, &status), -1);
    ck_assert(errno == ENOENT || errno == ESRCH);
    ck_assert_ptr_null(proc_open_tasks(pid));
    ck_assert_int_eq(proc_read_children(pid, pid, kids, (int)ARRAY_LEN(kids)), -1);
    ck_assert_int_eq(proc_open(pid, pid, "stat"), -1);
    strcpy(name, "stale");
    ck_assert_int_eq(proc_read_name(pid, name, sizeof name), -1);
    ck_assert_str_eq(name, "");
}
END_TEST

/* A pid no process can have (pid_max itself): a clean ENOENT from every reader. */
START_TEST(test_read_no_such_pid)
{
    char *text = util_read_file("/proc/sys/kernel/pid_max", NULL);
    ck_assert_ptr_nonnull(text);
    pid_t pid = (pid_t)strtol(text, NULL, 10);
    free(text);
    ck_assert_int_gt(pid, 1);

    proc_stat st;
    proc_status status;
    char name[16];
    pid_t kids[4];
    errno = 0;
    ck_assert_int_eq(proc_read_stat(pid, 0, &st), -1);
    ck_assert_int_eq(errno, ENOENT);
    errno = 0;
    ck_assert_int_eq(proc_read_status(pid, &status), -1);
    ck_assert_int_eq(errno, ENOENT);
    errno = 0;
    ck_assert_int_eq(proc_read_name(pid, name, sizeof name), -1);
    ck_assert_int_eq(errno, ENOENT);
    errno = 0;
    ck_assert_int_eq(proc_read_children(pid, pid, kids, 4), -1);
    ck_assert_int_eq(errno, ENOENT);
    ck_assert_ptr_null(proc_open_tasks(pid));
    ck_assert_int_eq(proc_find_children(pid, kids, 4), 0);
}
END_TEST

Suite *proc_suite(void)
{
    Suite *s = suite_create("proc");

    TCase *tc = tcase_create("parse");
    tcase_add_loop_test(tc, test_parse_names, 0, (int)ARRAY_LEN(name_cases));
    tcase_add_loop_test(tc, test_parse_refused, 0, (int)ARRAY_LEN(bad_cases));
    tcase_add_test(tc, test_parse_null);
    tcase_add_test(tc, test_parse_short_line);
    tcase_add_test(tc, test_parse_reads_only_len);
    tcase_add_test(tc, test_parse_status);
    tcase_add_test(tc, test_parse_status_missing);
    suite_add_tcase(s, tc);

    tc = tcase_create("read");
    tcase_add_test(tc, test_read_self);
    tcase_add_test(tc, test_read_thread);
    tcase_add_test(tc, test_read_child);
    tcase_add_test(tc, test_read_no_such_pid);
    suite_add_tcase(s, tc);
    return s;
}
