/*
 * bl-test-member: a small real daemon for chain tests. At each start it increments a
 * counter in DIR/NAME.counter and appends a line to DIR/NAME.log with the start mode and
 * node the agent passed (BMCLINK_START_MODE, BMCLINK_NODE); at SIGTERM it logs the stop.
 * With DIR on the shared volume, a test proves the state moved with the chain.
 * With --tick MS it also counts while it runs: every MS it increments DIR/NAME.ticks,
 * starting from the value it finds there, so a running counter continues where the last
 * run (on any node) left it.
 * With --config FILE (a file the agent rendered from the registry) it copies FILE at start to
 * DIR/NAME.config-seen, what "the program" read; and while it runs, whenever DIR/NAME.config-add
 * exists it appends that file's text to FILE and renames it to DIR/NAME.config-added, as a
 * program changing its own settings would (the agent captures that into the registry).
 *
 *   bl-test-member --name N --dir DIR [--pidfile F] [--port P] [--foreground]
 *                  [--start-delay MS] [--ready-delay MS] [--fail-start] [--hang-start]
 *                  [--ignore-term] [--stop-delay MS] [--die-after MS] [--tick MS]
 *                  [--config FILE]
 *
 * Without --foreground it daemonizes: the parent exits 0 once the pidfile is written.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/param.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct opts {
    const char *name;
    const char *dir;
    const char *pidfile;
    int port;
    bool foreground;
    int start_delay_ms;
    int ready_delay_ms;
    bool fail_start;
    bool hang_start;
    bool ignore_term;
    int stop_delay_ms;
    int die_after_ms;
    int tick_ms;
    const char *config;
};

static void
sleep_ms(int ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long) (ms % 1000) * 1000000L};

    while (ms > 0 && nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static int
to_int(const char *text)
{
    char *end = NULL;
    long v = strtol(text, &end, 10);

    if (*end != '\0' || v < 0 || v > 1000000000L) {
        fprintf(stderr, "bl-test-member: bad number '%s'\n", text);
        exit(2);
    }
    return (int) v;
}

static void
parse(int argc, char **argv, struct opts *o)
{
    static const struct option longopts[] = {
        {"name", 1, NULL, 'n'},        {"dir", 1, NULL, 'd'},        {"pidfile", 1, NULL, 'p'},
        {"port", 1, NULL, 'P'},        {"foreground", 0, NULL, 'f'}, {"start-delay", 1, NULL, 's'},
        {"ready-delay", 1, NULL, 'r'}, {"fail-start", 0, NULL, 'F'}, {"hang-start", 0, NULL, 'H'},
        {"ignore-term", 0, NULL, 'I'}, {"stop-delay", 1, NULL, 'S'}, {"die-after", 1, NULL, 'D'},
        {"tick", 1, NULL, 'T'},        {"config", 1, NULL, 'C'},     {NULL, 0, NULL, 0}};
    int c;

    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
            case 'n':
                o->name = optarg;
                break;
            case 'd':
                o->dir = optarg;
                break;
            case 'p':
                o->pidfile = optarg;
                break;
            case 'P':
                o->port = to_int(optarg);
                break;
            case 'f':
                o->foreground = true;
                break;
            case 's':
                o->start_delay_ms = to_int(optarg);
                break;
            case 'r':
                o->ready_delay_ms = to_int(optarg);
                break;
            case 'F':
                o->fail_start = true;
                break;
            case 'H':
                o->hang_start = true;
                break;
            case 'I':
                o->ignore_term = true;
                break;
            case 'S':
                o->stop_delay_ms = to_int(optarg);
                break;
            case 'D':
                o->die_after_ms = to_int(optarg);
                break;
            case 'T':
                o->tick_ms = to_int(optarg);
                break;
            case 'C':
                o->config = optarg;
                break;
            default:
                exit(2);
        }
    }
    if (o->name == NULL || o->dir == NULL) {
        fprintf(stderr, "usage: bl-test-member --name N --dir DIR [options]\n");
        exit(2);
    }
}

static long read_counter(const struct opts *o, const char *suffix);

/* One line in DIR/NAME.log; with --tick it ends with the running counter's value. */
static void
log_line(const struct opts *o, const char *what, long n)
{
    char path[4096];
    char stamp[64];
    time_t now = time(NULL);
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s.log", o->dir, o->name);
    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", localtime(&now));
    f = fopen(path, "ae");
    if (f == NULL) {
        return;
    }
    fprintf(f, "%s %s #%ld pid=%d mode=%s node=%s", stamp, what, n, (int) getpid(),
            getenv("BMCLINK_START_MODE") ? getenv("BMCLINK_START_MODE") : "-",
            getenv("BMCLINK_NODE") ? getenv("BMCLINK_NODE") : "-");
    if (o->tick_ms > 0) {
        fprintf(f, " ticks=%ld", read_counter(o, "ticks"));
    }
    fputc('\n', f);
    fflush(f);
    fsync(fileno(f));
    fclose(f);
}

