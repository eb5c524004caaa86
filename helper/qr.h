/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The verification URL as a QR code drawn with text (Unicode half
 * blocks, two module rows per line), for phones at the login prompt.
 */
#ifndef BSURE_QR_H
#define BSURE_QR_H

#include <stddef.h>

#define QR_TEXT_MAX 4096 /* bytes of drawn text we are willing to send */
#define QR_WIDTH_MAX 64  /* columns */

/*
 * Draw url into dst as '\n'-separated lines.  0, -ENOTSUP when built
 * without libqrencode, -E2BIG when the code would not fit.
 */
int qr_render(const char *url, char *dst, size_t dstsize);

#endif
