/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The bsure command's subcommands (bsure(1)).  Each returns the process
 * exit status.
 */
#ifndef BSURE_CLI_H
#define BSURE_CLI_H

int bsure_status(int argc, char **argv);
int bsure_login(int argc, char **argv);
int bsure_check(int argc, char **argv);

#endif
