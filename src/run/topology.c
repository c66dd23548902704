/* topology.c - the machine as hwloc sees it, where each worker goes, and binding workers there. */
#include "concur/topology.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <hwloc.h>

#include "concur/stats.h"
#include "concur/util.h"

/* Shown with every rejected synthetic description: hwloc's syntax is levels from the top down. */
#define SYNTHETIC_EXAMPLE "levels from the top down as type:count ending with pu, " \
                          "e.g. \"pack:2 core:16 pu:2\" " \
                          "or \"pack:2 numa:2 core:8 pu:2\""

/* Past this many identical-shape cores a run of the tree is folded to its first and last few. */
#define FOLD_ABOVE 16
#define FOLD_HEAD 6
#define FOLD_TAIL 2
#define LINE_WIDTH 100
/* Describing more workers than this is never useful and only risks huge allocations. */
#define DESCRIBE_MAX_WORKERS 4096

struct topology {
    hwloc_topology_t hw;
    bool bindable;          /* hwloc describes this machine and binds for real */
    bool synthetic;         /* loaded from a description (argument or HWLOC_SYNTHETIC/XMLFILE) */
    char desc[256];
    char cpu_model[128];
    hwloc_bitmap_t usable;  /* OS indexes of the PUs this process may use */
    int *order;             /* usable PUs (OS indexes) in the order workers take them */
    int norder;
    int usable_cores;
};

static void set_err(char *err, size_t errlen, const char *fmt, ...) CONCUR_PRINTF(3, 4);

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* Appends to buf at *pos without ever overflowing; output past the end is dropped. */
static void append(char *buf, size_t len, size_t *pos, const char *fmt, ...) CONCUR_PRINTF(4, 5);

static void append(char *buf, size_t len, size_t *pos, const char *fmt, ...)
{
    if (*pos >= len)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + *pos, len - *pos, fmt, ap);
    va_end(ap);
    if (n > 0)
        *pos = (*pos + (size_t)n < len) ? *pos + (size_t)n : len;
}

/* Reads a thread's affinity mask, as wide as the kernel needs. Returns 0, or -errno (-ESRCH: the
 * thread is gone). On success the caller frees *set with CPU_FREE. */
static int read_mask(pid_t tid, cpu_set_t **set, size_t *size)
{
    for (int ncpus = 1024;; ncpus *= 2) {
        *set = CPU_ALLOC(ncpus);
        if (!*set)
            return -ENOMEM;
        *size = CPU_ALLOC_SIZE(ncpus);
        CPU_ZERO_S(*size, *set);
        if (sched_getaffinity(tid, *size, *set) == 0)
            return 0;
        int saved = errno;
        CPU_FREE(*set);
        *set = NULL;
        /* EINVAL: the kernel's mask is wider than ours (more than ncpus possible CPUs). */
        if (saved != EINVAL || ncpus >= (1 << 22))
            return -saved;
    }
}

static hwloc_obj_t pu_by_os(const topology *t, int pu)
{
    if (pu < 0)
        return NULL;
    return hwloc_get_pu_obj_by_os_index(t->hw, (unsigned)pu);
}

static int package_index(const topology *t, hwloc_obj_t obj)
{
    hwloc_obj_t pkg = hwloc_get_ancestor_obj_by_type(t->hw, HWLOC_OBJ_PACKAGE, obj);
    return pkg ? (int)pkg->logical_index : 0; /* no package object: the machine is one package */
}

static void find_cpu_model(topology *t)
{
    const char *model = NULL;
    hwloc_obj_t pkg = hwloc_get_obj_by_type(t->hw, HWLOC_OBJ_PACKAGE, 0);
    if (pkg)
        model = hwloc_obj_get_info_by_name(pkg, "CPUModel");
    if (!model)
        model = hwloc_obj_get_info_by_name(hwloc_get_root_obj(t->hw), "CPUModel");
    snprintf(t->cpu_model, sizeof(t->cpu_model), "%s", model ? model : "");
}

/* The PUs workers may use: on this machine its allowed cpuset (cgroups) narrowed to the affinity
 * concur itself was started with (taskset, a batch scheduler); on a synthetic one, every PU. */
static int find_usable(topology *t)
{
    t->usable = hwloc_bitmap_dup(hwloc_topology_get_topology_cpuset(t->hw));
    if (!t->usable)
        return -1;
    if (!t->bindable)
        return 0;
    hwloc_bitmap_and(t->usable, t->usable, hwloc_topology_get_allowed_cpuset(t->hw));
    hwloc_bitmap_t bound = hwloc_bitmap_alloc();
    if (!bound)
        return -1;
    if (hwloc_get_cpubind(t->hw, bound, HWLOC_CPUBIND_PROCESS) == 0 &&
        hwloc_bitmap_intersects(bound, t->usable))
        hwloc_bitmap_and(t->usable, t->usable, bound);
    hwloc_bitmap_free(bound);
    return 0;
}

/* Orders the usable PUs: the first PU of every core with cores taken from the packages in turn
 * (package 0, 1, 0, 1, ...) so that a few workers already use every package's memory bandwidth,
 * then each core's second PU in that same core order, and so on. */
