/* check_topology.c - placement on synthetic machines; real binding read back from the kernel. */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "check_concur.h"
#include "concur/topology.h"

#define NCASES(table) ((int)(sizeof(table) / sizeof((table)[0])))

/* Real-looking numbering: Linux often gives a core's SMT siblings OS indexes n and n + cores. */
#define SIBLINGS_APART "pack:2 core:2 pu:2(indexes=0,4,1,5,2,6,3,7)"

static pid_t self_tid(void)
{
    return (pid_t)syscall(SYS_gettid);
}

/* Parses "0,8,2" into out; returns how many. */
static int parse_list(const char *s, int *out, int max)
{
    int n = 0;
    char *end;
    while (*s && n < max) {
        out[n++] = (int)strtol(s, &end, 10);
        s = (*end == ',') ? end + 1 : end;
    }
    return n;
}

static topology *load_ok(const char *desc)
{
    char err[512] = "";
    topology *t = topology_load(desc, err, sizeof(err));
    ck_assert_msg(t != NULL, "topology_load(%s): %s", desc ? desc : "this machine", err);
    return t;
}

/* --- information --------------------------------------------------------------------------- */

static const struct {
    const char *desc;
    int packages, numa_nodes, cores, pus;
} info_cases[] = {
    {"pack:2 core:4 pu:2", 2, 1, 8, 16},
    {"core:2 pu:1", 1, 1, 2, 2}, /* no package level: still one package */
    {"pack:1 core:4 pu:1", 1, 1, 4, 4},
    {"pack:2 numa:2 core:8 pu:2", 2, 4, 32, 64},
    {"pack:2 numa:2 core:16 pu:2", 2, 4, 64, 128},
    {SIBLINGS_APART, 2, 1, 4, 8},
};

START_TEST(test_info_synthetic)
{
    topology *t = load_ok(info_cases[_i].desc);
    topology_info info;
    memset(&info, 0x55, sizeof(info));
    topology_get_info(t, &info);
    ck_assert_int_eq(info.packages, info_cases[_i].packages);
    ck_assert_int_eq(info.numa_nodes, info_cases[_i].numa_nodes);
    ck_assert_int_eq(info.cores, info_cases[_i].cores);
    ck_assert_int_eq(info.pus, info_cases[_i].pus);
    ck_assert(info.synthetic);
    ck_assert_str_eq(info.synthetic_desc, info_cases[_i].desc);
    ck_assert_str_eq(info.cpu_model, "");
    /* A synthetic machine is all usable: nothing of this process's affinity applies to it. */
    ck_assert_int_eq(info.allowed_pus, info.pus);
    ck_assert_int_eq(info.allowed_cores, info.cores);
    topology_free(t);
}
END_TEST

static const char *const invalid_descs[] = {
    "",
    " ",
    "bogus:3",
    "pack:2 core:4",         /* must end with pu */
    "pack:2 pu:3 core:2",    /* levels out of order */
    "pack:0 pu:1",
    "pack:2 core:4 pu:2 x",
};

START_TEST(test_invalid_description)
{
    char err[512] = "";
    ck_assert_ptr_null(topology_load(invalid_descs[_i], err, sizeof(err)));
    char quoted[64];
    snprintf(quoted, sizeof(quoted), "\"%s\"", invalid_descs[_i]);
    ck_assert_msg(strstr(err, quoted) != NULL, "error does not name the description: %s", err);
    ck_assert_msg(strstr(err, "e.g. \"pack:2 core:16 pu:2\"") != NULL, "no example: %s", err);
    ck_assert_ptr_null(strchr(err, '\n'));
}
END_TEST

START_TEST(test_invalid_description_small_buffer)
{
    char err[16];
    memset(err, 'x', sizeof(err));
    ck_assert_ptr_null(topology_load("bogus:3", err, sizeof(err)));
    ck_assert_int_eq((int)strlen(err), (int)sizeof(err) - 1);
    ck_assert_ptr_null(topology_load("bogus:3", NULL, 0));
}
END_TEST

static const struct {
    const char *desc;
    int pu, core, package;
} of_pu_cases[] = {
    {"pack:2 core:4 pu:2", 0, 0, 0},
    {"pack:2 core:4 pu:2", 7, 3, 0},
    {"pack:2 core:4 pu:2", 8, 4, 1},
    {"pack:2 core:4 pu:2", 15, 7, 1},
    {"pack:2 core:4 pu:2", 16, -1, -1},
    {"pack:2 core:4 pu:2", -1, -1, -1},
    {SIBLINGS_APART, 4, 0, 0}, /* OS index 4 is core 0's second PU */
    {SIBLINGS_APART, 2, 2, 1},
    {SIBLINGS_APART, 7, 3, 1},
    {"core:2 pu:1", 1, 1, 0},
    {"2 4 2", 9, -1, 1}, /* hwloc builds no cores from plain counts */
};

