/*
 * fence_bmclink's option table: one row per option (names, letters, defaults, documentation)
 * with the applier that checks and stores its value, and the action names. The parsers that
 * feed it (argv, stdin) and the final check live in bl_fence_opt.c.
 */
#include "bl_fence_opt.h"
#include "bl_cli.h"
#include "bl_conf.h"
#include "bl_result.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <qb/qblog.h>

#define BL_SECONDS_MAX 86400u

/* ---------------------------------------------------------------------------------- */
/* Appliers: validate one value and store it.                                          */

static int bl_fail(char *err, size_t errlen, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

static int
bl_fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return BL_E_INVALID;
}

static int
bl_parse_uint(const char *text, unsigned long max, unsigned long *out)
{
    char *end = NULL;
    unsigned long v;

    if (text == NULL || !isdigit((unsigned char) text[0])) {
        return BL_E_INVALID;
    }
    errno = 0;
    v = strtoul(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || v > max) {
        return BL_E_INVALID;
    }
    *out = v;
    return BL_OK;
}

static int
ap_bool(const struct bl_fopt_def *d, struct bl_fence_config *cfg, const char *v, char *err,
        size_t errlen)
{
    bool *field = (bool *) ((char *) cfg + d->field);

    if (bl_conf_parse_bool(v, field) != BL_OK) {
        return bl_fail(err, errlen, "Failed: The value you have entered for --%s is not a boolean",
                       d->long_opt);
    }
    return BL_OK;
}

static int
ap_uint(const struct bl_fopt_def *d, struct bl_fence_config *cfg, const char *v, char *err,
        size_t errlen)
{
    unsigned int *field = (unsigned int *) ((char *) cfg + d->field);
    unsigned long n = 0;
    uint32_t ms = 0;
    /* seconds as Pacemaker spells durations (20, 20s, PT20S), whole seconds: the engine's */
    int rc = d->type == BL_FOPT_SECOND ? bl_conf_parse_ms(v, 1000, 0, BL_SECONDS_MAX * 1000ull, &ms)
                                       : bl_parse_uint(v, BL_SECONDS_MAX, &n);

    if (d->type == BL_FOPT_SECOND && rc == BL_OK) {
        rc = ms % 1000 == 0 ? BL_OK : BL_E_INVALID;
        n = ms / 1000;
    }
    if (rc != BL_OK) {
        return bl_fail(err, errlen,
                       d->type == BL_FOPT_SECOND
                           ? "Failed: The value you have entered for --%s is not a valid time in "
                             "seconds"
                           : "Failed: The value you have entered for --%s is not a valid integer",
                       d->long_opt);
    }
    *field = (unsigned int) n;
    return BL_OK;
}

static int
ap_string(const struct bl_fopt_def *d, struct bl_fence_config *cfg, const char *v, char *err,
          size_t errlen)
{
    char **field = (char **) ((char *) cfg + d->field);

    if (v[0] == '\0') {
        return bl_fail(err, errlen, "Failed: --%s needs a value", d->long_opt);
    }
    g_free(*field);
    *field = g_strdup(v);
    return BL_OK;
}

static int
ap_ignore(const struct bl_fopt_def *d, struct bl_fence_config *cfg, const char *v, char *err,
          size_t errlen)
{
    qb_log(LOG_DEBUG, "option %s is accepted for fence_ipmilan compatibility and ignored", d->name);
    return BL_OK;
}

static int
ap_action(const struct bl_fopt_def *d, struct bl_fence_config *cfg, const char *v, char *err,
          size_t errlen)
{
    if (bl_fence_action_parse(v, &cfg->action) != BL_OK) {
        return bl_fail(err, errlen, "Failed: Unrecognised action '%s'", v);
    }
    return BL_OK;
}

