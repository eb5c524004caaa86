/* SPDX-License-Identifier: BSD-3-Clause */
/* The shared protocol framing, compiled into the module. */
#include "bsure_proto.c"