START_TEST(test_core_and_package_of_pu)
{
    topology *t = load_ok(of_pu_cases[_i].desc);
    ck_assert_int_eq(topology_core_of_pu(t, of_pu_cases[_i].pu), of_pu_cases[_i].core);
    ck_assert_int_eq(topology_package_of_pu(t, of_pu_cases[_i].pu), of_pu_cases[_i].package);
    topology_free(t);
}
END_TEST

/* --- placement ----------------------------------------------------------------------------- */

static const struct {
    const char *desc;
    int workers;
    const char *pus;    /* expected PU of worker 0, 1, ... */
    const char *shared; /* workers marked shared */
} place_cases[] = {
    /* distinct cores first, alternating packages, then the siblings in the same order */
    {"pack:2 core:4 pu:2", 1, "0", ""},
    {"pack:2 core:4 pu:2", 2, "0,8", ""},
    {"pack:2 core:4 pu:2", 4, "0,8,2,10", ""},
    {"pack:2 core:4 pu:2", 8, "0,8,2,10,4,12,6,14", ""},
    {"pack:2 core:4 pu:2", 16, "0,8,2,10,4,12,6,14,1,9,3,11,5,13,7,15", ""},
    {"pack:2 core:4 pu:2", 20, "0,8,2,10,4,12,6,14,1,9,3,11,5,13,7,15,0,8,2,10",
     "0,1,2,3,16,17,18,19"},
    {"core:2 pu:1", 1, "0", ""},
    {"core:2 pu:1", 2, "0,1", ""},
    {"core:2 pu:1", 3, "0,1,0", "0,2"},
    {"core:2 pu:1", 4, "0,1,0,1", "0,1,2,3"},
    {"pack:1 core:4 pu:1", 4, "0,1,2,3", ""},
    {"pack:1 core:4 pu:1", 6, "0,1,2,3,0,1", "0,1,4,5"},
    {"pack:1 core:2 pu:4", 8, "0,4,1,5,2,6,3,7", ""},
    {SIBLINGS_APART, 8, "0,2,1,3,4,6,5,7", ""},
    {"pack:2 numa:2 core:16 pu:2", 1, "0", ""},
    {"pack:2 numa:2 core:16 pu:2", 2, "0,64", ""},
    {"pack:2 numa:2 core:16 pu:2", 8, "0,64,2,66,4,68,6,70", ""},
    {"pack:2 l3:2 core:2 pu:1", 4, "0,4,1,5", ""},
    {"2 4 2", 4, "0,8,1,9", ""}, /* no cores: every PU stands for itself */
};

START_TEST(test_place_table)
{
    topology *t = load_ok(place_cases[_i].desc);
    int n = place_cases[_i].workers;
    int want[64], shared[64];
    ck_assert_int_eq(parse_list(place_cases[_i].pus, want, 64), n);
    int nshared = parse_list(place_cases[_i].shared, shared, 64);
    topology_slot *slots = calloc((size_t)n + 1, sizeof(*slots));
    slots[n].pu = 12345; /* sentinel: nothing past the requested count is written */
    ck_assert_int_eq(topology_place(t, n, slots), 0);
    for (int w = 0; w < n; w++) {
        bool want_shared = false;
        for (int k = 0; k < nshared; k++)
            want_shared |= shared[k] == w;
        ck_assert_int_eq(slots[w].worker, w);
        ck_assert_msg(slots[w].pu == want[w], "%s, %d workers: worker %d on PU %d, expected %d",
                      place_cases[_i].desc, n, w, slots[w].pu, want[w]);
        ck_assert_int_eq(slots[w].core, topology_core_of_pu(t, slots[w].pu));
        ck_assert_int_eq(slots[w].package, topology_package_of_pu(t, slots[w].pu));
        ck_assert_msg(slots[w].shared == want_shared, "%s, %d workers: worker %d shared=%d",
                      place_cases[_i].desc, n, w, slots[w].shared);
    }
    ck_assert_int_eq(slots[n].pu, 12345);
    free(slots);
    topology_free(t);
}
END_TEST

START_TEST(test_place_rejects_zero_workers)
{
    topology *t = load_ok("core:2 pu:1");
    topology_slot slot = {.worker = 77, .pu = 77};
    ck_assert_int_eq(topology_place(t, 0, &slot), -1);
    ck_assert_int_eq(topology_place(t, -3, &slot), -1);
    ck_assert_int_eq(slot.worker, 77);
    ck_assert_int_eq(slot.pu, 77);
    topology_free(t);
}
END_TEST

