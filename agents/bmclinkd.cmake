# ocf:bmclink:bmclinkd: runs the node daemon as a Pacemaker clone (shell, ocf-shellfuncs).
install(PROGRAMS ${CMAKE_CURRENT_LIST_DIR}/bmclinkd DESTINATION ${BMCLINK_OCF_DIR})
