#include "bl_result.h"

#include <string.h>

static const char *const bl_messages[] = {
    [-(BL_E_INVALID - BL_E_BASE)] = "invalid argument or configuration value",
    [-(BL_E_PROTO - BL_E_BASE)] = "malformed message from peer",
    [-(BL_E_TIMEOUT - BL_E_BASE)] = "timed out waiting for peer",
    [-(BL_E_AUTH - BL_E_BASE)] = "authentication failed",
    [-(BL_E_WEAK_CRYPTO - BL_E_BASE)] = "insecure cipher or authentication type refused",
    [-(BL_E_BMC - BL_E_BASE)] = "BMC returned an error completion code",
    [-(BL_E_UNREACHABLE - BL_E_BASE)] = "peer unreachable",
    [-(BL_E_STATE - BL_E_BASE)] = "device did not reach the expected state",
    [-(BL_E_UNSUPPORTED - BL_E_BASE)] = "operation not supported",
    [-(BL_E_TYPE - BL_E_BASE)] = "wrong value type or malformed value data",
    [-(BL_E_NOQUORUM - BL_E_BASE)] = "no quorum: this partition may not write",
    [-(BL_E_NOTSYNC - BL_E_BASE)] = "replica not in sync with the cluster",
    [-(BL_E_INDOUBT - BL_E_BASE)] = "membership changed before the write was confirmed; re-read",
    [-(BL_E_CORRUPT - BL_E_BASE)] = "local store is corrupt",
    [-(BL_E_IMPOSTOR - BL_E_BASE)] = "refused the IPC server: it does not run as root, so it is "
                                     "not bmclinkd (another process holds the service name)",
};

const char *
bl_strerror(int rc)
{
    if (rc == BL_OK) {
        return "success";
    }
    if (rc < BL_E_BASE && rc > BL_E_LAST) {
        return bl_messages[-(rc - BL_E_BASE)];
    }
    if (rc < 0 && rc > BL_E_BASE) {
        return strerror(-rc);
    }
    return "unknown error";
}
