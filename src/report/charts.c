/* charts.c - the charts of report.html as inline SVG, drawn from a DOC_CHART block (doc.h): the
 * speedup against workers per mode, with the ideal line and the 95 % bands, and what the worker
 * threads were doing in each configuration. Colours are the Okabe-Ito palette and every mode has
 * its own marker shape, so the charts still read in grey on paper. */
#include "html.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "concur/util.h"

/* ---- how each mode is drawn ------------------------------------------------------------------ */

typedef enum { SHAPE_DIAMOND, SHAPE_CIRCLE, SHAPE_SQUARE } marker_shape;

static const struct {
    const char *color;
    marker_shape shape;
} mode_style[MODE_COUNT] = {
    [MODE_SINGLE] = {C_BLACK, SHAPE_DIAMOND},
    [MODE_THREADS] = {C_BLUE, SHAPE_CIRCLE},
    [MODE_PROCESSES] = {C_VERMILLION, SHAPE_SQUARE},
    [MODE_ASYNCIO] = {C_GREEN, SHAPE_DIAMOND},
    [MODE_DASK] = {C_ORANGE, SHAPE_SQUARE},
};

/* Opens a marker's element centred on (x, y), its attributes written up to the last one: the
 * caller closes it ("/>", or ">" with a title). cls NULL: no class. Returns the element's name. */
static const char *shape_open(FILE *out, run_mode m, const char *cls, double x, double y,
                              const char *fill)
{
    static const char *const tags[] = {[SHAPE_DIAMOND] = "path", [SHAPE_CIRCLE] = "circle",
                                       [SHAPE_SQUARE] = "rect"};
    marker_shape sh = mode_style[m].shape;
    fprintf(out, "<%s", tags[sh]);
    if (cls)
        fprintf(out, " class=\"%s\"", cls);
    if (sh == SHAPE_CIRCLE)
        fprintf(out, " cx=\"%.1f\" cy=\"%.1f\" r=\"4.5\"", x, y);
    else if (sh == SHAPE_SQUARE)
        fprintf(out, " x=\"%.1f\" y=\"%.1f\" width=\"9\" height=\"9\"", x - 4.5, y - 4.5);
    else
        fprintf(out, " d=\"M%.1f %.1fL%.1f %.1fL%.1f %.1fL%.1f %.1fZ\"", x, y - 6, x + 6, y, x,
                y + 6, x - 6, y);
    fprintf(out, " fill=\"%s\" stroke=\"%s\" stroke-width=\"1.5\"", fill, mode_style[m].color);
    return tags[sh];
}

/* What the legend calls a mode: a pool by its name, the loop with what it is. */
static void mode_label(char *buf, size_t len, run_mode m)
{
    const mode_info *mi = mode_get(m);
    if (mi->pool)
        util_fmt(buf, len, "%s", mi->name);
    else
        util_fmt(buf, len, "%s (%s)", mi->name, mi->title);
}

/* ---- the speedup chart ----------------------------------------------------------------------- */

#define SP_W 880
#define SP_H 420
#define SP_X0 64.0  /* plot area; the legend is on its right */
#define SP_X1 630.0
#define SP_Y0 20.0
#define SP_Y1 360.0
#define SP_PAD 20.0 /* between the axes and the first and last point */

typedef struct {
    bool log2x;
    double xmin, xmax, ymax, ystep;
} sp_scale;

/* The points of a chart: each mode's sweep by worker count, and the follow-ups. */
typedef struct {
    const doc_point **pts[MODE_COUNT];
    int n[MODE_COUNT];
    const doc_point **var;
    int nvar;
    sp_scale k;
} sp_data;

static double sx(const sp_scale *k, double w)
{
    double a, b, v;
    if (k->log2x) {
        a = log2(k->xmin);
        b = log2(k->xmax);
        v = log2(w);
    } else {
        a = k->xmin;
        b = k->xmax;
        v = w;
    }
    return SP_X0 + SP_PAD + (v - a) / (b - a) * (SP_X1 - SP_X0 - 2 * SP_PAD);
}

static double sy(const sp_scale *k, double s)
{
    if (s > k->ymax)
        s = k->ymax;
    if (s < 0)
        s = 0;
    return SP_Y1 - s / k->ymax * (SP_Y1 - SP_Y0);
}

