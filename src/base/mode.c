/* mode.c - the table of concurrency models (mode.h). */
#include "concur/mode.h"

#include <stdio.h>
#include <string.h>

static const mode_info modes[MODE_COUNT] = {
    [MODE_SINGLE] = {.name = "single", .title = "a plain loop", .pool_noun = "loop",
                     .cost_rank = 0, .pool = false, .shares_memory = true, .pickles = false,
                     .placement = PLACE_HARNESS},
    /* Between the loop and a thread pool in memory and start-up: one thread, one loop, a
     * coroutine per task in flight. */
    [MODE_ASYNCIO] = {.name = "asyncio", .title = "asyncio.gather under a Semaphore",
                      .pool_noun = "event loop", .cost_rank = 1, .pool = true,
                      .shares_memory = true, .pickles = false, .coroutines = true,
                      .placement = PLACE_HARNESS},
    [MODE_THREADS] = {.name = "threads", .title = "ThreadPoolExecutor",
                      .pool_noun = "thread pool", .cost_rank = 2, .pool = true,
                      .shares_memory = true, .pickles = false, .placement = PLACE_THREAD},
    [MODE_PROCESSES] = {.name = "processes", .title = "ProcessPoolExecutor",
                        .pool_noun = "process pool", .cost_rank = 3, .pool = true,
                        .shares_memory = false, .pickles = true, .placement = PLACE_PROCESS},
    [MODE_DASK] = {.name = "dask", .title = "Dask distributed (Client.get_executor)",
                   .pool_noun = "Dask cluster", .cost_rank = 4, .pool = true,
                   .shares_memory = false, .pickles = true, .placement = PLACE_PROCESS,
                   .cluster = true},
};

const mode_info *mode_get(run_mode m)
{
    return (m >= 0 && m < MODE_COUNT) ? &modes[m] : &modes[MODE_SINGLE];
}

const char *mode_name(run_mode m)
{
    return (m >= 0 && m < MODE_COUNT) ? modes[m].name : "?";
}

int mode_threads(run_mode m, int workers)
{
    const mode_info *mi = mode_get(m);
    return mi->pool && !mi->coroutines ? workers : 1;
}

char *mode_workers_text(run_mode m, int workers, char *buf, size_t len)
{
    if (mode_get(m)->coroutines)
        snprintf(buf, len, "concurrency %d", workers);
    else
        snprintf(buf, len, "%d worker%s", workers, workers == 1 ? "" : "s");
    return buf;
}

int mode_parse(const char *s, run_mode *out)
{
    for (int m = 0; m < MODE_COUNT; m++)
        if (strcmp(s, modes[m].name) == 0) {
            *out = (run_mode)m;
            return 0;
        }
    return -1;
}

const char *mode_names_list(void)
{
    static char list[128];
    if (list[0] == '\0')
        for (int m = 0; m < MODE_COUNT; m++) {
            size_t len = strlen(list);
            snprintf(list + len, sizeof(list) - len, "%s%s", m ? ", " : "", modes[m].name);
        }
    return list;
}

int mode_parse_list(const char *s, unsigned *mask, char *err, size_t errlen)
{
    char buf[256];
    if (snprintf(buf, sizeof(buf), "%s", s) >= (int)sizeof(buf) || buf[0] == '\0') {
        snprintf(err, errlen, "empty or too long list of modes");
        return -1;
    }
    unsigned m = 0;
    char *save = NULL;
    for (char *w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
        run_mode mode;
        if (mode_parse(w, &mode) < 0) {
            snprintf(err, errlen, "unknown mode '%s' (expected %s)", w, mode_names_list());
            return -1;
        }
        m |= MODE_BIT(mode);
    }
    if (m == 0) {
        snprintf(err, errlen, "no mode given (expected %s)", mode_names_list());
        return -1;
    }
    *mask = m;
    return 0;
}