/* On the 64-core, 128-PU machine: every core once (packages alternating) before any sibling,
 * every PU once before any is shared, and a smaller plan is a prefix of a larger one. */
START_TEST(test_place_big_machine)
{
    topology *t = load_ok("pack:2 numa:2 core:16 pu:2");
    enum { PUS = 128, CORES = 64, N = 300 };
    topology_slot slots[N], small[CORES];
    ck_assert_int_eq(topology_place(t, N, slots), 0);
    int core_seen[CORES] = {0}, pu_seen[PUS] = {0};
    for (int w = 0; w < CORES; w++) {
        ck_assert_int_eq(slots[w].package, w % 2);
        ck_assert_int_eq(core_seen[slots[w].core]++, 0);
        ck_assert_int_eq(slots[w].pu, (w % 2) * 64 + (w / 2) * 2);
    }
    for (int w = CORES; w < PUS; w++) /* now the second PU of each core, in the same order */
        ck_assert_int_eq(slots[w].pu, slots[w - CORES].pu + 1);
    for (int w = 0; w < PUS; w++)
        ck_assert_int_eq(pu_seen[slots[w].pu]++, 0);
    for (int w = PUS; w < N; w++)
        ck_assert_int_eq(slots[w].pu, slots[w % PUS].pu);
    for (int w = 0; w < N; w++) /* 300 = 2 * 128 + 44: every PU serves at least two workers */
        ck_assert(slots[w].shared);
    ck_assert_int_eq(topology_place(t, CORES, small), 0);
    for (int w = 0; w < CORES; w++) {
        ck_assert_int_eq(small[w].pu, slots[w].pu);
        ck_assert(!small[w].shared);
    }
    topology_free(t);
}
END_TEST

/* A worker's share as deployed (a native pool per worker): hwloc_distrib's, disjoint, together
 * every PU, each within one package while the workers are at least the packages; with more
 * workers than PUs, the one PU topology_place gives. */
START_TEST(test_place_share)
{
    topology *t = load_ok("pack:2 core:4 pu:2");
    enum { PUS = 16 };
    int seen[PUS] = {0}, pus[PUS];
    for (int w = 0; w < 4; w++) {
        int n = topology_place_share(t, 4, w, pus, PUS);
        ck_assert_int_eq(n, 4);
        int pack = topology_package_of_pu(t, pus[0]);
        for (int i = 0; i < n; i++) {
            ck_assert_int_eq(seen[pus[i]]++, 0);
            ck_assert_int_eq(topology_package_of_pu(t, pus[i]), pack);
        }
    }
    for (int i = 0; i < PUS; i++)
        ck_assert_int_eq(seen[i], 1);
    ck_assert_int_eq(topology_place_share(t, 1, 0, pus, PUS), PUS);
    topology_slot slots[20];
    ck_assert_int_eq(topology_place(t, 20, slots), 0);
    for (int w = 0; w < 20; w++) {
        ck_assert_int_eq(topology_place_share(t, 20, w, pus, PUS), 1);
        ck_assert_int_eq(pus[0], slots[w].pu);
    }
    ck_assert_int_eq(topology_place_share(t, 4, 4, pus, PUS), -1);
    ck_assert_int_eq(topology_place_share(t, 0, 0, pus, PUS), -1);
    topology_free(t);
}
END_TEST

/* --- binding on a machine that is not this one ---------------------------------------------- */

START_TEST(test_bind_synthetic_fails)
{
    topology *t = load_ok("pack:2 core:4 pu:2");
    char before[256], after[256], err[256] = "";
    ck_assert_int_gt(topology_read_affinity(0, before, sizeof(before)), 0);
    ck_assert_int_eq(topology_bind(t, getpid(), false, 0, err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, "synthetic") != NULL, "%s", err);
    err[0] = '\0';
    ck_assert_int_eq(topology_bind(t, self_tid(), true, 1, err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, "synthetic") != NULL, "%s", err);
    int pus[] = {0, 1};
    err[0] = '\0';
    ck_assert_int_eq(topology_bind_set(t, getpid(), pus, 2, err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, "synthetic") != NULL, "%s", err);
    /* hwloc's synthetic backend would have reported success and changed nothing; nor did we */
    ck_assert_int_gt(topology_read_affinity(0, after, sizeof(after)), 0);
    ck_assert_str_eq(after, before);
    topology_free(t);
}
END_TEST

/* HWLOC_SYNTHETIC in the environment swaps the machine for a description just the same: binding
 * must refuse there too instead of taking hwloc's silent no-op for success. */
