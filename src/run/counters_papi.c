/* counters_papi.c - the hardware and software levels through PAPI's perf_event component: one
 * eventset attached to the child, inherited by every thread and process it creates. */
#include <papi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "concur/util.h"
#include "counters_impl.h"

/* What each level counts, in the order added to the eventset. A row lists alternatives tried in
 * turn: processors name their last-level cache differently. */
static const struct {
    const char *names[3];
    counters_field field;
    bool hardware; /* only at the hardware level */
    bool optional; /* the level works without it (the field stays NAN) */
} papi_events[] = {
    {{"PAPI_TOT_CYC"}, COUNTERS_FIELD_CYCLES, true, false},
    {{"PAPI_TOT_INS"}, COUNTERS_FIELD_INSTRUCTIONS, true, false},
    {{"PAPI_L3_TCM", "perf::LLC-LOAD-MISSES"}, COUNTERS_FIELD_LLC_MISSES, true, true},
    {{"perf::TASK-CLOCK"}, COUNTERS_FIELD_TASK_CLOCK, false, false},
    {{"perf::CONTEXT-SWITCHES"}, COUNTERS_FIELD_CONTEXT_SWITCHES, false, false},
    {{"perf::CPU-MIGRATIONS"}, COUNTERS_FIELD_CPU_MIGRATIONS, false, false},
    {{"perf::PAGE-FAULTS"}, COUNTERS_FIELD_PAGE_FAULTS, false, false},
};

typedef struct {
    int eventset;
    bool started;
    int n;
    counters_field fields[COUNTERS_MAX_EVENTS];
} papi_state;

static const char *papi_code_name(int code)
{
    static const struct {
        int code;
        const char *name;
    } names[] = {
        {PAPI_EINVAL, "PAPI_EINVAL"},     {PAPI_ENOMEM, "PAPI_ENOMEM"},
        {PAPI_ESYS, "PAPI_ESYS"},         {PAPI_ECMP, "PAPI_ECMP"},
        {PAPI_ECLOST, "PAPI_ECLOST"},     {PAPI_EBUG, "PAPI_EBUG"},
        {PAPI_ENOEVNT, "PAPI_ENOEVNT"},   {PAPI_ECNFLCT, "PAPI_ECNFLCT"},
        {PAPI_ENOTRUN, "PAPI_ENOTRUN"},   {PAPI_EISRUN, "PAPI_EISRUN"},
        {PAPI_ENOEVST, "PAPI_ENOEVST"},   {PAPI_ENOTPRESET, "PAPI_ENOTPRESET"},
        {PAPI_ENOCNTR, "PAPI_ENOCNTR"},   {PAPI_EMISC, "PAPI_EMISC"},
        {PAPI_EPERM, "PAPI_EPERM"},       {PAPI_ENOINIT, "PAPI_ENOINIT"},
        {PAPI_ENOCMP, "PAPI_ENOCMP"},     {PAPI_ENOSUPP, "PAPI_ENOSUPP"},
        {PAPI_ENOIMPL, "PAPI_ENOIMPL"},   {PAPI_EBUF, "PAPI_EBUF"},
        {PAPI_EINVAL_DOM, "PAPI_EINVAL_DOM"}, {PAPI_EATTR, "PAPI_EATTR"},
        {PAPI_ECOUNT, "PAPI_ECOUNT"},     {PAPI_ECOMBO, "PAPI_ECOMBO"},
        {PAPI_ECMP_DISABLED, "PAPI_ECMP_DISABLED"}, {PAPI_EDELAY_INIT, "PAPI_EDELAY_INIT"},
        {PAPI_EMULPASS, "PAPI_EMULPASS"},
    };
    for (size_t i = 0; i < ARRAY_LEN(names); i++)
        if (names[i].code == code)
            return names[i].name;
    return "PAPI error";
}

/* "what: Event does not exist (PAPI_ENOEVNT)" into err. */
static void papi_explain(char *err, size_t errlen, const char *what, int code)
{
    const char *text = PAPI_strerror(code);
    snprintf(err, errlen, "%s: %s (%s)", what, text ? text : "unknown error", papi_code_name(code));
}

/* Initializes PAPI once per process. Returns the perf_event component's index, or -1 with the
 * reason in err. */
static int papi_init(char *err, size_t errlen)
{
    if (PAPI_is_initialized() == PAPI_NOT_INITED) {
        int r = PAPI_library_init(PAPI_VER_CURRENT);
        if (r != PAPI_VER_CURRENT) {
            if (r > 0)
                snprintf(err, errlen,
                         "PAPI_library_init: the library is version %d.%d, concur was built "
                         "against %d.%d",
                         PAPI_VERSION_MAJOR(r), PAPI_VERSION_MINOR(r),
                         PAPI_VERSION_MAJOR(PAPI_VER_CURRENT),
                         PAPI_VERSION_MINOR(PAPI_VER_CURRENT));
            else
                papi_explain(err, errlen, "PAPI_library_init", r);
            return -1;
        }
    }
    int cidx = PAPI_get_component_index("perf_event");
    if (cidx < 0) {
        papi_explain(err, errlen, "PAPI_get_component_index(perf_event)", cidx);
        return -1;
    }
    const PAPI_component_info_t *info = PAPI_get_component_info(cidx);
    if (info && info->disabled) {
        snprintf(err, errlen, "PAPI's perf_event component is disabled: %s",
                 info->disabled_reason[0] ? info->disabled_reason : "no reason given");
        return -1;
    }
    return cidx;
}

/* An eventset option or the attach failed before any event was added: PAPI applies each of
 * them by test-opening a hardware event, so "Event does not exist" means that no hardware event
 * can be opened, not that one of ours is unknown. */
