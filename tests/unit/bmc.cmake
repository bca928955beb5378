# The BMC side of bmclinkd (monitor/bmc.cmake): recovery, Pacemaker seam, heartbeat.
bl_unit_test(test_recovery SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_recovery.c LIBS bmclink_bmc)
bl_unit_test(test_pcmk SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_pcmk.c LIBS bmclink_bmc)
bl_unit_test(test_pcmk_proc SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_pcmk_proc.c LIBS bmclink_bmc)
bl_unit_test(test_recovery_config SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_recovery_config.c
             LIBS bmclink_bmc)
bl_unit_test(test_heartbeat_core SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_heartbeat_core.c
             LIBS bmclink_bmc)
bl_unit_test(test_heartbeat SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_heartbeat.c
             ${CMAKE_CURRENT_LIST_DIR}/bmc_fakes.c LIBS bmclink_bmc)
bl_unit_test(test_recovery_run SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_recovery_run.c
             ${CMAKE_CURRENT_LIST_DIR}/bmc_fakes.c LIBS bmclink_bmc)

# bmc_driver against a real ipmi_sim with the bmcsim plug-in in a private network namespace
# (root; skips otherwise): notices in order, forged traps dropped, BMC loss (no cluster).
add_test(NAME test_bmc_driver_sim
         COMMAND ${CMAKE_CURRENT_LIST_DIR}/../bmcnotice/test-bmc-driver.sh
                 $<TARGET_FILE:bmc_driver> $<TARGET_FILE:bmcsim>)
set_tests_properties(test_bmc_driver_sim PROPERTIES SKIP_RETURN_CODE 77 LABELS integration
                     TIMEOUT 120)