/* A dotted quad, an IPv6 literal, or an RFC 1123 host name; anything else is a typo. */
static bool
bl_host_syntax_ok(const char *h)
{
    unsigned char buf[sizeof(struct in6_addr)];
    size_t label = 0;

    if (h[0] == '\0' || strlen(h) > BL_IPMI_HOST_MAX) {
        return false;
    }
    if (strchr(h, ':') != NULL) {
        return inet_pton(AF_INET6, h, buf) == 1;
    }
    if (strspn(h, "0123456789.") == strlen(h)) {
        return inet_pton(AF_INET, h, buf) == 1;
    }
    for (const char *p = h; *p != '\0'; p++) {
        if (*p == '.') {
            if (label == 0) {
                return false;
            }
            label = 0;
        } else if (isalnum((unsigned char) *p) || *p == '-' || *p == '_') {
            if (++label > 63) {
                return false;
            }
        } else {
            return false;
        }
    }
    return h[0] != '-';
}

static int
ap_ip(const struct bl_fopt_def *d, struct bl_fence_config *cfg, const char *v, char *err,
      size_t errlen)
{
    if (!bl_host_syntax_ok(v)) {
        return bl_fail(err, errlen, "Failed: '%s' is not a valid IP address or host name for --ip",
                       v);
    }
    g_strlcpy(cfg->ip, v, sizeof(cfg->ip));
    cfg->have_ip = true;
    return BL_OK;
}

static int
ap_ipport(const struct bl_fopt_def *d, struct bl_fence_config *cfg, const char *v, char *err,
          size_t errlen)
{
    unsigned long n;

    if (bl_parse_uint(v, 65535, &n) != BL_OK || n == 0) {
        return bl_fail(err, errlen, "Failed: --ipport must be a UDP port 1..65535, not '%s'", v);
    }
    cfg->ipmi.port = (uint16_t) n;
    return BL_OK;
}

static int
ap_username(const struct bl_fopt_def *d, struct bl_fence_config *cfg, const char *v, char *err,
            size_t errlen)
{
    if (strlen(v) > BL_IPMI_USER_MAX) {
        return bl_fail(err, errlen, "Failed: IPMI user names are at most 16 bytes");
    }
    g_strlcpy(cfg->ipmi.username, v, sizeof(cfg->ipmi.username));
    return BL_OK;
}

static int
ap_password(const struct bl_fopt_def *d, struct bl_fence_config *cfg, const char *v, char *err,
            size_t errlen)
{
    if (strlen(v) > BL_IPMI_PASSWORD_MAX) {
        return bl_fail(err, errlen, "Failed: IPMI passwords are at most 20 bytes");
    }
    g_strlcpy(cfg->ipmi.password, v, sizeof(cfg->ipmi.password));
    cfg->have_password = true;
    return BL_OK;
}

static int
ap_cipher(const struct bl_fopt_def *d, struct bl_fence_config *cfg, const char *v, char *err,
          size_t errlen)
{
    unsigned long n;

    if (v[0] == '\0' || g_ascii_strcasecmp(v, "auto") == 0) {
        cfg->ipmi.cipher = BL_IPMI_CIPHER_AUTO;
        return BL_OK;
    }
    if (bl_parse_uint(v, BL_IPMI_CIPHER_MAX, &n) != BL_OK) {
        return bl_fail(err, errlen,
                       "Failed: --cipher must be 'auto' or a cipher suite number 0..19, not '%s'",
                       v);
    }
    cfg->ipmi.cipher = (uint8_t) n;
    return BL_OK;
}

/* The index of \p v in the option's choices, or -1. */
static int
bl_choice_index(const struct bl_fopt_def *d, const char *v)
{
    for (int i = 0; d->choices != NULL && d->choices[i] != NULL; i++) {
        if (g_ascii_strcasecmp(d->choices[i], v) == 0) {
            return i;
        }
    }
    return -1;
}

static int
bl_bad_choice(const struct bl_fopt_def *d, char *err, size_t errlen)
{
    g_autofree char *list = g_strjoinv(", ", (char **) d->choices);

    snprintf(err, errlen,
             "Failed: You have to enter a valid choice for --%s from the valid "
             "values: %s",
             d->long_opt, list);
    return BL_E_INVALID;
}

