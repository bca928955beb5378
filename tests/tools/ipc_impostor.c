/*
 * A stand-in for what an unprivileged local user can do with libqb: serve bmclinkd's IPC
 * service name and answer every request as if it were the daemon (a registry GET answer
 * carrying the REG_SZ "IMPOSTOR"), or connect as a client asking for a given buffer size.
 *
 *   ipc_impostor serve SERVICE          serve until killed; "ready" on stdout once listening
 *   ipc_impostor connect SERVICE BYTES  exit 0 when the server accepts a connection with
 *                                       BYTES-byte buffers, 1 when it refuses
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qb/qbipcc.h>
#include <qb/qbipcs.h>
#include <qb/qbloop.h>

static qb_loop_t *loop;

static int32_t
job_add(enum qb_loop_priority p, void *data, qb_loop_job_dispatch_fn fn)
{
    return qb_loop_job_add(loop, p, data, fn);
}

static int32_t
poll_add(enum qb_loop_priority p, int32_t fd, int32_t evts, void *data, qb_ipcs_dispatch_fn_t fn)
{
    return qb_loop_poll_add(loop, p, fd, evts, data, fn);
}

static int32_t
poll_mod(enum qb_loop_priority p, int32_t fd, int32_t evts, void *data, qb_ipcs_dispatch_fn_t fn)
{
    return qb_loop_poll_mod(loop, p, fd, evts, data, fn);
}

static int32_t
poll_del(int32_t fd)
{
    return qb_loop_poll_del(loop, fd);
}

static int32_t
accept_all(qb_ipcs_connection_t *c, uid_t uid, gid_t gid)
{
    return 0;
}

/* Answer: the request's sequence number, then u8 type 1 (REG_SZ), u32 length, the value. */
static int32_t
answer(qb_ipcs_connection_t *c, void *data, size_t size)
{
    static const char value[] = "IMPOSTOR";
    struct qb_ipc_request_header req;
    struct qb_ipc_response_header hdr;
    uint8_t out[sizeof(hdr) + 4 + 1 + 4 + sizeof(value) - 1];
    uint8_t *body = out + sizeof(hdr);
    uint32_t len = htobe32(sizeof(value) - 1); /* REG_SZ data carries no NUL */

    if (size < sizeof(req) + 4) {
        return 0;
    }
    memcpy(&req, data, sizeof(req));
    memset(&hdr, 0, sizeof(hdr));
    hdr.id = req.id;
    hdr.size = sizeof(out);
    memcpy(out, &hdr, sizeof(hdr));
    memcpy(body, (const uint8_t *) data + sizeof(req), 4);
    body[4] = 1;
    memcpy(body + 5, &len, 4);
    memcpy(body + 9, value, sizeof(value) - 1);
    qb_ipcs_response_send(c, out, sizeof(out));
    return 0;
}

static int
serve(const char *service)
{
    static struct qb_ipcs_service_handlers handlers = {
        .connection_accept = accept_all,
        .msg_process = answer,
    };
    static struct qb_ipcs_poll_handlers poll = {
        .job_add = job_add,
        .dispatch_add = poll_add,
        .dispatch_mod = poll_mod,
        .dispatch_del = poll_del,
    };
    qb_ipcs_service_t *s;

    loop = qb_loop_create();
    s = qb_ipcs_create(service, 0, QB_IPC_SHM, &handlers);
    if (loop == NULL || s == NULL) {
        perror("ipc_impostor: create");
        return 99;
    }
    qb_ipcs_poll_handlers_set(s, &poll);
    if (qb_ipcs_run(s) != 0) {
        fprintf(stderr, "ipc_impostor: cannot serve %s\n", service);
        return 99;
    }
    printf("ready\n");
    fflush(stdout);
    qb_loop_run(loop);
    return 0;
}

int
main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "serve") == 0) {
        return serve(argv[2]);
    }
    if (argc == 4 && strcmp(argv[1], "connect") == 0) {
        qb_ipcc_connection_t *c = qb_ipcc_connect(argv[2], strtoul(argv[3], NULL, 10));
        if (c == NULL) {
            fprintf(stderr, "ipc_impostor: refused: %s\n", strerror(errno));
            return 1;
        }
        qb_ipcc_disconnect(c);
        return 0;
    }
    fprintf(stderr, "usage: ipc_impostor serve SERVICE | connect SERVICE BYTES\n");
    return 99;
}
