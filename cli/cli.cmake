# The `bmclink` administrator command; each subcommand is a cmd_*.c file.
add_executable(bmclink-cli ${CMAKE_CURRENT_LIST_DIR}/bmclink.c ${CMAKE_CURRENT_LIST_DIR}/cmd_chain.c
               ${CMAKE_CURRENT_LIST_DIR}/cmd_reg.c ${CMAKE_CURRENT_LIST_DIR}/cmd_status.c
               ${CMAKE_CURRENT_LIST_DIR}/cmd_config.c)
set_target_properties(bmclink-cli PROPERTIES OUTPUT_NAME bmclink
                      RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/cli)
target_include_directories(bmclink-cli PRIVATE ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(bmclink-cli PRIVATE bmclink_chain bmclink_status bmclink_bmc PkgConfig::QB)
install(TARGETS bmclink-cli RUNTIME DESTINATION ${CMAKE_INSTALL_SBINDIR})
