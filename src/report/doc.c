/* doc.c - building a document (doc.h): blocks, their text, cells and chart data. */
#include "doc.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "concur/util.h"

/* Room for one more element in arr, which holds n of cap. */
#define GROW(arr, n, cap)                                                                          \
    do {                                                                                           \
        if ((n) == (cap)) {                                                                        \
            (cap) = (cap) ? 2 * (cap) : 8;                                                         \
            (arr) = xrealloc((arr), (size_t)(cap) * sizeof(*(arr)));                               \
        }                                                                                          \
    } while (0)

void doc_init(report_doc *d, const char *title)
{
    memset(d, 0, sizeof(*d));
    d->title = xstrdup(title);
    d->to = DOC_TO_ALL;
}

static void text_free(doc_text *t)
{
    for (int i = 0; i < t->n; i++)
        free(t->spans[i].text);
    free(t->spans);
}

static void block_free(doc_block *b)
{
    text_free(&b->text);
    for (int i = 0; i < b->nitems; i++) {
        text_free(&b->items[i].text);
        free(b->items[i].pre);
    }
    free(b->items);
    for (int i = 0; i < b->ncells; i++)
        free(b->cells[i]);
    free(b->cells);
    for (int i = 0; i < b->npoints; i++)
        free(b->points[i].label);
    free(b->points);
    for (int i = 0; i < b->nbars; i++)
        free(b->bars[i].label);
    free(b->bars);
}

void doc_free(report_doc *d)
{
    for (int i = 0; i < d->nblocks; i++)
        block_free(&d->blocks[i]);
    free(d->blocks);
    free(d->title);
    memset(d, 0, sizeof(*d));
}

void doc_for(report_doc *d, unsigned to)
{
    d->to = to;
}

static doc_block *add(report_doc *d, doc_kind kind)
{
    GROW(d->blocks, d->nblocks, d->cap);
    doc_block *b = &d->blocks[d->nblocks++];
    memset(b, 0, sizeof(*b));
    b->kind = kind;
    b->to = d->to;
    return b;
}

static doc_block *last(report_doc *d, doc_kind kind)
{
    if (d->nblocks == 0 || d->blocks[d->nblocks - 1].kind != kind) {
        log_error("report: no %d block to add to", (int)kind);
        abort();
    }
    return &d->blocks[d->nblocks - 1];
}

void doc_title(report_doc *d)
{
    add(d, DOC_TITLE);
}

void doc_section(report_doc *d, const char *id, const char *heading)
{
    add(d, DOC_SECTION)->id = id;
    doc_put(d, DOC_PLAIN, heading);
}

void doc_heading(report_doc *d, const char *heading)
{
    add(d, DOC_HEADING);
    if (heading)
        doc_put(d, DOC_PLAIN, heading);
}

void doc_paragraph(report_doc *d, doc_style style)
{
    add(d, DOC_PARAGRAPH)->style = style;
}

void doc_say(report_doc *d, doc_style style, const char *text)
{
    doc_paragraph(d, style);
    doc_put(d, DOC_PLAIN, text);
}

void doc_list(report_doc *d, doc_style style, char mark)
{
    doc_block *b = add(d, DOC_LIST);
    b->style = style;
    b->mark = mark;
}

void doc_item_start(report_doc *d)
{
    doc_block *b = last(d, DOC_LIST);
    GROW(b->items, b->nitems, b->itemcap);
    memset(&b->items[b->nitems++], 0, sizeof(doc_item));
}

void doc_item_text(report_doc *d, const char *text)
{
    doc_item_start(d);
    doc_put(d, DOC_PLAIN, text);
}

void doc_item_pre(report_doc *d, const char *pre)
{
    doc_block *b = last(d, DOC_LIST);
    if (b->nitems == 0)
        doc_item_start(d);
    doc_item *it = &b->items[b->nitems - 1];
    free(it->pre);
    it->pre = xstrdup(pre);
}

/* Where spans go: the last item of a list, or the last block's own text. */
static doc_text *current_text(report_doc *d)
{
    if (d->nblocks == 0) {
        log_error("report: text before any block");
        abort();
    }
    doc_block *b = &d->blocks[d->nblocks - 1];
    if (b->kind != DOC_LIST)
        return &b->text;
    if (b->nitems == 0)
        doc_item_start(d);
    return &b->items[b->nitems - 1].text;
}

/* fmt formatted into a string the caller frees. */
static char *vformat(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
static char *vformat(const char *fmt, va_list ap)
{
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0) {
        log_error("out of memory while building a report");
        abort();
    }
    return s;
}

static void span_take(report_doc *d, doc_mark mark, char *text)
{
    doc_text *t = current_text(d);
    GROW(t->spans, t->n, t->cap);
    t->spans[t->n++] = (doc_span){mark, text};
}

void doc_put(report_doc *d, doc_mark mark, const char *text)
{
    span_take(d, mark, xstrdup(text));
}

void doc_putf(report_doc *d, doc_mark mark, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = vformat(fmt, ap);
    va_end(ap);
    span_take(d, mark, s);
}

void doc_table(report_doc *d, const doc_column *cols, int ncols)
{
    doc_block *b = add(d, DOC_TABLE);
    b->cols = cols;
    b->ncols = ncols;
}

static void cell_take(report_doc *d, char *text)
{
    doc_block *b = last(d, DOC_TABLE);
    GROW(b->cells, b->ncells, b->cellcap);
    b->cells[b->ncells++] = text;
}

void doc_itemf(report_doc *d, const char *fmt, ...)
{
    doc_item_start(d);
    va_list ap;
    va_start(ap, fmt);
    char *s = vformat(fmt, ap);
    va_end(ap);
    span_take(d, DOC_PLAIN, s);
}

void doc_cell(report_doc *d, const char *text)
{
    cell_take(d, xstrdup(text));
}

void doc_cellf(report_doc *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = vformat(fmt, ap);
    va_end(ap);
    cell_take(d, s);
}

void doc_chart(report_doc *d, doc_chart_kind kind, const char *caption)
{
    add(d, DOC_CHART)->chart = kind;
    doc_put(d, DOC_PLAIN, caption);
}

void doc_point_add(report_doc *d, const doc_point *p, const char *label)
{
    doc_block *b = last(d, DOC_CHART);
    GROW(b->points, b->npoints, b->pointcap);
    doc_point *q = &b->points[b->npoints++];
    *q = *p;
    q->label = xstrdup(label);
}

void doc_bar_add(report_doc *d, const char *label, bool sampled, const double *share)
{
    doc_block *b = last(d, DOC_CHART);
    GROW(b->bars, b->nbars, b->barcap);
    doc_bar *bar = &b->bars[b->nbars++];
    bar->label = xstrdup(label);
    bar->sampled = sampled;
    memcpy(bar->share, share, sizeof(bar->share));
}

char *doc_text_plain(const doc_text *t)
{
    size_t len = 1;
    for (int i = 0; i < t->n; i++)
        len += strlen(t->spans[i].text);
    char *s = xmalloc(len), *p = s;
    *p = '\0';
    for (int i = 0; i < t->n; i++) {
        size_t k = strlen(t->spans[i].text);
        memcpy(p, t->spans[i].text, k + 1);
        p += k;
    }
    return s;
}
