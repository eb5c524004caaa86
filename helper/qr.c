/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Text QR codes with libqrencode.  Light modules are full blocks and dark
 * ones spaces, so on the usual light-on-dark terminal the code reads dark
 * on light.  XXX: dark-on-light terminals show it inverted; most phone
 * readers cope, some do not.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#ifdef HAVE_QRENCODE
#include <qrencode.h>
#endif

#include "qr.h"

#ifdef HAVE_QRENCODE
#define QR_QUIET 2 /* modules of margin on each side */

static int
qr_put(char *dst, size_t dstsize, size_t *pos, const char *s)
{
	size_t n = strlen(s);

	if (*pos + n + 1 > dstsize)
		return -E2BIG;
	memcpy(dst + *pos, s, n);
	*pos += n;
	dst[*pos] = '\0';
	return 0;
}

/* Is the module at (x, y) dark?  Outside the code: the light margin. */
static int
qr_dark(const QRcode *q, int x, int y)
{
	if (x < 0 || y < 0 || x >= q->width || y >= q->width)
		return 0;
	return q->data[y * q->width + x] & 1;
}

int
qr_render(const char *url, char *dst, size_t dstsize)
{
	QRcode *q;
	size_t pos = 0;
	int x, y, r = 0;

	if (dstsize == 0)
		return -E2BIG;
	dst[0] = '\0';
	q = QRcode_encodeString(url, 0, QR_ECLEVEL_L, QR_MODE_8, 1);
	if (q == NULL)
		return -EINVAL;
	if (q->width + 2 * QR_QUIET > QR_WIDTH_MAX) {
		r = -E2BIG;
		goto out;
	}
	/* Light = full block, dark = space; two module rows per line. */
	for (y = -QR_QUIET; y < q->width + QR_QUIET && r == 0; y += 2) {
		for (x = -QR_QUIET; x < q->width + QR_QUIET && r == 0; x++) {
			int top = qr_dark(q, x, y), bottom = qr_dark(q, x,
			    y + 1);
			const char *glyph = top ? (bottom ? " " : "\u2584") :
			    (bottom ? "\u2580" : "\u2588");

			r = qr_put(dst, dstsize, &pos, glyph);
		}
		if (r == 0 && y + 2 < q->width + QR_QUIET)
			r = qr_put(dst, dstsize, &pos, "\n");
	}
out:
	QRcode_free(q);
	if (r < 0)
		dst[0] = '\0';
	return r;
}
#else
int
qr_render(const char *url, char *dst, size_t dstsize)
{
	if (dstsize > 0)
		dst[0] = '\0';
	return -ENOTSUP;
}
#endif
