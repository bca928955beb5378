# SEL events into #health-bmc: the decoder and classifier (lib/bl_sel.c), the heartbeat's
# SEL reader (monitor/heartbeat_sel.c) on a fake SEL, and the reader against a real ipmi_sim.
bl_unit_test(test_sel SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_sel.c)
bl_unit_test(test_heartbeat_sel SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_heartbeat_sel.c
             LIBS bmclink_bmc)

# The heartbeat with its SEL reader against a real ipmi_sim in a private network namespace
# (root; skips otherwise), Pacemaker replaced by a recorder of attribute writes.
add_executable(heartbeat_sel_sim ${CMAKE_CURRENT_LIST_DIR}/heartbeat_sel_sim.c)
target_link_libraries(heartbeat_sel_sim PRIVATE bmclink_bmc)
add_test(NAME test_heartbeat_sel_sim
         COMMAND ${CMAKE_CURRENT_LIST_DIR}/heartbeat_sel_sim.sh $<TARGET_FILE:heartbeat_sel_sim>)
set_tests_properties(test_heartbeat_sel_sim PROPERTIES SKIP_RETURN_CODE 77 LABELS integration
                     TIMEOUT 120)
