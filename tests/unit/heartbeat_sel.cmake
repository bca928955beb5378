# SEL events into #health-bmc: the decoder and classifier (lib/bl_sel.c), the heartbeat's
# SEL reader (monitor/heartbeat_sel.c) on a fake SEL, and the reader against a real ipmi_sim.
bl_unit_test(test_sel SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_sel.c)
bl_unit_test(test_heartbeat_sel SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_heartbeat_sel.c
             ${CMAKE_CURRENT_LIST_DIR}/bmc_fakes.c LIBS bmclink_bmc)

# The heartbeat with its SEL reader against a real ipmi_sim in a private network namespace
# (root; skips otherwise), Pacemaker replaced by a recorder of attribute writes.
add_executable(heartbeat_sel_sim ${CMAKE_CURRENT_LIST_DIR}/heartbeat_sel_sim.c)
target_link_libraries(heartbeat_sel_sim PRIVATE bmclink_bmc)
add_test(NAME test_heartbeat_sel_sim
         COMMAND ${CMAKE_CURRENT_LIST_DIR}/heartbeat_sel_sim.sh $<TARGET_FILE:heartbeat_sel_sim>)
set_tests_properties(test_heartbeat_sel_sim PROPERTIES SKIP_RETURN_CODE 77 LABELS integration
                     TIMEOUT 120)

# Fuzz target of the SEL path (tests/fuzz/fuzz_sel.c): a hostile BMC's replies through the
# reader and the decoders. Without BMCLINK_FUZZ it replays its seeds (tests/fuzz/fuzz_sel/)
# under CTest; with it (clang) tests/fuzz/run drives it. The reader is compiled in, so the
# coverage instrumentation stays out of bmclink_bmc.
set(_sel_fuzz ${CMAKE_CURRENT_LIST_DIR}/../fuzz/fuzz_sel.c
    ${CMAKE_CURRENT_LIST_DIR}/../../monitor/heartbeat_sel.c)
if(BMCLINK_FUZZ)
    add_executable(fuzz_sel ${_sel_fuzz})
    target_include_directories(fuzz_sel PRIVATE ${CMAKE_SOURCE_DIR}/monitor)
    target_link_libraries(fuzz_sel PRIVATE bmclink)
    target_compile_options(fuzz_sel PRIVATE -fsanitize=fuzzer,address,undefined)
    target_link_options(fuzz_sel PRIVATE -fsanitize=fuzzer,address,undefined)
else()
    add_executable(replay_sel ${_sel_fuzz} ${CMAKE_CURRENT_LIST_DIR}/../fuzz/replay_main.c)
    target_include_directories(replay_sel PRIVATE ${CMAKE_SOURCE_DIR}/monitor)
    target_link_libraries(replay_sel PRIVATE bmclink)
    add_test(NAME replay_sel COMMAND replay_sel ${CMAKE_CURRENT_LIST_DIR}/../fuzz/fuzz_sel)
    set_tests_properties(replay_sel PROPERTIES LABELS unit)
endif()