static int
ap_privlvl(const struct bl_fopt_def *d, struct bl_fence_config *cfg, const char *v, char *err,
           size_t errlen)
{
    int i = bl_choice_index(d, v);

    if (i < 0) {
        return bl_bad_choice(d, err, errlen);
    }
    cfg->ipmi.priv = (enum bl_ipmi_priv)(BL_IPMI_PRIV_CALLBACK + i);
    return BL_OK;
}

static int
ap_auth(const struct bl_fopt_def *d, struct bl_fence_config *cfg, const char *v, char *err,
        size_t errlen)
{
    static const enum bl_ipmi_auth15 map[] = {BL_IPMI_AUTH15_MD5, BL_IPMI_AUTH15_STRAIGHT,
                                              BL_IPMI_AUTH15_NONE};
    int i = bl_choice_index(d, v);

    if (i < 0) {
        return bl_bad_choice(d, err, errlen);
    }
    cfg->ipmi.auth15 = map[i];
    return BL_OK;
}

static int
ap_method(const struct bl_fopt_def *d, struct bl_fence_config *cfg, const char *v, char *err,
          size_t errlen)
{
    int i = bl_choice_index(d, v);

    if (i < 0) {
        return bl_bad_choice(d, err, errlen);
    }
    cfg->method = i == 0 ? BL_FENCE_METHOD_ONOFF : BL_FENCE_METHOD_CYCLE;
    return BL_OK;
}

static int
ap_kg(const struct bl_fopt_def *d, struct bl_fence_config *cfg, const char *v, char *err,
      size_t errlen)
{
    if (bl_ipmi_parse_kg_hex(v, cfg->ipmi.kg, &cfg->ipmi.kg_len) != BL_OK) {
        return bl_fail(err, errlen, "Failed: --hexadecimal-kg must be 2 to 40 hexadecimal digits");
    }
    return BL_OK;
}

static int
ap_target(const struct bl_fopt_def *d, struct bl_fence_config *cfg, const char *v, char *err,
          size_t errlen)
{
    /* Ignoring it would power-cycle the BMC's own chassis instead of the bridged one. */
    return bl_fail(err, errlen,
                   "Failed: target=%s asks for IPMB bridging to a controller behind the BMC, "
                   "which fence_bmclink does not implement; fence that machine through its own "
                   "BMC address, or keep fence_ipmilan for it",
                   v);
}

/* login/shell/power timeouts: 0 means no bound of the agent's own, as in fencing.py
 * (Pacemaker's operation timeout still ends the agent). */
static int
ap_timeout(const struct bl_fopt_def *d, struct bl_fence_config *cfg, const char *v, char *err,
           size_t errlen)
{
    unsigned int *field = (unsigned int *) ((char *) cfg + d->field);
    int rc = ap_uint(d, cfg, v, err, errlen);

    if (rc == BL_OK && *field == 0) {
        *field = BL_SECONDS_MAX;
    }
    return rc;
}

static int
ap_disable_timeout(const struct bl_fopt_def *d, struct bl_fence_config *cfg, const char *v,
                   char *err, size_t errlen)
{
    bool on = false;

    /* fencing.py: only 1/yes/on/true disable, anything else leaves the timeouts alone. */
    if (bl_conf_parse_bool(v, &on) == BL_OK && on) {
        cfg->login_timeout_s = BL_SECONDS_MAX;
        cfg->shell_timeout_s = BL_SECONDS_MAX;
        cfg->power_timeout_s = BL_SECONDS_MAX;
    }
    return BL_OK;
}

/* bmclink_conf: a path, or "none" for no lookup of whose BMC this is. */
static int
ap_conf_path(const struct bl_fopt_def *d, struct bl_fence_config *cfg, const char *v, char *err,
             size_t errlen)
{
    if (g_ascii_strcasecmp(v, "none") == 0) {
        g_free(cfg->bmclink_conf);
        cfg->bmclink_conf = NULL;
        return BL_OK;
    }
    return ap_string(d, cfg, v, err, errlen);
}

