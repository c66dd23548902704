/* report_html.c - report.html: the report as one self-contained page, rendered from the results
 * alone. Inline CSS, charts drawn here as inline SVG, no script, nothing fetched: it opens the same
 * from a mail attachment, an artifact store or a printer. Colours are the Okabe-Ito palette (told
 * apart with the common colour-vision deficiencies) and every series has its own marker shape, so
 * the charts still read in grey on paper. */
#include "concur/report.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "concur/classify.h"
#include "concur/concur.h"
#include "concur/counters.h"
#include "concur/plan.h"
#include "concur/util.h"

/* Okabe-Ito. */
#define C_BLACK "#000000"
#define C_ORANGE "#E69F00"
#define C_SKY "#56B4E9"
#define C_GREEN "#009E73"
#define C_YELLOW "#F0E442"
#define C_BLUE "#0072B2"
#define C_VERMILLION "#D55E00"
#define C_PURPLE "#CC79A7"
#define C_GREY "#BBBBBB"

static const char *const mode_color[MODE_COUNT] = {C_BLACK, C_BLUE, C_VERMILLION};

/* ---- HTML text ------------------------------------------------------------------------------- */

/* Text escaped for an element or a quoted attribute; control characters become spaces. */
static void h(FILE *out, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '&':
            fputs("&amp;", out);
            break;
        case '<':
            fputs("&lt;", out);
            break;
        case '>':
            fputs("&gt;", out);
            break;
        case '"':
            fputs("&quot;", out);
            break;
        case '\'':
            fputs("&#39;", out);
            break;
        default:
            fputc(*p < 0x20 || *p == 0x7f ? ' ' : *p, out);
        }
    }
}

/* The same for a <pre>: line breaks kept, carriage returns dropped. */
static void h_pre(FILE *out, const char *s)
{
    const char *end = s + strlen(s);
    while (end > s && (end[-1] == '\n' || end[-1] == '\r'))
        end--;
    for (const char *p = s; p < end; p++) {
        char one[2] = {*p, '\0'};
        if (*p == '\n')
            fputc('\n', out);
        else if (*p != '\r')
            h(out, one);
    }
}

static void td(FILE *out, const char *text)
{
    fputs("<td>", out);
    h(out, text);
    fputs("</td>", out);
}

static void td_num(FILE *out, const char *text)
{
    fputs("<td class=\"num\">", out);
    h(out, text);
    fputs("</td>", out);
}

/* A header row: each name, right-aligned where align has 'r'. */
static void table_head(FILE *out, const char *const *names, int n, const char *align)
{
    fputs("<div class=\"table-wrap\"><table>\n<thead><tr>", out);
    for (int i = 0; i < n; i++) {
        fputs(align[i] == 'r' ? "<th class=\"num\">" : "<th>", out);
        h(out, names[i]);
        fputs("</th>", out);
    }
    fputs("</tr></thead>\n<tbody>\n", out);
}

static void table_end(FILE *out)
{
    fputs("</tbody>\n</table></div>\n", out);
}

static void li(FILE *out, const char *text)
{
    fputs("<li>", out);
    h(out, text);
    fputs("</li>\n", out);
}

static const char style[] =
    "<style>\n"
    ":root { color-scheme: light; }\n"
    "body { margin: 0; background: #fff; color: #1a1a1a; font: 15px/1.5 system-ui, "
    "-apple-system, \"Segoe UI\", Roboto, \"Helvetica Neue\", Arial, sans-serif; }\n"
    "main { max-width: 1100px; margin: 0 auto; padding: 24px; }\n"
    "h1 { font-size: 1.6em; margin: 0 0 .3em; }\n"
    "h1 .description { font-weight: normal; color: #444; }\n"
    "h2 { font-size: 1.3em; border-bottom: 1px solid #ccc; padding-bottom: .2em; "
    "margin-top: 1.8em; }\n"
    "h3 { font-size: 1.05em; margin-top: 1.4em; }\n"
    ".incomplete { border: 2px solid " C_VERMILLION "; padding: .6em 1em; font-weight: bold; }\n"
    ".headline { font-size: 1.2em; font-weight: bold; border-left: 5px solid " C_BLUE "; "
    "padding: .3em .8em; background: #eef5fa; }\n"
    ".lead, .note, figcaption { color: #444; }\n"
    ".note, figcaption { font-size: .9em; }\n"
    "table { border-collapse: collapse; margin: .6em 0 1em; font-size: .88em; }\n"
    "th, td { border: 1px solid #ccc; padding: .2em .45em; text-align: left; "
    "vertical-align: top; }\n"
    "th { background: #f2f2f2; }\n"
    ".num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }\n"
    ".table-wrap { overflow-x: auto; }\n"
    "figure { margin: 1em 0; }\n"
    "svg.chart { display: block; max-width: 100%; height: auto; }\n"
    "svg text { font-family: inherit; font-size: 12px; fill: #1a1a1a; }\n"
    "svg .axis-title { font-size: 13px; }\n"
    "svg .muted { fill: #666; font-style: italic; }\n"
    "svg text.on-dark { fill: #fff; }\n"
    "pre { background: #f6f6f6; border: 1px solid #ddd; padding: .6em; overflow-x: auto; "
    "font-size: .85em; }\n"
    "pre, code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, \"DejaVu Sans Mono\", "
    "monospace; }\n"
    "@media print {\n"
    "  body { font-size: 10.5pt; }\n"
    "  main { max-width: none; padding: 0; }\n"
    "  .headline { background: none; }\n"
    "  figure, tr, pre { break-inside: avoid; }\n"
    "  .table-wrap { overflow: visible; }\n"
    "  table { font-size: 8.5pt; }\n"
    "  h2, h3 { break-after: avoid; }\n"
    "}\n"
    "</style>\n";

