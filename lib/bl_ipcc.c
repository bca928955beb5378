#include "bl_ipcc.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "bl_result.h"

bool
bl_ipc_server_trusted(uid_t server_uid, uid_t self_euid)
{
    return server_uid == 0 || server_uid == self_euid;
}

int
bl_ipcc_connect(const char *service, size_t max_msg, qb_ipcc_connection_t **out,
                struct bl_ipc_server *server)
{
    struct bl_ipc_server who = {0};
    qb_ipcc_connection_t *c;
    int rc;

    *out = NULL;
    if (server != NULL) {
        memset(server, 0, sizeof(*server));
    }
    errno = 0;
    c = qb_ipcc_connect(service, max_msg);
    if (c == NULL) {
        return errno != 0 ? -errno : -ECONNREFUSED;
    }
    rc = qb_ipcc_auth_get(c, &who.pid, &who.uid, &who.gid);
    if (rc != 0) {
        qb_ipcc_disconnect(c);
        return rc < 0 ? rc : -EIO;
    }
    if (server != NULL) {
        *server = who;
    }
    if (!bl_ipc_server_trusted(who.uid, geteuid())) {
        qb_ipcc_disconnect(c);
        return BL_E_IMPOSTOR;
    }
    *out = c;
    return 0;
}
