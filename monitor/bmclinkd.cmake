# bmclinkd, the node daemon (daemon.h: thin main, one file per outside system, modules), and
# bmclink-reg, the registry's command line (the coordinator's `bmclink reg` runs it).
pkg_check_modules(COROSYNC REQUIRED IMPORTED_TARGET libcpg libvotequorum libcorosync_common)

add_executable(bmclinkd
    ${CMAKE_CURRENT_LIST_DIR}/main.c
    ${CMAKE_CURRENT_LIST_DIR}/config.c
    ${CMAKE_CURRENT_LIST_DIR}/ipc.c
    ${CMAKE_CURRENT_LIST_DIR}/cpg.c
    ${CMAKE_CURRENT_LIST_DIR}/reg_service.c
    ${CMAKE_CURRENT_LIST_DIR}/reg_requests.c
    ${CMAKE_CURRENT_LIST_DIR}/bmc_service.c
)
target_include_directories(bmclinkd PRIVATE ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(bmclinkd PRIVATE blreg bmclink_bmc bmclink_trap bmclink_status
                      PkgConfig::COROSYNC PkgConfig::QB PkgConfig::GLIB)

# render and the split writes come from the service chain's registry code (chain_reg.h).
add_executable(bmclink-reg ${CMAKE_CURRENT_LIST_DIR}/bmclink-reg.c)
target_link_libraries(bmclink-reg PRIVATE blreg bmclink_chain PkgConfig::QB PkgConfig::GLIB)

install(TARGETS bmclinkd RUNTIME DESTINATION ${CMAKE_INSTALL_SBINDIR})
install(TARGETS bmclink-reg RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