/* ---- the speedup chart ----------------------------------------------------------------------- */

#define SP_W 880
#define SP_H 420
#define SP_X0 64.0  /* plot area; the legend is on its right */
#define SP_X1 630.0
#define SP_Y0 20.0
#define SP_Y1 360.0
#define SP_PAD 20.0 /* between the axes and the first and last point */

typedef struct {
    double w, s, lo, hi; /* workers, speedup, its interval (NAN: none) */
    const config_summary *c;
} point;

typedef struct {
    bool log2x;
    double xmin, xmax, ymax;
} sp_scale;

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

static bool usable_point(const config_summary *c)
{
    return c->runs_ok > 0 && isfinite(c->speedup) && c->speedup > 0 && c->workers >= 1;
}

/* The sweep's points of one mode, by worker count. Returns how many (at most max). */
static int mode_points(const results *r, run_mode m, point *out, int max)
{
    int n = 0;
    for (int i = 0; i < r->nsummary && n < max; i++) {
        const config_summary *c = &r->summary[i];
        if (c->variant || c->mode != m || !usable_point(c))
            continue;
        bool ci = c->runs_ok >= RESULTS_CI_MIN_RUNS && isfinite(c->speedup_low) &&
                  isfinite(c->speedup_high);
        point p = {c->workers, c->speedup, ci ? c->speedup_low : NAN, ci ? c->speedup_high : NAN,
                   c};
        int k = n++;
        while (k > 0 && out[k - 1].w > p.w) {
            out[k] = out[k - 1];
            k--;
        }
        out[k] = p;
    }
    return n;
}

static void point_title(FILE *out, const point *p)
{
    char name[128], sp[64];
    fputs("<title>", out);
    h(out, report_config_name(name, sizeof(name), p->c));
    fputs(": ", out);
    h(out, report_fmt_speedup(sp, sizeof(sp), p->s, p->lo, p->hi));
    fputs("</title>", out);
}

/* Circle for threads, square for processes, diamond for single; hollow for a follow-up. */
static void marker(FILE *out, const sp_scale *k, const point *p, run_mode m, bool hollow)
{
    double x = sx(k, p->w), y = sy(k, p->s);
    const char *cls = hollow ? "marker variant variant-" : "marker marker-";
    const char *fill = hollow ? "#ffffff" : mode_color[m];
    if (m == MODE_THREADS)
        fprintf(out, "<circle class=\"%s%s\" cx=\"%.1f\" cy=\"%.1f\" r=\"4.5\" fill=\"%s\" "
                     "stroke=\"%s\" stroke-width=\"1.5\">",
                cls, mode_name(m), x, y, fill, mode_color[m]);
    else if (m == MODE_PROCESSES)
        fprintf(out,
                "<rect class=\"%s%s\" x=\"%.1f\" y=\"%.1f\" width=\"9\" height=\"9\" fill=\"%s\" "
                "stroke=\"%s\" stroke-width=\"1.5\">",
                cls, mode_name(m), x - 4.5, y - 4.5, fill, mode_color[m]);
    else
        fprintf(out,
                "<path class=\"%s%s\" d=\"M%.1f %.1fL%.1f %.1fL%.1f %.1fL%.1f %.1fZ\" "
                "fill=\"%s\" stroke=\"%s\" stroke-width=\"1.5\">",
                cls, mode_name(m), x, y - 6, x + 6, y, x, y + 6, x - 6, y, fill,
                mode_color[m]);
    point_title(out, p);
    fputs(m == MODE_THREADS ? "</circle>\n" : m == MODE_PROCESSES ? "</rect>\n" : "</path>\n", out);
}

/* The 95 % band of consecutive points that have an interval: a polygon over two or more, an error
 * bar for one alone. */
static void bands(FILE *out, const sp_scale *k, const point *p, int n, run_mode m)
{
    for (int i = 0; i < n;) {
        if (isnan(p[i].lo)) {
            i++;
            continue;
        }
        int j = i;
        while (j + 1 < n && !isnan(p[j + 1].lo))
            j++;
        if (j == i) {
            double x = sx(k, p[i].w);
            fprintf(out,
                    "<path class=\"band band-%s\" d=\"M%.1f %.1fL%.1f %.1fM%.1f %.1fL%.1f "
                    "%.1fM%.1f %.1fL%.1f %.1f\" fill=\"none\" stroke=\"%s\" stroke-opacity=\"0.6\" "
                    "stroke-width=\"1.5\"/>\n",
                    mode_name(m), x, sy(k, p[i].lo), x, sy(k, p[i].hi), x - 4, sy(k, p[i].lo),
                    x + 4, sy(k, p[i].lo), x - 4, sy(k, p[i].hi), x + 4, sy(k, p[i].hi),
                    mode_color[m]);
        } else {
            fprintf(out, "<polygon class=\"band band-%s\" points=\"", mode_name(m));
            for (int a = i; a <= j; a++)
                fprintf(out, "%s%.1f,%.1f", a == i ? "" : " ", sx(k, p[a].w), sy(k, p[a].hi));
            for (int a = j; a >= i; a--)
                fprintf(out, " %.1f,%.1f", sx(k, p[a].w), sy(k, p[a].lo));
            fprintf(out,
                    "\" fill=\"%s\" fill-opacity=\"0.15\" stroke=\"%s\" stroke-opacity=\"0.35\" "
                    "stroke-width=\"1\"/>\n",
                    mode_color[m], mode_color[m]);
        }
        i = j + 1;
    }
}