/* ipmitool -N: seconds between retransmissions of an unanswered request. */
static int
ap_retransmit(const struct bl_fopt_def *d, struct bl_fence_config *cfg, const char *v, char *err,
              size_t errlen)
{
    unsigned long n;

    if (bl_parse_uint(v, 60, &n) != BL_OK || n == 0) {
        return bl_fail(err, errlen, "Failed: --%s must be 1..60 seconds, not '%s'", d->long_opt, v);
    }
    cfg->ipmi.msg_timeout_ms = (unsigned int) n * 1000u;
    return BL_OK;
}

static int
ap_verbose_level(const struct bl_fopt_def *d, struct bl_fence_config *cfg, const char *v, char *err,
                 size_t errlen)
{
    unsigned long n;

    if (bl_parse_uint(v, 10, &n) != BL_OK) {
        return bl_fail(err, errlen, "Failed: --verbose-level must be 0..10, not '%s'", v);
    }
    cfg->verbose_level = (int) n;
    return BL_OK;
}

static int
ap_verbose(const struct bl_fopt_def *d, struct bl_fence_config *cfg, const char *v, char *err,
           size_t errlen)
{
    bool on = false;

    if (bl_conf_parse_bool(v, &on) != BL_OK) {
        return bl_fail(err, errlen, "Failed: --verbose takes no value other than 0 or 1");
    }
    if (on && cfg->verbose_level == 0) {
        cfg->verbose_level = 1;
    }
    return BL_OK;
}

/* ---------------------------------------------------------------------------------- */
/* The table.                                                                           */

static const char *const bl_priv_choices[] = {"callback", "user", "operator", "administrator",
                                              NULL};
static const char *const bl_auth_choices[] = {"md5", "password", "none", NULL};
static const char *const bl_method_choices[] = {"onoff", "cycle", NULL};

#define F(member) offsetof(struct bl_fence_config, member)

