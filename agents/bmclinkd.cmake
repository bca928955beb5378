# ocf:bmclink:bmclinkd: runs the node daemon as a Pacemaker clone (shell, ocf-shellfuncs).
install(PROGRAMS ${CMAKE_CURRENT_LIST_DIR}/bmclinkd DESTINATION ${BMCLINK_OCF_DIR})

# The unit and the registry profiles (docs/CMakeLists.txt installs the example files).
install(FILES ${PROJECT_SOURCE_DIR}/conf/systemd/bmclinkd.service
        DESTINATION ${BMCLINK_SYSTEMD_UNIT_DIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/conf/registry/
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bmclink/registry FILES_MATCHING PATTERN "*.profile")