/* A step of 1, 2, 2.5 or 5 times a power of ten giving at most about `ticks` intervals. */
static double nice_step(double range, int ticks)
{
    double raw = range / ticks;
    double p = pow(10, floor(log10(raw)));
    const double m[] = {1, 2, 2.5, 5, 10};
    for (size_t i = 0; i < ARRAY_LEN(m); i++)
        if (m[i] * p >= raw)
            return m[i] * p;
    return 10 * p;
}

/* The points sorted out by mode, and the scale that holds them: up to the largest worker count
 * (a log scale past 16), room above the best speedup for the ideal line and the intervals. */
static void sp_prepare(const doc_block *b, sp_data *c)
{
    memset(c, 0, sizeof(*c));
    for (int m = 0; m < MODE_COUNT; m++)
        c->pts[m] = xcalloc((size_t)b->npoints + 1, sizeof(*c->pts[m]));
    c->var = xcalloc((size_t)b->npoints + 1, sizeof(*c->var));
    double maxw = 1, top = 0, tophi = 0;
    for (int i = 0; i < b->npoints; i++) {
        const doc_point *p = &b->points[i];
        if (p->followup) {
            c->var[c->nvar++] = p;
        } else {
            c->pts[p->mode][c->n[p->mode]++] = p;
            if (!isnan(p->hi))
                tophi = fmax(tophi, p->hi);
        }
        maxw = fmax(maxw, p->workers);
        top = fmax(top, p->speedup);
    }
    sp_scale *k = &c->k;
    k->log2x = maxw > 16;
    k->xmin = 1;
    k->xmax = k->log2x ? pow(2, ceil(log2(maxw))) : fmax(2, maxw);
    /* Room for the data and for the ideal line up to the largest count (or twice the best
     * speedup, whichever is lower), and for the intervals up to half as much again. */
    double want = fmax(top * 1.1, fmin(maxw, fmax(4, 2 * top)));
    want = fmax(want, fmin(tophi, 1.5 * want));
    if (!(want > 0))
        want = 2;
    k->ystep = nice_step(want, 6);
    k->ymax = ceil(want / k->ystep - 1e-9) * k->ystep;
}

static void sp_release(sp_data *c)
{
    for (int m = 0; m < MODE_COUNT; m++)
        free(c->pts[m]);
    free(c->var);
}

/* The grid, the axes, their ticks and their titles. */
static void sp_axes(FILE *out, const sp_scale *k)
{
    fputs("<g class=\"axis axis-y\">\n", out);
    for (int i = 0; i * k->ystep <= k->ymax + 1e-9; i++) {
        double v = i * k->ystep, y = sy(k, v);
        char label[32];
        util_fmt(label, sizeof(label), k->ystep < 1 ? "%.2g" : "%g", v);
        fprintf(out, "<path d=\"M%.1f %.1fH%.1f\" stroke=\"%s\" stroke-width=\"1\"/>", SP_X0, y,
                SP_X1, i == 0 ? "#333333" : "#e3e3e3");
        fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", SP_X0 - 6,
                y + 4, label);
    }
    fprintf(out, "<text class=\"axis-title\" transform=\"translate(16 %.1f) rotate(-90)\" "
                 "text-anchor=\"middle\">speedup against single</text>\n",
            (SP_Y0 + SP_Y1) / 2);
    fputs("</g>\n<g class=\"axis axis-x\">\n", out);
    fprintf(out, "<path d=\"M%.1f %.1fV%.1f\" stroke=\"#333333\" stroke-width=\"1\"/>\n", SP_X0,
            SP_Y0, SP_Y1);
    double xstep = k->log2x ? 0 : k->xmax <= 12 ? 1 : nice_step(k->xmax, 8);
    if (xstep > 0 && xstep < 1)
        xstep = 1;
    for (double v = 1; v <= k->xmax + 1e-9;) {
        double x = sx(k, v);
        fprintf(out, "<path d=\"M%.1f %.1fv5\" stroke=\"#333333\" stroke-width=\"1\"/>", x, SP_Y1);
        fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%g</text>\n", x,
                SP_Y1 + 18, v);
        if (k->log2x)
            v *= 2;
        else
            v = v == 1 && xstep > 1 ? xstep : v + xstep;
    }
    fprintf(out, "<text class=\"axis-title\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">workers%s"
                 "</text>\n",
            (SP_X0 + SP_X1) / 2, SP_Y1 + 40, k->log2x ? " (log scale)" : "");
    fputs("</g>\n", out);
}