static int build_order(topology *t)
{
    int npu_all = hwloc_get_nbobjs_by_type(t->hw, HWLOC_OBJ_PU);
    int npkg = hwloc_get_nbobjs_by_type(t->hw, HWLOC_OBJ_PACKAGE);
    if (npkg < 1)
        npkg = 1;
    int rc = -1;
    int *pus = xcalloc((size_t)npu_all, sizeof(int));      /* usable PUs, logical order */
    int *ufirst = xcalloc((size_t)npu_all, sizeof(int));   /* per core: first entry in pus */
    int *ucount = xcalloc((size_t)npu_all, sizeof(int));   /* per core: its usable PUs */
    int *upkg = xcalloc((size_t)npu_all, sizeof(int));
    int *pkg_n = xcalloc((size_t)npkg, sizeof(int));
    int *pkg_first = xcalloc((size_t)npkg, sizeof(int));
    int *by_pkg = xcalloc((size_t)npu_all, sizeof(int));   /* cores grouped by package */
    int *core_order = xcalloc((size_t)npu_all, sizeof(int));
    int npus = 0, nunits = 0, max_per_core = 0;
    hwloc_obj_t last_core = NULL;

    for (int i = 0; i < npu_all; i++) {
        hwloc_obj_t pu = hwloc_get_obj_by_type(t->hw, HWLOC_OBJ_PU, (unsigned)i);
        if (!pu || !hwloc_bitmap_isset(t->usable, pu->os_index))
            continue;
        hwloc_obj_t core = hwloc_get_ancestor_obj_by_type(t->hw, HWLOC_OBJ_CORE, pu);
        /* PUs of one core are adjacent in logical order; a PU without a core is its own unit. */
        if (!core || core != last_core || nunits == 0) {
            ufirst[nunits] = npus;
            upkg[nunits] = package_index(t, pu);
            if (upkg[nunits] >= npkg)
                upkg[nunits] = npkg - 1;
            nunits++;
        }
        last_core = core;
        ucount[nunits - 1]++;
        if (ucount[nunits - 1] > max_per_core)
            max_per_core = ucount[nunits - 1];
        pus[npus++] = (int)pu->os_index;
    }
    if (npus == 0)
        goto cleanup;

    for (int u = 0; u < nunits; u++)
        pkg_n[upkg[u]]++;
    for (int p = 1; p < npkg; p++)
        pkg_first[p] = pkg_first[p - 1] + pkg_n[p - 1];
    {
        int *fill = xcalloc((size_t)npkg, sizeof(int));
        for (int u = 0; u < nunits; u++)
            by_pkg[pkg_first[upkg[u]] + fill[upkg[u]]++] = u;
        free(fill);
    }
    int ncore_order = 0;
    for (int k = 0; ncore_order < nunits; k++) {
        for (int p = 0; p < npkg; p++) {
            if (k < pkg_n[p])
                core_order[ncore_order++] = by_pkg[pkg_first[p] + k];
        }
    }

    t->order = xcalloc((size_t)npus, sizeof(int));
    for (int r = 0; r < max_per_core; r++) {
        for (int c = 0; c < nunits; c++) {
            int u = core_order[c];
            if (r < ucount[u])
                t->order[t->norder++] = pus[ufirst[u] + r];
        }
    }
    t->usable_cores = nunits;
    rc = 0;

cleanup:
    free(pus);
    free(ufirst);
    free(ucount);
    free(upkg);
    free(pkg_n);
    free(pkg_first);
    free(by_pkg);
    free(core_order);
    return rc;
}

/* Loads this machine's topology, or the synthetic one when synthetic != NULL. On error returns
 * NULL and writes a one-line reason into err. */
topology *topology_load(const char *synthetic, char *err, size_t errlen)
{
    topology *t = xcalloc(1, sizeof(*t));
    if (hwloc_topology_init(&t->hw) < 0) {
        set_err(err, errlen, "hwloc cannot start: %s", strerror(errno));
        t->hw = NULL;
        goto failed;
    }
    /* Keep PUs outside our cgroup in the tree: the machine line describes the machine, and
     * the allowed cpuset below says what concur may use of it. */
    hwloc_topology_set_flags(t->hw, HWLOC_TOPOLOGY_FLAG_INCLUDE_DISALLOWED);
    if (synthetic) {
        if (synthetic[0] == '\0' || hwloc_topology_set_synthetic(t->hw, synthetic) < 0) {
            set_err(err, errlen, "invalid synthetic topology \"%s\": hwloc expects %s", synthetic,
                    SYNTHETIC_EXAMPLE);
            goto failed;
        }
        snprintf(t->desc, sizeof(t->desc), "%s", synthetic);
    }
    if (hwloc_topology_load(t->hw) < 0) {
        if (synthetic)
            set_err(err, errlen, "hwloc cannot build synthetic topology \"%s\": %s", synthetic,
                    strerror(errno));
        else
            set_err(err, errlen, "hwloc cannot read this machine's topology: %s", strerror(errno));
        goto failed;
    }
    /* HWLOC_SYNTHETIC or HWLOC_XMLFILE in the environment also give a topology that is not this
     * machine; hwloc then binds nothing and reports success, so remember it. */
    t->bindable = !synthetic && hwloc_topology_is_thissystem(t->hw);
    t->synthetic = !t->bindable;
    if (t->synthetic && !synthetic) {
        hwloc_obj_t root = hwloc_get_root_obj(t->hw);
        const char *d = hwloc_obj_get_info_by_name(root, "SyntheticDescription");
        snprintf(t->desc, sizeof(t->desc), "%s", d ? d : "");
    }
    find_cpu_model(t);
    if (find_usable(t) < 0) {
        set_err(err, errlen, "hwloc: out of memory");
        goto failed;
    }
    if (build_order(t) < 0) {
        set_err(err, errlen, "this process may run on no PU that hwloc knows (allowed: none)");
        goto failed;
    }
    return t;

failed:
    topology_free(t);
    return NULL;
}

void topology_free(topology *t)
{
    if (!t)
        return;
    if (t->usable)
        hwloc_bitmap_free(t->usable);
    if (t->hw)
        hwloc_topology_destroy(t->hw);
    free(t->order);
    free(t);
}

/* Cannot fail. */
void topology_get_info(const topology *t, topology_info *out)
{
    memset(out, 0, sizeof(*out));
    snprintf(out->cpu_model, sizeof(out->cpu_model), "%s", t->cpu_model);
    out->packages = hwloc_get_nbobjs_by_type(t->hw, HWLOC_OBJ_PACKAGE);
    out->numa_nodes = hwloc_get_nbobjs_by_type(t->hw, HWLOC_OBJ_NUMANODE);
    out->cores = hwloc_get_nbobjs_by_type(t->hw, HWLOC_OBJ_CORE);
    out->pus = hwloc_get_nbobjs_by_type(t->hw, HWLOC_OBJ_PU);
    /* hwloc leaves out levels it cannot see; a machine still has one package, one node, and
     * one core per PU at least. */
    if (out->packages < 1)
        out->packages = 1;
    if (out->numa_nodes < 1)
        out->numa_nodes = 1;
    if (out->cores < 1)
        out->cores = out->pus;
    out->synthetic = t->synthetic;
    snprintf(out->synthetic_desc, sizeof(out->synthetic_desc), "%s", t->desc);
    out->allowed_cores = t->usable_cores;
    out->allowed_pus = t->norder;
    /* A guest's NUMA node can show less than the kernel has (memory added after boot), so this
     * machine's memory is the kernel's count; a synthetic machine's is what its description says. */
    hwloc_obj_t root = hwloc_get_root_obj(t->hw);
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    if (!t->synthetic && pages > 0 && page > 0)
        out->memory_bytes = (double)pages * (double)page;
    else
        out->memory_bytes = root ? (double)root->total_memory : 0.0;
    out->capacity_start = out->capacity_end = NAN;
}