static void papi_explain_setup(char *err, size_t errlen, const char *what, int code)
{
    papi_explain(err, errlen, what, code);
    if (code == PAPI_ENOEVNT) {
        size_t used = strlen(err);
        snprintf(err + used, errlen - used,
                 "; PAPI test-opens a hardware event to apply it, and none can be opened");
    }
}

static bool papi_supports(counters_level level)
{
    return level == COUNTERS_SOFTWARE || level == COUNTERS_HARDWARE;
}

static void papi_close(counters_set *s)
{
    papi_state *st = s->impl;
    if (!st)
        return;
    if (st->eventset != PAPI_NULL) {
        /* The child is usually gone by now; stopping still releases the counters. */
        if (st->started) {
            long long discard[COUNTERS_MAX_EVENTS];
            PAPI_stop(st->eventset, discard);
        }
        PAPI_cleanup_eventset(st->eventset);
        PAPI_destroy_eventset(&st->eventset);
    }
    free(st);
    s->impl = NULL;
}

/* Options go on the empty eventset, before the attach and the events: PAPI refuses some of them
 * on an eventset that already holds events. */
static int papi_attach(counters_set *s, char *err, size_t errlen)
{
    PAPI_option_t opt;
    char what[96];
    int r;

    int cidx = papi_init(err, errlen);
    if (cidx < 0)
        return -1;

    papi_state *st = xcalloc(1, sizeof *st);
    st->eventset = PAPI_NULL;
    s->impl = st;
    s->nevents = 0;

    r = PAPI_create_eventset(&st->eventset);
    if (r != PAPI_OK) {
        st->eventset = PAPI_NULL;
        papi_explain(err, errlen, "PAPI_create_eventset", r);
        goto failed;
    }
    r = PAPI_assign_eventset_component(st->eventset, cidx);
    if (r != PAPI_OK) {
        papi_explain(err, errlen, "PAPI_assign_eventset_component(perf_event)", r);
        goto failed;
    }
    memset(&opt, 0, sizeof opt);
    opt.inherit.eventset = st->eventset;
    opt.inherit.inherit = PAPI_INHERIT_ALL;
    r = PAPI_set_opt(PAPI_INHERIT, &opt);
    if (r != PAPI_OK) {
        papi_explain_setup(err, errlen, "PAPI_set_opt(PAPI_INHERIT)", r);
        goto failed;
    }
    /* The kernel side is where context switches and migrations are counted. */
    memset(&opt, 0, sizeof opt);
    opt.domain.eventset = st->eventset;
    opt.domain.domain = PAPI_DOM_ALL;
    r = PAPI_set_opt(PAPI_DOMAIN, &opt);
    if (r != PAPI_OK) {
        papi_explain_setup(err, errlen, "PAPI_set_opt(PAPI_DOMAIN)", r);
        goto failed;
    }
    r = PAPI_attach(st->eventset, (unsigned long)s->child);
    if (r != PAPI_OK) {
        papi_explain_setup(err, errlen, "PAPI_attach", r);
        goto failed;
    }

    for (size_t i = 0; i < ARRAY_LEN(papi_events); i++) {
        if (papi_events[i].hardware && s->level < COUNTERS_HARDWARE)
            continue;
        const char *added = NULL;
        r = PAPI_ENOEVNT;
        for (size_t k = 0; k < ARRAY_LEN(papi_events[i].names) && papi_events[i].names[k]; k++) {
            r = PAPI_add_named_event(st->eventset, papi_events[i].names[k]);
            if (r == PAPI_OK) {
                added = papi_events[i].names[k];
                break;
            }
        }
        if (!added) {
            if (papi_events[i].optional)
                continue;
            snprintf(what, sizeof what, "PAPI_add_named_event(%s)", papi_events[i].names[0]);
            papi_explain(err, errlen, what, r);
            goto failed;
        }
        st->fields[st->n] = papi_events[i].field;
        snprintf(s->events[st->n], sizeof s->events[st->n], "%s", added);
        st->n++;
    }

    /* Counting starts here rather than at exec: PAPI has no enable-on-exec. The child is blocked
     * on its pipe until then, so the difference is a few microseconds of it waiting. */
    r = PAPI_start(st->eventset);
    if (r != PAPI_OK) {
        papi_explain(err, errlen, "PAPI_start", r);
        goto failed;
    }
    st->started = true;
    s->nevents = st->n;
    return 0;

failed:
    papi_close(s);
    s->nevents = 0;
    return -1;
}

static int papi_read_all(counters_set *s, counters_values *out)
{
    papi_state *st = s->impl;
    long long v[COUNTERS_MAX_EVENTS];
    if (PAPI_read(st->eventset, v) != PAPI_OK)
        return -1;
    for (int i = 0; i < st->n; i++) {
        double x = (double)v[i];
        if (st->fields[i] == COUNTERS_FIELD_TASK_CLOCK)
            x /= 1e9; /* nanoseconds */
        *counters_field_ptr(out, st->fields[i]) = x;
    }
    return 0;
}

static int papi_read(counters_set *s, counters_values *out)
{
    return papi_read_all(s, out);
}

static int papi_final(counters_set *s, const struct rusage *ru, counters_values *out)
{
    (void)ru;
    return papi_read_all(s, out);
}

const counters_ops counters_papi_ops = {
    .backend = COUNTERS_BACKEND_PAPI,
    .description = "PAPI's perf_event component",
    .supports = papi_supports,
    .attach = papi_attach,
    .read = papi_read,
    .final = papi_final,
    .close = papi_close,
};