static void legend_entry(FILE *out, double x, double y, const char *kind, run_mode m,
                         const char *label)
{
    fprintf(out, "<g class=\"legend-item legend-%s\">", kind);
    if (!strcmp(kind, "ideal"))
        fprintf(out, "<path d=\"M%.1f %.1fh24\" stroke=\"#555555\" stroke-width=\"1.5\" "
                     "stroke-dasharray=\"6 4\"/>",
                x, y);
    else if (!strcmp(kind, "band"))
        fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"24\" height=\"10\" fill=\"#555555\" "
                     "fill-opacity=\"0.2\" stroke=\"#555555\" stroke-opacity=\"0.4\"/>",
                x, y - 5);
    else {
        bool hollow = !strcmp(kind, "variant");
        const char *fill = hollow ? "#ffffff" : mode_color[m];
        if (!hollow && m != MODE_SINGLE)
            fprintf(out, "<path d=\"M%.1f %.1fh24\" stroke=\"%s\" stroke-width=\"2\"/>", x, y,
                    mode_color[m]);
        double cx = x + 12;
        if (m == MODE_THREADS)
            fprintf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4.5\" fill=\"%s\" stroke=\"%s\" "
                         "stroke-width=\"1.5\"/>",
                    cx, y, fill, mode_color[m]);
        else if (m == MODE_PROCESSES)
            fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"9\" height=\"9\" fill=\"%s\" "
                         "stroke=\"%s\" stroke-width=\"1.5\"/>",
                    cx - 4.5, y - 4.5, fill, mode_color[m]);
        else
            fprintf(out, "<path d=\"M%.1f %.1fL%.1f %.1fL%.1f %.1fL%.1f %.1fZ\" fill=\"%s\" "
                         "stroke=\"%s\" stroke-width=\"1.5\"/>",
                    cx, y - 6, cx + 6, y, cx, y + 6, cx - 6, y, fill, mode_color[m]);
    }
    fprintf(out, "<text x=\"%.1f\" y=\"%.1f\">", x + 32, y + 4);
    h(out, label);
    fputs("</text></g>\n", out);
}

static void chart_speedup(const results *r, FILE *out)
{
    enum { MAXP = 128 };
    point pts[MODE_COUNT][MAXP], var[MAXP];
    int npts[MODE_COUNT], nvar = 0;
    double maxw = 1, top = 0, tophi = 0;
    bool any = false;
    for (int m = 0; m < MODE_COUNT; m++) {
        npts[m] = mode_points(r, (run_mode)m, pts[m], MAXP);
        for (int i = 0; i < npts[m]; i++) {
            const point *p = &pts[m][i];
            any = true;
            maxw = fmax(maxw, p->w);
            top = fmax(top, p->s);
            if (!isnan(p->hi))
                tophi = fmax(tophi, p->hi);
        }
    }
    for (int i = 0; i < r->nsummary && nvar < MAXP; i++) {
        const config_summary *c = &r->summary[i];
        if (!c->variant || !usable_point(c))
            continue;
        bool ci = c->runs_ok >= RESULTS_CI_MIN_RUNS && isfinite(c->speedup_low) &&
                  isfinite(c->speedup_high);
        var[nvar++] = (point){c->workers, c->speedup, ci ? c->speedup_low : NAN,
                              ci ? c->speedup_high : NAN, c};
        any = true;
        maxw = fmax(maxw, c->workers);
        top = fmax(top, c->speedup);
    }

    sp_scale k = {.log2x = maxw > 16};
    if (k.log2x) {
        k.xmin = 1;
        k.xmax = pow(2, ceil(log2(maxw)));
    } else {
        k.xmin = 1;
        k.xmax = fmax(2, maxw);
    }
    /* Room for the data and for the ideal line up to the largest count (or twice the best
     * speedup, whichever is lower), and for the intervals up to half as much again. */
    double want = fmax(top * 1.1, fmin(maxw, fmax(4, 2 * top)));
    want = fmax(want, fmin(tophi, 1.5 * want));
    if (!(want > 0))
        want = 2;
    double ystep = nice_step(want, 6);
    k.ymax = ceil(want / ystep - 1e-9) * ystep;

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
    if (!any) {
        fprintf(out,
                "<text class=\"muted\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">No speedup was "
                "measured.</text>\n</svg>\n",
                SP_W / 2, SP_H / 2);
        return;
    }

    /* Grid and axes. */
    fputs("<g class=\"axis axis-y\">\n", out);
    for (int i = 0; i * ystep <= k.ymax + 1e-9; i++) {
        double v = i * ystep, y = sy(&k, v);
        char label[32];
        util_fmt(label, sizeof(label), ystep < 1 ? "%.2g" : "%g", v);
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
    double xstep = k.log2x ? 0 : k.xmax <= 12 ? 1 : nice_step(k.xmax, 8);
    if (xstep > 0 && xstep < 1)
        xstep = 1;
    for (double v = 1; v <= k.xmax + 1e-9;) {
        double x = sx(&k, v);
        fprintf(out, "<path d=\"M%.1f %.1fv5\" stroke=\"#333333\" stroke-width=\"1\"/>", x, SP_Y1);
        fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%g</text>\n", x,
                SP_Y1 + 18, v);
        if (k.log2x)
            v *= 2;
        else
            v = v == 1 && xstep > 1 ? xstep : v + xstep;
    }
    fprintf(out, "<text class=\"axis-title\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">workers%s"
                 "</text>\n",
            (SP_X0 + SP_X1) / 2, SP_Y1 + 40, k.log2x ? " (log scale)" : "");
    fputs("</g>\n", out);

    /* The 95 % bands, under everything else. */
    for (int m = 0; m < MODE_COUNT; m++)
        bands(out, &k, pts[m], npts[m], (run_mode)m);

    /* Ideal: speedup = workers, from 1 to the edge of the plot. */
    double end = fmin(k.xmax, k.ymax);
    fputs("<path class=\"ideal\" d=\"", out);
    int steps = k.log2x ? 48 : 1;
    for (int i = 0; i <= steps; i++) {
        double w = k.log2x ? pow(end, (double)i / steps) : (i == 0 ? 1 : end);
        fprintf(out, "%s%.1f %.1f", i == 0 ? "M" : "L", sx(&k, w), sy(&k, w));
    }
    fputs("\" fill=\"none\" stroke=\"#555555\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>\n",
          out);

    /* A line per pool, then the markers on top. */
    for (int m = MODE_THREADS; m < MODE_COUNT; m++) {
        if (npts[m] < 2)
            continue;
        fprintf(out, "<path class=\"series series-%s\" d=\"", mode_name((run_mode)m));
        for (int i = 0; i < npts[m]; i++)
            fprintf(out, "%s%.1f %.1f", i == 0 ? "M" : "L", sx(&k, pts[m][i].w),
                    sy(&k, pts[m][i].s));
        fprintf(out,
                "\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\" stroke-linejoin=\"round\"/>\n",
                mode_color[m]);
    }
    for (int m = 0; m < MODE_COUNT; m++)
        for (int i = 0; i < npts[m]; i++)
            marker(out, &k, &pts[m][i], (run_mode)m, false);
    for (int i = 0; i < nvar; i++)
        marker(out, &k, &var[i], var[i].c->mode, true);

    /* The legend, right of the plot. */
    double lx = SP_X1 + 22, y = SP_Y0 + 10;
    fputs("<g class=\"legend\">\n", out);
    static const char *const labels[MODE_COUNT] = {"single (a plain loop)", "threads",
                                                   "processes"};
    for (int m = 0; m < MODE_COUNT; m++) {
        if (npts[m] == 0)
            continue;
        legend_entry(out, lx, y, mode_name((run_mode)m), (run_mode)m, labels[m]);
        y += 18;
    }
    if (nvar > 0) {
        legend_entry(out, lx, y, "variant", var[0].c->mode, "follow-up measurement");
        y += 18;
    }
    legend_entry(out, lx, y, "ideal", MODE_SINGLE, "ideal: speedup = workers");
    y += 18;
    legend_entry(out, lx, y, "band", MODE_SINGLE, "95 % interval");
    fputs("</g>\n</svg>\n", out);
}