/* ---- capacity --------------------------------------------------------------------------------- */

/* The spin: a dependent integer recurrence the compiler cannot shorten. About 10 ms on a current
 * core. */
#define CAPACITY_SPIN_ITERS 4000000UL

/* The threads start spinning only once all of them exist (go > 0), or leave (go < 0). */
typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    int go;
} capacity_gate;

/* Waits until the gate opens: > 0 go, < 0 the threads are to leave without working. */
static int gate_wait(capacity_gate *g)
{
    pthread_mutex_lock(&g->lock);
    while (g->go == 0)
        pthread_cond_wait(&g->changed, &g->lock);
    int go = g->go;
    pthread_mutex_unlock(&g->lock);
    return go;
}

/* Opens the gate: go (1) where every thread was started, else leave (-1). */
static void gate_open(capacity_gate *g, bool all_started)
{
    pthread_mutex_lock(&g->lock);
    g->go = all_started ? 1 : -1;
    pthread_cond_broadcast(&g->changed);
    pthread_mutex_unlock(&g->lock);
}

typedef struct {
    const topology *t;
    int pu;
    int index;
    capacity_gate *gate;
    pthread_barrier_t *start, *done;
    double seconds[2 * TOPOLOGY_CAPACITY_ROUNDS]; /* per round: alone (index 0 only), together */
    bool bound;
    volatile uint64_t sink;
} capacity_worker;

static double spin_once(capacity_worker *w)
{
    double t0 = util_now();
    uint64_t x = (uint64_t)w->index + 1;
    for (unsigned long i = 0; i < CAPACITY_SPIN_ITERS; i++)
        x = x * 6364136223846793005ULL + 1442695040888963407ULL + (x >> 29);
    w->sink = x;
    return util_now() - t0;
}

/* Eight independent chains of multiplies, shifts and xors, about 0.7 ms a pass, three passes on
 * the calling thread: the median is the host's pace now. Cheap enough before and after every run.
 * The chains keep the core's execution units busy, as an interpreter does, so that a spell of
 * other work on the same physical core slows it as it slows the job: on the 2-core development guest, a Python loop's time moved by 20 % (sd
 * of its log) from one 0.1 s run to the next, and this probe followed it (correlation 0.90)
 * where the capacity spin's single chain, bound by its latency, did not (0.42). */
#define SPEED_PROBE_ITERS 400000UL
#define SPEED_PROBE_PASSES 3
/* The most PUs of a run's placement the probe times at once (the first of its plan). */
#define SPEED_PROBE_MAX_PUS 64

static volatile uint64_t speed_probe_sink;

/* One pass of the probe's chains: its seconds. */
static double speed_probe_pass(uint64_t seed)
{
    double t0 = util_now();
    uint64_t a = seed, b = 2, c = 3, d = 4, e = 5, f = 6, g = 7, h = 8;
    for (unsigned long i = 0; i < SPEED_PROBE_ITERS; i++) {
        a = a * 3 + b;
        b ^= a >> 7;
        c = c * 5 + d;
        d ^= c >> 9;
        e = e * 7 + f;
        f ^= e >> 11;
        g = g * 9 + h;
        h ^= g >> 13;
    }
    speed_probe_sink = a + b + c + d + e + f + g + h;
    return util_now() - t0;
}

double topology_speed_probe(void)
{
    double t[SPEED_PROBE_PASSES];
    for (int pass = 0; pass < SPEED_PROBE_PASSES; pass++)
        t[pass] = speed_probe_pass((uint64_t)pass + 1);
    return stats_median(t, SPEED_PROBE_PASSES);
}

/* One of the threads of topology_speed_probe_on, bound to its PU; they start each pass together. */
typedef struct {
    const topology *t;
    int pu;
    capacity_gate *gate;
    pthread_barrier_t *pass;
    double pace; /* the median of its passes; NAN where it could not be bound */
} pace_probe;

static void pace_probe_passes(pace_probe *p)
{
    char err[160];
    bool bound = topology_bind(p->t, (pid_t)syscall(SYS_gettid), true, p->pu, err,
                               sizeof(err)) == 0;
    double t[SPEED_PROBE_PASSES];
    for (int pass = 0; pass < SPEED_PROBE_PASSES; pass++) {
        pthread_barrier_wait(p->pass);
        t[pass] = speed_probe_pass((uint64_t)pass + 1);
    }
    p->pace = bound ? stats_median(t, SPEED_PROBE_PASSES) : NAN;
}

static void *pace_probe_thread(void *arg)
{
    pace_probe *p = arg;
    if (gate_wait(p->gate) > 0)
        pace_probe_passes(p);
    return NULL;
}

