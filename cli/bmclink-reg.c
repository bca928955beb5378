/*
 * bmclink-reg: the older name of `bmclink reg`, kept for scripts and the OCF agent's
 * `client` parameter. The same code and parser (cmd_reg.c); `bmclink reg` is the entry.
 */
#include "commands.h"

int
main(int argc, char **argv)
{
    return bl_cmd_reg_main("bmclink-reg", argc, argv);
}
