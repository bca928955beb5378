/*
 * The service chain's synchronized subtrees (docs/servicechain.md, "Synchronized
 * subtrees"): before a chain starts, wait (bounded) until this node's registry replica is in
 * sync, then render the subtrees a profile (resource/registry/reg_profile.h) names into one or more
 * .reg files the programs read; while the chain runs and at stop, record what a program
 * changed in such a file back into the registry (checkpointing).
 *
 * Capture writes only the difference between the file as last rendered or captured (the
 * base, kept in the agent's run directory) and the file now, so registry writes made by
 * others meanwhile (bmclink-reg set on the active node) are kept, not overwritten by a
 * whole-subtree replace. A capture whose file did not change (same mtime, size and inode
 * as recorded) costs one stat() per file and no IPC.
 *
 * A file is read only when it is still: its stamp the same before and after the read, and
 * (except at stop, when the members are stopped) last modified at least the settle time ago;
 * else the capture is deferred to the next one. The stamp recorded is the one taken before
 * the read, so a write that lands after it is read at the next capture. A file that looks
 * cut short (bl_chain_reg_cut_short(): a profile root lost or emptied, or the file a strict
 * beginning of the base) is never turned into deletions: it is held (not captured, said
 * once) until it changes.
 *
 * The registry is reached through struct bl_chain_reg_ops (the real one talks libqb IPC to
 * the local bmclinkd through reg_client.h); tests swap a fake.
 */
#ifndef BL_CHAIN_REG_H
#define BL_CHAIN_REG_H

#include "reg_ipc.h"
#include "reg_profile.h"
#include "reg_types.h"
#include "reg_text.h"

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/* The registry seam. Every call returns 0 or a negative errno / BL_E_* code. */
struct bl_chain_reg_ops {
    /** Connect to the local registry; service NULL for the default. *conn for the others. */
    int (*connect)(void *ctx, const char *service, void **conn);
    /** Disconnect; accepts NULL. */
    void (*close)(void *conn);
    /** Wait until the replica is in sync; BL_E_TIMEOUT when still not after timeout_ms. */
    int (*wait_sync)(void *conn, uint32_t timeout_ms);
    /** Why not in sync: see bl_reg_client_status(); out owned as there. */
    int (*status)(void *conn, struct bl_reg_ipc_status *out);
    /** Walk a subtree (keys, then their values, in path order); -ENOENT when absent. */
    int (*walk)(void *conn, const char *path, bl_reg_item_fn fn, void *data);
    /** Apply ops atomically through the cluster (BL_E_NOQUORUM ...). */
    int (*write)(void *conn, const struct bl_reg_ops *ops);
};

/** The real seam: reg_client.h over libqb IPC; static. */
const struct bl_chain_reg_ops *bl_chain_reg_ops_real(void);

struct stat;

/* The render files as capture sees them: a seam so tests can write a file while it is read
 * and move the clock. */
struct bl_chain_reg_files {
    /** stat(2); 0 or -errno. */
    int (*stat)(void *ctx, const char *path, struct stat *st);
    /** The whole file (g_string_free()), or NULL with *rc -ENOENT (gone), -EFBIG (too big),
     *  another -errno (unreadable: capture fails naming it and retries next time). */
    GString *(*read)(void *ctx, const char *path, int *rc);
    /** CLOCK_REALTIME in ns: the clock of st_mtim. */
    int64_t (*now_ns)(void *ctx);
};

/** The real files: stat(2), g_file_get_contents(), g_get_real_time(); static. */
const struct bl_chain_reg_files *bl_chain_reg_files_real(void);

/** registry_capture_settle's default: how long a file must be unmodified to be captured. */
#define BL_CHAIN_REG_SETTLE_MS 1000u

/* The agent's registry parameters as given (strings, NULL when unset). */
struct bl_chain_reg_params {
    const char *profile;      /* registry_profile: profile file */
    const char *render;       /* registry_render: files, separated by blanks or commas */
    const char *sync_timeout; /* registry_sync_timeout: duration; default the profile's */
    const char *capture;      /* registry_capture: boolean, default true */
    const char *service;      /* registry_service: bmclinkd's IPC service, default bmclink */
    const char *settle;       /* registry_capture_settle: duration or 0, default 1 s */
};

/* A chain's registry binding, parsed and checked. */
struct bl_chain_reg {
    char *profile_path;
    struct bl_reg_profile *profile;
    char **render; /* absolute paths, NULL-terminated (may be empty) */
    char *service; /* NULL: the default */
    unsigned sync_timeout_ms;
    bool capture;
    unsigned settle_ms; /* a file modified more recently is not captured yet (not at stop) */
    char *base_path;    /* the text last rendered or captured */
    char *stamp_path;   /* "mtime size inode" of each render file when it matched the base */
    const struct bl_chain_reg_ops *ops;
    void *ops_ctx;
    void *conn; /* connected on first use; closed by bl_chain_reg_clear() */
    const struct bl_chain_reg_files *files; /* bl_chain_reg_files_real() after parse */
    void *files_ctx;
};

