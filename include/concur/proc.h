/* proc.h - the one reader of procfs for a process and its threads: /proc/<pid>/stat, status,
 * cmdline, comm and task/<tid>/{stat,children}. It returns values and errors and never logs:
 * a process that is gone is an ordinary answer here, which the caller judges. */
#ifndef CONCUR_PROC_H
#define CONCUR_PROC_H

#include <dirent.h>
#include <stddef.h>
#include <sys/types.h>

/* The longest command name kept, its NUL included (the kernel's is 16 for a task, 64 for some
 * kernel threads). */
#define PROC_COMM_LEN 64

/* The fields of one stat line (proc(5): /proc/<pid>/stat, the same for a thread's
 * task/<tid>/stat) that concur uses, by their number there. Times are in clock ticks
 * (sysconf(_SC_CLK_TCK)). processor is -1 where the line stops before field 39. */
typedef struct {
    pid_t pid;                       /* 1 */
    char comm[PROC_COMM_LEN];        /* 2, without its parentheses, cut to fit */
    char state;                      /* 3: R, S, D, Z, T, t, X, I ... */
    pid_t ppid, pgrp, session;       /* 4, 5, 6 */
    unsigned long long minflt, cminflt, majflt, cmajflt; /* 10-13 */
    unsigned long long utime, stime; /* 14, 15 */
    long long cutime, cstime;        /* 16, 17: of the children it has waited for */
    long long num_threads;           /* 20 */
    unsigned long long starttime;    /* 22: ticks after boot */
    unsigned long long vsize;        /* 23: bytes */
    long long rss;                   /* 24: pages */
    int processor;                   /* 39: the CPU it last ran on */
} proc_stat;

/* Parses one stat line of len bytes (no NUL needed; a final newline is fine). The command name
 * may hold spaces, parentheses and newlines, so the fields are read after the LAST ')'. Fields 1
 * to 24 are required, the rest optional. Returns 0, or -1 with errno EPROTO (out is then
 * partly filled). */
int proc_parse_stat(const char *buf, size_t len, proc_stat *out);

/* Parses fields 1 to 3 only (pid, comm, state), by the same rules, and leaves the other fields
 * of out alone: what the sampler needs of every thread on every round, at a fraction of the cost
 * of the full parse. Returns 0, or -1 with errno EPROTO. */
int proc_parse_stat_head(const char *buf, size_t len, proc_stat *out);

/* Opens /proc/<pid>/<name>, or /proc/<pid>/task/<tid>/<name> where tid > 0, read-only and
 * close-on-exec, for a caller that keeps it open and re-reads it with pread (the sampler).
 * Returns the descriptor, or -1 with errno set (ENOENT: no such process or thread). */
int proc_open(pid_t pid, pid_t tid, const char *name);

/* Reads and parses /proc/<pid>/stat (tid <= 0) or /proc/<pid>/task/<tid>/stat. Returns 0, or -1
 * with errno set: ENOENT when there is no such process or thread, ESRCH when it went while being
 * read, EPROTO for a line that does not parse. */
int proc_read_stat(pid_t pid, pid_t tid, proc_stat *out);

/* The fields of /proc/<pid>/status that concur uses; -1 for each the text lacks (a zombie has no
 * Vm lines). Sizes in kB. */
typedef struct {
    long long vm_hwm_kb;  /* VmHWM: the peak resident set so far */
    long long vm_rss_kb;  /* VmRSS */
    long long threads;    /* Threads */
    long long voluntary_ctxt_switches;    /* of the main thread */
    long long nonvoluntary_ctxt_switches; /* of the main thread */
} proc_status;

/* Parses a status text of len bytes (no NUL needed). Cannot fail: what is missing or malformed
 * is -1. */
void proc_parse_status(const char *text, size_t len, proc_status *out);

/* Reads and parses /proc/<pid>/status. Returns 0, or -1 with errno set (ENOENT: gone). */
int proc_read_status(pid_t pid, proc_status *out);

/* Opens the task directory of process pid, whose threads proc_next_task lists; rewinddir lists
 * them again, closedir closes it. Returns NULL with errno set (ENOENT: gone). */
DIR *proc_open_tasks(pid_t pid);

/* The next thread of a task directory (or process of /proc itself: any directory of numbered
 * entries). Returns 1 with *id set, 0 at the end. */
int proc_next_task(DIR *dir, pid_t *id);

/* The children of thread tid of process pid (task/<tid>/children: the processes that thread
 * forked, until they exit or are re-parented). Stores at most max. Returns how many were stored,
 * or -1 with errno set. */
int proc_read_children(pid_t pid, pid_t tid, pid_t *out, int max);

/* Every process whose parent (stat's ppid) is ppid, found by scanning /proc: unlike the children
 * files it sees the processes re-parented to a subreaper. Stores at most max. Returns how many,
 * or -1 with errno set when /proc cannot be listed. */
int proc_find_children(pid_t ppid, pid_t *out, int max);

/* The command name of process pid for a person: the last part of its argv[0] (cmdline), else its
 * comm (a zombie has no command line left). Returns 0, or -1 with errno set when neither can be
 * read (out is then ""). */
int proc_read_name(pid_t pid, char *out, size_t len);

#endif
