/*
 * The configuration engine's value parsers (bl_conf.h): Pacemaker's spellings of booleans and
 * durations, in one place for every reader (key files, OCF parameters, fence options).
 *
 * Pacemaker 2.1's parsers are public (crm_str_to_boolean, crm_get_msec,
 * crm_parse_interval_spec in crm/common/util.h) but not called: they accept by prefix ("30s5",
 * "5mn", "2hours"), cut fractions ("1.5s" is 1 s), read P1D as 0 and P1W as 6 days (2.1.5), log
 * through Pacemaker's own callsites, and would pull libcrmcommon (libxml2, gnutls) into the
 * fence agent. tests/unit/test_conf_pcmk.c holds ours against them on the same strings.
 */
#include "bl_conf.h"
#include "bl_result.h"

#include <errno.h>
#include <string.h>

int
bl_conf_parse_bool(const char *text, bool *out)
{
    static const char *const yes[] = {"yes", "true", "on", "y", "1"};
    static const char *const no[] = {"no", "false", "off", "n", "0"};

    for (size_t i = 0; text != NULL && i < G_N_ELEMENTS(yes); i++) {
        if (g_ascii_strcasecmp(text, yes[i]) == 0 || g_ascii_strcasecmp(text, no[i]) == 0) {
            *out = g_ascii_strcasecmp(text, yes[i]) == 0;
            return BL_OK;
        }
    }
    return BL_E_INVALID;
}

/* *acc += n * factor, within UINT32_MAX (a duration no timer of ours could hold is refused). */
static int
add_scaled(uint64_t *acc, uint64_t n, uint64_t factor)
{
    if (n > (UINT32_MAX - *acc) / factor) {
        return -ERANGE;
    }
    *acc += n * factor;
    return BL_OK;
}

/* A run of NUMBER DESIGNATOR pairs, designators in the order given, each at most once. */
static int
iso_fields(const char **p, const char *designators, const uint64_t *factors, uint64_t *ms,
           bool *any)
{
    size_t next = 0;

    while (g_ascii_isdigit(**p)) {
        char *end = NULL;
        const char *d;
        uint64_t n;

        errno = 0;
        n = g_ascii_strtoull(*p, &end, 10);
        if (errno != 0) {
            return -ERANGE;
        }
        d = *end != '\0' ? strchr(designators + next, *end) : NULL;
        if (d == NULL) {
            return BL_E_INVALID;
        }
        if (add_scaled(ms, n, factors[d - designators]) != BL_OK) {
            return -ERANGE;
        }
        next = (size_t) (d - designators) + 1;
        *p = end + 1;
        *any = true;
    }
    return BL_OK;
}

/* ISO 8601 P[nW][nD][T[nH][nM][nS]]: years and months have no fixed length, so none. */
static int
parse_iso_duration(const char *text, uint64_t *ms)
{
    static const uint64_t date_f[] = {7 * 86400000ull, 86400000ull};
    static const uint64_t time_f[] = {3600000ull, 60000ull, 1000ull};
    const char *p = text + 1;
    bool any = false;
    bool any_time = false;
    uint64_t v = 0;
    int rc = iso_fields(&p, "WD", date_f, &v, &any);

    if (rc == BL_OK && *p == 'T') {
        p++;
        rc = iso_fields(&p, "HMS", time_f, &v, &any_time);
        rc = rc == BL_OK && !any_time ? BL_E_INVALID : rc;
    }
    if (rc == BL_OK && (*p != '\0' || !(any || any_time))) {
        rc = BL_E_INVALID;
    }
    if (rc == BL_OK) {
        *ms = v;
    }
    return rc;
}

int
bl_conf_parse_duration(const char *text, uint64_t bare_ms, uint64_t *ms)
{
    static const struct {
        const char *unit;
        uint64_t ms;
    } units[] = {{"ms", 1},    {"msec", 1},    {"s", 1000},    {"sec", 1000},
                 {"m", 60000}, {"min", 60000}, {"h", 3600000}, {"hr", 3600000}};
    g_autofree char *copy = text != NULL ? g_strstrip(g_strdup(text)) : NULL;
    char *end = NULL;
    uint64_t n;
    uint64_t v = 0;

    if (copy == NULL || ms == NULL) {
        return BL_E_INVALID;
    }
    if (copy[0] == 'P') {
        return parse_iso_duration(copy, ms);
    }
    if (!g_ascii_isdigit(copy[0])) {
        return BL_E_INVALID;
    }
    errno = 0;
    n = g_ascii_strtoull(copy, &end, 10);
    if (errno != 0) {
        return -ERANGE;
    }
    end = g_strchug(end);
    for (size_t i = 0; *end != '\0' && i < G_N_ELEMENTS(units); i++) {
        if (g_ascii_strcasecmp(end, units[i].unit) == 0) {
            bare_ms = units[i].ms;
            end += strlen(end);
        }
    }
    if (*end != '\0' || bare_ms == 0) {
        return BL_E_INVALID;
    }
    if (add_scaled(&v, n, bare_ms) != BL_OK) {
        return -ERANGE;
    }
    *ms = v;
    return BL_OK;
}

int
bl_conf_parse_ms(const char *text, uint64_t bare_ms, uint64_t min_ms, uint64_t max_ms, uint32_t *ms)
{
    uint64_t v = 0;

    if (bl_conf_parse_duration(text, bare_ms, &v) != BL_OK || v < min_ms || v > max_ms) {
        return BL_E_INVALID;
    }
    *ms = (uint32_t) v;
    return BL_OK;
}
