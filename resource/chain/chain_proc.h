/*
 * Fork-free process checks for chain members: pidfiles, /proc identity, pidfd waits and
 * signals, and a non-blocking TCP probe. A pidfile naming a process that does not run the
 * member's program is "not running": such a process is never signalled.
 */
#ifndef BL_CHAIN_PROC_H
#define BL_CHAIN_PROC_H

#include <stdbool.h>
#include <sys/types.h>

/**
 * Read a pidfile.
 * \param[in]  path  the pidfile
 * \param[out] pid   the pid (> 1) it names
 * \return 0, -ENOENT when absent, -errno when unreadable, BL_E_INVALID when it holds no pid
 */
int bl_chain_pidfile_read(const char *path, pid_t *pid);

/**
 * Write a pidfile atomically (temporary file, fsync, rename).
 * \return 0 or -errno
 */
int bl_chain_pidfile_write(const char *path, pid_t pid);

/**
 * Whether a live (not zombie) process runs a given program: /proc/PID/exe, or one of the first
 * two words of /proc/PID/cmdline (interpreted scripts), equals exe or exe's real path.
 * \param[in] pid  the process
 * \param[in] exe  absolute path of the program
 * \return true when it does; false when it does not, is gone, or is a zombie
 */
bool bl_chain_proc_runs(pid_t pid, const char *exe);

/**
 * Find the member's process from its pidfile and pin it with a pidfd.
 * \param[in]  pidfile  the member's pidfile
 * \param[in]  exe      the program it must run
 * \param[out] pidfd    on success an O_CLOEXEC pidfd; the caller closes it
 * \param[out] pid      on success the pid; may be NULL
 * \return 0 when running; -ESRCH when not running, the pidfile is stale or names another
 *         program's process; -errno or BL_E_INVALID when the pidfile cannot be read
 */
int bl_chain_proc_open_member(const char *pidfile, const char *exe, int *pidfd, pid_t *pid);

/**
 * Whether the member is running (bl_chain_proc_open_member() without keeping the pidfd).
 * \return true when its pidfile names a live process running exe
 */
bool bl_chain_proc_member_alive(const char *pidfile, const char *exe);

/**
 * Wait for the process behind a pidfd to exit.
 * \return 0 once it has exited, BL_E_TIMEOUT after timeout_ms
 */
int bl_chain_pidfd_wait(int pidfd, int timeout_ms);

/**
 * Signal a pinned process; with group, its process group too when it leads one
 * (daemons that called setsid(), so their workers go with them).
 * \return 0 or -errno (-ESRCH: already gone)
 */
int bl_chain_pidfd_kill(int pidfd, pid_t pid, int sig, bool group);

/**
 * Probe a TCP port without blocking past timeout_ms.
 * \param[in] host  numeric IPv4 or IPv6 address
 * \return 0 when a connection was accepted, -errno when refused or failed, BL_E_TIMEOUT,
 *         BL_E_INVALID for a bad address
 */
int bl_chain_tcp_probe(const char *host, unsigned port, int timeout_ms);

#endif
