/*
 * A GLib main loop on a thread of its own, and calls posted between loops. bmclinkd runs its
 * BMC side on one (bmc_service.c) so that nothing the main loop does (a registry commit and
 * its fsync, a Corosync call without time-out) can delay a BMC notice; daemon.h says who
 * owns what.
 *
 * Rules that keep it simple: a thread touches the state of the other loop only by posting
 * a call there (bld_post); the BMC thread never waits for the main thread; what is handed
 * over by a post belongs to the call, and the poster does not touch it again.
 */
#ifndef BLD_LOOP_THREAD_H
#define BLD_LOOP_THREAD_H

#include <glib.h>

struct bld_thread;

/**
 * A context and loop for a new thread (not started yet: bld_thread_run()).
 * \param[in] name  the thread's name (ps, gdb), at most 15 bytes shown
 * \return free with bld_thread_stop()
 */
struct bld_thread *bld_thread_new(const char *name);

/** The thread's context (borrowed; valid until bld_thread_stop()). */
GMainContext *bld_thread_context(const struct bld_thread *t);

/**
 * Start the thread: with its context pushed as the thread-default one it calls init(ud),
 * runs the loop until bld_thread_stop(), then calls fini(ud), still on the thread.
 * \param[in] init, fini  may be NULL; ud must outlive bld_thread_stop()
 */
void bld_thread_run(struct bld_thread *t, void (*init)(void *ud), void (*fini)(void *ud), void *ud);

/**
 * Quit the thread's loop, wait for fini and the thread's end, then free the context: calls
 * posted there and never run are dropped (their notify runs, here). From the thread that
 * made it, never from the thread itself. Accepts NULL and a thread never run.
 */
void bld_thread_stop(struct bld_thread *t);

/**
 * Have fn(data) called once from ctx's dispatch, whoever calls this (never inline, even
 * when the caller could run ctx: a context not yet owned by its loop would otherwise run
 * it on the wrong thread). Thread-safe.
 * \param[in] ctx   g_main_context_default() for the main loop, bld_thread_context()
 * \param[in] data  handed over: fn owns it once called (it may free it, or post it on)
 * \param[in] drop  called with data instead of fn when ctx goes without running it (a
 *                  stopped thread's queue); may be NULL
 */
void bld_post(GMainContext *ctx, void (*fn)(gpointer data), gpointer data, GDestroyNotify drop);

#endif