/* ---- the thread-state chart ------------------------------------------------------------------ */

static const struct {
    const char *key, *label, *fill;
    bool dark; /* white text on it */
} states[8] = {
    {"running", "running", C_GREEN, true},
    {"runnable", "runnable", C_YELLOW, false},
    {"gil_wait", "GIL wait", C_VERMILLION, true},
    {"lock_wait", "lock wait", C_PURPLE, false},
    {"io_wait", "I/O wait", C_BLUE, true},
    {"sleep", "sleep", C_SKY, false},
    {"child_wait", "child wait", C_ORANGE, false},
    {"other", "other", C_GREY, false},
};

static void state_fractions(const config_summary *s, double f[8])
{
    f[0] = s->running_fraction;
    f[1] = s->runnable_fraction;
    f[2] = s->gil_wait_fraction;
    f[3] = s->lock_wait_fraction;
    f[4] = s->io_wait_fraction;
    f[5] = s->sleep_fraction;
    f[6] = s->child_wait_fraction;
    f[7] = s->other_fraction;
}

#define ST_W 880
#define ST_LABEL_X 232.0 /* labels end here */
#define ST_BAR_X 240.0
#define ST_BAR_W 624.0
#define ST_ROW 22
#define ST_GAP 8
#define ST_TOP 62