double topology_speed_probe_on(const topology *t, int workers)
{
    int n = workers < 1 ? 1 : workers;
    if (n > t->norder)
        n = t->norder;
    if (n > SPEED_PROBE_MAX_PUS)
        n = SPEED_PROBE_MAX_PUS;
    topology_slot *slots = n > 0 ? calloc((size_t)n, sizeof(*slots)) : NULL;
    pace_probe *probes = n > 0 ? calloc((size_t)n, sizeof(*probes)) : NULL;
    pthread_t *tid = n > 0 ? calloc((size_t)n, sizeof(*tid)) : NULL;
    cpu_set_t *was = NULL;
    size_t size = 0;
    pid_t self = (pid_t)syscall(SYS_gettid);
    double pace = NAN;
    if (!t->bindable || !slots || !probes || !tid || topology_place(t, n, slots) < 0 ||
        read_mask(self, &was, &size) < 0)
        goto out;
    capacity_gate gate = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0};
    pthread_barrier_t pass;
    pthread_barrier_init(&pass, NULL, (unsigned)n);
    int started = 1; /* probes[0] is this thread */
    for (int i = 0; i < n; i++)
        probes[i] = (pace_probe){.t = t, .pu = slots[i].pu, .gate = &gate, .pass = &pass,
                                 .pace = NAN};
    while (started < n && pthread_create(&tid[started], NULL, pace_probe_thread,
                                         &probes[started]) == 0)
        started++;
    gate_open(&gate, started == n);
    if (started == n)
        pace_probe_passes(&probes[0]);
    for (int i = 1; i < started; i++)
        pthread_join(tid[i], NULL);
    pthread_barrier_destroy(&pass);
    sched_setaffinity(self, size, was);
    double logs = 0.0;
    int probed = 0;
    for (int i = 0; started == n && i < n; i++)
        if (probes[i].pace > 0 && isfinite(probes[i].pace)) {
            logs += log(probes[i].pace);
            probed++;
        }
    if (probed > 0)
        pace = exp(logs / probed);
out:
    if (was)
        CPU_FREE(was);
    free(slots);
    free(probes);
    free(tid);
    return isfinite(pace) ? pace : topology_speed_probe(); /* where it runs: better than none */
}

static void *capacity_thread(void *arg)
{
    capacity_worker *w = arg;
    if (gate_wait(w->gate) < 0)
        return NULL;
    char err[128];
    w->bound = topology_bind(w->t, (pid_t)syscall(SYS_gettid), true, w->pu, err,
                             sizeof(err)) == 0;
    for (int r = 0; r < TOPOLOGY_CAPACITY_ROUNDS; r++) {
        pthread_barrier_wait(w->start);
        if (w->index == 0)
            w->seconds[2 * r] = spin_once(w); /* alone: the others wait at the barrier */
        pthread_barrier_wait(w->done);
        pthread_barrier_wait(w->start);
        w->seconds[2 * r + 1] = spin_once(w); /* together */
        pthread_barrier_wait(w->done);
    }
    return NULL;
}

double topology_measure_capacity(const topology *t, char *err, size_t errlen)
{
    if (t->synthetic || !t->bindable) {
        snprintf(err, errlen, "the topology is not this machine's: nothing to measure");
        return NAN;
    }
    int n = t->usable_cores;
    if (n < 2) {
        snprintf(err, errlen, "one core: nothing runs at once");
        return NAN;
    }
    topology_slot *slots = calloc((size_t)n, sizeof(*slots));
    capacity_worker *w = calloc((size_t)n, sizeof(*w));
    pthread_t *tid = calloc((size_t)n, sizeof(*tid));
    pthread_barrier_t start, done;
    capacity_gate gate = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0};
    double capacity = NAN;
    if (!slots || !w || !tid || topology_place(t, n, slots) < 0) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    pthread_barrier_init(&start, NULL, (unsigned)n);
    pthread_barrier_init(&done, NULL, (unsigned)n);
    int started = 0;
    for (int i = 0; i < n; i++) {
        w[i] = (capacity_worker){.t = t, .pu = slots[i].pu, .index = i, .gate = &gate,
                                 .start = &start, .done = &done};
        if (pthread_create(&tid[i], NULL, capacity_thread, &w[i]) != 0)
            break;
        started++;
    }
    /* The barriers wait for all n: with fewer started, those that did must not reach them. */
    gate_open(&gate, started == n);
    for (int i = 0; i < started; i++)
        pthread_join(tid[i], NULL);
    if (started < n) {
        snprintf(err, errlen, "cannot start %d threads", n);
    } else {
        bool bound = true;
        for (int i = 0; i < n; i++)
            bound = bound && w[i].bound;
        if (!bound) {
            snprintf(err, errlen, "cannot bind a thread to each core");
        } else {
            /* Alone: the fastest round, the one least disturbed by anything else on that core
             * (a slow one would make every thread together look faster than the core). Each
             * round together: the sum over the threads of alone / together. */
            double alone = w[0].seconds[0];
            for (int r = 1; r < TOPOLOGY_CAPACITY_ROUNDS; r++)
                alone = fmin(alone, w[0].seconds[2 * r]);
            double c[TOPOLOGY_CAPACITY_ROUNDS];
            for (int r = 0; r < TOPOLOGY_CAPACITY_ROUNDS; r++) {
                c[r] = 0.0;
                for (int i = 0; i < n; i++)
                    c[r] += alone / w[i].seconds[2 * r + 1];
            }
            capacity = stats_median(c, TOPOLOGY_CAPACITY_ROUNDS);
        }
    }
    pthread_barrier_destroy(&start);
    pthread_barrier_destroy(&done);
out:
    free(slots);
    free(w);
    free(tid);
    return capacity;
}

/* Returns 0, or -1 when workers < 1 (out unchanged). */
int topology_place(const topology *t, int workers, topology_slot *out)
{
    if (workers < 1 || t->norder < 1)
        return -1;
    int n = t->norder;
    for (int w = 0; w < workers; w++) {
        int i = w % n;
        hwloc_obj_t pu = pu_by_os(t, t->order[i]);
        hwloc_obj_t core = hwloc_get_ancestor_obj_by_type(t->hw, HWLOC_OBJ_CORE, pu);
        out[w].worker = w;
        out[w].pu = t->order[i];
        out[w].core = core ? (int)core->logical_index : -1;
        out[w].package = package_index(t, pu);
        /* PU i serves workers i, i+n, i+2n, ...: shared when there is at least a second one. */
        out[w].shared = i + n < workers;
    }
    return 0;
}

