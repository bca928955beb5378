/*
 * The server manager's site, set up as the vendor's cluster guide does it but for Pacemaker
 * (docs/esm.md): a short site file gives the manager's version and features, its install
 * folder, the floating IP, the shared volume, the nodes and their BMCs. From it come
 *  - the site's chain file (the version's profile with the site's version and features),
 *  - the whole Pacemaker configuration, as pcs commands or crmsh text (esm_gen.c),
 *  - the checks of every prerequisite on every node (esm_check.c),
 *  - the plan of a manager update (esm_plan.c).
 * Plain functions over explicit structs; `bmclink esm` (cli/cmd_esm.c) is the glue.
 *
 *     [site]
 *     version = 6.40
 *     features = dmi_events cooperator
 *     install_dir = /opt/esm
 *     manager_name = mgr_ESMPRO
 *     floating_ip = 192.168.0.11
 *     floating_cidr = 24
 *     volume_device = /dev/disk/by-label/esm-shared
 *     nodes = node1 node2
 *
 *     [stonith]
 *     node1 = 10.231.2.21
 *     node2 = 10.231.2.22
 */
#ifndef BL_ESM_H
#define BL_ESM_H

#include "chain.h"
#include "chain_kind.h"

#include <glib.h>
#include <stdbool.h>

struct bl_esm_node {
    char *name; /* the Pacemaker node name; also the host `check` reaches it by (ssh) */
    char *bmc;  /* its BMC's address for fence_bmclink; NULL: no fence device made */
};

struct bl_esm_managed {
    char *name;       /* a managed server, for messages */
    char *snmpd_conf; /* a readable copy of its snmpd.conf (trap destinations) */
};

struct bl_esm_site {
    char *source; /* the site file */
    /* the manager */
    char *version;      /* e.g. "6.40"; its major picks the profile esm-ver<major> */
    char *features;     /* the profile's features the site uses, as written ("none" ok) */
    char *install_dir;  /* absolute; the same on every node */
    char *manager_name; /* CommunityName / SM_NAME, the same on every node */
    char *folder_group; /* group of new folders on the volume (the ESMPRO user group); or NULL */
    /* the group */
    char *group;       /* Pacemaker group, default "esm"; resources <group>-ip, -fs, -chain */
    char *floating_ip; /* the FIP managed servers send their traps to */
    unsigned cidr;     /* its prefix length */
    char *nic;         /* or NULL: IPaddr2 picks the interface of the subnet */
    char *volume_device;
    char *fstype;    /* default ext4 */
    char *mount_dir; /* default /srv/esm */
    char *chain;     /* the site's chain file name, default esm-site */
    bool registry;   /* synchronized registry (default true) */
    char *registry_render;
    char *bmclinkd_config;
    bool bmclinkd_clone; /* create the bmclinkd clone (false: the cluster has it already) */
    /* nodes and fencing */
    size_t n_nodes;
    struct bl_esm_node *nodes;
    char *bmc_user;          /* default admin */
    char *bmc_password_file; /* default /etc/bmclink/bmc-password; read by fence_bmclink */
    /* checks */
    char *version_file;         /* its first line is the installed version; default
                                 * <install_dir>/VERSION */
    char *agent_events_command; /* prints the ServerAgent's "EVENT-ID ACTION" lines; or NULL */
    bool serveragent;           /* ESMPRO/ServerAgent runs on the nodes */
    size_t n_managed;
    struct bl_esm_managed *managed;
};

/**
 * Read and validate a site file. Every problem is reported, each with the file and key.
 * \param[out] out  on success, free with bl_esm_site_free()
 * \param[out] errmsg  on failure the problems, one a line; g_free(); may be NULL
 * \return 0, -ENOENT, BL_E_INVALID
 */
int bl_esm_site_load(const char *path, struct bl_esm_site **out, char **errmsg);

/** Free; accepts NULL. */
void bl_esm_site_free(struct bl_esm_site *site);

/** The profile for the site's version: "esm-ver4", "esm-ver5" or "esm-ver6"; static. */
const char *bl_esm_profile(const struct bl_esm_site *site);

/** The registry profile's file name for the version: "esmpro.profile" or
 * "esmpro-ver6.profile"; static. */
const char *bl_esm_registry_profile(const struct bl_esm_site *site);

/**
 * The site's chain file: the profile, the version and the features.
 * \return text for /etc/bmclink/chains/<chain>.chain; g_free()
 */
char *bl_esm_chain_text(const struct bl_esm_site *site);

/**
 * Resolve the site's chain as the agent will (the chain text above over the installed
 * profiles).
 * \param[in]  search_dirs  where the profiles are, NULL-terminated
 * \param[out] out          free with bl_chain_free()
 * \param[out] errmsg       on failure, g_free(); may be NULL
 */
int bl_esm_chain_load(const struct bl_esm_site *site, const char *const *search_dirs,
                      struct bl_chain **out, char **errmsg);