/* The 95 % band of consecutive points that have an interval: a polygon over two or more, an error
 * bar for one alone. */
static void sp_bands(FILE *out, const sp_scale *k, const doc_point **p, int n, run_mode m)
{
    const char *color = mode_style[m].color;
    for (int i = 0; i < n;) {
        if (isnan(p[i]->lo)) {
            i++;
            continue;
        }
        int j = i;
        while (j + 1 < n && !isnan(p[j + 1]->lo))
            j++;
        if (j == i) {
            double x = sx(k, p[i]->workers), lo = sy(k, p[i]->lo), hi = sy(k, p[i]->hi);
            fprintf(out,
                    "<path class=\"band band-%s\" d=\"M%.1f %.1fL%.1f %.1fM%.1f %.1fL%.1f "
                    "%.1fM%.1f %.1fL%.1f %.1f\" fill=\"none\" stroke=\"%s\" stroke-opacity=\"0.6\" "
                    "stroke-width=\"1.5\"/>\n",
                    mode_name(m), x, lo, x, hi, x - 4, lo, x + 4, lo, x - 4, hi, x + 4, hi, color);
        } else {
            fprintf(out, "<polygon class=\"band band-%s\" points=\"", mode_name(m));
            for (int a = i; a <= j; a++)
                fprintf(out, "%s%.1f,%.1f", a == i ? "" : " ", sx(k, p[a]->workers),
                        sy(k, p[a]->hi));
            for (int a = j; a >= i; a--)
                fprintf(out, " %.1f,%.1f", sx(k, p[a]->workers), sy(k, p[a]->lo));
            fprintf(out,
                    "\" fill=\"%s\" fill-opacity=\"0.15\" stroke=\"%s\" stroke-opacity=\"0.35\" "
                    "stroke-width=\"1\"/>\n",
                    color, color);
        }
        i = j + 1;
    }
}

/* Ideal: speedup = workers, from 1 to the edge of the plot. */
static void sp_ideal(FILE *out, const sp_scale *k)
{
    double end = fmin(k->xmax, k->ymax);
    fputs("<path class=\"ideal\" d=\"", out);
    int steps = k->log2x ? 48 : 1;
    for (int i = 0; i <= steps; i++) {
        double w = k->log2x ? pow(end, (double)i / steps) : (i == 0 ? 1 : end);
        fprintf(out, "%s%.1f %.1f", i == 0 ? "M" : "L", sx(k, w), sy(k, w));
    }
    fputs("\" fill=\"none\" stroke=\"#555555\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>\n",
          out);
}

/* A point's marker, filled in its mode's colour, hollow for a follow-up; its title says what it
 * is. */
static void sp_marker(FILE *out, const sp_scale *k, const doc_point *p)
{
    char cls[64];
    util_fmt(cls, sizeof(cls), "%s%s", p->followup ? "marker variant variant-" : "marker marker-",
             mode_name(p->mode));
    const char *tag = shape_open(out, p->mode, cls, sx(k, p->workers), sy(k, p->speedup),
                                 p->followup ? "#ffffff" : mode_style[p->mode].color);
    fputs("><title>", out);
    html_escape(out, p->label);
    fprintf(out, "</title></%s>\n", tag);
}

/* A line per pool, then the markers on top. */
static void sp_series(FILE *out, const sp_data *c)
{
    for (int m = 0; m < MODE_COUNT; m++) {
        if (!mode_get((run_mode)m)->pool || c->n[m] < 2)
            continue;
        fprintf(out, "<path class=\"series series-%s\" d=\"", mode_name((run_mode)m));
        for (int i = 0; i < c->n[m]; i++)
            fprintf(out, "%s%.1f %.1f", i == 0 ? "M" : "L", sx(&c->k, c->pts[m][i]->workers),
                    sy(&c->k, c->pts[m][i]->speedup));
        fprintf(out,
                "\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\" stroke-linejoin=\"round\"/>\n",
                mode_style[m].color);
    }
    for (int m = 0; m < MODE_COUNT; m++)
        for (int i = 0; i < c->n[m]; i++)
            sp_marker(out, &c->k, c->pts[m][i]);
    for (int i = 0; i < c->nvar; i++)
        sp_marker(out, &c->k, c->var[i]);
}