int topology_place_share(const topology *t, int workers, int worker, int *pus, int max)
{
    if (workers < 1 || worker < 0 || worker >= workers || max < 1 || t->norder < 1)
        return -1;
    int n = 0;
    if (workers < t->norder) {
        hwloc_bitmap_t *sets = xcalloc((size_t)workers, sizeof(*sets));
        for (int i = 0; i < workers; i++)
            sets[i] = hwloc_bitmap_alloc();
        hwloc_obj_t root = hwloc_get_root_obj(t->hw);
        if (hwloc_distrib(t->hw, &root, 1, sets, (unsigned)workers, INT_MAX, 0) == 0) {
            hwloc_bitmap_and(sets[worker], sets[worker], t->usable);
            int id;
            hwloc_bitmap_foreach_begin(id, sets[worker])
            {
                if (n < max)
                    pus[n++] = id;
            }
            hwloc_bitmap_foreach_end();
        }
        for (int i = 0; i < workers; i++)
            hwloc_bitmap_free(sets[i]);
        free(sets);
    }
    if (n == 0) { /* more workers than PUs, or a share outside the usable PUs: one PU */
        topology_slot *slot = xcalloc((size_t)workers, sizeof(*slot));
        if (topology_place(t, workers, slot) == 0)
            pus[n++] = slot[worker].pu;
        free(slot);
    }
    return n;
}

static bool thread_gone(pid_t id)
{
    cpu_set_t *set = NULL;
    size_t size = 0;
    int rc = read_mask(id, &set, &size);
    if (rc == 0)
        CPU_FREE(set);
    return rc == -ESRCH;
}

static int bind_cpuset(const topology *t, pid_t id, bool thread, hwloc_const_bitmap_t set)
{
    int flags = thread ? HWLOC_CPUBIND_THREAD : 0; /* 0: every thread of the process */
    if (hwloc_set_proc_cpubind(t->hw, id, set, flags | HWLOC_CPUBIND_STRICT) == 0)
        return 0;
    /* STRICT is a request some systems cannot honour; without it the binding still holds. */
    if (errno != ENOSYS && errno != EXDEV)
        return -1;
    return hwloc_set_proc_cpubind(t->hw, id, set, flags);
}

static int bind_pus(const topology *t, pid_t id, bool thread, const int *pus, int npus, char *err,
                    size_t errlen)
{
    const char *what = thread ? "thread" : "process";
    if (!t->bindable) {
        set_err(err, errlen,
                "cannot bind %s %d: the topology \"%s\" is synthetic, not this machine", what,
                (int)id, t->desc[0] ? t->desc : "from HWLOC_XMLFILE or HWLOC_SYNTHETIC");
        return -1;
    }
    if (npus < 1) {
        set_err(err, errlen, "cannot bind %s %d: no PU given", what, (int)id);
        return -1;
    }
    int rc = -1;
    hwloc_bitmap_t set = hwloc_bitmap_alloc();
    if (!set) {
        set_err(err, errlen, "cannot bind %s %d: out of memory", what, (int)id);
        return -1;
    }
    for (int i = 0; i < npus; i++) {
        if (!pu_by_os(t, pus[i])) {
            set_err(err, errlen, "cannot bind %s %d: PU %d is not on this machine", what, (int)id,
                    pus[i]);
            goto cleanup;
        }
        hwloc_bitmap_set(set, (unsigned)pus[i]);
    }
    if (bind_cpuset(t, id, thread, set) < 0) {
        int saved = errno;
        char list[256];
        hwloc_bitmap_list_snprintf(list, sizeof(list), set);
        /* hwloc reports a process that is gone as EINVAL (no /proc/<pid>/task) */
        if (saved == ESRCH || thread_gone(id))
            set_err(err, errlen, "cannot bind %s %d to PU %s: it has exited", what, (int)id, list);
        else
            set_err(err, errlen, "cannot bind %s %d to PU %s: %s", what, (int)id, list,
                    strerror(saved));
        goto cleanup;
    }
    rc = 0;

cleanup:
    hwloc_bitmap_free(set);
    return rc;
}

/* Returns 0, or -1 with a reason in err (always on a topology that is not this machine). */
int topology_bind(const topology *t, pid_t id, bool thread, int pu, char *err, size_t errlen)
{
    return bind_pus(t, id, thread, &pu, 1, err, errlen);
}

int topology_bind_pus(const topology *t, pid_t id, bool thread, const int *pus, int npus,
                      char *err, size_t errlen)
{
    return bind_pus(t, id, thread, pus, npus, err, errlen);
}

/* Returns 0 or -1 with a reason in err (always on a topology that is not this machine). */
int topology_bind_set(const topology *t, pid_t pid, const int *pus, int npus, char *err,
                      size_t errlen)
{
    return bind_pus(t, pid, false, pus, npus, err, errlen);
}

/* Returns the number of CPUs, or -1 when the thread is gone or its affinity cannot be read (buf
 * then holds ""). */
int topology_read_affinity(pid_t tid, char *buf, size_t len)
{
    cpu_set_t *set = NULL;
    size_t size = 0;
    if (len > 0)
        buf[0] = '\0';
    if (read_mask(tid, &set, &size) < 0)
        return -1;
    int count = 0;
    size_t pos = 0;
    int ncpus_in_set = (int)(size * 8);
    for (int i = 0; i < ncpus_in_set; i++) {
        if (!CPU_ISSET_S((size_t)i, size, set))
            continue;
        int j = i;
        while (j + 1 < ncpus_in_set && CPU_ISSET_S((size_t)(j + 1), size, set))
            j++;
        const char *sep = count ? "," : "";
        if (j == i)
            append(buf, len, &pos, "%s%d", sep, i);
        else
            append(buf, len, &pos, "%s%d-%d", sep, i, j);
        count += j - i + 1;
        i = j;
    }
    CPU_FREE(set);
    return count;
}

/* Returns the core's logical index, or -1 for an unknown PU or one hwloc puts in no core. */
int topology_core_of_pu(const topology *t, int pu)
{
    hwloc_obj_t obj = pu_by_os(t, pu);
    if (!obj)
        return -1;
    hwloc_obj_t core = hwloc_get_ancestor_obj_by_type(t->hw, HWLOC_OBJ_CORE, obj);
    return core ? (int)core->logical_index : -1;
}

/* Returns the package's logical index (0 where hwloc shows no package), or -1 for an unknown PU. */
int topology_package_of_pu(const topology *t, int pu)
{
    hwloc_obj_t obj = pu_by_os(t, pu);
    return obj ? package_index(t, obj) : -1;
}

/* --- describe: text and JSON -------------------------------------------------------------- */

/* The objects that play the part of packages in the tree: the packages, or the whole machine. */
static int tree_roots(const topology *t)
{
    int n = hwloc_get_nbobjs_by_type(t->hw, HWLOC_OBJ_PACKAGE);
    return n > 0 ? n : 1;
}

