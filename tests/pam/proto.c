/* SPDX-License-Identifier: BSD-3-Clause */
/* The shared protocol framing, compiled into the fake helper. */
#include "bsure_proto.c"