static void chart_states(const results *r, FILE *out)
{
    int height = ST_TOP + (r->nsummary > 0 ? r->nsummary : 1) * (ST_ROW + ST_GAP) + 8;
    fprintf(out, "<svg id=\"chart-states\" class=\"chart\" viewBox=\"0 0 %d %d\" width=\"%d\" "
                 "height=\"%d\" role=\"img\" aria-label=\"What the worker threads were doing in "
                 "each configuration, as shares of the samples\">\n",
            ST_W, height, ST_W, height);
    fputs("<title>What the worker threads were doing</title>\n", out);
    fputs("<desc>One bar per configuration: the shares of the sampler's samples of the worker "
          "threads in each state.</desc>\n",
          out);

    fputs("<g class=\"legend\">\n", out);
    for (int k = 0; k < 8; k++) {
        double x = 16 + (k % 4) * 172, y = 12 + (k / 4) * 22;
        fprintf(out, "<g class=\"legend-item legend-%s\"><rect x=\"%.1f\" y=\"%.1f\" width=\"14\" "
                     "height=\"14\" fill=\"%s\" stroke=\"#333333\" stroke-width=\"0.5\"/>"
                     "<text x=\"%.1f\" y=\"%.1f\">%s</text></g>\n",
                states[k].key, x, y, states[k].fill, x + 20, y + 11, states[k].label);
    }
    fputs("</g>\n", out);

    if (r->nsummary == 0)
        fprintf(out, "<text class=\"muted\" x=\"%.1f\" y=\"%d\">Nothing was measured.</text>\n",
                ST_BAR_X, ST_TOP + 15);
    for (int i = 0; i < r->nsummary; i++) {
        const config_summary *s = &r->summary[i];
        double y = ST_TOP + i * (ST_ROW + ST_GAP);
        char name[128];
        report_config_name(name, sizeof(name), s);
        fprintf(out, "<g class=\"bar\"><text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">",
                ST_LABEL_X, y + 15);
        h(out, name);
        fputs("</text>\n", out);
        double f[8];
        state_fractions(s, f);
        if (!(s->state_samples > 0)) {
            fprintf(out, "<text class=\"muted\" x=\"%.1f\" y=\"%.1f\">not sampled</text></g>\n",
                    ST_BAR_X + 4, y + 15);
            continue;
        }
        double x = ST_BAR_X;
        for (int k = 0; k < 8; k++) {
            if (!(f[k] > 0) || !isfinite(f[k]))
                continue;
            double w = fmin(f[k], 1.0) * ST_BAR_W;
            if (x + w > ST_BAR_X + ST_BAR_W)
                w = ST_BAR_X + ST_BAR_W - x;
            char share[32];
            report_fmt_share(share, sizeof(share), f[k]);
            fprintf(out,
                    "<rect class=\"state state-%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                    "height=\"%d\" fill=\"%s\" stroke=\"#ffffff\" stroke-width=\"0.75\"><title>",
                    states[k].key, x, y, w, ST_ROW, states[k].fill);
            h(out, name);
            fprintf(out, ": %s %s</title></rect>\n", states[k].label, share);
            if (w >= 34)
                fprintf(out, "<text class=\"share%s\" x=\"%.1f\" y=\"%.1f\" "
                             "text-anchor=\"middle\">%.0f%%</text>\n",
                        states[k].dark ? " on-dark" : "", x + w / 2, y + 15, 100 * f[k]);
            x += w;
        }
        fputs("</g>\n", out);
    }
    fputs("</svg>\n", out);
}

/* ---- sections -------------------------------------------------------------------------------- */

static void html_recommendation(const results *r, FILE *out)
{
    const recommendation *rec = &r->recommendation;
    fputs("<section id=\"recommendation\">\n<h2>Recommendation</h2>\n", out);
    if (!rec->made) {
        fputs("<p class=\"headline\">No recommendation", out);
        if (rec->nreasons > 0) {
            fputs(": ", out);
            h(out, rec->reasons[0]);
        } else {
            fputs(". None was made for these results.", out);
        }
        fputs("</p>\n", out);
        if (rec->nreasons > 1) {
            fputs("<ul>\n", out);
            for (int i = 1; i < rec->nreasons; i++)
                li(out, rec->reasons[i]);
            fputs("</ul>\n", out);
        }
        fputs("</section>\n", out);
        return;
    }
    fputs("<p class=\"headline\">", out);
    h(out, rec->headline);
    fputs("</p>\n<ul class=\"facts\">\n", out);

    const advise_option *c = &rec->choice;
    char sp[64], conf[32], rss[32], mem[32];
    fprintf(out, "<li><strong>Model:</strong> %s (%s), %d worker%s", mode_name(c->mode),
            mode_get(c->mode)->title, c->workers, c->workers == 1 ? "" : "s");
    if (mode_get(c->mode)->pickles && c->chunksize > 0)
        fprintf(out, ", chunksize %d", c->chunksize);
    if (mode_get(c->mode)->pickles && c->start_method[0]) {
        fputs(", start method ", out);
        h(out, c->start_method);
    }
    fputs("</li>\n", out);
    fprintf(out, "<li><strong>Expected speedup:</strong> %s against a plain loop, on this machine"
                 "</li>\n",
            report_fmt_speedup(sp, sizeof(sp), c->speedup, c->ci_low, c->ci_high));
    fprintf(out, "<li><strong>Confidence:</strong> %s</li>\n",
            report_fmt_fixed(conf, sizeof(conf), rec->confidence, 2));
    util_fmt_bytes(rss, sizeof(rss), rec->peak_rss_bytes);
    if (rec->machine_memory_bytes > 0)
        util_fmt_bytes(mem, sizeof(mem), rec->machine_memory_bytes);
    else
        util_fmt(mem, sizeof(mem), "-");
    fprintf(out, "<li><strong>Peak memory:</strong> %s, all processes together (this machine: %s)%s"
                 "</li>\n</ul>\n",
            rss, mem, rec->memory_fits ? "" : ": more than this machine has");

    if (rec->nreasons > 0) {
        fputs("<h3>Why</h3>\n<ul>\n", out);
        for (int i = 0; i < rec->nreasons; i++)
            li(out, rec->reasons[i]);
        fputs("</ul>\n", out);
    }
    if (rec->nnotes > 0) {
        fputs("<h3>Notes</h3>\n<ul>\n", out);
        for (int i = 0; i < rec->nnotes; i++)
            li(out, rec->notes[i]);
        fputs("</ul>\n", out);
    }
    if (rec->nalternatives > 0) {
        fputs("<h3>Alternatives</h3>\n", out);
        static const char *const head[] = {"model", "workers", "speedup [95% CI]", "why not"};
        table_head(out, head, 4, "lrrl");
        for (int i = 0; i < rec->nalternatives; i++) {
            const advise_option *a = &rec->alternatives[i];
            char model[96], w[16];
            report_option_model(model, sizeof(model), a);
            fputs("<tr>", out);
            td(out, model);
            td_num(out, util_fmt(w, sizeof(w), "%d", a->workers));
            td_num(out, report_fmt_speedup(sp, sizeof(sp), a->speedup, a->ci_low, a->ci_high));
            td(out, a->why);
            fputs("</tr>\n", out);
        }
        table_end(out);
    }
    if (rec->nopen > 0) {
        fputs("<h3>Open questions</h3>\n<ul>\n", out);
        for (int i = 0; i < rec->nopen; i++)
            li(out, rec->open_questions[i]);
        fputs("</ul>\n", out);
    }
    fputs("</section>\n", out);
}

