/*
 * A GLib main loop on a thread of its own (loop_thread.h).
 */
#include "loop_thread.h"

struct bld_thread {
    char *name;
    GMainContext *ctx;
    GMainLoop *loop;
    GThread *thread; /* NULL until run */
    void (*init)(void *ud);
    void (*fini)(void *ud);
    void *ud;
};

struct bld_thread *
bld_thread_new(const char *name)
{
    struct bld_thread *t = g_new0(struct bld_thread, 1);

    t->name = g_strdup(name);
    t->ctx = g_main_context_new();
    t->loop = g_main_loop_new(t->ctx, FALSE);
    return t;
}

GMainContext *
bld_thread_context(const struct bld_thread *t)
{
    return t->ctx;
}

static gpointer
thread_main(gpointer p)
{
    struct bld_thread *t = p;

    /* Thread-default: what the libraries attach "to the caller's context" lands here too
     * (GSubprocess's completion, GTask). */
    g_main_context_push_thread_default(t->ctx);
    if (t->init != NULL) {
        t->init(t->ud);
    }
    g_main_loop_run(t->loop);
    if (t->fini != NULL) {
        t->fini(t->ud);
    }
    g_main_context_pop_thread_default(t->ctx);
    return NULL;
}

void
bld_thread_run(struct bld_thread *t, void (*init)(void *ud), void (*fini)(void *ud), void *ud)
{
    t->init = init;
    t->fini = fini;
    t->ud = ud;
    t->thread = g_thread_new(t->name, thread_main, t);
}

static void
quit_loop(gpointer loop)
{
    g_main_loop_quit(loop);
}

void
bld_thread_stop(struct bld_thread *t)
{
    if (t == NULL) {
        return;
    }
    if (t->thread != NULL) {
        /* Posted rather than g_main_loop_quit() from here: a quit before the thread reached
         * g_main_loop_run() would be lost (run sets the loop running again). */
        bld_post(t->ctx, quit_loop, t->loop, NULL);
        g_thread_join(t->thread);
    }
    g_main_loop_unref(t->loop);
    g_main_context_unref(t->ctx);
    g_free(t->name);
    g_free(t);
}

struct post {
    void (*fn)(gpointer data); /* NULL once called */
    gpointer data;
    GDestroyNotify drop;
};

static gboolean
post_dispatch(gpointer p)
{
    struct post *c = p;
    void (*fn)(gpointer data) = c->fn;

    c->fn = NULL; /* data is fn's now: post_free must not touch it */
    fn(c->data);
    return G_SOURCE_REMOVE;
}

/* After the call, or when the context drops the source unrun (then data is dropped). */
static void
post_free(gpointer p)
{
    struct post *c = p;

    if (c->fn != NULL && c->drop != NULL) {
        c->drop(c->data);
    }
    g_free(c);
}

void
bld_post(GMainContext *ctx, void (*fn)(gpointer data), gpointer data, GDestroyNotify drop)
{
    GSource *src = g_idle_source_new();
    struct post *c = g_new(struct post, 1);

    c->fn = fn;
    c->data = data;
    c->drop = drop;
    g_source_set_priority(src, G_PRIORITY_DEFAULT);
    g_source_set_callback(src, post_dispatch, c, post_free);
    g_source_attach(src, ctx);
    g_source_unref(src);
}
