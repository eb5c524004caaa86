#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Replays the module fuzz targets over their seed corpora plus a bounded
# run of deterministic mutations (tests/fuzz/standalone.c).
srcdir=${srcdir:-.}
set -e
./fuzz_payload "$srcdir/corpus/payload"