static void html_classification(const classification *c, FILE *out)
{
    fputs("<section id=\"classification\">\n<h2>Classification</h2>\n", out);
    if (classify_is_empty(c)) {
        fputs("<p>Not classified.</p>\n</section>\n", out);
        return;
    }
    char conf[32];
    fprintf(out, "<p><strong>%s</strong>, GIL <strong>%s</strong>, confidence %s",
            classify_kind_name(c->kind), classify_gil_name(c->gil),
            report_fmt_fixed(conf, sizeof(conf), c->confidence, 2));
    if (c->memory_bound > 0)
        fputs("; memory-bound (low IPC, many last-level cache misses)", out);
    fputs("</p>\n", out);
    if (c->nevidence > 0) {
        fputs("<p>Evidence:</p>\n<ul>\n", out);
        for (int i = 0; i < c->nevidence; i++)
            li(out, c->evidence[i]);
        fputs("</ul>\n", out);
    }
    fputs("</section>\n", out);
}

static void config_cells(FILE *out, const config_summary *s)
{
    char buf[96];
    td_num(out, report_fmt_runs(buf, sizeof(buf), s));
    td_num(out, s->runs_ok > 0 ? util_fmt_seconds(buf, sizeof(buf), s->wall_s) : "-");
    td_num(out, report_fmt_wall_ci(buf, sizeof(buf), s));
    bool ci = s->runs_ok >= RESULTS_CI_MIN_RUNS; /* two runs' interval says nothing */
    td_num(out, report_fmt_speedup(buf, sizeof(buf), s->speedup, ci ? s->speedup_low : NAN,
                                   ci ? s->speedup_high : NAN));
    td_num(out, report_fmt_fixed(buf, sizeof(buf), s->efficiency, 2));
    td_num(out, report_fmt_utilization(buf, sizeof(buf), s));
    td_num(out, util_fmt_bytes(buf, sizeof(buf), s->peak_rss_bytes));
    td_num(out, util_fmt_bytes(buf, sizeof(buf), s->pickle_bytes_per_task));
}

static void html_configurations(const results *r, FILE *out)
{
    fputs("<section id=\"measurements\">\n<h2>Measurements</h2>\n", out);
    fputs("<figure>\n", out);
    chart_speedup(r, out);
    fputs("<figcaption>Speedup against a plain loop (single, the point at 1 worker) for each "
          "worker count; the dashed line is the ideal, speedup = workers; the bands are the 95 % "
          "intervals; hollow markers are follow-ups (another chunksize or start method)."
          "</figcaption>\n</figure>\n",
          out);
    if (r->nsummary == 0)
        fputs("<p>Nothing was measured.</p>\n", out);

    static const char *const head[] = {"mode",     "workers",          "runs",       "wall",
                                       "95% CI",   "speedup [95% CI]", "efficiency", "CPU util.",
                                       "peak RSS", "pickled / task"};
    bool sweep = false, variants = false;
    for (int i = 0; i < r->nsummary; i++) {
        const config_summary *s = &r->summary[i];
        if (s->variant) {
            variants = true;
            continue;
        }
        if (!sweep)
            table_head(out, head, 10, "lrrrrrrrrr");
        sweep = true;
        char w[16];
        fputs("<tr>", out);
        td(out, mode_name(s->mode));
        td_num(out, util_fmt(w, sizeof(w), "%d", s->workers));
        config_cells(out, s);
        fputs("</tr>\n", out);
    }
    if (sweep)
        table_end(out);
    fputs(
        "<p class=\"note\">wall: median of the successful runs, with its 95 % confidence interval; "
        "speedup: against single, with its interval; efficiency: speedup / workers; CPU util.: "
        "CPU time / (wall x workers); peak RSS: all processes of a run together (median); "
        "pickled / task: argument and result of a task in a process pool (median).",
        out);
    if (report_any_too_short(r)) {
        fputs(" CPU util. ", out);
        h(out, report_too_short_note);
    }
    fputs("</p>\n", out);
    char safety[8][REPORT_LINE_LEN];
    int nsafety = report_safety(r, safety, 8);
    for (int i = 0; i < nsafety; i++) {
        fputs(i == 0 ? "<ul>\n" : "", out);
        li(out, safety[i]);
        fputs(i + 1 == nsafety ? "</ul>\n" : "", out);
    }

    if (variants) {
        fputs("<h3>Follow-ups</h3>\n<p>Configurations measured after the sweep to settle the "
              "choice: another chunksize or start method for a process pool.</p>\n",
              out);
        static const char *const vhead[] = {
            "mode",       "workers",   "chunksize", "start method",
            "runs",       "wall",      "95% CI",    "speedup [95% CI]",
            "efficiency", "CPU util.", "peak RSS",  "pickled / task"};
        table_head(out, vhead, 12, "lrrlrrrrrrrr");
        for (int i = 0; i < r->nsummary; i++) {
            const config_summary *s = &r->summary[i];
            if (!s->variant)
                continue;
            char w[16], c[16];
            fputs("<tr>", out);
            td(out, mode_name(s->mode));
            td_num(out, util_fmt(w, sizeof(w), "%d", s->workers));
            td_num(out, s->chunksize > 0 ? util_fmt(c, sizeof(c), "%d", s->chunksize) : "-");
            td(out, s->start_method[0] ? s->start_method : "-");
            config_cells(out, s);
            fputs("</tr>\n", out);
        }
        table_end(out);
    }

    fputs("<h3>What the worker threads were doing</h3>\n<figure>\n", out);
    chart_states(r, out);
    fputs("<figcaption>Shares of the sampler's samples of the worker threads. running: on a CPU; "
          "runnable: waiting for one; GIL wait / lock wait: blocked on the GIL or another lock; "
          "I/O wait: in a read, write, poll...; sleep: in a sleep; child wait: waiting for a child "
          "process.</figcaption>\n</figure>\n",
          out);
    bool any = false, undistinguished = false;
    for (int i = 0; i < r->nsummary; i++) {
        if (r->summary[i].state_samples > 0) {
            any = true;
            undistinguished = undistinguished || !r->summary[i].gil_distinguished;
        }
    }
    if (!any) {
        fputs("<p>Nothing was sampled.</p>\n</section>\n", out);
        return;
    }
    static const char *const shead[] = {"configuration", "samples",  "running",    "runnable",
                                        "GIL wait",      "lock wait", "I/O wait",  "sleep",
                                        "child wait",    "other"};
    table_head(out, shead, 10, "lrrrrrrrrr");
    for (int i = 0; i < r->nsummary; i++) {
        const config_summary *s = &r->summary[i];
        bool sampled = s->state_samples > 0;
        double f[8];
        state_fractions(s, f);
        char buf[128];
        fputs("<tr>", out);
        td(out, report_config_name(buf, sizeof(buf), s));
        td_num(out, sampled ? util_fmt(buf, sizeof(buf), "%.0f", s->state_samples) : "-");
        for (int k = 0; k < 8; k++) {
            bool hide = !sampled || (k == 2 && !s->gil_distinguished);
            td_num(out, report_fmt_share(buf, sizeof(buf), hide ? NAN : f[k]));
        }
        fputs("</tr>\n", out);
    }
    table_end(out);
    if (undistinguished)
        fputs(
            "<p class=\"note\">GIL wait &quot;-&quot;: the GIL could not be told apart from other "
            "locks; its waits are counted as lock waits.</p>\n",
            out);
    fputs("</section>\n", out);
}