static hwloc_obj_t tree_root(const topology *t, int i)
{
    if (hwloc_get_nbobjs_by_type(t->hw, HWLOC_OBJ_PACKAGE) > 0)
        return hwloc_get_obj_by_type(t->hw, HWLOC_OBJ_PACKAGE, (unsigned)i);
    return hwloc_get_root_obj(t->hw);
}

static int cores_inside(const topology *t, hwloc_obj_t root, hwloc_obj_t *first)
{
    int n = hwloc_get_nbobjs_inside_cpuset_by_type(t->hw, root->cpuset, HWLOC_OBJ_CORE);
    *first = n > 0 ? hwloc_get_obj_inside_cpuset_by_type(t->hw, root->cpuset, HWLOC_OBJ_CORE, 0)
                   : NULL;
    return n;
}

/* PU OS indexes of a core, in logical order. Returns how many (at most max). */
static int core_pus(const topology *t, hwloc_obj_t core, int *out, int max)
{
    int n = 0;
    hwloc_obj_t pu = NULL;
    while ((pu = hwloc_get_next_obj_inside_cpuset_by_type(t->hw, core->cpuset, HWLOC_OBJ_PU, pu)))
        if (n < max)
            out[n++] = (int)pu->os_index;
    return n;
}

static int pus_per_core_max(const topology *t)
{
    int max = 1;
    hwloc_obj_t core = NULL;
    while ((core = hwloc_get_next_obj_by_type(t->hw, HWLOC_OBJ_CORE, core))) {
        int n = hwloc_get_nbobjs_inside_cpuset_by_type(t->hw, core->cpuset, HWLOC_OBJ_PU);
        if (n > max)
            max = n;
    }
    return max;
}

/* Of the cores from `first` (count left in this package), how many share its PU count and NUMA
 * node: they print as one line. */
static int run_length(const topology *t, hwloc_obj_t first, int left)
{
    int npu = hwloc_get_nbobjs_inside_cpuset_by_type(t->hw, first->cpuset, HWLOC_OBJ_PU);
    int n = 1;
    hwloc_obj_t c = first;
    while (n < left && (c = hwloc_get_next_obj_by_type(t->hw, HWLOC_OBJ_CORE, c))) {
        if (hwloc_get_nbobjs_inside_cpuset_by_type(t->hw, c->cpuset, HWLOC_OBJ_PU) != npu ||
            !hwloc_bitmap_isequal(c->nodeset, first->nodeset))
            break;
        n++;
    }
    return n;
}

/* True when every core's PUs are the previous core's plus a fixed step, column by column: a
 * folded listing then hides nothing. */
static bool run_regular(const int *pus, int ncores, int k)
{
    if (ncores < 3)
        return true;
    for (int i = 2; i < ncores; i++)
        for (int j = 0; j < k; j++)
            if (pus[i * k + j] - pus[(i - 1) * k + j] != pus[k + j] - pus[j])
                return false;
    return true;
}

static const char *tuple_name(int k)
{
    switch (k) {
    case 1: return "PU";
    case 2: return "PU pairs";
    case 3: return "PU triples";
    default: return "PU groups";
    }
}

/* Writes " (a,b)" and returns how many characters that took. */
static int print_tuple(FILE *out, const int *pus, int k, bool dry_run)
{
    char buf[256];
    size_t pos = 0;
    append(buf, sizeof(buf), &pos, " (");
    for (int j = 0; j < k; j++)
        append(buf, sizeof(buf), &pos, j ? ",%d" : "%d", pus[j]);
    append(buf, sizeof(buf), &pos, ")");
    if (!dry_run)
        fputs(buf, out);
    return (int)pos;
}

/* One line (or a few, wrapped) for a run of cores of one shape. */
static void describe_run(const topology *t, hwloc_obj_t first, int ncores, bool show_numa,
                         FILE *out)
{
    int k = hwloc_get_nbobjs_inside_cpuset_by_type(t->hw, first->cpuset, HWLOC_OBJ_PU);
    int *pus = xcalloc((size_t)ncores * (size_t)(k > 0 ? k : 1), sizeof(int));
    hwloc_bitmap_t all = hwloc_bitmap_alloc();
    hwloc_obj_t c = first;
    for (int i = 0; i < ncores && c;
         i++, c = hwloc_get_next_obj_by_type(t->hw, HWLOC_OBJ_CORE, c)) {
        core_pus(t, c, pus + i * k, k);
        if (all)
            hwloc_bitmap_or(all, all, c->cpuset);
    }

    char label[96];
    size_t pos = 0;
    append(label, sizeof(label), &pos, "  ");
    if (show_numa && !hwloc_bitmap_iszero(first->nodeset))
        append(label, sizeof(label), &pos, "NUMA node %d, ", hwloc_bitmap_first(first->nodeset));
    if (ncores == 1)
        append(label, sizeof(label), &pos, "core %u: ", first->logical_index);
    else
        append(label, sizeof(label), &pos, "core %u-%u: ", first->logical_index,
               first->logical_index + (unsigned)ncores - 1);
    fputs(label, out);

    if (k <= 1) {
        char *list = NULL;
        if (all && hwloc_bitmap_list_asprintf(&list, all) >= 0)
            fprintf(out, "PUs %s (one per core)\n", list);
        else
            fputs("PUs ? (one per core)\n", out);
        free(list);
    } else {
        int indent = (int)strlen(label) + (int)strlen(tuple_name(k));
        int col = indent;
        bool fold = ncores > FOLD_ABOVE && run_regular(pus, ncores, k);
        fputs(tuple_name(k), out);
        for (int i = 0; i < ncores; i++) {
            if (fold && i == FOLD_HEAD) {
                fputs(" ...", out);
                i = ncores - FOLD_TAIL;
            }
            int w = print_tuple(out, pus + i * k, k, true);
            if (!fold && col > indent && col + w > LINE_WIDTH) {
                fprintf(out, "\n%*s", indent, "");
                col = indent;
            }
            col += print_tuple(out, pus + i * k, k, false);
        }
        fputc('\n', out);
    }
    if (all)
        hwloc_bitmap_free(all);
    free(pus);
}