/* kind: a mode's name, "variant" (hollow, in m's shape), "ideal" or "band". */
static void legend_entry(FILE *out, double x, double y, const char *kind, run_mode m,
                         const char *label)
{
    fprintf(out, "<g class=\"legend-item legend-%s\">", kind);
    if (!strcmp(kind, "ideal")) {
        fprintf(out, "<path d=\"M%.1f %.1fh24\" stroke=\"#555555\" stroke-width=\"1.5\" "
                     "stroke-dasharray=\"6 4\"/>",
                x, y);
    } else if (!strcmp(kind, "band")) {
        fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"24\" height=\"10\" fill=\"#555555\" "
                     "fill-opacity=\"0.2\" stroke=\"#555555\" stroke-opacity=\"0.4\"/>",
                x, y - 5);
    } else {
        bool hollow = !strcmp(kind, "variant");
        if (!hollow && mode_get(m)->pool)
            fprintf(out, "<path d=\"M%.1f %.1fh24\" stroke=\"%s\" stroke-width=\"2\"/>", x, y,
                    mode_style[m].color);
        shape_open(out, m, NULL, x + 12, y, hollow ? "#ffffff" : mode_style[m].color);
        fputs("/>", out);
    }
    fprintf(out, "<text x=\"%.1f\" y=\"%.1f\">", x + 32, y + 4);
    html_escape(out, label);
    fputs("</text></g>\n", out);
}

/* The legend, right of the plot. */
static void sp_legend(FILE *out, const sp_data *c)
{
    double lx = SP_X1 + 22, y = SP_Y0 + 10;
    fputs("<g class=\"legend\">\n", out);
    for (int m = 0; m < MODE_COUNT; m++) {
        if (c->n[m] == 0)
            continue;
        char label[96];
        mode_label(label, sizeof(label), (run_mode)m);
        legend_entry(out, lx, y, mode_name((run_mode)m), (run_mode)m, label);
        y += 18;
    }
    if (c->nvar > 0) {
        legend_entry(out, lx, y, "variant", c->var[0]->mode, "follow-up measurement");
        y += 18;
    }
    legend_entry(out, lx, y, "ideal", MODE_SINGLE, "ideal: speedup = workers");
    y += 18;
    legend_entry(out, lx, y, "band", MODE_SINGLE, "95 % interval");
    fputs("</g>\n", out);
}

void html_chart_speedup(const doc_block *b, FILE *out)
{
    fprintf(out,
            "<svg id=\"chart-speedup\" class=\"chart\" viewBox=\"0 0 %d %d\" width=\"%d\" "
            "height=\"%d\" role=\"img\" aria-label=\"Speedup against the number of workers, per "
            "mode, with the ideal line and the 95 %% intervals\">\n",
            SP_W, SP_H, SP_W, SP_H);
    fputs("<title>Speedup against workers</title>\n", out);
    fputs("<desc>Speedup against a plain loop (single) for each worker count of the thread pool "
          "and the process pool; the dashed line is the ideal (speedup = workers), the shaded "
          "bands the 95 % intervals.</desc>\n",
          out);
    if (b->npoints == 0) {
        fprintf(out,
                "<text class=\"muted\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">No speedup was "
                "measured.</text>\n</svg>\n",
                SP_W / 2, SP_H / 2);
        return;
    }
    sp_data c;
    sp_prepare(b, &c);
    sp_axes(out, &c.k);
    /* The 95 % bands, under everything else. */
    for (int m = 0; m < MODE_COUNT; m++)
        sp_bands(out, &c.k, c.pts[m], c.n[m], (run_mode)m);
    sp_ideal(out, &c.k);
    sp_series(out, &c);
    sp_legend(out, &c);
    fputs("</svg>\n", out);
    sp_release(&c);
}

/* ---- the thread-state chart ------------------------------------------------------------------ */

