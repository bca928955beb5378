# ocf:bmclink:servicechain: installed where Pacemaker looks for provider "bmclink".
add_executable(servicechain ${CMAKE_CURRENT_LIST_DIR}/servicechain.c)
target_link_libraries(servicechain PRIVATE bmclink_warnings bmclink_chain)
install(TARGETS servicechain RUNTIME DESTINATION ${BMCLINK_OCF_DIR})

# Chain profiles for the manager's three service-set generations.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/conf/chains/
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bmclink/chains FILES_MATCHING PATTERN "*.chain")

