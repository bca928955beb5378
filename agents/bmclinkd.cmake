# ocf:bmclink:bmclinkd: runs the node daemon as a Pacemaker clone (shell, ocf-shellfuncs).
install(PROGRAMS ${CMAKE_CURRENT_LIST_DIR}/bmclinkd DESTINATION ${BMCLINK_OCF_DIR})

# The unit, an example configuration and the registry profiles, for packagers.
install(FILES ${PROJECT_SOURCE_DIR}/conf/systemd/bmclinkd.service
        DESTINATION lib/systemd/system)
install(FILES ${PROJECT_SOURCE_DIR}/conf/registry/bmclinkd.conf
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bmclink/examples)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/conf/registry/
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bmclink/registry FILES_MATCHING PATTERN "*.profile")
