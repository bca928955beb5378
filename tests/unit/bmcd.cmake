# bmclinkd's BMC module: `bmclink status` on the wire (monitor/bmc_status.c).
bl_unit_test(test_bmc_status SOURCES ${CMAKE_CURRENT_LIST_DIR}/bmcd_test_status.c
             LIBS bmclink_status)

# The attribute publisher's election among the daemons whose BMC side runs (bmc_elect.h).
bl_unit_test(test_bmc_elect SOURCES ${CMAKE_CURRENT_LIST_DIR}/bmcd_test_elect.c LIBS bmclink_bmc)

# `bmclink config check` and `bmclinkd --check-config` on bmclink.conf (file:line errors).
add_test(NAME test_bmc_config_check
         COMMAND ${CMAKE_CURRENT_LIST_DIR}/bmcd_test_config_check.sh $<TARGET_FILE:bmclink-cli>
                 $<TARGET_FILE:bmclinkd> ${PROJECT_SOURCE_DIR}/conf/bmclink.conf.example)
set_tests_properties(test_bmc_config_check PROPERTIES LABELS unit)

# A BMC side that cannot start (password file missing, trap port held) leaves bmclinkd
# running with bmc.state=failed, retried until it runs (private network namespace; 77 without).
add_test(NAME test_bmcd_bmc_retry
         COMMAND ${CMAKE_CURRENT_LIST_DIR}/bmcd_test_bmc_retry.sh $<TARGET_FILE:bmclink-cli>
                 $<TARGET_FILE:bmclinkd> ${PROJECT_SOURCE_DIR}/conf/bmclink.conf.example)
set_tests_properties(test_bmcd_bmc_retry PROPERTIES LABELS unit SKIP_RETURN_CODE 77)