static void describe_package(const topology *t, int index, FILE *out)
{
    hwloc_obj_t root = tree_root(t, index);
    hwloc_obj_t first = NULL;
    int ncores = cores_inside(t, root, &first);
    char *pus = NULL, *nodes = NULL;
    if (hwloc_bitmap_list_asprintf(&pus, root->cpuset) < 0)
        pus = NULL;
    int nnodes = hwloc_bitmap_weight(root->nodeset);
    if (nnodes > 0 && hwloc_bitmap_list_asprintf(&nodes, root->nodeset) < 0)
        nodes = NULL;

    fprintf(out, "package %d: ", index);
    if (nnodes > 0 && nodes)
        fprintf(out, "NUMA node%s %s, ", nnodes > 1 ? "s" : "", nodes);
    if (ncores == 1)
        fprintf(out, "core %u, ", first->logical_index);
    else if (ncores > 1)
        fprintf(out, "cores %u-%u, ", first->logical_index,
                first->logical_index + (unsigned)ncores - 1);
    fprintf(out, "PUs %s\n", pus ? pus : "?");

    hwloc_obj_t c = first;
    for (int done = 0; done < ncores && c;) {
        int n = run_length(t, c, ncores - done);
        describe_run(t, c, n, nnodes > 1, out);
        done += n;
        for (int i = 0; i < n && c; i++)
            c = hwloc_get_next_obj_by_type(t->hw, HWLOC_OBJ_CORE, c);
    }

    /* PUs that hwloc puts under no core (some platforms report no cores at all). */
    hwloc_bitmap_t loose = hwloc_bitmap_dup(root->cpuset);
    if (loose) {
        hwloc_obj_t core = NULL;
        while ((core = hwloc_get_next_obj_inside_cpuset_by_type(t->hw, root->cpuset,
                                                                HWLOC_OBJ_CORE, core)))
            hwloc_bitmap_andnot(loose, loose, core->cpuset);
        char *list = NULL;
        if (!hwloc_bitmap_iszero(loose) && hwloc_bitmap_list_asprintf(&list, loose) >= 0)
            fprintf(out, "  PUs %s (in no core hwloc reports)\n", list);
        free(list);
        hwloc_bitmap_free(loose);
    }
    free(pus);
    free(nodes);
}

static int describe_count(const topology *t, int max_workers)
{
    if (max_workers < 1)
        max_workers = t->norder;
    return max_workers > DESCRIBE_MAX_WORKERS ? DESCRIBE_MAX_WORKERS : max_workers;
}

static bool is_count_mark(int n, int max)
{
    return n == max || (n & (n - 1)) == 0;
}

static int digits(int v)
{
    int d = 1;
    while (v >= 10) {
        v /= 10;
        d++;
    }
    return d;
}

/* Cannot fail; write errors are left on out for the caller. */
void topology_describe(const topology *t, int max_workers, FILE *out)
{
    topology_info info;
    topology_get_info(t, &info);

    fputs("machine: ", out);
    if (t->synthetic && t->desc[0])
        fprintf(out, "synthetic \"%s\" (not this machine)", t->desc);
    else if (t->synthetic)
        fputs("loaded from HWLOC_XMLFILE or HWLOC_SYNTHETIC (not this machine)", out);
    else
        fputs(t->cpu_model[0] ? t->cpu_model : "unknown CPU model", out);
    int per_core = pus_per_core_max(t);
    fprintf(out, " - %d package%s, %d NUMA node%s, %d core%s, %d PU%s", info.packages,
            info.packages == 1 ? "" : "s", info.numa_nodes, info.numa_nodes == 1 ? "" : "s",
            info.cores, info.cores == 1 ? "" : "s", info.pus, info.pus == 1 ? "" : "s");
    if (info.pus == info.cores * per_core)
        fprintf(out, " (%d per core)\n", per_core);
    else
        fprintf(out, " (up to %d per core)\n", per_core);

    for (int p = 0; p < tree_roots(t); p++)
        describe_package(t, p, out);

    if (info.allowed_pus < info.pus) {
        char *list = NULL;
        if (hwloc_bitmap_list_asprintf(&list, t->usable) < 0)
            list = NULL;
        fprintf(out, "this process may use only PU%s %s: %d of %d PUs, on %d of %d cores\n",
                info.allowed_pus == 1 ? "" : "s", list ? list : "?", info.allowed_pus, info.pus,
                info.allowed_cores, info.cores);
        free(list);
    }

    int n = describe_count(t, max_workers);
    topology_slot *slots = xcalloc((size_t)(n > 0 ? n : 1), sizeof(*slots));
    if (n > 0 && topology_place(t, n, slots) == 0) {
        int wd = digits(n - 1), pd = 1, cd = 1;
        for (int w = 0; w < n; w++) {
            if (digits(slots[w].pu) > pd)
                pd = digits(slots[w].pu);
            if (digits(slots[w].core < 0 ? 0 : slots[w].core) > cd)
                cd = digits(slots[w].core < 0 ? 0 : slots[w].core);
        }
        fprintf(out, "placement (a run with N workers uses workers 0 to N-1):\n");
        for (int w = 0; w < n; w++) {
            if (slots[w].core >= 0)
                fprintf(out, "  worker %*d -> PU %*d (core %*d, package %d)", wd, w, pd,
                        slots[w].pu, cd, slots[w].core, slots[w].package);
            else
                fprintf(out, "  worker %*d -> PU %*d (no core, package %d)", wd, w, pd,
                        slots[w].pu, slots[w].package);
            if (w >= t->norder)
                fprintf(out, "  shares its PU with worker %d", w % t->norder);
            if (is_count_mark(w + 1, n))
                fprintf(out, "  <- %d worker%s", w + 1, w ? "s" : "");
            fputc('\n', out);
        }
    }
    free(slots);
}

static cJSON *int_array(const int *v, int n)
{
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; a && i < n; i++) {
        cJSON *x = cJSON_CreateNumber(v[i]);
        if (!x || !cJSON_AddItemToArray(a, x)) {
            cJSON_Delete(x);
            cJSON_Delete(a);
            return NULL;
        }
    }
    return a;
}

