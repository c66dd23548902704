/* verdict.c - the classification's and the recommendation's empty states (verdict.h). */
#include "concur/verdict.h"

#include <math.h>
#include <string.h>

void classification_init(classification *c)
{
    memset(c, 0, sizeof(*c));
    c->kind = KIND_UNKNOWN;
    c->gil = GIL_UNKNOWN;
    c->confidence = NAN;
    c->memory_bound = -1;
    c->native_threaded = -1;
}

void recommendation_init(recommendation *rec)
{
    memset(rec, 0, sizeof(*rec));
    rec->confidence = NAN;
    rec->choice.speedup = rec->choice.ci_low = rec->choice.ci_high = NAN;
    rec->peak_rss_bytes = rec->machine_memory_bytes = NAN;
    rec->memory_fits = true;
    rec->scaling[0].mode = MODE_THREADS;
    rec->scaling[1].mode = MODE_PROCESSES;
    for (int i = 0; i < 2; i++)
        rec->scaling[i].predicted = NAN;
}