START_TEST(test_bind_environment_synthetic_fails)
{
    ck_assert_int_eq(setenv("HWLOC_SYNTHETIC", "pack:2 core:2 pu:1", 1), 0);
    topology *t = load_ok(NULL);
    unsetenv("HWLOC_SYNTHETIC");
    topology_info info;
    topology_get_info(t, &info);
    ck_assert(info.synthetic);
    ck_assert_int_eq(info.packages, 2);
    ck_assert_str_eq(info.synthetic_desc, "pack:2 core:2 pu:1");
    char err[256] = "";
    ck_assert_int_eq(topology_bind(t, self_tid(), true, 0, err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, "synthetic") != NULL, "%s", err);
    topology_free(t);
}
END_TEST

/* --- describe --------------------------------------------------------------------------------- */

static char *describe_text(const char *desc, int workers)
{
    topology *t = load_ok(desc);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    ck_assert_ptr_nonnull(f);
    topology_describe(t, workers, f);
    fclose(f);
    topology_free(t);
    return text;
}

static const char golden_small[] =
    "machine: synthetic \"" SIBLINGS_APART "\" (not this machine) - 2 packages, 1 NUMA node, "
    "4 cores, 8 PUs (2 per core)\n"
    "package 0: NUMA node 0, cores 0-1, PUs 0-1,4-5\n"
    "  core 0-1: PU pairs (0,4) (1,5)\n"
    "package 1: NUMA node 0, cores 2-3, PUs 2-3,6-7\n"
    "  core 2-3: PU pairs (2,6) (3,7)\n"
    "placement (a run with N workers uses workers 0 to N-1):\n"
    "  worker 0 -> PU 0 (core 0, package 0)  <- 1 worker\n"
    "  worker 1 -> PU 2 (core 2, package 1)  <- 2 workers\n"
    "  worker 2 -> PU 1 (core 1, package 0)\n"
    "  worker 3 -> PU 3 (core 3, package 1)  <- 4 workers\n"
    "  worker 4 -> PU 4 (core 0, package 0)\n"
    "  worker 5 -> PU 6 (core 2, package 1)\n"
    "  worker 6 -> PU 5 (core 1, package 0)\n"
    "  worker 7 -> PU 7 (core 3, package 1)  <- 8 workers\n"
    "  worker 8 -> PU 0 (core 0, package 0)  shares its PU with worker 0  <- 9 workers\n";

START_TEST(test_describe_golden)
{
    char *text = describe_text(SIBLINGS_APART, 9);
    ck_assert_str_eq(text, golden_small);
    free(text);
}
END_TEST

static const struct {
    const char *desc;
    int workers;
    const char *expect; /* a line (or part of one) the text must hold */
} describe_cases[] = {
    {"pack:2 numa:2 core:8 pu:2", 2, "2 packages, 4 NUMA nodes, 32 cores, 64 PUs (2 per core)"},
    {"pack:2 numa:2 core:8 pu:2", 2, "package 1: NUMA nodes 2-3, cores 16-31, PUs 32-63\n"},
    {"pack:2 numa:2 core:8 pu:2", 2, "  NUMA node 3, core 24-31: PU pairs (48,49) (50,51)"},
    {"pack:2 core:64 pu:2", 1, "  core 0-63: PU pairs (0,1) (2,3) (4,5) (6,7) (8,9) (10,11) ... "
                               "(124,125) (126,127)\n"},
    {"core:2 pu:1", 2, "  core 0-1: PUs 0-1 (one per core)\n"},
    {"core:2 pu:1", 0, "  worker 1 -> PU 1 (core 1, package 0)  <- 2 workers\n"}, /* 0: all PUs */
    {"pack:1 core:2 pu:3", 1, "  core 0-1: PU triples (0,1,2) (3,4,5)\n"},
    {"2 4 2", 2, "  worker 1 -> PU 8 (no core, package 1)  <- 2 workers\n"},
};

START_TEST(test_describe_table)
{
    char *text = describe_text(describe_cases[_i].desc, describe_cases[_i].workers);
    ck_assert_msg(strstr(text, describe_cases[_i].expect) != NULL, "missing \"%s\" in:\n%s",
                  describe_cases[_i].expect, text);
    ck_assert_ptr_null(strstr(text, "\033[")); /* plain text, no colours */
    free(text);
}
END_TEST

/* Long runs of cores wrap instead of making one very long line. */
START_TEST(test_describe_wraps)
{
    char *text = describe_text("pack:2 numa:2 core:16 pu:2", 4);
    int longest = 0, len = 0;
    for (const char *p = text; *p; p++) {
        len = (*p == '\n') ? 0 : len + 1;
        if (len > longest)
            longest = len;
    }
    ck_assert_int_le(longest, 130);
    ck_assert_ptr_nonnull(strstr(text, "(30,31)\n"));
    ck_assert_ptr_null(strstr(text, "this process may use")); /* synthetic: all of it */
    free(text);
}
END_TEST

