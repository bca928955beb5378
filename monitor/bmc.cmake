# The BMC side of bmclinkd: the recovery of a fatal BMCNOTICE (state machine and glue), the
# Pacemaker seam (public tools run as async subprocesses), the BMC heartbeat and #health-bmc,
# and the stack that wires them with the trap receiver (bmc_stack.h). A static library the
# daemon links; bmc_driver runs the same stack alone (benchmarks, test-bmc-driver.sh).
if(NOT TARGET PkgConfig::GIO)
    pkg_check_modules(GIO REQUIRED IMPORTED_TARGET gio-2.0 gio-unix-2.0)
endif()

add_library(bmclink_bmc STATIC
    ${CMAKE_CURRENT_LIST_DIR}/recovery.c
    ${CMAKE_CURRENT_LIST_DIR}/recovery_config.c
    ${CMAKE_CURRENT_LIST_DIR}/recovery_keyfile.c
    ${CMAKE_CURRENT_LIST_DIR}/recovery_run.c
    ${CMAKE_CURRENT_LIST_DIR}/pcmk.c
    ${CMAKE_CURRENT_LIST_DIR}/pcmk_proc.c
    ${CMAKE_CURRENT_LIST_DIR}/heartbeat_core.c
    ${CMAKE_CURRENT_LIST_DIR}/heartbeat.c
    ${CMAKE_CURRENT_LIST_DIR}/bmc_stack.c
    ${CMAKE_CURRENT_LIST_DIR}/bmc_elect.c
)
target_include_directories(bmclink_bmc PUBLIC ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(bmclink_bmc PUBLIC bmclink bmclink_trap PkgConfig::GLIB PkgConfig::GIO)

# `bmclink status` on the wire (encoder for the daemon, checking decoder for the command).
add_library(bmclink_status STATIC ${CMAKE_CURRENT_LIST_DIR}/bmc_status.c)
target_include_directories(bmclink_status PUBLIC ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(bmclink_status PUBLIC bmclink PkgConfig::GLIB)

# bmclinkd's BMC side alone (trap receiver, heartbeat, recovery) for the benchmarks
# (scripts/bench/notice-bench, heartbeat-bench) and test-bmc-driver.sh; the same stack as bmclinkd.
add_executable(bmc_driver ${CMAKE_SOURCE_DIR}/scripts/bench/bmc-driver.c)
target_link_libraries(bmc_driver PRIVATE bmclink_bmc)