/**
 * Parse and check the parameters; load the profile.
 * \param[in]  state_stem  run-directory path prefix for the base and stamp files
 *                         ("<stem>.reg", "<stem>.regstamp"); copied
 * \param[out] r           r->profile NULL when no profile is configured (nothing to do);
 *                         clear with bl_chain_reg_clear(), also on error
 * \param[out] errmsg      on failure what is wrong (g_free())
 * \return 0, BL_E_INVALID (malformed), -ENOENT (the profile file is missing)
 */
int bl_chain_reg_parse(const struct bl_chain_reg_params *p, const char *state_stem,
                       struct bl_chain_reg *r, char **errmsg);

/** Disconnect and free; accepts a zeroed struct. */
void bl_chain_reg_clear(struct bl_chain_reg *r);

/** True when a profile is configured. */
bool bl_chain_reg_enabled(const struct bl_chain_reg *r);

/**
 * Before start: wait until the replica is in sync, at most the sync timeout and not past
 * deadline.
 * \param[in]  deadline  bl_chain_mono_ms() value not to wait past; 0: none
 * \param[out] errmsg    on failure what went wrong, on which node, what to do (g_free())
 * \return 0, BL_E_TIMEOUT (not in sync), a connection error
 */
int bl_chain_reg_wait(struct bl_chain_reg *r, int64_t deadline, char **errmsg);

/**
 * Then render the profile's subtrees into every render file (atomically, mode 0600, parent
 * folders created) and keep the text as the base for capture. A missing subtree renders as
 * nothing.
 * \param[out] errmsg  on failure what went wrong (g_free())
 * \return 0, the registry's errors, -errno
 */
int bl_chain_reg_render(struct bl_chain_reg *r, char **errmsg);

/**
 * Record a program's changes to the rendered files: for the first file whose content
 * differs from the base, write the difference into the registry and make it the new base.
 * Changes outside the profile's subtrees are skipped (said in *errmsg). Nothing is read
 * while a file is being written (deferred, see the top of this file); a file that looks cut
 * short (bl_chain_reg_cut_short()) is held, not captured (said in *errmsg, rc 0). A
 * failure after part of a large difference was written leaves a partial checkpoint, said in
 * *errmsg; the base is kept, so the next capture sends the whole difference again.
 * \param[in]  at_stop   every member is stopped: no settle time (the stillness check stays)
 * \param[out] captured  number of changes written (0 when nothing changed); may be NULL
 * \param[out] deferred  true when a file was not still: nothing read into the registry, the
 *                       next capture tries again (why in *errmsg); may be NULL
 * \param[out] errmsg    on failure, deferral, skipped or held changes, what happened (g_free())
 * \return 0, bl_reg_text_parse()'s code (a file is no .reg file), the registry's errors
 */
int bl_chain_reg_capture(struct bl_chain_reg *r, bool at_stop, size_t *captured, bool *deferred,
                         char **errmsg);

/**
 * The changes that turn the registry state of text `base` into that of text `now` (both
 * .reg files), limited to the profile's subtrees. Pure.
 * \param[out] ops      appended to; the caller clears it
 * \param[out] skipped  changes outside the profile; may be NULL
 * \param[out] errmsg   when a text does not parse (g_free())
 * \return 0 or bl_reg_text_parse()'s code
 */
int bl_chain_reg_diff(const struct bl_reg_profile *profile, const GString *base, const GString *now,
                      struct bl_reg_ops *ops, size_t *skipped, char **errmsg);

/**
 * Whether `now` looks like `base` cut short, as a file seen half way through a rewrite does:
 * a profile root that base had is gone from now, or present with its header only while
 * base had values or subkeys there; or now is a strict beginning of base (trailing blanks
 * and line ends aside). Pure. Capture holds such a file instead of recording deletions.
 * \return NULL, or why ("lost the profile's subtree X", ...; g_free())
 */
char *bl_chain_reg_cut_short(const struct bl_reg_profile *profile, const GString *base,
                             const GString *now);

/**
 * Write a profile's subtrees (keys, then optional keys) as the registry has them into w,
 * after bl_reg_text_begin(); a missing subtree writes nothing. Shared by the chain's render
 * and `bmclink-reg render`.
 * \param[in]  ops, conn  the registry seam and its connection
 * \param[out] failed     on failure, the subtree that could not be read (p's string)
 * \return 0 or the seam's walk error
 */
int bl_chain_reg_render_profile(const struct bl_chain_reg_ops *ops, void *conn,
                                const struct bl_reg_profile *p, struct bl_reg_text_writer *w,
                                const char **failed);

/**
 * Send ops as writes in order, each at most max_bytes of ops (estimated) and BL_REG_OPS_MAX
 * ops, each atomic (not the whole). Shared by capture and `bmclink-reg import`/`capture`.
 * \param[in]  seam, conn  the registry seam and its connection
 * \param[out] parts       writes sent, the failed one included; may be NULL
 * \return 0 or the first failed write's code (nothing after it is sent)
 */
int bl_chain_reg_write_parts(const struct bl_chain_reg_ops *seam, void *conn,
                             const struct bl_reg_ops *ops, size_t max_bytes, unsigned *parts);

/** Remove the base and stamp files (after stop). */
void bl_chain_reg_forget(const struct bl_chain_reg *r);

#endif