START_TEST(test_describe_json)
{
    topology *t = load_ok("pack:2 core:4 pu:2");
    char *json = NULL;
    ck_assert_int_eq(topology_describe_json(t, 6, &json), 0);
    cJSON *root = cJSON_Parse(json);
    ck_assert_ptr_nonnull(root);
    cJSON *machine = cJSON_GetObjectItem(root, "machine");
    ck_assert_int_eq(cJSON_GetObjectItem(machine, "pus")->valueint, 16);
    ck_assert_int_eq(cJSON_GetObjectItem(machine, "cores")->valueint, 8);
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(machine, "synthetic")));
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(machine, "allowed_pu_list")), 16);
    cJSON *pkgs = cJSON_GetObjectItem(root, "packages");
    ck_assert_int_eq(cJSON_GetArraySize(pkgs), 2);
    cJSON *core5 = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetArrayItem(pkgs, 1), "cores"), 1);
    ck_assert_int_eq(cJSON_GetObjectItem(core5, "core")->valueint, 5);
    ck_assert_int_eq(cJSON_GetArrayItem(cJSON_GetObjectItem(core5, "pus"), 1)->valueint, 11);
    /* placements for 1, 2, 4 and 6 workers */
    cJSON *place = cJSON_GetObjectItem(root, "placement");
    int counts[] = {1, 2, 4, 6};
    ck_assert_int_eq(cJSON_GetArraySize(place), 4);
    for (int i = 0; i < 4; i++) {
        cJSON *entry = cJSON_GetArrayItem(place, i);
        ck_assert_int_eq(cJSON_GetObjectItem(entry, "workers")->valueint, counts[i]);
        ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(entry, "slots")), counts[i]);
    }
    cJSON *last = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetArrayItem(place, 3), "slots"), 5);
    ck_assert_int_eq(cJSON_GetObjectItem(last, "pu")->valueint, 12);
    ck_assert_int_eq(cJSON_GetObjectItem(last, "package")->valueint, 1);
    cJSON_Delete(root);
    free(json);
    topology_free(t);
}
END_TEST

/* --- this machine: real binding, read back from the kernel ---------------------------------- */

typedef struct {
    cpu_set_t saved;
    topology *t;
    topology_slot first, last; /* the first and last PU this process may use */
    int allowed;
} real_machine;

static void real_open(real_machine *m)
{
    ck_assert_int_eq(sched_getaffinity(0, sizeof(m->saved), &m->saved), 0);
    m->t = load_ok(NULL);
    topology_info info;
    topology_get_info(m->t, &info);
    m->allowed = info.allowed_pus;
    topology_slot *slots = calloc((size_t)m->allowed, sizeof(*slots));
    ck_assert_int_eq(topology_place(m->t, m->allowed, slots), 0);
    m->first = slots[0];
    m->last = slots[m->allowed - 1];
    free(slots);
}

static void real_close(real_machine *m)
{
    sched_setaffinity(0, sizeof(m->saved), &m->saved);
    topology_free(m->t);
}

START_TEST(test_real_info)
{
    real_machine m;
    real_open(&m);
    topology_info info;
    topology_get_info(m.t, &info);
    ck_assert(!info.synthetic);
    ck_assert_str_eq(info.synthetic_desc, "");
    ck_assert_int_ge(info.packages, 1);
    ck_assert_int_ge(info.cores, 1);
    ck_assert_int_ge(info.pus, info.cores);
    /* what the kernel lets this (single-threaded) process run on */
    ck_assert_int_eq(info.allowed_pus, CPU_COUNT(&m.saved));
    ck_assert_int_le(info.allowed_cores, info.allowed_pus);
    ck_assert_int_le(info.allowed_cores, info.cores);
    real_close(&m);
}
END_TEST

/* The placement follows the affinity concur was started with (taskset, a batch scheduler). */
START_TEST(test_real_place_follows_affinity)
{
    real_machine m;
    real_open(&m);
    if (m.allowed < 2) {
        real_close(&m);
        SKIP_TEST("needs two usable PUs, this process has %d", m.allowed);
    }
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET((size_t)m.last.pu, &one);
    ck_assert_int_eq(sched_setaffinity(0, sizeof(one), &one), 0);
    topology *narrow = load_ok(NULL);
    topology_info info;
    topology_get_info(narrow, &info);
    ck_assert_int_eq(info.allowed_pus, 1);
    ck_assert_int_eq(info.allowed_cores, 1);
    topology_slot slots[2];
    ck_assert_int_eq(topology_place(narrow, 2, slots), 0);
    ck_assert_int_eq(slots[0].pu, m.last.pu);
    ck_assert_int_eq(slots[1].pu, m.last.pu);
    ck_assert(slots[0].shared && slots[1].shared);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    topology_describe(narrow, 2, f);
    fclose(f);
    char expect[64];
    snprintf(expect, sizeof(expect), "this process may use only PU %d: 1 of", m.last.pu);
    ck_assert_msg(strstr(text, expect) != NULL, "missing \"%s\" in:\n%s", expect, text);
    free(text);
    topology_free(narrow);
    real_close(&m);
}
END_TEST

