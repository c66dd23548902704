/* counters.h - one interface over three counter levels: PAPI hardware events, perf software
 * events (through PAPI, or perf_event_open(2) where PAPI cannot attach), and kernel accounting. */
#ifndef CONCUR_COUNTERS_H
#define CONCUR_COUNTERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/types.h>

typedef enum {
    COUNTERS_KERNEL = 0,   /* wait4 rusage, /proc/<pid>/stat */
    COUNTERS_SOFTWARE = 1, /* perf software events: task-clock, context switches, migrations, faults */
    COUNTERS_HARDWARE = 2, /* the above plus cycles, instructions, last-level cache misses */
} counters_level;

typedef enum {
    COUNTERS_BACKEND_RUSAGE = 0,
    COUNTERS_BACKEND_PERF = 1, /* perf_event_open(2) directly */
    COUNTERS_BACKEND_PAPI = 2,
} counters_backend;

#define COUNTERS_MAX_EVENTS 8
#define COUNTERS_MAX_TRIED 8

/* One attempt made while detecting, for `concur counters` to explain. */
typedef struct {
    counters_level level;
    counters_backend backend;
    bool ok;
    char detail[256]; /* "PAPI_attach: Event does not exist (PAPI_ENOEVNT)" */
} counters_attempt;

typedef struct {
    counters_level level;
    counters_backend backend;
    int nevents;
    char events[COUNTERS_MAX_EVENTS][64]; /* names as recorded in results.json */
    char why[512];                        /* one or two sentences: why this level, not a higher one */
    int ntried;
    counters_attempt tried[COUNTERS_MAX_TRIED];
} counters_probe;

/* Values over an interval. Anything the level cannot count is NAN. */
typedef struct {
    double task_clock_s;     /* CPU time of every thread and process of the run */
    double context_switches; /* voluntary + involuntary */
    double voluntary_switches;   /* from the kernel's accounting at every level: perf events */
    double involuntary_switches; /* count switches without telling the two apart */
    double cpu_migrations;
    double page_faults;
    double cycles;
    double instructions;
    double llc_misses;
} counters_values;

typedef struct counters_set counters_set;

/* Sets every field to NAN (nothing counted). Cannot fail. */
void counters_values_clear(counters_values *v);

/* Finds the highest level that works here, at most `max` (COUNTERS_HARDWARE for "auto"), by really
 * attaching to a short-lived child of this process with inheritance, as a run would. Never fails:
 * the kernel level always works. Records every attempt in out->tried. */
void counters_detect(counters_level max, counters_probe *out);

/* "kernel", "software", "hardware"; "rusage", "perf", "papi"; "unknown" out of range. */
const char *counters_level_name(counters_level l);
const char *counters_backend_name(counters_backend b);
/* Parses "hardware", "software", "kernel" or "auto" (-> hardware). Returns 0 or -1. */
int counters_parse_level(const char *s, counters_level *out);

/* Attaches counters of probe's level to `child`, a forked child that waits on a pipe, alone
 * (one thread, no children yet). With `execs`, it has not exec'd yet and counting starts at exec;
 * without (a run forked from the zygote), counting starts now. Either way the counts cover every
 * thread and process it creates from then on (inherit). On error returns NULL with a reason in
 * err; the caller may retry at a lower level. */
counters_set *counters_attach(const counters_probe *probe, pid_t child, bool execs, char *err,
                              size_t errlen);

/* Reads the counts so far while the child lives. Inherited counts of children that have not
 * exited are not included: call it only while the child is alone (before it starts workers).
 * The voluntary/involuntary split comes from /proc/<pid>/status at every level. Returns 0, or -1
 * with out unchanged. */
int counters_read(counters_set *s, pid_t child, counters_values *out);

/* Final counts after the child was reaped with wait4(), whose rusage is passed in (the kernel
 * level reads everything from it; perf levels take voluntary/involuntary switches from it).
 * Returns 0, or -1 with out unchanged. */
int counters_final(counters_set *s, const struct rusage *ru, counters_values *out);

/* Releases the counters; s may be NULL. */
void counters_close(counters_set *s);

/* out = b - a, field by field (NAN stays NAN). */
void counters_diff(const counters_values *a, const counters_values *b, counters_values *out);

/* What `concur counters` prints: the level and backend in force, the events, why not a higher
 * level, and every attempt with its result. Cannot fail (write errors are the stream's). */
void counters_describe(const counters_probe *p, FILE *out);

/* {"level", "backend", "events": [...], "why", "tried": [{"level", "backend", "ok", "detail"}]}
 * as a new cJSON object the caller owns, or NULL when memory runs out. */
struct cJSON;
struct cJSON *counters_probe_to_json(const counters_probe *p);
/* {"task_clock_s", "context_switches", ...}, NAN as null. NULL when memory runs out. */
struct cJSON *counters_values_to_json(const counters_values *v);

/* File descriptors the set holds (PAPI opens them without close-on-exec): a forked child closes
 * every descriptor it does not need, so nothing here needs to. */

#endif
