/*
 * --json of bmclink's commands: JSON built with json-glib, values typed (numbers as numbers,
 * yes/no as booleans), printed on stdout.
 */
#ifndef BL_CLI_JSON_H
#define BL_CLI_JSON_H

#include "bmc_status.h"

#include <json-glib/json-glib.h>

/**
 * A text value as JSON: a decimal integer (no leading zero, fits 64 bits) as a number,
 * "yes"/"no" as a boolean, anything else as a string.
 * \return a new node, json_node_unref()
 */
JsonNode *bl_cli_json_typed(const char *text);

/**
 * bmclinkd's status as one JSON object: each dotted key a path of nested objects
 * ("trap.accepted" is {"trap": {"accepted": N}}), values typed by bl_cli_json_typed(). A key
 * that is also the prefix of others ("trap.dropped", "trap.dropped.auth") is the member
 * "total" of that object.
 * \return a new node, json_node_unref()
 */
JsonNode *bl_cli_json_from_status(const struct bl_status *st);

/**
 * Print root, indented, with a final newline, on stdout; takes root (NULL: nothing).
 * \return 0, or 1 when stdout failed
 */
int bl_cli_json_print(JsonNode *root);

#endif