static void html_beyond(const recommendation *rec, FILE *out)
{
    if (rec->target_cores <= 0)
        return;
    fprintf(out, "<section id=\"beyond\">\n<h2>Beyond this machine: %d cores</h2>\n",
            rec->target_cores);
    fputs("<p>The Universal Scalability Law fitted to the speedups measured here: contention "
          "(sigma) is the share that runs one worker at a time, coherency (kappa) the cost of "
          "keeping workers consistent, which makes the speedup fall again past a peak.</p>\n",
          out);
    static const char *const head[] = {"mode", "fitted to", "sigma", "kappa", "R^2", "predicted"};
    table_head(out, head, 6, "llrrrr");
    for (int i = 0; i < 2; i++) {
        const advise_scaling *sc = &rec->scaling[i];
        const usl_fit *f = &sc->fit;
        char buf[64];
        fputs("<tr>", out);
        td(out, mode_name(sc->mode));
        if (f->fitted)
            util_fmt(buf, sizeof(buf), "%d worker count%s up to %d", f->npoints,
                     f->npoints == 1 ? "" : "s", f->max_workers);
        else
            util_fmt(buf, sizeof(buf), "not fitted");
        td(out, buf);
        td_num(out, report_fmt_fixed(buf, sizeof(buf), f->fitted ? f->sigma : NAN, 3));
        td_num(out, report_fmt_fixed(buf, sizeof(buf), f->fitted ? f->kappa : NAN, 4));
        td_num(out, report_fmt_fixed(buf, sizeof(buf), f->fitted ? f->r_squared : NAN, 3));
        td_num(out, report_fmt_speedup(buf, sizeof(buf), sc->predicted, NAN, NAN));
        fputs("</tr>\n", out);
    }
    table_end(out);
    fputs("<ul>\n", out);
    for (int i = 0; i < 2; i++)
        if (rec->scaling[i].note[0])
            li(out, rec->scaling[i].note);
    fputs("</ul>\n</section>\n", out);
}