static const struct {
    const char *key, *label, *fill;
    bool dark; /* white text on it */
} states[TS_COUNT] = {
    [TS_RUNNING] = {"running", "running", C_GREEN, true},
    [TS_RUNNABLE] = {"runnable", "runnable", C_YELLOW, false},
    [TS_GIL_WAIT] = {"gil_wait", "GIL wait", C_VERMILLION, true},
    [TS_LOCK_WAIT] = {"lock_wait", "lock wait", C_PURPLE, false},
    [TS_IO_WAIT] = {"io_wait", "I/O wait", C_BLUE, true},
    [TS_SLEEP] = {"sleep", "sleep", C_SKY, false},
    [TS_CHILD_WAIT] = {"child_wait", "child wait", C_ORANGE, false},
    [TS_OTHER] = {"other", "other", C_GREY, false},
};

#define ST_W 880
#define ST_LABEL_X 232.0 /* labels end here */
#define ST_BAR_X 240.0
#define ST_BAR_W 624.0
#define ST_ROW 22
#define ST_GAP 8
#define ST_TOP 62

/* One configuration's bar at y: a segment a state, its share on it where there is room. */
static void st_bar(FILE *out, const doc_bar *bar, double y)
{
    fprintf(out, "<g class=\"bar\"><text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", ST_LABEL_X,
            y + 15);
    html_escape(out, bar->label);
    fputs("</text>\n", out);
    if (!bar->sampled) {
        fprintf(out, "<text class=\"muted\" x=\"%.1f\" y=\"%.1f\">not sampled</text></g>\n",
                ST_BAR_X + 4, y + 15);
        return;
    }
    double x = ST_BAR_X;
    for (int k = 0; k < TS_COUNT; k++) {
        double f = bar->share[k];
        if (!(f > 0) || !isfinite(f))
            continue;
        double w = fmin(f, 1.0) * ST_BAR_W;
        if (x + w > ST_BAR_X + ST_BAR_W)
            w = ST_BAR_X + ST_BAR_W - x;
        char share[32];
        report_fmt_share(share, sizeof(share), f);
        fprintf(out,
                "<rect class=\"state state-%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                "height=\"%d\" fill=\"%s\" stroke=\"#ffffff\" stroke-width=\"0.75\"><title>",
                states[k].key, x, y, w, ST_ROW, states[k].fill);
        html_escape(out, bar->label);
        fprintf(out, ": %s %s</title></rect>\n", states[k].label, share);
        if (w >= 34)
            fprintf(out, "<text class=\"share%s\" x=\"%.1f\" y=\"%.1f\" "
                         "text-anchor=\"middle\">%.0f%%</text>\n",
                    states[k].dark ? " on-dark" : "", x + w / 2, y + 15, 100 * f);
        x += w;
    }
    fputs("</g>\n", out);
}

void html_chart_states(const doc_block *b, FILE *out)
{
    int height = ST_TOP + (b->nbars > 0 ? b->nbars : 1) * (ST_ROW + ST_GAP) + 8;
    fprintf(out, "<svg id=\"chart-states\" class=\"chart\" viewBox=\"0 0 %d %d\" width=\"%d\" "
                 "height=\"%d\" role=\"img\" aria-label=\"What the worker threads were doing in "
                 "each configuration, as shares of the samples\">\n",
            ST_W, height, ST_W, height);
    fputs("<title>What the worker threads were doing</title>\n", out);
    fputs("<desc>One bar per configuration: the shares of the sampler's samples of the worker "
          "threads in each state.</desc>\n",
          out);

    fputs("<g class=\"legend\">\n", out);
    for (int k = 0; k < TS_COUNT; k++) {
        double x = 16 + (k % 4) * 172, y = 12 + (k / 4) * 22;
        fprintf(out, "<g class=\"legend-item legend-%s\"><rect x=\"%.1f\" y=\"%.1f\" width=\"14\" "
                     "height=\"14\" fill=\"%s\" stroke=\"#333333\" stroke-width=\"0.5\"/>"
                     "<text x=\"%.1f\" y=\"%.1f\">%s</text></g>\n",
                states[k].key, x, y, states[k].fill, x + 20, y + 11, states[k].label);
    }
    fputs("</g>\n", out);

    if (b->nbars == 0)
        fprintf(out, "<text class=\"muted\" x=\"%.1f\" y=\"%d\">Nothing was measured.</text>\n",
                ST_BAR_X, ST_TOP + 15);
    for (int i = 0; i < b->nbars; i++)
        st_bar(out, &b->bars[i], ST_TOP + i * (ST_ROW + ST_GAP));
    fputs("</svg>\n", out);
}