/* Adds item to obj under key, or frees it. Returns false when either is missing. */
static bool add_item(cJSON *obj, const char *key, cJSON *item)
{
    if (!item)
        return false;
    if (!cJSON_AddItemToObject(obj, key, item)) {
        cJSON_Delete(item);
        return false;
    }
    return true;
}

static bool add_list(cJSON *obj, const char *key, hwloc_const_bitmap_t set)
{
    int n = hwloc_bitmap_weight(set), i = 0;
    int *v = xcalloc((size_t)(n > 0 ? n : 1), sizeof(int));
    unsigned id;
    hwloc_bitmap_foreach_begin(id, set)
        if (i < n)
            v[i++] = (int)id;
    hwloc_bitmap_foreach_end();
    bool ok = add_item(obj, key, int_array(v, i));
    free(v);
    return ok;
}

static cJSON *json_machine(const topology *t)
{
    topology_info info;
    topology_get_info(t, &info);
    cJSON *m = cJSON_CreateObject();
    if (!m)
        return NULL;
    bool ok = cJSON_AddStringToObject(m, "cpu_model", info.cpu_model) &&
              cJSON_AddNumberToObject(m, "packages", info.packages) &&
              cJSON_AddNumberToObject(m, "numa_nodes", info.numa_nodes) &&
              cJSON_AddNumberToObject(m, "cores", info.cores) &&
              cJSON_AddNumberToObject(m, "pus", info.pus) &&
              cJSON_AddBoolToObject(m, "synthetic", info.synthetic) &&
              (!info.synthetic ||
               cJSON_AddStringToObject(m, "synthetic_desc", info.synthetic_desc)) &&
              cJSON_AddNumberToObject(m, "allowed_cores", info.allowed_cores) &&
              cJSON_AddNumberToObject(m, "allowed_pus", info.allowed_pus) &&
              add_list(m, "allowed_pu_list", t->usable);
    if (!ok) {
        cJSON_Delete(m);
        return NULL;
    }
    return m;
}

static cJSON *json_package(const topology *t, int index)
{
    hwloc_obj_t root = tree_root(t, index);
    cJSON *p = cJSON_CreateObject();
    cJSON *cores = cJSON_CreateArray();
    int max = pus_per_core_max(t);
    int *pus = xcalloc((size_t)max, sizeof(int));
    bool ok = p && cores && cJSON_AddNumberToObject(p, "package", index) &&
              add_list(p, "numa_nodes", root->nodeset) && add_list(p, "pus", root->cpuset);
    hwloc_obj_t core = NULL;
    while (ok && (core = hwloc_get_next_obj_inside_cpuset_by_type(t->hw, root->cpuset,
                                                                   HWLOC_OBJ_CORE, core))) {
        cJSON *c = cJSON_CreateObject();
        int n = core_pus(t, core, pus, max);
        ok = c && cJSON_AddItemToArray(cores, c);
        if (!ok) {
            cJSON_Delete(c);
            break;
        }
        int node = hwloc_bitmap_iszero(core->nodeset) ? -1 : hwloc_bitmap_first(core->nodeset);
        ok = cJSON_AddNumberToObject(c, "core", core->logical_index) &&
             cJSON_AddNumberToObject(c, "numa_node", node) &&
             add_item(c, "pus", int_array(pus, n));
    }
    free(pus);
    if (ok && add_item(p, "cores", cores))
        return p;
    if (!ok)
        cJSON_Delete(cores);
    cJSON_Delete(p);
    return NULL;
}

static cJSON *json_slots(const topology *t, int workers)
{
    topology_slot *slots = xcalloc((size_t)workers, sizeof(*slots));
    cJSON *a = cJSON_CreateArray();
    bool ok = a && topology_place(t, workers, slots) == 0;
    for (int w = 0; ok && w < workers; w++) {
        cJSON *s = cJSON_CreateObject();
        ok = s && cJSON_AddItemToArray(a, s);
        if (!ok) {
            cJSON_Delete(s);
            break;
        }
        ok = cJSON_AddNumberToObject(s, "worker", slots[w].worker) &&
             cJSON_AddNumberToObject(s, "pu", slots[w].pu) &&
             cJSON_AddNumberToObject(s, "core", slots[w].core) &&
             cJSON_AddNumberToObject(s, "package", slots[w].package) &&
             cJSON_AddBoolToObject(s, "shared", slots[w].shared);
    }
    free(slots);
    if (!ok) {
        cJSON_Delete(a);
        return NULL;
    }
    return a;
}

/* Returns 0 and a string the caller frees with free(), or -1 with *json_out NULL. */
int topology_describe_json(const topology *t, int max_workers, char **json_out)
{
    *json_out = NULL;
    int rc = -1;
    cJSON *root = cJSON_CreateObject();
    cJSON *pkgs = cJSON_CreateArray();
    cJSON *place = cJSON_CreateArray();
    if (!root || !pkgs || !place)
        goto cleanup;
    for (int p = 0; p < tree_roots(t); p++) {
        cJSON *pkg = json_package(t, p);
        if (!pkg || !cJSON_AddItemToArray(pkgs, pkg)) {
            cJSON_Delete(pkg);
            goto cleanup;
        }
    }
    int n = describe_count(t, max_workers);
    for (int w = 1; w <= n; w = (w == n || w * 2 <= n) ? w * 2 : n) {
        cJSON *entry = cJSON_CreateObject();
        if (!entry || !cJSON_AddItemToArray(place, entry)) {
            cJSON_Delete(entry);
            goto cleanup;
        }
        if (!cJSON_AddNumberToObject(entry, "workers", w) ||
            !add_item(entry, "slots", json_slots(t, w)))
            goto cleanup;
    }
    if (!add_item(root, "machine", json_machine(t)) ||
        !cJSON_AddItemToObject(root, "packages", pkgs))
        goto cleanup;
    pkgs = NULL; /* owned by root from here */
    if (!cJSON_AddItemToObject(root, "placement", place))
        goto cleanup;
    place = NULL;
    *json_out = cJSON_Print(root);
    rc = *json_out ? 0 : -1;

cleanup:
    cJSON_Delete(place);
    cJSON_Delete(pkgs);
    cJSON_Delete(root);
    return rc;
}
