# Trap intake for bmclinkd: net-snmp glue and the GLib receiver, as a library the daemon
# links (not linked into bmclinkd yet). PIC so the ipmi_sim plug-in can reuse the senders.
pkg_check_modules(NETSNMP REQUIRED IMPORTED_TARGET netsnmp)

add_library(bmclink_trap STATIC
    ${CMAKE_CURRENT_LIST_DIR}/trap.c
    ${CMAKE_CURRENT_LIST_DIR}/trap_snmp.c
    ${CMAKE_CURRENT_LIST_DIR}/trap_send.c
)
target_include_directories(bmclink_trap PUBLIC ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(bmclink_trap PUBLIC bmclink PkgConfig::NETSNMP PkgConfig::GLIB)
set_target_properties(bmclink_trap PROPERTIES POSITION_INDEPENDENT_CODE ON)
if(BMCLINK_FUZZ)
    target_compile_options(bmclink_trap PRIVATE -fsanitize=fuzzer-no-link)
endif()

# The receiver alone and the trap blaster, for scripts/bench/trap-bench and the
# simulated-BMC tests (tests/bmcsim).
add_executable(trap_listen ${CMAKE_SOURCE_DIR}/scripts/bench/trap-bench-recv.c)
target_link_libraries(trap_listen PRIVATE bmclink_trap)
add_executable(trap_blast ${CMAKE_SOURCE_DIR}/scripts/bench/trap-bench-blast.c)
target_link_libraries(trap_blast PRIVATE bmclink_trap)
