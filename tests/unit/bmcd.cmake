# bmclinkd's BMC module: `bmclink status` on the wire (monitor/bmc_status.c).
bl_unit_test(test_bmc_status SOURCES ${CMAKE_CURRENT_LIST_DIR}/bmcd_test_status.c
             LIBS bmclink_status)
