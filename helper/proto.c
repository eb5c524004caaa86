/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The shared protocol framing (include/bsure_proto.c), compiled into the
 * helper so that both ends build their frames with the same code.
 */
#include "bsure_proto.c"