/* The value in DIR/NAME.SUFFIX, 0 when there is none. */
static long
read_counter(const struct opts *o, const char *suffix)
{
    char path[4096];
    long n = 0;
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s.%s", o->dir, o->name, suffix);
    f = fopen(path, "re");
    if (f != NULL) {
        if (fscanf(f, "%ld", &n) != 1) {
            n = 0;
        }
        fclose(f);
    }
    return n;
}

/* Increment DIR/NAME.SUFFIX atomically (write a temporary file, then rename). */
static long
bump_counter(const struct opts *o, const char *suffix)
{
    char path[4096], tmp[4200];
    long n = read_counter(o, suffix) + 1;
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s.%s", o->dir, o->name, suffix);
    snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int) getpid());
    f = fopen(tmp, "we");
    if (f == NULL) {
        return -1;
    }
    fprintf(f, "%ld\n", n);
    fflush(f);
    fsync(fileno(f));
    fclose(f);
    return rename(tmp, path) == 0 ? n : -1;
}

/* Append (or copy, with mode "w") the file from to the file to; 0 or -1. */
static int
copy_text(const char *from, const char *to, const char *mode)
{
    char buf[4096];
    size_t n;
    int rc = 0;
    FILE *in = fopen(from, "re");
    FILE *out = in != NULL ? fopen(to, mode) : NULL;

    if (out == NULL) {
        if (in != NULL) {
            fclose(in);
        }
        return -1;
    }
    while ((n = fread(buf, 1, sizeof(buf), in)) > 0) {
        rc = fwrite(buf, 1, n, out) == n ? rc : -1;
    }
    fclose(in);
    fflush(out);
    fsync(fileno(out));
    return fclose(out) == 0 ? rc : -1;
}

/* What the program read at start: DIR/NAME.config-seen. */
static void
config_seen(const struct opts *o)
{
    char seen[4200];

    snprintf(seen, sizeof(seen), "%s/%s.config-seen", o->dir, o->name);
    if (copy_text(o->config, seen, "we") != 0) {
        unlink(seen);
    }
}

/* The program changes its settings: DIR/NAME.config-add appended to the config file. */
static void
config_change(const struct opts *o)
{
    char add[4200], added[4200];

    snprintf(add, sizeof(add), "%s/%s.config-add", o->dir, o->name);
    snprintf(added, sizeof(added), "%s/%s.config-added", o->dir, o->name);
    if (access(add, F_OK) == 0 && copy_text(add, o->config, "ae") == 0) {
        rename(add, added);
    }
}

static void
write_pidfile(const char *path)
{
    char tmp[4200];
    FILE *f;

    snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int) getpid());
    f = fopen(tmp, "we");
    if (f == NULL) {
        return;
    }
    fprintf(f, "%d\n", (int) getpid());
    fclose(f);
    rename(tmp, path);
}

