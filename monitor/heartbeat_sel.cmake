# The heartbeat's SEL reader, part of the BMC side (bmc.cmake, included before this file).
target_sources(bmclink_bmc PRIVATE ${CMAKE_CURRENT_LIST_DIR}/heartbeat_sel.c)
