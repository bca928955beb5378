/*
 * The registry as text: the Windows registry export format (.reg, "Windows Registry Editor
 * Version 5.00"), both ways. Exports are UTF-8 .reg files that regedit also imports; imports
 * take UTF-8 or UTF-16LE (what regedit writes) files, with every form regedit uses:
 *
 *   [HKEY_LOCAL_MACHINE\SOFTWARE\NEC\NVBASE]     key (created)
 *   [-HKEY_LOCAL_MACHINE\SOFTWARE\NEC\Old]       key deleted with its subtree
 *   "WorkDir"="C:\\Program Files\\NVBASE"        REG_SZ (\\ and \" escaped)
 *   @="default value"                            the key's default (unnamed) value
 *   "Port"=dword:000000a2                        REG_DWORD
 *   "Big"=hex(b):a2,00,00,00,00,00,00,00         REG_QWORD, little-endian
 *   "Path"=hex(2):25,00,53,00,...,00,00          REG_EXPAND_SZ, UTF-16LE
 *   "Hosts"=hex(7):61,00,00,00,62,00,00,00,00,00 REG_MULTI_SZ, UTF-16LE
 *   "Blob"=hex:01,02,\                           REG_BINARY, continued on the next line
 *     03
 *   "Gone"=-                                     value deleted
 *
 * Pure functions: no I/O.
 */
#ifndef BL_REG_TEXT_H
#define BL_REG_TEXT_H

#include <glib.h>

#include "registry.h"

#define BL_REG_TEXT_HKLM 0x1u  /* export: prefix keys with HKEY_LOCAL_MACHINE\ */
#define BL_REG_TEXT_WOW64 0x2u /* import: fold SOFTWARE\Wow6432Node\X into SOFTWARE\X */

/* An export under construction. */
struct bl_reg_text_writer {
    GString *out; /* appended to; owned by the caller */
    unsigned flags;
};

/** Start an export: the header line and a blank line. */
void bl_reg_text_begin(struct bl_reg_text_writer *w);

/**
 * Append one item as bl_reg_store_walk() delivers them: a key (name and v NULL) or a value.
 * Matches bl_reg_item_fn with data = struct bl_reg_text_writer *; always returns 0.
 */
int bl_reg_text_item(void *data, const char *path, const char *name, const struct bl_reg_value *v);

/**
 * Parse a .reg file into ops, in file order.
 * \param[in]  data   the file's bytes (UTF-16LE with BOM, UTF-8 with or without BOM)
 * \param[in]  flags  BL_REG_TEXT_WOW64 or 0
 * \param[out] ops    appended to; the caller clears it, also on error
 * \param[out] errmsg on error, "line N: what is wrong" (caller g_free()s); may be NULL
 * \return 0, BL_E_INVALID (syntax, bad key or name), BL_E_TYPE (bad data, unsupported
 *         type), BL_E_UNSUPPORTED (not a version 5.00 file)
 */
int bl_reg_text_parse(const uint8_t *data, size_t len, unsigned flags, struct bl_reg_ops *ops,
                      char **errmsg);

#endif
