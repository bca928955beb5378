/*
 * `bmclink reg ...`: the synchronized registry's command line is its own program,
 * bmclink-reg (cli/bmclink-reg.c), so that it links only the registry client; this
 * subcommand hands over to it with the same arguments.
 */
#include "commands.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

int
bl_cmd_reg(int argc, char **argv)
{
    argv[0] = (char *) "bmclink-reg";
    execvp(argv[0], argv);
    fprintf(stderr, "bmclink reg: cannot run bmclink-reg: %s\n", strerror(errno));
    return BL_CLI_FAILED;
}

void
bl_cmd_reg_usage(FILE *out)
{
    char *argv[] = {(char *) "bmclink-reg", (char *) "--help", NULL};

    fflush(out);
    execvp(argv[0], argv);
    fprintf(out, "bmclink reg: the registry command bmclink-reg is not installed\n");
}