START_TEST(test_real_bind_this_thread)
{
    real_machine m;
    real_open(&m);
    char err[256] = "", buf[64];
    char want[16];
    snprintf(want, sizeof(want), "%d", m.first.pu);
    ck_assert_msg(topology_bind(m.t, self_tid(), true, m.first.pu, err, sizeof(err)) == 0, "%s",
                  err);
    ck_assert_int_eq(topology_read_affinity(self_tid(), buf, sizeof(buf)), 1);
    ck_assert_str_eq(buf, want);
    ck_assert_int_eq(sched_getcpu(), m.first.pu); /* the kernel moved us there */
    real_close(&m);
    ck_assert_int_eq(topology_read_affinity(0, buf, sizeof(buf)), CPU_COUNT(&m.saved));
}
END_TEST

static int wake_fd = -1;

static void *block_on_pipe(void *arg)
{
    (void)arg;
    char c;
    while (read(wake_fd, &c, 1) < 0 && errno == EINTR)
        ;
    return NULL;
}

typedef struct {
    pthread_t thread;
    pid_t tid;
} side_thread;

static void *report_tid(void *arg)
{
    side_thread *s = arg;
    __atomic_store_n(&s->tid, self_tid(), __ATOMIC_RELEASE);
    return block_on_pipe(NULL);
}

/* thread=true binds that thread only: the others keep their affinity. */
START_TEST(test_real_bind_other_thread_only)
{
    real_machine m;
    real_open(&m);
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    wake_fd = fds[0];
    side_thread s = {.tid = 0};
    ck_assert_int_eq(pthread_create(&s.thread, NULL, report_tid, &s), 0);
    while (__atomic_load_n(&s.tid, __ATOMIC_ACQUIRE) == 0)
        sched_yield();
    char err[256] = "", mine_before[256], mine_after[256], theirs[64], want[16];
    topology_read_affinity(0, mine_before, sizeof(mine_before));
    ck_assert_msg(topology_bind(m.t, s.tid, true, m.last.pu, err, sizeof(err)) == 0, "%s", err);
    snprintf(want, sizeof(want), "%d", m.last.pu);
    ck_assert_int_eq(topology_read_affinity(s.tid, theirs, sizeof(theirs)), 1);
    ck_assert_str_eq(theirs, want);
    topology_read_affinity(0, mine_after, sizeof(mine_after));
    ck_assert_str_eq(mine_after, mine_before);
    ck_assert_int_eq(write(fds[1], "x", 1), 1);
    pthread_join(s.thread, NULL);
    close(fds[0]);
    close(fds[1]);
    real_close(&m);
}
END_TEST

/* A child that starts a second thread, reports both tids on `report`, and waits on `wake`. */
static pid_t spawn_two_thread_child(int *report_rd, int *wake_wr)
{
    int rep[2], wake[2];
    ck_assert_int_eq(pipe(rep), 0);
    ck_assert_int_eq(pipe(wake), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        close(rep[0]);
        close(wake[1]);
        wake_fd = wake[0];
        side_thread s = {.tid = 0};
        if (pthread_create(&s.thread, NULL, report_tid, &s) != 0)
            _exit(1);
        while (__atomic_load_n(&s.tid, __ATOMIC_ACQUIRE) == 0)
            sched_yield();
        pid_t tids[2] = {getpid(), s.tid};
        if (write(rep[1], tids, sizeof(tids)) != (ssize_t)sizeof(tids))
            _exit(1);
        pthread_join(s.thread, NULL);
        _exit(0);
    }
    close(rep[1]);
    close(wake[0]);
    *report_rd = rep[0];
    *wake_wr = wake[1];
    return pid;
}

