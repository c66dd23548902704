/* html.c - a document (doc.h) as report.html: one self-contained page, inline CSS, the charts as
 * inline SVG (charts.c), no script, nothing fetched: it opens the same from a mail attachment, an
 * artifact store or a printer. Every text is escaped. */
#include "html.h"

#include <string.h>

#include "concur/concur.h"

void html_escape(FILE *out, const char *s)
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

/* Element content only, as a caption is: quotes need no escaping there. */
static void h_content(FILE *out, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '&' || *p == '<' || *p == '>') {
            char one[2] = {(char)*p, '\0'};
            html_escape(out, one);
        } else {
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
            html_escape(out, one);
    }
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

/* The spans of t. In a paragraph the page already sets in bold (bold true), strong spans are
 * plain. */
static void h_spans(FILE *out, const doc_text *t, bool bold)
{
    for (int i = 0; i < t->n; i++) {
        const doc_span *s = &t->spans[i];
        static const char *const open[] = {[DOC_PLAIN] = "",
                                           [DOC_STRONG] = "<strong>",
                                           [DOC_CODE] = "<code>",
                                           [DOC_LABEL] = "<strong>",
                                           [DOC_ASIDE] = "<span class=\"description\">"};
        static const char *const close[] = {[DOC_PLAIN] = "",     [DOC_STRONG] = "</strong>",
                                            [DOC_CODE] = "</code>", [DOC_LABEL] = "</strong>",
                                            [DOC_ASIDE] = "</span>"};
        doc_mark m = bold && s->mark == DOC_STRONG ? DOC_PLAIN : s->mark;
        fputs(open[m], out);
        html_escape(out, s->text);
        fputs(close[m], out);
    }
}

static void h_paragraph(FILE *out, const doc_block *b)
{
    static const char *const cls[] = {[DOC_NORMAL] = "",
                                      [DOC_LEAD] = " class=\"lead\"",
                                      [DOC_NOTE] = " class=\"note\"",
                                      [DOC_HEADLINE] = " class=\"headline\"",
                                      [DOC_ALERT] = " class=\"incomplete\"",
                                      [DOC_FACTS] = ""};
    fprintf(out, "<p%s>", cls[b->style]);
    h_spans(out, &b->text, b->style == DOC_HEADLINE || b->style == DOC_ALERT);
    fputs("</p>\n", out);
}

static void h_list(FILE *out, const doc_block *b)
{
    fputs(b->style == DOC_FACTS ? "<ul class=\"facts\">\n" : "<ul>\n", out);
    for (int i = 0; i < b->nitems; i++) {
        fputs("<li>", out);
        h_spans(out, &b->items[i].text, false);
        if (b->items[i].pre) {
            fputs("\n<pre>", out);
            h_pre(out, b->items[i].pre);
            fputs("</pre>\n", out);
        }
        fputs("</li>\n", out);
    }
    fputs("</ul>\n", out);
}

static void h_table(FILE *out, const doc_block *b)
{
    fputs("<div class=\"table-wrap\"><table>\n<thead><tr>", out);
    for (int c = 0; c < b->ncols; c++) {
        fputs(b->cols[c].align == 'r' ? "<th class=\"num\">" : "<th>", out);
        html_escape(out, b->cols[c].head);
        fputs("</th>", out);
    }
    fputs("</tr></thead>\n<tbody>\n", out);
    for (int i = 0; i < b->ncells; i++) {
        int c = i % b->ncols;
        if (c == 0)
            fputs("<tr>", out);
        fputs(b->cols[c].align == 'r' ? "<td class=\"num\">" : "<td>", out);
        html_escape(out, b->cells[i]);
        fputs("</td>", out);
        if (c == b->ncols - 1)
            fputs("</tr>\n", out);
    }
    fputs("</tbody>\n</table></div>\n", out);
}

static void h_chart(FILE *out, const doc_block *b)
{
    fputs("<figure>\n", out);
    if (b->chart == DOC_CHART_SPEEDUP)
        html_chart_speedup(b, out);
    else
        html_chart_states(b, out);
    fputs("<figcaption>", out);
    for (int i = 0; i < b->text.n; i++)
        h_content(out, b->text.spans[i].text);
    fputs("</figcaption>\n</figure>\n", out);
}

/* The page's head: what it is, that nothing is loaded from anywhere, and the style. */
static void h_head(FILE *out, const report_doc *d)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n", out);
    fputs("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "style-src 'unsafe-inline'\">\n",
          out);
    fputs("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n", out);
    fprintf(out, "<meta name=\"generator\" content=\"concur %s\">\n<title>concur: ",
            CONCUR_VERSION);
    html_escape(out, d->title);
    fputs("</title>\n", out);
    fputs(style, out);
    fputs("</head>\n<body>\n<main>\n", out);
}

void doc_render_html(const report_doc *d, FILE *out)
{
    const char *open = NULL; /* the element a title or a section opened */
    h_head(out, d);
    for (int i = 0; i < d->nblocks; i++) {
        const doc_block *b = &d->blocks[i];
        if (!(b->to & DOC_TO_HTML))
            continue;
        switch (b->kind) {
        case DOC_TITLE:
        case DOC_SECTION:
            if (open)
                fprintf(out, "</%s>\n", open);
            open = b->kind == DOC_TITLE ? "header" : "section";
            if (b->kind == DOC_TITLE)
                fputs("<header>\n<h1>", out);
            else
                fprintf(out, "<section id=\"%s\">\n<h2>", b->id);
            h_spans(out, &b->text, false);
            fputs(b->kind == DOC_TITLE ? "</h1>\n" : "</h2>\n", out);
            break;
        case DOC_HEADING:
            fputs("<h3>", out);
            h_spans(out, &b->text, false);
            fputs("</h3>\n", out);
            break;
        case DOC_PARAGRAPH:
            h_paragraph(out, b);
            break;
        case DOC_LIST:
            h_list(out, b);
            break;
        case DOC_TABLE:
            h_table(out, b);
            break;
        case DOC_CHART:
            h_chart(out, b);
            break;
        }
    }
    if (open)
        fprintf(out, "</%s>\n", open);
    fputs("</main>\n</body>\n</html>\n", out);
}
