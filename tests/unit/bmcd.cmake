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

# The bmclinkd OCF agent's validate-all: OCF_ERR_INSTALLED for a file or secret this node
# lacks, OCF_ERR_CONFIGURED for a bad file, by --check-config's exit status.
add_test(NAME test_bmcd_agent_validate
         COMMAND ${CMAKE_CURRENT_LIST_DIR}/bmcd_test_agent_validate.sh
                 ${PROJECT_SOURCE_DIR}/agents/bmclinkd $<TARGET_FILE:bmclinkd>
                 $<TARGET_FILE:bmclink-reg> ${PROJECT_SOURCE_DIR}/conf/bmclink.conf.example)
set_tests_properties(test_bmcd_agent_validate PROPERTIES LABELS unit SKIP_RETURN_CODE 77)
