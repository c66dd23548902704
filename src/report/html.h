/* html.h - what html.c and charts.c share: the palette, escaping and the charts. Private to
 * src/report/. */
#ifndef CONCUR_REPORT_HTML_H
#define CONCUR_REPORT_HTML_H

#include <stdio.h>

#include "doc.h"

/* Okabe-Ito: told apart with the common colour-vision deficiencies. */
#define C_BLACK "#000000"
#define C_ORANGE "#E69F00"
#define C_SKY "#56B4E9"
#define C_GREEN "#009E73"
#define C_YELLOW "#F0E442"
#define C_BLUE "#0072B2"
#define C_VERMILLION "#D55E00"
#define C_PURPLE "#CC79A7"
#define C_GREY "#BBBBBB"

/* Text escaped for an element or a quoted attribute; control characters become spaces. */
void html_escape(FILE *out, const char *s);

/* The charts as inline SVG, from a DOC_CHART block's points or bars. */
void html_chart_speedup(const doc_block *b, FILE *out);
void html_chart_states(const doc_block *b, FILE *out);

#endif