/**
 * The agent's "folders" parameter: each [folder] of the chain at its place below the
 * install folder ("work=/opt/esm/NVWORK service=/opt/esm/ESMWEB/..."). \return g_free()
 */
char *bl_esm_folders_param(const struct bl_esm_site *site, const struct bl_chain *chain);

/* esm_gen.c: the Pacemaker configuration. */

/** One pcs command: argv (NULL-terminated) and the comment printed above it (or NULL). */
struct bl_esm_cmd {
    char *comment;
    char **argv;
};

/**
 * The pcs commands that set the site up, in order: fencing, the bmclinkd clone, the group
 * (floating IP, file system, chain; the chain created disabled), its meta, the orders and
 * colocation with the clone, the BMCNOTICE location rule, node health, and last the chain
 * enabled.
 * \return array of struct bl_esm_cmd *, freeing them; g_ptr_array_unref()
 */
GPtrArray *bl_esm_pcs_commands(const struct bl_esm_site *site, const struct bl_chain *chain);

/** One command as a shell line, each word quoted where it must be (what the script and
 * `setup --apply` print). \return g_free() */
char *bl_esm_cmd_line(const struct bl_esm_cmd *c);

/** The same commands as a shell script (quoted), for a person to read. \return g_free() */
char *bl_esm_pcs_script(const struct bl_esm_site *site, const struct bl_chain *chain);

/** The crmsh twin, for `crm configure load update FILE`. \return g_free() */
char *bl_esm_crm_text(const struct bl_esm_site *site, const struct bl_chain *chain);

/* esm_plan.c */

/**
 * The manager's update as the guide walks it (only the chain stopped; the floating IP, the
 * volume and the registry kept online), as numbered steps a person reads before anything
 * changes. \param[in] crm  crmsh commands instead of pcs \return g_free()
 */
char *bl_esm_update_plan(const struct bl_esm_site *site, const struct bl_chain *chain, bool crm);

/* esm_check.c: what one node sees, and the checks over every node's facts. */

#define BL_ESM_AGENT_EVENTS 3 /* C00001FD, C0000203, C0000454 */

struct bl_esm_facts {
    char *node;
    char *version;          /* installed version, NULL when unreadable */
    bool install_dir;       /* the install folder exists */
    char **member_problems; /* validate-all's node checks (boot starts, missing units) */
    char **folders_missing; /* "NAME PATH" of mandatory folders not there */
    char **files_missing;   /* Ver.6 update: properties files missing in the service folder */
    char *nvisord_name;     /* CommunityName in nvisord.cf, NULL when none */
    char *sm_name;          /* SM_NAME in options.txt, NULL when none */
    char *cluster_fip;      /* CLUSTER_FIP in options.txt */
    char *indication_ip;    /* indicationReceiveGlobalIp in subscribeSetting.properties */
    char *mghtplog;         /* SHA-256 of MGHTPLOG.INF, NULL when absent */
    char *agent_events[BL_ESM_AGENT_EVENTS]; /* action after each event; NULL: unknown */
    char **registry_missing; /* required registry keys absent from this node's replica */
    bool registry_read;      /* the registry could be read */
};

/** The three ServerAgent events of the hardware guide, in facts order; static. */
extern const char *const bl_esm_agent_event_ids[BL_ESM_AGENT_EVENTS];

/**
 * Gather this node's facts: files below the install folder, the chain's node checks
 * (through sys), the agent-events command and the registry (through sys->exec).
 * \param[in] reg_cli  the registry's command line (bmclink-reg) or NULL to skip the registry
 * \param[in] reg_profile  the registry profile's path (or NULL)
 * \param[out] out  cleared first; bl_esm_facts_clear() it
 */
void bl_esm_gather(const struct bl_esm_site *site, const struct bl_chain *chain,
                   const struct bl_chain_sys *sys, const char *node, const char *reg_cli,
                   const char *reg_profile, struct bl_esm_facts *out);

/** Facts as text (a GKeyFile), what `bmclink esm facts` prints. \return g_free() */
char *bl_esm_facts_to_text(const struct bl_esm_facts *f);

/**
 * Parse facts text (from another node: hostile input, checked). \param[out] f cleared first
 * \return 0 or BL_E_INVALID (errmsg set, g_free())
 */
int bl_esm_facts_from_text(const char *text, struct bl_esm_facts *f, char **errmsg);

/** Free the facts' fields; accepts a zeroed struct. */
void bl_esm_facts_clear(struct bl_esm_facts *f);

/**
 * Check every prerequisite over every node's facts and the managed servers' trap
 * destinations: one line per violation, each saying what to do.
 * \param[in,out] lines  g_free'd strings appended
 */
void bl_esm_check(const struct bl_esm_site *site, const struct bl_chain *chain,
                  const struct bl_esm_facts *facts, size_t n_facts, GPtrArray *lines);

#endif