static int
listen_on(int port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_port = htons((uint16_t) port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int one = 1;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

    if (fd < 0) {
        return -1;
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *) &sa, sizeof(sa)) != 0 || listen(fd, 16) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* SIGTERM through a signalfd, set up before we report ready so no TERM is lost. */
static int
term_fd(const struct opts *o)
{
    sigset_t mask;

    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    if (o->ignore_term) {
        signal(SIGTERM, SIG_IGN);
    } else {
        sigprocmask(SIG_BLOCK, &mask, NULL);
    }
    return signalfd(-1, &mask, SFD_CLOEXEC);
}

static int64_t
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* poll timeout until the earlier of the two deadlines (-1: none). */
static int
poll_timeout(int64_t die_at, int64_t tick_at)
{
    int64_t next = die_at < 0 ? tick_at : (tick_at < 0 ? die_at : MIN(die_at, tick_at));

    return next < 0 ? -1 : (int) MAX(next - now_ms(), 0);
}

/* Serve until SIGTERM (or --die-after): accept and close connections on the port, count
 * ticks. */
static int
serve(const struct opts *o, long n, int sfd)
{
    int lfd = -1;
    int64_t die_at = o->die_after_ms > 0 ? now_ms() + o->die_after_ms : -1;
    int64_t tick_at = o->tick_ms > 0 ? now_ms() + o->tick_ms : -1;

    if (o->port > 0) {
        sleep_ms(o->ready_delay_ms);
        lfd = listen_on(o->port);
    }
    for (;;) {
        struct pollfd pfd[2] = {{.fd = sfd, .events = POLLIN}, {.fd = lfd, .events = POLLIN}};
        int r = poll(pfd, lfd >= 0 ? 2 : 1, poll_timeout(die_at, tick_at));
        if (die_at >= 0 && now_ms() >= die_at) {
            log_line(o, "died", n);
            return 3;
        }
        if (tick_at >= 0 && now_ms() >= tick_at) {
            bump_counter(o, "ticks");
            if (o->config != NULL) {
                config_change(o);
            }
            tick_at = MAX(tick_at + o->tick_ms, now_ms());
        }
        if (r > 0 && (pfd[0].revents & POLLIN)) {
            break;
        }
        if (r > 0 && lfd >= 0 && (pfd[1].revents & POLLIN)) {
            int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
            if (c >= 0) {
                close(c);
            }
        }
    }
    sleep_ms(o->stop_delay_ms);
    log_line(o, "stop", n);
    if (o->pidfile != NULL && !o->foreground) {
        unlink(o->pidfile);
    }
    return 0;
}

static void
detach_stdio(void)
{
    int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

    if (fd >= 0) {
        dup2(fd, 0);
        dup2(fd, 1);
        dup2(fd, 2);
        close(fd);
    }
}

/* Fork; the parent exits 0 once the child reports ready through the returned pipe end. */
static int
daemonize(void)
{
    int p[2];
    char c;
    pid_t pid;

    if (pipe2(p, O_CLOEXEC) != 0 || (pid = fork()) < 0) {
        exit(1);
    }
    if (pid > 0) {
        close(p[1]);
        exit(read(p[0], &c, 1) == 1 ? 0 : 1);
    }
    close(p[0]);
    setsid();
    detach_stdio();
    signal(SIGPIPE, SIG_IGN);
    return p[1];
}

int
main(int argc, char **argv)
{
    struct opts o = {0};
    int ready_fd = -1;
    int sfd;
    long n;

    parse(argc, argv, &o);
    if (o.fail_start) {
        fprintf(stderr, "bl-test-member %s: failing on purpose\n", o.name);
        return 1;
    }
    if (o.hang_start) {
        for (;;) {
            pause();
        }
    }
    if (!o.foreground) {
        ready_fd = daemonize();
    }
    sfd = term_fd(&o);
    sleep_ms(o.start_delay_ms);
    mkdir(o.dir, 0755);
    if (o.config != NULL) {
        config_seen(&o);
    }
    n = bump_counter(&o, "counter");
    log_line(&o, "start", n);
    if (o.pidfile != NULL) {
        write_pidfile(o.pidfile);
    }
    if (ready_fd >= 0) {
        if (write(ready_fd, "r", 1) != 1) {
            return 1;
        }
        close(ready_fd);
    }
    return serve(&o, n, sfd);
}
