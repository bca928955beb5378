/*
 * bl-mangen's parts (bl_mangen.c, mangen_ocf.c): docs/man/ only, never installed.
 */
#ifndef BL_MANGEN_H
#define BL_MANGEN_H

/**
 * Print an OCF agent's man page from NAME to the examples, in the layout of resource-agents'
 * ocf_heartbeat_*(7): description, parameters, actions, crm and pcs examples.
 * \param[in] provider  the OCF provider (bmclink)
 * \param[in] xml       the agent's meta-data
 * \return 0, or 1 when the meta-data is not well-formed or names no agent (said on stderr)
 */
int mg_ocf(const char *provider, const char *xml);

#endif
