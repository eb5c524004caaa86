#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Replays the validation fuzz targets over their seed corpora plus a
# bounded run of deterministic mutations (tests/fuzz/standalone.c).
srcdir=${srcdir:-.}
set -e
./fuzz_jwt "$srcdir/corpus/jwt"
./fuzz_jwks "$srcdir/corpus/jwks"
