/* topology.h - what hwloc sees, where each worker goes, and what placement the kernel reports. */
#ifndef CONCUR_TOPOLOGY_H
#define CONCUR_TOPOLOGY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

typedef struct topology topology; /* opaque: owns the hwloc topology */

typedef struct {
    char cpu_model[128]; /* "AMD EPYC", "" where hwloc does not know */
    int packages;
    int numa_nodes;
    int cores;
    int pus;
    bool synthetic; /* loaded from a synthetic description, not this machine */
    char synthetic_desc[256];
    int allowed_cores; /* cores with at least one PU this process may use (all when synthetic) */
    int allowed_pus;   /* PUs this process may use: cgroup cpuset and its own affinity */
    double memory_bytes; /* the machine's memory as hwloc sees it (NUMA nodes together); 0 unknown */
    /* What the allowed cores delivered at once, in cores' worth (topology_measure_capacity), at
     * the start and the end of a run; NAN where not measured. */
    double capacity_start, capacity_end;
} topology_info;

/* One worker's planned PU. */
typedef struct {
    int worker;   /* 0-based worker index */
    int pu;       /* OS index of the PU (what the kernel calls CPU n) */
    int core;     /* logical index of the core that holds it */
    int package;  /* logical index of its package */
    bool shared;  /* more workers than PUs: this PU also serves another worker */
} topology_slot;

/* Loads this machine's topology, or the synthetic one when synthetic != NULL (hwloc syntax, e.g.
 * "pack:2 core:16 pu:2"). On error returns NULL and writes a one-line reason into err. */
topology *topology_load(const char *synthetic, char *err, size_t errlen);
void topology_free(topology *t);

void topology_get_info(const topology *t, topology_info *out);

/* Plans `workers` slots: one PU per worker, distinct physical cores first (spread across packages),
 * then SMT siblings of used cores, then round-robin over all PUs when workers exceed PUs. Only PUs
 * this process may run on are used (its allowed cpuset), unless the topology is synthetic.
 * The plan for N workers is the first N slots of the plan for any larger count (only `shared`
 * differs). Fills out[0..workers-1]. Returns 0, or -1 when workers < 1 (out unchanged). */
int topology_place(const topology *t, int workers, topology_slot *out);

/* The PUs of worker `worker` of `workers` when each gets its share of the usable PUs (a native
 * pool per worker, as deployed): hwloc_distrib() over the machine's tree, narrowed to the usable
 * PUs, so that a share stays within a core, then a package, where it can. With more workers than
 * usable PUs, the one PU topology_place gives it. Stores at most max OS indexes in pus. Returns
 * how many, or -1 when workers < 1 or worker is out of range. */
int topology_place_share(const topology *t, int workers, int worker, int *pus, int max);

/* How many cores' worth of work the allowed cores do at once: one thread bound to each (one PU per
 * core, as topology_place puts workers) spins through the same fixed work, first one alone and
 * then all together, and the capacity is the sum over the threads of their rate together against
 * the rate alone. A host that gives its virtual CPUs one physical core's time between them,
 * or lends their time elsewhere, shows well under the core count here. Takes about 0.05 s
 * (three rounds of each: the fastest alone, the median together). NAN with a reason in err on a
 * synthetic topology, with fewer than 2 allowed cores, or when the threads cannot be started or
 * bound. */
#define TOPOLOGY_CAPACITY_ROUNDS 3
double topology_measure_capacity(const topology *t, char *err, size_t errlen);

/* The host's pace now: seconds the median of three passes of a fixed integer loop takes on the
 * calling thread (a few ms in all). */
double topology_speed_probe(void);

/* The host's pace where a run of `workers` workers runs: topology_speed_probe on each of the PUs
 * topology_place gives them (up to 64), one thread bound to each, all spinning at once as the
 * run's workers will; the geometric mean of their medians. A virtual machine's CPUs slow down a
 * spell at a time, each on its own, and on the development guest at times both when both were
 * busy, so the pace of the run's own PUs together tells its spell (results_drift pace_*). On a
 * synthetic topology, or where a thread cannot be started, topology_speed_probe where the
 * calling thread runs. The strategy takes it before and after every run. */
double topology_speed_probe_on(const topology *t, int workers);

/* Binds a whole process (every thread) or a single thread (thread=true, id is a tid) to one PU,
 * with hwloc. Returns 0, or -1 with a reason in err; always -1 on a topology that is not this
 * machine (synthetic), where hwloc itself would pretend to succeed. */
int topology_bind(const topology *t, pid_t id, bool thread, int pu, char *err, size_t errlen);

/* Binds a whole process, or a single thread (thread=true), to a set of PUs (a worker's share).
 * Returns 0 or -1 with err. */
int topology_bind_pus(const topology *t, pid_t id, bool thread, const int *pus, int npus,
                      char *err, size_t errlen);

/* Binds a process to a set of PUs (the union used by a run). Returns 0 or -1 with err. */
int topology_bind_set(const topology *t, pid_t pid, const int *pus, int npus, char *err, size_t errlen);

/* Reads back from the kernel the CPUs a thread may run on (sched_getaffinity). Writes the list in
 * kernel "cpus_allowed_list" form ("3" or "0-3,8") into buf and returns the number of CPUs, or -1
 * when the thread is gone. */
int topology_read_affinity(pid_t tid, char *buf, size_t len);

/* Core and package logical indexes of the PU with OS index pu; -1 where unknown. */
int topology_core_of_pu(const topology *t, int pu);
int topology_package_of_pu(const topology *t, int pu);

/* Writes what `concur topology` shows: the machine line, a folded package -> core -> PU tree, the
 * PUs this process may use when fewer than the machine has, and the placement of workers
 * 0..max_workers-1 (a run with N workers uses the first N). max_workers < 1 means one per usable
 * PU. Plain text. Cannot fail (write errors are the caller's to check on out). */
void topology_describe(const topology *t, int max_workers, FILE *out);

/* The same as JSON (machine, tree, allowed PUs, placement). Returns 0 and a string the caller
 * frees with free(), or -1 with *json_out set to NULL. */
int topology_describe_json(const topology *t, int max_workers, char **json_out);

#endif
