#include "bl_proc.h"

#include <errno.h>
#include <sys/prctl.h>
#include <sys/resource.h>

int
bl_proc_protect_secrets(void)
{
    const struct rlimit none = {0, 0};

    /* The limit too: PR_SET_DUMPABLE is reset by an execve of a set-uid program. */
    if (setrlimit(RLIMIT_CORE, &none) != 0 || prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
        return -errno;
    }
    return 0;
}