static void reap_child(pid_t pid, int report_rd, int wake_wr)
{
    close(wake_wr); /* EOF wakes the child's thread; it exits */
    close(report_rd);
    int status = 0;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* A forked child bound from the parent: the whole process, every thread of it. */
START_TEST(test_real_bind_child_process)
{
    real_machine m;
    real_open(&m);
    int rd, wr;
    pid_t pid = spawn_two_thread_child(&rd, &wr);
    pid_t tids[2];
    ck_assert_int_eq(read(rd, tids, sizeof(tids)), (ssize_t)sizeof(tids));
    char err[256] = "", buf[64], want[16];
    ck_assert_msg(topology_bind(m.t, pid, false, m.last.pu, err, sizeof(err)) == 0, "%s", err);
    snprintf(want, sizeof(want), "%d", m.last.pu);
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq(topology_read_affinity(tids[i], buf, sizeof(buf)), 1);
        ck_assert_str_eq(buf, want);
    }
    reap_child(pid, rd, wr);
    /* reaped: the thread is gone, and binding it is an error that says so */
    ck_assert_int_eq(topology_read_affinity(pid, buf, sizeof(buf)), -1);
    ck_assert_str_eq(buf, "");
    ck_assert_int_eq(topology_bind(m.t, pid, false, m.last.pu, err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, "exited") != NULL, "%s", err);
    real_close(&m);
}
END_TEST

START_TEST(test_real_bind_set)
{
    real_machine m;
    real_open(&m);
    if (m.allowed < 2) {
        real_close(&m);
        SKIP_TEST("needs two usable PUs, this process has %d", m.allowed);
    }
    int rd, wr;
    pid_t pid = spawn_two_thread_child(&rd, &wr);
    pid_t tids[2];
    ck_assert_int_eq(read(rd, tids, sizeof(tids)), (ssize_t)sizeof(tids));
    int pus[] = {m.first.pu, m.last.pu};
    char err[256] = "", buf[64], want[32];
    ck_assert_msg(topology_bind_set(m.t, pid, pus, 2, err, sizeof(err)) == 0, "%s", err);
    int lo = pus[0] < pus[1] ? pus[0] : pus[1], hi = pus[0] < pus[1] ? pus[1] : pus[0];
    snprintf(want, sizeof(want), hi == lo + 1 ? "%d-%d" : "%d,%d", lo, hi);
    ck_assert_int_eq(topology_read_affinity(tids[1], buf, sizeof(buf)), 2);
    ck_assert_str_eq(buf, want);
    ck_assert_int_eq(topology_bind_set(m.t, pid, pus, 0, err, sizeof(err)), -1);
    reap_child(pid, rd, wr);
    real_close(&m);
}
END_TEST

START_TEST(test_real_bind_unknown_pu)
{
    real_machine m;
    real_open(&m);
    char err[256] = "";
    ck_assert_int_eq(topology_bind(m.t, self_tid(), true, 1 << 20, err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, "not on this machine") != NULL, "%s", err);
    ck_assert_int_eq(topology_bind(m.t, self_tid(), true, -1, err, sizeof(err)), -1);
    real_close(&m);
}
END_TEST

/* The capacity probe: nothing to measure on a synthetic machine or on one core; on this machine a
 * number of cores' worth, also while other threads spin on every core but the first. What it
 * reads is what the cores give at that moment, which on a shared machine is anyone's guess: the
 * number itself, idle and beside such threads, is a figure for `make bench`
 * (bench/instruments.c), not a test. */
START_TEST(test_capacity_synthetic)
{
    topology *t = load_ok("pack:1 core:4 pu:1");
    char err[256] = "";
    ck_assert(isnan(topology_measure_capacity(t, err, sizeof(err))));
    ck_assert_msg(strstr(err, "not this machine") != NULL, "%s", err);
    topology_info info;
    topology_get_info(t, &info);
    ck_assert(isnan(info.capacity_start) && isnan(info.capacity_end));
    topology_free(t);
}
END_TEST

static volatile int hog_stop, hogs_ready;

static void *hog(void *arg)
{
    const topology_slot *slot = arg;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(slot->pu, &one);
    sched_setaffinity((pid_t)syscall(SYS_gettid), sizeof(one), &one);
    __atomic_add_fetch(&hogs_ready, 1, __ATOMIC_SEQ_CST);
    volatile unsigned long x = 0;
    while (!hog_stop)
        x++;
    return NULL;
}

