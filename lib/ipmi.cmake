# IPMI client (OpenIPMI LAN layer on GLib) and the fence agent's logic.
target_sources(bmclink PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/bl_ipmi_msg.c
    ${CMAKE_CURRENT_LIST_DIR}/bl_ipmi_cipher.c
    ${CMAKE_CURRENT_LIST_DIR}/bl_ipmi_sha256.c
    ${CMAKE_CURRENT_LIST_DIR}/bl_ipmi_rakp256.c
    ${CMAKE_CURRENT_LIST_DIR}/bl_ipmi_probe.c
    ${CMAKE_CURRENT_LIST_DIR}/bl_ipmi_glib.c
    ${CMAKE_CURRENT_LIST_DIR}/bl_ipmi_lan.c
    ${CMAKE_CURRENT_LIST_DIR}/bl_ipmi_con.c
    ${CMAKE_CURRENT_LIST_DIR}/bl_ipmi_smi.c
    ${CMAKE_CURRENT_LIST_DIR}/bl_ipmi_route.c
    ${CMAKE_CURRENT_LIST_DIR}/bl_ipmi_sync.c
)
target_link_libraries(bmclink PUBLIC PkgConfig::OPENIPMI)
target_sources(bmclink PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/bl_fence_opt.c
    ${CMAKE_CURRENT_LIST_DIR}/bl_fence_opt_table.c
    ${CMAKE_CURRENT_LIST_DIR}/bl_fence_alias.c
    ${CMAKE_CURRENT_LIST_DIR}/bl_fence_doc.c
    ${CMAKE_CURRENT_LIST_DIR}/bl_fence.c
)
set_property(SOURCE ${CMAKE_CURRENT_LIST_DIR}/bl_fence_doc.c APPEND PROPERTY
    COMPILE_DEFINITIONS BL_VERSION="${PROJECT_VERSION}")
