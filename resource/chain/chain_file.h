/*
 * Whether a chain file may be trusted: its commands run as root, so a file that someone
 * other than its owner could change is refused, and so is one owned by another user.
 */
#ifndef BL_CHAIN_FILE_H
#define BL_CHAIN_FILE_H

/**
 * Check a chain file (or an included one) before reading it.
 * \param[in] path  the file; a symbolic link is followed (the target is what is read)
 * \return NULL when it may be read, else why not (a static string; do not free)
 */
const char *bl_chain_file_unsafe(const char *path);

#endif