static void html_machine(const results *r, FILE *out)
{
    const topology_info *m = &r->machine;
    char buf[64];
    fputs("<section id=\"machine\">\n<h2>Machine</h2>\n<ul>\n<li><strong>CPU:</strong> ", out);
    h(out, m->cpu_model[0] ? m->cpu_model : "model unknown");
    fprintf(out, "; %d package%s, %d NUMA node%s, %d cores, %d PUs", m->packages,
            m->packages == 1 ? "" : "s", m->numa_nodes, m->numa_nodes == 1 ? "" : "s", m->cores,
            m->pus);
    if (m->synthetic) {
        fputs(" (synthetic: ", out);
        h(out, m->synthetic_desc);
        fputc(')', out);
    }
    fprintf(out, "</li>\n<li><strong>Memory:</strong> %s</li>\n",
            m->memory_bytes > 0 ? util_fmt_bytes(buf, sizeof(buf), m->memory_bytes) : "-");

    const python_info *py = &r->python;
    fputs("<li><strong>Python:</strong> ", out);
    h(out, py->implementation[0] ? py->implementation : "-");
    fputc(' ', out);
    h(out, py->version[0] ? py->version : "-");
    fputs(", <code>", out);
    h(out, py->executable[0] ? py->executable : "-");
    fputs("</code>", out);
    if (py->requested[0] && strcmp(py->requested, py->executable) != 0) {
        fputs(" (asked for: <code>", out);
        h(out, py->requested);
        fputs("</code>)", out);
    }
    fprintf(out, "; GIL: %s</li>\n",
            py->gil == 1 ? "yes" : py->gil == 0 ? "no (free-threaded)" : "unknown");

    const counters_probe *c = &r->counters;
    fprintf(out, "<li><strong>Counters:</strong> %s (%s)", counters_level_name(c->level),
            counters_backend_name(c->backend));
    for (int i = 0; i < c->nevents; i++) {
        fputs(i == 0 ? ": " : ", ", out);
        h(out, c->events[i]);
    }
    fputs("</li>\n", out);
    if (c->why[0]) {
        fputs("<li><strong>Why this counter level:</strong> ", out);
        h(out, c->why);
        fputs("</li>\n", out);
    }
    fprintf(out, "<li><strong>Runs per configuration:</strong> %d; start method: ", r->repeat);
    h(out, r->start_method[0] ? r->start_method : "-");
    fprintf(out, "; timeout per run: %s</li>\n",
            r->timeout_s > 0 ? util_fmt_seconds(buf, sizeof(buf), r->timeout_s) : "none");
    fputs("<li><strong>concur</strong> ", out);
    h(out, r->concur_version);
    fputs(", from ", out);
    h(out, r->started_at[0] ? r->started_at : "-");
    fputs(" to ", out);
    h(out, r->finished_at[0] ? r->finished_at : "-");
    fputs("</li>\n</ul>\n</section>\n", out);
}

static void html_measuring(const results *r, FILE *out)
{
    char lines[24][REPORT_LINE_LEN];
    int n = report_measuring(r, lines, 24);
    if (n == 0)
        return;
    fputs("<section id=\"measuring\">\n<h2>How it was measured</h2>\n<ul>\n", out);
    for (int i = 0; i < n; i++) {
        fputs("<li>", out);
        h(out, lines[i]);
        fputs("</li>\n", out);
    }
    fputs("</ul>\n</section>\n", out);
}

static void html_failures(const results *r, FILE *out)
{
    bool header = false;
    for (int i = 0; i < r->nruns; i++) {
        const run_result *x = &r->runs[i];
        if (x->status == RUN_OK)
            continue;
        if (!header) {
            fputs("<section id=\"failures\">\n<h2>Runs that failed</h2>\n<ul>\n", out);
            header = true;
        }
        fprintf(out, "<li>%s x%d", mode_name(x->mode), x->workers);
        if (x->variant) {
            if (x->chunksize > 0)
                fprintf(out, ", chunksize %d", x->chunksize);
            if (x->start_method[0]) {
                fputs(", ", out);
                h(out, x->start_method);
            }
        }
        fprintf(out, ", run %d: %s", x->repeat, results_status_name(x->status));
        if (x->error[0]) {
            fputs(": ", out);
            h(out, x->error);
        }
        bool seen = false;
        for (int k = 0; k < i && !seen; k++)
            seen = r->runs[k].mode == x->mode && r->runs[k].workers == x->workers &&
                   r->runs[k].status == x->status && r->runs[k].variant == x->variant &&
                   strcmp(r->runs[k].traceback, x->traceback) == 0;
        if (x->traceback[0] && !seen) {
            fputs("\n<pre>", out);
            h_pre(out, x->traceback);
            fputs("</pre>\n", out);
        }
        fputs("</li>\n", out);
    }
    if (header)
        fputs("</ul>\n</section>\n", out);
}

int report_write_html(const results *r, FILE *out)
{
    const char *name = r->workload.name[0] ? r->workload.name : "workload";
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n", out);
    /* Says to the browser what the page is: nothing is loaded from anywhere. */
    fputs("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "style-src 'unsafe-inline'\">\n",
          out);
    fputs("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n", out);
    fprintf(out,
            "<meta name=\"generator\" content=\"concur %s\">\n<title>concur: ", CONCUR_VERSION);
    h(out, name);
    fputs("</title>\n", out);
    fputs(style, out);
    fputs("</head>\n<body>\n<main>\n", out);
    if (!r->complete) {
        fputs("<p class=\"incomplete\">INCOMPLETE: ", out);
        const char *why = r->incomplete_reason[0] ? r->incomplete_reason : "the run did not finish";
        h(out, why);
        fputs(why[strlen(why) - 1] == '.' ? "" : ".", out);
        fputs(" The numbers below come from the runs that finished.</p>\n", out);
    }
    fputs("<header>\n<h1>", out);
    h(out, name);
    if (r->workload.description[0]) {
        fputs(": <span class=\"description\">", out);
        h(out, r->workload.description);
        fputs("</span>", out);
    }
    fputs("</h1>\n<p class=\"lead\">concur report for <code>", out);
    h(out, r->workload.spec[0] ? r->workload.spec : "-");
    fprintf(out, "</code>: %d tasks in the job, measured on this machine in a single thread, a thread "
                 "pool and a process pool.</p>\n</header>\n",
            r->workload.tasks);

    html_recommendation(r, out);
    html_classification(&r->classification, out);
    html_configurations(r, out);
    html_measuring(r, out);
    html_beyond(&r->recommendation, out);
    html_machine(r, out);
    html_failures(r, out);
    fputs("</main>\n</body>\n</html>\n", out);
    fflush(out);
    return ferror(out) ? -1 : 0;
}