static const struct bl_fopt_def bl_fopts[BL_FOPT__COUNT] = {
    {BL_FOPT_ACTION, "action", NULL, 'o', "action", "[action]", BL_FOPT_STRING, "reboot", NULL,
     "Fencing action", NULL, BL_FOPTF_REQUIRED, 0, ap_action},
    {BL_FOPT_IP, "ip", "ipaddr", 'a', "ip", "[ip]", BL_FOPT_STRING, NULL, NULL,
     "IP address or hostname of fencing device", NULL, 0, 0, ap_ip},
    {BL_FOPT_IPPORT, "ipport", NULL, 'u', "ipport", "[port]", BL_FOPT_INTEGER, "623", NULL,
     "UDP port to use for connection with device", NULL, 0, 0, ap_ipport},
    {BL_FOPT_USERNAME, "username", "login", 'l', "username", "[name]", BL_FOPT_STRING, NULL, NULL,
     "Login name", "IPMI user name, at most 16 bytes; empty selects the BMC's null user.", 0, 0,
     ap_username},
    {BL_FOPT_PASSWORD, "password", "passwd", 'p', "password", "[password]", BL_FOPT_STRING, NULL,
     NULL, "Login password or passphrase",
     "At most 20 bytes (16 with IPMI 1.5). Give it on stdin or through password_script: on the "
     "command line it is wiped from argv at once, but it was visible until then.",
     BL_FOPTF_SECRET, 0, ap_password},
    {BL_FOPT_PASSWORD_SCRIPT, "password_script", "passwd_script", 'S', "password-script",
     "[script]", BL_FOPT_STRING, NULL, NULL, "Script to run to retrieve password",
     "Run with /bin/sh -c; its standard output, trailing white space removed, is the password. "
     "It is read through a pipe and never appears in any process's arguments.",
     0, F(password_script), ap_string},
    {BL_FOPT_LANPLUS, "lanplus", NULL, 'P', "lanplus", NULL, BL_FOPT_BOOLEAN, "1", NULL,
     "Use Lanplus to improve security of connection",
     "IPMI 2.0 RMCP+ (default). lanplus=0 selects IPMI 1.5 with MD5 authentication.", 0,
     F(ipmi.lanplus), ap_bool},
    {BL_FOPT_CIPHER, "cipher", NULL, 'C', "cipher", "[cipher]", BL_FOPT_STRING, "auto", NULL,
     "Ciphersuite to use (same as ipmitool -C parameter)",
     "auto (default): ask the BMC (Get Channel Cipher Suites) and take the best suite it offers, "
     "17 (SHA-256) before 3 (SHA-1); a BMC that does not answer is tried with 17, then 3. A "
     "number pins that suite. Suites without integrity or confidentiality (0, 1, 2, 6, 7, 11, "
     "15, 16) are refused unless allow_weak_crypto=1; RC4 suites are not implemented.",
     0, 0, ap_cipher},
    {BL_FOPT_PRIVLVL, "privlvl", NULL, 'L', "privlvl", "[level]", BL_FOPT_SELECT, "administrator",
     bl_priv_choices, "Privilege level on IPMI device", NULL, 0, 0, ap_privlvl},
    {BL_FOPT_KG, "hexadecimal_kg", NULL, 0, "hexadecimal-kg", "[key]", BL_FOPT_STRING, NULL, NULL,
     "Hexadecimal-encoded Kg key for IPMIv2 authentication", NULL, BL_FOPTF_SECRET, 0, ap_kg},
    {BL_FOPT_AUTH, "auth", NULL, 'A', "auth", "[auth]", BL_FOPT_SELECT, NULL, bl_auth_choices,
     "IPMI Lan Auth type.",
     "IPMI 1.5 only; md5 when unset. 'password' and 'none' need allow_weak_crypto=1.", 0, 0,
     ap_auth},
    {BL_FOPT_ALLOW_WEAK, "allow_weak_crypto", NULL, 0, "allow-weak-crypto", NULL, BL_FOPT_BOOLEAN,
     "0", NULL,
     "Allow cipher suites without integrity or confidentiality and IPMI 1.5 auth none/password",
     NULL, 0, F(ipmi.allow_weak), ap_bool},
    {BL_FOPT_METHOD, "method", NULL, 'm', "method", "[method]", BL_FOPT_SELECT, "onoff",
     bl_method_choices, "Method to fence",
     "onoff: power off, confirm off, power on, confirm on. cycle: chassis power cycle; success "
     "is reported once the BMC accepted it, which may be before the node is off.",
     0, 0, ap_method},
    {BL_FOPT_PLUG, "plug", "port", 'n', "plug", "[ip]", BL_FOPT_STRING, NULL, NULL,
     "IP address or hostname of fencing device (together with --port-as-ip)", NULL, 0, F(plug),
     ap_string},
    {BL_FOPT_PORT_AS_IP, "port_as_ip", NULL, 0, "port-as-ip", NULL, BL_FOPT_BOOLEAN, NULL, NULL,
     "Make \"port/plug\" to be an alias to IP address", NULL, 0, F(port_as_ip), ap_bool},
    {BL_FOPT_TARGET, "target", NULL, 0, "target", "[targetaddress]", BL_FOPT_STRING, NULL, NULL,
     "Bridge IPMI requests to the remote target address (not implemented: refused)",
     "IPMB bridging (ipmitool -t) is not implemented; any value is refused with a message, "
     "so the agent never power-cycles the BMC's own chassis instead of the bridged one.",
     0, 0, ap_target},
    {BL_FOPT_QUIET, "quiet", NULL, 'q', "quiet", NULL, BL_FOPT_BOOLEAN, NULL, NULL,
     "Disable logging to stderr. Does not affect --verbose or --debug-file.", NULL, 0, F(quiet),
     ap_bool},
    {BL_FOPT_VERBOSE, "verbose", NULL, 'v', "verbose", NULL, BL_FOPT_BOOLEAN, NULL, NULL,
     "Verbose mode: log each IPMI step with timestamps to stderr (never the password)", NULL,
     BL_FOPTF_COUNT, 0, ap_verbose},
    {BL_FOPT_VERBOSE_LEVEL, "verbose_level", NULL, 0, "verbose-level", "[level]", BL_FOPT_INTEGER,
     NULL, NULL, "Level of debugging detail in output", NULL, 0, 0, ap_verbose_level},
    {BL_FOPT_DEBUG_FILE, "debug_file", "debug", 'D', "debug-file", "[debugfile]", BL_FOPT_STRING,
     NULL, NULL, "Write debug information to given file", NULL, 0, F(debug_file), ap_string},
    {BL_FOPT_VERSION, "version", NULL, 'V', "version", NULL, BL_FOPT_BOOLEAN, NULL, NULL,
     "Display version information and exit", NULL, 0, F(version), ap_bool},
    {BL_FOPT_HELP, "help", NULL, 'h', "help", NULL, BL_FOPT_BOOLEAN, NULL, NULL,
     "Display help and exit", NULL, 0, F(help), ap_bool},
    {BL_FOPT_DELAY, "delay", NULL, 0, "delay", "[seconds]", BL_FOPT_SECOND, "0", NULL,
     "Wait X seconds before fencing is started", "Only for off and reboot.", 0, F(delay_s),
     ap_uint},
    {BL_FOPT_LOGIN_TIMEOUT, "login_timeout", NULL, 0, "login-timeout", "[seconds]", BL_FOPT_SECOND,
     "5", NULL, "Wait X seconds for the IPMI session to be established",
     "Lost or unanswered session set-up is retried until this time is up. 0: no bound of its "
     "own.",
     0, F(login_timeout_s), ap_timeout},
    {BL_FOPT_SHELL_TIMEOUT, "shell_timeout", NULL, 0, "shell-timeout", "[seconds]", BL_FOPT_SECOND,
     "3", NULL, "Wait X seconds for the reply to each IPMI command",
     "Unanswered requests are retransmitted (see ipmitool_timeout) until this time is up. 0: no "
     "bound of its own.",
     0, F(shell_timeout_s), ap_timeout},
    {BL_FOPT_POWER_TIMEOUT, "power_timeout", NULL, 0, "power-timeout", "[seconds]", BL_FOPT_SECOND,
     "20", NULL, "Test X seconds for status change after ON/OFF", "0: no bound of its own.", 0,
     F(power_timeout_s), ap_timeout},
    {BL_FOPT_POWER_WAIT, "power_wait", NULL, 0, "power-wait", "[seconds]", BL_FOPT_SECOND, "0",
     NULL, "Wait X seconds after issuing ON/OFF",
     "Default 0: the power state is polled right away until it reads back as expected "
     "(fence_ipmilan sleeps 2 s here before its first check).",
     0, F(power_wait_s), ap_uint},
    {BL_FOPT_STATUS_SLEEP, "stonith_status_sleep", NULL, 0, "stonith-status-sleep", "[seconds]",
     BL_FOPT_SECOND, "1", NULL, "Longest pause between status checks while confirming",
     "The first check follows the command at once, then the pause doubles from 50 ms up to "
     "this bound.",
     0, F(status_sleep_s), ap_uint},
    {BL_FOPT_RETRY_ON, "retry_on", NULL, 0, "retry-on", "[attempts]", BL_FOPT_INTEGER, "1", NULL,
     "Count of attempts to retry power on", NULL, 0, F(retry_on), ap_uint},
    {BL_FOPT_DISABLE_TIMEOUT, "disable_timeout", NULL, 0, "disable-timeout", "[true/false]",
     BL_FOPT_STRING, NULL, NULL, "Disable timeout (true/false)",
     "true: login, shell and power timeouts get no bound of their own, as with fence_ipmilan. "
     "Unlike fence_ipmilan, it is not turned on by itself under Pacemaker: the timeouts you set "
     "are kept.",
     0, 0, ap_disable_timeout},
    {BL_FOPT_IPMITOOL_PATH, "ipmitool_path", NULL, 0, "ipmitool-path", "[path]", BL_FOPT_STRING,
     NULL, NULL, "Not used: fence_bmclink runs no ipmitool (accepted for fence_ipmilan)", NULL,
     BL_FOPTF_UNUSED, 0, ap_ignore},
    {BL_FOPT_IPMITOOL_TIMEOUT, "ipmitool_timeout", NULL, 0, "ipmitool-timeout", "[timeout]",
     BL_FOPT_STRING, NULL, NULL, "Timeout (sec) for IPMI operation",
     "As ipmitool -N: seconds between retransmissions of an unanswered request, 1 when unset "
     "(fence_ipmilan passes 2).",
     0, 0, ap_retransmit},
    {BL_FOPT_USE_SUDO, "use_sudo", "sudo", 0, "use-sudo", NULL, BL_FOPT_BOOLEAN, NULL, NULL,
     "Not used: fence_bmclink runs nothing through sudo (accepted for fence_ipmilan)", NULL,
     BL_FOPTF_UNUSED, 0, ap_ignore},
    {BL_FOPT_SUDO_PATH, "sudo_path", NULL, 0, "sudo-path", "[path]", BL_FOPT_STRING, NULL, NULL,
     "Not used: fence_bmclink runs nothing through sudo (accepted for fence_ipmilan)", NULL,
     BL_FOPTF_UNUSED, 0, ap_ignore},
    {BL_FOPT_PLUG_SEPARATOR, "plug_separator", NULL, 0, "plug-separator", "[char]", BL_FOPT_STRING,
     ",", NULL,
     "Not used: a BMC fences one machine, so there is one plug at most (accepted for "
     "fence_ipmilan)",
     NULL, BL_FOPTF_UNUSED, 0, ap_ignore},
    {BL_FOPT_BMCLINK_CONF, "bmclink_conf", NULL, 0, "bmclink-conf", "[path]", BL_FOPT_STRING,
     "/etc/bmclink/bmclink.conf", NULL,
     "bmclink's cluster configuration, where the agent reads which node's BMC this is",
     "A BMC cannot tell which cluster node it powers. When Pacemaker names its target "
     "(nodename) and this file gives that node another BMC address, every action fails "
     "without touching the BMC; status also fails (Pacemaker reads: cannot fence it) for a "
     "node the file does not list. So Pacemaker's default host check (status, for a device "
     "without pcmk_host_list) picks the right device. A missing file lists no node; none: "
     "no lookup (status then answers for any node, as fence_ipmilan's does).",
     0, F(bmclink_conf), ap_conf_path},
};