START_TEST(test_capacity_real)
{
    real_machine m;
    real_open(&m);
    topology_info info;
    topology_get_info(m.t, &info);
    char err[256] = "";
    double c = topology_measure_capacity(m.t, err, sizeof(err));
    if (info.allowed_cores < 2) {
        ck_assert(isnan(c));
        ck_assert_msg(strstr(err, "one core") != NULL, "%s", err);
        real_close(&m);
        return;
    }
    ck_assert_msg(isfinite(c) && c > 0, "capacity %g (%s)", c, err);
    /* A thread spinning on each core but the first: the probe's threads share those cores with
     * them, and it still completes with a reading. */
    int n = info.allowed_cores;
    topology_slot *slots = calloc((size_t)n, sizeof(*slots));
    ck_assert_int_eq(topology_place(m.t, n, slots), 0);
    pthread_t *hogs = calloc((size_t)n, sizeof(*hogs));
    hog_stop = 0;
    hogs_ready = 0;
    for (int i = 1; i < n; i++)
        ck_assert_int_eq(pthread_create(&hogs[i], NULL, hog, &slots[i]), 0);
    while (__atomic_load_n(&hogs_ready, __ATOMIC_SEQ_CST) < n - 1)
        usleep(1000);
    usleep(50000); /* spinning on their cores, not just started */
    double loaded = topology_measure_capacity(m.t, err, sizeof(err));
    hog_stop = 1;
    for (int i = 1; i < n; i++)
        pthread_join(hogs[i], NULL);
    ck_assert_msg(isfinite(loaded) && loaded > 0, "capacity %g beside %d spinning threads (%s)",
                  loaded, n - 1, err);
    free(hogs);
    free(slots);
    /* On one allowed CPU, as under taskset -c 0: one core, nothing runs at once. */
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(m.first.pu, &one);
    ck_assert_int_eq(sched_setaffinity(0, sizeof(one), &one), 0);
    topology *t1 = load_ok(NULL);
    ck_assert(isnan(topology_measure_capacity(t1, err, sizeof(err))));
    ck_assert_msg(strstr(err, "one core") != NULL, "%s", err);
    topology_free(t1);
    real_close(&m);
}
END_TEST

/* The list form matches the kernel's own Cpus_allowed_list, and a short buffer stays terminated. */
START_TEST(test_read_affinity_format)
{
    char path[64], line[512], want[512] = "", buf[512];
    snprintf(path, sizeof(path), "/proc/self/task/%d/status", (int)self_tid());
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "Cpus_allowed_list: %511s", want) == 1)
            break;
    fclose(f);
    ck_assert_str_ne(want, "");
    cpu_set_t set;
    ck_assert_int_eq(sched_getaffinity(0, sizeof(set), &set), 0);
    ck_assert_int_eq(topology_read_affinity(self_tid(), buf, sizeof(buf)), CPU_COUNT(&set));
    ck_assert_str_eq(buf, want);

    char tiny[2] = {'x', 'x'};
    ck_assert_int_eq(topology_read_affinity(0, tiny, sizeof(tiny)), CPU_COUNT(&set));
    ck_assert_int_eq(tiny[1], '\0');
}
END_TEST

Suite *topology_suite(void)
{
    Suite *s = suite_create("topology");

    TCase *tc = tcase_create("synthetic");
    tcase_add_loop_test(tc, test_info_synthetic, 0, NCASES(info_cases));
    tcase_add_loop_test(tc, test_invalid_description, 0, NCASES(invalid_descs));
    tcase_add_test(tc, test_invalid_description_small_buffer);
    tcase_add_loop_test(tc, test_core_and_package_of_pu, 0, NCASES(of_pu_cases));
    tcase_add_test(tc, test_bind_synthetic_fails);
    tcase_add_test(tc, test_bind_environment_synthetic_fails);
    suite_add_tcase(s, tc);

    tc = tcase_create("place");
    tcase_add_loop_test(tc, test_place_table, 0, NCASES(place_cases));
    tcase_add_test(tc, test_place_rejects_zero_workers);
    tcase_add_test(tc, test_place_big_machine);
    tcase_add_test(tc, test_place_share);
    suite_add_tcase(s, tc);

    tc = tcase_create("describe");
    tcase_add_test(tc, test_describe_golden);
    tcase_add_loop_test(tc, test_describe_table, 0, NCASES(describe_cases));
    tcase_add_test(tc, test_describe_wraps);
    tcase_add_test(tc, test_describe_json);
    suite_add_tcase(s, tc);

    tc = tcase_create("real");
    tcase_add_test(tc, test_real_info);
    tcase_add_test(tc, test_real_place_follows_affinity);
    tcase_add_test(tc, test_real_bind_this_thread);
    tcase_add_test(tc, test_real_bind_other_thread_only);
    tcase_add_test(tc, test_real_bind_child_process);
    tcase_add_test(tc, test_real_bind_set);
    tcase_add_test(tc, test_real_bind_unknown_pu);
    tcase_add_test(tc, test_read_affinity_format);
    tcase_add_test(tc, test_capacity_synthetic);
    tcase_add_test(tc, test_capacity_real);
    tcase_set_timeout(tc, 20);
    suite_add_tcase(s, tc);
    return s;
}