#undef F

const struct bl_fopt_def *
bl_fopt_table(void)
{
    return bl_fopts;
}

/* ---------------------------------------------------------------------------------- */
/* Actions.                                                                            */

static const char *const bl_action_names[] = {
    [BL_FENCE_ON] = "on",
    [BL_FENCE_OFF] = "off",
    [BL_FENCE_REBOOT] = "reboot",
    [BL_FENCE_STATUS] = "status",
    [BL_FENCE_MONITOR] = "monitor",
    [BL_FENCE_LIST] = "list",
    [BL_FENCE_LIST_STATUS] = "list-status",
    [BL_FENCE_METADATA] = "metadata",
    [BL_FENCE_MANPAGE] = "manpage",
    [BL_FENCE_VALIDATE_ALL] = "validate-all",
    [BL_FENCE_DIAG] = "diag",
};

int
bl_fence_action_parse(const char *text, enum bl_fence_action *out)
{
    if (text == NULL) {
        return BL_E_INVALID;
    }
    if (g_ascii_strcasecmp(text, "meta-data") == 0) {
        *out = BL_FENCE_METADATA;
        return BL_OK;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(bl_action_names); i++) {
        if (g_ascii_strcasecmp(text, bl_action_names[i]) == 0) {
            *out = (enum bl_fence_action) i;
            return BL_OK;
        }
    }
    return BL_E_INVALID;
}

const char *
bl_fence_action_name(enum bl_fence_action a)
{
    if ((size_t) a >= G_N_ELEMENTS(bl_action_names)) {
        return "unknown";
    }
    return bl_action_names[a];
}
